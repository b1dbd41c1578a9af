//! The one import pipeline of people, households, houses, organisations and objects, shared by
//! the import page and `wangge import`.
//!
//! A reader thread pulls rows from the [`RowReader`], maps the header once and validates each
//! row with the domain's rules; validated records go in chunks over a small bounded channel to
//! the async side, which checks a house's point against its grid and hands the records to the
//! store's bulk importer (grid, scope and duplicate checks, sealing, multi-row INSERTs in one
//! transaction). Reading and validating thus overlap with the database writes, and memory stays
//! flat: a few chunks in flight, the importer's caches, and the problems list, which keeps the
//! first [`MAX_REPORTED`] problems in full and counts the rest. What a file may make the reader
//! hold is bounded by its [`ReadLimits`] (a cell too long is its row's problem, a file that
//! inflates too far is refused), and every problem's text by [`MAX_MESSAGE_CHARS`], so a job's
//! report stays small whatever the file holds.
//!
//! Outcomes:
//! - a header problem (a required column missing, an unknown or repeated column) stops before
//!   any row and names the columns;
//! - a sheet error (not a spreadsheet, bytes not in the chosen encoding, a broken file) stops
//!   the import, names the row, and nothing is written;
//! - all-or-nothing (the default) writes nothing when any row has a problem; good-rows-only
//!   writes the rows without problems; a dry run writes nothing and lists every problem.
//!
//! The template's example row, left exactly as it came, is skipped and named in the report
//! (`example_row`); changed, it is a row like any other. A value an export masked (with `*`)
//! is refused as such (`import.masked_value`), not as a malformed number.
//!
//! One limit of the all-or-nothing mode: once a row fails validation the import is rolled back
//! without writing the last batch, so database duplicates among the last few rows (fewer than
//! the store's batch) may go unreported until the file is corrected. A dry run lists them all.

use serde::Serialize;
use tokio::sync::mpsc;
use wangge_domain::basic::row::{self, HeaderMap, Kind, Member};
use wangge_domain::basic::validate::{self, FieldError};
use wangge_domain::basic::{House, Object, Org, Person, PersonTag, Relation, tags};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::error::{Params, codes, render};
use wangge_domain::locate::LocateIndex;
use wangge_domain::{Error, Scope};
use wangge_sheet::{Encoding, Progress, ReadLimits, Row, RowReader, SheetError, TemplateColumn};
use wangge_store::Db;
use wangge_store::basic::Actor;
use wangge_store::basic::import::{
    HousesImport, Mode, ObjectsImport, OrgsImport, PeopleImport, RowProblem, Summary,
};
use wangge_store::seal::KeyRing;
use wangge_store::territory::GridRef;

/// Problems reported in full; beyond this they are only counted.
pub const MAX_REPORTED: usize = 1000;
/// The longest problem text kept, in characters: texts quote cells, which may be long.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// The most of one quoted value a shortened problem text keeps, in characters.
const MAX_VALUE_CHARS: usize = 64;
/// Rows per message from the reader thread.
const CHUNK: usize = 512;
/// Chunks in flight between the reader and the writer.
const IN_FLIGHT: usize = 4;

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportProgress {
    /// Data rows read so far (the header not counted).
    pub rows: u64,
    pub bytes_read: u64,
    pub total_bytes: Option<u64>,
    /// 0–100 when the file's size is known.
    pub percent: Option<u8>,
    /// `reading` while rows come in, `writing` while the last batch and the commit run.
    pub phase: &'static str,
}

/// One problem: the row as the spreadsheet numbers it (none for the file as a whole), the
/// column's key and Chinese header when the problem is about a column, a stable code and a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: Option<u64>,
    /// The column key (`id_number`), or `header`, `file`, `address`, `record`.
    pub field: String,
    /// The column's Chinese header (`身份证号`) when the field is a column.
    pub column_zh: Option<&'static str>,
    pub code: String,
    pub message: String,
}

