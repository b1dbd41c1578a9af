//! Data in and out: an export imports again. For each register a file in the template's columns
//! is imported, exported with full values (a keeper, with a reason), compared with the file, then
//! imported into a fresh database and exported again: the same rows. A masked export is refused
//! by the import as masked; the template's example row is skipped while unchanged. Beside them:
//! ages in the people list, an organisation's page headed by its name, a lease that has ended.

use axum::http::StatusCode;
use serde_json::Value;
use wangge_domain::basic::ident::{make_credit_code, make_id_number};
use wangge_domain::basic::row::Kind;
use wangge_domain::calendar::Date;

use crate::common::{Fixture, Kit, fixture};
use crate::imports::{import, problems};

const GRID_A1: &str = "350102001001001";
const GRID_A2: &str = "350102001001002";

fn id(y: i32, m: u32, d: u32, seq: u32) -> String {
    make_id_number("350102", Date::new(y, m, d).unwrap(), seq)
}

/// The sex an ID number says, as the export writes it.
fn sex_of(id: &str) -> &'static str {
    let digit = id.as_bytes()[16] - b'0';
    if digit % 2 == 1 { "男" } else { "女" }
}

fn birth_of(id: &str) -> String {
    format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14])
}

/// The rows of a CSV body without the byte-order mark, line ends normalised.
fn lines(body: &str) -> Vec<String> {
    body.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn csv(rows: &[String]) -> Vec<u8> {
    let mut s = rows.join("\r\n");
    s.push_str("\r\n");
    s.into_bytes()
}

/// The header of a kind's template, as an export writes it.
fn header(kind: Kind) -> String {
    wangge_domain::basic::row::columns(kind)
        .iter()
        .map(|c| c.zh)
        .collect::<Vec<_>>()
        .join(",")
}

/// A full-values export as CSV, by the form the import page posts.
async fn export_full(f: &Fixture, user: &str, kind: &str) -> (StatusCode, String) {
    let body = format!(
        "kind={kind}&format=csv&reason={}",
        urlencode("迁移到新系统")
    );
    let (status, _, text) = f
        .form(
            user,
            "/export",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    (status, text)
}

/// The id of the first record a list page links to.
fn first_link(page: &str, base: &str) -> String {
    let list = page.split("data-testid=\"record-list\"").nth(1).unwrap();
    let after = list.split(&format!("href=\"/{base}/")).nth(1).unwrap();
    after.split('"').next().unwrap().to_string()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Imports `rows` into `f` as `user`, requiring a clean commit of `n` rows.
async fn import_ok(f: &Fixture, user: &str, kind: &str, rows: &[String], n: u64) {
    let report = import(f, user, kind, "all", "", "x.csv", &csv(rows)).await;
    assert_eq!(report["committed"], true, "{report}");
    assert_eq!(
        report["inserted"].as_u64().unwrap() + report["updated"].as_u64().unwrap(),
        n,
        "{report}"
    );
}

/// The round trip of one register: `rows` (header first) imported and exported in full give
/// `rows` back; imported into a fresh city and exported again, the same.
async fn round_trip(kind: Kind, rows: Vec<String>) -> Fixture {
    let n = rows.len() as u64 - 1;
    let a = fixture().await;
    import_ok(&a, "admin_city", kind.as_str(), &rows, n).await;
    // The grid leader of the village that holds both grids.
    let (status, first) = export_full(&a, "gl_a", kind.as_str()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(lines(&first), rows, "the export is the file imported");

    let b = fixture().await;
    let again: Vec<String> = lines(&first);
    import_ok(&b, "gl_a", kind.as_str(), &again, n).await;
    let (status, second) = export_full(&b, "admin_city", kind.as_str()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(lines(&second), rows, "a fresh city gives the same records");
    a
}

#[tokio::test]
async fn people_round_trip_with_house_household_tags_and_phones() {
    let (p1, p2, p3) = (id(1950, 3, 9, 11), id(1952, 7, 1, 22), id(1990, 12, 31, 33));
    let row = |id: &str, name: &str, rest: &str| {
        format!(
            "{GRID_A1},{name},{},{},{id},{rest}",
            sex_of(id),
            birth_of(id)
        )
    };
    let rows = vec![
        header(Kind::People),
        row(
            &p1,
            "林老伯",
            "13800000001,汉族,福州市鼓楼区东街1号,户籍,,,是,小学,退休,3,1,101,H01,户主,独居老人(2020-01-05);低保户(2023-06-30)",
        ),
        row(
            &p2,
            "林阿姨",
            ",回族,福州市鼓楼区东街1号,户籍,,,否,初中,,3,1,101,H01,配偶,",
        ),
        row(
            &p3,
            "陈小明",
            "13900000003,汉族,莆田市,流动,2024-05-01,,否,本科,工程师,5,,202,,,残疾人(2024-06-01)",
        ),
    ];
    let a = round_trip(Kind::People, rows).await;
    // The reason and the full values are on the audit row.
    let mut c = a.state.db.conn().await.unwrap();
    let exports = wangge_store::audit::search(
        &mut c.handle(),
        &wangge_store::audit::Filter {
            action: Some("export".into()),
            ..Default::default()
        },
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].reason, "迁移到新系统");
    assert!(
        exports[0].detail.contains("\"revealed\":true"),
        "{}",
        exports[0].detail
    );
}

#[tokio::test]
async fn houses_round_trip() {
    let rows = vec![
        header(Kind::Houses),
        format!(
            "{GRID_A1},1,2,301,出租,李房东,13800000011,89.5,119.05,26.05,王租客,13800000012,2025-03-01,2027-02-28"
        ),
        format!("{GRID_A1},1,,102,自住,张业主,,120,,,,,,"),
        format!("{GRID_A2},A座,,1001,经营,周老板,13800000013,45.25,119.15,26.02,,,,"),
    ];
    round_trip(Kind::Houses, rows).await;
}

#[tokio::test]
async fn orgs_round_trip() {
    let credit = make_credit_code("91350102MA2XY0000");
    let rows = vec![
        header(Kind::Orgs),
        format!("{GRID_A1},东街便利店,个体商户,,赵店主,13800000021,东街3号,B,,否"),
        format!("{GRID_A1},闽江化工有限公司,企业,{credit},钱经理,13800000022,工业路8号,C,D,是"),
    ];
    round_trip(Kind::Orgs, rows).await;
}

#[tokio::test]
async fn objects_import_and_export_round_trip() {
    let rows = vec![
        header(Kind::Objects),
        format!("{GRID_A1},XFS-001,消防栓,119.01,26.01,完好,东街口"),
        format!("{GRID_A1},JG_002,井盖,119.02,26.02,损坏,"),
        format!("{GRID_A2},LD-003,路灯,119.15,26.05,丢失,夜间不亮"),
    ];
    let f = round_trip(Kind::Objects, rows.clone()).await;
    // The plain export is the same (objects hold nothing to mask).
    let (status, _, body) = f.get("gw_a1", "/export/objects.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        lines(&body),
        rows[..3].to_vec(),
        "a worker exports their grid"
    );
    // Every bad row is reported and nothing is written: a code twice, an unknown kind, a point
    // outside the grid, a code already used.
    let bad = vec![
        header(Kind::Objects),
        format!("{GRID_A1},XFS-009,消防栓,119.01,26.01,,"),
        format!("{GRID_A1},XFS-009,消防栓,119.01,26.01,,"),
        format!("{GRID_A1},XX-1,飞碟,119.01,26.01,,"),
        format!("{GRID_A1},XX-2,路灯,119.15,26.01,,"),
        format!("{GRID_A1},XFS-001,消防栓,119.01,26.01,,"),
    ];
    // A dry run checks every row against the database too (see the import's module notes).
    let report = import(
        &f,
        "admin_city",
        "objects",
        "dry_run",
        "",
        "o.csv",
        &csv(&bad),
    )
    .await;
    let got: Vec<(Option<u64>, String)> =
        problems(&report).into_iter().map(|p| (p.0, p.2)).collect();
    assert_eq!(
        got,
        vec![
            (Some(3), "basic.duplicate_in_file".to_string()),
            (Some(4), "choice.invalid".to_string()),
            (Some(5), "house.point_outside_grid".to_string()),
            (Some(6), "basic.duplicate_object".to_string()),
        ],
        "{report}"
    );
    let report = import(&f, "admin_city", "objects", "all", "", "o.csv", &csv(&bad)).await;
    assert_eq!(report["committed"], false, "{report}");
    assert_eq!(report["bad_rows"], 3, "{report}");
    // With --good-rows only the good row goes in.
    let report = import(
        &f,
        "admin_city",
        "objects",
        "good_rows",
        "",
        "o.csv",
        &csv(&bad),
    )
    .await;
    assert_eq!(report["inserted"], 1, "{report}");
}

#[tokio::test]
async fn a_masked_export_is_refused_as_masked_and_a_leader_cannot_export_full_values() {
    let f = fixture().await;
    let p = id(1980, 1, 2, 44);
    let rows = vec![
        header(Kind::People).replace(",重点人群", ""),
        format!(
            "{GRID_A1},吴一,{},{},{p},13800000031,汉族,,户籍,,,否,,,,,,,",
            sex_of(&p),
            birth_of(&p)
        ),
    ];
    import_ok(&f, "gw_a1", "people", &rows, 1).await;
    // A leader may not see tags: the masked export has the template's columns but the last.
    let (status, _, masked) = f.get("leader", "/export/people.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines(&masked)[0], rows[0]);
    assert!(!masked.contains(&p));
    let g = fixture().await;
    let report = import(&g, "gw_a1", "people", "all", "", "m.csv", masked.as_bytes()).await;
    let got: Vec<(String, String)> = problems(&report).into_iter().map(|p| (p.1, p.2)).collect();
    assert_eq!(
        got,
        vec![
            ("id_number".to_string(), "import.masked_value".to_string()),
            ("phone".to_string(), "import.masked_value".to_string()),
        ],
        "{report}"
    );
    // Full values need the reveal right and a reason.
    let (status, body) = export_full(&f, "leader", "people").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = f
        .form(
            "gw_a1",
            "/export",
            "application/x-www-form-urlencoded",
            b"kind=people&format=csv&reason=x".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("basic.reason_required"), "{body}");
}

#[tokio::test]
async fn the_template_example_row_is_skipped_unchanged_and_imported_changed() {
    let f = fixture().await;
    for kind in [Kind::People, Kind::Houses, Kind::Orgs, Kind::Objects] {
        let bytes = wangge_web::import::xlsx_template(kind).unwrap();
        let report = import(&f, "gw_a1", kind.as_str(), "all", "", "t.xlsx", &bytes).await;
        assert_eq!(report["rows"], 1, "{report}");
        assert_eq!(report["example_row"], 2, "{report}");
        assert_eq!(report["inserted"], 0, "{report}");
        assert!(problems(&report).is_empty(), "{report}");
    }
    // The CSV template's example, changed in one cell, is a row like any other.
    let csv_t = String::from_utf8(wangge_web::import::csv_template(Kind::Orgs).unwrap()).unwrap();
    let changed = csv_t.replace("示例便利店", "东街小卖部");
    let report = import(&f, "gw_a1", "orgs", "all", "", "t.csv", changed.as_bytes()).await;
    assert_eq!(report["example_row"], Value::Null, "{report}");
    assert_eq!(report["inserted"], 1, "{report}");
}

#[tokio::test]
async fn people_lists_show_age_and_filter_by_it() {
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    // Only the birth year is kept in clear: an age is the one reached this calendar year.
    let old = id(1946, 12, 4, 51);
    let young = id(1947, 1, 5, 52);
    let rows = vec![
        header(Kind::People).replace(",重点人群", ""),
        format!(
            "{GRID_A1},高龄甲,{},{},{old},,,,户籍,,,否,,,,,,,",
            sex_of(&old),
            birth_of(&old)
        ),
        format!(
            "{GRID_A1},高龄乙,{},{},{young},,,,户籍,,,否,,,,,,,",
            sex_of(&young),
            birth_of(&young)
        ),
    ];
    import_ok(&f, "gw_a1", "people", &rows, 2).await;
    let (status, page) = f.page("gw_a1", "/people").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"person-age\">80<"), "{page}");
    assert!(page.contains("data-testid=\"person-age\">79<"), "{page}");
    let (_, page) = f.page("gw_a1", "/people?age_min=80").await;
    assert!(
        page.contains("高龄甲") && !page.contains("高龄乙"),
        "{page}"
    );
    let (_, page) = f.page("gw_a1", "/people?age_max=79").await;
    assert!(
        !page.contains("高龄甲") && page.contains("高龄乙"),
        "{page}"
    );
    let (status, _) = f.page("gw_a1", "/people?age_min=old").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_org_page_is_headed_by_its_name_and_an_ended_lease_is_not_rented() {
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    let orgs = vec![
        header(Kind::Orgs),
        format!("{GRID_A1},东街便利店,个体商户,,赵店主,,东街3号,,,否"),
    ];
    import_ok(&f, "gw_a1", "orgs", &orgs, 1).await;
    let (_, list) = f.page("gw_a1", "/orgs").await;
    let href = first_link(&list, "orgs");
    let (status, page) = f.page("gw_a1", &format!("/orgs/{href}")).await;
    assert_eq!(status, StatusCode::OK);
    let h1 = page.split("data-testid=\"record-name\">").nth(1).unwrap();
    assert!(h1.starts_with("东街便利店"), "{h1}");

    let houses = vec![
        header(Kind::Houses),
        format!("{GRID_A1},1,,101,出租,李房东,,,,,王租客,,2024-01-01,2026-12-03"),
        format!("{GRID_A1},1,,102,出租,李房东,,,,,孙租客,,2024-01-01,2026-12-04"),
    ];
    import_ok(&f, "gw_a1", "houses", &houses, 2).await;
    let (_, rented) = f.page("gw_a1", "/houses?use=rented").await;
    assert!(
        rented.contains("1栋102室") && !rented.contains("1栋101室"),
        "{rented}"
    );
    let (_, all) = f.page("gw_a1", "/houses").await;
    assert!(all.contains("租约已于 2026-12-03 到期"), "{all}");
    let ended = first_link(&all, "houses");
    let (_, page) = f.page("gw_a1", &format!("/houses/{ended}")).await;
    assert!(
        page.contains("原承租人") && page.contains("王租客"),
        "{page}"
    );
}
