//! The one error type of this crate: every failure names its row where there is one.

/// What went wrong reading or writing a sheet. `code()` is stable; the text is for people.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The bytes are not CSV text nor an XLSX workbook; `looks_like` says what they seem to be.
    #[error("not a spreadsheet: {looks_like}")]
    NotSpreadsheet { looks_like: String },
    /// A row's bytes are not valid in the chosen encoding.
    #[error("row {row}: {message}")]
    Encoding { row: usize, message: String },
    /// The file's structure is broken (bad ZIP, bad XML, bad CSV); `row` when it is known.
    #[error("{}{message}", row.map(|r| format!("row {r}: ")).unwrap_or_default())]
    Malformed { row: Option<usize>, message: String },
    /// More rows or columns than the format allows.
    #[error("{0}")]
    Limit(String),
    /// The file would make the reader inflate or hold more than its [`crate::ReadLimits`].
    #[error("{0}")]
    TooLarge(TooLarge),
    /// Writing failed (XLSX writer or CSV writer).
    #[error("writing the sheet failed: {0}")]
    Write(String),
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}

impl SheetError {
    /// A stable machine code, e.g. for `wangge_domain::Error` or a dry-run report.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::NotSpreadsheet { .. } => "sheet.not_spreadsheet",
            SheetError::Encoding { .. } => "sheet.encoding",
            SheetError::Malformed { .. } => "sheet.malformed",
            SheetError::Limit(_) => "sheet.limit",
            SheetError::TooLarge(t) => t.code(),
            SheetError::Write(_) => "sheet.write",
            SheetError::Io(_) => "sheet.io",
        }
    }

    /// The row the error is about (1-based, as Excel numbers rows), if any.
    pub fn row(&self) -> Option<usize> {
        match self {
            SheetError::Encoding { row, .. } => Some(*row),
            SheetError::Malformed { row, .. } => *row,
            SheetError::TooLarge(TooLarge::Row { row, .. }) => Some(*row),
            _ => None,
        }
    }

    pub(crate) fn malformed(row: Option<usize>, message: impl Into<String>) -> SheetError {
        SheetError::Malformed {
            row,
            message: message.into(),
        }
    }
}

/// Which bound a file broke. Each has its own code; the English text is the code's, filled in,
/// so a page can show the Chinese one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooLarge {
    /// The ZIP directory is bigger than any workbook's.
    Directory { max_kb: u64 },
    /// All parts together inflate past the limit.
    Inflated { max_mb: u64 },
    /// One part (its path in the ZIP) inflates past its limit.
    Part { part: String, max_mb: u64 },
    /// One XML element or text run of a part other than the sheet is too long to parse.
    Element { part: String, max_kb: u64 },
    /// The shared-string table holds too much text or too many strings.
    SharedStrings { max_mb: u64, max_count: usize },
    /// One row (a CSV record, or an element or text run of the sheet) is too long to parse.
    Row { row: usize, max_kb: u64 },
}

impl TooLarge {
    pub fn code(&self) -> &'static str {
        match self {
            TooLarge::Directory { .. } => "sheet.zip_directory",
            TooLarge::Inflated { .. } => "sheet.too_large",
            TooLarge::Part { .. } => "sheet.part_too_large",
            TooLarge::Element { .. } => "sheet.element_too_long",
            TooLarge::SharedStrings { .. } => "sheet.shared_strings",
            TooLarge::Row { .. } => "sheet.row_too_long",
        }
    }
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TooLarge::Directory { max_kb } => write!(
                f,
                "the ZIP directory of the file exceeds {max_kb} KB; it is not an Excel workbook"
            ),
            TooLarge::Inflated { max_mb } => write!(
                f,
                "the file unpacks to more than {max_mb} MB; split it into smaller files"
            ),
            TooLarge::Part { part, max_mb } => {
                write!(f, "{part} in the file unpacks to more than {max_mb} MB")
            }
            TooLarge::Element { part, max_kb } => write!(
                f,
                "{part} in the file holds an element or text longer than {max_kb} KB"
            ),
            TooLarge::SharedStrings { max_mb, max_count } => write!(
                f,
                "the shared strings of the workbook exceed {max_mb} MB or {max_count} strings"
            ),
            TooLarge::Row { row, max_kb } => write!(f, "row {row} is longer than {max_kb} KB"),
        }
    }
}

impl From<rust_xlsxwriter::XlsxError> for SheetError {
    fn from(e: rust_xlsxwriter::XlsxError) -> SheetError {
        match e {
            rust_xlsxwriter::XlsxError::RowColumnLimitError => SheetError::Limit(
                "more rows or columns than an XLSX sheet holds (1,048,576 rows)".into(),
            ),
            other => SheetError::Write(other.to_string()),
        }
    }
}

impl From<csv::Error> for SheetError {
    fn from(e: csv::Error) -> SheetError {
        let row = e.position().map(|p| p.record() as usize + 1);
        match e.into_kind() {
            csv::ErrorKind::Io(io) => crate::bounds::io_error(io),
            other => SheetError::malformed(row, format!("{other:?}")),
        }
    }
}
