//! Front-end files, vendored and embedded in the binary so that a build never needs npm.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

macro_rules! asset {
    ($name:literal, $ty:literal) => {
        (
            $name,
            $ty,
            include_bytes!(concat!("../assets/", $name)).as_slice(),
        )
    };
}

/// (path under /assets/, content type, bytes)
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("grids.js", "text/javascript; charset=utf-8"),
    asset!("nodepicker.js", "text/javascript; charset=utf-8"),
    asset!("intake.js", "text/javascript; charset=utf-8"),
    asset!("events.js", "text/javascript; charset=utf-8"),
    asset!("analysis.js", "text/javascript; charset=utf-8"),
    asset!("import.js", "text/javascript; charset=utf-8"),
    asset!("calendar.js", "text/javascript; charset=utf-8"),
    asset!("offline.js", "text/javascript; charset=utf-8"),
    asset!("sw.js", "text/javascript; charset=utf-8"),
    asset!("patrol.js", "text/javascript; charset=utf-8"),
    asset!("events.css", "text/css; charset=utf-8"),
    asset!("grids.css", "text/css; charset=utf-8"),
    asset!("vendor/htmx.min.js", "text/javascript; charset=utf-8"),
    asset!("vendor/leaflet.js", "text/javascript; charset=utf-8"),
    asset!("vendor/leaflet.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/leaflet-geoman.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/leaflet-geoman.css", "text/css; charset=utf-8"),
    asset!("vendor/images/layers.png", "image/png"),
    asset!("vendor/images/layers-2x.png", "image/png"),
    asset!("vendor/images/marker-icon.png", "image/png"),
    asset!("vendor/images/marker-icon-2x.png", "image/png"),
    asset!("vendor/images/marker-shadow.png", "image/png"),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(serve))
}

async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, ty, bytes)) => (
            [
                (header::CONTENT_TYPE, *ty),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
