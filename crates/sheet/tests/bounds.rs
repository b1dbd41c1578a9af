//! Bombs: files that are small on disk and huge once read. Each is refused or reported with a
//! short message, and the reader stops at the bound instead of after the whole.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};

use wangge_sheet::{Encoding, ReadLimits, Row, RowReader, SheetError, TooLarge};

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A part's content, written in pieces so a gigabyte never sits in memory.
type Writer<'a> = Box<dyn FnOnce(&mut dyn Write) + 'a>;

/// A workbook of `parts` (path, content) plus the workbook and its relationships, deflated.
fn workbook(parts: Vec<(&str, Writer)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut all: Vec<(&str, Writer)> = vec![
        (
            "xl/workbook.xml",
            Box::new(|w: &mut dyn Write| {
                write!(w, r#"<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>"#).unwrap();
            }),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            Box::new(|w: &mut dyn Write| {
                write!(w, r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#).unwrap();
            }),
        ),
    ];
    all.extend(parts);
    for (name, content) in all {
        zip.start_file(name, options).unwrap();
        content(&mut zip);
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet: `rows` is called with the writer between `<sheetData>` and `</sheetData>`.
fn sheet<'a>(rows: impl FnOnce(&mut dyn Write) + 'a) -> (&'static str, Writer<'a>) {
    (
        "xl/worksheets/sheet1.xml",
        Box::new(move |w: &mut dyn Write| {
            write!(w, r#"<worksheet xmlns="{NS}"><sheetData>"#).unwrap();
            rows(w);
            write!(w, "</sheetData></worksheet>").unwrap();
        }),
    )
}

/// `n` bytes of `byte`, written a mebibyte at a time.
fn repeat(w: &mut dyn Write, byte: u8, n: usize) {
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        w.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
}

fn inline(w: &mut dyn Write, cell: &str, text: &str) {
    write!(
        w,
        r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#
    )
    .unwrap();
}

fn read(bytes: Vec<u8>, limits: &ReadLimits) -> (Vec<Row>, Option<SheetError>) {
    let reader = match RowReader::xlsx(Cursor::new(bytes), None, limits) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Some(e)),
    };
    let mut rows = Vec::new();
    for r in reader {
        match r {
            Ok(r) => rows.push(r),
            Err(e) => return (rows, Some(e)),
        }
    }
    (rows, None)
}

/// Every message a bomb produces stays short, whatever it holds.
fn short(e: &SheetError) -> String {
    let m = e.to_string();
    assert!(m.len() < 200, "a message of {} bytes: {m:.300}", m.len());
    m
}

#[test]
fn a_long_cell_is_its_rows_problem_quoting_64_characters() {
    let limits = ReadLimits::default();
    let long = format!("甲乙{}", "A".repeat(100_000));
    let bytes = workbook(vec![sheet(|w| {
        write!(w, r#"<row r="1">"#).unwrap();
        inline(w, "A1", "姓名");
        inline(w, "B1", "住址");
        write!(w, r#"</row><row r="2">"#).unwrap();
        inline(w, "A2", "张三");
        inline(w, "B2", &long);
        write!(w, r#"</row><row r="3">"#).unwrap();
        inline(w, "A3", "李四");
        write!(w, "</row>").unwrap();
    })]);
    let (rows, err) = read(bytes, &limits);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows.len(), 3, "the rows after it still read");
    let row = &rows[1];
    assert_eq!(row.cells, vec!["张三".to_string(), String::new()]);
    assert_eq!(row.too_long.len(), 1);
    assert_eq!(row.too_long[0].col, 1);
    assert_eq!(row.too_long[0].start.chars().count(), 64);
    assert!(row.too_long[0].start.starts_with("甲乙AAA"));
    assert!(rows[2].too_long.is_empty());
}

#[test]
fn a_huge_cell_is_refused_at_its_row_without_being_held() {
    // 64 MiB of one cell in a file of a few hundred KB: past the bound of one XML text run.
    let bytes = workbook(vec![sheet(|w| {
        write!(w, r#"<row r="1">"#).unwrap();
        inline(w, "A1", "姓名");
        write!(w, r#"</row><row r="2"><c r="A2" t="inlineStr"><is><t>"#).unwrap();
        repeat(w, b'A', 64 << 20);
        write!(w, "</t></is></c></row>").unwrap();
    })]);
    assert!(bytes.len() < 1 << 20, "{} bytes on disk", bytes.len());
    let (rows, err) = read(bytes, &ReadLimits::default());
    assert_eq!(rows.len(), 1);
    let err = err.expect("refused");
    assert_eq!(err.code(), "sheet.row_too_long");
    assert_eq!(err.row(), Some(2));
    assert_eq!(short(&err), "row 2 is longer than 4096 KB");
}

#[test]
fn a_huge_shared_string_table_is_refused_by_bytes_and_by_count() {
    let limits = ReadLimits {
        max_shared_bytes: 1 << 20,
        max_shared_strings: 1000,
        ..ReadLimits::default()
    };
    let strings = |count: usize, size: usize| -> (&'static str, Writer<'static>) {
        (
            "xl/sharedStrings.xml",
            Box::new(move |w: &mut dyn Write| {
                write!(w, r#"<sst xmlns="{NS}">"#).unwrap();
                for i in 0..count {
                    write!(w, "<si><t>{i:0size$}</t></si>").unwrap();
                }
                write!(w, "</sst>").unwrap();
            }),
        )
    };
    let one_row =
        || sheet(|w| write!(w, r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).unwrap());
    let want = TooLarge::SharedStrings {
        max_mb: 1,
        max_count: 1000,
    };
    // Within both bounds it reads.
    let (rows, err) = read(workbook(vec![strings(1000, 8), one_row()]), &limits);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows[0].cells, vec!["00000000".to_string()]);
    // One string too many.
    let (_, err) = read(workbook(vec![strings(1001, 8), one_row()]), &limits);
    let err = err.expect("refused by count");
    assert!(
        matches!(&err, SheetError::TooLarge(t) if *t == want),
        "{err:?}"
    );
    assert_eq!(err.code(), "sheet.shared_strings");
    // Few strings, too many bytes (each within a cell's bound).
    let (_, err) = read(workbook(vec![strings(50, 30_000), one_row()]), &limits);
    let err = err.expect("refused by bytes");
    assert!(
        matches!(&err, SheetError::TooLarge(t) if *t == want),
        "{err:?}"
    );
    short(&err);
}

#[test]
fn a_shared_string_past_the_cell_bound_is_the_rows_problem() {
    let bytes = workbook(vec![
        (
            "xl/sharedStrings.xml",
            Box::new(|w: &mut dyn Write| {
                write!(w, r#"<sst xmlns="{NS}"><si><t>短</t></si><si><t>"#).unwrap();
                repeat(w, b'B', 40_000);
                write!(w, "</t></si></sst>").unwrap();
            }),
        ),
        sheet(|w| {
            write!(
                w,
                r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#
            )
            .unwrap()
        }),
    ]);
    let (rows, err) = read(bytes, &ReadLimits::default());
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows[0].cells, vec!["短".to_string(), String::new()]);
    assert_eq!(rows[0].too_long[0].col, 1);
    assert_eq!(rows[0].too_long[0].start, "B".repeat(64));
}

/// A sheet of `rows` rows of a few cells, about 100 bytes each.
fn rows_sheet(rows: usize) -> (&'static str, Writer<'static>) {
    sheet(move |w| {
        for r in 1..=rows {
            write!(w, r#"<row r="{r}">"#).unwrap();
            inline(w, &format!("A{r}"), "张三");
            inline(w, &format!("B{r}"), "110101199003074477");
            write!(w, "</row>").unwrap();
        }
    })
}

#[test]
fn a_sheet_that_inflates_past_the_limit_is_refused_before_a_row_is_read() {
    let limits = ReadLimits {
        max_inflated_bytes: 4 << 20,
        ..ReadLimits::default()
    };
    // Within the bound it reads whole.
    let (rows, err) = read(workbook(vec![rows_sheet(10_000)]), &limits);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows.len(), 10_000);
    // Its directory entry declares more than the bound: refused up front.
    let Err(err) = RowReader::xlsx(
        Cursor::new(workbook(vec![rows_sheet(100_000)])),
        None,
        &limits,
    ) else {
        panic!("opened");
    };
    assert_eq!(err.code(), "sheet.too_large");
    assert_eq!(
        short(&err),
        "the file unpacks to more than 4 MB; split it into smaller files"
    );
}

/// Rewrites the uncompressed size of `name` in its local header and its directory entry.
fn lie_about_size(bytes: &mut [u8], name: &str, size: u32) {
    let mut found = 0;
    for at in 0..bytes.len().saturating_sub(46) {
        let (field, name_len_at, name_at) = match &bytes[at..at + 4] {
            b"PK\x03\x04" => (at + 22, at + 26, at + 30),
            b"PK\x01\x02" => (at + 24, at + 28, at + 46),
            _ => continue,
        };
        let len = u16::from_le_bytes([bytes[name_len_at], bytes[name_len_at + 1]]) as usize;
        if bytes.get(name_at..name_at + len) == Some(name.as_bytes()) {
            bytes[field..field + 4].copy_from_slice(&size.to_le_bytes());
            found += 1;
        }
    }
    assert_eq!(
        found, 2,
        "the local header and the directory entry of {name}"
    );
}

#[test]
fn a_lying_declared_size_is_stopped_while_inflating() {
    let limits = ReadLimits {
        max_inflated_bytes: 4 << 20,
        max_part_bytes: 64 << 10,
        ..ReadLimits::default()
    };
    let mut bytes = workbook(vec![rows_sheet(100_000)]);
    lie_about_size(&mut bytes, "xl/worksheets/sheet1.xml", 1000);
    let (rows, err) = read(bytes, &limits);
    let err = err.expect("stopped");
    assert_eq!(err.code(), "sheet.too_large", "{err}");
    assert!(
        (1000..60_000).contains(&rows.len()),
        "stopped at the bound, after {} of 100,000 rows",
        rows.len()
    );

    // A small part that claims to be small and is not.
    let mut bytes = workbook(vec![
        (
            "xl/styles.xml",
            Box::new(|w: &mut dyn Write| {
                write!(w, r#"<styleSheet xmlns="{NS}"><cellXfs>"#).unwrap();
                for _ in 0..20_000 {
                    write!(w, r#"<xf numFmtId="0"/>"#).unwrap();
                }
                write!(w, "</cellXfs></styleSheet>").unwrap();
            }),
        ),
        rows_sheet(1),
    ]);
    lie_about_size(&mut bytes, "xl/styles.xml", 100);
    let (_, err) = read(bytes, &limits);
    let err = err.expect("stopped");
    assert_eq!(err.code(), "sheet.part_too_large");
    assert_eq!(
        short(&err),
        "xl/styles.xml in the file unpacks to more than 1 MB"
    );
}

#[test]
fn a_huge_zip_directory_is_refused_before_it_is_held() {
    let limits = ReadLimits {
        max_directory_bytes: 64 << 10,
        ..ReadLimits::default()
    };
    // 2,000 empty entries: 64 KB on disk, each a few hundred bytes once held.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..2000 {
        let name = format!("xl/media/padding-{i:05}.bin");
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let (_, err) = read(bytes, &limits);
    let err = err.expect("refused");
    assert_eq!(err.code(), "sheet.zip_directory", "{err}");
    short(&err);
}

#[test]
fn csv_cells_rows_and_columns_are_bounded() {
    let limits = ReadLimits::default();
    let csv = |text: Vec<u8>| -> (Vec<Row>, Option<SheetError>) {
        let mut rows = Vec::new();
        let reader = RowReader::csv(Cursor::new(text), Encoding::Utf8, None, &limits).unwrap();
        for r in reader {
            match r {
                Ok(r) => rows.push(r),
                Err(e) => return (rows, Some(e)),
            }
        }
        (rows, None)
    };
    // A long cell: the row's problem.
    let mut text = b"name,address\n".to_vec();
    text.extend_from_slice(format!("张三,{}\n李四,x\n", "C".repeat(50_000)).as_bytes());
    let (rows, err) = csv(text);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows[1].cells, vec!["张三".to_string(), String::new()]);
    assert_eq!(rows[1].too_long[0].start, "C".repeat(64));
    assert_eq!(rows[2].cells[0], "李四");
    // A row past the bound: refused at it.
    let mut text = b"name\nok\n".to_vec();
    text.resize(text.len() + (8 << 20), b'D');
    let (rows, err) = csv(text);
    assert_eq!(rows.len(), 2);
    let err = err.expect("refused");
    assert_eq!(err.code(), "sheet.row_too_long");
    assert_eq!(short(&err), "row 3 is longer than 4096 KB");
    // More columns than a sheet has.
    let (_, err) = csv(vec![b','; 20_000]);
    assert_eq!(err.expect("refused").code(), "sheet.limit");
}
