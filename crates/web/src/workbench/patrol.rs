//! Time in the grid (巡查): check-in, the positions sampled while on patrol (`assets/patrol.js`
//! sends one a minute, through the offline outbox when there is one), check-out, and the
//! seconds inside the grid per day that the server computes from them. `/work/patrol` is the
//! worker's page (and a reviewer's list of their scope's days); JSON under `/api/v1/patrols`.
//!
//! A patrol is named in URLs by its id or by the client key of its check-in, so a phone that
//! checked in without signal can queue points for a patrol whose id it does not know yet.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::calendar::Date;
use wangge_domain::deadline::{local_date, parse_rfc3339};
use wangge_domain::workbench::patrol::{MAX_POINTS_PER_BATCH, minutes};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::patrol::{self as store, NewPatrol, NewPoint, Patrol, Viewer};
use wangge_store::workbench::rules;

use crate::auth::Me;
use crate::basic::api::limit_of;
use crate::basic::form::{no_store, parse_after};
use crate::error::{AppError, AppResult};
use crate::form::{ApiJson, parse_lat_lon};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, rfc3339, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/work/patrol", get(page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/patrols", get(api_list).post(api_start))
        .route("/api/v1/patrols/{id}", get(api_get))
        .route("/api/v1/patrols/{id}/points", post(api_points))
        .route("/api/v1/patrols/{id}/end", post(api_end))
}

// ---- shared with the sweep -------------------------------------------------------------

/// Patrols and sweeps are a grid worker's own work, in their own grid.
pub(super) fn grid_worker(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::RecordWork) && p.node_kind == NodeKind::Grid {
        Ok(())
    } else {
        Err(err!("work.field_grid_worker_only"))
    }
}

/// Whether the caller may read others' field work in their scope.
pub(super) fn reviews(p: &Principal) -> bool {
    p.may(Permission::ReviewWork)
}

/// A client key as phones make them (a UUID); refused when blank, long or odd.
pub(super) fn client_key(k: Option<&str>) -> Result<String, Error> {
    let k = k.map(str::trim).unwrap_or("");
    let ok = !k.is_empty()
        && k.len() <= 100
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(k.to_string())
    } else {
        Err(err!("work.field_key_invalid"))
    }
}

/// A stated time (RFC 3339), or the server's when none was stated.
pub(super) fn stated_at(at: Option<&str>, field: &str, now: i64) -> Result<i64, Error> {
    match at.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(now),
        Some(s) => parse_rfc3339(s)
            .ok()
            .filter(|ms| local_date(*ms).is_ok())
            .ok_or_else(|| err!("work.field_at_invalid", field)),
    }
}

pub(super) fn today(s: &AppState) -> Result<Date, Error> {
    crate::basic::access::today(s.now())
}

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        user_id: p.user_id,
        review_pattern: reviews(p).then(|| p.scope().like_pattern()),
    }
}

/// A position a patrol needs: both numbers, in range.
fn position(lon: Option<f64>, lat: Option<f64>) -> Result<(f64, f64), Error> {
    match (lon, lat) {
        (Some(lon), Some(lat)) => {
            let (lat, lon) = parse_lat_lon(Some(&lat.to_string()), Some(&lon.to_string()))?;
            Ok((lon, lat))
        }
        _ => Err(err!("work.field_position_required")),
    }
}

/// A point as the locate index places it.
fn locate_point(
    s: &AppState,
    patrol: &Patrol,
    key: String,
    at: i64,
    lon: f64,
    lat: f64,
) -> NewPoint {
    let located = s.locate_index().locate(lon, lat).cloned();
    NewPoint {
        client_key: key,
        at,
        lon,
        lat,
        inside: located.as_ref().is_some_and(|g| g.id == patrol.grid_id),
        located: located.map(|g| g.code),
    }
}

fn patrol_json(p: &Patrol) -> Value {
    json!({
        "id": p.id,
        "worker_id": p.worker_id,
        "worker_name": p.worker_name,
        "grid_code": p.grid_code,
        "grid_name": p.grid_name,
        "day": p.day,
        "started_at": rfc3339(p.started_at),
        "ended_at": p.ended_at.map(rfc3339),
        "open": p.ended_at.is_none(),
        "client_key": p.client_key,
    })
}

/// The patrol a URL names (id or check-in key) among those the caller may read.
async fn named(s: &AppState, p: &Principal, id: &str) -> Result<Patrol, Error> {
    let id = id.trim();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    match id.parse::<i64>() {
        Ok(n) if n > 0 => store::get(h, &viewer(p), n).await,
        _ => {
            let key = client_key(Some(id)).map_err(|_| {
                err!(
                    "work.patrol_not_found",
                    id = id.chars().take(40).collect::<String>()
                )
            })?;
            store::by_key(h, p.user_id, &key)
                .await?
                .ok_or_else(|| err!("work.patrol_not_found", id = key))
        }
    }
}

