//! Monthly analysis (研判): for one node and one month, the events reported that month under the
//! node counted by level, category, status and child node, with the on-time rate, the average
//! handling time, the rework total and what is overdue now.
//!
//! Speed: a month of a county holds some 80,000 events, and reading each of them — even only
//! from the covering `events_month` index — costs SQLite about a microsecond per event and
//! aggregate, far over the page's budget. So migration 3 keeps running totals, maintained by
//! triggers on `events` whatever writes it: `event_month_stats` per (month, grid path, level,
//! status) with the count, the closed-with-due-time, on-time, handling-time and rework sums, and
//! `event_month_categories` per (month, grid path, category). A county's month is then a few
//! thousand rows of each, read by primary-key range (`month = ?`, `path LIKE 'prefix%'`). What
//! depends on the present — open events past their due time — comes from `events_open_due`, a
//! partial index holding open events only. [`monthly_from_events`] computes the same figures
//! straight from `events`, for tests to check the totals against and for the benchmark.

use serde::Serialize;
use wangge_domain::err;
use wangge_domain::event::Status;
use wangge_domain::{Error, NodeKind, Scope};

use crate::db::{Handle, sql_error};
use crate::events;

/// The figures of one grid path.
#[derive(Debug, Clone, sqlx::FromRow)]
struct PathTotals {
    path: String,
    n: i64,
    closed: i64,
    closed_with_due: i64,
    on_time: i64,
    handling_ms: i64,
    rework: i64,
}

/// The summary figures of a set of events; the whole scope's and each child's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub total: i64,
    /// Closed (结案) now.
    pub closed: i64,
    /// Closed events that had a due time (a due time past the loaded calendar is missing).
    pub closed_with_due: i64,
    /// Closed on or before their due time.
    pub on_time: i64,
    /// Sum of closed_at − reported_at over the closed events, in milliseconds.
    pub handling_ms: i64,
    /// Rework (返工) rounds over all events.
    pub rework: i64,
    /// Open events whose due time has passed at `now`.
    pub overdue_open: i64,
}

impl Figures {
    /// on_time / closed_with_due; `None` when nothing closed with a due time.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.closed_with_due > 0).then(|| self.on_time as f64 / self.closed_with_due as f64)
    }

    /// Average of closed_at − reported_at over the closed events, in hours.
    pub fn avg_handling_hours(&self) -> Option<f64> {
        (self.closed > 0).then(|| self.handling_ms as f64 / self.closed as f64 / 3_600_000.0)
    }

    fn add(&mut self, c: &PathTotals) {
        self.total += c.n;
        self.closed += c.closed;
        self.closed_with_due += c.closed_with_due;
        self.on_time += c.on_time;
        self.handling_ms += c.handling_ms;
        self.rework += c.rework;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCount {
    /// 1 grid … 5 city.
    pub level: u8,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCount {
    pub status: Status,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub count: i64,
}

/// A top-level category with its leaves that occurred.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryGroup {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub count: i64,
    pub leaves: Vec<CategoryCount>,
}

/// A node one level below the analysed node, with the figures of the events under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildFigures {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// No longer in the tree (a split or merged grid) but events were reported under it.
    pub retired: bool,
    pub figures: Figures,
}

/// The analysis of one node's month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monthly {
    /// YYYYMM.
    pub month: i64,
    /// The analysed node's path (the scope).
    pub path: String,
    pub figures: Figures,
    /// Levels 1 to 5, every one listed.
    pub by_level: Vec<LevelCount>,
    /// Every status, in workflow order.
    pub by_status: Vec<StatusCount>,
    /// Leaf categories that occurred, in the categories' order.
    pub by_category: Vec<CategoryCount>,
    /// Top-level categories that occurred, with their leaves.
    pub by_group: Vec<CategoryGroup>,
    /// The node's children (live ones always, retired ones when events were reported under
    /// them), in code order; empty for a grid.
    pub children: Vec<ChildFigures>,
}

