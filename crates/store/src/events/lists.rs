//! Lists of events: the inboxes of a node or a person with search and filters, and the public
//! results of a grid or village.

use super::seek::{Cursor, STATUS, Sql, path_in_scope, reach_range, sqlite_index};
use super::*;

/// Which list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inbox {
    All,
    /// Open events held by the caller in person or that the caller has acted on (我经办的).
    Mine,
    ToAccept,
    ToHandle,
    ToVerify,
    Overdue,
    /// Open events past 80 % of their time (the yellow light), not yet overdue.
    DueSoon,
    Supervised,
    /// Open events the caller has supervised (督办) in person.
    SupervisedByMe,
    Closed,
}

impl Inbox {
    pub const ALL: [Inbox; 10] = [
        Inbox::All,
        Inbox::Mine,
        Inbox::ToAccept,
        Inbox::ToHandle,
        Inbox::ToVerify,
        Inbox::Overdue,
        Inbox::DueSoon,
        Inbox::Supervised,
        Inbox::SupervisedByMe,
        Inbox::Closed,
    ];

    /// The inboxes that hold work still to do.
    pub const WORK: [Inbox; 6] = [
        Inbox::Mine,
        Inbox::ToAccept,
        Inbox::ToHandle,
        Inbox::ToVerify,
        Inbox::Overdue,
        Inbox::Supervised,
    ];

    /// What someone who watches an area rather than works it (a leader) follows.
    pub const WATCH: [Inbox; 4] = [
        Inbox::Overdue,
        Inbox::DueSoon,
        Inbox::SupervisedByMe,
        Inbox::Supervised,
    ];

    /// The lists a role's home counts and its event page offers first: what a leader watches,
    /// the work inboxes for everyone else.
    pub fn first_for(role: Role) -> &'static [Inbox] {
        match role {
            Role::Leader => &Inbox::WATCH,
            _ => &Inbox::WORK,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Inbox::All => "all",
            Inbox::Mine => "mine",
            Inbox::ToAccept => "to_accept",
            Inbox::ToHandle => "to_handle",
            Inbox::ToVerify => "to_verify",
            Inbox::Overdue => "overdue",
            Inbox::DueSoon => "due_soon",
            Inbox::Supervised => "supervised",
            Inbox::SupervisedByMe => "my_supervised",
            Inbox::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Inbox> {
        Inbox::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub text: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub level: Option<i64>,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging: only events older than this row (the last of the page before); the
    /// offset then counts from it.
    pub before: Option<Cursor>,
    /// The caller's user, whose events the personal inbox lists.
    pub me: Option<i64>,
}

/// How far an offset may reach: beyond it a list pages by cursor (`before`), which costs the
/// same on every page, while an offset reads every row it skips.
pub const MAX_OFFSET: i64 = 10_000;
/// The home page's counts stop here ("1000+"): counting a whole city's events on every view
/// would read all of them.
pub const COUNT_CAP: i64 = 1000;

const OPEN: &str = "(e.status || '') IN ('reported', 'accepted', 'assigned', 'feedback_given')";
const EVENT_SELECT: &str = event_sql!(" ");

/// Which rows of a scope a statement reads: an inbox held at the caller's node (found by the
/// holder, which is in scope by itself), events whose grid is in scope, or events a party in
/// scope held although their grid lies elsewhere (`event_reach`). A scope's list is the last
/// two merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Held,
    Path,
    Reach,
}

fn sides(scope: &Scope, inbox: Inbox) -> &'static [Side] {
    if matches!(inbox, Inbox::ToAccept | Inbox::ToHandle) {
        &[Side::Held]
    } else if scope.path().len() <= 1 {
        &[Side::Path]
    } else {
        &[Side::Path, Side::Reach]
    }
}

