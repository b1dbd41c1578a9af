//! The residents' survey: /assess/surveys (staff) and /survey/{token} (residents, no log-in). Filled by the satisfaction part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