impl Problem {
    fn of_field(kind: Kind, row: Option<u64>, e: &FieldError) -> Problem {
        Problem {
            row,
            field: e.field.to_string(),
            column_zh: column_zh(kind, e.field),
            code: e.code.to_string(),
            message: bounded_message(e.code, &e.message, &e.params),
        }
    }

    fn of_row(kind: Kind, p: &RowProblem) -> Problem {
        Problem {
            row: Some(p.row),
            field: p.field.to_string(),
            column_zh: column_zh(kind, p.field),
            code: p.code.to_string(),
            message: shorten(&p.message, MAX_MESSAGE_CHARS),
        }
    }

    fn of_sheet(e: &SheetError) -> Problem {
        Problem {
            row: e.row().map(|r| r as u64),
            field: "file".to_string(),
            column_zh: None,
            code: e.code().to_string(),
            message: shorten(&e.to_string(), MAX_MESSAGE_CHARS),
        }
    }

    /// The column as a person reads it: `身份证号 (id_number)` in Chinese, the key in English.
    pub fn column(&self, zh: bool) -> String {
        match (zh, self.column_zh) {
            (true, Some(c)) => format!("{c} ({})", self.field),
            _ => self.field.clone(),
        }
    }
}

/// `s`, or its first `max` characters and an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// A problem's text within [`MAX_MESSAGE_CHARS`]. A long one is rendered again from its code
/// with each value shortened, so it still reads whole (and the page can still put it in
/// Chinese); only then is the text itself cut.
fn bounded_message(code: &str, message: &str, params: &Params) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_string();
    }
    let text = match codes::entry(code) {
        Some(e) => {
            let short: Params = params
                .iter()
                .map(|(k, v)| (*k, shorten(v, MAX_VALUE_CHARS)))
                .collect();
            render(e.en, &short)
        }
        None => message.to_string(),
    };
    shorten(&text, MAX_MESSAGE_CHARS)
}

/// A row's cells too long to take, as problems of the columns they are in; a cell outside
/// every known column is ignored, as its text would be.
fn long_cells(kind: Kind, map: Option<&HeaderMap>, r: &Row, max_kb: u64) -> Vec<FieldError> {
    r.too_long
        .iter()
        .filter_map(|c| {
            let field = match map {
                Some(map) => {
                    row::columns(kind)
                        .iter()
                        .find(|col| map.index_of(col.key) == Some(c.col))?
                        .key
                }
                None => "header",
            };
            Some(FieldError::new(
                field,
                err!("sheet.cell_too_long", max_kb, start = c.start),
            ))
        })
        .collect()
}

/// The Chinese header of a column key of `kind`.
pub fn column_zh(kind: Kind, key: &str) -> Option<&'static str> {
    row::columns(kind)
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.zh)
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: &'static str,
    pub mode: Mode,
    /// Data rows read.
    pub rows: u64,
    /// Rows written; for a dry run, rows that would have been written.
    pub inserted: u64,
    /// Placeholder houses filled in (houses only).
    pub updated: u64,
    pub committed: bool,
    /// The file could not be read to its end, or its header is wrong: nothing was written.
    pub stopped: bool,
    /// Rows with at least one problem.
    pub bad_rows: u64,
    /// The template's example row, skipped because it was left unchanged.
    pub example_row: Option<u64>,
    /// Every problem counted, reported or not.
    pub problem_count: u64,
    /// The first [`MAX_REPORTED`] problems, by row, and the reason the file was stopped.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Problems beyond those listed.
    pub fn unreported(&self) -> u64 {
        self.problem_count
            .saturating_sub(self.problems.len() as u64)
    }
}

/// Who imports what, how.
#[derive(Debug, Clone)]
pub struct ImportSpec {
    pub actor: Actor,
    /// The importer's area: rows for grids outside it are refused.
    pub scope: Scope,
    pub kind: Kind,
    pub mode: Mode,
    /// Dates after this are in the future (birth dates, arrival dates).
    pub today: Date,
    /// The time written on the records, in ms.
    pub now: i64,
}

