//! `wangge bench analysis`: the server time of the monthly analysis (研判) over many events.
//!
//! Seeds the small demo city into a fresh database, then writes synthetic events straight into
//! the `events` table with multi-row INSERTs in a few large transactions — not through
//! `events::report`, which would take hours for a million — spread over the twelve months of
//! 2025 and every grid, with a realistic mix of levels, categories, statuses, due times, late
//! closings and rework; the triggers of migration 3 keep the running totals as the rows go in.
//! Then it times `analysis::monthly` for the county and for one township (one month each, 100
//! runs after a warm-up), the same figures counted straight from the events for comparison (and
//! checks that both agree), and the `/analysis` page and its XLSX export for the county over
//! loopback HTTP. Figures are printed, never asserted.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::demo::layout::Scale;
use anyhow::{Context, bail};
use wangge_domain::System;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::event::Status;
use wangge_domain::rng::SplitMix64;
use wangge_domain::{NodeKind, Scope};
use wangge_store::analysis::{self, SyntheticEvent};
use wangge_store::{Db, auth, events, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig};

use crate::bench_kit::{Client, sqlite_db};

/// The month every timing analyses.
const MONTH: i64 = 202506;
const MONTH_PARAM: &str = "2025-06";
/// Timed runs of each kind.
const RUNS: usize = 100;
/// Rows per transaction while seeding.
const PER_TX: usize = 50_000;
const DAY_MS: i64 = 86_400_000;

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

    fn line(&self) -> String {
        format!(
            "p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
            self.p50, self.p95, self.max
        )
    }
}

/// A leaf category as the generator needs it.
struct Kind {
    code: String,
    complexity: String,
    level: i64,
    /// 7 / 15 / 30 days.
    period_days: i64,
}

/// A grid's id and path, and the paths of its ancestors from the village (level 2) up.
struct Place {
    id: i64,
    path: String,
    /// Index 0: level 1 (the grid) … 4: level 5 (the city).
    holders: [String; 5],
}

fn holders(path: &str) -> [String; 5] {
    let codes: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let prefix = |n: usize| {
        let mut p = String::from("/");
        for c in codes.iter().take(n) {
            p.push_str(c);
            p.push('/');
        }
        p
    };
    let depth = codes.len();
    // Level L is held by the node L − 1 steps above the grid.
    std::array::from_fn(|i| prefix(depth.saturating_sub(i).max(1)))
}

