//! A follow-up's document. Root scalars plus the `note` text.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ScalarValue};

use super::{
    DocKind, Reader, am, edit_text, init_root, put_opt_str, put_opt_time, put_text, put_time,
};
use crate::error::{Error, ValidationError};
use crate::ids::{ContactId, ConversationId, FollowUpId, PlanId};
use crate::model::validate;
use crate::model::{
    FollowUp, FollowUpEdit, FollowUpKind, FollowUpStatus, NewFollowUp, OnboardingStep, TextEdit,
    Timestamp,
};

const KNOWN: &[&str] = &[
    "kind_of",
    "title",
    "contact",
    "plan",
    "conversation",
    "assignee",
    "partner",
    "due",
    "status",
    "note",
    "created_at",
    "completed_at",
    "repeat_every_days",
    "previous",
    "onboarding_template",
    "onboarding_step",
];

/// The longest gap between recurring check-ins: a year.
const REPEAT_MAX_DAYS: u32 = 366;

fn check_repeat(days: Option<u32>) -> Result<(), Error> {
    match days {
        Some(d) if d == 0 || d > REPEAT_MAX_DAYS => Err(ValidationError::out_of_range(
            "repeat every",
            format!("between 1 and {REPEAT_MAX_DAYS} days"),
        )
        .into()),
        _ => Ok(()),
    }
}

fn put_repeat(doc: &mut AutoCommit, days: Option<u32>) -> Result<(), Error> {
    check_repeat(days)?;
    match days {
        Some(d) => doc.put(ROOT, "repeat_every_days", u64::from(d)).map_err(am),
        None => doc
            .put(ROOT, "repeat_every_days", ScalarValue::Null)
            .map_err(am),
    }
}

pub(crate) fn create(
    doc: &mut AutoCommit,
    id: FollowUpId,
    new: &NewFollowUp,
    now: Timestamp,
) -> Result<(), Error> {
    let title = validate::required("title", &new.title)?;
    let assignee = validate::required("assignee", &new.assignee)?;
    let partner = new
        .partner
        .as_deref()
        .map(|p| validate::required("partner", p))
        .transpose()?;
    validate::text("note", &new.note)?;
    validate::required("kind", new.kind.as_str())?;
    check_repeat(new.repeat_every_days)?;
    init_root(doc, DocKind::FollowUp, &id.to_string())?;
    doc.put(ROOT, "kind_of", new.kind.as_str()).map_err(am)?;
    doc.put(ROOT, "title", title.as_str()).map_err(am)?;
    put_opt_str(
        doc,
        &ROOT,
        "contact",
        new.contact.map(|c| c.to_string()).as_deref(),
    )?;
    put_opt_str(
        doc,
        &ROOT,
        "plan",
        new.plan.map(|c| c.to_string()).as_deref(),
    )?;
    put_opt_str(
        doc,
        &ROOT,
        "conversation",
        new.conversation.map(|c| c.to_string()).as_deref(),
    )?;
    doc.put(ROOT, "assignee", assignee.as_str()).map_err(am)?;
    put_opt_str(doc, &ROOT, "partner", partner.as_deref())?;
    put_opt_time(doc, &ROOT, "due", new.due)?;
    doc.put(ROOT, "status", FollowUpStatus::Open.as_str())
        .map_err(am)?;
    put_text(doc, &ROOT, "note", &new.note)?;
    put_time(doc, &ROOT, "created_at", now)?;
    put_opt_time(doc, &ROOT, "completed_at", None)?;
    put_repeat(doc, new.repeat_every_days)?;
    put_opt_str(
        doc,
        &ROOT,
        "previous",
        new.previous.map(|p| p.to_string()).as_deref(),
    )?;
    Ok(())
}

/// Marks a new onboarding task as step `step` (from 1) of the template named `template`, so
/// progress per new member and template comes from the index. Written with the task, never
/// changed after.
pub(crate) fn put_onboarding(doc: &mut AutoCommit, step: &OnboardingStep) -> Result<(), Error> {
    let template = validate::required("template name", &step.template)?;
    doc.put(ROOT, "onboarding_template", template.as_str())
        .map_err(am)?;
    doc.put(ROOT, "onboarding_step", u64::from(step.step))
        .map_err(am)
}

