//! The `Db` handle and the macros that run one SQL text on either backend.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{PgConnection, SqliteConnection};
use wangge_domain::Error;
use wangge_domain::err;

use crate::private_files;

/// Runs a query on a `&mut Handle`. Forms:
/// `q!(h, fetch_all, Row, "SQL", args…)` (query_as), `q!(h, scalar fetch_one, i64, "SQL", args…)`,
/// `q!(h, execute, "SQL", args…)` which yields rows affected.
macro_rules! q {
    ($h:expr, execute, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $h {
            $crate::db::Handle::Sqlite(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut **c).await.map(|r| r.rows_affected()),
            $crate::db::Handle::Postgres(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    };
    ($h:expr, scalar $method:ident, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $h {
            $crate::db::Handle::Sqlite(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.$method(&mut **c).await,
            $crate::db::Handle::Postgres(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.$method(&mut **c).await,
        }
    };
    ($h:expr, $method:ident, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $h {
            $crate::db::Handle::Sqlite(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$method(&mut **c).await,
            $crate::db::Handle::Postgres(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$method(&mut **c).await,
        }
    };
}

/// Runs the same code on either backend's connection: `c` is bound to the driver's
/// `&mut SqliteConnection` or `&mut PgConnection`, for code generic over both (binds made at run
/// time). `on_conn!(h, c => sqlx::query(sql).execute(&mut **c).await)`. Exported for the
/// benchmarks' bare inserts, which bypass the store on purpose.
#[macro_export]
macro_rules! on_conn {
    ($h:expr, $c:ident => $body:expr) => {
        match $h {
            $crate::Handle::Sqlite($c) => $body,
            $crate::Handle::Postgres($c) => $body,
        }
    };
}

mod backend;
mod tuning;
#[cfg(test)]
pub(crate) use backend::sqlite_numbered;
pub use tuning::Tuning;

/// A start-up or connection problem, with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )]
    BadUrl(String),
    #[error("cannot open the database at {url}: {source}")]
    Unreachable { url: String, source: sqlx::Error },
    #[error(
        "the database schema is version {found}, newer than this wangge knows ({known}); run a newer wangge"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A pooled connection.
pub enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// A transaction; dropped without `commit` it rolls back.
pub enum Tx {
    /// With the writer's turn on the file, released when the transaction ends.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, tuning::Turn),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// What repository functions take: a connection borrowed from a `Conn` or a `Tx`.
pub enum Handle<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Conn {
    pub fn handle(&mut self) -> Handle<'_> {
        match self {
            Conn::Sqlite(c) => Handle::Sqlite(c),
            Conn::Postgres(c) => Handle::Postgres(c),
        }
    }
}

impl Tx {
    pub fn handle(&mut self) -> Handle<'_> {
        match self {
            Tx::Sqlite(t, _) => Handle::Sqlite(t),
            Tx::Postgres(t) => Handle::Postgres(t),
        }
    }

    /// Commits in a task of its own: a request dropped half-way (its client went away) would
    /// otherwise drop the COMMIT after sending it, and sqlx would then send a ROLLBACK for a
    /// transaction the server had already ended ("there is no transaction in progress"). The
    /// commit completes, so what was acknowledged or not, the transaction is whole.
    pub async fn commit(self) -> Result<(), Error> {
        let done = tokio::spawn(async move {
            match self {
                Tx::Sqlite(t, _turn) => t.commit().await,
                Tx::Postgres(t) => t.commit().await,
            }
        })
        .await;
        match done {
            Ok(r) => r.map_err(sql_error),
            Err(e) => Err(err!("internal", detail = format!("commit task: {e}"))),
        }
    }

    /// Lifts the statement timeout for this transaction: for a bulk job (an import) that is
    /// meant to run long. On SQLite the pool arms the bound again when it next hands the
    /// connection out.
    pub async fn unbounded(&mut self) -> Result<(), Error> {
        match self {
            Tx::Sqlite(t, _) => tuning::unbound_sqlite(t).await,
            Tx::Postgres(t) => sqlx::query("SET LOCAL statement_timeout = 0")
                .execute(&mut **t)
                .await
                .map(|_| ()),
        }
        .map_err(sql_error)
    }
}

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Both backends' migrations, numbered alike; the parity test checks they define the same columns.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_events.sql"),
        postgres: include_str!("../migrations/postgres/0002_events.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_analysis.sql"),
        postgres: include_str!("../migrations/postgres/0003_analysis.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_basic.sql"),
        postgres: include_str!("../migrations/postgres/0004_basic.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_basic_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0005_basic_indexes.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_short_blind_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0006_short_blind_indexes.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_personal_inbox.sql"),
        postgres: include_str!("../migrations/postgres/0007_personal_inbox.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_category_admin.sql"),
        postgres: include_str!("../migrations/postgres/0008_category_admin.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_history_link.sql"),
        postgres: include_str!("../migrations/postgres/0009_history_link.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_residents.sql"),
        postgres: include_str!("../migrations/postgres/0010_residents.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_board_photos.sql"),
        postgres: include_str!("../migrations/postgres/0011_board_photos.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_masks.sql"),
        postgres: include_str!("../migrations/postgres/0012_masks.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_transfers.sql"),
        postgres: include_str!("../migrations/postgres/0013_transfers.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_list_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0014_list_indexes.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("../migrations/sqlite/0015_workbench.sql"),
        postgres: include_str!("../migrations/postgres/0015_workbench.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("../migrations/sqlite/0016_visits.sql"),
        postgres: include_str!("../migrations/postgres/0016_visits.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("../migrations/sqlite/0017_field.sql"),
        postgres: include_str!("../migrations/postgres/0017_field.sql"),
    },
    Migration {
        version: 18,
        sqlite: include_str!("../migrations/sqlite/0018_staffops.sql"),
        postgres: include_str!("../migrations/postgres/0018_staffops.sql"),
    },
    Migration {
        version: 19,
        sqlite: include_str!("../migrations/sqlite/0019_workbench_home.sql"),
        postgres: include_str!("../migrations/postgres/0019_workbench_home.sql"),
    },
    Migration {
        version: 20,
        sqlite: include_str!("../migrations/sqlite/0020_workbench_offline.sql"),
        postgres: include_str!("../migrations/postgres/0020_workbench_offline.sql"),
    },
    Migration {
        version: 21,
        sqlite: include_str!("../migrations/sqlite/0021_lists_more.sql"),
        postgres: include_str!("../migrations/postgres/0021_lists_more.sql"),
    },
    Migration {
        version: 22,
        sqlite: include_str!("../migrations/sqlite/0022_assessment.sql"),
        postgres: include_str!("../migrations/postgres/0022_assessment.sql"),
    },
    Migration {
        version: 23,
        sqlite: include_str!("../migrations/sqlite/0023_work_days.sql"),
        postgres: include_str!("../migrations/postgres/0023_work_days.sql"),
    },
    Migration {
        version: 24,
        sqlite: include_str!("../migrations/sqlite/0024_volunteers.sql"),
        postgres: include_str!("../migrations/postgres/0024_volunteers.sql"),
    },
    Migration {
        version: 25,
        sqlite: include_str!("../migrations/sqlite/0025_clue_skips.sql"),
        postgres: include_str!("../migrations/postgres/0025_clue_skips.sql"),
    },
];

/// What a 503 from the database layer asks a client to wait, in seconds.
const RETRY_AFTER_S: i64 = 1;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Maps a driver error to the one error type; unique-key clashes become 409s; a pool with no
/// free connection, a database locked too long, a statement past its timeout become 503s with
/// a `Retry-After`, which a client can act on, instead of 500s.
pub(crate) fn sql_error(e: sqlx::Error) -> Error {
    let retry = |e: Error| e.with_details(serde_json::json!({ "retry_after_s": RETRY_AFTER_S }));
    if matches!(e, sqlx::Error::PoolTimedOut) {
        tracing::warn!("no free database connection within the pool timeout");
        return retry(err!("db.busy", seconds = RETRY_AFTER_S));
    }
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return err!("db.duplicate", reason = d.message());
        }
        if d.is_foreign_key_violation() {
            return err!("db.reference", reason = d.message());
        }
        // PostgreSQL's query_canceled (statement_timeout); SQLite's SQLITE_INTERRUPT (the
        // progress handler's bound) and SQLITE_BUSY (the busy timeout ran out).
        match d.code().as_deref() {
            Some("57014") | Some("9") => {
                tracing::warn!(error = %d, "a statement ran past the statement timeout");
                return retry(err!("db.timeout"));
            }
            Some("5") => {
                tracing::warn!(error = %d, "the database stayed locked past the busy timeout");
                return retry(err!("db.busy", seconds = RETRY_AFTER_S));
            }
            _ => {}
        }
    }
    tracing::error!(error = %e, "database error");
    err!("internal", detail = format!("database error: {e}"))
}

impl Db {
    /// Opens the database named by the URL: `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Db::connect_tuned(url, &Tuning::default()).await
    }

    /// Opens the database with the pool's size, timeouts and statement bound set.
    pub async fn connect_tuned(url: &str, tuning: &Tuning) -> Result<Db, DbError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_string()));
            }
            let file = path != ":memory:" && !path.contains("mode=memory");
            if file {
                prepare_private_file(std::path::Path::new(path)).map_err(|e| {
                    DbError::Unreachable {
                        url: url.to_string(),
                        source: sqlx::Error::Io(e),
                    }
                })?;
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Scoped queries use `path LIKE 'prefix%'`; case-sensitive LIKE lets SQLite use the index.
                .pragma("case_sensitive_like", "ON")
                .pragma("synchronous", "NORMAL")
                // Reads through a shared memory map: a pooled connection whose page cache another
                // connection's write made stale re-reads pages without copying them.
                .pragma("mmap_size", "1073741824")
                // A write transaction reads the pages it changes through the page cache, not the
                // map; SQLite's default 2 MB makes a bulk write re-read index pages from the file.
                .pragma("cache_size", "-65536")
                // Statement journals of large multi-row INSERTs stay in memory, not in temp files.
                .pragma("temp_store", "MEMORY");
            let pool_opts = if file {
                // The checkpointer below keeps the log short; this is its backstop.
                opts.clone()
                    .pragma("wal_autocheckpoint", crate::wal::BACKSTOP_PAGES)
            } else {
                opts.clone()
            };
            let limit = tuning.statement_timeout();
            let pool = SqlitePoolOptions::new()
                .max_connections(tuning.pool_size.unwrap_or(8))
                .acquire_timeout(tuning.pool_timeout())
                // A new connection is handed out at once; an idle one passes `before_acquire`.
                .after_connect(move |c, _| {
                    Box::pin(async move {
                        match limit {
                            Some(l) => tuning::bound_sqlite(c, l).await,
                            None => Ok(()),
                        }
                    })
                })
                .before_acquire(move |c, _| {
                    Box::pin(async move {
                        match limit {
                            Some(l) => tuning::bound_sqlite(c, l).await.map(|()| true),
                            None => Ok(true),
                        }
                    })
                })
                .connect_with(pool_opts)
                .await
                .map_err(|source| DbError::Unreachable {
                    url: url.to_string(),
                    source,
                })?;
            if file {
                // SQLite gives its -wal and -shm the database's mode; this makes sure of it.
                for f in private_files::sqlite_files(std::path::Path::new(path)) {
                    private_files::tighten(&f, private_files::FILE_MODE);
                }
                crate::wal::spawn_checkpointer(pool.clone(), opts);
            }
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts =
                PgConnectOptions::from_str(url).map_err(|_| DbError::BadUrl(url.to_string()))?;
            if let Some(l) = tuning.statement_timeout() {
                // Set at connection start-up, so every statement of every request is bounded.
                opts = opts.options([("statement_timeout", l.as_millis().to_string())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(tuning.pool_size.unwrap_or(16))
                .acquire_timeout(tuning.pool_timeout())
                .connect_with(opts)
                .await
                .map_err(|source| DbError::Unreachable {
                    url: redact_url(url),
                    source,
                })?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::BadUrl(url.to_string()))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    pub async fn conn(&self) -> Result<Conn, Error> {
        match self {
            Db::Sqlite(p) => p.acquire().await.map(Conn::Sqlite),
            Db::Postgres(p) => p.acquire().await.map(Conn::Postgres),
        }
        .map_err(sql_error)
    }

    /// Begins a write transaction. On SQLite the writer first waits for its turn (see
    /// `tuning`), then takes the write lock at once (`BEGIN IMMEDIATE`), so two writers never
    /// fail half-way. On PostgreSQL the BEGIN runs in a task of its own: a request dropped
    /// while it ran would leave the pooled connection inside a transaction sqlx does not know of.
    pub async fn begin(&self) -> Result<Tx, Error> {
        match self {
            Db::Sqlite(p) => {
                // The connection first, then the turn, as `HandTx` does: a writer holding the
                // turn never waits for a connection that turn-waiters hold.
                let conn = p.acquire().await.map_err(sql_error)?;
                let turn = tuning::take_turn(p).await;
                let begin = sqlx::SqlSafeStr::into_sql_str("BEGIN IMMEDIATE");
                sqlx::Transaction::begin(conn, Some(begin))
                    .await
                    .map(|t| Tx::Sqlite(t, turn))
                    .map_err(sql_error)
            }
            Db::Postgres(p) => {
                let p = p.clone();
                match tokio::spawn(async move { p.begin().await }).await {
                    Ok(r) => r.map(Tx::Postgres).map_err(sql_error),
                    Err(e) => Err(err!("internal", detail = format!("begin task: {e}"))),
                }
            }
        }
    }

    pub async fn schema_version(&self) -> Result<i64, DbError> {
        let mut c = self
            .conn()
            .await
            .map_err(|e| DbError::Sql(sqlx::Error::Protocol(e.message)))?;
        let h = &mut c.handle();
        let exists: Option<String> = match self {
            Db::Sqlite(_) => q!(h, scalar fetch_optional, String,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")?,
            Db::Postgres(_) => q!(h, scalar fetch_optional, String,
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_version'")?,
        };
        if exists.is_none() {
            return Ok(0);
        }
        Ok(
            q!(h, scalar fetch_one, i64, "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_version")?,
        )
    }

    pub fn known_schema_version() -> i64 {
        MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Applies what is missing; refuses a schema newer than this binary.
    pub async fn migrate(&self) -> Result<(), DbError> {
        self.migrate_to(Db::known_schema_version()).await
    }

    /// Applies the missing migrations up to `last` (tests of a migration start below it).
    pub async fn migrate_to(&self, last: i64) -> Result<(), DbError> {
        let found = self.schema_version().await?;
        let known = Db::known_schema_version();
        if found > known {
            return Err(DbError::SchemaTooNew { found, known });
        }
        let due = |m: &&Migration| m.version > found && m.version <= last;
        for m in MIGRATIONS.iter().filter(due) {
            let run = async {
                match self {
                    Db::Sqlite(p) => {
                        let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                        // Another process may have applied it while this one waited for the lock.
                        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
                            .execute(&mut *tx).await?;
                        let done: Option<i64> = sqlx::query_scalar(
                            "SELECT version FROM schema_version WHERE version = $1",
                        )
                        .bind(m.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if done.is_some() {
                            return tx.commit().await;
                        }
                        sqlx::raw_sql(sqlx::AssertSqlSafe(m.sqlite))
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                        )
                        .bind(m.version)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await
                    }
                    Db::Postgres(p) => {
                        let mut tx = p.begin().await?;
                        // Two instances starting together must not both migrate.
                        sqlx::query("SELECT pg_advisory_xact_lock(7426801)")
                            .execute(&mut *tx)
                            .await?;
                        // Created before the check: a SELECT on a missing table would abort
                        // the whole transaction.
                        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                            .execute(&mut *tx).await?;
                        let done: Option<i64> = sqlx::query_scalar(
                            "SELECT version FROM schema_version WHERE version = $1",
                        )
                        .bind(m.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if done.is_some() {
                            return tx.commit().await;
                        }
                        sqlx::raw_sql(sqlx::AssertSqlSafe(m.postgres))
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                        )
                        .bind(m.version)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await
                    }
                }
            };
            run.await.map_err(|source| DbError::Migration {
                version: m.version,
                source,
            })?;
        }
        // Migration 12 rewrote the clear birth dates and ID masks; on SQLite the old values
        // stay in free pages until the file is rebuilt. Once, and only for a file that held people.
        if let Db::Sqlite(p) = self
            && (4..12).contains(&found)
            && last >= 12
        {
            sqlx::raw_sql("VACUUM").execute(p).await?;
            // The checkpoint reports busy (1) while another connection still reads an older
            // snapshot, and then leaves the old pages in the log: try until it is complete.
            for _ in 0..200 {
                let (busy, _, _): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(p)
                        .await?;
                if busy == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(())
    }

    /// Column names and coarse types of every table, for the schema parity test.
    pub async fn describe_columns(&self) -> Result<Vec<(String, String, String)>, Error> {
        let mut c = self.conn().await?;
        let h = &mut c.handle();
        let rows: Vec<(String, String, String)> = match self {
            Db::Sqlite(_) => q!(h, fetch_all, (String, String, String),
                "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name"),
            Db::Postgres(_) => q!(h, fetch_all, (String, String, String),
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, column_name"),
        }
        .map_err(sql_error)?;
        Ok(rows
            .into_iter()
            .map(|(t, c, ty)| (t, c, coarse_type(&ty).to_string()))
            .collect())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Makes the database's directory (0700 when created here, or when it holds only wangge's
/// files) and the database file itself (0600) before SQLite opens it, and tightens the files an
/// earlier version left readable by others.
fn prepare_private_file(path: &std::path::Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_files::create_dir(dir)?;
        let own = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        private_files::tighten_data_dir(dir, &own);
    }
    private_files::create_file(path)?;
    for f in private_files::sqlite_files(path) {
        private_files::tighten(&f, private_files::FILE_MODE);
    }
    Ok(())
}

fn coarse_type(t: &str) -> &'static str {
    let t = t.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("real") || t.contains("double") {
        "real"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        "text"
    }
}

/// Hides a password in a URL before it goes into a message or a log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

// ---- What differs by backend for event reports (kept here so feature modules hold no arms) ----

/// Runs one statement whose text differs by backend, with the same parameters: a script of
/// several statements on SQLite, one statement with data-modifying CTEs on PostgreSQL.
/// `q_split!(h, execute, sqlite: SQL, postgres: SQL, binder)` where `binder!(query)` adds the
/// binds; or `q_split!(h, fetch_all, Row, sqlite: SQL, postgres: SQL, args…)`.
macro_rules! q_split {
    ($h:expr, execute, sqlite: $s:expr, postgres: $p:expr, $bind:ident) => {
        match $h {
            $crate::db::Handle::Sqlite(c) => $bind!(sqlx::query($s)).execute(&mut **c).await.map(|r| r.rows_affected()),
            $crate::db::Handle::Postgres(c) => $bind!(sqlx::query($p)).execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    };
    ($h:expr, $method:ident, $ty:ty, sqlite: $s:expr, postgres: $p:expr $(, $arg:expr)* $(,)?) => {
        match $h {
            $crate::db::Handle::Sqlite(c) => sqlx::query_as::<_, $ty>($s)$(.bind($arg))*.$method(&mut **c).await,
            $crate::db::Handle::Postgres(c) => sqlx::query_as::<_, $ty>($p)$(.bind($arg))*.$method(&mut **c).await,
        }
    };
}

impl Handle<'_> {
    /// The COMMIT of a transaction a script began by hand (see [`HandTx`]); SQLite only.
    pub(crate) async fn commit_by_hand(&mut self) -> Result<(), Error> {
        match self {
            Handle::Sqlite(c) => sqlx::raw_sql("COMMIT")
                .execute(&mut **c)
                .await
                .map(|_| ())
                .map_err(sql_error),
            Handle::Postgres(_) => Err(err!(
                "internal",
                detail = "a hand-run transaction is for SQLite only"
            )),
        }
    }
}

/// A pooled SQLite connection inside a transaction begun and ended by the caller's own scripts,
/// which sqlx does not know of: its pool would take the connection back with the write lock
/// still held. Until the transaction is known to be over, dropping this (a cancelled request, a
/// panic, an error whose ROLLBACK failed) closes the connection instead, and SQLite rolls back
/// what a closed connection left open. It saves round trips: `BEGIN IMMEDIATE` heads the first
/// script and `COMMIT` ends the last one.
pub(crate) struct HandTx {
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    open: bool,
    pool: SqlitePool,
    /// The writer's turn, held from `begun` until the transaction ends.
    turn: Option<tuning::Turn>,
}

impl HandTx {
    pub(crate) fn handle(&mut self) -> Handle<'_> {
        Handle::Sqlite(&mut self.conn)
    }

    /// Waits for the writer's turn, then marks the transaction as (possibly) begun: set before
    /// the trip that begins it, since a drop half-way cannot tell whether BEGIN ran. The reads
    /// before it run outside the turn, so writers queue only for the writing itself.
    pub(crate) async fn begun(&mut self) {
        self.turn = Some(tuning::take_turn(&self.pool).await);
        self.open = true;
    }

    /// Marks the transaction as ended by a script's own COMMIT.
    pub(crate) fn ended(&mut self) {
        self.open = false;
        self.turn = None;
    }

    /// Ends the transaction; when that fails the connection stays marked and is closed on drop
    /// (also when no transaction had begun, as after a BEGIN that timed out: rare and harmless).
    pub(crate) async fn rollback(&mut self) {
        match sqlx::raw_sql("ROLLBACK").execute(&mut *self.conn).await {
            Ok(_) => {
                self.open = false;
                self.turn = None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "rollback of a hand-run transaction failed; closing its connection")
            }
        }
    }
}

impl Drop for HandTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

impl Db {
    /// A connection for a hand-run transaction on SQLite; `None` on PostgreSQL, where sqlx's own
    /// transactions are used.
    pub(crate) async fn hand_tx(&self) -> Result<Option<HandTx>, Error> {
        match self {
            Db::Sqlite(p) => Ok(Some(HandTx {
                conn: p.acquire().await.map_err(sql_error)?,
                open: false,
                pool: p.clone(),
                turn: None,
            })),
            Db::Postgres(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(super::redact_url("postgres://u@h/d"), "postgres://u@h/d");
    }
}
