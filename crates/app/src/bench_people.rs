//! `wangge bench people`: the people list and search at city scale. Seeds the city-scale demo
//! (9,968 grids) with about `--people` people through the same generator and bulk writers as
//! `wangge demo --scale city`, then times, through the real router over loopback HTTP, the
//! people page (`GET /people?…`) and the JSON list (`GET /api/v1/people?…`) at city, county,
//! township and grid scope (first page and a later page), and the searches: name prefix, pinyin
//! initials, exact ID number (blind index) and key-group tag. Figures are printed, never
//! asserted; the last line is `p95 max <ms>` over every query.
//!
//! A `sqlite://` database URL that already holds the seeded city is reused as it is, so the
//! queries can be timed again without seeding again; the bench's key ring is fixed (the data is
//! made up) so that its blind indexes still match on a second run.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::demo::layout::{Scale, demo_layout};
use anyhow::{Context, bail};
use wangge_domain::NodeKind;
use wangge_domain::System;
use wangge_domain::basic::KeyGroup;
use wangge_store::basic::people;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig};

use crate::bench_kit::{Client, sqlite_db};
use crate::demo::basic as demo_basic;

/// Timed runs of each query, after a few warm-up runs.
const RUNS: usize = 100;
const WARM_UP: usize = 5;
/// The goal the issue sets for the list and search pages.
const TARGET_P95_MS: f64 = 50.0;
/// Bench data only: fixed so that a reused database's blind indexes still match.
const BENCH_KEYS: &str = "index 7e57000000000000000000000000000000000000000000000000000000000001\n\
     k1 7e57000000000000000000000000000000000000000000000000000000000002\n";

struct Timing {
    p50: f64,
    p95: f64,
    max: f64,
}

impl Timing {
    fn of(mut d: Vec<Duration>) -> Timing {
        d.sort();
        let n = d.len().max(1);
        let ms = |i: usize| {
            d.get(i.min(n - 1))
                .map_or(0.0, |x| x.as_secs_f64() * 1000.0)
        };
        Timing {
            p50: ms(n * 50 / 100),
            p95: ms((n * 95).div_ceil(100).saturating_sub(1)),
            max: ms(n - 1),
        }
    }
}

/// One query to time: a label and the path (with query string) after `/people` or
/// `/api/v1/people`.
struct Probe {
    label: String,
    query: String,
}

