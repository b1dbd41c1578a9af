//! One year's page, `/calendar/{year}`: its twelve months and the lists of its rest days and
//! make-up working days. Administrators at the top of the tree enter the year here by clicking:
//! each day is a button that cycles normal → holiday (休) → make-up working day (班) → normal,
//! and one POST saves the whole year. Without JS a day's button posts the marks so far with that
//! day cycled and the page comes back with the change, unsaved; `calendar.js` cycles in place.
//! The text form stays below the grid as an import (paste), posted to `/calendar`.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Form, FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::calendar::{Calendar, Date, days_in_month};
use wangge_domain::err;

use super::pages::{
    YearForm, can_edit_calendar, error_text, parse_year, store_year, template, year_text,
};
use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

/// The most marked days one POST may carry per kind (a year has at most 366 days).
const MAX_MARKS: usize = 366;

pub struct Cell {
    /// 0 for a blank cell before the first or after the last day.
    pub day: u32,
    pub date: String,
    /// `hol` (statutory rest day), `work` (make-up working day) or empty.
    pub mark: &'static str,
    pub weekend: bool,
    /// The day and its mark, for screen readers and tooltips.
    pub label: String,
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
#[template(path = "calendar/year.html")]
struct YearPage {
    l: Layout,
    year: i32,
    loaded: bool,
    can_edit: bool,
    months: Vec<Month>,
    weekdays: Vec<String>,
    holidays_csv: String,
    workdays_csv: String,
    holidays: Vec<DayItem>,
    workdays: Vec<DayItem>,
    /// Marks shown that are not saved yet (a no-JS click, or a refused save).
    unsaved: bool,
    marks_error: Option<String>,
    import_body: String,
    import_error: Option<String>,
    saved: bool,
    /// `{"hol": "休", "work": "班"}` for the script.
    marks_json: String,
}

/// The marks of a year as the grid holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Marks {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

impl Marks {
    /// The marks of a loaded year. A holiday on a weekend changes nothing (the published lists
    /// include them in their runs), so the grid shows that day as a plain weekend.
    fn of(cal: &Calendar, year: i32) -> Marks {
        Marks {
            holidays: cal
                .holidays(year)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| !d.weekday().is_weekend())
                .collect(),
            workdays: cal.workdays(year).unwrap_or_default().into_iter().collect(),
        }
    }

    /// Reads the comma-separated lists of the form; every date must lie in `year`.
    fn parse(year: i32, holidays: &str, workdays: &str) -> Result<Marks, Error> {
        let list = |text: &str| -> Result<BTreeSet<Date>, Error> {
            let days: Vec<&str> = text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if days.len() > MAX_MARKS {
                return Err(err!("request.invalid", reason = "too many days"));
            }
            days.into_iter()
                .map(|s| {
                    let d = Date::parse(s)?;
                    if d.year() != year {
                        return Err(err!("calendar.bad_date", text = s));
                    }
                    Ok(d)
                })
                .collect()
        };
        Ok(Marks {
            holidays: list(holidays)?,
            workdays: list(workdays)?,
        })
    }

    /// Normal → holiday → make-up working day → normal.
    fn cycle(&mut self, d: Date) {
        if self.holidays.remove(&d) {
            self.workdays.insert(d);
        } else if !self.workdays.remove(&d) {
            self.holidays.insert(d);
        }
    }

