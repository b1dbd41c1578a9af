//! Quarter close and appeals through the real router (issue 16, parts 7 and 8): a close before
//! the quarter ends is a 409, a worker may not close, another township's node is not found; the
//! township closes once (201, then 409), sees its results and pages; a worker appeals one
//! deduction of their result once, the township rejects it; another township sees nothing.

use crate::common::Kit;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// An inspection finds gw_a1 twice failing to pass information on (a deduction to appeal).
async fn finding(f: &crate::common::Fixture) {
    let uid = f.ids["gw_a1"];
    let grid = "(SELECT id FROM nodes WHERE code = '350102001001001')";
    let path = "(SELECT path FROM nodes WHERE code = '350102001001001')";
    for sql in [
        format!(
            "INSERT INTO inspections (node_id, path, kind, quarter, day, summary, inspector_name, created_at) \
             VALUES ({grid}, {path}, 'quarterly', '2026Q3', '2026-09-10', 'check', 'inspector', 1)"
        ),
        format!(
            "INSERT INTO inspection_findings (inspection_id, user_id, path, quarter, item_key, measure, count, \
             note, evidence_json, created_at) VALUES ((SELECT MAX(id) FROM inspections), {uid}, {path}, \
             '2026Q3', 'opinions', 'info_not_passed_on', 2, 'not passed on', '[]', 1)"
        ),
    ] {
        let sql = sqlx::AssertSqlSafe(sql);
        match &f.state.db {
            wangge_store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            wangge_store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }
}

#[tokio::test]
async fn close_a_quarter_then_appeal_a_deduction() {
    let f = Kit::new().clock("2026-09-20T10:00:00+08:00").build().await;
    let body = json!({"quarter": "2026Q3", "subsidy_cents": 300000});
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "assess.quarter_not_ended");

    f.clock_to("2026-10-08T10:00:00+08:00");
    finding(&f).await;
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(
                json!({"node_code": "350102002000", "quarter": "2026Q3", "subsidy_cents": 300000}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(json!({"quarter": "2026Q3", "subsidy_cents": 0})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    let (s, closed) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{closed}");
    assert_eq!(closed["workers"], 2, "gw_a1 and gw_a2");
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/quarters",
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "assess.quarter_closed");

    let qid = closed["quarter_id"].as_i64().unwrap();
    let uri = format!("/api/v1/assessment/quarters/{qid}");
    let (s, detail) = f.api("cmd_a", Method::GET, &uri, None).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    let results = detail["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let (s, _) = f.api("op_b", Method::GET, &uri, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another township sees nothing");

    let (s, page) = f.page("cmd_a", "/assess/quarters").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"close-form\""));
    assert!(page.contains(&format!("/assess/quarters/{qid}")));
    let (s, page) = f.page("cmd_a", &format!("/assess/quarters/{qid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page.matches("data-testid=\"result-row\"").count(), 2);
    assert!(page.contains("/assess/sheet/"));

    // gw_a1 appeals the first deduction on their sheet.
    let uid = f.ids["gw_a1"];
    let mine = results.iter().find(|r| r["user_id"] == json!(uid)).unwrap();
    let (item, measure) = mine["sheet"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i: &Value| {
            i["deductions"]
                .as_array()?
                .iter()
                .find(|d| d["count"].as_i64().unwrap_or(0) > 0)
                .map(|d| (i["key"].clone(), d["measure"].clone()))
        })
        .expect("the finding is a deduction");
    let appeal = json!({"result_id": mine["id"], "item_key": item, "measure": measure,
        "reason": "the records were kept on paper", "evidence": ["ledger page 3"]});
    let (s, page) = f
        .page(
            "gw_a1",
            &format!(
                "/assess/appeals/new?result_id={}&item={}&measure={}",
                mine["id"],
                item.as_str().unwrap(),
                measure.as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"appeal-form\""));
    let (s, _) = f
        .api(
            "gw_a2",
            Method::POST,
            "/api/v1/assessment/appeals",
            Some(appeal.clone()),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another grid's result is not found"
    );
    let (s, a) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/appeals",
            Some(appeal.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/appeals",
            Some(appeal),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "assess.appeal_pending");

    let id = a["id"].as_i64().unwrap();
    let decide = format!("/api/v1/assessment/appeals/{id}/decision");
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &decide,
            Some(json!({"decision": "accept", "note": "mine"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/assessment/appeals/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            &decide,
            Some(json!({"decision": "maybe", "note": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            &decide,
            Some(json!({"decision": "reject", "note": "no paper ledger was shown"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "rejected");
    let (s, page) = f.page("cmd_a", "/assess/appeals").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"decided-appeals\""));
    let (s, page) = f.page("gw_a1", &format!("/assess/appeals/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("data-testid=\"appeal-decide\""));
}
