//! Matching imported records against the group and each other, and writing the result.
//!
//! Records are matched by normalised phone number (digits only, [`phone_key`]) and email
//! (trimmed, lowercase). Every record ends up in one *target*: a new contact, or an existing one
//! that gains what it lacks. The plan is computed without writing; [`apply`] writes targets in
//! batches, each target inside exactly one batch.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
#[cfg(feature = "store")]
use std::time::Instant;

use automerge::ActorId;

use super::columns::{ColumnMapping, Tool};
use super::{Format, InterchangeError, MAX_IMPORT_RECORDS, SourceRecord};
use crate::error::Error;
#[cfg(feature = "store")]
use crate::group::Group;
use crate::ids::ContactId;
use crate::model::validate::phone_key;
use crate::model::{Contact, NewContact};
#[cfg(feature = "store")]
use crate::model::{ContactEdit, ContactList, ContactUpdate};

/// Contacts written per transaction. Big enough that a 5,000-row file is 20 commits, small
/// enough that a failure loses little and memory stays flat.
pub const IMPORT_BATCH: usize = 250;

/// What an import would add to an existing contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Additions {
    /// (label, number)
    pub phones: Vec<(String, String)>,
    /// (label, address)
    pub emails: Vec<(String, String)>,
    pub tags: Vec<String>,
}

impl Additions {
    /// Nothing to add: the contact already has all of it.
    pub fn is_empty(&self) -> bool {
        self.phones.is_empty() && self.emails.is_empty() && self.tags.is_empty()
    }
}

/// What happens to one record of the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowAction {
    /// A new contact.
    Create,
    /// Same phone or email as an earlier record of the file: merged into that record's contact.
    MergeIntoRow { into_line: u64 },
    /// Same phone or email as a contact of the group: it gains what it lacks (its name stays).
    /// `adds` is what this record brings that the contact (and earlier records) did not have.
    MergeIntoContact {
        id: ContactId,
        name: String,
        adds: Additions,
    },
    /// Not imported.
    Skip { reason: String },
}

/// One record and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowPlan {
    /// Where the record starts in the file (1-based).
    pub line: u64,
    /// The name as read (or the email or phone standing in for a missing name).
    pub name: String,
    #[serde(flatten)]
    pub action: RowAction,
}

enum Target {
    New {
        first_line: u64,
        contact: NewContact,
    },
    Existing {
        first_line: u64,
        id: ContactId,
        adds: Additions,
    },
}

impl Target {
    fn first_line(&self) -> u64 {
        match self {
            Target::New { first_line, .. } | Target::Existing { first_line, .. } => *first_line,
        }
    }
}

/// What an import will do (or, after a dry run, would have done).
#[derive(serde::Serialize)]
pub struct ImportPlan {
    pub format: Format,
    /// The tool whose export the file was taken for (CSV only).
    pub tool: Option<Tool>,
    /// How each column is read (CSV only).
    pub columns: Vec<ColumnMapping>,
    /// Every record, in file order.
    pub rows: Vec<RowPlan>,
    #[serde(skip)]
    targets: Vec<Target>,
}

impl ImportPlan {
    /// Records that create a contact.
    pub fn creates(&self) -> usize {
        self.count(|a| matches!(a, RowAction::Create))
    }
    /// Records merged into an existing contact or an earlier record.
    pub fn merges(&self) -> usize {
        self.count(|a| {
            matches!(
                a,
                RowAction::MergeIntoRow { .. } | RowAction::MergeIntoContact { .. }
            )
        })
    }
    /// Records not imported.
    pub fn skipped(&self) -> usize {
        self.count(|a| matches!(a, RowAction::Skip { .. }))
    }
    /// Existing contacts that will change.
    pub fn contacts_updated(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| matches!(t, Target::Existing { adds, .. } if !adds.is_empty()))
            .count()
    }
    fn count(&self, f: impl Fn(&RowAction) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.action)).count()
    }
}

fn email_key(e: &str) -> String {
    e.trim().to_lowercase()
}

/// The keys a record is matched on.
fn keys(c: &NewContact) -> Vec<String> {
    let phones = c
        .phones
        .iter()
        .map(|(_, p)| phone_key(p))
        .filter(|k| !k.is_empty())
        .map(|k| format!("p:{k}"));
    let emails = c
        .emails
        .iter()
        .map(|(_, e)| email_key(e))
        .filter(|k| !k.is_empty())
        .map(|k| format!("e:{k}"));
    phones.chain(emails).collect()
}

/// Checks a record with the code that stores contacts, on a scratch document: what passes here
/// passes at [`apply`].
fn check(c: &NewContact) -> Result<(), Error> {
    let mut scratch = crate::doc::new_document(&ActorId::random());
    crate::doc::contact::create(&mut scratch, ContactId::random(), c)
}

