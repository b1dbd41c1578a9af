//! Quarters (`2026Q3`): their days and the weeks they judge. A week belongs to the quarter
//! that holds its Monday, so every week is judged exactly once.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::workbench::periods;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    /// Its first day; always the 1st of January, April, July or October.
    first: Date,
}

impl Quarter {
    /// `2026Q3` (a lower-case `q` is taken too).
    pub fn parse(s: &str) -> Option<Quarter> {
        let s = s.trim();
        let (y, q) = s.split_once(['Q', 'q'])?;
        if y.len() != 4 || q.len() != 1 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let q: u32 = q.parse().ok()?;
        Quarter::new(year, q)
    }

    /// `None` unless `q` is 1 to 4 and the year is one a date can hold.
    pub fn new(year: i32, q: u32) -> Option<Quarter> {
        if !(1..=4).contains(&q) {
            return None;
        }
        Date::new(year, (q - 1) * 3 + 1, 1).map(|first| Quarter { first })
    }

    pub fn of(day: Date) -> Quarter {
        let first = Date::new(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
        Quarter {
            first: first.unwrap_or(day),
        }
    }

    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// 1 to 4.
    pub fn q(self) -> u32 {
        (self.first.month() - 1) / 3 + 1
    }

    pub fn start(self) -> Date {
        self.first
    }

    /// The last day.
    pub fn end(self) -> Date {
        let last_month = self.first.add_days(62).unwrap_or(self.first);
        periods::month_end(last_month)
    }

    /// The quarter after (the same one at the end of the calendar's range).
    pub fn next(self) -> Quarter {
        self.end().add_days(1).map(Quarter::of).unwrap_or(self)
    }

    /// The quarter before (the same one at the start of the calendar's range).
    pub fn prev(self) -> Quarter {
        self.first.add_days(-1).map(Quarter::of).unwrap_or(self)
    }

    /// The Mondays of the weeks this quarter judges: those whose Monday falls inside it.
    pub fn weeks(self) -> Vec<Date> {
        let mut out = Vec::with_capacity(14);
        let mut monday = periods::week_start(self.start());
        if monday < self.start() {
            monday = monday.add_days(7).unwrap_or(monday);
        }
        while monday <= self.end() {
            out.push(monday);
            match monday.add_days(7) {
                Some(d) => monday = d,
                None => break,
            }
        }
        out
    }

    /// The weeks judged so far on `today`: only weeks that have ended (a running score does not
    /// count a week still under way as missed).
    pub fn weeks_ended(self, today: Date) -> Vec<Date> {
        self.weeks()
            .into_iter()
            .filter(|w| w.add_days(6).is_some_and(|sun| sun < today))
            .collect()
    }

    /// The months `YYYY-MM` of the quarter.
    pub fn months(self) -> [String; 3] {
        let m = self.first.month();
        [0, 1, 2].map(|i| format!("{:04}-{:02}", self.year(), m + i))
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}Q{}", self.year(), self.q())
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Quarter, String> {
        Quarter::parse(&s).ok_or_else(|| format!("\"{s}\" is not a quarter such as 2026Q3"))
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bounds() {
        let q = Quarter::parse("2026Q3").unwrap();
        assert_eq!(q.start().to_string(), "2026-07-01");
        assert_eq!(q.end().to_string(), "2026-09-30");
        assert_eq!(q.months(), ["2026-07", "2026-08", "2026-09"]);
        assert_eq!(Quarter::parse("2026Q5"), None);
        assert_eq!(Quarter::parse("26Q1"), None);
        assert_eq!(q.next().to_string(), "2026Q4");
        assert_eq!(
            Quarter::parse("2026Q1").unwrap().prev().to_string(),
            "2025Q4"
        );
    }

    #[test]
    fn every_week_belongs_to_one_quarter() {
        let q3 = Quarter::parse("2026Q3").unwrap();
        let q4 = q3.next();
        let w3 = q3.weeks();
        let w4 = q4.weeks();
        assert!(w3.iter().all(|w| !w4.contains(w)));
        assert!(w3.len() == 13 || w3.len() == 14);
        // 2026-07-01 is a Wednesday: its week began in Q2.
        assert_eq!(w3[0].to_string(), "2026-07-06");
    }
}