/// The conditions of one side of an inbox, in the order their values are bound.
fn conditions(
    sql: &mut Sql,
    side: Side,
    scope: &Scope,
    inbox: Inbox,
    now: i64,
    me: Option<i64>,
) -> Vec<String> {
    let mut out = Vec::new();
    match side {
        Side::Held => {}
        Side::Path => out.push(path_in_scope(sql, scope.path())),
        Side::Reach => {
            let (lo, hi) = reach_range(scope.path());
            let (lo, hi) = (sql.arg(lo), sql.arg(hi));
            out.push(format!(
                "e.id IN (SELECT r.event_id FROM event_reach r WHERE r.path >= {lo} AND r.path < {hi})"
            ));
            let own = path_in_scope(sql, scope.path());
            out.push(format!("NOT ({own})"));
        }
    }
    let held = |sql: &mut Sql, statuses: &str| {
        let node = sql.arg(scope.path());
        format!("e.holder_path = {node} AND e.status {statuses}")
    };
    out.push(match inbox {
        Inbox::All => return out,
        Inbox::ToAccept => held(sql, "= 'reported'"),
        Inbox::ToHandle => held(sql, "IN ('accepted', 'assigned')"),
        Inbox::ToVerify => format!("{STATUS} = 'feedback_given'"),
        Inbox::Closed => format!("{STATUS} = 'closed'"),
        Inbox::Supervised => format!("e.supervision IS NOT NULL AND {OPEN}"),
        Inbox::Overdue => {
            let n = sql.arg(now);
            format!("{OPEN} AND e.due_at < {n}")
        }
        Inbox::DueSoon => {
            let (a, b) = (sql.arg(now), sql.arg(now));
            format!(
                "{OPEN} AND e.due_at >= {a} AND ({b} - e.level_started_at) * 5 >= (e.due_at - e.level_started_at) * 4"
            )
        }
        Inbox::SupervisedByMe => {
            let m = sql.arg(me);
            format!(
                "{OPEN} AND EXISTS (SELECT 1 FROM event_history x WHERE x.event_id = e.id AND x.action = 'supervise' AND x.actor_user_id = {m})"
            )
        }
        Inbox::Mine => {
            let (a, b) = (sql.arg(me), sql.arg(me));
            format!(
                "{OPEN} AND (e.holder_user_id = {a} OR EXISTS (SELECT 1 FROM event_history x WHERE x.actor_user_id = {b} AND x.event_id = e.id))"
            )
        }
    });
    out
}

/// The filters a person picked, after the inbox's conditions.
fn filters(sql: &mut Sql, filter: &ListFilter, out: &mut Vec<String>) {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
    if let Some(t) = text {
        let (a, b, c) = (sql.arg(t.clone()), sql.arg(t.clone()), sql.arg(t));
        out.push(format!(
            "(e.number LIKE {a} OR e.description LIKE {b} OR e.address LIKE {c})"
        ));
    }
    if let Some(cat) = &filter.category {
        let (a, b) = (sql.arg(cat.as_str()), sql.arg(cat.as_str()));
        out.push(format!("(e.category_code = {a} OR c.parent_code = {b})"));
    }
    if let Some(st) = &filter.status {
        let a = sql.arg(st.as_str());
        out.push(format!("{STATUS} = {a}"));
    }
    if let Some(lv) = filter.level {
        let a = sql.arg(lv);
        out.push(format!("e.level = {a}"));
    }
}

