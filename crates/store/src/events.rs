//! Events: report and route, every workflow step through the domain's state machine, the
//! append-only hash-chained history, photos, lists, tracking and public results.
//!
//! Visibility: an event is in a caller's scope when its grid lies under the caller's node, or
//! when anyone under the caller's node has held it (a department keeps seeing what it handled).

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::System;
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::{self, Complexity};
use wangge_domain::err;
use wangge_domain::event::{
    self, Action, ActionKind, Actor, EventState, Holder, NewEvent, Rules, Status, Step, Urgency,
};
use wangge_domain::photo::PhotoKind;
use wangge_domain::{Error, NodeKind, Role, Scope, Sensitive};

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

/// A path no node has (codes hold only digits and `D`): the area of someone who sees none.
const NO_AREA: &str = "/-/";

impl Caller {
    /// A member of the public as the history names them (a resident, an Open311 client): they
    /// report, and act on their own event through its tracking link; they see no area.
    pub fn public(name: impl Into<String>) -> Caller {
        Caller {
            actor: Actor::Reporter { user_id: None },
            name: name.into(),
            scope: Scope::of_path(NO_AREA),
        }
    }
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
    err!("event.category_unknown", code)
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
    /// "Me too"s that raise a case's urgency; 0: its open cases are not shown to residents.
    pub me_too_threshold: i64,
    /// Where such a request belongs when a grid cannot take it (empty: the class's hint).
    pub redirect_hint: String,
    pub redirect_hint_en: String,
}

