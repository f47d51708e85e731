//! Structure tests: before an escalation, does every unit meet the threshold? "At least 10% of
//! each department on the committee"; "65% supporter or better in every building before the rent
//! strike". Each unit passes or fails, and a failing unit lists who is missing — the people not
//! yet at the threshold — so the committee knows whom to talk to next.
//!
//! From the index alone, like the wall chart; partial on a device that does not hold every
//! contact of a unit.

use crate::error::{Result, ValidationError};
use crate::group::Group;
use crate::ids::{ContactId, UnitId};
use crate::model::AssessmentAtLeast;

use super::{COMMITTEE_TAG, Person};

/// What each unit must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// At least `percent` of the people in the unit assessed `at_least` or stronger.
    Assessment {
        at_least: AssessmentAtLeast,
        percent: u8,
    },
    /// At least `percent` of the people in the unit on the committee.
    Committee { percent: u8 },
}

impl Threshold {
    fn percent(self) -> u8 {
        match self {
            Threshold::Assessment { percent, .. } | Threshold::Committee { percent } => percent,
        }
    }
}

/// A structure test: a threshold and the units it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureTest {
    pub threshold: Threshold,
    /// Test the units at this level ("department", "floor") [default: the units directly
    /// under `root`, or under each workplace and building].
    pub level: Option<String>,
    /// Only units within this one.
    pub root: Option<UnitId>,
    /// Contacts with this tag are on the committee.
    pub committee_tag: String,
}

impl StructureTest {
    /// A test of `threshold` over the top units of every tree.
    pub fn new(threshold: Threshold) -> Self {
        Self {
            threshold,
            level: None,
            root: None,
            committee_tag: COMMITTEE_TAG.to_owned(),
        }
    }
}

/// Someone not yet at the threshold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Missing {
    pub id: ContactId,
    pub name: String,
    pub assessment: Option<i64>,
    pub assessment_label: Option<String>,
    pub committee: bool,
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitResult {
    pub unit: UnitId,
    pub name: String,
    pub level: String,
    /// People known in the unit (and the units below it).
    pub contacts: u64,
    /// How many of them meet the threshold.
    pub meeting: u64,
    /// How many must, at the threshold's percentage (rounded up).
    pub needed: u64,
    /// A unit where nobody is known fails: nothing shows the structure is there.
    pub passed: bool,
    /// Who does not meet it yet, strongest assessment first, then people never assessed, then
    /// by name. People marked do-not-contact are left out (counted below).
    pub missing: Vec<Missing>,
    /// People not meeting it who are marked do-not-contact.
    pub missing_do_not_contact: u64,
    /// This device does not hold every contact of the unit: the result may be wrong.
    pub partial: bool,
}

/// A structure test's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StructureResult {
    pub threshold: Threshold,
    pub units: Vec<UnitResult>,
    /// Every unit passed (and there was at least one).
    pub passed: bool,
    pub partial: bool,
}

impl Group {
    /// Runs a structure test over the index.
    pub fn structure_test(&self, test: &StructureTest) -> Result<StructureResult> {
        let percent = test.threshold.percent();
        if percent == 0 || percent > 100 {
            return Err(ValidationError::out_of_range("percent", "between 1 and 100").into());
        }
        let scale = self.scale_columns()?;
        // The rank a person's assessment must reach (0 = strongest), or the supporter flag.
        let meets_assessment: Box<dyn Fn(&Person) -> bool> = match test.threshold {
            Threshold::Committee { .. } => Box::new(|p: &Person| p.committee),
            Threshold::Assessment {
                at_least: AssessmentAtLeast::SupporterOrBetter,
                ..
            } => Box::new(|p: &Person| p.supporter),
            Threshold::Assessment {
                at_least: AssessmentAtLeast::Level(v),
                ..
            } => {
                let rank = scale.iter().position(|c| c.value == v).ok_or_else(|| {
                    ValidationError::out_of_range(
                        "assessment",
                        format!("{v} is not on the group's scale"),
                    )
                })? as i64;
                Box::new(move |p: &Person| p.rank.is_some_and(|r| r <= rank))
            }
        };
        let terrain = self.terrain_tree()?;
        let people = self.people(&test.committee_tag)?;
        let coverage = self.coverage()?;
        let level = test
            .level
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        let tested: Vec<UnitId> = match level {
            Some(level) => terrain
                .walk(test.root)
                .into_iter()
                .map(|(u, _)| u)
                .filter(|u| {
                    terrain
                        .units
                        .get(u)
                        .is_some_and(|s| s.level.eq_ignore_ascii_case(level))
                })
                .collect(),
            None => terrain.children(test.root).to_vec(),
        };
        // Each person's unit and the units above it, once.
        let placed: Vec<(&Person, Vec<UnitId>)> = people
            .iter()
            .filter_map(|p| p.unit.map(|u| (p, terrain.ancestors(u))))
            .collect();
        let mut units = Vec::with_capacity(tested.len());
        for unit in tested {
            let Some(summary) = terrain.units.get(&unit) else {
                continue;
            };
            let inside: Vec<&Person> = placed
                .iter()
                .filter(|(_, above)| above.contains(&unit))
                .map(|(p, _)| *p)
                .collect();
            let contacts = inside.len() as u64;
            let meeting = inside.iter().filter(|p| meets_assessment(p)).count() as u64;
            let needed = (contacts * u64::from(percent)).div_ceil(100);
            let mut missing: Vec<&Person> = inside
                .iter()
                .copied()
                .filter(|p| !meets_assessment(p))
                .collect();
            let missing_do_not_contact = missing.iter().filter(|p| p.do_not_contact).count();
            missing.retain(|p| !p.do_not_contact);
            // Strongest first; never assessed after every assessed level.
            missing.sort_by(|a, b| {
                (a.rank.is_none(), a.rank, &a.name).cmp(&(b.rank.is_none(), b.rank, &b.name))
            });
            units.push(UnitResult {
                unit,
                name: summary.name.clone(),
                level: summary.level.clone(),
                contacts,
                meeting,
                needed,
                passed: contacts > 0 && meeting >= needed,
                missing: missing
                    .into_iter()
                    .map(|p| Missing {
                        id: p.id,
                        name: p.name.clone(),
                        assessment: p.assessment,
                        assessment_label: p.assessment_label.clone(),
                        committee: p.committee,
                    })
                    .collect(),
                missing_do_not_contact: missing_do_not_contact as u64,
                partial: !coverage.covers_unit(unit),
            });
        }
        Ok(StructureResult {
            threshold: test.threshold,
            passed: !units.is_empty() && units.iter().all(|u| u.passed),
            partial: units.iter().any(|u| u.partial),
            units,
        })
    }
}
