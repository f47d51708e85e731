use groundwork_core::ids::{ContactId, EntryId, UnitId};
use groundwork_core::model as gw;

use super::{
    FollowUpKind, RecordMeta, TextEdit, bounded, ms, parse, parse_all, parse_opt, time, time_opt,
};
use crate::error::{GroundworkError, Result};

/// The horizon of a goal.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Horizon {
    Long,
    Medium,
    Short,
    Other { value: String },
}

/// A question about the terrain and what the group found out.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TerrainQuestion {
    pub id: String,
    pub question: String,
    pub answer: String,
}

/// A goal of a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Goal {
    pub id: String,
    pub horizon: Horizon,
    pub text: String,
}

/// A tactic, who carries it out and when.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tactic {
    pub id: String,
    pub description: String,
    pub owner: String,
    pub date_ms: Option<i64>,
    pub done: bool,
}

/// Which records a benchmark counts (its progress is computed from them, never typed in).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Counted {
    Contacts,
    Conversations,
    FollowUps,
    /// A kind a newer Groundwork counts; shown without progress here.
    Other {
        value: String,
    },
}

/// An assessment threshold: this level or a stronger one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AssessmentAtLeast {
    /// What the group's settings count as supporter or better.
    SupporterOrBetter,
    /// This value on the group's scale, or a stronger level.
    Level { value: i64 },
}

/// What a benchmark counts: "conversations in Dept. B since Feb 1", "contacts assessed
/// supporter or better in Building 3". Every filter narrows the count.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordQuery {
    pub counts: Counted,
    /// Only within this terrain unit and the units below it.
    #[uniffi(default)]
    pub unit: Option<String>,
    #[uniffi(default)]
    pub assessment: Option<AssessmentAtLeast>,
    /// Only records from this time on.
    #[uniffi(default)]
    pub since_ms: Option<i64>,
    #[uniffi(default)]
    pub tag: Option<String>,
    #[uniffi(default)]
    pub organizer: Option<String>,
    #[uniffi(default)]
    pub follow_up_kind: Option<FollowUpKind>,
    /// Only follow-ups that are done (true) or open (false).
    #[uniffi(default)]
    pub completed: Option<bool>,
}

/// A measurable target: "20 one-on-ones in Dept. B by March 1".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Benchmark {
    pub id: String,
    pub description: String,
    pub target: u64,
    pub deadline_ms: Option<i64>,
    pub query: RecordQuery,
}

/// What the group learned from an action, and what it celebrates.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reflection {
    pub id: String,
    pub action: String,
    pub at_ms: i64,
    pub worked: String,
    pub didnt: String,
    pub next: String,
    pub celebration: String,
}

/// A campaign or project.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Plan {
    pub id: String,
    pub title: String,
    /// The terrain units the plan is about, sorted.
    pub units: Vec<String>,
    /// Contacts the plan names, sorted.
    pub contacts: Vec<String>,
    pub terrain: Vec<TerrainQuestion>,
    pub goals: Vec<Goal>,
    pub strategy: String,
    pub tactics: Vec<Tactic>,
    pub benchmarks: Vec<Benchmark>,
    pub reflections: Vec<Reflection>,
    pub meta: RecordMeta,
}

/// A plan to create.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewPlan {
    pub title: String,
    #[uniffi(default)]
    pub units: Vec<String>,
    #[uniffi(default)]
    pub strategy: String,
}

/// One per-field change to a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PlanEdit {
    SetTitle {
        title: String,
    },
    AddUnit {
        unit: String,
    },
    RemoveUnit {
        unit: String,
    },
    AddContact {
        contact: String,
    },
    RemoveContact {
        contact: String,
    },
    AddTerrainQuestion {
        question: String,
    },
    EditTerrainAnswer {
        id: String,
        edit: TextEdit,
    },
    AddGoal {
        horizon: Horizon,
        text: String,
    },
    RemoveGoal {
        id: String,
    },
    EditStrategy {
        edit: TextEdit,
    },
    AddTactic {
        description: String,
        owner: String,
        date_ms: Option<i64>,
    },
    SetTacticDone {
        id: String,
        done: bool,
    },
    RemoveTactic {
        id: String,
    },
    AddBenchmark {
        description: String,
        target: u64,
        deadline_ms: Option<i64>,
        query: RecordQuery,
    },
    RemoveBenchmark {
        id: String,
    },
    AddReflection {
        action: String,
        at_ms: i64,
        worked: String,
        didnt: String,
        next: String,
        celebration: String,
    },
}

