//! Browser pages still waiting for their feature folders; the shared frame is in `crate::ui`.

pub mod basic;
pub mod imports;

pub use crate::ui::*;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(imports::routes())
        .merge(basic::routes())
}
