//! What an XLSX sheet can hold (its column and row numbers and its name, shared by the template
//! and the export writers), and what a file being read may make the reader hold.

use crate::SheetError;

/// Excel's last row, 0-based (a drop-down reaches down to it).
pub(crate) const LAST_ROW: u32 = 1_048_575;

pub(crate) fn col_num(i: usize) -> Result<u16, SheetError> {
    u16::try_from(i)
        .ok()
        .filter(|&c| c < 16_384)
        .ok_or_else(|| SheetError::Limit("more than 16,384 columns".into()))
}

pub(crate) fn row_num(i: usize) -> Result<u32, SheetError> {
    u32::try_from(i)
        .ok()
        .filter(|&r| r <= LAST_ROW)
        .ok_or_else(|| SheetError::Limit("more rows than an XLSX sheet holds (1,048,576)".into()))
}

/// Excel's rules for a sheet name, checked up front for a clear message.
pub(crate) fn check_sheet_name(name: &str) -> Result<(), SheetError> {
    let bad = name.trim().is_empty()
        || name.chars().count() > 31
        || name.contains(['[', ']', ':', '*', '?', '/', '\\'])
        || name.starts_with('\'')
        || name.ends_with('\'');
    if bad {
        return Err(SheetError::Write(format!(
            "{name:?} is not a valid sheet name (1–31 characters, none of []:*?/\\)"
        )));
    }
    Ok(())
}

/// What one file may make the reader inflate or hold. A file past a bound is refused before it
/// is read whole (an error naming the bound); a cell past [`ReadLimits::max_cell_bytes`] is only
/// its row's problem. The defaults keep any import far under 500 MB whatever the file holds,
/// and far above what a real register needs (Excel itself stops a cell at 32,767 characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes of text in one cell (UTF-8).
    pub max_cell_bytes: usize,
    /// Bytes of one row of a CSV file, or of one XML element or text run of an XLSX part: a
    /// parser has to hold that much at once.
    pub max_row_bytes: usize,
    /// Bytes all the parts of an XLSX file read together may inflate to.
    pub max_inflated_bytes: u64,
    /// Bytes each of the small parts (workbook, its relationships, styles) may inflate to.
    pub max_part_bytes: u64,
    /// Bytes of the ZIP directory (the zip crate holds every entry it lists).
    pub max_directory_bytes: u64,
    /// The shared-string table, which is held whole: its text in bytes, and its entries.
    pub max_shared_bytes: usize,
    pub max_shared_strings: usize,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        const KIB: usize = 1024;
        const MIB: usize = 1024 * KIB;
        ReadLimits {
            max_cell_bytes: 32 * KIB,
            max_row_bytes: 4 * MIB,
            // A million-row register inflates to about 700 MB of sheet XML.
            max_inflated_bytes: 1024 * MIB as u64,
            max_part_bytes: 16 * MIB as u64,
            max_directory_bytes: 4 * MIB as u64,
            // A million people with unique ID numbers, names, phones and addresses: ~100 MB.
            max_shared_bytes: 128 * MIB,
            max_shared_strings: 4_000_000,
        }
    }
}

/// `n` bytes in whole KiB or MiB, rounded up, for messages.
pub(crate) fn kib(n: u64) -> u64 {
    n.div_ceil(1024)
}

pub(crate) fn mib(n: u64) -> u64 {
    n.div_ceil(1024 * 1024)
}
