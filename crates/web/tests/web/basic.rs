//! Basic information pages and API against a real database: scope (a worker sees only their
//! grid, a sibling grid's person is a 404), search by the blind index and by pinyin initials,
//! the audited reveal (reason required, one audit row, roles that may not), masked pages and
//! per-field form errors.

use crate::common::{FORM, Fixture, fixture, form_body};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::calendar::Date;

const A1: &str = "350102001001001";
const A2: &str = "350102001001002";

fn id_number(seq: u32) -> String {
    make_id_number("350102", Date::new(1980, 5, 17).unwrap(), seq)
}

impl Fixture {
    /// Registers a person through the form; returns the new id.
    async fn add_person(&self, user: &str, grid: &str, name: &str, id: &str, phone: &str) -> i64 {
        let body = form_body(&[
            ("grid_code", grid),
            ("name", name),
            ("id_number", id),
            ("phone", phone),
            ("residence", "registered"),
            ("ethnic", "汉族"),
            ("building", "1"),
            ("unit", "1"),
            ("room", "101"),
            ("household_no", &format!("H{}", &id[14..17])),
            ("relation", "head"),
        ]);
        let (s, h, text) = self.form(user, "/people/new", FORM, body).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{text}");
        let loc = h[header::LOCATION].to_str().unwrap();
        loc.trim_start_matches("/people/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn audit_rows(&self) -> Vec<Value> {
        let (s, v) = self
            .api(
                "admin_city",
                Method::GET,
                "/api/v1/audit?action=reveal",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_worker_sees_only_their_grid() {
    let f = fixture().await;
    let mine = f
        .add_person("gw_a1", A1, "张三", &id_number(11), "13912345678")
        .await;
    let theirs = f
        .add_person("gw_a2", A2, "李四", &id_number(23), "13987654321")
        .await;

    let (s, page) = f.page("gw_a1", "/people").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("张三"), "{page}");
    assert!(!page.contains("李四"));
    let (s, _) = f.page("gw_a1", &format!("/people/{theirs}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.page("gw_a1", &format!("/people/{mine}")).await;
    assert_eq!(s, StatusCode::OK);

    // The grid leader of the village sees both, can narrow to one grid, and picks from its grids.
    let (_, page) = f.page("gl_a", "/people").await;
    assert!(page.contains("张三") && page.contains("李四"));
    assert!(page.contains(&format!("<option value=\"{A1}\"")), "{page}");
    assert!(page.contains(&format!("<option value=\"{A2}\"")));
    let (_, page) = f.page("gl_a", &format!("/people?under={A2}")).await;
    assert!(!page.contains("张三") && page.contains("李四"));
    // A node outside the caller's area is not found; a search skips the area's counts.
    let (s, _) = f.page("gw_a1", &format!("/people?under={A2}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = f.page("gl_a", "/people?q=%E6%9D%8E").await;
    assert!(page.contains("李四") && !page.contains("data-testid=\"basic-counts\""));

    // The API answers alike.
    let (s, v) = f.api("gw_a1", Method::GET, "/api/v1/people", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["张三"]);
    let (s, v) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/people/{theirs}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{theirs}/reveal"),
            Some(json!({"secret": "person_id_number", "reason": "入户核实信息"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A worker of the other township sees neither.
    let (_, page) = f.page("gw_b1", "/people").await;
    assert!(!page.contains("张三") && !page.contains("李四"));
}

#[tokio::test]
async fn search_by_id_number_and_initials() {
    let f = fixture().await;
    let id = id_number(31);
    f.add_person("gw_a1", A1, "王小明", &id, "").await;
    f.add_person("gw_a1", A1, "赵六", &id_number(45), "").await;

    let (_, page) = f.page("gw_a1", &format!("/people?q={id}")).await;
    assert!(page.contains("王小明") && !page.contains("赵六"), "{page}");
    // Lower-case x or spaces around are the same number.
    let (_, v) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/people?q=%20{id}%20"),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    // An ID number nobody has finds nobody.
    let (_, v) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/people?q={}", id_number(33)),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");

    let (_, page) = f.page("gw_a1", "/people?q=%E7%8E%8B").await; // 王, a name prefix
    assert!(page.contains("王小明") && !page.contains("赵六"), "{page}");
    // An address finds nobody by name but offers the house (1栋1单元101室 from add_person).
    let (_, page) = f.page("gw_a1", "/people?q=1%E6%A0%8B").await; // 1栋
    assert!(page.contains("data-testid=\"houses-matching\""), "{page}");
    assert!(page.contains("1栋1单元101室"));
}

/// Pinyin initials of Chinese names, any case.
#[tokio::test]
async fn search_by_pinyin_initials() {
    let f = fixture().await;
    f.add_person("gw_a1", A1, "王小明", &id_number(31), "")
        .await;
    f.add_person("gw_a1", A1, "赵六", &id_number(45), "").await;
    let (_, page) = f.page("gw_a1", "/people?q=wxm").await;
    assert!(page.contains("王小明") && !page.contains("赵六"), "{page}");
    let (_, v) = f
        .api("gw_a1", Method::GET, "/api/v1/people?q=ZL", None)
        .await;
    assert_eq!(v["items"][0]["name"], "赵六", "{v}");
}

#[tokio::test]
async fn reveal_needs_a_reason_and_writes_one_audit_row() {
    let f = fixture().await;
    let id_no = id_number(51);
    let pid = f
        .add_person("gw_a1", A1, "陈明", &id_no, "13700001111")
        .await;

    // The page shows the mask only.
    let (s, page) = f.page("gw_a1", &format!("/people/{pid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains(&id_no), "full ID number on the page");
    assert!(!page.contains("13700001111"));
    assert!(page.contains(&id_no[..4]), "mask missing: {page}");
    let (_, list) = f.page("gw_a1", "/people").await;
    assert!(!list.contains(&id_no) && list.contains("陈明"));

    // No reason: 400, nothing written.
    let uri = format!("/api/v1/people/{pid}/reveal");
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &uri,
            Some(json!({"secret": "person_id_number", "reason": " "})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "basic.reason_required");
    let (s, _, page) = f
        .form(
            "gw_a1",
            &format!("/people/{pid}/reveal"),
            FORM,
            form_body(&[("secret", "person_id_number"), ("reason", "")]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(!page.contains(&id_no));
    assert!(f.audit_rows().await.is_empty());

    // With a reason: the value, not cached, and exactly one audit row naming the reason.
    let (s, h, v) = f
        .api_with_headers(
            "gw_a1",
            Method::POST,
            &uri,
            json!({"secret": "person_id_number", "reason": "办理低保核实身份"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert_eq!(v["value"], id_no.as_str());
    let rows = f.audit_rows().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["reason"], "办理低保核实身份");
    assert_eq!(rows[0]["subject_id"], pid);
    assert_eq!(rows[0]["column_name"], "id_number");

    // Through the page: shown in that response, not cached, one more row.
    let (s, h, page) = f
        .form(
            "gw_a1",
            &format!("/people/{pid}/reveal"),
            FORM,
            form_body(&[("secret", "person_phone"), ("reason", "电话回访核实")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("13700001111"));
    assert!(!page.contains(&id_no));
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert_eq!(f.audit_rows().await.len(), 2);
    // The next plain view is masked again.
    let (_, page) = f.page("gw_a1", &format!("/people/{pid}")).await;
    assert!(!page.contains("13700001111"));

    // Roles that may not reveal: 403 and no row.
    for user in ["leader", "cmd_a"] {
        let (s, v) = f
            .api(
                user,
                Method::POST,
                &uri,
                Some(json!({"secret": "person_id_number", "reason": "只是想看看"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {v}");
    }
    // A department handler does not read the register at all.
    let (s, _) = f.page("dept_a", "/people").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(f.audit_rows().await.len(), 2);

    // The audit page shows the reasons; only administrators open it.
    let (s, page) = f.page("admin_city", "/audit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("办理低保核实身份") && page.contains("电话回访核实"));
    let (s, page) = f.page("admin_city", "/audit?verify=1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-ok=\"true\""), "{page}");
    let (s, _) = f.page("gw_a1", "/audit").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/audit", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Searching by actor, subject and dates.
    let (_, page) = f.page("admin_city", "/audit?actor=gw_a1").await;
    assert_eq!(page.matches("class=\"audit-row\"").count(), 2, "{page}");
    let (_, page) = f.page("admin_city", "/audit?actor=gl_a").await;
    assert_eq!(page.matches("class=\"audit-row\"").count(), 0);
    let (_, page) = f.page("admin_city", "/audit?actor=nobody").await;
    assert!(page.contains("form-msg error"));
    let (_, v) = f
        .api(
            "admin_city",
            Method::GET,
            &format!("/api/v1/audit?table=people&subject={pid}&from=2000-01-01"),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    let (_, v) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/audit?to=2000-01-01",
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    let (s, v) = f
        .api("admin_city", Method::POST, "/api/v1/audit/verify", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ok"], true);
    assert_eq!(v["checked"], 2);
}

#[tokio::test]
async fn form_errors_name_the_field() {
    let f = fixture().await;
    let mut bad = id_number(61);
    // Break the check character.
    let last = bad.pop().unwrap();
    bad.push(if last == '1' { '2' } else { '1' });
    let body = form_body(&[
        ("grid_code", A1),
        ("name", "错号"),
        ("id_number", &bad),
        ("residence", "registered"),
        ("phone", "12345"),
    ]);
    let (s, _, page) = f.form("gw_a1", "/people/new", FORM, body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("data-testid=\"field-error\" data-field=\"id_number\""),
        "{page}"
    );
    assert!(page.contains("data-testid=\"field-error\" data-field=\"phone\""));
    assert!(!page.contains("data-testid=\"field-error\" data-field=\"name\""));
    // Nothing was written.
    let (_, v) = f.api("gw_a1", Method::GET, "/api/v1/people", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);

    // The API lists the fields.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/people",
            Some(json!({"grid_code": A1, "name": "", "id_number": bad, "residence": "registered"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let fields: Vec<&str> = v["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"id_number") && fields.contains(&"name"),
        "{v}"
    );

    // A worker cannot register into the sibling grid.
    let body = form_body(&[
        ("grid_code", A2),
        ("name", "越界"),
        ("id_number", &id_number(63)),
        ("residence", "registered"),
    ]);
    let (s, _, _) = f.form("gw_a1", "/people/new", FORM, body).await;
    assert_ne!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn edit_keeps_secrets_and_tags_are_for_keepers() {
    let f = fixture().await;
    let id_no = id_number(71);
    let pid = f
        .add_person("gw_a1", A1, "周七", &id_no, "13600002222")
        .await;
    // Edit with the secrets left blank keeps them.
    let body = form_body(&[
        ("grid_code", A1),
        ("name", "周七七"),
        ("id_number", ""),
        ("phone", ""),
        ("residence", "resident"),
    ]);
    let (s, _, text) = f
        .form("gw_a1", &format!("/people/{pid}/edit"), FORM, body)
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{text}");
    let (_, v) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/people/{pid}"), None)
        .await;
    assert_eq!(v["name"], "周七七");
    assert_eq!(v["phone_masked"], "136****2222");
    assert_eq!(v["history"].as_array().unwrap().len(), 2, "{v}");
    // The page's history says what each field was.
    let (_, page) = f.page("gw_a1", &format!("/people/{pid}")).await;
    assert!(page.contains("姓名:周七 → 周七七"), "{page}");
    assert!(
        page.contains("人口类型:registered → resident") || page.contains("人口类型:户籍 → 常住")
    );
    assert!(!page.contains(&id_no));

    // Tags: added by the worker, visible to the worker, hidden from the leader.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{pid}/tags"),
            Some(json!({"group": "disabled"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, page) = f.page("gw_a1", &format!("/people/{pid}")).await;
    assert!(page.contains("残疾人"));
    let (_, page) = f.page("leader", &format!("/people/{pid}")).await;
    assert!(!page.contains("残疾人"));
    let (s, _) = f
        .api(
            "leader",
            Method::GET,
            &format!("/api/v1/people/{pid}/tags"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = f
        .api("gw_a1", Method::GET, "/api/v1/people?tag=disabled", None)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    // Counts: one household, one person, one tag; the public board shows no tags.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/counts?under={A1}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["people"], 1);
    assert_eq!(v["by_tag"]["disabled"], 1, "{v}");
    let (_, v) = f
        .api(
            "leader",
            Method::GET,
            &format!("/api/v1/counts?under={A1}"),
            None,
        )
        .await;
    assert!(v.get("by_tag").is_none_or(Value::is_null), "{v}");

    // Ending the tag (through the page) drops the person from the tag's list.
    let (_, v) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/people/{pid}/tags"),
            None,
        )
        .await;
    let tag_id = v["items"][0]["id"].as_i64().unwrap();
    // Not through another person's path.
    let other = f.add_person("gw_a1", A1, "吴十", &id_number(73), "").await;
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{other}/tags/{tag_id}/end"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = f
        .form(
            "gw_a1",
            &format!("/people/{pid}/tags/{tag_id}/end"),
            FORM,
            Vec::new(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = f
        .api("gw_a1", Method::GET, "/api/v1/people?tag=disabled", None)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    // Removal keeps the record, marked removed, out of the list.
    let (s, _, _) = f
        .form("gw_a1", &format!("/people/{pid}/remove"), FORM, Vec::new())
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = f.api("gw_a1", Method::GET, "/api/v1/people", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["id"], other);
    let (_, page) = f.page("gw_a1", &format!("/people/{pid}")).await;
    assert!(page.contains("data-testid=\"person-removed\""));
}

#[tokio::test]
async fn houses_orgs_and_objects() {
    let f = fixture().await;
    // A point in the sibling grid is refused on the point's field.
    let house = json!({"grid_code": A1, "building": "3", "unit": "2", "room": "501",
        "use_kind": "rented", "owner_name": "房东甲", "owner_phone": "13511112222",
        "lon": 119.15, "lat": 26.05, "tenant_name": "租客乙", "rental_start": "2025-01-01"});
    let (s, v) = f
        .api("gw_a1", Method::POST, "/api/v1/houses", Some(house.clone()))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["details"]["fields"][0]["field"], "lon", "{v}");
    let mut inside = house.clone();
    inside["lon"] = json!(119.05);
    let (s, v) = f
        .api("gw_a1", Method::POST, "/api/v1/houses", Some(inside))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let hid = v["id"].as_i64().unwrap();
    let (s, page) = f.page("gw_a1", &format!("/houses/{hid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("租客乙") && !page.contains("13511112222"));
    let (_, page) = f.page("gw_a1", "/houses?q=501").await;
    assert!(page.contains(&format!("/houses/{hid}")), "{page}");
    let (s, _) = f.page("gw_a2", &format!("/houses/{hid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/houses/{hid}/reveal"),
            Some(json!({"secret": "house_owner_phone", "reason": "联系房东核实"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"], "13511112222");

    // Organisations filter by kind and key supervision.
    for (name, kind, key) in [("甲公司", "enterprise", true), ("乙小学", "school", false)] {
        let (s, v) = f
            .api(
                "gw_a1",
                Method::POST,
                "/api/v1/orgs",
                Some(
                    json!({"grid_code": A1, "name": name, "kind": kind, "contact_name": "联系人",
                    "address": "某路1号", "key_supervised": key, "safety_grade": "B"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (_, v) = f
        .api(
            "gw_a1",
            Method::GET,
            "/api/v1/orgs?key_supervised=true",
            None,
        )
        .await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["甲公司"]);
    let (_, page) = f.page("gw_a1", "/orgs?kind=school").await;
    assert!(page.contains("乙小学") && !page.contains("甲公司"));

    // Objects: the point must lie in the grid; filters by condition.
    let (s, _, page) = f
        .form(
            "gw_a1",
            "/objects/new",
            FORM,
            form_body(&[
                ("grid_code", A1),
                ("code", "HY-001"),
                ("kind", "hydrant"),
                ("lon", "119.35"),
                ("lat", "26.05"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-testid=\"field-error\" data-field=\"lon\""));
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/objects",
            Some(json!({"grid_code": A1, "code": "HY-001", "kind": "hydrant",
                "lon": 119.05, "lat": 26.05, "condition": "damaged"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, page) = f.page("gw_a1", "/objects?condition=damaged").await;
    assert!(page.contains("HY-001"));
    let (_, page) = f.page("gw_a1", "/objects?condition=good").await;
    assert!(!page.contains("HY-001"));
    let (_, v) = f.api("gw_a1", Method::GET, "/api/v1/counts", None).await;
    assert_eq!(v["houses"], 1, "{v}");
    assert_eq!(v["orgs"], 2);
    assert_eq!(v["objects"], 1);
}

#[tokio::test]
async fn counts_on_grid_village_and_board() {
    let f = fixture().await;
    let pid = f.add_person("gw_a1", A1, "孙八", &id_number(81), "").await;
    f.add_person("gw_a1", A1, "孙九", &id_number(83), "").await;
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{pid}/tags"),
            Some(json!({"group": "alone_elderly"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, page) = f.page("gw_a1", &format!("/grids/{A1}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"basic-counts\""), "{page}");
    assert!(page.contains("独居老人"), "tags missing for a worker");
    // The card's figures come from the register.
    assert!(page.contains("<dd>2</dd>"), "{page}");
    let (_, page) = f.page("leader", &format!("/grids/{A1}")).await;
    assert!(page.contains("data-testid=\"basic-counts\"") && !page.contains("独居老人"));
    let (_, page) = f.page("gl_a", "/tree/350102001001").await;
    assert!(page.contains("data-testid=\"basic-counts\""), "{page}");
    // The public board: households and people, never tags.
    let (s, page) = f.page("gw_a1", &format!("/grids/{A1}/board")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"board-people\">2<"), "{page}");
    assert!(!page.contains("独居老人"));
    // The map's popups: households and people per grid.
    let (s, v) = f
        .api("gl_a", Method::GET, "/api/v1/grids.geojson", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let people: Vec<(String, i64)> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["properties"]["code"].as_str().unwrap().to_string(),
                g["properties"]["people"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(people, vec![(A1.to_string(), 2), (A2.to_string(), 0)]);
    // A department handler's tree page has no register card.
    let (_, page) = f.page("dept_a", "/tree/350102001000D01").await;
    assert!(!page.contains("data-testid=\"basic-counts\""));
}

#[tokio::test]
async fn wide_counts_are_kept_for_a_minute_and_grids_counted_fresh() {
    let f = fixture().await;
    let count = |under: &'static str| {
        let f = &f;
        async move {
            let (s, v) = f
                .api(
                    "admin_city",
                    Method::GET,
                    &format!("/api/v1/counts?under={under}"),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["people"].as_i64().unwrap()
        }
    };
    let township = "350102001000";
    let (before_twp, before_grid) = (count(township).await, count(A1).await);
    f.add_person("gw_a1", A1, "王五", &id_number(77), "13700001111")
        .await;
    assert_eq!(count(A1).await, before_grid + 1, "a grid is counted fresh");
    assert_eq!(count(township).await, before_twp, "a township is kept");
    f.state.clock.advance(61_000);
    assert_eq!(
        count(township).await,
        before_twp + 1,
        "and read again after a minute"
    );
}
