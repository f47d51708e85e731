//! Queries answered from the index alone: no document is loaded (the tests count loads).

use rusqlite::types::ToSql;

use crate::error::Result;
use crate::events::{Filter, Notification, RecordKind, Subscription};
use crate::group::Group;
use crate::ids::{ContactId, ConversationId, FollowUpId, PlanId, TerrainTreeId, UnitId};
use crate::model::validate::{name_key, phone_key};
use crate::model::{
    AssessmentAtLeast, Counted, FollowUpKind, FollowUpStatus, RecordQuery, Timestamp,
};

/// Which assessments a contact query wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssessmentFilter {
    /// Exactly these values.
    Values(Vec<i64>),
    /// Values the group counts as supporter or better.
    SupporterOrBetter,
    /// Never assessed.
    Unassessed,
}

/// A contact query; every field narrows it. `unit` includes the units below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    pub name_prefix: Option<String>,
    pub tag: Option<String>,
    pub unit: Option<UnitId>,
    pub assessment: Option<AssessmentFilter>,
    pub organizer: Option<String>,
    /// At most this many (default 50, at most 10,000).
    pub limit: Option<u32>,
    pub offset: u32,
}

/// A contact as the index knows it: enough for a list row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContactSummary {
    pub id: ContactId,
    pub name: String,
    pub unit: Option<UnitId>,
    pub assessment: Option<i64>,
    pub assessment_label: Option<String>,
    pub last_conversation_at: Option<Timestamp>,
    pub do_not_contact: bool,
}

/// A follow-up query. By default: open follow-ups of every kind, soonest due first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpQuery {
    pub assignee: Option<String>,
    /// Due strictly before this time (follow-ups without a due date are left out).
    pub due_before: Option<Timestamp>,
    /// Due at or after this time (follow-ups without a due date are left out).
    pub due_from: Option<Timestamp>,
    /// `None` = open.
    pub status: Option<FollowUpStatus>,
    pub contact: Option<ContactId>,
    pub kind: Option<FollowUpKind>,
    pub limit: Option<u32>,
}

/// A follow-up as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowUpSummary {
    pub id: FollowUpId,
    pub kind: FollowUpKind,
    pub title: String,
    pub contact: Option<ContactId>,
    pub plan: Option<PlanId>,
    pub assignee: String,
    pub due: Option<Timestamp>,
    pub status: FollowUpStatus,
}

/// A conversation query over the latest revision of each conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationQuery {
    pub organizer: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// The contact's unit, including the units below it.
    pub unit: Option<UnitId>,
    pub contact: Option<ContactId>,
    pub limit: Option<u32>,
}

/// A conversation as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub contact: ContactId,
    pub organizer: String,
    pub at: Timestamp,
    pub assessment: Option<i64>,
    pub revision: u32,
}

/// A terrain unit as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitSummary {
    pub id: UnitId,
    pub tree: TerrainTreeId,
    pub parent: Option<UnitId>,
    pub name: String,
    pub level: String,
}

/// Builds a WHERE clause and its parameters.
struct Sql {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql>>,
}

impl Sql {
    fn new(group: &Group) -> Self {
        Self {
            clauses: vec!["t.group_id = ?1".into()],
            params: vec![Box::new(group.id.as_bytes().to_vec())],
        }
    }
    fn arg(&mut self, v: impl ToSql + 'static) -> String {
        self.params.push(Box::new(v));
        format!("?{}", self.params.len())
    }
    fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    /// Restricts `column` to `unit` and every unit below it.
    fn in_subtree(&mut self, column: &str, unit: UnitId) {
        let sub = self.subtree(unit);
        self.and(format!("{column} IN {sub}"));
    }
    /// A subquery of `unit` and every unit below it.
    fn subtree(&mut self, unit: UnitId) -> String {
        let p = self.arg(unit.as_bytes().to_vec());
        format!(
            "(WITH RECURSIVE sub(u) AS (SELECT {p} UNION SELECT x.unit_id FROM units_idx x JOIN sub ON x.parent_id = sub.u WHERE x.group_id = ?1) SELECT u FROM sub)"
        )
    }
    /// A subquery of the scale's values at `a` or stronger (levels are ranked strongest first).
    fn at_least(&mut self, a: AssessmentAtLeast) -> String {
        match a {
            AssessmentAtLeast::SupporterOrBetter => {
                "(SELECT value FROM scale_idx WHERE group_id = ?1 AND supporter = 1)".into()
            }
            AssessmentAtLeast::Level(v) => {
                let p = self.arg(v);
                format!(
                    "(SELECT value FROM scale_idx WHERE group_id = ?1 AND rank <= (SELECT rank FROM scale_idx WHERE group_id = ?1 AND value = {p}))"
                )
            }
        }
    }
    /// Restricts `column` (a contact id) to contacts with this tag.
    fn tagged(&mut self, column: &str, tag: &str) {
        let p = self.arg(tag.trim().to_owned());
        self.and(format!(
            "{column} IN (SELECT contact_id FROM contact_tags WHERE group_id = ?1 AND tag = {p})"
        ));
    }
    fn where_(&self) -> String {
        format!("WHERE {}", self.clauses.join(" AND "))
    }
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.params.iter().map(|b| b.as_ref()).collect()
    }
}