/// Weighted pick: the index whose cumulative weight passes a uniform draw.
fn weighted(rng: &mut SplitMix64, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = (rng.next_f64() * f64::from(total)) as u32;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// The statuses with their share (per mille) in a month that is over: most closed.
const STATUSES: [(Status, u32); 8] = [
    (Status::Closed, 790),
    (Status::Reported, 20),
    (Status::Accepted, 50),
    (Status::Assigned, 50),
    (Status::FeedbackGiven, 40),
    (Status::Rejected, 30),
    (Status::Cancelled, 15),
    (Status::Merged, 5),
];

fn month_start(year: i64, month: i64) -> anyhow::Result<i64> {
    Ok(parse_rfc3339(&format!(
        "{year:04}-{month:02}-01T00:00:00+08:00"
    ))?)
}

/// One synthetic event of `month` (1–12 of 2025).
fn synthetic(
    rng: &mut SplitMix64,
    n: usize,
    month: i64,
    span: (i64, i64),
    kinds: &[Kind],
    places: &[Place],
) -> SyntheticEvent {
    let kind = &kinds[rng.below(kinds.len())];
    let place = &places[rng.below(places.len())];
    let reported_at = span.0 + (rng.next_f64() * (span.1 - span.0) as f64) as i64;
    // Escalated one level in one case out of ten.
    let level = (kind.level + i64::from(rng.below(10) == 0)).clamp(1, 5);
    let status = STATUSES[weighted(rng, &STATUSES.map(|s| s.1))].0;
    let final_due = reported_at + kind.period_days * DAY_MS;
    // The level's limit: 3 working days in the village's remit, 5 in the township's, 2 beyond.
    let level_days = match level {
        1 | 2 => 4,
        3 => 7,
        _ => 3,
    };
    let level_due = (reported_at + level_days * DAY_MS).min(final_due);
    // Rework: none mostly, once in 8 %, twice in 2 %.
    let rework_count = match rng.below(100) {
        0..=7 => 1,
        8..=9 => 2,
        _ => 0,
    };
    let closed_at = (status == Status::Closed).then(|| {
        // Most close well inside the limit, about one in seven late.
        let frac = if rng.below(7) == 0 {
            1.0 + rng.next_f64() * 0.8
        } else {
            0.05 + rng.next_f64() * 0.9
        };
        reported_at + ((level_due - reported_at) as f64 * frac) as i64
    });
    let urgency = match rng.below(20) {
        0 => "emergency",
        1..=3 => "urgent",
        _ => "normal",
    };
    SyntheticEvent {
        number: format!("B2025{month:02}{n:08}"),
        category_code: kind.code.clone(),
        complexity: kind.complexity.clone(),
        grid_id: place.id,
        path: place.path.clone(),
        level,
        urgency: urgency.to_string(),
        status,
        holder_path: place.holders[usize::try_from(level - 1).unwrap_or(0)].clone(),
        reported_at,
        month: 202500 + month,
        due_at: Some(level_due),
        final_due_at: Some(final_due),
        closed_at,
        rework_count,
    }
}

/// Writes `count` synthetic events spread over 2025; returns the seconds it took.
pub(crate) async fn seed_events(db: &Db, count: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut c = db.conn().await?;
    let kinds: Vec<Kind> = events::categories(&mut c.handle())
        .await?
        .into_iter()
        .filter(|k| k.parent_code.is_some())
        .map(|k| Kind {
            period_days: match k.complexity.as_str() {
                "major" => 30,
                "complex" => 15,
                _ => 7,
            },
            code: k.code,
            complexity: k.complexity,
            level: k.handling_level.clamp(1, 5),
        })
        .collect();
    let places: Vec<Place> =
        nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid)
            .await?
            .into_iter()
            .map(|g| Place {
                id: g.id,
                holders: holders(&g.path),
                path: g.path,
            })
            .collect();
    drop(c);
    if kinds.is_empty() || places.is_empty() {
        bail!("the demo city has no grids or no categories");
    }
    let mut spans = Vec::with_capacity(12);
    for m in 1..=12 {
        let end = if m == 12 {
            month_start(2026, 1)?
        } else {
            month_start(2025, m + 1)?
        };
        spans.push((month_start(2025, m)?, end));
    }
    let mut rng = SplitMix64::new(20250601);
    let mut written = 0usize;
    while written < count {
        let n = PER_TX.min(count - written);
        let rows: Vec<SyntheticEvent> = (written..written + n)
            .map(|i| {
                // Evenly over the months, in order, so each month holds count / 12.
                let m = (i * 12 / count.max(1)).min(11);
                synthetic(&mut rng, i, m as i64 + 1, spans[m], &kinds, &places)
            })
            .collect();
        let mut tx = db.begin().await?;
        analysis::insert_synthetic(&mut tx.handle(), &rows).await?;
        tx.commit().await?;
        written += n;
    }
    let mut c = db.conn().await?;
    analysis::refresh_statistics(&mut c.handle()).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Times the analysis of a node's month: a few warm-up runs, then `RUNS`. `direct` counts from
/// the events themselves instead of the running totals.
async fn time_monthly(db: &Db, path: &str, direct: bool) -> anyhow::Result<(Timing, i64)> {
    let scope = Scope::of_path(path);
    let mut c = db.conn().await?;
    let mut d = Vec::with_capacity(RUNS);
    let mut total = 0;
    for i in 0..RUNS + 5 {
        let t = Instant::now();
        let m = if direct {
            analysis::monthly_from_events(&mut c.handle(), &scope, MONTH, now_ms()).await?
        } else {
            analysis::monthly(&mut c.handle(), &scope, MONTH, now_ms()).await?
        };
        if i >= 5 {
            d.push(t.elapsed());
        }
        total = m.figures.total;
    }
    Ok((Timing::of(d), total))
}

/// Times GETs of a page over loopback HTTP (the server's work plus a loopback round trip).
fn time_page(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(Timing, usize)> {
    let mut client = Client::connect(addr)?;
    let mut size = 0;
    for _ in 0..5 {
        let (status, n) = client
            .request(
                "GET",
                path,
                &format!("Cookie: wangge_session={cookie}\r\n"),
                b"",
            )
            .map(|(st, body)| (st, body.len()))?;
        if status != 200 {
            bail!("{path} answered {status}");
        }
        size = n;
    }
    let mut d = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let (status, _) = client
            .request(
                "GET",
                path,
                &format!("Cookie: wangge_session={cookie}\r\n"),
                b"",
            )
            .map(|(st, body)| (st, body.len()))?;
        d.push(t.elapsed());
        if status != 200 {
            bail!("{path} answered {status}");
        }
    }
    Ok((Timing::of(d), size))
}

/// Seeds one database and prints its figures.
async fn measure(db: &Db, label: &str, count: usize) -> anyhow::Result<()> {
    db.migrate().await?;
    let started = Instant::now();
    let grids = match crate::demo::seed(db, 1, Scale::Small).await? {
        crate::demo::Outcome::Created { grids, .. } => grids,
        crate::demo::Outcome::AlreadyPresent { .. } => {
            bail!("{label}: the database already holds a city; give an empty one")
        }
    };
    println!(
        "{label}: seeded the small demo city ({grids} grids) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let secs = seed_events(db, count).await?;
    println!(
        "{label}: inserted {count} synthetic events directly (multi-row INSERTs in transactions of {PER_TX}, not through events::report) over the 12 months of 2025 in {secs:.1} s ({:.0} rows/s)",
        count as f64 / secs.max(1e-9)
    );

    let mut c = db.conn().await?;
    let all = System::acting().scope();
    let county = nodes::of_kind(&mut c.handle(), &all, NodeKind::County)
        .await?
        .into_iter()
        .next()
        .context("no county")?;
    let township = nodes::of_kind(&mut c.handle(), &all, NodeKind::Township)
        .await?
        .into_iter()
        .next()
        .context("no township")?;
    drop(c);

    for (what, node) in [("county", &county), ("township", &township)] {
        let (t, n) = time_monthly(db, &node.path, false).await?;
        println!(
            "{label}: analysis::monthly {what} {} {MONTH_PARAM} ({n} events), {RUNS} runs: {}",
            node.code,
            t.line()
        );
    }
    // For comparison: the same figures counted from the events instead of the running totals.
    let (t, n) = time_monthly(db, &county.path, true).await?;
    println!(
        "{label}: (without the running totals) analysis::monthly_from_events county ({n} events), {RUNS} runs: {}",
        t.line()
    );
    {
        let mut c = db.conn().await?;
        let scope = Scope::of_path(&county.path);
        let now = now_ms();
        let a = analysis::monthly(&mut c.handle(), &scope, MONTH, now).await?;
        let b = analysis::monthly_from_events(&mut c.handle(), &scope, MONTH, now).await?;
        if a != b {
            bail!("{label}: the running totals disagree with the events");
        }
    }

    // The page and the export, served as in production, signed in as the county's centre.
    let secret = {
        let mut tx = db.begin().await?;
        let u = users::by_username(&mut tx.handle(), &all, "countycentre").await?;
        let s = auth::create_session(&mut tx.handle(), u.id, now_ms(), 3_600_000).await?;
        tx.commit().await?;
        s
    };
    let keys = wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret()?))?;
    let state = AppState::new(db.clone(), WebConfig::default(), keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(wangge_web::open311::serve_plain(
        wangge_web::router(state),
        listener,
    ));
    let page = format!("/analysis?node={}&month={MONTH_PARAM}", county.code);
    let xlsx = format!("/analysis.xlsx?node={}&month={MONTH_PARAM}", county.code);
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        Ok((
            time_page(addr, &page, &secret)?,
            time_page(addr, &xlsx, &secret)?,
        ))
    })
    .await;
    server.abort();
    let ((tp, page_bytes), (tx, xlsx_bytes)) = result??;
    println!(
        "{label}: GET /analysis county {MONTH_PARAM} ({page_bytes} bytes), {RUNS} runs over loopback: {}",
        tp.line()
    );
    println!(
        "{label}: GET /analysis.xlsx county {MONTH_PARAM} ({xlsx_bytes} bytes), {RUNS} runs over loopback: {}",
        tx.line()
    );
    Ok(())
}

