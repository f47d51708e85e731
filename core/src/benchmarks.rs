//! Plans' benchmarks with their live progress: "how we know if we're on our way".
//!
//! A benchmark's target is typed in; its progress never is. Each benchmark holds a
//! [`RecordQuery`], and progress is that query counted over the index, so it moves as
//! conversations are recorded, assessments change and follow-ups are done — here or on another
//! device whose changes arrive by sync — without loading a plan or any other document.

use rusqlite::params;

use crate::error::Result;
use crate::events::RecordKind;
use crate::group::Group;
use crate::ids::{EntryId, PlanId, UnitId};
use crate::model::{AssessmentAtLeast, Counted, FollowUpKind, RecordQuery, Timestamp};
use crate::query::QueryWatch;

/// A benchmark and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BenchmarkProgress {
    pub plan: PlanId,
    pub plan_title: String,
    pub benchmark: EntryId,
    pub description: String,
    pub target: u64,
    pub deadline: Option<Timestamp>,
    pub query: RecordQuery,
    /// How many records the query counts now; `None` for a query from a newer Groundwork.
    pub count: Option<u64>,
    /// The count reached the target.
    pub met: bool,
    /// The deadline passed without the target met.
    pub missed: bool,
    /// This device's grant does not cover everything the query counts: the count may be low.
    pub partial: bool,
}

impl BenchmarkProgress {
    /// Progress as a share of the target, 0.0 to 1.0 (capped).
    pub fn fraction(&self) -> f64 {
        match self.count {
            Some(c) if self.target > 0 => (c as f64 / self.target as f64).min(1.0),
            _ => 0.0,
        }
    }
}

impl Group {
    /// The benchmarks of one plan, or of every plan (by plan title, then in the plan's order),
    /// each with its progress now. Index only: no document is loaded.
    pub fn benchmark_progress(
        &self,
        plan: Option<PlanId>,
        now: Timestamp,
    ) -> Result<Vec<BenchmarkProgress>> {
        let rows = self.benchmark_rows(plan)?;
        let coverage = self.coverage()?;
        let mut out = Vec::with_capacity(rows.len());
        for mut b in rows {
            b.count = if b.query.understood() {
                Some(self.count_records(&b.query)?)
            } else {
                None
            };
            b.met = b.count.is_some_and(|c| c >= b.target);
            b.missed = !b.met && b.deadline.is_some_and(|d| d < now);
            b.partial = !coverage.complete_for(b.query.unit);
            out.push(b);
        }
        Ok(out)
    }

    /// Watches benchmark progress (one plan's, or every plan's): yields it now, then again
    /// whenever a record that can change it changes (contacts with their conversations,
    /// follow-ups, plans, the terrain, the scale) — here or by sync. For a plan screen that
    /// shows progress live.
    pub fn watch_benchmarks(&self, plan: Option<PlanId>) -> QueryWatch<Vec<BenchmarkProgress>> {
        self.watch(
            vec![
                RecordKind::Contact,
                RecordKind::FollowUp,
                RecordKind::Plan,
                RecordKind::Terrain,
                RecordKind::Settings,
            ],
            move |g| g.benchmark_progress(plan, chrono::Utc::now()),
        )
    }

    fn benchmark_rows(&self, plan: Option<PlanId>) -> Result<Vec<BenchmarkProgress>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT b.plan_id, p.title, b.benchmark_id, b.description, b.target, b.deadline,
                    b.query_version, b.counts, b.unit, b.assessment, b.since, b.tag, b.organizer,
                    b.followup_kind, b.completed
             FROM benchmarks_idx b JOIN plans_idx p ON p.group_id = b.group_id AND p.plan_id = b.plan_id
             WHERE b.group_id = ?1 AND (?2 IS NULL OR b.plan_id = ?2)
             ORDER BY p.title, b.plan_id, b.position",
        )?;
        let plan = plan.map(|p| p.as_bytes().to_vec());
        let rows = stmt.query_map(params![self.id.as_bytes(), plan], |r| {
            Ok((
                (
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ),
                (
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<Vec<u8>>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<i64>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                    r.get::<_, Option<String>>(13)?,
                    r.get::<_, Option<bool>>(14)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                (plan, title, id, description, target, deadline),
                (version, counts, unit, assessment, since, tag, organizer, kind, completed),
            ) = row?;
            let ms = |t: Option<i64>| t.and_then(chrono::DateTime::from_timestamp_millis);
            out.push(BenchmarkProgress {
                plan: PlanId::from_slice(&plan)?,
                plan_title: title,
                benchmark: EntryId::from_slice(&id)?,
                description,
                target: u64::try_from(target).unwrap_or(0),
                deadline: ms(deadline),
                query: RecordQuery {
                    version: u64::try_from(version).unwrap_or(0),
                    counts: Counted::parse(&counts),
                    unit: unit.and_then(|u| UnitId::from_slice(&u).ok()),
                    assessment: assessment.and_then(|a| AssessmentAtLeast::from_stored(&a)),
                    since: ms(since),
                    tag,
                    organizer,
                    follow_up_kind: kind.map(|k| FollowUpKind::parse(&k)),
                    completed,
                },
                count: None,
                met: false,
                missed: false,
                partial: false,
            });
        }
        Ok(out)
    }
}