/// A follow-up status clause: done, open, or (`None`) either but not cancelled.
fn follow_up_status(alias: &str, completed: Option<bool>) -> String {
    match completed {
        Some(true) => format!("{alias}.status = 'done'"),
        Some(false) => format!("{alias}.status = 'open'"),
        None => format!("{alias}.status IN ('open', 'done')"),
    }
}

fn limit(l: Option<u32>) -> u32 {
    l.unwrap_or(50).min(10_000)
}

fn ms(t: Option<i64>) -> Option<Timestamp> {
    t.and_then(chrono::DateTime::from_timestamp_millis)
}

fn opt_id<T>(
    b: Option<Vec<u8>>,
    f: impl Fn(&[u8]) -> Result<T, crate::error::ValidationError>,
) -> Option<T> {
    b.and_then(|b| f(&b).ok())
}

impl Group {
    fn contact_sql(&self, q: &ContactQuery) -> Sql {
        let mut s = Sql::new(self);
        if let Some(prefix) = q
            .name_prefix
            .as_deref()
            .map(name_key)
            .filter(|p| !p.is_empty())
        {
            // Prefix range on the name index: [prefix, prefix + U+10FFFF).
            let lo = s.arg(prefix.clone());
            let hi = s.arg(format!("{prefix}\u{10FFFF}"));
            s.and(format!("t.name_key >= {lo} AND t.name_key < {hi}"));
        }
        if let Some(tag) = &q.tag {
            s.tagged("t.contact_id", tag);
        }
        if let Some(o) = &q.organizer {
            let p = s.arg(o.trim().to_owned());
            s.and(format!(
                "t.contact_id IN (SELECT contact_id FROM contact_organizers WHERE group_id = ?1 AND organizer = {p})"
            ));
        }
        if let Some(unit) = q.unit {
            s.in_subtree("t.unit", unit);
        }
        match &q.assessment {
            None => {}
            Some(AssessmentFilter::Unassessed) => s.and("t.assessment IS NULL".into()),
            Some(AssessmentFilter::SupporterOrBetter) => s.and(
                "t.assessment IN (SELECT value FROM scale_idx WHERE group_id = ?1 AND supporter = 1)".into(),
            ),
            Some(AssessmentFilter::Values(values)) => {
                let ps: Vec<String> = values.iter().take(100).map(|v| s.arg(*v)).collect();
                s.and(format!("t.assessment IN ({})", if ps.is_empty() { "NULL".into() } else { ps.join(",") }));
            }
        }
        s
    }

