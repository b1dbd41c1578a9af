//! Imports and exports through the web: upload, job, report; export by scope and masking;
//! templates with drop-downs. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.

use std::io::Read;

use crate::common::{Fixture, Part, fixture, multipart, multipart_type, text};
use axum::http::{StatusCode, header};
use serde_json::Value;
use wangge_domain::System;
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::calendar::Date;
use wangge_store::basic::people;

const GRID_A1: &str = "350102001001001";
const GRID_A2: &str = "350102001001002";
const GRID_B1: &str = "350102002001001";

fn id(seq: u32) -> String {
    make_id_number("350102", Date::new(1980, 1, 1 + seq % 28).unwrap(), seq)
}

/// A wrong check character: the last one moved on by one.
fn bad_check(id: &str) -> String {
    let (head, last) = id.split_at(17);
    let next = match last {
        "X" => "0".to_string(),
        "9" => "X".to_string(),
        d => (d.parse::<u32>().unwrap() + 1).to_string(),
    };
    format!("{head}{next}")
}

const HEADER: &str = "网格编码,姓名,身份证号,人口类型,出生日期,联系电话\n";

fn row(grid: &str, name: &str, id: &str, birth: &str) -> String {
    format!("{grid},{name},{id},常住,{birth},\n")
}

/// An upload form's body: the fields, then the file; with its content type.
fn upload(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let mut parts: Vec<Part> = fields.iter().map(|(k, v)| text(k, v)).collect();
    parts.push(Part::File("file", file_name, file.to_vec()));
    (multipart_type(), multipart(&parts))
}

