use groundwork_core::ids::EntryId;
use groundwork_core::model as gw;

use super::{RecordMeta, bounded, parse};
use crate::error::{GroundworkError, Result};

/// One level of an assessment scale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScaleLevel {
    pub value: i64,
    pub label: String,
}

/// How the group assesses people after a conversation (default: leader 1, supporter 2,
/// undecided 3, pass 4). 0 is never on a scale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AssessmentScale {
    /// Strongest first.
    pub levels: Vec<ScaleLevel>,
    /// The values that count as "supporter or better", sorted.
    pub supporter_or_better: Vec<i64>,
}

/// A checklist of small tasks for a new member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardingTemplate {
    pub id: String,
    pub name: String,
    pub tasks: Vec<String>,
}

/// The group's shared settings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupSettings {
    pub name: String,
    pub scale: AssessmentScale,
    pub onboarding_templates: Vec<OnboardingTemplate>,
    /// The relay the group runs itself, through which members' devices reach each other when
    /// they are not on one network; none: they meet only directly.
    pub relay: Option<String>,
    pub meta: RecordMeta,
}

impl From<gw::GroupSettings> for GroupSettings {
    fn from(s: gw::GroupSettings) -> Self {
        Self {
            name: s.name,
            scale: AssessmentScale {
                levels: s
                    .scale
                    .levels
                    .into_iter()
                    .map(|l| ScaleLevel {
                        value: l.value,
                        label: l.label,
                    })
                    .collect(),
                supporter_or_better: s.scale.supporter_or_better.into_iter().collect(),
            },
            onboarding_templates: s
                .onboarding_templates
                .into_iter()
                .map(|t| OnboardingTemplate {
                    id: t.id.to_string(),
                    name: t.name,
                    tasks: t.tasks,
                })
                .collect(),
            relay: s.relay,
            meta: s.meta.into(),
        }
    }
}

/// One change to the group's settings (an admin's act).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SettingsEdit {
    SetName {
        name: String,
    },
    /// A new assessment scale: 0 is never on it; "supporter or better" values must be on it.
    SetScale {
        scale: AssessmentScale,
    },
    AddOnboardingTemplate {
        name: String,
        tasks: Vec<String>,
    },
    RemoveOnboardingTemplate {
        id: String,
    },
    /// The group's relay (an `https://` iroh-relay URL; `http://` on a network the group
    /// controls), or none to stop using one. Admins only.
    SetRelay {
        url: Option<String>,
    },
}

impl TryFrom<AssessmentScale> for gw::AssessmentScale {
    type Error = GroundworkError;
    fn try_from(s: AssessmentScale) -> Result<Self> {
        bounded("scale levels", &s.levels)?;
        bounded("supporter or better", &s.supporter_or_better)?;
        Ok(Self {
            levels: s
                .levels
                .into_iter()
                .map(|l| gw::ScaleLevel {
                    value: l.value,
                    label: l.label,
                })
                .collect(),
            supporter_or_better: s.supporter_or_better.into_iter().collect(),
        })
    }
}

impl TryFrom<SettingsEdit> for gw::SettingsEdit {
    type Error = GroundworkError;
    fn try_from(e: SettingsEdit) -> Result<Self> {
        Ok(match e {
            SettingsEdit::SetName { name } => Self::SetName(name),
            SettingsEdit::SetScale { scale } => Self::SetScale(scale.try_into()?),
            SettingsEdit::AddOnboardingTemplate { name, tasks } => {
                bounded("tasks", &tasks)?;
                Self::AddOnboardingTemplate { name, tasks }
            }
            SettingsEdit::RemoveOnboardingTemplate { id } => {
                Self::RemoveOnboardingTemplate(parse::<EntryId>(&id)?)
            }
            SettingsEdit::SetRelay { url } => Self::SetRelay(url),
        })
    }
}
