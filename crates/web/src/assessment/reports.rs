//! Rankings, the county's comparison, the year-end summary: /assess/ranking, /assess/compare, /assess/year. Filled by the reports part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
