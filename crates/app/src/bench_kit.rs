//! What the benchmarks share: a throw-away SQLite database and a minimal HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::Context;
use wangge_store::{Db, now_ms};

/// Removes a SQLite file and its WAL companions when dropped.
pub struct RemoveOnDrop(std::path::PathBuf);

impl RemoveOnDrop {
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The PostgreSQL database named by `database_url`, or else a fresh test database when
/// `TEST_DATABASE_URL` is a postgres URL (dropped with its guard), or none.
pub async fn postgres_db(
    database_url: Option<&str>,
) -> anyhow::Result<Option<(Db, Option<wangge_store::testdb::TestDb>)>> {
    let given = database_url.filter(|u| u.starts_with("postgres"));
    let test = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    Ok(match (given, test) {
        (Some(url), _) => Some((Db::connect(url).await?, None)),
        (None, Some(_)) => {
            let t = wangge_store::testdb::fresh().await?;
            Some((t.db.clone(), Some(t)))
        }
        (None, None) => None,
    })
}

/// The SQLite database named by `database_url`, or a new temporary file removed afterwards.
/// Unlike the test databases, this ignores `TEST_DATABASE_URL`: the SQLite figures are SQLite's.
pub async fn sqlite_db(
    database_url: Option<&str>,
    name: &str,
) -> anyhow::Result<(Db, Option<RemoveOnDrop>)> {
    match database_url.filter(|u| u.starts_with("sqlite")) {
        Some(url) => Ok((Db::connect(url).await?, None)),
        None => {
            let path = std::env::temp_dir().join(format!(
                "wangge_bench_{name}_{}_{}.db",
                std::process::id(),
                now_ms()
            ));
            let url = format!("sqlite://{}", path.display());
            Ok((Db::connect(&url).await?, Some(RemoveOnDrop(path))))
        }
    }
}

/// One keep-alive loopback connection; the server always answers with a Content-Length.
pub struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Client> {
        Client::over(TcpStream::connect(addr)?)
    }

    /// A client on a stream already connected (from an address of the caller's choice).
    pub fn over(stream: TcpStream) -> anyhow::Result<Client> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok(Client { stream, reader })
    }

    /// Sends one request (`headers` are whole lines ending in CRLF); returns status and body.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {}\r\n\r\n",
            body.len()
        );
        self.stream.write_all(head.as_bytes())?;
        self.stream.write_all(body)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse()?;
            }
        }
        let mut buf = vec![0u8; length];
        self.reader.read_exact(&mut buf)?;
        Ok((status, buf))
    }
}

/// Runs a measurement on SQLite (the given `sqlite://` database or a temporary one; skipped
/// when `postgres_only` and a postgres URL was given) and then on PostgreSQL when one is at hand
/// (see [`postgres_db`]), and returns the larger of the two worst p95s it reports.
pub async fn worst_of_both<F, Fut>(
    database_url: Option<&str>,
    name: &str,
    postgres_only: bool,
    measure: F,
) -> anyhow::Result<f64>
where
    F: Fn(Db, &'static str) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<f64>>,
{
    let mut worst = 0.0f64;
    if postgres_only && database_url.is_some_and(|u| u.starts_with("postgres")) {
        println!("sqlite: skipped (a postgres:// --database-url was given)");
    } else {
        let (db, _guard) = sqlite_db(database_url, name).await?;
        let r = measure(db.clone(), "sqlite").await;
        db.close().await;
        worst = worst.max(r?);
    }
    match postgres_db(database_url).await? {
        Some((db, guard)) => {
            let r = measure(db.clone(), "postgres").await;
            db.close().await;
            drop(guard);
            worst = worst.max(r?);
        }
        None => println!(
            "postgres: skipped (give a postgres:// --database-url or set TEST_DATABASE_URL)"
        ),
    }
    Ok(worst)
}
