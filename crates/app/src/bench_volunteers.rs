//! `wangge bench volunteers`: the yearly ranking of volunteer points (issue 17, "Speed": the
//! ranking of a city of 50,000 volunteers p95 ≤ 50 ms). Seeds the city-scale demo's tree, then
//! 50,000 volunteers spread over its communities with bare inserts, and a year of chained
//! ledger entries (one to six each, with their year totals), then times over loopback HTTP the
//! ranking of the city, a county and a street through the page (`/vol/ranking`) and the API
//! (`/api/v1/volunteers/ranking`), on SQLite and on PostgreSQL when one is at hand. Figures
//! are printed, never asserted; the last line is `p95 max X` (ms).

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use wangge_domain::NodeKind;
use wangge_domain::calendar::Date;
use wangge_domain::volunteers::ledger::{self, GENESIS, Hashed};
use wangge_store::{Db, auth, nodes};
use wangge_web::{AppState, WebConfig};

use crate::bench_workbench::{Probe, first_of, session, time_probes, user_at};
use crate::demo::layout::Scale;

const VOLUNTEERS: usize = 50_000;
/// Rows per INSERT statement.
const CHUNK: usize = 500;

async fn exec(db: &Db, sql: String) -> anyhow::Result<u64> {
    let mut c = db.conn().await?;
    let h = &mut c.handle();
    let q = sqlx::AssertSqlSafe(sql);
    let n = wangge_store::on_conn!(h, c => sqlx::query(q).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

async fn fetch_ids(db: &Db, sql: &str) -> anyhow::Result<Vec<(i64, i64, String)>> {
    let mut c = db.conn().await?;
    let h = &mut c.handle();
    let q = sqlx::AssertSqlSafe(sql.to_string());
    let rows: Vec<(i64, i64, String)> =
        wangge_store::on_conn!(h, c => sqlx::query_as(q).fetch_all(&mut **c).await)?;
    Ok(rows)
}

/// A small deterministic generator, so every run writes the same city.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// 50,000 volunteers over the communities, a year of entries, their year totals. Returns the
/// number of entries.
async fn seed(db: &Db, today: Date) -> anyhow::Result<usize> {
    let villages = fetch_ids(
        db,
        "SELECT id, id, path FROM nodes WHERE kind = 'village' ORDER BY id",
    )
    .await?;
    if villages.is_empty() {
        bail!("the demo has no communities");
    }
    let now = wangge_store::now_ms();
    let posts = ["building_leader", "unit_leader", "volunteer", "volunteer"];
    let mut rows = Vec::with_capacity(CHUNK);
    for i in 0..VOLUNTEERS {
        let (cid, _, path) = &villages[i % villages.len()];
        let b = i / villages.len() % 20 + 1;
        rows.push(format!(
            "({cid}, '{path}', '{b}栋', '{}单元', '{}', '志愿者{i}', '', 'active', 'imported', {now}, '')",
            i % 4 + 1,
            posts[i % posts.len()]
        ));
        if rows.len() == CHUNK || i + 1 == VOLUNTEERS {
            exec(
                db,
                format!(
                    "INSERT INTO volunteers (community_id, path, building, unit, post, name, skills, \
                     status, source, applied_at, decision_reason) VALUES {}",
                    rows.join(", ")
                ),
            )
            .await?;
            rows.clear();
        }
    }
    let vols = fetch_ids(
        db,
        "SELECT id, community_id, path FROM volunteers ORDER BY community_id, id",
    )
    .await?;
    let year = today.year();
    let months = today.month().max(1);
    let mut rng = Lcg(17);
    let mut tails: HashMap<i64, (i64, String)> = HashMap::new();
    let mut totals: Vec<(i64, i64, String, i64)> = Vec::with_capacity(vols.len());
    let mut entries = 0usize;
    let mut ledger_rows = Vec::with_capacity(CHUNK);
    let kinds = [2i64, 2, 3, 3, 5];
    for (vid, cid, path) in &vols {
        let n = 1 + rng.below(6);
        let mut earned = 0;
        for _ in 0..n {
            let month = format!("{year:04}-{:02}", 1 + rng.below(u64::from(months)));
            let points = kinds[rng.below(kinds.len() as u64) as usize];
            let (seq, prev) = tails
                .get(cid)
                .map(|(s, h)| (s + 1, h.clone()))
                .unwrap_or((1, GENESIS.to_string()));
            let h = Hashed {
                community_id: *cid,
                seq,
                volunteer_id: *vid,
                kind: "service",
                points,
                month: &month,
                activity_id: None,
                event_id: None,
                redemption_id: None,
                corrects_id: None,
                reason: "",
                created_by: None,
                created_by_name: "bench",
                created_at: now,
            };
            let hash = ledger::entry_hash(&prev, &h);
            ledger_rows.push(format!(
                "({cid}, {seq}, {vid}, '{path}', 'service', {points}, '{month}', '', 'bench', {now}, '{prev}', '{hash}')"
            ));
            tails.insert(*cid, (seq, hash));
            earned += points;
            entries += 1;
            if ledger_rows.len() == CHUNK {
                write_entries(db, &mut ledger_rows).await?;
            }
        }
        totals.push((*vid, *cid, path.clone(), earned));
    }
    write_entries(db, &mut ledger_rows).await?;
    for chunk in totals.chunks(CHUNK) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(v, c, p, e)| format!("({v}, {year}, {c}, '{p}', {e}, 0)"))
            .collect();
        exec(
            db,
            format!(
                "INSERT INTO volunteer_points (volunteer_id, year, community_id, path, earned, spent) VALUES {}",
                values.join(", ")
            ),
        )
        .await?;
    }
    exec(db, "ANALYZE".to_string()).await?;
    Ok(entries)
}

