//! An ID number registered outside the caller's area (issue 13, finding 2), through the real
//! router: the API and the form answer 409 `basic.registered_elsewhere` naming no grid, with an
//! audit row holding the person's id and never the number; a dry-run import says the same per
//! row; inside the area the refusal still names the grid. Then the transfer (人口迁入): the
//! worker asks, an operator who is not the lowest common office sees nothing, the county's
//! operator approves and the person lives in the worker's grid; a refusal leaves them be.

use crate::common::{FORM, Fixture, Kit, form_body};
use crate::imports::{import, problems};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::Role;
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::calendar::Date;

const A1: &str = "350102001001001";
const A2: &str = "350102001001002";
const B1: &str = "350102002001001";
/// What grid A1 is called in the fixture's tree.
const A1_NAME: &str = "节点350102001001001";

fn id_number(seq: u32) -> String {
    make_id_number("350102", Date::new(1975, 9, 3).unwrap(), seq)
}

/// The standard tree with an operator at the county: the lowest office above grids A1 and B1.
async fn fixture() -> Fixture {
    Kit::new()
        .more_staff(&[("op_county", Role::Operator, "350102000000")])
        .build()
        .await
}

fn person_body(grid: &str, name: &str, id: &str) -> Value {
    json!({
        "grid_code": grid,
        "name": name,
        "id_number": id,
        "residence": "registered",
        "ethnic": "汉族",
    })
}

