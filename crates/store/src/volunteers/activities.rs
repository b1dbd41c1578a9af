//! Activities and their sign-ups (志愿活动, 先到先得). A community publishes an activity with a
//! kind and the catalogue's points for it; its active volunteers sign up first come first
//! served; a cancellation by one who held a place moves the first on the waiting list up and
//! tells them; after it started the organiser marks who served, which writes one `service`
//! entry per volunteer through `ledger::append`.
//!
//! Never more confirmed than places, under any number of simultaneous sign-ups: every change to
//! an activity's sign-ups runs in one transaction that first takes the activity's row
//! ([`lock_row`]: a row lock on PostgreSQL; SQLite's writer turn already serialises writers),
//! then checks, then takes a place with one conditional UPDATE (`confirmed < places`).

use serde::Serialize;
use serde_json::json;

use wangge_domain::volunteers::activity::{self, Draft, Facts, Mark};
use wangge_domain::volunteers::catalogue::OTHER;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::{Error, NodeKind, Scope, err};

use super::ledger::{self, NewEntry};
use super::messages;
use super::register::Volunteer;
use crate::audit::{self, Actor};
use crate::db::{Handle, sql_error};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Activity {
    pub id: i64,
    pub community_id: i64,
    pub path: String,
    pub title: String,
    pub content: String,
    pub kind: String,
    pub points: i64,
    pub places: i64,
    pub confirmed: i64,
    pub location: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub catalogue_id: Option<i64>,
    pub approval_id: Option<i64>,
    pub status: String,
    pub cancel_reason: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
    pub done_by: Option<i64>,
    pub done_at: Option<i64>,
}

impl Activity {
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            status: &self.status,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            community_id: self.community_id,
        }
    }

    /// Places not yet taken.
    pub fn places_left(&self) -> i64 {
        (self.places - self.confirmed).max(0)
    }
}

const COLUMNS: &str = "id, community_id, path, title, content, kind, points, places, confirmed, \
    location, starts_at, ends_at, catalogue_id, approval_id, status, cancel_reason, created_by, \
    created_by_name, created_at, done_by, done_at";

/// An activity in a list, with the reading volunteer's own sign-up status (none for others).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Listed {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub activity: Activity,
    pub my_status: Option<String>,
    /// The community's name, for lists that span several.
    pub community_name: String,
}

/// A new activity as the organiser gives it. `ends_at` defaults to two hours after the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity<'a> {
    pub community_id: i64,
    pub title: &'a str,
    pub content: &'a str,
    pub location: &'a str,
    pub kind: &'a str,
    pub points: i64,
    pub places: i64,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub approval_id: Option<i64>,
}

fn not_found(id: i64) -> Error {
    err!("volunteers.activity_not_found", id)
}

/// The points of an "other" value the street approved for this community, if `approval_id`
/// names one (`catalogue::approved`: approved, and for this very community).
async fn approved_points(
    h: &mut Handle<'_>,
    approval_id: Option<i64>,
    community_id: i64,
) -> Result<Option<i64>, Error> {
    let Some(id) = approval_id else {
        return Ok(None);
    };
    Ok(super::catalogue::approved(h, id, community_id)
        .await?
        .map(|a| a.points))
}

/// Publishes an activity of a community inside `scope`. The kind must be in the catalogue in
/// force at the community and the points its value (or, for `other`, an approved value).
/// Runs in the caller's transaction; audited.
pub async fn create(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    a: &NewActivity<'_>,
    now: i64,
) -> Result<Activity, Error> {
    let community: Option<(String, String)> = q!(
        h,
        fetch_optional,
        (String, String),
        "SELECT path, kind FROM nodes WHERE id = $1 AND retired_at IS NULL",
        a.community_id
    )
    .map_err(sql_error)?;
    let path = match community {
        Some((path, kind)) if scope.contains(&path) && kind == NodeKind::Village.as_str() => path,
        _ => return Err(err!("volunteers.community_not_found", id = a.community_id)),
    };
    let (catalogue_id, catalogue) = super::catalogue::in_force(h, &path).await?;
    let kind = a.kind.trim();
    let approved = if kind == OTHER {
        approved_points(h, a.approval_id, a.community_id).await?
    } else {
        None
    };
    let ends_at = a
        .ends_at
        .unwrap_or(a.starts_at.saturating_add(activity::DEFAULT_LENGTH_MS));
    let draft = Draft {
        title: a.title,
        content: a.content,
        location: a.location,
        kind,
        points: a.points,
        places: a.places,
        starts_at: a.starts_at,
        ends_at,
    };
    activity::validate(&draft, &catalogue, approved, now)?;
    let approval_id = if kind == OTHER { a.approval_id } else { None };
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO activities (community_id, path, title, content, kind, points, places, confirmed, \
         location, starts_at, ends_at, catalogue_id, approval_id, status, cancel_reason, created_by, \
         created_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, 'open', '', $13, $14, $15) RETURNING id",
        a.community_id,
        &path,
        a.title.trim(),
        a.content.trim(),
        kind,
        a.points,
        a.places,
        a.location.trim(),
        a.starts_at,
        ends_at,
        catalogue_id,
        approval_id,
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    let detail = json!({"kind": kind, "points": a.points, "places": a.places});
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_activity_create",
            subject_table: "activities",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    get(h, scope, id).await
}