    fn mark(&self, d: Date) -> &'static str {
        if self.holidays.contains(&d) {
            "hol"
        } else if self.workdays.contains(&d) {
            "work"
        } else {
            ""
        }
    }

    fn csv(days: &BTreeSet<Date>) -> String {
        days.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The year in the stored text format, after the grid's own checks: a holiday falls on a
    /// weekday and a make-up working day on a weekend, and the year has a holiday.
    fn to_text(&self, year: i32) -> Result<String, Error> {
        let holidays: Vec<Date> = self.holidays.iter().copied().collect();
        let workdays: Vec<Date> = self.workdays.iter().copied().collect();
        let mut one = Calendar::new();
        one.add_marked_year(year, &holidays, &workdays)?;
        if holidays.is_empty() {
            return Err(err!("calendar.year_empty", year));
        }
        Ok(one.to_text())
    }
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

fn blank() -> Cell {
    Cell {
        day: 0,
        date: String::new(),
        mark: "",
        weekend: false,
        label: String::new(),
    }
}

/// Twelve months of weeks from Monday, each day with its mark.
fn month_grid(t: &Tr, marks: &Marks, year: i32) -> Vec<Month> {
    (1..=12u32)
        .filter_map(|m| {
            let first = Date::new(year, m, 1)?;
            let mut weeks = Vec::new();
            let mut week: Vec<Cell> = (0..weekday_index(first)).map(|_| blank()).collect();
            for day in 1..=days_in_month(year, m) {
                let d = Date::new(year, m, day)?;
                let mark = marks.mark(d);
                let label = match mark {
                    "" => format!("{d}({})", weekday_name(t, d)),
                    _ => format!(
                        "{d}({}) {}",
                        weekday_name(t, d),
                        t.s(&format!("calendar.mark_{mark}"))
                    ),
                };
                week.push(Cell {
                    day,
                    date: d.to_string(),
                    mark,
                    weekend: d.weekday().is_weekend(),
                    label,
                });
                if week.len() == 7 {
                    weeks.push(std::mem::take(&mut week));
                }
            }
            if !week.is_empty() {
                week.resize_with(7, blank);
                weeks.push(week);
            }
            Some(Month {
                name: t.s(&format!("calendar.m{m}")).to_string(),
                weeks,
            })
        })
        .collect()
}

/// What a year's page shows besides the saved calendar.
#[derive(Default)]
pub(super) struct Shown {
    /// Marks not saved yet; the saved ones when `None`.
    pub marks: Option<Marks>,
    pub marks_error: Option<String>,
    /// The import form's text; the saved year's (or a template) when `None`.
    pub import_body: Option<String>,
    pub import_error: Option<String>,
    pub saved: bool,
}

fn page(state: &AppState, lang: Lang, me: &Me, year: i32, shown: Shown) -> YearPage {
    let cal = state.calendar();
    let l = Layout::new(lang, Some(me.0.clone()), "calendar.title");
    let t = l.t;
    let can_edit = can_edit_calendar(&me.0);
    let loaded = cal.is_loaded(year);
    let unsaved = shown.marks.is_some();
    // Viewers see the published lists as they are; the grid to edit shows the marks that count.
    let marks = match shown.marks {
        Some(m) => m,
        None if can_edit => Marks::of(&cal, year),
        None => Marks {
            holidays: cal.holidays(year).unwrap_or_default().into_iter().collect(),
            workdays: cal.workdays(year).unwrap_or_default().into_iter().collect(),
        },
    };
    YearPage {
        year,
        loaded,
        can_edit,
        months: if loaded || can_edit {
            month_grid(&t, &marks, year)
        } else {
            Vec::new()
        },
        weekdays: (0..7)
            .map(|i| t.s(&format!("calendar.wd{i}")).to_string())
            .collect(),
        holidays_csv: Marks::csv(&marks.holidays),
        workdays_csv: Marks::csv(&marks.workdays),
        holidays: runs(&t, &cal.holidays(year).unwrap_or_default()),
        workdays: runs(&t, &cal.workdays(year).unwrap_or_default()),
        unsaved,
        marks_error: shown.marks_error,
        import_body: shown
            .import_body
            .or_else(|| year_text(&cal, year))
            .unwrap_or_else(|| template(year)),
        import_error: shown.import_error,
        saved: shown.saved,
        marks_json: crate::ui::texts_json(&t, &["calendar.mark_hol", "calendar.mark_work"]),
        l,
    }
}

fn year_of(text: &str) -> Result<i32, AppError> {
    parse_year(Some(text)).ok_or_else(|| AppError(err!("calendar.year_invalid")))
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    saved: Option<String>,
}

/// `GET /calendar/{year}`.
pub(super) async fn year_page(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Path(year): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    let year = match year_of(&year) {
        Ok(y) => y,
        Err(e) => return e.into_response(),
    };
    let shown = Shown {
        saved: q.saved.is_some(),
        ..Shown::default()
    };
    render(page(&state, lang, &me, year, shown))
}

#[derive(Deserialize, Default)]
struct MarksForm {
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    workdays: String,
    /// A day's button without JS: cycle this day and show the page again, unsaved.
    cycle: Option<String>,
}

fn bad_request(mut resp: Response) -> Response {
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

/// `POST /calendar/{year}`: a day cycled (no JS), or the whole year saved.
pub(super) async fn save_marks(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Path(year): Path<String>,
    req: Request,
) -> Response {
    if !can_edit_calendar(&me.0) {
        return AppError(err!("auth.forbidden")).into_response();
    }
    let year = match year_of(&year) {
        Ok(y) => y,
        Err(e) => return e.into_response(),
    };
    let form = match Form::<MarksForm>::from_request(req, &state).await {
        Ok(Form(f)) => f,
        Err(r) => {
            return AppError(err!("request.invalid", reason = r.body_text())).into_response();
        }
    };
    let t = Tr::new(lang);
    let refused = |marks: Option<Marks>, e: &Error| {
        let shown = Shown {
            marks,
            marks_error: Some(error_text(&t, e)),
            ..Shown::default()
        };
        bad_request(render(page(&state, lang, &me, year, shown)))
    };
    let mut marks = match Marks::parse(year, &form.holidays, &form.workdays) {
        Ok(m) => m,
        Err(e) => return refused(None, &e),
    };
    if let Some(day) = form.cycle.as_deref() {
        match Date::parse(day.trim()) {
            Ok(d) if d.year() == year => marks.cycle(d),
            _ => return refused(Some(marks), &err!("calendar.bad_date", text = day)),
        }
        let shown = Shown {
            marks: Some(marks),
            ..Shown::default()
        };
        return render(page(&state, lang, &me, year, shown));
    }
    let stored = match marks.to_text(year) {
        Ok(body) => {
            let form = YearForm {
                year: year.to_string(),
                body,
            };
            store_year(&state, &me, &form).await
        }
        Err(e) => Err(e),
    };
    match stored {
        Ok(year) => Redirect::to(&format!("/calendar/{year}?saved=1#top")).into_response(),
        Err(e) if e.status == 400 => refused(Some(marks), &e),
        Err(e) => AppError(e).into_response(),
    }
}

/// `POST /calendar`: a year's text pasted into the import form.
pub(super) async fn import(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    req: Request,
) -> Response {
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
        Ok(year) => Redirect::to(&format!("/calendar/{year}?saved=1#top")).into_response(),
        Err(e) if e.status == 400 => {
            let t = Tr::new(lang);
            let Some(year) = parse_year(Some(&form.year)) else {
                return AppError(e).into_response();
            };
            let shown = Shown {
                import_body: Some(form.body),
                import_error: Some(error_text(&t, &e)),
                ..Shown::default()
            };
            bad_request(render(page(&state, lang, &me, year, shown)))
        }
        Err(e) => AppError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn a_day_cycles_through_three_marks() {
        let mut m = Marks::default();
        let day = d("2027-02-08");
        assert_eq!(m.mark(day), "");
        m.cycle(day);
        assert_eq!(m.mark(day), "hol");
        m.cycle(day);
        assert_eq!(m.mark(day), "work");
        m.cycle(day);
        assert_eq!(m.mark(day), "");
        assert_eq!(m, Marks::default());
    }

    #[test]
    fn marks_parse_from_the_form_and_stay_in_their_year() {
        let m = Marks::parse(2027, "2027-01-01, 2027-02-08,", "2027-02-14").unwrap();
        assert_eq!(Marks::csv(&m.holidays), "2027-01-01,2027-02-08");
        assert_eq!(
            m.to_text(2027).unwrap(),
            "year 2027\nholiday 2027-01-01\nholiday 2027-02-08\nworkday 2027-02-14\n"
        );
        assert_eq!(
            Marks::parse(2027, "2026-12-31", "").unwrap_err().code,
            "calendar.bad_date"
        );
        assert_eq!(
            Marks::parse(2027, "2027-02-30", "").unwrap_err().code,
            "calendar.bad_date"
        );
        // The grid's own checks: a weekend holiday, a weekday make-up day, no holiday at all.
        let code = |h: &str, w: &str| {
            Marks::parse(2027, h, w)
                .unwrap()
                .to_text(2027)
                .unwrap_err()
                .code
        };
        assert_eq!(code("2027-02-13", ""), "calendar.holiday_on_weekend");
        assert_eq!(
            code("2027-01-01", "2027-02-09"),
            "calendar.workday_on_weekday"
        );
        assert_eq!(code("", "2027-02-14"), "calendar.year_empty");
    }

    #[test]
    fn a_published_year_shows_its_weekend_holidays_as_weekends_to_edit() {
        let cal = Calendar::official();
        let m = Marks::of(&cal, 2025);
        // 2025 Spring Festival: Jan 28 – Feb 4; Sat Feb 1 and Sun Feb 2 count as weekends.
        assert_eq!(m.mark(d("2025-01-28")), "hol");
        assert_eq!(m.mark(d("2025-02-01")), "");
        assert_eq!(m.mark(d("2025-02-08")), "work");
        // Saved back, the year counts working days exactly as the published one.
        let mut again = Calendar::new();
        let text = m.to_text(2025).unwrap();
        let parsed = Calendar::from_text(&text).unwrap();
        again
            .add_year(
                2025,
                parsed.holidays(2025).unwrap(),
                parsed.workdays(2025).unwrap(),
            )
            .unwrap();
        let mut day = d("2025-01-01");
        while day.year() == 2025 {
            assert_eq!(again.is_working_day(day), cal.is_working_day(day), "{day}");
            day = day.add_days(1).unwrap();
        }
    }
}
