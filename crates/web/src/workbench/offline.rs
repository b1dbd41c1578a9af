//! Working without signal: the service worker (`/sw.js`, served from the root so that its scope
//! covers `/work`) keeps the workbench's pages and assets for offline use; the outbox script
//! (`/assets/offline.js`) keeps records made offline in IndexedDB and sends them once the
//! signal returns. `/work/outbox` lists what waits and what the server refused; the script
//! renders the list (it lives on the phone), the page gives it its texts.

use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::Me;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, error_texts_json, render, texts_json};

/// The service worker's source.
const SW: &[u8] = include_bytes!("../../assets/sw.js");

/// The texts the outbox script shows, in the page's language.
const TEXTS: &[&str] = &[
    "outbox.banner",
    "outbox.banner_refused",
    "outbox.waiting",
    "outbox.refused",
    "outbox.empty",
    "outbox.retry",
    "outbox.discard",
    "outbox.discard_confirm",
    "outbox.made_at",
    "outbox.tries",
    "outbox.kind./api/v1/visits",
    "outbox.kind./api/v1/diary",
    "outbox.kind./api/v1/patrol/points",
    "outbox.kind.other",
    "outbox.sent",
    "outbox.saved_offline",
    "outbox.unsupported",
];

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(service_worker))
        .route("/work/outbox", get(outbox_page))
        .route("/work/outbox/texts.json", get(texts))
}

pub fn api() -> Router<AppState> {
    Router::new()
}

/// The same for everyone; `no-cache` so a new version is picked up at the next visit (the
/// browser checks service workers at least daily anyway).
async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SW,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "workbench/outbox.html")]
struct OutboxPage {
    l: Layout,
    texts: String,
    errors: String,
}

async fn outbox_page(lang: Lang, Me(p): Me) -> AppResult<Response> {
    let l = Layout::new(lang, Some(p), "outbox.title");
    Ok(no_store(render(OutboxPage {
        texts: texts_json(&l.t, TEXTS),
        errors: error_texts_json(&l.t),
        l,
    })))
}

/// The outbox's texts and the error table for a form's refusal shown in the page's language.
async fn texts(lang: Lang, Me(_p): Me) -> AppResult<Response> {
    let l = Layout::new(lang, None, "outbox.title");
    let parse = |s: String| serde_json::from_str::<Value>(&s).unwrap_or(Value::Null);
    let body = json!({
        "texts": parse(texts_json(&l.t, TEXTS)),
        "errors": parse(error_texts_json(&l.t)),
    });
    Ok(no_store(axum::Json(body).into_response()))
}