/// A new contact's fields gain a later record's (the first record's name and fields win).
fn merge_new(into: &mut NewContact, from: NewContact) {
    for (label, phone) in from.phones {
        let k = phone_key(&phone);
        if !into.phones.iter().any(|(_, p)| phone_key(p) == k) {
            into.phones.push((label, phone));
        }
    }
    for (label, email) in from.emails {
        let k = email_key(&email);
        if !into.emails.iter().any(|(_, e)| email_key(e) == k) {
            into.emails.push((label, email));
        }
    }
    for a in from.addresses {
        if !into
            .addresses
            .iter()
            .any(|(_, x)| x.eq_ignore_ascii_case(&a.1))
        {
            into.addresses.push(a);
        }
    }
    for list in [
        (&mut into.tags, from.tags),
        (&mut into.organizers, from.organizers),
    ] {
        for t in list.1 {
            if !list.0.contains(&t) {
                list.0.push(t);
            }
        }
    }
    for (k, v) in from.custom {
        if !into.custom.iter().any(|(ik, _)| *ik == k) {
            into.custom.push((k, v));
        }
    }
    into.do_not_contact |= from.do_not_contact;
    if !from.notes.is_empty() && !into.notes.contains(&from.notes) {
        if !into.notes.is_empty() {
            into.notes.push_str("\n\n");
        }
        into.notes.push_str(&from.notes);
    }
}

/// What `from` adds to an existing contact, given what it (and earlier records) already have.
fn additions(have: &mut Have, from: &NewContact) -> Additions {
    let mut adds = Additions::default();
    for (label, phone) in &from.phones {
        if have.phones.insert(phone_key(phone)) {
            adds.phones.push((label.clone(), phone.clone()));
        }
    }
    for (label, email) in &from.emails {
        if have.emails.insert(email_key(email)) {
            adds.emails.push((label.clone(), email.clone()));
        }
    }
    for tag in &from.tags {
        if have.tags.insert(tag.trim().to_owned()) {
            adds.tags.push(tag.clone());
        }
    }
    adds
}

/// What an existing contact has, by key.
struct Have {
    phones: BTreeSet<String>,
    emails: BTreeSet<String>,
    tags: BTreeSet<String>,
}

