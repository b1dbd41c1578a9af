//! Work pages: inboxes, the event page with its timeline and the actions the role and state allow, the printable forms, and the public results board.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
