//! The wall chart: every terrain unit with how many people the group knows there, how they are
//! assessed, how many are on the committee and how many have an organizer — each unit counting
//! the units below it, as a committee reads the chart on the wall. Structure tests
//! ([`structure`]) read the same counts against a threshold.
//!
//! Computed from the index alone (no document is loaded). On a device whose grant covers only
//! part of the group, the units it does not fully hold are marked partial.

pub mod structure;

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;

use crate::error::Result;
use crate::group::Group;
use crate::ids::{ContactId, TerrainTreeId, UnitId};
use crate::query::UnitSummary;

/// The tag that marks a member of the organizing committee, unless the caller names another.
pub const COMMITTEE_TAG: &str = "committee";

/// Deepest unit nesting followed; deeper (or cyclic, after concurrent moves) is cut off.
const MAX_DEPTH: usize = 64;

/// Which part of the terrain to chart and what marks a committee member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOptions {
    /// Only this unit and the units below it [default: every tree].
    pub root: Option<UnitId>,
    /// Contacts with this tag are on the committee.
    pub committee_tag: String,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            root: None,
            committee_tag: COMMITTEE_TAG.to_owned(),
        }
    }
}

/// One level of the group's assessment scale, as the chart's columns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScaleColumn {
    pub value: i64,
    pub label: String,
    pub supporter_or_better: bool,
}

/// Counts over a set of contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChartCounts {
    pub contacts: u64,
    /// By assessment value (a level of the scale).
    pub by_assessment: BTreeMap<i64, u64>,
    pub unassessed: u64,
    pub supporter_or_better: u64,
    /// On the committee (tagged as such).
    pub committee: u64,
    /// With at least one organizer responsible for the relationship.
    pub with_organizer: u64,
}

impl ChartCounts {
    fn add(&mut self, p: &Person) {
        self.contacts += 1;
        match p.assessment {
            Some(a) => *self.by_assessment.entry(a).or_default() += 1,
            None => self.unassessed += 1,
        }
        self.supporter_or_better += u64::from(p.supporter);
        self.committee += u64::from(p.committee);
        self.with_organizer += u64::from(p.organized);
    }

    /// Whether at least one committee member is in this unit.
    pub fn has_committee_member(&self) -> bool {
        self.committee > 0
    }
}

/// One unit's line on the wall chart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChartRow {
    pub unit: UnitId,
    pub tree: TerrainTreeId,
    pub parent: Option<UnitId>,
    pub name: String,
    pub level: String,
    /// 0 for a unit directly under the workplace or building (or the chart's root).
    pub depth: u32,
    /// The unit and every unit below it.
    pub counts: ChartCounts,
    /// This device does not hold every contact of the unit.
    pub partial: bool,
}

/// The wall chart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WallChart {
    /// The scale's levels, strongest first: the chart's assessment columns.
    pub scale: Vec<ScaleColumn>,
    /// The units, each followed by the units below it (by name).
    pub rows: Vec<ChartRow>,
    /// Contacts with no unit, or a unit no tree has (charted without a root only).
    pub unplaced: ChartCounts,
    /// Every contact charted.
    pub total: ChartCounts,
    pub committee_tag: String,
    /// Some counts are of what this device holds, not of the whole group.
    pub partial: bool,
}

/// A contact as the chart and structure tests see it.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) id: ContactId,
    pub(crate) name: String,
    pub(crate) unit: Option<UnitId>,
    pub(crate) assessment: Option<i64>,
    pub(crate) assessment_label: Option<String>,
    /// The assessment's place on the scale, 0 = strongest.
    pub(crate) rank: Option<i64>,
    pub(crate) supporter: bool,
    pub(crate) committee: bool,
    pub(crate) organized: bool,
    pub(crate) do_not_contact: bool,
}

/// The terrain as a tree: units, their children, their ancestors.
pub(crate) struct Terrain {
    pub(crate) units: HashMap<UnitId, UnitSummary>,
    children: HashMap<Option<UnitId>, Vec<UnitId>>,
}

impl Terrain {
    fn new(units: Vec<UnitSummary>) -> Self {
        let mut children: HashMap<Option<UnitId>, Vec<UnitId>> = HashMap::new();
        let known: std::collections::HashSet<UnitId> = units.iter().map(|u| u.id).collect();
        // `units()` is sorted by name, so children lists are too.
        for u in &units {
            // A unit whose parent is gone hangs at the top rather than disappearing.
            let parent = u.parent.filter(|p| known.contains(p));
            children.entry(parent).or_default().push(u.id);
        }
        Self {
            units: units.into_iter().map(|u| (u.id, u)).collect(),
            children,
        }
    }

    pub(crate) fn children(&self, of: Option<UnitId>) -> &[UnitId] {
        self.children.get(&of).map_or(&[], Vec::as_slice)
    }

