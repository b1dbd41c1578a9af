//! Read-only views of closed quarters: a township's ranking, a county's comparison of its
//! townships, the year-end summary of an area's workers.
//!
//! The result in force of a worker and quarter is the newest `assess_results` row (the highest
//! id) of that closed quarter: corrections are appended, never edited. Every function takes a
//! node path the caller has checked against their scope, and reads only rows under it.

use std::collections::HashMap;

use serde::Serialize;
use wangge_domain::assessment::grade::Grade;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::workbench::logins::Cause;
use wangge_domain::{Error, err};

use crate::basic::{Arg, fetch_all};
use crate::db::{Handle, sql_error};
use crate::workbench::rules;

/// The most workers one ranking lists (a township holds a few hundred at most).
pub const MAX_RANKED: i64 = 20_000;
/// The most townships one comparison lists.
pub const MAX_TOWNSHIPS: i64 = 500;
/// The most workers one page of the year-end summary holds.
pub const MAX_PER_PAGE: i64 = 100;

/// A township's closed quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ClosedQuarter {
    pub id: i64,
    pub node_id: i64,
    pub path: String,
    pub quarter: String,
    pub subsidy_cents: i64,
    pub reward_pool_cents: i64,
    pub workers: i64,
    pub closed_by_name: String,
    pub closed_at: i64,
}

/// A worker's result in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ResultRow {
    pub id: i64,
    pub quarter_id: i64,
    pub quarter: String,
    pub user_id: i64,
    pub user_name: String,
    pub path: String,
    pub kind: String,
    pub reason: String,
    pub total_centi: i64,
    pub basic_centi: i64,
    pub satisfaction_centi: i64,
    pub grade: String,
    pub rank: i64,
    pub pay_cents: i64,
    pub unqualified_streak: i64,
    pub not_reengage: bool,
    pub veto: Option<String>,
    pub created_at: i64,
}

impl ResultRow {
    /// The row in force is a correction of the result written at close.
    pub fn corrected(&self) -> bool {
        self.kind == "correction"
    }
}

/// How many of each grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    pub excellent: i64,
    pub qualified: i64,
    pub unqualified: i64,
}

impl GradeCounts {
    fn add(&mut self, grade: &str) {
        match Grade::parse(grade) {
            Some(Grade::Excellent) => self.excellent += 1,
            Some(Grade::Qualified) => self.qualified += 1,
            Some(Grade::Unqualified) => self.unqualified += 1,
            None => {}
        }
    }

    pub fn total(&self) -> i64 {
        self.excellent + self.qualified + self.unqualified
    }
}

/// A township's ranking for a closed quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranking {
    pub closed: ClosedQuarter,
    /// Best first (rank, then name).
    pub rows: Vec<ResultRow>,
    pub counts: GradeCounts,
    pub pay_total_cents: i64,
}

const CLOSED_SQL: &str = "SELECT id, node_id, path, quarter, subsidy_cents, reward_pool_cents, \
    workers, closed_by_name, closed_at FROM assess_quarters";

/// The closed quarter of a township under `prefix`, if it has been closed.
pub async fn closed(
    h: &mut Handle<'_>,
    prefix: &str,
    node_id: i64,
    quarter: Quarter,
) -> Result<Option<ClosedQuarter>, Error> {
    let sql = format!("{CLOSED_SQL} WHERE node_id = $1 AND quarter = $2 AND path LIKE $3");
    q!(
        h,
        fetch_optional,
        ClosedQuarter,
        sqlx::AssertSqlSafe(sql),
        node_id,
        quarter.to_string(),
        like(prefix)
    )
    .map_err(sql_error)
}

/// The rows in force: the newest row of each worker (bound as `$1` the quarter id).
const IN_FORCE_SQL: &str = "SELECT r.id, r.quarter_id, r.quarter, r.user_id, r.user_name, r.path, \
    r.kind, r.reason, r.total_centi, r.basic_centi, r.satisfaction_centi, r.grade, r.rank, \
    r.pay_cents, r.unqualified_streak, r.not_reengage, r.veto, r.created_at \
    FROM assess_results r JOIN (SELECT user_id, MAX(id) AS id FROM assess_results \
    WHERE quarter_id = $1 GROUP BY user_id) m ON m.id = r.id";

