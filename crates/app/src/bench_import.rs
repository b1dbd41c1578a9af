//! `wangge bench import`: a people CSV of N rows imported through the web's import pipeline —
//! read, map, validate, check grids, scope and duplicates, seal, write — against a bare bulk
//! insert of the same rows into the same table in the same database.
//!
//! The file is generated first (not timed) from the demo generator, one grid's households at a
//! time, over the grids of the small demo city, with ID numbers of a region the demo city does
//! not use, so nothing collides with other data. Then, in one database:
//!
//! - **bare**: a reader thread parses the CSV into plain column values (no validation, ID and
//!   phone stored in the clear, no houses or households) while the writer runs multi-row
//!   INSERTs of the store's batch size into `people`, all in one transaction — the same reading
//!   overlap, statement shape, batch and transaction style as the import; its rows are then
//!   deleted and their space given back (not timed);
//! - **full**: `import::import_file` in all-or-nothing mode, which also creates the houses and
//!   households the rows name.
//!
//! Peak memory of the import is the largest anonymous resident memory (`RssAnon`: heap and
//! stacks) sampled every 20 ms while it runs; the process's VmHWM, reset just before the import
//! (`/proc/self/clear_refs`), is printed beside it but also counts the pages of the database
//! file SQLite maps into memory. Figures are
//! printed, never asserted; the last line is `ratio <full / bare rows per second on SQLite>`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::demo::layout::Scale;
use crate::demo::population::{GridSpec, MAX_SLOTS, grid_population};
use anyhow::{Context, bail};
use tokio::sync::mpsc;
use wangge_domain::System;
use wangge_domain::basic::row::Kind;
use wangge_domain::basic::{Education, Relation, Residence, Sex};
use wangge_domain::{NodeKind, Sensitive, deadline, geometry};
use wangge_sheet::{CsvRowWriter, Encoding, ReadLimits, RowReader};
use wangge_store::audit::Actor;
use wangge_store::basic::import::{BATCH, Mode};
use wangge_store::{Db, Handle, nodes, now_ms, on_conn, territory, testdb};
use wangge_web::import::{self, ImportSpec};

use crate::bench_kit::sqlite_db;

/// The ID region of the generated people: Beijing Dongcheng, which the demo city never uses.
const REGION: &str = "110101";
/// People generated per grid spec.
const PER_SPEC: usize = 1000;

/// A grid's code and bounding box (min lon, min lat, max lon, max lat).
type GridBox = (String, (f64, f64, f64, f64));

/// Removes the generated file when dropped.
struct TempCsv(PathBuf);

