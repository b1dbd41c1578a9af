//! The assessment's reports through the real router (issue 16, parts 9–10): a township's
//! ranking of the results in force (a correction marked), its workbook, the county's
//! comparison sorted, the year-end summary paginated; another township's office gets 404, a
//! worker 403, bad parameters a clear 400. Closed quarters are seeded as the close part writes
//! them.

use crate::common::{Fixture, fixture};
use axum::http::{Method, StatusCode, header};
use serde_json::Value;
use wangge_store::Db;

const TWP_A: &str = "350102001000";

async fn exec(f: &Fixture, sql: String) {
    let sql = sqlx::AssertSqlSafe(sql);
    match &f.state.db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

/// A result row of the quarter closed at township A: (user, grid, total, grade, rank, pay).
async fn result(f: &Fixture, seq: i64, r: (&str, &str, i64, &str, i64, i64), kind: &str) {
    let (user, grid, total, grade, rank, pay) = r;
    exec(
        f,
        format!(
            "INSERT INTO assess_results (quarter_id, seq, quarter, user_id, user_name, grid_id, path, \
             kind, corrects_id, reason, total_centi, basic_centi, satisfaction_centi, grade, rank, \
             pay_cents, unqualified_streak, not_reengage, veto, sheet_json, created_by, \
             created_by_name, created_at, prev_hash, hash) SELECT q.id, {seq}, '2026Q3', {}, '{user}', \
             n.id, n.path, '{kind}', NULL, '', {total}, {total}, 0, '{grade}', {rank}, {pay}, 0, FALSE, \
             NULL, '{{}}', NULL, 'tester', 1, 'p', 'h' FROM assess_quarters q, nodes n \
             WHERE q.quarter = '2026Q3' AND n.code = '{grid}'",
            f.ids[user]
        ),
    )
    .await;
}

async fn close_a(f: &Fixture) {
    exec(
        f,
        format!(
            "INSERT INTO assess_quarters (node_id, path, quarter, rules_id, rules_json, subsidy_cents, \
             reward_pool_cents, workers, closed_by, closed_by_name, closed_at) SELECT id, path, \
             '2026Q3', NULL, '{{}}', 150000, 30000, 2, NULL, 'tester', 1 FROM nodes WHERE code = '{TWP_A}'"
        ),
    )
    .await;
    result(
        f,
        1,
        ("gw_a1", "350102001001001", 9150, "excellent", 1, 61234),
        "close",
    )
    .await;
    result(
        f,
        2,
        ("gw_a2", "350102001001002", 5500, "unqualified", 2, 0),
        "close",
    )
    .await;
    // An accepted appeal: gw_a2's corrected result is in force.
    result(
        f,
        3,
        ("gw_a2", "350102001001002", 7000, "qualified", 2, 45000),
        "correction",
    )
    .await;
}

#[tokio::test]
async fn ranking_compare_and_year() {
    let f = fixture().await;
    let ranking = format!("/api/v1/assessment/ranking?quarter=2026Q3&node={TWP_A}");

    // Open: said so, no rows; the page links to the quarters.
    let (s, v) = f.api("op_a", Method::GET, &ranking, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["closed"], Value::Bool(false));
    assert!(v["rows"].as_array().unwrap().is_empty());
    let (s, html) = f
        .page(
            "op_a",
            &format!("/assess/ranking?quarter=2026Q3&node={TWP_A}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"ranking-quarters\""), "{html}");
    let (s, _, _) = f
        .get_bytes(
            "op_a",
            &format!("/assess/ranking.xlsx?quarter=2026Q3&node={TWP_A}"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    close_a(&f).await;
    let (s, v) = f.api("op_a", Method::GET, &ranking, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[0]["user_id"], f.ids["gw_a1"]);
    assert_eq!(rows[1]["grade"], "qualified");
    assert_eq!(rows[1]["corrected"], Value::Bool(true));
    assert_eq!(
        rows[0]["sheet_href"],
        format!("/assess/sheet/{}/2026Q3", f.ids["gw_a1"])
    );
    assert_eq!(v["pay_total_cents"], 106_234);
    assert_eq!(v["counts"]["unqualified"], 0);

    // The page: pay in yuan with two decimals, the correction marked, each worker linked.
    let (s, html) = f.page("cmd_a", "/assess/ranking?quarter=2026Q3").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("612.34"), "{html}");
    assert_eq!(html.matches("data-testid=\"ranking-row\"").count(), 2);
    assert!(html.contains("data-testid=\"ranking-corrected\""));
    assert!(html.contains(&format!("/assess/sheet/{}/2026Q3", f.ids["gw_a2"])));
    let (s, h, body) = f
        .get_bytes(
            "op_a",
            &format!("/assess/ranking.xlsx?quarter=2026Q3&node={TWP_A}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert_eq!(&body[..2], b"PK");

    // Another township's office, a worker, bad parameters.
    let (s, v) = f.api("op_b", Method::GET, &ranking, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = f.api("gw_a1", Method::GET, &ranking, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/ranking?quarter=2026Q7",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("assess.quarter_invalid"))
    );
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/ranking?quarter=2026Q3&node=350102001001",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("assess.ranking_node"))
    );

    // The county: A closed, B open; sorted by mean; a county's ranking page leads there.
    let (s, v) = f
        .api(
            "leader",
            Method::GET,
            "/api/v1/assessment/compare?quarter=2026Q3&sort=mean",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{v}");
    assert_eq!(lines[0]["code"], TWP_A);
    assert_eq!(lines[0]["mean_centi"], 8075);
    assert_eq!(lines[0]["excellent_permille"], 500);
    assert_eq!(lines[1]["closed"], Value::Bool(false));
    let (s, v) = f
        .api(
            "leader",
            Method::GET,
            "/api/v1/assessment/compare?sort=name",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("assess.sort_invalid"))
    );
    let (s, html) = f
        .page("leader", "/assess/compare?quarter=2026Q3&sort=pay")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(html.matches("data-testid=\"compare-row\"").count(), 2);
    let (s, h, _) = f.get("leader", "/assess/ranking?quarter=2026Q3").await;
    assert!(s.is_redirection(), "{s}");
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/assess/compare?quarter=2026Q3")
    );

    // The year.
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/year?year=2026",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 2, "{v}");
    let a2 = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["worker"]["user_id"] == f.ids["gw_a2"])
        .unwrap();
    assert_eq!(a2["quarters"][2]["corrected"], Value::Bool(true));
    assert_eq!(a2["quarters"][0], Value::Null);
    assert_eq!(a2["mean_centi"], 7000);
    let (s, v) = f
        .api("op_a", Method::GET, "/api/v1/assessment/year?page=0", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("assess.page_invalid"))
    );
    let (s, html) = f.page("op_a", "/assess/year?year=2026").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(html.matches("data-testid=\"year-row\"").count(), 2);
}