/// The statements of a list, one a side, each reading at most offset + limit rows in order.
fn list_statements(
    scope: &Scope,
    inbox: Inbox,
    filter: &ListFilter,
    now: i64,
    postgres: bool,
) -> (Vec<Sql>, i64, i64) {
    // 500 a page at most, and the one more that tells whether another page follows.
    let limit = filter.limit.clamp(1, 501);
    let offset = filter.offset.clamp(0, MAX_OFFSET);
    let statements = sides(scope, inbox)
        .iter()
        .map(|&side| {
            // Due soon and supervised are rare in a scope: walking its events newest first to
            // find a page of them read a whole city (15 s at a million events under load).
            // They are found through the open events' indexes (migration 21) and sorted.
            let rare = side == Side::Path && matches!(inbox, Inbox::DueSoon | Inbox::Supervised);
            let mut sql = if rare {
                let index = if inbox == Inbox::Supervised {
                    "events_open_supervised"
                } else {
                    "events_open_status_path"
                };
                Sql::new(&EVENT_SELECT.replacen(
                    "FROM events e ",
                    &format!("FROM events e{}", sqlite_index(index)),
                    1,
                ))
            } else {
                Sql::new(EVENT_SELECT)
            };
            let mut conds = if rare {
                // The caller is not part of these two inboxes' conditions.
                open_conditions(&mut sql, scope, inbox, now, 0, postgres)
            } else {
                conditions(&mut sql, side, scope, inbox, now, filter.me)
            };
            filters(&mut sql, filter, &mut conds);
            sql.push("WHERE ");
            sql.push(&if conds.is_empty() {
                "1 = 1".to_string()
            } else {
                conds.join(" AND ")
            });
            sql.before(filter.before);
            sql.newest_first(limit + offset);
            sql
        })
        .collect();
    (statements, limit, offset)
}

/// Events in the caller's scope for one inbox, newest first. "To accept" and "to handle" are
/// those held at the caller's own node; the others cover the whole scope.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    inbox: Inbox,
    filter: &ListFilter,
    now: i64,
) -> Result<Vec<EventRow>, Error> {
    let (statements, limit, offset) = list_statements(scope, inbox, filter, now, h.is_postgres());
    let mut rows: Vec<EventRow> = Vec::new();
    for sql in statements {
        rows.extend(sql.fetch_all::<EventRow>(h).await?);
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.reported_at, r.id)));
    Ok(rows
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect())
}

/// The plans of [`list`]'s statements (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
/// PostgreSQL), for the tests that hold each list to its index.
pub async fn explain_list(
    h: &mut Handle<'_>,
    scope: &Scope,
    inbox: Inbox,
    filter: &ListFilter,
    now: i64,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let postgres = h.is_postgres();
    for sql in list_statements(scope, inbox, filter, now, postgres).0 {
        out.push(sql.explain(h).await?);
    }
    Ok(out)
}

/// A closed event as the public board shows it: no names, no phones, no internal notes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublicResult {
    pub number: String,
    pub category_name: String,
    pub category_name_en: String,
    pub grid_name: String,
    pub description: String,
    pub result: String,
    pub reported_at: i64,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    /// The whole case's time limit (办结时限), when the calendar knew it.
    pub final_due_at: Option<i64>,
    pub complexity: String,
}

/// Path widths whose board has an index of its own: a grid's path (`events_grid_closed`, by
/// the grid's id) and a village's prefix (`events_village_closed_at`).
const BOARD_INDEXED: [usize; 2] = [53, 69];

fn public_results_statement(path: &str, limit: i64) -> Sql {
    // The events come first (CROSS JOIN keeps SQLite's order; PostgreSQL still plans freely):
    // with a million events' statistics SQLite otherwise started from the grids and sorted
    // every closed event of a city. A wider node walks `events_closed_at`, last closed first,
    // stopping at a page (its closed events are most of the city's).
    let hint = if BOARD_INDEXED.contains(&path.chars().count()) || path.chars().count() <= 1 {
        String::new()
    } else {
        sqlite_index("events_closed_at")
    };
    let mut sql = Sql::new(&format!(
        "SELECT e.number, c.name AS category_name, c.name_en AS category_name_en, g.name AS grid_name, e.description, \
         COALESCE((SELECT x.note FROM event_history x WHERE x.event_id = e.id AND x.action IN ('feedback', 'handle_on_spot') ORDER BY x.seq DESC LIMIT 1), '') AS result, \
         e.reported_at, e.closed_at, e.rating, e.final_due_at, e.complexity FROM events e{hint} CROSS JOIN categories c CROSS JOIN nodes g \
         WHERE c.code = e.category_code AND g.id = e.grid_id AND ",
    ));
    let place = match path_in_scope(&mut sql, path) {
        grid if grid.starts_with("e.path = ") => {
            // The grid's id, so that (grid_id, status, closed_at) serves the order.
            format!(
                "e.grid_id = (SELECT n.id FROM nodes n WHERE n.path = ${})",
                sql.args.len()
            )
        }
        other => other,
    };
    sql.push(&place);
    let l = sql.arg(limit.clamp(1, 200));
    sql.push(&format!(
        " AND e.status = 'closed' ORDER BY e.closed_at DESC LIMIT {l}"
    ));
    sql
}

