//! Rule set versions: /assess/rules and /api/v1/assessment/rules. Filled by the rules part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
