//! The group-settings document: `name`, the assessment `scale` (a list of {value, label}) and
//! `supporter_or_better` (a set), `onboarding` templates (a list of {id, name, tasks}), and
//! `turfs` (a map from turf id to {name, organizer, devices, size, handed_out_at, handed_out_by,
//! returned_at}; no contact ids, so every member may read it), and the group's `relay` (a URL,
//! absent when the group has none).

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};

use groundwork_proto::membership::DeviceId;

use super::{DocKind, Reader, am, ensure, init_root, push_entry, put_time, remove_entry};
use crate::error::{Error, ValidationError};
use crate::ids::{EntryId, GroupId, TurfId};
use crate::model::validate;
use crate::model::{
    AssessmentScale, GroupSettings, OnboardingTemplate, ScaleLevel, SettingsEdit, Timestamp, Turf,
};

/// The most turfs one group's settings keep (live and returned).
pub(crate) const TURFS_MAX: usize = 2_000;

const KNOWN: &[&str] = &[
    "name",
    "scale",
    "supporter_or_better",
    "onboarding",
    "turfs",
    "relay",
];

pub(crate) fn create(doc: &mut AutoCommit, group: GroupId, name: &str) -> Result<(), Error> {
    let name = validate::required("group name", name)?;
    init_root(doc, DocKind::Settings, &group.to_string())?;
    doc.put(ROOT, "name", name.as_str()).map_err(am)?;
    doc.put_object(ROOT, "scale", ObjType::List).map_err(am)?;
    doc.put_object(ROOT, "supporter_or_better", ObjType::Map)
        .map_err(am)?;
    doc.put_object(ROOT, "onboarding", ObjType::List)
        .map_err(am)?;
    doc.put_object(ROOT, "turfs", ObjType::Map).map_err(am)?;
    write_scale(doc, &AssessmentScale::default())
}

fn check_scale(scale: &AssessmentScale) -> Result<(), ValidationError> {
    validate::list_len("scale", scale.levels.len(), 100)?;
    if scale.levels.is_empty() {
        return Err(ValidationError::new("scale", crate::error::Problem::Empty));
    }
    let mut seen = std::collections::BTreeSet::new();
    for l in &scale.levels {
        validate::required("scale label", &l.label)?;
        if l.value == 0 {
            return Err(ValidationError::out_of_range(
                "scale",
                "0 means not assessed and cannot be a level",
            ));
        }
        if !seen.insert(l.value) {
            return Err(ValidationError::out_of_range(
                "scale",
                format!("value {} appears twice", l.value),
            ));
        }
    }
    if let Some(v) = scale.supporter_or_better.iter().find(|v| !seen.contains(v)) {
        return Err(ValidationError::out_of_range(
            "supporter_or_better",
            format!("{v} is not on the scale"),
        ));
    }
    Ok(())
}

/// Replaces the scale. The scale is one decision, so it is rewritten whole.
fn write_scale(doc: &mut AutoCommit, scale: &AssessmentScale) -> Result<(), Error> {
    check_scale(scale)?;
    let list = doc.put_object(ROOT, "scale", ObjType::List).map_err(am)?;
    for (i, l) in scale.levels.iter().enumerate() {
        let m = doc.insert_object(&list, i, ObjType::Map).map_err(am)?;
        doc.put(&m, "value", l.value).map_err(am)?;
        doc.put(&m, "label", l.label.trim()).map_err(am)?;
    }
    let set = doc
        .put_object(ROOT, "supporter_or_better", ObjType::Map)
        .map_err(am)?;
    for v in &scale.supporter_or_better {
        doc.put(&set, v.to_string(), true).map_err(am)?;
    }
    Ok(())
}

pub(crate) fn apply(doc: &mut AutoCommit, edit: &SettingsEdit) -> Result<(), Error> {
    match edit {
        SettingsEdit::SetName(n) => doc
            .put(ROOT, "name", validate::required("group name", n)?)
            .map_err(am),
        SettingsEdit::SetScale(scale) => write_scale(doc, scale),
        SettingsEdit::AddOnboardingTemplate { name, tasks } => {
            let name = validate::required("template name", name)?;
            validate::list_len("tasks", tasks.len(), 100)?;
            let tasks = tasks
                .iter()
                .map(|t| validate::required("task", t))
                .collect::<Result<Vec<_>, _>>()?;
            let e = push_entry(
                doc,
                &ROOT,
                "onboarding",
                &EntryId::random().to_string(),
                100,
            )?;
            doc.put(&e, "name", name.as_str()).map_err(am)?;
            let list = ensure(doc, &e, "tasks", ObjType::List)?;
            for (i, t) in tasks.iter().enumerate() {
                doc.insert(&list, i, t.as_str()).map_err(am)?;
            }
            Ok(())
        }
        SettingsEdit::RemoveOnboardingTemplate(id) => {
            remove_entry(doc, &ROOT, "onboarding", &id.to_string(), "template")
        }
        SettingsEdit::SetRelay(Some(url)) => doc
            .put(ROOT, "relay", validate::relay_url(url)?)
            .map_err(am),
        SettingsEdit::SetRelay(None) => doc.delete(ROOT, "relay").map_err(am),
    }
}

