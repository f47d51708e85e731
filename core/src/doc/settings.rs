//! The group-settings document: `name`, the assessment `scale` (a list of {value, label}) and
//! `supporter_or_better` (a set), and `onboarding` templates (a list of {id, name, tasks}).

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};

use super::{DocKind, Reader, am, ensure, init_root, push_entry, remove_entry};
use crate::error::{Error, ValidationError};
use crate::ids::{EntryId, GroupId};
use crate::model::validate;
use crate::model::{AssessmentScale, GroupSettings, OnboardingTemplate, ScaleLevel, SettingsEdit};

const KNOWN: &[&str] = &["name", "scale", "supporter_or_better", "onboarding"];

pub(crate) fn create(doc: &mut AutoCommit, group: GroupId, name: &str) -> Result<(), Error> {
    let name = validate::required("group name", name)?;
    init_root(doc, DocKind::Settings, &group.to_string())?;
    doc.put(ROOT, "name", name.as_str()).map_err(am)?;
    doc.put_object(ROOT, "scale", ObjType::List).map_err(am)?;
    doc.put_object(ROOT, "supporter_or_better", ObjType::Map)
        .map_err(am)?;
    doc.put_object(ROOT, "onboarding", ObjType::List)
        .map_err(am)?;
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
    }
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
    GroupSettings {
        name,
        scale,
        onboarding_templates,
        meta: r.finish(KNOWN, version),
    }
}
