//! One group's records: contacts, conversations, follow-ups, plans, conflicts, erasure, members
//! and subscriptions.
//!
//! Every write is one durable transaction: when a call returns, the write is on disk (and
//! subscribers are told); when it fails, nothing was written.

use std::sync::Arc;

use groundwork_core::ids::{ContactId, ConversationId, DocId, FollowUpId, PlanId, TerrainTreeId};
use groundwork_core::model as gw;
use groundwork_core::proto::membership as pm;
use groundwork_core::query as q;

use crate::error::{GroundworkError, Result};
use crate::events::{
    self, ContactListListener, FollowUpListListener, RecordFilter, RecordKind, RecordListener,
    SubscriptionHandle,
};
use crate::model::{
    Contact, ContactEdit, EDITS_MAX, FollowUp, FollowUpEdit, GroupSettings, NewContact,
    NewConversation, NewFollowUp, NewPlan, NewTerrainTree, Plan, PlanEdit, SettingsEdit,
    TerrainEdit, TerrainTree, at_most, parse, update,
};
use crate::node::Grant;
use crate::query::{
    ContactQuery, ContactSummary, ConversationQuery, ConversationSummary, FollowUpQuery,
    FollowUpSummary, PlanSummary, UnitSummary,
};

/// A group on this device: its id and name.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
}

/// What a member may do besides reading and writing within its grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// Adds and removes devices, erases records, changes the group's settings.
    Admin,
    /// Reads and writes the records its grant covers.
    Member,
}

/// A member device of the group.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Member {
    pub device_id: String,
    pub name: String,
    pub role: Role,
    /// What it may see and write (admins: everything).
    pub grant: Grant,
    /// This is the device the store belongs to.
    pub is_this_device: bool,
}

/// A recorded conversation, and the follow-up recorded with it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordedConversation {
    pub conversation_id: String,
    pub follow_up_id: Option<String>,
}

/// A handle on one group. Cheap; get it again from the store whenever convenient.
#[derive(uniffi::Object)]
pub struct Group {
    pub(crate) inner: groundwork_core::Group,
    /// This device (the store's), to mark it among the members.
    device: pm::DeviceId,
}

impl Group {
    pub(crate) fn wrap(inner: groundwork_core::Group, device: pm::DeviceId) -> Arc<Self> {
        Arc::new(Self { inner, device })
    }
}

// The order below is the order of the generated docs: records most used first, then membership,
// then subscriptions.
#[uniffi::export]
impl Group {
    /// The group's id.
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The group's settings: its name and assessment scale.
    pub fn settings(&self) -> Result<GroupSettings> {
        Ok(self.inner.settings()?.into())
    }

    /// Changes the group's settings (an admin's act); returns them as merged.
    #[uniffi::method(default(base = None))]
    pub fn update_settings(
        &self,
        edits: Vec<SettingsEdit>,
        base: Option<String>,
    ) -> Result<GroupSettings> {
        at_most("edits", &edits, EDITS_MAX)?;
        let update: gw::Update<gw::SettingsEdit> = update(base, edits)?;
        Ok(self.inner.update_settings(&update)?.into())
    }

    // --- contacts --------------------------------------------------------------------------

    /// Adds a contact; returns it as stored.
    pub fn create_contact(&self, contact: NewContact) -> Result<Contact> {
        let new: gw::NewContact = contact.try_into()?;
        Ok(self.inner.create_contact(&new)?.into())
    }

    /// A contact with its conversations and any conflicts.
    pub fn contact(&self, id: String) -> Result<Contact> {
        Ok(self.inner.contact(parse::<ContactId>(&id)?)?.into())
    }