/// The caller's own patrol named in a URL: recording on someone else's is as absent as it.
async fn own(s: &AppState, p: &Principal, id: &str) -> Result<Patrol, Error> {
    grid_worker(p)?;
    let patrol = named(s, p, id).await?;
    if patrol.worker_id != p.user_id {
        return Err(err!("work.patrol_not_found", id = patrol.id));
    }
    Ok(patrol)
}

// ---- actions ---------------------------------------------------------------------------

/// A check-in. Answers the patrol and whether it is new (a resend answers the first).
pub async fn start(
    s: &AppState,
    p: &Principal,
    key: &str,
    at: i64,
    lon: f64,
    lat: f64,
) -> Result<(Patrol, bool), Error> {
    grid_worker(p)?;
    match start_once(s, p, key, at, lon, lat).await {
        // A copy sent at the same moment got in first: answered like any resend.
        Err(e) if e.code == "db.duplicate" => start_once(s, p, key, at, lon, lat).await,
        r => r,
    }
}

async fn start_once(
    s: &AppState,
    p: &Principal,
    key: &str,
    at: i64,
    lon: f64,
    lat: f64,
) -> Result<(Patrol, bool), Error> {
    let now = s.now();
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    if let Some(first) = store::by_key(h, p.user_id, key).await? {
        let same = store::point_by_key(h, p.user_id, &store::start_key(key))
            .await?
            .is_some_and(|pt| pt.at == at && pt.lon == lon && pt.lat == lat);
        return if same {
            Ok((first, false))
        } else {
            Err(err!("work.client_key_reused"))
        };
    }
    store::close_stale(h, p.user_id, today(s)?).await?;
    let id = store::start(
        h,
        &NewPatrol {
            worker_id: p.user_id,
            grid_id: p.node_id,
            path: &p.node_path,
            client_key: key,
            at,
        },
    )
    .await?;
    let patrol = store::get(h, &viewer(p), id).await?;
    let point = locate_point(s, &patrol, store::start_key(key), at, lon, lat);
    store::record_points(h, &patrol, &[point], now).await?;
    tx.commit().await?;
    Ok((patrol, true))
}

/// Points of one's own patrol; how many were new.
pub async fn add_points(
    s: &AppState,
    patrol: &Patrol,
    points: Vec<NewPoint>,
) -> Result<usize, Error> {
    let mut tx = s.db.begin().await?;
    let n = store::record_points(&mut tx.handle(), patrol, &points, s.now()).await?;
    tx.commit().await?;
    Ok(n)
}

/// A check-out, with the phone's position when it has one.
pub async fn end(
    s: &AppState,
    p: &Principal,
    patrol: &Patrol,
    at: i64,
    pos: Option<(f64, f64)>,
) -> Result<Patrol, Error> {
    if at < patrol.started_at {
        return Err(err!("work.field_at_invalid", field = "at"));
    }
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let end_point = store::point_by_key(h, p.user_id, &store::end_key(&patrol.client_key)).await?;
    match (patrol.ended_at, &end_point) {
        (Some(e), _) if e == at => {
            drop(tx);
            return Ok(patrol.clone());
        }
        // Checked out before at another time; an end made by the midnight close (no end point)
        // gives way to the worker's own.
        (Some(_), Some(_)) => return Err(err!("work.patrol_ended", id = patrol.id)),
        _ => {}
    }
    store::set_end(h, patrol.id, at).await?;
    if let Some((lon, lat)) = pos {
        let point = locate_point(s, patrol, store::end_key(&patrol.client_key), at, lon, lat);
        store::record_points(h, patrol, &[point], s.now()).await?;
    }
    let out = store::get(h, &viewer(p), patrol.id).await?;
    tx.commit().await?;
    Ok(out)
}

// ---- the API ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct StartReq {
    client_key: Option<String>,
    at: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
}

async fn api_start(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<StartReq>,
) -> AppResult<Response> {
    grid_worker(&p)?;
    let key = client_key(r.client_key.as_deref())?;
    let at = stated_at(r.at.as_deref(), "at", s.now())?;
    let (lon, lat) = position(r.lon, r.lat)?;
    let (patrol, new) = start(&s, &p, &key, at, lon, lat).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(no_store(
        (status, Json(patrol_json(&patrol))).into_response(),
    ))
}

#[derive(Deserialize)]
struct PointReq {
    client_key: Option<String>,
    at: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
}

#[derive(Deserialize)]
struct PointsReq {
    points: Vec<PointReq>,
}

