//! Monthly analysis (研判) per node: counts by level, category and status, on-time rate, handling time, rework; as a page and as an XLSX file.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