    /// Contacts matching a query, by name (read from the index only).
    pub fn contacts(&self, query: ContactQuery) -> Result<Vec<ContactSummary>> {
        let query: q::ContactQuery = query.try_into()?;
        Ok(self
            .inner
            .contacts(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many contacts match a query (limit and offset are ignored).
    pub fn count_contacts(&self, query: ContactQuery) -> Result<u64> {
        let query: q::ContactQuery = query.try_into()?;
        Ok(self.inner.count_contacts(&query)?)
    }

    /// Applies per-field edits to a contact and returns it as merged. Pass the `meta.version`
    /// the screen showed as `base`: the edits are then applied there and merged forward, so a
    /// change that arrived meanwhile (by sync or on another screen) is kept. An unknown `base`
    /// (from a device whose changes have not arrived yet) is `Conflict`.
    #[uniffi::method(default(base = None))]
    pub fn update_contact(
        &self,
        id: String,
        edits: Vec<ContactEdit>,
        base: Option<String>,
    ) -> Result<Contact> {
        at_most("edits", &edits, EDITS_MAX)?;
        let update: gw::ContactUpdate = update(base, edits)?;
        Ok(self
            .inner
            .update_contact(parse::<ContactId>(&id)?, &update)?
            .into())
    }

    // --- conversations ---------------------------------------------------------------------

    /// Records a one-on-one with a contact: the steps, the assessment (a value on the group's
    /// scale) and next steps, and optionally a follow-up, all in one write. The follow-up is
    /// linked to the contact and to the conversation.
    #[uniffi::method(default(follow_up = None))]
    pub fn record_conversation(
        &self,
        contact_id: String,
        conversation: NewConversation,
        follow_up: Option<NewFollowUp>,
    ) -> Result<RecordedConversation> {
        let contact = parse::<ContactId>(&contact_id)?;
        let conversation: gw::NewConversation = conversation.try_into()?;
        let follow_up: Option<gw::NewFollowUp> = follow_up.map(TryInto::try_into).transpose()?;
        let (c, f) = self.inner.batch(|b| {
            let c = b.record_conversation(contact, &conversation)?;
            let f = match follow_up {
                Some(mut f) => {
                    f.contact = Some(contact);
                    f.conversation = Some(c);
                    Some(b.create_follow_up(&f)?)
                }
                None => None,
            };
            Ok((c, f))
        })?;
        Ok(RecordedConversation {
            conversation_id: c.to_string(),
            follow_up_id: f.map(|f| f.to_string()),
        })
    }

    /// Records a correction of a conversation as a new revision (the earlier words stay in the
    /// log); returns the new revision number.
    pub fn correct_conversation(
        &self,
        contact_id: String,
        conversation_id: String,
        conversation: NewConversation,
    ) -> Result<u32> {
        let conversation: gw::NewConversation = conversation.try_into()?;
        Ok(self.inner.correct_conversation(
            parse::<ContactId>(&contact_id)?,
            parse::<ConversationId>(&conversation_id)?,
            &conversation,
        )?)
    }

    /// Conversations matching a query, newest first (read from the index only).
    pub fn conversations(&self, query: ConversationQuery) -> Result<Vec<ConversationSummary>> {
        let query: q::ConversationQuery = query.try_into()?;
        Ok(self
            .inner
            .conversations(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    // --- follow-ups ------------------------------------------------------------------------

    /// Creates a follow-up.
    pub fn create_follow_up(&self, follow_up: NewFollowUp) -> Result<FollowUp> {
        let new: gw::NewFollowUp = follow_up.try_into()?;
        Ok(self.inner.create_follow_up(&new)?.into())
    }

    /// A follow-up.
    pub fn follow_up(&self, id: String) -> Result<FollowUp> {
        Ok(self.inner.follow_up(parse::<FollowUpId>(&id)?)?.into())
    }

    /// Follow-ups matching a query, soonest due first (undated last). For "due now", set
    /// `due_before_ms` to the current time.
    pub fn follow_ups(&self, query: FollowUpQuery) -> Result<Vec<FollowUpSummary>> {
        let query: q::FollowUpQuery = query.try_into()?;
        Ok(self
            .inner
            .follow_ups(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many follow-ups match (for a reminder that shows a count, never a name).
    pub fn count_follow_ups(&self, query: FollowUpQuery) -> Result<u64> {
        let query: q::FollowUpQuery = query.try_into()?;
        Ok(self.inner.count_follow_ups(&query)?)
    }

    /// Applies per-field edits to a follow-up (`base` as in `update_contact`).
    #[uniffi::method(default(base = None))]
    pub fn update_follow_up(
        &self,
        id: String,
        edits: Vec<FollowUpEdit>,
        base: Option<String>,
    ) -> Result<FollowUp> {
        at_most("edits", &edits, EDITS_MAX)?;
        let update: gw::Update<gw::FollowUpEdit> = update(base, edits)?;
        Ok(self
            .inner
            .update_follow_up(parse::<FollowUpId>(&id)?, &update)?
            .into())
    }

    // --- plans -----------------------------------------------------------------------------

    /// Creates a plan.
    pub fn create_plan(&self, plan: NewPlan) -> Result<Plan> {
        let new: gw::NewPlan = plan.try_into()?;
        Ok(self.inner.create_plan(&new)?.into())
    }

    /// A plan.
    pub fn plan(&self, id: String) -> Result<Plan> {
        Ok(self.inner.plan(parse::<PlanId>(&id)?)?.into())
    }

    /// The plans, by title.
    pub fn plans(&self) -> Result<Vec<PlanSummary>> {
        Ok(self
            .inner
            .plans()?
            .into_iter()
            .map(|(id, title)| PlanSummary {
                id: id.to_string(),
                title,
            })
            .collect())
    }

    /// Applies per-field edits to a plan (`base` as in `update_contact`).
    #[uniffi::method(default(base = None))]
    pub fn update_plan(
        &self,
        id: String,
        edits: Vec<PlanEdit>,
        base: Option<String>,
    ) -> Result<Plan> {
        at_most("edits", &edits, EDITS_MAX)?;
        let update: gw::Update<gw::PlanEdit> = update(base, edits)?;
        Ok(self
            .inner
            .update_plan(parse::<PlanId>(&id)?, &update)?
            .into())
    }

    // --- terrain ---------------------------------------------------------------------------

    /// Creates a terrain tree (a workplace or building); add its units with `update_terrain`.
    pub fn create_terrain(&self, tree: NewTerrainTree) -> Result<TerrainTree> {
        Ok(self.inner.create_terrain(&tree.into())?.into())
    }

    /// A terrain tree with its units.
    pub fn terrain(&self, id: String) -> Result<TerrainTree> {
        Ok(self.inner.terrain(parse::<TerrainTreeId>(&id)?)?.into())
    }

    /// Applies edits to a terrain tree (`base` as in `update_contact`).
    #[uniffi::method(default(base = None))]
    pub fn update_terrain(
        &self,
        id: String,
        edits: Vec<TerrainEdit>,
        base: Option<String>,
    ) -> Result<TerrainTree> {
        at_most("edits", &edits, EDITS_MAX)?;
        let update: gw::Update<gw::TerrainEdit> = update(base, edits)?;
        Ok(self
            .inner
            .update_terrain(parse::<TerrainTreeId>(&id)?, &update)?
            .into())
    }

    /// Every terrain unit of every tree, by name (read from the index only).
    pub fn units(&self) -> Result<Vec<UnitSummary>> {
        Ok(self.inner.units()?.into_iter().map(Into::into).collect())
    }

    // --- conflicts and erasure -------------------------------------------------------------

    /// Settles a conflict (listed in a record's `meta.conflicts`) by choosing one of its values.
    pub fn resolve_conflict(&self, record_id: String, field: String, chosen: String) -> Result<()> {
        Ok(self
            .inner
            .resolve_conflict(parse::<DocId>(&record_id)?, &field, &chosen)?)
    }

    /// Erases a contact for good (an admin's act): its record, conversations and stored bytes,
    /// the follow-ups about them, and links to them elsewhere. It stays erased on every device.
    pub fn erase_contact(&self, id: String) -> Result<()> {
        Ok(self.inner.erase_contact(parse::<ContactId>(&id)?)?)
    }

    /// Erases a follow-up (an admin's act).
    pub fn erase_follow_up(&self, id: String) -> Result<()> {
        let id = parse::<FollowUpId>(&id)?;
        Ok(self.inner.batch(|b| b.erase_follow_up(id))?)
    }

    /// Erases a plan (an admin's act).
    pub fn erase_plan(&self, id: String) -> Result<()> {
        let id = parse::<PlanId>(&id)?;
        Ok(self.inner.batch(|b| b.erase_plan(id))?)
    }

    /// Whether a record was erased on this device.
    pub fn is_erased(&self, record_id: String) -> Result<bool> {
        Ok(self.inner.is_erased(parse::<DocId>(&record_id)?)?)
    }

    // --- membership ------------------------------------------------------------------------

    /// The member devices, with roles and grants.
    pub fn members(&self) -> Result<Vec<Member>> {
        let state = self.inner.members()?;
        Ok(state
            .members
            .into_values()
            .map(|m| Member {
                device_id: m.device.to_string(),
                name: m.name,
                role: m.role.into(),
                grant: if m.role == pm::Role::Admin {
                    Grant::everything()
                } else {
                    m.grant.into()
                },
                is_this_device: m.device == self.device,
            })
            .collect())
    }

    /// This device's role, or `None` if it is not (or no longer) a member.
    pub fn my_role(&self) -> Result<Option<Role>> {
        Ok(self.inner.my_role()?.map(Into::into))
    }

    /// Removes a device from the group (an admin's act): from then on it gets nothing from any
    /// member that has heard of the removal.
    pub fn remove_device(&self, device_id: String) -> Result<()> {
        Ok(self.inner.remove_device(device_id_from(&device_id)?)?)
    }

    // --- subscriptions ---------------------------------------------------------------------

    /// Calls `listener` for each change in this group matching `filter` (edits here and changes
    /// arriving by sync), from now on, until the handle is cancelled or dropped.
    pub fn subscribe(
        &self,
        filter: RecordFilter,
        listener: Arc<dyn RecordListener>,
    ) -> Result<Arc<SubscriptionHandle>> {
        let sub = self.inner.subscribe(filter.try_into()?);
        Ok(SubscriptionHandle::spawn(events::forward_records(
            sub, listener,
        )))
    }

    /// Watches a contact query for a list screen: calls `listener` with the current rows at
    /// once, then with the new rows whenever a change (here or by sync) alters them, until the
    /// handle is cancelled or dropped.
    pub fn watch_contacts(
        &self,
        query: ContactQuery,
        listener: Arc<dyn ContactListListener>,
    ) -> Result<Arc<SubscriptionHandle>> {
        let query: q::ContactQuery = query.try_into()?;
        // A contact list changes through contacts, and through the settings (assessment labels,
        // "supporter or better").
        let kinds = vec![RecordKind::Contact.into(), RecordKind::Settings.into()];
        let watch = self.inner.watch(kinds, move |g| g.contacts(&query));
        Ok(SubscriptionHandle::spawn(events::forward_watch(
            watch,
            move |rows: Vec<ContactSummary>| listener.on_contacts(rows),
        )))
    }

    /// Watches a follow-up query (for example what is due) like `watch_contacts`. "Due" is
    /// judged against `due_before_ms` as given: a screen showing "due now" re-watches as the
    /// clock moves.
    pub fn watch_follow_ups(
        &self,
        query: FollowUpQuery,
        listener: Arc<dyn FollowUpListListener>,
    ) -> Result<Arc<SubscriptionHandle>> {
        let query: q::FollowUpQuery = query.try_into()?;
        let kinds = vec![RecordKind::FollowUp.into()];
        let watch = self.inner.watch(kinds, move |g| g.follow_ups(&query));
        Ok(SubscriptionHandle::spawn(events::forward_watch(
            watch,
            move |rows: Vec<FollowUpSummary>| listener.on_follow_ups(rows),
        )))
    }
}

/// A device id from its 64-hex-character form.
pub(crate) fn device_id_from(s: &str) -> Result<pm::DeviceId> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut bytes)
        .map_err(|_| GroundworkError::invalid("device id: 64 hexadecimal characters"))?;
    Ok(pm::DeviceId(bytes))
}

impl From<pm::Role> for Role {
    fn from(r: pm::Role) -> Self {
        match r {
            pm::Role::Admin => Self::Admin,
            pm::Role::Member => Self::Member,
        }
    }
}

impl From<Role> for pm::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => Self::Admin,
            Role::Member => Self::Member,
        }
    }
}
