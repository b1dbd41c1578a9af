//! `wangge import people|households|houses|orgs|objects FILE`, `wangge export
//! people|houses|orgs|objects FILE` and `wangge template KIND FILE`: the web's import pipeline
//! and exports from the terminal. An export has the template's columns; with `--reveal REASON`
//! it carries full ID numbers and phones and imports into another city unchanged.
//!
//! The import prints a progress bar on stderr, then every problem reported (row, column,
//! reason) on stdout, then a summary. It exits non-zero when nothing was written because of
//! problems, when the file could not be read, or when a dry run found problems.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use clap::Args;
use wangge_domain::System;
use wangge_domain::basic::row::Kind;
use wangge_domain::{Scope, deadline};
use wangge_sheet::{Encoding, ReadLimits};
use wangge_store::audit::Actor;
use wangge_store::basic::import::Mode;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, auth, nodes, now_ms, territory, users};
use wangge_web::export::{self, ExportFormat, ExportKind, ExportSpec};
use wangge_web::import::{self, ImportProgress, ImportSpec, Report};

use crate::progress::Progress;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// An XLSX or CSV file whose first row is the header (see `wangge template`)
    pub file: PathBuf,
    /// The CSV file's encoding: utf-8 or gbk (a UTF-8 BOM always wins)
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Check every row and report; write nothing
    #[arg(long, conflicts_with = "good_rows")]
    pub dry_run: bool,
    /// Write the good rows and report the bad ones (default: nothing unless every row is good)
    #[arg(long)]
    pub good_rows: bool,
    /// Import as this user, within their area [default: the system, everywhere]
    #[arg(long = "as", value_name = "USERNAME")]
    pub as_user: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// FILE.xlsx or FILE.csv
    pub file: PathBuf,
    /// Only under the node with this code
    #[arg(long)]
    pub under: Option<String>,
    /// CSV encoding: utf-8 (with a BOM, as Excel's "CSV UTF-8") or gbk
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Add each person's open key-group tags (people only)
    #[arg(long)]
    pub tags: bool,
    /// Full ID numbers and phones instead of masks, for moving data; the reason (4 characters
    /// or more) goes into the audit log
    #[arg(long, value_name = "REASON")]
    pub reveal: Option<String>,
}

fn encoding(s: &str) -> anyhow::Result<Encoding> {
    Encoding::parse(s).with_context(|| format!("{s:?} is not an encoding; use utf-8 or gbk"))
}

fn domain(e: wangge_domain::Error) -> anyhow::Error {
    anyhow::anyhow!("{} [{}]", e.message, e.code)
}

/// Who imports: a user (their area) or the system (everywhere).
async fn importer(db: &Db, as_user: Option<&str>) -> anyhow::Result<(Actor, Scope)> {
    let Some(name) = as_user else {
        return Ok((Actor::system("cli"), System::acting().scope()));
    };
    let mut c = db.conn().await.map_err(domain)?;
    let u = users::by_username(&mut c.handle(), &System::acting().scope(), name)
        .await
        .map_err(domain)?;
    let p = auth::principal_by_id(&mut c.handle(), u.id)
        .await
        .map_err(domain)?
        .with_context(|| format!("user {name} is not active"))?;
    let may = wangge_domain::basic::access::may_write(p.role());
    if !may {
        bail!(
            "{name} is a {} and may not import basic information",
            p.role
        );
    }
    Ok((Actor::user(p.user_id, p.display_name.clone()), p.scope()))
}

/// Draws `[#####-----]  45%  123,456 rows` on stderr (see [`crate::progress`]).
struct Bar {
    /// The progress line and the tenth of the work last shown.
    state: Mutex<(Progress, Option<u8>)>,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            state: Mutex::new((Progress::new(), None)),
        }
    }

    fn show(&self, p: &ImportProgress) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (progress, shown) = &mut *state;
        let pct = p.percent.unwrap_or(0);
        let filled = usize::from(pct) * 30 / 100;
        let line = format!(
            "[{}{}] {pct:>3}%  {} rows  {}",
            "#".repeat(filled),
            "-".repeat(30 - filled),
            p.rows,
            p.phase
        );
        // Off a terminal, one line per ten per cent keeps logs short.
        let step = p.percent.map(|x| x / 10);
        if p.phase == "done" || (!progress.is_terminal() && step != *shown) {
            progress.show_now(&line);
            *shown = step;
        } else if progress.is_terminal() {
            progress.show(&line);
        }
    }

    fn end(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.0.end();
        }
    }
}

