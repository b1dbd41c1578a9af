//! Inspections (督查, SPEC §8) and what a finding may name: the kinds of inspection, the
//! bounds of a finding, and the check of its item and measure against the rule set in force.
//! A finding names either a basic-work item with one of its deduction measures that
//! inspections find (`Source::Findings`), or a veto item; a veto is stored with the veto's key
//! as its item and `veto` as its measure.

use serde::{Deserialize, Serialize};

use super::scheme::{Measure, Scheme, Source};
use crate::{Error, err};

/// The measure stored for a veto finding.
pub const VETO_MEASURE: &str = "veto";
/// The largest count one finding may carry.
pub const COUNT_MAX: i64 = 100;
/// The longest note and summary, in characters.
pub const NOTE_MAX: usize = 1000;
/// At most this many evidence links, each text at most `EVIDENCE_TEXT_MAX` characters.
pub const EVIDENCE_MAX: usize = 20;
pub const EVIDENCE_TEXT_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A village's grid leader on their own village.
    SelfCheck,
    /// The township's quarterly check: hear the report, read the diaries.
    Quarterly,
    Unannounced,
    /// A spot check by telephone.
    Phone,
    /// Drawn in a 双随机 round (made by the round, never by hand).
    Random,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::SelfCheck,
        Kind::Quarterly,
        Kind::Unannounced,
        Kind::Phone,
        Kind::Random,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SelfCheck => "self_check",
            Kind::Quarterly => "quarterly",
            Kind::Unannounced => "unannounced",
            Kind::Phone => "phone",
            Kind::Random => "random",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One piece of evidence: a record by kind and id, and/or a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// `event`, `visit`, `diary`, `patrol`, `sweep`, `household`, `person` or empty.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub text: String,
}

/// The kinds of record evidence may point at.
pub const EVIDENCE_KINDS: [&str; 7] = [
    "event",
    "visit",
    "diary",
    "patrol",
    "sweep",
    "household",
    "person",
];

/// Checks the evidence's size and shape.
pub fn check_evidence(ev: &[Evidence]) -> Result<(), Error> {
    if ev.len() > EVIDENCE_MAX {
        return Err(err!(
            "assess.finding_evidence",
            reason = format!("at most {EVIDENCE_MAX} pieces")
        ));
    }
    for e in ev {
        let has_record = !e.kind.is_empty() || e.id.is_some();
        if has_record
            && (!EVIDENCE_KINDS.contains(&e.kind.as_str()) || e.id.is_none_or(|id| id <= 0))
        {
            return Err(err!(
                "assess.finding_evidence",
                reason = "a record is named by one of its kinds and a positive id"
            ));
        }
        if e.text.chars().count() > EVIDENCE_TEXT_MAX {
            return Err(err!(
                "assess.finding_evidence",
                reason = format!("a text has at most {EVIDENCE_TEXT_MAX} characters")
            ));
        }
        if !has_record && e.text.trim().is_empty() {
            return Err(err!(
                "assess.finding_evidence",
                reason = "each piece names a record or says something"
            ));
        }
    }
    Ok(())
}

/// What a finding charges, checked against a rule set: `(item_key, measure, veto)` as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub item_key: String,
    pub measure: String,
    pub veto: Option<String>,
}

/// Checks an item and measure (or a veto key) against the scheme in force. A measure must be
/// one the item deducts by and one that inspections find (not one counted from the records).
pub fn check_charge(
    scheme: &Scheme,
    item: &str,
    measure: &str,
    veto: Option<&str>,
) -> Result<Charge, Error> {
    let short = |s: &str| s.chars().take(60).collect::<String>();
    if let Some(v) = veto.map(str::trim).filter(|v| !v.is_empty()) {
        if !scheme.vetoes.iter().any(|x| x.key == v) {
            return Err(err!("assess.finding_veto", veto = short(v)));
        }
        return Ok(Charge {
            item_key: v.to_string(),
            measure: VETO_MEASURE.to_string(),
            veto: Some(v.to_string()),
        });
    }
    let item = item.trim();
    let measure = measure.trim();
    let Some(it) = scheme.items.iter().find(|i| i.key == item) else {
        return Err(err!("assess.finding_item", item = short(item)));
    };
    let found_by_inspection =
        Measure::parse(measure).is_some_and(|m| m.source() == Source::Findings);
    if !found_by_inspection || !it.deductions.iter().any(|d| d.measure == measure) {
        return Err(err!(
            "assess.finding_measure",
            measure = short(measure),
            item = item
        ));
    }
    Ok(Charge {
        item_key: item.to_string(),
        measure: measure.to_string(),
        veto: None,
    })
}

