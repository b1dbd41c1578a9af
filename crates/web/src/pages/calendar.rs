//! The working-day calendar: the loaded years, and a form for administrators to enter a year.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
