//! The organizing workflows over a group: what is due, turf, onboarding, live benchmarks, the
//! wall chart and structure tests, and a record's history with undo.
//!
//! Each call wraps one core call (`agenda`, `turf`, `onboarding`, `benchmarks`, `chart`,
//! `history`); the records here mirror core's, with ids as strings and times in milliseconds.
//! "Due" windows are judged in the phone's local day, so calls that need one take the time and
//! the phone's UTC offset rather than reading a clock the tests could not set.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use groundwork_core::agenda as core_agenda;
use groundwork_core::benchmarks as core_benchmarks;
use groundwork_core::chart::{self as core_chart, structure as core_structure};
use groundwork_core::history as core_history;
use groundwork_core::ids::{ContactId, DocId, PlanId, TurfId, UnitId};
use groundwork_core::model as gw;
use groundwork_core::onboarding as core_onboarding;
use groundwork_core::turf as core_turf;

use crate::error::{GroundworkError, Result};
use crate::events::{self, SubscriptionHandle};
use crate::group::{Group, device_id_from};
use crate::model::{
    AssessmentAtLeast, FollowUp, RecordQuery, ms, parse, parse_opt, time, time_opt,
};
use crate::query::FollowUpSummary;

// --- due follow-ups --------------------------------------------------------------------------

/// A due window, in the phone's local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Due {
    /// Due before now.
    Overdue,
    /// From now to the end of today.
    Today,
    /// From now to the end of the sixth day after today.
    ThisWeek,
    /// Every open follow-up, overdue and undated ones too.
    All,
}

/// The phone's clock for a due window: now, and its offset from UTC (minutes east).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct LocalTime {
    pub now_ms: i64,
    #[uniffi(default = 0)]
    pub utc_offset_minutes: i32,
}

/// What a reminder shows: counts only, never a name ("2 follow-ups due").
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DueSummary {
    pub due_today: u64,
    pub overdue: u64,
}

/// A follow-up marked done, and the next check-in when it recurs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Completion {
    pub done: FollowUp,
    pub next: Option<FollowUp>,
}

fn local(at: LocalTime) -> Result<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(at.utc_offset_minutes.saturating_mul(60))
        .ok_or_else(|| GroundworkError::invalid("utc_offset_minutes: out of range"))?;
    Ok(time("now_ms", at.now_ms)?.with_timezone(&offset))
}

impl From<Due> for core_agenda::Due {
    fn from(d: Due) -> Self {
        match d {
            Due::Overdue => Self::Overdue,
            Due::Today => Self::Today,
            Due::ThisWeek => Self::ThisWeek,
            Due::All => Self::All,
        }
    }
}

// --- turf ------------------------------------------------------------------------------------

/// A turf to cut: who gets it, on which devices, and which contacts (resolved once, now).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewTurf {
    /// What organizers call it: "Building 3, floors 1–4".
    pub name: String,
    pub organizer: String,
    /// The organizer's devices (device ids) that get the turf's contacts.
    pub devices: Vec<String>,
    /// Which contacts: its `counts` must be `Contacts`.
    pub selection: RecordQuery,
}

/// A turf handed out (or taken back).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Turf {
    pub id: String,
    pub name: String,
    pub organizer: String,
    pub devices: Vec<String>,
    /// Contacts it held when it was cut.
    pub size: u64,
    pub handed_out_at_ms: i64,
    pub handed_out_by: String,
    pub returned_at_ms: Option<i64>,
}

/// A turf and how far the canvass of it got.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TurfProgress {
    pub turf: Turf,
    /// How many of its contacts this device holds.
    pub held: u64,
    pub to_knock: u64,
    pub not_home: u64,
    pub refused: u64,
    pub contacted: u64,
    pub conversations: u64,
    /// Knocks with an outcome from a newer Groundwork.
    pub other: u64,
    /// This device holds fewer of the turf's contacts than it has: the counts may be low.
    pub partial: bool,
}

/// What happened at a door.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum KnockOutcome {
    NotHome,
    Refused,
    /// They talked briefly; no one-on-one recorded (yet).
    Contacted,
    /// An outcome from a newer Groundwork.
    Other {
        value: String,
    },
}

/// A knock to record on a contact.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewKnock {
    pub outcome: KnockOutcome,
    pub organizer: String,
    pub at_ms: i64,
    #[uniffi(default = "")]
    pub note: String,
}

