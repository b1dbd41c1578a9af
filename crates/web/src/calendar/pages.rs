//! The working-day calendar: the loaded years, and what its year page and its API share.
//!
//! `GET /calendar` lists the loaded years, each a link to its page (`super::year`), and offers
//! administrators at the top of the tree (the calendar serves the whole deployment) the first
//! missing year to enter. A year is stored as text in the format of `data/cn-calendar.txt`:
//! [`store_year`] checks and saves it for the year page's grid, its import form and the API
//! alike, then counts the due times that were waiting for it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline;
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::events;

use crate::auth::Me;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

/// The longest calendar text accepted for one year.
const MAX_BODY_CHARS: usize = 20_000;

/// Who may enter a year: an administrator at the root of the tree, since the calendar applies
/// to every event of the deployment.
pub fn can_edit_calendar(p: &Principal) -> bool {
    p.administers_deployment()
}

#[derive(Template)]
#[template(path = "calendar/calendar.html")]
struct CalendarPage {
    l: Layout,
    years: Vec<i32>,
    can_edit: bool,
    /// The first year from this one on that is missing, to enter.
    to_enter: i32,
}

#[derive(Deserialize)]
pub(super) struct CalendarQuery {
    year: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct YearForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub body: String,
}

pub(crate) fn parse_year(s: Option<&str>) -> Option<i32> {
    s.map(str::trim)
        .filter(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
}

/// Today's date by the server's clock (the test clock moves it).
pub(super) fn today(state: &AppState) -> Option<wangge_domain::calendar::Date> {
    deadline::local_date(state.now()).ok()
}

/// The first year from this one on that the calendar lacks.
fn next_missing(cal: &Calendar, from: i32) -> i32 {
    let mut y = from;
    while cal.is_loaded(y) && y < 9999 {
        y += 1;
    }
    y
}

/// A year's text to start from: the festivals to fill in, all commented out.
pub(super) fn template(year: i32) -> String {
    format!(
        "year {year}\n\
         # 每行一条 / one entry a line:\n\
         #   holiday {year}-MM-DD  或区间 / or a range  holiday {year}-MM-DD..{year}-MM-DD   放假日 / rest days\n\
         #   workday {year}-MM-DD   调休上班日(周六或周日) / make-up working day (a Saturday or Sunday)\n\
         # 元旦 New Year's Day\n\
         # 春节 Spring Festival\n\
         # 清明节 Tomb-sweeping Day\n\
         # 劳动节 Labour Day\n\
         # 端午节 Dragon Boat Festival\n\
         # 中秋节 Mid-autumn Festival\n\
         # 国庆节 National Day\n"
    )
}

/// One loaded year in the text format, to correct it.
pub(crate) fn year_text(cal: &Calendar, year: i32) -> Option<String> {
    let mut one = Calendar::new();
    one.add_year(year, cal.holidays(year)?, cal.workdays(year)?)
        .ok()?;
    Some(one.to_text())
}

/// `GET /calendar`: the loaded years; `?year=YYYY` (the old address) goes to that year's page.
pub(super) async fn overview(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<CalendarQuery>,
) -> Response {
    if let Some(y) = parse_year(q.year.as_deref()) {
        return Redirect::to(&format!("/calendar/{y}")).into_response();
    }
    let cal = state.calendar();
    let this_year = today(&state).map_or(2026, |d| d.year());
    render(CalendarPage {
        years: cal.loaded_years(),
        can_edit: can_edit_calendar(&me.0),
        to_enter: next_missing(&cal, this_year),
        l: Layout::new(lang, Some(me.0.clone()), "calendar.title"),
    })
}

/// The error in the user's language; bad lines name their line number.
pub fn error_text(t: &Tr, e: &Error) -> String {
    let line = e.details.get("line").and_then(serde_json::Value::as_u64);
    match (e.code, line) {
        ("calendar.bad_data", Some(n)) => {
            let reason = e
                .message
                .split_once(": ")
                .map_or(e.message.as_str(), |(_, r)| r);
            format!(
                "{}: {reason}",
                t.s("calendar.bad_line").replace("{line}", &n.to_string())
            )
        }
        _ => t.error(e),
    }
}

/// Checks a year's text and stores it; nothing is stored on any error.
pub(crate) async fn store_year(state: &AppState, me: &Me, form: &YearForm) -> Result<i32, Error> {
    let year = parse_year(Some(&form.year)).ok_or_else(|| err!("calendar.year_invalid"))?;
    if form.body.chars().count() > MAX_BODY_CHARS {
        return Err(err!("calendar.too_long", max = MAX_BODY_CHARS));
    }
    let parsed = Calendar::from_text(&form.body)?;
    if parsed.loaded_years() != vec![year] {
        return Err(err!(
            "calendar.bad_year",
            year,
            reason = "the text must hold exactly one year line for it"
        ));
    }
    if parsed.holidays(year).unwrap_or_default().is_empty() {
        return Err(err!("calendar.year_empty", year));
    }
    let mut tx = state.db.begin().await?;
    events::save_calendar_year(
        &mut tx.handle(),
        year,
        &form.body,
        &me.0.username,
        state.now(),
    )
    .await?;
    tx.commit().await?;
    state.reload_calendar().await?;
    tracing::info!(year, by = %me.0.username, "calendar year entered");
    // Events whose due time waited for this year get it now; should that fail, each gets it
    // at its next step instead, so the saved year stands.
    if let Err(e) = refresh_dues(state).await {
        tracing::warn!(error = %e, "cannot count the due times that waited for the calendar");
    }
    Ok(year)
}

async fn refresh_dues(state: &AppState) -> Result<(), Error> {
    let cal = state.calendar();
    let ctx = state.event_ctx(&cal);
    let mut tx = state.db.begin().await?;
    let n = events::refresh_missing_dues(&mut tx.handle(), &ctx).await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!(events = n, "due times counted with the new calendar year");
    }
    Ok(())
}
