//! The events API under `/api/v1/events`: everything the event pages do.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
