//! The row iterator over either format.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::csv_read::{CsvRows, strip_bom};
use crate::progress::Counting;
use crate::xlsx_read::XlsxRows;
use crate::{Encoding, Format, Progress, ReadLimits, SheetError, sniff};

/// One non-empty row: its number as Excel shows it (1-based) and its cells, trimmed.
/// Trailing cells a row does not have are simply absent (rows may be ragged). A cell longer
/// than [`ReadLimits::max_cell_bytes`] reads as empty and is listed in `too_long`: that is the
/// row's problem, not the file's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
    pub too_long: Vec<LongCell>,
}

/// A cell too long to take: its column (0-based) and its first 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongCell {
    pub col: usize,
    pub start: String,
}

impl Row {
    /// The cell at `index`, or "" past the row's end.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

enum Inner {
    Csv(CsvRows),
    Xlsx(XlsxRows),
}

/// Iterates a sheet's non-empty rows. Stops after the first error: a file past one of its
/// [`ReadLimits`] is refused with [`SheetError::TooLarge`] as soon as that shows.
pub struct RowReader {
    inner: Inner,
    progress: Progress,
}

/// How many leading bytes [`RowReader::open`] looks at to decide the format.
const SNIFF_BYTES: usize = 8 * 1024;

impl RowReader {
    /// CSV from any byte stream; `total_bytes` (when known) enables a percentage.
    /// A UTF-8 BOM makes the file UTF-8 whatever `encoding` says.
    pub fn csv<R: Read + Send + 'static>(
        source: R,
        encoding: Encoding,
        total_bytes: Option<u64>,
        limits: &ReadLimits,
    ) -> Result<RowReader, SheetError> {
        let progress = Progress::new(total_bytes);
        let counted: Box<dyn Read + Send> = Box::new(Counting::new(source, &progress));
        let (source, encoding) = strip_bom(counted, encoding)?;
        Ok(RowReader {
            inner: Inner::Csv(CsvRows::new(source, encoding, limits)),
            progress,
        })
    }

    /// The first worksheet of an XLSX workbook (the ZIP directory needs seeking).
    pub fn xlsx<R: Read + Seek + Send + 'static>(
        source: R,
        total_bytes: Option<u64>,
        limits: &ReadLimits,
    ) -> Result<RowReader, SheetError> {
        let progress = Progress::new(total_bytes);
        let rows = XlsxRows::open(Counting::new(source, &progress), limits)?;
        Ok(RowReader {
            inner: Inner::Xlsx(rows),
            progress,
        })
    }

    /// Sniffs `source` from its start, rewinds it and reads it in the format found.
    /// `encoding` applies when it turns out to be CSV.
    pub fn from_seekable<R: Read + Seek + Send + 'static>(
        mut source: R,
        file_name: Option<&str>,
        encoding: Encoding,
        total_bytes: Option<u64>,
        limits: &ReadLimits,
    ) -> Result<RowReader, SheetError> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut source)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)?;
        let format = sniff(&head, file_name)?;
        source.seek(SeekFrom::Start(0))?;
        match format {
            Format::Xlsx => RowReader::xlsx(source, total_bytes, limits),
            Format::Csv(_) => RowReader::csv(source, encoding, total_bytes, limits),
        }
    }

    /// Opens a file on disk, sniffing its format.
    pub fn open(
        path: &Path,
        encoding: Encoding,
        limits: &ReadLimits,
    ) -> Result<RowReader, SheetError> {
        let file = File::open(path)?;
        let size = file.metadata().ok().map(|m| m.len());
        let name = path.file_name().and_then(|n| n.to_str());
        RowReader::from_seekable(file, name, encoding, size, limits)
    }

    /// Bytes taken from the source so far.
    pub fn bytes_read(&self) -> u64 {
        self.progress.bytes_read()
    }

    /// The source's size, when it was given.
    pub fn total_bytes(&self) -> Option<u64> {
        self.progress.total_bytes()
    }

    /// A handle another thread can poll while this reader runs.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

impl Iterator for RowReader {
    type Item = Result<Row, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.next(),
            Inner::Xlsx(rows) => rows.next(),
        }
    }
}
