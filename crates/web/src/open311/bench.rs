//! For `wangge bench intake`: the yardstick and a plain server for both.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use wangge_store::open311 as store;

use super::*;
use crate::state::AppState;

/// A router with the bare handlers that the full Open311 intake is measured against, each one
/// INSERT into the same database answering 200: `POST /bare/event` (an event row into the
/// events table, the ratio's yardstick) and `POST /bare/tiny` (a rate-limit row, for scale).
/// Both read the body, as the full handler does, so keep-alive behaves alike.
pub fn bare_insert_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/bare/event",
            axum::routing::post(|s: State<AppState>, _body: Bytes| {
                bare_insert(s, store::Bare::EventRow)
            }),
        )
        .route(
            "/bare/tiny",
            axum::routing::post(|s: State<AppState>, _body: Bytes| {
                bare_insert(s, store::Bare::TinyRow)
            }),
        )
        .with_state(state)
}

pub(super) async fn bare_insert(State(state): State<AppState>, bare: store::Bare) -> Response {
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let done = async {
        let mut c = state.db.conn().await?;
        store::bare_insert(&mut c.handle(), bare, seq, state.now()).await
    }
    .await;
    match done {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => domain_error(Format::Json, &e, true),
    }
}

/// Serves a router on a listener with Nagle's algorithm off, until the task is dropped.
pub async fn serve_plain(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await
}
