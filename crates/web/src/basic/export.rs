//! Exports of people, houses, organisations and objects in the caller's scope, as XLSX or CSV
//! (UTF-8 or GBK), shared by `GET|POST /export/{kind}.xlsx|.csv` and `wangge export`.
//!
//! An export has the import template's columns and headers, so it imports again. Round trip,
//! honestly: ID numbers and phones leave masked, as lists show them, and the import refuses a
//! masked value (`import.masked_value`): a masked export is for reading. An export with full
//! values (`reveal`, a keeper's right, with a reason) carries them in the clear, and re-imported
//! into an empty city gives the same records: people with their house, household and open
//! key-group tags (with the day each began), houses, organisations and objects. Ended tags,
//! history, removed records and placeholder houses (an address a person named, no owner yet:
//! the people file makes them again) do not travel.
//!
//! Rows are read a page at a time (keyset, 500 rows) and written at once, so memory stays flat
//! whatever the size; after the header and each page a [`PageSink`] may take the bytes written
//! so far (a streamed download sends them to the client at once). Key-group tags go out only
//! when the caller's role may see them (and asked for). Each export writes one `export` audit
//! row: who, what kind, how many rows, in which format, under which node, and for full values
//! the reason (a streamed one that stopped early says `"complete": false`).

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;

use serde::Serialize;
use wangge_domain::basic::row::{self, Kind};
use wangge_domain::basic::{
    Condition, Education, Grade, HouseUse, KeyGroup, ObjectKind, OrgKind, Relation, Residence, Sex,
    tags,
};
use wangge_domain::err;
use wangge_domain::{Error, Scope, Sensitive};
use wangge_sheet::{CsvRowWriter, Encoding, SheetError, XlsxRowWriter};
use wangge_store::basic::{self, Actor, Secret, houses, objects, orgs, people};
use wangge_store::seal::KeyRing;
use wangge_store::{Db, Handle};

/// Rows read per page.
const PAGE: i64 = 500;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    People,
    Houses,
    Orgs,
    Objects,
}

impl ExportKind {
    pub const ALL: [ExportKind; 4] = [
        ExportKind::People,
        ExportKind::Houses,
        ExportKind::Orgs,
        ExportKind::Objects,
    ];

    pub fn as_str(self) -> &'static str {
        template_kind(self).as_str()
    }

    pub fn parse(s: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The sheet's name and the file name's stem, in Chinese.
    pub fn label_zh(self) -> &'static str {
        template_kind(self).label_zh()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv(Encoding),
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(Encoding::Utf8) => "csv",
            ExportFormat::Csv(Encoding::Gbk) => "csv-gbk",
        }
    }

    /// From a file name's extension (`.xlsx`, `.csv`) and, for CSV, the encoding asked for.
    pub fn from_extension(ext: &str, encoding: Encoding) -> Option<ExportFormat> {
        match ext.trim_start_matches('.').to_ascii_lowercase().as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv(encoding)),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv(Encoding::Utf8) => "text/csv; charset=utf-8",
            ExportFormat::Csv(Encoding::Gbk) => "text/csv; charset=gbk",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(_) => "csv",
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub kind: ExportKind,
    pub format: ExportFormat,
    /// The caller's area.
    pub scope: Scope,
    /// A node path inside the scope to narrow to.
    pub under: Option<String>,
    /// Add the open key-group tags of each person; the caller has checked the role may see them.
    pub tags: bool,
    /// Full ID numbers and phones instead of masks, with this reason (at least
    /// `basic::MIN_REASON_CHARS`); the caller has checked the role may reveal.
    pub reveal: Option<String>,
}

fn sheet_error(e: SheetError) -> Error {
    match e {
        SheetError::Encoding { .. } => err!("export.encoding", reason = e),
        SheetError::Limit(_) => err!("export.too_many_rows"),
        other => err!(
            "internal",
            detail = format!("cannot write the export: {other}")
        ),
    }
}

enum Writer<W: Write + Send> {
    Xlsx(Box<XlsxRowWriter<W>>),
    Csv(Box<CsvRowWriter<W>>),
}