/// Uploads a file, waits for the job and returns its report.
pub(crate) async fn import(
    f: &Fixture,
    user: &str,
    kind: &str,
    mode: &str,
    encoding: &str,
    file_name: &str,
    bytes: &[u8],
) -> Value {
    let (ct, body) = upload(
        &[("kind", kind), ("mode", mode), ("encoding", encoding)],
        file_name,
        bytes,
    );
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/import")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, ct)
        .header(
            header::COOKIE,
            format!("wangge_session={}", f.creds[user].1),
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    let (status, _, text) = f.send(req).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let job = serde_json::from_str::<Value>(&text).unwrap()["job"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..1000 {
        let (s, v) = f
            .api(
                user,
                axum::http::Method::GET,
                &format!("/import/jobs/{job}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        match v["state"].as_str().unwrap() {
            "running" => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            "done" => return v["report"].clone(),
            other => panic!("job {other}: {v}"),
        }
    }
    panic!("the import did not finish");
}

async fn people_in(f: &Fixture) -> Vec<people::PersonRow> {
    let mut c = f.state.db.conn().await.unwrap();
    people::list(
        &mut c.handle(),
        &f.state.keys,
        &System::acting().scope(),
        &people::Filter::default(),
        None,
        500,
    )
    .await
    .unwrap()
}

pub(crate) fn problems(report: &Value) -> Vec<(Option<u64>, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64(),
                p["field"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn file(rows: &[String]) -> Vec<u8> {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
    }
    s.into_bytes()
}

#[tokio::test]
async fn two_bad_rows_are_reported_and_nothing_is_written_then_the_fix_imports_all() {
    let f = fixture().await;
    let good = [id(1), id(2), id(3), id(4)];
    let bad_rows = vec![
        row(GRID_A1, "张一", &good[0], ""),
        row(GRID_A1, "张二", &bad_check(&good[1]), ""),
        row(GRID_A1, "张三", &good[2], ""),
        row(GRID_A1, "张四", &good[3], "1980-02-30"),
    ];
    let report = import(
        &f,
        "gw_a1",
        "people",
        "all",
        "utf-8",
        "p.csv",
        &file(&bad_rows),
    )
    .await;
    let got = problems(&report);
    assert_eq!(
        got,
        vec![
            (Some(3), "id_number".to_string(), "id.checksum".to_string()),
            (
                Some(5),
                "birth_date".to_string(),
                "date.impossible".to_string()
            ),
        ],
        "{report}"
    );
    assert_eq!(report["committed"], false);
    assert_eq!(report["bad_rows"], 2);
    assert_eq!(report["problems"][0]["column_zh"], "身份证号");
    assert!(people_in(&f).await.is_empty(), "nothing is half-written");

    // The dry run of the corrected file writes nothing either; the import writes all four.
    let fixed: Vec<String> = good
        .iter()
        .enumerate()
        .map(|(i, id)| row(GRID_A1, &format!("李{i}"), id, ""))
        .collect();
    let dry = import(&f, "gw_a1", "people", "dry_run", "", "p.csv", &file(&fixed)).await;
    assert_eq!(
        (dry["inserted"].as_u64(), dry["committed"].as_bool()),
        (Some(4), Some(false))
    );
    assert!(people_in(&f).await.is_empty());
    let done = import(&f, "gw_a1", "people", "all", "", "p.csv", &file(&fixed)).await;
    assert_eq!(done["committed"], true, "{done}");
    assert_eq!(done["inserted"], 4);
    assert!(problems(&done).is_empty());
    assert_eq!(people_in(&f).await.len(), 4);
}

#[tokio::test]
async fn good_rows_mode_imports_the_rest() {
    let f = fixture().await;
    let rows = vec![
        row(GRID_A1, "王一", &id(11), ""),
        row(GRID_A1, "王二", &bad_check(&id(12)), ""),
        row(GRID_A1, "王三", &id(13), ""),
        row(GRID_A1, "王四", &id(14), "1980-13-01"),
        // Outside the worker's grid.
        row(GRID_B1, "王五", &id(15), ""),
    ];
    let report = import(
        &f,
        "gw_a1",
        "people",
        "good_rows",
        "",
        "p.csv",
        &file(&rows),
    )
    .await;
    assert_eq!(report["committed"], true, "{report}");
    assert_eq!(report["inserted"], 2);
    let rows_seen: Vec<_> = problems(&report).into_iter().map(|p| (p.0, p.2)).collect();
    assert_eq!(
        rows_seen,
        vec![
            (Some(3), "id.checksum".to_string()),
            (Some(5), "date.impossible".to_string()),
            (Some(6), "basic.out_of_scope".to_string()),
        ]
    );
    let names: Vec<String> = people_in(&f).await.into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["王一", "王三"]);
}

#[tokio::test]
async fn a_gbk_file_read_as_utf8_names_the_row_and_writes_nothing() {
    let f = fixture().await;
    let text = String::from_utf8(file(&[
        row(GRID_A1, "Li", &id(21), ""),
        row(GRID_A1, "陈一", &id(22), ""),
    ]))
    .unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let report = import(&f, "gw_a1", "people", "all", "utf-8", "gbk.csv", &gbk).await;
    // The header is Chinese too: the very first row cannot be read.
    let got = problems(&report);
    assert_eq!(got.len(), 1, "{report}");
    assert_eq!(got[0].2, "sheet.encoding");
    assert_eq!(got[0].0, Some(1));
    assert_eq!(report["stopped"], true);

    // With a readable header the broken row is named.
    let mut mixed = HEADER.as_bytes().to_vec();
    mixed.extend_from_slice(row(GRID_A1, "Li", &id(21), "").as_bytes());
    let chen = row(GRID_A1, "陈一", &id(22), "");
    let (gbk_row, _, _) = encoding_rs::GBK.encode(&chen);
    mixed.extend_from_slice(&gbk_row);
    let report = import(&f, "gw_a1", "people", "good_rows", "utf-8", "m.csv", &mixed).await;
    let got = problems(&report);
    assert_eq!(got.last().unwrap().2, "sheet.encoding", "{report}");
    assert_eq!(got.last().unwrap().0, Some(3));
    assert_eq!(report["committed"], false);
    assert!(people_in(&f).await.is_empty());

    // Read as GBK, it imports.
    let report = import(&f, "gw_a1", "people", "all", "gbk", "gbk.csv", &gbk).await;
    assert_eq!(report["inserted"], 2, "{report}");
    let names: Vec<String> = people_in(&f).await.into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["Li", "陈一"]);
}

#[tokio::test]
async fn a_png_is_not_a_spreadsheet_and_a_missing_column_is_named() {
    let f = fixture().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let report = import(&f, "gw_a1", "people", "all", "", "photo.csv", png).await;
    let got = problems(&report);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2, "sheet.not_spreadsheet");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PNG"),
        "{report}"
    );

    let no_id = format!("网格编码,姓名,人口类型\n{GRID_A1},赵一,常住\n");
    let report = import(&f, "gw_a1", "people", "all", "", "p.csv", no_id.as_bytes()).await;
    let got = problems(&report);
    assert_eq!(
        got,
        vec![(
            Some(1),
            "id_number".to_string(),
            "header.missing".to_string()
        )]
    );
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("身份证号"),
        "{report}"
    );
    assert_eq!(report["rows"], 0, "stops before any row");

    // An unknown column is named too.
    let extra = format!(
        "网格编码,姓名,身份证号,人口类型,年龄\n{GRID_A1},赵一,{},常住,40\n",
        id(31)
    );
    let report = import(&f, "gw_a1", "people", "all", "", "p.csv", extra.as_bytes()).await;
    assert_eq!(report["problems"][0]["code"], "header.unknown");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("年龄")
    );
    assert!(people_in(&f).await.is_empty());
}

