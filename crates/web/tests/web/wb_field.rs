//! Time in the grid (巡查) and the weekly sweep (排查) through the API and the pages: seconds
//! inside computed by the server from points (inside, outside, a long gap), points sent once
//! by their key, one flag per patrol for positions outside the grid, findings of a sweep that
//! become events in the grid's inbox, a second sweep of a week and a future week refused, and
//! nobody outside the area reading either.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, Kit, form_body, testid};

const URLENC: &str = "application/x-www-form-urlencoded";

/// Inside gw_a1's grid (lon 119.0–119.1), a little inside its east edge.
const IN: (f64, f64) = (119.099, 26.05);
/// Just across the edge, in the next grid: about 200 m from `IN`.
const OUT: (f64, f64) = (119.101, 26.05);

async fn start(
    f: &Fixture,
    user: &str,
    key: &str,
    at: &str,
    pos: (f64, f64),
) -> (StatusCode, Value) {
    f.api(
        user,
        Method::POST,
        "/api/v1/patrols",
        Some(json!({ "client_key": key, "at": at, "lon": pos.0, "lat": pos.1 })),
    )
    .await
}

fn point(key: &str, at: &str, pos: (f64, f64)) -> Value {
    json!({ "client_key": key, "at": at, "lon": pos.0, "lat": pos.1 })
}

async fn points(f: &Fixture, user: &str, patrol: &str, pts: Vec<Value>) -> (StatusCode, Value) {
    f.api(
        user,
        Method::POST,
        &format!("/api/v1/patrols/{patrol}/points"),
        Some(json!({ "points": pts })),
    )
    .await
}

fn t(hm: &str) -> String {
    format!("2026-12-04T{hm}:00+08:00")
}

async fn minutes_today(f: &Fixture, user: &str) -> String {
    let (s, page) = f.page(user, "/work/patrol").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    testid(&page, "patrol-minutes")
}

