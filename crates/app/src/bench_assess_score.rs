//! `wangge bench assess-score`: a worker's running score (issue 16, "Speed": p95 ≤ 50 ms with
//! a quarter of records). Seeds the city-scale demo and a year of workbench records exactly as
//! `bench workbench` does, then times over loopback HTTP a worker's
//! `GET /api/v1/assessment/score` and `/assess` page (the measures of the quarter so far, the
//! rules in force, the sheet), and a township's `/assess` list for reference, on SQLite and on
//! PostgreSQL when one is at hand. Figures are printed, never asserted; the last line is
//! `p95 max X` (ms) over the worker's probes.

use std::time::Instant;

use anyhow::bail;
use wangge_domain::NodeKind;
use wangge_domain::calendar::Date;
use wangge_store::{Db, auth};
use wangge_web::{AppState, WebConfig};

use crate::bench_workbench::{Probe, first_of, seed_records, session, time_probes, user_at};
use crate::demo::layout::Scale;

async fn measure(db: &Db, label: &str) -> anyhow::Result<f64> {
    db.migrate().await?;
    let started = Instant::now();
    match crate::demo::seed(db, 1, Scale::City).await? {
        crate::demo::Outcome::Created { grids, .. } => println!(
            "{label}: seeded the city demo's tree and staff ({grids} grids) in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
        crate::demo::Outcome::AlreadyPresent { .. } => {
            bail!("{label}: the database already holds a city; give an empty one")
        }
    }
    let keys = wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret()?))?;
    let state = AppState::new(db.clone(), WebConfig::default(), keys);
    let today = Date::from_days((state.now() + 8 * 3_600_000).div_euclid(86_400_000))
        .ok_or_else(|| anyhow::anyhow!("the clock is out of range"))?;
    let started = Instant::now();
    let rows = seed_records(db, today).await?;
    println!(
        "{label}: wrote {rows} records for the year to {today} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let grid = first_of(db, NodeKind::Grid).await?;
    let township = first_of(db, NodeKind::Township).await?;
    let worker = user_at(db, grid.id, "worker").await?;
    let commander = match user_at(db, township.id, "commander").await {
        Ok(u) => u,
        Err(_) => user_at(db, township.id, "operator").await?,
    };
    let worker_cookie = session(db, &worker).await?;
    // (name, path, cookie, counts toward the target)
    let probes = [
        (
            format!("worker {worker}: GET /api/v1/assessment/score"),
            "/api/v1/assessment/score".to_string(),
            worker_cookie.clone(),
            true,
        ),
        (
            format!("worker {worker}: /assess"),
            "/assess".to_string(),
            worker_cookie,
            true,
        ),
        (
            format!("township {}: /assess (all its workers)", township.code),
            "/assess".to_string(),
            session(db, &commander).await?,
            false,
        ),
    ];
    let probes = probes
        .into_iter()
        .map(|(name, path, cookie, counted)| Probe {
            name,
            path,
            cookie,
            counted,
        })
        .collect();
    time_probes(state, label, probes).await
}

/// SQLite (the given `sqlite://` database, which must be empty, or a temporary one) and
/// PostgreSQL when a `postgres://` URL or `TEST_DATABASE_URL` is at hand.
pub async fn assess_score(database_url: Option<&str>) -> anyhow::Result<()> {
    println!("assess-score: a worker's running score over a year of workbench records");
    let worst = crate::bench_kit::worst_of_both(
        database_url,
        "assess_score",
        false,
        |db, label| async move { measure(&db, label).await },
    )
    .await?;
    println!("p95 max {worst:.2}");
    Ok(())
}