/// The problems of an import: the first ones in full, the rest counted.
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    total: u64,
    bad_rows: u64,
}

impl Problems {
    fn add(&mut self, p: Problem) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(p);
        }
    }

    /// The reason a file was stopped is listed even past [`MAX_REPORTED`]: it is the one a
    /// person must read.
    fn add_stop(&mut self, p: Problem) {
        self.total += 1;
        self.list.push(p);
    }

    fn bad_row(&mut self, kind: Kind, row: u64, errs: &[FieldError]) {
        self.bad_rows += 1;
        for e in errs {
            self.add(Problem::of_field(kind, Some(row), e));
        }
    }
}

/// A validated record on its way to the store.
enum Record {
    Person(Person, Vec<PersonTag>),
    House(House),
    Org(Org),
    Object(Object),
}

enum Msg {
    /// The header, mapped or refused.
    Header(Result<(), Vec<FieldError>>),
    /// The file has no rows at all.
    Empty,
    /// The template's example row, unchanged, was skipped.
    Example(u64),
    /// Valid records and bad rows, in row order within each list.
    Rows {
        good: Vec<(u64, Record)>,
        bad: Vec<(u64, Vec<FieldError>)>,
    },
    Sheet(SheetError),
}

/// The columns an export masks.
const MASKED_COLUMNS: &[&str] = &[
    "id_number",
    "phone",
    "owner_phone",
    "tenant_phone",
    "contact_phone",
];

/// Validates one data row. A masked value is reported as such, in place of what the field's
/// own check would say about its stars.
fn validate_row(
    kind: Kind,
    map: &HeaderMap,
    cells: &[String],
    today: Date,
) -> Result<Record, Vec<FieldError>> {
    let masked: Vec<&'static str> = MASKED_COLUMNS
        .iter()
        .copied()
        .filter(|k| map.cell(cells, k).contains('*'))
        .collect();
    let result = validate_fields(kind, map, cells, today);
    if masked.is_empty() {
        return result;
    }
    let mut errs: Vec<FieldError> = masked
        .iter()
        .map(|f| FieldError::new(f, err!("import.masked_value", field = *f)))
        .collect();
    if let Err(others) = result {
        errs.extend(others.into_iter().filter(|e| !masked.contains(&e.field)));
    }
    Err(errs)
}

/// A person's open key-group tags, when the file has the column.
fn person_record(
    map: &HeaderMap,
    cells: &[String],
    today: Date,
    person: Result<Person, Vec<FieldError>>,
) -> Result<Record, Vec<FieldError>> {
    let tags = tags::parse_cell(map.cell(cells, "key_groups"), today);
    match (person, tags) {
        (Ok(p), Ok(t)) => Ok(Record::Person(p, t)),
        (Ok(_), Err(e)) => Err(vec![e]),
        (Err(errs), Ok(_)) => Err(errs),
        (Err(mut errs), Err(e)) => {
            errs.push(e);
            Err(errs)
        }
    }
}

fn validate_fields(
    kind: Kind,
    map: &HeaderMap,
    cells: &[String],
    today: Date,
) -> Result<Record, Vec<FieldError>> {
    match kind {
        Kind::People => person_record(
            map,
            cells,
            today,
            validate::person(&map.person_fields(cells), today),
        ),
        Kind::Households => {
            let f = map.person_fields(cells);
            let mut missing = Vec::new();
            // A household file is about households: each row names one.
            for (field, v) in [("household_no", f.household_no), ("relation", f.relation)] {
                if v.trim().is_empty() {
                    missing.push(FieldError::new(field, err!("required", field)));
                }
            }
            let person = match validate::person(&f, today) {
                Ok(p) if missing.is_empty() => Ok(p),
                Ok(_) => Err(missing),
                Err(mut errs) => {
                    for m in missing {
                        if !errs.iter().any(|e| e.field == m.field) {
                            errs.push(m);
                        }
                    }
                    Err(errs)
                }
            };
            person_record(map, cells, today, person)
        }
        Kind::Houses => validate::house(&map.house_fields(cells)).map(Record::House),
        Kind::Orgs => validate::org(&map.org_fields(cells)).map(Record::Org),
        Kind::Objects => validate::object(&map.object_fields(cells)).map(Record::Object),
    }
}