async fn write_entries(db: &Db, rows: &mut Vec<String>) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    exec(
        db,
        format!(
            "INSERT INTO points_ledger (community_id, seq, volunteer_id, path, kind, points, month, \
             reason, created_by_name, created_at, prev_hash, hash) VALUES {}",
            rows.join(", ")
        ),
    )
    .await?;
    rows.clear();
    Ok(())
}

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
        .context("the clock is out of range")?;
    let started = Instant::now();
    let entries = seed(db, today).await?;
    println!(
        "{label}: wrote {VOLUNTEERS} volunteers and {entries} ledger entries for {} in {:.1} s",
        today.year(),
        started.elapsed().as_secs_f64()
    );
    let city = first_of(db, NodeKind::City).await?;
    let county = first_of(db, NodeKind::County).await?;
    // The street with the most communities under the first county, or any street.
    let street = {
        let mut c = db.conn().await?;
        let scope = wangge_domain::Scope::of_path(&county.path);
        nodes::of_kind(&mut c.handle(), &scope, NodeKind::Township)
            .await?
            .into_iter()
            .next()
            .context("no street")?
    };
    let admin = user_at(db, city.id, "admin").await?;
    let cookie = session(db, &admin).await?;
    let year = today.year();
    let mut probes = Vec::new();
    for (what, node) in [("city", &city), ("county", &county), ("street", &street)] {
        probes.push((
            format!("{what} {}: GET /api/v1/volunteers/ranking", node.code),
            format!("/api/v1/volunteers/ranking?year={year}&node={}", node.code),
        ));
        probes.push((
            format!("{what} {}: /vol/ranking", node.code),
            format!("/vol/ranking?year={year}&node={}", node.code),
        ));
    }
    let probes = probes
        .into_iter()
        .map(|(name, path)| Probe {
            name,
            path,
            cookie: cookie.clone(),
            counted: true,
        })
        .collect();
    time_probes(state, label, probes).await
}

/// SQLite (the given `sqlite://` database, which must be empty, or a temporary one) and
/// PostgreSQL when a `postgres://` URL or `TEST_DATABASE_URL` is at hand.
pub async fn volunteers(database_url: Option<&str>) -> anyhow::Result<()> {
    println!("volunteers: the yearly ranking of {VOLUNTEERS} volunteers across a city");
    let worst = crate::bench_kit::worst_of_both(
        database_url,
        "volunteers",
        false,
        |db, label| async move { measure(&db, label).await },
    )
    .await?;
    println!("p95 max {worst:.2}");
    Ok(())
}
