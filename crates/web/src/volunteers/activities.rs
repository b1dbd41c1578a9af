//! Activities (志愿活动), sign-ups and messages. A volunteer (phone first) sees their
//! community's activities at `/vol/activities`, signs up or cancels at `/vol/activities/{id}`
//! and reads what they were told at `/vol/messages`. An organiser (`Organise`) publishes at
//! `/vol/activities/new` (the kind from the catalogue in force; its points follow from it), sees
//! the roster (confirmed in order, the waiting list), cancels with a reason and, once the
//! activity started, marks who served, which writes the points. The street (`GovernVolunteers`)
//! reads the lists. JSON under `/api/v1/activities` and `/api/v1/volunteers/me/messages`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::volunteers::catalogue::{Catalogue, OTHER};
use wangge_domain::{Error, NodeKind, Permission, Scope, err};
use wangge_store::auth::Principal;
use wangge_store::volunteers::activities::{self as acts, Activity, NewActivity, Signup, When};
use wangge_store::volunteers::messages::{self, Message};
use wangge_store::volunteers::register::{self, Volunteer};
use wangge_store::{nodes, volunteers::catalogue};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, rfc3339, time_text};

#[path = "activities_pages.rs"]
mod pages_impl;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/activities", get(pages_impl::list_page))
        .route(
            "/vol/activities/new",
            get(pages_impl::new_page).post(pages_impl::new_form),
        )
        .route("/vol/activities/{id}", get(pages_impl::detail_page))
        .route("/vol/activities/{id}/signup", post(pages_impl::signup_form))
        .route(
            "/vol/activities/{id}/withdraw",
            post(pages_impl::withdraw_form),
        )
        .route("/vol/activities/{id}/cancel", post(pages_impl::cancel_form))
        .route(
            "/vol/activities/{id}/attendance",
            post(pages_impl::attendance_form),
        )
        .route("/vol/messages", get(pages_impl::messages_page))
        .route("/vol/messages/read", post(pages_impl::read_form_post))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/activities", get(api_list).post(api_create))
        .route("/api/v1/activities/{id}", get(api_get))
        .route("/api/v1/activities/{id}/signups", post(api_signup))
        .route(
            "/api/v1/activities/{id}/signups/mine",
            axum::routing::delete(api_withdraw),
        )
        .route("/api/v1/activities/{id}/cancel", post(api_cancel))
        .route("/api/v1/activities/{id}/attendance", post(api_attendance))
        .route("/api/v1/volunteers/me/messages", get(api_messages))
        .route("/api/v1/volunteers/me/messages/read", post(api_read))
}

// ---- Who reads ------------------------------------------------------------------------------

/// Who is asking: a volunteer (their community is their scope) or staff of the scheme
/// (organisers publish and confirm; the street reads).
enum Viewer {
    Volunteer(Volunteer),
    Staff { organises: bool },
}

impl Viewer {
    fn volunteer(&self) -> Option<&Volunteer> {
        match self {
            Viewer::Volunteer(v) => Some(v),
            Viewer::Staff { .. } => None,
        }
    }

    fn organises(&self) -> bool {
        matches!(self, Viewer::Staff { organises: true })
    }

    fn scope(&self, p: &Principal) -> Scope {
        match self {
            Viewer::Volunteer(v) => p.scope().narrow(&v.path),
            Viewer::Staff { .. } => p.scope(),
        }
    }
}

async fn viewer(s: &AppState, p: &Principal) -> Result<Viewer, Error> {
    if p.may(Permission::Organise) || p.may(Permission::GovernVolunteers) {
        return Ok(Viewer::Staff {
            organises: p.may(Permission::Organise),
        });
    }
    if p.may(Permission::Serve) {
        return Ok(Viewer::Volunteer(active_volunteer(s, p).await?));
    }
    Err(err!("auth.forbidden"))
}

