//! A worker's progress against the duties in force (SPEC §5): from the counts of a period and
//! the rule set, one line per duty with what is done, what is required, a light and the day it
//! is due, shortfalls first. The worker's day is the current week (and month) seen on `today`;
//! the leaders' views use the same lines over a week or a month.
//!
//! Lights: green when done; amber while it can still be met before the period ends; red when
//! missed, or when what is left cannot be done in the days that remain.

use serde::Serialize;

use super::duties::Duties;
use super::periods;
use crate::calendar::Date;

/// The duties a line reports, in the order a page lists them when all are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    KeyVisits,
    HouseholdVisits,
    FamilyVisits,
    Diary,
    Entries,
    Patrol,
    Sweep,
    Ledger,
    Login,
}

impl Key {
    pub const ALL: [Key; 9] = [
        Key::KeyVisits,
        Key::HouseholdVisits,
        Key::FamilyVisits,
        Key::Diary,
        Key::Entries,
        Key::Patrol,
        Key::Sweep,
        Key::Ledger,
        Key::Login,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Key::KeyVisits => "key_visits",
            Key::HouseholdVisits => "household_visits",
            Key::FamilyVisits => "family_visits",
            Key::Diary => "diary",
            Key::Entries => "entries",
            Key::Patrol => "patrol",
            Key::Sweep => "sweep",
            Key::Ledger => "ledger",
            Key::Login => "login",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Missed, or cannot be met any more. Sorts first.
    Red,
    /// Still possible before the period ends.
    Amber,
    Green,
}

impl Light {
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Amber => "amber",
            Light::Green => "green",
        }
    }
}

/// The state of the monthly ledger that is due in the period (last month's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LedgerState {
    #[default]
    Missing,
    Draft,
    Submitted,
    Signed,
}

impl LedgerState {
    pub fn parse(s: Option<&str>) -> LedgerState {
        match s {
            Some("draft") => LedgerState::Draft,
            Some("submitted") => LedgerState::Submitted,
            Some("signed") => LedgerState::Signed,
            _ => LedgerState::Missing,
        }
    }
}

/// What the store counts for one worker. Counts over "the span" are over the period's days up
/// to today; key persons over the week holding the last day counted; households over the month
/// holding it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Key persons of the grid whose group carries a weekly visiting duty.
    pub key_persons: i64,
    /// … of whom visited in the week.
    pub key_persons_visited: i64,
    /// Households of the grid.
    pub households: i64,
    /// … of which visited in the month.
    pub households_visited: i64,
    /// Visits to households or persons in the span (入户走访).
    pub family_visits: i64,
    pub diary: i64,
    /// Events the worker registered in the span.
    pub entries: i64,
    /// Working days in the span with at least the daily minutes in the grid.
    pub patrol_days_met: i64,
    /// Minutes in the grid today (0 when today is outside the span).
    pub minutes_today: i64,
    /// Weeks of the span with a sweep.
    pub sweeps: i64,
    /// Working days in the span with a log-in.
    pub login_days: i64,
    pub logged_in_today: bool,
    /// Last month's ledger.
    pub ledger: LedgerState,
    /// The grid is in a rural village (村), which asks fewer information entries.
    pub rural: bool,
}

/// The period judged: a week (Monday to Sunday) or a month, seen on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Date,
    pub end: Date,
    pub today: Date,
}

impl Span {
    pub fn week(today: Date) -> Span {
        let start = periods::week_start(today);
        Span {
            start,
            end: start.add_days(6).unwrap_or(start),
            today,
        }
    }

    pub fn month(today: Date) -> Span {
        Span {
            start: periods::month_start(today),
            end: periods::month_end(today),
            today,
        }
    }

    /// A past or future month, judged as of its last day (or today, if inside it).
    pub fn of_month(start: Date, end: Date, today: Date) -> Span {
        Span { start, end, today }
    }

    /// The last day counted: today, or the end of a period already over.
    pub fn last_counted(&self) -> Date {
        self.today.clamp(self.start, self.end)
    }

    pub fn is_over(&self) -> bool {
        self.today > self.end
    }

    fn days(&self) -> i64 {
        self.end.days() - self.start.days() + 1
    }

    /// Weeks (Mondays) begun in the span up to the last day counted, at least one.
    pub fn weeks_begun(&self) -> i64 {
        let last = self.last_counted();
        let first_monday = periods::week_start(self.start);
        ((periods::week_start(last).days() - first_monday.days()) / 7 + 1).max(1)
    }

    /// Monday-to-Friday days from the start up to the last day counted.
    pub fn working_days_so_far(&self) -> i64 {
        let last = self.last_counted();
        if self.today < self.start {
            return 0;
        }
        (self.start.days()..=last.days())
            .filter_map(Date::from_days)
            .filter(|d| !d.weekday().is_weekend())
            .count() as i64
    }

    /// Whether today is a working day inside the span (today's quota is still open).
    fn today_open(&self) -> bool {
        self.today >= self.start && self.today <= self.end && !self.today.weekday().is_weekend()
    }
}

