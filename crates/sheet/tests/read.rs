//! Reading: CSV in both encodings, XLSX written by rust_xlsxwriter, refusals, streaming.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};

use rust_xlsxwriter::{Format as XFormat, Workbook};
use wangge_sheet::{Encoding, Format, ReadLimits, Row, RowReader, SheetError, sniff};

fn csv_rows(bytes: &[u8], encoding: Encoding) -> Result<Vec<Row>, SheetError> {
    RowReader::csv(
        Cursor::new(bytes.to_vec()),
        encoding,
        Some(bytes.len() as u64),
        &ReadLimits::default(),
    )?
    .collect()
}

fn cells(rows: &[Row]) -> Vec<(usize, Vec<String>)> {
    rows.iter().map(|r| (r.number, r.cells.clone())).collect()
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn csv_utf8_with_bom_reads_and_trims() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice("姓名,身份证号\n 张三 ,110101199003074477\n".as_bytes());
    let rows = csv_rows(&bytes, Encoding::Utf8).unwrap();
    assert_eq!(
        cells(&rows),
        vec![
            (1, owned(&["姓名", "身份证号"])),
            (2, owned(&["张三", "110101199003074477"]))
        ]
    );
}

#[test]
fn a_bom_wins_over_a_gbk_choice() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice("名,值\n李四,1\n".as_bytes());
    let rows = csv_rows(&bytes, Encoding::Gbk).unwrap();
    assert_eq!(rows[1].cells, owned(&["李四", "1"]));
}

#[test]
fn gbk_round_trip() {
    let text = "姓名,住址\n王五,\"北京市东城区,一号\"\n赵六,上海\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert_ne!(&*bytes, text.as_bytes(), "the test needs real GBK bytes");
    let rows = csv_rows(&bytes, Encoding::Gbk).unwrap();
    assert_eq!(
        cells(&rows),
        vec![
            (1, owned(&["姓名", "住址"])),
            (2, owned(&["王五", "北京市东城区,一号"])),
            (3, owned(&["赵六", "上海"])),
        ]
    );
}

#[test]
fn gbk_read_as_utf8_names_the_first_bad_row() {
    // Rows 1 and 2 are ASCII, so the error must point at row 3.
    let text = "name,phone\nalice,13800138000\n张三,13900139000\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let err = csv_rows(&bytes, Encoding::Utf8).unwrap_err();
    assert_eq!(err.code(), "sheet.encoding");
    assert_eq!(err.row(), Some(3));
    let message = err.to_string();
    assert!(message.contains("row 3"), "{message}");
    assert!(message.contains("choose GBK"), "{message}");
}

#[test]
fn utf8_read_as_gbk_is_refused_when_the_bytes_are_not_gbk() {
    // "€" in UTF-8 is E2 82 AC; 0x82 0xAC is a valid GBK pair but E2 followed by 0x0A is not.
    let err = csv_rows("a\nb,€\n".as_bytes(), Encoding::Gbk).unwrap_err();
    assert_eq!(err.code(), "sheet.encoding");
    assert_eq!(err.row(), Some(2));
}

#[test]
fn ragged_rows_blank_lines_and_empty_rows() {
    let text = "a,b,c\n\n1\n,,\n2,3,4,5\r\n   ,  \r\n\r\n6,7\n\"q\nq\"\n\n\nend";
    let rows = csv_rows(text.as_bytes(), Encoding::Utf8).unwrap();
    // Row numbers are Excel's: blank lines and empty rows still count, CRLF or LF.
    assert_eq!(
        cells(&rows),
        vec![
            (1, owned(&["a", "b", "c"])),
            (3, owned(&["1"])),
            (5, owned(&["2", "3", "4", "5"])),
            (8, owned(&["6", "7"])),
            (9, owned(&["q\nq"])),
            (12, owned(&["end"])),
        ]
    );
    assert_eq!(rows[1].cell(2), "");
}

