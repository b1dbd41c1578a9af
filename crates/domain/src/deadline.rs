//! Time limits of cases: due instants and time-limit lights.
//!
//! Instants are Unix milliseconds (`i64`), as everywhere else in wangge. Local time is
//! Asia/Shanghai, a fixed UTC+08:00 with no daylight saving. Periods in days are counted as the
//! Civil Code says (民法典 §201, §203): the day the period starts is not counted; a period ends at
//! 24:00 of its last day, written as 00:00 of the next day (+08:00); and a calendar-day period
//! whose last day is a rest day ends on the next working day instead.
//!
//! | limit                                  | period                  |
//! |----------------------------------------|-------------------------|
//! | handle an ordinary / complex / major case | 7 / 15 / 30 calendar days ([`Complexity`]) |
//! | within the village's / township's remit, or send beyond the township | 3 / 5 / 2 working days ([`Remit`]) |
//! | accept an emergency                    | a configured number of minutes ([`Period::Minutes`]) |

use crate::calendar::{Calendar, CalendarError, Date, digits};

/// Asia/Shanghai's offset from UTC.
pub const UTC_OFFSET_MS: i64 = 8 * HOUR_MS;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// Calendar days; if the last day is not a working day, the next working day is the last.
    CalendarDays(u32),
    /// Working days: weekends and statutory holidays skipped, make-up working days counted.
    WorkingDays(u32),
    /// Minutes of elapsed time; no calendar involved.
    Minutes(u32),
}

/// How complex a case is, by its category; sets the time to handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Complexity {
    /// 一般: 7 calendar days.
    Ordinary,
    /// 复杂: 15 calendar days.
    Complex,
    /// 重大: 30 calendar days.
    Major,
}

impl Complexity {
    pub fn period(self) -> Period {
        match self {
            Complexity::Ordinary => Period::CalendarDays(7),
            Complexity::Complex => Period::CalendarDays(15),
            Complexity::Major => Period::CalendarDays(30),
        }
    }
}

/// Which level must act on a case; sets the time to dispose of it or pass it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Remit {
    /// Within the village's (community's) remit: 3 working days.
    Village,
    /// Within the township's (street's) remit: 5 working days.
    Township,
    /// Beyond the township: 2 working days to send it on.
    BeyondTownship,
}

impl Remit {
    pub fn period(self) -> Period {
        match self {
            Remit::Village => Period::WorkingDays(3),
            Remit::Township => Period::WorkingDays(5),
            Remit::BeyondTownship => Period::WorkingDays(2),
        }
    }
}

/// The local (+08:00) date of an instant.
pub fn local_date(ms: i64) -> Result<Date, CalendarError> {
    let out = || CalendarError::OutOfRange(format!("instant {ms} ms"));
    let local = ms.checked_add(UTC_OFFSET_MS).ok_or_else(out)?;
    Date::from_days(local.div_euclid(DAY_MS)).ok_or_else(out)
}

/// 00:00 (+08:00) at the start of `date`.
pub fn start_of_day(date: Date) -> i64 {
    date.days() * DAY_MS - UTC_OFFSET_MS
}

/// 24:00 (+08:00) at the end of `date`, which is 00:00 of the next day.
pub fn end_of_day(date: Date) -> i64 {
    start_of_day(date) + DAY_MS
}

fn next_day(date: Date) -> Result<Date, CalendarError> {
    date.add_days(1)
        .ok_or_else(|| CalendarError::OutOfRange(format!("the day after {date}")))
}

/// The last day of `n` working days starting on `start`: the n-th working day strictly after
/// `start`. For `n == 0`, `start` itself.
pub fn working_days_end(start: Date, n: u32, cal: &Calendar) -> Result<Date, CalendarError> {
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day = next_day(day)?;
        if cal.is_working_day(day)? {
            counted += 1;
        }
    }
    Ok(day)
}

/// The last day of `n` calendar days starting on `start`: `start + n`, or the first working day
/// after it when that is a rest day. For `n == 0`, `start` itself.
pub fn calendar_days_end(start: Date, n: u32, cal: &Calendar) -> Result<Date, CalendarError> {
    if n == 0 {
        return Ok(start);
    }
    let mut day = start
        .add_days(i64::from(n))
        .ok_or_else(|| CalendarError::OutOfRange(format!("{n} days after {start}")))?;
    while !cal.is_working_day(day)? {
        day = next_day(day)?;
    }
    Ok(day)
}

