//! Import templates: a header row people fill in under, with drop-downs and text columns.

use std::io::Write;

use rust_xlsxwriter::{Color, DataValidation, Format, Formula, Note, Workbook, Worksheet};

use crate::limits::{LAST_ROW, check_sheet_name, col_num, row_num};
use crate::write::CsvRowWriter;
use crate::{Encoding, SheetError};

/// Excel refuses an inline list longer than this (characters, commas included).
const INLINE_LIST_LIMIT: usize = 255;
/// The hidden sheet holding drop-down lists too long to write inline.
const LISTS_SHEET: &str = "_lists";

/// One column of a template.
#[derive(Debug, Clone, Copy)]
pub struct TemplateColumn<'a> {
    /// The header text, exactly as importers match it.
    pub header: &'a str,
    /// Required columns get a red header (the text itself is unchanged).
    pub required: bool,
    /// A drop-down of allowed values.
    pub choices: Option<&'a [&'a str]>,
    /// Format the column as text, so ID and phone numbers and dates stay as typed.
    pub text: bool,
    /// Column width in Excel character units.
    pub width: f64,
}

/// Writes an XLSX template: bold header row (required headers red), frozen; drop-down lists
/// for columns with choices; text format for text columns; then the sample rows, in grey
/// italics, the first cell of the first carrying `sample_note` when given (what the rows are).
pub fn write_template<W: Write + Send>(
    out: W,
    sheet_name: &str,
    columns: &[TemplateColumn],
    sample_rows: &[Vec<String>],
    sample_note: Option<&str>,
) -> Result<(), SheetError> {
    check_sheet_name(sheet_name)?;
    if columns.len() > usize::from(u16::MAX) {
        return Err(SheetError::Limit("too many columns".into()));
    }
    let mut workbook = Workbook::new();
    let long_lists: Vec<(usize, &[&str])> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            c.choices
                .filter(|list| inline_length(list) > INLINE_LIST_LIMIT)
                .map(|l| (i, l))
        })
        .collect();

    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    fill_template(sheet, columns, sample_rows, &long_lists)?;
    if let Some(note) = sample_note
        && !sample_rows.is_empty()
    {
        let note = Note::new(note).set_width(360).set_height(90);
        sheet.insert_note(1, 0, &note)?;
    }

    if !long_lists.is_empty() {
        let lists = workbook.add_worksheet();
        lists.set_name(LISTS_SHEET)?;
        for (list_col, (_, choices)) in long_lists.iter().enumerate() {
            let list_col = col_num(list_col)?;
            for (r, choice) in choices.iter().enumerate() {
                lists.write_string(row_num(r)?, list_col, *choice)?;
            }
        }
        lists.set_hidden(true);
    }
    workbook.save_to_writer(out)?;
    Ok(())
}

fn fill_template(
    sheet: &mut Worksheet,
    columns: &[TemplateColumn],
    sample_rows: &[Vec<String>],
    long_lists: &[(usize, &[&str])],
) -> Result<(), SheetError> {
    let header = Format::new().set_bold();
    let required = Format::new().set_bold().set_font_color(Color::Red);
    // Built-in format 49 is "@", Excel's own Text format.
    let text = Format::new().set_num_format_index(49);
    let grey = Color::RGB(0x80_80_80);
    let sample = Format::new().set_italic().set_font_color(grey);
    let sample_text = sample.clone().set_num_format_index(49);
    for (i, column) in columns.iter().enumerate() {
        let col = col_num(i)?;
        if column.width > 0.0 {
            sheet.set_column_width(col, column.width)?;
        }
        if column.text {
            sheet.set_column_format(col, &text)?;
        }
        let format = if column.required { &required } else { &header };
        sheet.write_string_with_format(0, col, column.header, format)?;

        if let Some(choices) = column.choices {
            let validation = match long_lists.iter().position(|(c, _)| *c == i) {
                Some(list_col) => {
                    let letters = column_letters(list_col);
                    let range = format!(
                        "={LISTS_SHEET}!${letters}$1:${letters}${}",
                        choices.len().max(1)
                    );
                    DataValidation::new().allow_list_formula(Formula::new(range))
                }
                None => DataValidation::new().allow_list_strings(choices)?,
            };
            let validation = validation
                .set_error_title(column.header)?
                .set_error_message("请从下拉列表中选择。Choose a value from the list.")?;
            sheet.add_data_validation(1, col, LAST_ROW, col, &validation)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in sample_rows.iter().enumerate() {
        let r = row_num(r + 1)?;
        for (i, value) in row.iter().enumerate() {
            let col = col_num(i)?;
            let format = if columns.get(i).is_some_and(|c| c.text) {
                &sample_text
            } else {
                &sample
            };
            sheet.write_string_with_format(r, col, value, format)?;
        }
    }
    Ok(())
}

/// The CSV form of a template: UTF-8 with a BOM (so Excel reads it right), headers then samples.
/// CSV holds no formats or drop-downs; importers check the values anyway.
pub fn write_csv_template<W: Write>(
    out: W,
    columns: &[TemplateColumn],
    sample_rows: &[Vec<String>],
) -> Result<W, SheetError> {
    let mut writer = CsvRowWriter::new(out, Encoding::Utf8)?;
    let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
    writer.write_row(&headers)?;
    for row in sample_rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writer.write_row(&cells)?;
    }
    writer.finish()
}

/// The length Excel counts for an inline list: the values, quotes doubled, and the commas.
fn inline_length(list: &[&str]) -> usize {
    list.iter()
        .map(|s| s.encode_utf16().count() + s.matches('"').count())
        .sum::<usize>()
        + list.len().saturating_sub(1)
}

/// 0 → A, 25 → Z, 26 → AA.
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
