//! The assessment's rule sets (issue 16, rules part) over HTTP: the shipped set in force until
//! a version is kept; a version kept for a later quarter changes nothing before it; refusals
//! name their reason (past quarter, unknown measure, a village, both or neither of base and
//! rules) and write nothing; who may read and keep; the page shows the sets readably, edits a
//! copy of a shipped set and shows a refusal again with what was typed.

use crate::common::{FORM, Fixture, Kit, form_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use wangge_domain::assessment::scheme::Scheme;

/// Wednesday 2 December 2026 (2026Q4), 10:00 in China.
const NOW: &str = "2026-12-02T10:00:00+08:00";
const TWP_A: &str = "350102001000";
const VIL_A: &str = "350102001001";
const API: &str = "/api/v1/assessment/rules";

async fn fixture() -> Fixture {
    Kit::new().clock(NOW).build().await
}

async fn post(f: &Fixture, user: &str, body: Value) -> (StatusCode, Value) {
    f.api(user, Method::POST, API, Some(body)).await
}

async fn versions(f: &Fixture) -> usize {
    let (s, v) = f.api("admin_a", Method::GET, API, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["versions"].as_array().unwrap().len()
}

#[tokio::test]
async fn versions_take_effect_from_their_quarter() {
    let f = fixture().await;
    let (s, v) = f.api("admin_a", Method::GET, API, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["quarter"], "2026Q4");
    assert_eq!(v["in_force"]["id"], Value::Null);
    assert_eq!(v["in_force"]["rules"]["name"], "quarter100");
    assert_eq!(v["shipped"], json!(["quarter100", "thousand"]));

    let (s, kept) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q1", "base": "thousand", "note": "改千分制"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{kept}");
    assert_eq!(kept["version"], 1);
    assert_eq!(kept["node_code"], TWP_A);
    assert_eq!(kept["rules"]["total"], 100_000);
    // Not yet in force this quarter; in force from 2027Q1, at a grid of the township too.
    let (_, v) = f.api("admin_a", Method::GET, API, None).await;
    assert_eq!(v["in_force"]["id"], Value::Null);
    let (_, v) = f
        .api(
            "admin_a",
            Method::GET,
            &format!("{API}?quarter=2027Q1"),
            None,
        )
        .await;
    assert_eq!(v["in_force"]["id"], kept["id"]);
    let (_, v) = f
        .api(
            "cmd_a",
            Method::GET,
            &format!("{API}?quarter=2027q2&node=350102001001001"),
            None,
        )
        .await;
    assert_eq!(v["in_force"]["rules"]["name"], "thousand", "{v}");
    assert_eq!(v["versions"][0]["note"], "改千分制");

    // An edited copy of the seed's set, from this quarter.
    let mut edited = serde_json::to_value(Scheme::quarter100()).unwrap();
    edited["grades"]["qualified_min"] = json!(6500);
    let (s, kept2) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2026Q4", "rules": edited}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{kept2}");
    assert_eq!(kept2["version"], 2);
    let (_, v) = f.api("admin_a", Method::GET, API, None).await;
    assert_eq!(v["in_force"]["id"], kept2["id"]);
    assert_eq!(v["in_force"]["rules"]["grades"]["qualified_min"], 6500);
    // The other township keeps the shipped set.
    let (_, v) = f.api("op_b", Method::GET, API, None).await;
    assert_eq!(v["in_force"]["id"], Value::Null);
}

