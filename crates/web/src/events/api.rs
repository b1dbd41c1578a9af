//! The events API under `/api/v1/events`: everything the event pages do.
//!
//! Every handler resolves the caller's scope first (an event outside it is a 404), runs writes in
//! one transaction (an error rolls everything back) and answers errors as `{code, message,
//! details}` with the domain's stable codes: 400 bad input, 403 the role may not, 409 the state
//! does not allow it.

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::err;
use wangge_domain::event::{self, Action, Status, Urgency};
use wangge_domain::{Error, Role, Sensitive};
use wangge_store::events::{self, EventRow, HistoryRow, Inbox, ListFilter, Source};

use super::upload::{self, ActionBody, ReportBody};
use crate::auth::{Me, caller};
use crate::error::{AppError, AppResult};
use crate::intake::{self, GridHint, ReportRequest};
use crate::state::AppState;
use crate::ui::rfc3339;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/events",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(upload::REPORT_BODY_BYTES)),
        )
        .route("/api/v1/events/{number}", get(detail))
        .route(
            "/api/v1/events/{number}/actions",
            post(act).layer(DefaultBodyLimit::max(upload::ACTION_BODY_BYTES)),
        )
        .route("/api/v1/events/{number}/photos/{id}", get(photo))
        .route("/api/v1/categories", get(categories))
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map(|m| Value::from(rfc3339(m))).unwrap_or(Value::Null)
}

/// The query of a list, as the API and the inbox page take it.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub inbox: Option<String>,
    pub q: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// Keyset paging: the `next_before` of the page before.
    pub before: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks a list query: unknown inboxes, statuses and levels, and bad numbers are 400s.
pub fn parse_list(q: &ListQuery) -> Result<(Inbox, ListFilter), Error> {
    let inbox = match non_empty(&q.inbox) {
        None => Inbox::All,
        Some(s) => Inbox::parse(s).ok_or_else(|| err!("event.inbox_invalid"))?,
    };
    let status = match non_empty(&q.status) {
        None => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| err!("event.status_invalid", status = s))?
                .as_str()
                .to_string(),
        ),
    };
    let level = match non_empty(&q.level) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .filter(|l| (1..=5).contains(l))
                .ok_or_else(|| err!("event.level_invalid"))?,
        ),
    };
    let number = |v: &Option<String>, name: &str, default: i64, max: i64| match non_empty(v) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or_else(|| err!("request.bad_number", field = name)),
    };
    let limit = number(&q.limit, "limit", 50, 500)?.max(1);
    let offset = number(&q.offset, "offset", 0, i64::MAX)?;
    if offset > events::MAX_OFFSET {
        return Err(err!("event.offset_too_far", max = events::MAX_OFFSET));
    }
    let before = match non_empty(&q.before) {
        None => None,
        Some(t) => Some(events::Cursor::parse(t).ok_or_else(|| err!("event.cursor_invalid"))?),
    };
    let category = non_empty(&q.category).map(str::to_string);
    if category.as_deref().is_some_and(|c| c.chars().count() > 40) {
        return Err(err!(
            "event.category_unknown",
            code = category.as_deref().unwrap_or_default()
        ));
    }
    let text = non_empty(&q.q).map(|t| t.chars().take(100).collect());
    Ok((
        inbox,
        ListFilter {
            text,
            category,
            status,
            level,
            limit,
            offset,
            before,
            me: None,
        },
    ))
}

/// One event of a list.
pub fn item_json(e: &EventRow, now: i64) -> Value {
    json!({
        "number": e.number,
        "category": {"code": e.category_code, "name": e.category_name},
        "grid": {"code": e.grid_code, "name": e.grid_name},
        "level": e.level,
        "status": e.status,
        "urgency": e.urgency,
        "holder": e.holder_label,
        "due_at": opt_time(e.due_at),
        "light": e.light(now).map(|l| l.code()),
        "supervision": e.supervision,
        "reported_at": rfc3339(e.reported_at),
    })
}

