//! Events: report and route, every workflow step through the domain's state machine, the
//! append-only hash-chained history, photos, lists, tracking and public results.
//!
//! Visibility: an event is in a caller's scope when its grid lies under the caller's node, or
//! when anyone under the caller's node has held it (a department keeps seeing what it handled).

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::{self, Complexity};
use wangge_domain::event::{
    self, Action, ActionKind, Actor, EventState, Holder, NewEvent, Rules, Status, Step, Urgency,
};
use wangge_domain::photo::PhotoKind;
use wangge_domain::{Error, NodeKind, Role, Scope};

use crate::auth::{random_secret, sha256_hex};
use crate::db::{Handle, sql_error};
use crate::nodes;
use crate::seal::{Aad, KeyRing};
use crate::territory::GridRef;

/// Who acts: the workflow actor, the name the history shows, and what they can see.
pub struct Caller {
    pub actor: Actor,
    pub name: String,
    pub scope: Scope,
}

/// What every event operation needs besides the database.
pub struct EventCtx<'a> {
    pub keys: &'a KeyRing,
    pub calendar: &'a Calendar,
    pub rules: &'a Rules,
    /// The category tree as last loaded; empty means "ask the database".
    pub categories: Arc<Vec<Category>>,
}

impl EventCtx<'_> {
    /// A category by code, from the loaded tree when there is one (servers read the tree again
    /// within seconds of an administrator's change).
    pub async fn category(&self, h: &mut Handle<'_>, code: &str) -> Result<Category, Error> {
        if self.categories.is_empty() {
            return category(h, code).await;
        }
        self.categories
            .iter()
            .find(|c| c.code == code)
            .cloned()
            .ok_or_else(|| unknown_category(code))
    }
}

