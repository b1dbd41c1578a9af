//! The duties of a grid worker as data (SPEC §5; seeds `000_…` and `001_…`). An administrator of
//! a county or township keeps a rule set; each version takes effect from a day and is never
//! edited, so a period is judged by the version in force then. `Duties::default()` is the
//! seeds' set, used where no node above a grid has kept one.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;

/// One rule set. Field names are the JSON the store keeps (`duty_rules.rules_json`); a field a
/// stored set lacks takes the default, so adding a duty does not break older versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Duties {
    /// Every household of the grid visited once a month, between the 1st and this day.
    pub household_visit_by_day: u32,
    /// Key persons are visited by their key group's duty (weekly or monthly, see
    /// `basic::tags::VisitDuty`); this turns the duty off where a county chooses.
    pub key_person_visits: bool,
    /// Family visits (入户走访) a week.
    pub family_visits_per_week: u32,
    /// Ordinary households visited a month.
    pub households_per_month: u32,
    /// Minutes a day inside the grid (巡查时长).
    pub minutes_in_grid_per_day: u32,
    /// Diary entries (民情日志) a week.
    pub diary_per_week: u32,
    /// Information entries a week in a village grid (农村网格) …
    pub entries_per_week_village: u32,
    /// … and in a community grid (城市社区网格) or any other.
    pub entries_per_week_community: u32,
    /// A sweep (排查) every week.
    pub sweep_weekly: bool,
    /// The monthly ledger (台帐): the report by this day of the next month …
    pub ledger_report_day: u32,
    /// … and the final version by this day.
    pub ledger_final_day: u32,
    /// A log-in every working day.
    pub daily_login: bool,
    /// Reminders for missed days in a month before a notice of criticism is drafted.
    pub reminders_before_notice: u32,
    /// The monthly meeting about this day (moved earlier over a holiday).
    pub meeting_day: u32,
    /// Trainings a year.
    pub trainings_per_year: u32,
    /// Hours a record made offline may arrive after its stated time before it is flagged.
    pub offline_allowance_hours: u32,
    /// Metres between a visit's position and the house before the visit is flagged.
    pub max_distance_from_house_m: u32,
    /// Kilometres an hour between two records beyond which they are flagged as impossible.
    pub max_speed_kmh: u32,
}

impl Default for Duties {
    fn default() -> Duties {
        Duties {
            household_visit_by_day: 15,
            key_person_visits: true,
            family_visits_per_week: 2,
            households_per_month: 20,
            minutes_in_grid_per_day: 120,
            diary_per_week: 2,
            entries_per_week_village: 2,
            entries_per_week_community: 5,
            sweep_weekly: true,
            ledger_report_day: 15,
            ledger_final_day: 20,
            daily_login: true,
            reminders_before_notice: 3,
            meeting_day: 3,
            trainings_per_year: 2,
            offline_allowance_hours: 72,
            max_distance_from_house_m: 500,
            max_speed_kmh: 120,
        }
    }
}

/// Why a rule set was refused; the field names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyError {
    pub field: &'static str,
}

