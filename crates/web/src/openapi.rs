//! The OpenAPI document and a page that lists it for people.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use std::sync::LazyLock;

use crate::state::AppState;

/// The main document; each workbench part keeps its operations in a fragment of its own
/// (`openapi/*.json`: `paths` and `components.schemas`), merged in at start.
const MAIN: &str = include_str!("../openapi.json");
const FRAGMENTS: &[&str] = &[
    include_str!("../openapi/wb_visits.json"),
    include_str!("../openapi/wb_field.json"),
    include_str!("../openapi/wb_staff.json"),
    include_str!("../openapi/wb_home.json"),
    include_str!("../openapi/as_rules.json"),
    include_str!("../openapi/as_score.json"),
    include_str!("../openapi/as_close.json"),
    include_str!("../openapi/as_supervise.json"),
    include_str!("../openapi/as_survey.json"),
    include_str!("../openapi/as_reports.json"),
    include_str!("../openapi/wb_offline.json"),
    include_str!("../openapi/vol_hub.json"),
    include_str!("../openapi/vol_register.json"),
    include_str!("../openapi/vol_activities.json"),
    include_str!("../openapi/vol_points.json"),
    include_str!("../openapi/vol_gifts.json"),
];

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut doc: Value = serde_json::from_str(MAIN).unwrap_or(Value::Null);
    for f in FRAGMENTS {
        let part: Value = serde_json::from_str(f).unwrap_or(Value::Null);
        for section in ["/paths", "/components/schemas"] {
            if let (Some(into), Some(from)) = (
                doc.pointer_mut(section).and_then(Value::as_object_mut),
                part.pointer(section).and_then(Value::as_object),
            ) {
                for (k, v) in from {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
    }
    doc.to_string()
});

/// The whole document, fragments merged.
pub fn document_text() -> &'static str {
    &DOCUMENT
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(document))
        .route("/api/docs", get(docs))
}

async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_text(),
    )
        .into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A plain listing of every operation, generated from the document so the two never differ.
async fn docs() -> Html<String> {
    let doc: Value = serde_json::from_str(document_text()).unwrap_or(Value::Null);
    let mut rows = String::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let summary = op.get("summary").and_then(Value::as_str).unwrap_or("");
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    method.to_uppercase(),
                    esc(path),
                    esc(summary)
                ));
            }
        }
    }
    let intro = doc
        .pointer("/info/description")
        .and_then(Value::as_str)
        .unwrap_or("");
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>wangge API</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body class=\"docs\"><main>\
         <h1>wangge API</h1><p>{}</p><p><a href=\"/api/openapi.json\">openapi.json</a></p>\
         <table class=\"table\"><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>",
        esc(intro)
    ))
}
