//! The weekly sweep (排查): one per worker and week (`week` is the Monday), its checklist in
//! `items_json` with the events its findings became. The events are reported by the caller
//! through the one report path in the same transaction as `insert`, so a refused sweep leaves
//! no event behind.

use sha2::{Digest, Sha256};
use wangge_domain::Error;
use wangge_domain::err;

use crate::db::{Handle, sql_error};

/// Who reads sweeps: a worker their own, a reviewer those in their scope.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    /// The scope's `LIKE` pattern when the viewer reviews work; `None` for a worker.
    pub review_pattern: Option<String>,
}

impl Viewer {
    fn pattern(&self) -> &str {
        // No path starts with `//`: a worker matches by their id alone.
        self.review_pattern.as_deref().unwrap_or("//")
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Sweep {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub week: String,
    pub items_json: String,
    pub findings: i64,
    pub submitted_at: i64,
    pub client_key: Option<String>,
    pub content_hash: Option<String>,
}

const SWEEP_SQL: &str = "SELECT s.id, s.worker_id, u.display_name AS worker_name, s.grid_id, \
     n.code AS grid_code, n.name AS grid_name, s.path, s.week, s.items_json, s.findings, \
     s.submitted_at, s.client_key, s.content_hash \
     FROM sweeps s JOIN users u ON u.id = s.worker_id JOIN nodes n ON n.id = s.grid_id";

/// The hash that tells a resent sweep from another one under the same key: its week and lines
/// as checked (the events they became are not part of what the worker sent).
pub fn content_hash(week: &str, lines_json: &str) -> String {
    hex::encode(Sha256::digest(format!("{week}\n{lines_json}").as_bytes()))
}

/// One sweep the viewer may read; 404 otherwise.
pub async fn get(h: &mut Handle<'_>, v: &Viewer, id: i64) -> Result<Sweep, Error> {
    let sql = format!("{SWEEP_SQL} WHERE s.id = $1 AND (s.worker_id = $2 OR s.path LIKE $3)");
    q!(
        h,
        fetch_optional,
        Sweep,
        sqlx::AssertSqlSafe(sql),
        id,
        v.user_id,
        v.pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("work.sweep_not_found", id))
}

/// The worker's sweep of a week (its Monday).
pub async fn of_week(
    h: &mut Handle<'_>,
    worker_id: i64,
    week: &str,
) -> Result<Option<Sweep>, Error> {
    let sql = format!("{SWEEP_SQL} WHERE s.worker_id = $1 AND s.week = $2");
    q!(
        h,
        fetch_optional,
        Sweep,
        sqlx::AssertSqlSafe(sql),
        worker_id,
        week
    )
    .map_err(sql_error)
}

/// The worker's sweep sent under a client key.
pub async fn by_key(h: &mut Handle<'_>, worker_id: i64, key: &str) -> Result<Option<Sweep>, Error> {
    let sql = format!("{SWEEP_SQL} WHERE s.worker_id = $1 AND s.client_key = $2");
    q!(
        h,
        fetch_optional,
        Sweep,
        sqlx::AssertSqlSafe(sql),
        worker_id,
        key
    )
    .map_err(sql_error)
}

/// Sweeps newest week first: the viewer's own, or (a reviewer) those in scope, optionally of
/// one worker; `before_id` pages back; `limit` clamped to 1–100.
pub async fn list(
    h: &mut Handle<'_>,
    v: &Viewer,
    worker_id: Option<i64>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Sweep>, Error> {
    let sql = format!(
        "{SWEEP_SQL} WHERE (s.worker_id = $1 OR s.path LIKE $2) AND ($3 IS NULL OR s.worker_id = $3) \
         AND ($4 IS NULL OR s.id < $4) ORDER BY s.id DESC LIMIT $5"
    );
    q!(
        h,
        fetch_all,
        Sweep,
        sqlx::AssertSqlSafe(sql),
        v.user_id,
        v.pattern(),
        worker_id,
        before_id,
        limit.clamp(1, 100)
    )
    .map_err(sql_error)
}

/// A sweep to write.
pub struct NewSweep<'a> {
    pub worker_id: i64,
    pub grid_id: i64,
    pub path: &'a str,
    pub week: &'a str,
    pub items_json: &'a str,
    pub findings: i64,
    pub client_key: Option<&'a str>,
    pub content_hash: &'a str,
}

/// Writes a sweep; a second one of the same worker and week is refused (409).
pub async fn insert(h: &mut Handle<'_>, s: &NewSweep<'_>, now: i64) -> Result<i64, Error> {
    let id = q!(
        h,
        scalar fetch_optional,
        i64,
        "INSERT INTO sweeps (worker_id, grid_id, path, week, items_json, findings, submitted_at, client_key, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (worker_id, week) DO NOTHING RETURNING id",
        s.worker_id,
        s.grid_id,
        s.path,
        s.week,
        s.items_json,
        s.findings,
        now,
        s.client_key,
        s.content_hash
    )
    .map_err(sql_error)?;
    id.ok_or_else(|| err!("work.sweep_done", week = s.week))
}
