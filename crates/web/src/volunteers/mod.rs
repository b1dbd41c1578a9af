//! Volunteer points (志愿者积分): the volunteers' phone pages (my points, activities, sign-up,
//! gifts), the community's (applications, activities, who served, the month's notice, gifts)
//! and the street's (catalogue, "other" approvals, archives, ranking and awards). Pages under
//! `/vol`, JSON under `/api/v1`. Each part is a module with its own `pages()` and `api()`.

mod activities;
mod catalogue;
mod gifts;
mod hub;
mod notice;
mod points;
mod ranking;
mod register;

use axum::Router;

use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(hub::pages())
        .merge(register::pages())
        .merge(catalogue::pages())
        .merge(activities::pages())
        .merge(points::pages())
        .merge(notice::pages())
        .merge(ranking::pages())
        .merge(gifts::pages())
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(hub::api())
        .merge(register::api())
        .merge(catalogue::api())
        .merge(activities::api())
        .merge(points::api())
        .merge(notice::api())
        .merge(ranking::api())
        .merge(gifts::api())
}