fn time_get(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(Timing, usize)> {
    let mut client = Client::connect(addr)?;
    let headers = format!("Cookie: wangge_session={cookie}\r\n");
    let mut size = 0;
    let mut d = Vec::with_capacity(RUNS);
    for i in 0..WARM_UP + RUNS {
        let t = Instant::now();
        let (status, body) = client.request("GET", path, &headers, b"")?;
        let took = t.elapsed();
        if status != 200 {
            bail!(
                "{path} answered {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
        size = body.len();
        if i >= WARM_UP {
            d.push(took);
        }
    }
    Ok((Timing::of(d), size))
}

/// People a grid gets so that the city holds about `people`.
fn per_grid(people: usize, grids: usize) -> usize {
    people.div_ceil(grids.max(1)).max(1)
}

/// Seeds the city (nodes, staff, people …) unless the database already holds it.
async fn seed(db: &Db, keys: &KeyRing, label: &str, people: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    match crate::demo::seed(db, 1, Scale::City).await? {
        crate::demo::Outcome::Created { grids, .. } => {
            println!(
                "{label}: city-scale demo tree ({grids} grids) in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            let layout = demo_layout(1, Scale::City);
            let plans = demo_basic::grid_plans(&layout)?;
            let n = per_grid(people, plans.len());
            let o = demo_basic::seed(
                db,
                keys,
                1,
                plans,
                n,
                demo_basic::print_progress(Instant::now()),
            )
            .await?;
            println!(
                "{label}: seeded {} people ({n} a grid), {} households, {} houses, {} tags in {:.1} s ({:.0} people/s)",
                o.counts.people,
                o.counts.households,
                o.counts.houses,
                o.tags,
                o.secs,
                o.people as f64 / o.secs.max(1e-9)
            );
        }
        crate::demo::Outcome::AlreadyPresent { nodes } => {
            println!(
                "{label}: the database already holds a city ({nodes} nodes); timing it as it is"
            );
        }
    }
    Ok(())
}

/// The queries: scopes (first and a later page) and searches.
async fn probes(db: &Db, keys: &KeyRing) -> anyhow::Result<Vec<Probe>> {
    let all = System::acting().scope();
    let mut c = db.conn().await?;
    let first = |kind: NodeKind| {
        let all = all.clone();
        async move {
            let mut c = db.conn().await?;
            nodes::of_kind(&mut c.handle(), &all, kind)
                .await?
                .into_iter()
                .next()
                .with_context(|| format!("no {}", kind.as_str()))
        }
    };
    let county = first(NodeKind::County).await?;
    let township = first(NodeKind::Township).await?;
    let grid = first(NodeKind::Grid).await?;
    let total = wangge_store::basic::counts(&mut c.handle(), keys, &all, "/")
        .await?
        .people;
    if total == 0 {
        bail!("the database holds no people");
    }
    // A later page starts after a row deep inside the scope: the list's own page walk, 500 rows
    // at a time, stopped after `skip` rows.
    async fn after_row(
        c: &mut wangge_store::Conn,
        keys: &KeyRing,
        under: &str,
        skip: usize,
    ) -> anyhow::Result<i64> {
        let filter = people::Filter {
            under: Some(under.to_string()),
            ..people::Filter::default()
        };
        let mut after = None;
        let mut seen = 0;
        while seen < skip {
            let page = people::list(
                &mut c.handle(),
                keys,
                &System::acting().scope(),
                &filter,
                after,
                (skip - seen).min(500) as i64,
            )
            .await?;
            let Some(last) = page.last() else { break };
            seen += page.len();
            after = Some(last.id);
        }
        after.context("an empty scope")
    }
    let mut out = Vec::new();
    for (what, node, skip) in [
        ("city", None, 5000),
        ("county", Some(&county), 5000),
        ("township", Some(&township), 2000),
        ("grid", Some(&grid), 200),
    ] {
        let (under_q, under_path) = match node {
            Some(n) => (format!("under={}", n.code), n.path.clone()),
            None => (String::new(), "/".to_string()),
        };
        out.push(Probe {
            label: format!("list {what} first page"),
            query: under_q.clone(),
        });
        let after = after_row(&mut c, keys, &under_path, skip).await?;
        let sep = if under_q.is_empty() { "" } else { "&" };
        out.push(Probe {
            label: format!("list {what} after {skip} rows"),
            query: format!("{under_q}{sep}after={after}"),
        });
    }
    // An ID number that is in the database: the generator's first person of the first grid.
    let layout = demo_layout(1, Scale::City);
    let plans = demo_basic::grid_plans(&layout)?;
    let plan = plans.first().context("no grid")?;
    let sample = demo_basic::generate(1, plan, 20)?;
    let person = sample.people.first().context("no person")?;
    let found = people::list(
        &mut c.handle(),
        keys,
        &all,
        &people::Filter {
            q: Some(person.id_number.expose().clone()),
            ..people::Filter::default()
        },
        None,
        5,
    )
    .await?;
    if found.len() != 1 {
        bail!(
            "the sample ID number of grid {} is not in the database: was it seeded by another seed?",
            plan.code
        );
    }
    let surname: String = person.name.chars().take(1).collect();
    let full: String = person.name.clone();
    let initials = wangge_store::basic::name_initials(&person.name);
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    out.push(Probe {
        label: format!("search name prefix {surname} (city)"),
        query: format!("q={}", enc(&surname)),
    });
    out.push(Probe {
        label: format!("search name prefix {full} (city)"),
        query: format!("q={}", enc(&full)),
    });
    out.push(Probe {
        label: format!("search name prefix {surname} (township)"),
        query: format!("under={}&q={}", township.code, enc(&surname)),
    });
    out.push(Probe {
        label: format!("search initials {initials} (city)"),
        query: format!("q={initials}"),
    });
    let two: String = initials.chars().take(2).collect();
    out.push(Probe {
        label: format!("search initials {two} (county)"),
        query: format!("under={}&q={two}", county.code),
    });
    out.push(Probe {
        label: "search exact ID number (city)".into(),
        query: format!("q={}", person.id_number),
    });
    for (g, under) in [
        (KeyGroup::Dibao, None),
        (KeyGroup::Floating, None),
        (KeyGroup::Cult, None),
        (KeyGroup::Dibao, Some(&township)),
    ] {
        let (q, where_) = match under {
            Some(n) => (format!("under={}&tag={}", n.code, g.as_str()), "township"),
            None => (format!("tag={}", g.as_str()), "city"),
        };
        out.push(Probe {
            label: format!("tag {} ({where_})", g.label_zh()),
            query: q,
        });
    }
    Ok(out)
}

/// Seeds (or reuses) one database and prints its figures; returns the worst p95.
async fn measure(db: &Db, label: &str, people: usize) -> anyhow::Result<f64> {
    db.migrate().await?;
    let keys = KeyRing::from_text(BENCH_KEYS)?;
    seed(db, &keys, label, people).await?;
    let probes = probes(db, &keys).await?;

    let secret = {
        let mut tx = db.begin().await?;
        let u = users::by_username(&mut tx.handle(), &System::acting().scope(), "admin").await?;
        let s = auth::create_session(&mut tx.handle(), u.id, now_ms(), 3_600_000).await?;
        tx.commit().await?;
        s
    };
    // The exact ID look-up is timed 105 times a run per page: past any hourly limit a user has.
    let config = WebConfig {
        lookups_per_hour: 1_000_000,
        ..WebConfig::default()
    };
    let state = AppState::new(db.clone(), config, keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::router(state),
        listener,
    ));
    let label_owned = label.to_string();
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let mut worst = 0.0f64;
        println!(
            "{label_owned}: {RUNS} runs each after {WARM_UP} warm-up runs, signed in as admin, over loopback HTTP (server time plus a loopback round trip)"
        );
        for p in &probes {
            for (kind, base) in [("page", "/people"), ("api ", "/api/v1/people")] {
                let path = if p.query.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", p.query)
                };
                let (t, size) = time_get(addr, &path, &secret)?;
                worst = worst.max(t.p95);
                let flag = if t.p95 > TARGET_P95_MS { "  MISS" } else { "" };
                println!(
                    "{label_owned}: {kind} {:<40} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms  ({size} bytes){flag}",
                    p.label, t.p50, t.p95, t.max
                );
            }
        }
        Ok(worst)
    })
    .await;
    server.abort();
    result?
}

