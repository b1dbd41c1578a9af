//! The pieces every list of events is built from so that it seeks instead of scanning (issue 14):
//! the scope as an expression an index of migration 14 holds, the cursor of keyset paging, and a
//! query text built from fixed fragments with its values bound in order.
//!
//! A list's statement names only the conditions it uses (no `($2 <> 'x' OR …)` switches): a
//! planner, PostgreSQL's generic plan above all, plans a switch for every case at once and
//! estimates it badly.

use wangge_domain::Error;

use crate::basic::{Arg, FromRows};
use crate::db::{Handle, sql_error};

/// Widths of the scope paths that have an index of their own: a city, a county, a township and
/// a village (`/` + 12 digits per level + `/`). Codes have fixed widths, so the first 14, 27, 40
/// or 53 characters of an event's path name its city, county, township or village.
#[cfg(test)]
const INDEXED_PREFIXES: [usize; 4] = [14, 27, 40, 53];
/// A grid's path: a village's and a 15-digit grid code. Events sit at grids, so an event is in a
/// grid's scope exactly when its path is the grid's.
const GRID_PATH: usize = 69;

/// Where the next page starts: the last row shown, newest first by (reported_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub reported_at: i64,
    pub id: i64,
}

impl Cursor {
    /// `MILLISECONDS.ID`, as [`Cursor::text`] writes it; anything else is `None`.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (a, b) = text.trim().split_once('.')?;
        let all_digits =
            |s: &str| !s.is_empty() && s.len() <= 18 && s.bytes().all(|c| c.is_ascii_digit());
        if !all_digits(a) || !all_digits(b) {
            return None;
        }
        Some(Cursor {
            reported_at: a.parse().ok()?,
            id: b.parse().ok()?,
        })
    }

    pub fn text(&self) -> String {
        format!("{}.{}", self.reported_at, self.id)
    }
}

/// A status test that SQLite answers from no index (`|| ''` makes it an expression): a list
/// walks its scope's (…, reported_at, id) index and tests each row's status, since SQLite,
/// which keeps no statistics of values, would otherwise seek a status index (events_due,
/// events_path) and sort every row it finds — a city's closed events are most of them.
/// PostgreSQL knows each status's share and weighs both plans itself; there it is the column.
pub(crate) const STATUS: &str = "(e.status || '')";

/// `INDEXED BY name` on SQLite, a comment on PostgreSQL. For a time-window walk only: with
/// statistics, SQLite (no value statistics, so a bound range is a guess) may skip-scan a
/// path-led index for the window and sort all its rows (1–3 s at a million events) instead of
/// walking `(reported_at, id)` to a page.
pub(crate) fn sqlite_index(name: &str) -> String {
    format!(" /*@sqlite INDEXED BY {name} @*/ ")
}

