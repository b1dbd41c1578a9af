//! SQLite's write-ahead log, copied back into the database beside the requests, not inside them.
//!
//! SQLite's own auto-checkpoint runs in the commit that pushes the log past its limit, so one
//! request in a few hundred waits while the log is copied into the database file and synced.
//! A task with a connection of its own checkpoints the log often instead (PASSIVE: it never
//! blocks a writer or a reader). The pool's connections keep a higher auto-checkpoint limit as a
//! backstop: a log the task could not keep up with is still bounded.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ConnectOptions, SqliteConnection};

/// How often the task checkpoints. At a few thousand small commits a second the log grows by a
/// few megabytes in this time.
pub(crate) const PERIOD: Duration = Duration::from_millis(50);

/// The pool's auto-checkpoint limit, in pages (SQLite's default is 1,000): far above what the
/// task lets the log reach, so a request pays for a checkpoint only when the task falls behind.
pub(crate) const BACKSTOP_PAGES: &str = "8000";

/// Starts the checkpointing task for a file database; it ends soon after the pool is closed.
pub(crate) fn spawn_checkpointer(pool: SqlitePool, opts: SqliteConnectOptions) {
    tokio::spawn(async move {
        let mut conn: Option<SqliteConnection> = None;
        let mut ticks = tokio::time::interval(PERIOD);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                break;
            }
            let c = match conn.as_mut() {
                Some(c) => c,
                None => match opts.connect().await {
                    Ok(c) => conn.insert(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "the checkpointer cannot open the database");
                        continue;
                    }
                },
            };
            if let Err(e) = checkpoint(c).await {
                tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
                conn = None;
            }
        }
        if let Some(c) = conn {
            let _ = sqlx::Connection::close(c).await;
        }
    });
}

/// One passive checkpoint: copies what it can of the log into the database without waiting on
/// anyone. Returns the log's frames and how many of them are now in the database.
pub(crate) async fn checkpoint(c: &mut SqliteConnection) -> Result<(i64, i64), sqlx::Error> {
    let (_busy, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *c)
        .await?;
    Ok((log, done))
}