#[tokio::test]
async fn a_person_registered_in_another_grid_is_refused_without_naming_it() {
    let f = fixture().await;
    let first = import(
        &f,
        "gw_a2",
        "people",
        "all",
        "",
        "p.csv",
        &file(&[row(GRID_A2, "周一", &id(41), "")]),
    )
    .await;
    assert_eq!(first["inserted"], 1, "{first}");
    let again = import(
        &f,
        "gw_a1",
        "people",
        "all",
        "",
        "p.csv",
        &file(&[
            row(GRID_A1, "周二", &id(42), ""),
            row(GRID_A1, "周一", &id(41), ""),
            row(GRID_A1, "周三", &id(42), ""),
        ]),
    )
    .await;
    let got = problems(&again);
    assert_eq!(
        got,
        vec![
            (
                Some(3),
                "id_number".to_string(),
                "basic.registered_elsewhere".to_string()
            ),
            (
                Some(4),
                "id_number".to_string(),
                "basic.duplicate_in_file".to_string()
            ),
        ],
        "{again}"
    );
    // Grid A2 is outside worker A1's area: the row does not say where the person is.
    let message = again["problems"][0]["message"].as_str().unwrap();
    assert!(!message.contains(GRID_A2), "{message}");
    assert_eq!(again["committed"], false);
    assert_eq!(people_in(&f).await.len(), 1);
}