/// A statement built from our own fragments; every value is bound, numbered in order of use.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(head: &str) -> Sql {
        Sql {
            text: head.to_string(),
            args: Vec::new(),
        }
    }

    /// Binds a value; the placeholder to write where it is used.
    pub(crate) fn arg(&mut self, v: impl Into<Arg>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    pub(crate) fn push(&mut self, fragment: &str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    /// ` AND (reported_at, id) < cursor`, in a form both planners turn into an index range.
    pub(crate) fn before(&mut self, cursor: Option<Cursor>) {
        if let Some(c) = cursor {
            let (a, b, d) = (
                self.arg(c.reported_at),
                self.arg(c.reported_at),
                self.arg(c.id),
            );
            self.text.push_str(&format!(
                " AND e.reported_at <= {a} AND (e.reported_at < {b} OR e.id < {d})"
            ));
        }
    }

    /// The text as the backend runs it.
    fn native(&self, h: &Handle<'_>) -> String {
        if h.is_postgres() {
            self.text.replace(STATUS, "e.status")
        } else {
            h.native_sql(self.text.replace("/*@sqlite ", "").replace(" @*/", ""))
        }
    }

    /// Runs a SELECT.
    pub(crate) async fn fetch_all<T: FromRows>(self, h: &mut Handle<'_>) -> Result<Vec<T>, Error> {
        let text = self.native(h);
        crate::basic::fetch_all(h, text, self.args).await
    }

    /// Runs a statement that answers one integer (a count).
    pub(crate) async fn count(self, h: &mut Handle<'_>) -> Result<i64, Error> {
        let text = sqlx::AssertSqlSafe(self.native(h));
        let args = self.args;
        crate::on_conn!(h, c => {
            let mut q = sqlx::query_scalar::<_, i64>(text);
            for a in args {
                q = match a {
                    Arg::Int(v) => q.bind(v),
                    Arg::Real(v) => q.bind(v),
                    Arg::Text(v) => q.bind(v),
                    Arg::Bool(v) => q.bind(v),
                };
            }
            q.fetch_one(&mut **c).await
        })
        .map_err(sql_error)
    }

    /// The statement's plan, one line a step: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
    /// PostgreSQL (with the values bound, as the list runs it).
    pub(crate) async fn explain(self, h: &mut Handle<'_>) -> Result<String, Error> {
        let native = self.native(h);
        let args = self.args;
        let lines: Vec<String> = match h {
            Handle::Sqlite(c) => {
                use sqlx::Row;
                let mut q =
                    sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {native}")));
                for a in args {
                    q = match a {
                        Arg::Int(v) => q.bind(v),
                        Arg::Real(v) => q.bind(v),
                        Arg::Text(v) => q.bind(v),
                        Arg::Bool(v) => q.bind(v),
                    };
                }
                let rows = q.fetch_all(&mut **c).await.map_err(sql_error)?;
                rows.iter()
                    .map(|r| r.try_get::<String, _>("detail").unwrap_or_default())
                    .collect()
            }
            Handle::Postgres(c) => {
                // Through PREPARE and EXPLAIN EXECUTE, so that the session's plan_cache_mode
                // decides which plan shows: a test sets force_generic_plan to see the plan a
                // prepared statement may switch to after five runs.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "PREPARE wangge_explain AS {native}"
                )))
                .execute(&mut **c)
                .await
                .map_err(sql_error)?;
                // EXECUTE takes no bound parameters: the values go in as literals (only
                // this plan check does so).
                let params: Vec<String> = args
                    .into_iter()
                    .map(|a| match a {
                        Arg::Int(Some(v)) => v.to_string(),
                        Arg::Real(Some(v)) => v.to_string(),
                        Arg::Text(Some(v)) => format!("'{}'", v.replace('\'', "''")),
                        Arg::Bool(v) => v.to_string(),
                        Arg::Int(None) | Arg::Real(None) | Arg::Text(None) => "NULL".to_string(),
                    })
                    .collect();
                let call = if params.is_empty() {
                    String::new()
                } else {
                    format!("({})", params.join(", "))
                };
                let q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
                    "EXPLAIN EXECUTE wangge_explain{call}"
                )));
                let lines = q.fetch_all(&mut **c).await.map_err(sql_error);
                sqlx::raw_sql("DEALLOCATE wangge_explain")
                    .execute(&mut **c)
                    .await
                    .map_err(sql_error)?;
                lines?
            }
        };
        Ok(lines.join("\n"))
    }

    /// ` ORDER BY … LIMIT n`, newest first.
    pub(crate) fn newest_first(&mut self, limit: i64) {
        let l = self.arg(limit);
        self.text.push_str(&format!(
            " ORDER BY e.reported_at DESC, e.id DESC LIMIT {l}"
        ));
    }
}

/// The condition that keeps events whose grid lies in the scope with path `path`, as an
/// expression one of migration 14's indexes holds when there is one.
pub(crate) fn path_in_scope(sql: &mut Sql, path: &str) -> String {
    let n = path.chars().count();
    if n <= 1 {
        // The whole tree (the System actor).
        return "1 = 1".to_string();
    }
    let p = sql.arg(path);
    if n == GRID_PATH {
        format!("e.path = {p}")
    } else {
        // A city, county, township or village (INDEXED_PREFIXES) seeks its expression index;
        // an unusual node has none and walks `events_reported`, stopping at a page.
        format!("substr(e.path, 1, {n}) = {p}")
    }
}

/// The range of `event_reach.path` under a scope: `[path, path with its last '/' as '0')`,
/// byte-wise ('0' follows '/').
pub(crate) fn reach_range(path: &str) -> (String, String) {
    let mut upper = path.trim_end_matches('/').to_string();
    upper.push('0');
    (path.to_string(), upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor {
            reported_at: 1_767_225_600_000,
            id: 42,
        };
        assert_eq!(Cursor::parse(&c.text()), Some(c));
        for bad in [
            "",
            ".",
            "1.",
            ".2",
            "-1.2",
            "1.-2",
            "a.b",
            "1.2.3",
            "1e3.2",
            "9999999999999999999.1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn scopes_pick_their_index() {
        let mut s = Sql::default();
        let village = "/350100000000/350102000000/350102001000/350102001001/";
        assert_eq!(village.len(), INDEXED_PREFIXES[3]);
        assert_eq!(path_in_scope(&mut s, village), "substr(e.path, 1, 53) = $1");
        let grid = format!("{village}350102001001001/");
        assert_eq!(path_in_scope(&mut s, &grid), "e.path = $2");
        assert_eq!(path_in_scope(&mut s, "/"), "1 = 1");
        assert_eq!(s.args.len(), 2);
        assert_eq!(
            reach_range("/350100000000/"),
            ("/350100000000/".to_string(), "/3501000000000".to_string())
        );
    }
}