/// The reader thread: header, then chunks of validated rows, stopping at the first sheet error.
/// `max_kb` is the cell bound, for the text of a cell past it.
fn read_rows(reader: RowReader, kind: Kind, today: Date, max_kb: u64, tx: mpsc::Sender<Msg>) {
    let mut rows = reader;
    let header = match rows.next() {
        None => {
            let _ = tx.blocking_send(Msg::Empty);
            return;
        }
        Some(Err(e)) => {
            let _ = tx.blocking_send(Msg::Sheet(e));
            return;
        }
        Some(Ok(h)) => h,
    };
    let long = long_cells(kind, None, &header, max_kb);
    if !long.is_empty() {
        let _ = tx.blocking_send(Msg::Header(Err(long)));
        return;
    }
    let map = match row::map_header(kind, &header.cells) {
        Ok(m) => m,
        Err(errs) => {
            let _ = tx.blocking_send(Msg::Header(Err(errs)));
            return;
        }
    };
    if tx.blocking_send(Msg::Header(Ok(()))).is_err() {
        return;
    }
    let mut good = Vec::with_capacity(CHUNK);
    let mut bad = Vec::new();
    for r in rows {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Msg::Rows { good, bad });
                let _ = tx.blocking_send(Msg::Sheet(e));
                return;
            }
        };
        let n = r.number as u64;
        if map.is_example(&r.cells) {
            if tx.blocking_send(Msg::Example(n)).is_err() {
                return;
            }
            continue;
        }
        let long = long_cells(kind, Some(&map), &r, max_kb);
        if !long.is_empty() {
            bad.push((n, long));
        } else {
            match validate_row(kind, &map, &r.cells, today) {
                Ok(rec) => good.push((n, rec)),
                Err(errs) => bad.push((n, errs)),
            }
        }
        if good.len() + bad.len() >= CHUNK {
            let msg = Msg::Rows {
                good: std::mem::replace(&mut good, Vec::with_capacity(CHUNK)),
                bad: std::mem::take(&mut bad),
            };
            if tx.blocking_send(msg).is_err() {
                return;
            }
        }
    }
    if !good.is_empty() || !bad.is_empty() {
        let _ = tx.blocking_send(Msg::Rows { good, bad });
    }
}

/// The store's importer for a kind.
enum Sink<'k> {
    People(PeopleImport<'k>),
    Houses(HousesImport),
    Orgs(OrgsImport),
    Objects(ObjectsImport),
}

