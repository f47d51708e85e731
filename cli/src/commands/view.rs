//! How contacts and conversations read on screen and in JSON.

use std::collections::HashMap;

use groundwork_core::ids::{ContactId, UnitId};
use groundwork_core::model::{
    AssessmentScale, Channel, Contact, Conversation, Labelled, RelationshipKind,
};
use serde_json::Value;

use crate::error::Result;
use crate::output::{outln, short_id, to_json};
use crate::resolve::assessment_label;
use crate::when::{show_date, show_time};

/// What a contact's display needs besides the contact.
pub(crate) struct Names<'a> {
    pub(crate) scale: &'a AssessmentScale,
    pub(crate) units: &'a HashMap<UnitId, String>,
    /// Names of related contacts, when known.
    pub(crate) contacts: &'a HashMap<ContactId, String>,
}

impl Names<'_> {
    pub(crate) fn unit(&self, id: Option<UnitId>) -> String {
        match id {
            None => String::new(),
            Some(id) => self
                .units
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("unit {}", short_id(&id))),
        }
    }
}

pub(crate) fn channel(c: &Channel) -> &str {
    c.as_str()
}

fn relationship(k: &RelationshipKind) -> String {
    match k {
        RelationshipKind::WorksWith => "works with".into(),
        RelationshipKind::LivesWith => "lives with".into(),
        RelationshipKind::RecruitedBy => "recruited by".into(),
        RelationshipKind::FamilyOf => "family of".into(),
        RelationshipKind::Other(s) => s.replace('_', " "),
    }
}

fn entries(list: &[Labelled]) -> Vec<String> {
    list.iter()
        .map(|e| format!("{}: {}  [{}]", e.label, e.value, short_id(&e.id)))
        .collect()
}

/// One `key  value` line, or several indented lines for a list.
fn field(out: &mut String, key: &str, values: &[String]) {
    match values {
        [] => {}
        [one] => outln!(out, "{key:<15} {one}"),
        [first, rest @ ..] => {
            outln!(out, "{key:<15} {first}");
            for v in rest {
                outln!(out, "{:<15} {v}", "");
            }
        }
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The contact's own fields, id first.
pub(crate) fn contact_fields(out: &mut String, c: &Contact, names: &Names<'_>) {
    outln!(out, "{:<15} {}", "id", c.id);
    field(out, "name", std::slice::from_ref(&c.name));
    field(out, "phones", &entries(&c.phones));
    field(out, "emails", &entries(&c.emails));
    field(out, "addresses", &entries(&c.addresses));
    if c.unit.is_some() {
        field(out, "unit", &[names.unit(c.unit)]);
    }
    if !c.tags.is_empty() {
        field(
            out,
            "tags",
            &[c.tags.iter().cloned().collect::<Vec<_>>().join(", ")],
        );
    }
    if !c.organizers.is_empty() {
        field(
            out,
            "organizers",
            &[c.organizers.iter().cloned().collect::<Vec<_>>().join(", ")],
        );
    }
    field(
        out,
        "do not contact",
        &[if c.do_not_contact { "YES" } else { "no" }.to_owned()],
    );
    let consent: Vec<String> = c
        .consent
        .iter()
        .map(|(k, v)| format!("{k}: {}", if *v { "given" } else { "refused" }))
        .collect();
    field(out, "consent", &consent);
    let custom: Vec<String> = c.custom.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    field(out, "custom", &custom);
    let rels: Vec<String> = c
        .relationships
        .iter()
        .map(|r| {
            let other = names
                .contacts
                .get(&r.other)
                .cloned()
                .unwrap_or_else(|| r.other.to_string());
            format!("{} {other}  [{}]", relationship(&r.kind), short_id(&r.id))
        })
        .collect();
    field(out, "relationships", &rels);
    field(
        out,
        "assessment",
        &[match c.assessment {
            None => "not assessed yet".to_owned(),
            v => assessment_label(names.scale, v),
        }],
    );
    if let Some(t) = &c.last_conversation_at {
        field(out, "last talked", &[show_time(t)]);
    }
    if !c.notes.trim().is_empty() {
        field(out, "notes", &[indent(c.notes.trim_end(), 16)]);
    }
}

/// One conversation with the five steps.
pub(crate) fn conversation(out: &mut String, n: usize, cv: &Conversation, scale: &AssessmentScale) {
    let revision = if cv.revision > 1 {
        format!(", revision {}", cv.revision)
    } else {
        String::new()
    };
    let place = if cv.place.is_empty() {
        String::new()
    } else {
        format!(" at {}", cv.place)
    };
    outln!(
        out,
        "#{n}  {}  {} by {}{place}  [{}{revision}]",
        show_time(&cv.at),
        channel(&cv.channel),
        cv.organizer,
        short_id(&cv.id)
    );
    let s = &cv.steps;
    let step = |out: &mut String, title: &str, text: &str| {
        if text.trim().is_empty() {
            outln!(out, "    {title}: —");
        } else {
            outln!(out, "    {title}: {}", indent(text.trim_end(), 8));
        }
    };
    step(out, "1. Getting in the door", &s.door);
    step(out, "2. Their story", &s.story);
    step(out, "3. The vision", &s.vision);
    step(out, "4. Obstacles", &s.obstacles);
    step(out, "5. The ask", &s.ask);
    step(out, "   Their answer", &s.answer);
    step(
        out,
        "Assessment",
        &match cv.assessment {
            None => "not assessed".to_owned(),
            v => assessment_label(scale, v),
        },
    );
    step(out, "Next steps", &cv.next_steps);
}

/// The contact as JSON: the core record plus the labels a reader would look up.
pub(crate) fn contact_json(c: &Contact, names: &Names<'_>) -> Result<Value> {
    let mut v = to_json(c)?;
    if let Value::Object(map) = &mut v {
        map.insert(
            "unit_name".into(),
            c.unit
                .map_or(Value::Null, |u| Value::String(names.unit(Some(u)))),
        );
        map.insert(
            "assessment_label".into(),
            c.assessment
                .and_then(|a| names.scale.label(a))
                .map_or(Value::Null, |l| Value::String(l.to_owned())),
        );
    }
    Ok(v)
}

/// A short line for a contact in lists: name (date of last conversation).
pub(crate) fn last_talked(t: Option<&groundwork_core::model::Timestamp>) -> String {
    t.map(show_date).unwrap_or_default()
}
