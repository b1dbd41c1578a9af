//! What a quarter counts for each worker (`domain::assessment::measures::Measures`), from the
//! workbench's records, events, basic information, meetings and inspection findings, plus the
//! grid's satisfaction.
//!
//! Only what has ended by `today` is judged: weeks whose Sunday is past (a week belongs to the
//! quarter holding its Monday), months that are over, working days before today, ledgers whose
//! final day is past. A worker is judged only for periods that begin after the day their account
//! was made (as the daily log-in check does). Each `Records` measure is counted so:
//!
//! - `key_person_weeks_missed`: per judged week, each key person of the worker's grid whose key
//!   group is visited weekly (found by the tag's blind index; tags stay sealed) and whose tag was
//!   open in that week, not visited in the week either as a person or through their household.
//! - `ordinary_visits_short`: per week, family visits (household or person) short of the weekly
//!   quota; plus per ended month, households visited short of min(monthly quota, households).
//! - `diary_short`: per week, diary entries short of the weekly quota.
//! - `sweeps_missed`: weeks without a sweep (when the weekly sweep is a duty).
//! - `entry_weeks_short`: weeks with fewer events reported than the quota (village or
//!   community grid).
//! - `late_or_left_early`, `unexcused_absence`: meetings of the quarter held before today whose
//!   attendance was marked late / left early, or absent ('excused' is not counted).
//! - `report_not_handed`: meetings asking for a report that the worker attended but whose
//!   report was not handed.
//! - `patrol_days_short`: working days (the app's calendar; a year it does not hold is not
//!   judged) with less time inside the grid than the daily minutes.
//! - `login_days_missed`: working days without a log-in (when daily log-in is a duty).
//! - `ledgers_late`: months of the quarter whose ledger was not submitted (or signed) by the
//!   final day of the next month, once that day is past.
//! - `quarterly_update_missed`: 1 when the quarter is over and the worker made no change (create,
//!   update or remove) to any basic record in it, as the basic records' change history
//!   (`record_history`) shows; a running quarter counts 0 (it can still be made up).
//!
//! Findings of inspections add to the measure they name (a finding may name a records measure
//! too: an inspector saw what the records did not show); a finding naming a veto is a veto.
//! The duties are those in force at the start of each period for the worker's grid.

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::assessment::measures::{Evidence, Measures, SatisfactionInput, VetoFinding};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Measure;
use wangge_domain::calendar::{Calendar, Date};
use wangge_domain::err;
use wangge_domain::workbench::duties::{self, Duties, Version};
use wangge_domain::workbench::periods;

use crate::basic::{Arg, fetch_all};
use crate::db::Handle;
use crate::seal::KeyRing;
use crate::workbench::progress::{self, day_start_ms};

/// The most evidence items a measure keeps (its count stays full).
pub const MAX_EVIDENCE: usize = 50;

/// The measures of every active worker under `prefix` (a path the caller checked against their
/// scope) for `quarter`, counting only what has ended by `today` (the whole quarter once it
/// is over). Keyed by user id. A handful of GROUP BY queries however many workers.
pub async fn collect(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    prefix: &str,
    quarter: Quarter,
    today: Date,
) -> Result<HashMap<i64, Measures>, Error> {
    let who = Who {
        prefix: prefix.to_string(),
        user: 0,
    };
    collect_for(h, keys, &who, quarter, today).await
}

/// The measures of one worker (the running score page). The caller has checked the worker is
/// in its scope; an unknown or inactive worker answers `assess.worker_not_found`.
pub async fn collect_one(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    user_id: i64,
    quarter: Quarter,
    today: Date,
) -> Result<Measures, Error> {
    let not_found = || err!("assess.worker_not_found", id = user_id);
    let w = progress::worker(h, "/", user_id)
        .await?
        .ok_or_else(not_found)?;
    let who = Who {
        prefix: w.grid_path,
        user: user_id,
    };
    let mut all = collect_for(h, keys, &who, quarter, today).await?;
    all.remove(&user_id).ok_or_else(not_found)
}