/// Checks a YYYYMM month.
pub fn check_month(month: i64) -> Result<(), Error> {
    let (y, m) = (month / 100, month % 100);
    if (1970..=9999).contains(&y) && (1..=12).contains(&m) {
        Ok(())
    } else {
        Err(err!("analysis.month_invalid", month))
    }
}

/// The queries of one source of figures: per grid path, per (level, status), per category.
struct Source {
    per_path: &'static str,
    per_level_status: &'static str,
    per_category: &'static str,
}

/// From the running totals: each query reads the month's range of one table's primary key; the
/// first streams in key order, the others sort a few thousand rows.
const TOTALS: Source = Source {
    per_path: "SELECT path, CAST(SUM(n) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN status = 'closed' THEN n ELSE 0 END) AS BIGINT) AS closed, \
         CAST(SUM(closed_with_due) AS BIGINT) AS closed_with_due, CAST(SUM(on_time) AS BIGINT) AS on_time, \
         CAST(SUM(handling_ms) AS BIGINT) AS handling_ms, CAST(SUM(rework) AS BIGINT) AS rework \
         FROM event_month_stats WHERE month = $1 AND path LIKE $2 GROUP BY path HAVING SUM(n) <> 0",
    per_level_status: "SELECT level, status, CAST(SUM(n) AS BIGINT) FROM event_month_stats \
         WHERE month = $1 AND path LIKE $2 GROUP BY level, status",
    per_category: "SELECT category_code, CAST(SUM(n) AS BIGINT) FROM event_month_categories \
         WHERE month = $1 AND path LIKE $2 GROUP BY category_code",
};

/// The same straight from the events (through the covering `events_month` index).
const EVENTS: Source = Source {
    per_path: "SELECT path, CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS BIGINT) AS closed, \
         CAST(SUM(CASE WHEN status = 'closed' AND due_at IS NOT NULL AND closed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS closed_with_due, \
         CAST(SUM(CASE WHEN status = 'closed' AND closed_at <= due_at THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
         CAST(SUM(CASE WHEN status = 'closed' AND closed_at IS NOT NULL THEN closed_at - reported_at ELSE 0 END) AS BIGINT) AS handling_ms, \
         CAST(SUM(rework_count) AS BIGINT) AS rework \
         FROM events WHERE month = $1 AND path LIKE $2 GROUP BY path",
    per_level_status: "SELECT level, status, CAST(COUNT(*) AS BIGINT) FROM events \
         WHERE month = $1 AND path LIKE $2 GROUP BY level, status",
    per_category: "SELECT category_code, CAST(COUNT(*) AS BIGINT) FROM events \
         WHERE month = $1 AND path LIKE $2 GROUP BY category_code",
};

/// Open events past their due time, per grid path; the `status IN` list is the partial index's.
const OVERDUE_SQL: &str = "SELECT path, CAST(COUNT(*) AS BIGINT) FROM events \
     WHERE status IN ('reported', 'accepted', 'assigned', 'feedback_given') \
     AND month = $1 AND path LIKE $2 AND due_at < $3 GROUP BY path";

/// The code of the child of `scope_path` that an event path lies under, if any.
fn child_code<'a>(scope_path: &str, event_path: &'a str) -> Option<&'a str> {
    event_path
        .strip_prefix(scope_path)?
        .split('/')
        .next()
        .filter(|c| !c.is_empty())
}

/// The analysis of the events reported in `month` (YYYYMM, local time) under the scope's node,
/// from the running totals. The scope is the analysed node's own (the caller checks that it may
/// see the node).
pub async fn monthly(
    h: &mut Handle<'_>,
    scope: &Scope,
    month: i64,
    now: i64,
) -> Result<Monthly, Error> {
    compute(h, scope, month, now, &TOTALS).await
}

/// The same as [`monthly`], counted from the events themselves (slow on a large month).
pub async fn monthly_from_events(
    h: &mut Handle<'_>,
    scope: &Scope,
    month: i64,
    now: i64,
) -> Result<Monthly, Error> {
    compute(h, scope, month, now, &EVENTS).await
}

