//! Grades, ranks and pay for a township's workers at quarter close (SPEC §6), and the streak
//! of unqualified quarters. Filled by the assessment's rules part.

// Skeleton: the owning part fills the `todo!()` bodies and removes this allowance.
#![allow(clippy::todo)]

use serde::{Deserialize, Serialize};

use super::scheme::{Centi, Scheme};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Qualified,
    Unqualified,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Qualified => "qualified",
            Grade::Unqualified => "unqualified",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        [Grade::Excellent, Grade::Qualified, Grade::Unqualified]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// One worker as ranking sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub user_id: i64,
    pub total_100: Centi,
    pub basic: Centi,
    pub satisfaction: Centi,
    pub vetoed: bool,
    /// Consecutive unqualified quarters before this one.
    pub unqualified_before: u32,
}

/// One worker's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub user_id: i64,
    /// 1 = best; the tie rule makes ranks distinct.
    pub rank: u32,
    pub grade: Grade,
    pub pay_cents: i64,
    /// Consecutive unqualified quarters including this one (0 if not unqualified).
    pub unqualified_streak: u32,
    pub notice: bool,
    pub not_reengage: bool,
}

/// Ranks, grades and pays a township's workers for one quarter.
pub fn grade_all(scheme: &Scheme, entries: &[Entry], subsidy_cents: i64) -> (Vec<Outcome>, i64) {
    let _ = (scheme, entries, subsidy_cents);
    todo!("assessment rules part: returns the outcomes and the reward pool in cents")
}
