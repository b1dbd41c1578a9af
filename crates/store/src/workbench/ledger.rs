//! The monthly ledger (`ledgers`): generated from a worker's records of the month (visits,
//! diary, sweeps, time in the grid, events reported, meetings), submitted by the worker and
//! signed off by the village grid leader. A signed row is fixed by a trigger (migration 15):
//! what was signed is what stays.

use serde::Serialize;
use wangge_domain::calendar::Date;
use wangge_domain::workbench::ledger::{
    self, DiaryLine, MAX_LINES, Status, Summary, SweepLine, VisitLine,
};
use wangge_domain::workbench::periods;
use wangge_domain::{Error, Scope, err};

use super::logins::day_start_ms;
use crate::audit::Actor;
use crate::db::{Handle, sql_error};

/// The worker a ledger belongs to, as their principal gives it.
#[derive(Debug, Clone)]
pub struct Worker<'a> {
    pub id: i64,
    pub name: &'a str,
    pub grid_id: i64,
    pub path: &'a str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ledger {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_code: String,
    pub grid_name: String,
    /// The grid's path, for the rules in force there.
    pub path: String,
    pub month: String,
    pub status: String,
    pub worker_note: String,
    pub submitted_at: Option<i64>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<i64>,
    pub sign_note: String,
    pub created_at: i64,
    pub summary: Summary,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    worker_id: i64,
    worker_name: String,
    grid_code: String,
    grid_name: String,
    path: String,
    month: String,
    status: String,
    worker_note: String,
    submitted_at: Option<i64>,
    signed_by_name: Option<String>,
    signed_at: Option<i64>,
    sign_note: String,
    created_at: i64,
    summary_json: String,
}

impl Row {
    fn ledger(self) -> Ledger {
        Ledger {
            summary: serde_json::from_str(&self.summary_json).unwrap_or_default(),
            id: self.id,
            worker_id: self.worker_id,
            worker_name: self.worker_name,
            grid_code: self.grid_code,
            grid_name: self.grid_name,
            path: self.path,
            month: self.month,
            status: self.status,
            worker_note: self.worker_note,
            submitted_at: self.submitted_at,
            signed_by_name: self.signed_by_name,
            signed_at: self.signed_at,
            sign_note: self.sign_note,
            created_at: self.created_at,
        }
    }
}

const LEDGER_SQL: &str = "SELECT l.id, l.worker_id, l.worker_name, n.code AS grid_code, n.name AS grid_name, l.path, \
    l.month, l.status, l.worker_note, l.submitted_at, l.signed_by_name, l.signed_at, l.sign_note, l.created_at, \
    l.summary_json FROM ledgers l JOIN nodes n ON n.id = l.grid_id";

/// A month key's first and last day, or a clear 400.
pub fn month_bounds(month: &str) -> Result<(Date, Date), Error> {
    periods::parse_month(month).ok_or_else(|| {
        let value: String = month.chars().take(20).collect();
        err!("work.month_invalid", value)
    })
}

#[derive(sqlx::FromRow)]
struct VisitCounts {
    visits: i64,
    households: i64,
    key_visits: i64,
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    day: String,
    target_kind: String,
    target_id: i64,
    duty: Option<String>,
    seen: String,
    done: String,
}

#[derive(sqlx::FromRow)]
struct DiaryRow {
    id: i64,
    day: String,
    body: String,
}

#[derive(sqlx::FromRow)]
struct SweepRow {
    week: String,
    findings: i64,
}

#[derive(sqlx::FromRow)]
struct Pair {
    a: i64,
    b: i64,
}

#[derive(sqlx::FromRow)]
struct Triple {
    invited: i64,
    attended: i64,
    trainings: i64,
}

