//! A plan's document: `title` (scalar), `strategy` (text), `units` and `contacts` (sets) and the
//! lists `terrain`, `goals`, `tactics`, `benchmarks`, `reflections` (maps with an `id`).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ScalarValue};

use super::{
    DocKind, Reader, am, edit_text, entry, init_root, push_entry, put_opt_time, put_text, put_time,
    remove_entry, set_add, set_remove,
};
use crate::error::{Error, ValidationError};
use crate::ids::{ContactId, EntryId, PlanId, UnitId};
use crate::model::validate::{self, LIST_MAX};
use crate::model::{
    AssessmentAtLeast, Benchmark, Counted, FollowUpKind, Goal, Horizon, NewPlan, Plan, PlanEdit,
    RecordQuery, Reflection, Tactic, TerrainQuestion,
};

const KNOWN: &[&str] = &[
    "title",
    "strategy",
    "units",
    "contacts",
    "terrain",
    "goals",
    "tactics",
    "benchmarks",
    "reflections",
];

pub(crate) fn create(doc: &mut AutoCommit, id: PlanId, new: &NewPlan) -> Result<(), Error> {
    let title = validate::required("title", &new.title)?;
    validate::text("strategy", &new.strategy)?;
    validate::list_len("units", new.units.len(), LIST_MAX)?;
    init_root(doc, DocKind::Plan, &id.to_string())?;
    doc.put(ROOT, "title", title.as_str()).map_err(am)?;
    put_text(doc, &ROOT, "strategy", &new.strategy)?;
    for key in ["units", "contacts"] {
        doc.put_object(ROOT, key, ObjType::Map).map_err(am)?;
    }
    for key in ["terrain", "goals", "tactics", "benchmarks", "reflections"] {
        doc.put_object(ROOT, key, ObjType::List).map_err(am)?;
    }
    for u in &new.units {
        set_add(doc, &ROOT, "units", &u.to_string())?;
    }
    Ok(())
}

fn new_entry(doc: &mut AutoCommit, key: &str) -> Result<automerge::ObjId, Error> {
    push_entry(doc, &ROOT, key, &EntryId::random().to_string(), LIST_MAX)
}

pub(crate) fn apply(doc: &mut AutoCommit, edit: &PlanEdit) -> Result<(), Error> {
    match edit {
        PlanEdit::SetTitle(t) => doc
            .put(ROOT, "title", validate::required("title", t)?)
            .map_err(am),
        PlanEdit::AddUnit(u) => set_add(doc, &ROOT, "units", &u.to_string()),
        PlanEdit::RemoveUnit(u) => set_remove(doc, &ROOT, "units", &u.to_string()),
        PlanEdit::AddContact(c) => set_add(doc, &ROOT, "contacts", &c.to_string()),
        PlanEdit::RemoveContact(c) => set_remove(doc, &ROOT, "contacts", &c.to_string()),
        PlanEdit::AddTerrainQuestion { question } => {
            let q = validate::required("question", question)?;
            let e = new_entry(doc, "terrain")?;
            doc.put(&e, "question", q.as_str()).map_err(am)?;
            put_text(doc, &e, "answer", "").map(|_| ())
        }
        PlanEdit::EditTerrainAnswer { id, edit } => {
            let e = entry(doc, &ROOT, "terrain", &id.to_string(), "terrain question")?;
            edit_text(doc, &e, "answer", "answer", edit)
        }
        PlanEdit::AddGoal { horizon, text } => {
            let text = validate::required("goal", text)?;
            let e = new_entry(doc, "goals")?;
            doc.put(
                &e,
                "horizon",
                validate::required("horizon", horizon.as_str())?,
            )
            .map_err(am)?;
            doc.put(&e, "text", text.as_str()).map_err(am)
        }
        PlanEdit::RemoveGoal(id) => remove_entry(doc, &ROOT, "goals", &id.to_string(), "goal"),
        PlanEdit::EditStrategy(e) => edit_text(doc, &ROOT, "strategy", "strategy", e),
        PlanEdit::AddTactic {
            description,
            owner,
            date,
        } => {
            let d = validate::required("tactic", description)?;
            let o = validate::optional("owner", owner)?;
            let e = new_entry(doc, "tactics")?;
            doc.put(&e, "description", d.as_str()).map_err(am)?;
            doc.put(&e, "owner", o.as_str()).map_err(am)?;
            put_opt_time(doc, &e, "date", *date)?;
            doc.put(&e, "done", false).map_err(am)
        }
        PlanEdit::SetTacticDone { id, done } => {
            let e = entry(doc, &ROOT, "tactics", &id.to_string(), "tactic")?;
            doc.put(&e, "done", *done).map_err(am)
        }
        PlanEdit::RemoveTactic(id) => {
            remove_entry(doc, &ROOT, "tactics", &id.to_string(), "tactic")
        }
        PlanEdit::AddBenchmark {
            description,
            target,
            deadline,
            query,
        } => {
            let d = validate::required("benchmark", description)?;
            if *target == 0 || *target > 10_000_000 {
                return Err(
                    ValidationError::out_of_range("target", "between 1 and 10,000,000").into(),
                );
            }
            query.validate()?;
            let e = new_entry(doc, "benchmarks")?;
            doc.put(&e, "description", d.as_str()).map_err(am)?;
            doc.put(&e, "target", *target).map_err(am)?;
            put_opt_time(doc, &e, "deadline", *deadline)?;
            put_query(doc, &e, query)
        }
        PlanEdit::RemoveBenchmark(id) => {
            remove_entry(doc, &ROOT, "benchmarks", &id.to_string(), "benchmark")
        }
        PlanEdit::AddReflection {
            action,
            tactic,
            at,
            worked,
            didnt,
            next,
            celebration,
        } => {
            let action = validate::required("action", action)?;
            for (f, t) in [
                ("worked", worked),
                ("didn't work", didnt),
                ("next", next),
                ("celebration", celebration),
            ] {
                validate::text(f, t)?;
            }
            let e = new_entry(doc, "reflections")?;
            doc.put(&e, "action", action.as_str()).map_err(am)?;
            super::put_opt_str(doc, &e, "tactic", tactic.map(|t| t.to_string()).as_deref())?;
            put_time(doc, &e, "at", *at)?;
            put_text(doc, &e, "worked", worked)?;
            put_text(doc, &e, "didnt", didnt)?;
            put_text(doc, &e, "next", next)?;
            put_text(doc, &e, "celebration", celebration).map(|_| ())
        }
        PlanEdit::EditReflection { id, part, edit } => {
            let e = entry(doc, &ROOT, "reflections", &id.to_string(), "reflection")?;
            edit_text(doc, &e, part.key(), part.key(), edit)
        }
    }
}