impl<'k> Sink<'k> {
    async fn begin(db: &Db, keys: &'k KeyRing, spec: &ImportSpec) -> Result<Sink<'k>, Error> {
        let (s, a, m, now) = (&spec.scope, &spec.actor, spec.mode, spec.now);
        Ok(match spec.kind {
            Kind::People | Kind::Households => {
                Sink::People(PeopleImport::begin(db, keys, s, a, m, now).await?)
            }
            Kind::Houses => Sink::Houses(HousesImport::begin(db, keys, s, a, m, now).await?),
            Kind::Orgs => Sink::Orgs(OrgsImport::begin(db, keys, s, a, m, now).await?),
            Kind::Objects => Sink::Objects(ObjectsImport::begin(db, keys, s, a, m, now).await?),
        })
    }

    /// Hands one record over; the store keeps its own problems (see [`Sink::problems`]).
    async fn push(&mut self, row: u64, rec: Record) -> Result<(), Error> {
        match (self, rec) {
            (Sink::People(i), Record::Person(p, t)) => i.push_tagged(row, p, t).await.map(drop),
            (Sink::Houses(i), Record::House(h)) => i.push(row, h).await.map(drop),
            (Sink::Orgs(i), Record::Org(o)) => i.push(row, o).await.map(drop),
            (Sink::Objects(i), Record::Object(o)) => i.push(row, o).await.map(drop),
            _ => Err(err!(
                "internal",
                detail = "a record reached the wrong importer"
            )),
        }
    }

    fn problems(&self) -> &[RowProblem] {
        match self {
            Sink::People(i) => i.problems(),
            Sink::Houses(i) => i.problems(),
            Sink::Orgs(i) => i.problems(),
            Sink::Objects(i) => i.problems(),
        }
    }

    async fn finish(self) -> Result<Summary, Error> {
        match self {
            Sink::People(i) => i.finish().await,
            Sink::Houses(i) => i.finish().await,
            Sink::Orgs(i) => i.finish().await,
            Sink::Objects(i) => i.finish().await,
        }
    }
}

/// The grid and point of a record that has one.
fn point_of(rec: &Record) -> Option<(&str, (f64, f64))> {
    match rec {
        Record::House(h) => Some((h.grid_code.as_str(), h.point?)),
        Record::Object(o) => Some((o.grid_code.as_str(), o.point)),
        Record::Person(..) | Record::Org(_) => None,
    }
}

/// A house's or an object's point must lie in the grid it names.
fn point_problem(locate: &LocateIndex<GridRef>, rec: &Record) -> Option<FieldError> {
    let (grid, (lon, lat)) = point_of(rec)?;
    let grid = grid.trim();
    match locate.locate(lon, lat) {
        Some(g) if g.code == grid => None,
        Some(g) => Some(FieldError::new(
            "lon",
            err!(
                "house.point_outside_grid",
                lon,
                lat,
                found = format!("{} ({})", g.code, g.name),
                grid
            ),
        )),
        None => Some(FieldError::new(
            "lon",
            err!("house.point_outside_grid", lon, lat, found = "—", grid),
        )),
    }
}

/// Household members as the head check needs them, owned.
struct HouseholdRow {
    row: u64,
    grid_code: String,
    household_no: String,
    is_head: bool,
}

fn progress_of(p: &Progress, rows: u64, phase: &'static str) -> ImportProgress {
    ImportProgress {
        rows,
        bytes_read: p.bytes_read(),
        total_bytes: p.total_bytes(),
        percent: p.percent(),
        phase,
    }
}

/// Imports `reader`'s rows as `spec` says; see the module documentation. Errors are the
/// database's or the server's; everything wrong with the file is in the report.
pub async fn run_import(
    db: &Db,
    keys: &KeyRing,
    spec: &ImportSpec,
    reader: RowReader,
    limits: &ReadLimits,
    locate: &LocateIndex<GridRef>,
    progress: impl Fn(ImportProgress),
) -> Result<Report, Error> {
    let kind = spec.kind;
    let bytes = reader.progress();
    let (tx, mut rx) = mpsc::channel::<Msg>(IN_FLIGHT);
    let today = spec.today;
    let max_kb = (limits.max_cell_bytes as u64).div_ceil(1024);
    let thread = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || read_rows(reader, kind, today, max_kb, tx))
        .map_err(|e| {
            err!(
                "internal",
                detail = format!("cannot start the import reader: {e}")
            )
        })?;
    // The thread ends by itself once the channel closes; it is not joined.
    drop(thread);

    let mut report = Report {
        kind: kind.as_str(),
        mode: spec.mode,
        rows: 0,
        inserted: 0,
        updated: 0,
        committed: false,
        stopped: false,
        bad_rows: 0,
        example_row: None,
        problem_count: 0,
        problems: Vec::new(),
    };
    let mut problems = Problems::default();
    let stop = |mut report: Report, problems: Problems| {
        report.stopped = true;
        report.bad_rows = problems.bad_rows;
        report.problem_count = problems.total;
        report.problems = problems.list;
        report
    };