impl<W: Write + Send> Writer<W> {
    fn new(out: W, format: ExportFormat, sheet: &str, headers: &[&str]) -> Result<Self, Error> {
        Ok(match format {
            ExportFormat::Xlsx => Writer::Xlsx(Box::new(
                XlsxRowWriter::new(out, sheet, headers).map_err(sheet_error)?,
            )),
            ExportFormat::Csv(enc) => {
                let mut w = CsvRowWriter::new(out, enc).map_err(sheet_error)?;
                w.write_row(headers).map_err(sheet_error)?;
                Writer::Csv(Box::new(w))
            }
        })
    }

    fn row(&mut self, cells: &[String]) -> Result<(), Error> {
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        match self {
            Writer::Xlsx(w) => w.write_row(&cells),
            Writer::Csv(w) => w.write_row(&cells),
        }
        .map_err(sheet_error)
    }

    /// Hands what the CSV writer still buffers to `W`; an XLSX sheet only comes out at the end.
    fn flush(&mut self) -> Result<(), Error> {
        match self {
            Writer::Xlsx(_) => Ok(()),
            Writer::Csv(w) => w.flush().map_err(sheet_error),
        }
    }

    fn finish(self) -> Result<W, Error> {
        match self {
            Writer::Xlsx(w) => w.finish(),
            Writer::Csv(w) => w.finish(),
        }
        .map_err(sheet_error)
    }
}

/// The import kind whose template an export's columns follow.
fn template_kind(kind: ExportKind) -> Kind {
    match kind {
        ExportKind::People => Kind::People,
        ExportKind::Houses => Kind::Houses,
        ExportKind::Orgs => Kind::Orgs,
        ExportKind::Objects => Kind::Objects,
    }
}

/// The headers of an export: exactly the import template's, so an export imports again. The
/// key-group column (the people template's last) only when tags go out.
pub fn headers(kind: ExportKind, tags: bool) -> Vec<&'static str> {
    let mut h: Vec<&'static str> = row::columns(template_kind(kind))
        .iter()
        .map(|c| c.zh)
        .collect();
    if kind == ExportKind::People && !tags {
        h.pop();
    }
    h
}

fn label<T>(code: &str, parse: fn(&str) -> Option<T>, zh: fn(T) -> &'static str) -> String {
    parse(code).map_or_else(|| code.to_string(), |v| zh(v).to_string())
}

