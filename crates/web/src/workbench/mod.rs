//! The grid worker's workbench (SPEC §5): the worker's day on a phone, visits, time in the grid,
//! the diary, weekly sweeps, daily use, meetings and trainings, the monthly ledger, honesty
//! flags, and the leaders' views of it all. Pages under `/work`, JSON under `/api/v1`. Each
//! part is a module with its own `pages()` and `api()`.

mod diary;
mod flags;
pub(crate) mod home;
mod leaders;
mod ledger;
mod logins;
mod meetings;
mod offline;
mod patrol;
mod rules;
mod sweeps;
mod visits;

pub use logins::{daily_use, note_daily_use};

use axum::Router;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(home::pages())
        .merge(visits::pages())
        .merge(patrol::pages())
        .merge(diary::pages())
        .merge(sweeps::pages())
        .merge(logins::pages())
        .merge(meetings::pages())
        .merge(ledger::pages())
        .merge(flags::pages())
        .merge(leaders::pages())
        .merge(rules::pages())
        .merge(offline::pages())
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(home::api())
        .merge(visits::api())
        .merge(patrol::api())
        .merge(diary::api())
        .merge(sweeps::api())
        .merge(logins::api())
        .merge(meetings::api())
        .merge(ledger::api())
        .merge(flags::api())
        .merge(leaders::api())
        .merge(rules::api())
        .merge(offline::api())
}
