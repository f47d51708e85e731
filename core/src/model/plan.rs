use std::collections::BTreeSet;

use crate::ids::{ContactId, EntryId, PlanId, UnitId};

use super::{RecordMeta, RecordQuery, TextEdit, Timestamp};

/// The horizon of a goal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    Long,
    Medium,
    Short,
    Other(String),
}

impl Horizon {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            Horizon::Long => "long",
            Horizon::Medium => "medium",
            Horizon::Short => "short",
            Horizon::Other(s) => s,
        }
    }
    /// Reads the stored or typed form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "long" => Horizon::Long,
            "medium" => Horizon::Medium,
            "short" => Horizon::Short,
            other => Horizon::Other(other.to_owned()),
        }
    }
}

/// A question about the terrain and what the group found out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TerrainQuestion {
    pub id: EntryId,
    pub question: String,
    pub answer: String,
}

/// A goal of the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Goal {
    pub id: EntryId,
    pub horizon: Horizon,
    pub text: String,
}

/// A tactic with who carries it out and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tactic {
    pub id: EntryId,
    pub description: String,
    pub owner: String,
    pub date: Option<Timestamp>,
    pub done: bool,
}

/// A measurable target: "20 one-on-ones in Dept. B by March 1".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Benchmark {
    pub id: EntryId,
    pub description: String,
    pub target: u64,
    pub deadline: Option<Timestamp>,
    /// What is counted: progress is computed from the records, never typed in.
    pub query: RecordQuery,
}

/// What the group learned from an action, and what it celebrates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reflection {
    pub id: EntryId,
    pub action: String,
    /// The tactic this reflects on, when it was one of the plan's.
    pub tactic: Option<EntryId>,
    pub at: Timestamp,
    pub worked: String,
    pub didnt: String,
    pub next: String,
    pub celebration: String,
}

/// A campaign or project.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub id: PlanId,
    pub title: String,
    /// The terrain units the plan is about.
    pub units: BTreeSet<UnitId>,
    /// Contacts the plan names (targets, key people).
    pub contacts: BTreeSet<ContactId>,
    pub terrain: Vec<TerrainQuestion>,
    pub goals: Vec<Goal>,
    pub strategy: String,
    pub tactics: Vec<Tactic>,
    pub benchmarks: Vec<Benchmark>,
    pub reflections: Vec<Reflection>,
    pub meta: RecordMeta,
}

/// A plan to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewPlan {
    pub title: String,
    pub units: Vec<UnitId>,
    pub strategy: String,
}

/// One per-field change to a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEdit {
    SetTitle(String),
    AddUnit(UnitId),
    RemoveUnit(UnitId),
    AddContact(ContactId),
    RemoveContact(ContactId),
    AddTerrainQuestion {
        question: String,
    },
    EditTerrainAnswer {
        id: EntryId,
        edit: TextEdit,
    },
    AddGoal {
        horizon: Horizon,
        text: String,
    },
    RemoveGoal(EntryId),
    EditStrategy(TextEdit),
    AddTactic {
        description: String,
        owner: String,
        date: Option<Timestamp>,
    },
    SetTacticDone {
        id: EntryId,
        done: bool,
    },
    RemoveTactic(EntryId),
    AddBenchmark {
        description: String,
        target: u64,
        deadline: Option<Timestamp>,
        query: RecordQuery,
    },
    RemoveBenchmark(EntryId),
    AddReflection {
        action: String,
        tactic: Option<EntryId>,
        at: Timestamp,
        worked: String,
        didnt: String,
        next: String,
        celebration: String,
    },
    /// Fill in or change a part of a reflection later (after the meeting that discussed it).
    EditReflection {
        id: EntryId,
        part: ReflectionPart,
        edit: TextEdit,
    },
}

/// The parts of a reflection people write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReflectionPart {
    Worked,
    Didnt,
    Next,
    Celebration,
}

impl ReflectionPart {
    pub(crate) fn key(self) -> &'static str {
        match self {
            ReflectionPart::Worked => "worked",
            ReflectionPart::Didnt => "didnt",
            ReflectionPart::Next => "next",
            ReflectionPart::Celebration => "celebration",
        }
    }
}