impl From<gw::Horizon> for Horizon {
    fn from(h: gw::Horizon) -> Self {
        match h {
            gw::Horizon::Long => Self::Long,
            gw::Horizon::Medium => Self::Medium,
            gw::Horizon::Short => Self::Short,
            gw::Horizon::Other(value) => Self::Other { value },
        }
    }
}

impl From<Horizon> for gw::Horizon {
    fn from(h: Horizon) -> Self {
        match h {
            Horizon::Long => Self::Long,
            Horizon::Medium => Self::Medium,
            Horizon::Short => Self::Short,
            Horizon::Other { value } => gw::Horizon::parse(&value),
        }
    }
}

impl From<gw::AssessmentAtLeast> for AssessmentAtLeast {
    fn from(a: gw::AssessmentAtLeast) -> Self {
        match a {
            gw::AssessmentAtLeast::SupporterOrBetter => Self::SupporterOrBetter,
            gw::AssessmentAtLeast::Level(value) => Self::Level { value },
        }
    }
}

impl From<AssessmentAtLeast> for gw::AssessmentAtLeast {
    fn from(a: AssessmentAtLeast) -> Self {
        match a {
            AssessmentAtLeast::SupporterOrBetter => Self::SupporterOrBetter,
            AssessmentAtLeast::Level { value } => Self::Level(value),
        }
    }
}

impl From<gw::RecordQuery> for RecordQuery {
    fn from(q: gw::RecordQuery) -> Self {
        let counts = if q.understood() {
            match q.counts {
                gw::Counted::Contacts => Counted::Contacts,
                gw::Counted::Conversations => Counted::Conversations,
                gw::Counted::FollowUps => Counted::FollowUps,
                gw::Counted::Other(value) => Counted::Other { value },
            }
        } else {
            Counted::Other {
                value: format!("{} (query version {})", q.counts.as_str(), q.version),
            }
        };
        Self {
            counts,
            unit: q.unit.map(|u| u.to_string()),
            assessment: q.assessment.map(Into::into),
            since_ms: q.since.map(ms),
            tag: q.tag,
            organizer: q.organizer,
            follow_up_kind: q.follow_up_kind.map(Into::into),
            completed: q.completed,
        }
    }
}

impl TryFrom<RecordQuery> for gw::RecordQuery {
    type Error = GroundworkError;
    fn try_from(q: RecordQuery) -> Result<Self> {
        let counts = match q.counts {
            Counted::Contacts => gw::Counted::Contacts,
            Counted::Conversations => gw::Counted::Conversations,
            Counted::FollowUps => gw::Counted::FollowUps,
            Counted::Other { value } => gw::Counted::parse(&value),
        };
        let mut out = gw::RecordQuery::counting(counts);
        out.unit = parse_opt::<UnitId>(q.unit)?;
        out.assessment = q.assessment.map(Into::into);
        out.since = time_opt("since_ms", q.since_ms)?;
        out.tag = q.tag;
        out.organizer = q.organizer;
        out.follow_up_kind = q.follow_up_kind.map(Into::into);
        out.completed = q.completed;
        Ok(out)
    }
}

