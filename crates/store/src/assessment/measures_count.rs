//! The `Records` measures of `assessment::measures`, counted for all the workers at once: one
//! GROUP BY query per kind of record over the quarter, bucketed into weeks, months and days here
//! (a week or a weekday in SQL is not portable). The definitions are in the parent module.

use std::collections::{HashMap, HashSet};

use wangge_domain::Error;
use wangge_domain::assessment::measures::{Evidence, Measures};
use wangge_domain::assessment::scheme::Measure;
use wangge_domain::basic::tags::{KeyGroup, VisitDuty};
use wangge_domain::calendar::{Calendar, Date};
use wangge_domain::workbench::periods;

use super::measures::{DutyBook, Frame, W, WORKERS, Who, absence, end_ms, short, working};
use crate::basic::{Arg, INDEX_TAG, fetch_all};
use crate::db::Handle;
use crate::seal::KeyRing;
use crate::workbench::progress::day_start_ms;

#[derive(sqlx::FromRow)]
struct IdDay {
    id: i64,
    day: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct IdN {
    id: i64,
    n: i64,
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows (worker, day text, n) summed per (worker, the period `key` maps the day to).
fn per(rows: &[IdDay], key: impl Fn(Date) -> Date) -> HashMap<(i64, Date), i64> {
    let mut out: HashMap<(i64, Date), i64> = HashMap::new();
    for r in rows {
        if let Ok(d) = Date::parse(&r.day) {
            *out.entry((r.id, key(d))).or_default() += r.n;
        }
    }
    out
}

/// Counts every `Records` measure into `out`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn records(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    who: &Who,
    ws: &[W],
    book: &DutyBook,
    cal: &Calendar,
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    weekly(h, keys, who, ws, book, f, out).await?;
    monthly(h, who, ws, book, f, out).await?;
    daily(h, who, ws, book, cal, f, out).await?;
    meetings(h, who, f, out).await?;
    updates(h, who, ws, f, out).await
}

/// Runs a `(id, day, n)` query over `[$3, $4]` for the workers.
async fn id_days(
    h: &mut Handle<'_>,
    who: &Who,
    sql: String,
    from: Date,
    to: Date,
) -> Result<Vec<IdDay>, Error> {
    let mut args = who.args();
    args.push(from.to_string().into());
    args.push(to.to_string().into());
    fetch_all(h, sql, args).await
}

async fn weekly(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    who: &Who,
    ws: &[W],
    book: &DutyBook,
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let Some((from, to)) = f.week_span() else {
        return Ok(());
    };
    let family = id_days(
        h,
        who,
        format!(
            "SELECT worker_id AS id, day, CAST(COUNT(*) AS BIGINT) AS n FROM visits \
             WHERE worker_id IN ({WORKERS}) AND day >= $3 AND day <= $4 \
             AND target_kind IN ('household', 'person') GROUP BY worker_id, day"
        ),
        from,
        to,
    )
    .await?;
    let diary = id_days(
        h,
        who,
        format!(
            "SELECT worker_id AS id, day, CAST(COUNT(*) AS BIGINT) AS n FROM diary_entries \
             WHERE worker_id IN ({WORKERS}) AND day >= $3 AND day <= $4 GROUP BY worker_id, day"
        ),
        from,
        to,
    )
    .await?;
    let sweeps = id_days(
        h,
        who,
        format!(
            "SELECT worker_id AS id, week AS day, CAST(1 AS BIGINT) AS n FROM sweeps \
             WHERE worker_id IN ({WORKERS}) AND week >= $3 AND week <= $4"
        ),
        from,
        to,
    )
    .await?;
    // Events bucketed by week in SQL: integer division of milliseconds is portable.
    let mut args = who.args();
    args.push(day_start_ms(from).into());
    args.push(end_ms(to).into());
    let entry_rows: Vec<IdN> = fetch_all(
        h,
        format!(
            "SELECT reporter_user_id AS id, CAST((reported_at - $3) / 604800000 AS BIGINT) AS n \
             FROM events WHERE reporter_user_id IN ({WORKERS}) \
             AND reported_at >= $3 AND reported_at < $4"
        ),
        args,
    )
    .await?;
    let mut entries: HashMap<(i64, Date), i64> = HashMap::new();
    for r in entry_rows {
        if let Some(monday) = from.add_days(r.n * 7) {
            *entries.entry((r.id, monday)).or_default() += 1;
        }
    }
    let family = per(&family, periods::week_start);
    let diary = per(&diary, periods::week_start);
    let sweeps = per(&sweeps, periods::week_start);
    let missed = key_persons_missed(h, keys, who, f).await?;

    for w in ws {
        let Some(m) = out.get_mut(&w.id) else {
            continue;
        };
        let first = w.first_day();
        for &monday in f.weeks.iter().filter(|d| Some(**d) >= first) {
            let d = book.at(&w.grid_path, monday);
            let period = monday.to_string();
            let got = |map: &HashMap<(i64, Date), i64>| map.get(&(w.id, monday)).copied();
            let n = i64::from(d.family_visits_per_week) - got(&family).unwrap_or(0);
            short(
                m,
                Measure::OrdinaryVisitsShort,
                n,
                absence("family_visits", period.clone(), None, n),
            );
            let n = i64::from(d.diary_per_week) - got(&diary).unwrap_or(0);
            short(
                m,
                Measure::DiaryShort,
                n,
                absence("diary", period.clone(), None, n),
            );
            if d.sweep_weekly && got(&sweeps).is_none() {
                short(
                    m,
                    Measure::SweepsMissed,
                    1,
                    absence("sweep", period.clone(), None, 1),
                );
            }
            let n = i64::from(d.entries_per_week(w.rural())) - got(&entries).unwrap_or(0);
            if n > 0 {
                short(
                    m,
                    Measure::EntryWeeksShort,
                    1,
                    absence("entries", period.clone(), None, n),
                );
            }
            if d.key_person_visits {
                for (person, label) in missed
                    .get(&(w.grid_path.clone(), monday))
                    .into_iter()
                    .flatten()
                {
                    m.add(
                        Measure::KeyPersonWeeksMissed,
                        1,
                        [Evidence::Absence {
                            what: "key_person".to_string(),
                            period: period.clone(),
                            subject: Some(*person),
                            short: 1,
                            label: label.clone(),
                        }],
                    );
                }
            }
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct KeyPerson {
    id: i64,
    path: String,
    household_id: Option<i64>,
    name: String,
    id_masked: String,
    since: String,
    until: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Seen {
    target_kind: String,
    target_id: i64,
    household_id: Option<i64>,
    day: String,
}

/// Per (grid path, week Monday): the weekly key persons of the grid not visited that week,
/// with a label of their name and masked id number. Tags are matched by blind index only.
async fn key_persons_missed(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    who: &Who,
    f: &Frame,
) -> Result<HashMap<(String, Date), Vec<(i64, String)>>, Error> {
    let mut out: HashMap<(String, Date), Vec<(i64, String)>> = HashMap::new();
    let Some((from, to)) = f.week_span() else {
        return Ok(out);
    };
    let tags: Vec<String> = KeyGroup::ALL
        .iter()
        .filter(|g| g.default_duty() == VisitDuty::Weekly)
        .map(|g| keys.blind_index(INDEX_TAG, g.as_str()))
        .collect();
    let args = || {
        let mut a: Vec<Arg> = vec![
            format!("{}%", who.prefix).into(),
            from.to_string().into(),
            to.to_string().into(),
        ];
        a.extend(tags.iter().map(|t| Arg::from(t.as_str())));
        a
    };
    let tag_in = placeholders(4, tags.len());
    let people: Vec<KeyPerson> = fetch_all(
        h,
        format!(
            "SELECT p.id, p.path, p.household_id, p.name, p.id_masked, t.since, t.until \
             FROM people p JOIN person_tags t ON t.person_id = p.id \
             WHERE p.path LIKE $1 AND t.path LIKE $1 AND p.removed_at IS NULL \
             AND t.tag_index IN ({tag_in}) AND t.since <= $3 \
             AND (t.until IS NULL OR t.until >= $2) ORDER BY p.id"
        ),
        args(),
    )
    .await?;
    if people.is_empty() {
        return Ok(out);
    }
    let seen: Vec<Seen> = fetch_all(
        h,
        format!(
            "SELECT DISTINCT v.target_kind, v.target_id, v.household_id, v.day FROM visits v \
             WHERE v.path LIKE $1 AND v.day >= $2 AND v.day <= $3 AND (\
             (v.target_kind = 'person' AND v.target_id IN (SELECT t.person_id FROM person_tags t \
             WHERE t.path LIKE $1 AND t.tag_index IN ({tag_in}))) OR v.household_id IN \
             (SELECT p.household_id FROM people p JOIN person_tags t ON t.person_id = p.id \
             WHERE t.path LIKE $1 AND t.tag_index IN ({tag_in})))"
        ),
        args(),
    )
    .await?;
    let mut persons: HashSet<(i64, Date)> = HashSet::new();
    let mut households: HashSet<(i64, Date)> = HashSet::new();
    for s in seen {
        let Ok(d) = Date::parse(&s.day) else {
            continue;
        };
        let monday = periods::week_start(d);
        if s.target_kind == "person" {
            persons.insert((s.target_id, monday));
        }
        if let Some(hh) = s.household_id {
            households.insert((hh, monday));
        }
    }
    // A person with two weekly tags is listed once a week.
    let mut listed: HashSet<(i64, Date)> = HashSet::new();
    for p in &people {
        for &monday in &f.weeks {
            let sunday = monday.add_days(6).unwrap_or(monday);
            let open = p.since.as_str() <= sunday.to_string().as_str()
                && p.until
                    .as_deref()
                    .is_none_or(|u| u >= monday.to_string().as_str());
            if !open || !listed.insert((p.id, monday)) {
                continue;
            }
            let visited = persons.contains(&(p.id, monday))
                || p.household_id
                    .is_some_and(|hh| households.contains(&(hh, monday)));
            if !visited {
                out.entry((p.path.clone(), monday))
                    .or_default()
                    .push((p.id, format!("{} {}", p.name, p.id_masked)));
            }
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct MonthCount {
    id: i64,
    month: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct PathN {
    path: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct LedgerRow {
    id: i64,
    worker_id: i64,
    month: String,
    status: String,
    submitted_at: Option<i64>,
}

/// Households visited a month, and ledgers.
async fn monthly(
    h: &mut Handle<'_>,
    who: &Who,
    ws: &[W],
    book: &DutyBook,
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let q = f.quarter;
    let mut args = who.args();
    args.push(q.start().to_string().into());
    args.push(q.end().to_string().into());
    let visited: Vec<MonthCount> = fetch_all(
        h,
        format!(
            "SELECT worker_id AS id, SUBSTR(day, 1, 7) AS month, \
             CAST(COUNT(DISTINCT household_id) AS BIGINT) AS n FROM visits \
             WHERE worker_id IN ({WORKERS}) AND day >= $3 AND day <= $4 \
             AND household_id IS NOT NULL GROUP BY worker_id, SUBSTR(day, 1, 7)"
        ),
        args,
    )
    .await?;
    let visited: HashMap<(i64, String), i64> = visited
        .into_iter()
        .map(|r| ((r.id, r.month), r.n))
        .collect();
    // The running counts the basic register keeps per grid.
    let hh: HashMap<String, i64> = fetch_all::<PathN>(
        h,
        "SELECT path, CAST(n AS BIGINT) AS n FROM basic_counts \
         WHERE path LIKE $1 AND metric = 'households'"
            .to_string(),
        vec![format!("{}%", who.prefix).into()],
    )
    .await?
    .into_iter()
    .map(|r| (r.path, r.n))
    .collect();
    let mut args = who.args();
    args.push(q.months()[0].clone().into());
    args.push(q.months()[2].clone().into());
    let ledgers: Vec<LedgerRow> = fetch_all(
        h,
        format!(
            "SELECT id, worker_id, month, status, submitted_at FROM ledgers \
             WHERE worker_id IN ({WORKERS}) AND month >= $3 AND month <= $4"
        ),
        args,
    )
    .await?;
    let ledgers: HashMap<(i64, String), LedgerRow> = ledgers
        .into_iter()
        .map(|r| ((r.worker_id, r.month.clone()), r))
        .collect();

    for w in ws {
        let Some(m) = out.get_mut(&w.id) else {
            continue;
        };
        let first = w.first_day();
        let households = hh.get(&w.grid_path).copied().unwrap_or(0);
        for month_start in q
            .months()
            .iter()
            .filter_map(|k| periods::parse_month(k))
            .map(|(s, _)| s)
            .filter(|s| Some(*s) >= first)
        {
            let key = periods::month_key(month_start);
            let d = book.at(&w.grid_path, month_start);
            if f.months.contains(&month_start) {
                let need = i64::from(d.households_per_month).min(households);
                let n = need
                    - visited
                        .get(&(w.id, key.clone()))
                        .copied()
                        .unwrap_or(0)
                        .min(need);
                short(
                    m,
                    Measure::OrdinaryVisitsShort,
                    n,
                    absence("households", key.clone(), None, n),
                );
            }
            // The final day of the ledger falls in the next month.
            let next = periods::month_end(month_start).add_days(1);
            let Some(next) = next else {
                continue;
            };
            let final_day = next
                .add_days(i64::from(d.ledger_final_day.max(1)) - 1)
                .map(|x| x.min(periods::month_end(next)))
                .unwrap_or(next);
            if final_day >= f.today {
                continue;
            }
            let on_time = ledgers.get(&(w.id, key.clone())).filter(|l| {
                l.status != "draft" && l.submitted_at.is_some_and(|t| t < end_ms(final_day))
            });
            if on_time.is_none() {
                let ev = match ledgers.get(&(w.id, key.clone())) {
                    Some(l) => Evidence::Record {
                        kind: "ledger".to_string(),
                        id: l.id,
                        label: key.clone(),
                    },
                    None => absence("ledger", key.clone(), None, 1),
                };
                m.add(Measure::LedgersLate, 1, [ev]);
            }
        }
    }
    Ok(())
}

/// Working days with too little time in the grid, and without a log-in.
async fn daily(
    h: &mut Handle<'_>,
    who: &Who,
    ws: &[W],
    book: &DutyBook,
    cal: &Calendar,
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let (Some(&from), Some(&to)) = (f.days.first(), f.days.last()) else {
        return Ok(());
    };
    let patrol = id_days(
        h,
        who,
        format!(
            "SELECT worker_id AS id, day, CAST(seconds_inside AS BIGINT) AS n FROM patrol_days \
             WHERE worker_id IN ({WORKERS}) AND day >= $3 AND day <= $4"
        ),
        from,
        to,
    )
    .await?;
    let logins = id_days(
        h,
        who,
        format!(
            "SELECT user_id AS id, day, CAST(1 AS BIGINT) AS n FROM login_days \
             WHERE user_id IN ({WORKERS}) AND day >= $3 AND day <= $4"
        ),
        from,
        to,
    )
    .await?;
    let patrol = per(&patrol, |d| d);
    let logins = per(&logins, |d| d);
    let work_days: Vec<Date> = f
        .days
        .iter()
        .copied()
        .filter(|d| working(cal, *d) == Some(true))
        .collect();
    for w in ws {
        let Some(m) = out.get_mut(&w.id) else {
            continue;
        };
        let first = w.first_day();
        for &day in work_days.iter().filter(|d| Some(**d) >= first) {
            let d = book.at(&w.grid_path, day);
            let need = i64::from(d.minutes_in_grid_per_day);
            let minutes = patrol.get(&(w.id, day)).copied().unwrap_or(0) / 60;
            if minutes < need {
                short(
                    m,
                    Measure::PatrolDaysShort,
                    1,
                    absence("patrol_day", day.to_string(), None, need - minutes),
                );
            }
            if d.daily_login && !logins.contains_key(&(w.id, day)) {
                short(
                    m,
                    Measure::LoginDaysMissed,
                    1,
                    absence("login_day", day.to_string(), None, 1),
                );
            }
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Invite {
    user_id: i64,
    meeting_id: i64,
    title: String,
    day: String,
    attendance: Option<String>,
    report_required: bool,
    report_handed: bool,
}

/// Meetings held before today: lateness, unexcused absence, reports not handed.
async fn meetings(
    h: &mut Handle<'_>,
    who: &Who,
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let (Some(&from), Some(&to)) = (f.days.first(), f.days.last()) else {
        return Ok(());
    };
    let mut args = who.args();
    args.push(from.to_string().into());
    args.push(to.to_string().into());
    let rows: Vec<Invite> = fetch_all(
        h,
        format!(
            "SELECT i.user_id, m.id AS meeting_id, m.title, m.day, i.attendance, \
             m.report_required, i.report_handed FROM meeting_invitees i \
             JOIN meetings m ON m.id = i.meeting_id \
             WHERE i.user_id IN ({WORKERS}) AND m.day >= $3 AND m.day <= $4 \
             AND i.attendance IS NOT NULL ORDER BY m.day, m.id"
        ),
        args,
    )
    .await?;
    for r in rows {
        let Some(m) = out.get_mut(&r.user_id) else {
            continue;
        };
        let ev = || Evidence::Record {
            kind: "meeting".to_string(),
            id: r.meeting_id,
            label: format!("{} {}", r.day, r.title),
        };
        let att = r.attendance.as_deref().unwrap_or("");
        match att {
            "late" | "left_early" => m.add(Measure::LateOrLeftEarly, 1, [ev()]),
            "absent" => m.add(Measure::UnexcusedAbsence, 1, [ev()]),
            _ => {}
        }
        if r.report_required && !r.report_handed && matches!(att, "present" | "late" | "left_early")
        {
            m.add(Measure::ReportNotHanded, 1, [ev()]);
        }
    }
    Ok(())
}

/// Changes to basic records the workers made in the quarter; judged once it is over.
async fn updates(
    h: &mut Handle<'_>,
    who: &Who,
    ws: &[W],
    f: &Frame,
    out: &mut HashMap<i64, Measures>,
) -> Result<(), Error> {
    let q = f.quarter;
    if q.end() >= f.today {
        return Ok(());
    }
    let mut args = who.args();
    args.push(day_start_ms(q.start()).into());
    args.push(end_ms(q.end()).into());
    let rows: Vec<IdN> = fetch_all(
        h,
        format!(
            "SELECT actor_user_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM record_history \
             WHERE actor_user_id IN ({WORKERS}) AND at >= $3 AND at < $4 GROUP BY actor_user_id"
        ),
        args,
    )
    .await?;
    let changed: HashSet<i64> = rows.into_iter().filter(|r| r.n > 0).map(|r| r.id).collect();
    for w in ws {
        // Someone who joined after the quarter began is not asked for its update.
        let joined_in_time = w
            .first_day()
            .is_some_and(|d| d <= q.start().add_days(1).unwrap_or(d));
        if changed.contains(&w.id) || !joined_in_time {
            continue;
        }
        if let Some(m) = out.get_mut(&w.id) {
            m.add(
                Measure::QuarterlyUpdateMissed,
                1,
                [absence("quarterly_update", q.to_string(), None, 1)],
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_per_week() {
        let rows = vec![
            IdDay {
                id: 1,
                day: "2026-07-06".into(),
                n: 1,
            },
            IdDay {
                id: 1,
                day: "2026-07-12".into(),
                n: 2,
            },
            IdDay {
                id: 1,
                day: "2026-07-13".into(),
                n: 5,
            },
        ];
        let w = per(&rows, periods::week_start);
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(w.get(&(1, d("2026-07-06"))), Some(&3));
        assert_eq!(w.get(&(1, d("2026-07-13"))), Some(&5));
        assert_eq!(placeholders(4, 2), "$4, $5");
    }
}
