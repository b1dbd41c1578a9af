//! XLSX rows streamed from the first worksheet. The sheet's XML is inflated and parsed as it is
//! read, so memory stays flat however many rows there are; only the shared-string table (the
//! workbook's unique strings) and the list of date styles are held.
//!
//! Dates: our templates format date columns as text, so dates arrive as typed. A number in a
//! cell whose style is a date format is turned into `YYYY-MM-DD` (with ` HH:MM:SS` when it has a
//! time of day), so dates typed into other workbooks still read as dates.

use std::collections::HashSet;
use std::io::{BufReader, Read, Seek, SeekFrom};

use quick_xml::events::{BytesRef, BytesStart, Event};
use zip::ZipArchive;

use crate::bounds::{Budgeted, Capped, EventCap, bound_of, start_of};
use crate::limits::{LAST_ROW, kib, mib};
use crate::{LongCell, ReadLimits, Row, SheetError, TooLarge};

/// XLSX holds at most 16,384 columns (A..XFD); a reference past that is damage, not data.
const MAX_COLUMNS: usize = 16_384;

type Xml = quick_xml::Reader<EventCap<BufReader<Capped<Box<dyn Read + Send>>>>>;

pub(crate) struct XlsxRows {
    xml: Xml,
    buf: Vec<u8>,
    shared: SharedStrings,
    styles: DateStyles,
    max_cell_bytes: usize,
    last_row: usize,
    done: bool,
}

/// Which cell styles (`s="…"`) show numbers as dates, and the workbook's date system.
#[derive(Default)]
struct DateStyles {
    is_date: Vec<bool>,
    date1904: bool,
}

struct Parts {
    sheet: String,
    shared: Option<String>,
    styles: Option<String>,
    date1904: bool,
}

fn damaged(message: impl std::fmt::Display) -> SheetError {
    SheetError::malformed(None, format!("the XLSX file is damaged: {message}"))
}

fn xml_error(row: Option<usize>, e: quick_xml::Error) -> SheetError {
    match e {
        quick_xml::Error::Io(io) => match bound_of(&io) {
            Some(t) => SheetError::TooLarge(t),
            None => SheetError::malformed(row, format!("the XLSX file is damaged: {io}")),
        },
        other => SheetError::malformed(row, format!("the XLSX file is damaged: {other}")),
    }
}

/// What is left of the file's inflation budget, and the bounds to check parts against.
struct Budget {
    left: u64,
    limits: ReadLimits,
}

impl Budget {
    /// The most a part may inflate to and what crossing it reports: its own bound for a small
    /// part when that is the tighter one, else the file's.
    fn cap(&self, part: &str, small: bool) -> (u64, TooLarge) {
        let whole = TooLarge::Inflated {
            max_mb: mib(self.limits.max_inflated_bytes),
        };
        if small && self.limits.max_part_bytes < self.left {
            let over = TooLarge::Part {
                part: part.to_string(),
                max_mb: mib(self.limits.max_part_bytes),
            };
            (self.limits.max_part_bytes, over)
        } else {
            (self.left, whole)
        }
    }

    fn spend(&mut self, n: u64) {
        self.left = self.left.saturating_sub(n);
    }
}

fn zip_error(e: zip::result::ZipError) -> SheetError {
    match e {
        zip::result::ZipError::Io(io) => match bound_of(&io) {
            Some(t) => SheetError::TooLarge(t),
            None => damaged(io),
        },
        other => damaged(other),
    }
}

/// The size a part's directory entry declares; checked before inflating, never trusted after.
fn declared_size<R: Read + Seek>(zip: &ZipArchive<R>, index: usize) -> Result<u64, SheetError> {
    Ok(zip.by_index_data(index).map_err(zip_error)?.size())
}

/// A part's bytes inflated, stopped at `max` (failing with `over` one byte past it).
fn part_reader<'a, R: Read + Seek>(
    zip: &'a mut ZipArchive<R>,
    index: usize,
    max: u64,
    over: TooLarge,
) -> Result<Capped<Box<dyn Read + 'a>>, SheetError> {
    let file = zip.by_index_raw(index).map_err(zip_error)?;
    let data: Box<dyn Read + 'a> = match file.compression() {
        zip::CompressionMethod::Stored => Box::new(file),
        zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(file)),
        other => {
            return Err(damaged(format!(
                "a part uses unsupported compression {other}"
            )));
        }
    };
    Ok(Capped::new(data, max, over))
}

