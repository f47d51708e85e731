use crate::ids::{TerrainTreeId, UnitId};

use super::RecordMeta;

/// What a terrain tree maps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TreeKind {
    Workplace,
    Building,
    Other(String),
}

impl TreeKind {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            TreeKind::Workplace => "workplace",
            TreeKind::Building => "building",
            TreeKind::Other(s) => s,
        }
    }
    /// Reads the stored or typed form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "workplace" => TreeKind::Workplace,
            "building" => TreeKind::Building,
            other => TreeKind::Other(other.to_owned()),
        }
    }
}

/// A unit of the terrain: a department, floor, shift, apartment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    /// `None` for a unit directly under the workplace or building.
    pub parent: Option<UnitId>,
    /// What the level is called ("department", "shift", "floor", "unit").
    pub level: String,
}

/// One workplace or building and its units.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TerrainTree {
    pub id: TerrainTreeId,
    pub name: String,
    pub kind: TreeKind,
    pub units: Vec<Unit>,
    pub meta: RecordMeta,
}

/// A terrain tree to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTerrainTree {
    pub name: String,
    pub kind: TreeKind,
}

/// One per-field change to a terrain tree.
#[derive(Debug, Clone, PartialEq)]
pub enum TerrainEdit {
    Rename(String),
    /// Add a unit with a caller-chosen id (so the caller can add children in the same update).
    AddUnit {
        id: UnitId,
        name: String,
        parent: Option<UnitId>,
        level: String,
    },
    RenameUnit {
        id: UnitId,
        name: String,
    },
    MoveUnit {
        id: UnitId,
        parent: Option<UnitId>,
    },
    RemoveUnit(UnitId),
}