/// Records a turf handed out.
pub(crate) fn add_turf(doc: &mut AutoCommit, t: &Turf) -> Result<(), Error> {
    let name = validate::required("turf name", &t.name)?;
    let organizer = validate::required("organizer", &t.organizer)?;
    let turfs = ensure(doc, &ROOT, "turfs", ObjType::Map)?;
    validate::list_len("turfs", doc.length(&turfs) + 1, TURFS_MAX)?;
    let e = doc
        .put_object(&turfs, t.id.to_string(), ObjType::Map)
        .map_err(am)?;
    doc.put(&e, "name", name.as_str()).map_err(am)?;
    doc.put(&e, "organizer", organizer.as_str()).map_err(am)?;
    let devices = doc.put_object(&e, "devices", ObjType::Map).map_err(am)?;
    for d in &t.devices {
        doc.put(&devices, d.to_string(), true).map_err(am)?;
    }
    doc.put(&e, "size", t.size).map_err(am)?;
    put_time(doc, &e, "handed_out_at", t.handed_out_at)?;
    doc.put(&e, "handed_out_by", t.handed_out_by.to_string())
        .map_err(am)?;
    doc.put(&e, "returned_at", automerge::ScalarValue::Null)
        .map_err(am)
}

/// Marks a turf taken back.
pub(crate) fn return_turf(doc: &mut AutoCommit, id: TurfId, at: Timestamp) -> Result<(), Error> {
    let reader = Reader::new(doc);
    let entry = reader
        .objects(&ROOT, "turfs", ObjType::Map)
        .into_iter()
        .find_map(|m| reader.object(&m, &id.to_string(), ObjType::Map))
        .ok_or_else(|| Error::NotFound {
            kind: "turf",
            id: id.to_string(),
        })?;
    put_time(doc, &entry, "returned_at", at)
}

fn device(hex_str: &str) -> Option<DeviceId> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_str.trim(), &mut bytes).ok()?;
    Some(DeviceId(bytes))
}

/// Every turf in every `turfs` map (see [`Reader::objects`]), in the order they were cut.
fn read_turfs(r: &mut Reader<'_>) -> Vec<Turf> {
    let doc = r.doc;
    let mut out: Vec<Turf> = Vec::new();
    for map in r.objects(&ROOT, "turfs", ObjType::Map) {
        for key in doc.keys(&map).collect::<Vec<_>>() {
            let Ok(id) = TurfId::parse(&key) else {
                continue;
            };
            let Some(e) = r.object(&map, &key, ObjType::Map) else {
                continue;
            };
            let path = format!("turfs/{key}");
            let (Some(handed_out_at), Some(handed_out_by)) = (
                r.time(&e, "handed_out_at", ""),
                r.opt_str(&e, "handed_out_by", "").and_then(|d| device(&d)),
            ) else {
                continue;
            };
            if out.iter().any(|t| t.id == id) {
                continue;
            }
            let devices = r
                .set_keys(&e, "devices")
                .iter()
                .filter_map(|d| device(d))
                .collect();
            out.push(Turf {
                id,
                name: r.str(&e, "name", &format!("{path}/name")),
                organizer: r.str(&e, "organizer", &format!("{path}/organizer")),
                devices,
                size: r
                    .int(&e, "size", "")
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(0),
                handed_out_at,
                handed_out_by,
                returned_at: r.time(&e, "returned_at", &format!("{path}/returned_at")),
            });
        }
    }
    out.sort_by_key(|t| (t.handed_out_at, t.id));
    out
}

pub(crate) fn read(doc: &mut AutoCommit) -> GroupSettings {
    let version = super::version(doc);
    let doc: &AutoCommit = doc;
    let mut r = Reader::new(doc);
    let name = r.str(&ROOT, "name", "name");
    let mut levels = Vec::new();
    if let Some(list) = r.object(&ROOT, "scale", ObjType::List) {
        for item in doc
            .list_range(&list, ..)
            .map(|i| i.id())
            .collect::<Vec<_>>()
        {
            if let Some(value) = r.int(&item, "value", "scale") {
                levels.push(ScaleLevel {
                    value,
                    label: r.str(&item, "label", "scale"),
                });
            }
        }
    }
    let supporter_or_better = r
        .set_keys(&ROOT, "supporter_or_better")
        .iter()
        .filter_map(|k| k.parse().ok())
        .collect();
    let scale = if levels.is_empty() {
        AssessmentScale::default()
    } else {
        AssessmentScale {
            levels,
            supporter_or_better,
        }
    };
    let onboarding_templates = r
        .entries(&ROOT, "onboarding")
        .iter()
        .filter_map(|e| {
            let id = EntryId::parse(&r.opt_str(e, "id", "")?).ok()?;
            let tasks = match r.object(e, "tasks", ObjType::List) {
                Some(l) => doc
                    .list_range(&l, ..)
                    .filter_map(|i| match i.value {
                        automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                            Some(s.to_string())
                        }
                        _ => None,
                    })
                    .collect(),
                None => Vec::new(),
            };
            Some(OnboardingTemplate {
                id,
                name: r.str(e, "name", ""),
                tasks,
            })
        })
        .collect();
    let turfs = read_turfs(&mut r);
    // A peer's document may hold anything here: a value that is not a relay URL is no relay.
    let relay = r
        .opt_str(&ROOT, "relay", "relay")
        .and_then(|url| validate::relay_url(&url).ok());
    GroupSettings {
        name,
        scale,
        onboarding_templates,
        turfs,
        relay,
        meta: r.finish(KNOWN, version),
    }
}