/// What a worker's records of a month add up to, read from the tables of migration 15.
pub async fn compute(h: &mut Handle<'_>, worker_id: i64, month: &str) -> Result<Summary, Error> {
    let (first, last) = month_bounds(month)?;
    let (from, to) = (first.to_string(), last.to_string());
    let lines = i64::try_from(MAX_LINES).unwrap_or(300);
    let v = q!(
        h,
        fetch_one,
        VisitCounts,
        "SELECT CAST(COUNT(*) AS BIGINT) AS visits, CAST(COUNT(DISTINCT household_id) AS BIGINT) AS households, \
         CAST(COUNT(duty) AS BIGINT) AS key_visits FROM visits WHERE worker_id = $1 AND day >= $2 AND day <= $3",
        worker_id,
        &from,
        &to
    )
    .map_err(sql_error)?;
    let visit_lines = q!(
        h,
        fetch_all,
        VisitRow,
        "SELECT id, day, target_kind, target_id, duty, seen, done FROM visits \
         WHERE worker_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, id LIMIT $4",
        worker_id,
        &from,
        &to,
        lines
    )
    .map_err(sql_error)?;
    let diary_entries = q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM diary_entries WHERE worker_id = $1 AND day >= $2 AND day <= $3",
        worker_id,
        &from,
        &to
    )
    .map_err(sql_error)?;
    let diary_lines = q!(
        h,
        fetch_all,
        DiaryRow,
        "SELECT id, day, body FROM diary_entries WHERE worker_id = $1 AND day >= $2 AND day <= $3 \
         ORDER BY day, id LIMIT $4",
        worker_id,
        &from,
        &to,
        lines
    )
    .map_err(sql_error)?;
    // A week's sweep belongs to the month its Monday falls in.
    let sweep_lines = q!(
        h,
        fetch_all,
        SweepRow,
        "SELECT week, CAST(findings AS BIGINT) AS findings FROM sweeps WHERE worker_id = $1 AND week >= $2 \
         AND week <= $3 ORDER BY week",
        worker_id,
        &from,
        &to
    )
    .map_err(sql_error)?;
    let patrol = q!(
        h,
        fetch_one,
        Pair,
        "SELECT CAST(COALESCE(SUM(seconds_inside), 0) AS BIGINT) AS a, \
         CAST(COUNT(CASE WHEN seconds_inside > 0 THEN 1 END) AS BIGINT) AS b \
         FROM patrol_days WHERE worker_id = $1 AND day >= $2 AND day <= $3",
        worker_id,
        &from,
        &to
    )
    .map_err(sql_error)?;
    let next = last.add_days(1).unwrap_or(last);
    let events_reported = q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM events WHERE reporter_user_id = $1 AND reported_at >= $2 \
         AND reported_at < $3",
        worker_id,
        day_start_ms(first),
        day_start_ms(next)
    )
    .map_err(sql_error)?;
    let m = q!(
        h,
        fetch_one,
        Triple,
        "SELECT CAST(COUNT(*) AS BIGINT) AS invited, \
         CAST(COUNT(CASE WHEN i.attendance IN ('present', 'late', 'left_early') THEN 1 END) AS BIGINT) AS attended, \
         CAST(COUNT(CASE WHEN m.kind = 'training' AND i.attendance IN ('present', 'late', 'left_early') THEN 1 END) \
         AS BIGINT) AS trainings \
         FROM meeting_invitees i JOIN meetings m ON m.id = i.meeting_id \
         WHERE i.user_id = $1 AND m.day >= $2 AND m.day <= $3",
        worker_id,
        &from,
        &to
    )
    .map_err(sql_error)?;
    Ok(Summary {
        month: periods::month_key(first),
        visits: v.visits,
        households_visited: v.households,
        key_person_visits: v.key_visits,
        diary_entries,
        sweeps: i64::try_from(sweep_lines.len()).unwrap_or(0),
        sweep_findings: sweep_lines.iter().map(|s| s.findings).sum(),
        minutes_in_grid: patrol.a / 60,
        patrol_days: patrol.b,
        events_reported,
        meetings_invited: m.invited,
        meetings_attended: m.attended,
        trainings_attended: m.trainings,
        visit_lines: visit_lines
            .into_iter()
            .map(|r| VisitLine {
                id: r.id,
                day: r.day,
                target_kind: r.target_kind,
                target_id: r.target_id,
                duty: r.duty,
                seen: ledger::excerpt(&r.seen, 60),
                done: ledger::excerpt(&r.done, 60),
            })
            .collect(),
        diary_lines: diary_lines
            .into_iter()
            .map(|r| DiaryLine {
                id: r.id,
                day: r.day,
                text: ledger::excerpt(&r.body, 80),
            })
            .collect(),
        sweep_lines: sweep_lines
            .into_iter()
            .map(|s| SweepLine {
                week: s.week,
                findings: s.findings,
            })
            .collect(),
    })
}

