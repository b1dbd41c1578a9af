//! `wangge bench load`: the server under a mixed load from many clients at once.
//!
//! Seeds the small demo city (with people) and `--events` synthetic events into a fresh database,
//! starts `wangge serve` as a child process (two of them on one PostgreSQL with `--instances 2`)
//! and drives it over loopback HTTP from `--clients` threads, each on keep-alive connections of
//! its own. Three phases: report posts from one client (the sequential yardstick), report posts
//! from every client (writers under concurrency), then the mixed load of the README's proportions.
//! Each prints throughput, p50/p95/p99 per route and overall, and errors by status. With `--kill`
//! the server is killed (SIGKILL) half-way through the mixed phase and started again; afterwards
//! every report that was answered with success must exist with its history, and `wangge verify`
//! must pass. Figures are printed, never asserted, except what `--kill` and `--instances 2` check.
//! The last line is `p99/p50 X` of the report posts under concurrency.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use wangge_domain::System;
use wangge_domain::rng::SplitMix64;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, auth, now_ms, on_conn, testdb, users};
use wangge_web::{AppState, WebConfig};

use crate::bench_intake::{enc, request_bodies};
use crate::bench_kit::Client;
use crate::demo::layout::Scale;

/// People per grid of the seeded city: enough for searches to find pages of names.
const PEOPLE_PER_GRID: usize = 100;
/// Open311 request bodies made ahead (reused in turn).
const OPEN311_BODIES: usize = 5_000;
/// Surnames the people searches ask for.
const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
/// Inboxes the list requests ask for.
const INBOXES: [&str; 5] = ["all", "to_accept", "to_handle", "overdue", "due_soon"];

pub struct LoadArgs {
    pub clients: usize,
    pub seconds: u64,
    pub events: usize,
    pub instances: usize,
    pub kill: bool,
}

/// What a client does; the mixed phase's shares (per cent) are `Op::SHARE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    ResidentReport,
    Open311Post,
    Open311List,
    InboxList,
    EventPage,
    PeopleSearch,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::ResidentReport,
        Op::Open311Post,
        Op::Open311List,
        Op::InboxList,
        Op::EventPage,
        Op::PeopleSearch,
    ];
    /// Shares of the mixed load, per cent (stated in the README).
    const SHARE: [u32; 6] = [10, 10, 10, 30, 25, 15];

    fn label(self) -> &'static str {
        match self {
            Op::ResidentReport => "POST /r/{code} (resident report)",
            Op::Open311Post => "POST /open311/v2/requests.json",
            Op::Open311List => "GET /open311/v2/requests.json",
            Op::InboxList => "GET /api/v1/events?inbox=…",
            Op::EventPage => "GET /api/v1/events/{number}",
            Op::PeopleSearch => "GET /api/v1/people?q=…",
        }
    }

    fn is_report(self) -> bool {
        matches!(self, Op::ResidentReport | Op::Open311Post)
    }
}

/// Everything the clients need to make requests, made while seeding.
struct Material {
    open311_bodies: Vec<String>,
    /// Leaf categories with a point inside a grid each, for resident reports.
    resident_points: Vec<(String, f64, f64, String)>,
    numbers: Vec<String>,
    /// API tokens: the city's centre (inboxes, events), the administrator (people).
    centre_token: String,
    admin_token: String,
}

/// One answered (or failed: status 0) request.
struct Sample {
    op: Op,
    ms: f64,
    status: u16,
}

/// Removes the bench's directory when dropped.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `wangge serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    args: Vec<String>,
}

impl Server {
    fn start(args: Vec<String>, addr: SocketAddr, instances: usize) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find the wangge binary")?;
        let mut cmd = Command::new(exe);
        cmd.args(&args)
            // Warnings only: a server logging each timed request to a terminal measures the
            // terminal. The synthetic events carry a workflow state, so the scheduler acts on
            // them as on real ones (and would warn when it could not).
            .env("WANGGE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if instances > 1 {
            // Ticks often, so the lease is contested while the load runs.
            cmd.env("WANGGE_SCHEDULER_INTERVAL_S", "1");
        }
        let child = cmd.spawn().context("cannot start wangge serve")?;
        let mut s = Server { child, addr, args };
        s.wait_ready()?;
        Ok(s)
    }

    /// Polls `/healthz` until it answers 200.
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Some(st) = self.child.try_wait()? {
                bail!("wangge serve exited with {st} before it answered");
            }
            if let Ok(mut c) = Client::connect(self.addr)
                && let Ok((200, _)) = c.request("GET", "/healthz", "", b"")
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("wangge serve did not answer /healthz within two minutes")
    }

    /// SIGKILL: nothing is flushed or closed in order.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn restart(&mut self, instances: usize) -> anyhow::Result<()> {
        self.kill();
        *self = Server::start(self.args.clone(), self.addr, instances)?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port.