async fn compute(
    h: &mut Handle<'_>,
    scope: &Scope,
    month: i64,
    now: i64,
    source: &Source,
) -> Result<Monthly, Error> {
    check_month(month)?;
    let pattern = scope.like_pattern();
    let paths: Vec<PathTotals> =
        q!(h, fetch_all, PathTotals, source.per_path, month, &pattern).map_err(sql_error)?;
    let cells: Vec<(i64, String, i64)> = q!(
        h,
        fetch_all,
        (i64, String, i64),
        source.per_level_status,
        month,
        &pattern
    )
    .map_err(sql_error)?;
    let cats: Vec<(String, i64)> = q!(
        h,
        fetch_all,
        (String, i64),
        source.per_category,
        month,
        &pattern
    )
    .map_err(sql_error)?;
    let overdue: Vec<(String, i64)> = q!(
        h,
        fetch_all,
        (String, i64),
        OVERDUE_SQL,
        month,
        &pattern,
        now
    )
    .map_err(sql_error)?;

    let mut figures = Figures::default();
    let mut levels = [0i64; 5];
    let mut statuses = vec![0i64; Status::ALL.len()];
    let mut per_child: std::collections::BTreeMap<String, Figures> = Default::default();
    for p in &paths {
        figures.add(p);
        if let Some(code) = child_code(scope.path(), &p.path) {
            per_child.entry(code.to_string()).or_default().add(p);
        }
    }
    for (level, status, n) in &cells {
        if let Some(slot) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| levels.get_mut(i))
        {
            *slot += n;
        }
        if let Some(i) =
            Status::parse(status).and_then(|st| Status::ALL.iter().position(|s| *s == st))
            && let Some(slot) = statuses.get_mut(i)
        {
            *slot += n;
        }
    }
    for (path, n) in &overdue {
        figures.overdue_open += n;
        if let Some(code) = child_code(scope.path(), path) {
            per_child.entry(code.to_string()).or_default().overdue_open += n;
        }
    }
    let by_level = (1u8..=5)
        .zip(levels)
        .map(|(level, count)| LevelCount { level, count })
        .collect();
    let by_status = Status::ALL
        .iter()
        .copied()
        .zip(statuses)
        .map(|(status, count)| StatusCount { status, count })
        .collect();

    let (by_category, by_group) = categories(h, &cats).await?;
    let children = children(h, scope, per_child).await?;
    Ok(Monthly {
        month,
        path: scope.path().to_string(),
        figures,
        by_level,
        by_status,
        by_category,
        by_group,
        children,
    })
}