/// Closed events under a node (by path), last closed first: a grid through `events_grid_closed`,
/// a village through `events_village_closed_at`, a wider node walking `events_closed_at`.
pub async fn public_results(
    h: &mut Handle<'_>,
    path: &str,
    limit: i64,
) -> Result<Vec<PublicResult>, Error> {
    public_results_statement(path, limit).fetch_all(h).await
}

/// The plan of [`public_results`], for the plan tests.
pub async fn explain_public_results(
    h: &mut Handle<'_>,
    path: &str,
    limit: i64,
) -> Result<String, Error> {
    public_results_statement(path, limit).explain(h).await
}

/// Open statuses, written as the partial indexes of migration 21 say them: SQLite uses a
/// partial index only when the statement repeats its condition.
const OPEN_PLAIN: &str = "e.status IN ('reported', 'accepted', 'assigned', 'feedback_given')";

/// The statement that counts one side of one inbox for the home page, reading at most
/// [`COUNT_CAP`] + 1 rows: none reads a scope whole. Events whose grid is in scope are found by
/// what is rare rather than by the scope — the caller's own history for "mine" and "supervised
/// by me", the open events' index (migration 21: status, then the scope as a range of paths)
/// for the others. Held inboxes and parties outside the grid keep the list's conditions (the
/// holder's index, `event_reach`), which read only what they count.
fn count_statement(
    side: Side,
    scope: &Scope,
    inbox: Inbox,
    now: i64,
    me: i64,
    postgres: bool,
) -> Sql {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM events e");
    let conds = if side == Side::Path {
        path_count_conditions(&mut sql, scope, inbox, now, me, postgres)
    } else {
        sql.push(" WHERE ");
        conditions(&mut sql, side, scope, inbox, now, Some(me))
    };
    sql.push(&if conds.is_empty() {
        "1 = 1".to_string()
    } else {
        conds.join(" AND ")
    });
    let l = sql.arg(COUNT_CAP + 1);
    sql.push(&format!(" LIMIT {l}) x"));
    sql
}

/// The conditions of the scope side of a count (after `FROM events e`, which this continues
/// with the index to use on SQLite and ` WHERE `).
fn path_count_conditions(
    sql: &mut Sql,
    scope: &Scope,
    inbox: Inbox,
    now: i64,
    me: i64,
    postgres: bool,
) -> Vec<String> {
    // Which index SQLite walks: it keeps no statistics of values, so it is told; PostgreSQL
    // weighs them itself. The caller's own events are found by id (NOT INDEXED still allows it).
    let hint = match inbox {
        Inbox::Mine | Inbox::SupervisedByMe => "NOT INDEXED",
        Inbox::Supervised => "INDEXED BY events_open_supervised",
        Inbox::All | Inbox::Closed => "",
        _ => "INDEXED BY events_open_status_path",
    };
    if !hint.is_empty() {
        sql.push(&format!(" /*@sqlite {hint} @*/"));
    }
    sql.push(" WHERE ");
    if matches!(inbox, Inbox::All | Inbox::Closed) {
        // Not home counts; counted as the list reads them.
        return conditions(sql, Side::Path, scope, inbox, now, Some(me));
    }
    open_conditions(sql, scope, inbox, now, me, postgres)
}

