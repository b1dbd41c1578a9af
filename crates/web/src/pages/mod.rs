//! Browser pages still waiting for their feature folders; the shared frame is in `crate::ui`.

pub mod basic;
pub(crate) mod events;
pub mod imports;
pub(crate) mod intake;

pub use crate::ui::*;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(intake::routes())
        .merge(events::routes())
        .merge(imports::routes())
        .merge(basic::routes())
}
