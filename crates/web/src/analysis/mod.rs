//! The monthly analysis (研判): figures by area, category and source, and its XLSX export.

mod api;
pub(crate) mod pages;

use axum::Router;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    pages::routes()
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    api::routes()
}
