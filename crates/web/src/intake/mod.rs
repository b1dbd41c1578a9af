//! Intake (受理): the one report path and its doors of the browser — the resident's report on
//! the grid's QR page, the grid worker's and the operator's report form — the resident's
//! private tracking page with rating and reopening, finding a case again by number and phone,
//! and "me too" on open cases nearby.

mod form;
pub(crate) mod limits;
mod lookup;
mod me_too;
pub mod report;
mod resident;
mod staff;
mod track;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use wangge_domain::Error;
use wangge_store::events::Caller;
use wangge_store::ratelimit::{self, Limit};

use crate::i18n::Tr;
use crate::state::AppState;

pub use report::{GridHint, MAX_PHOTOS, ReportRequest, UPLOAD_LIMIT, submit};
pub(crate) use track::{note_is_public, staff_step_note, track_apply};

/// Public submissions (reports, ratings, reopening requests) per client address.
pub const INTAKE_LIMIT: Limit = Limit {
    max: 30,
    window_ms: 10 * 60 * 1000,
};
/// The name the history shows for a resident.
const RESIDENT_NAME: &str = "群众";

/// The pages of intake (the router shows their errors as pages).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/r/{code}",
            get(resident::resident_page)
                .post(resident::resident_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/r/{code}/me-too",
            post(me_too::me_too_submit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/track",
            get(lookup::lookup_page).post(lookup::lookup_submit),
        )
        .route("/t/{token}", get(track::track_page))
        .route("/t/{token}/photos/{id}", get(track::track_photo))
        .route("/t/{token}/rate", post(track::track_rate))
        .route("/t/{token}/reopen", post(track::track_reopen))
        .route(
            "/events/new",
            get(staff::staff_page)
                .post(staff::staff_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

/// The client's address, for the rate limit.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientIp, Self::Rejection> {
        Ok(ClientIp(crate::auth::client_ip(&parts.extensions)))
    }
}

/// What went wrong, ready to show: the HTTP status and the message in the user's language.
pub struct Problem {
    pub status: u16,
    pub message: String,
}

impl Problem {
    fn of(t: &Tr, e: &Error) -> Problem {
        Problem {
            status: e.status,
            message: t.error(e),
        }
    }
}

/// Renders a page with a status other than 200 when it shows a problem.
fn with_status(mut resp: Response, status: u16) -> Response {
    if let Ok(s) = StatusCode::from_u16(status) {
        *resp.status_mut() = s;
    }
    resp
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

pub(crate) async fn rate_hit(s: &AppState, ip: &str) -> Result<(), Error> {
    // A write: in a transaction, so that on SQLite it queues with the other writers instead of
    // sleeping in SQLite's busy handler while a report holds the lock.
    let mut tx = s.db.begin().await?;
    ratelimit::hit(
        &mut tx.handle(),
        &format!("intake:{ip}"),
        INTAKE_LIMIT,
        "intake.rate_limited",
        s.now(),
    )
    .await?;
    tx.commit().await
}

/// A resident as the history names them; they see no area.
fn resident_caller() -> Caller {
    Caller::public(RESIDENT_NAME)
}

fn label_text(t: &Tr, prefix: &str, key: &str) -> String {
    let k = format!("{prefix}.{key}");
    if Tr::has(&k) {
        t.s(&k).to_string()
    } else {
        key.to_string()
    }
}
