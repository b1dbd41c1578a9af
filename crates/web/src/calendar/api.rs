//! The working-day calendar as JSON: one year's statutory rest days and make-up working days
//! for anyone signed in, and entering a year for administrators at the top of the tree, checked
//! and stored exactly as the `/calendar` page's form is.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::Error;
use wangge_domain::err;

use super::pages::{YearForm, can_edit_calendar, parse_year, store_year, year_text};
use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/calendar/{year}", get(read).put(write))
}

fn year_of(text: &str) -> Result<i32, Error> {
    parse_year(Some(text)).ok_or_else(|| err!("calendar.year_invalid"))
}

/// A year as the calendar holds it now; a year not loaded lists no days.
fn year_json(s: &AppState, me: &Me, year: i32) -> Value {
    let cal = s.calendar();
    let days = |list: Option<Vec<wangge_domain::calendar::Date>>| -> Vec<String> {
        list.unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    json!({
        "year": year,
        "loaded": cal.is_loaded(year),
        "holidays": days(cal.holidays(year)),
        "workdays": days(cal.workdays(year)),
        "text": year_text(&cal, year),
        "loaded_years": cal.loaded_years(),
        "can_edit": can_edit_calendar(&me.0),
    })
}

async fn read(
    State(s): State<AppState>,
    me: Me,
    Path(year): Path<String>,
) -> AppResult<Json<Value>> {
    let year = year_of(&year)?;
    Ok(Json(year_json(&s, &me, year)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearReq {
    /// The calendar text of this one year (`year YYYY`, `holiday …`, `workday …` lines).
    body: String,
}

async fn write(
    State(s): State<AppState>,
    me: Me,
    Path(year): Path<String>,
    ApiJson(r): ApiJson<YearReq>,
) -> AppResult<Json<Value>> {
    if !can_edit_calendar(&me.0) {
        return Err(err!("auth.forbidden").into());
    }
    let form = YearForm {
        year: year.trim().to_string(),
        body: r.body,
    };
    let stored = store_year(&s, &me, &form).await?;
    Ok(Json(year_json(&s, &me, stored)))
}