/// Whose measures: the active workers whose grid lies under `prefix`, or only `user` (when not
/// 0) among them. Bound as `$1` and `$2` in every query.
pub(crate) struct Who {
    pub prefix: String,
    pub user: i64,
}

impl Who {
    pub(crate) fn args(&self) -> Vec<Arg> {
        vec![format!("{}%", self.prefix).into(), self.user.into()]
    }
}

/// The ids of the workers `Who` names, as a sub-query on `$1` and `$2`.
pub(crate) const WORKERS: &str = "SELECT u.id FROM users u JOIN nodes n ON n.id = u.node_id \
     WHERE n.path LIKE $1 AND u.role = 'worker' AND u.active AND (u.id = $2 OR $2 = 0)";

/// A worker as the counting needs them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct W {
    pub id: i64,
    pub grid_path: String,
    pub village_name: String,
    pub created_at: i64,
}

impl W {
    pub(crate) fn rural(&self) -> bool {
        self.village_name.trim_end().ends_with('村')
    }

    /// The first day a period may begin on to be judged: the day after the account was made.
    pub(crate) fn first_day(&self) -> Option<Date> {
        china_day(self.created_at)?.add_days(1)
    }
}

/// The duty rule versions kept above the workers, so that each grid and period finds its set
/// without a query per grid.
pub(crate) struct DutyBook {
    by_path: HashMap<String, Vec<Version>>,
}

impl DutyBook {
    /// The set in force on `day` for a grid at `grid_path`: the deepest node above it keeping
    /// versions, as `workbench::rules::in_force` decides.
    pub fn at(&self, grid_path: &str, day: Date) -> Duties {
        let mut acc = String::from("/");
        let mut deepest: Option<&Vec<Version>> = None;
        for seg in grid_path.split('/').filter(|s| !s.is_empty()) {
            acc.push_str(seg);
            acc.push('/');
            if let Some(v) = self.by_path.get(&acc)
                && v.iter().any(|v| v.effective_from <= day)
            {
                deepest = Some(v);
            }
        }
        deepest
            .and_then(|v| duties::in_force(v, day))
            .map(|v| v.duties.clone())
            .unwrap_or_default()
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    path: String,
    version: i64,
    effective_from: String,
    rules_json: String,
}

async fn duty_book(h: &mut Handle<'_>, until: Date) -> Result<DutyBook, Error> {
    // Rule sets are kept at counties and townships only: a short table read whole.
    let rows: Vec<RuleRow> = fetch_all(
        h,
        "SELECT path, version, effective_from, rules_json FROM duty_rules \
         WHERE effective_from <= $1"
            .to_string(),
        vec![until.to_string().into()],
    )
    .await?;
    let mut by_path: HashMap<String, Vec<Version>> = HashMap::new();
    for r in rows {
        let (Ok(from), Ok(d)) = (
            Date::parse(&r.effective_from),
            Duties::from_json(&r.rules_json),
        ) else {
            continue;
        };
        by_path.entry(r.path).or_default().push(Version {
            version: r.version,
            effective_from: from,
            duties: d,
        });
    }
    Ok(DutyBook { by_path })
}

/// What the quarter judges on `today`.
pub(crate) struct Frame {
    pub quarter: Quarter,
    pub today: Date,
    /// Mondays of the ended weeks.
    pub weeks: Vec<Date>,
    /// First days of the ended months.
    pub months: Vec<Date>,
    /// Days of the quarter before today.
    pub days: Vec<Date>,
}

impl Frame {
    pub fn new(quarter: Quarter, today: Date) -> Frame {
        let weeks = quarter.weeks_ended(today);
        let months = quarter
            .months()
            .iter()
            .filter_map(|m| periods::parse_month(m))
            .filter(|(_, end)| *end < today)
            .map(|(start, _)| start)
            .collect();
        let mut days = Vec::new();
        let mut d = quarter.start();
        while d <= quarter.end() && d < today {
            days.push(d);
            match d.add_days(1) {
                Some(n) => d = n,
                None => break,
            }
        }
        Frame {
            quarter,
            today,
            weeks,
            months,
            days,
        }
    }