fn free_addr() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

/// The database to load: the given one (empty), or a new SQLite file in `dir`; with
/// `--instances 2`, PostgreSQL (`WANGGE_BENCH_PG_URL`, or a fresh database under
/// `TEST_DATABASE_URL`).
async fn database(
    given: Option<&str>,
    instances: usize,
    dir: &Path,
) -> anyhow::Result<(String, Option<testdb::TestDb>)> {
    if let Some(url) = given {
        return Ok((url.to_string(), None));
    }
    if instances > 1 {
        if let Ok(url) = std::env::var("WANGGE_BENCH_PG_URL") {
            return Ok((url, None));
        }
        if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
            let t = testdb::fresh().await?;
            return Ok((t.url.clone(), Some(t)));
        }
        bail!(
            "--instances 2 needs PostgreSQL: give --database-url postgres://… (an empty database), WANGGE_BENCH_PG_URL or TEST_DATABASE_URL"
        );
    }
    Ok((format!("sqlite://{}", dir.join("load.db").display()), None))
}

/// Seeds the city, the people and the events; returns what the clients need.
async fn seed(db: &Db, keys: &KeyRing, events: usize) -> anyhow::Result<Material> {
    db.migrate().await?;
    let started = Instant::now();
    let city = crate::demo::seed(db, 1, Scale::Small).await?;
    let crate::demo::Outcome::Created {
        grids, open311_key, ..
    } = &city
    else {
        bail!("the database already holds a city; give an empty one");
    };
    crate::demo::basic::fill_new_city(db, keys, 1, Scale::Small, Some(PEOPLE_PER_GRID), &city)
        .await?;
    // Events reported and handled through the store, over the last two months: the event
    // pages read these (the synthetic events below carry a workflow state but no history).
    let recent_from = now_ms();
    crate::demo::events::fill_new_city(db, keys, 1, 2, &city, recent_from).await?;
    println!(
        "seeded the small demo city ({grids} grids, {PEOPLE_PER_GRID} people a grid) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if events > 0 {
        let secs = crate::bench_analysis::seed_events(db, events).await?;
        println!(
            "seeded {events} events in {secs:.1} s ({:.0} rows/s)",
            events as f64 / secs.max(1e-9)
        );
    }
    let (centre_token, admin_token) = {
        let mut tx = db.begin().await?;
        let all = System::acting().scope();
        let centre = users::by_username(&mut tx.handle(), &all, "citycentre").await?;
        let admin = users::by_username(&mut tx.handle(), &all, "admin").await?;
        let c = auth::create_token(&mut tx.handle(), centre.id, "bench load", now_ms()).await?;
        let a = auth::create_token(&mut tx.handle(), admin.id, "bench load", now_ms()).await?;
        tx.commit().await?;
        (c, a)
    };
    let state = AppState::new(db.clone(), WebConfig::default(), keys.clone());
    state.refresh_locate().await?;
    let open311_bodies = request_bodies(db, &state, open311_key, OPEN311_BODIES, 11).await?;
    let mut c = db.conn().await?;
    let numbers: Vec<String> = on_conn!(&mut c.handle(), h => {
        sqlx::query_scalar("SELECT number FROM events WHERE reported_at > $1 ORDER BY id DESC LIMIT 2000")
            .bind(recent_from - 70 * 86_400_000)
            .fetch_all(&mut **h)
            .await?
    });
    drop(c);
    // The Open311 bodies carry a category and a point inside a grid: residents report the
    // same things, each from the grid the point lies in.
    let resident_points = open311_bodies
        .iter()
        .filter_map(|b| {
            let field = |k: &str| {
                b.split('&')
                    .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            };
            let lat: f64 = field("lat")?.parse().ok()?;
            let lon: f64 = field("long")?.parse().ok()?;
            let grid = state.locate_index().locate(lon, lat)?.code.clone();
            Some((field("service_code")?.to_string(), lat, lon, grid))
        })
        .collect::<Vec<_>>();
    if numbers.is_empty() || resident_points.is_empty() {
        bail!("the seeded city has no events or points to report from");
    }
    Ok(Material {
        open311_bodies,
        resident_points,
        numbers,
        centre_token,
        admin_token,
    })
}

