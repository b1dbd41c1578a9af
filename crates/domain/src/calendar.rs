//! The working-day calendar of mainland China: civil dates in plain integers, and which days are
//! statutory rest days (法定节假日) and which weekend days are make-up working days (调休).
//!
//! The official data for 2024–2026 ships with the crate (`data/cn-calendar.txt`, taken from the
//! MIT-licensed npm package chinese-days 1.5.7); administrators enter later years at run time,
//! either as text in the same format ([`Calendar::from_text`]) or year by year
//! ([`Calendar::add_year`]). The calendar never guesses: asking about a day of a year that is not
//! loaded is [`CalendarError::MissingYear`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

/// The shipped data: statutory holidays and make-up working days of 2024, 2025 and 2026.
pub const OFFICIAL_TEXT: &str = include_str!("../data/cn-calendar.txt");

/// Everything that can go wrong with dates, calendars and instants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A day of this year is needed and the year is not loaded.
    #[error("calendar missing for {0}")]
    MissingYear(i32),
    #[error("{0:?} is not a valid date (expected YYYY-MM-DD, year 0000 to 9999)")]
    BadDate(String),
    /// Calendar text that does not parse; `line` counts from 1.
    #[error("calendar data line {line}: {reason}")]
    BadData { line: usize, reason: String },
    /// Data for one year (from [`Calendar::add_year`]) that is inconsistent.
    #[error("calendar year {year}: {reason}")]
    BadYear { year: i32, reason: String },
    #[error("{text:?} is not an RFC 3339 date-time such as 2025-02-10T09:30:00+08:00: {reason}")]
    BadInstant { text: String, reason: String },
    /// An instant or date outside the years 0000–9999.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// A day marked as a statutory holiday on the year's page is a Saturday or Sunday.
    #[error(
        "{0} is a weekend day, a rest day already: only Monday to Friday can be marked as a holiday"
    )]
    HolidayOnWeekend(Date),
    /// A day marked as a make-up working day on the year's page is Monday to Friday.
    #[error(
        "{0} is a weekday, a working day already: only a Saturday or Sunday can be a make-up working day"
    )]
    WorkdayOnWeekday(Date),
}

impl CalendarError {
    /// A stable machine-readable code, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::MissingYear(_) => "calendar.missing_year",
            CalendarError::BadDate(_) => "calendar.bad_date",
            CalendarError::BadData { .. } => "calendar.bad_data",
            CalendarError::BadYear { .. } => "calendar.bad_year",
            CalendarError::BadInstant { .. } => "calendar.bad_instant",
            CalendarError::OutOfRange(_) => "calendar.out_of_range",
            CalendarError::HolidayOnWeekend(_) => "calendar.holiday_on_weekend",
            CalendarError::WorkdayOnWeekday(_) => "calendar.workday_on_weekday",
        }
    }
}

impl From<CalendarError> for crate::error::Error {
    /// 422 for a missing year (the request is fine, the calendar lacks data), 400 otherwise.
    fn from(e: CalendarError) -> crate::error::Error {
        let (params, details) = match &e {
            CalendarError::MissingYear(year) => {
                (vec![("year", year.to_string())], json!({ "year": year }))
            }
            CalendarError::BadDate(text) => (vec![("text", text.clone())], Value::Null),
            CalendarError::BadData { line, reason } => (
                vec![("line", line.to_string()), ("reason", reason.clone())],
                json!({ "line": line }),
            ),
            CalendarError::BadYear { year, reason } => (
                vec![("year", year.to_string()), ("reason", reason.clone())],
                json!({ "year": year }),
            ),
            CalendarError::BadInstant { text, reason } => (
                vec![("text", text.clone()), ("reason", reason.clone())],
                Value::Null,
            ),
            CalendarError::OutOfRange(what) => (vec![("what", what.clone())], Value::Null),
            CalendarError::HolidayOnWeekend(date) | CalendarError::WorkdayOnWeekday(date) => (
                vec![("date", date.to_string())],
                json!({ "date": date.to_string() }),
            ),
        };
        crate::error::Error::new(e.code(), params).with_details(details)
    }
}

// ---------------------------------------------------------------------------------------------
// Civil dates
// ---------------------------------------------------------------------------------------------

