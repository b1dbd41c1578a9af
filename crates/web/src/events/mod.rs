//! Events (事件): the work pages (inboxes, the event page with its timeline and the actions the
//! role and state allow, the printable forms, the public results board), their JSON API, and the
//! resident's tracking API. Reports come in through [`crate::intake`].

mod act;
mod api;
mod forms_api;
mod inbox;
mod page;
mod print;
mod public;
mod reveal;
mod track_api;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use wangge_domain::Error;
use wangge_domain::err;

use crate::i18n::Tr;
use crate::state::AppState;
use crate::ui::{scrub_digits, time_text, truncate};

/// The most bytes one action form may carry (nine photos of up to 5 MB and the fields).
pub(crate) const MAX_FORM_BYTES: usize = 48 * 1024 * 1024;

/// The pages of events (the router shows their errors as pages).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/events", get(inbox::inbox_page))
        .route("/events/{number}", get(page::event_page))
        .route(
            "/events/{number}/act",
            post(act::act).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/events/{number}/reveal", post(reveal::reveal_page))
        .route(
            "/events/{number}/print/{form}",
            get(print::print_page).post(reveal::print_revealed),
        )
        .route("/public/{code}", get(public::public_page))
}

/// The JSON API of events: the events themselves, their printable forms, and tracking.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(api::routes())
        .merge(forms_api::routes())
        .merge(track_api::routes())
        .route("/api/v1/events/{number}/reveal", post(reveal::api_reveal))
}

// Labels and texts the pages and the API share.

fn label(t: &Tr, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        code.to_string()
    }
}

fn date_text(ms: i64) -> String {
    time_text(ms)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The history steps a printable form lists; an unknown form is not found. Shared with the API.
pub(crate) fn form_actions(form: &str) -> Result<&'static [&'static str], Error> {
    match form {
        "report" => Ok(&["report"]),
        "assign" => Ok(&["assign", "transfer"]),
        "remind" => Ok(&["remind"]),
        "feedback" => Ok(&["feedback", "handle_on_spot", "verify"]),
        _ => Err(err!("event.form_unknown")),
    }
}