/// Where a contact stands in a canvass.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CanvassStatus {
    ToKnock,
    NotHome,
    Refused,
    Contacted,
    ConversationHeld,
    Other { value: String },
}

/// A door on a walk list, in walking order (unit, then address).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalkStop {
    pub contact: String,
    pub name: String,
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    pub address: String,
    pub status: CanvassStatus,
    pub last_knock_at_ms: Option<i64>,
}

impl From<gw::Turf> for Turf {
    fn from(t: gw::Turf) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            organizer: t.organizer,
            devices: t.devices.iter().map(ToString::to_string).collect(),
            size: t.size,
            handed_out_at_ms: ms(t.handed_out_at),
            handed_out_by: t.handed_out_by.to_string(),
            returned_at_ms: t.returned_at.map(ms),
        }
    }
}

impl From<core_turf::TurfProgress> for TurfProgress {
    fn from(p: core_turf::TurfProgress) -> Self {
        Self {
            turf: p.turf.into(),
            held: p.held,
            to_knock: p.to_knock,
            not_home: p.not_home,
            refused: p.refused,
            contacted: p.contacted,
            conversations: p.conversations,
            other: p.other,
            partial: p.partial,
        }
    }
}

impl From<core_turf::WalkStop> for WalkStop {
    fn from(s: core_turf::WalkStop) -> Self {
        Self {
            contact: s.contact.to_string(),
            name: s.name,
            unit: s.unit.map(|u| u.to_string()),
            unit_name: s.unit_name,
            address: s.address,
            status: match s.status {
                core_turf::CanvassStatus::ToKnock => CanvassStatus::ToKnock,
                core_turf::CanvassStatus::NotHome => CanvassStatus::NotHome,
                core_turf::CanvassStatus::Refused => CanvassStatus::Refused,
                core_turf::CanvassStatus::Contacted => CanvassStatus::Contacted,
                core_turf::CanvassStatus::ConversationHeld => CanvassStatus::ConversationHeld,
                core_turf::CanvassStatus::Other(value) => CanvassStatus::Other { value },
            },
            last_knock_at_ms: s.last_knock_at.map(ms),
        }
    }
}

impl TryFrom<NewKnock> for gw::NewKnock {
    type Error = GroundworkError;
    fn try_from(k: NewKnock) -> Result<Self> {
        Ok(Self {
            outcome: match k.outcome {
                KnockOutcome::NotHome => gw::KnockOutcome::NotHome,
                KnockOutcome::Refused => gw::KnockOutcome::Refused,
                KnockOutcome::Contacted => gw::KnockOutcome::Contacted,
                KnockOutcome::Other { value } => gw::KnockOutcome::Other(value),
            },
            organizer: k.organizer,
            at: time("at_ms", k.at_ms)?,
            note: k.note,
        })
    }
}

// --- onboarding ------------------------------------------------------------------------------

/// Who works through a new member's onboarding tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TaskHolder {
    /// The new member, with the partner helping (the usual way).
    NewMember,
    /// The partner, with the new member (a new member without the app).
    Partner,
}

/// Starts a new member on a template's tasks, paired with a partner.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardingStart {
    pub contact: String,
    /// The template, by name (case ignored) or id.
    pub template: String,
    pub partner: String,
    /// `None`: the new member.
    #[uniffi(default)]
    pub tasks_for: Option<TaskHolder>,
    #[uniffi(default)]
    pub first_due_ms: Option<i64>,
    /// Days between one task's due date and the next's (none: all due with the first).
    #[uniffi(default)]
    pub days_between: Option<u32>,
}

/// An onboarding task not done yet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardingTask {
    pub id: String,
    pub title: String,
    pub assignee: String,
    pub due_ms: Option<i64>,
}

/// How a new member is getting on with one template.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardingProgress {
    pub contact: String,
    pub name: String,
    pub template: Option<String>,
    pub partner: Option<String>,
    pub done: u32,
    pub total: u32,
    pub next: Option<OnboardingTask>,
}

impl From<core_onboarding::OnboardingProgress> for OnboardingProgress {
    fn from(p: core_onboarding::OnboardingProgress) -> Self {
        Self {
            contact: p.contact.to_string(),
            name: p.name,
            template: p.template,
            partner: p.partner,
            done: p.done,
            total: p.total,
            next: p.next.map(|t| OnboardingTask {
                id: t.id.to_string(),
                title: t.title,
                assignee: t.assignee,
                due_ms: t.due.map(ms),
            }),
        }
    }
}

