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
            SheetError::Write(_) => "sheet.write",
            SheetError::Io(_) => "sheet.io",
        }
    }

    /// The row the error is about (1-based, as Excel numbers rows), if any.
    pub fn row(&self) -> Option<usize> {
        match self {
            SheetError::Encoding { row, .. } => Some(*row),
            SheetError::Malformed { row, .. } => *row,
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
            csv::ErrorKind::Io(io) => SheetError::Io(io),
            other => SheetError::malformed(row, format!("{other:?}")),
        }
    }
}
