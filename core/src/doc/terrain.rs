//! A terrain tree's document: `name`, `tree_kind` and a map `units` of unit id → {name, parent,
//! level}. A map (not a list) so that concurrent additions merge and a unit keeps its id.

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};

use super::{DocKind, Reader, am, ensure, init_root, put_opt_str};
use crate::error::{Error, ValidationError};
use crate::ids::{TerrainTreeId, UnitId};
use crate::model::validate;
use crate::model::{NewTerrainTree, TerrainEdit, TerrainTree, TreeKind, Unit};

const KNOWN: &[&str] = &["name", "tree_kind", "units"];

pub(crate) fn create(
    doc: &mut AutoCommit,
    id: TerrainTreeId,
    new: &NewTerrainTree,
) -> Result<(), Error> {
    let name = validate::required("name", &new.name)?;
    init_root(doc, DocKind::Terrain, &id.to_string())?;
    doc.put(ROOT, "name", name.as_str()).map_err(am)?;
    doc.put(
        ROOT,
        "tree_kind",
        validate::required("kind", new.kind.as_str())?,
    )
    .map_err(am)?;
    doc.put_object(ROOT, "units", ObjType::Map).map_err(am)?;
    Ok(())
}

pub(crate) fn apply(doc: &mut AutoCommit, edit: &TerrainEdit) -> Result<(), Error> {
    let units = ensure(doc, &ROOT, "units", ObjType::Map)?;
    let unit_obj = |doc: &AutoCommit, id: &UnitId| -> Result<automerge::ObjId, Error> {
        Reader::new(doc)
            .object(&units, &id.to_string(), ObjType::Map)
            .ok_or_else(|| {
                ValidationError::out_of_range("unit", format!("no unit {id} in this tree")).into()
            })
    };
    match edit {
        TerrainEdit::Rename(n) => doc
            .put(ROOT, "name", validate::required("name", n)?)
            .map_err(am),
        TerrainEdit::AddUnit {
            id,
            name,
            parent,
            level,
        } => {
            let name = validate::required("unit name", name)?;
            let level = validate::optional("level", level)?;
            validate::list_len("units", doc.length(&units) + 1, 5_000)?;
            if let Some(p) = parent {
                unit_obj(doc, p)?;
            }
            let u = doc
                .put_object(&units, id.to_string(), ObjType::Map)
                .map_err(am)?;
            doc.put(&u, "name", name.as_str()).map_err(am)?;
            doc.put(&u, "level", level.as_str()).map_err(am)?;
            put_opt_str(doc, &u, "parent", parent.map(|p| p.to_string()).as_deref())
        }
        TerrainEdit::RenameUnit { id, name } => {
            let u = unit_obj(doc, id)?;
            doc.put(&u, "name", validate::required("unit name", name)?)
                .map_err(am)
        }
        TerrainEdit::MoveUnit { id, parent } => {
            let u = unit_obj(doc, id)?;
            if let Some(p) = parent {
                unit_obj(doc, p)?;
                // Refuse a cycle: the new parent must not be the unit or below it.
                let tree = read(doc, TerrainTreeId::random());
                let mut cur = Some(*p);
                while let Some(c) = cur {
                    if c == *id {
                        return Err(ValidationError::out_of_range(
                            "parent",
                            "a unit cannot move below itself",
                        )
                        .into());
                    }
                    cur = tree.units.iter().find(|u| u.id == c).and_then(|u| u.parent);
                }
            }
            put_opt_str(doc, &u, "parent", parent.map(|p| p.to_string()).as_deref())
        }
        TerrainEdit::RemoveUnit(id) => {
            unit_obj(doc, id)?;
            doc.delete(&units, id.to_string()).map_err(am)
        }
    }
}

pub(crate) fn read(doc: &mut AutoCommit, id: TerrainTreeId) -> TerrainTree {
    let version = super::version(doc);
    let doc: &AutoCommit = doc;
    let mut r = Reader::new(doc);
    let name = r.str(&ROOT, "name", "name");
    let kind = TreeKind::parse(&r.str(&ROOT, "tree_kind", "tree_kind"));
    let mut units = Vec::new();
    if let Some(map) = r.object(&ROOT, "units", ObjType::Map) {
        for key in doc.keys(&map).collect::<Vec<String>>() {
            let (Ok(uid), Some(u)) = (UnitId::parse(&key), r.object(&map, &key, ObjType::Map))
            else {
                continue;
            };
            units.push(Unit {
                id: uid,
                name: r.str(&u, "name", &format!("units/{key}/name")),
                parent: r
                    .opt_str(&u, "parent", &format!("units/{key}/parent"))
                    .and_then(|p| UnitId::parse(&p).ok()),
                level: r.str(&u, "level", &format!("units/{key}/level")),
            });
        }
    }
    // A unit whose parent was removed concurrently hangs directly under the tree.
    let known: std::collections::BTreeSet<UnitId> = units.iter().map(|u| u.id).collect();
    for u in &mut units {
        if u.parent.is_some_and(|p| !known.contains(&p)) {
            u.parent = None;
        }
    }
    TerrainTree {
        id,
        name,
        kind,
        units,
        meta: r.finish(KNOWN, version),
    }
}