// --- benchmarks ------------------------------------------------------------------------------

/// A plan's benchmark counted against the data now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BenchmarkProgress {
    pub plan: String,
    pub plan_title: String,
    pub benchmark: String,
    pub description: String,
    pub target: u64,
    pub deadline_ms: Option<i64>,
    pub query: RecordQuery,
    /// `None` for a query from a newer Groundwork.
    pub count: Option<u64>,
    pub met: bool,
    /// The deadline passed without the target met.
    pub missed: bool,
    /// This device's grant does not cover everything the query counts.
    pub partial: bool,
}

impl From<core_benchmarks::BenchmarkProgress> for BenchmarkProgress {
    fn from(b: core_benchmarks::BenchmarkProgress) -> Self {
        Self {
            plan: b.plan.to_string(),
            plan_title: b.plan_title,
            benchmark: b.benchmark.to_string(),
            description: b.description,
            target: b.target,
            deadline_ms: b.deadline.map(ms),
            query: b.query.into(),
            count: b.count,
            met: b.met,
            missed: b.missed,
            partial: b.partial,
        }
    }
}

/// Hears a plan's benchmarks whenever a write could move them.
#[uniffi::export(foreign)]
pub trait BenchmarkListener: Send + Sync {
    fn on_benchmarks(&self, benchmarks: Vec<BenchmarkProgress>) -> Result<()>;
}

/// Hears the turfs' progress whenever a knock, conversation or hand-out could move it.
#[uniffi::export(foreign)]
pub trait TurfListener: Send + Sync {
    fn on_turfs(&self, turfs: Vec<TurfProgress>) -> Result<()>;
}

// --- wall chart and structure tests ----------------------------------------------------------

/// Counts for one row of the wall chart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChartCounts {
    pub contacts: u64,
    /// Per level of the scale, in the order of `WallChart.scale`.
    pub by_assessment: Vec<u64>,
    pub unassessed: u64,
    pub supporter_or_better: u64,
    pub committee: u64,
    pub with_organizer: u64,
}

/// A level of the scale, as a chart column.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChartColumn {
    pub value: i64,
    pub label: String,
    pub supporter_or_better: bool,
}

/// A unit's row: it and every unit below it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChartRow {
    pub unit: String,
    pub parent: Option<String>,
    pub name: String,
    pub level: String,
    pub depth: u32,
    pub counts: ChartCounts,
    pub partial: bool,
}

/// The wall chart: every unit with its people by assessment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WallChart {
    /// The scale's levels, strongest first.
    pub scale: Vec<ChartColumn>,
    pub rows: Vec<ChartRow>,
    /// Contacts with no unit on the chart.
    pub unplaced: ChartCounts,
    pub total: ChartCounts,
    pub committee_tag: String,
    pub partial: bool,
}

/// What a structure test asks of each unit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Threshold {
    /// At least `percent` of the unit assessed `at_least` or stronger.
    Assessment {
        at_least: AssessmentAtLeast,
        percent: u8,
    },
    /// At least `percent` of the unit on the committee.
    Committee { percent: u8 },
}

/// A structure test: "a majority supporter or better in every department".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StructureTest {
    pub threshold: Threshold,
    /// Test the units at this level (default: the units directly under each tree or `root`).
    #[uniffi(default)]
    pub level: Option<String>,
    #[uniffi(default)]
    pub root: Option<String>,
    #[uniffi(default = "committee")]
    pub committee_tag: String,
}

/// Someone who does not meet the threshold yet: who to talk to next.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MissingPerson {
    pub contact: String,
    pub name: String,
    pub assessment: Option<i64>,
    pub assessment_label: Option<String>,
    pub committee: bool,
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitResult {
    pub unit: String,
    pub name: String,
    pub level: String,
    pub contacts: u64,
    pub meeting: u64,
    pub needed: u64,
    pub passed: bool,
    pub missing: Vec<MissingPerson>,
    pub missing_do_not_contact: u64,
    pub partial: bool,
}

/// A structure test's result: every unit passed, or who is missing where.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StructureResult {
    pub units: Vec<UnitResult>,
    pub passed: bool,
    pub partial: bool,
}

