//! What differs between SQLite and PostgreSQL beyond the SQL text both run: placeholders of
//! run-time SQL, id reservation, locks, byte-wise text order, planner statistics. Feature modules
//! call these methods (or run generic code through `on_conn!`) instead of matching on the
//! backend, so every difference is written here once.

use wangge_domain::{Error, err};

use super::{Db, Handle, Tx, sql_error};

/// How a backend compares and orders text byte by byte, so that a range on a text column
/// (`col >= lo AND col < hi`) is bounded by its index.
pub(crate) struct Bytewise {
    /// Operators for `>=` and `<`.
    pub ge: &'static str,
    pub lt: &'static str,
    /// Appended to `ORDER BY col` (with its leading space when not empty).
    pub order: &'static str,
}

impl Handle<'_> {
    /// PostgreSQL rather than SQLite, for a choice none of the methods below makes.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Handle::Postgres(_))
    }

    /// Whether this connection's write transaction shuts every other writer out until it ends
    /// (SQLite: `BEGIN IMMEDIATE` holds the only write lock), so that ids counted on from one
    /// `MAX(id)` stay this transaction's. PostgreSQL's writers run side by side.
    pub(crate) fn writes_alone(&self) -> bool {
        !self.is_postgres()
    }

    /// Serialises the writers of one hash chain until the transaction ends: a transaction-level
    /// advisory lock on PostgreSQL; on SQLite the write transaction already holds the only
    /// write lock. `key` names the chain.
    pub(crate) async fn lock_chain(&mut self, key: i64) -> Result<(), Error> {
        if self.is_postgres() {
            q!(self, execute, "SELECT pg_advisory_xact_lock($1)", key).map_err(sql_error)?;
        }
        Ok(())
    }

    /// Run-time SQL written with `$1 … $n`, in this backend's placeholders (see
    /// [`sqlite_numbered`]; PostgreSQL takes it as it is).
    pub(crate) fn native_sql(&self, sql: String) -> String {
        if self.is_postgres() {
            sql
        } else {
            sqlite_numbered(&sql)
        }
    }

    /// PostgreSQL: the name columns are in the database's collation and their indexes are
    /// `text_pattern_ops`, so range and order use its byte-wise operators; SQLite compares
    /// bytes already.
    pub(crate) fn bytewise(&self) -> Bytewise {
        if self.is_postgres() {
            Bytewise {
                ge: "~>=~",
                lt: "~<~",
                order: " USING ~<~",
            }
        } else {
            Bytewise {
                ge: ">=",
                lt: "<",
                order: "",
            }
        }
    }

    /// `(first, first + 1, …)`: `n` ids for `table` that no other writer will use: `MAX(id) + 1`
    /// under SQLite's write lock (so call it inside a transaction), `nextval` of the identity
    /// sequence on PostgreSQL. `table` is one of ours, never input.
    pub(crate) async fn reserve_ids(
        &mut self,
        table: &'static str,
        n: usize,
    ) -> Result<Vec<i64>, Error> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let n_i =
            i64::try_from(n).map_err(|_| err!("internal", detail = "too many ids asked for"))?;
        if self.is_postgres() {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1::BIGINT)"
            );
            q!(self, scalar fetch_all, i64, sqlx::AssertSqlSafe(sql), n_i).map_err(sql_error)
        } else {
            let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}");
            let max: i64 =
                q!(self, scalar fetch_one, i64, sqlx::AssertSqlSafe(sql)).map_err(sql_error)?;
            Ok((max + 1..=max + n_i).collect())
        }
    }

    /// Before a bulk load commits: PostgreSQL re-samples `tables` (a comma-separated list of
    /// ours), whose planner otherwise has no statistics for the new rows and picks scans over
    /// the list indexes. Nothing on SQLite.
    pub(crate) async fn analyze_in_tx(&mut self, tables: &str) -> Result<(), Error> {
        if self.is_postgres() {
            let sql = format!("ANALYZE {tables}");
            q!(self, execute, sqlx::AssertSqlSafe(sql)).map_err(sql_error)?;
        }
        Ok(())
    }

    /// After a bulk load, outside a transaction: SQLite analyses every table; PostgreSQL
    /// vacuums and analyses `tables` (a comma-separated list of ours), as autovacuum would in
    /// time (the visibility map for index-only scans, dead row versions of updated rows).
    pub(crate) async fn vacuum_analyze(&mut self, tables: &str) -> Result<(), Error> {
        if self.is_postgres() {
            let sql = format!("VACUUM ANALYZE {tables}");
            q!(self, execute, sqlx::AssertSqlSafe(sql))
        } else {
            q!(self, execute, "ANALYZE")
        }
        .map_err(sql_error)?;
        Ok(())
    }
}

impl Tx {
    /// On PostgreSQL, plans made for each execution in this transaction: batch look-ups
    /// (`IN (…400 values…)`) are prepared once, and a generic plan chosen while a table was
    /// small would scan it whole for every later batch. SQLite has no such setting.
    pub(crate) async fn custom_plans(&mut self) -> Result<(), Error> {
        if let Tx::Postgres(t) = self {
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut **t)
                .await
                .map_err(sql_error)?;
        }
        Ok(())
    }
}

impl Db {
    /// Runs one statement straight on the pool, outside any transaction (`CREATE DATABASE`
    /// and `DROP DATABASE` refuse to run inside one).
    pub(crate) async fn execute_alone(&self, sql: String) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql);
        match self {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }
}

/// SQLite placeholders for run-time SQL. SQLite keeps numbered or named parameters in a list it
/// scans on every look-up (also per bind), which makes a multi-row INSERT of thousands of
/// values quadratic; plain `?` is bound by position. So `$1 … $n` used once each and in order
/// become `?`; anything else keeps its number as `?N`. Our run-time SQL has no `$` in literals
/// (values are always bound).
pub(crate) fn sqlite_numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_order = true;
    let mut expected = 1u64;
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut numbers = Vec::new();
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            let n: u64 = sql[start..end].parse().unwrap_or(0);
            if n != expected {
                in_order = false;
            }
            expected += 1;
            numbers.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    let mut last = 0;
    for (dollar, end) in numbers {
        out.push_str(&sql[last..dollar]);
        out.push('?');
        if !in_order {
            out.push_str(&sql[dollar + 1..end]);
        }
        last = end;
    }
    out.push_str(&sql[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::sqlite_numbered;

    #[test]
    fn placeholders_for_sqlite() {
        assert_eq!(
            sqlite_numbered("a = $1 AND b IN ($2, $3)"),
            "a = ? AND b IN (?, ?)"
        );
        assert_eq!(sqlite_numbered("($1, $2, $2)"), "(?1, ?2, ?2)");
        assert_eq!(sqlite_numbered("x = $2 OR y = $1"), "x = ?2 OR y = ?1");
        assert_eq!(sqlite_numbered("no params"), "no params");
    }
}
