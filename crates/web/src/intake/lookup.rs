//! A lost link is not a lost case: a resident finds their case again by its number and the
//! phone they gave. The answer is the tracking page under a fresh link, or one "not found" that
//! never says whether the case exists; look-ups are rate-limited per address and per number,
//! so nobody can try phone after phone on one case.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::event::canonical_number;
use wangge_domain::{Error, err};
use wangge_store::events;
use wangge_store::ratelimit::{self, Limit};

use super::*;
use crate::auth::MaybeMe;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render};

/// Look-ups per client address.
pub const LOOKUP_LIMIT: Limit = Limit {
    max: 10,
    window_ms: 10 * 60 * 1000,
};
/// Look-ups of one case number from anywhere: a reporter mistypes a few times; a guesser needs
/// thousands.
pub const LOOKUP_NUMBER_LIMIT: Limit = Limit {
    max: 5,
    window_ms: 60 * 60 * 1000,
};

#[derive(Template)]
#[template(path = "intake/lookup.html")]
struct LookupPage {
    l: Layout,
    number: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub(super) struct LookupQuery {
    number: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    phone: String,
}

/// The form; the number may come filled in.
pub(super) async fn lookup_page(
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Query(q): Query<LookupQuery>,
) -> Response {
    let l = Layout::new(lang, me, "find.title");
    let number = q
        .number
        .unwrap_or_default()
        .trim()
        .chars()
        .take(40)
        .collect();
    no_store(render(LookupPage {
        l,
        number,
        error: String::new(),
    }))
}

/// Both buckets are counted before the look-up, whatever it finds.
async fn lookup_hits(s: &AppState, ip: &str, number: &str) -> Result<(), Error> {
    let now = s.now();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let code = "track.lookup_limited";
    ratelimit::hit(h, &format!("lookup:{ip}"), LOOKUP_LIMIT, code, now).await?;
    ratelimit::hit(
        h,
        &format!("lookup-number:{number}"),
        LOOKUP_NUMBER_LIMIT,
        code,
        now,
    )
    .await
}

/// Finds the case: to its tracking page under a fresh link, or the form again with the one
/// answer for every miss (the phone is never written back into the page).
pub(super) async fn lookup_submit(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    ClientIp(ip): ClientIp,
    Form(f): Form<LookupForm>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "find.title");
    let number: String = f.number.trim().chars().take(40).collect();
    let canonical = canonical_number(&number);
    let found = match lookup_hits(&s, &ip, &canonical).await {
        Ok(()) => {
            let mut tx = s.db.begin().await?;
            let token =
                events::lookup(&mut tx.handle(), &s.keys, &canonical, &f.phone, s.now()).await?;
            tx.commit().await?;
            token.ok_or_else(|| err!("track.lookup_not_found"))
        }
        Err(e) if e.status == 429 => Err(e),
        Err(e) => return Err(e.into()),
    };
    match found {
        Ok(token) => Ok(Redirect::to(&format!("/t/{token}")).into_response()),
        Err(e) => {
            let page = no_store(render(LookupPage {
                error: l.t.error(&e),
                number,
                l,
            }));
            Ok(with_status(page, e.status))
        }
    }
}