#[tokio::test]
async fn refusals_name_the_reason_and_write_nothing() {
    let f = fixture().await;
    let code = |v: &Value| v["code"].as_str().unwrap_or_default().to_string();

    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2026Q3", "base": "quarter100"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "assess.rules_past".into())
    );
    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q5", "base": "quarter100"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "assess.quarter_invalid".into())
    );
    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q1", "base": "nope"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (
            StatusCode::BAD_REQUEST,
            "assess.rules_shipped_unknown".into()
        )
    );
    let (s, v) = post(&f, "admin_a", json!({"effective_from": "2027Q1"})).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "assess.rules_base_or_rules".into())
    );

    let mut bad = serde_json::to_value(Scheme::quarter100()).unwrap();
    bad["items"][4]["deductions"][0]["measure"] = json!("visits_missed");
    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q1", "rules": bad}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (
            StatusCode::BAD_REQUEST,
            "assess.rules_unknown_measure".into()
        )
    );
    assert!(
        v["message"].as_str().unwrap().contains("visits_missed"),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("items[4].deductions[0].measure"),
        "{v}"
    );

    let mut uneven = serde_json::to_value(Scheme::quarter100()).unwrap();
    uneven["items"][0]["points"] = json!(1200);
    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q1", "rules": uneven}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "assess.rules_points_sum".into())
    );

    let (s, v) = post(
        &f,
        "admin_a",
        json!({"effective_from": "2027Q1", "base": "quarter100", "node": VIL_A}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "assess.rules_node".into())
    );
    assert_eq!(versions(&f).await, 0);
}

#[tokio::test]
async fn who_reads_and_who_keeps() {
    let f = fixture().await;
    let body = json!({"effective_from": "2027Q1", "base": "quarter100"});
    // A grid worker neither reads nor keeps; an operator reads but does not keep.
    let (s, _) = f.api("gw_a1", Method::GET, API, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.api("op_a", Method::GET, API, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = post(&f, "op_a", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Another township reads as missing, for reading and for keeping.
    let (s, v) = f
        .api("op_b", Method::GET, &format!("{API}?node={TWP_A}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = f.page("gw_a1", "/assess/rules").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(versions(&f).await, 0);
}

#[tokio::test]
async fn the_page_shows_the_sets_and_keeps_an_edited_copy() {
    let f = fixture().await;
    let (s, page) = f.page("admin_a", "/assess/rules").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("rules-form") && page.contains("rules-in-force"),
        "{page}"
    );
    // The seed's items, readably, and both shipped sets.
    assert!(
        page.contains("入户走访") && page.contains("每次扣 0.1 分"),
        "{page}"
    );
    assert_eq!(page.matches("data-testid=\"rules-shipped-set\"").count(), 2);
    assert!(!page.contains("rules-next"));

    // A copy of the 1,000-point set in the form.
    let (s, page) = f.page("admin_a", "/assess/rules?base=thousand").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("family_planning") && page.contains("千分制"),
        "{page}"
    );
    let (s, _) = f.page("admin_a", "/assess/rules?base=987654").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Bad JSON shows the form again with where it went wrong and what was typed.
    let bad = [
        ("node", TWP_A),
        ("effective_from", "2027Q1"),
        ("rules", "{\"name\": \"quarter100\",\n \"totl\": 1}"),
        ("note", "试"),
    ];
    let (s, _, page) = f
        .form("admin_a", "/assess/rules", FORM, form_body(&bad))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("rules-error") && page.contains("第 2 行"),
        "{page}"
    );
    assert!(page.contains("totl"), "{page}");

    let json = serde_json::to_string_pretty(&Scheme::thousand()).unwrap();
    let good = [
        ("node", TWP_A),
        ("effective_from", "2027Q1"),
        ("rules", json.as_str()),
        ("note", "下季度起千分制"),
    ];
    let (s, h, _) = f
        .form("admin_a", "/assess/rules", FORM, form_body(&good))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["location"].to_str().unwrap().contains("saved=1"));
    let (_, page) = f.page("admin_a", "/assess/rules?saved=1").await;
    assert!(page.contains("rules-saved"));
    assert_eq!(page.matches("data-testid=\"rules-version\"").count(), 1);
    // Not this quarter's: shown as the set from next quarter, with its vetoes.
    assert!(
        page.contains("rules-next") && page.contains("rules-vetoes"),
        "{page}"
    );

    // A village leader reads the rules (the township's version above them) without a form.
    let (s, page) = f.page("gl_a", "/assess/rules").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("rules-form"));
    assert_eq!(page.matches("data-testid=\"rules-version\"").count(), 1);
}
