//! Import bombs through the web: a job's report stays small whatever the file holds (long
//! cells quoted by 64 characters, problem texts bounded, the list cut at its first 1,000), and a
//! file that would inflate past its bounds is stopped with the bound's code.

use std::io::{Cursor, Write};

use crate::common::{Fixture, Part, fixture, multipart, multipart_type, text};
use axum::http::{Method, StatusCode, header};
use serde_json::Value;
use wangge_domain::error::{codes, render};
use wangge_sheet::TooLarge;
use wangge_web::import::{MAX_MESSAGE_CHARS, MAX_REPORTED};

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const HEADER: [&str; 6] = [
    "网格编码",
    "姓名",
    "身份证号",
    "人口类型",
    "出生日期",
    "联系电话",
];

/// An XLSX of inline-string rows; `write_rows` writes the rows after the header.
fn xlsx(write_rows: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    write!(zip, r#"<worksheet xmlns="{NS}"><sheetData><row r="1">"#).unwrap();
    for h in HEADER {
        cell(&mut zip, h);
    }
    write!(zip, "</row>").unwrap();
    write_rows(&mut zip);
    write!(zip, "</sheetData></worksheet>").unwrap();
    zip.finish().unwrap().into_inner()
}

fn cell(w: &mut dyn Write, text: &str) {
    write!(w, r#"<c t="inlineStr"><is><t>{text}</t></is></c>"#).unwrap();
}

/// Uploads `bytes` as a dry run of people and returns the finished job's JSON as sent.
async fn dry_run(f: &Fixture, bytes: Vec<u8>) -> String {
    let parts = vec![
        text("kind", "people"),
        text("mode", "dry_run"),
        Part::File("file", "bomb.xlsx", bytes),
    ];
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/import")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, multipart_type())
        .header(
            header::COOKIE,
            format!("wangge_session={}", f.creds["gw_a1"].1),
        )
        .body(axum::body::Body::from(multipart(&parts)))
        .unwrap();
    let (status, _, body) = f.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let uri = format!("/import/jobs/{}", job["job"].as_str().unwrap());
    for _ in 0..3000 {
        let (s, v) = f.api("gw_a1", Method::GET, &uri, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["state"] != "running" {
            assert_eq!(v["state"], "done", "{v}");
            return serde_json::to_string(&v).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn long_values_in_many_rows_leave_a_small_job() {
    let f = fixture().await;
    let long = |c: char| c.to_string().repeat(30_000);
    let bytes = xlsx(|w| {
        // Row 2: a name past the cell bound.
        write!(w, r#"<row r="2">"#).unwrap();
        cell(w, "350102001001001");
        cell(w, &format!("名字{}", "长".repeat(40_000)));
        write!(w, "</row>").unwrap();
        // Then 600 rows, each with three 30 KB values that the problems quote.
        for r in 3..603 {
            write!(w, r#"<row r="{r}">"#).unwrap();
            cell(w, &long('9'));
            cell(w, "张三");
            cell(w, "");
            cell(w, &long('R'));
            cell(w, &long('D'));
            write!(w, "</row>").unwrap();
        }
    });
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let json = dry_run(&f, bytes).await;
    assert!(json.len() < 1 << 20, "the job is {} bytes", json.len());
    let job: Value = serde_json::from_str(&json).unwrap();
    let report = &job["report"];
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), MAX_REPORTED);
    assert!(
        report["problem_count"].as_u64().unwrap() > 3 * 600,
        "{}",
        report["problem_count"]
    );
    for p in problems {
        let m = p["message"].as_str().unwrap();
        assert!(m.chars().count() <= MAX_MESSAGE_CHARS + 1, "{m}");
    }
    let first = &problems[0];
    assert_eq!(
        (
            first["row"].as_u64(),
            first["field"].as_str(),
            first["code"].as_str()
        ),
        (Some(2), Some("name"), Some("sheet.cell_too_long")),
        "{first}"
    );
    let start = format!("名字{}", "长".repeat(62));
    assert_eq!(
        first["message"].as_str().unwrap(),
        format!("the cell is longer than 32 KB; it begins “{start}”")
    );
    // A shortened text still names its code's values, shortened, so it reads whole.
    let residence = problems
        .iter()
        .find(|p| p["field"] == "residence")
        .expect("a residence problem");
    assert_eq!(residence["code"], "choice.invalid");
    let m = residence["message"].as_str().unwrap();
    let begins = format!("\"{}…\" is not one of ", "R".repeat(64));
    assert!(m.starts_with(&begins) && m.contains("常住"), "{m}");
}

#[tokio::test]
async fn a_cell_bomb_stops_at_its_row_with_a_short_report() {
    let f = fixture().await;
    // Past 1,100 rows with a problem each, a 64 MB cell in a file of a few hundred KB.
    let bomb_row = 1102;
    let bytes = xlsx(|w| {
        for r in 2..bomb_row {
            write!(w, r#"<row r="{r}">"#).unwrap();
            cell(w, "350102001001001");
            write!(w, "</row>").unwrap();
        }
        write!(w, r#"<row r="{bomb_row}"><c t="inlineStr"><is><t>"#).unwrap();
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..64 {
            w.write_all(&chunk).unwrap();
        }
        write!(w, "</t></is></c></row>").unwrap();
    });
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let json = dry_run(&f, bytes).await;
    assert!(json.len() < 1 << 20, "the job is {} bytes", json.len());
    let job: Value = serde_json::from_str(&json).unwrap();
    let report = &job["report"];
    assert_eq!(report["stopped"], true);
    // The reason it stopped is listed after the first 1,000 problems, not only counted.
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), MAX_REPORTED + 1);
    let p = problems.last().unwrap();
    assert_eq!(p["code"], "sheet.row_too_long");
    assert_eq!(p["row"], bomb_row);
    assert_eq!(
        p["message"],
        format!("row {bomb_row} is longer than 4096 KB")
    );
}

#[test]
fn each_bound_reads_as_its_codes_text() {
    let cases: Vec<(TooLarge, Vec<(&'static str, String)>)> = vec![
        (
            TooLarge::Directory { max_kb: 4096 },
            vec![("max_kb", "4096".into())],
        ),
        (
            TooLarge::Inflated { max_mb: 1024 },
            vec![("max_mb", "1024".into())],
        ),
        (
            TooLarge::Part {
                part: "xl/styles.xml".into(),
                max_mb: 16,
            },
            vec![("part", "xl/styles.xml".into()), ("max_mb", "16".into())],
        ),
        (
            TooLarge::Element {
                part: "xl/sharedStrings.xml".into(),
                max_kb: 4096,
            },
            vec![
                ("part", "xl/sharedStrings.xml".into()),
                ("max_kb", "4096".into()),
            ],
        ),
        (
            TooLarge::SharedStrings {
                max_mb: 128,
                max_count: 4_000_000,
            },
            vec![("max_mb", "128".into()), ("max_count", "4000000".into())],
        ),
        (
            TooLarge::Row {
                row: 7,
                max_kb: 4096,
            },
            vec![("row", "7".into()), ("max_kb", "4096".into())],
        ),
    ];
    for (bound, params) in cases {
        let entry = codes::entry(bound.code()).expect("tabled");
        assert_eq!(
            bound.to_string(),
            render(entry.en, &params),
            "{}",
            entry.code
        );
        assert!(!render(entry.zh, &params).contains('{'), "{}", entry.code);
    }
}
