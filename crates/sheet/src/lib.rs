//! Spreadsheets as streams of text rows.
//!
//! Reading: [`sniff`] tells CSV from XLSX from everything else; [`RowReader`] yields
//! [`Row`]s one at a time (CSV in UTF-8 or GBK, the first sheet of an XLSX), never holding the
//! file. Writing: [`write_template`] makes an import template with drop-downs;
//! [`XlsxRowWriter`] and [`CsvRowWriter`] stream exports.

mod bounds;
mod csv_read;
mod error;
mod format;
mod limits;
mod progress;
mod reader;
mod template;
mod write;
mod xlsx_read;

pub use error::{SheetError, TooLarge};
pub use format::{Encoding, Format, UTF8_BOM, sniff};
pub use limits::ReadLimits;
pub use progress::Progress;
pub use reader::{LongCell, Row, RowReader};
pub use template::{TemplateColumn, write_csv_template, write_template};
pub use write::{CsvRowWriter, XlsxRowWriter};