async fn api_points(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<PointsReq>,
) -> AppResult<Response> {
    grid_worker(&p)?;
    if r.points.is_empty() {
        return Err(AppError(err!("work.patrol_points_empty")));
    }
    if r.points.len() > MAX_POINTS_PER_BATCH {
        return Err(AppError(err!(
            "work.patrol_points_too_many",
            max = MAX_POINTS_PER_BATCH
        )));
    }
    let patrol = own(&s, &p, &id).await?;
    let now = s.now();
    let mut points = Vec::with_capacity(r.points.len());
    for (i, pt) in r.points.iter().enumerate() {
        let at = stated_at(pt.at.as_deref(), &format!("points[{i}].at"), now)?;
        let key = client_key(pt.client_key.as_deref())?;
        let (lon, lat) = position(pt.lon, pt.lat)?;
        points.push(locate_point(&s, &patrol, key, at, lon, lat));
    }
    let received = points.len();
    let new = add_points(&s, &patrol, points).await?;
    Ok(no_store(
        Json(json!({ "patrol_id": patrol.id, "received": received, "new": new })).into_response(),
    ))
}

#[derive(Deserialize)]
struct EndReq {
    at: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
}

async fn api_end(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<EndReq>,
) -> AppResult<Response> {
    grid_worker(&p)?;
    let at = stated_at(r.at.as_deref(), "at", s.now())?;
    let pos = match (r.lon, r.lat) {
        (None, None) => None,
        (lon, lat) => Some(position(lon, lat)?),
    };
    let patrol = own(&s, &p, &id).await?;
    let out = end(&s, &p, &patrol, at, pos).await?;
    Ok(no_store(Json(patrol_json(&out)).into_response()))
}

#[derive(Deserialize)]
struct ListQuery {
    worker_id: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    if grid_worker(&p).is_err() && !reviews(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let worker = match q
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| err!("request.bad_number", field = "worker_id"))?,
        ),
    };
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    if grid_worker(&p).is_ok() {
        store::close_stale(h, p.user_id, today(&s)?).await?;
    }
    let items = store::list(h, &viewer(&p), worker, before, limit).await?;
    let next = match items.last() {
        Some(x) if items.len() as i64 == limit => Value::from(x.id),
        _ => Value::Null,
    };
    let items: Vec<Value> = items.iter().map(patrol_json).collect();
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

/// The most points one answer carries (a day sampled each minute is 1,440).
const MAX_POINTS_SHOWN: i64 = 5_000;

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let patrol = named(&s, &p, &id).await?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let pts = store::points(h, patrol.id, MAX_POINTS_SHOWN).await?;
    let flags = store::flags_of(h, patrol.id).await?;
    let mut v = patrol_json(&patrol);
    v["flags"] = flags
        .iter()
        .map(|(reason, point, status)| json!({ "reason": reason, "point_id": point, "status": status }))
        .collect();
    v["points"] = pts
        .iter()
        .map(|x| json!({ "id": x.id, "at": rfc3339(x.at), "lon": x.lon, "lat": x.lat, "inside": x.inside }))
        .collect();
    Ok(no_store(Json(v).into_response()))
}

// ---- the page --------------------------------------------------------------------------

pub struct DayRow {
    pub day: String,
    pub worker: String,
    pub minutes: i64,
    pub light: &'static str,
}

#[derive(Template)]
#[template(path = "workbench/patrol.html")]
struct PatrolPage {
    l: Layout,
    worker: bool,
    open_key: String,
    open_since: String,
    today_minutes: i64,
    duty_minutes: u32,
    light: &'static str,
    days: Vec<DayRow>,
    team: Vec<DayRow>,
}

fn light(minutes: i64, duty: u32) -> &'static str {
    if minutes >= duty as i64 {
        "green"
    } else if minutes * 2 >= duty as i64 {
        "amber"
    } else {
        "red"
    }
}

async fn page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    let worker = grid_worker(&p).is_ok();
    if !worker && !reviews(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let today = today(&s)?;
    let from = today.add_days(-13).unwrap_or(today);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let duties = rules::in_force(h, &p.node_path, today).await?;
    let duty = duties.minutes_in_grid_per_day;
    let (mut open_key, mut open_since, mut today_minutes, mut days) =
        (String::new(), String::new(), 0, Vec::new());
    if worker {
        store::close_stale(h, p.user_id, today).await?;
        if let Some(o) = store::open_of(h, p.user_id).await? {
            open_since = time_text(o.started_at);
            open_key = o.client_key;
        }
        let rows = store::days(h, p.user_id, from, today).await?;
        for (day, secs) in rows.into_iter().rev() {
            let m = minutes(secs);
            if day == today.to_string() {
                today_minutes = m;
            }
            days.push(DayRow {
                light: light(m, duty),
                day,
                worker: p.display_name.clone(),
                minutes: m,
            });
        }
    }
    let team = if reviews(&p) {
        store::scope_days(h, &p.scope().like_pattern(), from, today, 200)
            .await?
            .into_iter()
            .map(|(day, name, secs)| DayRow {
                light: light(minutes(secs), duty),
                day,
                worker: name,
                minutes: minutes(secs),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(no_store(render(PatrolPage {
        l: Layout::new(lang, Some(p.clone()), "wbfield.patrol.title"),
        worker,
        open_key,
        open_since,
        today_minutes,
        duty_minutes: duty,
        light: light(today_minutes, duty),
        days,
        team,
    })))
}
