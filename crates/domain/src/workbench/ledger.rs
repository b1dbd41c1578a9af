//! The monthly ledger (工作台帐; seed `000_…` 一(八), 二(一)): generated from a worker's records of
//! a month, reviewed and submitted by the worker — the report by `ledger_report_day` and the
//! final version by `ledger_final_day` of the following month — and signed off by the village
//! grid leader. A signed ledger is fixed: its summary is what was signed.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;

use super::duties::Duties;
use super::periods;

/// Longest worker's or leader's note, in characters.
pub const MAX_NOTE: usize = 2_000;
/// Most lines of each list a ledger carries (visits, diary entries); the counts stay exact.
pub const MAX_LINES: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    Signed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Signed => "signed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Draft, Status::Submitted, Status::Signed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One visit as the ledger lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitLine {
    pub id: i64,
    pub day: String,
    pub target_kind: String,
    pub target_id: i64,
    /// The key group's visiting duty when a key person was visited.
    pub duty: Option<String>,
    pub seen: String,
    pub done: String,
}

/// One diary entry as the ledger lists it (the start of its text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryLine {
    pub id: i64,
    pub day: String,
    pub text: String,
}

/// One week's sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepLine {
    pub week: String,
    pub findings: i64,
}

/// What a month's records add up to: the ledger's body, kept as JSON (`summary_json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    pub month: String,
    pub visits: i64,
    /// Distinct households visited (any visit that names a household).
    pub households_visited: i64,
    /// Visits that carried a key group's duty.
    pub key_person_visits: i64,
    pub diary_entries: i64,
    pub sweeps: i64,
    pub sweep_findings: i64,
    pub minutes_in_grid: i64,
    /// Days with any time inside the grid.
    pub patrol_days: i64,
    pub events_reported: i64,
    pub meetings_invited: i64,
    pub meetings_attended: i64,
    pub trainings_attended: i64,
    pub visit_lines: Vec<VisitLine>,
    pub diary_lines: Vec<DiaryLine>,
    pub sweep_lines: Vec<SweepLine>,
}

/// The due days of a month's ledger: (report, final), both in the following month.
pub fn due_days(month_first: Date, duties: &Duties) -> Option<(Date, Date)> {
    let next = periods::month_end(month_first).add_days(1)?;
    let report = Date::new(next.year(), next.month(), duties.ledger_report_day)?;
    let fin = Date::new(next.year(), next.month(), duties.ledger_final_day)?;
    Some((report, fin))
}

/// How a submission stands against the due days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    /// After the report day, by the final day.
    AfterReport,
    /// After the final day.
    Late,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::AfterReport => "after_report",
            Timeliness::Late => "late",
        }
    }
}

pub fn timeliness(submitted: Date, report: Date, fin: Date) -> Timeliness {
    if submitted <= report {
        Timeliness::OnTime
    } else if submitted <= fin {
        Timeliness::AfterReport
    } else {
        Timeliness::Late
    }
}

/// A ledger may be generated for a month that has begun (a current month's draft grows as the
/// month goes on), never for one in the future.
pub fn may_generate(month_first: Date, today: Date) -> bool {
    month_first <= today
}

/// A month may be submitted once it is over (its last day has passed or is today).
pub fn may_submit(month_first: Date, today: Date) -> bool {
    periods::month_end(month_first) <= today
}

/// The first characters of a text, for a list line.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn due_in_the_following_month() {
        let duties = Duties::default();
        assert_eq!(
            due_days(d("2026-10-01"), &duties),
            Some((d("2026-11-15"), d("2026-11-20")))
        );
        assert_eq!(
            due_days(d("2026-12-01"), &duties),
            Some((d("2027-01-15"), d("2027-01-20")))
        );
    }

    #[test]
    fn timeliness_against_both_days() {
        let (r, f) = (d("2026-11-15"), d("2026-11-20"));
        assert_eq!(timeliness(d("2026-11-02"), r, f), Timeliness::OnTime);
        assert_eq!(timeliness(d("2026-11-15"), r, f), Timeliness::OnTime);
        assert_eq!(timeliness(d("2026-11-16"), r, f), Timeliness::AfterReport);
        assert_eq!(timeliness(d("2026-11-21"), r, f), Timeliness::Late);
    }

    #[test]
    fn months_generated_and_submitted() {
        assert!(may_generate(d("2026-10-01"), d("2026-10-05")));
        assert!(!may_generate(d("2026-11-01"), d("2026-10-31")));
        assert!(!may_submit(d("2026-10-01"), d("2026-10-30")));
        assert!(may_submit(d("2026-10-01"), d("2026-10-31")));
        assert_eq!(excerpt("一二三四", 2), "一二…");
        assert_eq!(excerpt("一二", 2), "一二");
        let s = Summary::default();
        let back: Summary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert_eq!(Status::parse("signed"), Some(Status::Signed));
    }
}