#[test]
fn commas_quotes_and_newlines_in_cells() {
    let text = "name,note\r\n\"Li, Lei\",\"He said \"\"hi\"\"\"\r\n\"x\",\"line1\r\nline2\"\r\nlast,row\r\n";
    let rows = csv_rows(text.as_bytes(), Encoding::Utf8).unwrap();
    assert_eq!(
        cells(&rows),
        vec![
            (1, owned(&["name", "note"])),
            (2, owned(&["Li, Lei", "He said \"hi\""])),
            (3, owned(&["x", "line1\r\nline2"])),
            // The quoted line break keeps row 3 one row, as in Excel.
            (4, owned(&["last", "row"])),
        ]
    );
}

#[test]
fn non_spreadsheets_are_refused_with_what_they_look_like() {
    let cases: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", ".xls"),
        (b"\x00\x01\x02\x03\x04\x05\xfe\xff\x10\x11", "binary"),
        (b"<!DOCTYPE html><html><body><table>", "HTML"),
        (b"", "empty"),
    ];
    for (bytes, what) in cases {
        let err = sniff(bytes, Some("people.xlsx")).unwrap_err();
        assert_eq!(err.code(), "sheet.not_spreadsheet");
        let message = err.to_string();
        assert!(message.starts_with("not a spreadsheet: "), "{message}");
        assert!(message.contains(what), "{what}: {message}");
        // Opening such a file whole gives the same refusal.
        if !bytes.is_empty() {
            let err = RowReader::from_seekable(
                Cursor::new(bytes.to_vec()),
                None,
                Encoding::Utf8,
                None,
                &ReadLimits::default(),
            )
            .err()
            .unwrap();
            assert_eq!(err.code(), "sheet.not_spreadsheet");
        }
    }
    assert_eq!(
        sniff("姓名,电话\n".as_bytes(), None).unwrap(),
        Format::Csv(Encoding::Utf8)
    );
    assert_eq!(sniff(b"PK\x03\x04rest", None).unwrap(), Format::Xlsx);
}

#[test]
fn a_zip_that_is_not_a_workbook_is_refused() {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"hello").unwrap();
        zip.finish().unwrap();
    }
    let err = RowReader::from_seekable(
        Cursor::new(buf.into_inner()),
        None,
        Encoding::Utf8,
        None,
        &ReadLimits::default(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "sheet.not_spreadsheet");
}

fn xlsx_bytes(build: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    build(&mut workbook);
    workbook.save_to_buffer().unwrap()
}

#[test]
fn xlsx_round_trip_with_gaps_types_and_dates() {
    let bytes = xlsx_bytes(|wb| {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(0, 1, "电话").unwrap();
        ws.write_string(0, 3, "生日").unwrap();
        ws.write_string(1, 0, " 张三 ").unwrap();
        ws.write_number(1, 1, 13_800_138_000.0).unwrap();
        // Column C left empty: D must stay in the fourth place.
        let date = XFormat::new().set_num_format("yyyy-mm-dd");
        ws.write_number_with_format(1, 3, 32_950.0, &date).unwrap(); // 1990-03-18
        ws.write_boolean(2, 2, true).unwrap();
        ws.write_string(2, 0, "a & b <c> \"d\"").unwrap();
        ws.write_number(2, 1, 2.5).unwrap();
        // Row 4 (index 3) is missing; row 5 holds a formula with a cached text.
        ws.write_formula(4, 0, "=\"x\"&\"y\"").unwrap();
        ws.set_formula_result(4, 0, "xy");
        ws.write_string(5, 1, "   ").unwrap(); // wholly blank → skipped
        ws.write_string(6, 4, "line1\nline2").unwrap();
    });
    let rows: Vec<Row> = RowReader::from_seekable(
        Cursor::new(bytes),
        Some("p.xlsx"),
        Encoding::Gbk,
        None,
        &ReadLimits::default(),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        cells(&rows),
        vec![
            (1, owned(&["姓名", "电话", "", "生日"])),
            (2, owned(&["张三", "13800138000", "", "1990-03-18"])),
            (3, owned(&["a & b <c> \"d\"", "2.5", "TRUE"])),
            (5, owned(&["xy"])),
            (7, owned(&["", "", "", "", "line1\nline2"])),
        ]
    );
}

