//! Open311 GeoReport v2: the API keys of client applications, and the public view of events
//! that `GET requests` answers with. Keys are stored only as SHA-256 hashes; the secret is shown
//! once, when created. The public view carries no reporter data and no internal notes.

use serde::Serialize;
use wangge_domain::Error;
use wangge_domain::err;
use wangge_domain::event::Status;

use crate::auth::{random_secret, sha256_hex};
use crate::db::{Handle, sql_error};
use crate::events::seek::Sql;

/// A client application allowed to post requests.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Creates a key for a named client; returns the key and its secret, which is not stored.
pub async fn create_key(
    h: &mut Handle<'_>,
    name: &str,
    now: i64,
) -> Result<(ApiKey, String), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(err!("open311.key_name_invalid"));
    }
    let secret = random_secret()?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO open311_keys (key_hash, name, created_at, revoked_at) VALUES ($1, $2, $3, NULL) RETURNING id",
        sha256_hex(&secret), name, now)
    .map_err(sql_error)?;
    Ok((
        ApiKey {
            id,
            name: name.to_string(),
            created_at: now,
            revoked_at: None,
        },
        secret,
    ))
}

/// The live key with this secret, if any.
pub async fn key_by_secret(h: &mut Handle<'_>, secret: &str) -> Result<Option<ApiKey>, Error> {
    let secret = secret.trim();
    if secret.is_empty() || secret.len() > 200 {
        return Ok(None);
    }
    q!(h, fetch_optional, ApiKey,
        "SELECT id, name, created_at, revoked_at FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        sha256_hex(secret))
    .map_err(sql_error)
}

pub async fn list_keys(h: &mut Handle<'_>) -> Result<Vec<ApiKey>, Error> {
    q!(
        h,
        fetch_all,
        ApiKey,
        "SELECT id, name, created_at, revoked_at FROM open311_keys ORDER BY id"
    )
    .map_err(sql_error)
}

/// Revokes a key; true when a live key was revoked.
pub async fn revoke_key(h: &mut Handle<'_>, id: i64, now: i64) -> Result<bool, Error> {
    let n = q!(
        h,
        execute,
        "UPDATE open311_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        now,
        id
    )
    .map_err(sql_error)?;
    Ok(n == 1)
}

/// An event as Open311 shows it to anyone: public facts only.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublicRequest {
    pub id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub category_code: String,
    pub category_name: String,
    pub description: String,
    /// The node (or department) that holds the event; a person holder shows as their node.
    pub agency: String,
    /// The address given, else the grid's name.
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub due_at: Option<i64>,
    pub final_due_at: Option<i64>,
    pub calendar_missing: bool,
    pub reported_at: i64,
    pub updated_at: i64,
    /// For a finished event: the result (feedback, handled on the spot) or the reason it was
    /// rejected, cancelled or merged, from the public history.
    pub status_note: Option<String>,
}

impl PublicRequest {
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }
}

macro_rules! request_sql {
    ($rest:literal) => {
        concat!(
            "SELECT e.id, e.number, e.status, e.category_code, c.name AS category_name, e.description, ",
            "COALESCE((SELECT n.name FROM nodes n WHERE n.path = e.holder_path), e.holder_label) AS agency, ",
            "COALESCE(e.address, g.name) AS address, e.lat, e.lon, e.due_at, e.final_due_at, e.calendar_missing, ",
            "e.reported_at, e.updated_at, ",
            "CASE WHEN e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') THEN NULL ELSE ",
            "(SELECT x.note FROM event_history x WHERE x.event_id = e.id AND x.public ",
            "AND x.action IN ('feedback', 'handle_on_spot', 'reject', 'cancel', 'merge') ORDER BY x.seq DESC LIMIT 1) END AS status_note ",
            "FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id ",
            $rest
        )
    };
}