fn history_json(rows: &[HistoryRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            json!({
                "seq": r.seq,
                "action": r.action,
                "label": r.label,
                "actor_name": r.actor_name,
                "actor_type": r.actor_type,
                "at": rfc3339(r.at),
                "note": r.note,
                "attachments": r.attachment_ids(),
                "from_status": r.from_status,
                "to_status": r.to_status,
                "from_level": r.from_level,
                "to_level": r.to_level,
                "holder": serde_json::from_str::<Value>(&r.holder).unwrap_or(Value::Null),
                "due_at": opt_time(r.due_at),
                "public": r.public,
            })
        })
        .collect()
}

/// Everything about one event for staff: facts, what the caller may do, the whole history and
/// the masked reporter.
async fn detail_json(
    s: &AppState,
    h: &mut wangge_store::Handle<'_>,
    c: &events::Caller,
    e: &EventRow,
) -> Result<Value, Error> {
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let state = e.state()?;
    let available: Vec<&str> = event::available_actions(&state, &c.actor, now, &s.config.rules)
        .into_iter()
        .map(|k| k.as_str())
        .collect();
    let history = events::history(h, e.id, false).await?;
    let reporter = events::reporter(h, &ctx, e).await?;
    let photos: Vec<i64> = history
        .first()
        .map(HistoryRow::attachment_ids)
        .unwrap_or_default();
    let mut v = item_json(e, now);
    if let Some(o) = v.as_object_mut() {
        for (k, val) in [
            ("source", json!(e.source)),
            ("complexity", json!(e.complexity)),
            ("description", json!(e.description)),
            ("lat", json!(e.lat)),
            ("lon", json!(e.lon)),
            ("address", json!(e.address)),
            ("route_note", json!(e.route_note)),
            ("holder_detail", json!(state.holder)),
            ("owner", json!(state.owner)),
            ("final_due_at", opt_time(e.final_due_at)),
            ("calendar_missing", json!(e.calendar_missing)),
            ("due_missing", json!(e.due_missing())),
            ("final_due_missing", json!(e.final_due_missing())),
            ("rework_count", json!(e.rework_count)),
            ("reminder_count", json!(e.reminder_count)),
            ("rating", json!(e.rating)),
            ("closed_at", opt_time(e.closed_at)),
            ("link", json!(state.link)),
            ("photos", json!(photos)),
            ("reporter", json!(reporter)),
            ("available_actions", json!(available)),
            ("history", json!(history_json(&history))),
        ] {
            o.insert(k.to_string(), val);
        }
    }
    Ok(v)
}

