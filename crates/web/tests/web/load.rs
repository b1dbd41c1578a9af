//! Shedding load: a pool with no free connection answers 503 with `Retry-After` and `db.busy`
//! (API, Open311 and pages alike), never 500, and serves again once connections are free;
//! `/metrics` carries a latency histogram per route template, not per raw path.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use wangge_store::{Db, Tuning};
use wangge_web::{AppState, WebConfig, router};

use crate::common::*;

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after() {
    let f = fixture().await;
    let tuning = Tuning {
        statement_timeout_ms: 5_000,
        pool_size: Some(2),
        pool_timeout_ms: 200,
    };
    let db = Db::connect_tuned(&f.test_db.url, &tuning).await.unwrap();
    let app = router(AppState::new(db.clone(), WebConfig::default(), key_ring()));
    let token = f.creds["op_a"].0.clone();
    let session = f.creds["op_a"].1.clone();
    let api = || {
        Request::builder()
            .uri("/api/v1/events?inbox=all")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let open311 = || {
        Request::builder()
            .uri("/open311/v2/requests.json")
            .body(Body::empty())
            .unwrap()
    };
    let page = || {
        Request::builder()
            .uri("/events")
            .header(header::COOKIE, format!("wangge_session={session}"))
            .body(Body::empty())
            .unwrap()
    };
    // Every connection held, as requests whose clients had gone away once held them.
    let held = [db.conn().await.unwrap(), db.conn().await.unwrap()];
    for (what, req) in [("api", api()), ("open311", open311()), ("page", page())] {
        let (status, headers, body) = call(&app, req).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {text}");
        assert_eq!(
            headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1"),
            "{what}"
        );
        if what == "api" {
            assert_eq!(json_of(&text)["code"], "db.busy", "{text}");
        }
    }
    drop(held);
    for req in [api(), open311(), page()] {
        let (status, _, body) = call(&app, req).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    }
    db.close().await;
}

#[tokio::test]
async fn metrics_hold_a_latency_histogram_per_route_template() {
    let f = fixture().await;
    for n in ["A-1", "B-2"] {
        let _ = f.get("op_a", &format!("/api/v1/events/{n}")).await;
    }
    let (status, _, text) = f
        .send(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let route = "route=\"/api/v1/events/{number}\"";
    let count = text
        .lines()
        .find(|l| l.starts_with("wangge_http_request_duration_seconds_count") && l.contains(route))
        .unwrap_or_else(|| panic!("no histogram for the route template:\n{text}"));
    assert!(count.ends_with(" 2"), "{count}");
    assert!(
        text.contains(&format!(
            "wangge_http_request_duration_seconds_bucket{{method=\"GET\",{route},le=\"+Inf\"}} 2"
        )),
        "{text}"
    );
    assert!(!text.contains("A-1"), "raw paths never become series");
}
