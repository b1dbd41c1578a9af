//! An assessment scheme as data (SPEC §6; seed `001_…`): items with their points and
//! deduction rules, the split between basic work and residents' satisfaction, grade bounds, the
//! share of excellent grades, pay and the appeal window. Two sets ship: the seed's 100-point
//! quarter (`Scheme::quarter100`) and the 1,000-point scheme with veto items
//! (`Scheme::thousand`). An administrator of a county or township keeps versions of either;
//! a quarter is judged by the version in force and keeps a copy of it.
//!
//! Points are kept in hundredths (`Centi`) so that −0.1 and −0.5 add up exactly.

use serde::{Deserialize, Serialize};

/// Points in hundredths: 1 point = 100.
pub type Centi = i64;

/// Where a measure's count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Counted from the records (workbench, events, basic information).
    Records,
    /// Counted from the findings of inspections (督查).
    Findings,
}

/// Every measure a deduction rule may name. A rule set naming any other is refused.
/// The counting of each `Records` measure is documented where it is counted (the store's
/// assessment measures); `Findings` measures count the findings recorded against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    // basic information
    /// Records found incomplete, inaccurate or not entered (findings).
    RecordsIncomplete,
    /// Quarterly update of the grid's records missed (records).
    QuarterlyUpdateMissed,
    /// Weeks short of the information-entry quota, 2 village / 5 community (records).
    EntryWeeksShort,
    // contact with residents' opinions (findings)
    InfoNotPassedOn,
    OpinionNotCollected,
    PartyCountUnknown,
    NeedyPartyMemberUnserved,
    // sweeping and defusing instability
    /// Weeks of the quarter without a sweep (records).
    SweepsMissed,
    /// A late report that led to a petition at county, city or higher level (findings).
    LatePetitionCounty,
    LatePetitionCity,
    LatePetitionHigher,
    // agency services (findings)
    HouseholdCheckUnsupported,
    NeedyResidentUnserved,
    LateOrPoorService,
    // home visits (records)
    /// Key persons not visited in a week, summed over the weeks.
    KeyPersonWeeksMissed,
    /// Ordinary visits short: family visits short of the weekly quota plus households short of
    /// the monthly quota.
    OrdinaryVisitsShort,
    // work diary (records)
    /// Diary entries short of the weekly quota, summed over the weeks.
    DiaryShort,
    // training and meetings (records)
    LateOrLeftEarly,
    UnexcusedAbsence,
    ReportNotHanded,
    // the 1,000-point scheme's further measures (records)
    /// Working days without 2 hours in the grid.
    PatrolDaysShort,
    /// Working days without a log-in.
    LoginDaysMissed,
    /// Monthly ledgers not submitted by the final day.
    LedgersLate,
}

impl Measure {
    pub const ALL: [Measure; 23] = [
        Measure::RecordsIncomplete,
        Measure::QuarterlyUpdateMissed,
        Measure::EntryWeeksShort,
        Measure::InfoNotPassedOn,
        Measure::OpinionNotCollected,
        Measure::PartyCountUnknown,
        Measure::NeedyPartyMemberUnserved,
        Measure::SweepsMissed,
        Measure::LatePetitionCounty,
        Measure::LatePetitionCity,
        Measure::LatePetitionHigher,
        Measure::HouseholdCheckUnsupported,
        Measure::NeedyResidentUnserved,
        Measure::LateOrPoorService,
        Measure::KeyPersonWeeksMissed,
        Measure::OrdinaryVisitsShort,
        Measure::DiaryShort,
        Measure::LateOrLeftEarly,
        Measure::UnexcusedAbsence,
        Measure::ReportNotHanded,
        Measure::PatrolDaysShort,
        Measure::LoginDaysMissed,
        Measure::LedgersLate,
    ];

    pub fn source(self) -> Source {
        use Measure::*;
        match self {
            QuarterlyUpdateMissed
            | EntryWeeksShort
            | SweepsMissed
            | KeyPersonWeeksMissed
            | OrdinaryVisitsShort
            | DiaryShort
            | LateOrLeftEarly
            | UnexcusedAbsence
            | ReportNotHanded
            | PatrolDaysShort
            | LoginDaysMissed
            | LedgersLate => Source::Records,
            RecordsIncomplete
            | InfoNotPassedOn
            | OpinionNotCollected
            | PartyCountUnknown
            | NeedyPartyMemberUnserved
            | LatePetitionCounty
            | LatePetitionCity
            | LatePetitionHigher
            | HouseholdCheckUnsupported
            | NeedyResidentUnserved
            | LateOrPoorService => Source::Findings,
        }
    }