/// When a period starting at `start_ms` ends. Day periods end at 24:00 (+08:00) of their last
/// day; a zero-length period ends at `start_ms`. Any day the count has to look at that lies in a
/// year the calendar lacks is [`CalendarError::MissingYear`].
pub fn due(start_ms: i64, period: Period, cal: &Calendar) -> Result<i64, CalendarError> {
    let last_day = match period {
        Period::Minutes(n) => {
            return start_ms
                .checked_add(i64::from(n) * 60_000)
                .ok_or_else(|| CalendarError::OutOfRange(format!("{n} minutes after {start_ms}")));
        }
        Period::CalendarDays(0) | Period::WorkingDays(0) => return Ok(start_ms),
        Period::CalendarDays(n) => calendar_days_end(local_date(start_ms)?, n, cal)?,
        Period::WorkingDays(n) => working_days_end(local_date(start_ms)?, n, cal)?,
    };
    Ok(end_of_day(last_day))
}

/// The time-limit light of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Light {
    /// Less than 80 % of the allowed time used.
    Green,
    /// From 80 % of the allowed time up to the due instant itself.
    Yellow,
    /// Past the due instant.
    Red,
}

impl Light {
    pub fn code(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }
}

/// The light at `now_ms` of a limit running from `start_ms` to `due_ms`.
pub fn light(start_ms: i64, due_ms: i64, now_ms: i64) -> Light {
    if now_ms > due_ms {
        return Light::Red;
    }
    let allowed = i128::from(due_ms) - i128::from(start_ms);
    let used = i128::from(now_ms) - i128::from(start_ms);
    if allowed <= 0 || used * 5 >= allowed * 4 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Parses an RFC 3339 date-time (`2025-02-10T09:30:00+08:00`, `2025-02-10T01:30:00.250Z`; `T`
/// may be `t` or a space) into Unix milliseconds. Fractions finer than a millisecond are
/// truncated; leap seconds (`:60`) are refused.
pub fn parse_rfc3339(text: &str) -> Result<i64, CalendarError> {
    let bad = |reason: &str| CalendarError::BadInstant {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let b = text.as_bytes();
    let date = text
        .get(..10)
        .and_then(|s| Date::parse(s).ok())
        .ok_or_else(|| bad("the date must be a valid YYYY-MM-DD"))?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return Err(bad("expected T between the date and the time"));
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return Err(bad("the time must be HH:MM:SS"));
    }
    let (Some(hour), Some(minute), Some(second)) =
        (digits(b, 11, 2), digits(b, 14, 2), digits(b, 17, 2))
    else {
        return Err(bad("the time must be HH:MM:SS"));
    };
    if hour > 23 || minute > 59 {
        return Err(bad("the time is out of range"));
    }
    if second > 59 {
        return Err(bad("leap seconds are not supported"));
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - frac_start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        match i - frac_start {
            0 => return Err(bad("expected digits after the decimal point")),
            1 => millis *= 100,
            2 => millis *= 10,
            _ => {}
        }
    }
    let offset_minutes: i64 = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (Some(oh), Some(om)) = (digits(b, i + 1, 2), digits(b, i + 4, 2)) else {
                return Err(bad("the offset must be +HH:MM or -HH:MM"));
            };
            if oh > 23 || om > 59 {
                return Err(bad("the offset is out of range"));
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'-' { -minutes } else { minutes }
        }
        None => return Err(bad("the offset is missing (Z or +HH:MM)")),
        Some(_) => return Err(bad("expected Z or an offset +HH:MM / -HH:MM at the end")),
    };
    let seconds = i64::from(hour * 3600 + minute * 60 + second);
    Ok(date.days() * DAY_MS + seconds * 1000 + millis - offset_minutes * 60_000)
}

/// Writes an instant in RFC 3339 at +08:00, with milliseconds only when there are any:
/// `2025-02-10T00:00:00+08:00`, `2025-02-10T09:30:00.250+08:00`.
pub fn format_rfc3339(ms: i64) -> Result<String, CalendarError> {
    let date = local_date(ms)?;
    let within = (ms + UTC_OFFSET_MS).rem_euclid(DAY_MS);
    let (hour, minute) = (within / HOUR_MS, within / 60_000 % 60);
    let (second, millis) = (within / 1000 % 60, within % 1000);
    // Digit by digit rather than through `format!`: a list of a hundred requests writes three
    // hundred instants, and the formatting machinery was a seventh of its time.
    let mut out = String::with_capacity(29);
    // A date's year is within 0000–9999.
    push_digits(&mut out, i64::from(date.year()), 4);
    for (sep, n) in [
        ('-', i64::from(date.month())),
        ('-', i64::from(date.day())),
        ('T', hour),
        (':', minute),
        (':', second),
    ] {
        out.push(sep);
        push_digits(&mut out, n, 2);
    }
    if millis != 0 {
        out.push('.');
        push_digits(&mut out, millis, 3);
    }
    out.push_str("+08:00");
    Ok(out)
}

/// The last `width` decimal digits of `n` (which is not negative), zero-padded.
fn push_digits(out: &mut String, n: i64, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10i64.pow(place)).rem_euclid(10);
        out.push(char::from_digit(u32::try_from(digit).unwrap_or(0), 10).unwrap_or('0'));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::rng::SplitMix64;

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn due_text(start: &str, period: Period) -> String {
        let cal = Calendar::official();
        format_rfc3339(due(t(start), period, &cal).unwrap()).unwrap()
    }

    #[test]
    fn working_days_skip_the_2025_spring_festival() {
        // Mon 2025-01-27; Jan 28 - Feb 4 are holidays, so the working days after the start are
        // Wed Feb 5, Thu Feb 6, Fri Feb 7, then the make-up Saturday Feb 8, then Mon Feb 10.
        let start = "2025-01-27T10:00:00+08:00";
        assert_eq!(
            due_text(start, Period::WorkingDays(1)),
            "2025-02-06T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Period::WorkingDays(3)),
            "2025-02-08T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Remit::Village.period()),
            "2025-02-08T00:00:00+08:00"
        );
        // The 4th working day is the make-up Saturday itself; its 24:00 is Sunday 00:00.
        assert_eq!(
            due_text(start, Period::WorkingDays(4)),
            "2025-02-09T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Period::WorkingDays(5)),
            "2025-02-11T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Remit::Township.period()),
            "2025-02-11T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Remit::BeyondTownship.period()),
            "2025-02-07T00:00:00+08:00"
        );
        // Started on the make-up Sunday Jan 26: Monday Jan 27 is the first working day.
        let sunday = "2025-01-26T09:00:00+08:00";
        assert_eq!(
            due_text(sunday, Period::WorkingDays(1)),
            "2025-01-28T00:00:00+08:00"
        );
        assert_eq!(
            due_text(sunday, Period::WorkingDays(2)),
            "2025-02-06T00:00:00+08:00"
        );
    }

    #[test]
    fn calendar_days_ending_in_national_day_move_to_the_next_working_day() {
        // Fri 2025-09-26 + 7 days = Fri Oct 3, inside the Oct 1-8 holiday; Thu Oct 9 works.
        assert_eq!(
            d("2025-10-09").weekday(),
            crate::calendar::Weekday::Thursday
        );
        let start = "2025-09-26T09:00:00+08:00";
        assert_eq!(
            due_text(start, Period::CalendarDays(7)),
            "2025-10-10T00:00:00+08:00"
        );
        assert_eq!(
            due_text(start, Complexity::Ordinary.period()),
            "2025-10-10T00:00:00+08:00"
        );
        // + 15 = Sat Oct 11, a make-up working day: it stays.
        assert_eq!(
            due_text(start, Complexity::Complex.period()),
            "2025-10-12T00:00:00+08:00"
        );
        // + 30 = Sun Oct 26, an ordinary Sunday: moves to Mon Oct 27.
        assert_eq!(
            due_text(start, Complexity::Major.period()),
            "2025-10-28T00:00:00+08:00"
        );
        // Sat 2025-02-01 + 7 = Sat Feb 8, a make-up working day: no move.
        assert_eq!(
            due_text("2025-02-01T12:00:00+08:00", Period::CalendarDays(7)),
            "2025-02-09T00:00:00+08:00"
        );
    }

    #[test]
    fn working_days_in_an_ordinary_week() {
        // Fri 2025-03-07: Mon 10 .. Fri 14 are the five working days; due Fri 24:00.
        assert_eq!(d("2025-03-07").weekday(), crate::calendar::Weekday::Friday);
        assert_eq!(
            due_text("2025-03-07T16:45:00+08:00", Period::WorkingDays(5)),
            "2025-03-15T00:00:00+08:00"
        );
    }

    #[test]
    fn calendar_days_end_at_24_00_local() {
        // Mon 2025-03-03 15:00 + 7 days = Mon Mar 10, due at its 24:00.
        let due_ms = due(
            t("2025-03-03T15:00:00+08:00"),
            Period::CalendarDays(7),
            &Calendar::official(),
        )
        .unwrap();
        assert_eq!(format_rfc3339(due_ms).unwrap(), "2025-03-11T00:00:00+08:00");
        assert_eq!(due_ms, t("2025-03-10T16:00:00Z"));
        assert_eq!(due_ms, end_of_day(d("2025-03-10")));
        assert_eq!((due_ms + UTC_OFFSET_MS) % DAY_MS, 0);
        // The start's local date counts, not its UTC date: 2025-03-02T16:30Z is Mar 3 00:30.
        assert_eq!(
            due_text("2025-03-02T16:30:00Z", Period::CalendarDays(7)),
            "2025-03-11T00:00:00+08:00"
        );
        // One millisecond earlier it is still Sunday Mar 2 locally: + 7 = Sun Mar 9 -> Mon 10.
        assert_eq!(
            due_text("2025-03-02T15:59:59.999Z", Period::CalendarDays(7)),
            "2025-03-11T00:00:00+08:00"
        );
        // Sun Mar 2 + 4 = Thu Mar 6; Mon Mar 3 + 4 = Fri Mar 7.
        assert_eq!(
            due_text("2025-03-02T15:59:59.999Z", Period::CalendarDays(4)),
            "2025-03-07T00:00:00+08:00"
        );
        assert_eq!(
            due_text("2025-03-02T16:00:00Z", Period::CalendarDays(4)),
            "2025-03-08T00:00:00+08:00"
        );
    }

    #[test]
    fn minutes_and_zero_periods() {
        let cal = Calendar::official();
        let start = t("2025-10-01T23:50:00+08:00");
        let accept = due(start, Period::Minutes(30), &cal).unwrap();
        assert_eq!(format_rfc3339(accept).unwrap(), "2025-10-02T00:20:00+08:00");
        // Minutes need no calendar, even in a year that is not loaded.
        let far = t("2040-01-01T00:00:00+08:00");
        assert_eq!(due(far, Period::Minutes(15), &cal), Ok(far + 15 * 60_000));
        assert_eq!(due(start, Period::CalendarDays(0), &cal), Ok(start));
        assert_eq!(due(start, Period::WorkingDays(0), &cal), Ok(start));
        assert_eq!(due(start, Period::Minutes(0), &cal), Ok(start));
        assert!(matches!(
            due(i64::MAX, Period::Minutes(1), &cal),
            Err(CalendarError::OutOfRange(_))
        ));
        assert!(matches!(
            due(i64::MAX, Period::WorkingDays(1), &cal),
            Err(CalendarError::OutOfRange(_))
        ));
    }

    #[test]
    fn periods_running_into_2027_are_an_error() {
        let cal = Calendar::official();
        for (start, period) in [
            ("2026-12-20T10:00:00+08:00", Period::CalendarDays(30)),
            ("2026-12-30T10:00:00+08:00", Period::WorkingDays(3)),
            // Dec 31 2026 is a Thursday: + 3 = Sun Jan 3 2027.
            ("2026-12-31T10:00:00+08:00", Period::CalendarDays(3)),
        ] {
            let e = due(t(start), period, &cal).unwrap_err();
            assert_eq!(e, CalendarError::MissingYear(2027), "{start} {period:?}");
            assert_eq!(e.to_string(), "calendar missing for 2027");
            let api: crate::error::Error = e.into();
            assert_eq!(api.status, 422);
        }
        // The last day in 2026 needs no 2027 data: Mon Dec 21 2026 + 7 = Mon Dec 28.
        assert_eq!(
            due_text("2026-12-21T10:00:00+08:00", Period::CalendarDays(7)),
            "2026-12-29T00:00:00+08:00"
        );
        // Once an administrator enters 2027, the same period has an answer.
        let mut cal = cal;
        cal.add_year(2027, [d("2027-01-01")], []).unwrap();
        let due_ms = due(
            t("2026-12-31T10:00:00+08:00"),
            Period::CalendarDays(3),
            &cal,
        )
        .unwrap();
        assert_eq!(format_rfc3339(due_ms).unwrap(), "2027-01-05T00:00:00+08:00");
        // The start day itself is not counted, so it is not looked at: a start on the last day
        // of 2023 works with 2024 loaded. Sun Dec 31 2023 + 7 = Sun Jan 7 2024 -> Mon Jan 8.
        assert_eq!(
            due_text("2023-12-31T10:00:00+08:00", Period::CalendarDays(7)),
            "2024-01-09T00:00:00+08:00"
        );
        assert_eq!(
            due_text("2023-12-31T10:00:00+08:00", Period::WorkingDays(1)),
            "2024-01-03T00:00:00+08:00"
        );
    }

    #[test]
    fn rfc3339_round_trips_and_normalises_to_plus_eight() {
        let ms = t("2025-02-10T00:00:00+08:00");
        assert_eq!(ms, 1_739_116_800_000);
        assert_eq!(t("2025-02-09T16:00:00Z"), ms);
        assert_eq!(t("2025-02-09t16:00:00z"), ms);
        assert_eq!(t("2025-02-09 16:00:00Z"), ms);
        assert_eq!(t("2025-02-09T11:00:00-05:00"), ms);
        assert_eq!(t("2025-02-09T16:00:00-00:00"), ms);
        assert_eq!(format_rfc3339(ms).unwrap(), "2025-02-10T00:00:00+08:00");
        assert_eq!(
            format_rfc3339(t("2025-02-09T16:00:00Z")).unwrap(),
            "2025-02-10T00:00:00+08:00"
        );
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(format_rfc3339(0).unwrap(), "1970-01-01T08:00:00+08:00");
        assert_eq!(format_rfc3339(-1).unwrap(), "1970-01-01T07:59:59.999+08:00");
        assert_eq!(
            format_rfc3339(t("0042-03-04T05:06:07.008+08:00")).unwrap(),
            "0042-03-04T05:06:07.008+08:00"
        );
        assert_eq!(t("2025-06-01T01:02:03.5Z") % 1000, 500);
        assert_eq!(t("2025-06-01T01:02:03.25Z") % 1000, 250);
        assert_eq!(t("2025-06-01T01:02:03.123456789Z") % 1000, 123);
        assert_eq!(
            format_rfc3339(t("2025-06-01T01:02:03.040Z")).unwrap(),
            "2025-06-01T09:02:03.040+08:00"
        );
        // Random instants over 1970-2100 survive format -> parse exactly.
        let mut rng = SplitMix64::new(3339);
        let span = t("2100-12-31T23:59:59.999Z");
        for _ in 0..20_000 {
            let ms = (rng.next_u64() % span as u64) as i64;
            let text = format_rfc3339(ms).unwrap();
            assert!(text.ends_with("+08:00"), "{text}");
            assert_eq!(parse_rfc3339(&text), Ok(ms), "{text}");
        }
        assert!(format_rfc3339(i64::MAX).is_err());
        assert!(format_rfc3339(t("9999-12-31T16:00:00Z")).is_err());
        assert_eq!(
            format_rfc3339(t("9999-12-31T15:59:59Z")).unwrap(),
            "9999-12-31T23:59:59+08:00"
        );
    }

    #[test]
    fn rfc3339_rejects_malformed_text() {
        for bad in [
            "",
            "2025-02-10",
            "2025-02-10T00:00:00",
            "2025-02-30T00:00:00Z",
            "2025-02-10X00:00:00Z",
            "2025-02-10T24:00:00Z",
            "2025-02-10T00:60:00Z",
            "2025-02-10T00:00:60Z",
            "2025-02-10T0:00:00Z",
            "2025-02-10T00:00:00.Z",
            "2025-02-10T00:00:00+0800",
            "2025-02-10T00:00:00+08",
            "2025-02-10T00:00:00+24:00",
            "2025-02-10T00:00:00Z ",
            "2025-02-10T00:00:00ZZ",
            "2025-02-10T00:00:00+08:00x",
            "２０２５-02-10T00:00:00Z",
        ] {
            let e = parse_rfc3339(bad).unwrap_err();
            assert_eq!(e.code(), "calendar.bad_instant", "{bad:?}");
            let api: crate::error::Error = e.into();
            assert_eq!(api.status, 400);
        }
    }

    #[test]
    fn lights_at_79_80_100_percent_and_overdue() {
        let start = t("2025-03-03T09:00:00+08:00");
        let due_ms = due(start, Period::CalendarDays(7), &Calendar::official()).unwrap();
        let allowed = due_ms - start;
        assert_eq!(allowed % 100, 0);
        let at = |percent: i64| start + allowed * percent / 100;
        assert_eq!(light(start, due_ms, start), Light::Green);
        assert_eq!(light(start, due_ms, at(79)), Light::Green);
        assert_eq!(light(start, due_ms, at(80) - 1), Light::Green);
        assert_eq!(light(start, due_ms, at(80)), Light::Yellow);
        assert_eq!(light(start, due_ms, at(99)), Light::Yellow);
        assert_eq!(light(start, due_ms, at(100)), Light::Yellow);
        assert_eq!(light(start, due_ms, due_ms + 1), Light::Red);
        assert_eq!(light(start, due_ms, at(300)), Light::Red);
        // Simple numbers, and a clock before the start.
        assert_eq!(light(0, 100, 79), Light::Green);
        assert_eq!(light(0, 100, 80), Light::Yellow);
        assert_eq!(light(0, 100, 100), Light::Yellow);
        assert_eq!(light(0, 100, 101), Light::Red);
        assert_eq!(light(0, 100, -50), Light::Green);
        // No time allowed: yellow until due, red after.
        assert_eq!(light(5, 5, 5), Light::Yellow);
        assert_eq!(light(5, 5, 6), Light::Red);
        assert_eq!(light(i64::MIN, i64::MAX, 0), Light::Green);
        assert_eq!(
            [Light::Green, Light::Yellow, Light::Red].map(Light::code),
            ["green", "yellow", "red"]
        );
    }

    /// A random instant from 2024-01-01 to 2026-10-31 (local), so that every period of up to 30
    /// days stays inside the loaded years.
    fn random_start(rng: &mut SplitMix64) -> i64 {
        let first = t("2024-01-01T00:00:00+08:00");
        let last = t("2026-11-01T00:00:00+08:00");
        first + (rng.next_u64() % (last - first) as u64) as i64
    }

    #[test]
    fn property_working_days() {
        let cal = Calendar::official();
        let mut rng = SplitMix64::new(201);
        for _ in 0..5_000 {
            let start_ms = random_start(&mut rng);
            let n = 1 + rng.below(30) as u32;
            let due_ms = due(start_ms, Period::WorkingDays(n), &cal).unwrap();
            assert!(due_ms > start_ms);
            assert_eq!(
                (due_ms + UTC_OFFSET_MS).rem_euclid(DAY_MS),
                0,
                "due at 24:00"
            );
            let start = local_date(start_ms).unwrap();
            let last = local_date(due_ms - 1).unwrap();
            assert!(cal.is_working_day(last).unwrap(), "{last} is a working day");
            let mut count = 0;
            let mut day = start;
            while day < last {
                day = day.add_days(1).unwrap();
                if cal.is_working_day(day).unwrap() {
                    count += 1;
                }
            }
            assert_eq!(count, n, "{start} + {n} working days = {last}");
        }
    }

    #[test]
    fn property_calendar_days() {
        let cal = Calendar::official();
        let mut rng = SplitMix64::new(203);
        for _ in 0..5_000 {
            let start_ms = random_start(&mut rng);
            let n = 1 + rng.below(30) as u32;
            let due_ms = due(start_ms, Period::CalendarDays(n), &cal).unwrap();
            assert_eq!(
                (due_ms + UTC_OFFSET_MS).rem_euclid(DAY_MS),
                0,
                "due at 24:00"
            );
            let start = local_date(start_ms).unwrap();
            let nominal = start.add_days(i64::from(n)).unwrap();
            let last = local_date(due_ms - 1).unwrap();
            assert!(last >= nominal, "{start} + {n} = {last}");
            assert!(due_ms >= start_ms + i64::from(n) * DAY_MS);
            assert!(cal.is_working_day(last).unwrap(), "{last} is a working day");
            // Moved only past rest days: every day from the nominal last day on is a rest day.
            let mut day = nominal;
            while day < last {
                assert!(
                    !cal.is_working_day(day).unwrap(),
                    "{day} skipped but working"
                );
                day = day.add_days(1).unwrap();
            }
        }
    }

    #[test]
    fn property_due_is_monotonic_in_n() {
        let cal = Calendar::official();
        let mut rng = SplitMix64::new(2025);
        for _ in 0..500 {
            let start_ms = random_start(&mut rng);
            let mut prev_working = start_ms;
            let mut prev_calendar = start_ms;
            let mut prev_minutes = start_ms;
            for n in 0..=30 {
                let w = due(start_ms, Period::WorkingDays(n), &cal).unwrap();
                let c = due(start_ms, Period::CalendarDays(n), &cal).unwrap();
                let m = due(start_ms, Period::Minutes(n), &cal).unwrap();
                if n > 0 {
                    assert!(w > prev_working, "working days strictly increase");
                    assert!(c >= prev_calendar);
                    assert!(m > prev_minutes);
                    // n working days never end before n calendar days.
                    assert!(w >= c, "{n}");
                }
                (prev_working, prev_calendar, prev_minutes) = (w, c, m);
            }
        }
    }
}

