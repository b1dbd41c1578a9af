//! The score sheet: a scheme applied to a worker's measures. Each item starts at its points and
//! loses `per` × count for each deduction rule, never below 0; satisfaction is computed from the
//! survey and the ratings as the scheme says; a veto finding leaves the score as it is but marks
//! the sheet vetoed (unqualified whatever the score).
//!
//! Items whose points add up to the whole total (the seed's table: 100 points of items for an
//! 80-point basic share) are scaled: `basic` = Σ item scores × basic share / Σ item points,
//! rounded half up to the hundredth. When the items add up to the basic share this is Σ item
//! scores exactly.

use serde::{Deserialize, Serialize};

use super::measures::{Evidence, Measures, SatisfactionInput};
use super::scheme::{Centi, Measure, Satisfaction, Scheme};

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

/// `a × b / c` rounded half up, for non-negative `a`, `b` and positive `c`; 0 when `c` is not
/// positive. Widened so no product overflows.
fn mul_div(a: i64, b: i64, c: i64) -> i64 {
    if c <= 0 {
        return 0;
    }
    let (a, b, c) = (i128::from(a.max(0)), i128::from(b.max(0)), i128::from(c));
    i64::try_from((a * b + c / 2) / c).unwrap_or(i64::MAX)
}

/// Applies `scheme` to `m`. The scheme must have passed validation (an unvalidated one still
/// gives a sheet, never a panic: unknown measures count 0, negative counts count 0).
pub fn score(scheme: &Scheme, m: &Measures) -> Sheet {
    let mut items = Vec::with_capacity(scheme.items.len());
    let (mut sum_points, mut sum_score): (Centi, Centi) = (0, 0);
    for it in &scheme.items {
        let points = it.points.max(0);
        let mut wanted: Centi = 0;
        let deductions: Vec<Deduction> = it
            .deductions
            .iter()
            .map(|d| {
                let counted = Measure::parse(&d.measure).and_then(|ms| m.counts.get(&ms));
                let count = counted.map(|c| c.count).unwrap_or(0).max(0);
                let lost = count.saturating_mul(d.per.max(0));
                wanted = wanted.saturating_add(lost);
                Deduction {
                    measure: d.measure.clone(),
                    count,
                    per: d.per,
                    lost,
                    evidence: counted.map(|c| c.evidence.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let lost = wanted.min(points);
        sum_points = sum_points.saturating_add(points);
        sum_score = sum_score.saturating_add(points - lost);
        items.push(ItemScore {
            key: it.key.clone(),
            name_zh: it.name_zh.clone(),
            name_en: it.name_en.clone(),
            points,
            lost,
            score: points - lost,
            deductions,
        });
    }
    let basic = mul_div(sum_score, scheme.basic_share(), sum_points);
    let satisfaction = satisfaction(
        &scheme.satisfaction,
        &m.satisfaction,
        scheme.satisfaction_share(),
    );
    let total = basic + satisfaction;
    let veto = m
        .vetoes
        .iter()
        .find(|f| scheme.vetoes.iter().any(|v| v.key == f.veto))
        .map(|f| f.veto.clone());
    Sheet {
        scheme: scheme.name.clone(),
        items,
        basic,
        satisfaction,
        total,
        total_100: mul_div(total, 10_000, scheme.total),
        veto,
    }
}

/// Satisfaction points out of `share`. The survey's mean (answers 0–100) and the ratings'
/// mean r (1–5, mapped to (r−1)/4 × 100) are weighted by the scheme's percentages; a part
/// with fewer answers than `min_answers` (and never fewer than 1) counts as none and passes
/// its weight to the other; with neither, `no_answers_pct` of the share. Computed as one
/// fraction, so the only rounding is the last (half up to the hundredth).
pub fn satisfaction(rule: &Satisfaction, input: &SatisfactionInput, share: Centi) -> Centi {
    let need = i64::from(rule.min_answers.max(1));
    let survey = input.survey_answers >= need;
    let ratings = input.ratings >= need;
    // Each mean as a fraction num/den of 100 (a percentage), clamped to 0..=100.
    let pct = |n: i128, d: i128| (n.clamp(0, 100 * d), d);
    // Counts are far below this; the bound keeps every product below i128's range.
    const MAX_COUNT: i64 = 1_000_000_000_000;
    let s = survey.then(|| {
        pct(
            i128::from(input.survey_score_sum),
            i128::from(input.survey_answers.min(MAX_COUNT)),
        )
    });
    let r = ratings.then(|| {
        let n = i128::from(input.ratings.min(MAX_COUNT));
        // (sum − n) / n is the mean minus 1, in 0..=4; ×25 makes it a percentage.
        pct((i128::from(input.rating_sum) - n) * 25, n)
    });
    let share = i128::from(share.max(0));
    let out = match (s, r) {
        (None, None) => share * i128::from(rule.no_answers_pct.min(100)) / 100,
        (Some((n, d)), None) | (None, Some((n, d))) => (share * n * 2 + 100 * d) / (200 * d),
        (Some((sn, sd)), Some((rn, rd))) => {
            let (ws, wr) = (i128::from(rule.survey_pct), i128::from(rule.ratings_pct));
            let wsum = (ws + wr).max(1);
            // share × (sn/sd × ws + rn/rd × wr) / (100 × wsum)
            let num = share * (sn * rd * ws + rn * sd * wr);
            let den = 100 * wsum * sd * rd;
            (num * 2 + den) / (2 * den)
        }
    };
    i64::try_from(out).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::assessment::measures::VetoFinding;

    fn with(counts: &[(Measure, i64)]) -> Measures {
        let mut m = Measures::default();
        for &(ms, c) in counts {
            m.add(ms, c, []);
        }
        m
    }

    fn item<'a>(s: &'a Sheet, key: &str) -> &'a ItemScore {
        s.items.iter().find(|i| i.key == key).unwrap()
    }

    #[test]
    fn a_clean_quarter_without_answers() {
        let s = score(&Scheme::quarter100(), &Measures::default());
        assert_eq!(s.basic, 8000);
        // No answers at all: 80 % of the 20 satisfaction points.
        assert_eq!(s.satisfaction, 1600);
        assert_eq!(s.total, 9600);
        assert_eq!(s.total_100, 9600);
        assert_eq!(s.veto, None);
        assert!(s.items.iter().all(|i| i.lost == 0 && i.score == i.points));
    }

    #[test]
    fn items_are_scaled_to_the_basic_share() {
        // 10 points lost of the items' 100 → 90 × 0.8 = 72 basic points.
        let m = with(&[(Measure::DiaryShort, 4), (Measure::UnexcusedAbsence, 6)]);
        let s = score(&Scheme::quarter100(), &m);
        assert_eq!(item(&s, "diary").lost, 400);
        assert_eq!(item(&s, "meetings").lost, 600);
        assert_eq!(s.basic, 7200);
    }

    #[test]
    fn tenths_add_up_exactly() {
        // 13 × −0.1 = −1.3 on home visits, and 3 × −0.5 sweeps = −1.5.
        let m = with(&[
            (Measure::OrdinaryVisitsShort, 13),
            (Measure::SweepsMissed, 3),
        ]);
        let s = score(&Scheme::quarter100(), &m);
        let v = item(&s, "visits");
        assert_eq!((v.lost, v.score), (130, 1870));
        assert_eq!(v.deductions[1].lost, 130);
        assert_eq!(v.deductions[1].per, 10);
        assert_eq!(item(&s, "sweeping").score, 1350);
        // (100 − 2.8) × 0.8 = 77.76
        assert_eq!(s.basic, 7776);
    }

    #[test]
    fn an_item_never_goes_below_zero() {
        let m = with(&[(Measure::DiaryShort, 12), (Measure::PartyCountUnknown, 100)]);
        let s = score(&Scheme::quarter100(), &m);
        let d = item(&s, "diary");
        assert_eq!((d.lost, d.score), (1000, 0));
        // The rule shows what it would take; the item loses only its points.
        assert_eq!(d.deductions[0].lost, 1200);
        let o = item(&s, "opinions");
        assert_eq!((o.lost, o.score), (1500, 0));
        assert_eq!(o.deductions[2].lost, 10_000);
        assert_eq!(s.basic, (10_000 - 1000 - 1500) * 8 / 10);
    }

    #[test]
    fn several_rules_of_one_item_add_up_before_the_floor() {
        let m = with(&[
            (Measure::LatePetitionCounty, 1),
            (Measure::LatePetitionCity, 1),
            (Measure::LatePetitionHigher, 1),
        ]);
        let s = score(&Scheme::quarter100(), &m);
        assert_eq!(item(&s, "sweeping").lost, 600);
    }

    #[test]
    fn evidence_is_carried_to_the_deduction() {
        let mut m = Measures::default();
        m.add(
            Measure::DiaryShort,
            1,
            [Evidence::Absence {
                what: "diary".into(),
                period: "2026-07-06".into(),
                subject: None,
                short: 1,
                label: "week of 2026-07-06".into(),
            }],
        );
        let s = score(&Scheme::quarter100(), &m);
        let d = &item(&s, "diary").deductions[0];
        assert_eq!(d.count, 1);
        assert_eq!(d.evidence.len(), 1);
    }

    #[test]
    fn negative_counts_take_nothing() {
        let s = score(&Scheme::quarter100(), &with(&[(Measure::DiaryShort, -5)]));
        assert_eq!(item(&s, "diary").lost, 0);
    }

    #[test]
    fn satisfaction_weights_survey_and_ratings() {
        let sch = Scheme::quarter100();
        // Survey mean 90; ratings mean 4 → 75. 0.7 × 90 + 0.3 × 75 = 85.5 % of 20 = 17.10.
        let m = Measures {
            satisfaction: SatisfactionInput {
                survey_answers: 10,
                survey_score_sum: 900,
                ratings: 5,
                rating_sum: 20,
            },
            ..Default::default()
        };
        let s = score(&sch, &m);
        assert_eq!(s.satisfaction, 1710);
        assert_eq!(s.total, 9710);
    }

    #[test]
    fn a_missing_part_passes_its_weight_on() {
        let rule = Scheme::quarter100().satisfaction;
        let only_survey = SatisfactionInput {
            survey_answers: 6,
            survey_score_sum: 6 * 50,
            ratings: 0,
            rating_sum: 0,
        };
        assert_eq!(satisfaction(&rule, &only_survey, 2000), 1000);
        let only_ratings = SatisfactionInput {
            survey_answers: 0,
            survey_score_sum: 0,
            ratings: 8,
            rating_sum: 40,
        };
        assert_eq!(satisfaction(&rule, &only_ratings, 2000), 2000);
        // Fewer than min_answers (5) survey answers count as none.
        let few = SatisfactionInput {
            survey_answers: 4,
            survey_score_sum: 0,
            ratings: 8,
            rating_sum: 8,
        };
        assert_eq!(satisfaction(&rule, &few, 2000), 0);
        let none = SatisfactionInput {
            survey_answers: 4,
            survey_score_sum: 400,
            ratings: 2,
            rating_sum: 10,
        };
        assert_eq!(satisfaction(&rule, &none, 2000), 1600);
    }

    #[test]
    fn satisfaction_rounds_once_and_half_up() {
        let rule = Scheme::quarter100().satisfaction;
        // Mean 2/3 of a point above 0 on the survey: 2000 × (200/3)/100 = 1333.33 → 1333.
        let a = SatisfactionInput {
            survey_answers: 6,
            survey_score_sum: 400,
            ..Default::default()
        };
        assert_eq!(satisfaction(&rule, &a, 2000), 1333);
        // 5 answers, sum 1 → mean 0.2 → 2000 × 0.002 = 4.
        let b = SatisfactionInput {
            survey_answers: 5,
            survey_score_sum: 1,
            ..Default::default()
        };
        assert_eq!(satisfaction(&rule, &b, 2000), 4);
        // A share of 25 and a mean of 50 → 12.5 → 13 (half up).
        let c = SatisfactionInput {
            survey_answers: 5,
            survey_score_sum: 250,
            ..Default::default()
        };
        assert_eq!(satisfaction(&rule, &c, 25), 13);
    }

    #[test]
    fn satisfaction_clamps_impossible_input() {
        let rule = Scheme::quarter100().satisfaction;
        let wild = SatisfactionInput {
            survey_answers: 5,
            survey_score_sum: 100_000,
            ratings: 5,
            rating_sum: -3,
        };
        // Survey clamped to 100, ratings to 0: 70 % of 2000.
        assert_eq!(satisfaction(&rule, &wild, 2000), 1400);
        let huge = SatisfactionInput {
            survey_answers: i64::MAX,
            survey_score_sum: i64::MAX,
            ratings: i64::MAX,
            rating_sum: i64::MAX,
        };
        assert!(satisfaction(&rule, &huge, 2000) <= 2000);
    }

    #[test]
    fn the_thousand_scheme_scales_to_100_and_knows_vetoes() {
        let sch = Scheme::thousand();
        let mut m = with(&[(Measure::PatrolDaysShort, 3), (Measure::SweepsMissed, 2)]);
        m.satisfaction = SatisfactionInput {
            survey_answers: 5,
            survey_score_sum: 500,
            ratings: 5,
            rating_sum: 25,
        };
        let s = score(&sch, &m);
        // Items: 1000 − 15 − 10 = 975 points of 1000, scaled to 800 → 780; satisfaction 200.
        assert_eq!(item(&s, "discipline").lost, 1500);
        assert_eq!(item(&s, "sweeping").lost, 1000);
        assert_eq!(s.basic, 78_000);
        assert_eq!(s.satisfaction, 20_000);
        assert_eq!(s.total, 98_000);
        assert_eq!(s.total_100, 9800);
        assert_eq!(s.veto, None);

        m.vetoes.push(VetoFinding {
            veto: "not_a_veto_here".into(),
            finding_id: 1,
            note: String::new(),
        });
        assert_eq!(score(&sch, &m).veto, None);
        m.vetoes.push(VetoFinding {
            veto: "safety_production".into(),
            finding_id: 2,
            note: String::new(),
        });
        let s2 = score(&sch, &m);
        assert_eq!(s2.veto.as_deref(), Some("safety_production"));
        // A veto leaves the score as it is.
        assert_eq!(s2.total, s.total);
        // The 100-point set has no veto items: the same finding vetoes nothing there.
        assert_eq!(score(&Scheme::quarter100(), &m).veto, None);
    }

    #[test]
    fn items_adding_to_the_basic_share_are_not_scaled() {
        let mut sch = Scheme::quarter100();
        for it in &mut sch.items {
            it.points = it.points * 8 / 10;
            for d in &mut it.deductions {
                d.per = d.per.min(it.points);
            }
        }
        sch.validate().unwrap();
        let s = score(&sch, &with(&[(Measure::DiaryShort, 3)]));
        assert_eq!(s.basic, 8000 - 300);
    }

    #[test]
    fn total_100_rounds_half_up() {
        let mut sch = Scheme::thousand();
        sch.satisfaction.no_answers_pct = 0;
        // Zero counts take nothing: 800 of 1,000 → 80.
        let s = score(&sch, &with(&[(Measure::LedgersLate, 0)]));
        assert_eq!(s.total_100, 8000);
        // One ordinary visit short: −1 of the items' 1,000 → 799.2 → 79.92 of 100.
        let s = score(&sch, &with(&[(Measure::OrdinaryVisitsShort, 1)]));
        assert_eq!(s.basic, 79_920);
        assert_eq!(s.total_100, 7992);
    }
}