/// One activity inside `scope`; "not found" when absent or outside it.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Activity, Error> {
    let sql = format!("SELECT {COLUMNS} FROM activities WHERE id = $1 AND path LIKE $2");
    q!(
        h,
        fetch_optional,
        Activity,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| not_found(id))
}

/// Which activities a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Not cancelled and not yet over, soonest first.
    Upcoming,
    /// Not cancelled and over, latest first.
    Past,
    /// Cancelled, latest first.
    Cancelled,
}

impl When {
    pub fn parse(s: &str) -> Option<When> {
        match s {
            "upcoming" | "" => Some(When::Upcoming),
            "past" => Some(When::Past),
            "cancelled" => Some(When::Cancelled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            When::Upcoming => "upcoming",
            When::Past => "past",
            When::Cancelled => "cancelled",
        }
    }
}

/// Activities inside `scope` (a volunteer's scope is their community), with `volunteer_id`'s
/// own status on each when given. `limit` is clamped to 1–200.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    when: When,
    volunteer_id: Option<i64>,
    now: i64,
    limit: i64,
) -> Result<Vec<Listed>, Error> {
    let (cond, order) = match when {
        When::Upcoming => (
            "a.status <> 'cancelled' AND a.ends_at > $3",
            "a.starts_at ASC, a.id ASC",
        ),
        When::Past => (
            "a.status <> 'cancelled' AND a.ends_at <= $3",
            "a.starts_at DESC, a.id DESC",
        ),
        When::Cancelled => (
            "a.status = 'cancelled' AND $3 = $3",
            "a.starts_at DESC, a.id DESC",
        ),
    };
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("a.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols}, s.status AS my_status, n.name AS community_name FROM activities a \
         JOIN nodes n ON n.id = a.community_id \
         LEFT JOIN activity_signups s ON s.activity_id = a.id AND s.volunteer_id = $2 \
         WHERE a.path LIKE $1 AND {cond} ORDER BY {order} LIMIT $4"
    );
    q!(
        h,
        fetch_all,
        Listed,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        volunteer_id,
        now,
        limit.clamp(1, 200)
    )
    .map_err(sql_error)
}

/// A sign-up with who signed up.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub volunteer_id: i64,
    pub seq: i64,
    pub status: String,
    pub signed_at: i64,
    pub changed_at: i64,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub post: String,
}

const SIGNUP_SQL: &str = "SELECT s.id, s.activity_id, s.volunteer_id, s.seq, s.status, s.signed_at, \
    s.changed_at, v.name, v.building, v.unit, v.post FROM activity_signups s \
    JOIN volunteers v ON v.id = s.volunteer_id";

/// An activity's sign-ups in queue order (the caller read the activity inside its scope).
pub async fn roster(h: &mut Handle<'_>, activity_id: i64) -> Result<Vec<Signup>, Error> {
    let sql = format!("{SIGNUP_SQL} WHERE s.activity_id = $1 ORDER BY s.seq");
    q!(h, fetch_all, Signup, sqlx::AssertSqlSafe(sql), activity_id).map_err(sql_error)
}

/// A volunteer's sign-up to an activity, if any.
pub async fn signup_of(
    h: &mut Handle<'_>,
    activity_id: i64,
    volunteer_id: i64,
) -> Result<Option<Signup>, Error> {
    let sql = format!("{SIGNUP_SQL} WHERE s.activity_id = $1 AND s.volunteer_id = $2");
    q!(
        h,
        fetch_optional,
        Signup,
        sqlx::AssertSqlSafe(sql),
        activity_id,
        volunteer_id
    )
    .map_err(sql_error)
}