/// Runs on SQLite (the given empty `sqlite://` database, or a temporary one) and, when a
/// PostgreSQL URL is at hand (an empty `postgres://` database URL, or `TEST_DATABASE_URL` in
/// which a fresh database is made), on PostgreSQL too.
pub async fn analysis(database_url: Option<&str>, events: usize) -> anyhow::Result<()> {
    let events = events.max(12);
    println!(
        "analysis: {events} events over 12 months of one county; timing month {MONTH_PARAM}, {RUNS} runs each after 5 warm-up runs"
    );
    {
        let (db, _guard) = sqlite_db(database_url, "analysis").await?;
        let r = measure(&db, "sqlite", events).await;
        db.close().await;
        r?;
    }
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
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn holders_walk_up_the_path() {
        let h = holders("/350100000000/350102000000/350102001000/350102001001/350102001001001/");
        assert_eq!(
            h[0],
            "/350100000000/350102000000/350102001000/350102001001/350102001001001/"
        );
        assert_eq!(
            h[1],
            "/350100000000/350102000000/350102001000/350102001001/"
        );
        assert_eq!(h[4], "/350100000000/");
        let t = Timing::of((1..=100).map(Duration::from_millis).collect());
        assert_eq!((t.p50, t.p95, t.max), (51.0, 95.0, 100.0));
    }
}
