//! A follow-up's document. Root scalars plus the `note` text.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};

use super::{
    DocKind, Reader, am, edit_text, init_root, put_opt_str, put_opt_time, put_text, put_time,
};
use crate::error::Error;
use crate::ids::{ContactId, ConversationId, FollowUpId, PlanId};
use crate::model::validate;
use crate::model::{FollowUp, FollowUpEdit, FollowUpKind, FollowUpStatus, NewFollowUp, Timestamp};

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
];

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
    Ok(())
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
    }
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
        meta: r.finish(KNOWN, version),
    }
}
