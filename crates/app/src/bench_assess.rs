//! `wangge bench assess`: closing a quarter at city scale (issue 16, "Speed"). Seeds the
//! city-scale demo's tree and staff (about 10,000 grid workers) and a year of workbench records
//! as `bench workbench` does, then closes the last ended quarter for every township of the city
//! (measures, scores, grades, chained results), on SQLite and on PostgreSQL when one is at hand.
//! Figures are printed, never asserted; the last lines are `seconds X` (the slower database's
//! close) and `peak_mb Y` (the process's peak resident memory, VmHWM).

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

/// Seeds (unless the city is there already, as a database kept from an earlier run) and closes;
/// the seconds the closes took.
async fn measure(db: &Db, label: &str) -> anyhow::Result<f64> {
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
            let rows = crate::bench_workbench::seed_records(db, today).await?;
            println!(
                "{label}: wrote {rows} workbench records for the year to {today} in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        crate::demo::Outcome::AlreadyPresent { .. } => {
            println!("{label}: reusing the city and records already in the database")
        }
    }
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
    if skipped > 0 {
        println!("{label}: {skipped} townships had {quarter} closed already (a kept database)");
    }
    let flag = if seconds > TARGET_SECONDS {
        "  MISS"
    } else {
        ""
    };
    println!(
        "{label}: closed {quarter} for {closed} townships, {workers} workers in {seconds:.1} s{flag}"
    );
    Ok(seconds)
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
    {
        let (db, _guard) = sqlite_db(database_url, "assess").await?;
        let r = measure(&db, "sqlite").await;
        db.close().await;
        worst = worst.max(r?);
        if let Some(mb) = peak_mb() {
            println!("sqlite: peak resident memory so far {mb:.0} MB");
        }
    }
    match crate::bench_kit::postgres_db(database_url).await? {
        Some((db, guard)) => {
            let r = measure(&db, "postgres").await;
            db.close().await;
            drop(guard);
            worst = worst.max(r?);
        }
        None => println!(
            "postgres: skipped (give a postgres:// --database-url or set TEST_DATABASE_URL)"
        ),
    }
    let mb = peak_mb().unwrap_or(0.0);
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