impl Complexity {
    pub const ALL: [Complexity; 3] = [Complexity::Ordinary, Complexity::Complex, Complexity::Major];

    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::Ordinary => "ordinary",
            Complexity::Complex => "complex",
            Complexity::Major => "major",
        }
    }

    pub fn parse(s: &str) -> Option<Complexity> {
        Complexity::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Remit {
    /// The remit of an event held at a level: grid and village act in the village's remit,
    /// the township in its own, and above the township the case must be sent on.
    pub fn of_level(level: u8) -> Remit {
        match level {
            0..=2 => Remit::Village,
            3 => Remit::Township,
            _ => Remit::BeyondTownship,
        }
    }
}

/// The two due times of an event: its current level must act by `level_due`, and the whole case
/// must be closed by `final_due` (7 / 15 / 30 days by complexity from the report). Each is
/// counted on its own: one that runs past the loaded calendar is `Err` (`MissingYear`) and
/// leaves the other standing, so a case reported in December keeps its level's light, reminders
/// and escalation while next year's calendar is still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDue {
    pub level_due: Result<i64, CalendarError>,
    pub final_due: Result<i64, CalendarError>,
}

impl EventDue {
    /// Whether a due time is unknown for lack of a calendar year.
    pub fn calendar_missing(&self) -> bool {
        [&self.level_due, &self.final_due]
            .into_iter()
            .any(|d| matches!(d, Err(CalendarError::MissingYear(_))))
    }
}

