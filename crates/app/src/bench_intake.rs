//! `wangge bench intake`: events accepted per second through Open311 `POST requests.json` —
//! key check, validation, routing through the locate index, deadline, sealing, the event row and
//! its first history step in one transaction — against a bare handler doing one INSERT into the
//! same database: an event row into the events table (same indexes and triggers, nothing else),
//! which is the ratio's yardstick; a rate-limit row, the cheapest the schema has, is printed
//! beside it for scale. All are served over loopback HTTP and driven the same way: one keep-alive
//! connection, one request after another, each one's latency recorded. The requests are sent in
//! rounds that take turns between the handlers, so a load that comes and goes on the machine falls
//! on all of them alike. Figures are printed, never asserted; the last line is
//! `ratio <full / bare on SQLite>`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::demo::layout::Scale;
use anyhow::bail;
use wangge_domain::NodeKind;
use wangge_domain::System;
use wangge_domain::geometry;
use wangge_domain::rng::SplitMix64;
use wangge_store::{Db, events, nodes, now_ms, open311, testdb};
use wangge_web::{AppState, WebConfig};

use crate::bench_kit::{Client, sqlite_db};

/// The requests of a run are sent in this many rounds, taking turns between the handlers.
const ROUNDS: usize = 5;

/// Throughput and latency of one run.
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Figures {
    fn of(latencies: &mut [Duration], total: Duration) -> Figures {
        latencies.sort();
        let n = latencies.len().max(1);
        let at = |q: usize| {
            latencies
                .get((n * q / 100).min(n - 1))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Figures {
            per_second: latencies.len() as f64 / total.as_secs_f64().max(1e-9),
            p50_ms: at(50),
            p99_ms: at(99),
        }
    }
}

/// Sends every body in turn; returns the latencies and the time of the whole run.
fn drive(
    addr: SocketAddr,
    path: &str,
    bodies: &[String],
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let mut client = Client::connect(addr)?;
    let mut latencies = Vec::with_capacity(bodies.len());
    let started = Instant::now();
    for b in bodies {
        let t = Instant::now();
        let (status, answer) = client.request(
            "POST",
            path,
            "Content-Type: application/x-www-form-urlencoded\r\n",
            b.as_bytes(),
        )?;
        let answer = String::from_utf8_lossy(&answer);
        latencies.push(t.elapsed());
        if status != 200 {
            bail!("{path} answered {status}: {answer}");
        }
    }
    Ok((latencies, started.elapsed()))
}

pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `count` request bodies: leaf categories in turn, points inside random grids, every other one
/// with the reporter's name and phone (sealed on the way in).
pub(crate) async fn request_bodies(
    db: &Db,
    state: &AppState,
    key: &str,
    count: usize,
    seed: u64,
) -> anyhow::Result<Vec<String>> {
    let mut c = db.conn().await?;
    let codes: Vec<String> = events::categories(&mut c.handle())
        .await?
        .into_iter()
        .filter(|x| x.parent_code.is_some())
        .map(|x| x.code)
        .collect();
    let grids = nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid).await?;
    drop(c);
    let boxes: Vec<[f64; 4]> = grids
        .iter()
        .filter_map(|g| g.geometry().ok().flatten())
        .filter_map(|g| geometry::bbox(&g))
        .collect();
    if boxes.is_empty() || codes.is_empty() {
        bail!("the demo city has no grids or no categories");
    }
    let index = state.locate_index();
    let mut rng = SplitMix64::new(seed);
    let mut bodies = Vec::with_capacity(count);
    while bodies.len() < count {
        let [x0, y0, x1, y1] = *rng.pick(&boxes);
        let (lon, lat) = (
            x0 + rng.next_f64() * (x1 - x0),
            y0 + rng.next_f64() * (y1 - y0),
        );
        if index.locate(lon, lat).is_none() {
            continue;
        }
        let i = bodies.len();
        let mut b = format!(
            "api_key={key}&service_code={}&lat={lat:.6}&long={lon:.6}&description={}",
            enc(&codes[i % codes.len()]),
            enc(&format!("压测事件 {i}：路边发现问题，请尽快处理"))
        );
        if i % 2 == 0 {
            b.push_str(&format!(
                "&first_name={}&last_name={}&phone=139{:08}",
                enc("小明"),
                enc("王"),
                rng.next_u64() % 100_000_000
            ));
        }
        if i % 5 == 0 {
            b.push_str("&attribute%5Burgency%5D=urgent");
        }
        bodies.push(b);
    }
    Ok(bodies)
}