#[tokio::test]
async fn minutes_inside_come_from_the_points() {
    let f = Kit::new().clock("2026-12-04T10:10:00+08:00").build().await;
    let (s, p) = start(&f, "gw_a1", "patrol-1", &t("09:00"), IN).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["open"], true);
    let id = p["id"].as_i64().unwrap();
    // The check-in again: the same patrol; with another time: refused.
    let (s, again) = start(&f, "gw_a1", "patrol-1", &t("09:00"), IN).await;
    assert_eq!((s, again["id"].as_i64()), (StatusCode::OK, Some(id)));
    let (s, v) = start(&f, "gw_a1", "patrol-1", &t("09:01"), IN).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("work.client_key_reused"))
    );
    // Points by the check-in's key (as a phone that checked in offline sends them), in any order.
    let (s, v) = points(
        &f,
        "gw_a1",
        "patrol-1",
        vec![
            point("a", &t("09:02"), IN),
            point("b", &t("09:01"), IN),
            point("c", &t("09:03"), OUT),
            point("d", &t("09:04"), IN),
            point("e", &t("09:05"), IN),
            // An hour without a sample counts ten minutes, not sixty.
            point("f", &t("10:05"), IN),
            point("g", &t("10:06"), IN),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["received"].as_i64(), v["new"].as_i64()),
        (Some(7), Some(7))
    );
    // 09:00–09:02 (2 min) + 09:04–09:05 (1) + the gap (10) + 10:05–10:06 (1); the minutes
    // touching the outside point count nothing.
    assert_eq!(minutes_today(&f, "gw_a1").await, "14");
    let (s, detail) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/patrols/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    let pts = detail["points"].as_array().unwrap();
    assert_eq!(pts.len(), 8);
    assert_eq!(pts.iter().filter(|p| p["inside"] == false).count(), 1);
    // Check-out without a position; the same again is fine, another time is not.
    let end = |at: String| {
        let f = &f;
        async move {
            f.api(
                "gw_a1",
                Method::POST,
                &format!("/api/v1/patrols/{id}/end"),
                Some(json!({ "at": at, "lon": IN.0, "lat": IN.1, "client_key": "x1" })),
            )
            .await
        }
    };
    let (s, v) = end(t("10:07")).await;
    assert_eq!(
        (s, v["open"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{v}"
    );
    let (s, _) = end(t("10:07")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = end(t("10:08")).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("work.patrol_ended"))
    );
    // The check-out's point adds 10:06–10:07.
    assert_eq!(minutes_today(&f, "gw_a1").await, "15");
    // A point that arrives after check-out (from the outbox) is counted too: 09:05–09:06 now
    // counts, the gap after it still ten minutes.
    let (s, _) = points(
        &f,
        "gw_a1",
        &id.to_string(),
        vec![point("h", &t("09:06"), IN)],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(minutes_today(&f, "gw_a1").await, "16");
}

#[tokio::test]
async fn points_are_kept_once_and_an_outside_patrol_is_flagged_once() {
    let f = Kit::new().clock("2026-12-04T12:00:00+08:00").build().await;
    let (s, p) = start(&f, "gw_a1", "patrol-2", &t("11:00"), IN).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().unwrap().to_string();
    let batch = vec![point("k1", &t("11:01"), IN), point("k2", &t("11:02"), OUT)];
    let (s, v) = points(&f, "gw_a1", &id, batch.clone()).await;
    assert_eq!((s, v["new"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
    // The same batch again: nothing new, nothing counted twice.
    let (s, v) = points(&f, "gw_a1", &id, batch).await;
    assert_eq!((s, v["new"].as_i64()), (StatusCode::OK, Some(0)), "{v}");
    // A key seen before with another position refuses the batch, and keeps none of it.
    let (s, v) = points(
        &f,
        "gw_a1",
        &id,
        vec![point("k3", &t("11:03"), IN), point("k1", &t("11:01"), OUT)],
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("work.client_key_reused"))
    );
    // More outside positions, one outside every grid: still one flag for the patrol.
    let (s, _) = points(
        &f,
        "gw_a1",
        &id,
        vec![
            point("k4", &t("11:30"), OUT),
            point("k5", &t("11:59"), (119.5, 26.05)),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // A position sent four days after its stated time (beyond the 72 hours offline): kept, flagged.
    let (s, _) = points(
        &f,
        "gw_a1",
        &id,
        vec![point("k6", "2026-11-30T11:00:00+08:00", IN)],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, detail) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/patrols/{id}"), None)
        .await;
    assert_eq!(detail["points"].as_array().unwrap().len(), 6, "{detail}");
    let reasons: Vec<&str> = detail["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| **r == "outside_grid").count(),
        1,
        "{reasons:?}"
    );
    assert!(reasons.contains(&"late_sync"), "{reasons:?}");
    assert!(!reasons.contains(&"impossible_speed"), "{reasons:?}");
    // 11:00–11:01 only.
    assert_eq!(minutes_today(&f, "gw_a1").await, "1");
    // Bad input: no position, too many points, an unknown patrol, someone else's.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/patrols",
            Some(json!({ "client_key": "p-x" })),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("work.field_position_required")
        )
    );
    let many: Vec<Value> = (0..501)
        .map(|i| point(&format!("m{i}"), &t("11:40"), IN))
        .collect();
    let (s, v) = points(&f, "gw_a1", &id, many).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.patrol_points_too_many"))
    );
    let (s, _) = points(&f, "gw_a2", &id, vec![point("z", &t("11:40"), IN)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_area_cannot_read_patrols() {
    let f = Kit::new().clock("2026-12-04T12:00:00+08:00").build().await;
    let (_, p) = start(&f, "gw_a1", "patrol-3", &t("11:00"), IN).await;
    let id = p["id"].as_i64().unwrap();
    let uri = format!("/api/v1/patrols/{id}");
    for (user, want) in [
        ("gw_a1", StatusCode::OK),
        ("gl_a", StatusCode::OK),
        ("op_a", StatusCode::OK),
        ("gw_a2", StatusCode::NOT_FOUND),
        ("gw_b1", StatusCode::NOT_FOUND),
        ("op_b", StatusCode::NOT_FOUND),
    ] {
        let (s, v) = f.api(user, Method::GET, &uri, None).await;
        assert_eq!(s, want, "{user}: {v}");
    }
    let (_, v) = f.api("gl_a", Method::GET, "/api/v1/patrols", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let (_, v) = f.api("op_b", Method::GET, "/api/v1/patrols", None).await;
    assert!(v["items"].as_array().unwrap().is_empty());
    // A village leader does not patrol.
    let (s, _) = start(&f, "gl_a", "patrol-4", &t("11:00"), IN).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

fn sweep(week: &str, found: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = [
        "disputes",
        "petitions",
        "instability",
        "public_order",
        "safety_hazards",
    ]
    .iter()
    .map(|i| match found.iter().find(|(k, _)| k == i) {
        Some((_, text)) => json!({ "item": i, "found": true, "text": text }),
        None => json!({ "item": i, "found": false }),
    })
    .collect();
    json!({ "week": week, "items": items })
}

#[tokio::test]
async fn a_sweep_reports_its_findings_once_a_week() {
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    let mut body = sweep(
        "2026-12-02",
        &[("safety_hazards", "三号楼楼道堆放杂物,堵塞消防通道")],
    );
    body["client_key"] = json!("sweep-1");
    let (s, v) = f
        .api("gw_a1", Method::POST, "/api/v1/sweeps", Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["week"].as_str(), v["findings"].as_i64()),
        (Some("2026-11-30"), Some(1))
    );
    let item = &v["items"][4];
    assert_eq!(item["item"], "safety_hazards");
    let number = item["event_number"].as_str().unwrap().to_string();
    assert!(item["event_id"].as_i64().is_some());
    assert!(v["items"][0]["event_number"].is_null());
    // The event is in the grid's inbox, reported by the worker in their grid.
    let (s, inbox) = f
        .api("gl_a", Method::GET, "/api/v1/events?inbox=all", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let found: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["number"] == number.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{inbox}");
    let ev = f.event(&number).await;
    assert_eq!(ev.category_code, "AQ02");
    assert!(ev.description.contains("堆放杂物"));
    // Sent again with its key: the same sweep, no second event.
    let (s, again) = f
        .api("gw_a1", Method::POST, "/api/v1/sweeps", Some(body))
        .await;
    assert_eq!((s, again["id"].clone()), (StatusCode::OK, v["id"].clone()));
    assert_eq!(f.event_count().await, 1);
    // A second sweep of the week, and a week ahead.
    let (s, e) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/sweeps",
            Some(sweep("2026-12-06", &[("disputes", "邻里争吵")])),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("work.sweep_done"))
    );
    let (s, e) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/sweeps",
            Some(sweep("2026-12-07", &[])),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.sweep_future_week"))
    );
    // A refused sweep writes nothing: an unknown category for a finding refuses it whole.
    let mut bad = sweep(
        "2026-11-25",
        &[("disputes", "邻里争吵"), ("petitions", "上访")],
    );
    bad["items"][1]["category_code"] = json!("NOPE01");
    let (s, e) = f
        .api("gw_a1", Method::POST, "/api/v1/sweeps", Some(bad))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(f.event_count().await, 1);
    let (_, mine) = f.api("gw_a1", Method::GET, "/api/v1/sweeps", None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let (s, page) = f.page("gw_a1", "/work/sweeps").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("本周已提交"), "{page}");
}

#[tokio::test]
async fn sweeps_are_read_in_their_area_only() {
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/sweeps",
            Some(sweep("2026-12-04", &[])),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["findings"], 0);
    let uri = format!("/api/v1/sweeps/{}", v["id"]);
    for (user, want) in [
        ("gw_a1", StatusCode::OK),
        ("gl_a", StatusCode::OK),
        ("gw_a2", StatusCode::NOT_FOUND),
        ("gw_b1", StatusCode::NOT_FOUND),
        ("op_b", StatusCode::NOT_FOUND),
    ] {
        let (s, v) = f.api(user, Method::GET, &uri, None).await;
        assert_eq!(s, want, "{user}: {v}");
    }
    let (s, page) = f.page("gl_a", "/work/sweeps").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("sweep-team-row"), "{page}");
    // The page's form: a finding without text is refused with the reason, nothing kept.
    let (s, page) = f.page("gw_b1", "/work/sweeps").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"sweep-form\""));
    let mut form: Vec<(&str, &str)> = vec![("week", "2026-12-04"), ("client_key", "form-1")];
    for i in ["disputes", "petitions", "instability", "public_order"] {
        form.push((i, "none"));
    }
    form.push(("safety_hazards", "found"));
    form.push(("safety_hazards_text", ""));
    let (s, _, body) = f
        .form("gw_b1", "/work/sweeps", URLENC, form_body(&form))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("安全隐患") || body.contains("safety_hazards"),
        "{body}"
    );
    form.pop();
    form.push(("safety_hazards_text", "路灯损坏"));
    let (s, _, _) = f
        .form("gw_b1", "/work/sweeps", URLENC, form_body(&form))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(f.event_count().await, 1);
}

