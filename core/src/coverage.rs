//! How much of the group this device holds. A member's device with a grant of some units (or
//! some contacts) holds only those records, so a count it makes of anything wider is a count of
//! what it was given: the wall chart, structure tests and benchmarks mark such counts partial
//! rather than let a committee read a partial count as the whole workplace.

use std::collections::{BTreeSet, HashMap};

use crate::error::Result;
use crate::group::Group;
use crate::ids::UnitId;

/// The part of the group this device's grant covers.
#[derive(Debug, Clone)]
pub(crate) struct Coverage {
    everything: bool,
    /// Granted units; each covers the units below it.
    units: BTreeSet<[u8; 16]>,
    parents: HashMap<UnitId, Option<UnitId>>,
}

impl Coverage {
    /// Whether this device holds every record of the group.
    pub(crate) fn everything(&self) -> bool {
        self.everything
    }

    /// Whether this device holds every contact in `unit` and the units below it.
    pub(crate) fn covers_unit(&self, unit: UnitId) -> bool {
        if self.everything {
            return true;
        }
        let mut current = Some(unit);
        // Bounded: concurrent moves can leave a cycle in the tree until someone fixes it.
        for _ in 0..64 {
            let Some(u) = current else { return false };
            if self.units.contains(u.as_bytes()) {
                return true;
            }
            current = self.parents.get(&u).copied().flatten();
        }
        false
    }

    /// Whether a count over `unit` (the whole group for `None`) is complete on this device.
    pub(crate) fn complete_for(&self, unit: Option<UnitId>) -> bool {
        match unit {
            Some(u) => self.covers_unit(u),
            None => self.everything,
        }
    }
}

impl Group {
    /// What this device's grant covers, from the membership log and the unit index (no record
    /// is loaded). A device that is not (or no longer) a member covers nothing for sure.
    pub(crate) fn coverage(&self) -> Result<Coverage> {
        let me = self.repo.device();
        let grant = self.members()?.grant(&me).unwrap_or_default();
        let parents = if grant.everything {
            HashMap::new()
        } else {
            self.units()?
                .into_iter()
                .map(|u| (u.id, u.parent))
                .collect()
        };
        Ok(Coverage {
            everything: grant.everything,
            units: grant.units,
            parents,
        })
    }

    /// Whether this device holds every record of the group (an admin's, or a grant of
    /// everything); counts made elsewhere are partial.
    pub fn holds_everything(&self) -> Result<bool> {
        Ok(self.coverage()?.everything())
    }
}
