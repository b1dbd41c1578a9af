//! The HTTP server: browser pages, the JSON API under `/api/v1`, assets, health and metrics.

pub mod api;
pub mod api_analysis;
pub mod api_basic;
pub mod api_calendar;
pub mod api_categories;
pub mod assets;
pub mod auth;
pub mod error;
pub mod events;
pub mod export;
pub mod i18n;
pub mod import;
pub mod intake;
pub mod metrics;
pub mod open311;
pub mod openapi;
pub mod pages;
pub mod scheduler;
pub mod state;

use axum::Router;
use axum::middleware;

pub use error::AppError;
pub use state::{AppState, WebConfig};

/// The whole application: pages, API and assets, behind the request middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(events::routes())
        .merge(intake::routes())
        .merge(api_categories::routes())
        .merge(api_analysis::routes())
        .merge(api_calendar::routes())
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
