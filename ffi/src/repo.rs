//! The device's encrypted store and its groups.

use std::sync::Arc;

use groundwork_core::ids::GroupId;
use groundwork_core::{Repo, StoreKey};

use crate::error::{GroundworkError, Result};
use crate::group::{Group, GroupSummary};
use crate::model::parse;
use crate::node::{Node, NodeOptions};
use crate::runtime;

/// This device's store: an encrypted SQLCipher file holding its groups, and the device's key.
///
/// Open one per store file and keep it for the app's lifetime: a second `open` of the same file
/// (in this process or another) fails with `Storage` ("in use") while the first is alive. The
/// file is released when this object and every `Group` and `Node` made from it are gone.
#[derive(uniffi::Object)]
pub struct GroundworkStore {
    pub(crate) inner: Repo,
}

#[uniffi::export(async_runtime = "tokio")]
impl GroundworkStore {
    /// Opens the store at `path`, creating it (and its folder) if absent. `key` is the raw 32-byte
    /// key from the platform keystore: another length is `InvalidInput`; a key that does not open
    /// the file (or a file that is not a store) is `Storage`, and the file is left untouched.
    #[uniffi::constructor]
    pub async fn open(path: String, key: Vec<u8>) -> Result<Arc<Self>> {
        if path.trim().is_empty() {
            return Err(GroundworkError::invalid("path: must not be empty"));
        }
        let key = StoreKey::from_bytes(&key)?;
        let inner = runtime::blocking(move || Ok(Repo::open(&path, &key)?)).await?;
        Ok(Arc::new(Self { inner }))
    }

    /// This device's id (its public key, hex): its id to other devices.
    pub fn device_id(&self) -> String {
        self.inner.device_id()
    }

    /// This device's fingerprint (four groups of five digits), for people to compare when one
    /// device admits another.
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    /// Creates a group; this device becomes its first admin.
    pub fn create_group(&self, name: String) -> Result<Arc<Group>> {
        let group = self.inner.create_group(&name)?;
        Ok(Group::wrap(group, self.inner.device()))
    }

    /// The groups on this device, oldest first.
    pub fn groups(&self) -> Result<Vec<GroupSummary>> {
        Ok(self
            .inner
            .groups()?
            .into_iter()
            .map(|(id, name)| GroupSummary {
                id: id.to_string(),
                name,
            })
            .collect())
    }

    /// A group on this device, by id (`NotFound` if it is not here).
    pub fn group(&self, id: String) -> Result<Arc<Group>> {
        let group = self.inner.group(parse::<GroupId>(&id)?)?;
        Ok(Group::wrap(group, self.inner.device()))
    }

    /// Starts this device on the network: binds the endpoint and serves sync and (while an invite
    /// is live) joins. Keep the node while the app is in the foreground; `shutdown` it after.
    pub async fn start_node(&self, options: NodeOptions) -> Result<Arc<Node>> {
        Node::start(self.inner.clone(), options).await
    }
}
