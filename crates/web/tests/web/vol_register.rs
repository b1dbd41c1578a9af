//! Volunteers and the catalogue through the real router (issue 17, part "register"): a
//! resident applies, the community approves, the new account logs in and sees its community;
//! a duplicate phone is refused; another street's volunteer is absent; an import with one bad
//! row reports it and writes nothing; the phone is sealed at rest and shown masked; catalogue
//! faults name the field; an "other" value is decided only by the street above.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{Fixture, Kit, Part, json_of, text};

const COMMUNITY: &str = "350102001001";

fn application(phone: &str) -> Value {
    json!({
        "community": COMMUNITY, "name": "王小明", "phone": phone, "building": "3栋",
        "unit": "2单元", "post": "unit_leader", "skills": "电工"
    })
}

async fn scalar_text(f: &Fixture, sql: &str) -> Option<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match &f.state.db {
        wangge_store::Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_optional(p).await.unwrap(),
        wangge_store::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_optional(p).await.unwrap(),
    }
}

/// Logs in with a password as a browser does; the session cookie.
async fn login(f: &Fixture, user: &str, password: &str) -> String {
    let addr: SocketAddr = "10.9.8.7:40000".parse().unwrap();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .extension(ConnectInfo(addr))
        .body(Body::from(format!(
            "username={user}&password={password}&next=/"
        )))
        .unwrap();
    let (s, h, body) = f.send(req).await;
    assert!(s.is_redirection(), "{s} {body}");
    h.get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("wangge_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn vol_reg_apply_approve_and_the_account_works() {
    let f = Kit::new().build().await;
    let (s, v) = f
        .anonymous(
            Method::POST,
            "/api/v1/volunteers/apply",
            Some(application("138 0013 8000")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();

    // The same phone again, in the same community: refused.
    let (s, v) = f
        .anonymous(
            Method::POST,
            "/api/v1/volunteers/apply",
            Some(application("13800138000")),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.phone_taken");

    // Sealed at rest, masked when shown.
    let raw = scalar_text(
        &f,
        &format!("SELECT phone_sealed FROM volunteers WHERE id = {id}"),
    )
    .await
    .unwrap();
    assert!(
        !raw.contains("13800138000") && !raw.contains("0013"),
        "{raw}"
    );
    let (s, row) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/volunteers/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{row}");
    assert_eq!(row["status"], "applied");
    let masked = row["phone_masked"].as_str().unwrap();
    assert!(
        !masked.contains("0013") && masked.starts_with("138"),
        "{masked}"
    );
    assert!(!row.to_string().contains("13800138000"));

    // The pending count and the list.
    let (s, list) = f
        .api(
            "gl_a",
            Method::GET,
            "/api/v1/volunteers?status=applied",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1);

    // Another street: absent, with the absent message.
    let (s, other) = f
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/volunteers/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s2, absent) = f
        .api("op_b", Method::GET, "/api/v1/volunteers/999999", None)
        .await;
    assert_eq!(s2, StatusCode::NOT_FOUND);
    assert_eq!(other["code"], absent["code"]);
    assert_eq!(
        other["message"]
            .as_str()
            .unwrap()
            .replace(&id.to_string(), "N"),
        absent["message"].as_str().unwrap().replace("999999", "N")
    );
    let (s, _) = f
        .api(
            "op_b",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A worker may not decide.
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The community approves: an account and its initial password, once.
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["volunteer"]["status"], "active");
    let username = v["account"]["username"].as_str().unwrap().to_string();
    let password = v["account"]["password"].as_str().unwrap().to_string();
    assert!(username.starts_with(&format!("v{COMMUNITY}")), "{username}");
    let (s, again) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{again}");
    let audited = scalar_text(
        &f,
        &format!(
            "SELECT action FROM audit_log WHERE subject_table = 'volunteers' AND subject_id = {id}"
        ),
    )
    .await;
    assert_eq!(audited.as_deref(), Some("volunteer.approve"));

    // The new account logs in, makes a token, and its scope is its community.
    let cookie = login(&f, &username, &password).await;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/tokens")
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"name": "phone"}).to_string()))
        .unwrap();
    let (s, _, body) = f.send(req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let token = json_of(&body)["token"].as_str().unwrap().to_string();
    let req = Request::builder()
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (s, _, body) = f.send(req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let me = json_of(&body);
    assert_eq!(me["role"], "volunteer");
    assert_eq!(me["node_code"], COMMUNITY);
    assert_eq!(me["node_path"], f.paths[COMMUNITY]);

    // Leaving deactivates the account.
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/leave"),
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/volunteers/{id}/leave"),
            Some(json!({"reason": "搬家"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "left");
    let req = Request::builder()
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = f.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn vol_reg_add_reject_and_pages() {
    let f = Kit::new().build().await;
    // A bad field is named.
    let mut bad = application("12345");
    bad.as_object_mut().unwrap().remove("community");
    let (s, v) = f
        .api("gl_a", Method::POST, "/api/v1/volunteers", Some(bad))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["details"]["field"], "phone");
    // The township's operator must say which community.
    let mut body = application("13900139000");
    body.as_object_mut().unwrap().remove("community");
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            "/api/v1/volunteers",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.community_required");
    // The grid leader adds to their own community directly.
    let (s, v) = f
        .api("gl_a", Method::POST, "/api/v1/volunteers", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["volunteer"]["status"], "active");
    assert!(v["account"]["password"].as_str().unwrap().len() >= 8);

    // An application rejected with a reason.
    let (s, v) = f
        .anonymous(
            Method::POST,
            "/api/v1/volunteers/apply",
            Some(application("13700137000")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let uri = format!("/api/v1/volunteers/{id}/reject");
    let (s, _) = f
        .api("gl_a", Method::POST, &uri, Some(json!({"reason": " "})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"reason": "不在本社区居住"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "rejected");
    // A rejected phone may apply again.
    let (s, _) = f
        .anonymous(
            Method::POST,
            "/api/v1/volunteers/apply",
            Some(application("13700137000")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // The pages.
    let (s, page) = f.page("", "/vol/apply?community=350102001001").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"vol-apply\""));
    let (s, page) = f.page("", "/vol/apply?grid=350102001001001").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("value=\"350102001001\" selected"));
    let (s, _, page) = f
        .post_form_anonymous(
            "/vol/apply",
            "community=350102001001&name=%E6%9D%8E&phone=13600136000&post=volunteer",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("vol-apply-done"), "{page}");
    let (s, page) = f.page("gl_a", "/vol/volunteers").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("vol-pending-row"));
    assert!(!page.contains("13600136000"));
    let (s, _) = f.page("gw_a1", "/vol/volunteers").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, h, body) = f
        .form(
            "gl_a",
            "/vol/volunteers",
            "application/x-www-form-urlencoded",
            b"name=%E8%B5%B5&phone=13500135000&post=building_leader".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{h:?}");
    assert!(body.contains("vol-password"), "{body}");
    let (s, _, bytes) = f.get_bytes("gl_a", "/vol/volunteers/template.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert!(bytes.starts_with(b"PK"));
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from("姓名,手机号,楼栋,单元,岗位,特长\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

#[tokio::test]
async fn vol_reg_import_reports_the_bad_row_and_writes_nothing() {
    let f = Kit::new().build().await;
    let file = csv(&[
        "甲,13800000001,1栋,1单元,楼栋长,",
        "乙,1380000,1栋,2单元,单元长,",
        "丙,13800000003,2栋,1单元,志愿者,唱歌",
    ]);
    let parts = [
        text("community", COMMUNITY),
        Part::File("file", "v.csv", file.clone()),
    ];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.import_rows");
    let problems = v["details"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{v}");
    assert_eq!(problems[0]["row"], 3);
    assert_eq!(problems[0]["field"], "phone");
    let n = scalar_text(&f, "SELECT CAST(COUNT(*) AS TEXT) FROM volunteers").await;
    assert_eq!(n.as_deref(), Some("0"));

    // The good rows only, when asked.
    let parts = [
        text("community", COMMUNITY),
        text("mode", "good_rows"),
        Part::File("file", "v.csv", file),
    ];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["imported"].as_array().unwrap().len(), 2);
    assert_eq!(v["bad"], 1);
    // Again: every row's phone is now taken.
    let parts = [
        text("community", COMMUNITY),
        Part::File("file", "v.csv", csv(&["甲,13800000001,1栋,1单元,楼栋长,"])),
    ];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        v["details"]["problems"][0]["code"],
        "volunteers.phone_taken"
    );
    // Not a spreadsheet; no file; another street's community.
    let parts = [
        text("community", COMMUNITY),
        Part::File("file", "x.bin", vec![0, 1, 2, 3, 0xff]),
    ];
    let (s, _) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = f
        .multipart_as(
            "gl_a",
            "/api/v1/volunteers/import",
            &[text("community", COMMUNITY)],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let parts = [
        text("community", "350102002001"),
        Part::File("file", "v.csv", csv(&["丁,13800000009,,,,"])),
    ];
    let (s, _) = f
        .multipart_as("op_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn vol_reg_catalogue_and_other_approvals() {
    let f = Kit::new().build().await;
    let (s, v) = f
        .api("vol_a", Method::GET, "/api/v1/volunteers/catalogue", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["version_id"].is_null());
    let mut c = v["catalogue"].clone();
    c["kinds"][0]["points"] = json!(0);
    let (s, e) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/catalogue",
            Some(json!({"catalogue": c, "note": "调整"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["code"], "volunteers.catalogue_points");
    assert_eq!(e["details"]["field"], "kinds.repair_errand.points");
    c["kinds"][0]["points"] = json!(4);
    let (s, _) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers/catalogue",
            Some(json!({"catalogue": c, "note": "调整"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, saved) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/catalogue",
            Some(json!({"catalogue": c, "note": "调整"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["version"], 1);
    let (_, v) = f
        .api("vol_a", Method::GET, "/api/v1/volunteers/catalogue", None)
        .await;
    assert_eq!(v["catalogue"]["kinds"][0]["points"], 4);
    assert_eq!(v["version_id"], saved["id"]);
    // The other street's communities keep the seed's.
    let (_, v) = f
        .api("op_b", Method::GET, "/api/v1/volunteers/catalogue", None)
        .await;
    assert_eq!(v["catalogue"]["kinds"][0]["points"], 2);

    // The form page saves a version too, and names a bad row.
    let (s, page) = f.page("cmd_a", "/vol/catalogue").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("cat-edit"));
    let (s, page) = f.page("vol_a", "/vol/catalogue").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("cat-edit"));
    let body = "key_0=patrol&family_0=governance&points_0=500&activity_0=1&key_1=clue&family_1=governance&points_1=5&clue_categories=ZA01&note=x";
    let (s, _, page) = f
        .form(
            "cmd_a",
            "/vol/catalogue",
            "application/x-www-form-urlencoded",
            body.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("form-error"));
    let body = "key_0=patrol&family_0=governance&points_0=3&activity_0=1&key_1=clue&family_1=governance&points_1=5&clue_categories=ZA01&note=x";
    let (s, h, _) = f
        .form(
            "cmd_a",
            "/vol/catalogue",
            "application/x-www-form-urlencoded",
            body.as_bytes().to_vec(),
        )
        .await;
    assert!(s.is_redirection(), "{s} {h:?}");

    // "Other": the community asks, the street above decides.
    let (s, e) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers/approvals",
            Some(json!({"title": "助老陪诊", "points": 25, "reason": "r"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["details"]["field"], "points");
    let (s, a) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers/approvals",
            Some(json!({"title": "助老陪诊", "points": 4, "reason": "每周陪诊"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["status"], "pending");
    let id = a["id"].as_i64().unwrap();
    let uri = format!("/api/v1/volunteers/approvals/{id}/decide");
    let decision = json!({"decision": "approve", "note": "同意"});
    let (s, e) = f
        .api("gl_a", Method::POST, &uri, Some(decision.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = f
        .api("op_b", Method::POST, &uri, Some(decision.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api("admin_city", Method::POST, &uri, Some(decision.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, d) = f
        .api("cmd_a", Method::POST, &uri, Some(decision.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "approved");
    let (s, _) = f.api("cmd_a", Method::POST, &uri, Some(decision)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, list) = f
        .api("gl_a", Method::GET, "/api/v1/volunteers/approvals", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["status"], "approved");
    let (_, list) = f
        .api("op_b", Method::GET, "/api/v1/volunteers/approvals", None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // What the activities part calls.
    let mut conn = f.state.db.conn().await.unwrap();
    let community = f.paths[COMMUNITY].clone();
    let cid: i64 = scalar_text(
        &f,
        &format!("SELECT CAST(id AS TEXT) FROM nodes WHERE path = '{community}'"),
    )
    .await
    .unwrap()
    .parse()
    .unwrap();
    let got = wangge_store::volunteers::catalogue::approved(&mut conn.handle(), id, cid)
        .await
        .unwrap();
    assert_eq!(got.map(|a| a.points), Some(4));
    let (s, page) = f.page("cmd_a", "/vol/approvals").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("appr-row"));
}

#[tokio::test]
async fn vol_reg_imports_an_xlsx_and_skips_the_template_example() {
    let f = Kit::new().build().await;
    // The downloaded template, as is: only the example row, which is skipped.
    let (s, _, template) = f.get_bytes("gl_a", "/vol/volunteers/template.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    let parts = [Part::File("file", "t.xlsx", template)];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.import_empty");
    // A filled-in workbook: the example row plus two people.
    let columns: Vec<wangge_sheet::TemplateColumn> =
        ["姓名", "手机号", "楼栋", "单元", "岗位", "特长"]
            .iter()
            .map(|h| wangge_sheet::TemplateColumn {
                header: h,
                required: false,
                choices: None,
                text: true,
                width: 12.0,
            })
            .collect();
    let rows: Vec<Vec<String>> = [
        ["张三", "13800138000", "1栋", "1单元", "楼栋长", "水电维修"],
        ["周五", "15900001111", "5栋", "", "单元长", ""],
        ["吴六", "+86 15900002222", "6栋", "2单元", "", "摄影"],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect();
    let mut book = Vec::new();
    wangge_sheet::write_template(&mut book, "志愿者", &columns, &rows, None).unwrap();
    let parts = [Part::File("file", "v.xlsx", book)];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["imported"].as_array().unwrap().len(), 2, "{v}");
    let (_, list) = f
        .api(
            "gl_a",
            Method::GET,
            "/api/v1/volunteers?post=unit_leader",
            None,
        )
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["source"], "imported");
    let parts = [
        text("encoding", "latin1"),
        Part::File("file", "v.csv", csv(&["甲,13800000001,,,,"])),
    ];
    let (s, v) = f
        .multipart_as("gl_a", "/api/v1/volunteers/import", &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "import.encoding_invalid");
    // The page shows the report of a refused file with its rows.
    let file = csv(&["甲,13800000001,,,,", "乙,bad,,,,"]);
    let parts = [Part::File("file", "v.csv", file)];
    let (s, _, page) = f
        .post_multipart("/vol/volunteers/import", Some("gl_a"), &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("vol-import-problems") && page.contains("data-row=\"3\""),
        "{page}"
    );
}

/// The page's Chinese words outside tags, scripts and styles, but for data (the fixture's
/// node and user names) and the language switch.
fn english_leftovers(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut skip = false;
    let lower = html.to_string();
    let mut rest = lower.as_str();
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<style") || rest.starts_with("<script") {
            skip = true;
        }
        if rest.starts_with("</style>") || rest.starts_with("</script>") {
            skip = false;
        }
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag && !skip => text.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    text.split_whitespace()
        .filter(|w| !w.contains("节点") && !w.contains("用户") && *w != "中文")
        .filter(|w| w.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn vol_reg_pages_speak_english_and_decide_by_form() {
    let f = Kit::new().build().await;
    for (user, uri) in [
        ("gl_a", "/vol/volunteers"),
        ("cmd_a", "/vol/catalogue"),
        ("cmd_a", "/vol/approvals"),
        ("gl_a", "/vol/approvals"),
        ("", "/vol/apply"),
    ] {
        let mut b = Request::builder().uri(uri);
        let cookie = if user.is_empty() {
            "lang=en".to_string()
        } else {
            format!("wangge_session={}; lang=en", f.creds[user].1)
        };
        b = b.header(header::COOKIE, cookie);
        let (s, _, page) = f.send(b.body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(english_leftovers(&page), "", "{user} {uri}");
    }

    // Request and decide through the pages; a volunteer's detail and leaving.
    let form = "application/x-www-form-urlencoded";
    let body = "community=350102001001&title=%E9%99%AA%E8%AF%8A&points=3&reason=%E6%AF%8F%E5%91%A8";
    let (s, _, _) = f
        .form("gl_a", "/vol/approvals", form, body.as_bytes().to_vec())
        .await;
    assert!(s.is_redirection(), "{s}");
    let (_, list) = f
        .api(
            "cmd_a",
            Method::GET,
            "/api/v1/volunteers/approvals?status=pending",
            None,
        )
        .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (s, _, page) = f
        .form(
            "gl_a",
            &format!("/vol/approvals/{id}/decide"),
            form,
            b"decision=approve&note=ok".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{page}");
    let (s, _, _) = f
        .form(
            "cmd_a",
            &format!("/vol/approvals/{id}/decide"),
            form,
            b"decision=reject&note=%E5%86%8D%E8%AE%AE".to_vec(),
        )
        .await;
    assert!(s.is_redirection());
    let (_, a) = f
        .api(
            "gl_a",
            Method::GET,
            "/api/v1/volunteers/approvals?status=rejected",
            None,
        )
        .await;
    assert_eq!(a["items"][0]["decision_note"], "再议");

    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers",
            Some(application("13311112222")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let vid = v["volunteer"]["id"].as_i64().unwrap();
    let (s, page) = f.page("gl_a", &format!("/vol/volunteers/{vid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("133****2222") || !page.contains("13311112222"),
        "{page}"
    );
    assert!(page.contains("vol-leave"));
    let (s, _) = f.page("op_b", &format!("/vol/volunteers/{vid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = f
        .form(
            "gl_a",
            &format!("/vol/volunteers/{vid}/leave"),
            form,
            b"reason=%E6%90%AC%E5%AE%B6".to_vec(),
        )
        .await;
    assert!(s.is_redirection());
    let (_, row) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/volunteers/{vid}"),
            None,
        )
        .await;
    assert_eq!(row["status"], "left");
}

#[tokio::test]
async fn vol_reg_applications_are_rate_limited() {
    let f = Kit::new().build().await;
    let mut last = StatusCode::OK;
    for i in 0..40 {
        let (s, _) = f
            .anonymous(
                Method::POST,
                "/api/v1/volunteers/apply",
                Some(application(&format!("139{i:08}"))),
            )
            .await;
        last = s;
        if s == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(s, StatusCode::CREATED);
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