/// Runs on SQLite (the given `sqlite://` database, reused when it holds the city, or a
/// temporary one) and on PostgreSQL when a `postgres://` URL or `TEST_DATABASE_URL` is at hand.
pub async fn people(database_url: Option<&str>, people: usize) -> anyhow::Result<()> {
    println!("people list and search: about {people} people in the city-scale demo");
    let mut worst = 0.0f64;
    {
        let (db, _guard) = sqlite_db(database_url, "people").await?;
        let r = measure(&db, "sqlite", people).await;
        db.close().await;
        worst = worst.max(r?);
    }
    let pg = crate::bench_kit::postgres_db(database_url).await?;
    match pg {
        Some((db, guard)) => {
            let r = measure(&db, "postgres", people).await;
            db.close().await;
            drop(guard);
            worst = worst.max(r?);
        }
        None => println!(
            "postgres: skipped (give a postgres:// --database-url or set TEST_DATABASE_URL)"
        ),
    }
    println!("p95 max {worst:.2}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_grid_rounds_up() {
        assert_eq!(per_grid(3_000_000, 9968), 301);
        assert_eq!(per_grid(10, 9968), 1);
        assert_eq!(per_grid(0, 0), 1);
        let t = Timing::of((1..=100).map(Duration::from_millis).collect());
        assert_eq!((t.p50, t.p95, t.max), (51.0, 95.0, 100.0));
    }

    #[test]
    fn bench_keys_parse() {
        assert!(KeyRing::from_text(BENCH_KEYS).is_ok());
    }
}