/// The conditions on open events in scope (a range of paths) that migration 21's indexes
/// serve, for an inbox other than "all" and "closed".
fn open_conditions(
    sql: &mut Sql,
    scope: &Scope,
    inbox: Inbox,
    now: i64,
    me: i64,
    postgres: bool,
) -> Vec<String> {
    let (ge, lt) = if postgres {
        ("~>=~", "~<~")
    } else {
        (">=", "<")
    };
    let range = |sql: &mut Sql| {
        let (lo, hi) = reach_range(scope.path());
        let (lo, hi) = (sql.arg(lo), sql.arg(hi));
        format!("e.path {ge} {lo} AND e.path {lt} {hi}")
    };
    let mut out = Vec::new();
    match inbox {
        Inbox::Mine => {
            let (a, b) = (sql.arg(me), sql.arg(me));
            out.push(format!(
                "e.id IN (SELECT x.event_id FROM event_history x WHERE x.actor_user_id = {a} \
                 UNION SELECT y.id FROM events y WHERE y.holder_user_id = {b})"
            ));
        }
        Inbox::SupervisedByMe => {
            let a = sql.arg(me);
            out.push(format!(
                "e.id IN (SELECT x.event_id FROM event_history x WHERE x.actor_user_id = {a} AND x.action = 'supervise')"
            ));
        }
        Inbox::Supervised => out.push("e.supervision IS NOT NULL".to_string()),
        _ => {}
    }
    out.push(OPEN_PLAIN.to_string());
    match inbox {
        Inbox::ToAccept => out.push("e.status = 'reported'".to_string()),
        Inbox::ToHandle => out.push("e.status IN ('accepted', 'assigned')".to_string()),
        Inbox::ToVerify => out.push("e.status = 'feedback_given'".to_string()),
        _ => {}
    }
    out.push(range(sql));
    match inbox {
        Inbox::Overdue => {
            let n = sql.arg(now);
            out.push(format!("e.due_at < {n}"));
        }
        Inbox::DueSoon => {
            let (a, b) = (sql.arg(now), sql.arg(now));
            out.push(format!(
                "e.due_at >= {a} AND ({b} - e.level_started_at) * 5 >= (e.due_at - e.level_started_at) * 4"
            ));
        }
        _ => {}
    }
    out
}

/// How many events are in each of `inboxes` for a caller, for the home page; each count stops
/// at [`COUNT_CAP`] + 1, so a whole city's overdue cases are "1000+", not a count of them all,
/// and each reads through an index only what it counts (see [`count_statement`]).
pub async fn inbox_counts(
    h: &mut Handle<'_>,
    scope: &Scope,
    me: i64,
    now: i64,
    inboxes: &[Inbox],
) -> Result<Vec<(Inbox, i64)>, Error> {
    let postgres = h.is_postgres();
    let mut out = Vec::with_capacity(inboxes.len());
    for &inbox in inboxes {
        let mut n = 0;
        for &side in sides(scope, inbox) {
            n += count_statement(side, scope, inbox, now, me, postgres)
                .count(h)
                .await?;
        }
        out.push((inbox, n.min(COUNT_CAP + 1)));
    }
    Ok(out)
}

/// The plans of [`inbox_counts`]' statements, for the plan tests.
pub async fn explain_inbox_counts(
    h: &mut Handle<'_>,
    scope: &Scope,
    me: i64,
    now: i64,
    inbox: Inbox,
) -> Result<Vec<String>, Error> {
    let postgres = h.is_postgres();
    let mut out = Vec::new();
    for &side in sides(scope, inbox) {
        out.push(
            count_statement(side, scope, inbox, now, me, postgres)
                .explain(h)
                .await?,
        );
    }
    Ok(out)
}
