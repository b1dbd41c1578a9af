//! The score sheet: a scheme applied to a worker's measures. Each item starts at its points and
//! loses `per` × count for each deduction rule, never below 0; satisfaction is computed from the
//! survey and the ratings as the scheme says; a veto finding leaves the score as it is but marks
//! the sheet vetoed (unqualified whatever the score).
//!
//! Filled by the assessment's rules part: `score`.

// Skeleton: the owning part fills the `todo!()` bodies and removes this allowance.
#![allow(clippy::todo)]

use serde::{Deserialize, Serialize};

use super::measures::{Evidence, Measures};
use super::scheme::{Centi, Scheme};

/// One deduction as the sheet shows it: the rule, the count, the points lost and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    pub measure: String,
    pub count: i64,
    pub per: Centi,
    /// What this rule took; after the item's floor, the sum over an item's deductions may be
    /// more than the item lost (`ItemScore::lost` is what counts).
    pub lost: Centi,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub points: Centi,
    /// Points lost, at most `points`.
    pub lost: Centi,
    /// `points - lost`.
    pub score: Centi,
    pub deductions: Vec<Deduction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub scheme: String,
    pub items: Vec<ItemScore>,
    /// Sum of the items' scores (out of the scheme's basic share).
    pub basic: Centi,
    /// Out of the scheme's satisfaction share.
    pub satisfaction: Centi,
    pub total: Centi,
    /// `total` on a 100-point scale (hundredths), what grade bounds compare.
    pub total_100: Centi,
    /// The veto item found, if any.
    pub veto: Option<String>,
}

/// Applies `scheme` to `m`. The scheme must have passed validation.
pub fn score(scheme: &Scheme, m: &Measures) -> Sheet {
    let _ = (scheme, m);
    todo!("assessment rules part")
}
