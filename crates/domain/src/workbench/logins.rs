//! Daily use (每日登录) and what follows a missed day (seed `000_…`, 篇三 五.2): a working day
//! without a log-in sends a reminder; the Nth reminder of a month (`reminders_before_notice`)
//! drafts a notice of criticism (通报批评) that the township issues or waives; a whole month
//! without a log-in is listed for the year-end review.

use crate::calendar::{Calendar, Date};

use super::periods;

/// How far back the daily check looks for days it has not judged yet: a server that was down
/// for a while catches up, but never rewrites history older than this.
pub const LOOKBACK_DAYS: i64 = 62;

/// Longest note on a decision, in characters.
pub const MAX_NOTE: usize = 500;

/// What a day is for the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A log-in is due.
    Working,
    /// A weekend or holiday: nothing due.
    Rest,
    /// The calendar has no data for its year yet: judged once an administrator enters it.
    Unknown,
}

pub fn day_kind(cal: &Calendar, day: Date) -> DayKind {
    match cal.is_working_day(day) {
        Ok(true) => DayKind::Working,
        Ok(false) => DayKind::Rest,
        Err(_) => DayKind::Unknown,
    }
}

/// The days the check may judge on `today`: from the later of the first day of log-in data
/// and `LOOKBACK_DAYS` ago, up to yesterday (a day is judged once it is over). None when
/// there is no log-in data yet or nothing is over.
pub fn window(today: Date, first_data: Option<Date>) -> Option<(Date, Date)> {
    let first = first_data?;
    let end = today.add_days(-1)?;
    let earliest = today.add_days(-LOOKBACK_DAYS)?;
    let start = first.max(earliest);
    (start <= end).then_some((start, end))
}

/// Why a notice was drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The Nth reminder in a month.
    MissedLogins,
    /// A calendar month without any log-in (for the year-end review).
    NoLoginMonth,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::MissedLogins => "missed_logins",
            Cause::NoLoginMonth => "no_login_month",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        [Cause::MissedLogins, Cause::NoLoginMonth]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// A notice's state: drafted by the check, then issued or waived once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    Draft,
    Issued,
    Waived,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Draft => "draft",
            NoticeStatus::Issued => "issued",
            NoticeStatus::Waived => "waived",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeStatus> {
        [
            NoticeStatus::Draft,
            NoticeStatus::Issued,
            NoticeStatus::Waived,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Whether a month's reminder count calls for a notice under the rules.
pub fn notice_due(
    reminders_in_month: i64,
    reminders_before_notice: u32,
    daily_login: bool,
) -> bool {
    daily_login
        && reminders_before_notice > 0
        && reminders_in_month >= i64::from(reminders_before_notice)
}

/// Whether a month counts for the year-end list: it is over, and log-in data covered all of
/// it (a deployment that began mid-month does not accuse anyone of that month).
pub fn month_closable(month_last_day: Date, first_data: Date, user_since: Date) -> bool {
    let start = periods::month_start(month_last_day);
    start >= first_data && start >= user_since
}

/// The text of a drafted notice (an official document: Chinese only).
pub fn notice_body(cause: Cause, name: &str, month: &str, reminders: i64) -> String {
    let month_text = match month.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => month.to_string(),
    };
    match cause {
        Cause::MissedLogins => format!(
            "{name}同志于{month_text}有{reminders}个工作日未登录网格化服务管理平台,经{reminders}次提醒仍未按时登录。\
             根据网格员监督检查制度,拟予以通报批评。"
        ),
        Cause::NoLoginMonth => format!(
            "{name}同志{month_text}整月未登录网格化服务管理平台。根据网格员监督检查制度,\
             拟予以通报批评,并在年终考核中扣分。"
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn days_by_the_calendar() {
        let cal = Calendar::official();
        assert_eq!(day_kind(&cal, d("2026-10-01")), DayKind::Rest);
        assert_eq!(day_kind(&cal, d("2026-10-12")), DayKind::Working);
        assert_eq!(day_kind(&cal, d("2026-10-10")), DayKind::Working);
        assert_eq!(day_kind(&cal, d("2026-10-11")), DayKind::Rest);
        assert_eq!(day_kind(&cal, d("2031-01-06")), DayKind::Unknown);
    }

    #[test]
    fn the_window_starts_with_the_data_and_ends_yesterday() {
        assert_eq!(window(d("2026-10-10"), None), None);
        assert_eq!(
            window(d("2026-10-10"), Some(d("2026-10-01"))),
            Some((d("2026-10-01"), d("2026-10-09")))
        );
        assert_eq!(window(d("2026-10-10"), Some(d("2026-10-10"))), None);
        let (start, _) = window(d("2026-12-31"), Some(d("2026-01-01"))).unwrap();
        assert_eq!(start, d("2026-12-31").add_days(-LOOKBACK_DAYS).unwrap());
    }

    #[test]
    fn the_third_reminder_drafts_a_notice() {
        assert!(!notice_due(2, 3, true));
        assert!(notice_due(3, 3, true));
        assert!(notice_due(4, 3, true));
        assert!(!notice_due(3, 3, false));
        assert!(!notice_due(9, 0, true));
    }

    #[test]
    fn months_closable_only_when_covered() {
        assert!(month_closable(
            d("2026-10-31"),
            d("2026-09-15"),
            d("2026-01-01")
        ));
        assert!(!month_closable(
            d("2026-09-30"),
            d("2026-09-15"),
            d("2026-01-01")
        ));
        assert!(!month_closable(
            d("2026-10-31"),
            d("2026-09-15"),
            d("2026-10-02")
        ));
    }

    #[test]
    fn bodies_name_the_month() {
        let b = notice_body(Cause::MissedLogins, "张三", "2026-03", 3);
        assert!(b.contains("张三") && b.contains("2026年3月") && b.contains("3次"));
        assert_eq!(Cause::parse("no_login_month"), Some(Cause::NoLoginMonth));
        assert_eq!(NoticeStatus::parse("waived"), Some(NoticeStatus::Waived));
        assert_eq!(NoticeStatus::parse("x"), None);
    }
}