/// 00:00 (+08:00) of 1 January of `year`, before which every day of a loaded count lies when the
/// count stopped at `year` for lack of it.
fn year_start(year: i32) -> Option<i64> {
    Date::new(year, 1, 1).map(start_of_day)
}

/// The earlier of two due times when one of them is unknown: a count that stopped at a missing
/// year ends after that year begins, so a known due time before then is the earlier one.
fn earlier_known(known: i64, unknown: &CalendarError) -> Result<i64, CalendarError> {
    match unknown {
        CalendarError::MissingYear(y) if year_start(*y).is_some_and(|s| known <= s) => Ok(known),
        e => Err(e.clone()),
    }
}

/// Due times for an event at `level`, counted from `level_start` for the level and from
/// `reported` for the whole case; the earlier of the two binds the level.
pub fn event_due(
    reported: i64,
    level_start: i64,
    complexity: Complexity,
    level: u8,
    cal: &Calendar,
) -> EventDue {
    let final_due = due(reported, complexity.period(), cal);
    let own = due(level_start, Remit::of_level(level).period(), cal);
    let level_due = match (own, &final_due) {
        (Ok(l), Ok(f)) => Ok(l.min(*f)),
        (Ok(l), Err(e)) => earlier_known(l, e),
        (Err(e), Ok(f)) => earlier_known(*f, &e),
        (Err(e), Err(_)) => Err(e),
    };
    EventDue {
        level_due,
        final_due,
    }
}

