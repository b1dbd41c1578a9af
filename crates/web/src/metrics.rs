//! Prometheus metrics: requests by route and status, their duration, and the grid index.

use std::fmt::Write;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(render))
        .route("/healthz", get(healthz))
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    tracing::info!(target: "wangge::http", %method, %route, status, ms = secs * 1000.0, "request");
    if let Ok(mut m) = state.metrics.requests.lock() {
        let e = m.entry((method, route, status)).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += secs;
    }
    resp
}

async fn render(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    out.push_str("# HELP wangge_http_requests_total HTTP requests by route and status.\n");
    out.push_str("# TYPE wangge_http_requests_total counter\n");
    let snapshot: Vec<_> = match state.metrics.requests.lock() {
        Ok(m) => m.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        Err(_) => Vec::new(),
    };
    for ((m, r, s), (n, _)) in &snapshot {
        let _ = writeln!(
            out,
            "wangge_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {n}"
        );
    }
    out.push_str("# HELP wangge_http_request_seconds_sum Time spent answering, by route.\n");
    out.push_str("# TYPE wangge_http_request_seconds_sum counter\n");
    for ((m, r, s), (_, t)) in &snapshot {
        let _ = writeln!(
            out,
            "wangge_http_request_seconds_sum{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {t:.6}"
        );
    }
    out.push_str("# HELP wangge_grids_indexed Grids in this instance's locate index.\n");
    out.push_str("# TYPE wangge_grids_indexed gauge\n");
    let _ = writeln!(out, "wangge_grids_indexed {}", state.locate_index().len());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    let ok = match state.db.conn().await {
        Ok(mut c) => wangge_store::nodes::generation(&mut c.handle())
            .await
            .is_ok(),
        Err(_) => false,
    };
    if ok {
        axum::Json(serde_json::json!({"status": "ok"})).into_response()
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response()
    }
}
