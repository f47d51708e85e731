//! Turning what a person types (a name, the start of an id, a label) into ids and values.

use std::collections::HashMap;

use groundwork_core::ids::{ContactId, FollowUpId, GroupId, PlanId, UnitId};
use groundwork_core::model::validate::name_key;
use groundwork_core::model::{AssessmentAtLeast, AssessmentScale, FollowUpStatus};
use groundwork_core::proto::membership::{DeviceId, MembershipState};
use groundwork_core::query::{
    AssessmentFilter, ContactQuery, ContactSummary, FollowUpQuery, FollowUpSummary, UnitSummary,
};
use groundwork_core::{Group, Repo};

use crate::error::{CliError, Result};
use crate::output::note;

/// How many candidates an ambiguity error lists.
const LIST_AT_MOST: usize = 20;

/// The group named by `--group`, or the only (or first) group on this device.
pub(crate) fn group(repo: &Repo, selector: Option<&str>) -> Result<(Group, String)> {
    let groups = repo.groups()?;
    if groups.is_empty() {
        return Err(CliError::user("this store has no group yet").hint(
            "create one with `groundwork group create NAME`, join one with \
                 `groundwork group join TICKET`, or try `groundwork demo`",
        ));
    }
    let listing = || {
        groups
            .iter()
            .map(|(id, name)| format!("  {id}  {name}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let Some(sel) = selector.map(str::trim).filter(|s| !s.is_empty()) else {
        let (id, name) = groups[0].clone();
        if groups.len() > 1 {
            note(&format!(
                "note: using group \"{name}\" ({id}), the first of {} on this device; \
                 choose with --group or GROUNDWORK_GROUP",
                groups.len()
            ));
        }
        return Ok((repo.group(id)?, name));
    };
    if let Ok(id) = GroupId::parse(sel)
        && let Some((id, name)) = groups.iter().find(|(g, _)| *g == id)
    {
        return Ok((repo.group(*id)?, name.clone()));
    }
    let wanted = name_key(sel);
    let exact: Vec<_> = groups
        .iter()
        .filter(|(_, name)| name_key(name) == wanted)
        .collect();
    let matches = if exact.is_empty() {
        groups
            .iter()
            .filter(|(id, name)| {
                name_key(name).starts_with(&wanted)
                    || (sel.len() >= 4 && id.to_string().starts_with(&sel.to_lowercase()))
            })
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [(id, name)] => Ok((repo.group(*id)?, name.clone())),
        [] => Err(CliError::user(format!(
            "no group matches \"{sel}\"; the groups here:\n{}",
            listing()
        ))
        .hint("give --group a group's id or name")),
        several => Err(CliError::user(format!(
            "\"{sel}\" matches {} groups:\n{}",
            several.len(),
            several
                .iter()
                .map(|(id, name)| format!("  {id}  {name}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint("give --group the id of one of them")),
    }
}

/// A contact from its full id, the first characters of its id, or the start of its name.
///
/// A name or id prefix that fits several contacts is an error that lists them.
pub(crate) fn contact(group: &Group, query: &str) -> Result<ContactId> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CliError::user("no contact given").hint("give a contact's id or name"));
    }
    if let Ok(id) = ContactId::parse(q) {
        return Ok(id);
    }
    let mut candidates: Vec<ContactSummary> = group.contacts(&ContactQuery {
        name_prefix: Some(q.to_owned()),
        limit: Some(LIST_AT_MOST as u32 + 1),
        ..ContactQuery::default()
    })?;
    let lower = q.to_lowercase();
    if lower.len() >= 4 && lower.len() < 32 && lower.chars().all(|c| c.is_ascii_hexdigit()) {
        for s in contacts_with_id_prefix(group, &lower)? {
            if !candidates.iter().any(|c| c.id == s.id) {
                candidates.push(s);
            }
        }
    }
    if let [only] = candidates.as_slice() {
        return Ok(only.id);
    }
    let wanted = name_key(q);
    let exact: Vec<&ContactSummary> = candidates
        .iter()
        .filter(|c| name_key(&c.name) == wanted)
        .collect();
    if let [only] = exact.as_slice() {
        return Ok(only.id);
    }
    if candidates.is_empty() {
        return Err(CliError::user(format!("no contact matches \"{q}\""))
            .hint("`groundwork contact list --prefix …` shows contacts and their ids"));
    }
    let more = candidates.len() > LIST_AT_MOST;
    let mut lines: Vec<String> = candidates
        .iter()
        .take(LIST_AT_MOST)
        .map(|c| format!("  {}  {}", c.id, c.name))
        .collect();
    if more {
        lines.push("  …".into());
    }
    Err(CliError::user(format!(
        "\"{q}\" matches {} contacts:\n{}",
        if more {
            format!("more than {LIST_AT_MOST}")
        } else {
            candidates.len().to_string()
        },
        lines.join("\n")
    ))
    .hint("give the id of the one you mean (the first 8 characters are enough)"))
}

fn contacts_with_id_prefix(group: &Group, prefix: &str) -> Result<Vec<ContactSummary>> {
    const PAGE: u32 = 10_000;
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = group.contacts(&ContactQuery {
            limit: Some(PAGE),
            offset,
            ..ContactQuery::default()
        })?;
        let n = page.len();
        out.extend(
            page.into_iter()
                .filter(|c| c.id.to_string().starts_with(prefix)),
        );
        if n < PAGE as usize || out.len() > LIST_AT_MOST {
            return Ok(out);
        }
        offset += PAGE;
    }
}

/// A follow-up from its full id or the first characters of it (at least 4), as the
/// `followups` table shows them. Open follow-ups are searched first, then done ones.
pub(crate) fn follow_up(group: &Group, query: &str) -> Result<FollowUpId> {
    let q = query.trim().to_lowercase();
    if let Ok(id) = FollowUpId::parse(&q) {
        return Ok(id);
    }
    if q.len() < 4 || !q.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(
            CliError::user(format!("\"{}\" is not a follow-up id", query.trim()))
                .hint("`groundwork followups all` lists open follow-ups with their ids"),
        );
    }
    let mut found: Vec<FollowUpSummary> = Vec::new();
    for status in [FollowUpStatus::Open, FollowUpStatus::Done] {
        found.extend(
            group
                .follow_ups(&FollowUpQuery {
                    status: Some(status),
                    limit: Some(10_000),
                    ..FollowUpQuery::default()
                })?
                .into_iter()
                .filter(|f| f.id.to_string().starts_with(&q)),
        );
        if !found.is_empty() {
            break;
        }
    }
    match found.as_slice() {
        [only] => Ok(only.id),
        [] => Err(CliError::user(format!("no follow-up id starts with {q}"))
            .hint("`groundwork followups all` lists open follow-ups with their ids")),
        several => Err(CliError::user(format!(
            "{q} starts {} follow-up ids:\n{}",
            several.len(),
            several
                .iter()
                .take(LIST_AT_MOST)
                .map(|f| format!("  {}  {}", f.id, f.title))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint("give more characters of the id")),
    }
}

/// A plan from its id, the start of its id (at least 4 characters), its title, the start of
/// it, or a part of it.
pub(crate) fn plan(group: &Group, query: &str) -> Result<(PlanId, String)> {
    let q = query.trim();
    let plans = group.plans()?;
    if let Ok(id) = PlanId::parse(q)
        && let Some(p) = plans.iter().find(|(p, _)| *p == id)
    {
        return Ok(p.clone());
    }
    let wanted = name_key(q);
    let exact: Vec<&(PlanId, String)> = plans
        .iter()
        .filter(|(_, t)| name_key(t) == wanted)
        .collect();
    // Exact title, else the start of a title or an id, else a word in a title ("overtime").
    let matches: Vec<&(PlanId, String)> = if exact.is_empty() {
        let starting: Vec<&(PlanId, String)> = plans
            .iter()
            .filter(|(id, t)| {
                name_key(t).starts_with(&wanted)
                    || (q.len() >= 4 && id.to_string().starts_with(&q.to_lowercase()))
            })
            .collect();
        if starting.is_empty() && !wanted.is_empty() {
            plans
                .iter()
                .filter(|(_, t)| name_key(t).contains(&wanted))
                .collect()
        } else {
            starting
        }
    } else {
        exact
    };
    match matches.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(CliError::user(format!("no plan matches \"{q}\""))
            .hint("`groundwork plan list` shows the plans")),
        several => Err(CliError::user(format!(
            "\"{q}\" matches {} plans:\n{}",
            several.len(),
            several
                .iter()
                .take(LIST_AT_MOST)
                .map(|(id, t)| format!("  {id}  {t}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint("give the plan's full title or its id")),
    }
}

/// An assessment threshold: `supporter-or-better`, or a level of the scale (label or number).
pub(crate) fn at_least(scale: &AssessmentScale, s: &str) -> Result<AssessmentAtLeast> {
    match s.trim().to_lowercase().as_str() {
        "supporter-or-better" | "supporter_or_better" | "supporters" => {
            Ok(AssessmentAtLeast::SupporterOrBetter)
        }
        _ => assessment(scale, s)
            .map(AssessmentAtLeast::Level)
            .map_err(|e| {
                e.hint(format!(
                    "use supporter-or-better or one of: {}",
                    scale_levels(scale)
                ))
            }),
    }
}

/// How a member device reads in lists: its name, or a placeholder for an unnamed one (the
/// group's creator has none).
pub(crate) fn device_name(name: &str) -> &str {
    if name.trim().is_empty() {
        "(unnamed)"
    } else {
        name
    }
}

/// A member device from its full hex id, a unique start of it (at least 4 characters), or its
/// name (exact, else the start of it; case-insensitive).
pub(crate) fn device(members: &MembershipState, query: &str) -> Result<DeviceId> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CliError::user("no device given").hint("give a device's id or name"));
    }
    let listing = || {
        members
            .members
            .values()
            .map(|m| format!("  {}  {}", m.device, device_name(&m.name)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let lower = q.to_lowercase();
    let is_hex = lower.chars().all(|c| c.is_ascii_hexdigit());
    if is_hex && lower.len() == 64 {
        let mut bytes = [0u8; 32];
        if hex::decode_to_slice(&lower, &mut bytes).is_ok() {
            let id = DeviceId(bytes);
            if members.is_member(&id) {
                return Ok(id);
            }
            let why = if members.removed.contains(&id) {
                "was removed from this group"
            } else {
                "is not a member of this group"
            };
            return Err(CliError::user(format!("device {id} {why}"))
                .hint("`groundwork group members` lists the group's devices"));
        }
    }
    let mut candidates: Vec<DeviceId> = Vec::new();
    if is_hex && lower.len() >= 4 {
        candidates.extend(
            members
                .members
                .keys()
                .filter(|d| d.to_string().starts_with(&lower)),
        );
    }
    let wanted = name_key(q);
    let exact: Vec<DeviceId> = members
        .members
        .values()
        .filter(|m| !m.name.trim().is_empty() && name_key(&m.name) == wanted)
        .map(|m| m.device)
        .collect();
    if exact.is_empty() {
        for m in members.members.values() {
            if !m.name.trim().is_empty()
                && name_key(&m.name).starts_with(&wanted)
                && !candidates.contains(&m.device)
            {
                candidates.push(m.device);
            }
        }
    } else {
        for d in exact {
            if !candidates.contains(&d) {
                candidates.push(d);
            }
        }
    }
    match candidates.as_slice() {
        [only] => Ok(*only),
        [] => Err(CliError::user(format!(
            "no member device matches \"{q}\"; the group's devices:\n{}",
            listing()
        ))
        .hint("give a device's id (at least its first 4 characters) or its name")),
        several => Err(CliError::user(format!(
            "\"{q}\" matches {} devices:\n{}",
            several.len(),
            several
                .iter()
                .map(|d| format!(
                    "  {d}  {}",
                    device_name(members.members.get(d).map_or("", |m| m.name.as_str()))
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint("give more characters of the device's id")),
    }
}

/// A terrain unit from its id or name (exact, else the start of it; case-insensitive).
pub(crate) fn unit(units: &[UnitSummary], query: &str) -> Result<UnitId> {
    let q = query.trim();
    if let Ok(id) = UnitId::parse(q) {
        if units.iter().any(|u| u.id == id) {
            return Ok(id);
        }
        return Err(
            CliError::user(format!("no unit with id {id} in this group"))
                .hint("give a unit's name or id"),
        );
    }
    let wanted = name_key(q);
    let exact: Vec<&UnitSummary> = units
        .iter()
        .filter(|u| name_key(&u.name) == wanted)
        .collect();
    let matches = if exact.is_empty() {
        units
            .iter()
            .filter(|u| name_key(&u.name).starts_with(&wanted))
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [only] => Ok(only.id),
        [] => {
            let hint = if units.is_empty() {
                "this group has no terrain units yet".to_owned()
            } else {
                let names: Vec<&str> = units.iter().take(12).map(|u| u.name.as_str()).collect();
                format!(
                    "units include: {}{}",
                    names.join(", "),
                    if units.len() > 12 { ", …" } else { "" }
                )
            };
            Err(CliError::user(format!("no unit matches \"{q}\"")).hint(hint))
        }
        several => Err(CliError::user(format!(
            "\"{q}\" matches {} units:\n{}",
            several.len(),
            several
                .iter()
                .take(LIST_AT_MOST)
                .map(|u| format!("  {}  {} ({})", u.id, u.name, u.level))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .hint("give the unit's full name or its id")),
    }
}

/// Unit names by id, for display.
pub(crate) fn unit_names(units: &[UnitSummary]) -> HashMap<UnitId, String> {
    units.iter().map(|u| (u.id, u.name.clone())).collect()
}

/// The scale's levels as a person reads them: `leader (1), supporter (2), …`.
pub(crate) fn scale_levels(scale: &AssessmentScale) -> String {
    scale
        .levels
        .iter()
        .map(|l| {
            if l.label == l.value.to_string() {
                l.label.clone()
            } else {
                format!("{} ({})", l.label, l.value)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An assessment typed as a label or number on the group's scale.
pub(crate) fn assessment(scale: &AssessmentScale, s: &str) -> Result<i64> {
    scale.parse(s).ok_or_else(|| {
        CliError::user(format!(
            "\"{}\" is not on this group's assessment scale",
            s.trim()
        ))
        .hint(format!("use one of: {}", scale_levels(scale)))
    })
}

/// A contact-list assessment filter: labels/numbers (comma-separated), `supporter-or-better`
/// or `unassessed`.
pub(crate) fn assessment_filter(scale: &AssessmentScale, s: &str) -> Result<AssessmentFilter> {
    let t = s.trim().to_lowercase();
    match t.as_str() {
        "supporter-or-better" | "supporter_or_better" | "supporters" => {
            return Ok(AssessmentFilter::SupporterOrBetter);
        }
        "unassessed" | "none" => return Ok(AssessmentFilter::Unassessed),
        _ => {}
    }
    let values = s
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            assessment(scale, p).map_err(|e| {
                e.hint(format!(
                    "use one of: {}; or supporter-or-better, or unassessed",
                    scale_levels(scale)
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if values.is_empty() {
        return Err(CliError::user("the assessment filter is empty")
            .hint(format!("use one of: {}", scale_levels(scale))));
    }
    Ok(AssessmentFilter::Values(values))
}

/// How an assessment value reads: its label, or the number if it is not on the scale.
pub(crate) fn assessment_label(scale: &AssessmentScale, value: Option<i64>) -> String {
    match value {
        None => String::new(),
        Some(v) => scale
            .label(v)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{v} (not on the scale)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundwork_core::proto::membership::{Grant, Member, OpHash, Role};

    fn state() -> MembershipState {
        let mut s = MembershipState::default();
        for (byte, name) in [(0xab, ""), (0xac, "laptop-b"), (0x12, "Rosa's phone")] {
            let device = DeviceId([byte; 32]);
            s.members.insert(
                device,
                Member {
                    device,
                    name: name.into(),
                    role: Role::Member,
                    grant: Grant::everything(),
                    added_in: OpHash([0; 32]),
                },
            );
        }
        s.removed.insert(DeviceId([0x99; 32]));
        s
    }

    #[test]
    fn devices_by_id_prefix_or_name() {
        let s = state();
        let full = DeviceId([0xab; 32]).to_string();
        assert_eq!(device(&s, &full).expect("full id"), DeviceId([0xab; 32]));
        assert_eq!(device(&s, "abab").expect("prefix"), DeviceId([0xab; 32]));
        assert_eq!(device(&s, "ACAC").expect("prefix"), DeviceId([0xac; 32]));
        assert_eq!(device(&s, "laptop-b").expect("name"), DeviceId([0xac; 32]));
        assert_eq!(
            device(&s, "rosa").expect("name start"),
            DeviceId([0x12; 32])
        );
        // Too short to be an id prefix, and fitting no name.
        assert!(device(&s, "ab").is_err());
        // A prefix of two ids.
        let e = device(&s, "a").expect_err("ambiguous or unknown");
        assert!(e.message.contains("no member device"), "{}", e.message);
        let removed = DeviceId([0x99; 32]).to_string();
        let e = device(&s, &removed).expect_err("removed");
        assert!(e.message.contains("was removed"), "{}", e.message);
        assert!(device(&s, "").is_err());
        assert_eq!(device_name(""), "(unnamed)");
    }
}
