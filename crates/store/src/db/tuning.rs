//! The bounds a server puts on its database work, and SQLite's one writer path.
//!
//! - A statement timeout: PostgreSQL's `statement_timeout` on every pooled connection. SQLite
//!   cannot say where a statement begins without unsafe hooks, so there the bound is on a
//!   request's turn with a connection: each time the pool hands one out, a progress handler is
//!   armed that interrupts its work past the bound. A bulk job that is meant to run long lifts
//!   the bound for its own transaction ([`super::Tx::unbounded`]); the next hand-out re-arms it.
//! - A pool that answers "busy" after `pool_timeout_ms` instead of keeping a request waiting.
//! - Writers on one SQLite file take turns in the order they came (a fair async mutex) before
//!   `BEGIN IMMEDIATE`, instead of all asking SQLite for its write lock and sleeping in its busy
//!   handler, whose back-off (1, 2, 5 … 100 ms) is what made the tail of concurrent reports.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use sqlx::SqliteConnection;
use sqlx::sqlite::SqlitePool;
use tokio::sync::OwnedMutexGuard;

/// How a pool is sized and bounded. [`Tuning::default`] is for the command line (bulk jobs,
/// no statement timeout); [`Tuning::server`] is what `wangge serve` starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// Longest a statement may run, in milliseconds; 0 leaves statements unbounded.
    pub statement_timeout_ms: u64,
    /// Connections in the pool [default: 8 on SQLite, 16 on PostgreSQL].
    pub pool_size: Option<u32>,
    /// How long a request waits for a free connection before it is answered 503.
    pub pool_timeout_ms: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            statement_timeout_ms: 0,
            pool_size: None,
            pool_timeout_ms: 10_000,
        }
    }
}

impl Tuning {
    /// The server's defaults: a list answers in milliseconds, so 15 s is only ever reached by
    /// work nobody waits for any more.
    pub fn server() -> Tuning {
        Tuning {
            statement_timeout_ms: 15_000,
            pool_size: None,
            pool_timeout_ms: 5_000,
        }
    }

    pub(crate) fn statement_timeout(&self) -> Option<Duration> {
        (self.statement_timeout_ms > 0).then(|| Duration::from_millis(self.statement_timeout_ms))
    }

    pub(crate) fn pool_timeout(&self) -> Duration {
        Duration::from_millis(self.pool_timeout_ms.max(1))
    }
}

/// SQLite calls the progress handler after about this many virtual-machine steps (well under
/// a millisecond of work).
const PROGRESS_OPS: i32 = 20_000;

/// Arms the progress handler: work on this connection past `limit` from now is interrupted.
pub(crate) async fn bound_sqlite(
    conn: &mut SqliteConnection,
    limit: Duration,
) -> Result<(), sqlx::Error> {
    let deadline = Instant::now() + limit;
    conn.lock_handle()
        .await?
        .set_progress_handler(PROGRESS_OPS, move || Instant::now() <= deadline);
    Ok(())
}

/// Lifts the bound on one SQLite connection (for a bulk job's transaction).
pub(crate) async fn unbound_sqlite(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    conn.lock_handle().await?.remove_progress_handler();
    Ok(())
}

type TurnLock = Arc<tokio::sync::Mutex<()>>;

/// One writer queue per SQLite file, shared by every pool this process opens on it.
static TURNS: LazyLock<Mutex<HashMap<PathBuf, TurnLock>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The writer queue of the pool's file.
fn turn_lock(pool: &SqlitePool) -> TurnLock {
    let file = pool.connect_options().get_filename().to_path_buf();
    match TURNS.lock() {
        Ok(mut m) => m.entry(file).or_default().clone(),
        // A panic while the map was held cannot leave it half-changed; a private queue is
        // still correct (SQLite's own lock and busy timeout remain), only less fair.
        Err(_) => TurnLock::default(),
    }
}

/// A writer's turn on a file, held until its transaction ends.
pub struct Turn(#[allow(dead_code)] OwnedMutexGuard<()>);

/// Waits for the writer's turn on the pool's file.
pub(crate) async fn take_turn(pool: &SqlitePool) -> Turn {
    Turn(turn_lock(pool).lock_owned().await)
}