/// A worker's ledger of a month, if generated.
pub async fn own(h: &mut Handle<'_>, worker_id: i64, month: &str) -> Result<Option<Ledger>, Error> {
    let sql = format!("{LEDGER_SQL} WHERE l.worker_id = $1 AND l.month = $2");
    Ok(q!(
        h,
        fetch_optional,
        Row,
        sqlx::AssertSqlSafe(sql),
        worker_id,
        month
    )
    .map_err(sql_error)?
    .map(Row::ledger))
}

/// A worker's ledger as a reviewer in `scope` sees it; 404 outside the scope.
pub async fn in_scope(
    h: &mut Handle<'_>,
    scope: &Scope,
    worker_id: i64,
    month: &str,
) -> Result<Ledger, Error> {
    let sql = format!("{LEDGER_SQL} WHERE l.worker_id = $1 AND l.month = $2 AND l.path LIKE $3");
    q!(
        h,
        fetch_optional,
        Row,
        sqlx::AssertSqlSafe(sql),
        worker_id,
        month,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .map(Row::ledger)
    .ok_or_else(|| err!("work.ledger_not_found", month))
}

/// The status of a worker's ledger of a month (`draft`, `submitted`, `signed`), None when not
/// generated: the home page shows it beside the due day.
pub async fn status(
    h: &mut Handle<'_>,
    worker_id: i64,
    month: &str,
) -> Result<Option<String>, Error> {
    q!(
        h,
        scalar fetch_optional,
        String,
        "SELECT status FROM ledgers WHERE worker_id = $1 AND month = $2",
        worker_id,
        month
    )
    .map_err(sql_error)
}

/// A ledger as a list shows it (no summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Brief {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_name: String,
    pub month: String,
    pub status: String,
    pub submitted_at: Option<i64>,
    pub signed_at: Option<i64>,
}

const BRIEF_SQL: &str = "SELECT l.id, l.worker_id, l.worker_name, n.name AS grid_name, l.month, l.status, \
    l.submitted_at, l.signed_at FROM ledgers l JOIN nodes n ON n.id = l.grid_id";

/// A worker's ledgers, newest month first.
pub async fn list_own(h: &mut Handle<'_>, worker_id: i64) -> Result<Vec<Brief>, Error> {
    let sql = format!("{BRIEF_SQL} WHERE l.worker_id = $1 ORDER BY l.month DESC LIMIT 120");
    q!(h, fetch_all, Brief, sqlx::AssertSqlSafe(sql), worker_id).map_err(sql_error)
}