/// The results in force of a closed quarter, best first.
pub async fn in_force(h: &mut Handle<'_>, quarter_id: i64) -> Result<Vec<ResultRow>, Error> {
    let sql = format!("{IN_FORCE_SQL} ORDER BY r.rank, r.total_centi DESC, r.user_id LIMIT $2");
    q!(
        h,
        fetch_all,
        ResultRow,
        sqlx::AssertSqlSafe(sql),
        quarter_id,
        MAX_RANKED
    )
    .map_err(sql_error)
}

/// A township's ranking for `quarter`; `None` while the quarter is not closed there.
pub async fn ranking(
    h: &mut Handle<'_>,
    township_path: &str,
    township_id: i64,
    quarter: Quarter,
) -> Result<Option<Ranking>, Error> {
    let Some(closed) = closed(h, township_path, township_id, quarter).await? else {
        return Ok(None);
    };
    let rows = in_force(h, closed.id).await?;
    let mut counts = GradeCounts::default();
    let mut pay_total_cents = 0;
    for r in &rows {
        counts.add(&r.grade);
        pay_total_cents += r.pay_cents;
    }
    Ok(Some(Ranking {
        closed,
        rows,
        counts,
        pay_total_cents,
    }))
}

/// One township of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TownshipLine {
    pub node_id: i64,
    pub code: String,
    pub name: String,
    pub closed: bool,
    pub quarter_id: Option<i64>,
    pub workers: i64,
    /// Sum of the totals (centi-points), for the mean.
    pub total_sum_centi: i64,
    pub counts: GradeCounts,
    pub pay_cents: i64,
}

impl TownshipLine {
    /// The mean score in centi-points, rounded half up; none without workers.
    pub fn mean_centi(&self) -> Option<i64> {
        (self.workers > 0).then(|| (2 * self.total_sum_centi + self.workers) / (2 * self.workers))
    }

    /// `n` of the workers, in tenths of a percent (rounded half up); 0 without workers.
    pub fn share_permille(&self, n: i64) -> i64 {
        if self.workers > 0 {
            (2000 * n + self.workers) / (2 * self.workers)
        } else {
            0
        }
    }
}

#[derive(sqlx::FromRow)]
struct TownshipRow {
    id: i64,
    code: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct Aggregate {
    quarter_id: i64,
    workers: i64,
    total_sum: i64,
    excellent: i64,
    qualified: i64,
    unqualified: i64,
    pay: i64,
}

/// Every township under `area_path` for `quarter`, closed or not, in code order: the results
/// in force counted per closed quarter in one GROUP BY.
pub async fn compare(
    h: &mut Handle<'_>,
    area_path: &str,
    quarter: Quarter,
) -> Result<Vec<TownshipLine>, Error> {
    let townships: Vec<TownshipRow> = q!(
        h,
        fetch_all,
        TownshipRow,
        "SELECT id, code, name FROM nodes WHERE kind = 'township' AND path LIKE $1 \
         AND retired_at IS NULL ORDER BY code LIMIT $2",
        like(area_path),
        MAX_TOWNSHIPS
    )
    .map_err(sql_error)?;
    let sql = format!("{CLOSED_SQL} WHERE path LIKE $1 AND quarter = $2");
    let closed: Vec<ClosedQuarter> = q!(
        h,
        fetch_all,
        ClosedQuarter,
        sqlx::AssertSqlSafe(sql),
        like(area_path),
        quarter.to_string()
    )
    .map_err(sql_error)?;
    let aggregates: Vec<Aggregate> = q!(
        h,
        fetch_all,
        Aggregate,
        "SELECT r.quarter_id, CAST(COUNT(*) AS BIGINT) AS workers, \
         CAST(SUM(r.total_centi) AS BIGINT) AS total_sum, \
         CAST(SUM(CASE WHEN r.grade = 'excellent' THEN 1 ELSE 0 END) AS BIGINT) AS excellent, \
         CAST(SUM(CASE WHEN r.grade = 'qualified' THEN 1 ELSE 0 END) AS BIGINT) AS qualified, \
         CAST(SUM(CASE WHEN r.grade = 'unqualified' THEN 1 ELSE 0 END) AS BIGINT) AS unqualified, \
         CAST(SUM(r.pay_cents) AS BIGINT) AS pay \
         FROM assess_results r JOIN (SELECT user_id, quarter_id, MAX(id) AS id FROM assess_results \
         WHERE path LIKE $1 AND quarter = $2 GROUP BY user_id, quarter_id) m ON m.id = r.id \
         GROUP BY r.quarter_id",
        like(area_path),
        quarter.to_string()
    )
    .map_err(sql_error)?;
    let by_node: HashMap<i64, i64> = closed.iter().map(|c| (c.node_id, c.id)).collect();
    let by_quarter: HashMap<i64, Aggregate> =
        aggregates.into_iter().map(|a| (a.quarter_id, a)).collect();
    Ok(townships
        .into_iter()
        .map(|t| {
            let quarter_id = by_node.get(&t.id).copied();
            let a = quarter_id.and_then(|q| by_quarter.get(&q));
            TownshipLine {
                node_id: t.id,
                code: t.code,
                name: t.name,
                closed: quarter_id.is_some(),
                quarter_id,
                workers: a.map_or(0, |a| a.workers),
                total_sum_centi: a.map_or(0, |a| a.total_sum),
                counts: GradeCounts {
                    excellent: a.map_or(0, |a| a.excellent),
                    qualified: a.map_or(0, |a| a.qualified),
                    unqualified: a.map_or(0, |a| a.unqualified),
                },
                pay_cents: a.map_or(0, |a| a.pay),
            }
        })
        .collect())
}

/// The orders a comparison can be sorted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareSort {
    Code,
    Mean,
    Excellent,
    Unqualified,
    Pay,
    Workers,
}