pub async fn categories(h: &mut Handle<'_>) -> Result<Vec<Category>, Error> {
    q!(h, fetch_all, Category,
        "SELECT code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort, active, me_too_threshold, redirect_hint, redirect_hint_en FROM categories ORDER BY sort")
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
        "SELECT code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort, active, me_too_threshold, redirect_hint, redirect_hint_en FROM categories WHERE code = $1",
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
        let y = i32::try_from(year)
            .map_err(|_| err!("internal", detail = "calendar year out of range"))?;
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
        return Err(err!(
            "calendar.bad_year",
            year,
            reason = "the text must hold exactly that year"
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
    /// The category's English name, for English pages.
    pub category_name_en: String,
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
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub holder_path: String,
    pub holder_label: String,
    #[serde(skip)]
    pub state: String,
    pub level_started_at: i64,
    pub due_at: Option<i64>,
    pub final_due_at: Option<i64>,
    /// A due time could not be counted for lack of a calendar year; the ones left `None` are
    /// those (each due time is counted on its own, see `deadline::event_due`).
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
    /// Residents who said "me too" (我也遇到), one per device.
    pub me_too_count: i64,
}

impl EventRow {
    pub fn state(&self) -> Result<EventState, Error> {
        serde_json::from_str(&self.state)
            .map_err(|e| err!("internal", detail = format!("event state: {e}")))
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// The due time the holder acts by is unknown for lack of a calendar year.
    pub fn due_missing(&self) -> bool {
        self.calendar_missing && self.due_at.is_none()
    }

    /// The whole case's due time is unknown for lack of a calendar year.
    pub fn final_due_missing(&self) -> bool {
        self.calendar_missing && self.final_due_at.is_none()
    }

    /// The time-limit light now: green, yellow from 80 % of the allowed time, red when overdue.
    pub fn light(&self, now: i64) -> Option<deadline::Light> {
        let open = self.status.is_open();
        match (open, self.due_at) {
            (true, Some(due)) => Some(deadline::light(self.level_started_at, due, now)),
            _ => None,
        }
    }
}

macro_rules! event_sql {
    ($($rest:tt)+) => {
        concat!(
            "SELECT e.id, e.number, e.source, e.category_code, c.name AS category_name, c.name_en AS category_name_en, e.complexity, e.description, ",
            "e.lat, e.lon, e.address, g.code AS grid_code, g.name AS grid_name, e.path, e.route_note, e.level, e.urgency, ",
            "e.status, e.holder_path, e.holder_label, e.state, e.level_started_at, e.due_at, e.final_due_at, e.calendar_missing, ",
            "e.rework_count, e.reminder_count, e.reminded_light, e.supervision, e.rating, e.rating_comment, e.reported_at, ",
            "e.closed_at, e.updated_at, e.me_too_count FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id ",
            $($rest)+
        )
    };
}

/// The one INSERT of a history row: every writer (a step appended, a report's first step
/// written with its event) names the columns in this order; `$values` are their placeholders.
macro_rules! insert_history {
    ($values:literal) => {
        concat!(
            "INSERT INTO event_history (event_id, seq, action, label, actor_type, actor_user_id, actor_name, at, note, attachments, ",
            "from_status, to_status, from_level, to_level, holder, due_at, public, link, prev_hash, hash) VALUES (",
            $values,
            ")"
        )
    };
}

mod history;
mod lists;
mod places;
mod report;
mod residents;
mod schedule;
pub(crate) mod seek;

pub use history::*;
pub use lists::*;
pub use places::*;
pub use report::*;
pub use residents::*;
pub use schedule::*;
pub use seek::Cursor;

fn not_found(number: &str) -> Error {
    err!("event.not_found", number)
}

/// An event in the caller's scope.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, number: &str) -> Result<EventRow, Error> {
    let e: Option<EventRow> = q!(h, fetch_optional, EventRow,
        event_sql!("WHERE e.number = $1 AND (e.path LIKE $2 OR EXISTS (SELECT 1 FROM event_parties p WHERE p.event_id = e.id AND p.path LIKE $2))"),
        number.trim(), scope.like_pattern())
    .map_err(sql_error)?;
    e.ok_or_else(|| not_found(number))
}

/// An event reached through the reporter's private tracking link: the one the report gave, or
/// one issued again after a look-up by number and phone.
pub async fn by_tracking(h: &mut Handle<'_>, token: &str) -> Result<EventRow, Error> {
    let e: Option<EventRow> = q!(
        h,
        fetch_optional,
        EventRow,
        event_sql!("WHERE e.tracking_hash = $1 OR e.id = (SELECT t.event_id FROM tracking_links t WHERE t.token_hash = $1)"),
        sha256_hex(token.trim())
    )
    .map_err(sql_error)?;
    e.ok_or_else(|| err!("event.not_found", number = "(tracking link)"))
}

/// Everything about the reporter as pages show it: masked.
#[derive(Debug, Clone, Serialize)]
pub struct Reporter {
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// The reporter's name and phone opened, for code that must use them; they never print, and
/// whoever shows them writes them out by hand.
#[derive(Debug, Clone)]
pub struct OpenedReporter {
    pub anonymous: bool,
    pub name: Option<Sensitive<String>>,
    pub phone: Option<Sensitive<String>>,
}

/// The reporter, masked.
pub async fn reporter(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    event: &EventRow,
) -> Result<Reporter, Error> {
    let r = open_reporter(h, ctx, event).await?;
    Ok(Reporter {
        anonymous: r.anonymous,
        name: r.name.map(|n| crate::seal::mask_name(n.expose())),
        phone: r.phone.map(|p| crate::seal::mask_phone(p.expose())),
    })
}

/// The reporter, opened.
pub async fn open_reporter(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    event: &EventRow,
) -> Result<OpenedReporter, Error> {
    let (name, phone): (Option<String>, Option<String>) = q!(
        h,
        fetch_one,
        (Option<String>, Option<String>),
        "SELECT reporter_name, reporter_phone FROM events WHERE id = $1",
        event.id
    )
    .map_err(sql_error)?;
    let open = |sealed: Option<String>, column: &str| -> Result<Option<Sensitive<String>>, Error> {
        sealed
            .map(|s| {
                ctx.keys
                    .open(
                        &s,
                        &Aad {
                            table: "events",
                            column,
                            row: &event.number,
                        },
                    )
                    .map(Sensitive::new)
            })
            .transpose()
    };
    let name = open(name, "reporter_name")?;
    let phone = open(phone, "reporter_phone")?;
    Ok(OpenedReporter {
        anonymous: name.is_none() && phone.is_none(),
        name,
        phone,
    })
}

/// Opens the reporter's name and phone for a call back and writes exactly one `reveal` audit
/// row, as a sealed ID's reveal does: the actor, the event, the column (`reporter`) and the
/// reason. The caller decides whether the actor may (`may_reveal`, see
/// `event::may_reveal_reporter`) and runs this inside a transaction, so nothing is shown
/// without its row. An anonymous report has nothing to open: `event.reporter_anonymous`, no row.
#[allow(clippy::too_many_arguments)]
pub async fn reveal_reporter(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    event: &EventRow,
    actor: &crate::audit::Actor,
    may_reveal: bool,
    reason: &str,
    now: i64,
) -> Result<OpenedReporter, Error> {
    if !may_reveal {
        return Err(err!("auth.forbidden"));
    }
    let reason = reason.trim();
    let min = crate::basic::MIN_REASON_CHARS;
    if reason.chars().count() < min {
        return Err(err!("basic.reason_required", min));
    }
    let opened = open_reporter(h, ctx, event).await?;
    if opened.anonymous {
        return Err(err!("event.reporter_anonymous", number = &event.number));
    }
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor,
            action: "reveal",
            subject_table: "events",
            subject_id: Some(event.id),
            column_name: Some(REPORTER_COLUMN),
            reason,
            detail: "",
        },
        now,
    )
    .await?;
    Ok(opened)
}

/// The column an audit row names when a reporter's name and phone are opened together.
pub const REPORTER_COLUMN: &str = "reporter";

/// A cleaned photo ready to store.
pub struct NewPhoto {
    pub kind: PhotoKind,
    pub bytes: Vec<u8>,
}

/// The kind and size, not megabytes of bytes, when a report is printed.
impl std::fmt::Debug for NewPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPhoto")
            .field("kind", &self.kind)
            .field("bytes", &self.bytes.len())
            .finish()
    }
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
    p.ok_or_else(|| err!("photo.not_found"))
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
            let n = nodes::by_code(h, &System::acting().scope(), code).await?;
            Ok((n.path, n.name))
        }
        Holder::Person { user_id } => {
            let u = crate::users::get(h, &System::acting().scope(), *user_id).await?;
            let n = nodes::by_id(h, &System::acting().scope(), u.node_id).await?;
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
    let json =
        serde_json::to_string(state).map_err(|e| err!("internal", detail = e.to_string()))?;
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
                return Err(err!("event.target_invalid")
                    .with_details(serde_json::json!({ "reason": "only a node escalates" })));
            };
            let owner = nodes::by_code(h, &System::acting().scope(), code).await?;
            let parent = match owner.parent_id {
                Some(p) => nodes::by_id(h, &System::acting().scope(), p).await?,
                None => {
                    return Err(err!("event.level_max"));
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
                return Err(err!("event.target_invalid").with_details(
                    serde_json::json!({ "reason": "a transfer goes to a department" }),
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
                return Err(err!("event.link_invalid"));
            }
            event::check_link_target(ActionKind::Cancel, o.status)?;
            Action::Cancel {
                reason,
                duplicate_of: Some(o.number),
            }
        }
        Action::Merge { into, note } => {
            let o = linked(h, scope, &into).await?;
            if o.id == event.id {
                return Err(err!("event.link_invalid"));
            }
            event::check_link_target(ActionKind::Merge, o.status)?;
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
    event::parse_event_number(number).map_err(|_| err!("event.link_invalid"))?;
    get(h, scope, &event::canonical_number(number)).await
}

/// A node or person must lie in the caller's area; a department must hang off a node above the
/// event (its village, township, county or city), wherever the caller sits.
async fn check_target(
    h: &mut Handle<'_>,
    scope: &Scope,
    event: &EventRow,
    to: &Holder,
) -> Result<(), Error> {
    let bad =
        |m: String| err!("event.target_invalid").with_details(serde_json::json!({ "reason": m }));
    match to {
        Holder::Node { kind, code } => {
            let n = nodes::by_code(h, scope, code)
                .await
                .map_err(|_| bad(format!("no node {code} in your area")))?;
            if n.kind != *kind {
                return Err(bad(format!(
                    "{code} is a {}, not a {}",
                    n.kind,
                    kind.as_str()
                )));
            }
        }
        Holder::Department { code } => {
            let n = nodes::by_code(h, &System::acting().scope(), code)
                .await
                .map_err(|_| bad(format!("no department {code}")))?;
            let parent_path = n.path.strip_suffix(&format!("{code}/")).unwrap_or_default();
            let above = !parent_path.is_empty() && event.path.starts_with(parent_path);
            if n.kind != NodeKind::Department || !above {
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
            return Err(err!("event.photos_unexpected"));
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
    get(h, &System::acting().scope(), &event.number).await
}
