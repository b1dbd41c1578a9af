//! Quarter close: /assess/quarters. Filled by the close part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
