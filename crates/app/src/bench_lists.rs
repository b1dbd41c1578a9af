//! `wangge bench lists`: the server time of the lists at a million events (issue 14).
//!
//! Seeds the small demo city's tree and staff, then 1,000,000 synthetic events over 2025 (the
//! seeding of `bench analysis`, statistics refreshed after it), and sets the server's clock to
//! 2026-01-01 so that Open311's default window (90 days) holds the last quarter's events. Then,
//! over loopback HTTP, it times each list through the real router against a bare handler doing
//! one indexed SELECT of the same page from the same database (no joins, scope rules or
//! rendering), in rounds that take turns between the two so that load on the machine falls on
//! both. Figures are printed, never asserted; the last line is `ratio X`: bare p95 / full p95
//! of the Open311 default list on SQLite.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::{NodeKind, System};
use wangge_store::{Db, auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig};

use crate::bench_analysis::seed_events;
use crate::bench_kit::{Client, sqlite_db};
use crate::demo::layout::Scale;

/// Rounds per list, and requests per side in each round (after warm-up requests).
const ROUNDS: usize = 5;
const PER_ROUND: usize = 40;
const WARM_UP: usize = 5;

fn percentile(d: &mut [Duration], pct: usize) -> f64 {
    d.sort();
    let n = d.len().max(1);
    let i = (n * pct).div_ceil(100).saturating_sub(1).min(n - 1);
    d.get(i).map_or(0.0, |x| x.as_secs_f64() * 1000.0)
}

/// One GET; its time, after checking that it answered 200.
fn timed_get(client: &mut Client, path: &str, cookie: &str) -> anyhow::Result<(Duration, usize)> {
    let headers = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: wangge_session={cookie}\r\n")
    };
    let t = Instant::now();
    let (status, body) = client.request("GET", path, &headers, b"")?;
    let d = t.elapsed();
    if status != 200 {
        bail!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    Ok((d, body.len()))
}

/// What one list measured: p50 and p95 of each side, the full side's body size.
struct Pair {
    full: (f64, f64),
    bare: Option<(f64, f64)>,
    bytes: usize,
}

/// Times `full` (as `cookie`) on `full_addr` and, when given, `bare` on `bare_addr`, in
/// alternating rounds.
fn measure_pair(
    full_addr: SocketAddr,
    full: &str,
    cookie: &str,
    bare_addr: SocketAddr,
    bare: Option<&str>,
) -> anyhow::Result<Pair> {
    let mut fc = Client::connect(full_addr)?;
    let mut bc = Client::connect(bare_addr)?;
    let mut bytes = 0;
    for _ in 0..WARM_UP {
        bytes = timed_get(&mut fc, full, cookie)?.1;
        if let Some(b) = bare {
            timed_get(&mut bc, b, "")?;
        }
    }
    let (mut fd, mut bd) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            fd.push(timed_get(&mut fc, full, cookie)?.0);
        }
        if let Some(b) = bare {
            for _ in 0..PER_ROUND {
                bd.push(timed_get(&mut bc, b, "")?.0);
            }
        }
    }
    Ok(Pair {
        full: (percentile(&mut fd, 50), percentile(&mut fd, 95)),
        bare: bare.map(|_| (percentile(&mut bd, 50), percentile(&mut bd, 95))),
        bytes,
    })
}

async fn session(db: &Db, username: &str) -> anyhow::Result<String> {
    let mut tx = db.begin().await?;
    let u = users::by_username(&mut tx.handle(), &System::acting().scope(), username).await?;
    let s = auth::create_session(&mut tx.handle(), u.id, now_ms(), 24 * 3_600_000).await?;
    tx.commit().await?;
    Ok(s)
}

async fn first_of(db: &Db, kind: NodeKind) -> anyhow::Result<nodes::Node> {
    let mut c = db.conn().await?;
    nodes::of_kind(&mut c.handle(), &System::acting().scope(), kind)
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no {}", kind.as_str()))
}