/// Writes a benchmark's query as a map of scalars under `query`, with its format version `v`.
fn put_query(doc: &mut AutoCommit, entry: &ObjId, q: &RecordQuery) -> Result<(), Error> {
    let m = doc.put_object(entry, "query", ObjType::Map).map_err(am)?;
    doc.put(&m, "v", q.version).map_err(am)?;
    doc.put(&m, "counts", q.counts.as_str()).map_err(am)?;
    let opt = |doc: &mut AutoCommit, key: &str, v: Option<String>| {
        super::put_opt_str(doc, &m, key, v.as_deref())
    };
    opt(doc, "unit", q.unit.map(|u| u.to_string()))?;
    opt(doc, "assessment", q.assessment.map(|a| a.to_stored()))?;
    put_opt_time(doc, &m, "since", q.since)?;
    let tag = q
        .tag
        .as_deref()
        .map(|t| validate::required("tag", t))
        .transpose()?;
    opt(doc, "tag", tag)?;
    let organizer = q
        .organizer
        .as_deref()
        .map(|o| validate::required("organizer", o))
        .transpose()?;
    opt(doc, "organizer", organizer)?;
    opt(
        doc,
        "follow_up_kind",
        q.follow_up_kind.as_ref().map(|k| k.as_str().to_owned()),
    )?;
    match q.completed {
        Some(c) => doc.put(&m, "completed", c).map_err(am),
        None => doc.put(&m, "completed", ScalarValue::Null).map_err(am),
    }
}

/// Reads a benchmark's query; benchmarks written before queries had a `measure` name instead.
fn read_query(r: &mut Reader<'_>, e: &ObjId, p: &str) -> RecordQuery {
    let Some(m) = r.object(e, "query", ObjType::Map) else {
        return legacy_measure(r, e, p);
    };
    let p = format!("{p}/query");
    let mut q = RecordQuery::counting(Counted::parse(&r.str(&m, "counts", &format!("{p}/counts"))));
    q.version = r
        .int(&m, "v", &format!("{p}/v"))
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0);
    q.unit = r
        .opt_str(&m, "unit", &format!("{p}/unit"))
        .and_then(|u| UnitId::parse(&u).ok());
    q.assessment = r
        .opt_str(&m, "assessment", &format!("{p}/assessment"))
        .and_then(|a| AssessmentAtLeast::from_stored(&a));
    q.since = r.time(&m, "since", &format!("{p}/since"));
    q.tag = r.opt_str(&m, "tag", &format!("{p}/tag"));
    q.organizer = r.opt_str(&m, "organizer", &format!("{p}/organizer"));
    q.follow_up_kind = r
        .opt_str(&m, "follow_up_kind", &format!("{p}/follow_up_kind"))
        .map(|k| FollowUpKind::parse(&k));
    q.completed = match r.scalar(&m, "completed", &format!("{p}/completed")) {
        Some(ScalarValue::Boolean(b)) => Some(b),
        _ => None,
    };
    q
}