impl CompareSort {
    pub const ALL: [CompareSort; 6] = [
        CompareSort::Code,
        CompareSort::Mean,
        CompareSort::Excellent,
        CompareSort::Unqualified,
        CompareSort::Pay,
        CompareSort::Workers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareSort::Code => "code",
            CompareSort::Mean => "mean",
            CompareSort::Excellent => "excellent",
            CompareSort::Unqualified => "unqualified",
            CompareSort::Pay => "pay",
            CompareSort::Workers => "workers",
        }
    }

    pub fn parse(s: &str) -> Option<CompareSort> {
        CompareSort::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Sorts a comparison: by code ascending, else by the key descending (shares of excellent and
/// unqualified, so that townships of different sizes compare), open townships last, ties by code.
pub fn sort_lines(lines: &mut [TownshipLine], key: CompareSort) {
    let value = |l: &TownshipLine| -> i64 {
        match key {
            CompareSort::Code => 0,
            CompareSort::Mean => l.mean_centi().unwrap_or(-1),
            CompareSort::Excellent => l.share_permille(l.counts.excellent),
            CompareSort::Unqualified => l.share_permille(l.counts.unqualified),
            CompareSort::Pay => l.pay_cents,
            CompareSort::Workers => l.workers,
        }
    };
    lines.sort_by(|a, b| {
        b.closed
            .cmp(&a.closed)
            .then(value(b).cmp(&value(a)))
            .then(a.code.cmp(&b.code))
    });
    if key == CompareSort::Code {
        lines.sort_by(|a, b| a.code.cmp(&b.code));
    }
}

/// A worker of the year-end summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct YearWorker {
    pub user_id: i64,
    pub name: String,
    pub username: String,
    /// Empty when the worker has left the area (listed for a result written while in it).
    pub grid_name: String,
    pub grid_path: String,
}

/// One quarter of a worker's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterCell {
    pub quarter: String,
    pub grade: String,
    pub total_centi: i64,
    pub corrected: bool,
    pub not_reengage: bool,
}

/// A criticism notice of the year, briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NoticeBrief {
    pub id: i64,
    pub user_id: i64,
    pub period: String,
    pub cause: String,
    pub status: String,
}

/// A worker's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearLine {
    pub worker: YearWorker,
    /// Q1 to Q4; none for a quarter not closed (or the worker had no result in it).
    pub quarters: [Option<QuarterCell>; 4],
    /// The mean of the closed quarters' totals, centi-points rounded half up.
    pub mean_centi: Option<i64>,
    pub unqualified: i64,
    pub not_reengage: bool,
    /// Every criticism notice of the year (drafts included, with their status).
    pub notices: Vec<NoticeBrief>,
    /// Months (`YYYY-MM`) without any log-in, for the year-end review: the notices of cause
    /// `no_login_month`, the same set `workbench::logins::year_end` lists for the area.
    pub no_login_months: Vec<String>,
    pub trainings_attended: i64,
    pub trainings_required: i64,
}

/// A page of the year-end summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearPage {
    pub year: i32,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub lines: Vec<YearLine>,
}