impl From<gw::Plan> for Plan {
    fn from(p: gw::Plan) -> Self {
        Self {
            id: p.id.to_string(),
            title: p.title,
            units: p.units.iter().map(ToString::to_string).collect(),
            contacts: p.contacts.iter().map(ToString::to_string).collect(),
            terrain: p
                .terrain
                .into_iter()
                .map(|q| TerrainQuestion {
                    id: q.id.to_string(),
                    question: q.question,
                    answer: q.answer,
                })
                .collect(),
            goals: p
                .goals
                .into_iter()
                .map(|g| Goal {
                    id: g.id.to_string(),
                    horizon: g.horizon.into(),
                    text: g.text,
                })
                .collect(),
            strategy: p.strategy,
            tactics: p
                .tactics
                .into_iter()
                .map(|t| Tactic {
                    id: t.id.to_string(),
                    description: t.description,
                    owner: t.owner,
                    date_ms: t.date.map(ms),
                    done: t.done,
                })
                .collect(),
            benchmarks: p
                .benchmarks
                .into_iter()
                .map(|b| Benchmark {
                    id: b.id.to_string(),
                    description: b.description,
                    target: b.target,
                    deadline_ms: b.deadline.map(ms),
                    query: b.query.into(),
                })
                .collect(),
            reflections: p
                .reflections
                .into_iter()
                .map(|r| Reflection {
                    id: r.id.to_string(),
                    action: r.action,
                    at_ms: ms(r.at),
                    worked: r.worked,
                    didnt: r.didnt,
                    next: r.next,
                    celebration: r.celebration,
                })
                .collect(),
            meta: p.meta.into(),
        }
    }
}

impl TryFrom<NewPlan> for gw::NewPlan {
    type Error = GroundworkError;
    fn try_from(p: NewPlan) -> Result<Self> {
        bounded("units", &p.units)?;
        Ok(Self {
            title: p.title,
            units: parse_all::<UnitId>(p.units)?,
            strategy: p.strategy,
        })
    }
}

impl TryFrom<PlanEdit> for gw::PlanEdit {
    type Error = GroundworkError;
    fn try_from(e: PlanEdit) -> Result<Self> {
        Ok(match e {
            PlanEdit::SetTitle { title } => Self::SetTitle(title),
            PlanEdit::AddUnit { unit } => Self::AddUnit(parse::<UnitId>(&unit)?),
            PlanEdit::RemoveUnit { unit } => Self::RemoveUnit(parse::<UnitId>(&unit)?),
            PlanEdit::AddContact { contact } => Self::AddContact(parse::<ContactId>(&contact)?),
            PlanEdit::RemoveContact { contact } => {
                Self::RemoveContact(parse::<ContactId>(&contact)?)
            }
            PlanEdit::AddTerrainQuestion { question } => Self::AddTerrainQuestion { question },
            PlanEdit::EditTerrainAnswer { id, edit } => Self::EditTerrainAnswer {
                id: parse::<EntryId>(&id)?,
                edit: edit.into(),
            },
            PlanEdit::AddGoal { horizon, text } => Self::AddGoal {
                horizon: horizon.into(),
                text,
            },
            PlanEdit::RemoveGoal { id } => Self::RemoveGoal(parse::<EntryId>(&id)?),
            PlanEdit::EditStrategy { edit } => Self::EditStrategy(edit.into()),
            PlanEdit::AddTactic {
                description,
                owner,
                date_ms,
            } => Self::AddTactic {
                description,
                owner,
                date: time_opt("date_ms", date_ms)?,
            },
            PlanEdit::SetTacticDone { id, done } => Self::SetTacticDone {
                id: parse::<EntryId>(&id)?,
                done,
            },
            PlanEdit::RemoveTactic { id } => Self::RemoveTactic(parse::<EntryId>(&id)?),
            PlanEdit::AddBenchmark {
                description,
                target,
                deadline_ms,
                query,
            } => Self::AddBenchmark {
                description,
                target,
                deadline: time_opt("deadline_ms", deadline_ms)?,
                query: query.try_into()?,
            },
            PlanEdit::RemoveBenchmark { id } => Self::RemoveBenchmark(parse::<EntryId>(&id)?),
            PlanEdit::AddReflection {
                action,
                at_ms,
                worked,
                didnt,
                next,
                celebration,
            } => Self::AddReflection {
                action,
                tactic: None,
                at: time("at_ms", at_ms)?,
                worked,
                didnt,
                next,
                celebration,
            },
        })
    }
}