/// One duty as a page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub key: Key,
    pub done: i64,
    pub required: i64,
    pub light: Light,
    /// The last day to meet it.
    #[serde(serialize_with = "date_text")]
    pub due: Date,
}

fn date_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

impl Line {
    pub fn short(&self) -> i64 {
        (self.required - self.done).max(0)
    }
}

/// A weekly quota over the span: as is for a week, scaled by its days for a month.
fn scaled(per_week: u32, span: &Span) -> i64 {
    let days = span.days();
    if days <= 7 {
        i64::from(per_week)
    } else {
        (i64::from(per_week) * days + 6) / 7
    }
}

/// A count against a target that can be met any day until `due`.
fn count_light(done: i64, required: i64, today: Date, due: Date) -> Light {
    if done >= required {
        Light::Green
    } else if today > due {
        Light::Red
    } else {
        Light::Amber
    }
}

/// The lines of every duty the rule set asks for, shortfalls first (red, then amber, then
/// green; the duty order within each).
pub fn lines(d: &Duties, c: &Counts, span: &Span) -> Vec<Line> {
    let today = span.today;
    let last = span.last_counted();
    let week_end = periods::week_start(last).add_days(6).unwrap_or(last);
    let mut out = Vec::with_capacity(9);
    let mut push = |key, done: i64, required: i64, light, due| {
        out.push(Line {
            key,
            done,
            required,
            light,
            due,
        });
    };
    if d.key_person_visits && c.key_persons > 0 {
        let due = week_end.min(span.end);
        push(
            Key::KeyVisits,
            c.key_persons_visited,
            c.key_persons,
            count_light(c.key_persons_visited, c.key_persons, today, due),
            due,
        );
    }
    {
        // Every household between the 1st and the window's day (which covers the ordinary
        // households a month wherever a grid has that many).
        let month = periods::month_start(last);
        let due = Date::new(month.year(), month.month(), d.household_visit_by_day)
            .unwrap_or_else(|| periods::month_end(month));
        let required = c.households;
        push(
            Key::HouseholdVisits,
            c.households_visited,
            required,
            count_light(c.households_visited, required, today, due),
            due,
        );
    }
    let span_due = span.end;
    let family = scaled(d.family_visits_per_week, span);
    push(
        Key::FamilyVisits,
        c.family_visits,
        family,
        count_light(c.family_visits, family, today, span_due),
        span_due,
    );
    let diary = scaled(d.diary_per_week, span);
    push(
        Key::Diary,
        c.diary,
        diary,
        count_light(c.diary, diary, today, span_due),
        span_due,
    );
    let entries = scaled(d.entries_per_week(c.rural), span);
    push(
        Key::Entries,
        c.entries,
        entries,
        count_light(c.entries, entries, today, span_due),
        span_due,
    );
    // Daily duties: every working day so far must be met; today's may still be.
    let daily = |met: i64, today_done: bool| {
        let required = span.working_days_so_far();
        let light = if met >= required {
            Light::Green
        } else if met + 1 >= required && span.today_open() && !today_done {
            Light::Amber
        } else {
            Light::Red
        };
        (required, light)
    };
    if d.minutes_in_grid_per_day > 0 {
        let today_met = c.minutes_today >= i64::from(d.minutes_in_grid_per_day);
        let (required, light) = daily(c.patrol_days_met, today_met);
        push(Key::Patrol, c.patrol_days_met, required, light, last);
    }
    if d.sweep_weekly {
        let required = span.weeks_begun();
        let light = if c.sweeps >= required {
            Light::Green
        } else if c.sweeps + 1 >= required && today <= week_end.min(span.end) {
            Light::Amber
        } else {
            Light::Red
        };
        push(
            Key::Sweep,
            c.sweeps,
            required,
            light,
            week_end.min(span.end),
        );
    }
    {
        // Last month's ledger, due by the report day of the span's month.
        let month = periods::month_start(last);
        let due = Date::new(month.year(), month.month(), d.ledger_report_day).unwrap_or(month);
        let done = matches!(c.ledger, LedgerState::Submitted | LedgerState::Signed);
        let light = if done {
            Light::Green
        } else if today > due {
            Light::Red
        } else {
            Light::Amber
        };
        push(Key::Ledger, i64::from(done), 1, light, due);
    }
    if d.daily_login {
        let (required, light) = daily(c.login_days, c.logged_in_today);
        push(Key::Login, c.login_days, required, light, last);
    }
    out.sort_by_key(|l| l.light);
    out
}

