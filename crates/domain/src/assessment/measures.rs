//! What a worker's quarter counts, with the evidence behind each count: the input of
//! `score::score`. The store counts `Source::Records` measures from the records and
//! `Source::Findings` measures from inspection findings; this module only holds them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::scheme::Measure;

/// One piece of evidence: a record (kind and id, which a page turns into a link) or the
/// absence of one ("key person 12 not visited in the week of 2026-09-07").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A record that shows the shortfall: `kind` is `visit`, `diary`, `sweep`, `meeting`,
    /// `ledger`, `event`, `person`, `household`, `finding`, `inspection`…
    Record {
        kind: String,
        id: i64,
        label: String,
    },
    /// Something that should exist and does not: `what` names it (`key_person`, `sweep`,
    /// `diary`, `entries`, `family_visits`, `households`, `patrol_day`, `login_day`…), `period`
    /// is the week's Monday, the month or the day, `subject` the person or household id if any,
    /// `short` how many are missing there.
    Absence {
        what: String,
        period: String,
        subject: Option<i64>,
        short: i64,
        label: String,
    },
}

/// A measure's count and its evidence. Evidence lists are capped by the store (a page shows
/// the first ones and the count); `count` is always the full count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub count: i64,
    pub evidence: Vec<Evidence>,
}

/// A finding of an inspection that names a veto item (一票否决).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VetoFinding {
    pub veto: String,
    pub finding_id: i64,
    pub note: String,
}

/// Residents' satisfaction for the worker's grid in the quarter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionInput {
    /// Survey answers and their summed scores (each 0–100).
    pub survey_answers: i64,
    pub survey_score_sum: i64,
    /// Ratings of the grid's events closed in the quarter and their sum (each 1–5).
    pub ratings: i64,
    pub rating_sum: i64,
}

/// Everything one worker's quarter (or the quarter so far) is judged on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub counts: BTreeMap<Measure, Counted>,
    pub vetoes: Vec<VetoFinding>,
    pub satisfaction: SatisfactionInput,
}

impl Measures {
    pub fn count(&self, m: Measure) -> i64 {
        self.counts.get(&m).map(|c| c.count).unwrap_or(0)
    }

    /// Adds to a measure's count and evidence.
    pub fn add(&mut self, m: Measure, count: i64, evidence: impl IntoIterator<Item = Evidence>) {
        let c = self.counts.entry(m).or_default();
        c.count += count;
        c.evidence.extend(evidence);
    }
}
