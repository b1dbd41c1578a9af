//! Errors become `{code, message, details}` JSON; on page routes the `pages` layer turns the
//! same error into an HTML page in the user's language.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wangge_domain::{Error, err};

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

/// The extractors' own refusals (a query string that does not parse, a path segment of the
/// wrong type, a form without its content type) answer plain text; under `/api/` they become
/// the `{code, message, details}` JSON of every other error, as the API description says. A
/// body over the size limit stays 413; the others are 400 `request.invalid`.
pub async fn json_rejections(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || json || !matches!(status.as_u16(), 400 | 413 | 415 | 422) {
        return resp;
    }
    let body = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .unwrap_or_default();
    let mut e = err!(
        "request.invalid",
        reason = String::from_utf8_lossy(&body).trim()
    );
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        e.status = status.as_u16();
    }
    AppError(e).into_response()
}