impl Duties {
    /// Reads a stored or submitted set; unknown fields are refused so a typo is not lost.
    pub fn from_json(text: &str) -> Result<Duties, DutyError> {
        let d: Duties = serde_json::from_str(text).map_err(|_| DutyError { field: "rules" })?;
        d.validate()?;
        Ok(d)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Bounds that keep a set meaningful: days inside a month, counts a person can meet.
    pub fn validate(&self) -> Result<(), DutyError> {
        let day = |v: u32, field| {
            if (1..=28).contains(&v) {
                Ok(())
            } else {
                Err(DutyError { field })
            }
        };
        day(self.household_visit_by_day, "household_visit_by_day")?;
        day(self.ledger_report_day, "ledger_report_day")?;
        day(self.ledger_final_day, "ledger_final_day")?;
        day(self.meeting_day, "meeting_day")?;
        if self.ledger_final_day < self.ledger_report_day {
            return Err(DutyError {
                field: "ledger_final_day",
            });
        }
        let at_most = |v: u32, max, field| {
            if v <= max {
                Ok(())
            } else {
                Err(DutyError { field })
            }
        };
        at_most(self.family_visits_per_week, 50, "family_visits_per_week")?;
        at_most(self.households_per_month, 2_000, "households_per_month")?;
        at_most(
            self.minutes_in_grid_per_day,
            16 * 60,
            "minutes_in_grid_per_day",
        )?;
        at_most(self.diary_per_week, 50, "diary_per_week")?;
        at_most(
            self.entries_per_week_village,
            100,
            "entries_per_week_village",
        )?;
        at_most(
            self.entries_per_week_community,
            100,
            "entries_per_week_community",
        )?;
        at_most(self.reminders_before_notice, 31, "reminders_before_notice")?;
        at_most(self.trainings_per_year, 52, "trainings_per_year")?;
        at_most(
            self.offline_allowance_hours,
            24 * 30,
            "offline_allowance_hours",
        )?;
        at_most(
            self.max_distance_from_house_m,
            100_000,
            "max_distance_from_house_m",
        )?;
        if !(5..=1_000).contains(&self.max_speed_kmh) {
            return Err(DutyError {
                field: "max_speed_kmh",
            });
        }
        Ok(())
    }

    /// Information entries a week: fewer in a rural village's grid (its village's name ends in
    /// 村) than in a community's (社区) or any other.
    pub fn entries_per_week(&self, rural: bool) -> u32 {
        if rural {
            self.entries_per_week_village
        } else {
            self.entries_per_week_community
        }
    }

    /// Whether `day` is inside the month's household-visiting window.
    pub fn in_visit_window(&self, day: Date) -> bool {
        day.day() <= self.household_visit_by_day
    }
}

/// A stored version as the store hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub version: i64,
    pub effective_from: Date,
    pub duties: Duties,
}

/// The version in force on `day` among one node's versions (the store picks the node): the
/// newest that took effect on or before the day.
pub fn in_force(versions: &[Version], day: Date) -> Option<&Version> {
    versions
        .iter()
        .filter(|v| v.effective_from <= day)
        .max_by_key(|v| (v.effective_from, v.version))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_set_is_valid_and_round_trips() {
        let d = Duties::default();
        d.validate().unwrap();
        assert_eq!(Duties::from_json(&d.to_json()).unwrap(), d);
        // A stored set missing a later field takes its default.
        let old = Duties::from_json(r#"{"diary_per_week": 3}"#).unwrap();
        assert_eq!(old.diary_per_week, 3);
        assert_eq!(old.households_per_month, 20);
    }

    #[test]
    fn bad_sets_name_the_field() {
        assert_eq!(
            Duties::from_json(r#"{"diary_per_wek": 3}"#)
                .unwrap_err()
                .field,
            "rules"
        );
        assert_eq!(
            Duties::from_json(r#"{"ledger_report_day": 21}"#)
                .unwrap_err()
                .field,
            "ledger_final_day"
        );
        assert_eq!(
            Duties::from_json(r#"{"meeting_day": 0}"#)
                .unwrap_err()
                .field,
            "meeting_day"
        );
    }

    #[test]
    fn the_version_in_force_is_the_newest_begun() {
        let v = |version, from: &str| Version {
            version,
            effective_from: Date::parse(from).unwrap(),
            duties: Duties::default(),
        };
        let all = [v(1, "2026-01-01"), v(2, "2026-07-01"), v(3, "2027-01-01")];
        let at = |s: &str| in_force(&all, Date::parse(s).unwrap()).map(|v| v.version);
        assert_eq!(at("2025-12-31"), None);
        assert_eq!(at("2026-06-30"), Some(1));
        assert_eq!(at("2026-07-01"), Some(2));
        assert_eq!(at("2027-03-01"), Some(3));
    }

    #[test]
    fn entries_depend_on_the_village() {
        let d = Duties::default();
        assert_eq!(d.entries_per_week(true), 2);
        assert_eq!(d.entries_per_week(false), 5);
    }
}