/// The workers of an area in a year: those active under it now, and those with a result under
/// it that year (who may have left since). `$1` the prefix, `$2` the year's quarter pattern.
const YEAR_WORKERS_WHERE: &str = "FROM users u LEFT JOIN nodes n ON n.id = u.node_id \
    WHERE (u.role = 'worker' AND u.active AND n.path LIKE $1) \
    OR u.id IN (SELECT r.user_id FROM assess_results r WHERE r.path LIKE $1 AND r.quarter LIKE $2)";

#[derive(sqlx::FromRow)]
struct YearResult {
    user_id: i64,
    quarter: String,
    grade: String,
    total_centi: i64,
    kind: String,
    not_reengage: bool,
}

#[derive(sqlx::FromRow)]
struct UserCount {
    user_id: i64,
    n: i64,
}

/// One page (from 1) of the year-end summary of the area under `prefix`, workers in the
/// tree's order.
pub async fn year(
    h: &mut Handle<'_>,
    prefix: &str,
    year: i32,
    page: i64,
    per_page: i64,
) -> Result<YearPage, Error> {
    let (Some(first), Some(last)) = (Date::new(year, 1, 1), Date::new(year, 12, 31)) else {
        return Err(err!("assess.year_invalid", value = year.to_string()));
    };
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let page = page.max(1);
    let pattern = format!("{year:04}Q%");
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) {YEAR_WORKERS_WHERE}");
    let total = q!(
        h,
        scalar fetch_one,
        i64,
        sqlx::AssertSqlSafe(count_sql),
        like(prefix),
        pattern.clone()
    )
    .map_err(sql_error)?;
    // Only the grids inside the area are named: a worker who moved away shows no grid.
    let list_sql = format!(
        "SELECT u.id AS user_id, u.display_name AS name, u.username, \
         CASE WHEN n.path LIKE $1 THEN n.name ELSE '' END AS grid_name, \
         CASE WHEN n.path LIKE $1 THEN n.path ELSE '' END AS grid_path \
         {YEAR_WORKERS_WHERE} ORDER BY grid_path, u.id LIMIT $3 OFFSET $4"
    );
    let workers: Vec<YearWorker> = q!(
        h,
        fetch_all,
        YearWorker,
        sqlx::AssertSqlSafe(list_sql),
        like(prefix),
        pattern.clone(),
        per_page,
        (page - 1).saturating_mul(per_page)
    )
    .map_err(sql_error)?;
    let mut lines = Vec::with_capacity(workers.len());
    if workers.is_empty() {
        return Ok(YearPage {
            year,
            total,
            page,
            per_page,
            lines,
        });
    }
    let ids: Vec<i64> = workers.iter().map(|w| w.user_id).collect();
    let with_ids = |mut a: Vec<Arg>| {
        a.extend(ids.iter().map(|i| Arg::from(*i)));
        a
    };
    let results: Vec<YearResult> = fetch_all(
        h,
        format!(
            "SELECT r.user_id, r.quarter, r.grade, r.total_centi, r.kind, r.not_reengage \
             FROM assess_results r JOIN (SELECT user_id, quarter_id, MAX(id) AS id \
             FROM assess_results WHERE path LIKE $1 AND quarter LIKE $2 AND user_id IN ({}) \
             GROUP BY user_id, quarter_id) m ON m.id = r.id ORDER BY r.quarter, r.id",
            placeholders(3, ids.len())
        ),
        with_ids(vec![like(prefix).into(), pattern.as_str().into()]),
    )
    .await?;
    let notices: Vec<NoticeBrief> = fetch_all(
        h,
        format!(
            "SELECT id, user_id, period, cause, status FROM criticism_notices \
             WHERE path LIKE $1 AND period LIKE $2 AND user_id IN ({}) ORDER BY period, id",
            placeholders(3, ids.len())
        ),
        with_ids(vec![like(prefix).into(), format!("{year:04}%").into()]),
    )
    .await?;
    let trainings: Vec<UserCount> = fetch_all(
        h,
        format!(
            "SELECT i.user_id, CAST(COUNT(*) AS BIGINT) AS n FROM meeting_invitees i \
             JOIN meetings m ON m.id = i.meeting_id WHERE m.kind = 'training' \
             AND m.day >= $1 AND m.day <= $2 AND i.attendance IN ('present', 'late', 'left_early') \
             AND i.user_id IN ({}) GROUP BY i.user_id",
            placeholders(3, ids.len())
        ),
        with_ids(vec![first.to_string().into(), last.to_string().into()]),
    )
    .await?;
    let attended: HashMap<i64, i64> = trainings.into_iter().map(|t| (t.user_id, t.n)).collect();
    // Duties are kept at a county or township, so grids share them: one look-up per grid.
    let mut required: HashMap<String, i64> = HashMap::new();
    for w in &workers {
        if !w.grid_path.is_empty() && !required.contains_key(&w.grid_path) {
            let d = rules::in_force(h, &w.grid_path, last).await?;
            required.insert(w.grid_path.clone(), i64::from(d.trainings_per_year));
        }
    }
    for w in workers {
        let mut quarters: [Option<QuarterCell>; 4] = Default::default();
        for r in results.iter().filter(|r| r.user_id == w.user_id) {
            let Some(q) = Quarter::parse(&r.quarter) else {
                continue;
            };
            // A worker moved between townships within a quarter could hold two closed rows;
            // the later row (results are ordered by id) stands.
            if let Some(slot) = usize::try_from(q.q() - 1)
                .ok()
                .and_then(|i| quarters.get_mut(i))
            {
                *slot = Some(QuarterCell {
                    quarter: r.quarter.clone(),
                    grade: r.grade.clone(),
                    total_centi: r.total_centi,
                    corrected: r.kind == "correction",
                    not_reengage: r.not_reengage,
                });
            }
        }
        let closed: Vec<&QuarterCell> = quarters.iter().flatten().collect();
        let n = i64::try_from(closed.len()).unwrap_or(0);
        let sum: i64 = closed.iter().map(|c| c.total_centi).sum();
        let mean_centi = (n > 0).then(|| (2 * sum + n) / (2 * n));
        let unqualified = i64::try_from(
            closed
                .iter()
                .filter(|c| c.grade == Grade::Unqualified.as_str())
                .count(),
        )
        .unwrap_or(0);
        let not_reengage = closed.iter().any(|c| c.not_reengage);
        let mine: Vec<NoticeBrief> = notices
            .iter()
            .filter(|x| x.user_id == w.user_id)
            .cloned()
            .collect();
        let no_login_months = mine
            .iter()
            .filter(|x| x.cause == Cause::NoLoginMonth.as_str())
            .map(|x| x.period.clone())
            .collect();
        lines.push(YearLine {
            trainings_attended: attended.get(&w.user_id).copied().unwrap_or(0),
            trainings_required: required.get(&w.grid_path).copied().unwrap_or(0),
            worker: w,
            quarters,
            mean_centi,
            unqualified,
            not_reengage,
            notices: mine,
            no_login_months,
        });
    }
    Ok(YearPage {
        year,
        total,
        page,
        per_page,
        lines,
    })
}

