//! What residents reach without logging in, as JSON: their event through the private tracking
//! token (the public timeline, rating it once, asking once to reopen it) and a grid's or
//! village's board of closed events. Both show what the pages `/t/{token}` and `/public/{code}`
//! show and nothing more: no internal steps or notes, no staff or reporter names or phones.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::Error;
use wangge_domain::event::{self, Action, ActionKind, Actor, Status};
use wangge_store::events;

use crate::error::AppResult;
use crate::form::ApiJson;
use crate::intake::{ClientIp, note_is_public, rate_hit, track_apply};
use crate::state::AppState;
use crate::ui::rfc3339;
use crate::ui::{scrub_digits, truncate};

/// Closed events a board lists, as on the page.
const BOARD_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/track/{token}", get(track))
        .route("/api/v1/track/{token}/rate", post(rate))
        .route("/api/v1/track/{token}/reopen", post(reopen))
        .route("/api/v1/public/{code}", get(board))
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map(|m| Value::from(rfc3339(m))).unwrap_or(Value::Null)
}

/// The event behind a tracking token as its reporter sees it.
async fn track_json(s: &AppState, token: &str) -> Result<Value, Error> {
    let now = s.now();
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let e = events::by_tracking(h, token).await?;
    let history = events::history(h, e.id, true).await?;
    let category = events::categories(h)
        .await?
        .into_iter()
        .find(|c| c.code == e.category_code);
    let steps: Vec<Value> = history
        .iter()
        .filter(|r| r.public)
        .map(|r| {
            let photos: Vec<Value> = r
                .attachment_ids()
                .into_iter()
                .map(|id| json!({"id": id, "url": format!("/t/{}/photos/{id}", token.trim())}))
                .collect();
            json!({
                "action": r.label,
                "at": rfc3339(r.at),
                "note": if note_is_public(&r.label) { r.note.as_str() } else { "" },
                "photos": photos,
            })
        })
        .collect();
    let state = e.state()?;
    let open = e.status.is_open();
    // What the resident may do now is the workflow's answer for a reporter.
    let may = event::available_actions(
        &state,
        &Actor::Reporter { user_id: None },
        now,
        &s.config.rules,
    );
    let window_ends = e
        .closed_at
        .filter(|_| e.status == Status::Closed)
        .map(|c| c.saturating_add(s.config.rules.rating_window_ms));
    Ok(json!({
        "number": e.number,
        "category": {
            "code": e.category_code,
            "name": category.as_ref().map_or(e.category_name.as_str(), |c| c.name.as_str()),
            "name_en": category.as_ref().map(|c| c.name_en.as_str()),
        },
        "grid": {"code": e.grid_code, "name": e.grid_name},
        "status": e.status,
        "light": e.light(now).map(|l| l.code()),
        "reported_at": rfc3339(e.reported_at),
        "due_at": if open { opt_time(e.due_at) } else { Value::Null },
        "closed_at": opt_time(e.closed_at),
        "can_rate": may.contains(&ActionKind::Rate),
        "can_reopen": may.contains(&ActionKind::Reopen),
        "window_ends_at": opt_time(window_ends),
        "rating": e.rating,
        "rating_comment": e.rating_comment,
        "steps": steps,
    }))
}

async fn track(State(s): State<AppState>, Path(token): Path<String>) -> AppResult<Json<Value>> {
    Ok(Json(track_json(&s, &token).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateReq {
    stars: u8,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReopenReq {
    #[serde(default)]
    reason: String,
}

/// Rates the closed event once (1 to 5 stars), within the rating window; the tracking JSON after.
async fn rate(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    ApiJson(r): ApiJson<RateReq>,
) -> AppResult<Json<Value>> {
    rate_hit(&s, &ip).await?;
    let action = Action::Rate {
        stars: r.stars,
        comment: r.comment,
    };
    track_apply(&s, &token, action).await?;
    Ok(Json(track_json(&s, &token).await?))
}

/// Asks once, with a reason, to reopen the closed event before rating it; the tracking JSON after.
async fn reopen(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    ApiJson(r): ApiJson<ReopenReq>,
) -> AppResult<Json<Value>> {
    rate_hit(&s, &ip).await?;
    track_apply(&s, &token, Action::Reopen { reason: r.reason }).await?;
    Ok(Json(track_json(&s, &token).await?))
}

/// The closed events under any node (a grid or a village, usually), newest first, as the public
/// board shows them: numbers a resident typed are masked, texts shortened, no names or phones.
async fn board(State(s): State<AppState>, Path(code): Path<String>) -> AppResult<Json<Value>> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = events::public_node(h, &code).await?;
    let list = events::public_results(h, &node.path, BOARD_SIZE).await?;
    let items: Vec<Value> = list
        .into_iter()
        .map(|r| {
            json!({
                "category": r.category_name,
                "grid": r.grid_name,
                "summary": truncate(&scrub_digits(&r.description), 60),
                "result": truncate(&scrub_digits(&r.result), 200),
                "reported_at": rfc3339(r.reported_at),
                "closed_at": opt_time(r.closed_at),
                "rating": r.rating,
            })
        })
        .collect();
    Ok(Json(json!({
        "node": {"code": node.code, "kind": node.kind, "name": node.name},
        "items": items,
    })))
}
