//! The reader's peak memory on bombs, measured from the process's high-water mark: this file
//! holds one test so that nothing else runs in its process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};

use wangge_sheet::{ReadLimits, RowReader};

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// The process's peak resident memory in MB (Linux), if known.
fn peak_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// A workbook (no workbook.xml: the reader falls back to the usual part names) of the given
/// parts, each written by its closure, deflated as it is written.
type Writer = Box<dyn FnOnce(&mut dyn Write)>;

fn bomb(parts: Vec<(&str, Writer)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, write) in parts {
        zip.start_file(name, options).unwrap();
        write(&mut zip);
    }
    zip.finish().unwrap().into_inner()
}

fn repeat(w: &mut dyn Write, byte: u8, n: usize) {
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        w.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
}

#[test]
fn bombs_are_read_in_bounded_memory() {
    let Some(before) = peak_mb() else {
        eprintln!("no /proc/self/status here; the peak cannot be measured");
        return;
    };
    // One 300 MB cell, as the security test sent it.
    let cell = bomb(vec![(
        "xl/worksheets/sheet1.xml",
        Box::new(|w: &mut dyn Write| {
            write!(
                w,
                r#"<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#
            )
            .unwrap();
            repeat(w, b'A', 300 << 20);
            write!(w, "</t></is></c></row></sheetData></worksheet>").unwrap();
        }),
    )]);
    assert!(cell.len() < 1 << 20, "{} bytes on disk", cell.len());
    // A shared-string table of 150 MB in strings of 30 KB, each within a cell's bound.
    let strings = bomb(vec![
        (
            "xl/sharedStrings.xml",
            Box::new(|w: &mut dyn Write| {
                write!(w, r#"<sst xmlns="{NS}">"#).unwrap();
                for _ in 0..5000 {
                    write!(w, "<si><t>").unwrap();
                    repeat(w, b'S', 30_000);
                    write!(w, "</t></si>").unwrap();
                }
                write!(w, "</sst>").unwrap();
            }),
        ),
        (
            "xl/worksheets/sheet1.xml",
            Box::new(|w: &mut dyn Write| {
                write!(
                    w,
                    r#"<worksheet xmlns="{NS}"><sheetData></sheetData></worksheet>"#
                )
                .unwrap();
            }),
        ),
    ]);
    let built = peak_mb().unwrap();

    let limits = ReadLimits::default();
    let mut codes = Vec::new();
    for bytes in [cell, strings] {
        let result: Result<Vec<_>, _> =
            RowReader::xlsx(Cursor::new(bytes), None, &limits).and_then(|r| r.collect());
        codes.push(result.expect_err("refused").code());
    }
    assert_eq!(codes, ["sheet.row_too_long", "sheet.shared_strings"]);
    let peak = peak_mb().unwrap();
    eprintln!("peak {peak} MB (before {before} MB, after building the bombs {built} MB)");
    // The shared strings may hold up to their bound (128 MiB); nothing else grows.
    assert!(peak < 250, "peak {peak} MB");
}