/// The choices a finding form offers: (item key, measure) pairs of the scheme that
/// inspections find, in the scheme's order.
pub fn finding_measures(scheme: &Scheme) -> Vec<(String, String)> {
    scheme
        .items
        .iter()
        .flat_map(|i| {
            i.deductions
                .iter()
                .filter(|d| {
                    Measure::parse(&d.measure).is_some_and(|m| m.source() == Source::Findings)
                })
                .map(|d| (i.key.clone(), d.measure.clone()))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use crate::assessment::scheme::{DeductionRule, Grades, Item, Pay, Satisfaction, Veto};

    /// A small scheme: one item with a findings measure and a records measure, one veto.
    pub fn scheme() -> Scheme {
        Scheme {
            name: "test".into(),
            total: 10000,
            basic_pct: 80,
            items: vec![Item {
                key: "basic_info".into(),
                name_zh: "基础信息".into(),
                name_en: "Basic information".into(),
                points: 2000,
                deductions: vec![
                    DeductionRule {
                        measure: "records_incomplete".into(),
                        per: 10,
                    },
                    DeductionRule {
                        measure: "quarterly_update_missed".into(),
                        per: 500,
                    },
                ],
            }],
            vetoes: vec![Veto {
                key: "petition".into(),
                name_zh: "信访".into(),
                name_en: "Petition".into(),
            }],
            satisfaction: Satisfaction {
                survey_pct: 50,
                ratings_pct: 50,
                no_answers_pct: 80,
                min_answers: 5,
            },
            grades: Grades {
                excellent_min: 9000,
                qualified_min: 6000,
                excellent_share_pct: 20,
            },
            pay: Pay {
                unqualified_pct: 80,
                reward_cents: 0,
            },
            appeal_days: 7,
            notice_after: 2,
            not_reengage_after: 3,
        }
    }

    #[test]
    fn charges_are_checked_against_the_scheme() {
        let s = scheme();
        let c = check_charge(&s, "basic_info", "records_incomplete", None).unwrap();
        assert_eq!(c.measure, "records_incomplete");
        assert_eq!(c.veto, None);
        assert_eq!(
            check_charge(&s, "nope", "records_incomplete", None)
                .unwrap_err()
                .code,
            "assess.finding_item"
        );
        // A measure the records count is not for inspections to find.
        assert_eq!(
            check_charge(&s, "basic_info", "quarterly_update_missed", None)
                .unwrap_err()
                .code,
            "assess.finding_measure"
        );
        // A findings measure that this item does not deduct by.
        assert_eq!(
            check_charge(&s, "basic_info", "info_not_passed_on", None)
                .unwrap_err()
                .code,
            "assess.finding_measure"
        );
        let v = check_charge(&s, "", "", Some("petition")).unwrap();
        assert_eq!(v.item_key, "petition");
        assert_eq!(v.measure, VETO_MEASURE);
        assert_eq!(
            check_charge(&s, "", "", Some("arson")).unwrap_err().code,
            "assess.finding_veto"
        );
        assert_eq!(
            finding_measures(&s),
            vec![("basic_info".to_string(), "records_incomplete".to_string())]
        );
    }

    #[test]
    fn evidence_is_bounded() {
        let rec = |kind: &str, id: Option<i64>, text: &str| Evidence {
            kind: kind.into(),
            id,
            text: text.into(),
        };
        assert!(check_evidence(&[rec("event", Some(3), ""), rec("", None, "seen")]).is_ok());
        assert!(check_evidence(&[rec("bogus", Some(3), "")]).is_err());
        assert!(check_evidence(&[rec("event", None, "")]).is_err());
        assert!(check_evidence(&[rec("", None, "  ")]).is_err());
        assert!(check_evidence(&[rec("", None, &"x".repeat(501))]).is_err());
        let many: Vec<Evidence> = (0..21).map(|i| rec("event", Some(i + 1), "")).collect();
        assert!(check_evidence(&many).is_err());
        assert_eq!(Kind::parse("self_check"), Some(Kind::SelfCheck));
        assert_eq!(Kind::parse("x"), None);
    }
}
