//! Prometheus metrics: requests by route and status, a latency histogram per route, and the
//! grid index; and the optional request log, written off the request's path.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::{AppState, RequestLine};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(render))
        .route("/healthz", get(healthz))
}

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const BUCKETS_S: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How many request lines may wait for the log writer before new ones are dropped.
const LOG_QUEUE: usize = 8192;

/// How the operator wants requests logged: not at all, or one line each at INFO or DEBUG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLog {
    Off,
    Info,
    Debug,
}

impl RequestLog {
    pub fn parse(s: &str) -> Option<RequestLog> {
        match s {
            "off" => Some(RequestLog::Off),
            "info" => Some(RequestLog::Info),
            "debug" => Some(RequestLog::Debug),
            _ => None,
        }
    }
}

impl AppState {
    /// Starts the request log: each request hands its line to a queue that a task of its own
    /// writes, so a slow terminal or disk never holds up an answer (a full queue drops the
    /// line and counts it). Off by default: `/metrics` carries counts and latencies per route.
    /// Call once, inside the runtime.
    pub fn log_requests(&self, level: RequestLog) {
        if level == RequestLog::Off {
            return;
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel::<RequestLine>(LOG_QUEUE);
        if self.metrics.request_log.set(tx).is_err() {
            return;
        }
        tokio::spawn(async move {
            while let Some(l) = rx.recv().await {
                let (method, route, status, ms) = (l.method, l.route, l.status, l.ms);
                if level == RequestLog::Info {
                    tracing::info!(target: "wangge::http", %method, %route, status, ms, "request");
                } else {
                    tracing::debug!(target: "wangge::http", %method, %route, status, ms, "request");
                }
            }
        });
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // The matched template (`/api/v1/events/{number}`), never the raw path: one series a route.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    let m = &state.metrics;
    if let Ok(mut r) = m.requests.lock() {
        let e = r
            .entry((method.clone(), route.clone(), status))
            .or_insert((0, 0.0));
        e.0 += 1;
        e.1 += secs;
    }
    let bucket = BUCKETS_S
        .iter()
        .position(|b| secs <= *b)
        .unwrap_or(BUCKETS_S.len());
    if let Some(log) = m.request_log.get() {
        if let Ok(mut l) = m.latency.lock() {
            bump(&mut l, (method.clone(), route.clone()), bucket);
        }
        let line = RequestLine {
            method,
            route,
            status,
            ms: secs * 1000.0,
        };
        if log.try_send(line).is_err() {
            m.log_dropped.fetch_add(1, Ordering::Relaxed);
        }
    } else if let Ok(mut l) = m.latency.lock() {
        bump(&mut l, (method, route), bucket);
    }
    resp
}

fn bump(
    l: &mut std::collections::BTreeMap<(String, String), Vec<u64>>,
    key: (String, String),
    bucket: usize,
) {
    let counts = l.entry(key).or_insert_with(|| vec![0; BUCKETS_S.len() + 1]);
    if let Some(c) = counts.get_mut(bucket) {
        *c += 1;
    }
}

/// The histogram lines of one (method, route): cumulative counts per bucket, then +Inf.
fn histogram(out: &mut String, m: &str, r: &str, counts: &[u64], sum: f64) {
    let mut seen = 0;
    for (i, c) in counts.iter().enumerate() {
        seen += c;
        let le = BUCKETS_S
            .get(i)
            .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
        let _ = writeln!(
            out,
            "wangge_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"{le}\"}} {seen}"
        );
    }
    let _ = writeln!(
        out,
        "wangge_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{r}\"}} {sum:.6}"
    );
    let _ = writeln!(
        out,
        "wangge_http_request_duration_seconds_count{{method=\"{m}\",route=\"{r}\"}} {seen}"
    );
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
    out.push_str(
        "# HELP wangge_http_request_duration_seconds Time spent answering, by method and route.\n",
    );
    out.push_str("# TYPE wangge_http_request_duration_seconds histogram\n");
    let latency: Vec<_> = match state.metrics.latency.lock() {
        Ok(l) => l.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Err(_) => Vec::new(),
    };
    for ((m, r), counts) in &latency {
        let sum: f64 = snapshot
            .iter()
            .filter(|((sm, sr, _), _)| sm == m && sr == r)
            .map(|(_, (_, t))| t)
            .sum();
        histogram(&mut out, m, r, counts, sum);
    }
    out.push_str("# HELP wangge_request_log_dropped_total Request log lines dropped because the log writer fell behind.\n");
    out.push_str("# TYPE wangge_request_log_dropped_total counter\n");
    let _ = writeln!(
        out,
        "wangge_request_log_dropped_total {}",
        state.metrics.log_dropped.load(Ordering::Relaxed)
    );
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
