//! What the workers under a node have done in a period, counted from the workbench's records
//! (migration 15) and the events they registered, GROUP BY worker so that a village, a township
//! or a county is a handful of queries however many workers it holds. Key persons are found by
//! the blind index of each weekly key group's tag: the sealed tags are never opened.
//!
//! Every function takes a path prefix the caller has checked against their scope.

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::basic::tags::{KeyGroup, VisitDuty};
use wangge_domain::calendar::Date;
use wangge_domain::workbench::periods;
use wangge_domain::workbench::progress::{Counts, LedgerState, Span};

use super::work_days::DaySums;
use crate::basic::{Arg, INDEX_TAG, fetch_all};
use crate::db::{Handle, sql_error};
use crate::seal::KeyRing;

/// A grid worker and their grid.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Worker {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub grid_path: String,
    /// The village or community above the grid.
    pub village_name: String,
}

impl Worker {
    /// A grid in a rural village (村) asks fewer information entries than a community's.
    pub fn rural(&self) -> bool {
        self.village_name.trim_end().ends_with('村')
    }

    /// The path of the village (or community) above the grid.
    pub fn village_path(&self) -> String {
        parent_path(&self.grid_path)
    }
}

/// `/a/b/c/` → `/a/b/`.
pub fn parent_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => trimmed[..=i].to_string(),
        None => "/".to_string(),
    }
}

/// The most workers one view counts (a county of a large city holds a few thousand).
pub const MAX_WORKERS: i64 = 20_000;

/// The paths under `prefix` as a byte-wise range `[lo, hi)`, bound as `$1` and `$2`. Not `LIKE
/// $1`: once PostgreSQL plans a statement generically the pattern is unknown and no index
/// serves it, so every count read the whole `nodes` table (3–6 ms a statement at city scale).
pub(crate) fn under(prefix: &str) -> (String, String) {
    crate::events::seek::reach_range(prefix)
}

/// `col` within `$1`/`$2` of [`under`], in the backend's byte-wise operators.
pub(crate) fn in_range(h: &Handle<'_>, col: &str) -> String {
    let b = h.bytewise();
    format!("{col} {} $1 AND {col} {} $2", b.ge, b.lt)
}

/// The ids of the active workers under the range bound as `$1`/`$2`.
pub(crate) fn workers_of(h: &Handle<'_>) -> String {
    format!(
        "SELECT u.id FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE {} AND u.role = 'worker' AND u.active",
        in_range(h, "n.path")
    )
}

/// Active workers whose grid lies under `prefix`, in the tree's order.
pub async fn workers(h: &mut Handle<'_>, prefix: &str) -> Result<Vec<Worker>, Error> {
    let (lo, hi) = under(prefix);
    let sql = format!(
        "SELECT u.id AS user_id, u.username, u.display_name AS name, n.id AS grid_id, \
         n.code AS grid_code, n.name AS grid_name, n.path AS grid_path, \
         COALESCE(v.name, '') AS village_name \
         FROM users u JOIN nodes n ON n.id = u.node_id LEFT JOIN nodes v ON v.id = n.parent_id \
         WHERE {} AND u.role = 'worker' AND u.active ORDER BY n.path, u.id LIMIT $3",
        in_range(h, "n.path")
    );
    q!(
        h,
        fetch_all,
        Worker,
        sqlx::AssertSqlSafe(sql),
        lo,
        hi,
        MAX_WORKERS
    )
    .map_err(sql_error)
}

/// One worker by id, when their grid lies under `prefix` (else none: out of sight).
pub async fn worker(
    h: &mut Handle<'_>,
    prefix: &str,
    user_id: i64,
) -> Result<Option<Worker>, Error> {
    q!(
        h,
        fetch_optional,
        Worker,
        "SELECT u.id AS user_id, u.username, u.display_name AS name, n.id AS grid_id, \
         n.code AS grid_code, n.name AS grid_name, n.path AS grid_path, \
         COALESCE(v.name, '') AS village_name \
         FROM users u JOIN nodes n ON n.id = u.node_id LEFT JOIN nodes v ON v.id = n.parent_id \
         WHERE n.path LIKE $1 AND u.role = 'worker' AND u.id = $2",
        like(prefix),
        user_id
    )
    .map_err(sql_error)
}

fn like(prefix: &str) -> String {
    format!("{prefix}%")
}

