//! The portable export: a whole group as JSON lines, for leaving Groundwork or moving a group to
//! a new store, readable by any program (the schema is `docs/portable-export.md`).
//!
//! Unlike a backup (`crate::backup`) it holds content, not history: each record as it reads
//! now, without Automerge changes, signatures, the device key or the membership log. It is
//! plaintext by nature; the caller decides whether and where to write it.
//!
//! One JSON object per line, each with a `type`: first a `format` line, then `group`,
//! `settings`, every `terrain` tree, every `contact` (with its conversations), every `plan`, every
//! `follow_up`, each kind ordered by id, so the same content always gives the same lines.
//!
//! Importing ([`read_portable`] then [`import_portable`]) goes into a group that holds no
//! records yet. Record ids (contacts, conversations, follow-ups, plans, terrain trees and units)
//! are kept, so references between records stay whole and an export of the imported group
//! gives the same lines (except `exported_at`). The whole file is read and checked first, and
//! any line that is not valid JSON, has an unknown `type` or field, or repeats an id refuses the
//! file with its line number before anything is written. Then records are written in
//! transactions of [`IMPORT_BATCH`] records, each record whole in one (a contact with its
//! conversations and relationships, a plan with its tactics and reflections).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{Format, IMPORT_BATCH, InterchangeError, MAX_IMPORT_FILE, MAX_IMPORT_RECORDS};
use crate::doc::DocKind;
use crate::group::Group;
use crate::ids::{ContactId, ConversationId, EntryId, FollowUpId, PlanId, TerrainTreeId, UnitId};
use crate::model::*;
use crate::{Batch, Error};

/// The `format` line's `name`.
pub const PORTABLE_FORMAT_NAME: &str = "groundwork-portable-export";
/// The version of the line schema this build writes and reads.
pub const PORTABLE_FORMAT_VERSION: u32 = 1;

/// How many records of each kind an export wrote or an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PortableSummary {
    pub terrain_trees: usize,
    pub contacts: usize,
    pub conversations: usize,
    pub plans: usize,
    pub follow_ups: usize,
}

impl PortableSummary {
    /// Records in all (conversations count inside their contacts).
    pub fn records(&self) -> usize {
        self.terrain_trees + self.contacts + self.plans + self.follow_ups
    }
}