/// Seeds the small demo city into `db`, serves both routers and measures them.
async fn measure(db: &Db, label: &str, requests: usize) -> anyhow::Result<f64> {
    db.migrate().await?;
    let started = Instant::now();
    if let crate::demo::Outcome::Created { grids, .. } =
        crate::demo::seed(db, 1, Scale::Small).await?
    {
        println!(
            "{label}: seeded the small demo city ({grids} grids) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let key = {
        let mut tx = db.begin().await?;
        let (_, secret) = open311::create_key(&mut tx.handle(), "bench intake", now_ms()).await?;
        tx.commit().await?;
        secret
    };
    let keys = wangge_store::seal::KeyRing::from_text(&format!(
        "k1 {}",
        wangge_store::auth::random_secret()?
    ))?;
    let state = AppState::new(db.clone(), WebConfig::default(), keys);
    state.refresh_locate().await?;
    let warm = (requests / 10).clamp(20, 200);
    let bodies = request_bodies(db, &state, &key, warm + requests, 7).await?;
    let (warm_bodies, bodies) = bodies.split_at(warm);

    let full_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (full_addr, bare_addr) = (full_listener.local_addr()?, bare_listener.local_addr()?);
    let full = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::router(state.clone()),
        full_listener,
    ));
    let bare = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::open311::bare_insert_router(state.clone()),
        bare_listener,
    ));

    let path = "/open311/v2/requests.json";
    let (warm_bodies, bodies) = (warm_bodies.to_vec(), bodies.to_vec());
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        // Warm all up first, so none gains from another's warm caches.
        drive(full_addr, path, &warm_bodies)?;
        drive(bare_addr, "/bare/event", &warm_bodies)?;
        drive(bare_addr, "/bare/tiny", &warm_bodies)?;
        let targets = [
            (full_addr, path),
            (bare_addr, "/bare/event"),
            (bare_addr, "/bare/tiny"),
        ];
        let mut latencies: [Vec<Duration>; 3] = Default::default();
        let mut totals = [Duration::ZERO; 3];
        let mut round_ratios = Vec::with_capacity(ROUNDS);
        let per_round = bodies.len().div_ceil(ROUNDS).max(1);
        for (round, chunk) in bodies.chunks(per_round).enumerate() {
            let mut took = [Duration::ZERO; 3];
            // Every other round the bare handlers go first, so neither side always inherits
            // the other's unfinished write-ahead log.
            let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [1, 2, 0] };
            for i in order {
                let (addr, target) = targets[i];
                let (l, t) = drive(addr, target, chunk)?;
                latencies[i].extend(l);
                took[i] = t;
                totals[i] += t;
            }
            round_ratios.push(took[1].as_secs_f64() / took[0].as_secs_f64().max(1e-9));
        }
        let [mut l_full, mut l_event, mut l_tiny] = latencies;
        Ok((
            Figures::of(&mut l_full, totals[0]),
            Figures::of(&mut l_event, totals[1]),
            Figures::of(&mut l_tiny, totals[2]),
            round_ratios,
        ))
    })
    .await;
    full.abort();
    bare.abort();
    let (f, b, tiny, rounds) = result??;
    println!(
        "{label}: full / bare in each of {} rounds: {}",
        rounds.len(),
        rounds
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{label}: open311 POST requests.json   {:>8.0} events/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        f.per_second, f.p50_ms, f.p99_ms
    );
    println!(
        "{label}: bare INSERT of an event row {:>8.0} inserts/s  p50 {:>6.2} ms   p99 {:>6.2} ms",
        b.per_second, b.p50_ms, b.p99_ms
    );
    println!(
        "{label}: bare INSERT of a tiny row   {:>8.0} inserts/s  p50 {:>6.2} ms   p99 {:>6.2} ms  (for scale: full / tiny = {:.3})",
        tiny.per_second,
        tiny.p50_ms,
        tiny.p99_ms,
        f.per_second / tiny.per_second.max(1e-9)
    );
    Ok(f.per_second / b.per_second.max(1e-9))
}

/// Runs on SQLite (the given `sqlite://` database, or a temporary one) and, when a PostgreSQL
/// URL is at hand (a `postgres://` database URL, `WANGGE_BENCH_PG_URL`, or `TEST_DATABASE_URL`
/// in which a fresh database is made), on PostgreSQL too. The last line is SQLite's ratio.
pub async fn intake(database_url: Option<&str>, requests: usize) -> anyhow::Result<()> {
    let requests = requests.max(1);
    println!(
        "intake: {requests} requests per run, sequential over one keep-alive loopback connection, after a warm-up"
    );
    let given_pg = database_url.filter(|u| u.starts_with("postgres"));
    let sqlite_ratio = {
        let (db, _guard) = sqlite_db(database_url, "intake").await?;
        let r = measure(&db, "sqlite", requests).await;
        db.close().await;
        r?
    };
    println!("sqlite: full / bare = {sqlite_ratio:.3}");
    let bench_pg = std::env::var("WANGGE_BENCH_PG_URL").ok();
    let test_pg = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let pg = match (given_pg.or(bench_pg.as_deref()), test_pg) {
        (Some(url), _) => Some((Db::connect(url).await?, None)),
        (None, Some(_)) => {
            let t = testdb::fresh().await?;
            Some((t.db.clone(), Some(t)))
        }
        (None, None) => None,
    };
    match pg {
        Some((db, guard)) => {
            let r = measure(&db, "postgres", requests).await;
            db.close().await;
            drop(guard);
            println!("postgres: full / bare = {:.3}", r?);
        }
        None => println!(
            "postgres: skipped (set WANGGE_BENCH_PG_URL or TEST_DATABASE_URL to a postgres:// URL)"
        ),
    }
    println!("ratio {sqlite_ratio:.3}");
    Ok(())
}