fn unknown_category(code: &str) -> Error {
    Error::invalid("event.category_unknown", format!("no category {code:?}"))
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    ResidentQr,
    Worker,
    OperatorPhone,
    OperatorVisit,
    Assignment,
    Api,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::ResidentQr,
        Source::Worker,
        Source::OperatorPhone,
        Source::OperatorVisit,
        Source::Assignment,
        Source::Api,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::ResidentQr => "resident_qr",
            Source::Worker => "worker",
            Source::OperatorPhone => "operator_phone",
            Source::OperatorVisit => "operator_visit",
            Source::Assignment => "assignment",
            Source::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The sources staff enter by hand: desks take calls and visits, workers report from the
    /// field, and the desk of a township or higher also hands work down to a grid (上级交办).
    pub fn staff_may_use(self, actor: &Actor) -> bool {
        let Actor::Staff(s) = actor else {
            return false;
        };
        match self {
            Source::Worker => true,
            Source::OperatorPhone | Source::OperatorVisit => s.role != Role::Worker,
            Source::Assignment => {
                matches!(
                    s.role,
                    Role::Operator | Role::Commander | Role::Leader | Role::Admin
                ) && event::level_of_kind(s.node_kind).is_some_and(|l| l >= 3)
            }
            Source::ResidentQr | Source::Api => false,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Category {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub name_en: String,
    pub complexity: String,
    pub handling_level: i64,
    pub auto_escalate: bool,
    pub sort: i64,
    /// A retired category stays for the events that used it but takes no new reports.
    pub active: bool,
}

pub async fn categories(h: &mut Handle<'_>) -> Result<Vec<Category>, Error> {
    q!(h, fetch_all, Category,
        "SELECT code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort, active FROM categories ORDER BY sort")
    .map_err(sql_error)
}

/// The categories that take new reports: classes in use and their kinds in use, in order.
pub async fn open_categories(h: &mut Handle<'_>) -> Result<Vec<Category>, Error> {
    let all = categories(h).await?;
    let open_class = |code: &str| all.iter().any(|c| c.code == code && c.active);
    Ok(all
        .iter()
        .filter(|c| c.active && c.parent_code.as_deref().is_none_or(open_class))
        .cloned()
        .collect())
}

pub async fn category(h: &mut Handle<'_>, code: &str) -> Result<Category, Error> {
    let c: Option<Category> = q!(h, fetch_optional, Category,
        "SELECT code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort, active FROM categories WHERE code = $1",
        code)
    .map_err(sql_error)?;
    c.ok_or_else(|| unknown_category(code))
}

/// The official calendar plus the years administrators entered.
pub async fn load_calendar(h: &mut Handle<'_>) -> Result<Calendar, Error> {
    let mut cal = Calendar::official();
    let rows: Vec<(i64, String)> = q!(
        h,
        fetch_all,
        (i64, String),
        "SELECT year, body FROM calendar_years ORDER BY year"
    )
    .map_err(sql_error)?;
    for (year, body) in rows {
        let y = i32::try_from(year).map_err(|_| Error::internal("calendar year out of range"))?;
        let parsed = Calendar::from_text(&body)?;
        let holidays = parsed.holidays(y).unwrap_or_default();
        let workdays = parsed.workdays(y).unwrap_or_default();
        cal.add_year(y, holidays, workdays)?;
    }
    Ok(cal)
}

/// Stores an administrator's year (the calendar text format for that one year).
pub async fn save_calendar_year(
    h: &mut Handle<'_>,
    year: i32,
    body: &str,
    actor: &str,
    now: i64,
) -> Result<(), Error> {
    let parsed = Calendar::from_text(body)?;
    if parsed.loaded_years() != vec![year] {
        return Err(Error::invalid(
            "calendar.bad_year",
            format!("the text must hold exactly the year {year}"),
        ));
    }
    q!(h, execute,
        "INSERT INTO calendar_years (year, body, entered_by, entered_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (year) DO UPDATE SET body = excluded.body, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
        i64::from(year), body, actor, now)
    .map_err(sql_error)?;
    Ok(())
}

/// One event as lists and pages show it. Personal data of the reporter is not here.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub number: String,
    pub source: String,
    pub category_code: String,
    pub category_name: String,
    pub complexity: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub route_note: Option<String>,
    pub level: i64,
    pub urgency: String,
    pub status: String,
    pub holder_path: String,
    pub holder_label: String,
    #[serde(skip)]
    pub state: String,
    pub level_started_at: i64,
    pub due_at: Option<i64>,
    pub final_due_at: Option<i64>,
    pub calendar_missing: bool,
    pub rework_count: i64,
    pub reminder_count: i64,
    pub reminded_light: String,
    pub supervision: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub reported_at: i64,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

impl EventRow {
    pub fn state(&self) -> Result<EventState, Error> {
        serde_json::from_str(&self.state).map_err(|e| Error::internal(format!("event state: {e}")))
    }

    pub fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }

    /// The time-limit light now: green, yellow from 80 % of the allowed time, red when overdue.
    pub fn light(&self, now: i64) -> Option<deadline::Light> {
        let open = self.status().is_some_and(Status::is_open);
        match (open, self.due_at) {
            (true, Some(due)) => Some(deadline::light(self.level_started_at, due, now)),
            _ => None,
        }
    }
}

macro_rules! event_sql {
    ($rest:literal) => {
        concat!(
            "SELECT e.id, e.number, e.source, e.category_code, c.name AS category_name, e.complexity, e.description, ",
            "e.lat, e.lon, e.address, g.code AS grid_code, g.name AS grid_name, e.path, e.route_note, e.level, e.urgency, ",
            "e.status, e.holder_path, e.holder_label, e.state, e.level_started_at, e.due_at, e.final_due_at, e.calendar_missing, ",
            "e.rework_count, e.reminder_count, e.reminded_light, e.supervision, e.rating, e.rating_comment, e.reported_at, ",
            "e.closed_at, e.updated_at FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id ",
            $rest
        )
    };
}

fn not_found(number: &str) -> Error {
    Error::not_found("event.not_found", format!("no event {number}"))
}

/// An event in the caller's scope.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, number: &str) -> Result<EventRow, Error> {
    let e: Option<EventRow> = q!(h, fetch_optional, EventRow,
        event_sql!("WHERE e.number = $1 AND (e.path LIKE $2 OR EXISTS (SELECT 1 FROM event_parties p WHERE p.event_id = e.id AND p.path LIKE $2))"),
        number.trim(), scope.like_pattern())
    .map_err(sql_error)?;
    e.ok_or_else(|| not_found(number))
}

/// An event reached through the reporter's private tracking link.
pub async fn by_tracking(h: &mut Handle<'_>, token: &str) -> Result<EventRow, Error> {
    let e: Option<EventRow> = q!(
        h,
        fetch_optional,
        EventRow,
        event_sql!("WHERE e.tracking_hash = $1"),
        sha256_hex(token.trim())
    )
    .map_err(sql_error)?;
    e.ok_or_else(|| Error::not_found("event.not_found", "no event for this tracking link"))
}

/// Everything about the reporter, masked unless `reveal`.
#[derive(Debug, Clone, Serialize)]
pub struct Reporter {
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
}

pub async fn reporter(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    event: &EventRow,
    reveal: bool,
) -> Result<Reporter, Error> {
    let (name, phone): (Option<String>, Option<String>) = q!(
        h,
        fetch_one,
        (Option<String>, Option<String>),
        "SELECT reporter_name, reporter_phone FROM events WHERE id = $1",
        event.id
    )
    .map_err(sql_error)?;
    let open = |sealed: Option<String>, column: &str| -> Result<Option<String>, Error> {
        sealed
            .map(|s| {
                ctx.keys.open(
                    &s,
                    &Aad {
                        table: "events",
                        column,
                        row: &event.number,
                    },
                )
            })
            .transpose()
    };
    let name = open(name, "reporter_name")?;
    let phone = open(phone, "reporter_phone")?;
    let anonymous = name.is_none() && phone.is_none();
    if reveal {
        return Ok(Reporter {
            anonymous,
            name,
            phone,
        });
    }
    Ok(Reporter {
        anonymous,
        name: name.map(|n| crate::seal::mask_name(&n)),
        phone: phone.map(|p| crate::seal::mask_phone(&p)),
    })
}

/// A cleaned photo ready to store.
pub struct NewPhoto {
    pub kind: PhotoKind,
    pub bytes: Vec<u8>,
}

async fn add_photos(
    h: &mut Handle<'_>,
    event_id: i64,
    photos: &[NewPhoto],
    now: i64,
) -> Result<Vec<String>, Error> {
    let mut ids = Vec::with_capacity(photos.len());
    for p in photos {
        let digest = hex::encode(Sha256::digest(&p.bytes));
        let id: i64 = q!(h, scalar fetch_one, i64,
            "INSERT INTO photos (event_id, content_type, size, sha256, data, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            event_id, p.kind.content_type(), p.bytes.len() as i64, digest, &p.bytes, now)
        .map_err(sql_error)?;
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// A photo's bytes, when its event is in scope (or `None` scope for the public timeline, which
/// shows only photos of public steps).
pub async fn photo(
    h: &mut Handle<'_>,
    event: &EventRow,
    photo_id: i64,
) -> Result<(String, Vec<u8>), Error> {
    let p: Option<(String, Vec<u8>)> = q!(
        h,
        fetch_optional,
        (String, Vec<u8>),
        "SELECT content_type, data FROM photos WHERE id = $1 AND event_id = $2",
        photo_id,
        event.id
    )
    .map_err(sql_error)?;
    p.ok_or_else(|| Error::not_found("photo.not_found", "no such photo"))
}

/// What a report carries.
pub struct ReportInput {
    pub source: Source,
    pub category_code: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    /// The grid the point lies in, found by the caller's locate index.
    pub located_grid: Option<GridRef>,
    /// A grid chosen by hand (a staff member routing it, or the QR code's grid when the
    /// resident gives no location).
    pub chosen_grid: Option<String>,
    pub urgency: Urgency,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub photos: Vec<NewPhoto>,
    /// A client's key for the submission, so a double submission creates one event.
    pub submission_key: Option<String>,
    /// A grid worker's "handled on the spot" result.
    pub handled_on_spot: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reported {
    pub number: String,
    pub tracking_token: Option<String>,
    pub event: EventRow,
    /// True when this submission key was seen before: the first event is returned, nothing new written.
    pub duplicate_submission: bool,
}

fn clean_text(s: &str, max: usize, code: &'static str, what: &str) -> Result<String, Error> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(Error::invalid(
            code,
            format!("{what} has at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

fn validate_phone(p: &str) -> Result<String, Error> {
    let digits: String = p
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let ok = (7..=15).contains(&digits.len())
        && digits
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if ok {
        Ok(digits)
    } else {
        Err(Error::invalid(
            "event.phone_invalid",
            "a phone number has 7 to 15 digits",
        ))
    }
}

/// The code and path of the node at `level` on a grid's path (1 grid … 5 city).
fn ancestor_at_level(grid_path: &str, level: u8) -> Option<(String, String)> {
    let codes: Vec<&str> = grid_path.split('/').filter(|s| !s.is_empty()).collect();
    // A grid's path is city / county / township / village / grid.
    let keep = codes.len().checked_sub(usize::from(level))? + 1;
    let code = codes.get(keep - 1)?.to_string();
    Some((code, format!("/{}/", codes[..keep].join("/"))))
}

/// The kind of node that handles an event at `level`.
fn kind_at_level(level: u8) -> NodeKind {
    match level {
        1 => NodeKind::Grid,
        2 => NodeKind::Village,
        3 => NodeKind::Township,
        4 => NodeKind::County,
        _ => NodeKind::City,
    }
}

/// A grid chosen by hand: it must exist, be a grid and lie in the chooser's area.
async fn chosen_grid(h: &mut Handle<'_>, caller: &Caller, code: &str) -> Result<GridRef, Error> {
    let n = nodes::by_code(h, &caller.scope, code).await?;
    if n.kind != NodeKind::Grid.as_str() {
        return Err(Error::invalid(
            "event.not_a_grid",
            format!("{code} is not a grid"),
        ));
    }
    Ok(GridRef {
        id: n.id,
        code: n.code,
        name: n.name,
        path: n.path,
    })
}

/// The event's number and id, taken in the report's transaction, and its owner's current name.
struct Slot {
    number: String,
    id: i64,
    owner_name: String,
}

/// What the allocation found: a fresh slot, or the number of the event an earlier copy of this
/// submission made.
enum Allocated {
    Slot(Slot),
    Seen(String),
}

/// SQLite's allocation script. A submission key already stored takes no number: the counter is
/// bumped only when no event has the key, and the key's event is read in the same trip.
macro_rules! allocate_sqlite {
    () => {
        "INSERT INTO event_counters (day, last) SELECT $1, 1 WHERE NOT EXISTS (SELECT 1 FROM events WHERE submission_key = $4) \
         ON CONFLICT (day) DO UPDATE SET last = event_counters.last + 1; \
         SELECT (SELECT last FROM event_counters WHERE day = $1), (SELECT COALESCE(MAX(id), 0) + 1 FROM events), \
         (SELECT id FROM nodes WHERE id = $2 AND retired_at IS NULL), \
         (SELECT name FROM nodes WHERE path = $3 AND retired_at IS NULL), \
         (SELECT number FROM events WHERE submission_key = $4)"
    };
}

/// One round trip: the day's next number, the next event id (on SQLite the write lock is held
/// since `BEGIN IMMEDIATE`, so `MAX + 1` is safe), and a check that grid and owner are still live
/// (the locate index may be a moment old). On SQLite the submission key is checked again under
/// the write lock, so two copies sent at once make one event; with `begin` the script itself
/// opens the hand-run transaction (see `submit`), saving the trip a separate BEGIN costs.
async fn allocate(
    h: &mut Handle<'_>,
    now: i64,
    grid_id: i64,
    owner_path: &str,
    key: Option<&str>,
    begin: bool,
) -> Result<Allocated, Error> {
    let d = deadline::local_date(now)?;
    let day = i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day());
    type Got = (
        Option<i64>,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Got> = match h {
        Handle::Sqlite(c) => {
            let sql = if begin {
                concat!("BEGIN IMMEDIATE; ", allocate_sqlite!())
            } else {
                allocate_sqlite!()
            };
            sqlx::query_as::<_, Got>(sql)
                .bind(day)
                .bind(grid_id)
                .bind(owner_path)
                .bind(key)
                .fetch_all(&mut **c)
                .await
        }
        // PostgreSQL reports run in a sqlx transaction after `report`'s own key check.
        Handle::Postgres(_) if begin => {
            return Err(Error::internal(
                "a hand-run transaction is for SQLite only",
            ));
        }
        Handle::Postgres(c) => sqlx::query_as::<_, Got>(
            "WITH c AS (INSERT INTO event_counters (day, last) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET last = event_counters.last + 1 RETURNING last) \
             SELECT c.last, nextval(pg_get_serial_sequence('events', 'id')), \
             (SELECT id FROM nodes WHERE id = $2 AND retired_at IS NULL), \
             (SELECT name FROM nodes WHERE path = $3 AND retired_at IS NULL), CAST(NULL AS TEXT) FROM c")
            .bind(day).bind(grid_id).bind(owner_path)
            .fetch_all(&mut **c).await,
    }
    .map_err(sql_error)?;
    let Some((seq, id, grid, owner_name, seen)) = rows.into_iter().next() else {
        return Err(Error::internal("the event counter returned nothing"));
    };
    if let Some(number) = seen {
        return Ok(Allocated::Seen(number));
    }
    let Some(seq) = seq else {
        return Err(Error::internal("the event counter returned nothing"));
    };
    let (Some(_), Some(owner_name)) = (grid, owner_name) else {
        return Err(Error::conflict(
            "event.grid_changed",
            "the grid changed a moment ago; send the report again",
        ));
    };
    let day = u32::try_from(day).map_err(|_| Error::internal("day out of range"))?;
    let seq = u32::try_from(seq).map_err(|_| Error::internal("sequence out of range"))?;
    Ok(Allocated::Slot(Slot {
        number: event::event_number(day, seq),
        id,
        owner_name,
    }))
}

/// The columns of a new event row.
struct NewRow<'a> {
    id: i64,
    number: &'a str,
    source: &'a str,
    category_code: &'a str,
    complexity: &'a str,
    description: &'a str,
    lat: Option<f64>,
    lon: Option<f64>,
    address: &'a Option<String>,
    grid_id: i64,
    path: &'a str,
    route_note: &'a Option<String>,
    level: i64,
    urgency: &'a str,
    status: &'a str,
    holder_path: &'a str,
    holder_label: &'a str,
    state: &'a str,
    due_at: Option<i64>,
    final_due_at: Option<i64>,
    calendar_missing: bool,
    reporter_name: &'a Option<String>,
    reporter_phone: &'a Option<String>,
    reporter_phone_index: &'a Option<String>,
    reporter_user_id: Option<i64>,
    tracking_hash: String,
    submission_key: &'a Option<String>,
    month: i64,
    now: i64,
}

macro_rules! insert_event {
    () => {
        "INSERT INTO events (id, number, source, category_code, complexity, description, lat, lon, address, grid_id, path, route_note, level, urgency, status, \
     holder_path, holder_label, state, level_started_at, due_at, final_due_at, calendar_missing, reporter_name, reporter_phone, reporter_phone_index, \
     reporter_user_id, tracking_hash, submission_key, rework_count, reminder_count, reminded_light, supervision, rating, rating_comment, reported_at, month, closed_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $28, $19, $20, $21, $22, $23, $24, $25, $26, $27, 0, 0, '', NULL, NULL, NULL, $28, $29, NULL, $28)"
    };
}
macro_rules! insert_party {
    () => {
        "INSERT INTO event_parties (event_id, path) VALUES ($1, $16)"
    };
}
macro_rules! insert_first_step {
    () => {
        "INSERT INTO event_history (event_id, seq, action, label, actor_type, actor_user_id, actor_name, at, note, attachments, from_status, to_status, \
     from_level, to_level, holder, due_at, public, prev_hash, hash) VALUES ($1, 1, $30, $31, $32, $33, $34, $28, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45)"
    };
}

/// Writes the event, its first party and, when given, its first history step in one round trip:
/// one script on SQLite, one statement with data-modifying CTEs on PostgreSQL. With `commit`
/// (SQLite, first step given) the script ends the hand-run transaction too.
async fn write_event(
    h: &mut Handle<'_>,
    r: &NewRow<'_>,
    first: Option<&HistoryRow>,
    commit: bool,
) -> Result<(), Error> {
    if commit && (first.is_none() || matches!(h, Handle::Postgres(_))) {
        return Err(Error::internal(
            "only SQLite's whole first write ends a hand-run transaction",
        ));
    }
    macro_rules! bind_all {
        ($query:expr) => {{
            let q = $query
                .bind(r.id)
                .bind(r.number)
                .bind(r.source)
                .bind(r.category_code)
                .bind(r.complexity)
                .bind(r.description)
                .bind(r.lat)
                .bind(r.lon)
                .bind(r.address)
                .bind(r.grid_id)
                .bind(r.path)
                .bind(r.route_note)
                .bind(r.level)
                .bind(r.urgency)
                .bind(r.status)
                .bind(r.holder_path)
                .bind(r.holder_label)
                .bind(r.state)
                .bind(r.due_at)
                .bind(r.final_due_at)
                .bind(r.calendar_missing)
                .bind(r.reporter_name)
                .bind(r.reporter_phone)
                .bind(r.reporter_phone_index)
                .bind(r.reporter_user_id)
                .bind(&r.tracking_hash)
                .bind(r.submission_key)
                .bind(r.now)
                .bind(r.month);
            match first {
                Some(f) => q
                    .bind(&f.action)
                    .bind(&f.label)
                    .bind(&f.actor_type)
                    .bind(f.actor_user_id)
                    .bind(&f.actor_name)
                    .bind(&f.note)
                    .bind(&f.attachments)
                    .bind(&f.from_status)
                    .bind(&f.to_status)
                    .bind(f.from_level)
                    .bind(f.to_level)
                    .bind(&f.holder)
                    .bind(f.due_at)
                    .bind(f.public)
                    .bind(&f.prev_hash)
                    .bind(&f.hash),
                None => q,
            }
        }};
    }
    let done = match (h, first.is_some()) {
        (Handle::Sqlite(c), true) if commit => bind_all!(sqlx::query(concat!(
            insert_event!(),
            "; ",
            insert_party!(),
            "; ",
            insert_first_step!(),
            "; COMMIT"
        )))
        .execute(&mut **c)
        .await
        .map(|_| ()),
        (Handle::Sqlite(c), true) => bind_all!(sqlx::query(concat!(
            insert_event!(),
            "; ",
            insert_party!(),
            "; ",
            insert_first_step!()
        )))
        .execute(&mut **c)
        .await
        .map(|_| ()),
        (Handle::Sqlite(c), false) => {
            bind_all!(sqlx::query(concat!(insert_event!(), "; ", insert_party!())))
                .execute(&mut **c)
                .await
                .map(|_| ())
        }
        (Handle::Postgres(c), true) => bind_all!(sqlx::query(concat!(
            "WITH e AS (",
            insert_event!(),
            " RETURNING id), p AS (",
            insert_party!(),
            ") ",
            insert_first_step!()
        )))
        .execute(&mut **c)
        .await
        .map(|_| ()),
        (Handle::Postgres(c), false) => bind_all!(sqlx::query(concat!(
            "WITH e AS (",
            insert_event!(),
            " RETURNING id) ",
            insert_party!()
        )))
        .execute(&mut **c)
        .await
        .map(|_| ()),
    };
    done.map_err(sql_error)
}

fn local_month(ms: i64) -> Result<i64, Error> {
    let d = deadline::local_date(ms)?;
    Ok(i64::from(d.year()) * 100 + i64::from(d.month()))
}

/// Due times for the event's current level; a period past the loaded calendar is flagged.
fn dues(
    ctx: &EventCtx<'_>,
    reported: i64,
    level_start: i64,
    complexity: Complexity,
    level: u8,
) -> (Option<i64>, Option<i64>, bool) {
    match deadline::event_due(reported, level_start, complexity, level, ctx.calendar) {
        Ok(d) => (Some(d.level_due), Some(d.final_due), false),
        Err(_) => (None, None, true),
    }
}

/// A report that passed every check, routed and ready to be numbered and written.
struct Checked {
    source: Source,
    category: Category,
    complexity: Complexity,
    description: String,
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<String>,
    grid: GridRef,
    route_note: Option<String>,
    level: u8,
    owner_path: String,
    urgency: Urgency,
    state: EventState,
    step: Step,
    phone: Option<String>,
    name: Option<String>,
    photos: Vec<NewPhoto>,
    submission_key: Option<String>,
    handled_on_spot: Option<String>,
}

/// The event an earlier copy of this submission made, when there is one.
async fn seen_submission(h: &mut Handle<'_>, key: &str) -> Result<Option<Reported>, Error> {
    let seen: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT number FROM events WHERE submission_key = $1", key)
    .map_err(sql_error)?;
    match seen {
        Some(number) => duplicate(h, number).await.map(Some),
        None => Ok(None),
    }
}

async fn duplicate(h: &mut Handle<'_>, number: String) -> Result<Reported, Error> {
    let event = get(h, &Scope::everything(), &number).await?;
    Ok(Reported {
        number,
        tracking_token: None,
        event,
        duplicate_submission: true,
    })
}

/// Reports an event: validates, routes it to a grid, seals the reporter's data, writes the event
/// and its first history step. Nothing is written when anything is wrong. Runs in the caller's
/// transaction; `submit` runs one of its own.
pub async fn report(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Reported, Error> {
    if let Some(key) = &input.submission_key
        && let Some(first) = seen_submission(h, key).await?
    {
        return Ok(first);
    }
    let c = check(h, ctx, caller, input, now).await?;
    match allocate(h, now, c.grid.id, &c.owner_path, None, false).await? {
        Allocated::Seen(number) => duplicate(h, number).await,
        Allocated::Slot(slot) => write_report(h, ctx, caller, c, slot, now, false).await,
    }
}

/// A pooled SQLite connection inside a transaction begun and ended by the report's own scripts,
/// which sqlx does not know of: its pool would take the connection back with the write lock
/// still held. Until the transaction is known to be over, dropping this (a cancelled request, a
/// panic, an error whose ROLLBACK failed) closes the connection instead, and SQLite rolls back
/// what a closed connection left open.
struct HandTx {
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    open: bool,
}

impl HandTx {
    fn handle(&mut self) -> Handle<'_> {
        Handle::Sqlite(&mut self.conn)
    }

    /// Ends the transaction; when that fails the connection stays marked and is closed on drop
    /// (also when no transaction had begun, as after a BEGIN that timed out: rare and harmless).
    async fn rollback(&mut self) {
        match sqlx::raw_sql("ROLLBACK").execute(&mut *self.conn).await {
            Ok(_) => self.open = false,
            Err(e) => {
                tracing::warn!(error = %e, "rollback of a report failed; closing its connection")
            }
        }
    }
}

impl Drop for HandTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

/// Reports an event in a transaction of its own. On SQLite that takes two round trips to the
/// connection's thread, where a sqlx transaction takes four: `BEGIN IMMEDIATE` heads the
/// allocation script and `COMMIT` ends the write script (the checks before run outside the
/// transaction: they only read, and the allocation re-checks grid, owner and submission key
/// under the write lock). Photos and on-the-spot handling take more trips in the same transaction.
pub async fn submit(
    db: &crate::Db,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Reported, Error> {
    let pool = match db {
        crate::Db::Sqlite(p) => p,
        crate::Db::Postgres(_) => {
            let key = input.submission_key.clone();
            let mut tx = db.begin().await?;
            return match report(&mut tx.handle(), ctx, caller, input, now).await {
                Ok(r) => tx.commit().await.map(|()| r),
                // A copy sent at the same time got in first: its key's unique index refused this
                // one's row. Answered, like any copy, with the first event once it is committed.
                Err(e) if e.code == "db.duplicate" && key.is_some() => {
                    drop(tx);
                    let mut c = db.conn().await?;
                    match seen_submission(&mut c.handle(), key.as_deref().unwrap_or("")).await? {
                        Some(first) => Ok(first),
                        None => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
        }
    };
    let mut tx = HandTx {
        conn: pool.acquire().await.map_err(sql_error)?,
        open: false,
    };
    let key = input.submission_key.clone();
    let c = match check(&mut tx.handle(), ctx, caller, input, now).await {
        Ok(c) => c,
        Err(e) => {
            // A copy of a submission already stored is answered with its event, as `report`
            // does, even when this copy would be refused.
            if let Some(key) = &key
                && let Some(first) = seen_submission(&mut tx.handle(), key).await?
            {
                return Ok(first);
            }
            return Err(e);
        }
    };
    // Marked before the trip: dropped half-way, it cannot tell whether BEGIN ran.
    tx.open = true;
    let written = async {
        let h = &mut tx.handle();
        match allocate(h, now, c.grid.id, &c.owner_path, key.as_deref(), true).await? {
            Allocated::Seen(number) => Ok(Err(number)),
            Allocated::Slot(slot) => write_report(h, ctx, caller, c, slot, now, true)
                .await
                .map(Ok),
        }
    }
    .await;
    match written {
        Ok(Ok(reported)) => {
            tx.open = false;
            Ok(reported)
        }
        Ok(Err(number)) => {
            tx.rollback().await;
            duplicate(&mut tx.handle(), number).await
        }
        Err(e) => {
            tx.rollback().await;
            Err(e)
        }
    }
}

/// Everything a report is checked against before anything is numbered or written: the category,
/// the texts, the location and routing, the reporter's data and the workflow's own rules.
async fn check(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Checked, Error> {
    let actor = &caller.actor;
    if input.source == Source::Assignment && !Source::Assignment.staff_may_use(actor) {
        return Err(Error::forbidden(
            "only the desk of a township or higher hands work down",
        ));
    }
    let category = ctx.category(h, input.category_code.trim()).await?;
    if !category.active {
        return Err(Error::invalid(
            "event.category_retired",
            format!("{} is no longer used; choose another kind", category.name),
        ));
    }
    if category.parent_code.is_none() {
        return Err(Error::invalid(
            "event.category_not_leaf",
            format!("choose a kind inside {}", category.name),
        ));
    }
    let complexity = Complexity::parse(&category.complexity)
        .ok_or_else(|| Error::internal("category complexity unknown"))?;
    let description = clean_text(
        &input.description,
        event::MAX_TEXT_CHARS,
        "event.description_too_long",
        "the description",
    )?;
    if description.is_empty() {
        return Err(Error::invalid(
            "event.description_required",
            "describe what happened",
        ));
    }
    let address = input
        .address
        .as_deref()
        .map(|a| clean_text(a, 200, "event.address_too_long", "the address"))
        .transpose()?
        .filter(|a| !a.is_empty());
    match (input.lat, input.lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
        (None, None) => {}
        _ => {
            return Err(Error::invalid(
                "event.location_invalid",
                "give both lat and lon in WGS-84 degrees",
            ));
        }
    }
    if input.photos.len() > event::MAX_ATTACHMENTS {
        return Err(Error::invalid(
            "event.too_many_photos",
            format!("at most {} photos", event::MAX_ATTACHMENTS),
        ));
    }
    // Routing: a point decides, unless someone chose a grid by hand; the choice is recorded.
    let located = input.located_grid.as_ref();
    let (grid, route_note) = match (located, &input.chosen_grid, input.lat.is_some()) {
        (Some(l), Some(c), _) if &l.code != c => (
            chosen_grid(h, caller, c).await?,
            Some(format!(
                "routed by hand to {c}; the location lies in {}",
                l.code
            )),
        ),
        (Some(l), _, _) => (l.clone(), None),
        (None, Some(c), true) => (
            chosen_grid(h, caller, c).await?,
            Some(format!(
                "routed by hand to {c}; the location lies outside every grid"
            )),
        ),
        (None, Some(c), false) => (chosen_grid(h, caller, c).await?, None),
        (None, None, true) => {
            return Err(Error::invalid(
                "event.location_outside",
                "the location lies outside every grid",
            ));
        }
        (None, None, false) => {
            return Err(Error::invalid(
                "event.location_required",
                "give a location or choose a grid",
            ));
        }
    };
    let level = u8::try_from(category.handling_level.clamp(1, 5)).unwrap_or(1);
    let (owner_code, owner_path) = ancestor_at_level(&grid.path, level)
        .ok_or_else(|| Error::internal("grid path is shorter than its levels"))?;
    let owner_kind = kind_at_level(level);
    let new = NewEvent {
        at: Holder::Node {
            kind: owner_kind,
            code: owner_code,
        },
        urgency: input.urgency,
        description: description.clone(),
        photos: Vec::new(),
    };
    let (state, step) = event::report(actor, &new, now)?;
    let phone = input
        .reporter_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(validate_phone)
        .transpose()?;
    let name = input
        .reporter_name
        .as_deref()
        .map(|n| clean_text(n, 40, "event.name_too_long", "the name"))
        .transpose()?;
    if let Some(result) = &input.handled_on_spot {
        let on_spot = Action::HandleOnSpot {
            result: result.clone(),
            photos: Vec::new(),
        };
        event::allowed(&state, actor, &on_spot, now, ctx.rules)?;
    }
    Ok(Checked {
        source: input.source,
        category,
        complexity,
        description,
        lat: input.lat,
        lon: input.lon,
        address,
        grid,
        route_note,
        level,
        owner_path,
        urgency: input.urgency,
        state,
        step,
        phone,
        name,
        photos: input.photos,
        submission_key: input.submission_key,
        handled_on_spot: input.handled_on_spot,
    })
}

/// Seals the reporter's data and writes the numbered event, its party and first step (and the
/// photos and on-the-spot handling when given). With `commit` it ends `submit`'s hand-run
/// transaction: inside the write script when nothing else follows, else by a COMMIT of its own.
async fn write_report(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    c: Checked,
    slot: Slot,
    now: i64,
    commit: bool,
) -> Result<Reported, Error> {
    let (actor, actor_name) = (&caller.actor, caller.name.as_str());
    let Checked {
        category,
        complexity,
        description,
        address,
        grid,
        route_note,
        level,
        owner_path,
        mut state,
        mut step,
        ..
    } = c;
    let number = slot.number;
    let id = slot.id;
    let seal = |value: Option<&str>, column: &str| -> Result<Option<String>, Error> {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                ctx.keys.seal(
                    v,
                    &Aad {
                        table: "events",
                        column,
                        row: &number,
                    },
                )
            })
            .transpose()
    };
    let sealed_name = seal(c.name.as_deref(), "reporter_name")?;
    let sealed_phone = seal(c.phone.as_deref(), "reporter_phone")?;
    let phone_index = c
        .phone
        .as_deref()
        .map(|p| ctx.keys.blind_index("reporter_phone", p));
    let tracking = random_secret()?;
    let (level_due, final_due_at, calendar_missing) = dues(ctx, now, now, complexity, level);
    let due_at = event::acting_due(&state, now, level_due, ctx.rules);
    let state_json = serde_json::to_string(&state).map_err(|e| Error::internal(e.to_string()))?;
    let row = NewRow {
        id,
        number: &number,
        source: c.source.as_str(),
        category_code: &category.code,
        complexity: complexity.as_str(),
        description: &description,
        lat: c.lat,
        lon: c.lon,
        address: &address,
        grid_id: grid.id,
        path: &grid.path,
        route_note: &route_note,
        level: i64::from(level),
        urgency: c.urgency.as_str(),
        status: state.status.as_str(),
        holder_path: &owner_path,
        holder_label: &slot.owner_name,
        state: &state_json,
        due_at,
        final_due_at,
        calendar_missing,
        reporter_name: &sealed_name,
        reporter_phone: &sealed_phone,
        reporter_phone_index: &phone_index,
        reporter_user_id: actor
            .user_id()
            .filter(|_| matches!(actor, Actor::Reporter { .. })),
        tracking_hash: sha256_hex(&tracking),
        submission_key: &c.submission_key,
        month: local_month(now)?,
        now,
    };
    let simple = c.photos.is_empty() && c.handled_on_spot.is_none();
    if c.photos.is_empty() {
        // The usual report: event, party and first step in one round trip.
        let first = history_row(id, 1, "genesis", &step, actor_name, now);
        write_event(h, &row, Some(&first), commit && simple).await?;
    } else {
        write_event(h, &row, None, false).await?;
        step.attachments = add_photos(h, id, &c.photos, now).await?;
        insert_step(h, id, 1, "genesis", &step, actor_name, now).await?;
    }
    if let Some(result) = c.handled_on_spot {
        let action = Action::HandleOnSpot {
            result,
            photos: step.attachments.clone(),
        };
        let (next, s) = event::apply(&state, actor, &action, now, ctx.rules)?;
        state = next;
        step = s;
        store_state(h, ctx, id, &state, now).await?;
        append_step(h, id, &step, actor_name, now).await?;
        let event = get(h, &Scope::everything(), &number).await?;
        if commit {
            end_hand_tx(h).await?;
        }
        return Ok(Reported {
            number,
            tracking_token: Some(tracking),
            event,
            duplicate_submission: false,
        });
    }
    if commit && !simple {
        end_hand_tx(h).await?;
    }
    // Everything the row holds is at hand; reading it back would only cost a round trip.
    let event = EventRow {
        id,
        number: number.clone(),
        source: c.source.as_str().to_string(),
        category_code: category.code.clone(),
        category_name: category.name.clone(),
        complexity: complexity.as_str().to_string(),
        description,
        lat: c.lat,
        lon: c.lon,
        address,
        grid_code: grid.code.clone(),
        grid_name: grid.name.clone(),
        path: grid.path.clone(),
        route_note,
        level: i64::from(level),
        urgency: c.urgency.as_str().to_string(),
        status: state.status.as_str().to_string(),
        holder_path: owner_path,
        holder_label: slot.owner_name,
        state: state_json,
        level_started_at: now,
        due_at,
        final_due_at,
        calendar_missing,
        rework_count: 0,
        reminder_count: 0,
        reminded_light: String::new(),
        supervision: None,
        rating: None,
        rating_comment: None,
        reported_at: now,
        closed_at: None,
        updated_at: now,
    };
    Ok(Reported {
        number,
        tracking_token: Some(tracking),
        event,
        duplicate_submission: false,
    })
}

/// The COMMIT of a hand-run transaction whose last write could not carry it.
async fn end_hand_tx(h: &mut Handle<'_>) -> Result<(), Error> {
    match h {
        Handle::Sqlite(c) => sqlx::raw_sql("COMMIT")
            .execute(&mut **c)
            .await
            .map(|_| ())
            .map_err(sql_error),
        Handle::Postgres(_) => Err(Error::internal("a hand-run transaction is for SQLite only")),
    }
}

async fn add_party(h: &mut Handle<'_>, event_id: i64, path: &str) -> Result<(), Error> {
    q!(h, execute,
        "INSERT INTO event_parties (event_id, path) VALUES ($1, $2) ON CONFLICT (event_id, path) DO NOTHING",
        event_id, path)
    .map_err(sql_error)?;
    Ok(())
}

/// The path and a readable name of whoever holds the event.
async fn holder_place(h: &mut Handle<'_>, holder: &Holder) -> Result<(String, String), Error> {
    match holder {
        Holder::Node { code, .. } | Holder::Department { code } => {
            let n = nodes::by_code(h, &Scope::everything(), code).await?;
            Ok((n.path, n.name))
        }
        Holder::Person { user_id } => {
            let u = crate::users::get(h, &Scope::everything(), *user_id).await?;
            let n = nodes::by_id(h, &Scope::everything(), u.node_id).await?;
            Ok((n.path, format!("{}({})", u.display_name, n.name)))
        }
    }
}

/// Writes the state's columns; due times restart when the level or the holder's task changes,
/// and a new due time earns its own reminders.
async fn store_state(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    id: i64,
    state: &EventState,
    now: i64,
) -> Result<(), Error> {
    let (old_level, old_start, reported, complexity): (i64, i64, i64, String) = q!(
        h,
        fetch_one,
        (i64, i64, i64, String),
        "SELECT level, level_started_at, reported_at, complexity FROM events WHERE id = $1",
        id
    )
    .map_err(sql_error)?;
    let complexity = Complexity::parse(&complexity).unwrap_or(Complexity::Ordinary);
    let level_start = if i64::from(state.level) != old_level {
        now
    } else {
        old_start
    };
    let (level_due, final_due, missing) = dues(ctx, reported, level_start, complexity, state.level);
    let due_at = event::acting_due(state, level_start, level_due, ctx.rules);
    let (holder_path, holder_label) = holder_place(h, &state.holder).await?;
    let holder_user = match state.holder {
        Holder::Person { user_id } => Some(user_id),
        Holder::Node { .. } | Holder::Department { .. } => None,
    };
    let json = serde_json::to_string(state).map_err(|e| Error::internal(e.to_string()))?;
    q!(h, execute,
        "UPDATE events SET level = $1, urgency = $2, status = $3, holder_path = $4, holder_label = $5, state = $6, level_started_at = $7, \
         due_at = $8, final_due_at = $9, calendar_missing = $10, rework_count = $11, reminder_count = $12, supervision = $13, rating = $14, \
         closed_at = $15, updated_at = $16, holder_user_id = $18, \
         reminded_light = CASE WHEN COALESCE(due_at, -1) = COALESCE($8, -1) THEN reminded_light ELSE '' END WHERE id = $17",
        i64::from(state.level), state.urgency.as_str(), state.status.as_str(), &holder_path, &holder_label, &json, level_start,
        due_at, final_due, missing, i64::from(state.rework_count), i64::from(state.reminder_count),
        state.supervision.map(|m| m.as_str()), state.rating.map(i64::from), state.closed_at_ms, now, id, holder_user)
    .map_err(sql_error)?;
    add_party(h, id, &holder_path).await
}

/// Which steps the public timeline shows (internal handling stays internal).
pub fn is_public(action: ActionKind) -> bool {
    !matches!(
        action,
        ActionKind::Remind | ActionKind::Supervise | ActionKind::Transfer | ActionKind::Return
    )
}

fn step_hash(prev: &str, event_id: i64, seq: i64, fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(event_id.to_le_bytes());
    hasher.update(seq.to_le_bytes());
    for f in fields {
        hasher.update((f.len() as u64).to_le_bytes());
        hasher.update(f.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub event_id: i64,
    pub seq: i64,
    pub action: String,
    pub label: String,
    pub actor_type: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub at: i64,
    pub note: String,
    pub attachments: String,
    pub from_status: String,
    pub to_status: String,
    pub from_level: i64,
    pub to_level: i64,
    pub holder: String,
    pub due_at: Option<i64>,
    pub public: bool,
    /// The event a cancelled duplicate points to, or the one it was merged into.
    pub link: Option<String>,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

impl HistoryRow {
    /// What the hash covers; the link only where there is one, so steps written before it was
    /// kept hash as they did.
    fn hash_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.action.clone(),
            self.label.clone(),
            self.actor_type.clone(),
            self.actor_user_id
                .map(|u| u.to_string())
                .unwrap_or_default(),
            self.actor_name.clone(),
            self.at.to_string(),
            self.note.clone(),
            self.attachments.clone(),
            self.from_status.clone(),
            self.to_status.clone(),
            self.from_level.to_string(),
            self.to_level.to_string(),
            self.holder.clone(),
            self.due_at.map(|d| d.to_string()).unwrap_or_default(),
            self.public.to_string(),
        ];
        fields.extend(self.link.clone());
        fields
    }

    pub fn attachment_ids(&self) -> Vec<i64> {
        serde_json::from_str::<Vec<String>>(&self.attachments)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// Appends one step; the unique (event, seq) pair makes two concurrent writers to one event
/// collide instead of both succeeding.
async fn append_step(
    h: &mut Handle<'_>,
    event_id: i64,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> Result<(), Error> {
    let last: Option<(i64, String)> = q!(
        h,
        fetch_optional,
        (i64, String),
        "SELECT seq, hash FROM event_history WHERE event_id = $1 ORDER BY seq DESC LIMIT 1",
        event_id
    )
    .map_err(sql_error)?;
    let (seq, prev) = match last {
        Some((s, hsh)) => (s + 1, hsh),
        None => (1, "genesis".to_string()),
    };
    insert_step(h, event_id, seq, &prev, step, actor_name, now).await
}

/// The stored form of a step as number `seq` after the step whose hash is `prev`, hash included.
fn history_row(
    event_id: i64,
    seq: i64,
    prev: &str,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> HistoryRow {
    let (actor_type, actor_user_id) = match &step.actor {
        Actor::Reporter { user_id } => ("reporter", *user_id),
        Actor::Staff(s) => ("staff", Some(s.user_id)),
    };
    let mut row = HistoryRow {
        id: 0,
        event_id,
        seq,
        action: step.action.as_str().to_string(),
        label: step.label().to_string(),
        actor_type: actor_type.to_string(),
        actor_user_id,
        actor_name: actor_name.to_string(),
        at: now,
        note: step.note.clone(),
        attachments: serde_json::to_string(&step.attachments).unwrap_or_else(|_| "[]".into()),
        from_status: step.from_status.as_str().to_string(),
        to_status: step.to_status.as_str().to_string(),
        from_level: i64::from(step.from_level),
        to_level: i64::from(step.to_level),
        holder: serde_json::to_string(&step.to_holder).unwrap_or_default(),
        due_at: step.due_ms,
        public: is_public(step.action),
        link: step.link.clone(),
        prev_hash: prev.to_string(),
        hash: String::new(),
    };
    let fields = row.hash_fields();
    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    row.hash = step_hash(prev, event_id, seq, &refs);
    row
}

/// Writes a step as number `seq` after the step whose hash is `prev`.
async fn insert_step(
    h: &mut Handle<'_>,
    event_id: i64,
    seq: i64,
    prev: &str,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> Result<(), Error> {
    let row = history_row(event_id, seq, prev, step, actor_name, now);
    q!(h, execute,
        "INSERT INTO event_history (event_id, seq, action, label, actor_type, actor_user_id, actor_name, at, note, attachments, from_status, to_status, \
         from_level, to_level, holder, due_at, public, link, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        event_id, seq, &row.action, &row.label, &row.actor_type, row.actor_user_id, &row.actor_name, row.at, &row.note, &row.attachments,
        &row.from_status, &row.to_status, row.from_level, row.to_level, &row.holder, row.due_at, row.public, &row.link, &row.prev_hash, &row.hash)
    .map_err(|e| match sql_error(e) {
        err if err.code == "db.duplicate" => Error::conflict("event.changed", "the event changed meanwhile; reload and try again"),
        err => err,
    })?;
    Ok(())
}

pub async fn history(
    h: &mut Handle<'_>,
    event_id: i64,
    public_only: bool,
) -> Result<Vec<HistoryRow>, Error> {
    q!(h, fetch_all, HistoryRow,
        "SELECT id, event_id, seq, action, label, actor_type, actor_user_id, actor_name, at, note, attachments, from_status, to_status, \
         from_level, to_level, holder, due_at, public, link, prev_hash, hash FROM event_history WHERE event_id = $1 AND (public OR NOT $2) ORDER BY seq",
        event_id, public_only)
    .map_err(sql_error)
}

/// A break in an event's history chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainBreak {
    pub event: String,
    pub seq: i64,
    pub reason: String,
}

/// Recomputes every event's history chain and reports each row whose hash or link is wrong.
pub async fn verify_history(h: &mut Handle<'_>) -> Result<(usize, Vec<ChainBreak>), Error> {
    let events: Vec<(i64, String)> = q!(
        h,
        fetch_all,
        (i64, String),
        "SELECT id, number FROM events ORDER BY id"
    )
    .map_err(sql_error)?;
    let mut breaks = Vec::new();
    let mut rows_checked = 0usize;
    for (id, number) in events {
        let rows = history(h, id, false).await?;
        let mut prev = "genesis".to_string();
        for (i, r) in rows.iter().enumerate() {
            rows_checked += 1;
            let expected_seq = i as i64 + 1;
            if r.seq != expected_seq {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: format!("step {expected_seq} is missing"),
                });
            }
            if r.prev_hash != prev {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: "link to the previous step is broken".into(),
                });
            }
            let fields = r.hash_fields();
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            if step_hash(&r.prev_hash, id, r.seq, &refs) != r.hash {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: "the step was changed after it was written".into(),
                });
            }
            prev = r.hash.clone();
        }
    }
    Ok((rows_checked, breaks))
}

/// Checks what the domain cannot: that targets exist and sit where the action says.
async fn resolve(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    scope: &Scope,
    event: &EventRow,
    state: &EventState,
    action: Action,
    now: i64,
) -> Result<Action, Error> {
    let complexity = Complexity::parse(&event.complexity).unwrap_or(Complexity::Ordinary);
    Ok(match action {
        Action::Accept { urgency, note, .. } => {
            let (due, _, _) = dues(
                ctx,
                event.reported_at,
                event.level_started_at,
                complexity,
                state.level,
            );
            Action::Accept {
                due_ms: due.filter(|d| *d > now),
                urgency,
                note,
            }
        }
        Action::Escalate { note, .. } => {
            let Holder::Node { code, .. } = &state.owner else {
                return Err(Error::invalid(
                    "event.target_invalid",
                    "only a node escalates",
                ));
            };
            let owner = nodes::by_code(h, &Scope::everything(), code).await?;
            let parent = match owner.parent_id {
                Some(p) => nodes::by_id(h, &Scope::everything(), p).await?,
                None => {
                    return Err(Error::conflict(
                        "event.level_max",
                        "the city is the highest level",
                    ));
                }
            };
            let (due, _, _) = dues(
                ctx,
                event.reported_at,
                now,
                complexity,
                state.level.saturating_add(1),
            );
            // Past the whole case's limit the new level has no future due time to set.
            Action::Escalate {
                to: parent.code,
                due_ms: due.filter(|d| *d > now),
                note,
            }
        }
        Action::Assign { to, due_ms, note } => {
            check_target(h, scope, event, &to).await?;
            Action::Assign { to, due_ms, note }
        }
        Action::Transfer { to, reason, due_ms } => {
            if !matches!(to, Holder::Department { .. }) {
                return Err(Error::invalid(
                    "event.target_invalid",
                    "a transfer goes to a department",
                ));
            }
            check_target(h, scope, event, &to).await?;
            Action::Transfer { to, reason, due_ms }
        }
        Action::Cancel {
            reason,
            duplicate_of: Some(other),
        } => {
            let o = linked(h, scope, &other).await?;
            if o.id == event.id {
                return Err(Error::invalid(
                    "event.link_invalid",
                    "an event is not a duplicate of itself",
                ));
            }
            event::check_link_target(ActionKind::Cancel, linked_status(&o)?)?;
            Action::Cancel {
                reason,
                duplicate_of: Some(o.number),
            }
        }
        Action::Merge { into, note } => {
            let o = linked(h, scope, &into).await?;
            if o.id == event.id {
                return Err(Error::invalid(
                    "event.link_invalid",
                    "an event does not merge into itself",
                ));
            }
            event::check_link_target(ActionKind::Merge, linked_status(&o)?)?;
            Action::Merge {
                into: o.number,
                note,
            }
        }
        other => other,
    })
}

/// The event at the other end of a link, by its number in any accepted spelling; a text that is
/// no event number is bad input, not a missing event.
async fn linked(h: &mut Handle<'_>, scope: &Scope, number: &str) -> Result<EventRow, Error> {
    event::parse_event_number(number).map_err(|_| {
        Error::invalid(
            "event.link_invalid",
            format!("{:?} is not an event number", number.trim()),
        )
    })?;
    get(h, scope, &event::canonical_number(number)).await
}

fn linked_status(e: &EventRow) -> Result<Status, Error> {
    e.status()
        .ok_or_else(|| Error::internal(format!("event {} has an unknown status", e.number)))
}

/// A node or person must lie in the caller's area; a department must hang off a node above the
/// event (its village, township, county or city), wherever the caller sits.
async fn check_target(
    h: &mut Handle<'_>,
    scope: &Scope,
    event: &EventRow,
    to: &Holder,
) -> Result<(), Error> {
    let bad = |m: String| Error::invalid("event.target_invalid", m);
    match to {
        Holder::Node { kind, code } => {
            let n = nodes::by_code(h, scope, code)
                .await
                .map_err(|_| bad(format!("no node {code} in your area")))?;
            if n.kind != kind.as_str() {
                return Err(bad(format!(
                    "{code} is a {}, not a {}",
                    n.kind,
                    kind.as_str()
                )));
            }
        }
        Holder::Department { code } => {
            let n = nodes::by_code(h, &Scope::everything(), code)
                .await
                .map_err(|_| bad(format!("no department {code}")))?;
            let parent_path = n.path.strip_suffix(&format!("{code}/")).unwrap_or_default();
            let above = !parent_path.is_empty() && event.path.starts_with(parent_path);
            if n.kind != NodeKind::Department.as_str() || !above {
                return Err(bad(format!("{code} is not a department above this event")));
            }
        }
        Holder::Person { user_id } => {
            crate::users::get(h, scope, *user_id)
                .await
                .map_err(|_| bad(format!("no user {user_id} in your area")))?;
        }
    }
    Ok(())
}

/// Applies one workflow action by an actor who can see the event; photos are stored with the step.
pub async fn act(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    number: &str,
    action: Action,
    photos: &[NewPhoto],
    now: i64,
) -> Result<EventRow, Error> {
    let event = get(h, &caller.scope, number).await?;
    apply_to(h, ctx, caller, &event, action, photos, now).await
}

/// Applies an action to an event already found (by scope, or by the reporter's tracking link).
pub async fn apply_to(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    event: &EventRow,
    action: Action,
    photos: &[NewPhoto],
    now: i64,
) -> Result<EventRow, Error> {
    let (scope, actor, actor_name) = (&caller.scope, &caller.actor, caller.name.as_str());
    let state = event.state()?;
    let mut action = resolve(h, ctx, scope, event, &state, action, now).await?;
    // Check the action before storing its photos, so a refused action leaves nothing behind.
    event::allowed(&state, actor, &action, now, ctx.rules)?;
    if !photos.is_empty() {
        if !matches!(
            action,
            Action::Feedback { .. } | Action::HandleOnSpot { .. }
        ) {
            return Err(Error::invalid(
                "event.photos_unexpected",
                "photos go with feedback only",
            ));
        }
        let ids = add_photos(h, event.id, photos, now).await?;
        if let Action::Feedback { photos, .. } | Action::HandleOnSpot { photos, .. } = &mut action {
            photos.extend(ids);
        }
    }
    let (next, step) = event::apply(&state, actor, &action, now, ctx.rules)?;
    store_state(h, ctx, event.id, &next, now).await?;
    if let Action::Rate { comment, .. } = &action {
        q!(
            h,
            execute,
            "UPDATE events SET rating_comment = $1 WHERE id = $2",
            comment,
            event.id
        )
        .map_err(sql_error)?;
    }
    append_step(h, event.id, &step, actor_name, now).await?;
    get(h, &Scope::everything(), &event.number).await
}

/// Which list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inbox {
    All,
    /// Open events held by the caller in person or that the caller has acted on (我经办的).
    Mine,
    ToAccept,
    ToHandle,
    ToVerify,
    Overdue,
    Supervised,
    Closed,
}

impl Inbox {
    pub const ALL: [Inbox; 8] = [
        Inbox::All,
        Inbox::Mine,
        Inbox::ToAccept,
        Inbox::ToHandle,
        Inbox::ToVerify,
        Inbox::Overdue,
        Inbox::Supervised,
        Inbox::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Inbox::All => "all",
            Inbox::Mine => "mine",
            Inbox::ToAccept => "to_accept",
            Inbox::ToHandle => "to_handle",
            Inbox::ToVerify => "to_verify",
            Inbox::Overdue => "overdue",
            Inbox::Supervised => "supervised",
            Inbox::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Inbox> {
        Inbox::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub text: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub level: Option<i64>,
    pub limit: i64,
    pub offset: i64,
    /// The caller's user, whose events the personal inbox lists.
    pub me: Option<i64>,
}

/// Events in the caller's scope for one inbox. "To accept" and "to handle" are those held at the
/// caller's own node; the others cover the whole scope.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    inbox: Inbox,
    filter: &ListFilter,
    now: i64,
) -> Result<Vec<EventRow>, Error> {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
    let limit = filter.limit.clamp(1, 500);
    q!(h, fetch_all, EventRow,
        event_sql!("WHERE (e.path LIKE $1 OR EXISTS (SELECT 1 FROM event_parties p WHERE p.event_id = e.id AND p.path LIKE $1)) \
         AND ($2 <> 'to_accept' OR (e.status = 'reported' AND e.holder_path = $3)) \
         AND ($2 <> 'to_handle' OR (e.status IN ('accepted', 'assigned') AND e.holder_path = $3)) \
         AND ($2 <> 'to_verify' OR e.status = 'feedback_given') \
         AND ($2 <> 'overdue' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND e.due_at < $4)) \
         AND ($2 <> 'supervised' OR (e.supervision IS NOT NULL AND e.status IN ('reported', 'accepted', 'assigned', 'feedback_given'))) \
         AND ($2 <> 'closed' OR e.status = 'closed') \
         AND ($2 <> 'mine' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND (e.holder_user_id = $11 \
           OR EXISTS (SELECT 1 FROM event_history x WHERE x.actor_user_id = $11 AND x.event_id = e.id)))) \
         AND ($5 IS NULL OR e.number LIKE $5 OR e.description LIKE $5 OR e.address LIKE $5) \
         AND ($6 IS NULL OR e.category_code = $6 OR c.parent_code = $6) \
         AND ($7 IS NULL OR e.status = $7) \
         AND ($8 IS NULL OR e.level = $8) \
         ORDER BY e.reported_at DESC, e.id DESC LIMIT $9 OFFSET $10"),
        scope.like_pattern(), inbox.as_str(), scope.path(), now, text, &filter.category, &filter.status, filter.level, limit, filter.offset.max(0), filter.me)
    .map_err(sql_error)
}

/// A closed event as the public board shows it: no names, no phones, no internal notes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublicResult {
    pub number: String,
    pub category_name: String,
    pub grid_name: String,
    pub description: String,
    pub result: String,
    pub reported_at: i64,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
}

/// Closed events under a grid or village (by path), newest first.
pub async fn public_results(
    h: &mut Handle<'_>,
    path: &str,
    limit: i64,
) -> Result<Vec<PublicResult>, Error> {
    q!(h, fetch_all, PublicResult,
        "SELECT e.number, c.name AS category_name, g.name AS grid_name, e.description, \
         COALESCE((SELECT x.note FROM event_history x WHERE x.event_id = e.id AND x.action IN ('feedback', 'handle_on_spot') ORDER BY x.seq DESC LIMIT 1), '') AS result, \
         e.reported_at, e.closed_at, e.rating FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id \
         WHERE e.path LIKE $1 AND e.status = 'closed' ORDER BY e.closed_at DESC LIMIT $2",
        format!("{path}%"), limit.clamp(1, 200))
    .map_err(sql_error)
}

/// Open events whose light has turned and that have not been reminded for it yet.
pub async fn needing_reminders(
    h: &mut Handle<'_>,
    now: i64,
    limit: i64,
) -> Result<Vec<EventRow>, Error> {
    // Yellow starts at 80 % of the allowed time: due - (due - start) / 5.
    q!(h, fetch_all, EventRow,
        event_sql!("WHERE e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND e.due_at IS NOT NULL \
         AND ((e.due_at < $1 AND e.reminded_light <> 'red') \
           OR (e.due_at - (e.due_at - e.level_started_at) / 5 <= $1 AND e.reminded_light = '')) \
         ORDER BY e.due_at LIMIT $2"),
        now, limit)
    .map_err(sql_error)
}

/// Records that the scheduler reminded the holder at this light.
pub async fn mark_reminded(h: &mut Handle<'_>, event_id: i64, light: &str) -> Result<(), Error> {
    q!(
        h,
        execute,
        "UPDATE events SET reminded_light = $1 WHERE id = $2",
        light,
        event_id
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Takes or renews a named lease; true when this holder has it until `now + ttl_ms`. Several
/// server instances on one database agree on one scheduler this way.
pub async fn try_lease(
    h: &mut Handle<'_>,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<bool, Error> {
    let n = q!(h, execute,
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
        name, holder, now + ttl_ms, now)
    .map_err(sql_error)?;
    Ok(n == 1)
}

/// Events accepted at a level below the city whose level limit has passed and whose category
/// escalates automatically (the scheduler escalates them).
pub async fn overdue_auto_escalations(
    h: &mut Handle<'_>,
    now: i64,
    limit: i64,
) -> Result<Vec<EventRow>, Error> {
    q!(h, fetch_all, EventRow,
        event_sql!("WHERE e.status = 'accepted' AND e.level < 5 AND c.auto_escalate AND e.due_at IS NOT NULL AND e.due_at < $1 \
         ORDER BY e.due_at LIMIT $2"),
        now, limit)
    .map_err(sql_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_by_level() {
        let p = "/350100000000/350102000000/350102001000/350102001001/350102001001001/";
        let code = |l| ancestor_at_level(p, l).map(|(c, _)| c);
        assert_eq!(code(1).as_deref(), Some("350102001001001"));
        assert_eq!(code(3).as_deref(), Some("350102001000"));
        assert_eq!(code(5).as_deref(), Some("350100000000"));
        assert_eq!(
            ancestor_at_level(p, 3).map(|(_, path)| path).as_deref(),
            Some("/350100000000/350102000000/350102001000/")
        );
        assert_eq!(ancestor_at_level(p, 6), None);
    }
}