fn opt_label<T>(
    code: &Option<String>,
    parse: fn(&str) -> Option<T>,
    zh: fn(T) -> &'static str,
) -> String {
    code.as_deref()
        .map(|c| label(c, parse, zh))
        .unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The full values of one page's sealed columns, by record id, when the export reveals them.
#[derive(Default)]
struct Opened(Vec<HashMap<i64, Sensitive<String>>>);

impl Opened {
    async fn of(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        spec: &ExportSpec,
        secrets: &[Secret],
        ids: &[i64],
    ) -> Result<Opened, Error> {
        let mut v = Vec::new();
        if spec.reveal.is_some() {
            for s in secrets {
                v.push(basic::open_many(h, keys, &spec.scope, *s, ids).await?);
            }
        }
        Ok(Opened(v))
    }

    /// Secret `i` of record `id` in full when revealed, else the mask.
    fn or(&self, i: usize, id: i64, masked: &Option<String>) -> String {
        match self.0.get(i) {
            Some(m) => m.get(&id).map(|v| v.expose().clone()).unwrap_or_default(),
            None => opt(masked),
        }
    }
}

/// The birth date column: the full date when the ID number is revealed (it is part of the
/// number, which the import checks it against), else blank — only the year is kept in clear,
/// which is not a date the template's column takes, and the import reads a blank date from the
/// ID number.
fn birth_cell(id_cell: &str) -> String {
    let digits = |r: std::ops::Range<usize>| {
        id_cell
            .get(r)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
    };
    match (id_cell.len(), digits(6..10), digits(10..12), digits(12..14)) {
        (18, Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => String::new(),
    }
}

fn person_cells(p: &people::PersonRow, o: &Opened) -> Vec<String> {
    let id_cell = o.or(0, p.id, &Some(p.id_masked.clone()));
    vec![
        p.grid_code.clone(),
        p.name.clone(),
        label(&p.sex, Sex::parse, Sex::label_zh),
        birth_cell(&id_cell),
        id_cell,
        o.or(1, p.id, &p.phone_masked),
        p.ethnic.clone(),
        p.registered_address.clone(),
        label(&p.residence, Residence::parse, Residence::label_zh),
        opt(&p.arrived_on),
        opt(&p.left_on),
        yes_no(p.party_member),
        opt_label(&p.education, Education::parse, Education::label_zh),
        opt(&p.occupation),
        opt(&p.house_building),
        opt(&p.house_unit),
        opt(&p.house_room),
        opt(&p.household_no),
        opt_label(&p.relation, Relation::parse, Relation::label_zh),
    ]
}

fn house_cells(h: &houses::HouseRow, o: &Opened) -> Vec<String> {
    vec![
        h.grid_code.clone(),
        h.building.clone(),
        h.unit.clone(),
        h.room.clone(),
        label(&h.use_kind, HouseUse::parse, HouseUse::label_zh),
        h.owner_name.clone(),
        o.or(0, h.id, &h.owner_phone_masked),
        num(h.area_m2),
        num(h.lon),
        num(h.lat),
        opt(&h.tenant_name),
        o.or(1, h.id, &h.tenant_phone_masked),
        opt(&h.rent_start),
        opt(&h.rent_end),
    ]
}

fn org_cells(x: &orgs::OrgRow, o: &Opened) -> Vec<String> {
    vec![
        x.grid_code.clone(),
        x.name.clone(),
        label(&x.kind, OrgKind::parse, OrgKind::label_zh),
        opt(&x.credit_code),
        x.contact_name.clone(),
        o.or(0, x.id, &x.contact_phone_masked),
        x.address.clone(),
        opt_label(&x.safety_grade, Grade::parse, Grade::label_zh),
        opt_label(&x.env_grade, Grade::parse, Grade::label_zh),
        yes_no(x.key_supervised),
    ]
}

fn object_cells(x: &objects::ObjectRow) -> Vec<String> {
    vec![
        x.grid_code.clone(),
        x.code.clone(),
        label(&x.kind, ObjectKind::parse, ObjectKind::label_zh),
        x.lon.to_string(),
        x.lat.to_string(),
        label(&x.condition, Condition::parse, Condition::label_zh),
        opt(&x.note),
    ]
}

/// What happens to the bytes written so far, after the header and after each page.
pub trait PageSink: Send {
    /// The bytes leave as they are written (a download), so even a failed export is audited.
    const SENDS: bool;

    fn page_written(&mut self) -> impl Future<Output = Result<(), Error>> + Send;
}

/// A sink that leaves the bytes in the writer (a file).
pub struct KeepInWriter;

impl PageSink for KeepInWriter {
    const SENDS: bool = false;

    async fn page_written(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// Refuses a reveal without a reason before anything is written, so a streamed download can
/// still answer an error status.
pub fn check_spec(spec: &ExportSpec) -> Result<(), Error> {
    if let Some(reason) = &spec.reveal
        && reason.trim().chars().count() < basic::MIN_REASON_CHARS
    {
        return Err(err!("basic.reason_required", min = basic::MIN_REASON_CHARS));
    }
    Ok(())
}

/// Writes the export into `out` and records it in the audit log; returns `out` and the number
/// of data rows.
pub async fn export<W: Write + Send>(
    db: &Db,
    keys: &KeyRing,
    actor: &Actor,
    spec: &ExportSpec,
    out: W,
    now: i64,
) -> Result<(W, u64), Error> {
    export_to(db, keys, actor, spec, out, now, &mut KeepInWriter).await
}

/// As [`export`], handing the bytes to `sink` after the header and each page. A sink that
/// fails (the client went away) stops the export; the audit row is written either way, with
/// the rows that went out.
pub async fn export_to<W: Write + Send, S: PageSink>(
    db: &Db,
    keys: &KeyRing,
    actor: &Actor,
    spec: &ExportSpec,
    out: W,
    now: i64,
    sink: &mut S,
) -> Result<(W, u64), Error> {
    check_spec(spec)?;
    let headers = headers(spec.kind, spec.tags);
    let mut w = Writer::new(out, spec.format, spec.kind.label_zh(), &headers)?;
    let mut rows = 0u64;
    let written = write_pages(db, keys, spec, &mut w, sink, &mut rows).await;
    let out = match written {
        Ok(()) => match w.finish() {
            Ok(out) => sink.page_written().await.map(|()| out),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if out.is_ok() || S::SENDS {
        audit_export(db, actor, spec, rows, out.is_ok(), now).await?;
    }
    Ok((out?, rows))
}

async fn write_pages<W: Write + Send, S: PageSink>(
    db: &Db,
    keys: &KeyRing,
    spec: &ExportSpec,
    w: &mut Writer<W>,
    sink: &mut S,
    rows: &mut u64,
) -> Result<(), Error> {
    w.flush()?;
    sink.page_written().await?;
    let mut after: Option<i64> = None;
    let mut conn = db.conn().await?;
    loop {
        let h = &mut conn.handle();
        let got = match spec.kind {
            ExportKind::People => {
                let filter = people::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = people::list(h, keys, &spec.scope, &filter, after, PAGE).await?;
                let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
                let secrets = [Secret::PersonIdNumber, Secret::PersonPhone];
                let opened = Opened::of(h, keys, spec, &secrets, &ids).await?;
                for p in &page {
                    let mut cells = person_cells(p, &opened);
                    if spec.tags {
                        let tags = people::tags(h, keys, &spec.scope, p.id).await?;
                        let open = tags.iter().filter(|t| t.until.is_none()).filter_map(|t| {
                            KeyGroup::parse(&t.group).map(|g| (g, t.since.as_str()))
                        });
                        cells.push(tags::cell_text(open));
                    }
                    w.row(&cells)?;
                }
                page.last().map(|p| (p.id, page.len() as u64))
            }
            ExportKind::Houses => {
                let filter = houses::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = houses::list(h, &spec.scope, &filter, after, PAGE).await?;
                let ids: Vec<i64> = page.iter().map(|x| x.id).collect();
                let secrets = [Secret::HouseOwnerPhone, Secret::HouseTenantPhone];
                let opened = Opened::of(h, keys, spec, &secrets, &ids).await?;
                // A placeholder (a person's address, no owner yet) is not a house to import:
                // the people file that made it makes it again.
                let entered: Vec<&houses::HouseRow> =
                    page.iter().filter(|x| !x.owner_name.is_empty()).collect();
                for x in &entered {
                    w.row(&house_cells(x, &opened))?;
                }
                page.last().map(|x| (x.id, entered.len() as u64))
            }
            ExportKind::Orgs => {
                let filter = orgs::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = orgs::list(h, &spec.scope, &filter, after, PAGE).await?;
                let ids: Vec<i64> = page.iter().map(|x| x.id).collect();
                let secrets = [Secret::OrgContactPhone];
                let opened = Opened::of(h, keys, spec, &secrets, &ids).await?;
                for x in &page {
                    w.row(&org_cells(x, &opened))?;
                }
                page.last().map(|x| (x.id, page.len() as u64))
            }
            ExportKind::Objects => {
                let filter = objects::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = objects::list(h, &spec.scope, &filter, after, PAGE).await?;
                for x in &page {
                    w.row(&object_cells(x))?;
                }
                page.last().map(|x| (x.id, page.len() as u64))
            }
        };
        match got {
            Some((last, n)) => {
                *rows += n;
                after = Some(last);
                w.flush()?;
                sink.page_written().await?;
            }
            None => return Ok(()),
        }
    }
}

async fn audit_export(
    db: &Db,
    actor: &Actor,
    spec: &ExportSpec,
    rows: u64,
    complete: bool,
    now: i64,
) -> Result<(), Error> {
    let mut detail = serde_json::json!({
        "format": spec.format.as_str(),
        "rows": rows,
        "under": spec.under,
        "tags": spec.tags,
        "revealed": spec.reveal.is_some(),
    });
    if !complete {
        detail["complete"] = false.into();
    }
    let detail = detail.to_string();
    let mut tx = db.begin().await?;
    wangge_store::audit::append(
        &mut tx.handle(),
        &wangge_store::audit::Entry {
            actor,
            action: "export",
            subject_table: spec.kind.as_str(),
            subject_id: None,
            column_name: None,
            reason: spec.reveal.as_deref().map_or("", str::trim),
            detail: &detail,
        },
        now,
    )
    .await?;
    tx.commit().await
}
