//! Event intake: the resident's report on the grid's QR page, the private tracking page with rating and reopening, the grid worker's report form and the operator's form for calls and visits.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
