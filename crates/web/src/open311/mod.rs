//! Open311 GeoReport v2 under `/open311/v2/`: categories as services, requests as events.
//!
//! Every endpoint answers in the format its suffix names (`.json` or `.xml`); an unknown or
//! missing suffix is a 404. Errors follow the specification: HTTP 400 / 403 / 404 / 500 with
//! `[{"code": 400, "description": "…"}]` or `<errors><error>…</error></errors>`.
//!
//! Posting needs an `api_key` (stored hashed, see `wangge_store::open311`); reading is public and
//! shows public facts only — never the reporter's name, phone or e-mail, never internal notes.
//! Parameters are read from the query string and from a form-encoded body alike (the community's
//! description of the API puts them in the query, the written specification in the body).

mod bench;
mod bench_lists;
mod format;
mod params;
mod post;
mod requests;
mod services;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use bench::{bare_insert_router, serve_plain};
pub use bench_lists::bare_list_router;
use format::*;
pub use format::{Format, split_format, xml_escape};
pub use params::parse_pairs;
use params::*;

pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this server's service list or its attributes last changed in form.
const CHANGESET: &str = "2026-01-01T00:00:00+08:00";
/// `GET requests` answers at most this many ids at once, over at most this many days.
const MAX_REQUESTS: i64 = 1000;
/// A page of `GET requests` without ids: `page_size` rows (this many unless given, at most
/// `MAX_PAGE_SIZE`), newest first, `page` counting from 1.
const PAGE_SIZE: i64 = 100;
const MAX_PAGE_SIZE: i64 = 200;
const WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;
const MAX_SUBMISSION_KEY: usize = 128;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/{file}",
            get(services::get_top).post(post::post_top),
        )
        .route("/open311/v2/services/{file}", get(services::get_service))
        .route("/open311/v2/requests/{file}", get(requests::get_request))
        // The community's Swagger description spells this path in the singular.
        .route("/open311/v2/request/{file}", get(requests::get_request))
        .route("/open311/v2/tokens/{file}", get(services::get_token))
}
