//! `wangge bench assess`: closing a quarter at city scale (issue 16, "Speed"). Seeds the
//! city-scale demo's tree and staff (about 10,000 grid workers) and a quarter of workbench
//! records in the shapes `bench workbench` writes, then closes the last ended quarter for every township of the city
//! (measures, scores, grades, chained results), on SQLite and on PostgreSQL when one is at hand.
//! Figures are printed, never asserted; the last lines are `seconds X` (the slower database's
//! close) and `peak_mb Y`: the larger peak resident memory (VmHWM) of the closes. The closes run
//! in a fresh process of this binary (`bench assess-close`, hidden), so the memory the seeding
//! held is not counted, and what a township office's close costs is all that is.

use std::time::Instant;

use anyhow::{Context, bail};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::{NodeKind, System};
use wangge_store::audit::Actor;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, auth, nodes, now_ms};

use crate::bench_kit::sqlite_db;
use crate::demo::layout::Scale;

const TARGET_SECONDS: f64 = 30.0;
const TARGET_MB: f64 = 500.0;

/// The peak resident memory of this process in MB (VmHWM), if the system tells.
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Seeds (unless the city is there already, as a database kept from an earlier run), then has a
/// child process close: the seconds the closes took and that process's peak resident memory (MB).
async fn measure(db: &Db, url: &str, label: &str) -> anyhow::Result<(f64, f64)> {
    db.migrate().await?;
    let today = Date::from_days((now_ms() + 8 * 3_600_000).div_euclid(86_400_000))
        .context("the clock is out of range")?;
    let started = Instant::now();
    match crate::demo::seed(db, 1, Scale::City).await? {
        crate::demo::Outcome::Created { grids, .. } => {
            println!(
                "{label}: seeded the city demo's tree and staff ({grids} grids) in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            let started = Instant::now();
            let q = Quarter::of(today).prev();
            let rows = crate::bench_workbench::seed_span(db, q.start(), q.end()).await?;
            println!(
                "{label}: wrote {rows} workbench records of {} in {:.1} s",
                Quarter::of(today).prev(),
                started.elapsed().as_secs_f64()
            );
        }
        crate::demo::Outcome::AlreadyPresent { .. } => {
            println!("{label}: reusing the city and records already in the database")
        }
    }
    if let Some(mb) = peak_mb() {
        println!("{label}: peak resident memory of the seeding {mb:.0} MB");
    }
    let exe = std::env::current_exe().context("this program's path")?;
    let out = std::process::Command::new(exe)
        .args(["--database-url", url, "bench", "assess-close"])
        .output()
        .context("starting the closes")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{label}: the closes failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (mut seconds, mut peak) = (0.0, 0.0);
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("seconds ") {
            seconds = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("peak_mb ") {
            peak = v.trim().parse().unwrap_or(0.0);
        } else {
            println!("{label}: {line}");
        }
    }
    let flag = if seconds > TARGET_SECONDS || peak >= TARGET_MB {
        "  MISS"
    } else {
        ""
    };
    println!("{label}: closes {seconds:.1} s, peak resident memory {peak:.0} MB{flag}");
    Ok((seconds, peak))
}

/// `bench assess-close`: closes the last ended quarter for every township of the database (the
/// child of `bench assess`), printing `seconds X` and `peak_mb Y` of this process.
pub async fn close_all(database_url: Option<&str>) -> anyhow::Result<()> {
    let url = database_url.context("bench assess-close needs --database-url")?;
    let db = Db::connect(url).await?;
    let label = "close";
    let today = Date::from_days((now_ms() + 8 * 3_600_000).div_euclid(86_400_000))
        .context("the clock is out of range")?;
    let quarter = Quarter::of(today).prev();
    let keys = KeyRing::from_text(&format!("k1 {}", auth::random_secret()?))?;
    let townships = {
        let mut c = db.conn().await?;
        nodes::of_kind(
            &mut c.handle(),
            &System::acting().scope(),
            NodeKind::Township,
        )
        .await?
    };
    let actor = Actor::system("bench");
    if let Some(mb) = peak_mb() {
        println!("{label}: resident memory at start {mb:.0} MB");
    }
    let started = Instant::now();
    let (mut workers, mut closed, mut skipped) = (0i64, 0usize, 0usize);
    for t in &townships {
        let mut tx = db.begin().await?;
        tx.unbounded().await?;
        match wangge_store::assessment::close::close_quarter(
            &mut tx.handle(),
            &keys,
            t,
            quarter,
            300_000,
            &actor,
            now_ms(),
        )
        .await
        {
            Ok(c) => {
                tx.commit().await?;
                workers += c.workers;
                closed += 1;
            }
            Err(e) if e.code == "assess.quarter_closed" => skipped += 1,
            Err(e) => bail!("{label}: closing {} {}: {e}", t.code, quarter),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_mb().unwrap_or(0.0);
    if skipped > 0 {
        println!("{label}: {skipped} townships had {quarter} closed already (a kept database)");
    }
    println!("{label}: closed {quarter} for {closed} townships, {workers} workers");
    db.close().await;
    println!("seconds {seconds:.2}");
    println!("peak_mb {peak:.0}");
    Ok(())
}

/// SQLite (the given `sqlite://` database or a temporary one) and PostgreSQL when a
/// `postgres://` URL or `TEST_DATABASE_URL` is at hand.
pub async fn assess(database_url: Option<&str>) -> anyhow::Result<()> {
    println!(
        "assess: closing the last ended quarter for every township of the city demo (about 10,000 workers); {} build",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let mut worst = 0.0f64;
    let mut peak = 0.0f64;
    {
        let (db, guard) = sqlite_db(database_url, "assess").await?;
        let url = match (database_url.filter(|u| u.starts_with("sqlite")), &guard) {
            (Some(u), _) => u.to_string(),
            (None, Some(g)) => format!("sqlite://{}", g.path().display()),
            (None, None) => bail!("no SQLite database"),
        };
        let r = measure(&db, &url, "sqlite").await;
        db.close().await;
        let (s, mb) = r?;
        worst = worst.max(s);
        peak = peak.max(mb);
    }
    match crate::bench_kit::postgres_db(database_url).await? {
        Some((db, guard)) => {
            let url = match (database_url.filter(|u| u.starts_with("postgres")), &guard) {
                (Some(u), _) => u.to_string(),
                (None, Some(t)) => t.url.clone(),
                (None, None) => bail!("no PostgreSQL database"),
            };
            let r = measure(&db, &url, "postgres").await;
            db.close().await;
            drop(guard);
            let (s, mb) = r?;
            worst = worst.max(s);
            peak = peak.max(mb);
        }
        None => println!(
            "postgres: skipped (give a postgres:// --database-url or set TEST_DATABASE_URL)"
        ),
    }
    let mb = peak;
    if mb >= TARGET_MB || worst > TARGET_SECONDS {
        println!("MISS: the goal is at most {TARGET_SECONDS} s and under {TARGET_MB} MB");
    }
    println!("seconds {worst:.1}");
    println!("peak_mb {mb:.0}");
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_peak_memory() {
        let mb = peak_mb().unwrap();
        assert!(mb > 0.0);
    }
}
