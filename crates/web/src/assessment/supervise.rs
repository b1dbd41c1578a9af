//! 双随机 draws and inspections: /assess/draws, /assess/inspections. Filled by the supervision part.

use axum::Router;

use crate::state::AppState;

pub fn pages() -> Router<AppState> {
    Router::new()
}

pub fn api() -> Router<AppState> {
    Router::new()
}