    /// The snake_case name used in JSON, URLs and the translation table (`assess.measure.NAME`).
    pub fn as_str(self) -> &'static str {
        use Measure::*;
        match self {
            RecordsIncomplete => "records_incomplete",
            QuarterlyUpdateMissed => "quarterly_update_missed",
            EntryWeeksShort => "entry_weeks_short",
            InfoNotPassedOn => "info_not_passed_on",
            OpinionNotCollected => "opinion_not_collected",
            PartyCountUnknown => "party_count_unknown",
            NeedyPartyMemberUnserved => "needy_party_member_unserved",
            SweepsMissed => "sweeps_missed",
            LatePetitionCounty => "late_petition_county",
            LatePetitionCity => "late_petition_city",
            LatePetitionHigher => "late_petition_higher",
            HouseholdCheckUnsupported => "household_check_unsupported",
            NeedyResidentUnserved => "needy_resident_unserved",
            LateOrPoorService => "late_or_poor_service",
            KeyPersonWeeksMissed => "key_person_weeks_missed",
            OrdinaryVisitsShort => "ordinary_visits_short",
            DiaryShort => "diary_short",
            LateOrLeftEarly => "late_or_left_early",
            UnexcusedAbsence => "unexcused_absence",
            ReportNotHanded => "report_not_handed",
            PatrolDaysShort => "patrol_days_short",
            LoginDaysMissed => "login_days_missed",
            LedgersLate => "ledgers_late",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One deduction rule of an item: `per` points lost for each unit the measure counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionRule {
    /// The measure's snake_case name; validation refuses one not in `Measure::ALL`.
    pub measure: String,
    /// Points lost per unit, in hundredths.
    pub per: Centi,
}

/// A basic-work item: its points and how it loses them (never below 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable key (`basic_info`, `opinions`, `sweeping`, `agency`, `visits`, `diary`,
    /// `meetings` in the shipped sets).
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// Points, in hundredths.
    pub points: Centi,
    pub deductions: Vec<DeductionRule>,
}

/// A veto item (一票否决): one finding of it makes the worker unqualified for the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veto {
    /// `family_planning`, `safety_production`, `petition` in the shipped set.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
}

/// How residents' satisfaction becomes its points: the survey's mean score (0–100) and the
/// mean rating of the grid's closed events (1–5, mapped to 0–100) are weighted by these
/// percentages (they add up to 100). A part with no answers passes its weight to the other;
/// with neither, the grid gets `no_answers_pct` of the satisfaction points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Satisfaction {
    pub survey_pct: u32,
    pub ratings_pct: u32,
    pub no_answers_pct: u32,
    /// Fewer survey answers than this in a grid count as none.
    pub min_answers: u32,
}

/// Grade bounds, in hundredths of the scheme's total scaled to 100 (90 → 9000 for both sets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    /// At or above: excellent, subject to the share cap.
    pub excellent_min: Centi,
    /// At or above (and below excellent): qualified; below: unqualified.
    pub qualified_min: Centi,
    /// At most this percentage of a township's workers are excellent.
    pub excellent_share_pct: u32,
}

/// Pay from the subsidy the township sets: an unqualified worker gets `unqualified_pct` of it;
/// the withheld rest is shared equally by the excellent as their reward, on top of
/// `reward_cents` each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    pub unqualified_pct: u32,
    pub reward_cents: i64,
}

/// One rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// `quarter100` or `thousand` for the shipped sets; an edited copy keeps its base's name.
    pub name: String,
    /// The whole score, in hundredths (100 points → 10000; 1,000 points → 100000).
    pub total: Centi,
    /// Percent of `total` for basic work; the rest is satisfaction.
    pub basic_pct: u32,
    pub items: Vec<Item>,
    #[serde(default)]
    pub vetoes: Vec<Veto>,
    pub satisfaction: Satisfaction,
    pub grades: Grades,
    pub pay: Pay,
    /// Days after the close within which a worker may appeal.
    pub appeal_days: u32,
    /// Consecutive unqualified quarters that draft a notice of criticism (2) and that mark
    /// the worker not to be re-engaged (3).
    pub notice_after: u32,
    pub not_reengage_after: u32,
}