impl Drop for TempCsv {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Peak resident memory of this process in kB (VmHWM), when the system tells.
fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A field of /proc/self/status in kB.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples the anonymous resident memory (the heap and stacks, not files mapped into memory
/// such as SQLite's memory-mapped database) every 20 ms until dropped; keeps the largest.
struct AnonPeak {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AnonPeak {
    fn start() -> AnonPeak {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(status_kb("RssAnon:").unwrap_or(0)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kb) = status_kb("RssAnon:") {
                    p.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
        AnonPeak {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// Resets VmHWM to the current RSS (Linux 4.0+); false when not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Writes `rows` people over `grids` (code, bbox) into a CSV file; returns the rows written.
fn generate(path: &Path, rows: usize, grids: &[GridBox]) -> anyhow::Result<usize> {
    let today = deadline::local_date(now_ms()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let file = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    let mut w = CsvRowWriter::new(file, Encoding::Utf8)?;
    let headers: Vec<&str> = wangge_domain::basic::row::columns(Kind::People)
        .iter()
        .map(|c| c.zh)
        .collect();
    w.write_row(&headers)?;
    let mut written = 0usize;
    let mut slot = 0u32;
    while written < rows {
        if slot >= MAX_SLOTS {
            bail!("more than {} grids' worth of people asked for", MAX_SLOTS);
        }
        let (code, bbox) = &grids[slot as usize % grids.len()];
        let data = grid_population(&GridSpec {
            seed: 42,
            grid_code: code,
            region6: REGION,
            slot,
            bbox: *bbox,
            people_target: PER_SPEC.min(rows - written).max(1),
            today,
            contains: None,
        });
        slot += 1;
        for p in data.people {
            if written >= rows {
                break;
            }
            let date = |d: Option<wangge_domain::calendar::Date>| {
                d.map(|d| d.to_string()).unwrap_or_default()
            };
            let house = p
                .house
                .clone()
                .unwrap_or_else(|| wangge_domain::basic::HouseAddress {
                    building: String::new(),
                    unit: String::new(),
                    room: String::new(),
                });
            let cells = [
                p.grid_code.clone(),
                p.name.clone(),
                p.sex.label_zh().to_string(),
                p.birth_date.to_string(),
                // The import file holds them in the clear, as a real one does.
                p.id_number.expose().clone(),
                p.phone
                    .clone()
                    .map(Sensitive::into_inner)
                    .unwrap_or_default(),
                p.ethnic.clone(),
                p.registered_address.clone(),
                p.residence.label_zh().to_string(),
                date(p.arrived_on),
                date(p.left_on),
                if p.party_member { "是" } else { "否" }.to_string(),
                p.education
                    .map(|e| e.label_zh().to_string())
                    .unwrap_or_default(),
                p.occupation.clone().unwrap_or_default(),
                house.building,
                house.unit,
                house.room,
                p.household_no.clone().unwrap_or_default(),
                p.relation
                    .map(|r| r.label_zh().to_string())
                    .unwrap_or_default(),
            ];
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            w.write_row(&refs)?;
            written += 1;
        }
    }
    w.finish()?;
    Ok(written)
}

/// A plain value of the bare insert.
enum V {
    I(i64),
    S(String),
    /// A NULL integer (PostgreSQL checks a parameter's type even when it is NULL).
    N,
    /// A NULL text.
    NS,
    B(bool),
}

/// The bare row of one CSV row: the 26 columns of `people`, no validation, no sealing.
fn bare_row(cells: &[String], id: i64, grid: &(i64, String), now: i64) -> Vec<V> {
    let c = |i: usize| cells.get(i).cloned().unwrap_or_default();
    let opt = |i: usize| {
        let v = c(i);
        if v.is_empty() { V::NS } else { V::S(v) }
    };
    let coded = |i: usize, f: fn(&str) -> Option<&'static str>| {
        let v = c(i);
        if v.is_empty() {
            V::NS
        } else {
            V::S(f(&v).map_or(v, str::to_string))
        }
    };
    let id_number = c(4);
    vec![
        V::I(id),
        V::I(grid.0),
        V::S(grid.1.clone()),
        V::S(c(1)),
        V::S(String::new()),
        V::S(Sex::parse(&c(2)).map_or_else(|| c(2), |s| s.as_str().to_string())),
        V::I(c(3).get(..4).and_then(|y| y.parse().ok()).unwrap_or(0)),
        V::S(id_number.clone()),
        // Apart from the import's hex blind indexes, so both fit the unique index.
        V::S(format!("bare:{id_number}")),
        V::S(id_number),
        opt(5),
        opt(5),
        opt(5),
        V::S(c(6)),
        V::S(c(7)),
        V::S(Residence::parse(&c(8)).map_or_else(|| c(8), |r| r.as_str().to_string())),
        opt(9),
        opt(10),
        V::B(c(11) == "是"),
        coded(12, |s| Education::parse(s).map(Education::as_str)),
        opt(13),
        V::N,
        V::N,
        coded(18, |s| Relation::parse(s).map(Relation::as_str)),
        V::I(now),
        V::I(now),
    ]
}

const COLUMNS: &str = "id, grid_id, path, name, name_initials, sex, birth_year, id_sealed, id_index, id_masked, \
    phone_sealed, phone_index, phone_masked, ethnic, registered_address, residence, arrived_on, left_on, party_member, \
    education, occupation, house_id, household_id, relation, created_at, updated_at";
const ARITY: usize = 26;

fn placeholders(rows: usize, postgres: bool) -> String {
    let mut s = String::with_capacity(rows * ARITY * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..ARITY {
            if c > 0 {
                s.push(',');
            }
            if postgres {
                s.push_str(&format!("${}", r * ARITY + c + 1));
            } else {
                // Positional parameters, as the store binds them on SQLite.
                s.push('?');
            }
        }
        s.push(')');
    }
    s
}

async fn insert_batch(h: &mut Handle<'_>, sql: &str, rows: &[Vec<V>]) -> anyhow::Result<()> {
    macro_rules! run {
        ($c:expr) => {{
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            for row in rows {
                for v in row {
                    q = match v {
                        V::I(x) => q.bind(*x),
                        V::S(x) => q.bind(x.as_str()),
                        V::N => q.bind(None::<i64>),
                        V::NS => q.bind(None::<String>),
                        V::B(b) => q.bind(*b),
                    };
                }
            }
            q.execute(&mut **$c).await?;
        }};
    }
    on_conn!(h, c => run!(c));
    Ok(())
}

/// The bare run: returns the rows written and the id range used.
async fn bare(db: &Db, path: &Path) -> anyhow::Result<(u64, i64, i64)> {
    let grids: HashMap<String, (i64, String)> = {
        let mut c = db.conn().await?;
        nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid)
            .await?
            .into_iter()
            .map(|g| (g.code, (g.id, g.path)))
            .collect()
    };
    let first: i64 = {
        let mut c = db.conn().await?;
        on_conn!(&mut c.handle(), c => {
            sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM people")
                .fetch_one(&mut **c)
                .await?
        })
    } + 1_000_000_000;
    let now = now_ms();
    let reader = RowReader::open(path, Encoding::Utf8, &ReadLimits::default())?;
    let (tx, mut rx) = mpsc::channel::<Vec<Vec<V>>>(4);
    let thread = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut next = first;
        let mut batch = Vec::with_capacity(BATCH);
        for (i, row) in reader.enumerate() {
            let row = row?;
            if i == 0 {
                continue;
            }
            let grid = grids
                .get(row.cell(0))
                .with_context(|| format!("row {}: no grid {}", row.number, row.cell(0)))?;
            batch.push(bare_row(&row.cells, next, grid, now));
            next += 1;
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if tx.blocking_send(full).is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok(())
    });
    let postgres = db.is_postgres();
    let full_sql = format!(
        "INSERT INTO people ({COLUMNS}) VALUES {}",
        placeholders(BATCH, postgres)
    );
    let mut t = db.begin().await?;
    let mut rows = 0u64;
    while let Some(batch) = rx.recv().await {
        let sql = if batch.len() == BATCH {
            full_sql.clone()
        } else {
            format!(
                "INSERT INTO people ({COLUMNS}) VALUES {}",
                placeholders(batch.len(), postgres)
            )
        };
        insert_batch(&mut t.handle(), &sql, &batch).await?;
        rows += batch.len() as u64;
    }
    t.commit().await?;
    thread
        .join()
        .map_err(|_| anyhow::anyhow!("the bare reader thread failed"))??;
    Ok((rows, first, first + rows as i64))
}

/// Writes the WAL back into the database file, so each run starts without the other's log.
async fn settle(db: &Db) -> anyhow::Result<()> {
    let mut c = db.conn().await?;
    let h = &mut c.handle();
    if !h.is_postgres() {
        on_conn!(h, c => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut **c)
                .await?;
        });
    }
    Ok(())
}

/// Removes the bare run's rows and gives their space back, so the import starts from the same
/// table the bare run found.
async fn delete_range(db: &Db, from: i64, to: i64) -> anyhow::Result<()> {
    let mut c = db.conn().await?;
    let h = &mut c.handle();
    let after: &[&'static str] = if h.is_postgres() {
        &["VACUUM ANALYZE people"]
    } else {
        &["PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM"]
    };
    on_conn!(h, c => {
        sqlx::query("DELETE FROM people WHERE id >= $1 AND id < $2")
            .bind(from)
            .bind(to)
            .execute(&mut **c)
            .await?;
        for sql in after {
            sqlx::query(*sql).execute(&mut **c).await?;
        }
    });
    Ok(())
}

/// Seeds the demo city (when empty), generates the file, runs bare then full.
async fn measure(db: &Db, label: &str, rows: usize) -> anyhow::Result<f64> {
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
    let grids: Vec<GridBox> = {
        let mut c = db.conn().await?;
        nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid)
            .await?
            .into_iter()
            .filter_map(|g| {
                let b = geometry::bbox(&g.geometry().ok().flatten()?)?;
                Some((g.code, (b[0], b[1], b[2], b[3])))
            })
            .collect()
    };
    if grids.is_empty() {
        bail!("the demo city has no grids with boundaries");
    }
    let path = std::env::temp_dir().join(format!(
        "wangge_bench_import_{}_{}.csv",
        std::process::id(),
        now_ms()
    ));
    let _guard = TempCsv(path.clone());
    let t = Instant::now();
    let n = generate(&path, rows, &grids)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{label}: generated {n} people over {} grids into a {:.0} MB CSV in {:.1} s",
        grids.len(),
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    settle(db).await?;
    let t = Instant::now();
    let (bare_rows, from, to) = bare(db, &path).await?;
    let bare_s = t.elapsed().as_secs_f64();
    let bare_rate = bare_rows as f64 / bare_s.max(1e-9);
    println!(
        "{label}: bare bulk insert        {bare_rows:>9} rows in {bare_s:>7.1} s  {bare_rate:>9.0} rows/s"
    );
    delete_range(db, from, to).await?;
    settle(db).await?;

    let keys = wangge_store::seal::KeyRing::from_text(&format!(
        "k1 {}",
        wangge_store::auth::random_secret()?
    ))?;
    let locate = {
        let mut c = db.conn().await?;
        territory::locate_index(&mut c.handle()).await?
    };
    let now = now_ms();
    let spec = ImportSpec {
        actor: Actor::system("bench"),
        scope: System::acting().scope(),
        kind: Kind::People,
        mode: Mode::AllOrNothing,
        today: deadline::local_date(now).map_err(|e| anyhow::anyhow!("{e}"))?,
        now,
    };
    let reset = reset_peak();
    let before = if reset {
        status_kb("VmRSS:")
    } else {
        peak_kb()
    };
    let anon_before = status_kb("RssAnon:");
    let sampler = AnonPeak::start();
    let t = Instant::now();
    let report = import::import_file(
        db,
        &keys,
        &spec,
        &path,
        Encoding::Utf8,
        &ReadLimits::default(),
        &locate,
        |_| {},
    )
    .await?;
    let full_s = t.elapsed().as_secs_f64();
    let peak = peak_kb();
    let anon_peak = sampler.finish();
    if !report.committed || report.inserted != bare_rows {
        let first = report
            .problems
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_default();
        bail!(
            "{label}: the import wrote {} of {bare_rows} rows (committed {}, {} problems, first: {first})",
            report.inserted,
            report.committed,
            report.problem_count
        );
    }
    let full_rate = report.inserted as f64 / full_s.max(1e-9);
    println!(
        "{label}: full import             {:>9} rows in {full_s:>7.1} s  {full_rate:>9.0} rows/s",
        report.inserted
    );
    match (anon_before, before, peak) {
        (Some(a), Some(b), Some(p)) => {
            println!(
                "{label}: import peak memory {:.0} MB (anonymous resident memory, sampled every 20 ms; {:.0} MB when it began)",
                mb(anon_peak),
                mb(a)
            );
            println!(
                "{label}: process VmHWM during the import {:.0} MB ({:.0} MB resident when it began; counts the database file mapped into memory{})",
                mb(p),
                mb(b),
                if reset {
                    ""
                } else {
                    "; peak not reset, so it may include earlier phases"
                }
            );
        }
        _ => println!("{label}: import peak memory: not available on this system"),
    }
    Ok(full_rate / bare_rate.max(1e-9))
}

/// SQLite (the given `sqlite://` database, or a temporary one), then PostgreSQL when a URL is
/// at hand (`postgres://` database URL, `WANGGE_BENCH_PG_URL`, or a fresh database made from
/// `TEST_DATABASE_URL`). The last line is SQLite's ratio.
pub async fn import(database_url: Option<&str>, rows: usize) -> anyhow::Result<()> {
    let rows = rows.max(1);
    println!(
        "import: {rows} people rows (CSV, UTF-8), all-or-nothing, in batches of {BATCH}, one transaction"
    );
    let sqlite_ratio = {
        let (db, _guard) = sqlite_db(database_url, "import").await?;
        let r = measure(&db, "sqlite", rows).await;
        db.close().await;
        r?
    };
    println!("sqlite: full / bare = {sqlite_ratio:.3}");
    let given_pg = database_url.filter(|u| u.starts_with("postgres"));
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
            let r = measure(&db, "postgres", rows).await;
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
