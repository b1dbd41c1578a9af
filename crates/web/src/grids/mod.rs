//! The tree and its grids: tree browser, map, grid page and notice board, grid editing, the
//! gap-and-overlap check, and their JSON API.

mod api;
mod board;
mod check;
mod edit;
mod grid;
mod map;
mod tree;

use axum::Router;

use crate::state::AppState;

pub use api::after_territory_change;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(tree::routes())
        .merge(map::routes())
        .merge(grid::routes())
        .merge(check::routes())
        .merge(board::routes())
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    api::routes().merge(edit::routes())
}
