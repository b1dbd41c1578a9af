//! `wangge`: the grid service and governance platform in one binary.

mod bench;
mod bench_analysis;
mod bench_assess;
mod bench_assess_score;
mod bench_import;
mod bench_intake;
mod bench_kit;
mod bench_lists;
mod bench_load;
mod bench_load_check;
mod bench_people;
mod bench_volunteers;
mod bench_workbench;
mod cli_assess;
mod cli_basic;
mod config;
mod demo;
mod keys;
mod open311_keys;
mod progress;
mod verify;

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use demo::layout::Scale;
use wangge_domain::System;
use wangge_domain::basic::row::Kind;
use wangge_domain::{Error, Role, Scope};
use wangge_store::seal::KeyRing;
use wangge_store::{Db, auth, now_ms, territory, users};
use wangge_web::AppState;
use wangge_web::export::ExportKind;

use crate::config::{DEFAULT_LISTEN, FileConfig};

#[derive(Parser)]
#[command(
    name = "wangge",
    version,
    about = "网格化服务管理平台 — grid service and governance platform"
)]
struct Cli {
    /// sqlite://PATH or postgres://USER@HOST:PORT/DB [default: sqlite://data/wangge.db]
    #[arg(long, global = true, env = "WANGGE_DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML config file [default: ./wangge.toml when present]
    #[arg(long, global = true, env = "WANGGE_CONFIG")]
    config: Option<PathBuf>,
    /// The key file that seals personal data (created on first use); WANGGE_KEYS overrides it
    #[arg(long, global = true, env = "WANGGE_KEY_FILE")]
    keys: Option<PathBuf>,
    /// Log format
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "WANGGE_LOG_FORMAT"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    Small,
    City,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, env = "WANGGE_LISTEN")]
        listen: Option<String>,
        /// Base URL residents reach (for QR codes) [default: http://LISTEN]
        #[arg(long, env = "WANGGE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Map tile URL template, e.g. https://tiles.example/{z}/{x}/{y}.png
        #[arg(long, env = "WANGGE_TILE_URL")]
        tile_url: Option<String>,
        /// Create the small demo city first when the database is empty
        #[arg(long)]
        demo: bool,
        /// One log line per request: off, info or debug [default: off, or request_log in the config]
        #[arg(long, env = "WANGGE_LOG_REQUESTS")]
        log_requests: Option<String>,
    },
    /// Create the demo city (deterministic for a seed) and exit
    Demo {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value = "small")]
        scale: ScaleArg,
        /// People in each grid [default: 1000 small, 300 city]; 0 writes no basic information
        #[arg(long)]
        people_per_grid: Option<usize>,
        /// Events reported in each grid over the last two months (at most 3,000 in all); 0 writes none
        #[arg(long, default_value_t = 2)]
        events_per_grid: usize,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Report gaps, overlaps and size problems of the grids; exits 1 when any is found
    CheckGrids {
        /// Only under this node
        #[arg(long)]
        within: Option<String>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Import records
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export records
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Which grid holds a point (WGS-84)
    Locate {
        #[arg(allow_hyphen_values = true)]
        lat: f64,
        #[arg(allow_hyphen_values = true)]
        lon: f64,
    },
    /// The working-day calendar
    Calendar {
        #[command(subcommand)]
        what: CalendarWhat,
    },
    /// Check every hash chain (event history, audit log, assessment results); exits 1 naming each changed or removed row
    Verify,
    /// Every error code: HTTP status, zh-CN and English text ({name}s are parameters)
    Errors {
        /// Print a JSON array of {code, status, zh, en}
        #[arg(long)]
        json: bool,
    },
    /// Write an import template (header and an example row the import skips while unchanged):
    /// people, households, houses, orgs or objects, as FILE.xlsx or FILE.csv
    Template { kind: String, file: PathBuf },
    /// The key ring that seals personal data: add a key, re-seal, rotate, status
    Keys {
        #[command(subcommand)]
        what: keys::KeysWhat,
    },
    /// The API keys of Open311 client applications: add, list, revoke
    Open311 {
        #[command(subcommand)]
        what: open311_keys::Open311What,
    },
    /// The quarterly assessment: the rules in force, closing quarters, a worker's score explained
    Assess {
        #[command(subcommand)]
        what: cli_assess::AssessWhat,
    },
    /// Benchmarks that print figures
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user attached to a node
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// admin, leader, operator, commander, grid_leader, worker, dept_handler, volunteer
        #[arg(long)]
        role: String,
        /// Code of the node the user belongs to
        #[arg(long)]
        node: String,
        /// The password (at least 8 characters); or set WANGGE_PASSWORD
        #[arg(long, env = "WANGGE_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Create an API token for a user and print it once
    Token {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum CalendarWhat {
    /// The due instant of a period that starts at --from (RFC 3339), printed with +08:00
    Due {
        #[arg(long)]
        from: String,
        /// Working days (weekends and statutory holidays skipped, make-up days counted)
        #[arg(long, conflicts_with = "days", required_unless_present = "days")]
        working_days: Option<u32>,
        /// Calendar days (a last day that is a rest day moves to the next working day)
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// A GeoJSON FeatureCollection with code, name, kind and parent_code properties
    Grids { file: PathBuf },
    /// People (实有人口) from XLSX or CSV; a dry run lists every bad row
    People(cli_basic::ImportArgs),
    /// Households: people rows with household number and relation, one head each
    Households(cli_basic::ImportArgs),
    /// Houses (房屋)
    Houses(cli_basic::ImportArgs),
    /// Organisations (组织)
    Orgs(cli_basic::ImportArgs),
    /// Objects (部件): hydrants, manhole covers, cameras, …
    Objects(cli_basic::ImportArgs),
}

#[derive(Subcommand)]
enum ExportWhat {
    /// People as FILE.xlsx or FILE.csv in the template's columns, ID numbers and phones masked
    /// unless --reveal
    People(cli_basic::ExportArgs),
    /// Houses as FILE.xlsx or FILE.csv
    Houses(cli_basic::ExportArgs),
    /// Organisations as FILE.xlsx or FILE.csv
    Orgs(cli_basic::ExportArgs),
    /// Objects (部件) as FILE.xlsx or FILE.csv
    Objects(cli_basic::ExportArgs),
    /// Grids as a GeoJSON FeatureCollection
    Grids {
        /// Write to this file instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
        /// Only under this node
        #[arg(long)]
        within: Option<String>,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// A people CSV imported with validation and sealing against a bare bulk insert
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
    /// Open311 intake throughput against a bare one-INSERT handler, and the monthly analysis
    /// over 1,000,000 events
    Intake {
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Events for the analysis part (0 skips it)
        #[arg(long, default_value_t = 1_000_000)]
        analysis_events: usize,
    },
    /// Open311 and inbox lists at 1,000,000 events against a bare one-SELECT handler
    Lists {
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
    },
    /// People list and search server time (p50/p95) over the city-scale demo's people
    People {
        #[arg(long, default_value_t = 3_000_000)]
        people: usize,
    },
    /// Mixed load from many clients over loopback HTTP against `wangge serve` child processes:
    /// throughput, p50/p95/p99 per route, errors by status; last line `p99/p50` of report posts
    Load {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Seconds of the mixed phase (each write phase takes a third of it, at least 3)
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Server instances on one database (2 needs PostgreSQL)
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// Kill the server (SIGKILL) half-way through, restart it, check nothing acknowledged is lost
        #[arg(long)]
        kill: bool,
    },
    /// Locate throughput against a bare R-tree over the city-scale demo grids
    Locate {
        #[arg(long, default_value_t = 1_000_000)]
        lookups: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The worker's day and the leaders' views over a year of records for the city demo's
    /// workers (about 2.4 million visits); last line `p95 max X`
    Workbench,
    /// Closing the last ended quarter for the city demo's workers (about 10,000) with a year of
    /// workbench records; last lines `seconds X` and `peak_mb Y`
    Assess,
    /// A worker's running assessment score over the same records; last line `p95 max X`
    AssessScore,
    /// The yearly ranking of 50,000 volunteers across the city demo (city, county, street; page
    /// and API); last line `p95 max X`
    Volunteers,
    /// The closes of `bench assess`, run in a process of their own so that its memory is theirs
    #[command(hide = true)]
    AssessClose,
}

/// Logs to standard error, as `WANGGE_LOG` says or else at `default`.
fn init_logs(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WANGGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    Ok(db)
}

fn domain(e: Error) -> anyhow::Error {
    match e.details {
        serde_json::Value::Null => anyhow::anyhow!("{} [{}]", e.message, e.code),
        ref d => anyhow::anyhow!(
            "{} [{}]\n{}",
            e.message,
            e.code,
            serde_json::to_string_pretty(d).unwrap_or_default()
        ),
    }
}

/// The error table, for people (code, status and English on a line, Chinese under it) or, with
/// `json`, for integrators.
fn print_errors(json: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let codes = wangge_domain::error::CODES;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<serde_json::Value> = codes
            .iter()
            .map(|e| serde_json::json!({ "code": e.code, "status": e.status, "zh": e.zh, "en": e.en }))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    let width = codes.iter().map(|e| e.code.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<width$}  status  text (English, then zh-CN)",
        "code"
    )?;
    for e in codes {
        writeln!(out, "{:<width$}  {}     {}", e.code, e.status, e.en)?;
        writeln!(out, "{:<width$}          {}", "", e.zh)?;
    }
    Ok(())
}

/// Prints what the demo made, with a few log-ins to start from, and writes every log-in to a
/// file beside the database.
fn print_demo(outcome: &demo::Outcome, database_url: &str) -> anyhow::Result<()> {
    match outcome {
        demo::Outcome::AlreadyPresent { nodes } => {
            println!("the database already holds a city ({nodes} nodes); left as it is");
        }
        demo::Outcome::Created {
            nodes,
            grids,
            users,
            logins,
            open311_key,
        } => {
            println!("demo city created: {nodes} nodes, {grids} grids, {users} accounts");
            println!(
                "demo log-ins (password for every demo account: {}):",
                demo::DEMO_PASSWORD
            );
            for l in logins.iter().filter(|l| l.shown) {
                println!("  {:<28} {:<12} {}", l.username, l.role.as_str(), l.node);
            }
            let path = demo::logins_path(database_url);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&path, demo::logins_text(logins))
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "all {} demo log-ins written to {}",
                logins.len(),
                path.display()
            );
            println!("open311 api_key: {open311_key}");
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes, without a backtrace: the message is for the person at the terminal.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // A benchmark's server would log every request it times, which measures the terminal as much
    // as the handler (the bare handlers log nothing); its figures go to standard output.
    let default_logs = match cli.command {
        Command::Bench { .. } => "warn",
        _ => "info,sqlx=warn",
    };
    init_logs(cli.log_format, default_logs);
    let file = FileConfig::load(cli.config.as_deref())?;
    let url = file.database_url(cli.database_url.as_deref());
    match cli.command {
        Command::Serve {
            listen,
            public_url,
            tile_url,
            demo: with_demo,
            log_requests,
        } => {
            let request_log = file.request_log(log_requests.as_deref())?;
            let listen = listen
                .or_else(|| file.listen.clone())
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            let config = file.web_config(&listen, public_url.as_deref(), tile_url.as_deref())?;
            if config.public_url_is_local() {
                tracing::warn!(
                    public_url = %config.public_url,
                    "the public URL names this machine: notice-board QR codes will not open on \
                     residents' phones; set --public-url (or public_url in the config file)"
                );
            }
            let keys = key_ring(cli.keys.as_deref(), &file)?;
            if with_demo {
                // Seeded as the command line writes, before the server's bounds apply.
                let db = open(&url).await?;
                let city = demo::seed(&db, 1, Scale::Small).await?;
                print_demo(&city, &url)?;
                demo::basic::fill_new_city(&db, &keys, 1, Scale::Small, None, &city).await?;
                demo::events::fill_new_city(&db, &keys, 1, 2, &city, now_ms()).await?;
                demo::work::fill_new_city(&db, 1, &city, now_ms()).await?;
                demo::assess::fill_new_city(&db, &keys, 1, &city, now_ms()).await?;
                demo::volunteers::fill_new_city(&db, 1, &city, now_ms(), &demo::logins_path(&url))
                    .await?;
                db.close().await;
            }
            let db = Db::connect_tuned(&url, &file.tuning()?).await?;
            db.migrate().await?;
            let state = AppState::new(db, config, keys);
            state.log_requests(request_log);
            state.refresh_locate().await.map_err(domain)?;
            state.reload_calendar().await.map_err(domain)?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            println!(
                "wangge serving on http://{addr}  (database: {})",
                wangge_store::redact_url(&url)
            );
            wangge_web::serve(state, listener).await?;
        }
        Command::Demo {
            seed,
            scale,
            people_per_grid,
            events_per_grid,
        } => {
            let db = open(&url).await?;
            let scale = match scale {
                ScaleArg::Small => Scale::Small,
                ScaleArg::City => Scale::City,
            };
            let keys = key_ring(cli.keys.as_deref(), &file)?;
            let city = demo::seed(&db, seed, scale).await?;
            print_demo(&city, &url)?;
            demo::basic::fill_new_city(&db, &keys, seed, scale, people_per_grid, &city).await?;
            demo::events::fill_new_city(&db, &keys, seed, events_per_grid, &city, now_ms()).await?;
            demo::work::fill_new_city(&db, seed, &city, now_ms()).await?;
            demo::assess::fill_new_city(&db, &keys, seed, &city, now_ms()).await?;
            demo::volunteers::fill_new_city(&db, seed, &city, now_ms(), &demo::logins_path(&url))
                .await?;
        }
        Command::Migrate => {
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            println!("database schema at version {}", db.schema_version().await?);
        }
        Command::User { command } => {
            let db = open(&url).await?;
            match command {
                UserCommand::Add {
                    username,
                    name,
                    role,
                    node,
                    password,
                    phone,
                } => {
                    let role =
                        Role::parse(&role).with_context(|| format!("{role:?} is not a role"))?;
                    let mut tx = db.begin().await.map_err(domain)?;
                    let new = users::NewUser {
                        username,
                        display_name: name,
                        password,
                        role,
                        node_code: node,
                        phone,
                    };
                    let u =
                        users::create(&mut tx.handle(), &System::acting().scope(), &new, now_ms())
                            .await
                            .map_err(domain)?;
                    tx.commit().await.map_err(domain)?;
                    println!(
                        "user {} added as {} at {} ({})",
                        u.username, u.role, u.node_name, u.node_code
                    );
                }
                UserCommand::Token { username, name } => {
                    let mut c = db.conn().await.map_err(domain)?;
                    let u =
                        users::by_username(&mut c.handle(), &System::acting().scope(), &username)
                            .await
                            .map_err(domain)?;
                    let token = auth::create_token(&mut c.handle(), u.id, &name, now_ms())
                        .await
                        .map_err(domain)?;
                    println!("{token}");
                }
            }
        }
        Command::CheckGrids { within, json } => {
            let db = open(&url).await?;
            let mut c = db.conn().await.map_err(domain)?;
            let scope = within_scope(&mut c, within.as_deref()).await?;
            let guidance = file.web_config(DEFAULT_LISTEN, None, None)?.guidance;
            let report = territory::check(&mut c.handle(), &scope, &guidance)
                .await
                .map_err(domain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_check(&report);
            }
            if !report.is_clean() {
                std::process::exit(1);
            }
        }
        Command::Import {
            what: ImportWhat::Grids { file: path },
        } => {
            let db = open(&url).await?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut tx = db.begin().await.map_err(domain)?;
            let guidance = file.web_config(DEFAULT_LISTEN, None, None)?.guidance;
            let summary = territory::import_grids(
                &mut tx.handle(),
                &System::acting().scope(),
                "cli",
                &text,
                guidance.min_finding_m2,
                now_ms(),
            )
            .await
            .map_err(domain)?;
            tx.commit().await.map_err(domain)?;
            println!(
                "imported: {} created, {} updated",
                summary.created, summary.updated
            );
        }
        Command::Import { what } => {
            // Grids are handled above.
            let (kind, args) = match what {
                ImportWhat::People(a) => (Kind::People, a),
                ImportWhat::Households(a) => (Kind::Households, a),
                ImportWhat::Houses(a) => (Kind::Houses, a),
                ImportWhat::Orgs(a) => (Kind::Orgs, a),
                ImportWhat::Objects(a) => (Kind::Objects, a),
                ImportWhat::Grids { .. } => bail!("grids are imported above"),
            };
            let db = open(&url).await?;
            let keys = key_ring(cli.keys.as_deref(), &file)?;
            let limits = file.web_config(DEFAULT_LISTEN, None, None)?.import_limits;
            cli_basic::import(&db, &keys, kind, args, &limits).await?;
        }
        Command::Template { kind, file: path } => cli_basic::template(&kind, &path)?,
        Command::Bench {
            what: BenchWhat::Import { rows },
        } => bench_import::import(cli.database_url.as_deref(), rows).await?,
        Command::Export {
            what: ExportWhat::Grids { output, within },
        } => {
            let db = open(&url).await?;
            let mut c = db.conn().await.map_err(domain)?;
            let scope = within_scope(&mut c, within.as_deref()).await?;
            let fc = territory::export_grids(&mut c.handle(), &scope)
                .await
                .map_err(domain)?;
            let text = serde_json::to_string(&fc)?;
            match output {
                Some(p) => {
                    std::fs::write(&p, text)
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    eprintln!("wrote {}", p.display());
                }
                None => println!("{text}"),
            }
        }
        Command::Export { what } => {
            // Grids are handled above.
            let (kind, args) = match what {
                ExportWhat::People(a) => (ExportKind::People, a),
                ExportWhat::Houses(a) => (ExportKind::Houses, a),
                ExportWhat::Orgs(a) => (ExportKind::Orgs, a),
                ExportWhat::Objects(a) => (ExportKind::Objects, a),
                ExportWhat::Grids { .. } => bail!("grids are exported above"),
            };
            let db = open(&url).await?;
            let keys = key_ring(cli.keys.as_deref(), &file)?;
            cli_basic::export(&db, &keys, kind, args).await?;
        }
        Command::Locate { lat, lon } => {
            let (lat, lon) =
                wangge_web::form::parse_lat_lon(Some(&lat.to_string()), Some(&lon.to_string()))
                    .map_err(domain)?;
            let db = open(&url).await?;
            let mut c = db.conn().await.map_err(domain)?;
            let index = territory::locate_index(&mut c.handle())
                .await
                .map_err(domain)?;
            match index.locate(lon, lat) {
                Some(g) => println!("{} {}", g.code, g.name),
                None => println!("({lat}, {lon}) is outside every grid"),
            }
        }
        Command::Calendar {
            what:
                CalendarWhat::Due {
                    from,
                    working_days,
                    days,
                },
        } => {
            use wangge_domain::deadline::{self, Period};
            let start = deadline::parse_rfc3339(&from).map_err(|e| domain(e.into()))?;
            let period = match (working_days, days) {
                (Some(n), _) => Period::WorkingDays(n),
                (None, Some(n)) => Period::CalendarDays(n),
                (None, None) => bail!("give --working-days N or --days N"),
            };
            let db = open(&url).await?;
            let mut c = db.conn().await.map_err(domain)?;
            let cal = wangge_store::events::load_calendar(&mut c.handle())
                .await
                .map_err(domain)?;
            let due = deadline::due(start, period, &cal).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                deadline::format_rfc3339(due).map_err(|e| anyhow::anyhow!("{e}"))?
            );
        }
        Command::Keys { what } => {
            keys::run(what, &keys::key_file_path(cli.keys.as_deref(), &file), &url).await?;
        }
        Command::Open311 { what } => {
            let db = open(&url).await?;
            open311_keys::run(what, &db).await?;
        }
        Command::Errors { json } => print_errors(json)?,
        Command::Verify => {
            let db = open(&url).await?;
            if !verify::run(&db).await? {
                std::process::exit(1);
            }
        }
        Command::Bench {
            what:
                BenchWhat::Intake {
                    requests,
                    analysis_events,
                },
        } => {
            if requests == 0 {
                bail!("--requests must be positive");
            }
            // The analysis first: the intake's closing line carries the ratio.
            if analysis_events > 0 {
                bench_analysis::analysis(cli.database_url.as_deref(), analysis_events).await?;
            }
            bench_intake::intake(cli.database_url.as_deref(), requests).await?;
        }
        Command::Bench {
            what: BenchWhat::Lists { events },
        } => bench_lists::lists(cli.database_url.as_deref(), events).await?,
        Command::Bench {
            what: BenchWhat::People { people },
        } => {
            if people == 0 {
                bail!("--people must be positive");
            }
            bench_people::people(cli.database_url.as_deref(), people).await?;
        }
        Command::Bench {
            what:
                BenchWhat::Load {
                    clients,
                    seconds,
                    events,
                    instances,
                    kill,
                },
        } => {
            let args = bench_load::LoadArgs {
                clients,
                seconds,
                events,
                instances,
                kill,
            };
            bench_load::load(cli.database_url.as_deref(), args).await?;
        }
        Command::Bench {
            what: BenchWhat::Locate { lookups, seed },
        } => {
            if lookups == 0 {
                bail!("--lookups must be positive");
            }
            bench::locate(cli.database_url.as_deref(), lookups, seed).await?;
        }
        Command::Bench {
            what: BenchWhat::Workbench,
        } => bench_workbench::workbench(cli.database_url.as_deref()).await?,
        Command::Bench {
            what: BenchWhat::Assess,
        } => bench_assess::assess(cli.database_url.as_deref()).await?,
        Command::Bench {
            what: BenchWhat::AssessClose,
        } => bench_assess::close_all(cli.database_url.as_deref()).await?,
        Command::Bench {
            what: BenchWhat::AssessScore,
        } => bench_assess_score::assess_score(cli.database_url.as_deref()).await?,
        Command::Bench {
            what: BenchWhat::Volunteers,
        } => bench_volunteers::volunteers(cli.database_url.as_deref()).await?,
        Command::Assess { what } => {
            let db = open(&url).await?;
            let keys = key_ring(cli.keys.as_deref(), &file)?;
            cli_assess::run(what, &db, &keys).await?;
        }
    }
    Ok(())
}

/// The key ring: `WANGGE_KEYS` wins, else the key file (flag, config, or `data/wangge.keys`),
/// created with a fresh key on first use.
fn key_ring(flag: Option<&std::path::Path>, file: &FileConfig) -> anyhow::Result<KeyRing> {
    let path = flag
        .map(std::path::Path::to_path_buf)
        .or_else(|| file.key_file.clone())
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_KEY_FILE));
    KeyRing::load_or_create(&path, std::env::var(wangge_store::seal::KEYS_ENV).ok()).map_err(domain)
}

/// Everything, or only what lies under the node with this code.
async fn within_scope(c: &mut wangge_store::Conn, within: Option<&str>) -> anyhow::Result<Scope> {
    match within {
        None => Ok(System::acting().scope()),
        Some(code) => {
            let n = wangge_store::nodes::by_code(&mut c.handle(), &System::acting().scope(), code)
                .await
                .map_err(domain)?;
            Ok(Scope::of_path(&n.path))
        }
    }
}

fn print_check(r: &wangge_domain::check::CheckReport) {
    println!(
        "checked {} parents and {} grids",
        r.parents_checked, r.grids_checked
    );
    for p in &r.coverage {
        println!("{} {} ({} children):", p.code, p.name, p.children);
        for f in &p.findings {
            println!(
                "  {:?} {:.1} m² at ({:.6}, {:.6}) {}",
                f.kind,
                f.area_m2,
                f.lat,
                f.lon,
                f.codes.join(" ")
            );
        }
    }
    for s in &r.sizes {
        println!(
            "size: {} {} ({:.0} m²): {}",
            s.code,
            s.name,
            s.area_m2,
            s.problems.join("; ")
        );
    }
    for c in &r.missing_boundary {
        println!("no boundary: {c}");
    }
    if r.is_clean() {
        println!("clean: no gaps, no overlaps, every grid inside the size guidance");
    }
}