/// Why a rule set was refused: `field` names the place (`items[2].deductions[0].per`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeError {
    /// The text is not a rule set (bad JSON, a missing or unknown field).
    Json { line: usize, column: usize },
    /// A deduction names a measure not in `Measure::ALL`.
    UnknownMeasure { field: String, name: String },
    /// The same key twice (items, vetoes, or one measure twice in an item).
    Duplicate { field: String, key: String },
    /// The items' points add up to neither the basic share nor the whole total.
    PointsSum {
        sum: Centi,
        basic: Centi,
        total: Centi,
    },
    /// A value out of bounds.
    Invalid { field: String },
}

impl SchemeError {
    fn invalid(field: impl Into<String>) -> SchemeError {
        SchemeError::Invalid {
            field: field.into(),
        }
    }
}

impl From<SchemeError> for crate::error::Error {
    fn from(e: SchemeError) -> crate::error::Error {
        let pts = |c: Centi| format_points(c);
        match e {
            SchemeError::Json { line, column } => crate::err!("assess.rules_json", line, column),
            SchemeError::UnknownMeasure { field, name } => {
                crate::err!("assess.rules_unknown_measure", field, name)
            }
            SchemeError::Duplicate { field, key } => {
                crate::err!("assess.rules_duplicate_key", field, key)
            }
            SchemeError::PointsSum { sum, basic, total } => crate::err!(
                "assess.rules_points_sum",
                sum = pts(sum),
                basic = pts(basic),
                total = pts(total)
            ),
            SchemeError::Invalid { field } => crate::err!("assess.rules_invalid", field),
        }
    }
}

