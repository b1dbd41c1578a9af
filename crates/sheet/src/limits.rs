//! What an XLSX sheet can hold: its column and row numbers and its name. Shared by the template
//! and the export writers.

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