/// The ledgers in a scope (a month, or all; a status, or all), submitted ones first.
pub async fn list_in_scope(
    h: &mut Handle<'_>,
    scope: &Scope,
    month: Option<&str>,
    status: Option<Status>,
    limit: i64,
) -> Result<Vec<Brief>, Error> {
    let sql = format!(
        "{BRIEF_SQL} WHERE l.path LIKE $1 AND ($2 = '' OR l.month = $2) AND ($3 = '' OR l.status = $3) \
         ORDER BY CASE l.status WHEN 'submitted' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END, l.month DESC, l.worker_name \
         LIMIT $4"
    );
    q!(
        h,
        fetch_all,
        Brief,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        month.unwrap_or(""),
        status.map(Status::as_str).unwrap_or(""),
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// Generates (or refreshes) a worker's draft of a month from the records; a submitted or
/// signed ledger is left as it is. Runs in the caller's transaction.
pub async fn generate(
    h: &mut Handle<'_>,
    w: &Worker<'_>,
    month: &str,
    now: i64,
) -> Result<Ledger, Error> {
    let summary = compute(h, w.id, month).await?;
    let json =
        serde_json::to_string(&summary).map_err(|e| err!("internal", detail = e.to_string()))?;
    match status(h, w.id, month).await? {
        None => {
            q!(
                h,
                execute,
                "INSERT INTO ledgers (worker_id, worker_name, grid_id, path, month, summary_json, worker_note, status, \
                 sign_note, created_at) VALUES ($1, $2, $3, $4, $5, $6, '', 'draft', '', $7) \
                 ON CONFLICT (worker_id, month) DO NOTHING",
                w.id,
                w.name,
                w.grid_id,
                w.path,
                month,
                &json,
                now
            )
            .map_err(sql_error)?;
        }
        Some(s) if s == Status::Draft.as_str() => {
            q!(
                h,
                execute,
                "UPDATE ledgers SET summary_json = $1, worker_name = $2 WHERE worker_id = $3 AND month = $4 \
                 AND status = 'draft'",
                &json,
                w.name,
                w.id,
                month
            )
            .map_err(sql_error)?;
        }
        Some(_) => {}
    }
    own(h, w.id, month)
        .await?
        .ok_or_else(|| err!("work.ledger_not_found", month))
}

/// The worker submits their draft with a note: the summary is generated afresh first, so what
/// is submitted is the records as they stand.
pub async fn submit(
    h: &mut Handle<'_>,
    w: &Worker<'_>,
    month: &str,
    note: &str,
    now: i64,
) -> Result<Ledger, Error> {
    let note = bounded_note(note)?;
    let l = generate(h, w, month, now).await?;
    if l.status != Status::Draft.as_str() {
        return Err(state_error(&l.status));
    }
    q!(
        h,
        execute,
        "UPDATE ledgers SET status = 'submitted', worker_note = $1, submitted_at = $2 WHERE id = $3 AND status = 'draft'",
        &note,
        now,
        l.id
    )
    .map_err(sql_error)?;
    own(h, w.id, month)
        .await?
        .ok_or_else(|| err!("work.ledger_not_found", month))
}

/// The village grid leader signs a submitted ledger in their scope off; from then on it is fixed.
pub async fn sign(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    worker_id: i64,
    month: &str,
    note: &str,
    now: i64,
) -> Result<Ledger, Error> {
    let note = bounded_note(note)?;
    let l = in_scope(h, scope, worker_id, month).await?;
    if l.status != Status::Submitted.as_str() {
        return Err(state_error(&l.status));
    }
    q!(
        h,
        execute,
        "UPDATE ledgers SET status = 'signed', signed_by = $1, signed_by_name = $2, signed_at = $3, sign_note = $4 \
         WHERE id = $5 AND status = 'submitted'",
        actor.user_id,
        &actor.name,
        now,
        &note,
        l.id
    )
    .map_err(sql_error)?;
    in_scope(h, scope, worker_id, month).await
}

fn state_error(status: &str) -> Error {
    if status == Status::Signed.as_str() {
        err!("work.ledger_signed")
    } else {
        err!("work.ledger_state", status)
    }
}

fn bounded_note(note: &str) -> Result<String, Error> {
    let note = note.trim();
    if note.chars().count() > ledger::MAX_NOTE {
        return Err(err!("work.note_too_long", max = ledger::MAX_NOTE));
    }
    Ok(note
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}
