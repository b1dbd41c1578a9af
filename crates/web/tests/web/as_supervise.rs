//! 双随机 draws and inspections through the real router (issue 16, parts 3 and 4): a township
//! office holds a round that replays, nobody inspects their own village, an empty pool writes
//! nothing, findings are checked against the rules in force and the inspected node, and the
//! pages work for the people who use them.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

const TWP_A: &str = "350102001000";
const VIL_A: &str = "350102001001";

#[tokio::test]
async fn a_township_holds_a_draw_that_replays() {
    let fx = fixture().await;
    let gl_a = fx.ids["gl_a"];
    let (s, v) = fx
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/draws",
            Some(
                json!({"node": TWP_A, "title": "三季度抽查", "quarter": "2026Q3",
                        "share_pct": 100, "inspectors_per_target": 2}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let seed = v["seed"].as_str().unwrap();
    assert_eq!(seed.len(), 64);
    let targets = v["targets"].as_array().unwrap();
    // Both grids of township A.
    assert_eq!(targets.len(), 2);
    for t in targets {
        let people = t["inspectors"].as_array().unwrap();
        assert_eq!(people.len(), 2);
        // The village's own grid leader never inspects it.
        assert!(people.iter().all(|p| p.as_i64() != Some(gl_a)));
    }
    assert_eq!(v["replay_matches"], json!(true));
    assert_eq!(v["inspections"].as_array().unwrap().len(), 2);
    // The other township does not see it, nor does a grid worker.
    let (s, v) = fx
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/assessment/draws/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = fx
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/assessment/draws/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = fx
        .api("gw_a1", Method::GET, "/api/v1/assessment/draws", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An operator inspects but does not hold rounds.
    let (s, _) = fx
        .api(
            "op_a",
            Method::POST,
            "/api/v1/assessment/draws",
            Some(json!({"title": "x", "quarter": "2026Q3", "share_pct": 10, "inspectors_per_target": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An empty pool is refused with its reason and writes nothing.
    let (s, v) = fx
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/assessment/draws",
            Some(json!({"title": "空", "quarter": "2026Q3", "share_pct": 10,
                        "inspectors_per_target": 1, "inspectors": []})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "assess.draw_no_inspectors");
    let (_, v) = fx
        .api("op_a", Method::GET, "/api/v1/assessment/draws", None)
        .await;
    assert_eq!(v["draws"].as_array().unwrap().len(), 1);
    // The pages: list with the form, the round with its seed, and the verify button's answer.
    let (s, body) = fx.page("cmd_a", "/assess/draws").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("data-testid=\"draw-form\""));
    assert!(body.contains(&format!("/assess/draws/{id}")));
    let (s, body) = fx
        .page("cmd_a", &format!("/assess/draws/{id}?verify=1"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(seed));
    assert!(body.contains("复核一致"), "{body}");
    // A form with a share out of bounds comes back with the reason.
    let (s, _, body) = fx
        .form(
            "cmd_a",
            "/assess/draws",
            "application/x-www-form-urlencoded",
            form_body(&[
                ("node", TWP_A),
                ("title", "t"),
                ("quarter", "2026Q3"),
                ("share_pct", "0"),
                ("inspectors_per_target", "1"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("data-testid=\"draw-error\""));
}

#[tokio::test]
async fn inspections_record_findings_against_the_rules() {
    let fx = Kit::new().clock("2026-08-20T10:00:00+08:00").build().await;
    let (s, v) = fx
        .api(
            "op_a",
            Method::POST,
            "/api/v1/assessment/inspections",
            Some(
                json!({"node": VIL_A, "kind": "quarterly", "day": "2026-08-18",
                        "summary": "听取汇报"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["quarter"], "2026Q3");
    let id = v["id"].as_i64().unwrap();
    let url = format!("/api/v1/assessment/inspections/{id}/findings");
    let (s, v) = fx
        .api(
            "op_a",
            Method::POST,
            &url,
            Some(json!({"user_id": fx.ids["gw_a1"], "item_key": "basic_info",
                        "measure": "records_incomplete", "count": 2, "note": "信息不全",
                        "evidence": [{"kind": "household", "id": 3, "text": "门牌缺失"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["count"], 2);
    // An item the rules do not have.
    let (s, v) = fx
        .api(
            "op_a",
            Method::POST,
            &url,
            Some(json!({"user_id": fx.ids["gw_a1"], "item_key": "nope",
                        "measure": "records_incomplete", "count": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "assess.finding_item");
    // A worker of the other township: not found, nothing written.
    let (s, v) = fx
        .api(
            "op_a",
            Method::POST,
            &url,
            Some(json!({"user_id": fx.ids["gw_b1"], "item_key": "basic_info",
                        "measure": "records_incomplete", "count": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "assess.worker_not_found");
    let (s, v) = fx
        .api(
            "op_a",
            Method::GET,
            &format!("/api/v1/assessment/inspections/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    // Out of scope: the same answer as a missing one.
    let (s, _) = fx
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/assessment/inspections/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = fx
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/inspections/99999",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = fx
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/inspections?quarter=2026Q3&kind=quarterly",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["inspections"].as_array().unwrap().len(), 1);
    let (s, _) = fx
        .api(
            "op_a",
            Method::GET,
            "/api/v1/assessment/inspections?quarter=bad",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A self-check by the village's grid leader, through the page's form.
    let (s, h, _) = fx
        .form(
            "gl_a",
            "/assess/inspections",
            "application/x-www-form-urlencoded",
            form_body(&[
                ("node", VIL_A),
                ("kind", "self_check"),
                ("day", "2026-08-19"),
                ("summary", "村级自查"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = h["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/assess/inspections/"));
    let (s, body) = fx.page("gl_a", &to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("data-testid=\"finding-form\""));
    assert!(body.contains("basic_info|records_incomplete"));
    // The finding form: a worker and a charge; then an unknown charge comes back with its reason.
    let post = format!("{to}/findings");
    let gw = fx.ids["gw_a2"].to_string();
    let (s, _, _) = fx
        .form(
            "gl_a",
            &post,
            "application/x-www-form-urlencoded",
            form_body(&[
                ("user_id", &gw),
                ("charge", "basic_info|records_incomplete"),
                ("count", "1"),
                ("note", "未更新"),
                ("ev_kind", "event"),
                ("ev_id", ""),
                ("ev_text", "现场查看"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = fx.page("gl_a", &to).await;
    assert_eq!(body.matches("data-testid=\"finding-row\"").count(), 1);
    assert!(body.contains("现场查看"));
    let (s, _, body) = fx
        .form(
            "gl_a",
            &post,
            "application/x-www-form-urlencoded",
            form_body(&[
                ("user_id", &gw),
                ("charge", "basic_info|diary_short"),
                ("count", "1"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("data-testid=\"finding-error\""));
    // The list page with its filters, on the grid leader's phone.
    let (s, body) = fx.page("gl_a", "/assess/inspections?kind=self_check").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body.matches("data-testid=\"inspection-row\"").count(), 1);
    // A worker records no inspections.
    let (s, _) = fx.page("gw_a1", "/assess/inspections").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