impl XlsxRows {
    pub(crate) fn open<R: Read + Seek + Send + 'static>(
        source: R,
        limits: &ReadLimits,
    ) -> Result<XlsxRows, SheetError> {
        let (source, directory_read) = Budgeted::new(source, limits.max_directory_bytes);
        let mut zip = ZipArchive::new(source).map_err(zip_error)?;
        directory_read.lift();
        let mut budget = Budget {
            left: limits.max_inflated_bytes,
            limits: *limits,
        };
        let parts = locate(&mut zip, &mut budget)?;
        let index = |zip: &ZipArchive<_>, p: &Option<String>| {
            p.as_deref().and_then(|p| zip.index_for_name(p))
        };
        let shared_at = index(&zip, &parts.shared);
        let styles_at = index(&zip, &parts.styles);
        let sheet_at = zip
            .index_for_name(&parts.sheet)
            .ok_or_else(|| damaged(format!("the worksheet {} is missing", parts.sheet)))?;

        // What the directory declares is refused before anything is inflated.
        if let (Some(i), Some(path)) = (styles_at, &parts.styles)
            && declared_size(&zip, i)? > limits.max_part_bytes
        {
            return Err(SheetError::TooLarge(budget.cap(path, true).1));
        }
        let mut declared = 0u64;
        for i in [shared_at, styles_at, Some(sheet_at)].into_iter().flatten() {
            declared = declared.saturating_add(declared_size(&zip, i)?);
        }
        if declared > budget.left {
            return Err(SheetError::TooLarge(budget.cap("", false).1));
        }

        let shared = match (shared_at, &parts.shared) {
            (Some(i), Some(path)) => {
                let (max, over) = budget.cap(path, false);
                let mut part = part_reader(&mut zip, i, max, over)?;
                let table = read_shared_strings(&mut part, path, limits)?;
                budget.spend(part.inflated());
                table
            }
            _ => SharedStrings::default(),
        };
        let mut styles = match (styles_at, &parts.styles) {
            (Some(i), Some(path)) => {
                let (max, over) = budget.cap(path, true);
                let mut part = part_reader(&mut zip, i, max, over)?;
                let styles = read_date_styles(&mut part, path, limits)?;
                budget.spend(part.inflated());
                styles
            }
            _ => DateStyles::default(),
        };
        styles.date1904 = parts.date1904;

        // Read the entry's raw bytes ourselves: a `ZipFile` borrows the archive, and the
        // iterator has to own its stream.
        let (method, size, start) = {
            let file = zip.by_index_raw(sheet_at).map_err(zip_error)?;
            (
                file.compression(),
                file.compressed_size(),
                file.data_start(),
            )
        };
        let start = start.ok_or_else(|| damaged("the worksheet has no data offset"))?;
        let mut inner = zip.into_inner();
        inner.seek(SeekFrom::Start(start))?;
        let raw = inner.take(size);
        let data: Box<dyn Read + Send> = match method {
            zip::CompressionMethod::Stored => Box::new(raw),
            zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
            other => {
                return Err(damaged(format!(
                    "the worksheet uses unsupported compression {other}"
                )));
            }
        };
        let (max, over) = budget.cap(&parts.sheet, false);
        let data = BufReader::with_capacity(64 * 1024, Capped::new(data, max, over));
        let row_over = TooLarge::Row {
            row: 1,
            max_kb: kib(limits.max_row_bytes as u64),
        };
        let xml =
            quick_xml::Reader::from_reader(EventCap::new(data, limits.max_row_bytes, row_over));
        Ok(XlsxRows {
            xml,
            buf: Vec::with_capacity(4096),
            shared,
            styles,
            max_cell_bytes: limits.max_cell_bytes,
            last_row: 0,
            done: false,
        })
    }

    fn next_row(&mut self) -> Result<Option<Row>, SheetError> {
        let mut row_number = 0usize;
        let mut in_row = false;
        let mut cells: Vec<String> = Vec::new();
        let mut too_long: Vec<LongCell> = Vec::new();
        let mut next_col = 0usize;
        let mut cell: Option<Cell> = None;
        let mut capture = false;
        let mut in_phonetic = false;
        loop {
            // One huge element must not keep its buffer for the rest of the sheet.
            if self.buf.capacity() > 64 * 1024 {
                self.buf = Vec::with_capacity(4096);
            }
            self.buf.clear();
            let at = if in_row {
                row_number
            } else {
                self.last_row + 1
            };
            self.xml.get_mut().start(Some(at));
            let event = self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|e| xml_error(Some(at), e))?;
            match event {
                Event::Start(e) if !in_row && e.local_name().as_ref() == "row" => {
                    row_number = row_attr(&e, self.last_row)?;
                    self.last_row = row_number;
                    in_row = true;
                }
                // `<row/>` has no cells.
                Event::Empty(e) if !in_row && e.local_name().as_ref() == "row" => {
                    self.last_row = row_attr(&e, self.last_row)?;
                }
                Event::Start(e) if in_row => match e.local_name().as_ref() {
                    "c" => cell = Some(Cell::start(&e, next_col, row_number)?),
                    "v" | "t" if cell.is_some() => capture = true,
                    "rPh" => in_phonetic = true,
                    _ => {}
                },
                Event::Empty(e) if in_row && e.local_name().as_ref() == "c" => {
                    // A styled but empty cell: it only moves the column on.
                    next_col = Cell::start(&e, next_col, row_number)?.col + 1;
                }
                Event::Text(t) if capture && !in_phonetic => {
                    if let Some(c) = cell.as_mut() {
                        c.text.push(&t.xml10_content(), self.max_cell_bytes);
                    }
                }
                Event::CData(t) if capture && !in_phonetic => {
                    if let Some(c) = cell.as_mut() {
                        c.text.push(&t.xml10_content(), self.max_cell_bytes);
                    }
                }
                Event::GeneralRef(r) if capture && !in_phonetic => {
                    if let Some(c) = cell.as_mut() {
                        let mut one = String::new();
                        push_ref(&mut one, &r, Some(row_number))?;
                        c.text.push(&one, self.max_cell_bytes);
                    }
                }
                Event::End(e) if in_row => match e.local_name().as_ref() {
                    "v" | "t" => capture = false,
                    "rPh" => in_phonetic = false,
                    "c" => {
                        if let Some(c) = cell.take() {
                            let col = c.col;
                            if cells.len() <= col {
                                cells.resize(col + 1, String::new());
                            }
                            match c.value(&self.shared, &self.styles, row_number)? {
                                Value::Text(v) => cells[col] = v.trim().to_string(),
                                // Left empty: the row carries the cell's problem instead.
                                Value::TooLong(start) => {
                                    cells[col].clear();
                                    too_long.push(LongCell { col, start });
                                }
                            }
                            next_col = col + 1;
                        }
                    }
                    "row" => {
                        if cells.iter().all(String::is_empty) && too_long.is_empty() {
                            in_row = false;
                            cells.clear();
                            next_col = 0;
                            continue;
                        }
                        return Ok(Some(Row {
                            number: row_number,
                            cells,
                            too_long,
                        }));
                    }
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(None),
                Event::Eof => return Ok(None),
                _ => {}
            }
        }
    }
}

