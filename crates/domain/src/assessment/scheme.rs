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