/// A connection from a loopback address of its own (127.x.y.z): each resident report comes
/// from another phone, as in life, so the per-address report limit does not refuse the load.
fn connect_from(addr: SocketAddr, n: u64) -> anyhow::Result<Client> {
    let n = n % (1 << 24);
    let ip = Ipv4Addr::new(
        127,
        (1 + n / 65536) as u8,
        ((n / 256) % 256) as u8,
        (n % 256) as u8,
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let stream = rt.block_on(async {
        let s = tokio::net::TcpSocket::new_v4()?;
        s.bind(SocketAddr::new(IpAddr::V4(ip), 0))?;
        s.connect(addr).await
    })?;
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    Client::over(stream)
}

/// What one client thread shares with the others.
struct Shared {
    material: Material,
    stop: AtomicBool,
    /// Numbers of the reports answered with success.
    acknowledged: Mutex<Vec<String>>,
    /// Counts resident reports, for their source addresses.
    residents: AtomicU64,
}

/// The event number in a success answer: Open311's `service_request_id`, the resident done
/// page's tracking number.
fn acknowledged_number(op: Op, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let (start, end) = match op {
        Op::Open311Post => ("\"service_request_id\":\"", "\""),
        Op::ResidentReport => ("data-testid=\"tracking-number\">", "<"),
        _ => return None,
    };
    let rest = &text[text.find(start)? + start.len()..];
    Some(rest[..rest.find(end)?].to_string())
}

/// One request of `op`; returns status and body, or an error when the connection failed.
fn send(
    op: Op,
    client: &mut Option<Client>,
    addr: SocketAddr,
    shared: &Shared,
    rng: &mut SplitMix64,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let m = &shared.material;
    if op == Op::ResidentReport {
        let n = shared.residents.fetch_add(1, Ordering::Relaxed);
        let (category, lat, lon, grid) = rng.pick(&m.resident_points).clone();
        let boundary = "wanggebenchboundary";
        let mut body = String::new();
        for (k, v) in [
            ("category", category),
            ("description", format!("压测居民上报 {n}:楼道堆放杂物")),
            ("lat", format!("{lat:.6}")),
            ("lon", format!("{lon:.6}")),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let mut c = connect_from(addr, n)?;
        return c.request(
            "POST",
            &format!("/r/{grid}"),
            &format!("Content-Type: multipart/form-data; boundary={boundary}\r\n"),
            body.as_bytes(),
        );
    }
    let c = match client {
        Some(c) => c,
        None => client.insert(Client::connect(addr)?),
    };
    let bearer = |t: &str| format!("Authorization: Bearer {t}\r\n");
    let r = match op {
        Op::Open311Post => c.request(
            "POST",
            "/open311/v2/requests.json",
            "Content-Type: application/x-www-form-urlencoded\r\n",
            rng.pick(&m.open311_bodies).as_bytes(),
        ),
        Op::Open311List => c.request("GET", "/open311/v2/requests.json", "", b""),
        Op::InboxList => c.request(
            "GET",
            &format!("/api/v1/events?inbox={}&limit=20", rng.pick(&INBOXES)),
            &bearer(&m.centre_token),
            b"",
        ),
        Op::EventPage => c.request(
            "GET",
            &format!("/api/v1/events/{}", enc(rng.pick::<String>(&m.numbers))),
            &bearer(&m.centre_token),
            b"",
        ),
        Op::PeopleSearch => c.request(
            "GET",
            &format!("/api/v1/people?q={}", enc(rng.pick::<&str>(&SURNAMES))),
            &bearer(&m.admin_token),
            b"",
        ),
        Op::ResidentReport => unreachable_op(),
    };
    if r.is_err() {
        // A broken connection is opened again for the next request.
        *client = None;
    }
    r
}

fn unreachable_op() -> anyhow::Result<(u16, Vec<u8>)> {
    bail!("resident reports are sent above")
}

/// One client's loop until `stop`: picks operations from `ops` by their weights.
fn client_loop(i: usize, addrs: &[SocketAddr], shared: &Shared, ops: &[(Op, u32)]) -> Vec<Sample> {
    let addr = addrs[i % addrs.len()];
    let mut rng = SplitMix64::new(1000 + i as u64);
    let weights: Vec<u32> = ops.iter().map(|(_, w)| *w).collect();
    let total: u32 = weights.iter().sum();
    let mut client = None;
    let mut out = Vec::new();
    while !shared.stop.load(Ordering::Relaxed) {
        let mut x = (rng.next_f64() * f64::from(total)) as u32;
        let mut op = ops[0].0;
        for (o, w) in ops {
            if x < *w {
                op = *o;
                break;
            }
            x -= w;
        }
        let t = Instant::now();
        let r = send(op, &mut client, addr, shared, &mut rng);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        match r {
            Ok((status, body)) => {
                if op.is_report()
                    && status == 200
                    && let Some(n) = acknowledged_number(op, &body)
                    && let Ok(mut a) = shared.acknowledged.lock()
                {
                    a.push(n);
                }
                out.push(Sample { op, ms, status });
            }
            Err(_) => {
                out.push(Sample { op, ms, status: 0 });
                // The server is down (killed, restarting): try again shortly.
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    out
}

/// The q-th percentile of sorted values.
fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

struct Summary {
    per_second: f64,
    p50: f64,
    p99: f64,
}

/// Prints the phase's figures per route and overall; returns the report posts' figures.
fn report(label: &str, samples: &[Sample], secs: f64) -> Summary {
    let mut by_op: BTreeMap<Op, Vec<f64>> = BTreeMap::new();
    let mut errors: BTreeMap<u16, usize> = BTreeMap::new();
    for s in samples {
        by_op.entry(s.op).or_default().push(s.ms);
        if !(200..400).contains(&s.status) {
            *errors.entry(s.status).or_default() += 1;
        }
    }
    let line = |name: &str, v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        println!(
            "{label}: {name:<36} {:>7} req {:>8.1} req/s   p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms",
            v.len(),
            v.len() as f64 / secs,
            pct(v, 0.50),
            pct(v, 0.95),
            pct(v, 0.99)
        );
    };
    for (op, v) in by_op.iter_mut() {
        line(op.label(), v);
    }
    let mut all: Vec<f64> = samples.iter().map(|s| s.ms).collect();
    line("overall", &mut all);
    let mut reports: Vec<f64> = samples
        .iter()
        .filter(|s| s.op.is_report())
        .map(|s| s.ms)
        .collect();
    reports.sort_by(f64::total_cmp);
    if errors.is_empty() {
        println!("{label}: errors: none");
    } else {
        let list: Vec<String> = errors
            .iter()
            .map(|(st, n)| {
                if *st == 0 {
                    format!("no answer (connection failed) {n}")
                } else {
                    format!("{st} {n}")
                }
            })
            .collect();
        println!("{label}: errors by status: {}", list.join(", "));
    }
    Summary {
        per_second: reports.len() as f64 / secs,
        p50: pct(&reports, 0.50),
        p99: pct(&reports, 0.99),
    }
}

/// Runs `clients` threads on `ops` for `secs`; `during` runs on this thread meanwhile (it gets
/// the phase's start) and may kill and restart servers.
fn phase(
    clients: usize,
    secs: f64,
    addrs: &[SocketAddr],
    shared: &Shared,
    ops: &[(Op, u32)],
    during: impl FnOnce(Instant) -> anyhow::Result<()>,
) -> anyhow::Result<(Vec<Sample>, f64)> {
    shared.stop.store(false, Ordering::Relaxed);
    let started = Instant::now();
    let (samples, during) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|i| s.spawn(move || client_loop(i, addrs, shared, ops)))
            .collect();
        let d = during(started);
        let rest = Duration::from_secs_f64(secs).saturating_sub(started.elapsed());
        std::thread::sleep(rest);
        shared.stop.store(true, Ordering::Relaxed);
        let samples: Vec<Sample> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        (samples, d)
    });
    during?;
    Ok((samples, started.elapsed().as_secs_f64()))
}

pub async fn load(database_url: Option<&str>, a: LoadArgs) -> anyhow::Result<()> {
    if a.clients == 0 || a.seconds == 0 {
        bail!("--clients and --seconds must be positive");
    }
    if !(1..=2).contains(&a.instances) {
        bail!("--instances is 1 or 2");
    }
    let dir = std::env::temp_dir().join(format!(
        "wangge_bench_load_{}_{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = RemoveDir(dir.clone());
    let (url, _pg) = database(database_url, a.instances, &dir).await?;
    if a.instances > 1 && !url.starts_with("postgres") {
        bail!("--instances 2 needs a postgres:// database: SQLite is one machine's file");
    }
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let keys_path = dir.join("wangge.keys");
    let keys = KeyRing::load_or_create(&keys_path, None)?;
    let db = Db::connect(&url).await?;
    let material = seed(&db, &keys, a.events).await?;
    db.close().await;
    // An empty config file: the server runs on its defaults, not on a wangge.toml lying here.
    let config = dir.join("wangge.toml");
    std::fs::write(&config, "")?;

    let mut servers = Vec::new();
    for _ in 0..a.instances {
        let addr = free_addr()?;
        let args: Vec<String> = [
            "serve",
            "--listen",
            &addr.to_string(),
            "--database-url",
            &url,
            "--keys",
            &keys_path.display().to_string(),
            "--config",
            &config.display().to_string(),
            // A name, not this machine: the server warns of a local public URL otherwise.
            "--public-url",
            "http://wangge.example",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        servers.push(Server::start(args, addr, a.instances)?);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    println!(
        "{backend}: {} server instance(s) ({}), {} clients over loopback HTTP",
        a.instances,
        addrs
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        a.clients
    );
    let shared = Shared {
        material,
        stop: AtomicBool::new(false),
        acknowledged: Mutex::new(Vec::new()),
        residents: AtomicU64::new(0),
    };
    let writes = [(Op::ResidentReport, 1), (Op::Open311Post, 1)];
    let write_secs = (a.seconds as f64 / 3.0).max(3.0);
    let (s, t) = phase(1, write_secs, &addrs, &shared, &writes, |_| Ok(()))?;
    let seq = report(&format!("{backend} sequential writes, 1 client"), &s, t);
    let label = format!("{backend} concurrent writes, {} clients", a.clients);
    let (s, t) = phase(a.clients, write_secs, &addrs, &shared, &writes, |_| Ok(()))?;
    let conc = report(&label, &s, t);
    println!(
        "{backend}: report posts {:.1}/s from {} clients against {:.1}/s from one ({:.2}×)",
        conc.per_second,
        a.clients,
        seq.per_second,
        conc.per_second / seq.per_second.max(1e-9)
    );

    let mixed: Vec<(Op, u32)> = Op::ALL.iter().copied().zip(Op::SHARE).collect();
    let leases = Arc::new(Mutex::new(Vec::new()));
    let kill_at = a.seconds as f64 / 2.0;
    let mut killed = false;
    let lease_url = url.clone();
    let lease_log = leases.clone();
    let label = format!("{backend} mixed load, {} clients", a.clients);
    let (s, t) = phase(
        a.clients,
        a.seconds as f64,
        &addrs,
        &shared,
        &mixed,
        |started| {
            if a.instances > 1 {
                sample_leases(&lease_url, started, a.seconds as f64, &lease_log)?;
            }
            if a.kill {
                std::thread::sleep(Duration::from_secs_f64(kill_at));
                let t = Instant::now();
                servers[0].restart(a.instances)?;
                killed = true;
                println!(
                    "{backend}: killed the server (SIGKILL) {kill_at:.0} s into the mixed load; it answered again after {:.1} s",
                    t.elapsed().as_secs_f64()
                );
            }
            Ok(())
        },
    )?;
    report(&label, &s, t);

    if a.instances > 1 {
        let seen = leases.lock().map(|l| l.clone()).unwrap_or_default();
        let mut holders: Vec<&String> = seen.iter().collect();
        holders.sort();
        holders.dedup();
        println!(
            "{backend}: scheduler lease sampled {} times: {} holder(s) ({})",
            seen.len(),
            holders.len(),
            holders
                .iter()
                .map(|h| h.chars().take(16).collect::<String>())
                .collect::<Vec<_>>()
                .join(", ")
        );
        crate::bench_load_check::visibility(&url, &addrs).await?;
    }
    drop(servers);
    if killed {
        let acknowledged = shared
            .acknowledged
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default();
        crate::bench_load_check::after_kill(&url, &acknowledged).await?;
    }
    println!(
        "{backend}: report posts under {} clients: p50 {:.2} ms, p99 {:.2} ms",
        a.clients, conc.p50, conc.p99
    );
    println!("p99/p50 {:.2}", conc.p99 / conc.p50.max(1e-9));
    Ok(())
}

/// Samples the scheduler lease's holder every half second for the phase, in a task (the
/// phase's own thread is busy with the clients).
fn sample_leases(
    url: &str,
    started: Instant,
    secs: f64,
    out: &Arc<Mutex<Vec<String>>>,
) -> anyhow::Result<()> {
    let url = url.to_string();
    let out = out.clone();
    tokio::spawn(async move {
        let Ok(db) = Db::connect(&url).await else {
            return;
        };
        while started.elapsed().as_secs_f64() < secs {
            if let Ok(Some(h)) = crate::bench_load_check::lease_holder(&db).await
                && let Ok(mut o) = out.lock()
            {
                o.push(h);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        db.close().await;
    });
    Ok(())
}
