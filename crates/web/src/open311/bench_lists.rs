//! For `wangge bench lists`: the bare handlers the full lists are measured against.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wangge_store::open311::{self as store, BareList};

use super::*;
use crate::state::AppState;

#[derive(Deserialize)]
struct BareQuery {
    path: Option<String>,
    limit: Option<i64>,
}

/// A router with two bare lists, each one indexed SELECT of a page answered as JSON:
/// `GET /bare/requests` (the Open311 default: the newest 100 of the last 90 days) and
/// `GET /bare/scope?path=P&limit=N` (the newest events under a path).
pub fn bare_list_router(state: AppState) -> Router {
    Router::new()
        .route("/bare/requests", axum::routing::get(bare_requests))
        .route("/bare/scope", axum::routing::get(bare_scope))
        .with_state(state)
}

async fn bare_requests(State(state): State<AppState>) -> Response {
    let now = state.now();
    let bare = BareList::Window {
        from: now - WINDOW_MS,
        to: now.saturating_add(1),
    };
    bare_list(&state, &bare, PAGE_SIZE).await
}

async fn bare_scope(State(state): State<AppState>, Query(q): Query<BareQuery>) -> Response {
    let bare = BareList::Scope {
        path: q.path.unwrap_or_default(),
    };
    bare_list(&state, &bare, q.limit.unwrap_or(50)).await
}

async fn bare_list(state: &AppState, bare: &BareList, limit: i64) -> Response {
    let rows = async {
        let mut c = state.db.conn().await?;
        store::bare_list(&mut c.handle(), bare, limit).await
    }
    .await;
    match rows {
        Ok(rows) => (StatusCode::OK, axum::Json(rows)).into_response(),
        Err(e) => domain_error(Format::Json, &e, true),
    }
}