    match rx.recv().await {
        Some(Msg::Header(Ok(()))) => {}
        Some(Msg::Header(Err(errs))) => {
            for e in &errs {
                problems.add(Problem::of_field(kind, Some(1), e));
            }
            return Ok(stop(report, problems));
        }
        Some(Msg::Sheet(e)) => {
            problems.add_stop(Problem::of_sheet(&e));
            return Ok(stop(report, problems));
        }
        Some(Msg::Empty) | Some(Msg::Example(_)) | None => {
            problems.add(Problem {
                row: None,
                field: "file".into(),
                column_zh: None,
                code: "import.empty".into(),
                message: err!("import.empty").message,
            });
            return Ok(stop(report, problems));
        }
        Some(Msg::Rows { .. }) => {
            return Err(err!("internal", detail = "rows came before the header"));
        }
    }

    let mut sink = Sink::begin(db, keys, spec).await?;
    let mut members: Vec<HouseholdRow> = Vec::new();
    let mut sheet_error = None;
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Rows { good, bad } => {
                report.rows += (good.len() + bad.len()) as u64;
                for (row, errs) in &bad {
                    problems.bad_row(kind, *row, errs);
                }
                for (row, rec) in good {
                    if let Some(e) = point_problem(locate, &rec) {
                        problems.bad_row(kind, row, &[e]);
                        continue;
                    }
                    if kind == Kind::Households
                        && let Record::Person(p, _) = &rec
                    {
                        members.push(HouseholdRow {
                            row,
                            grid_code: p.grid_code.trim().to_string(),
                            household_no: p
                                .household_no
                                .as_deref()
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                            is_head: p.relation == Some(Relation::Head),
                        });
                    }
                    sink.push(row, rec).await?;
                }
                progress(progress_of(&bytes, report.rows, "reading"));
            }
            Msg::Example(row) => {
                report.rows += 1;
                report.example_row = Some(row);
            }
            Msg::Sheet(e) => {
                sheet_error = Some(e);
                break;
            }
            Msg::Header(_) | Msg::Empty => {
                return Err(err!("internal", detail = "a second header came"));
            }
        }
    }
    drop(rx);

    let mut household_trouble = false;
    if kind == Kind::Households {
        let found = row::household_problems(members.iter().map(|m| Member {
            row: m.row as usize,
            grid_code: &m.grid_code,
            household_no: &m.household_no,
            is_head: m.is_head,
        }));
        for p in found {
            household_trouble = true;
            problems.bad_row(kind, p.row as u64, &[p.error]);
        }
    }

    let store_problems = |sink_problems: &[RowProblem], problems: &mut Problems| {
        for p in sink_problems {
            problems.bad_rows += 1;
            problems.add(Problem::of_row(kind, p));
        }
    };
    progress(progress_of(&bytes, report.rows, "writing"));
    if let Some(e) = sheet_error {
        // A file that breaks off is not trusted in part: nothing is written.
        store_problems(sink.problems(), &mut problems);
        drop(sink);
        problems.add_stop(Problem::of_sheet(&e));
        let mut r = stop(report, problems);
        r.problems.sort_by_key(|p| p.row);
        return Ok(r);
    }
    // Rows the store never saw (bad rows, a household without a head) must stop an
    // all-or-nothing import; a household problem also stops a good-rows import, whose members
    // were already handed over.
    let refuse = match spec.mode {
        Mode::DryRun => false,
        Mode::AllOrNothing => problems.total > 0,
        Mode::GoodRowsOnly => household_trouble,
    };
    if refuse {
        store_problems(sink.problems(), &mut problems);
        drop(sink);
    } else {
        let summary = sink.finish().await?;
        store_problems(&summary.problems, &mut problems);
        report.inserted = summary.inserted;
        report.updated = summary.updated;
        report.committed = summary.committed;
    }
    problems.list.sort_by_key(|p| p.row);
    report.bad_rows = problems.bad_rows;
    report.problem_count = problems.total;
    report.problems = problems.list;
    progress(ImportProgress {
        percent: Some(100),
        ..progress_of(&bytes, report.rows, "done")
    });
    Ok(report)
}

