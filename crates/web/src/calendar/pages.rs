//! The working-day calendar: the loaded years, and a form for administrators to enter a year.
//!
//! `GET /calendar?year=YYYY[&edit=YYYY]` shows the loaded years, and for the chosen year its
//! statutory rest days and make-up working days as lists and as a month grid. Administrators at
//! the top of the tree (the calendar serves the whole deployment) see a form with the calendar
//! text of one year (prefilled with a template for the first missing year, or with a loaded year
//! to correct it); `POST /calendar` stores it and reloads the calendar. Bad text answers the form
//! again with the line number and the reason, and nothing is stored.

use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::calendar::{Calendar, Date, days_in_month};
use wangge_domain::deadline;
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::events;

use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/calendar", get(calendar_page).post(save_year))
}

/// The longest calendar text accepted for one year.
const MAX_BODY_CHARS: usize = 20_000;

/// Who may enter a year: an administrator at the root of the tree, since the calendar applies
/// to every event of the deployment.
pub fn can_edit_calendar(p: &Principal) -> bool {
    p.administers_deployment()
}

pub struct YearLink {
    pub year: i32,
    pub current: bool,
}

pub struct Cell {
    /// 0 for a blank cell before the first or after the last day.
    pub day: u32,
    /// `hol` (statutory rest day), `work` (make-up working day), `rest` (weekend), or empty.
    pub class: &'static str,
}

pub struct Month {
    pub name: String,
    pub weeks: Vec<Vec<Cell>>,
}

/// A day or run of days in the lists.
pub struct DayItem {
    pub text: String,
    pub days: usize,
}

#[derive(Template)]
#[template(path = "calendar/calendar.html")]
struct CalendarPage {
    l: Layout,
    years: Vec<YearLink>,
    year: i32,
    loaded: bool,
    holidays: Vec<DayItem>,
    workdays: Vec<DayItem>,
    months: Vec<Month>,
    weekdays: Vec<String>,
    can_edit: bool,
    form_year: String,
    form_body: String,
    error: Option<String>,
    saved: bool,
}

#[derive(Deserialize)]
struct CalendarQuery {
    year: Option<String>,
    edit: Option<String>,
    saved: Option<String>,
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

fn this_year(state: &AppState) -> i32 {
    deadline::local_date(state.now())
        .map(|d| d.year())
        .unwrap_or(2026)
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
fn template(year: i32) -> String {
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

fn weekday_index(d: Date) -> usize {
    // 0 = Monday; 1970-01-01 was a Thursday.
    (d.days() + 3).rem_euclid(7) as usize
}

fn weekday_name(t: &Tr, d: Date) -> String {
    t.s(&format!("calendar.wd{}", weekday_index(d))).to_string()
}

/// Runs of consecutive days as `first – last`, single days alone.
fn runs(t: &Tr, days: &[Date]) -> Vec<DayItem> {
    let mut out: Vec<(Date, Date, usize)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((_, last, n)) if last.add_days(1) == Some(d) => {
                *last = d;
                *n += 1;
            }
            _ => out.push((d, d, 1)),
        }
    }
    out.into_iter()
        .map(|(a, b, n)| DayItem {
            text: if a == b {
                format!("{a}({})", weekday_name(t, a))
            } else {
                format!("{a}({}) – {b}({})", weekday_name(t, a), weekday_name(t, b))
            },
            days: n,
        })
        .collect()
}

fn month_grid(t: &Tr, cal: &Calendar, year: i32) -> Vec<Month> {
    let holidays = cal.holidays(year).unwrap_or_default();
    let workdays = cal.workdays(year).unwrap_or_default();
    (1..=12u32)
        .filter_map(|m| {
            let first = Date::new(year, m, 1)?;
            let mut weeks = Vec::new();
            let mut week: Vec<Cell> = (0..weekday_index(first))
                .map(|_| Cell { day: 0, class: "" })
                .collect();
            for day in 1..=days_in_month(year, m) {
                let d = Date::new(year, m, day)?;
                let class = if holidays.contains(&d) {
                    "hol"
                } else if workdays.contains(&d) {
                    "work"
                } else if weekday_index(d) >= 5 {
                    "rest"
                } else {
                    ""
                };
                week.push(Cell { day, class });
                if week.len() == 7 {
                    weeks.push(std::mem::take(&mut week));
                }
            }
            if !week.is_empty() {
                while week.len() < 7 {
                    week.push(Cell { day: 0, class: "" });
                }
                weeks.push(week);
            }
            Some(Month {
                name: t.s(&format!("calendar.m{m}")).to_string(),
                weeks,
            })
        })
        .collect()
}

/// The page for `year`, with the form holding `form_year` / `form_body`.
fn page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    year: Option<i32>,
    form: Option<(String, String)>,
    error: Option<String>,
    saved: bool,
) -> CalendarPage {
    let cal = state.calendar();
    let loaded_years = cal.loaded_years();
    let now_year = this_year(state);
    let year = year.unwrap_or_else(|| {
        if cal.is_loaded(now_year) {
            now_year
        } else {
            loaded_years.last().copied().unwrap_or(now_year)
        }
    });
    let l = Layout::new(lang, Some(me.0.clone()), "calendar.title");
    let t = l.t;
    let (form_year, form_body) = form.unwrap_or_else(|| {
        let y = next_missing(&cal, now_year);
        (y.to_string(), template(y))
    });
    CalendarPage {
        years: loaded_years
            .iter()
            .map(|&y| YearLink {
                year: y,
                current: y == year,
            })
            .collect(),
        year,
        loaded: cal.is_loaded(year),
        holidays: runs(&t, &cal.holidays(year).unwrap_or_default()),
        workdays: runs(&t, &cal.workdays(year).unwrap_or_default()),
        months: if cal.is_loaded(year) {
            month_grid(&t, &cal, year)
        } else {
            Vec::new()
        },
        weekdays: (0..7)
            .map(|i| t.s(&format!("calendar.wd{i}")).to_string())
            .collect(),
        can_edit: can_edit_calendar(&me.0),
        form_year,
        form_body,
        error,
        saved,
        l,
    }
}

async fn calendar_page(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let cal = state.calendar();
    let form = parse_year(q.edit.as_deref())
        .filter(|_| can_edit_calendar(&me.0))
        .and_then(|y| year_text(&cal, y).map(|text| (y.to_string(), text)));
    render(page(
        &state,
        lang,
        &me,
        parse_year(q.year.as_deref()),
        form,
        None,
        q.saved.is_some(),
    ))
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
    Ok(year)
}

async fn save_year(State(state): State<AppState>, lang: Lang, me: Me, req: Request) -> Response {
    if !can_edit_calendar(&me.0) {
        return AppError(err!("auth.forbidden")).into_response();
    }
    let form = match Form::<YearForm>::from_request(req, &state).await {
        Ok(Form(f)) => f,
        Err(r) => {
            return AppError(err!("request.invalid", reason = r.body_text())).into_response();
        }
    };
    match store_year(&state, &me, &form).await {
        Ok(year) => Redirect::to(&format!("/calendar?year={year}&saved=1#top")).into_response(),
        Err(e) if e.status == 400 => {
            let t = Tr::new(lang);
            let shown = parse_year(Some(&form.year));
            let mut resp = render(page(
                &state,
                lang,
                &me,
                shown.filter(|y| state.calendar().is_loaded(*y)),
                Some((form.year, form.body)),
                Some(error_text(&t, &e)),
                false,
            ));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
        Err(e) => AppError(e).into_response(),
    }
}
