//! The quarterly assessment (考核) and the supervision of staff (督查): the worker's running
//! score and score sheet, rule sets, quarter close, appeals, 双随机 draws and inspections, the
//! residents' survey, rankings and comparisons. Pages under `/assess`, JSON under
//! `/api/v1/assessment`. Each part is a module with its own `pages()` and `api()`.

mod appeals;
mod close;
mod reports;
mod rules;
mod score;
mod supervise;
mod supervise_pages;
mod survey;

use axum::Router;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(score::pages())
        .merge(rules::pages())
        .merge(close::pages())
        .merge(appeals::pages())
        .merge(supervise::pages())
        .merge(survey::pages())
        .merge(reports::pages())
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(score::api())
        .merge(rules::api())
        .merge(close::api())
        .merge(appeals::api())
        .merge(supervise::api())
        .merge(survey::api())
        .merge(reports::api())
}