async fn list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let (inbox, mut filter) = parse_list(&q)?;
    filter.me = Some(p.user_id);
    let now = s.now();
    let mut c = s.db.conn().await?;
    // One row more than asked says whether there is a next page, without counting the scope.
    let mut ask = filter.clone();
    ask.limit = filter.limit + 1;
    let mut rows = events::list(&mut c.handle(), &p.scope(), inbox, &ask, now).await?;
    let more = rows.len() as i64 > filter.limit;
    rows.truncate(filter.limit as usize);
    let next_before = rows.last().filter(|_| more).map(|e| {
        events::Cursor {
            reported_at: e.reported_at,
            id: e.id,
        }
        .text()
    });
    Ok(Json(json!({
        "inbox": inbox.as_str(),
        "limit": filter.limit,
        "offset": filter.offset,
        "next_before": next_before,
        "items": rows.iter().map(|e| item_json(e, now)).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    category_code: String,
    description: String,
    lat: Option<f64>,
    lon: Option<f64>,
    grid_code: Option<String>,
    address: Option<String>,
    urgency: Option<String>,
    reporter_name: Option<Sensitive<String>>,
    reporter_phone: Option<Sensitive<String>>,
    source: Option<String>,
    /// The result, when a grid worker handled it on the spot.
    handled_on_spot: Option<String>,
    submission_key: Option<String>,
}

async fn create(
    State(s): State<AppState>,
    Me(p): Me,
    ReportBody(r, photos): ReportBody<CreateReq>,
) -> AppResult<Response> {
    let who = caller(&p)?;
    let source = match r.source.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        None if p.role() == Role::Worker => Source::Worker,
        None => Source::OperatorPhone,
        Some(x) => match Source::parse(x) {
            Some(src) if src.staff_may_use(&who.actor) => src,
            _ => {
                return Err(err!("event.source_invalid").into());
            }
        },
    };
    let urgency = match r
        .urgency
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty())
    {
        None => Urgency::Normal,
        Some(u) => Urgency::parse(u).ok_or_else(|| err!("event.urgency_invalid"))?,
    };
    if r.lat.is_some_and(|x| !x.is_finite()) || r.lon.is_some_and(|x| !x.is_finite()) {
        return Err(err!("event.location_invalid").into());
    }
    let key = r
        .submission_key
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    if key.as_deref().is_some_and(|k| k.len() > 100) {
        return Err(err!("event.submission_key_invalid").into());
    }
    let grid = r
        .grid_code
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty());
    let request = ReportRequest {
        source,
        category: r.category_code,
        description: r.description,
        lat: r.lat,
        lon: r.lon,
        grid: grid.map_or(GridHint::None, GridHint::Chosen),
        address: r.address,
        urgency,
        reporter_name: r.reporter_name,
        reporter_phone: r.reporter_phone,
        photos,
        submission_key: key,
        handled_on_spot: r
            .handled_on_spot
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty()),
    };
    let now = s.now();
    let rep = intake::submit(&s, &who, request).await?;
    let status = if rep.duplicate_submission {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "number": rep.number,
            "tracking_token": rep.tracking_token,
            "duplicate_submission": rep.duplicate_submission,
            "event": item_json(&rep.event, now),
        })),
    )
        .into_response())
}

async fn detail(
    State(s): State<AppState>,
    Me(p): Me,
    Path(number): Path<String>,
) -> AppResult<Json<Value>> {
    let who = caller(&p)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &who.scope, &number).await?;
    Ok(Json(detail_json(&s, h, &who, &e).await?))
}

/// Photo references an API client gives with feedback must be photos of this very event.
async fn check_photo_refs(
    h: &mut wangge_store::Handle<'_>,
    e: &EventRow,
    action: &Action,
) -> Result<(), Error> {
    let refs = match action {
        Action::Feedback { photos, .. } | Action::HandleOnSpot { photos, .. } => photos,
        _ => return Ok(()),
    };
    for r in refs {
        let id = r
            .trim()
            .parse::<i64>()
            .map_err(|_| err!("event.attachments_invalid", max = event::MAX_ATTACHMENTS))?;
        events::photo(h, e, id)
            .await
            .map_err(|_| err!("event.attachments_invalid", max = event::MAX_ATTACHMENTS))?;
    }
    Ok(())
}

async fn act(
    State(s): State<AppState>,
    Me(p): Me,
    Path(number): Path<String>,
    ActionBody(action, photos): ActionBody<Action>,
) -> AppResult<Json<Value>> {
    let who = caller(&p)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let e = events::get(h, &who.scope, &number).await?;
    check_photo_refs(h, &e, &action).await?;
    let after = events::apply_to(h, &ctx, &who, &e, action, &photos, now).await?;
    let v = detail_json(&s, h, &who, &after).await?;
    tx.commit().await?;
    Ok(Json(v))
}

async fn photo(
    State(s): State<AppState>,
    Me(p): Me,
    Path((number, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &p.scope(), &number).await?;
    let id = id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError(err!("photo.not_found")))?;
    let (ty, bytes) = events::photo(h, &e, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The category tree; names are public (the resident page shows them), so no log-in.
async fn categories(State(s): State<AppState>) -> AppResult<Json<Value>> {
    let mut c = s.db.conn().await?;
    let list = events::categories(&mut c.handle()).await?;
    Ok(Json(json!({ "items": list })))
}