#[cfg(test)]
mod event_due_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    fn text(d: &Result<i64, CalendarError>) -> String {
        format_rfc3339(*d.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn level_due_never_passes_the_final_due() {
        let cal = Calendar::official();
        let start = t("2025-03-03T09:00:00+08:00");
        let d = event_due(start, start, Complexity::Ordinary, 1, &cal);
        // Monday + 3 working days → Thursday 24:00; 7 calendar days → next Monday 24:00.
        assert_eq!(text(&d.level_due), "2025-03-07T00:00:00+08:00");
        assert_eq!(text(&d.final_due), "2025-03-11T00:00:00+08:00");
        assert!(!d.calendar_missing());
        let late = t("2025-03-10T09:00:00+08:00");
        let d = event_due(start, late, Complexity::Ordinary, 3, &cal);
        assert_eq!(d.level_due, d.final_due);
        assert_eq!(Complexity::parse("major"), Some(Complexity::Major));
        assert_eq!(Remit::of_level(4), Remit::BeyondTownship);
    }

    #[test]
    fn a_limit_inside_the_loaded_year_survives_one_past_it() {
        // Only 2024–2026 are loaded. A major case reported on Friday 2026-12-04 at the township:
        // its 5 working days end Friday Dec 11 (24:00), inside 2026; its 30 calendar days run
        // to Sunday 2027-01-03 and need 2027.
        let cal = Calendar::official();
        assert!(!cal.is_loaded(2027));
        let dec4 = t("2026-12-04T10:00:00+08:00");
        let d = event_due(dec4, dec4, Complexity::Major, 3, &cal);
        assert_eq!(text(&d.level_due), "2026-12-12T00:00:00+08:00");
        assert_eq!(d.final_due, Err(CalendarError::MissingYear(2027)));
        assert!(d.calendar_missing());
        assert_eq!(
            format_rfc3339(due(dec4, Period::WorkingDays(5), &cal).unwrap()).unwrap(),
            "2026-12-12T00:00:00+08:00"
        );
        // A 60-working-day limit from the same day runs into 2027: flagged, not guessed.
        assert_eq!(
            due(dec4, Period::WorkingDays(60), &cal),
            Err(CalendarError::MissingYear(2027))
        );
        // Both past the year: both flagged.
        let dec30 = t("2026-12-30T10:00:00+08:00");
        let d = event_due(dec30, dec30, Complexity::Ordinary, 1, &cal);
        assert_eq!(d.level_due, Err(CalendarError::MissingYear(2027)));
        assert_eq!(d.final_due, Err(CalendarError::MissingYear(2027)));
        // The level's own count needs 2027 but the case's limit ends before it: the case's
        // limit binds the level. Mon Dec 21 + 7 = Mon Dec 28; Dec 30 + 3 working days → 2027.
        let dec21 = t("2026-12-21T10:00:00+08:00");
        let d = event_due(dec21, dec30, Complexity::Ordinary, 1, &cal);
        assert_eq!(text(&d.final_due), "2026-12-29T00:00:00+08:00");
        assert_eq!(d.level_due, d.final_due);
        assert!(!d.calendar_missing());
        // Once 2027 is entered, the case's limit is counted too.
        let mut cal = cal;
        cal.add_year(2027, [Date::new(2027, 1, 1).unwrap()], [])
            .unwrap();
        let d = event_due(dec4, dec4, Complexity::Major, 3, &cal);
        assert_eq!(text(&d.level_due), "2026-12-12T00:00:00+08:00");
        assert_eq!(text(&d.final_due), "2027-01-05T00:00:00+08:00");
        assert!(!d.calendar_missing());
    }
}