impl Iterator for XlsxRows {
    type Item = Result<Row, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_row() {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A row's `r` number, or the one after the last; never past Excel's last row.
fn row_attr(e: &BytesStart, last_row: usize) -> Result<usize, SheetError> {
    let row = match attr(e, "r") {
        Some(r) => r
            .parse()
            .map_err(|_| damaged(format!("bad row number {r:?}")))?,
        None => last_row + 1,
    };
    if row == 0 || row > LAST_ROW as usize + 1 {
        return Err(damaged(format!("row number {row} is outside 1–1,048,576")));
    }
    Ok(row)
}

/// A cell's or shared string's text, kept up to a bound: past it only its start is kept.
#[derive(Default)]
struct Bounded {
    text: String,
    long: bool,
}

impl Bounded {
    fn push(&mut self, more: &str, max: usize) {
        if self.long {
            return;
        }
        if self.text.len() + more.len() > max {
            self.text.push_str(&more[..floor_char(more, 256)]);
            self.text = start_of(&self.text);
            self.long = true;
        } else {
            self.text.push_str(more);
        }
    }
}

/// The largest char boundary of `s` at or below `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A cell's value, or the start of one too long to take.
enum Value {
    Text(String),
    TooLong(String),
}

struct Cell {
    col: usize,
    kind: String,
    style: Option<usize>,
    text: Bounded,
}

impl Cell {
    fn start(e: &BytesStart, next_col: usize, row: usize) -> Result<Cell, SheetError> {
        let col = match attr(e, "r") {
            Some(r) => column_of(&r).ok_or_else(|| {
                SheetError::malformed(
                    Some(row),
                    format!("the XLSX file is damaged: bad cell reference {r:?}"),
                )
            })?,
            None => next_col,
        };
        if col >= MAX_COLUMNS {
            return Err(SheetError::malformed(
                Some(row),
                "the XLSX file is damaged: column past XFD",
            ));
        }
        Ok(Cell {
            col,
            kind: attr(e, "t").unwrap_or_default(),
            style: attr(e, "s").and_then(|s| s.parse().ok()),
            text: Bounded::default(),
        })
    }

    fn value(
        self,
        shared: &SharedStrings,
        styles: &DateStyles,
        row: usize,
    ) -> Result<Value, SheetError> {
        if self.text.long {
            return Ok(Value::TooLong(self.text.text));
        }
        let text = self.text.text;
        let value = match self.kind.as_str() {
            "s" => {
                let i: usize = text.trim().parse().map_err(|_| {
                    SheetError::malformed(
                        Some(row),
                        "the XLSX file is damaged: bad shared string index",
                    )
                })?;
                let (s, long) = shared.get(i).ok_or_else(|| {
                    SheetError::malformed(
                        Some(row),
                        "the XLSX file is damaged: shared string index out of range",
                    )
                })?;
                if long {
                    return Ok(Value::TooLong(s.to_string()));
                }
                s.to_string()
            }
            "b" => if text.trim() == "1" { "TRUE" } else { "FALSE" }.to_string(),
            // inlineStr, str (formula text), e (#N/A …), d (ISO date): the text as written.
            "inlineStr" | "str" | "e" | "d" => text,
            _ => {
                let is_date = self
                    .style
                    .and_then(|s| styles.is_date.get(s))
                    .copied()
                    .unwrap_or(false);
                number_text(&text, is_date.then_some(styles.date1904))
            }
        };
        Ok(Value::Text(value))
    }
}

/// A number as a person would type it: integers without exponent, dates as dates.
fn number_text(raw: &str, date1904: Option<bool>) -> String {
    let raw = raw.trim();
    let Ok(n) = raw.parse::<f64>() else {
        return raw.to_string();
    };
    if let Some(date1904) = date1904
        && let Some(date) = serial_to_date(n, date1904)
    {
        return date;
    }
    if (raw.contains('E') || raw.contains('e')) && n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    raw.to_string()
}

/// Excel's day serial to `YYYY-MM-DD[ HH:MM:SS]`, honouring the 1900 leap-year bug.
fn serial_to_date(serial: f64, date1904: bool) -> Option<String> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let day = serial.floor() as i64;
    let unix_days = if date1904 {
        day - 24_107
    } else if day < 60 {
        day - 25_568
    } else if day == 60 {
        return None; // 1900-02-29 does not exist
    } else {
        day - 25_569
    };
    let (y, m, d) = civil_from_days(unix_days);
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if seconds == 0 || seconds >= 86_400 {
        Some(format!("{y:04}-{m:02}-{d:02}"))
    } else {
        Some(format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        ))
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `C5` → column index 2 (0-based).
fn column_of(reference: &str) -> Option<usize> {
    let letters: &str = &reference[..reference
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(reference.len())];
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col = 0usize;
    for c in letters.chars() {
        if !c.is_ascii_alphabetic() {
            return None;
        }
        col = col * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1);
    }
    Some(col - 1)
}

/// An attribute's value by local name (so `r:id` is found as `id`).
fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

fn push_ref(out: &mut String, r: &BytesRef, row: Option<usize>) -> Result<(), SheetError> {
    let bad = || {
        SheetError::malformed(
            row,
            format!("the XLSX file is damaged: unknown entity &{};", &**r),
        )
    };
    if r.is_char_ref() {
        match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => return Err(bad()),
        }
    } else {
        out.push_str(quick_xml::escape::resolve_predefined_entity(r).ok_or_else(bad)?);
    }
    Ok(())
}