/// Takes the activity's row for the rest of the transaction: on PostgreSQL the UPDATE holds a
/// row lock until commit, so every sign-up, cancellation and attendance of one activity runs
/// one after another; on SQLite the transaction already holds the database's write lock.
async fn lock_row(h: &mut Handle<'_>, id: i64) -> Result<(), Error> {
    q!(
        h,
        execute,
        "UPDATE activities SET confirmed = confirmed WHERE id = $1",
        id
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Signs a volunteer up: confirmed while places are left, else waiting (at the end of the
/// queue). A second sign-up answers 409; a cancelled one may sign up again. Runs in the
/// caller's transaction (one per sign-up).
pub async fn signup(
    h: &mut Handle<'_>,
    scope: &Scope,
    v: &Volunteer,
    activity_id: i64,
    now: i64,
) -> Result<Signup, Error> {
    lock_row(h, activity_id).await?;
    let a = get(h, scope, activity_id).await?;
    activity::may_sign_up(&a.facts(), &v.status, v.community_id, now)?;
    // Checked here, under the lock: a failed INSERT would abort a PostgreSQL transaction.
    let before = signup_of(h, activity_id, v.id).await?;
    if let Some(s) = &before
        && s.status != "cancelled"
    {
        return Err(err!("volunteers.already_signed_up"));
    }
    let took = q!(
        h,
        execute,
        "UPDATE activities SET confirmed = confirmed + 1 WHERE id = $1 AND confirmed < places",
        activity_id
    )
    .map_err(sql_error)?;
    let status = if took == 1 { "confirmed" } else { "waiting" };
    let seq: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM activity_signups WHERE activity_id = $1",
        activity_id
    )
    .map_err(sql_error)?;
    if before.is_some() {
        q!(
            h,
            execute,
            "UPDATE activity_signups SET seq = $1, status = $2, signed_at = $3, changed_at = $3 \
             WHERE activity_id = $4 AND volunteer_id = $5",
            seq,
            status,
            now,
            activity_id,
            v.id
        )
        .map_err(sql_error)?;
    } else {
        q!(
            h,
            execute,
            "INSERT INTO activity_signups (activity_id, volunteer_id, seq, status, signed_at, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
            activity_id,
            v.id,
            seq,
            status,
            now
        )
        .map_err(sql_error)?;
    }
    signup_of(h, activity_id, v.id)
        .await?
        .ok_or_else(|| err!("internal", detail = "the sign-up just written is missing"))
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cancelled {
    pub status: &'static str,
    /// The volunteer moved up from the waiting list, if one was.
    pub promoted: Option<i64>,
}

/// A volunteer cancels their sign-up before the activity starts. One who held a place hands it
/// to the first on the waiting list, who is told. Runs in the caller's transaction.
pub async fn cancel_signup(
    h: &mut Handle<'_>,
    scope: &Scope,
    v: &Volunteer,
    activity_id: i64,
    now: i64,
) -> Result<Cancelled, Error> {
    lock_row(h, activity_id).await?;
    let a = get(h, scope, activity_id).await?;
    let Some(s) = signup_of(h, activity_id, v.id).await? else {
        return Err(err!("volunteers.signup_not_found"));
    };
    if s.status != "confirmed" && s.status != "waiting" {
        return Err(err!("volunteers.signup_not_found"));
    }
    activity::may_cancel_signup(&a.facts(), now)?;
    q!(
        h,
        execute,
        "UPDATE activity_signups SET status = 'cancelled', changed_at = $1 WHERE id = $2",
        now,
        s.id
    )
    .map_err(sql_error)?;
    let mut promoted = None;
    if s.status == "confirmed" {
        let next: Option<(i64, i64)> = q!(
            h,
            fetch_optional,
            (i64, i64),
            "SELECT id, volunteer_id FROM activity_signups WHERE activity_id = $1 AND status = 'waiting' \
             ORDER BY seq LIMIT 1",
            activity_id
        )
        .map_err(sql_error)?;
        match next {
            Some((sid, vid)) => {
                // The place passes on: `confirmed` stays as it is.
                q!(
                    h,
                    execute,
                    "UPDATE activity_signups SET status = 'confirmed', changed_at = $1 WHERE id = $2",
                    now,
                    sid
                )
                .map_err(sql_error)?;
                messages::add(
                    h,
                    vid,
                    messages::PROMOTED,
                    Some(activity_id),
                    &json!({"title": a.title, "starts": starts_text(a.starts_at)}),
                    now,
                )
                .await?;
                promoted = Some(vid);
            }
            None => {
                q!(
                    h,
                    execute,
                    "UPDATE activities SET confirmed = confirmed - 1 WHERE id = $1 AND confirmed > 0",
                    activity_id
                )
                .map_err(sql_error)?;
            }
        }
    }
    Ok(Cancelled {
        status: "cancelled",
        promoted,
    })
}

/// `YYYY-MM-DD HH:MM` in China time, for messages.
fn starts_text(ms: i64) -> String {
    wangge_domain::deadline::format_rfc3339(ms)
        .map(|t| t.chars().take(16).collect::<String>().replace('T', " "))
        .unwrap_or_default()
}

/// The organiser cancels an activity with a reason; everyone signed up (confirmed or waiting)
/// is told. Runs in the caller's transaction; audited.
pub async fn cancel_activity(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<Activity, Error> {
    lock_row(h, id).await?;
    let a = get(h, scope, id).await?;
    activity::may_cancel_activity(&a.facts(), reason, now)?;
    let reason = reason.trim();
    q!(
        h,
        execute,
        "UPDATE activities SET status = 'cancelled', cancel_reason = $1 WHERE id = $2",
        reason,
        id
    )
    .map_err(sql_error)?;
    let told: Vec<i64> = q!(
        h,
        scalar fetch_all,
        i64,
        "SELECT volunteer_id FROM activity_signups WHERE activity_id = $1 AND status IN ('confirmed', 'waiting') \
         ORDER BY seq",
        id
    )
    .map_err(sql_error)?;
    let params = json!({"title": a.title, "starts": starts_text(a.starts_at), "reason": reason});
    for v in &told {
        messages::add(h, *v, messages::ACTIVITY_CANCELLED, Some(id), &params, now).await?;
    }
    let detail = json!({"told": told.len()});
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_activity_cancel",
            subject_table: "activities",
            subject_id: Some(id),
            column_name: None,
            reason,
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    get(h, scope, id).await
}

/// What an attendance call wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    /// Volunteers newly marked served (each with one `service` entry).
    pub served: Vec<i64>,
    /// Volunteers newly marked absent.
    pub absent: Vec<i64>,
    /// The ledger entries written.
    pub entries: Vec<i64>,
    /// The month the points count in.
    pub month: String,
}

/// Marks who served and who was absent, once the activity started. Each newly served
/// volunteer gets one `service` entry of the activity's points in the month of its start day
/// (China time); a published month refuses the whole call. A sign-up already marked the same
/// way is left (a second confirmation writes nothing more). Runs in the caller's transaction.
pub async fn attendance(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    served: &[i64],
    absent: &[i64],
    now: i64,
) -> Result<Attendance, Error> {
    lock_row(h, id).await?;
    let a = get(h, scope, id).await?;
    activity::may_take_attendance(&a.facts(), now)?;
    let signups: Vec<(i64, String)> = q!(
        h,
        fetch_all,
        (i64, String),
        "SELECT volunteer_id, status FROM activity_signups WHERE activity_id = $1",
        id
    )
    .map_err(sql_error)?;
    let plan = activity::plan_attendance(&signups, served, absent)?;
    let month = ledger::month_at(a.starts_at)?;
    let mut out = Attendance {
        served: Vec::new(),
        absent: Vec::new(),
        entries: Vec::new(),
        month: month.clone(),
    };
    for (vid, mark) in plan {
        q!(
            h,
            execute,
            "UPDATE activity_signups SET status = $1, changed_at = $2 WHERE activity_id = $3 \
             AND volunteer_id = $4 AND status = 'confirmed'",
            mark.as_str(),
            now,
            id,
            vid
        )
        .map_err(sql_error)?;
        match mark {
            Mark::Served => {
                let mut e = NewEntry::new(vid, Kind::Service, a.points, &month);
                e.activity_id = Some(id);
                let row = ledger::append(h, &e, actor, now).await?;
                messages::add(
                    h,
                    vid,
                    messages::POINTS_WRITTEN,
                    Some(id),
                    &json!({"title": a.title, "points": a.points, "month": month}),
                    now,
                )
                .await?;
                out.entries.push(row.id);
                out.served.push(vid);
            }
            Mark::Absent => out.absent.push(vid),
        }
    }
    if a.status == "open" {
        q!(
            h,
            execute,
            "UPDATE activities SET status = 'done', done_by = $1, done_at = $2 WHERE id = $3",
            actor.user_id,
            now,
            id
        )
        .map_err(sql_error)?;
    }
    Ok(out)
}

/// The communities (villages) inside `scope` an organiser may publish for: (id, code, name),
/// at most 500.
pub async fn communities(
    h: &mut Handle<'_>,
    scope: &Scope,
) -> Result<Vec<(i64, String, String)>, Error> {
    q!(
        h,
        fetch_all,
        (i64, String, String),
        "SELECT id, code, name FROM nodes WHERE kind = 'village' AND path LIKE $1 AND retired_at IS NULL \
         ORDER BY code LIMIT 500",
        scope.like_pattern()
    )
    .map_err(sql_error)
}

/// Activities inside `scope` that started, still open, with confirmed volunteers: their
/// attendance waits to be confirmed (the organiser's hub lists them). Oldest first, at most
/// `limit` (1–200).
pub async fn awaiting_attendance(
    h: &mut Handle<'_>,
    scope: &Scope,
    now: i64,
    limit: i64,
) -> Result<Vec<Activity>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM activities WHERE path LIKE $1 AND status = 'open' AND starts_at <= $2 \
         AND confirmed > 0 ORDER BY starts_at, id LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Activity,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        now,
        limit.clamp(1, 200)
    )
    .map_err(sql_error)
}