/// The caller's own volunteer record, active.
async fn active_volunteer(s: &AppState, p: &Principal) -> Result<Volunteer, Error> {
    if !p.may(Permission::Serve) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    match register::by_user(&mut c.handle(), p.user_id).await? {
        Some(v) if v.status == "active" => Ok(v),
        _ => Err(err!("volunteers.not_a_volunteer")),
    }
}

fn organiser(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::Organise) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// An id from a path: anything else is the activity "not found".
fn activity_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            err!(
                "volunteers.activity_not_found",
                id = s.chars().take(20).collect::<String>()
            )
        })
}

// ---- Actions every door shares -----------------------------------------------------------------

/// What an organiser asks to publish, as read from a form or a JSON body.
struct Publish {
    community: Option<String>,
    title: String,
    content: String,
    location: String,
    kind: String,
    points: Option<i64>,
    places: i64,
    starts_at: i64,
    ends_at: Option<i64>,
    approval_id: Option<i64>,
}

/// The community an activity is for: the code given (a village in scope), else the caller's
/// node when it is a community.
async fn community_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<i64, Error> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let code: String = code.chars().take(20).collect();
            let mut c = s.db.conn().await?;
            let n = nodes::by_code(&mut c.handle(), &p.scope(), &code).await?;
            if n.kind != NodeKind::Village {
                return Err(err!("volunteers.activity_community"));
            }
            Ok(n.id)
        }
        None if p.node_kind == NodeKind::Village => Ok(p.node_id),
        None => Err(err!("volunteers.activity_community")),
    }
}

