//! Opening the reporter's name and phone to call them back: on the event page, through the API,
//! and for one printed form. Each opening writes one audit row with its reason, as a register's
//! reveal does; the rule of who may is `event::may_reveal_reporter`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::event;
use wangge_domain::{Error, err};
use wangge_store::auth::Principal;
use wangge_store::events::{self, EventRow, OpenedReporter};

use super::page::{Shown, event_view};
use super::print::print_view;
use crate::auth::{Me, caller};
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, read_form, shown_on_page};
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct RevealReq {
    #[serde(default)]
    reason: String,
}

/// Opens the reporter of an event for the caller, with one audit row, or refuses. An event
/// outside the caller's area answers as one they may not open: the answer never says more.
async fn open(
    s: &AppState,
    p: &Principal,
    number: &str,
    reason: &str,
) -> Result<(EventRow, OpenedReporter), Error> {
    let who = caller(p).map_err(|e| e.0)?;
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut tx = s.db.begin().await?;
    let e = events::get(&mut tx.handle(), &who.scope, number)
        .await
        .map_err(|e| {
            if e.code == "event.not_found" {
                err!("auth.forbidden")
            } else {
                e
            }
        })?;
    let may = event::may_reveal_reporter(&e.state()?, &who.actor);
    let opened =
        events::reveal_reporter(&mut tx.handle(), &ctx, &e, &actor(p), may, reason, s.now())
            .await?;
    tx.commit().await?;
    Ok((e, opened))
}

/// `POST /events/{number}/reveal`: the event page with the reporter's contact, a missing reason
/// shown at the form; a caller who may not gets the plain forbidden page.
pub(super) async fn reveal_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(number): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let form = read_form(req).await?;
    let shown = match open(&s, &p, &number, f(&form, "reason")).await {
        Ok((_, opened)) => Shown {
            opened: Some(opened),
            error: None,
        },
        Err(e) => Shown {
            opened: None,
            error: Some(shown_on_page(e)?),
        },
    };
    event_view(&s, lang, &p, &number, String::new(), None, shown).await
}

/// `POST /events/{number}/print/{form}`: one printed form carrying the reporter's contact.
pub(super) async fn print_revealed(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((number, form)): Path<(String, String)>,
    req: Request,
) -> AppResult<Response> {
    // An unknown form is refused before anything is opened or audited.
    super::form_actions(&form)?;
    let fields = read_form(req).await?;
    let (_, opened) = open(&s, &p, &number, f(&fields, "reason")).await?;
    Ok(no_store(
        print_view(&s, lang, &p, &number, &form, Some(opened)).await?,
    ))
}

/// `POST /api/v1/events/{number}/reveal` with `{reason}`: `{number, name, phone}`.
pub(super) async fn api_reveal(
    State(s): State<AppState>,
    Me(p): Me,
    Path(number): Path<String>,
    ApiJson(r): ApiJson<RevealReq>,
) -> AppResult<Response> {
    let (e, opened) = open(&s, &p, &number, &r.reason).await?;
    Ok(no_store(
        Json(json!({
            "number": e.number,
            "name": opened.name.as_ref().map(|n| n.expose()),
            "phone": opened.phone.as_ref().map(|p| p.expose()),
        }))
        .into_response(),
    ))
}
