//! Writing: templates with drop-downs and text columns, streamed XLSX and CSV exports, each
//! read back with this crate's reader.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};

use wangge_sheet::{
    CsvRowWriter, Encoding, ReadLimits, Row, RowReader, SheetError, TemplateColumn, XlsxRowWriter,
    write_csv_template, write_template,
};

fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn read_all(reader: Result<RowReader, SheetError>) -> Vec<Row> {
    reader.unwrap().collect::<Result<Vec<_>, _>>().unwrap()
}

const SEX: &[&str] = &["男", "女"];

fn columns<'a>(long: &'a [&'a str]) -> Vec<TemplateColumn<'a>> {
    vec![
        TemplateColumn {
            header: "姓名",
            required: true,
            choices: None,
            text: false,
            width: 12.0,
        },
        TemplateColumn {
            header: "身份证号",
            required: true,
            choices: None,
            text: true,
            width: 22.0,
        },
        TemplateColumn {
            header: "性别",
            required: false,
            choices: Some(SEX),
            text: false,
            width: 8.0,
        },
        TemplateColumn {
            header: "社区",
            required: false,
            choices: Some(long),
            text: false,
            width: 20.0,
        },
    ]
}

#[test]
fn template_has_drop_downs_text_format_and_frozen_header() {
    // 60 names of 5 characters: well past Excel's 255-character inline list.
    let long_names: Vec<String> = (0..60).map(|i| format!("社区{i:03}")).collect();
    let long: Vec<&str> = long_names.iter().map(String::as_str).collect();
    let samples = vec![vec![
        "张三".to_string(),
        "110101199003074477".to_string(),
        "男".to_string(),
    ]];
    let mut bytes = Vec::new();
    write_template(&mut bytes, "人员", &columns(&long), &samples, Some("示例")).unwrap();

    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet.matches("<dataValidation ").count(), 2, "{sheet}");
    assert!(sheet.contains("\"男,女\""), "{sheet}");
    assert!(sheet.contains("_lists!$A$1:$A$60"), "{sheet}");
    assert!(sheet.contains("ySplit=\"1\""), "header row frozen: {sheet}");
    // The text format (built-in 49, "@") is used by the ID column's style.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("numFmtId=\"49\""), "{styles}");
    // Required headers are red.
    assert!(styles.contains("rgb=\"FFFF0000\""), "{styles}");
    // The list sheet is hidden; the template is still the first sheet.
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("name=\"_lists\" sheetId=\"2\" state=\"hidden\""),
        "{workbook}"
    );

    let rows = read_all(RowReader::xlsx(
        Cursor::new(bytes),
        None,
        &ReadLimits::default(),
    ));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].cells, vec!["姓名", "身份证号", "性别", "社区"]);
    assert_eq!(rows[1].cells, samples[0]);
}

#[test]
fn template_refuses_a_bad_sheet_name() {
    let err = write_template(Vec::new(), "a/b", &columns(&[]), &[], None).unwrap_err();
    assert_eq!(err.code(), "sheet.write");
}

#[test]
fn csv_template_is_utf8_with_bom() {
    let samples = vec![vec!["李四".to_string(), "11010119900307447X".to_string()]];
    let bytes = write_csv_template(Vec::new(), &columns(&[]), &samples).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    // Even a reader told GBK reads it right, thanks to the BOM.
    let rows = read_all(RowReader::csv(
        Cursor::new(bytes),
        Encoding::Gbk,
        None,
        &ReadLimits::default(),
    ));
    assert_eq!(rows[0].cells, vec!["姓名", "身份证号", "性别", "社区"]);
    assert_eq!(rows[1].cells, samples[0]);
}

fn tricky_rows() -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for i in 0..500 {
        rows.push(vec![
            format!("{i}"),
            format!("王{i}, \"小名\""),
            if i % 7 == 0 {
                String::new()
            } else {
                format!("0{i:010}")
            },
            format!("第一行\n第二行{i}"),
        ]);
    }
    rows
}

#[test]
fn xlsx_export_streams_and_reads_back() {
    let rows = tricky_rows();
    let mut writer =
        XlsxRowWriter::new(Vec::new(), "导出", &["编号", "姓名", "电话", "备注"]).unwrap();
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writer.write_row(&cells).unwrap();
    }
    assert_eq!(writer.rows_written(), rows.len());
    let bytes = writer.finish().unwrap();
    // Constant-memory mode writes strings inline, so there is no shared-string table to grow.
    assert!(part(&bytes, "xl/worksheets/sheet1.xml").contains("t=\"inlineStr\""));

    let back = read_all(RowReader::from_seekable(
        Cursor::new(bytes),
        Some("x.xlsx"),
        Encoding::Utf8,
        None,
        &ReadLimits::default(),
    ));
    assert_eq!(back.len(), rows.len() + 1);
    assert_eq!(back[0].cells, vec!["编号", "姓名", "电话", "备注"]);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(back[i + 1].number, i + 2);
        assert_eq!(&back[i + 1].cells, row, "row {}", i + 2);
    }
}

#[test]
fn csv_export_round_trips_in_both_encodings() {
    let rows = tricky_rows();
    for encoding in [Encoding::Utf8, Encoding::Gbk] {
        let mut writer = CsvRowWriter::new(Vec::new(), encoding).unwrap();
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            writer.write_row(&cells).unwrap();
        }
        let bytes = writer.finish().unwrap();
        assert_eq!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            encoding == Encoding::Utf8
        );
        let back = read_all(RowReader::csv(
            Cursor::new(bytes),
            encoding,
            None,
            &ReadLimits::default(),
        ));
        assert_eq!(back.len(), rows.len());
        for (i, row) in rows.iter().enumerate() {
            // Every row holds one quoted line break, and Excel still numbers it as one row.
            assert_eq!(back[i].number, i + 1);
            assert_eq!(&back[i].cells, row, "{encoding:?} row {}", i + 1);
        }
    }
}

#[test]
fn gbk_export_refuses_characters_gbk_lacks() {
    let mut writer = CsvRowWriter::new(Vec::new(), Encoding::Gbk).unwrap();
    writer.write_row(&["姓名"]).unwrap();
    let err = writer.write_row(&["😀"]).unwrap_err();
    assert_eq!(err.code(), "sheet.encoding");
    assert_eq!(err.row(), Some(2));
}