/// One event by its number.
pub async fn request(h: &mut Handle<'_>, number: &str) -> Result<Option<PublicRequest>, Error> {
    q!(
        h,
        fetch_optional,
        PublicRequest,
        request_sql!("WHERE e.number = $1"),
        number.trim()
    )
    .map_err(sql_error)
}

/// What `GET requests` asks for (besides explicit ids, which [`request`] answers one by one).
#[derive(Debug, Clone)]
pub struct RequestFilter {
    /// Category codes; empty means all.
    pub service_codes: Vec<String>,
    pub want_open: bool,
    pub want_closed: bool,
    /// Reported at or after (ms).
    pub from: i64,
    /// Reported before (ms).
    pub to: i64,
    pub limit: i64,
    /// Rows skipped (a page number's), at most [`crate::events::MAX_OFFSET`].
    pub offset: i64,
}

/// At most this many service codes in one query: each is a seek of its own.
pub const MAX_SERVICE_CODES: usize = 20;
const REQUEST_SELECT: &str = request_sql!(" ");

/// The statements of [`requests`]: one a service code (or one for all), each a walk of
/// `events_category_reported` (or `events_reported`) from the window's end that reads at most
/// offset + limit rows. None when the filter asks for neither open nor closed.
fn request_statements(filter: &RequestFilter) -> Vec<Sql> {
    let mut codes: Vec<Option<&str>> = Vec::new();
    for c in filter
        .service_codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        if !codes.contains(&Some(c)) {
            codes.push(Some(c));
        }
    }
    codes.truncate(MAX_SERVICE_CODES);
    if codes.is_empty() {
        codes.push(None);
    }
    let status = match (filter.want_open, filter.want_closed) {
        (true, true) => "",
        // `|| ''` (see seek::STATUS): tested row by row on the time walk.
        (true, false) => {
            " AND (e.status || '') IN ('reported', 'accepted', 'assigned', 'feedback_given')"
        }
        (false, true) => {
            " AND (e.status || '') NOT IN ('reported', 'accepted', 'assigned', 'feedback_given')"
        }
        (false, false) => return Vec::new(),
    };
    let want = filter.limit.clamp(1, 1000) + filter.offset.clamp(0, crate::events::MAX_OFFSET);
    codes
        .into_iter()
        .map(|code| {
            let index = if code.is_some() {
                "events_category_reported"
            } else {
                "events_reported"
            };
            let head = REQUEST_SELECT.replacen(
                "FROM events e ",
                &format!("FROM events e{}", crate::events::seek::sqlite_index(index)),
                1,
            );
            let mut sql = Sql::new(&head);
            let (from, to) = (sql.arg(filter.from), sql.arg(filter.to));
            sql.push(&format!(
                "WHERE e.reported_at >= {from} AND e.reported_at < {to}"
            ));
            if let Some(code) = code {
                let c = sql.arg(code);
                sql.push(&format!(" AND e.category_code = {c}"));
            }
            sql.push(status);
            sql.newest_first(want);
            sql
        })
        .collect()
}

/// Events reported in the window, newest first, the walks of [`request_statements`] merged.
pub async fn requests(
    h: &mut Handle<'_>,
    filter: &RequestFilter,
) -> Result<Vec<PublicRequest>, Error> {
    let mut rows: Vec<PublicRequest> = Vec::new();
    for sql in request_statements(filter) {
        rows.extend(sql.fetch_all::<PublicRequest>(h).await?);
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.reported_at, r.id)));
    let offset = filter.offset.clamp(0, crate::events::MAX_OFFSET) as usize;
    Ok(rows
        .into_iter()
        .skip(offset)
        .take(filter.limit.clamp(1, 1000) as usize)
        .collect())
}

/// The plans of [`requests`]' statements, for the plan tests.
pub async fn explain_requests(
    h: &mut Handle<'_>,
    filter: &RequestFilter,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for sql in request_statements(filter) {
        out.push(sql.explain(h).await?);
    }
    Ok(out)
}