    /// `unit` and the units above it, nearest first.
    pub(crate) fn ancestors(&self, unit: UnitId) -> Vec<UnitId> {
        let mut out = Vec::new();
        let mut current = Some(unit);
        while let Some(u) = current.filter(|_| out.len() < MAX_DEPTH) {
            if !self.units.contains_key(&u) || out.contains(&u) {
                break;
            }
            out.push(u);
            current = self.units.get(&u).and_then(|s| s.parent);
        }
        out
    }

    /// Units in chart order (depth first, by name) under `root` (itself included), with depth.
    pub(crate) fn walk(&self, root: Option<UnitId>) -> Vec<(UnitId, u32)> {
        let mut out = Vec::new();
        let mut stack: Vec<(UnitId, u32)> = match root {
            Some(r) if self.units.contains_key(&r) => vec![(r, 0)],
            Some(_) => Vec::new(),
            None => self.children(None).iter().rev().map(|u| (*u, 0)).collect(),
        };
        let mut seen = std::collections::HashSet::new();
        while let Some((u, depth)) = stack.pop() {
            if !seen.insert(u) || depth as usize >= MAX_DEPTH {
                continue;
            }
            out.push((u, depth));
            for c in self.children(Some(u)).iter().rev() {
                stack.push((*c, depth + 1));
            }
        }
        out
    }
}

impl Group {
    /// The wall chart: per unit (with the units below it), counts by assessment, supporters or
    /// better, committee members and contacts with an organizer. Index only.
    pub fn wall_chart(&self, options: &ChartOptions) -> Result<WallChart> {
        let terrain = Terrain::new(self.units()?);
        let people = self.people(&options.committee_tag)?;
        let coverage = self.coverage()?;
        let scale = self.scale_columns()?;
        let order = terrain.walk(options.root);
        let charted: std::collections::HashSet<UnitId> = order.iter().map(|(u, _)| *u).collect();
        let mut counts: HashMap<UnitId, ChartCounts> = HashMap::new();
        let mut unplaced = ChartCounts::default();
        let mut total = ChartCounts::default();
        for p in &people {
            let ancestors = p.unit.map(|u| terrain.ancestors(u)).unwrap_or_default();
            let mut placed = false;
            for a in ancestors.iter().filter(|a| charted.contains(a)) {
                counts.entry(*a).or_default().add(p);
                placed = true;
            }
            if placed {
                total.add(p);
            } else if options.root.is_none() && ancestors.is_empty() {
                unplaced.add(p);
                total.add(p);
            }
        }
        let rows: Vec<ChartRow> = order
            .into_iter()
            .filter_map(|(u, depth)| {
                let s = terrain.units.get(&u)?;
                Some(ChartRow {
                    unit: u,
                    tree: s.tree,
                    parent: s.parent,
                    name: s.name.clone(),
                    level: s.level.clone(),
                    depth,
                    counts: counts.remove(&u).unwrap_or_default(),
                    partial: !coverage.covers_unit(u),
                })
            })
            .collect();
        let partial =
            rows.iter().any(|r| r.partial) || (options.root.is_none() && !coverage.everything());
        Ok(WallChart {
            scale,
            rows,
            unplaced,
            total,
            committee_tag: options.committee_tag.clone(),
            partial,
        })
    }

    /// Every contact with what the chart needs, from the index.
    pub(crate) fn people(&self, committee_tag: &str) -> Result<Vec<Person>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT t.contact_id, t.name, t.unit, t.assessment, sc.label, sc.rank, sc.supporter,
                    EXISTS (SELECT 1 FROM contact_tags g WHERE g.group_id = ?1 AND g.tag = ?2 AND g.contact_id = t.contact_id),
                    EXISTS (SELECT 1 FROM contact_organizers o WHERE o.group_id = ?1 AND o.contact_id = t.contact_id),
                    t.do_not_contact
             FROM contacts_idx t LEFT JOIN scale_idx sc ON sc.group_id = t.group_id AND sc.value = t.assessment
             WHERE t.group_id = ?1 ORDER BY t.name_key, t.contact_id",
        )?;
        let rows = stmt.query_map(params![self.id.as_bytes(), committee_tag.trim()], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<bool>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, bool>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, unit, assessment, label, rank, supporter, committee, organized, dnc) =
                row?;
            out.push(Person {
                id: ContactId::from_slice(&id)?,
                name,
                unit: unit.and_then(|u| UnitId::from_slice(&u).ok()),
                assessment,
                assessment_label: label,
                rank,
                supporter: supporter.unwrap_or(false),
                committee,
                organized,
                do_not_contact: dnc,
            });
        }
        Ok(out)
    }

    /// The scale's levels, strongest first, from the index.
    pub(crate) fn scale_columns(&self) -> Result<Vec<ScaleColumn>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT value, label, supporter FROM scale_idx WHERE group_id = ?1 ORDER BY rank, value",
        )?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| {
            Ok(ScaleColumn {
                value: r.get(0)?,
                label: r.get(1)?,
                supporter_or_better: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn terrain_tree(&self) -> Result<Terrain> {
        Ok(Terrain::new(self.units()?))
    }
}