/// The report of a file that could not be opened as a spreadsheet at all.
pub fn unreadable(kind: Kind, mode: Mode, e: &SheetError) -> Report {
    Report {
        kind: kind.as_str(),
        mode,
        rows: 0,
        inserted: 0,
        updated: 0,
        committed: false,
        stopped: true,
        bad_rows: 0,
        example_row: None,
        problem_count: 1,
        problems: vec![Problem::of_sheet(e)],
    }
}

/// Opens a file on disk (sniffing XLSX from CSV; `encoding` applies to CSV) and imports it,
/// reading it within `limits`.
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    db: &Db,
    keys: &KeyRing,
    spec: &ImportSpec,
    path: &std::path::Path,
    encoding: Encoding,
    limits: &ReadLimits,
    locate: &LocateIndex<GridRef>,
    progress: impl Fn(ImportProgress),
) -> Result<Report, Error> {
    match RowReader::open(path, encoding, limits) {
        Ok(reader) => run_import(db, keys, spec, reader, limits, locate, progress).await,
        Err(SheetError::Io(e)) => Err(err!("import.unreadable", path = path.display(), reason = e)),
        Err(e) => Ok(unreadable(spec.kind, spec.mode, &e)),
    }
}

/// Columns whose cells must stay text in Excel (long digit strings, dates, codes).
const TEXT_COLUMNS: &[&str] = &[
    "grid_code",
    "id_number",
    "phone",
    "owner_phone",
    "tenant_phone",
    "contact_phone",
    "credit_code",
    "birth_date",
    "arrived_on",
    "left_on",
    "rental_start",
    "rental_end",
    "household_no",
    "building",
    "unit",
    "room",
    "code",
    "key_groups",
];

/// The template's columns of a kind: Chinese headers, required ones marked, drop-downs.
pub fn template_columns(kind: Kind) -> Vec<TemplateColumn<'static>> {
    row::columns(kind)
        .iter()
        .map(|c| TemplateColumn {
            header: c.zh,
            required: c.required,
            choices: c.choices,
            text: TEXT_COLUMNS.contains(&c.key),
            width: match c.key {
                "id_number" | "credit_code" => 22.0,
                "registered_address" | "address" | "key_groups" => 30.0,
                "grid_code" => 18.0,
                _ => 12.0,
            },
        })
        .collect()
}

/// The template's example row of a kind, as the writer takes it.
fn example_rows(kind: Kind) -> Vec<Vec<String>> {
    vec![row::example(kind).iter().map(|c| c.to_string()).collect()]
}

/// What the XLSX template says of its example row, on its first cell.
const EXAMPLE_NOTE: &str = "示例行:照此格式填写。此行保持原样时导入会跳过;可直接删除或改写。\n\
Example row: fill in rows like it. Left unchanged it is skipped by the import; delete or overwrite it.";

fn template_error(e: SheetError) -> Error {
    err!(
        "internal",
        detail = format!("cannot write the template: {e}")
    )
}

/// The XLSX template of a kind: header row, drop-downs, text columns, and the example row
/// (grey, with a note that the import skips it while it is unchanged).
pub fn xlsx_template(kind: Kind) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    wangge_sheet::write_template(
        &mut out,
        kind.label_zh(),
        &template_columns(kind),
        &example_rows(kind),
        Some(EXAMPLE_NOTE),
    )
    .map_err(template_error)?;
    Ok(out)
}

/// The CSV form of the template (UTF-8 with a BOM): the header row and the example row, which
/// the import skips while it is unchanged.
pub fn csv_template(kind: Kind) -> Result<Vec<u8>, Error> {
    wangge_sheet::write_csv_template(Vec::new(), &template_columns(kind), &example_rows(kind))
        .map_err(template_error)
}
