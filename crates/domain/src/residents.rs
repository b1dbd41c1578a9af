//! What residents see of a case besides its steps, as pure rules: when "me too"s (我也遇到)
//! raise its urgency, how long it has been open, and whether its time limit was met.

use crate::event::Urgency;

/// "Me too"s that raise a case's urgency unless its category says otherwise.
pub const DEFAULT_ME_TOO_THRESHOLD: i64 = 5;
/// The highest threshold a category may set.
pub const MAX_ME_TOO_THRESHOLD: i64 = 1000;

/// The urgency a case goes up to now that `count` residents said "me too", or `None`. A
/// threshold of 0 turns "me too" off; a case is raised once (`raised_before`), and only from
/// normal to urgent: an anonymous crowd never makes an emergency, whose acceptance clock is
/// minutes.
pub fn me_too_raise(
    current: Urgency,
    count: i64,
    threshold: i64,
    raised_before: bool,
) -> Option<Urgency> {
    let reached = threshold > 0 && count >= threshold;
    (reached && !raised_before && current == Urgency::Normal).then_some(Urgency::Urgent)
}

/// Elapsed time in whole days and the hours left over (calendar time, not working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed {
    pub days: i64,
    pub hours: i64,
}

/// The time from `from_ms` to `to_ms`, never negative.
pub fn elapsed(from_ms: i64, to_ms: i64) -> Elapsed {
    let hours = to_ms.saturating_sub(from_ms).max(0) / 3_600_000;
    Elapsed {
        days: hours / 24,
        hours: hours % 24,
    }
}

/// Where a case stands against its whole time limit (办结时限).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitState {
    /// Open, and the limit has not passed.
    Running,
    /// Open past its limit.
    Overdue,
    /// Closed by its limit.
    Met,
    /// Closed after its limit.
    MetLate,
    /// No limit is known (the calendar lacked a year) or the case ended without a result.
    Unknown,
}

impl LimitState {
    pub fn code(self) -> &'static str {
        match self {
            LimitState::Running => "running",
            LimitState::Overdue => "overdue",
            LimitState::Met => "met",
            LimitState::MetLate => "met_late",
            LimitState::Unknown => "unknown",
        }
    }
}

/// The state against `limit_ms`: `closed_ms` when the case was closed, `open` while it is
/// worked on (a rejected or cancelled case is neither).
pub fn limit_state(
    limit_ms: Option<i64>,
    open: bool,
    closed_ms: Option<i64>,
    now_ms: i64,
) -> LimitState {
    match (limit_ms, open, closed_ms) {
        (Some(l), true, _) if now_ms > l => LimitState::Overdue,
        (Some(_), true, _) => LimitState::Running,
        (Some(l), false, Some(c)) if c <= l => LimitState::Met,
        (Some(_), false, Some(_)) => LimitState::MetLate,
        _ => LimitState::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn me_too_raises_once_from_normal_at_the_threshold() {
        assert_eq!(me_too_raise(Urgency::Normal, 4, 5, false), None);
        assert_eq!(
            me_too_raise(Urgency::Normal, 5, 5, false),
            Some(Urgency::Urgent)
        );
        assert_eq!(
            me_too_raise(Urgency::Normal, 9, 5, false),
            Some(Urgency::Urgent)
        );
        assert_eq!(me_too_raise(Urgency::Normal, 9, 5, true), None);
        assert_eq!(me_too_raise(Urgency::Urgent, 9, 5, false), None);
        assert_eq!(me_too_raise(Urgency::Emergency, 9, 5, false), None);
        // 0 turns it off, however many say so.
        assert_eq!(me_too_raise(Urgency::Normal, 100, 0, false), None);
    }

    #[test]
    fn elapsed_counts_days_and_hours() {
        let h = 3_600_000;
        assert_eq!(
            elapsed(0, 50 * h + 59 * 60_000),
            Elapsed { days: 2, hours: 2 }
        );
        assert_eq!(elapsed(10 * h, 0), Elapsed { days: 0, hours: 0 });
    }

    #[test]
    fn limit_states() {
        assert_eq!(limit_state(Some(10), true, None, 5), LimitState::Running);
        assert_eq!(limit_state(Some(10), true, None, 10), LimitState::Running);
        assert_eq!(limit_state(Some(10), true, None, 11), LimitState::Overdue);
        assert_eq!(limit_state(Some(10), false, Some(10), 99), LimitState::Met);
        assert_eq!(
            limit_state(Some(10), false, Some(11), 99),
            LimitState::MetLate
        );
        assert_eq!(limit_state(None, true, None, 99), LimitState::Unknown);
        assert_eq!(limit_state(Some(10), false, None, 99), LimitState::Unknown);
    }
}
