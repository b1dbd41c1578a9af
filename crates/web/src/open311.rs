//! Open311 GeoReport v2 under `/open311/v2/`: categories as services, requests as events.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
