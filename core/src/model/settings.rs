use std::collections::BTreeSet;

use crate::ids::EntryId;

use super::RecordMeta;

/// One level of an assessment scale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScaleLevel {
    pub value: i64,
    pub label: String,
}

/// How the group assesses people after a conversation.
///
/// The default is leader / supporter / undecided / pass (1–4); a group may use its own numeric
/// scale (e.g. 1–5). 0 is never on a scale: it means "not assessed".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssessmentScale {
    /// Strongest first.
    pub levels: Vec<ScaleLevel>,
    /// The values that count as "supporter or better" for benchmarks and structure tests.
    pub supporter_or_better: BTreeSet<i64>,
}

impl Default for AssessmentScale {
    fn default() -> Self {
        let level = |value, label: &str| ScaleLevel {
            value,
            label: label.to_owned(),
        };
        Self {
            levels: vec![
                level(1, "leader"),
                level(2, "supporter"),
                level(3, "undecided"),
                level(4, "pass"),
            ],
            supporter_or_better: [1, 2].into_iter().collect(),
        }
    }
}

impl AssessmentScale {
    /// The label of a value, or `None` when it is not on the scale.
    pub fn label(&self, value: i64) -> Option<&str> {
        self.levels
            .iter()
            .find(|l| l.value == value)
            .map(|l| l.label.as_str())
    }
    /// A value from its label (case-insensitive) or from its number.
    pub fn parse(&self, s: &str) -> Option<i64> {
        let s = s.trim();
        if let Some(l) = self.levels.iter().find(|l| l.label.eq_ignore_ascii_case(s)) {
            return Some(l.value);
        }
        s.parse::<i64>()
            .ok()
            .filter(|v| self.levels.iter().any(|l| l.value == *v))
    }
    /// A 1..=n numeric scale where 1 is strongest and values up to `supporter_through` count as
    /// supporter or better.
    pub fn numeric(n: i64, supporter_through: i64) -> Self {
        Self {
            levels: (1..=n)
                .map(|v| ScaleLevel {
                    value: v,
                    label: v.to_string(),
                })
                .collect(),
            supporter_or_better: (1..=supporter_through.min(n)).collect(),
        }
    }
}

/// A checklist of small, discrete tasks for a new member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OnboardingTemplate {
    pub id: EntryId,
    pub name: String,
    pub tasks: Vec<String>,
}

/// The group's shared settings: one document per group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupSettings {
    pub name: String,
    pub scale: AssessmentScale,
    pub onboarding_templates: Vec<OnboardingTemplate>,
    /// Turf handed out to organizers, live and returned, in the order they were cut.
    pub turfs: Vec<super::Turf>,
    /// The relay the group runs itself (an iroh-relay URL), through which members' devices
    /// reach each other when they are not on one network. None: devices meet only directly.
    pub relay: Option<String>,
    pub meta: RecordMeta,
}

/// One per-field change to the settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsEdit {
    SetName(String),
    SetScale(AssessmentScale),
    AddOnboardingTemplate {
        name: String,
        tasks: Vec<String>,
    },
    RemoveOnboardingTemplate(EntryId),
    /// Sets (or with `None` removes) the group's relay; checked by [`super::validate::relay_url`].
    SetRelay(Option<String>),
}