    /// The first and last day the weekly counts read (Monday of the first ended week to
    /// Sunday of the last), or none before the first week ends.
    pub fn week_span(&self) -> Option<(Date, Date)> {
        let first = *self.weeks.first()?;
        let last = self.weeks.last()?.add_days(6)?;
        Some((first, last))
    }
}

async fn collect_for(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    who: &Who,
    quarter: Quarter,
    today: Date,
) -> Result<HashMap<i64, Measures>, Error> {
    let frame = Frame::new(quarter, today);
    let mut args = who.args();
    args.push(progress::MAX_WORKERS.into());
    let ws: Vec<W> = fetch_all(
        h,
        format!(
            "SELECT u.id, n.path AS grid_path, COALESCE(v.name, '') AS village_name, u.created_at \
             FROM users u JOIN nodes n ON n.id = u.node_id LEFT JOIN nodes v ON v.id = n.parent_id \
             WHERE u.id IN ({WORKERS}) ORDER BY u.id LIMIT $3"
        ),
        args,
    )
    .await?;
    let mut out: HashMap<i64, Measures> = ws.iter().map(|w| (w.id, Measures::default())).collect();
    if ws.is_empty() {
        return Ok(out);
    }
    let book = duty_book(h, quarter.end()).await?;
    let cal = crate::events::load_calendar(h).await?;
    super::measures_count::records(h, keys, who, &ws, &book, &cal, &frame, &mut out).await?;
    findings(h, who, quarter, &mut out).await?;
    let sat = satisfaction(h, &who.prefix, quarter).await?;
    for w in &ws {
        if let (Some(m), Some(s)) = (out.get_mut(&w.id), sat.get(&w.grid_path)) {
            m.satisfaction = *s;
        }
    }
    for m in out.values_mut() {
        for c in m.counts.values_mut() {
            c.evidence.truncate(MAX_EVIDENCE);
        }
    }
    Ok(out)
}

/// The grids' satisfaction, from the satisfaction part (behind one call so the counting above
/// does not depend on how it is kept).
async fn satisfaction(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<HashMap<String, SatisfactionInput>, Error> {
    super::survey::satisfaction(h, prefix, quarter).await
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    user_id: i64,
    measure: String,
    count: i64,
    veto: Option<String>,
    note: String,
    quarter: String,
}

/// The quarter's inspection findings against the workers: counts, and the vetoes found in the
/// year so far (一票否决 makes a worker unqualified for the year: the quarter it was found in and
/// every later one of that year).
async fn findings(
    h: &mut Handle<'_>,
    who: &Who,
    quarter: Quarter,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let mut args = who.args();
    args.push(quarter.to_string().into());
    let first = Quarter::new(quarter.year(), 1).unwrap_or(quarter);
    args.push(first.to_string().into());
    // Quarter keys `YYYYQn` order as text.
    let rows: Vec<FindingRow> = fetch_all(
        h,
        format!(
            "SELECT id, user_id, quarter, measure, CAST(count AS BIGINT) AS count, veto, note \
             FROM inspection_findings WHERE user_id IN ({WORKERS}) AND quarter <= $3 \
             AND quarter >= $4 ORDER BY id"
        ),
        args,
    )
    .await?;
    let this = quarter.to_string();
    for r in rows {
        let Some(m) = out.get_mut(&r.user_id) else {
            continue;
        };
        if let Some(veto) = r.veto.filter(|v| !v.is_empty()) {
            m.vetoes.push(VetoFinding {
                veto,
                finding_id: r.id,
                note: r.note,
            });
            continue;
        }
        if r.quarter != this {
            continue;
        }
        if let Some(measure) = Measure::parse(&r.measure) {
            let ev = Evidence::Record {
                kind: "finding".to_string(),
                id: r.id,
                label: r.note.chars().take(80).collect(),
            };
            m.add(measure, r.count, [ev]);
        }
    }
    Ok(())
}

/// Adds one unit of shortfall with its evidence, or nothing when `short` is not positive.
pub(crate) fn short(m: &mut Measures, measure: Measure, units: i64, ev: Evidence) {
    if units > 0 {
        m.add(measure, units, [ev]);
    }
}

/// An absence as evidence.
pub(crate) fn absence(what: &str, period: String, subject: Option<i64>, short: i64) -> Evidence {
    Evidence::Absence {
        what: what.to_string(),
        period,
        subject,
        short,
        label: String::new(),
    }
}

/// A day's calendar kind; `None` when the calendar does not hold its year (not judged).
pub(crate) fn working(cal: &Calendar, d: Date) -> Option<bool> {
    cal.is_working_day(d).ok()
}

/// Milliseconds since the epoch → the China day.
pub(crate) fn china_day(ms: i64) -> Option<Date> {
    Date::from_days((ms + 8 * 3_600_000).div_euclid(86_400_000))
}

/// The start of the day after `d` in ms (an exclusive upper bound).
pub(crate) fn end_ms(d: Date) -> i64 {
    day_start_ms(d.add_days(1).unwrap_or(d))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_frame_judges_only_what_has_ended() {
        let q = Quarter::parse("2026Q3").unwrap();
        // Wednesday 15 July: weeks of 6 and 13 July? Only 6 July has ended (Sunday 12th).
        let f = Frame::new(q, d("2026-07-15"));
        assert_eq!(f.weeks, vec![d("2026-07-06")]);
        assert!(f.months.is_empty());
        assert_eq!(f.days.len(), 14);
        assert_eq!(f.week_span(), Some((d("2026-07-06"), d("2026-07-12"))));
        // After the quarter: everything, including the week whose Sunday is in October.
        let f = Frame::new(q, d("2026-10-20"));
        assert_eq!(f.weeks.len(), q.weeks().len());
        assert_eq!(f.months.len(), 3);
        assert_eq!(f.days.len(), 92);
        // Before the first week ends nothing weekly is judged.
        assert_eq!(Frame::new(q, d("2026-07-05")).week_span(), None);
    }

    #[test]
    fn the_deepest_rules_win() {
        let mut by_path = HashMap::new();
        let county = Duties {
            diary_per_week: 3,
            ..Duties::default()
        };
        let twp = Duties {
            diary_per_week: 4,
            ..Duties::default()
        };
        by_path.insert(
            "/35/01/".to_string(),
            vec![Version {
                version: 1,
                effective_from: d("2026-01-01"),
                duties: county,
            }],
        );
        by_path.insert(
            "/35/01/02/".to_string(),
            vec![Version {
                version: 1,
                effective_from: d("2026-08-01"),
                duties: twp,
            }],
        );
        let book = DutyBook { by_path };
        assert_eq!(book.at("/35/01/02/03/", d("2026-07-06")).diary_per_week, 3);
        assert_eq!(book.at("/35/01/02/03/", d("2026-08-03")).diary_per_week, 4);
        assert_eq!(book.at("/35/09/", d("2026-08-03")).diary_per_week, 2);
    }

    #[test]
    fn days_and_buckets() {
        // 00:00 in China on 2026-07-06 is 16:00 UTC the day before.
        let ms = day_start_ms(d("2026-07-06"));
        assert_eq!(china_day(ms), Some(d("2026-07-06")));
        assert_eq!(china_day(ms - 1), Some(d("2026-07-05")));
        assert_eq!(end_ms(d("2026-07-05")), ms);
    }
}
