//! (filled in below)

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
}