/// Smallest and largest supported years (the range RFC 3339 can write).
pub const MIN_YEAR: i32 = 0;
pub const MAX_YEAR: i32 = 9999;

pub fn is_leap_year(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days in month `m` (1–12) of year `y`; 0 for a month out of range.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). The date is
/// assumed valid.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = i64::from((m + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01. Exact for
/// |days| below about 10^15.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Saturday | Weekday::Sunday)
    }

    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }
}

/// A valid proleptic Gregorian date in the years 0000–9999. Orders chronologically; displays and
/// parses as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    y: i32,
    m: u8,
    d: u8,
}

impl Date {
    /// `None` unless the date exists and its year is within 0000–9999.
    pub fn new(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date {
            y,
            m: m as u8,
            d: d as u8,
        })
    }

    /// Strict `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, CalendarError> {
        let bad = || CalendarError::BadDate(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let y = digits(b, 0, 4).ok_or_else(bad)?;
        let m = digits(b, 5, 2).ok_or_else(bad)?;
        let d = digits(b, 8, 2).ok_or_else(bad)?;
        Date::new(y as i32, m, d).ok_or_else(bad)
    }

    /// The date `days` days after 1970-01-01 (negative: before); `None` outside 0000–9999.
    pub fn from_days(days: i64) -> Option<Date> {
        // Outside this window the year is certainly out of range; inside it the algorithm is exact.
        if !(-800_000..=3_000_000).contains(&days) {
            return None;
        }
        let (y, m, d) = civil_from_days(days);
        Date::new(i32::try_from(y).ok()?, m, d)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days(self) -> i64 {
        days_from_civil(self.y, u32::from(self.m), u32::from(self.d))
    }

    /// `n` days later (earlier if negative); `None` when that leaves 0000–9999.
    pub fn add_days(self, n: i64) -> Option<Date> {
        Date::from_days(self.days().checked_add(n)?)
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        match (self.days() + 3).rem_euclid(7) {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    pub fn year(self) -> i32 {
        self.y
    }

    pub fn month(self) -> u32 {
        u32::from(self.m)
    }

    pub fn day(self) -> u32 {
        u32::from(self.d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

impl FromStr for Date {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Date, CalendarError> {
        Date::parse(s)
    }
}

/// The number written by the ASCII digits `b[start..start + len]`, if they are all digits.
pub(crate) fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

// ---------------------------------------------------------------------------------------------
// The calendar
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct YearDays {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Holiday,
    Workday,
}

impl YearDays {
    /// Adds one entry of `year` after checking it; the reason is returned when it does not fit.
    fn add(&mut self, year: i32, kind: Kind, date: Date) -> Result<(), String> {
        if date.year() != year {
            return Err(format!("{date} is not in year {year}"));
        }
        let (own, other) = match kind {
            Kind::Holiday => (&mut self.holidays, &self.workdays),
            Kind::Workday => (&mut self.workdays, &self.holidays),
        };
        if other.contains(&date) {
            return Err(format!(
                "{date} is listed both as a holiday and as a make-up working day"
            ));
        }
        if kind == Kind::Workday && !date.weekday().is_weekend() {
            return Err(format!(
                "make-up working day {date} is a {}; only a Saturday or Sunday can be one",
                date.weekday().name()
            ));
        }
        own.insert(date);
        Ok(())
    }
}

/// Which days are working days, for the years that are loaded.
///
/// A day is a working day when it is a make-up working day, or when it is Monday to Friday and
/// not a statutory holiday. Days of years not loaded are unknown, never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearDays>,
}

impl Calendar {
    /// An empty calendar: no year loaded.
    pub fn new() -> Calendar {
        Calendar::default()
    }

    /// The shipped official data (2024, 2025, 2026).
    pub fn official() -> Calendar {
        // The text is compiled in and a unit test parses it, so the fallback is never taken; an
        // empty calendar would answer MissingYear for every day rather than guess.
        Calendar::from_text(OFFICIAL_TEXT).unwrap_or_default()
    }

    /// Parses the format of `data/cn-calendar.txt`: `year YYYY` lines, each followed by
    /// `holiday YYYY-MM-DD` or `holiday YYYY-MM-DD..YYYY-MM-DD` (inclusive) and
    /// `workday YYYY-MM-DD` lines of that year; `#` starts a comment.
    pub fn from_text(text: &str) -> Result<Calendar, CalendarError> {
        let mut cal = Calendar::new();
        let mut current: Option<i32> = None;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |reason: String| CalendarError::BadData { line, reason };
            let content = raw.split('#').next().unwrap_or("").trim();
            let mut words = content.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let Some(arg) = words.next() else {
                return Err(fail(format!("{keyword:?} needs a value")));
            };
            if let Some(extra) = words.next() {
                return Err(fail(format!("unexpected {extra:?} after {arg:?}")));
            }
            let kind = match keyword {
                "year" => {
                    let b = arg.as_bytes();
                    let year = match digits(b, 0, 4) {
                        Some(y) if b.len() == 4 => y as i32,
                        _ => return Err(fail(format!("{arg:?} is not a year (YYYY)"))),
                    };
                    if cal.years.contains_key(&year) {
                        return Err(fail(format!("year {year} appears twice")));
                    }
                    cal.years.insert(year, YearDays::default());
                    current = Some(year);
                    continue;
                }
                "holiday" => Kind::Holiday,
                "workday" => Kind::Workday,
                other => {
                    return Err(fail(format!(
                        "unknown keyword {other:?}; expected year, holiday or workday"
                    )));
                }
            };
            let Some(year) = current else {
                return Err(fail(format!("a {keyword} line must follow a year line")));
            };
            let (first, last) = match arg.split_once("..") {
                Some((a, b)) if kind == Kind::Holiday => (a, b),
                Some(_) => {
                    return Err(fail(
                        "a workday line takes one date, not a range".to_string(),
                    ));
                }
                None => (arg, arg),
            };
            let first = Date::parse(first).map_err(|e| fail(e.to_string()))?;
            let last = Date::parse(last).map_err(|e| fail(e.to_string()))?;
            if last < first {
                return Err(fail(format!("the range {arg} ends before it starts")));
            }
            let days = cal.years.entry(year).or_default();
            for n in 0..=(last.days() - first.days()) {
                let date = first
                    .add_days(n)
                    .ok_or_else(|| fail(format!("{arg} is out of range")))?;
                days.add(year, kind, date).map_err(fail)?;
            }
        }
        Ok(cal)
    }

    /// The calendar in the format [`Calendar::from_text`] reads (runs of holidays as ranges).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (year, days) in &self.years {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("year {year:04}\n"));
            let mut runs: Vec<(Date, Date)> = Vec::new();
            for &date in &days.holidays {
                match runs.last_mut() {
                    Some((_, last)) if last.add_days(1) == Some(date) => *last = date,
                    _ => runs.push((date, date)),
                }
            }
            for (first, last) in runs {
                if first == last {
                    out.push_str(&format!("holiday {first}\n"));
                } else {
                    out.push_str(&format!("holiday {first}..{last}\n"));
                }
            }
            for date in &days.workdays {
                out.push_str(&format!("workday {date}\n"));
            }
        }
        out
    }

    /// Loads (or replaces) one year, as an administrator enters it: its statutory rest days
    /// and its make-up working days. Every date must lie in `year`, no date may be both, and a
    /// make-up working day must be a Saturday or Sunday. On error the calendar is unchanged.
    pub fn add_year(
        &mut self,
        year: i32,
        holidays: impl IntoIterator<Item = Date>,
        workdays: impl IntoIterator<Item = Date>,
    ) -> Result<(), CalendarError> {
        let fail = |reason: String| CalendarError::BadYear { year, reason };
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(fail(format!(
                "the year must be within {MIN_YEAR} to {MAX_YEAR}"
            )));
        }
        let mut days = YearDays::default();
        for date in holidays {
            days.add(year, Kind::Holiday, date).map_err(fail)?;
        }
        for date in workdays {
            days.add(year, Kind::Workday, date).map_err(fail)?;
        }
        self.years.insert(year, days);
        Ok(())
    }

    /// Loads (or replaces) one year as an administrator marks it day by day on the year's
    /// page: stricter than [`Calendar::add_year`], which takes the published lists whose
    /// holiday runs include weekends. Here a holiday must be Monday to Friday (a weekend is a
    /// rest day already) and a make-up working day a Saturday or Sunday, so that a mark that
    /// changes nothing is refused rather than silently kept. On error the calendar is unchanged.
    pub fn add_marked_year(
        &mut self,
        year: i32,
        holidays: &[Date],
        workdays: &[Date],
    ) -> Result<(), CalendarError> {
        if let Some(d) = holidays.iter().find(|d| d.weekday().is_weekend()) {
            return Err(CalendarError::HolidayOnWeekend(*d));
        }
        if let Some(d) = workdays.iter().find(|d| !d.weekday().is_weekend()) {
            return Err(CalendarError::WorkdayOnWeekday(*d));
        }
        self.add_year(year, holidays.iter().copied(), workdays.iter().copied())
    }

    /// The year an administrator should enter now, seen on `today`: this year if it is
    /// missing, else from 1 November next year if that is missing (the State Council publishes
    /// the next year's holidays late in the year, and due times reach into it from December).
    pub fn year_to_enter(&self, today: Date) -> Option<i32> {
        let year = today.year();
        if !self.is_loaded(year) {
            return Some(year);
        }
        (today.month() >= 11 && year < MAX_YEAR && !self.is_loaded(year + 1)).then_some(year + 1)
    }

    /// The loaded years, ascending.
    pub fn loaded_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn is_loaded(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The statutory rest days listed for `year`, ascending; `None` if the year is not loaded.
    pub fn holidays(&self, year: i32) -> Option<Vec<Date>> {
        self.years
            .get(&year)
            .map(|d| d.holidays.iter().copied().collect())
    }

    /// The make-up working days of `year`, ascending; `None` if the year is not loaded.
    pub fn workdays(&self, year: i32) -> Option<Vec<Date>> {
        self.years
            .get(&year)
            .map(|d| d.workdays.iter().copied().collect())
    }

    /// Whether `date` is a working day; [`CalendarError::MissingYear`] if its year is not loaded.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        let days = self
            .years
            .get(&date.year())
            .ok_or(CalendarError::MissingYear(date.year()))?;
        if days.workdays.contains(&date) {
            return Ok(true);
        }
        if days.holidays.contains(&date) {
            return Ok(false);
        }
        Ok(!date.weekday().is_weekend())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn working(cal: &Calendar, s: &str) -> bool {
        cal.is_working_day(d(s)).unwrap()
    }

    #[test]
    fn civil_conversion_matches_a_naive_walk_1970_to_2100() {
        // Walk day by day with month lengths only, and compare with the closed-form algorithm.
        let (mut y, mut m, mut day) = (1970i32, 1u32, 1u32);
        let mut days = 0i64;
        loop {
            assert_eq!(civil_from_days(days), (i64::from(y), m, day), "days {days}");
            assert_eq!(days_from_civil(y, m, day), days, "{y}-{m}-{day}");
            let date = Date::from_days(days).unwrap();
            assert_eq!(date.days(), days);
            assert_eq!(Date::parse(&date.to_string()).unwrap(), date);
            if (y, m, day) == (2100, 12, 31) {
                break;
            }
            days += 1;
            day += 1;
            if day > days_in_month(y, m) {
                day = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!(days, 47_846); // 131 years, 32 of them leap (2100 is not)
    }

    #[test]
    fn civil_conversion_round_trips_over_the_whole_range() {
        let first = d("0000-01-01").days();
        let last = d("9999-12-31").days();
        for n in first..=last {
            let date = Date::from_days(n).unwrap();
            assert_eq!(date.days(), n);
        }
        assert_eq!(Date::from_days(first - 1), None);
        assert_eq!(Date::from_days(last + 1), None);
        assert_eq!(Date::from_days(i64::MIN), None);
        assert_eq!(Date::from_days(i64::MAX), None);
        assert_eq!(d("9999-12-31").add_days(1), None);
        assert_eq!(d("2024-02-28").add_days(1), Some(d("2024-02-29")));
        assert_eq!(d("2025-02-28").add_days(1), Some(d("2025-03-01")));
        assert_eq!(d("2025-01-01").add_days(-1), Some(d("2024-12-31")));
    }

    #[test]
    fn weekdays() {
        assert_eq!(d("1970-01-01").weekday(), Weekday::Thursday);
        assert_eq!(d("1969-12-28").weekday(), Weekday::Sunday);
        assert_eq!(d("2025-01-27").weekday(), Weekday::Monday);
        assert_eq!(d("2025-02-08").weekday(), Weekday::Saturday);
        assert_eq!(d("2025-10-09").weekday(), Weekday::Thursday);
        assert_eq!(d("2000-02-29").weekday(), Weekday::Tuesday);
        assert!(Weekday::Sunday.is_weekend() && !Weekday::Friday.is_weekend());
    }

    #[test]
    fn date_parse_and_display() {
        let date = d("2024-02-29");
        assert_eq!((date.year(), date.month(), date.day()), (2024, 2, 29));
        assert_eq!(date.to_string(), "2024-02-29");
        assert_eq!(
            "0007-03-04".parse::<Date>().unwrap().to_string(),
            "0007-03-04"
        );
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2025-1-01",
            "2025/01/01",
            "20250101",
            "2025-01-01 ",
            "+025-01-01",
            "",
        ] {
            assert_eq!(
                Date::parse(bad),
                Err(CalendarError::BadDate(bad.to_string())),
                "{bad:?}"
            );
        }
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(10_000, 1, 1).is_none());
        assert!(Date::new(-1, 1, 1).is_none());
        assert!(d("2025-01-31") < d("2025-02-01") && d("2024-12-31") < d("2025-01-01"));
    }

    #[test]
    fn official_data_loads_with_the_packages_counts() {
        let cal = Calendar::official();
        assert_eq!(Calendar::from_text(OFFICIAL_TEXT).unwrap(), cal);
        assert_eq!(cal.loaded_years(), vec![2024, 2025, 2026]);
        // Entry counts of chinese-days 1.5.7 dist/years/YYYY.json "holidays" and "workdays".
        for (year, holidays, workdays) in [(2024, 28, 8), (2025, 28, 5), (2026, 33, 6)] {
            assert_eq!(cal.holidays(year).unwrap().len(), holidays, "{year}");
            assert_eq!(cal.workdays(year).unwrap().len(), workdays, "{year}");
        }
        assert_eq!(cal.holidays(2027), None);
    }

    #[test]
    fn official_data_known_facts() {
        let cal = Calendar::official();
        // 2025 Spring Festival: Jan 28 - Feb 4 off, make-up Sun Jan 26 and Sat Feb 8.
        for day in 28..=31 {
            assert!(!working(&cal, &format!("2025-01-{day}")));
        }
        for day in 1..=4 {
            assert!(!working(&cal, &format!("2025-02-0{day}")));
        }
        assert!(working(&cal, "2025-01-26"));
        assert!(working(&cal, "2025-01-27"));
        assert!(working(&cal, "2025-02-05"));
        assert!(working(&cal, "2025-02-08"));
        assert!(!working(&cal, "2025-02-09"));
        // 2025 National Day with Mid-autumn: Oct 1-8 off, make-up Sun Sep 28 and Sat Oct 11.
        for day in 1..=8 {
            assert!(!working(&cal, &format!("2025-10-0{day}")));
        }
        assert!(working(&cal, "2025-09-28"));
        assert!(working(&cal, "2025-10-09"));
        assert!(working(&cal, "2025-10-11"));
        assert!(!working(&cal, "2025-10-12"));
        // 2026 as chinese-days 1.5.7 has it: Spring Festival Feb 15-23, make-up Feb 14 and 28;
        // New Year Jan 1-3 with make-up Sun Jan 4; National Day Oct 1-7, make-up Sep 20, Oct 10.
        assert!(!working(&cal, "2026-01-02"));
        assert!(working(&cal, "2026-01-04"));
        assert!(working(&cal, "2026-02-14"));
        assert!(!working(&cal, "2026-02-23"));
        assert!(working(&cal, "2026-02-24"));
        assert!(working(&cal, "2026-02-28"));
        assert!(working(&cal, "2026-09-20"));
        assert!(!working(&cal, "2026-10-07"));
        assert!(working(&cal, "2026-10-10"));
        // 2024: Spring Festival Feb 10-17, make-up Sun Feb 4 and Sun Feb 18.
        assert!(!working(&cal, "2024-02-16"));
        assert!(working(&cal, "2024-02-18"));
        // Ordinary weeks.
        assert!(working(&cal, "2025-03-10"));
        assert!(!working(&cal, "2025-03-08"));
        assert!(!working(&cal, "2025-03-09"));
        // Every make-up working day of the data is a weekend day.
        for year in cal.loaded_years() {
            for date in cal.workdays(year).unwrap() {
                assert!(date.weekday().is_weekend(), "{date}");
            }
        }
    }

    #[test]
    fn missing_year_is_an_error_not_a_guess() {
        let cal = Calendar::official();
        assert_eq!(
            cal.is_working_day(d("2027-01-04")),
            Err(CalendarError::MissingYear(2027))
        );
        assert_eq!(
            cal.is_working_day(d("2023-12-29")),
            Err(CalendarError::MissingYear(2023))
        );
        let e = CalendarError::MissingYear(2027);
        assert_eq!(e.to_string(), "calendar missing for 2027");
        assert_eq!(e.code(), "calendar.missing_year");
        let api: crate::error::Error = e.into();
        assert_eq!(api.status, 422);
        assert_eq!(api.code, "calendar.missing_year");
        assert_eq!(api.message, "calendar missing for 2027");
        assert_eq!(api.details, json!({ "year": 2027 }));
        assert!(Calendar::new().loaded_years().is_empty());
    }

    #[test]
    fn from_text_reads_ranges_comments_and_blank_lines() {
        let cal = Calendar::from_text(
            "\u{feff}# header\r\n\nyear 2027  # a year\r\nholiday 2027-02-05..2027-02-11\nworkday 2027-02-14\nholiday 2027-01-01\n",
        )
        .unwrap();
        assert_eq!(cal.loaded_years(), vec![2027]);
        assert_eq!(cal.holidays(2027).unwrap().len(), 8);
        assert!(!working(&cal, "2027-02-08"));
        assert!(working(&cal, "2027-02-14"));
        assert!(working(&cal, "2027-02-12"));
        // A year line alone loads a year of plain weeks.
        let plain = Calendar::from_text("year 2030\n").unwrap();
        assert!(working(&plain, "2030-01-01"));
    }

    #[test]
    fn from_text_errors_name_the_line() {
        let cases = [
            ("holiday 2025-01-01", 1, "must follow a year line"),
            ("year 2025\nholiday 2025-02-30", 2, "not a valid date"),
            ("year 2025\n\nholiday 2024-12-31", 3, "not in year 2025"),
            (
                "year 2025\nholiday 2025-12-30..2026-01-02",
                2,
                "not in year 2025",
            ),
            (
                "year 2025\nholiday 2025-02-05..2025-02-01",
                2,
                "ends before it starts",
            ),
            ("year 2025\nworkday 2025-02-05", 2, "is a Wednesday"),
            (
                "year 2025\nworkday 2025-02-08..2025-02-09",
                2,
                "not a range",
            ),
            (
                "year 2025\nholiday 2025-02-08\nworkday 2025-02-08",
                3,
                "both as a holiday and as a make-up working day",
            ),
            (
                "year 2025\nworkday 2025-02-08\nholiday 2025-02-07..2025-02-09",
                3,
                "both as a holiday and as a make-up working day",
            ),
            ("year 2025\nyear 2026\nyear 2025", 3, "appears twice"),
            ("year 25", 1, "not a year"),
            ("year", 1, "needs a value"),
            ("year 2025\nholiday 2025-01-01 2025-01-02", 2, "unexpected"),
            ("year 2025\nrest 2025-01-01", 2, "unknown keyword"),
        ];
        for (text, line, needle) in cases {
            let e = Calendar::from_text(text).unwrap_err();
            let CalendarError::BadData { line: got, .. } = &e else {
                panic!("{text:?}: expected BadData, got {e:?}");
            };
            assert_eq!(*got, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("calendar data line {line}: ")),
                "{e}"
            );
            let api: crate::error::Error = e.into();
            assert_eq!((api.status, api.code), (400, "calendar.bad_data"));
        }
    }

    #[test]
    fn add_year_validates_and_replaces() {
        let mut cal = Calendar::official();
        cal.add_year(
            2027,
            [d("2027-01-01"), d("2027-02-06"), d("2027-02-07")],
            [d("2027-02-13")],
        )
        .unwrap();
        assert_eq!(cal.loaded_years(), vec![2024, 2025, 2026, 2027]);
        assert!(!working(&cal, "2027-01-01"));
        assert!(working(&cal, "2027-02-13"));
        assert!(working(&cal, "2027-02-15"));

        let before = cal.clone();
        let bad = [
            (
                cal.clone().add_year(2028, [d("2027-12-31")], []),
                "not in year 2028",
            ),
            (
                cal.clone()
                    .add_year(2028, [d("2028-01-01")], [d("2028-01-01")]),
                "both",
            ),
            (
                cal.clone().add_year(2028, [], [d("2028-01-03")]),
                "is a Monday",
            ),
            (cal.clone().add_year(10_000, [], []), "within"),
        ];
        for (result, needle) in bad {
            let e = result.unwrap_err();
            assert_eq!(e.code(), "calendar.bad_year");
            assert!(e.to_string().contains(needle), "{e}");
        }
        // A failed add leaves the calendar as it was.
        assert!(cal.add_year(2027, [d("2026-01-01")], []).is_err());
        assert_eq!(cal, before);

        // Adding a loaded year again replaces it.
        cal.add_year(2027, [], []).unwrap();
        assert!(working(&cal, "2027-02-08"));
        assert_eq!(cal.holidays(2027), Some(vec![]));
    }

    #[test]
    fn a_marked_year_refuses_marks_that_change_nothing() {
        let mut cal = Calendar::official();
        // Mon 2027-02-08 holiday, Sun 2027-02-14 make-up: accepted.
        cal.add_marked_year(2027, &[d("2027-02-08")], &[d("2027-02-14")])
            .unwrap();
        assert!(!working(&cal, "2027-02-08"));
        assert!(working(&cal, "2027-02-14"));
        let before = cal.clone();
        // Sat 2027-02-13 as a holiday; Tue 2027-02-09 as a make-up day.
        let e = cal
            .add_marked_year(2027, &[d("2027-02-13")], &[])
            .unwrap_err();
        assert_eq!(e, CalendarError::HolidayOnWeekend(d("2027-02-13")));
        let api: crate::error::Error = e.into();
        assert_eq!((api.status, api.code), (400, "calendar.holiday_on_weekend"));
        assert_eq!(api.details, json!({ "date": "2027-02-13" }));
        let e = cal
            .add_marked_year(2027, &[], &[d("2027-02-09")])
            .unwrap_err();
        assert_eq!(e.code(), "calendar.workday_on_weekday");
        assert!(e.to_string().starts_with("2027-02-09 is a weekday"), "{e}");
        // The checks of add_year still hold: a date of another year.
        assert_eq!(
            cal.add_marked_year(2027, &[d("2028-01-03")], &[])
                .unwrap_err()
                .code(),
            "calendar.bad_year"
        );
        assert_eq!(cal, before);
    }

    #[test]
    fn the_year_to_enter_is_asked_from_november() {
        let cal = Calendar::official();
        assert_eq!(cal.year_to_enter(d("2026-10-31")), None);
        assert_eq!(cal.year_to_enter(d("2026-11-01")), Some(2027));
        assert_eq!(cal.year_to_enter(d("2026-12-04")), Some(2027));
        assert_eq!(cal.year_to_enter(d("2025-11-20")), None, "2026 is loaded");
        // A year already under way and missing is asked for at once.
        assert_eq!(cal.year_to_enter(d("2027-03-01")), Some(2027));
        let mut cal = cal;
        cal.add_year(2027, [d("2027-01-01")], []).unwrap();
        assert_eq!(cal.year_to_enter(d("2026-12-04")), None);
        assert_eq!(cal.year_to_enter(d("2027-11-01")), Some(2028));
    }

    #[test]
    fn to_text_round_trips() {
        let cal = Calendar::official();
        let text = cal.to_text();
        assert!(text.contains("holiday 2025-01-28..2025-02-04\n"), "{text}");
        assert!(text.contains("workday 2025-02-08\n"));
        assert_eq!(Calendar::from_text(&text).unwrap(), cal);
        assert_eq!(Calendar::new().to_text(), "");
    }
}