/// Reads a whole small part (workbook.xml, its rels) into a string, within its bound.
fn small_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    budget: &mut Budget,
    path: &str,
) -> Result<Option<String>, SheetError> {
    let Some(index) = zip.index_for_name(path) else {
        return Ok(None);
    };
    let (max, over) = budget.cap(path, true);
    if declared_size(zip, index)? > max {
        return Err(SheetError::TooLarge(over));
    }
    let mut part = part_reader(zip, index, max, over)?;
    let mut text = String::new();
    part.read_to_string(&mut text)
        .map_err(|e| match bound_of(&e) {
            Some(t) => SheetError::TooLarge(t),
            None => damaged(e),
        })?;
    budget.spend(part.inflated());
    Ok(Some(text))
}

/// A relationship target relative to `xl/` (or absolute from the package root).
fn part_path(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    }
}

/// Finds the first worksheet (in the workbook's tab order), the shared strings and the styles.
fn locate<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    budget: &mut Budget,
) -> Result<Parts, SheetError> {
    let mut parts = Parts {
        sheet: "xl/worksheets/sheet1.xml".into(),
        shared: Some("xl/sharedStrings.xml".into()),
        styles: Some("xl/styles.xml".into()),
        date1904: false,
    };
    let Some(workbook) = small_part(zip, budget, "xl/workbook.xml")? else {
        if zip.index_for_name(&parts.sheet).is_none() {
            return Err(SheetError::NotSpreadsheet {
                looks_like: "a ZIP archive that is not an Excel workbook".into(),
            });
        }
        return Ok(parts);
    };
    let mut first_sheet_rel = None;
    let mut xml = quick_xml::Reader::from_str(&workbook);
    loop {
        match xml.read_event().map_err(|e| xml_error(None, e))? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "workbookPr" => {
                    parts.date1904 = matches!(attr(&e, "date1904").as_deref(), Some("1" | "true"));
                }
                "sheet" if first_sheet_rel.is_none() => first_sheet_rel = attr(&e, "id"),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let Some(rels) = small_part(zip, budget, "xl/_rels/workbook.xml.rels")? else {
        return Ok(parts);
    };
    let mut xml = quick_xml::Reader::from_str(&rels);
    loop {
        match xml.read_event().map_err(|e| xml_error(None, e))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let (Some(id), Some(kind), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                else {
                    continue;
                };
                if first_sheet_rel.as_deref() == Some(id.as_str()) {
                    parts.sheet = part_path(&target);
                } else if kind.ends_with("/sharedStrings") {
                    parts.shared = Some(part_path(&target));
                } else if kind.ends_with("/styles") {
                    parts.styles = Some(part_path(&target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(parts)
}

/// The shared-string table, packed into one string with end offsets: a million unique names
/// cost their bytes plus one `usize` each, not a `String` apiece. A string longer than a cell
/// may be is kept as its start only, and listed in `long`.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<usize>,
    /// Indexes of the strings kept as their start only, ascending.
    long: Vec<usize>,
}

impl SharedStrings {
    /// The string at `index`, and whether it is only the start of one too long to take.
    fn get(&self, index: usize) -> Option<(&str, bool)> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 {
            0
        } else {
            *self.ends.get(index - 1)?
        };
        let text = self.text.get(start..end)?;
        Some((text, self.long.binary_search(&index).is_ok()))
    }

    fn push(&mut self, entry: Bounded, limits: &ReadLimits) -> Result<(), SheetError> {
        if self.text.len() + entry.text.len() > limits.max_shared_bytes
            || self.ends.len() >= limits.max_shared_strings
        {
            return Err(SheetError::TooLarge(TooLarge::SharedStrings {
                max_mb: mib(limits.max_shared_bytes as u64),
                max_count: limits.max_shared_strings,
            }));
        }
        if entry.long {
            self.long.push(self.ends.len());
        }
        self.text.push_str(&entry.text);
        self.ends.push(self.text.len());
        Ok(())
    }
}

/// An XML reader over a part other than the sheet, each event bounded.
fn part_xml<R: Read>(
    source: R,
    part: &str,
    limits: &ReadLimits,
) -> quick_xml::Reader<EventCap<BufReader<R>>> {
    let over = TooLarge::Element {
        part: part.to_string(),
        max_kb: kib(limits.max_row_bytes as u64),
    };
    quick_xml::Reader::from_reader(EventCap::new(
        BufReader::new(source),
        limits.max_row_bytes,
        over,
    ))
}

/// Reads the table: each `<si>`'s text runs joined, phonetic guides left out.
fn read_shared_strings(
    source: impl Read,
    part: &str,
    limits: &ReadLimits,
) -> Result<SharedStrings, SheetError> {
    let mut xml = part_xml(source, part, limits);
    let mut buf = Vec::new();
    let mut table = SharedStrings::default();
    let mut entry = Bounded::default();
    let mut in_si = false;
    let mut capture = false;
    let mut in_phonetic = false;
    let max = limits.max_cell_bytes;
    loop {
        buf.clear();
        xml.get_mut().start(None);
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(None, e))?
        {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => in_si = true,
                "t" => capture = in_si,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                table.push(std::mem::take(&mut entry), limits)?;
            }
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    table.push(std::mem::take(&mut entry), limits)?;
                }
                "t" => capture = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if capture && !in_phonetic => entry.push(&t.xml10_content(), max),
            Event::CData(t) if capture && !in_phonetic => entry.push(&t.xml10_content(), max),
            Event::GeneralRef(r) if capture && !in_phonetic => {
                let mut one = String::new();
                push_ref(&mut one, &r, None)?;
                entry.push(&one, max);
            }
            Event::Eof => break,
            _ => {}
        }
        // One huge element must not keep its buffer for the rest of the part.
        if buf.capacity() > 64 * 1024 {
            buf = Vec::new();
        }
    }
    table.text.shrink_to_fit();
    table.ends.shrink_to_fit();
    Ok(table)
}

/// Which `cellXfs` entries have a date number format.
fn read_date_styles(
    source: impl Read,
    part: &str,
    limits: &ReadLimits,
) -> Result<DateStyles, SheetError> {
    let mut xml = part_xml(source, part, limits);
    let mut buf = Vec::new();
    // A set: a hostile part may list a million formats before a million styles.
    let mut custom_dates: HashSet<u32> = HashSet::new();
    let mut is_date = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        buf.clear();
        xml.get_mut().start(None);
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(None, e))?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId"), attr(&e, "formatCode"))
                        && let Ok(id) = id.parse()
                        && is_date_code(&code)
                    {
                        custom_dates.insert(id);
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    let id: u32 = attr(&e, "numFmtId")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    is_date.push(is_builtin_date(id) || custom_dates.contains(&id));
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(DateStyles {
        is_date,
        date1904: false,
    })
}

/// Built-in date formats, including the ones Chinese-locale Excel uses (27–36, 50–58).
fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=17 | 22 | 27..=36 | 45..=47 | 50..=58)
}

