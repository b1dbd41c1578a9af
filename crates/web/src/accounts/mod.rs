//! Accounts: log-in and out, the language switch, the home page, users and API tokens.

mod api;
mod session;
mod users;

use axum::Router;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(users::routes())
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    api::routes()
}
