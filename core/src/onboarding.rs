//! Bringing a new member in: a checklist of small, discrete tasks from one of the group's
//! templates, with an experienced member paired with them, and the group's view of how each new
//! member is getting on.
//!
//! Starting an onboarding is one write: one onboarding follow-up per task of the template, about
//! the new member's contact, each marked with the template and its step, the partner recorded on
//! each. The tasks are the new member's to take (that is how they come into the work) unless the
//! group gives them to the partner, for a new member without the app. Progress — per new member
//! and template: the partner, tasks done of all, the next task — is read from the index alone.

use std::collections::BTreeMap;

use rusqlite::params;

use crate::batch::{Batch, settings_doc};
use crate::doc::{self, DocKind};
use crate::error::{Error, Result, ValidationError};
use crate::group::Group;
use crate::ids::{ContactId, FollowUpId};
use crate::model::{FollowUpKind, NewFollowUp, OnboardingStep, OnboardingTemplate, Timestamp};

/// Who takes the tasks of an onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskHolder {
    /// The new member: the tasks are theirs, the partner helps (the usual way).
    #[default]
    NewMember,
    /// The partner, who works through them with the new member (a new member without the app).
    Partner,
}

/// An onboarding to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnboardingStart {
    /// The new member.
    pub contact: ContactId,
    /// The template, by name (case ignored) or id.
    pub template: String,
    /// The experienced member paired with them.
    pub partner: String,
    pub tasks_for: TaskHolder,
    /// When the first task is due (none: undated).
    pub first_due: Option<Timestamp>,
    /// Days between one task's due date and the next's (none: all due with the first).
    pub days_between: Option<u32>,
}

/// One new member's progress through one template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OnboardingProgress {
    pub contact: ContactId,
    /// The contact's name (empty if the contact is not on this device).
    pub name: String,
    /// The template it was started from; `None` for onboarding tasks added one by one.
    pub template: Option<String>,
    pub partner: Option<String>,
    pub done: u32,
    pub total: u32,
    /// The first open task, in the template's order.
    pub next: Option<OnboardingTask>,
}

/// A task as the progress view shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OnboardingTask {
    pub id: FollowUpId,
    pub title: String,
    pub assignee: String,
    pub due: Option<Timestamp>,
}

/// The most onboarding tasks the progress view reads.
const PROGRESS_ROWS_MAX: u32 = 20_000;

fn find_template<'a>(
    templates: &'a [OnboardingTemplate],
    wanted: &str,
) -> Result<&'a OnboardingTemplate> {
    let w = wanted.trim();
    templates
        .iter()
        .find(|t| t.id.to_string() == w)
        .or_else(|| templates.iter().find(|t| t.name.eq_ignore_ascii_case(w)))
        .ok_or_else(|| Error::NotFound {
            kind: "onboarding template",
            id: w.to_owned(),
        })
}