#[test]
fn xlsx_reads_the_first_sheet_in_tab_order() {
    let bytes = xlsx_bytes(|wb| {
        wb.add_worksheet()
            .set_name("人员")
            .unwrap()
            .write_string(0, 0, "first")
            .unwrap();
        wb.add_worksheet()
            .set_name("说明")
            .unwrap()
            .write_string(0, 0, "second")
            .unwrap();
    });
    let rows: Vec<Row> = RowReader::xlsx(Cursor::new(bytes), None, &ReadLimits::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(cells(&rows), vec![(1, owned(&["first"]))]);
}

#[test]
fn xlsx_inline_strings_from_constant_memory_mode() {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet_with_constant_memory().unwrap();
    for r in 0..50u32 {
        ws.write_string(r, 0, format!("name{r}")).unwrap();
        ws.write_string(r, 2, format!("{r}")).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let rows: Vec<Row> = RowReader::xlsx(Cursor::new(bytes), None, &ReadLimits::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[49].number, 50);
    assert_eq!(rows[49].cells, owned(&["name49", "", "49"]));
}

#[test]
fn a_truncated_xlsx_is_malformed_not_a_panic() {
    let bytes = xlsx_bytes(|wb| {
        let ws = wb.add_worksheet();
        for r in 0..2000u32 {
            ws.write_string(r, 0, format!("row {r}")).unwrap();
        }
    });
    let cut = bytes[..bytes.len() / 2].to_vec();
    let result: Result<Vec<Row>, SheetError> =
        RowReader::xlsx(Cursor::new(cut), None, &ReadLimits::default()).and_then(|r| r.collect());
    let err = result.unwrap_err();
    assert_eq!(err.code(), "sheet.malformed", "{err}");
}

/// A CSV source that makes its bytes as they are asked for and never holds the whole file.
struct Generated {
    rows: usize,
    next: usize,
    pending: Vec<u8>,
    at: usize,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            if self.next == self.rows {
                return Ok(0);
            }
            self.pending = format!(
                "{},name{},1380013{:04}\n",
                self.next,
                self.next,
                self.next % 10_000
            )
            .into_bytes();
            self.at = 0;
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn a_200k_row_csv_streams() {
    let rows = 200_000;
    let source = Generated {
        rows,
        next: 0,
        pending: Vec::new(),
        at: 0,
    };
    let mut reader = RowReader::csv(source, Encoding::Utf8, None, &ReadLimits::default()).unwrap();
    let progress = reader.progress();
    let mut count = 0usize;
    let mut seen_progress_mid_way = false;
    for row in reader.by_ref() {
        let row = row.unwrap();
        count += 1;
        assert_eq!(row.number, count);
        assert_eq!(row.cells[0], (count - 1).to_string());
        if count == rows / 2 {
            // Progress moves while reading: the reader has not swallowed the stream up front.
            let read = progress.bytes_read();
            seen_progress_mid_way = read > 0 && read < 30 * rows as u64 / 2 + 64 * 1024;
        }
    }
    assert_eq!(count, rows);
    assert!(seen_progress_mid_way);
    assert!(reader.bytes_read() > 20 * rows as u64);
}

#[test]
fn progress_reaches_the_total() {
    let text = "a,b\n1,2\n3,4\n";
    let mut reader = RowReader::csv(
        Cursor::new(text.as_bytes().to_vec()),
        Encoding::Utf8,
        Some(text.len() as u64),
        &ReadLimits::default(),
    )
    .unwrap();
    assert_eq!(reader.total_bytes(), Some(text.len() as u64));
    while reader.next().is_some() {}
    assert_eq!(reader.bytes_read(), text.len() as u64);
    assert_eq!(reader.progress().percent(), Some(100));
}

/// An XLSX put together by hand, with the things other producers (Excel, WPS) write that
/// rust_xlsxwriter does not: rich text, phonetic guides, cells without references, prefixed
/// elements, error and boolean cells, the 1904 date system, a first sheet that is not sheet1.
fn hand_made_xlsx(sheet_data: &str) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let parts = [
        (
            "xl/workbook.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{rel}"><workbookPr date1904="1"/><sheets><sheet name="数据" sheetId="2" r:id="rId2"/><sheet name="旧" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId3" Type="{rel}/sharedStrings" Target="strings.xml"/><Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/strings.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}" count="4" uniqueCount="4"><si><t>张三</t></si><si><r><t>李</t></r><r><rPr><b/></rPr><t xml:space="preserve">四 </t></r><rPh sb="0" eb="1"><t>リ</t></rPh></si><si/><si><t>&amp;&#20013;</t></si></sst>"#
            ),
        ),
        (
            "xl/styles.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{ns}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="49"/></cellXfs></styleSheet>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml".to_string(),
            format!(
                r#"<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>"#
            ),
        ),
        (
            "xl/worksheets/data.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}" xmlns:x="{ns}"><sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        ),
    ];
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, text) in parts {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn xlsx_from_other_producers() {
    let data = concat!(
        r#"<row r="2"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="E2" t="inlineStr"><is><r><t>内</t></r><r><t>联</t></r></is></c></row>"#,
        r#"<row><c r="A3" s="1"><v>1</v></c><c r="B3" t="str"><f>"公"&amp;"式"</f><v>公式</v></c><c r="C3" t="e"><v>#N/A</v></c><c r="D3" t="b"><v>0</v></c><c r="E3"><v>1.5E+3</v></c></row>"#,
        r#"<row r="4"><c r="A4" s="2"/><c r="B4" t="s"><v>2</v></c></row>"#,
        r#"<row r="5" spans="1:2"><c r="A5" t="s"><v>2</v></c><c r="B5" t="s"><v>3</v></c></row>"#,
        r#"<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t>前缀</x:t></x:is></x:c></x:row>"#,
        r#"<row r="7"/>"#,
    );
    let bytes = hand_made_xlsx(data);
    let total = bytes.len() as u64;
    let mut reader = RowReader::from_seekable(
        Cursor::new(bytes),
        None,
        Encoding::Utf8,
        Some(total),
        &ReadLimits::default(),
    )
    .unwrap();
    let rows: Vec<Row> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        cells(&rows),
        vec![
            (2, owned(&["张三", "李四", "", "", "内联"])),
            (3, owned(&["1904-01-02", "公式", "#N/A", "FALSE", "1500"])),
            (5, owned(&["", "&中"])),
            (6, owned(&["前缀"])),
        ]
    );
    assert_eq!(reader.bytes_read(), total, "the whole file was taken");
}

#[test]
fn xlsx_bad_shared_string_names_its_row() {
    let bytes = hand_made_xlsx(
        r#"<row r="1"><c t="s"><v>0</v></c></row><row r="9"><c r="B9" t="s"><v>99</v></c></row>"#,
    );
    let mut reader = RowReader::xlsx(Cursor::new(bytes), None, &ReadLimits::default()).unwrap();
    assert_eq!(reader.next().unwrap().unwrap().cells, owned(&["张三"]));
    let err = reader.next().unwrap().unwrap_err();
    assert_eq!(err.code(), "sheet.malformed");
    assert_eq!(err.row(), Some(9));
    assert!(err.to_string().starts_with("row 9: "), "{err}");
    assert!(reader.next().is_none(), "the reader stops after an error");
}

#[test]
fn readers_can_move_to_a_worker_thread() {
    fn send<T: Send>(_: &T) {}
    let reader = RowReader::csv(
        Cursor::new(b"a\n".to_vec()),
        Encoding::Utf8,
        None,
        &ReadLimits::default(),
    )
    .unwrap();
    send(&reader);
    send(&reader.progress());
}