impl Fixture {
    /// Registers a person through the API; their id.
    async fn register(&self, user: &str, grid: &str, name: &str, id: &str) -> i64 {
        let (s, v) = self
            .api(
                user,
                Method::POST,
                "/api/v1/people",
                Some(person_body(grid, name, id)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn conflicts(&self) -> Vec<Value> {
        let (s, v) = self
            .api(
                "admin_city",
                Method::GET,
                "/api/v1/audit?action=id_conflict",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }
}

/// Nothing in `text` says where the person of grid A1 lives.
fn names_no_grid(text: &str) {
    for where_ in [A1, A1_NAME, "350102001001", "350102001000"] {
        assert!(!text.contains(where_), "{where_} in {text}");
    }
}

#[tokio::test]
async fn out_of_scope_conflicts_name_no_grid_and_are_audited() {
    let f = fixture().await;
    let idn = id_number(11);
    let pid = f.register("gw_a1", A1, "张三", &idn).await;

    // The API.
    let (s, v) = f
        .api(
            "gw_b1",
            Method::POST,
            "/api/v1/people",
            Some(person_body(B1, "冒名", &idn)),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "basic.registered_elsewhere");
    assert_eq!(v["details"]["transfer"], "/api/v1/transfers");
    names_no_grid(&v.to_string());

    // The form: the same, and the offer of a transfer carrying the number typed.
    let body = form_body(&[
        ("grid_code", B1),
        ("name", "冒名"),
        ("id_number", &idn),
        ("residence", "registered"),
    ]);
    let (s, _, page) = f.form("gw_b1", "/people/new", FORM, body).await;
    assert_eq!(s, StatusCode::CONFLICT);
    names_no_grid(&page);
    assert!(page.contains("data-testid=\"transfer-offer\""), "{page}");
    assert!(page.contains("action=\"/transfers\""));

    // One audit row each, naming the person, never the number.
    let rows = f.conflicts().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in &rows {
        assert_eq!(r["subject_id"], pid);
        assert_eq!(r["subject_table"], "people");
        assert_eq!(r["actor_user_id"], f.ids["gw_b1"]);
        assert!(!r.to_string().contains(&idn), "{r}");
    }
    // Nobody was registered twice.
    let (_, list) = f
        .api("admin_city", Method::GET, "/api/v1/people", None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn inside_the_area_the_conflict_still_names_the_grid() {
    let f = fixture().await;
    let idn = id_number(12);
    f.register("gw_a1", A1, "张三", &idn).await;
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/people",
            Some(person_body(A2, "同村", &idn)),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "basic.duplicate_id");
    assert!(v["message"].as_str().unwrap().contains(A1), "{v}");
    assert_eq!(f.conflicts().await.len(), 1);
}

#[tokio::test]
async fn a_dry_run_import_names_no_grid_and_is_audited() {
    let f = fixture().await;
    let idn = id_number(13);
    let pid = f.register("gw_a1", A1, "张三", &idn).await;
    let csv = format!(
        "网格编码,姓名,身份证号,人口类型,出生日期,联系电话\n{B1},张三,{idn},常住,1975-09-03,\n"
    );
    let report = import(
        &f,
        "gw_b1",
        "people",
        "dry_run",
        "",
        "p.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(
        problems(&report),
        vec![(
            Some(2),
            "id_number".to_string(),
            "basic.registered_elsewhere".to_string()
        )],
        "{report}"
    );
    names_no_grid(&report.to_string());
    let rows = f.conflicts().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["subject_id"], pid);
    assert!(!rows[0].to_string().contains(&idn));
}

/// The worker of B1 asks for the person of A1; only the county (above both townships) decides.
async fn ask(f: &Fixture, idn: &str) -> i64 {
    let (s, v) = f
        .api(
            "gw_b1",
            Method::POST,
            "/api/v1/transfers",
            Some(json!({ "id_number": idn, "reason": "已搬来本网格居住" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["to_grid_code"], B1);
    assert!(v["person"].is_null(), "{v}");
    names_no_grid(&v.to_string());
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_lowest_common_office_approves_and_the_person_moves() {
    let f = fixture().await;
    let idn = id_number(14);
    let pid = f.register("gw_a1", A1, "张三", &idn).await;
    let id = ask(&f, &idn).await;
    let one = format!("/api/v1/transfers/{id}");

    // Township A's operator (the person's side), B's, a leader: as if it did not exist.
    for who in ["op_a", "op_b", "leader", "gw_a1"] {
        let (s, v) = f.api(who, Method::GET, &one, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {v}");
        assert_eq!(v["code"], "transfer.not_found");
        let (s2, v2) = f
            .api(who, Method::GET, "/api/v1/transfers/999999", None)
            .await;
        assert_eq!(
            (s2, &v2["code"]),
            (s, &v["code"]),
            "the same for no request"
        );
        let (s, _) = f
            .api(
                who,
                Method::POST,
                &format!("{one}/approve"),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
    }
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/transfers?which=to_decide",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    // The requester reads the status but cannot decide.
    let (s, v) = f.api("gw_b1", Method::GET, &one, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["may_decide"], false);
    let (s, _) = f
        .api(
            "gw_b1",
            Method::POST,
            &format!("{one}/approve"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The county's operator sees both grids and approves.
    let (s, v) = f
        .api(
            "op_county",
            Method::GET,
            "/api/v1/transfers?which=to_decide&status=pending",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["id"], id, "{v}");
    assert_eq!(v["items"][0]["person"]["grid_code"], A1);
    let (s, v) = f
        .api(
            "op_county",
            Method::POST,
            &format!("{one}/approve"),
            Some(json!({ "note": "核实" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "approved");

    let person = format!("/api/v1/people/{pid}");
    let (s, v) = f.api("gw_b1", Method::GET, &person, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["grid_code"], B1);
    assert!(
        v["history"].as_array().unwrap().len() >= 2,
        "the move is in the history: {v}"
    );
    let (s, _) = f.api("gw_a1", Method::GET, &person, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = f.api("gw_b1", Method::GET, &one, None).await;
    assert_eq!(v["person"]["grid_code"], B1);
    // Approved once: a second decision is refused.
    let (s, v) = f
        .api(
            "op_county",
            Method::POST,
            &format!("{one}/refuse"),
            Some(json!({ "note": "x" })),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("transfer.decided"))
    );
    for action in ["transfer_request", "transfer_approve"] {
        let (_, v) = f
            .api(
                "admin_city",
                Method::GET,
                &format!("/api/v1/audit?action={action}"),
                None,
            )
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{action}: {v}");
    }
}

#[tokio::test]
async fn a_refusal_on_the_page_leaves_the_person_where_they_were() {
    let f = fixture().await;
    let idn = id_number(15);
    let pid = f.register("gw_a1", A1, "张三", &idn).await;
    // Asked from the offer on the refused form.
    let body = form_body(&[("id_number", &idn), ("grid_code", B1), ("reason", "已搬来")]);
    let (s, h, text) = f.form("gw_b1", "/transfers", FORM, body).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{text}");
    let loc = h[header::LOCATION].to_str().unwrap().to_string();
    assert!(loc.starts_with("/transfers/"), "{loc}");
    let id: i64 = loc["/transfers/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (s, page) = f.page("gw_b1", &loc).await;
    assert_eq!(s, StatusCode::OK);
    names_no_grid(&page);
    assert!(
        !page.contains("张三"),
        "the requester does not see the person yet"
    );

    // Home and the menu lead the county's operator to it.
    let (_, home) = f.page("op_county", "/").await;
    assert!(home.contains("data-testid=\"home-transfers\""), "{home}");
    let (_, me) = f.page("op_county", "/me").await;
    assert!(me.contains("href=\"/transfers\""));
    let (_, list) = f.page("op_county", "/transfers").await;
    assert!(list.contains(&format!("/transfers/{id}")), "{list}");
    let (_, detail) = f.page("op_county", &format!("/transfers/{id}")).await;
    assert!(detail.contains("张三") && detail.contains(A1), "{detail}");

    // A refusal needs its note; then it stands.
    let url = format!("/transfers/{id}/refuse");
    let (s, _, _) = f
        .form("op_county", &url, FORM, form_body(&[("note", "")]))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = f
        .form("op_county", &url, FORM, form_body(&[("note", "仍住原址")]))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // An operator elsewhere gets the error page that reveals nothing.
    let (s, _, _) = f
        .form(
            "op_a",
            &format!("/transfers/{id}/approve"),
            FORM,
            form_body(&[]),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/people/{pid}"), None)
        .await;
    assert_eq!(v["grid_code"], A1);
    let (_, v) = f
        .api(
            "gw_b1",
            Method::GET,
            &format!("/api/v1/transfers/{id}"),
            None,
        )
        .await;
    assert_eq!(v["status"], "refused");
    assert_eq!(v["decision_note"], "仍住原址");
    assert!(v["person"].is_null());
}
