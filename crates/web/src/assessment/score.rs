//! The worker's running score (/assess) and score sheet, and the leaders' view of a worker. Filled by the measures part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
