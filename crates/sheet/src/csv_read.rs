//! CSV rows, decoded strictly in the chosen encoding and numbered as Excel would show them.

use std::collections::VecDeque;
use std::io::Read;

use crate::bounds::{overflow, start_of};
use crate::limits::{col_num, kib};
use crate::{Encoding, LongCell, ReadLimits, Row, SheetError, TooLarge, UTF8_BOM};

pub(crate) struct CsvRows {
    reader: csv::Reader<Lines>,
    record: csv::ByteRecord,
    encoding: Encoding,
    max_cell_bytes: usize,
    /// Line breaks inside quoted fields so far.
    quoted_breaks: usize,
    done: bool,
}

impl CsvRows {
    /// `source` must already be past any UTF-8 BOM (see `strip_bom`).
    pub(crate) fn new(
        source: Box<dyn Read + Send>,
        encoding: Encoding,
        limits: &ReadLimits,
    ) -> CsvRows {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Lines {
                inner: source,
                base: 0,
                window: VecDeque::new(),
                lines_before: 0,
                max_row_bytes: limits.max_row_bytes,
            });
        CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            encoding,
            max_cell_bytes: limits.max_cell_bytes,
            quoted_breaks: 0,
            done: false,
        }
    }

    fn decode(&self, bytes: &[u8], row: usize) -> Result<String, SheetError> {
        let text = match self.encoding {
            Encoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => s.trim().to_string(),
                Err(_) => {
                    return Err(SheetError::Encoding {
                        row,
                        message: "the file is not UTF-8; it may be GBK — choose GBK".into(),
                    });
                }
            },
            Encoding::Gbk => {
                match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
                    Some(s) => s.trim().to_string(),
                    None => {
                        return Err(SheetError::Encoding {
                            row,
                            message: "the file is not valid GBK; it may be UTF-8 — choose UTF-8"
                                .into(),
                        });
                    }
                }
            }
        };
        Ok(text)
    }
}

impl Iterator for CsvRows {
    type Item = Result<Row, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    // The csv reader cannot resynchronise reliably after an error.
                    self.done = true;
                    return Some(Err(SheetError::from(e)));
                }
            }
            let start = self.record.position().map_or(0, |p| p.byte());
            // A quoted line break stays inside one Excel row, so earlier ones are taken off.
            let row = self.reader.get_mut().line_at(start) - self.quoted_breaks;
            self.quoted_breaks += self
                .record
                .iter()
                .map(|f| f.iter().filter(|&&b| b == b'\n').count())
                .sum::<usize>();

            if let Err(e) = col_num(self.record.len().saturating_sub(1)) {
                self.done = true;
                return Some(Err(e));
            }
            let mut cells = Vec::with_capacity(self.record.len());
            let mut too_long = Vec::new();
            for (col, field) in self.record.iter().enumerate() {
                match self.decode(field, row) {
                    Ok(text) if text.len() > self.max_cell_bytes => {
                        too_long.push(LongCell {
                            col,
                            start: start_of(&text),
                        });
                        cells.push(String::new());
                    }
                    Ok(text) => cells.push(text),
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
            }
            if cells.iter().all(String::is_empty) && too_long.is_empty() {
                continue;
            }
            return Some(Ok(Row {
                number: row,
                cells,
                too_long,
            }));
        }
    }
}

/// Takes a UTF-8 BOM off the front. A BOM means "CSV UTF-8" whatever the user picked, so the
/// encoding to use comes back with the rest of the stream.
pub(crate) fn strip_bom(
    mut source: Box<dyn Read + Send>,
    chosen: Encoding,
) -> std::io::Result<(Box<dyn Read + Send>, Encoding)> {
    let mut head = [0u8; 3];
    let mut n = 0;
    while n < head.len() {
        match source.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if head[..n] == *UTF8_BOM {
        return Ok((source, Encoding::Utf8));
    }
    let head = std::io::Cursor::new(head[..n].to_vec());
    Ok((Box::new(head.chain(source)), chosen))
}

/// Passes bytes to the csv reader and keeps the ones it has read ahead, so each record's line
/// can be counted from the line breaks before it: Excel shows every line as a row, blank ones
/// too. The csv crate skips blank lines and its line count goes wrong with CRLF.
pub(crate) struct Lines {
    inner: Box<dyn Read + Send>,
    /// Stream offset of `window[0]`.
    base: u64,
    /// Bytes read but not yet counted (about one csv buffer's worth).
    window: VecDeque<u8>,
    /// Line breaks before `base`.
    lines_before: usize,
    /// The window holds the current record: the csv reader holds as much, so it is bounded.
    max_row_bytes: usize,
}

impl Lines {
    /// The physical line (1-based) of the record whose bytes begin, after any blank lines,
    /// at or after `start`, a csv record position. Forgets everything before the record.
    fn line_at(&mut self, start: u64) -> usize {
        let upto = start
            .saturating_sub(self.base)
            .min(self.window.len() as u64) as usize;
        self.lines_before += self.window.drain(..upto).filter(|&b| b == b'\n').count();
        self.base += upto as u64;
        // Skip the blank lines the csv reader passed over; the record starts after them.
        while let Some(&b) = self.window.front() {
            if b != b'\n' && b != b'\r' {
                break;
            }
            if b == b'\n' {
                self.lines_before += 1;
            }
            self.window.pop_front();
            self.base += 1;
        }
        self.lines_before + 1
    }
}

impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.extend(&buf[..n]);
        if self.window.len() > self.max_row_bytes {
            // The long stretch begins after the last line break read.
            let breaks = self.window.iter().filter(|&&b| b == b'\n').count();
            return Err(overflow(TooLarge::Row {
                row: self.lines_before + breaks + 1,
                max_kb: kib(self.max_row_bytes as u64),
            }));
        }
        Ok(n)
    }
}