/// The group's contacts as the planner matches records against them: the store's index in the
/// app, [`NoContacts`] where there is no group yet (and in the fuzz build, which has no store).
pub trait KnownContacts {
    /// The contacts with this phone key (digits only) or this lowercase email.
    fn contacts_with(
        &self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<ContactId>, Error>;
    /// A contact, read whole.
    fn contact(&self, id: ContactId) -> Result<Contact, Error>;
}

#[cfg(feature = "store")]
impl KnownContacts for Group {
    fn contacts_with(
        &self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<ContactId>, Error> {
        Group::contacts_with(self, phone, email)
    }
    fn contact(&self, id: ContactId) -> Result<Contact, Error> {
        Group::contact(self, id)
    }
}

/// A group with no contacts yet.
pub struct NoContacts;

impl KnownContacts for NoContacts {
    fn contacts_with(&self, _: Option<&str>, _: Option<&str>) -> Result<Vec<ContactId>, Error> {
        Ok(Vec::new())
    }
    fn contact(&self, id: ContactId) -> Result<Contact, Error> {
        Err(Error::NotFound {
            kind: "contact",
            id: id.to_string(),
        })
    }
}

/// Matches records against the group and each other. Writes nothing.
pub fn plan_records(
    group: &(impl KnownContacts + ?Sized),
    format: Format,
    records: Vec<SourceRecord>,
) -> Result<ImportPlan, InterchangeError> {
    if records.len() > MAX_IMPORT_RECORDS {
        return Err(InterchangeError::TooLarge {
            max: MAX_IMPORT_RECORDS,
            what: "records",
        });
    }
    let mut rows = Vec::with_capacity(records.len());
    let mut targets: Vec<Target> = Vec::new();
    // Match key → target index; existing contact → target index and what it has.
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_contact: HashMap<ContactId, usize> = HashMap::new();
    let mut have: HashMap<usize, Have> = HashMap::new();
    let mut names: HashMap<ContactId, String> = HashMap::new();

    for SourceRecord { line, contact } in records {
        let name = contact.name.clone();
        if let Err(e) = check(&contact) {
            let reason = match e {
                Error::Invalid(v) => format!("{}: {}", v.field, v.problem),
                other => return Err(other.into()),
            };
            rows.push(RowPlan {
                line,
                name,
                action: RowAction::Skip { reason },
            });
            continue;
        }
        let record_keys = keys(&contact);
        let earlier = record_keys.iter().find_map(|k| by_key.get(k).copied());
        let target = match earlier {
            Some(t) => t,
            None => {
                let mut found = None;
                for k in &record_keys {
                    let ids = match k.split_at(2) {
                        ("p:", p) => group.contacts_with(Some(p), None)?,
                        (_, e) => group.contacts_with(None, Some(e))?,
                    };
                    if let Some(id) = ids.first() {
                        found = Some(*id);
                        break;
                    }
                }
                // An existing contact an earlier record already matched keeps its one target.
                let known = found.and_then(|id| by_contact.get(&id).copied());
                match (found, known) {
                    (_, Some(t)) => t,
                    (Some(id), None) => {
                        let existing = group.contact(id)?;
                        names.insert(id, existing.name.clone());
                        let t = targets.len();
                        targets.push(Target::Existing {
                            first_line: line,
                            id,
                            adds: Additions::default(),
                        });
                        have.insert(
                            t,
                            Have {
                                phones: existing
                                    .phones
                                    .iter()
                                    .map(|p| phone_key(&p.value))
                                    .collect(),
                                emails: existing
                                    .emails
                                    .iter()
                                    .map(|e| email_key(&e.value))
                                    .collect(),
                                tags: existing.tags.iter().cloned().collect(),
                            },
                        );
                        by_contact.insert(id, t);
                        t
                    }
                    (None, None) => {
                        targets.push(Target::New {
                            first_line: line,
                            contact: NewContact::default(),
                        });
                        targets.len() - 1
                    }
                }
            }
        };
        for k in record_keys {
            by_key.entry(k).or_insert(target);
        }
        let action = match &mut targets[target] {
            Target::New {
                first_line,
                contact: into,
            } => {
                if into.name.is_empty() {
                    *into = contact;
                    RowAction::Create
                } else {
                    let first_line = *first_line;
                    merge_new(into, contact);
                    RowAction::MergeIntoRow {
                        into_line: first_line,
                    }
                }
            }
            Target::Existing { id, adds, .. } => {
                let known = have.get_mut(&target).ok_or_else(|| Error::NotFound {
                    kind: "contact",
                    id: id.to_string(),
                })?;
                let new = additions(known, &contact);
                adds.phones.extend(new.phones.iter().cloned());
                adds.emails.extend(new.emails.iter().cloned());
                adds.tags.extend(new.tags.iter().cloned());
                RowAction::MergeIntoContact {
                    id: *id,
                    name: names.get(id).cloned().unwrap_or_default(),
                    adds: new,
                }
            }
        };
        rows.push(RowPlan { line, name, action });
    }
    Ok(ImportPlan {
        format,
        tool: None,
        columns: Vec::new(),
        rows,
        targets,
    })
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Contacts created, in file order.
    pub created: Vec<ContactId>,
    /// Existing contacts that gained phones, emails or tags.
    pub updated: Vec<ContactId>,
    /// Transactions committed.
    pub batches: usize,
    /// Records read from the file (including merged and skipped ones).
    pub records: usize,
    /// How long storing took (reading and planning not included), in seconds in JSON.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Writes a plan: [`IMPORT_BATCH`] contacts per transaction, each contact whole in one of them.
/// `progress` is called after each batch with (contacts written, contacts to write).
#[cfg(feature = "store")]
pub fn apply(
    group: &Group,
    plan: &ImportPlan,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, InterchangeError> {
    let start = Instant::now();
    let work: Vec<&Target> = plan
        .targets
        .iter()
        .filter(|t| !matches!(t, Target::Existing { adds, .. } if adds.is_empty()))
        .collect();
    let mut created = Vec::new();
    let mut updated = Vec::new();
    let mut batches = 0;
    let mut done = 0;
    for chunk in work.chunks(IMPORT_BATCH) {
        let result = group.batch(|b| {
            let mut made = Vec::new();
            let mut changed = Vec::new();
            for target in chunk {
                match target {
                    Target::New { contact, .. } => made.push(b.create_contact(contact)?),
                    Target::Existing { id, adds, .. } => {
                        b.update_contact(*id, &ContactUpdate::new(edits(adds)))?;
                        changed.push(*id);
                    }
                }
            }
            Ok((made, changed))
        });
        match result {
            Ok((made, changed)) => {
                created.extend(made);
                updated.extend(changed);
            }
            Err(source) => {
                return Err(InterchangeError::Apply {
                    stored: done,
                    first_line: chunk.first().map_or(0, |t| t.first_line()),
                    source,
                });
            }
        }
        batches += 1;
        done += chunk.len();
        progress(done, work.len());
    }
    Ok(ImportSummary {
        created,
        updated,
        batches,
        records: plan.rows.len(),
        elapsed: start.elapsed(),
    })
}

#[cfg(feature = "store")]
fn edits(adds: &Additions) -> Vec<ContactEdit> {
    let entry = |list| {
        move |(label, value): &(String, String)| ContactEdit::AddEntry {
            list,
            label: label.clone(),
            value: value.clone(),
        }
    };
    adds.phones
        .iter()
        .map(entry(ContactList::Phones))
        .chain(adds.emails.iter().map(entry(ContactList::Emails)))
        .chain(adds.tags.iter().cloned().map(ContactEdit::AddTag))
        .collect()
}