// --- the lines -------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatLine {
    name: String,
    version: u32,
    exported_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupLine {
    name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsLine {
    scale: ScaleLine,
    onboarding_templates: Vec<TemplateLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleLine {
    levels: Vec<LevelLine>,
    supporter_or_better: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelLine {
    value: i64,
    label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateLine {
    name: String,
    tasks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TerrainLine {
    id: TerrainTreeId,
    name: String,
    kind: String,
    units: Vec<UnitLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitLine {
    id: UnitId,
    name: String,
    parent: Option<UnitId>,
    level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledLine {
    label: String,
    value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationshipLine {
    kind: String,
    other: ContactId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsLine {
    door: String,
    story: String,
    vision: String,
    obstacles: String,
    ask: String,
    answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationLine {
    id: ConversationId,
    organizer: String,
    at: Timestamp,
    place: String,
    channel: String,
    steps: StepsLine,
    assessment: Option<i64>,
    next_steps: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactLine {
    id: ContactId,
    name: String,
    phones: Vec<LabelledLine>,
    emails: Vec<LabelledLine>,
    addresses: Vec<LabelledLine>,
    unit: Option<UnitId>,
    tags: Vec<String>,
    custom: BTreeMap<String, String>,
    organizers: Vec<String>,
    do_not_contact: bool,
    consent: BTreeMap<String, bool>,
    notes: String,
    relationships: Vec<RelationshipLine>,
    conversations: Vec<ConversationLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionLine {
    question: String,
    answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalLine {
    horizon: String,
    text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TacticLine {
    description: String,
    owner: String,
    date: Option<Timestamp>,
    done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryLine {
    version: u64,
    counts: String,
    unit: Option<UnitId>,
    /// `supporter_or_better` or a level's value.
    assessment: Option<String>,
    since: Option<Timestamp>,
    tag: Option<String>,
    organizer: Option<String>,
    follow_up_kind: Option<String>,
    completed: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenchmarkLine {
    description: String,
    target: u64,
    deadline: Option<Timestamp>,
    query: QueryLine,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReflectionLine {
    action: String,
    /// The position of the tactic in this plan's `tactics`.
    tactic: Option<usize>,
    at: Timestamp,
    worked: String,
    didnt: String,
    next: String,
    celebration: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanLine {
    id: PlanId,
    title: String,
    units: Vec<UnitId>,
    contacts: Vec<ContactId>,
    terrain_questions: Vec<QuestionLine>,
    goals: Vec<GoalLine>,
    strategy: String,
    tactics: Vec<TacticLine>,
    benchmarks: Vec<BenchmarkLine>,
    reflections: Vec<ReflectionLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowUpLine {
    id: FollowUpId,
    kind: String,
    title: String,
    contact: Option<ContactId>,
    plan: Option<PlanId>,
    conversation: Option<ConversationId>,
    assignee: String,
    partner: Option<String>,
    due: Option<Timestamp>,
    status: String,
    note: String,
    created_at: Timestamp,
    completed_at: Option<Timestamp>,
    repeat_every_days: Option<u32>,
    previous: Option<FollowUpId>,
}

// --- export ------------------------------------------------------------------------------------

/// Writes the group as JSON lines; returns how many records of each kind.
pub fn export_portable(
    group: &Group,
    mut out: impl Write,
) -> Result<PortableSummary, InterchangeError> {
    let mut summary = PortableSummary::default();
    let mut w = |kind: &str, value: &dyn erased::Line| -> Result<(), InterchangeError> {
        let line = line_text(kind, value)?;
        out.write_all(line.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| write_error(e.to_string()))
    };
    w(
        "format",
        &FormatLine {
            name: PORTABLE_FORMAT_NAME.into(),
            version: PORTABLE_FORMAT_VERSION,
            exported_at: chrono::Utc::now(),
        },
    )?;
    let settings = group.settings()?;
    w(
        "group",
        &GroupLine {
            name: settings.name.clone(),
        },
    )?;
    w("settings", &settings_line(&settings))?;
    for id in doc_ids(group, DocKind::Terrain)? {
        let tree = group.terrain(TerrainTreeId::from_slice(&id).map_err(Error::from)?)?;
        w("terrain", &terrain_line(&tree))?;
        summary.terrain_trees += 1;
    }
    for id in doc_ids(group, DocKind::Contact)? {
        let contact = group.contact(ContactId::from_slice(&id).map_err(Error::from)?)?;
        summary.conversations += contact.conversations.len();
        w("contact", &contact_line(&contact))?;
        summary.contacts += 1;
    }
    for id in doc_ids(group, DocKind::Plan)? {
        let plan = group.plan(PlanId::from_slice(&id).map_err(Error::from)?)?;
        w("plan", &plan_line(&plan))?;
        summary.plans += 1;
    }
    for id in doc_ids(group, DocKind::FollowUp)? {
        let f = group.follow_up(FollowUpId::from_slice(&id).map_err(Error::from)?)?;
        w("follow_up", &follow_up_line(&f))?;
        summary.follow_ups += 1;
    }
    out.flush().map_err(|e| write_error(e.to_string()))?;
    Ok(summary)
}

/// Lets the export writer take any line struct without a generic closure.
mod erased {
    pub(super) trait Line {
        fn to_json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Line for T {
        fn to_json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

/// `{"type":KIND,` then the struct's fields in their declared order.
fn line_text(kind: &str, value: &dyn erased::Line) -> Result<String, InterchangeError> {
    let body = value.to_json().map_err(|e| write_error(e.to_string()))?;
    let rest = body
        .strip_prefix('{')
        .ok_or_else(|| write_error("a line is not a JSON object".into()))?;
    Ok(if rest == "}" {
        format!("{{\"type\":\"{kind}\"}}")
    } else {
        format!("{{\"type\":\"{kind}\",{rest}")
    })
}

fn write_error(reason: String) -> InterchangeError {
    InterchangeError::Write {
        format: Format::Jsonl,
        reason,
    }
}

/// The group's documents of one kind, by id.
fn doc_ids(group: &Group, kind: DocKind) -> Result<Vec<Vec<u8>>, InterchangeError> {
    Ok(group.with_store(|store, gid| {
        let mut stmt = store
            .conn
            .prepare("SELECT doc_id FROM docs WHERE group_id = ?1 AND kind = ?2 ORDER BY doc_id")?;
        let rows = stmt.query_map(rusqlite::params![gid.as_bytes(), kind.code()], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })?)
}

fn settings_line(s: &GroupSettings) -> SettingsLine {
    SettingsLine {
        scale: ScaleLine {
            levels: s
                .scale
                .levels
                .iter()
                .map(|l| LevelLine {
                    value: l.value,
                    label: l.label.clone(),
                })
                .collect(),
            supporter_or_better: s.scale.supporter_or_better.iter().copied().collect(),
        },
        onboarding_templates: s
            .onboarding_templates
            .iter()
            .map(|t| TemplateLine {
                name: t.name.clone(),
                tasks: t.tasks.clone(),
            })
            .collect(),
    }
}

fn terrain_line(t: &TerrainTree) -> TerrainLine {
    TerrainLine {
        id: t.id,
        name: t.name.clone(),
        kind: t.kind.as_str().to_owned(),
        units: t
            .units
            .iter()
            .map(|u| UnitLine {
                id: u.id,
                name: u.name.clone(),
                parent: u.parent,
                level: u.level.clone(),
            })
            .collect(),
    }
}

fn labelled(list: &[Labelled]) -> Vec<LabelledLine> {
    list.iter()
        .map(|l| LabelledLine {
            label: l.label.clone(),
            value: l.value.clone(),
        })
        .collect()
}

fn contact_line(c: &Contact) -> ContactLine {
    ContactLine {
        id: c.id,
        name: c.name.clone(),
        phones: labelled(&c.phones),
        emails: labelled(&c.emails),
        addresses: labelled(&c.addresses),
        unit: c.unit,
        tags: c.tags.iter().cloned().collect(),
        custom: c.custom.clone(),
        organizers: c.organizers.iter().cloned().collect(),
        do_not_contact: c.do_not_contact,
        consent: c.consent.clone(),
        notes: c.notes.clone(),
        relationships: c
            .relationships
            .iter()
            .map(|r| RelationshipLine {
                kind: r.kind.as_str().to_owned(),
                other: r.other,
            })
            .collect(),
        conversations: c
            .conversations
            .iter()
            .map(|v| ConversationLine {
                id: v.id,
                organizer: v.organizer.clone(),
                at: v.at,
                place: v.place.clone(),
                channel: v.channel.as_str().to_owned(),
                steps: StepsLine {
                    door: v.steps.door.clone(),
                    story: v.steps.story.clone(),
                    vision: v.steps.vision.clone(),
                    obstacles: v.steps.obstacles.clone(),
                    ask: v.steps.ask.clone(),
                    answer: v.steps.answer.clone(),
                },
                assessment: v.assessment,
                next_steps: v.next_steps.clone(),
            })
            .collect(),
    }
}

fn plan_line(p: &Plan) -> PlanLine {
    PlanLine {
        id: p.id,
        title: p.title.clone(),
        units: p.units.iter().copied().collect(),
        contacts: p.contacts.iter().copied().collect(),
        terrain_questions: p
            .terrain
            .iter()
            .map(|q| QuestionLine {
                question: q.question.clone(),
                answer: q.answer.clone(),
            })
            .collect(),
        goals: p
            .goals
            .iter()
            .map(|g| GoalLine {
                horizon: g.horizon.as_str().to_owned(),
                text: g.text.clone(),
            })
            .collect(),
        strategy: p.strategy.clone(),
        tactics: p
            .tactics
            .iter()
            .map(|t| TacticLine {
                description: t.description.clone(),
                owner: t.owner.clone(),
                date: t.date,
                done: t.done,
            })
            .collect(),
        benchmarks: p
            .benchmarks
            .iter()
            .map(|b| BenchmarkLine {
                description: b.description.clone(),
                target: b.target,
                deadline: b.deadline,
                query: QueryLine {
                    version: b.query.version,
                    counts: b.query.counts.as_str().to_owned(),
                    unit: b.query.unit,
                    assessment: b.query.assessment.map(AssessmentAtLeast::to_stored),
                    since: b.query.since,
                    tag: b.query.tag.clone(),
                    organizer: b.query.organizer.clone(),
                    follow_up_kind: b.query.follow_up_kind.as_ref().map(|k| k.as_str().into()),
                    completed: b.query.completed,
                },
            })
            .collect(),
        reflections: p
            .reflections
            .iter()
            .map(|r| ReflectionLine {
                action: r.action.clone(),
                tactic: r
                    .tactic
                    .and_then(|id| p.tactics.iter().position(|t| t.id == id)),
                at: r.at,
                worked: r.worked.clone(),
                didnt: r.didnt.clone(),
                next: r.next.clone(),
                celebration: r.celebration.clone(),
            })
            .collect(),
    }
}

fn follow_up_line(f: &FollowUp) -> FollowUpLine {
    FollowUpLine {
        id: f.id,
        kind: f.kind.as_str().to_owned(),
        title: f.title.clone(),
        contact: f.contact,
        plan: f.plan,
        conversation: f.conversation,
        assignee: f.assignee.clone(),
        partner: f.partner.clone(),
        due: f.due,
        status: f.status.as_str().to_owned(),
        note: f.note.clone(),
        created_at: f.created_at,
        completed_at: f.completed_at,
        repeat_every_days: f.repeat_every_days,
        previous: f.previous,
    }
}

// --- reading -----------------------------------------------------------------------------------

/// A portable export read whole and checked, ready to import.
#[derive(Debug, Clone)]
pub struct PortableFile {
    group_name: Option<String>,
    settings: Option<SettingsLine>,
    records: Vec<(u64, Record)>,
}

#[derive(Debug, Clone)]
enum Record {
    Terrain(TerrainLine),
    Contact(Box<ContactLine>),
    Plan(Box<PlanLine>),
    FollowUp(Box<FollowUpLine>),
}

impl PortableFile {
    /// How many records of each kind the file holds.
    pub fn summary(&self) -> PortableSummary {
        let mut s = PortableSummary::default();
        for (_, r) in &self.records {
            match r {
                Record::Terrain(_) => s.terrain_trees += 1,
                Record::Contact(c) => {
                    s.contacts += 1;
                    s.conversations += c.conversations.len();
                }
                Record::Plan(_) => s.plans += 1,
                Record::FollowUp(_) => s.follow_ups += 1,
            }
        }
        s
    }
    /// The group's name in the file.
    pub fn group_name(&self) -> Option<&str> {
        self.group_name.as_deref()
    }
}

fn bad(line: u64, problem: impl Into<String>) -> InterchangeError {
    InterchangeError::BadFile {
        format: Format::Jsonl,
        line,
        problem: problem.into(),
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    line: u64,
    kind: &str,
    value: serde_json::Value,
) -> Result<T, InterchangeError> {
    serde_json::from_value(value).map_err(|e| bad(line, format!("{kind}: {e}")))
}

/// Reads and checks a whole portable export (see the module docs); writes nothing.
pub fn read_portable(bytes: &[u8]) -> Result<PortableFile, InterchangeError> {
    if bytes.len() > MAX_IMPORT_FILE {
        return Err(InterchangeError::TooLarge {
            max: MAX_IMPORT_FILE,
            what: "bytes",
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1;
        bad(line, "not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut file = PortableFile {
        group_name: None,
        settings: None,
        records: Vec::new(),
    };
    let mut seen_format = false;
    let mut ids: HashSet<[u8; 16]> = HashSet::new();
    let mut claim = |line: u64, what: &str, id: &[u8; 16]| {
        if ids.insert(*id) {
            Ok(())
        } else {
            Err(bad(
                line,
                format!("{what} id {} appears twice", hex::encode(id)),
            ))
        }
    };
    for (i, raw) in text.split('\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let mut value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| bad(line, format!("not a JSON object: {e}")))?;
        let object = value
            .as_object_mut()
            .ok_or_else(|| bad(line, "not a JSON object"))?;
        let kind = match object.remove("type") {
            Some(serde_json::Value::String(s)) => s,
            Some(_) => return Err(bad(line, "`type` is not a string")),
            None => return Err(bad(line, "no `type` field")),
        };
        if !seen_format {
            if kind != "format" {
                return Err(bad(
                    line,
                    format!("the first line must be the `format` line, not `{kind}`"),
                ));
            }
            let f: FormatLine = parse(line, "format", value)?;
            if f.name != PORTABLE_FORMAT_NAME {
                return Err(bad(line, format!("not a Groundwork export (`{}`)", f.name)));
            }
            if f.version != PORTABLE_FORMAT_VERSION {
                return Err(bad(
                    line,
                    format!(
                        "format version {}; this Groundwork reads version {PORTABLE_FORMAT_VERSION}",
                        f.version
                    ),
                ));
            }
            seen_format = true;
            continue;
        }
        if file.records.len() >= MAX_IMPORT_RECORDS {
            return Err(InterchangeError::TooLarge {
                max: MAX_IMPORT_RECORDS,
                what: "records",
            });
        }
        match kind.as_str() {
            "format" => return Err(bad(line, "a second `format` line")),
            "group" => {
                if file.group_name.is_some() {
                    return Err(bad(line, "a second `group` line"));
                }
                let g: GroupLine = parse(line, "group", value)?;
                file.group_name = Some(g.name);
            }
            "settings" => {
                if file.settings.is_some() {
                    return Err(bad(line, "a second `settings` line"));
                }
                file.settings = Some(parse(line, "settings", value)?);
            }
            "terrain" => {
                let t: TerrainLine = parse(line, "terrain", value)?;
                claim(line, "terrain", t.id.as_bytes())?;
                for u in &t.units {
                    claim(line, "unit", u.id.as_bytes())?;
                }
                parent_order(&t.units).ok_or_else(|| {
                    bad(line, "terrain: a unit's parent is not a unit of this tree")
                })?;
                file.records.push((line, Record::Terrain(t)));
            }
            "contact" => {
                let c: ContactLine = parse(line, "contact", value)?;
                claim(line, "contact", c.id.as_bytes())?;
                for v in &c.conversations {
                    claim(line, "conversation", v.id.as_bytes())?;
                }
                file.records.push((line, Record::Contact(Box::new(c))));
            }
            "plan" => {
                let p: PlanLine = parse(line, "plan", value)?;
                claim(line, "plan", p.id.as_bytes())?;
                if let Some(r) = p
                    .reflections
                    .iter()
                    .find(|r| r.tactic.is_some_and(|t| t >= p.tactics.len()))
                {
                    return Err(bad(
                        line,
                        format!(
                            "plan: reflection `{}` names tactic {:?}, the plan has {}",
                            r.action,
                            r.tactic,
                            p.tactics.len()
                        ),
                    ));
                }
                file.records.push((line, Record::Plan(Box::new(p))));
            }
            "follow_up" => {
                let f: FollowUpLine = parse(line, "follow_up", value)?;
                claim(line, "follow-up", f.id.as_bytes())?;
                file.records.push((line, Record::FollowUp(Box::new(f))));
            }
            other => return Err(bad(line, format!("unknown type `{other}`"))),
        }
    }
    if !seen_format {
        return Err(InterchangeError::Empty(Format::Jsonl));
    }
    // Records go in dependency order whatever the file's order: units before the contacts
    // placed in them, plans before the follow-ups about them.
    file.records.sort_by_key(|(line, r)| {
        let rank = match r {
            Record::Terrain(_) => 0,
            Record::Contact(_) => 1,
            Record::Plan(_) => 2,
            Record::FollowUp(_) => 3,
        };
        (rank, *line)
    });
    Ok(file)
}

/// The units in an order where each parent comes before its children; `None` if a parent is
/// not in the list (or the parents form a loop).
fn parent_order(units: &[UnitLine]) -> Option<Vec<&UnitLine>> {
    let mut placed: HashSet<UnitId> = HashSet::new();
    let mut out = Vec::with_capacity(units.len());
    let mut rest: Vec<&UnitLine> = units.iter().collect();
    while !rest.is_empty() {
        let before = rest.len();
        rest.retain(|u| match u.parent {
            Some(p) if !placed.contains(&p) => true,
            _ => {
                placed.insert(u.id);
                out.push(*u);
                false
            }
        });
        if rest.len() == before {
            return None;
        }
    }
    Some(out)
}

// --- import ------------------------------------------------------------------------------------

/// Imports a checked portable export into `group`, which must hold no records yet (a new
/// group: its settings are replaced by the file's). `progress` gets (records stored, records).
pub fn import_portable(
    group: &Group,
    file: &PortableFile,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PortableSummary, InterchangeError> {
    let held = group.with_store(|store, gid| {
        Ok(store.conn.query_row(
            "SELECT count(*) FROM docs WHERE group_id = ?1 AND kind != ?2",
            rusqlite::params![gid.as_bytes(), DocKind::Settings.code()],
            |r| r.get::<_, i64>(0),
        )?)
    })?;
    if held > 0 {
        return Err(InterchangeError::NotEmpty {
            records: held as u64,
        });
    }
    let apply_err = |stored: usize, first_line: u64, source: Error| InterchangeError::Apply {
        stored,
        first_line,
        source,
    };
    if file.group_name.is_some() || file.settings.is_some() {
        // Read before the batch: the batch holds the store until it commits.
        let templates: Vec<EntryId> = group
            .settings()?
            .onboarding_templates
            .into_iter()
            .map(|t| t.id)
            .collect();
        group
            .batch(|b| apply_settings(b, &templates, file))
            .map_err(|e| apply_err(0, 1, e))?;
    }
    let total = file.records.len();
    let mut stored = 0;
    progress(0, total);
    for chunk in file.records.chunks(IMPORT_BATCH) {
        let mut failed_line = chunk.first().map_or(0, |(l, _)| *l);
        group
            .batch(|b| {
                for (line, record) in chunk {
                    failed_line = *line;
                    apply_record(b, record)?;
                }
                Ok(())
            })
            .map_err(|e| apply_err(stored, failed_line, e))?;
        stored += chunk.len();
        progress(stored, total);
    }
    Ok(file.summary())
}

fn apply_settings(
    b: &mut Batch<'_>,
    templates: &[EntryId],
    file: &PortableFile,
) -> crate::Result<()> {
    let mut edits = Vec::new();
    if let Some(name) = &file.group_name {
        edits.push(SettingsEdit::SetName(name.clone()));
    }
    if let Some(s) = &file.settings {
        edits.push(SettingsEdit::SetScale(AssessmentScale {
            levels: s
                .scale
                .levels
                .iter()
                .map(|l| ScaleLevel {
                    value: l.value,
                    label: l.label.clone(),
                })
                .collect(),
            supporter_or_better: s.scale.supporter_or_better.iter().copied().collect(),
        }));
        // The new group's own templates make way for the file's.
        for id in templates {
            edits.push(SettingsEdit::RemoveOnboardingTemplate(*id));
        }
        for t in &s.onboarding_templates {
            edits.push(SettingsEdit::AddOnboardingTemplate {
                name: t.name.clone(),
                tasks: t.tasks.clone(),
            });
        }
    }
    b.update_settings(&Update::new(edits))
}

fn apply_record(b: &mut Batch<'_>, record: &Record) -> crate::Result<()> {
    match record {
        Record::Terrain(t) => apply_terrain(b, t),
        Record::Contact(c) => apply_contact(b, c),
        Record::Plan(p) => apply_plan(b, p),
        Record::FollowUp(f) => apply_follow_up(b, f),
    }
}

fn apply_terrain(b: &mut Batch<'_>, t: &TerrainLine) -> crate::Result<()> {
    b.create_terrain_with_id(
        t.id,
        &NewTerrainTree {
            name: t.name.clone(),
            kind: TreeKind::parse(&t.kind),
        },
    )?;
    let units = parent_order(&t.units).unwrap_or_default();
    if units.is_empty() {
        return Ok(());
    }
    let edits = units
        .into_iter()
        .map(|u| TerrainEdit::AddUnit {
            id: u.id,
            name: u.name.clone(),
            parent: u.parent,
            level: u.level.clone(),
        })
        .collect();
    b.update_terrain(t.id, &Update::new(edits))
}

fn pairs(list: &[LabelledLine]) -> Vec<(String, String)> {
    list.iter()
        .map(|l| (l.label.clone(), l.value.clone()))
        .collect()
}

fn apply_contact(b: &mut Batch<'_>, c: &ContactLine) -> crate::Result<()> {
    b.create_contact_with_id(
        c.id,
        &NewContact {
            name: c.name.clone(),
            phones: pairs(&c.phones),
            emails: pairs(&c.emails),
            addresses: pairs(&c.addresses),
            unit: c.unit,
            tags: c.tags.clone(),
            custom: c.custom.clone().into_iter().collect(),
            organizers: c.organizers.clone(),
            do_not_contact: c.do_not_contact,
            consent: c.consent.clone().into_iter().collect(),
            notes: c.notes.clone(),
        },
    )?;
    if !c.relationships.is_empty() {
        let edits = c
            .relationships
            .iter()
            .map(|r| ContactEdit::AddRelationship {
                kind: RelationshipKind::parse(&r.kind),
                other: r.other,
            })
            .collect();
        b.update_contact(c.id, &ContactUpdate::new(edits))?;
    }
    for v in &c.conversations {
        b.record_conversation_with_id(
            c.id,
            v.id,
            &NewConversation {
                organizer: v.organizer.clone(),
                at: v.at,
                place: v.place.clone(),
                channel: Channel::parse(&v.channel),
                steps: ConversationSteps {
                    door: v.steps.door.clone(),
                    story: v.steps.story.clone(),
                    vision: v.steps.vision.clone(),
                    obstacles: v.steps.obstacles.clone(),
                    ask: v.steps.ask.clone(),
                    answer: v.steps.answer.clone(),
                },
                assessment: v.assessment,
                next_steps: v.next_steps.clone(),
            },
        )?;
    }
    Ok(())
}

fn read_plan(b: &mut Batch<'_>, id: PlanId) -> crate::Result<Plan> {
    b.read_doc(id.into(), DocKind::Plan, |d| crate::doc::plan::read(d, id))
}

fn apply_plan(b: &mut Batch<'_>, p: &PlanLine) -> crate::Result<()> {
    b.create_plan_with_id(
        p.id,
        &NewPlan {
            title: p.title.clone(),
            units: p.units.clone(),
            strategy: p.strategy.clone(),
        },
    )?;
    let mut edits: Vec<PlanEdit> = p
        .contacts
        .iter()
        .map(|c| PlanEdit::AddContact(*c))
        .collect();
    edits.extend(
        p.terrain_questions
            .iter()
            .map(|q| PlanEdit::AddTerrainQuestion {
                question: q.question.clone(),
            }),
    );
    edits.extend(p.goals.iter().map(|g| PlanEdit::AddGoal {
        horizon: Horizon::parse(&g.horizon),
        text: g.text.clone(),
    }));
    edits.extend(p.tactics.iter().map(|t| PlanEdit::AddTactic {
        description: t.description.clone(),
        owner: t.owner.clone(),
        date: t.date,
    }));
    for bm in &p.benchmarks {
        edits.push(PlanEdit::AddBenchmark {
            description: bm.description.clone(),
            target: bm.target,
            deadline: bm.deadline,
            query: query_from(&bm.query)?,
        });
    }
    if !edits.is_empty() {
        b.update_plan(p.id, &Update::new(edits))?;
    }
    // Answers, done marks and reflections point at entries the edits above created: read their
    // new entry ids back, by position, inside the same transaction.
    let created = read_plan(b, p.id)?;
    let mut edits = Vec::new();
    for (q, made) in p.terrain_questions.iter().zip(&created.terrain) {
        if !q.answer.is_empty() {
            edits.push(PlanEdit::EditTerrainAnswer {
                id: made.id,
                edit: TextEdit::Replace(q.answer.clone()),
            });
        }
    }
    for (t, made) in p.tactics.iter().zip(&created.tactics) {
        if t.done {
            edits.push(PlanEdit::SetTacticDone {
                id: made.id,
                done: true,
            });
        }
    }
    let tactic_id = |i: Option<usize>| -> Option<EntryId> {
        i.and_then(|i| created.tactics.get(i)).map(|t| t.id)
    };
    for r in &p.reflections {
        edits.push(PlanEdit::AddReflection {
            action: r.action.clone(),
            tactic: tactic_id(r.tactic),
            at: r.at,
            worked: r.worked.clone(),
            didnt: r.didnt.clone(),
            next: r.next.clone(),
            celebration: r.celebration.clone(),
        });
    }
    if !edits.is_empty() {
        b.update_plan(p.id, &Update::new(edits))?;
    }
    Ok(())
}

fn query_from(q: &QueryLine) -> crate::Result<RecordQuery> {
    let assessment = match &q.assessment {
        None => None,
        Some(s) => Some(AssessmentAtLeast::from_stored(s).ok_or_else(|| {
            crate::ValidationError::bad_format(
                "assessment",
                "`supporter_or_better` or a level's value",
            )
        })?),
    };
    Ok(RecordQuery {
        version: q.version,
        counts: Counted::parse(&q.counts),
        unit: q.unit,
        assessment,
        since: q.since,
        tag: q.tag.clone(),
        organizer: q.organizer.clone(),
        follow_up_kind: q.follow_up_kind.as_deref().map(FollowUpKind::parse),
        completed: q.completed,
    })
}

fn apply_follow_up(b: &mut Batch<'_>, f: &FollowUpLine) -> crate::Result<()> {
    let now = b.now();
    // The follow-up keeps the time it was made (due lists and benchmarks count by it).
    b.set_now(f.created_at);
    let created = b.create_follow_up_with_id(
        f.id,
        &NewFollowUp {
            kind: FollowUpKind::parse(&f.kind),
            title: f.title.clone(),
            contact: f.contact,
            plan: f.plan,
            conversation: f.conversation,
            assignee: f.assignee.clone(),
            partner: f.partner.clone(),
            due: f.due,
            note: f.note.clone(),
            repeat_every_days: f.repeat_every_days,
            previous: f.previous,
        },
    );
    b.set_now(now);
    created?;
    let status = FollowUpStatus::parse(&f.status);
    let mut edits = Vec::new();
    if let Some(at) = f.completed_at {
        edits.push(FollowUpEdit::Complete {
            at,
            note: String::new(),
        });
        if status != FollowUpStatus::Done {
            edits.push(FollowUpEdit::SetStatus(status));
        }
    } else if status != FollowUpStatus::Open {
        edits.push(FollowUpEdit::SetStatus(status));
    }
    if !edits.is_empty() {
        b.update_follow_up(f.id, &Update::new(edits))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