/// Hundredths as points for a message: 1550 → "15.5", 1000 → "10", −10 → "-0.1".
pub fn format_points(c: Centi) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    let (whole, frac) = (a / 100, a % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// Bounds on a rule set's size, so a stored or posted set stays small.
pub const MAX_ITEMS: usize = 30;
pub const MAX_DEDUCTIONS: usize = 20;
pub const MAX_VETOES: usize = 20;
pub const MAX_KEY: usize = 40;
pub const MAX_NAME: usize = 100;
/// 10,000 points: far above any real scheme, low enough that no sum overflows.
pub const MAX_TOTAL: Centi = 1_000_000;
/// The largest subsidy or reward a scheme or a close takes, in cents (10 million yuan).
pub const MAX_CENTS: i64 = 1_000_000_000;

fn item(key: &str, zh: &str, en: &str, points: Centi, rules: &[(Measure, Centi)]) -> Item {
    Item {
        key: key.to_string(),
        name_zh: zh.to_string(),
        name_en: en.to_string(),
        points,
        deductions: rules
            .iter()
            .map(|&(m, per)| DeductionRule {
                measure: m.as_str().to_string(),
                per,
            })
            .collect(),
    }
}

fn veto(key: &str, zh: &str, en: &str) -> Veto {
    Veto {
        key: key.to_string(),
        name_zh: zh.to_string(),
        name_en: en.to_string(),
    }
}

impl Scheme {
    /// The seed's quarterly 100-point scheme (SPEC §6). The seed's table gives the basic-work
    /// items 15+15+15+15+20+10+10 = 100 points while basic work is 80 % of the score: the items
    /// are scored out of their 100 and the sum is scaled to the 80-point share at score time
    /// (`score::score`: basic = Σ item scores × 80 / 100). Satisfaction (20 points) weighs the
    /// residents' survey 70 % and the ratings of the grid's closed events 30 % — the survey is
    /// what the seed names, the ratings add a second voice; a grid with neither gets 80 % of
    /// the satisfaction points (no answers is not dissatisfaction), and fewer than 5 answers of
    /// a part count as none.
    pub fn quarter100() -> Scheme {
        use Measure::*;
        Scheme {
            name: "quarter100".to_string(),
            total: 10_000,
            basic_pct: 80,
            items: vec![
                item(
                    "basic_info",
                    "基础信息采集及录入、更新",
                    "Basic information collected, entered, updated",
                    1500,
                    &[
                        (RecordsIncomplete, 100),
                        (QuarterlyUpdateMissed, 100),
                        (EntryWeeksShort, 100),
                    ],
                ),
                item(
                    "opinions",
                    "联络社情民意",
                    "Contact with residents' opinions",
                    1500,
                    &[
                        (InfoNotPassedOn, 100),
                        (OpinionNotCollected, 100),
                        (PartyCountUnknown, 100),
                        (NeedyPartyMemberUnserved, 100),
                    ],
                ),
                item(
                    "sweeping",
                    "不稳定因素排查化解",
                    "Sweeping and defusing instability",
                    1500,
                    &[
                        (SweepsMissed, 50),
                        (LatePetitionCounty, 100),
                        (LatePetitionCity, 200),
                        (LatePetitionHigher, 300),
                    ],
                ),
                item(
                    "agency",
                    "代办服务",
                    "Agency services",
                    1500,
                    &[
                        (HouseholdCheckUnsupported, 100),
                        (NeedyResidentUnserved, 200),
                        (LateOrPoorService, 100),
                    ],
                ),
                item(
                    "visits",
                    "入户走访",
                    "Home visits",
                    2000,
                    &[(KeyPersonWeeksMissed, 100), (OrdinaryVisitsShort, 10)],
                ),
                item(
                    "diary",
                    "民情日志填写",
                    "Work diary",
                    1000,
                    &[(DiaryShort, 100)],
                ),
                item(
                    "meetings",
                    "参加培训、例会",
                    "Training and meetings",
                    1000,
                    &[
                        (LateOrLeftEarly, 50),
                        (UnexcusedAbsence, 100),
                        (ReportNotHanded, 50),
                    ],
                ),
            ],
            vetoes: Vec::new(),
            satisfaction: Satisfaction {
                survey_pct: 70,
                ratings_pct: 30,
                no_answers_pct: 80,
                min_answers: 5,
            },
            grades: Grades {
                excellent_min: 9000,
                qualified_min: 7000,
                excellent_share_pct: 20,
            },
            pay: Pay {
                unqualified_pct: 70,
                reward_cents: 0,
            },
            appeal_days: 10,
            notice_after: 2,
            not_reengage_after: 3,
        }
    }

    /// The 1,000-point scheme (千分制) with veto items (一票否决: family planning, safety
    /// production, petitions). Every deduction is the seed's ×10. Like the seed's, the items
    /// add up to the whole (1,000) and are scaled to the 80 % basic share; to make room for a
    /// 100-point work-discipline item (days without 2 hours in the grid, days without a
    /// log-in, ledgers late: the records the 100-point scheme does not judge) the seed's items
    /// ×10 give up 100 points: 50 from basic information (the ledgers move to discipline) and
    /// 50 from home visits (presence in the grid moves to discipline). The rest is as
    /// `quarter100`.
    pub fn thousand() -> Scheme {
        use Measure::*;
        let mut s = Scheme::quarter100();
        s.name = "thousand".to_string();
        s.total = 100_000;
        for it in &mut s.items {
            it.points *= 10;
            match it.key.as_str() {
                "basic_info" | "visits" => it.points -= 5000,
                _ => {}
            }
            for d in &mut it.deductions {
                d.per *= 10;
            }
        }
        s.items.push(item(
            "discipline",
            "工作纪律",
            "Work discipline",
            10_000,
            &[
                (PatrolDaysShort, 500),
                (LoginDaysMissed, 500),
                (LedgersLate, 1000),
            ],
        ));
        s.vetoes = vec![
            veto("family_planning", "计划生育", "Family planning"),
            veto("safety_production", "安全生产", "Safety production"),
            veto("petition", "信访稳定", "Petitions"),
        ];
        s
    }

    /// A shipped set by name.
    pub fn shipped(name: &str) -> Option<Scheme> {
        match name {
            "quarter100" => Some(Scheme::quarter100()),
            "thousand" => Some(Scheme::thousand()),
            _ => None,
        }
    }

    /// The names of the shipped sets.
    pub const SHIPPED: [&'static str; 2] = ["quarter100", "thousand"];

    /// The basic-work share of the total, in hundredths.
    pub fn basic_share(&self) -> Centi {
        self.total * Centi::from(self.basic_pct.min(100)) / 100
    }

    /// The satisfaction share of the total, in hundredths.
    pub fn satisfaction_share(&self) -> Centi {
        self.total - self.basic_share()
    }

    /// Reads a stored or posted set and validates it.
    pub fn from_json(text: &str) -> Result<Scheme, SchemeError> {
        let s: Scheme = serde_json::from_str(text).map_err(|e| SchemeError::Json {
            line: e.line(),
            column: e.column(),
        })?;
        s.validate()?;
        Ok(s)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks a set before it is kept: sizes, keys, measures, points and percentages. The
    /// items' points must add up to the basic share (scored as they are) or to the whole
    /// total (the seed's way, scaled to the basic share by `score`).
    pub fn validate(&self) -> Result<(), SchemeError> {
        let key_ok = |k: &str| {
            !k.is_empty()
                && k.len() <= MAX_KEY
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let name_ok = |n: &str| !n.trim().is_empty() && n.chars().count() <= MAX_NAME;
        if !key_ok(&self.name) {
            return Err(SchemeError::invalid("name"));
        }
        if self.total <= 0 || self.total > MAX_TOTAL || self.total % 100 != 0 {
            return Err(SchemeError::invalid("total"));
        }
        if !(1..=100).contains(&self.basic_pct) {
            return Err(SchemeError::invalid("basic_pct"));
        }
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            return Err(SchemeError::invalid("items"));
        }
        let mut sum: Centi = 0;
        for (i, it) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items[{i}].{f}");
            if !key_ok(&it.key) {
                return Err(SchemeError::invalid(at("key")));
            }
            if self.items[..i].iter().any(|o| o.key == it.key) {
                return Err(SchemeError::Duplicate {
                    field: at("key"),
                    key: it.key.clone(),
                });
            }
            if !name_ok(&it.name_zh) {
                return Err(SchemeError::invalid(at("name_zh")));
            }
            if !name_ok(&it.name_en) {
                return Err(SchemeError::invalid(at("name_en")));
            }
            if it.points <= 0 || it.points > self.total {
                return Err(SchemeError::invalid(at("points")));
            }
            sum += it.points;
            if it.deductions.len() > MAX_DEDUCTIONS {
                return Err(SchemeError::invalid(at("deductions")));
            }
            for (j, d) in it.deductions.iter().enumerate() {
                let dat = |f: &str| format!("items[{i}].deductions[{j}].{f}");
                if Measure::parse(&d.measure).is_none() {
                    return Err(SchemeError::UnknownMeasure {
                        field: dat("measure"),
                        name: d.measure.chars().take(MAX_KEY).collect(),
                    });
                }
                if it.deductions[..j].iter().any(|o| o.measure == d.measure) {
                    return Err(SchemeError::Duplicate {
                        field: dat("measure"),
                        key: d.measure.clone(),
                    });
                }
                if d.per <= 0 || d.per > it.points {
                    return Err(SchemeError::invalid(dat("per")));
                }
            }
        }
        if sum != self.basic_share() && sum != self.total {
            return Err(SchemeError::PointsSum {
                sum,
                basic: self.basic_share(),
                total: self.total,
            });
        }
        if self.vetoes.len() > MAX_VETOES {
            return Err(SchemeError::invalid("vetoes"));
        }
        for (i, v) in self.vetoes.iter().enumerate() {
            let at = |f: &str| format!("vetoes[{i}].{f}");
            if !key_ok(&v.key) {
                return Err(SchemeError::invalid(at("key")));
            }
            if self.vetoes[..i].iter().any(|o| o.key == v.key) {
                return Err(SchemeError::Duplicate {
                    field: at("key"),
                    key: v.key.clone(),
                });
            }
            if !name_ok(&v.name_zh) {
                return Err(SchemeError::invalid(at("name_zh")));
            }
            if !name_ok(&v.name_en) {
                return Err(SchemeError::invalid(at("name_en")));
            }
        }
        let sat = &self.satisfaction;
        for (v, f) in [
            (sat.survey_pct, "satisfaction.survey_pct"),
            (sat.ratings_pct, "satisfaction.ratings_pct"),
            (sat.no_answers_pct, "satisfaction.no_answers_pct"),
        ] {
            if v > 100 {
                return Err(SchemeError::invalid(f));
            }
        }
        if sat.survey_pct + sat.ratings_pct != 100 {
            return Err(SchemeError::invalid("satisfaction.ratings_pct"));
        }
        if sat.min_answers > 10_000 {
            return Err(SchemeError::invalid("satisfaction.min_answers"));
        }
        let g = &self.grades;
        if g.excellent_min <= 0 || g.excellent_min > 10_000 {
            return Err(SchemeError::invalid("grades.excellent_min"));
        }
        if g.qualified_min < 0 || g.qualified_min >= g.excellent_min {
            return Err(SchemeError::invalid("grades.qualified_min"));
        }
        if g.excellent_share_pct > 100 {
            return Err(SchemeError::invalid("grades.excellent_share_pct"));
        }
        if self.pay.unqualified_pct > 100 {
            return Err(SchemeError::invalid("pay.unqualified_pct"));
        }
        if self.pay.reward_cents < 0 || self.pay.reward_cents > MAX_CENTS {
            return Err(SchemeError::invalid("pay.reward_cents"));
        }
        if !(1..=90).contains(&self.appeal_days) {
            return Err(SchemeError::invalid("appeal_days"));
        }
        if !(1..=20).contains(&self.notice_after) {
            return Err(SchemeError::invalid("notice_after"));
        }
        if self.not_reengage_after < self.notice_after || self.not_reengage_after > 20 {
            return Err(SchemeError::invalid("not_reengage_after"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn invalid(s: &Scheme) -> String {
        match s.validate() {
            Err(SchemeError::Invalid { field }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_shipped_sets_are_valid_and_add_up() {
        for name in Scheme::SHIPPED {
            let s = Scheme::shipped(name).unwrap();
            assert_eq!(s.name, name);
            s.validate().unwrap();
            let sum: Centi = s.items.iter().map(|i| i.points).sum();
            assert_eq!(
                sum, s.total,
                "{name}: items add up to the whole, scaled to the share"
            );
            assert_eq!(Scheme::from_json(&s.to_json()).unwrap(), s);
        }
        assert_eq!(Scheme::shipped("nope"), None);
        let q = Scheme::quarter100();
        assert_eq!((q.basic_share(), q.satisfaction_share()), (8000, 2000));
        let points: Vec<Centi> = q.items.iter().map(|i| i.points).collect();
        assert_eq!(points, [1500, 1500, 1500, 1500, 2000, 1000, 1000]);
        let t = Scheme::thousand();
        assert_eq!((t.basic_share(), t.satisfaction_share()), (80_000, 20_000));
        let keys: Vec<&str> = t.vetoes.iter().map(|v| v.key.as_str()).collect();
        assert_eq!(keys, ["family_planning", "safety_production", "petition"]);
        // Every deduction is the seed's ×10.
        for it in &q.items {
            let ti = t.items.iter().find(|x| x.key == it.key).unwrap();
            for (a, b) in it.deductions.iter().zip(&ti.deductions) {
                assert_eq!(
                    (a.measure.as_str(), a.per * 10),
                    (b.measure.as_str(), b.per)
                );
            }
        }
        let d = t.items.iter().find(|x| x.key == "discipline").unwrap();
        assert_eq!(d.points, 10_000);
        let ms: Vec<&str> = d.deductions.iter().map(|x| x.measure.as_str()).collect();
        assert_eq!(
            ms,
            ["patrol_days_short", "login_days_missed", "ledgers_late"]
        );
    }

    #[test]
    fn every_measure_has_a_name_that_parses() {
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn unknown_measures_are_refused_by_name() {
        let mut s = Scheme::quarter100();
        s.items[4].deductions[1].measure = "visits_short".into();
        assert_eq!(
            s.validate(),
            Err(SchemeError::UnknownMeasure {
                field: "items[4].deductions[1].measure".into(),
                name: "visits_short".into()
            })
        );
        let e: crate::error::Error = s.validate().unwrap_err().into();
        assert_eq!(e.code, "assess.rules_unknown_measure");
        assert!(e.message.contains("visits_short"));
    }

    #[test]
    fn points_must_add_up() {
        let mut s = Scheme::quarter100();
        s.items[0].points = 1400;
        assert_eq!(
            s.validate(),
            Err(SchemeError::PointsSum {
                sum: 9900,
                basic: 8000,
                total: 10_000
            })
        );
        let e: crate::error::Error = s.validate().unwrap_err().into();
        assert!(e.message.contains("99 points"), "{}", e.message);
        s.items[0].points = 0;
        assert_eq!(invalid(&s), "items[0].points");
        s.items[0].points = -1500;
        assert_eq!(invalid(&s), "items[0].points");
    }

    #[test]
    fn duplicates_are_refused() {
        let mut s = Scheme::quarter100();
        s.items[1].key = "basic_info".into();
        assert!(
            matches!(s.validate(), Err(SchemeError::Duplicate { field, .. }) if field == "items[1].key")
        );
        let mut s = Scheme::quarter100();
        let d = s.items[0].deductions[0].clone();
        s.items[0].deductions.push(d);
        assert!(matches!(s.validate(), Err(SchemeError::Duplicate { .. })));
        let mut s = Scheme::thousand();
        s.vetoes[2].key = "family_planning".into();
        assert!(
            matches!(s.validate(), Err(SchemeError::Duplicate { field, .. }) if field == "vetoes[2].key")
        );
    }

    #[test]
    fn out_of_bounds_values_name_their_field() {
        let base = Scheme::quarter100();
        type Change = fn(&mut Scheme);
        let cases: Vec<(Change, &str)> = vec![
            (|s| s.basic_pct = 101, "basic_pct"),
            (|s| s.basic_pct = 0, "basic_pct"),
            (|s| s.total = 0, "total"),
            (|s| s.name = "Has Space".into(), "name"),
            (
                |s| s.items[2].deductions[0].per = 0,
                "items[2].deductions[0].per",
            ),
            (
                |s| s.items[2].deductions[0].per = -50,
                "items[2].deductions[0].per",
            ),
            (|s| s.items[3].name_zh = " ".into(), "items[3].name_zh"),
            (
                |s| s.satisfaction.survey_pct = 101,
                "satisfaction.survey_pct",
            ),
            (
                |s| s.satisfaction.survey_pct = 60,
                "satisfaction.ratings_pct",
            ),
            (
                |s| s.satisfaction.no_answers_pct = 200,
                "satisfaction.no_answers_pct",
            ),
            (|s| s.grades.excellent_min = 6000, "grades.qualified_min"),
            (|s| s.grades.qualified_min = 9000, "grades.qualified_min"),
            (|s| s.grades.excellent_min = 10_001, "grades.excellent_min"),
            (
                |s| s.grades.excellent_share_pct = 101,
                "grades.excellent_share_pct",
            ),
            (|s| s.pay.unqualified_pct = 101, "pay.unqualified_pct"),
            (|s| s.pay.reward_cents = -1, "pay.reward_cents"),
            (|s| s.appeal_days = 0, "appeal_days"),
            (|s| s.not_reengage_after = 1, "not_reengage_after"),
            (|s| s.items.clear(), "items"),
        ];
        for (change, field) in cases {
            let mut s = base.clone();
            change(&mut s);
            assert_eq!(invalid(&s), field);
        }
        let mut s = base.clone();
        s.items = (0..MAX_ITEMS + 1)
            .map(|i| item(&format!("k{i}"), "项", "item", 100, &[]))
            .collect();
        assert_eq!(invalid(&s), "items");
    }

    #[test]
    fn json_errors_say_where() {
        let e = Scheme::from_json("{\"name\": \"x\",\n \"oops\": 1}").unwrap_err();
        assert!(matches!(e, SchemeError::Json { line: 2, .. }), "{e:?}");
        let mut v: serde_json::Value =
            serde_json::from_str(&Scheme::quarter100().to_json()).unwrap();
        v["items"][0]["extra"] = 1.into();
        assert!(matches!(
            Scheme::from_json(&v.to_string()),
            Err(SchemeError::Json { .. })
        ));
        let err: crate::error::Error = e.into();
        assert_eq!(err.code, "assess.rules_json");
    }

    #[test]
    fn points_format_for_messages() {
        assert_eq!(format_points(1550), "15.5");
        assert_eq!(format_points(1000), "10");
        assert_eq!(format_points(-10), "-0.1");
        assert_eq!(format_points(7776), "77.76");
    }
}