fn like(prefix: &str) -> String {
    format!("{prefix}%")
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn line(
        code: &str,
        closed: bool,
        workers: i64,
        sum: i64,
        ex: i64,
        un: i64,
        pay: i64,
    ) -> TownshipLine {
        TownshipLine {
            node_id: 1,
            code: code.into(),
            name: code.into(),
            closed,
            quarter_id: closed.then_some(1),
            workers,
            total_sum_centi: sum,
            counts: GradeCounts {
                excellent: ex,
                qualified: workers - ex - un,
                unqualified: un,
            },
            pay_cents: pay,
        }
    }

    #[test]
    fn means_and_shares_round_half_up() {
        let l = line("a", true, 3, 25_001, 1, 1, 0);
        assert_eq!(l.mean_centi(), Some(8334));
        assert_eq!(l.share_permille(1), 333);
        assert_eq!(l.share_permille(2), 667);
        let empty = line("b", false, 0, 0, 0, 0, 0);
        assert_eq!(empty.mean_centi(), None);
        assert_eq!(empty.share_permille(0), 0);
    }

    #[test]
    fn sorts_by_key_with_open_townships_last() {
        let mut v = vec![
            line("c", true, 10, 800_000, 1, 0, 500),
            line("a", false, 0, 0, 0, 0, 0),
            line("b", true, 4, 360_000, 2, 1, 900),
        ];
        sort_lines(&mut v, CompareSort::Mean);
        let codes: Vec<&str> = v.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes, ["b", "c", "a"]);
        sort_lines(&mut v, CompareSort::Unqualified);
        assert_eq!(v[0].code, "b");
        sort_lines(&mut v, CompareSort::Workers);
        assert_eq!(v[0].code, "c");
        sort_lines(&mut v, CompareSort::Code);
        let codes: Vec<&str> = v.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes, ["a", "b", "c"]);
        assert_eq!(CompareSort::parse("pay"), Some(CompareSort::Pay));
        assert_eq!(CompareSort::parse("nope"), None);
    }
}
