//! Fresh databases for tests: a temporary SQLite file, or, when `TEST_DATABASE_URL` names a
//! PostgreSQL server, a new database on it. Each call gives a migrated, empty database.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::{Db, DbError};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = crate::db::now_ms();
    format!("wangge_t_{}_{}_{}", std::process::id(), t, n)
}

/// A migrated database of its own; on SQLite the file is removed when this is dropped.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    file: Option<std::path::PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
        if let (Ok(base), Some((_, name))) = (
            std::env::var("TEST_DATABASE_URL"),
            self.url.rsplit_once('/').filter(|_| self.db.is_postgres()),
        ) {
            let name = name.to_string();
            // Dropping a database needs async I/O; a thread of its own lets Drop wait for it.
            // FORCE ends the connections this test's pool still holds.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(admin) = Db::connect(&base).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = admin.execute_alone(sql).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The URL of a fresh, empty (not migrated) database.
pub async fn fresh_url() -> Result<(String, Option<std::path::PathBuf>), DbError> {
    let name = unique_name();
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let admin = Db::connect(&base).await?;
            admin
                .execute_alone(format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await;
            let (head, _) = base
                .rsplit_once('/')
                .ok_or_else(|| DbError::BadUrl(base.clone()))?;
            Ok((format!("{head}/{name}"), None))
        }
        _ => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            Ok((format!("sqlite://{}", path.display()), Some(path)))
        }
    }
}

pub async fn fresh() -> Result<TestDb, DbError> {
    fresh_at(Db::known_schema_version()).await
}

/// A database of its own migrated up to `version` only, to test the migrations after it.
pub async fn fresh_at(version: i64) -> Result<TestDb, DbError> {
    let (url, file) = fresh_url().await?;
    let db = Db::connect(&url).await?;
    db.migrate_to(version).await?;
    Ok(TestDb { db, url, file })
}
