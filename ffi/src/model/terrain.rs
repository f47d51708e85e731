use groundwork_core::ids::UnitId;
use groundwork_core::model as gw;

use super::{RecordMeta, parse, parse_opt};
use crate::error::{GroundworkError, Result};

/// What a terrain tree maps. Values a newer version adds arrive as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TreeKind {
    Workplace,
    Building,
    Other { value: String },
}

/// A unit of the terrain: a department, floor, shift, apartment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// `None` for a unit directly under the workplace or building.
    pub parent: Option<String>,
    /// What the level is called ("department", "shift", "floor", "unit").
    pub level: String,
}

/// One workplace or building and its units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TerrainTree {
    pub id: String,
    pub name: String,
    pub kind: TreeKind,
    pub units: Vec<Unit>,
    pub meta: RecordMeta,
}

/// A terrain tree to create.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewTerrainTree {
    pub name: String,
    pub kind: TreeKind,
}

/// One change to a terrain tree.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TerrainEdit {
    Rename {
        name: String,
    },
    /// Adds a unit with an id the caller chose (`new_id()`), so it can add children in the same
    /// update.
    AddUnit {
        id: String,
        name: String,
        parent: Option<String>,
        level: String,
    },
    RenameUnit {
        id: String,
        name: String,
    },
    MoveUnit {
        id: String,
        parent: Option<String>,
    },
    RemoveUnit {
        id: String,
    },
}

impl From<gw::TreeKind> for TreeKind {
    fn from(k: gw::TreeKind) -> Self {
        match k {
            gw::TreeKind::Workplace => Self::Workplace,
            gw::TreeKind::Building => Self::Building,
            gw::TreeKind::Other(value) => Self::Other { value },
        }
    }
}

impl From<TreeKind> for gw::TreeKind {
    fn from(k: TreeKind) -> Self {
        match k {
            TreeKind::Workplace => Self::Workplace,
            TreeKind::Building => Self::Building,
            TreeKind::Other { value } => gw::TreeKind::parse(&value),
        }
    }
}

impl From<gw::TerrainTree> for TerrainTree {
    fn from(t: gw::TerrainTree) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            kind: t.kind.into(),
            units: t
                .units
                .into_iter()
                .map(|u| Unit {
                    id: u.id.to_string(),
                    name: u.name,
                    parent: u.parent.map(|p| p.to_string()),
                    level: u.level,
                })
                .collect(),
            meta: t.meta.into(),
        }
    }
}

impl From<NewTerrainTree> for gw::NewTerrainTree {
    fn from(t: NewTerrainTree) -> Self {
        Self {
            name: t.name,
            kind: t.kind.into(),
        }
    }
}

impl TryFrom<TerrainEdit> for gw::TerrainEdit {
    type Error = GroundworkError;
    fn try_from(e: TerrainEdit) -> Result<Self> {
        Ok(match e {
            TerrainEdit::Rename { name } => Self::Rename(name),
            TerrainEdit::AddUnit {
                id,
                name,
                parent,
                level,
            } => Self::AddUnit {
                id: parse::<UnitId>(&id)?,
                name,
                parent: parse_opt::<UnitId>(parent)?,
                level,
            },
            TerrainEdit::RenameUnit { id, name } => Self::RenameUnit {
                id: parse::<UnitId>(&id)?,
                name,
            },
            TerrainEdit::MoveUnit { id, parent } => Self::MoveUnit {
                id: parse::<UnitId>(&id)?,
                parent: parse_opt::<UnitId>(parent)?,
            },
            TerrainEdit::RemoveUnit { id } => Self::RemoveUnit(parse::<UnitId>(&id)?),
        })
    }
}
