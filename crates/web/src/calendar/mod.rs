//! The working-day calendar: years entered by the administrator at the root of the tree.

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