fn chart_counts(c: core_chart::ChartCounts, scale: &[core_chart::ScaleColumn]) -> ChartCounts {
    ChartCounts {
        contacts: c.contacts,
        by_assessment: scale
            .iter()
            .map(|col| c.by_assessment.get(&col.value).copied().unwrap_or(0))
            .collect(),
        unassessed: c.unassessed,
        supporter_or_better: c.supporter_or_better,
        committee: c.committee,
        with_organizer: c.with_organizer,
    }
}

impl From<core_chart::WallChart> for WallChart {
    fn from(w: core_chart::WallChart) -> Self {
        let scale = w.scale;
        Self {
            rows: w
                .rows
                .into_iter()
                .map(|r| ChartRow {
                    unit: r.unit.to_string(),
                    parent: r.parent.map(|p| p.to_string()),
                    name: r.name,
                    level: r.level,
                    depth: r.depth,
                    counts: chart_counts(r.counts, &scale),
                    partial: r.partial,
                })
                .collect(),
            unplaced: chart_counts(w.unplaced, &scale),
            total: chart_counts(w.total, &scale),
            scale: scale
                .into_iter()
                .map(|c| ChartColumn {
                    value: c.value,
                    label: c.label,
                    supporter_or_better: c.supporter_or_better,
                })
                .collect(),
            committee_tag: w.committee_tag,
            partial: w.partial,
        }
    }
}

impl TryFrom<StructureTest> for core_structure::StructureTest {
    type Error = GroundworkError;
    fn try_from(t: StructureTest) -> Result<Self> {
        Ok(Self {
            threshold: match t.threshold {
                Threshold::Assessment { at_least, percent } => {
                    core_structure::Threshold::Assessment {
                        at_least: at_least.into(),
                        percent,
                    }
                }
                Threshold::Committee { percent } => {
                    core_structure::Threshold::Committee { percent }
                }
            },
            level: t.level,
            root: parse_opt::<UnitId>(t.root)?,
            committee_tag: t.committee_tag,
        })
    }
}

impl From<core_structure::StructureResult> for StructureResult {
    fn from(r: core_structure::StructureResult) -> Self {
        Self {
            units: r
                .units
                .into_iter()
                .map(|u| UnitResult {
                    unit: u.unit.to_string(),
                    name: u.name,
                    level: u.level,
                    contacts: u.contacts,
                    meeting: u.meeting,
                    needed: u.needed,
                    passed: u.passed,
                    missing: u
                        .missing
                        .into_iter()
                        .map(|m| MissingPerson {
                            contact: m.id.to_string(),
                            name: m.name,
                            assessment: m.assessment,
                            assessment_label: m.assessment_label,
                            committee: m.committee,
                        })
                        .collect(),
                    missing_do_not_contact: u.missing_do_not_contact,
                    partial: u.partial,
                })
                .collect(),
            passed: r.passed,
            partial: r.partial,
        }
    }
}

// --- history and undo ------------------------------------------------------------------------

/// One field a change touched.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldChange {
    /// The field's path, as conflicts name it: `name`, `tags/committee`.
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// In a few words: "set", "added", "removed".
    pub summary: String,
}

/// One change to a record: when, by which device, what it changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// Give it to `undo_change`.
    pub change: String,
    pub at_ms: Option<i64>,
    pub device: String,
    pub device_name: Option<String>,
    pub this_device: bool,
    pub created: bool,
    pub fields: Vec<FieldChange>,
}

/// A page of a record's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct History {
    pub record: String,
    /// Changes the record has in all.
    pub total: u64,
    pub entries: Vec<HistoryEntry>,
}

/// An undo that went through.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Undone {
    pub change: String,
    /// The fields given back their earlier state.
    pub fields: Vec<String>,
    /// Fields edited later that the undo overrode (`force`): both values now stand as a
    /// conflict to settle.
    pub overridden: Vec<String>,
    /// The record's version after the undo.
    pub version: String,
}