#[tokio::test]
async fn a_workers_export_holds_only_their_grid_masked() {
    let f = fixture().await;
    let rows = vec![
        row(GRID_A1, "吴一", &id(51), ""),
        row(GRID_A2, "吴二", &id(52), ""),
        row(GRID_B1, "吴三", &id(53), ""),
        row(GRID_A1, "吴四", &id(54), ""),
    ];
    let report = import(&f, "admin_city", "people", "all", "", "p.csv", &file(&rows)).await;
    assert_eq!(report["inserted"], 4, "{report}");

    let (status, headers, body) = f.get("gw_a1", "/export/people.csv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{body}");
    assert!(lines[0].contains("身份证号"));
    for (line, full) in lines[1..].iter().zip([id(51), id(54)]) {
        assert!(line.starts_with(GRID_A1), "{line}");
        assert!(!line.contains(&full), "the full ID number leaked: {line}");
        assert!(line.contains(&wangge_store::seal::mask_id(&full)), "{line}");
    }
    assert!(!body.contains("吴二") && !body.contains("吴三"));
    // The worker may see tags: the column is there.
    assert!(lines[0].contains("重点人群"));

    // A leader (no tags) exports the county as XLSX; an export audit row each.
    let (status, _, _) = f.get("leader", "/export/people.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut c = f.state.db.conn().await.unwrap();
    let exports: Vec<wangge_store::audit::AuditRow> = wangge_store::audit::search(
        &mut c.handle(),
        &wangge_store::audit::Filter {
            action: Some("export".into()),
            ..Default::default()
        },
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(exports.len(), 2);
    assert!(exports.iter().any(|a| a.detail.contains("\"rows\":2")));
    assert!(exports.iter().any(|a| a.detail.contains("\"rows\":4")));

    // A volunteer does not read the register.
    let (status, _) = f.page("vol_a", "/export/people.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_template_has_drop_downs_and_imports_as_is() {
    let f = fixture().await;
    let (status, headers, _) = f.get("gw_a1", "/import/template/people.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("people-template.xlsx")
    );
    // Body as bytes (the kit's send turns it into lossy text).
    let bytes = wangge_web::import::xlsx_template(wangge_domain::basic::row::Kind::People).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains("<dataValidation"), "no drop-down");
    assert!(sheet.contains("户籍,常住,流动,人户分离"), "{sheet}");

    // The template imports as it is: its example row is skipped, nothing else to do, nothing
    // wrong.
    let report = import(&f, "gw_a1", "people", "all", "", "t.xlsx", &bytes).await;
    assert_eq!(report["rows"], 1, "{report}");
    assert_eq!(report["example_row"], 2, "{report}");
    assert_eq!(report["inserted"], 0, "{report}");
    assert!(problems(&report).is_empty(), "{report}");
}

#[tokio::test]
async fn only_keepers_import_and_jobs_are_private() {
    let f = fixture().await;
    let (ct, body) = upload(&[("kind", "people")], "p.csv", &file(&[]));
    let (status, _, text) = f.form("leader", "/import", &ct, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let (status, _) = f
        .api("gw_a1", axum::http::Method::GET, "/import/jobs/nope", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = f.page("gw_a1", "/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("import-form"));
    let (status, page) = f.page("leader", "/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("id=\"import-form\""));
}

#[tokio::test]
async fn a_house_point_must_lie_in_its_grid() {
    let f = fixture().await;
    let file = format!(
        "网格编码,楼栋,室,房屋用途,房主姓名,经度,纬度\n\
         {GRID_A1},1,101,自住,韩梅梅,119.15,26.05\n\
         {GRID_A1},1,102,自住,韩梅梅,119.05,26.05\n"
    );
    let report = import(
        &f,
        "gw_a1",
        "houses",
        "good_rows",
        "",
        "h.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(
        problems(&report),
        vec![(
            Some(2),
            "lon".to_string(),
            "house.point_outside_grid".to_string()
        )],
        "{report}"
    );
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains(GRID_A2), "{message}");
    assert_eq!(report["inserted"], 1);
    assert_eq!(report["committed"], true);
}

#[tokio::test]
async fn a_household_without_a_head_stops_even_a_good_rows_import() {
    let f = fixture().await;
    let header = "网格编码,姓名,身份证号,人口类型,户号,与户主关系\n";
    let rows = |second_head: &str| {
        format!(
            "{header}{GRID_A1},孙一,{},户籍,H1,户主\n{GRID_A1},孙二,{},户籍,H1,配偶\n{GRID_A1},孙三,{},户籍,H2,{second_head}\n",
            id(61),
            id(62),
            id(63)
        )
    };
    let report = import(
        &f,
        "gw_a1",
        "households",
        "good_rows",
        "",
        "f.csv",
        rows("子女").as_bytes(),
    )
    .await;
    assert_eq!(
        problems(&report),
        vec![(
            Some(4),
            "relation".to_string(),
            "household.no_head".to_string()
        )],
        "{report}"
    );
    assert_eq!(report["committed"], false);
    assert!(people_in(&f).await.is_empty());
    // A household number is required in a household file.
    let blank = format!("{header}{GRID_A1},孙四,{},户籍,,\n", id(64));
    let report = import(
        &f,
        "gw_a1",
        "households",
        "dry_run",
        "",
        "f.csv",
        blank.as_bytes(),
    )
    .await;
    let fields: Vec<String> = problems(&report).into_iter().map(|p| p.1).collect();
    assert_eq!(fields, vec!["household_no", "relation"], "{report}");

    let report = import(
        &f,
        "gw_a1",
        "households",
        "all",
        "",
        "f.csv",
        rows("户主").as_bytes(),
    )
    .await;
    assert_eq!(report["inserted"], 3, "{report}");
    let people = people_in(&f).await;
    assert_eq!(people.len(), 3);
    assert_eq!(people[0].household_id, people[1].household_id);
    assert_ne!(people[0].household_id, people[2].household_id);
}