/// Names the counted categories and groups them under their parents, in the categories' order.
async fn categories(
    h: &mut Handle<'_>,
    counts: &[(String, i64)],
) -> Result<(Vec<CategoryCount>, Vec<CategoryGroup>), Error> {
    let all = events::categories(h).await?;
    let count_of = |code: &str| {
        counts
            .iter()
            .filter(|(c, _)| c == code)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let mut leaves = Vec::new();
    let mut groups = Vec::new();
    for parent in all.iter().filter(|c| c.parent_code.is_none()) {
        let mine: Vec<CategoryCount> = all
            .iter()
            .filter(|c| c.parent_code.as_deref() == Some(parent.code.as_str()))
            .map(|c| CategoryCount {
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                count: count_of(&c.code),
            })
            .filter(|c| c.count > 0)
            .collect();
        // A top-level code is not reportable, but count it if a row carries it.
        let own = count_of(&parent.code);
        let count = own + mine.iter().map(|c| c.count).sum::<i64>();
        if count == 0 {
            continue;
        }
        leaves.extend(mine.iter().cloned());
        groups.push(CategoryGroup {
            code: parent.code.clone(),
            name: parent.name.clone(),
            name_en: parent.name_en.clone(),
            count,
            leaves: mine,
        });
    }
    Ok((leaves, groups))
}

/// The node's children with their figures: live ones always, retired ones with events.
async fn children(
    h: &mut Handle<'_>,
    scope: &Scope,
    mut per_child: std::collections::BTreeMap<String, Figures>,
) -> Result<Vec<ChildFigures>, Error> {
    let nodes: Vec<(String, String, String, Option<i64>)> = if scope.path() == "/" {
        q!(h, fetch_all, (String, String, String, Option<i64>),
            "SELECT code, name, kind, retired_at FROM nodes WHERE parent_id IS NULL ORDER BY code")
    } else {
        q!(h, fetch_all, (String, String, String, Option<i64>),
            "SELECT c.code, c.name, c.kind, c.retired_at FROM nodes c JOIN nodes p ON p.id = c.parent_id \
             WHERE p.path = $1 AND c.kind <> 'department' ORDER BY c.code",
            scope.path())
    }
    .map_err(sql_error)?;
    let mut out = Vec::with_capacity(nodes.len());
    for (code, name, kind, retired_at) in nodes {
        let figures = per_child.remove(&code);
        if retired_at.is_some() && figures.is_none() {
            continue;
        }
        // Buildings hang off grids but never hold events.
        if matches!(
            NodeKind::parse(&kind),
            Some(NodeKind::Building | NodeKind::Unit)
        ) {
            continue;
        }
        out.push(ChildFigures {
            code,
            name,
            kind,
            retired: retired_at.is_some(),
            figures: figures.unwrap_or_default(),
        });
    }
    // Events under a code the tree does not know (should not happen): shown by code.
    for (code, figures) in per_child {
        out.push(ChildFigures {
            name: code.clone(),
            code,
            kind: String::new(),
            retired: true,
            figures,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// One synthetic event row for `wangge bench analysis`.
#[derive(Debug, Clone)]
pub struct SyntheticEvent {
    pub number: String,
    pub category_code: String,
    pub complexity: String,
    pub grid_id: i64,
    pub path: String,
    pub level: i64,
    pub urgency: String,
    pub status: Status,
    pub holder_path: String,
    pub reported_at: i64,
    pub month: i64,
    pub due_at: Option<i64>,
    pub final_due_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rework_count: i64,
}

/// Rows per INSERT statement: 20 parameters each stays under SQLite's 32,766.
pub const SYNTHETIC_BATCH: usize = 1000;
const SYNTHETIC_PARAMS: usize = 20;

/// The workflow state a real event with these columns would carry, so that the scheduler and
/// the event API read a synthetic one as they read any (an empty state made them skip it):
/// held by its level's node (the last code of `holder_path`), no assignment, no reminders.
fn synthetic_state(r: &SyntheticEvent) -> String {
    use wangge_domain::event::{EventState, Holder, Urgency, kind_of_level};
    let level = u8::try_from(r.level.clamp(1, 5)).unwrap_or(1);
    let code = r
        .holder_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let holder = Holder::Node {
        kind: kind_of_level(level).unwrap_or(NodeKind::Grid),
        code,
    };
    let state = EventState {
        status: r.status,
        level,
        urgency: Urgency::parse(&r.urgency).unwrap_or(Urgency::Normal),
        owner: holder.clone(),
        holder,
        due_ms: r.due_at,
        assignment_due_ms: None,
        rework_count: u32::try_from(r.rework_count).unwrap_or(0),
        reminder_count: 0,
        reopened: false,
        feedback_by: None,
        closed_at_ms: r.closed_at,
        rating: None,
        supervision: None,
        link: None,
    };
    serde_json::to_string(&state).unwrap_or_else(|_| "{}".to_string())
}

/// The node's label a list shows for the holder: its code, as no names are at hand here.
fn synthetic_label(r: &SyntheticEvent) -> String {
    let code = r.holder_path.trim_end_matches('/').rsplit('/').next();
    format!("压测 {}", code.unwrap_or_default())
}

/// The INSERT for `rows` rows, parameters `$1 … $N` in binding order. [`Handle::native_sql`]
/// turns them into anonymous `?` for SQLite: sqlx asks SQLite for every parameter's name, a
/// linear scan over the named ones, which makes thousands of `$N` quadratic.
fn synthetic_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(400 + rows * SYNTHETIC_PARAMS * 8);
    sql.push_str(
        "INSERT INTO events (number, category_code, complexity, grid_id, path, level, urgency, status, holder_path, \
         level_started_at, due_at, final_due_at, rework_count, reported_at, month, closed_at, updated_at, \
         state, holder_label, reminded_light, source, description, calendar_missing, reminder_count) VALUES ",
    );
    for i in 0..rows {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for k in 1..=SYNTHETIC_PARAMS {
            if k > 1 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(i * SYNTHETIC_PARAMS + k).to_string());
        }
        sql.push_str(", 'api', '压测事件', FALSE, 0)");
    }
    sql
}

/// Writes synthetic event rows directly with multi-row INSERTs, for benchmarks only: no
/// numbering, sealing, history or parties — the rows carry only what lists and the analysis
/// read. Run it inside a transaction.
pub async fn insert_synthetic(h: &mut Handle<'_>, rows: &[SyntheticEvent]) -> Result<(), Error> {
    let full = h.native_sql(synthetic_sql(SYNTHETIC_BATCH));
    for chunk in rows.chunks(SYNTHETIC_BATCH) {
        let sql = if chunk.len() == SYNTHETIC_BATCH {
            full.clone()
        } else {
            h.native_sql(synthetic_sql(chunk.len()))
        };
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for r in chunk {
                    q = q
                        .bind(&r.number)
                        .bind(&r.category_code)
                        .bind(&r.complexity)
                        .bind(r.grid_id)
                        .bind(&r.path)
                        .bind(r.level)
                        .bind(&r.urgency)
                        .bind(r.status.as_str())
                        .bind(&r.holder_path)
                        .bind(r.reported_at)
                        .bind(r.due_at)
                        .bind(r.final_due_at)
                        .bind(r.rework_count)
                        .bind(r.reported_at)
                        .bind(r.month)
                        .bind(r.closed_at)
                        .bind(r.closed_at.unwrap_or(r.reported_at))
                        .bind(synthetic_state(r))
                        .bind(synthetic_label(r))
                        // Open ones are all past due (2025, or the tests' past): a real backlog
                        // has had its red reminder, so the scheduler does not remind it all at
                        // once when a bench starts.
                        .bind(if r.status.is_open() { "red" } else { "" });
                }
                q
            }};
        }
        let sql = sqlx::AssertSqlSafe(sql);
        on_conn!(h, c => bind_all!(sqlx::query(sql)).execute(&mut **c).await.map(|_| ()))
            .map_err(sql_error)?;
    }
    Ok(())
}

