//! Meetings and trainings (例会、培训; seed `000_…` 二(四), 七): a township or village schedules
//! one for the workers (and grid leaders) in its scope; attendance is taken per person and a
//! written report handed in or not. The monthly meeting falls on `Duties.meeting_day`, moved
//! earlier to the previous working day over a weekend or holiday (遇节假日提前).

use crate::calendar::{Calendar, CalendarError, Date};

/// Bounds on what a meeting carries.
pub const MAX_TITLE: usize = 100;
pub const MAX_PLACE: usize = 100;
pub const MAX_AGENDA: usize = 2_000;
pub const MAX_INVITEES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Meeting,
    Training,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Meeting => "meeting",
            Kind::Training => "training",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Meeting, Kind::Training]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

/// One invitee's attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    Present,
    Late,
    LeftEarly,
    Excused,
    Absent,
}

impl Attendance {
    pub const ALL: [Attendance; 5] = [
        Attendance::Present,
        Attendance::Late,
        Attendance::LeftEarly,
        Attendance::Excused,
        Attendance::Absent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Late => "late",
            Attendance::LeftEarly => "left_early",
            Attendance::Excused => "excused",
            Attendance::Absent => "absent",
        }
    }

    pub fn parse(s: &str) -> Option<Attendance> {
        Attendance::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// Whether the person was there (late or leaving early still counts as attended).
    pub fn attended(self) -> bool {
        matches!(
            self,
            Attendance::Present | Attendance::Late | Attendance::LeftEarly
        )
    }
}

/// The monthly meeting's suggested day in `year`-`month`: `meeting_day`, or the nearest working
/// day before it when it is not one (it may fall in the month before). A year the calendar
/// does not hold is an error, never guessed.
pub fn suggested_day(
    cal: &Calendar,
    year: i32,
    month: u32,
    meeting_day: u32,
) -> Result<Date, CalendarError> {
    let nominal =
        Date::new(year, month, meeting_day.clamp(1, 28)).ok_or(CalendarError::MissingYear(year))?;
    let mut day = nominal;
    // A holiday run in China is at most nine days; a month bounds the search regardless.
    for _ in 0..31 {
        if cal.is_working_day(day)? {
            return Ok(day);
        }
        day = day.add_days(-1).ok_or(CalendarError::MissingYear(year))?;
    }
    Ok(nominal)
}

/// A start time as a form (`2026-10-03T09:00`, China time) or the API (RFC 3339) gives it.
pub fn parse_start(text: &str) -> Option<i64> {
    let t = text.trim();
    let full = match t.len() {
        16 => format!("{t}:00+08:00"),
        19 => format!("{t}+08:00"),
        _ => t.to_string(),
    };
    crate::deadline::parse_rfc3339(&full).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_meeting_moves_before_a_holiday() {
        let cal = Calendar::official();
        // 2026-10-03 is in the National Day holiday (Oct 1–7): the last working day before it.
        assert_eq!(suggested_day(&cal, 2026, 10, 3).unwrap(), d("2026-09-30"));
        // Labour Day, May 1–5.
        assert_eq!(suggested_day(&cal, 2026, 5, 3).unwrap(), d("2026-04-30"));
        // A plain Thursday stays.
        assert_eq!(suggested_day(&cal, 2026, 12, 3).unwrap(), d("2026-12-03"));
        // 2026-01-03 is a holiday, Jan 1–2 too: back to the last day of 2025 (a Wednesday).
        assert_eq!(suggested_day(&cal, 2026, 1, 3).unwrap(), d("2025-12-31"));
        // A Sunday make-up working day is a working day.
        assert_eq!(suggested_day(&cal, 2026, 1, 4).unwrap(), d("2026-01-04"));
        assert!(suggested_day(&cal, 2031, 3, 3).is_err());
    }

    #[test]
    fn kinds_and_attendance_read_back() {
        for a in Attendance::ALL {
            assert_eq!(Attendance::parse(a.as_str()), Some(a));
        }
        assert!(Attendance::Late.attended());
        assert!(!Attendance::Excused.attended());
        assert_eq!(Kind::parse("training"), Some(Kind::Training));
        assert_eq!(Kind::parse("party"), None);
        let a = parse_start("2026-10-03T09:00").unwrap();
        assert_eq!(parse_start("2026-10-03T01:00:00Z"), Some(a));
        assert_eq!(parse_start("2026-10-03"), None);
    }
}