impl Batch<'_> {
    /// Starts a new member's onboarding: one task per step of the template (see the module
    /// documentation). Returns the tasks' ids in the template's order.
    pub fn start_onboarding(&mut self, start: &OnboardingStart) -> Result<Vec<FollowUpId>> {
        let partner = crate::model::validate::required("partner", &start.partner)?;
        let settings = self.read_doc(
            settings_doc(self.group_id()),
            DocKind::Settings,
            doc::settings::read,
        )?;
        let template = find_template(&settings.onboarding_templates, &start.template)?.clone();
        if template.tasks.is_empty() {
            return Err(ValidationError::out_of_range("template", "it has no tasks").into());
        }
        let contact = self.read_doc(start.contact.into(), DocKind::Contact, |d| {
            doc::contact::read(d, start.contact)
        })?;
        if self.onboarding_started(start.contact, &template.name)? {
            return Err(ValidationError::out_of_range(
                "onboarding",
                format!("{} has already started \"{}\"", contact.name, template.name),
            )
            .into());
        }
        let assignee = match start.tasks_for {
            TaskHolder::NewMember => contact.name.clone(),
            TaskHolder::Partner => partner.clone(),
        };
        let mut ids = Vec::with_capacity(template.tasks.len());
        for (i, task) in template.tasks.iter().enumerate() {
            let step = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let due = start.first_due.map(|d| {
                d + chrono::Duration::days(i64::from(start.days_between.unwrap_or(0)) * i as i64)
            });
            let new = NewFollowUp {
                kind: FollowUpKind::Onboarding,
                contact: Some(start.contact),
                partner: Some(partner.clone()),
                due,
                ..NewFollowUp::new(task.clone(), assignee.clone())
            };
            let id = FollowUpId::random();
            self.create_onboarding_task(
                id,
                &new,
                &OnboardingStep {
                    template: template.name.clone(),
                    step,
                },
            )?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Whether this contact already has tasks from a template of this name (from the index).
    fn onboarding_started(&self, contact: ContactId, template: &str) -> Result<bool> {
        let n: i64 = self.store().conn.query_row(
            "SELECT count(*) FROM followups_idx WHERE group_id = ?1 AND kind = 'onboarding'
             AND contact_id = ?2 AND onboarding_template = ?3 COLLATE NOCASE",
            params![self.group_id().as_bytes(), contact.as_bytes(), template],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }
}

impl Group {
    /// Starts a new member's onboarding from a template, in one write; returns the tasks.
    pub fn start_onboarding(&self, start: &OnboardingStart) -> Result<Vec<crate::model::FollowUp>> {
        let ids = self.batch(|b| b.start_onboarding(start))?;
        ids.into_iter().map(|id| self.follow_up(id)).collect()
    }

    /// How each new member is getting on: per member and template, the partner, tasks done of
    /// all (cancelled ones left out) and the next open task; one member's with `contact`. By
    /// name. From the index: no document is loaded.
    pub fn onboarding_progress(
        &self,
        contact: Option<ContactId>,
    ) -> Result<Vec<OnboardingProgress>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(&format!(
            "SELECT f.contact_id, coalesce(c.name, ''), f.onboarding_template, f.partner, f.status,
                    f.followup_id, f.title, f.assignee, f.due
             FROM followups_idx f
             LEFT JOIN contacts_idx c ON c.group_id = f.group_id AND c.contact_id = f.contact_id
             WHERE f.group_id = ?1 AND f.kind = 'onboarding' AND f.contact_id IS NOT NULL
               AND f.status IN ('open', 'done') AND (?2 IS NULL OR f.contact_id = ?2)
             ORDER BY c.name_key, f.contact_id, f.onboarding_template,
                      f.onboarding_step IS NULL, f.onboarding_step, f.due IS NULL, f.due, f.followup_id
             LIMIT {PROGRESS_ROWS_MAX}"
        ))?;
        let rows = stmt.query_map(
            params![self.id.as_bytes(), contact.map(|c| c.as_bytes().to_vec())],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ))
            },
        )?;
        // Rows come grouped by member and template, tasks in order.
        let mut out: Vec<OnboardingProgress> = Vec::new();
        let mut index: BTreeMap<(ContactId, Option<String>), usize> = BTreeMap::new();
        for row in rows {
            let (cid, name, template, partner, status, fid, title, assignee, due) = row?;
            let cid = ContactId::from_slice(&cid)?;
            let slot = *index.entry((cid, template.clone())).or_insert_with(|| {
                out.push(OnboardingProgress {
                    contact: cid,
                    name,
                    template,
                    partner: None,
                    done: 0,
                    total: 0,
                    next: None,
                });
                out.len() - 1
            });
            let p = &mut out[slot];
            p.total += 1;
            if p.partner.is_none() {
                p.partner = partner;
            }
            if status == "done" {
                p.done += 1;
            } else if p.next.is_none() {
                p.next = Some(OnboardingTask {
                    id: FollowUpId::from_slice(&fid)?,
                    title,
                    assignee,
                    due: due.and_then(chrono::DateTime::from_timestamp_millis),
                });
            }
        }
        Ok(out)
    }
}