#[tokio::test]
async fn the_pages_speak_english_when_asked() {
    use axum::body::Body;
    use axum::http::{Request, header};
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    for (uri, words) in [
        ("/work/patrol", ["Check in", "Time in the grid"]),
        ("/work/sweeps", ["Nothing found", "Public order"]),
    ] {
        let req = Request::builder()
            .uri(uri)
            .header(
                header::COOKIE,
                format!("wangge_session={}; lang=en", f.creds["gw_a1"].1),
            )
            .body(Body::empty())
            .unwrap();
        let (s, _, page) = f.send(req).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        for w in words {
            assert!(page.contains(w), "{uri}: {w}");
        }
        assert!(!page.contains("wbfield."), "{uri}: a key without a text");
        assert!(!page.contains("巡查") && !page.contains("治安"), "{uri}");
    }
}

#[tokio::test]
async fn a_jump_across_the_city_is_flagged_not_dropped() {
    let f = Kit::new().clock("2026-12-04T12:00:00+08:00").build().await;
    let (_, p) = start(&f, "gw_a1", "patrol-5", &t("11:00"), IN).await;
    let id = p["id"].as_i64().unwrap().to_string();
    // About 40 km in a minute.
    let (s, v) = points(
        &f,
        "gw_a1",
        &id,
        vec![point("j1", &t("11:01"), (119.5, 26.05))],
    )
    .await;
    assert_eq!((s, v["new"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
    let (_, detail) = f
        .api("gl_a", Method::GET, &format!("/api/v1/patrols/{id}"), None)
        .await;
    let mut reasons: Vec<&str> = detail["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    reasons.sort();
    assert_eq!(reasons, ["impossible_speed", "outside_grid"], "{detail}");
    assert_eq!(detail["points"].as_array().unwrap().len(), 2);
}