impl From<core_history::History> for History {
    fn from(h: core_history::History) -> Self {
        Self {
            record: h.record.to_string(),
            total: h.total as u64,
            entries: h
                .entries
                .into_iter()
                .map(|e| HistoryEntry {
                    change: e.change,
                    at_ms: e.at.map(ms),
                    device: e.device,
                    device_name: e.device_name,
                    this_device: e.this_device,
                    created: e.created,
                    fields: e
                        .fields
                        .into_iter()
                        .map(|f| FieldChange {
                            field: f.field,
                            before: f.before,
                            after: f.after,
                            summary: f.summary,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

// --- the calls -------------------------------------------------------------------------------

#[uniffi::export]
impl Group {
    // --- due follow-ups

    /// The counts for this phone's reminder: due today and overdue for `organizer`. No names.
    pub fn due_summary(&self, organizer: String, at: LocalTime) -> Result<DueSummary> {
        let s = self.inner.due_summary(&organizer, local(at)?)?;
        Ok(DueSummary {
            due_today: s.due_today,
            overdue: s.overdue,
        })
    }

    /// An organizer's open follow-ups in a due window (everyone's with `None`), soonest first.
    #[uniffi::method(default(limit = None))]
    pub fn due_follow_ups(
        &self,
        organizer: Option<String>,
        due: Due,
        at: LocalTime,
        limit: Option<u32>,
    ) -> Result<Vec<FollowUpSummary>> {
        Ok(self
            .inner
            .due_follow_ups(organizer.as_deref(), due.into(), local(at)?, limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Moves an open follow-up's due date ("not this week: next Tuesday").
    pub fn snooze_follow_up(&self, id: String, until_ms: i64) -> Result<FollowUp> {
        Ok(self
            .inner
            .snooze_follow_up(parse(&id)?, time("until_ms", until_ms)?)?
            .into())
    }

    /// Hands an open follow-up to another organizer.
    pub fn reassign_follow_up(&self, id: String, to: String) -> Result<FollowUp> {
        Ok(self.inner.reassign_follow_up(parse(&id)?, &to)?.into())
    }

    /// Marks an open follow-up done with a note; a recurring check-in gets its next one.
    #[uniffi::method(default(note = ""))]
    pub fn complete_follow_up(&self, id: String, note: String) -> Result<Completion> {
        let c = self.inner.complete_follow_up(parse(&id)?, &note)?;
        Ok(Completion {
            done: c.done.into(),
            next: c.next.map(Into::into),
        })
    }

    // --- turf

    /// Cuts a turf and hands it to an organizer's devices (an admin's act).
    pub fn cut_turf(&self, turf: NewTurf) -> Result<Turf> {
        crate::model::at_most("devices", &turf.devices, core_turf::MAX_TURF_DEVICES)?;
        let new = gw::NewTurf {
            name: turf.name,
            organizer: turf.organizer,
            devices: turf
                .devices
                .iter()
                .map(|d| device_id_from(d))
                .collect::<Result<_>>()?,
            selection: turf.selection.try_into()?,
        };
        Ok(self.inner.cut_turf(&new)?.into())
    }

    /// Takes a turf back: its contacts leave the organizer's phone at its next sync.
    pub fn return_turf(&self, id: String) -> Result<Turf> {
        Ok(self.inner.return_turf(parse::<TurfId>(&id)?)?.into())
    }

    /// Every turf with its progress, in the order they were cut.
    pub fn turfs(&self) -> Result<Vec<TurfProgress>> {
        Ok(self.inner.turfs()?.into_iter().map(Into::into).collect())
    }

    /// One turf's progress.
    pub fn turf_progress(&self, id: String) -> Result<TurfProgress> {
        Ok(self.inner.turf_progress(parse::<TurfId>(&id)?)?.into())
    }

    /// A turf's doors in walking order, each with where the canvass stands.
    pub fn walk_list(&self, id: String) -> Result<Vec<WalkStop>> {
        Ok(self
            .inner
            .walk_list(parse::<TurfId>(&id)?)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Records a knock at a contact's door; returns the knock's id.
    pub fn record_knock(&self, contact: String, knock: NewKnock) -> Result<String> {
        let knock: gw::NewKnock = knock.try_into()?;
        Ok(self
            .inner
            .record_knock(parse::<ContactId>(&contact)?, &knock)?
            .to_string())
    }

    /// Watches every turf's progress; the listener hears the current list first.
    pub fn watch_turfs(&self, listener: Arc<dyn TurfListener>) -> Arc<SubscriptionHandle> {
        let watch = self.inner.watch_turfs();
        SubscriptionHandle::spawn(events::forward_watch(
            watch,
            move |rows: Vec<TurfProgress>| listener.on_turfs(rows),
        ))
    }

    // --- onboarding

    /// Starts a new member on a template's tasks; returns the follow-ups it wrote.
    pub fn start_onboarding(&self, start: OnboardingStart) -> Result<Vec<FollowUp>> {
        let start = core_onboarding::OnboardingStart {
            contact: parse::<ContactId>(&start.contact)?,
            template: start.template,
            partner: start.partner,
            tasks_for: match start.tasks_for {
                None | Some(TaskHolder::NewMember) => core_onboarding::TaskHolder::NewMember,
                Some(TaskHolder::Partner) => core_onboarding::TaskHolder::Partner,
            },
            first_due: time_opt("first_due_ms", start.first_due_ms)?,
            days_between: start.days_between,
        };
        Ok(self
            .inner
            .start_onboarding(&start)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How each new member is getting on (one member's with `contact`), by name.
    #[uniffi::method(default(contact = None))]
    pub fn onboarding_progress(&self, contact: Option<String>) -> Result<Vec<OnboardingProgress>> {
        Ok(self
            .inner
            .onboarding_progress(parse_opt::<ContactId>(contact)?)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    // --- benchmarks

    /// Every benchmark of a plan (of every plan with `None`) counted against the data now
    /// (a deadline is missed when it is before `now_ms`, by default the device's clock).
    #[uniffi::method(default(plan = None, now_ms = None))]
    pub fn benchmark_progress(
        &self,
        plan: Option<String>,
        now_ms: Option<i64>,
    ) -> Result<Vec<BenchmarkProgress>> {
        let now = match now_ms {
            Some(ms) => time("now_ms", ms)?,
            None => chrono::Utc::now(),
        };
        Ok(self
            .inner
            .benchmark_progress(parse_opt::<PlanId>(plan)?, now)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Watches benchmarks as `benchmark_progress` counts them; the listener hears them first
    /// as they are, then after every write that could move them.
    #[uniffi::method(default(plan = None))]
    pub fn watch_benchmarks(
        &self,
        listener: Arc<dyn BenchmarkListener>,
        plan: Option<String>,
    ) -> Result<Arc<SubscriptionHandle>> {
        let watch = self.inner.watch_benchmarks(parse_opt::<PlanId>(plan)?);
        Ok(SubscriptionHandle::spawn(events::forward_watch(
            watch,
            move |rows: Vec<BenchmarkProgress>| listener.on_benchmarks(rows),
        )))
    }

    // --- wall chart and structure tests

    /// The wall chart of the whole terrain (or of `root` and the units below it).
    #[uniffi::method(default(root = None, committee_tag = "committee"))]
    pub fn wall_chart(&self, root: Option<String>, committee_tag: String) -> Result<WallChart> {
        let options = core_chart::ChartOptions {
            root: parse_opt::<UnitId>(root)?,
            committee_tag,
        };
        Ok(self.inner.wall_chart(&options)?.into())
    }

    /// Tests the structure unit by unit before the group escalates.
    pub fn structure_test(&self, test: StructureTest) -> Result<StructureResult> {
        let test: core_structure::StructureTest = test.try_into()?;
        Ok(self.inner.structure_test(&test)?.into())
    }

    // --- history and undo

    /// A record's changes, newest first: `limit` of them (cut to 1–500) after skipping `offset`.
    #[uniffi::method(default(limit = 20, offset = 0))]
    pub fn history(&self, record: String, limit: u32, offset: u32) -> Result<History> {
        let page = core_history::HistoryPage { limit, offset };
        Ok(self.inner.history(parse::<DocId>(&record)?, page)?.into())
    }

    /// Undoes one change of a record (its hash, or 8 or more of its first digits) by a new
    /// change. A later edit of the same field refuses it with `Conflict` naming that edit,
    /// unless `force`: then both values stay, as a conflict to settle.
    #[uniffi::method(default(force = false))]
    pub fn undo_change(&self, record: String, change: String, force: bool) -> Result<Undone> {
        let r = self
            .inner
            .revert_change(parse::<DocId>(&record)?, &change, force)?;
        Ok(Undone {
            change: r.change,
            fields: r.fields,
            overridden: r.overridden.into_iter().map(|l| l.field).collect(),
            version: r.version.to_string(),
        })
    }
}
