//! Event numbers: `SJ` (事件, shijian), the date the event was reported as `YYYYMMDD`, a hyphen
//! and that day's sequence number, at least six digits: `SJ20251124-000123`. The date and the
//! sequence make it unique when the caller numbers each day's events 1, 2, 3…; it is short
//! enough to read over the phone and to type on the follow-up page. Parsing accepts lower case
//! and surrounding spaces, and refuses anything that would not print back the same way.

use serde::Serialize;

use super::WorkflowError;

pub const EVENT_NUMBER_PREFIX: &str = "SJ";

/// The number of the `seq`-th event reported on `date_yyyymmdd` (e.g. 20251124). The date is
/// not checked here; [`parse_event_number`] refuses numbers whose date is not a real day.
pub fn event_number(date_yyyymmdd: u32, seq: u32) -> String {
    format!("{EVENT_NUMBER_PREFIX}{date_yyyymmdd:08}-{seq:06}")
}

/// A parsed event number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EventNumber {
    /// `YYYYMMDD`.
    pub date: u32,
    pub seq: u32,
}

impl std::fmt::Display for EventNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&event_number(self.date, self.seq))
    }
}

/// The date and sequence of an event number, in canonical or lower-case form.
pub fn parse_event_number(s: &str) -> Result<EventNumber, WorkflowError> {
    let s = s.trim();
    let bad = WorkflowError::NumberInvalid;
    let (prefix, rest) = s
        .split_at_checked(EVENT_NUMBER_PREFIX.len())
        .ok_or(bad.clone())?;
    if !prefix.eq_ignore_ascii_case(EVENT_NUMBER_PREFIX) {
        return Err(bad);
    }
    let (date, seq) = rest.split_once('-').ok_or(bad.clone())?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if date.len() != 8 || !digits(date) || seq.len() < 6 || !digits(seq) {
        return Err(bad);
    }
    if seq.len() > 6 && seq.starts_with('0') {
        return Err(bad);
    }
    let date: u32 = date.parse().map_err(|_| bad.clone())?;
    let seq: u32 = seq.parse().map_err(|_| bad.clone())?;
    if !is_real_date(date) {
        return Err(bad);
    }
    Ok(EventNumber { date, seq })
}

fn is_real_date(yyyymmdd: u32) -> bool {
    let (y, m, d) = (yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn format_and_parse_round_trip() {
        assert_eq!(event_number(20251124, 123), "SJ20251124-000123");
        assert_eq!(event_number(20251124, 1_234_567), "SJ20251124-1234567");
        for (date, seq) in [
            (20251124, 0),
            (20240229, 1),
            (20001231, 999_999),
            (20250101, u32::MAX),
        ] {
            let n = parse_event_number(&event_number(date, seq)).unwrap();
            assert_eq!(n, EventNumber { date, seq });
            assert_eq!(n.to_string(), event_number(date, seq));
        }
        assert_eq!(
            parse_event_number(" sj20251124-000123 ").unwrap(),
            EventNumber {
                date: 20251124,
                seq: 123
            }
        );
    }

    #[test]
    fn refuses_malformed() {
        for s in [
            "",
            "SJ",
            "SJ20251124",
            "SJ20251124-",
            "SJ20251124-00012",
            "SJ20251124-0001234",
            "SJ2025112-000123",
            "SJ20251324-000123",
            "SJ20250229-000123",
            "SJ20251100-000123",
            "XJ20251124-000123",
            "SJ20251124-00012a",
            "SJ20251124-99999999999",
            "SJ+0251124-000123",
            "事件20251124-000123",
        ] {
            assert_eq!(
                parse_event_number(s),
                Err(WorkflowError::NumberInvalid),
                "{s}"
            );
        }
    }
}
