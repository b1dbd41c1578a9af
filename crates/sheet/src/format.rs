//! Telling a spreadsheet from other files by its first bytes.

use crate::SheetError;

/// How a file's rows are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv(Encoding),
    Xlsx,
}

/// A CSV file's text encoding. Excel in Chinese locales saves "CSV" as GBK; "CSV UTF-8" has a BOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Gbk,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gbk",
        }
    }

    /// Accepts the usual spellings: `utf-8`, `utf8`, `gbk`, `gb2312`, `gb18030`, `cp936`.
    pub fn parse(label: &str) -> Option<Encoding> {
        match label.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Some(Encoding::Gbk),
            _ => None,
        }
    }
}

/// The UTF-8 byte order mark Excel writes at the start of "CSV UTF-8".
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decides the format from the first bytes (a few KiB is plenty). CSV comes back as UTF-8;
/// the caller substitutes the encoding the user chose. Anything that is neither a ZIP
/// (XLSX) nor text is refused with a note of what it looks like.
pub fn sniff(first_bytes: &[u8], file_name: Option<&str>) -> Result<Format, SheetError> {
    let not = |what: &str| SheetError::NotSpreadsheet {
        looks_like: what.to_string(),
    };
    let b = first_bytes;
    if b.is_empty() {
        return Err(not("the file is empty"));
    }
    if b.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    let magic: &[(&[u8], &str)] = &[
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "a legacy Excel 97-2003 (.xls) or other old Office file; save it as .xlsx or CSV",
        ),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"{\\rtf", "an RTF document"),
        (b"\xFF\xFE", "UTF-16 text; save it as CSV UTF-8"),
        (b"\xFE\xFF", "UTF-16 text; save it as CSV UTF-8"),
    ];
    for (prefix, what) in magic {
        if b.starts_with(prefix) {
            return Err(not(what));
        }
    }
    let text = b.strip_prefix(UTF8_BOM).unwrap_or(b);
    let head = String::from_utf8_lossy(&text[..text.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<?xml")
    {
        // Some systems "export to Excel" as HTML or XML named .xls.
        return Err(not("an HTML or XML page, not a CSV or XLSX file"));
    }
    // Text has no NUL bytes and few control characters; GBK and UTF-8 bytes are all >= 0x80.
    let controls = text
        .iter()
        .filter(|&&c| {
            c == 0 || (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0C)) || c == 0x7F
        })
        .count();
    if text.contains(&0) || controls * 100 > text.len().max(1) {
        let what = match file_name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, ext)| ext)
        {
            Some(ext) => format!("binary data (a .{ext} file)"),
            None => "binary data".to_string(),
        };
        return Err(not(&what));
    }
    Ok(Format::Csv(Encoding::Utf8))
}