/// How many events [`insert_synthetic`] wrote (their numbers start with `B`, which real ones
/// never do), so that a bench can measure a database a former run seeded.
pub async fn synthetic_count(h: &mut Handle<'_>) -> Result<i64, Error> {
    q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM events WHERE number >= 'B' AND number < 'C'")
    .map_err(sql_error)
}

/// Refreshes the planner's statistics after a bulk load; on PostgreSQL it also vacuums, as
/// autovacuum would in time: the visibility map for index-only scans, and the running totals'
/// dead row versions (every insert updated one of their rows). Not inside a transaction.
pub async fn refresh_statistics(h: &mut Handle<'_>) -> Result<(), Error> {
    h.vacuum_analyze("events, event_month_stats, event_month_categories")
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_children() {
        assert!(check_month(202503).is_ok());
        assert!(check_month(202513).is_err());
        assert!(check_month(202500).is_err());
        assert!(check_month(12).is_err());
        let p = "/350100000000/350102000000/350102001000/350102001001/350102001001001/";
        assert_eq!(
            child_code("/350100000000/350102000000/", p),
            Some("350102001000")
        );
        assert_eq!(
            child_code("/350100000000/350102000000/350102001000/350102001001/", p),
            Some("350102001001001")
        );
        assert_eq!(child_code(p, p), None);
        assert_eq!(child_code("/350100000000/350103000000/", p), None);
        assert_eq!(child_code("/", p), Some("350100000000"));
        let sql = crate::db::sqlite_numbered(&synthetic_sql(2));
        assert_eq!(sql.matches('?').count(), 40);
        assert!(sql.contains("(?, ?,") && sql.contains("),(?, "));
        assert!(synthetic_sql(1).contains("$20, 'api'"));
    }
}
