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
pub mod assessment;
pub mod basic;
pub mod calendar;
pub mod categories;
pub mod events;
pub mod grids;
pub mod intake;
pub mod open311;
pub mod scheduler;
pub mod transfers;
pub mod volunteers;
pub mod workbench;

use axum::Router;
use axum::middleware;

// The command line and the import tests reach the pipelines by these paths.
pub use basic::{export, import};
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
        .merge(basic::pages())
        .merge(events::pages())
        .merge(intake::pages())
        .merge(transfers::pages())
        .merge(workbench::pages())
        .merge(assessment::pages())
        .merge(volunteers::pages())
        .layer(middleware::from_fn(ui::html_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            calendar::notice,
        ));
    Router::new()
        .merge(pages)
        .merge(accounts::api())
        .merge(grids::api())
        .merge(analysis::api())
        .merge(calendar::api())
        .merge(categories::api())
        .merge(events::api())
        .merge(basic::api())
        .merge(transfers::api())
        .merge(workbench::api())
        .merge(assessment::api())
        .merge(volunteers::api())
        .merge(open311::routes())
        .merge(scheduler::routes())
        .merge(assets::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .layer(middleware::from_fn(error::json_rejections))
        // Inside resolve_principal: records the signed-in user's first request of the day.
        .layer(middleware::from_fn_with_state(
            workbench::daily_use(state.clone()),
            workbench::note_daily_use,
        ))
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

#[cfg(test)]
mod tests {
    /// Web handlers act with the signed-in principal's scope, narrowed at most: the whole tree
    /// belongs to the System actor, which only the scheduler (not a handler) takes on.
    #[test]
    fn no_handler_takes_a_scope_it_was_not_given() {
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut files = 0;
        let mut found = Vec::new();
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.ends_with("scheduler.rs") || path.ends_with("lib.rs") {
                    continue;
                }
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for needle in ["System::", "Scope::of_path", "Scope::everything"] {
                    if text.contains(needle) {
                        found.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
        assert!(files > 40, "the sources were found");
        assert!(found.is_empty(), "{found:#?}");
    }
}
