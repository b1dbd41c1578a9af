//! Streaming exports: rows go out as they come, never gathered in memory.

use std::borrow::Cow;
use std::io::Write;

use rust_xlsxwriter::{Format, Workbook};

use crate::limits::{check_sheet_name, col_num, row_num};
use crate::{Encoding, SheetError, UTF8_BOM};

/// Writes an XLSX sheet row by row in rust_xlsxwriter's constant-memory mode: each row is
/// flushed to a temporary file once the next begins, strings are written inline, so a
/// million-row export holds one row at a time. XLSX stops at 1,048,576 rows (header included);
/// the row after that is a `sheet.limit` error.
pub struct XlsxRowWriter<W: Write + Send> {
    workbook: Workbook,
    out: W,
    next_row: usize,
}

impl<W: Write + Send> XlsxRowWriter<W> {
    /// Starts a workbook with one sheet and a bold, frozen header row.
    pub fn new(out: W, sheet_name: &str, headers: &[&str]) -> Result<XlsxRowWriter<W>, SheetError> {
        check_sheet_name(sheet_name)?;
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name)?;
        sheet.set_freeze_panes(1, 0)?;
        let bold = Format::new().set_bold();
        for (i, header) in headers.iter().enumerate() {
            let col = col_num(i)?;
            // Roughly fit the header; CJK characters are about two units wide.
            let width = header
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum::<f64>()
                + 2.0;
            sheet.set_column_width(col, width.max(10.0))?;
            sheet.write_string_with_format(0, col, *header, &bold)?;
        }
        Ok(XlsxRowWriter {
            workbook,
            out,
            next_row: 1,
        })
    }

    /// Appends one row; every cell is written as text (so IDs and phones keep their digits).
    /// Empty cells are left blank.
    pub fn write_row(&mut self, cells: &[&str]) -> Result<(), SheetError> {
        let row = row_num(self.next_row)?;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (i, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(row, col_num(i)?, *cell)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Data rows written so far.
    pub fn rows_written(&self) -> usize {
        self.next_row - 1
    }

    /// Assembles the workbook into `out` and hands `out` back.
    pub fn finish(mut self) -> Result<W, SheetError> {
        self.workbook.save_to_writer(&mut self.out)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes CSV row by row: UTF-8 with a BOM (Excel's "CSV UTF-8"), or GBK for older Excel.
pub struct CsvRowWriter<W: Write> {
    writer: csv::Writer<W>,
    encoding: Encoding,
    rows: usize,
    encoded: Vec<Vec<u8>>,
}

impl<W: Write> CsvRowWriter<W> {
    pub fn new(mut out: W, encoding: Encoding) -> Result<CsvRowWriter<W>, SheetError> {
        if encoding == Encoding::Utf8 {
            out.write_all(UTF8_BOM)?;
        }
        // CRLF is what Excel writes and expects.
        let writer = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        Ok(CsvRowWriter {
            writer,
            encoding,
            rows: 0,
            encoded: Vec::new(),
        })
    }

    /// Appends one row. In GBK a character GBK lacks is an error naming the row (1-based,
    /// counting every row written) rather than a silent `?`.
    ///
    /// A cell Excel would run as a formula (`=…`, `@…`, `+`/`-` not followed by a plain number)
    /// is written with a leading `'`, so an exported address cannot become a live formula on
    /// the reader's machine; `+8613800138000` and `-3` are left alone.
    pub fn write_row(&mut self, cells: &[&str]) -> Result<(), SheetError> {
        self.rows += 1;
        let cells = cells.iter().map(|c| guard_formula(c));
        match self.encoding {
            Encoding::Utf8 => self.writer.write_record(cells.map(|c| c.into_owned()))?,
            Encoding::Gbk => {
                self.encoded.clear();
                for cell in cells {
                    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&cell);
                    if unmappable {
                        return Err(SheetError::Encoding {
                            row: self.rows,
                            message: format!(
                                "{cell:?} has characters GBK cannot hold; export as UTF-8"
                            ),
                        });
                    }
                    self.encoded.push(bytes.into_owned());
                }
                self.writer.write_record(&self.encoded)?;
            }
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> usize {
        self.rows
    }

    /// Pushes the rows written so far into `out`, so a streamed download can send them now.
    pub fn flush(&mut self) -> Result<(), SheetError> {
        self.writer.flush()?;
        Ok(())
    }

    /// Flushes and hands `out` back.
    pub fn finish(self) -> Result<W, SheetError> {
        self.writer
            .into_inner()
            .map_err(|e| SheetError::Io(std::io::Error::other(e.to_string())))
    }
}

/// `'`-prefixes text that a spreadsheet would evaluate as a formula.
fn guard_formula(cell: &str) -> Cow<'_, str> {
    let mut chars = cell.chars();
    let live = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => {
            let rest = chars.as_str();
            rest.is_empty()
                || rest.parse::<f64>().is_err()
                || rest.contains(|c: char| c.is_alphabetic())
        }
        _ => false,
    };
    if live {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::guard_formula;

    #[test]
    fn formulas_are_defused_and_numbers_are_not() {
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_formula("-A1+1"), "'-A1+1");
        assert_eq!(guard_formula("+inf"), "'+inf");
        assert_eq!(guard_formula("+8613800138000"), "+8613800138000");
        assert_eq!(guard_formula("-3.5"), "-3.5");
        assert_eq!(guard_formula("张三"), "张三");
        assert_eq!(guard_formula(""), "");
    }
}