/// One step of the public timeline: what happened and when, with the public note.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublicStep {
    pub label: String,
    pub at: i64,
    pub note: String,
}

/// The public steps of an event (no reminders, supervision, transfers or returns; no actors).
pub async fn timeline(h: &mut Handle<'_>, event_id: i64) -> Result<Vec<PublicStep>, Error> {
    q!(
        h,
        fetch_all,
        PublicStep,
        "SELECT label, at, note FROM event_history WHERE event_id = $1 AND public ORDER BY seq",
        event_id
    )
    .map_err(sql_error)
}

/// A yardstick of `wangge bench intake`: one plain INSERT into the same database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bare {
    /// An event row as a bare system would store it: the same table, indexes and triggers as a
    /// real report, with no routing, validation, sealing, numbering, party or history.
    EventRow,
    /// The cheapest row the schema has (a rate-limit hit).
    TinyRow,
}

pub async fn bare_insert(h: &mut Handle<'_>, bare: Bare, seq: i64, at: i64) -> Result<(), Error> {
    match bare {
        Bare::EventRow => q!(h, execute,
            "INSERT INTO events (number, source, category_code, complexity, description, lat, lon, address, grid_id, path, route_note, level, urgency, status, \
             holder_path, holder_label, state, level_started_at, due_at, final_due_at, calendar_missing, reporter_name, reporter_phone, reporter_phone_index, \
             reporter_user_id, tracking_hash, submission_key, rework_count, reminder_count, reminded_light, supervision, rating, rating_comment, reported_at, month, closed_at, updated_at) \
             SELECT 'BARE' || $1, 'api', c.code, 'ordinary', 'bare', 26.08, 119.3, NULL, g.id, g.path, NULL, 1, 'normal', 'reported', \
             g.path, g.name, '{}', $2, $2, $2, FALSE, NULL, NULL, NULL, NULL, 'bare' || $1, NULL, 0, 0, '', NULL, NULL, NULL, $2, 202611, NULL, $2 \
             FROM (SELECT id, path, name FROM nodes WHERE kind = 'grid' ORDER BY id LIMIT 1) g, \
             (SELECT code FROM categories WHERE parent_code IS NOT NULL ORDER BY sort LIMIT 1) c",
            seq.to_string(), at),
        Bare::TinyRow => q!(h, execute,
            "INSERT INTO rate_hits (bucket, at) VALUES ($1, $2)", "bench", at),
    }
    .map_err(sql_error)?;
    Ok(())
}

/// A yardstick of `wangge bench lists`: one indexed SELECT of a list's page straight from the
/// events table, with no joins, no scope rules and no history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BareList {
    /// The Open311 default: reported in [from, to), newest first.
    Window { from: i64, to: i64 },
    /// Events whose grid lies under `path`, newest first.
    Scope { path: String },
}

/// An event row as a bare list shows it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct BareRow {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub category_code: String,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub reported_at: i64,
    pub updated_at: i64,
}

pub async fn bare_list(
    h: &mut Handle<'_>,
    bare: &BareList,
    limit: i64,
) -> Result<Vec<BareRow>, Error> {
    let mut sql = Sql::new(
        "SELECT e.id, e.number, e.status, e.category_code, e.description, e.address, e.lat, e.lon, e.reported_at, e.updated_at FROM events e",
    );
    match bare {
        BareList::Window { from, to } => {
            sql.push(&crate::events::seek::sqlite_index("events_reported"));
            sql.push(" WHERE ");
            let (a, b) = (sql.arg(*from), sql.arg(*to));
            sql.push(&format!("e.reported_at >= {a} AND e.reported_at < {b}"));
        }
        BareList::Scope { path } => {
            sql.push(" WHERE ");
            let c = crate::events::seek::path_in_scope(&mut sql, path);
            sql.push(&c);
        }
    }
    sql.newest_first(limit.clamp(1, 1000));
    sql.fetch_all(h).await
}
