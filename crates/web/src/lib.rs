//! The HTTP server: browser pages, the JSON API under `/api/v1`, assets, health and metrics.

// Shared pieces: they import no feature.
pub mod assets;
pub mod auth;
pub mod error;
pub mod form;
pub mod i18n;
pub mod metrics;
pub mod openapi;
pub mod state;
pub mod ui;

// Features: each folder holds its pages, API handlers and view models.
pub mod accounts;
pub mod analysis;
pub mod api_basic;
pub mod api_events;
pub mod api_forms;
pub mod api_track;
pub mod api_upload;
pub mod calendar;
pub mod categories;
pub mod export;
pub mod grids;
pub mod import;
pub mod open311;
pub mod pages;
pub mod scheduler;

use axum::Router;
use axum::middleware;

pub use error::AppError;
pub use state::{AppState, WebConfig};

/// The whole application: pages, API and assets, behind the request middleware.
pub fn router(state: AppState) -> Router {
    // Page routes answer errors with an HTML page in the user's language; the API with JSON.
    let pages = Router::new()
        .merge(accounts::pages())
        .merge(grids::pages())
        .merge(analysis::pages())
        .merge(calendar::pages())
        .merge(categories::pages())
        .merge(pages::routes())
        .layer(middleware::from_fn(ui::html_errors));
    Router::new()
        .merge(pages)
        .merge(accounts::api())
        .merge(grids::api())
        .merge(analysis::api())
        .merge(calendar::api())
        .merge(categories::api())
        .merge(api_events::routes())
        .merge(api_forms::routes())
        .merge(api_track::routes())
        .merge(api_basic::routes())
        .merge(pages::imports::api_routes())
        .merge(open311::routes())
        .merge(scheduler::routes())
        .merge(assets::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_principal,
        ))
        .layer(middleware::from_fn(auth::csrf_guard))
        .layer(middleware::from_fn(auth::security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Serves until Ctrl-C, keeping the locate index in step with the database.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    state.spawn_locate_refresher();
    scheduler::spawn(state.clone());
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