/// The blind indexes of the key groups visited weekly.
fn weekly_tag_indexes(keys: &KeyRing) -> Vec<String> {
    KeyGroup::ALL
        .iter()
        .filter(|g| g.default_duty() == VisitDuty::Weekly)
        .map(|g| keys.blind_index(INDEX_TAG, g.as_str()))
        .collect()
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Milliseconds at the start of a China day.
pub fn day_start_ms(d: Date) -> i64 {
    d.days() * 86_400_000 - 8 * 3_600_000
}

#[derive(sqlx::FromRow)]
struct IdCount {
    id: i64,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct PathCount {
    path: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct IdDay {
    id: i64,
    day: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct IdText {
    id: i64,
    v: String,
}

fn by_id(rows: Vec<IdCount>) -> HashMap<i64, i64> {
    rows.into_iter().map(|r| (r.id, r.n)).collect()
}

/// The counts of every worker under `prefix` for the span, keyed by user id. `minutes_per_day`
/// is the daily time in the grid of the rules in force (a day counts when it was met). The sums
/// per day come from the `work_days` table; what cannot be summed per day (households visited
/// in the month, key persons visited in the week) and what is one row per worker anyway is
/// counted here.
pub async fn counts(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    prefix: &str,
    span: &Span,
    minutes_per_day: u32,
) -> Result<HashMap<i64, Counts>, Error> {
    let mut out = base_counts(h, keys, prefix, span).await?;
    let sums = super::work_days::sums(h, prefix, span, minutes_per_day).await?;
    for (id, c) in out.iter_mut() {
        if let Some(s) = sums.get(id) {
            s.apply(c);
        }
    }
    Ok(out)
}

/// The same counts as [`counts`], every sum read from the records themselves: the reference the
/// `work_days` table is tested against, and the "before" of `wangge bench workbench`.
pub async fn counts_from_records(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    prefix: &str,
    span: &Span,
    minutes_per_day: u32,
) -> Result<HashMap<i64, Counts>, Error> {
    let mut out = base_counts(h, keys, prefix, span).await?;
    let sums = record_sums(h, prefix, span, minutes_per_day).await?;
    for (id, c) in out.iter_mut() {
        if let Some(s) = sums.get(id) {
            s.apply(c);
        }
    }
    Ok(out)
}

/// Every worker's counts but the sums per day (left at zero).
async fn base_counts(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    prefix: &str,
    span: &Span,
) -> Result<HashMap<i64, Counts>, Error> {
    let ws = workers(h, prefix).await?;
    let (lo, hi) = under(prefix);
    let workers = workers_of(h);
    let last = span.last_counted();
    let week = periods::week_start(last);
    let (wk_s, wk_e) = (
        week.to_string(),
        week.add_days(6).unwrap_or(week).to_string(),
    );
    let (m_s, m_e) = (
        periods::month_start(last).to_string(),
        periods::month_end(last).to_string(),
    );
    let households_visited = by_id(
        q!(
            h,
            fetch_all,
            IdCount,
            sqlx::AssertSqlSafe(format!(
                "SELECT worker_id AS id, CAST(COUNT(DISTINCT household_id) AS BIGINT) AS n FROM visits \
             WHERE worker_id IN ({workers}) AND day >= $3 AND day <= $4 \
             AND household_id IS NOT NULL GROUP BY worker_id"
            )),
            &lo,
            &hi,
            &m_s,
            &m_e
        )
        .map_err(sql_error)?,
    );
    let end_ms = day_start_ms(last.add_days(1).unwrap_or(last));
    let entries = by_id(
        q!(
            h,
            fetch_all,
            IdCount,
            sqlx::AssertSqlSafe(format!(
                "SELECT reporter_user_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM events \
             WHERE reporter_user_id IN ({workers}) AND reported_at >= $3 AND reported_at < $4 \
             GROUP BY reporter_user_id"
            )),
            &lo,
            &hi,
            day_start_ms(span.start),
            end_ms
        )
        .map_err(sql_error)?,
    );
    let ledger_month = periods::month_key(
        periods::month_start(last)
            .add_days(-1)
            .unwrap_or(periods::month_start(last)),
    );
    let ledgers: HashMap<i64, String> = q!(
        h,
        fetch_all,
        IdText,
        sqlx::AssertSqlSafe(format!(
            "SELECT worker_id AS id, status AS v FROM ledgers \
         WHERE worker_id IN ({workers}) AND month = $3"
        )),
        &lo,
        &hi,
        &ledger_month
    )
    .map_err(sql_error)?
    .into_iter()
    .map(|r| (r.id, r.v))
    .collect();
    let sql = format!(
        "SELECT path, CAST(COUNT(*) AS BIGINT) AS n FROM households WHERE {} GROUP BY path",
        in_range(h, "path")
    );
    let households: HashMap<String, i64> =
        q!(h, fetch_all, PathCount, sqlx::AssertSqlSafe(sql), &lo, &hi)
            .map_err(sql_error)?
            .into_iter()
            .map(|r| (r.path, r.n))
            .collect();
    let (key_persons, key_visited) = key_person_counts(h, keys, (&lo, &hi), &wk_s, &wk_e).await?;

    let mut out = HashMap::with_capacity(ws.len());
    for w in &ws {
        let id = w.user_id;
        let mut c = Counts {
            key_persons: key_persons.get(&w.grid_path).copied().unwrap_or(0),
            key_persons_visited: key_visited.get(&w.grid_path).copied().unwrap_or(0),
            households: households.get(&w.grid_path).copied().unwrap_or(0),
            households_visited: households_visited.get(&id).copied().unwrap_or(0),
            entries: entries.get(&id).copied().unwrap_or(0),
            ledger: LedgerState::parse(ledgers.get(&id).map(String::as_str)),
            rural: w.rural(),
            ..Counts::default()
        };
        c.households_visited = c.households_visited.min(c.households);
        out.insert(id, c);
    }
    Ok(out)
}

/// The sums per day of [`super::work_days::sums`], counted from the records.
async fn record_sums(
    h: &mut Handle<'_>,
    prefix: &str,
    span: &Span,
    minutes_per_day: u32,
) -> Result<HashMap<i64, DaySums>, Error> {
    let (lo, hi) = under(prefix);
    let workers = workers_of(h);
    let last = span.last_counted();
    let (s, e) = (span.start.to_string(), last.to_string());
    let today = span.today.to_string();
    let family = by_id(
        q!(
            h,
            fetch_all,
            IdCount,
            sqlx::AssertSqlSafe(format!(
                "SELECT worker_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM visits \
             WHERE worker_id IN ({workers}) AND day >= $3 AND day <= $4 \
             AND target_kind IN ('household', 'person') GROUP BY worker_id"
            )),
            &lo,
            &hi,
            &s,
            &e
        )
        .map_err(sql_error)?,
    );
    let diary = by_id(
        q!(
            h,
            fetch_all,
            IdCount,
            sqlx::AssertSqlSafe(format!(
                "SELECT worker_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM diary_entries \
             WHERE worker_id IN ({workers}) AND day >= $3 AND day <= $4 GROUP BY worker_id"
            )),
            &lo,
            &hi,
            &s,
            &e
        )
        .map_err(sql_error)?,
    );
    let sweeps = by_id(
        q!(
            h,
            fetch_all,
            IdCount,
            sqlx::AssertSqlSafe(format!(
                "SELECT worker_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM sweeps \
             WHERE worker_id IN ({workers}) AND week >= $3 AND week <= $4 GROUP BY worker_id"
            )),
            &lo,
            &hi,
            periods::week_start(span.start).to_string(),
            &e
        )
        .map_err(sql_error)?,
    );
    // Days met and days logged in: rows per worker and day, filtered to working days here (a
    // weekday in SQL is not portable).
    let seconds = i64::from(minutes_per_day) * 60;
    let patrol_rows: Vec<IdDay> = q!(
        h,
        fetch_all,
        IdDay,
        sqlx::AssertSqlSafe(format!(
            "SELECT worker_id AS id, day, CAST(seconds_inside AS BIGINT) AS n FROM patrol_days \
         WHERE worker_id IN ({workers}) AND day >= $3 AND day <= $4"
        )),
        &lo,
        &hi,
        &s,
        &e
    )
    .map_err(sql_error)?;
    let login_rows: Vec<IdDay> = q!(
        h,
        fetch_all,
        IdDay,
        sqlx::AssertSqlSafe(format!(
            "SELECT user_id AS id, day, CAST(1 AS BIGINT) AS n FROM login_days \
         WHERE user_id IN ({workers}) AND day >= $3 AND day <= $4"
        )),
        &lo,
        &hi,
        &s,
        &e
    )
    .map_err(sql_error)?;

    let mut out: HashMap<i64, DaySums> = HashMap::new();
    for (id, n) in family {
        at(&mut out, id).family_visits = n;
    }
    for (id, n) in diary {
        at(&mut out, id).diary = n;
    }
    for (id, n) in sweeps {
        at(&mut out, id).sweeps = n;
    }
    let working = |day: &str| {
        Date::parse(day)
            .map(|d| !d.weekday().is_weekend())
            .unwrap_or(false)
    };
    for r in patrol_rows {
        let d = at(&mut out, r.id);
        if r.day == today {
            d.seconds_today = r.n;
        }
        if r.n >= seconds && working(&r.day) {
            d.patrol_days_met += 1;
        }
    }
    for r in login_rows {
        let d = at(&mut out, r.id);
        if r.day == today {
            d.logged_in_today = 1;
        }
        if working(&r.day) {
            d.login_days += 1;
        }
    }
    Ok(out)
}

fn at(out: &mut HashMap<i64, DaySums>, id: i64) -> &mut DaySums {
    out.entry(id).or_insert(DaySums {
        id,
        ..DaySums::default()
    })
}

/// Per grid path: key persons with a weekly duty, and those of them visited in the week (the
/// person, or their household).
async fn key_person_counts(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    (lo, hi): (&str, &str),
    week_start: &str,
    week_end: &str,
) -> Result<(HashMap<String, i64>, HashMap<String, i64>), Error> {
    let tags = weekly_tag_indexes(keys);
    let base = format!(
        "FROM people p WHERE {} AND p.removed_at IS NULL AND p.id IN \
         (SELECT t.person_id FROM person_tags t WHERE {} AND t.until IS NULL \
         AND t.tag_index IN ({}))",
        in_range(h, "p.path"),
        in_range(h, "t.path"),
        placeholders(5, tags.len())
    );
    let visited = "AND (EXISTS (SELECT 1 FROM visits v WHERE v.target_kind = 'person' AND v.target_id = p.id \
         AND v.day >= $3 AND v.day <= $4) OR EXISTS (SELECT 1 FROM visits v WHERE \
         v.household_id = p.household_id AND v.day >= $3 AND v.day <= $4))";
    let args = |tags: &[String]| {
        let mut a: Vec<Arg> = vec![lo.into(), hi.into(), week_start.into(), week_end.into()];
        a.extend(tags.iter().map(|t| Arg::from(t.as_str())));
        a
    };
    // `$3`/`$4` appear in the first query only through a no-op, so both share one list.
    let all: Vec<PathCount> = fetch_all(
        h,
        format!("SELECT p.path, CAST(COUNT(*) AS BIGINT) AS n {base} AND $3 <= $4 GROUP BY p.path"),
        args(&tags),
    )
    .await?;
    let seen: Vec<PathCount> = fetch_all(
        h,
        format!("SELECT p.path, CAST(COUNT(*) AS BIGINT) AS n {base} {visited} GROUP BY p.path"),
        args(&tags),
    )
    .await?;
    let map = |rows: Vec<PathCount>| rows.into_iter().map(|r| (r.path, r.n)).collect();
    Ok((map(all), map(seen)))
}

/// Someone (or a household) the worker has still to visit.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ToVisit {
    /// `household` or `person`: what the visit link targets.
    pub target_kind: String,
    pub target_id: i64,
    /// A person's name, or the household's head and number.
    pub label: String,
}

/// The most names a worker's day lists of each kind.
pub const TO_VISIT_LIMIT: i64 = 30;

/// Key persons of the grid not yet visited this week: their household when they have one (one
/// visit covers it), else the person.
pub async fn key_persons_to_visit(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    grid_path: &str,
    week_start: Date,
) -> Result<Vec<ToVisit>, Error> {
    let tags = weekly_tag_indexes(keys);
    let (ws, we) = (
        week_start.to_string(),
        week_start.add_days(6).unwrap_or(week_start).to_string(),
    );
    let mut args: Vec<Arg> = vec![
        grid_path.into(),
        ws.into(),
        we.into(),
        TO_VISIT_LIMIT.into(),
    ];
    args.extend(tags.iter().map(|t| Arg::from(t.as_str())));
    fetch_all(
        h,
        format!(
            "SELECT CASE WHEN p.household_id IS NULL THEN 'person' ELSE 'household' END AS target_kind, \
             COALESCE(p.household_id, p.id) AS target_id, p.name AS label \
             FROM people p WHERE p.path = $1 AND p.removed_at IS NULL AND p.id IN \
             (SELECT t.person_id FROM person_tags t WHERE t.path = $1 AND t.until IS NULL \
             AND t.tag_index IN ({})) \
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.target_kind = 'person' AND v.target_id = p.id \
             AND v.day >= $2 AND v.day <= $3) \
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = p.household_id \
             AND v.day >= $2 AND v.day <= $3) ORDER BY p.id LIMIT $4",
            placeholders(5, tags.len())
        ),
        args,
    )
    .await
}

/// Households of the grid not yet visited this month, with the head's (or any member's) name.
pub async fn households_to_visit(
    h: &mut Handle<'_>,
    grid_path: &str,
    month_start: Date,
) -> Result<Vec<ToVisit>, Error> {
    q!(
        h,
        fetch_all,
        ToVisit,
        "SELECT 'household' AS target_kind, hh.id AS target_id, \
         COALESCE((SELECT MIN(p.name) FROM people p WHERE p.household_id = hh.id AND p.removed_at IS NULL), '') \
         || ' · ' || hh.household_no AS label \
         FROM households hh WHERE hh.path = $1 AND NOT EXISTS (SELECT 1 FROM visits v \
         WHERE v.household_id = hh.id AND v.day >= $2 AND v.day <= $3) ORDER BY hh.id LIMIT $4",
        grid_path,
        month_start.to_string(),
        periods::month_end(month_start).to_string(),
        TO_VISIT_LIMIT
    )
    .map_err(sql_error)
}

/// One record of a worker's period, for the drill-down.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Record {
    /// `visit`, `diary`, `event`, `sweep` or `patrol`.
    pub kind: String,
    pub id: i64,
    pub day: String,
    pub text: String,
}

/// The most records of each kind a drill-down lists.
pub const RECORDS_LIMIT: i64 = 200;

/// A worker's records in the span, newest first within each kind.
pub async fn records(h: &mut Handle<'_>, user_id: i64, span: &Span) -> Result<Vec<Record>, Error> {
    let last = span.last_counted();
    let (s, e) = (span.start.to_string(), last.to_string());
    let mut out: Vec<Record> = Vec::new();
    let sqls = [
        "SELECT 'visit' AS kind, id, day, target_kind || ' #' || CAST(target_id AS TEXT) || ' ' || seen AS text \
         FROM visits WHERE worker_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC, id DESC LIMIT $4",
        "SELECT 'diary' AS kind, id, day, body AS text FROM diary_entries \
         WHERE worker_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC, id DESC LIMIT $4",
        "SELECT 'sweep' AS kind, id, week AS day, CAST(findings AS TEXT) AS text FROM sweeps \
         WHERE worker_id = $1 AND week >= $2 AND week <= $3 ORDER BY week DESC LIMIT $4",
        "SELECT 'patrol' AS kind, CAST(0 AS BIGINT) AS id, day, CAST(seconds_inside / 60 AS TEXT) AS text \
         FROM patrol_days WHERE worker_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC LIMIT $4",
    ];
    for sql in sqls {
        let week_from = periods::week_start(span.start).to_string();
        let from = if sql.contains("'sweep'") {
            &week_from
        } else {
            &s
        };
        let mut got =
            q!(h, fetch_all, Record, sql, user_id, from, &e, RECORDS_LIMIT).map_err(sql_error)?;
        out.append(&mut got);
    }
    #[derive(sqlx::FromRow)]
    struct Ev {
        id: i64,
        number: String,
        reported_at: i64,
        description: String,
    }
    let evs = q!(
        h,
        fetch_all,
        Ev,
        "SELECT id, number, reported_at, description FROM events WHERE reporter_user_id = $1 \
         AND reported_at >= $2 AND reported_at < $3 ORDER BY reported_at DESC LIMIT $4",
        user_id,
        day_start_ms(span.start),
        day_start_ms(last.add_days(1).unwrap_or(last)),
        RECORDS_LIMIT
    )
    .map_err(sql_error)?;
    out.extend(evs.into_iter().map(|ev| {
        Record {
            kind: "event".to_string(),
            id: ev.id,
            day: Date::from_days((ev.reported_at + 8 * 3_600_000).div_euclid(86_400_000))
                .map(|d| d.to_string())
                .unwrap_or_default(),
            text: format!("{} {}", ev.number, ev.description),
        }
    }));
    for r in &mut out {
        if r.text.chars().count() > 80 {
            r.text = r.text.chars().take(80).collect::<String>() + "…";
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_placeholders() {
        assert_eq!(parent_path("/35/3501/350101/"), "/35/3501/");
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
        // Noon of 2026-12-04 in China is 04:00 UTC.
        let d = Date::parse("2026-12-04").unwrap();
        assert_eq!(day_start_ms(d) % 86_400_000, 16 * 3_600_000);
    }
}