pub(crate) fn apply(doc: &mut AutoCommit, edit: &FollowUpEdit) -> Result<(), Error> {
    match edit {
        FollowUpEdit::SetTitle(t) => doc
            .put(ROOT, "title", validate::required("title", t)?)
            .map_err(am),
        FollowUpEdit::SetAssignee(a) => doc
            .put(ROOT, "assignee", validate::required("assignee", a)?)
            .map_err(am),
        FollowUpEdit::SetPartner(p) => {
            let p = p
                .as_deref()
                .map(|p| validate::required("partner", p))
                .transpose()?;
            put_opt_str(doc, &ROOT, "partner", p.as_deref())
        }
        FollowUpEdit::SetDue(due) => put_opt_time(doc, &ROOT, "due", *due),
        FollowUpEdit::SetStatus(s) => doc
            .put(ROOT, "status", validate::required("status", s.as_str())?)
            .map_err(am),
        FollowUpEdit::EditNote(e) => edit_text(doc, &ROOT, "note", "note", e),
        FollowUpEdit::SetRepeat(days) => put_repeat(doc, *days),
        FollowUpEdit::Complete { at, note } => {
            doc.put(ROOT, "status", FollowUpStatus::Done.as_str())
                .map_err(am)?;
            put_time(doc, &ROOT, "completed_at", *at)?;
            append_paragraph(doc, note)
        }
    }
}

/// Adds `note` at the end of the note, a blank line after what is there: a splice at the end,
/// so a concurrent edit of the earlier text survives.
fn append_paragraph(doc: &mut AutoCommit, note: &str) -> Result<(), Error> {
    let note = note.trim();
    if note.is_empty() {
        return Ok(());
    }
    let current = Reader::new(doc).text(&ROOT, "note");
    let insert = if current.trim().is_empty() {
        note.to_owned()
    } else {
        format!("\n\n{note}")
    };
    let end = current.encode_utf16().count();
    edit_text(
        doc,
        &ROOT,
        "note",
        "note",
        &TextEdit::Splice {
            index: end,
            delete: 0,
            insert,
        },
    )
}

pub(crate) fn read(doc: &mut AutoCommit, id: FollowUpId) -> FollowUp {
    let version = super::version(doc);
    let doc: &AutoCommit = doc;
    let mut r = Reader::new(doc);
    FollowUp {
        id,
        kind: FollowUpKind::parse(&r.str(&ROOT, "kind_of", "kind_of")),
        title: r.str(&ROOT, "title", "title"),
        contact: r
            .opt_str(&ROOT, "contact", "contact")
            .and_then(|s| ContactId::parse(&s).ok()),
        plan: r
            .opt_str(&ROOT, "plan", "plan")
            .and_then(|s| PlanId::parse(&s).ok()),
        conversation: r
            .opt_str(&ROOT, "conversation", "conversation")
            .and_then(|s| ConversationId::parse(&s).ok()),
        assignee: r.str(&ROOT, "assignee", "assignee"),
        partner: r.opt_str(&ROOT, "partner", "partner"),
        due: r.time(&ROOT, "due", "due"),
        status: FollowUpStatus::parse(&r.str(&ROOT, "status", "status")),
        note: r.text(&ROOT, "note"),
        created_at: r
            .time(&ROOT, "created_at", "created_at")
            .unwrap_or_default(),
        completed_at: r.time(&ROOT, "completed_at", "completed_at"),
        repeat_every_days: r
            .int(&ROOT, "repeat_every_days", "repeat_every_days")
            .and_then(|d| u32::try_from(d).ok())
            .filter(|d| (1..=REPEAT_MAX_DAYS).contains(d)),
        previous: r
            .opt_str(&ROOT, "previous", "previous")
            .and_then(|s| FollowUpId::parse(&s).ok()),
        onboarding: r
            .opt_str(&ROOT, "onboarding_template", "onboarding_template")
            .map(|template| OnboardingStep {
                template,
                step: r
                    .int(&ROOT, "onboarding_step", "onboarding_step")
                    .and_then(|s| u32::try_from(s).ok())
                    .unwrap_or(0),
            }),
        meta: r.finish(KNOWN, version),
    }
}