/// The three measures of the first schema, as queries.
fn legacy_measure(r: &mut Reader<'_>, e: &ObjId, p: &str) -> RecordQuery {
    let unit = r
        .opt_str(e, "measure_unit", &format!("{p}/measure_unit"))
        .and_then(|u| UnitId::parse(&u).ok());
    let since = r.time(e, "measure_since", &format!("{p}/measure_since"));
    let mut q = match r.str(e, "measure", &format!("{p}/measure")).as_str() {
        "conversations" => RecordQuery {
            since,
            ..RecordQuery::counting(Counted::Conversations)
        },
        "supporters_or_better" => RecordQuery {
            assessment: Some(AssessmentAtLeast::SupporterOrBetter),
            ..RecordQuery::counting(Counted::Contacts)
        },
        "onboarding_tasks_done" => RecordQuery {
            follow_up_kind: Some(FollowUpKind::Onboarding),
            completed: Some(true),
            since,
            ..RecordQuery::counting(Counted::FollowUps)
        },
        other => RecordQuery::counting(Counted::Other(other.to_owned())),
    };
    q.unit = unit;
    q
}

pub(crate) fn read(doc: &mut AutoCommit, id: PlanId) -> Plan {
    let version = super::version(doc);
    let doc: &AutoCommit = doc;
    let mut r = Reader::new(doc);
    let eid = |r: &mut Reader<'_>, e: &automerge::ObjId| {
        r.opt_str(e, "id", "").and_then(|s| EntryId::parse(&s).ok())
    };
    let title = r.str(&ROOT, "title", "title");
    let units = r
        .set_keys(&ROOT, "units")
        .iter()
        .filter_map(|u| UnitId::parse(u).ok())
        .collect();
    let contacts = r
        .set_keys(&ROOT, "contacts")
        .iter()
        .filter_map(|c| ContactId::parse(c).ok())
        .collect();
    let terrain = r
        .entries(&ROOT, "terrain")
        .iter()
        .filter_map(|e| {
            let id = eid(&mut r, e)?;
            Some(TerrainQuestion {
                id,
                question: r.str(e, "question", &format!("terrain/{id}/question")),
                answer: r.text(e, "answer"),
            })
        })
        .collect();
    let goals = r
        .entries(&ROOT, "goals")
        .iter()
        .filter_map(|e| {
            let id = eid(&mut r, e)?;
            Some(Goal {
                id,
                horizon: Horizon::parse(&r.str(e, "horizon", &format!("goals/{id}/horizon"))),
                text: r.str(e, "text", &format!("goals/{id}/text")),
            })
        })
        .collect();
    let strategy = r.text(&ROOT, "strategy");
    let tactics = r
        .entries(&ROOT, "tactics")
        .iter()
        .filter_map(|e| {
            let id = eid(&mut r, e)?;
            let p = format!("tactics/{id}");
            Some(Tactic {
                id,
                description: r.str(e, "description", &format!("{p}/description")),
                owner: r.str(e, "owner", &format!("{p}/owner")),
                date: r.time(e, "date", &format!("{p}/date")),
                done: r.bool(e, "done", &format!("{p}/done")),
            })
        })
        .collect();
    let benchmarks = r
        .entries(&ROOT, "benchmarks")
        .iter()
        .filter_map(|e| {
            let id = eid(&mut r, e)?;
            let p = format!("benchmarks/{id}");
            Some(Benchmark {
                id,
                description: r.str(e, "description", &format!("{p}/description")),
                target: r
                    .int(e, "target", &format!("{p}/target"))
                    .and_then(|t| u64::try_from(t).ok())
                    .unwrap_or(0),
                deadline: r.time(e, "deadline", &format!("{p}/deadline")),
                query: read_query(&mut r, e, &p),
            })
        })
        .collect();
    let reflections = r
        .entries(&ROOT, "reflections")
        .iter()
        .filter_map(|e| {
            let id = eid(&mut r, e)?;
            Some(Reflection {
                id,
                action: r.str(e, "action", &format!("reflections/{id}/action")),
                tactic: r
                    .opt_str(e, "tactic", &format!("reflections/{id}/tactic"))
                    .and_then(|t| EntryId::parse(&t).ok()),
                at: r
                    .time(e, "at", &format!("reflections/{id}/at"))
                    .unwrap_or_default(),
                worked: r.text(e, "worked"),
                didnt: r.text(e, "didnt"),
                next: r.text(e, "next"),
                celebration: r.text(e, "celebration"),
            })
        })
        .collect();
    Plan {
        id,
        title,
        units,
        contacts,
        terrain,
        goals,
        strategy,
        tactics,
        benchmarks,
        reflections,
        meta: r.finish(KNOWN, version),
    }
}
