//! Errors become `{code, message, details}` JSON; on page routes the `pages` layer turns the
//! same error into an HTML page in the user's language.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wangge_domain::Error;

#[derive(Debug)]
pub struct AppError(pub Error);

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, Json(&self.0)).into_response();
        if let Some(wait) = retry_after(&self.0) {
            resp.headers_mut().insert(header::RETRY_AFTER, wait);
        }
        // Left for the page layer, which renders HTML for browser routes.
        resp.extensions_mut().insert(self.0);
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The `Retry-After` of a refusal that says how long to wait (`details.retry_after_s`).
pub fn retry_after(e: &Error) -> Option<HeaderValue> {
    let seconds = e.details.get("retry_after_s")?.as_i64()?;
    HeaderValue::from_str(&seconds.max(1).to_string()).ok()
}

impl From<wangge_domain::geometry::GeometryError> for AppError {
    fn from(e: wangge_domain::geometry::GeometryError) -> Self {
        AppError(e.into())
    }
}