    /// Contacts matching a query, by name.
    pub fn contacts(&self, q: &ContactQuery) -> Result<Vec<ContactSummary>> {
        let s = self.contact_sql(q);
        let sql = format!(
            "SELECT t.contact_id, t.name, t.unit, t.assessment, sc.label, t.last_conversation_at, t.do_not_contact
             FROM contacts_idx t LEFT JOIN scale_idx sc ON sc.group_id = t.group_id AND sc.value = t.assessment
             {} ORDER BY t.name_key, t.contact_id LIMIT {} OFFSET {}",
            s.where_(),
            limit(q.limit),
            q.offset
        );
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(s.refs().as_slice(), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, unit, assessment, assessment_label, last, dnc) = row?;
            out.push(ContactSummary {
                id: ContactId::from_slice(&id)?,
                name,
                unit: opt_id(unit, UnitId::from_slice),
                assessment,
                assessment_label,
                last_conversation_at: ms(last),
                do_not_contact: dnc,
            });
        }
        Ok(out)
    }

    /// How many contacts match a query (limit and offset are ignored).
    pub fn count_contacts(&self, q: &ContactQuery) -> Result<u64> {
        let s = self.contact_sql(q);
        let sql = format!("SELECT count(*) FROM contacts_idx t {}", s.where_());
        let state = self.repo.lock();
        let n: i64 = state
            .store
            .conn
            .prepare_cached(&sql)?
            .query_row(s.refs().as_slice(), |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Contacts with this phone number (digits compared) or email (case-insensitive): duplicates.
    pub fn contacts_with(
        &self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<ContactId>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT DISTINCT contact_id FROM contact_keys WHERE group_id = ?1 AND
             ((key_kind = 'phone' AND key = ?2) OR (key_kind = 'email' AND key = ?3)) ORDER BY contact_id",
        )?;
        let phone = phone.map(phone_key).filter(|p| !p.is_empty());
        let email = email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty());
        let rows = stmt.query_map(rusqlite::params![self.id.as_bytes(), phone, email], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(ContactId::from_slice(&row?)?);
        }
        Ok(out)
    }

    fn follow_up_sql(&self, q: &FollowUpQuery) -> Sql {
        let mut s = Sql::new(self);
        let status = q.status.clone().unwrap_or(FollowUpStatus::Open);
        let p = s.arg(status.as_str().to_owned());
        s.and(format!("t.status = {p}"));
        if let Some(a) = &q.assignee {
            let p = s.arg(a.trim().to_owned());
            s.and(format!("t.assignee = {p}"));
        }
        if let Some(before) = q.due_before {
            let p = s.arg(before.timestamp_millis());
            s.and(format!("t.due IS NOT NULL AND t.due < {p}"));
        }
        if let Some(from) = q.due_from {
            let p = s.arg(from.timestamp_millis());
            s.and(format!("t.due IS NOT NULL AND t.due >= {p}"));
        }
        if let Some(c) = q.contact {
            let p = s.arg(c.as_bytes().to_vec());
            s.and(format!("t.contact_id = {p}"));
        }
        if let Some(k) = &q.kind {
            let p = s.arg(k.as_str().to_owned());
            s.and(format!("t.kind = {p}"));
        }
        s
    }

    /// Follow-ups matching a query, soonest due first (undated last).
    pub fn follow_ups(&self, q: &FollowUpQuery) -> Result<Vec<FollowUpSummary>> {
        let s = self.follow_up_sql(q);
        let sql = format!(
            "SELECT t.followup_id, t.kind, t.title, t.contact_id, t.plan_id, t.assignee, t.due, t.status
             FROM followups_idx t {} ORDER BY t.due IS NULL, t.due, t.followup_id LIMIT {}",
            s.where_(),
            limit(q.limit)
        );
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(s.refs().as_slice(), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
                r.get::<_, Option<Vec<u8>>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, title, contact, plan, assignee, due, status) = row?;
            out.push(FollowUpSummary {
                id: FollowUpId::from_slice(&id)?,
                kind: FollowUpKind::parse(&kind),
                title,
                contact: opt_id(contact, ContactId::from_slice),
                plan: opt_id(plan, PlanId::from_slice),
                assignee,
                due: ms(due),
                status: FollowUpStatus::parse(&status),
            });
        }
        Ok(out)
    }

    /// How many follow-ups match (for a phone's reminder: a count, never a name).
    pub fn count_follow_ups(&self, q: &FollowUpQuery) -> Result<u64> {
        let s = self.follow_up_sql(q);
        let sql = format!("SELECT count(*) FROM followups_idx t {}", s.where_());
        let state = self.repo.lock();
        let n: i64 = state
            .store
            .conn
            .prepare_cached(&sql)?
            .query_row(s.refs().as_slice(), |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn conversation_sql(&self, q: &ConversationQuery) -> Sql {
        let mut s = Sql::new(self);
        if let Some(o) = &q.organizer {
            let p = s.arg(o.trim().to_owned());
            s.and(format!("t.organizer = {p}"));
        }
        if let Some(since) = q.since {
            let p = s.arg(since.timestamp_millis());
            s.and(format!("t.at >= {p}"));
        }
        if let Some(until) = q.until {
            let p = s.arg(until.timestamp_millis());
            s.and(format!("t.at < {p}"));
        }
        if let Some(c) = q.contact {
            let p = s.arg(c.as_bytes().to_vec());
            s.and(format!("t.contact_id = {p}"));
        }
        if let Some(unit) = q.unit {
            s.in_subtree("t.unit", unit);
        }
        s
    }

    /// Conversations matching a query, newest first.
    pub fn conversations(&self, q: &ConversationQuery) -> Result<Vec<ConversationSummary>> {
        let s = self.conversation_sql(q);
        let sql = format!(
            "SELECT t.conversation_id, t.contact_id, t.organizer, t.at, t.assessment, t.revision
             FROM conversations_idx t {} ORDER BY t.at DESC, t.conversation_id LIMIT {}",
            s.where_(),
            limit(q.limit)
        );
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(s.refs().as_slice(), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, u32>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, contact, organizer, at, assessment, revision) = row?;
            out.push(ConversationSummary {
                id: ConversationId::from_slice(&id)?,
                contact: ContactId::from_slice(&contact)?,
                organizer,
                at: ms(Some(at)).unwrap_or_default(),
                assessment,
                revision,
            });
        }
        Ok(out)
    }

    /// How many conversations match (a benchmark count).
    pub fn count_conversations(&self, q: &ConversationQuery) -> Result<u64> {
        let s = self.conversation_sql(q);
        let sql = format!("SELECT count(*) FROM conversations_idx t {}", s.where_());
        let state = self.repo.lock();
        let n: i64 = state
            .store
            .conn
            .prepare_cached(&sql)?
            .query_row(s.refs().as_slice(), |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// How many records a [`RecordQuery`] counts (what a benchmark's progress is), from the
    /// index. A query this version does not understand is an error: see
    /// [`RecordQuery::understood`].
    pub fn count_records(&self, q: &RecordQuery) -> Result<u64> {
        let Some((s, table)) = self.record_sql(q)? else {
            return Ok(0);
        };
        let sql = format!("SELECT count(*) FROM {table} t {}", s.where_());
        let state = self.repo.lock();
        let n: i64 = state
            .store
            .conn
            .prepare_cached(&sql)?
            .query_row(s.refs().as_slice(), |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// The contacts a [`RecordQuery`] counting contacts selects, leaving out people marked
    /// do-not-contact, by unit then name; at most `limit` (turf is cut from this).
    pub(crate) fn record_contact_ids(
        &self,
        q: &RecordQuery,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        if q.counts != Counted::Contacts {
            return Err(crate::error::ValidationError::out_of_range(
                "query",
                "a turf is cut from a query counting contacts",
            )
            .into());
        }
        let Some((mut s, table)) = self.record_sql(q)? else {
            return Ok(Vec::new());
        };
        s.and("t.do_not_contact = 0".into());
        let sql = format!(
            "SELECT t.contact_id FROM {table} t {} ORDER BY t.unit, t.name_key, t.contact_id LIMIT {limit}",
            s.where_()
        );
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(s.refs().as_slice(), |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(ContactId::from_slice(&row?)?);
        }
        Ok(out)
    }

    /// The WHERE clause of a [`RecordQuery`] over the table it counts (`None` for a kind that
    /// is never counted here).
    fn record_sql(&self, q: &RecordQuery) -> Result<Option<(Sql, &'static str)>> {
        if !q.understood() {
            return Err(crate::error::ValidationError::out_of_range(
                "query",
                format!(
                    "counting `{}` in query version {} needs a newer Groundwork",
                    q.counts.as_str(),
                    q.version
                ),
            )
            .into());
        }
        let mut s = Sql::new(self);
        let table = match q.counts {
            Counted::Contacts => {
                if let Some(unit) = q.unit {
                    s.in_subtree("t.unit", unit);
                }
                if let Some(a) = q.assessment {
                    let values = s.at_least(a);
                    s.and(format!("t.assessment IN {values}"));
                }
                if let Some(since) = q.since {
                    let p = s.arg(since.timestamp_millis());
                    s.and(format!("t.last_conversation_at >= {p}"));
                }
                if let Some(o) = &q.organizer {
                    let p = s.arg(o.trim().to_owned());
                    s.and(format!("t.contact_id IN (SELECT contact_id FROM contact_organizers WHERE group_id = ?1 AND organizer = {p})"));
                }
                if q.follow_up_kind.is_some() || q.completed.is_some() {
                    let mut f = vec![
                        "f.group_id = ?1".to_owned(),
                        "f.contact_id = t.contact_id".to_owned(),
                    ];
                    if let Some(k) = &q.follow_up_kind {
                        f.push(format!("f.kind = {}", s.arg(k.as_str().to_owned())));
                    }
                    f.push(follow_up_status("f", q.completed));
                    s.and(format!(
                        "EXISTS (SELECT 1 FROM followups_idx f WHERE {})",
                        f.join(" AND ")
                    ));
                }
                "contacts_idx"
            }
            Counted::Conversations => {
                if let Some(unit) = q.unit {
                    s.in_subtree("t.unit", unit);
                }
                if let Some(a) = q.assessment {
                    let values = s.at_least(a);
                    s.and(format!("t.assessment IN {values}"));
                }
                if let Some(since) = q.since {
                    let p = s.arg(since.timestamp_millis());
                    s.and(format!("t.at >= {p}"));
                }
                if let Some(o) = &q.organizer {
                    let p = s.arg(o.trim().to_owned());
                    s.and(format!("t.organizer = {p}"));
                }
                "conversations_idx"
            }
            Counted::FollowUps => {
                s.and(follow_up_status("t", q.completed));
                if let Some(unit) = q.unit {
                    let sub = s.subtree(unit);
                    s.and(format!("t.contact_id IN (SELECT contact_id FROM contacts_idx WHERE group_id = ?1 AND unit IN {sub})"));
                }
                if let Some(a) = q.assessment {
                    let values = s.at_least(a);
                    s.and(format!("t.contact_id IN (SELECT contact_id FROM contacts_idx WHERE group_id = ?1 AND assessment IN {values})"));
                }
                if let Some(since) = q.since {
                    let p = s.arg(since.timestamp_millis());
                    let column = if q.completed == Some(true) {
                        "t.completed_at"
                    } else {
                        "t.created_at"
                    };
                    s.and(format!("{column} >= {p}"));
                }
                if let Some(o) = &q.organizer {
                    let p = s.arg(o.trim().to_owned());
                    s.and(format!("t.assignee = {p}"));
                }
                if let Some(k) = &q.follow_up_kind {
                    let p = s.arg(k.as_str().to_owned());
                    s.and(format!("t.kind = {p}"));
                }
                "followups_idx"
            }
            Counted::Other(_) => return Ok(None),
        };
        if let Some(tag) = &q.tag {
            s.tagged("t.contact_id", tag);
        }
        Ok(Some((s, table)))
    }

    /// The plans: (id, title), by title.
    pub fn plans(&self) -> Result<Vec<(PlanId, String)>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT plan_id, title FROM plans_idx WHERE group_id = ?1 ORDER BY title, plan_id",
        )?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, title) = row?;
            out.push((PlanId::from_slice(&id)?, title));
        }
        Ok(out)
    }

    /// Every terrain unit, by name.
    pub fn units(&self) -> Result<Vec<UnitSummary>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT unit_id, tree_id, parent_id, name, level FROM units_idx WHERE group_id = ?1 ORDER BY name, unit_id",
        )?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, tree, parent, name, level) = row?;
            out.push(UnitSummary {
                id: UnitId::from_slice(&id)?,
                tree: TerrainTreeId::from_slice(&tree)?,
                parent: opt_id(parent, UnitId::from_slice),
                name,
                level,
            });
        }
        Ok(out)
    }

    /// Watches a query: yields its results again whenever a change could have altered them.
    pub fn watch<T, F>(&self, kinds: Vec<RecordKind>, query: F) -> QueryWatch<T>
    where
        T: PartialEq + Clone,
        F: Fn(&Group) -> Result<T> + Send + 'static,
    {
        QueryWatch {
            group: self.clone(),
            sub: self.subscribe(Filter::Kinds(kinds)),
            query: Box::new(query),
            last: None,
        }
    }
}

type QueryFn<T> = Box<dyn Fn(&Group) -> Result<T> + Send>;

/// A query whose results are re-read when records it depends on change. Drop it to stop.
pub struct QueryWatch<T> {
    group: Group,
    sub: Subscription,
    query: QueryFn<T>,
    last: Option<T>,
}

impl<T: PartialEq + Clone> QueryWatch<T> {
    /// The current results (the first call), then the next results that differ from the last
    /// ones yielded. `None` once the store is closed.
    pub async fn next(&mut self) -> Option<Result<T>> {
        if self.last.is_none() {
            return Some(self.refresh());
        }
        loop {
            match self.sub.next().await? {
                Notification::Changed(_) | Notification::Missed => {}
            }
            while self.sub.try_next().is_some() {}
            let before = self.last.clone();
            match self.refresh() {
                Ok(v) if Some(&v) == before.as_ref() => continue,
                other => return Some(other),
            }
        }
    }

    fn refresh(&mut self) -> Result<T> {
        let v = (self.query)(&self.group)?;
        self.last = Some(v.clone());
        Ok(v)
    }
}