fn print_report(r: &Report) {
    for p in &r.problems {
        let row = p
            .row
            .map_or_else(|| "file".to_string(), |n| format!("row {n}"));
        println!("{row:>10}  {:<28} {}", p.column(true), p.message);
    }
    if r.unreported() > 0 {
        println!("… and {} more problems not listed", r.unreported());
    }
    let outcome = match (r.stopped, r.mode, r.committed) {
        (true, _, _) => "stopped: the file cannot be imported; nothing was written",
        (_, Mode::DryRun, _) => "dry run: nothing was written",
        (_, _, true) => "imported",
        (_, _, false) => "refused: nothing was written",
    };
    println!(
        "{outcome}. {} rows read, {} {}, {} rows with problems{}",
        r.rows,
        r.inserted,
        if r.mode == Mode::DryRun {
            "would be written"
        } else {
            "written"
        },
        r.bad_rows,
        if r.updated > 0 {
            format!(", {} placeholder houses filled in", r.updated)
        } else {
            String::new()
        }
    );
}

/// `wangge import KIND FILE`.
pub async fn import(
    db: &Db,
    keys: &KeyRing,
    kind: Kind,
    a: ImportArgs,
    limits: &ReadLimits,
) -> anyhow::Result<()> {
    let enc = encoding(&a.encoding)?;
    let mode = match (a.dry_run, a.good_rows) {
        (true, _) => Mode::DryRun,
        (false, true) => Mode::GoodRowsOnly,
        (false, false) => Mode::AllOrNothing,
    };
    let (actor, scope) = importer(db, a.as_user.as_deref()).await?;
    let locate = {
        let mut c = db.conn().await.map_err(domain)?;
        territory::locate_index(&mut c.handle())
            .await
            .map_err(domain)?
    };
    let now = now_ms();
    let spec = ImportSpec {
        actor,
        scope,
        kind,
        mode,
        today: deadline::local_date(now).map_err(|e| domain(e.into()))?,
        now,
    };
    let bar = Bar::new();
    let report = import::import_file(db, keys, &spec, &a.file, enc, limits, &locate, |p| {
        bar.show(&p)
    })
    .await
    .map_err(domain)?;
    bar.end();
    print_report(&report);
    let failed = report.stopped
        || match mode {
            Mode::DryRun => report.problem_count > 0,
            Mode::AllOrNothing => !report.committed,
            Mode::GoodRowsOnly => !report.committed || report.inserted + report.updated == 0,
        };
    if failed {
        bail!("{} problems in {}", report.problem_count, a.file.display());
    }
    Ok(())
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `wangge export KIND FILE`.
pub async fn export(
    db: &Db,
    keys: &KeyRing,
    kind: ExportKind,
    a: ExportArgs,
) -> anyhow::Result<()> {
    let format = ExportFormat::from_extension(&extension(&a.file), encoding(&a.encoding)?)
        .with_context(|| format!("{}: name the file .xlsx or .csv", a.file.display()))?;
    let everything = System::acting().scope();
    let under = match a.under.as_deref() {
        None => None,
        Some(code) => {
            let mut c = db.conn().await.map_err(domain)?;
            Some(
                nodes::by_code(&mut c.handle(), &everything, code)
                    .await
                    .map_err(domain)?
                    .path,
            )
        }
    };
    let spec = ExportSpec {
        kind,
        format,
        scope: everything,
        under,
        tags: a.tags,
        reveal: a.reveal,
    };
    let out = std::fs::File::create(&a.file)
        .with_context(|| format!("cannot write {}", a.file.display()))?;
    let written = export::export(
        db,
        keys,
        &Actor::system("cli"),
        &spec,
        std::io::BufWriter::new(out),
        now_ms(),
    )
    .await;
    let (out, rows) = match written {
        Ok(w) => w,
        Err(e) => {
            // A file cut short (and perhaps holding full values with no audit row) is not left.
            let _ = std::fs::remove_file(&a.file);
            return Err(domain(e));
        }
    };
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", a.file.display()))?;
    eprintln!(
        "wrote {rows} {} rows to {}",
        kind.as_str(),
        a.file.display()
    );
    Ok(())
}

/// `wangge template KIND FILE.xlsx|.csv`.
pub fn template(kind: &str, file: &Path) -> anyhow::Result<()> {
    let kind = Kind::parse(kind)
        .with_context(|| format!("{kind:?} is not people, households, houses, orgs or objects"))?;
    let bytes = match extension(file).as_str() {
        "xlsx" => import::xlsx_template(kind),
        "csv" => import::csv_template(kind),
        _ => bail!("{}: name the file .xlsx or .csv", file.display()),
    }
    .map_err(domain)?;
    std::fs::write(file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
    eprintln!("wrote the {} template to {}", kind.as_str(), file.display());
    Ok(())
}