/// A custom format shows a date when, outside quoted text, brackets and escapes, it has y or d.
fn is_date_code(code: &str) -> bool {
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '"' => quoted = !quoted,
            '\\' if !quoted => escaped = true,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            // A literal section of a format like `@` (text) or `0.00` never has these.
            'y' | 'Y' | 'd' | 'D' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_from_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("C5"), Some(2));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("XFD1"), Some(16_383));
        assert_eq!(column_of("12"), None);
    }

    #[test]
    fn serials_become_dates() {
        assert_eq!(serial_to_date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(serial_to_date(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(serial_to_date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(
            serial_to_date(45_658.0, false).as_deref(),
            Some("2025-01-01")
        );
        assert_eq!(
            serial_to_date(45_658.5, false).as_deref(),
            Some("2025-01-01 12:00:00")
        );
        assert_eq!(serial_to_date(0.0, true), None);
        assert_eq!(serial_to_date(1.0, true).as_deref(), Some("1904-01-02"));
    }

    #[test]
    fn date_formats_are_recognised() {
        assert!(is_date_code("yyyy/m/d"));
        assert!(is_date_code("yyyy\"年\"m\"月\"d\"日\""));
        assert!(!is_date_code("0.00"));
        assert!(!is_date_code("@"));
        assert!(!is_date_code("\"day\"0"));
        assert!(!is_date_code("[Red]0"));
    }

    #[test]
    fn exponent_integers_are_spelled_out() {
        assert_eq!(number_text("1.3800138E+10", None), "13800138000");
        assert_eq!(number_text("3.5", None), "3.5");
        assert_eq!(number_text("45658", Some(false)), "2025-01-01");
    }
}
