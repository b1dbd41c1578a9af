//! The periods duties are counted over: the ISO week (Monday to Sunday), the month, the visiting
//! window of a month (the 1st to the 15th) and the quarter. Days are China dates.

use crate::calendar::{Date, Weekday};

/// The Monday of the week holding `day`.
pub fn week_start(day: Date) -> Date {
    let back = match day.weekday() {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    };
    day.add_days(-back).unwrap_or(day)
}

/// The days of the week holding `day`, Monday first.
pub fn week_days(day: Date) -> [Date; 7] {
    let start = week_start(day);
    std::array::from_fn(|i| start.add_days(i as i64).unwrap_or(start))
}

/// The first day of the month holding `day`.
pub fn month_start(day: Date) -> Date {
    Date::new(day.year(), day.month(), 1).unwrap_or(day)
}

/// The last day of the month holding `day`.
pub fn month_end(day: Date) -> Date {
    let last = crate::calendar::days_in_month(day.year(), day.month());
    Date::new(day.year(), day.month(), last).unwrap_or(day)
}

/// `YYYY-MM` of the month holding `day`, as ledgers and notices store it.
pub fn month_key(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The first and last day of a `YYYY-MM` month.
pub fn parse_month(key: &str) -> Option<(Date, Date)> {
    let (y, m) = key.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let start = Date::new(y.parse().ok()?, m.parse().ok()?, 1)?;
    Some((start, month_end(start)))
}

/// The quarter (1–4) holding `day`, and its first and last day.
pub fn quarter(day: Date) -> (u32, Date, Date) {
    let q = (day.month() - 1) / 3 + 1;
    let first = Date::new(day.year(), (q - 1) * 3 + 1, 1).unwrap_or(day);
    let last = month_end(Date::new(day.year(), q * 3, 1).unwrap_or(day));
    (q, first, last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-12-04 is a Friday.
        assert_eq!(week_start(d("2026-12-04")), d("2026-11-30"));
        assert_eq!(week_start(d("2026-11-30")), d("2026-11-30"));
        assert_eq!(week_start(d("2026-12-06")), d("2026-11-30"));
        assert_eq!(week_days(d("2026-12-06"))[6], d("2026-12-06"));
    }

    #[test]
    fn months_and_quarters() {
        assert_eq!(month_end(d("2028-02-10")), d("2028-02-29"));
        assert_eq!(month_key(d("2026-03-31")), "2026-03");
        assert_eq!(
            parse_month("2026-02"),
            Some((d("2026-02-01"), d("2026-02-28")))
        );
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-01"), None);
        assert_eq!(
            quarter(d("2026-11-15")),
            (4, d("2026-10-01"), d("2026-12-31"))
        );
    }
}
