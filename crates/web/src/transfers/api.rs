//! `/api/v1/transfers`: ask (`POST`), list (`?which=mine|to_decide&status=…`), read one,
//! approve and refuse. The same actions as the pages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::err;
use wangge_store::basic::transfers::{Transfer, Which};

use super::{
    Ask, Decision, ask, decide, list, may_decide, may_request, one, parse_transfer_id, status_of,
};
use crate::auth::Me;
use crate::basic::api::limit_of;
use crate::basic::form::{no_store, parse_after};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/transfers", get(api_list).post(api_create))
        .route("/api/v1/transfers/{id}", get(api_get))
        .route("/api/v1/transfers/{id}/approve", post(api_approve))
        .route("/api/v1/transfers/{id}/refuse", post(api_refuse))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    id_number: String,
    #[serde(default)]
    grid_code: Option<String>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideReq {
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct ListQuery {
    which: Option<String>,
    status: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn answer(status: StatusCode, t: &Transfer) -> Response {
    no_store((status, Json(json!(t))).into_response())
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let a = Ask {
        id_number: &r.id_number,
        grid_code: r.grid_code.as_deref().unwrap_or(""),
        reason: &r.reason,
    };
    let id = ask(&s, &p, &a).await?;
    let t = one(&s, &p, id).await?;
    Ok(answer(StatusCode::CREATED, &t))
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let which = match q.which.as_deref().map(str::trim) {
        None | Some("") | Some("mine") => Which::Mine,
        Some("to_decide") => Which::ToDecide,
        Some(v) => {
            return Err(AppError(err!(
                "request.invalid",
                reason = format!(
                    "which is mine or to_decide, not {}",
                    v.chars().take(40).collect::<String>()
                )
            )));
        }
    };
    let allowed = match which {
        Which::Mine => may_request(&p),
        Which::ToDecide => may_decide(&p),
    };
    if !allowed {
        return Err(AppError(err!("auth.forbidden")));
    }
    let status = status_of(q.status.as_deref().unwrap_or(""))?;
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let items = list(&s, &p, which, status, before, limit).await?;
    // The next page continues before the last id, when this one was full.
    let next = match items.last() {
        Some(t) if items.len() as i64 == limit => Value::from(t.id),
        _ => Value::Null,
    };
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = one(&s, &p, parse_transfer_id(&id)?).await?;
    Ok(answer(StatusCode::OK, &t))
}

async fn api_approve(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Response> {
    let id = parse_transfer_id(&id)?;
    let note = r.note.unwrap_or_default();
    let t = decide(&s, &p, id, Decision::Approve, &note).await?;
    Ok(answer(StatusCode::OK, &t))
}

async fn api_refuse(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Response> {
    let id = parse_transfer_id(&id)?;
    let note = r.note.unwrap_or_default();
    let t = decide(&s, &p, id, Decision::Refuse, &note).await?;
    Ok(answer(StatusCode::OK, &t))
}