/// Seeds one database, times every list and returns the Open311 default list's ratio.
async fn measure(db: &Db, label: &str, count: usize) -> anyhow::Result<f64> {
    db.migrate().await?;
    match crate::demo::seed(db, 1, Scale::Small).await? {
        crate::demo::Outcome::Created { grids, .. } => {
            println!("{label}: seeded the small demo city's tree and staff ({grids} grids)");
            let secs = seed_events(db, count).await?;
            println!(
                "{label}: inserted {count} synthetic events over 2025 in {secs:.1} s, then refreshed the statistics"
            );
        }
        crate::demo::Outcome::AlreadyPresent { .. } => {
            // A database a run of this bench left (given by URL): measured again as it is, since
            // seeding a million events takes minutes.
            let mut c = db.conn().await?;
            let n = wangge_store::analysis::synthetic_count(&mut c.handle()).await?;
            if n == 0 {
                bail!(
                    "{label}: the database already holds a city without this bench's events; give an empty one"
                );
            }
            println!("{label}: reusing the city and its {n} synthetic events already there");
        }
    }
    let county = first_of(db, NodeKind::County).await?;
    let township = first_of(db, NodeKind::Township).await?;
    let village = first_of(db, NodeKind::Village).await?;
    let city = first_of(db, NodeKind::City).await?;
    let grid = first_of(db, NodeKind::Grid).await?;
    let county_s = session(db, "countycentre").await?;
    let township_s = session(db, "operator1").await?;
    let grid_s = session(db, &format!("gw{}", grid.code)).await?;

    let keys = wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret()?))?;
    let state = AppState::new(db.clone(), WebConfig::default(), keys);
    // The data's "now": the first instant of 2026, so the default window is 2025's last quarter.
    let new_year = parse_rfc3339("2026-01-01T00:00:00+08:00")?;
    state.clock.advance(new_year - state.now());
    let full_l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (full_addr, bare_addr) = (full_l.local_addr()?, bare_l.local_addr()?);
    let full_server = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::router(state.clone()),
        full_l,
    ));
    let bare_server = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::open311::bare_list_router(state),
        bare_l,
    ));
    let bare_scope = |path: &str, limit: i64| format!("/bare/scope?path={path}&limit={limit}");
    let lists: Vec<(String, String, String, Option<String>)> = vec![
        (
            "open311 GET requests.json (default: newest 100 of 90 days)".into(),
            "/open311/v2/requests.json".into(),
            String::new(),
            Some("/bare/requests".into()),
        ),
        (
            "open311 GET requests.json?status=open&page=5".into(),
            "/open311/v2/requests.json?status=open&page=5".into(),
            String::new(),
            None,
        ),
        (
            "open311 GET requests.json?service_code=(two codes)".into(),
            "/open311/v2/requests.json?service_code=SR01,SR02".into(),
            String::new(),
            None,
        ),
        (
            format!("API inbox all, county {} (50)", county.code),
            "/api/v1/events?inbox=all&limit=50".into(),
            county_s.clone(),
            Some(bare_scope(&county.path, 50)),
        ),
        (
            "API inbox overdue, county (50)".into(),
            "/api/v1/events?inbox=overdue&limit=50".into(),
            county_s.clone(),
            Some(bare_scope(&county.path, 50)),
        ),
        (
            format!("API inbox all, township {} (50)", township.code),
            "/api/v1/events?inbox=all&limit=50".into(),
            township_s.clone(),
            Some(bare_scope(&township.path, 50)),
        ),
        (
            "API inbox to_accept, township (50)".into(),
            "/api/v1/events?inbox=to_accept&limit=50".into(),
            township_s,
            None,
        ),
        (
            format!("API inbox all, grid {} (50)", grid.code),
            "/api/v1/events?inbox=all&limit=50".into(),
            grid_s.clone(),
            Some(bare_scope(&grid.path, 50)),
        ),
        (
            "API inbox closed, grid, 100th row on (offset 100)".into(),
            "/api/v1/events?inbox=closed&limit=50&offset=100".into(),
            grid_s,
            None,
        ),
        (
            "inbox page /events?inbox=all, county (20, HTML)".into(),
            "/events?inbox=all".into(),
            county_s.clone(),
            Some(bare_scope(&county.path, 21)),
        ),
        (
            "home page (bounded counts), county".into(),
            "/".into(),
            county_s,
            None,
        ),
        (
            format!("public board /public/{} (city)", city.code),
            format!("/public/{}", city.code),
            String::new(),
            None,
        ),
        (
            format!("public board /public/{} (village)", village.code),
            format!("/public/{}", village.code),
            String::new(),
            None,
        ),
    ];
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(String, Pair)>> {
        let mut out = Vec::new();
        for (name, full, cookie, bare) in lists {
            let p = measure_pair(full_addr, &full, &cookie, bare_addr, bare.as_deref())?;
            out.push((name, p));
        }
        Ok(out)
    })
    .await;
    full_server.abort();
    bare_server.abort();
    let measured = result??;
    let mut open311_ratio = 0.0;
    for (i, (name, p)) in measured.iter().enumerate() {
        let bare = match p.bare {
            Some((b50, b95)) => {
                let ratio = b95 / p.full.1.max(1e-9);
                if i == 0 {
                    open311_ratio = ratio;
                }
                format!("   bare p50 {b50:>6.2} p95 {b95:>6.2} ms   bare/full p95 {ratio:.3}")
            }
            None => String::new(),
        };
        println!(
            "{label}: {name:<62} full p50 {:>6.2} p95 {:>6.2} ms ({} bytes){bare}",
            p.full.0, p.full.1, p.bytes
        );
    }
    let worst = measured.iter().map(|(_, p)| p.full.1).fold(0.0, f64::max);
    println!("{label}: p95 max over every list {worst:.2} ms");
    println!("{label}: open311 default list bare/full p95 = {open311_ratio:.3}");
    Ok(open311_ratio)
}

/// Runs on SQLite (the given empty `sqlite://` database, or a temporary one) and, when a
/// PostgreSQL URL is at hand (an empty `postgres://` database, or `TEST_DATABASE_URL` in which
/// a fresh database is made), on PostgreSQL too. The last line is SQLite's ratio.
pub async fn lists(database_url: Option<&str>, events: usize) -> anyhow::Result<()> {
    let events = events.max(12);
    println!(
        "lists: {events} events; {ROUNDS} rounds of {PER_ROUND} requests a side per list over loopback, after {WARM_UP} warm-up requests"
    );
    // A postgres:// URL given on the command line measures PostgreSQL alone, so that a database
    // a run left can be measured again without seeding SQLite's million events first.
    let ratio = if database_url.is_some_and(|u| u.starts_with("postgres")) {
        println!("sqlite: skipped (a postgres:// --database-url was given)");
        None
    } else {
        let (db, _guard) = sqlite_db(database_url, "lists").await?;
        let r = measure(&db, "sqlite", events).await;
        db.close().await;
        Some(r?)
    };
    let pg = crate::bench_kit::postgres_db(database_url).await?;
    match pg {
        Some((db, guard)) => {
            let r = measure(&db, "postgres", events).await;
            db.close().await;
            drop(guard);
            r?;
        }
        None => println!(
            "postgres: skipped (give a postgres:// --database-url or set TEST_DATABASE_URL)"
        ),
    }
    if let Some(ratio) = ratio {
        println!("ratio {ratio:.3}");
    }
    Ok(())
}