/// How far a worker is behind: red lines, then amber, then the total shortfall; the leaders'
/// views list the most behind first.
pub fn behind(lines: &[Line]) -> (usize, usize, i64) {
    let red = lines.iter().filter(|l| l.light == Light::Red).count();
    let amber = lines.iter().filter(|l| l.light == Light::Amber).count();
    (red, amber, lines.iter().map(Line::short).sum())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn line(lines: &[Line], key: Key) -> Line {
        lines.iter().find(|l| l.key == key).cloned().unwrap()
    }

    #[test]
    fn a_fresh_week_is_amber_and_done_work_is_green() {
        // Wednesday 2026-12-02: the week runs to Sunday the 6th.
        let span = Span::week(d("2026-12-02"));
        let mut c = Counts {
            key_persons: 3,
            households: 30,
            login_days: 2,
            patrol_days_met: 2,
            ..Counts::default()
        };
        let ls = lines(&Duties::default(), &c, &span);
        assert_eq!(ls.len(), 9);
        let diary = line(&ls, Key::Diary);
        assert_eq!(
            (diary.done, diary.required, diary.light),
            (0, 2, Light::Amber)
        );
        assert_eq!(diary.due, d("2026-12-06"));
        // Wednesday is the third working day; today's log-in is still possible.
        assert_eq!(line(&ls, Key::Login).light, Light::Amber);
        assert_eq!(line(&ls, Key::Login).required, 3);
        c.diary = 2;
        c.logged_in_today = true;
        c.login_days = 3;
        let ls = lines(&Duties::default(), &c, &span);
        assert_eq!(line(&ls, Key::Diary).light, Light::Green);
        assert_eq!(line(&ls, Key::Login).light, Light::Green);
        // Green lines come last.
        assert_eq!(ls.last().unwrap().light, Light::Green);
        assert!(ls.windows(2).all(|w| w[0].light <= w[1].light));
    }

    #[test]
    fn household_window_and_ledger_turn_red_after_their_day() {
        let c = Counts {
            households: 10,
            households_visited: 4,
            ..Counts::default()
        };
        let before = lines(&Duties::default(), &c, &Span::week(d("2026-12-15")));
        assert_eq!(line(&before, Key::HouseholdVisits).light, Light::Amber);
        assert_eq!(line(&before, Key::HouseholdVisits).due, d("2026-12-15"));
        assert_eq!(line(&before, Key::Ledger).light, Light::Amber);
        let after = lines(&Duties::default(), &c, &Span::week(d("2026-12-16")));
        assert_eq!(line(&after, Key::HouseholdVisits).light, Light::Red);
        assert_eq!(line(&after, Key::Ledger).light, Light::Red);
        let submitted = Counts {
            ledger: LedgerState::Submitted,
            ..c
        };
        let ls = lines(&Duties::default(), &submitted, &Span::week(d("2026-12-16")));
        assert_eq!(line(&ls, Key::Ledger).light, Light::Green);
    }

    #[test]
    fn a_missed_working_day_is_red() {
        // Friday with only three log-in days of four past: cannot be met any more.
        let c = Counts {
            login_days: 3,
            ..Counts::default()
        };
        let ls = lines(&Duties::default(), &c, &Span::week(d("2026-12-04")));
        assert_eq!(line(&ls, Key::Login).required, 5);
        assert_eq!(line(&ls, Key::Login).light, Light::Red);
        assert_eq!(ls[0].light, Light::Red);
    }

    #[test]
    fn a_week_over_is_red_where_short() {
        let span = Span::of_month(d("2026-11-30"), d("2026-12-06"), d("2026-12-09"));
        let c = Counts {
            diary: 1,
            ..Counts::default()
        };
        let ls = lines(&Duties::default(), &c, &span);
        assert_eq!(line(&ls, Key::Diary).light, Light::Red);
        assert_eq!(line(&ls, Key::Diary).short(), 1);
    }

    #[test]
    fn a_month_scales_weekly_quotas_and_rules_switch_duties_off() {
        let span = Span::month(d("2026-12-10"));
        let mut duties = Duties::default();
        let ls = lines(&duties, &Counts::default(), &span);
        // 2 a week over 31 days.
        assert_eq!(line(&ls, Key::Diary).required, 9);
        assert_eq!(line(&ls, Key::Entries).required, 23);
        // The 1st to the 10th of December 2026: Mondays of Nov 30, Dec 7.
        assert_eq!(line(&ls, Key::Sweep).required, 2);
        // No key persons: no key-visit line.
        assert!(ls.iter().all(|l| l.key != Key::KeyVisits));
        duties.sweep_weekly = false;
        duties.daily_login = false;
        let ls = lines(&duties, &Counts::default(), &span);
        assert!(
            ls.iter()
                .all(|l| l.key != Key::Sweep && l.key != Key::Login)
        );
        let rural = Counts {
            rural: true,
            ..Counts::default()
        };
        let ls = lines(&Duties::default(), &rural, &Span::week(d("2026-12-10")));
        assert_eq!(line(&ls, Key::Entries).required, 2);
    }

    #[test]
    fn behind_orders_workers() {
        let c = Counts::default();
        let ls = lines(&Duties::default(), &c, &Span::week(d("2026-12-04")));
        let (red, _, short) = behind(&ls);
        assert!(red >= 1 && short > 0);
    }
}