async fn publish(s: &AppState, p: &Principal, r: &Publish) -> Result<Activity, Error> {
    organiser(p)?;
    let community_id = community_of(s, p, r.community.as_deref()).await?;
    let mut tx = s.db.begin().await?;
    // A form gives no points: they follow from the kind, or from the street's approval.
    let points = match (r.points, r.approval_id) {
        (Some(v), _) => v,
        (None, Some(approval)) if r.kind.trim() == OTHER => {
            catalogue::approved(&mut tx.handle(), approval, community_id)
                .await?
                .map(|a| a.points)
                .unwrap_or(0)
        }
        (None, _) => {
            let path = nodes::by_id(&mut tx.handle(), &p.scope(), community_id)
                .await?
                .path;
            let (_, cat) = catalogue::in_force(&mut tx.handle(), &path).await?;
            cat.kind(r.kind.trim()).map(|k| k.points).unwrap_or(0)
        }
    };
    let a = acts::create(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        &NewActivity {
            community_id,
            title: &r.title,
            content: &r.content,
            location: &r.location,
            kind: &r.kind,
            points,
            places: r.places,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            approval_id: r.approval_id,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

async fn sign_up(s: &AppState, p: &Principal, id: i64) -> Result<Signup, Error> {
    let v = active_volunteer(s, p).await?;
    let mut tx = s.db.begin().await?;
    let out = acts::signup(
        &mut tx.handle(),
        &p.scope().narrow(&v.path),
        &v,
        id,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

async fn withdraw(s: &AppState, p: &Principal, id: i64) -> Result<acts::Cancelled, Error> {
    let v = active_volunteer(s, p).await?;
    let mut tx = s.db.begin().await?;
    let out = acts::cancel_signup(
        &mut tx.handle(),
        &p.scope().narrow(&v.path),
        &v,
        id,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

async fn cancel(s: &AppState, p: &Principal, id: i64, reason: &str) -> Result<Activity, Error> {
    organiser(p)?;
    let mut tx = s.db.begin().await?;
    let out =
        acts::cancel_activity(&mut tx.handle(), &p.scope(), &actor(p), id, reason, s.now()).await?;
    tx.commit().await?;
    Ok(out)
}

async fn attend(
    s: &AppState,
    p: &Principal,
    id: i64,
    served: &[i64],
    absent: &[i64],
) -> Result<acts::Attendance, Error> {
    organiser(p)?;
    let mut tx = s.db.begin().await?;
    let out = acts::attendance(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        id,
        served,
        absent,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// An activity the viewer may read, with their own sign-up and (for staff) the roster.
struct Seen {
    a: Activity,
    mine: Option<Signup>,
    roster: Vec<Signup>,
}

async fn seen(s: &AppState, p: &Principal, v: &Viewer, id: i64) -> Result<Seen, Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let a = acts::get(h, &v.scope(p), id).await?;
    let (mine, roster) = match v.volunteer() {
        Some(me) => (acts::signup_of(h, id, me.id).await?, Vec::new()),
        None => (None, acts::roster(h, id).await?),
    };
    Ok(Seen { a, mine, roster })
}

// ---- Texts -------------------------------------------------------------------------------------

/// A kind's name through the catalogue's texts (`vol.kind.*`, part register's table); a kind
/// a street added later without a text shows its key.
pub(crate) fn kind_name(t: &Tr, key: &str) -> String {
    let k = format!("vol.kind.{key}");
    if Tr::has(&k) {
        t.s(&k).to_string()
    } else {
        key.to_string()
    }
}

/// A message's text in the reader's language, its parameters filled in.
pub(crate) fn message_text(t: &Tr, m: &Message) -> String {
    let key = format!("vol.act.msg.{}", m.kind);
    let mut text = if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        m.kind.clone()
    };
    for (k, v) in m.params() {
        text = text.replace(&format!("{{{k}}}"), &v);
    }
    text
}

// ---- API ---------------------------------------------------------------------------------------

fn activity_json(a: &Activity) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.insert("places_left".into(), json!(a.places_left()));
        m.insert("starts".into(), json!(rfc3339(a.starts_at)));
        m.insert("ends".into(), json!(rfc3339(a.ends_at)));
    }
    v
}

#[derive(Deserialize)]
struct ListQuery {
    when: Option<String>,
    limit: Option<String>,
}

fn when_of(q: Option<&str>) -> Result<When, Error> {
    let v = q.unwrap_or("").trim();
    When::parse(v).ok_or_else(|| {
        err!(
            "request.invalid",
            reason = format!(
                "when is upcoming, past or cancelled, not {}",
                v.chars().take(20).collect::<String>()
            )
        )
    })
}

fn limit_of(q: Option<&str>) -> Result<i64, Error> {
    match q.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(50),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| err!("request.bad_number", field = "limit")),
    }
}

async fn listed(
    s: &AppState,
    p: &Principal,
    v: &Viewer,
    when: When,
    limit: i64,
) -> Result<Vec<acts::Listed>, Error> {
    let mut c = s.db.conn().await?;
    acts::list(
        &mut c.handle(),
        &v.scope(p),
        when,
        v.volunteer().map(|v| v.id),
        s.now(),
        limit,
    )
    .await
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let when = when_of(q.when.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?;
    let v = viewer(&s, &p).await?;
    let items: Vec<Value> = listed(&s, &p, &v, when, limit)
        .await?
        .iter()
        .map(|l| {
            let mut j = activity_json(&l.activity);
            if let Some(m) = j.as_object_mut() {
                m.insert("my_status".into(), json!(l.my_status));
                m.insert("community_name".into(), json!(l.community_name));
            }
            j
        })
        .collect();
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

/// A time in the API: RFC 3339 text or Unix milliseconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum TimeIn {
    Ms(i64),
    Text(String),
}

impl TimeIn {
    fn ms(&self) -> Result<i64, Error> {
        match self {
            TimeIn::Ms(v) => Ok(*v),
            TimeIn::Text(t) => wangge_domain::deadline::parse_rfc3339(t.trim()).map_err(|_| {
                err!(
                    "volunteers.activity_time",
                    value = t.chars().take(40).collect::<String>()
                )
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    title: String,
    kind: String,
    points: i64,
    places: i64,
    starts_at: TimeIn,
    #[serde(default)]
    ends_at: Option<TimeIn>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    community: Option<String>,
    #[serde(default)]
    approval_id: Option<i64>,
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let req = Publish {
        community: r.community,
        title: r.title,
        content: r.content.unwrap_or_default(),
        location: r.location.unwrap_or_default(),
        kind: r.kind,
        points: Some(r.points),
        places: r.places,
        starts_at: r.starts_at.ms()?,
        ends_at: r.ends_at.as_ref().map(TimeIn::ms).transpose()?,
        approval_id: r.approval_id,
    };
    let a = publish(&s, &p, &req).await?;
    Ok((StatusCode::CREATED, Json(activity_json(&a))).into_response())
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = activity_id(&id)?;
    let v = viewer(&s, &p).await?;
    let seen = seen(&s, &p, &v, id).await?;
    let mut j = activity_json(&seen.a);
    if let Some(m) = j.as_object_mut() {
        m.insert("my_status".into(), json!(seen.mine.map(|s| s.status)));
        if v.volunteer().is_none() {
            m.insert("roster".into(), json!(seen.roster));
        }
    }
    Ok(no_store(Json(j).into_response()))
}

async fn api_signup(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let out = sign_up(&s, &p, activity_id(&id)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"activity_id": out.activity_id, "status": out.status, "seq": out.seq})),
    )
        .into_response())
}

async fn api_withdraw(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let out = withdraw(&s, &p, activity_id(&id)?).await?;
    Ok(Json(json!({"status": out.status, "promoted": out.promoted.is_some()})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelReq {
    reason: String,
}

async fn api_cancel(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CancelReq>,
) -> AppResult<Response> {
    let a = cancel(&s, &p, activity_id(&id)?, &r.reason).await?;
    Ok(Json(activity_json(&a)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttendanceReq {
    #[serde(default)]
    served: Vec<i64>,
    #[serde(default)]
    absent: Vec<i64>,
}

async fn api_attendance(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<AttendanceReq>,
) -> AppResult<Response> {
    let out = attend(&s, &p, activity_id(&id)?, &r.served, &r.absent).await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
struct MessagesQuery {
    before: Option<String>,
    limit: Option<String>,
}

fn before_of(q: Option<&str>) -> Result<Option<i64>, Error> {
    match q.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| err!("request.bad_number", field = "before")),
    }
}

async fn api_messages(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<MessagesQuery>,
) -> AppResult<Response> {
    let before = before_of(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?;
    let v = active_volunteer(&s, &p).await?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let list = messages::list(h, v.id, before, limit).await?;
    let unread = messages::unread_count(h, v.id).await?;
    let t = Tr::new(lang);
    let items: Vec<Value> = list
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "kind": m.kind,
                "activity_id": m.activity_id,
                "text": message_text(&t, m),
                "params": serde_json::from_str::<Value>(&m.params_json).unwrap_or(Value::Null),
                "created_at": m.created_at,
                "read": m.read_at.is_some(),
            })
        })
        .collect();
    Ok(no_store(
        Json(json!({ "items": items, "unread": unread })).into_response(),
    ))
}

async fn mark_read(s: &AppState, p: &Principal) -> Result<u64, Error> {
    let v = active_volunteer(s, p).await?;
    let mut tx = s.db.begin().await?;
    let n = messages::mark_read(&mut tx.handle(), v.id, None, s.now()).await?;
    tx.commit().await?;
    Ok(n)
}

async fn api_read(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let n = mark_read(&s, &p).await?;
    Ok(Json(json!({ "marked": n })).into_response())
}

/// The kinds an activity may have in a catalogue: (key, points).
fn activity_kinds(c: &Catalogue) -> Vec<(String, i64)> {
    c.kinds
        .iter()
        .filter(|k| k.activity && k.key != OTHER)
        .map(|k| (k.key.clone(), k.points))
        .collect()
}
