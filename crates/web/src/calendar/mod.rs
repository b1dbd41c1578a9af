//! The working-day calendar: years entered by the administrator at the root of the tree, and
//! the banner that asks for next year's from 1 November.

mod api;
pub(crate) mod pages;
mod year;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(pages::overview).post(year::import))
        .route(
            "/calendar/{year}",
            get(year::year_page).post(year::save_marks),
        )
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    api::routes()
}

/// Middleware of the pages: the calendar year that should be entered now, by the server's
/// clock, for the frame's banner (shown to those who may enter it). Memory only: no query.
pub async fn notice(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let year = pages::today(&state).and_then(|d| state.calendar().year_to_enter(d));
    crate::ui::with_calendar_notice(year, next.run(req)).await
}
