//! Lists at any size (issue 14): Open311 `GET requests` answers a page (`page_size`, `page`),
//! the events API and the inbox page follow a cursor (`before`), and bad list input is a clear
//! 400 — Open311's `errors` body on Open311 routes, `{code, message}` on the API.

use crate::common::{Fixture, call, fixture, worker_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

const GRID: &str = "350102001001001";
const MINUTE: i64 = 60_000;

/// `n` worker reports on one grid, a minute apart, the newest last; their numbers, newest first.
async fn reports(f: &Fixture, n: usize) -> Vec<String> {
    let start = f.state.now() - (n as i64 + 5) * MINUTE;
    let mut numbers = Vec::new();
    for i in 0..n {
        let r = f
            .report_at(
                "gw_a1",
                worker_report(GRID, "SR01", &format!("list test {i}")),
                start + i as i64 * MINUTE,
            )
            .await;
        numbers.push(r.number);
    }
    numbers.reverse();
    numbers
}

async fn open311(f: &Fixture, uri: &str) -> (StatusCode, String) {
    let (s, _, body) = call(
        &f.app,
        Request::builder().uri(uri).body(Body::empty()).unwrap(),
    )
    .await;
    (s, String::from_utf8(body).unwrap())
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn open311_answers_pages_newest_first() {
    let f = fixture().await;
    let numbers = reports(&f, 5).await;
    let page = |uri: &'static str| {
        let f = &f;
        async move {
            let (s, body) = open311(f, uri).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {body}");
            ids(&serde_json::from_str(&body).unwrap())
        }
    };
    assert_eq!(page("/open311/v2/requests.json").await, numbers);
    assert_eq!(
        page("/open311/v2/requests.json?page_size=2").await,
        numbers[0..2]
    );
    assert_eq!(
        page("/open311/v2/requests.json?page_size=2&page=2").await,
        numbers[2..4]
    );
    assert_eq!(
        page("/open311/v2/requests.json?page_size=2&page=3&service_code=SR01,SR02").await,
        numbers[4..5]
    );
    assert!(
        page("/open311/v2/requests.json?service_code=SR02")
            .await
            .is_empty()
    );
    let (s, xml) = open311(&f, "/open311/v2/requests.xml?page_size=1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(xml.matches("<request>").count(), 1, "{xml}");
    assert!(xml.contains(&numbers[0]));
}

#[tokio::test]
async fn open311_bad_list_input_is_a_400_with_errors() {
    let f = fixture().await;
    let many_codes = vec!["SR01"; 21].join(",");
    for query in [
        "start_date=yesterday".to_string(),
        "end_date=2026-13-45".to_string(),
        "status=pending".to_string(),
        "page_size=1000000".to_string(),
        "page_size=0".to_string(),
        "page_size=-5".to_string(),
        "page=-1".to_string(),
        "page=0".to_string(),
        "page=1000000".to_string(),
        "page=two".to_string(),
        format!("service_code={many_codes}"),
    ] {
        let (s, body) = open311(&f, &format!("/open311/v2/requests.json?{query}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["code"], json!(400), "{query}: {body}");
        assert!(!v[0]["description"].as_str().unwrap().is_empty());
        let (s, xml) = open311(&f, &format!("/open311/v2/requests.xml?{query}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {xml}");
        assert!(xml.contains("<errors><error><code>400</code>"), "{xml}");
    }
}

#[tokio::test]
async fn api_lists_follow_a_cursor() {
    let f = fixture().await;
    let numbers = reports(&f, 5).await;
    let mut seen = Vec::new();
    let mut uri = "/api/v1/events?inbox=all&limit=2".to_string();
    for want in [2, 2, 1] {
        let (s, v) = f.api("op_a", Method::GET, &uri, None).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), want, "{uri}: {v}");
        seen.extend(
            items
                .iter()
                .map(|e| e["number"].as_str().unwrap().to_string()),
        );
        match v["next_before"].as_str() {
            Some(b) => uri = format!("/api/v1/events?inbox=all&limit=2&before={b}"),
            None => assert_eq!(want, 1, "only the last page has no next: {v}"),
        }
    }
    assert_eq!(seen, numbers);
}

#[tokio::test]
async fn api_bad_list_input_is_a_400_with_a_code() {
    let f = fixture().await;
    for (query, code) in [
        ("offset=-1", "request.bad_number"),
        ("limit=1000000", "request.bad_number"),
        ("limit=-3", "request.bad_number"),
        ("offset=20000", "event.offset_too_far"),
        ("offset=99999999999999999999", "request.bad_number"),
        ("status=pending", "event.status_invalid"),
        ("inbox=everything", "event.inbox_invalid"),
        ("level=9", "event.level_invalid"),
        ("before=yesterday", "event.cursor_invalid"),
        ("before=-1.-1", "event.cursor_invalid"),
    ] {
        let (s, v) = f
            .api(
                "op_a",
                Method::GET,
                &format!("/api/v1/events?{query}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["code"], json!(code), "{query}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
}

#[tokio::test]
async fn inbox_pages_link_on_by_cursor_and_old_page_links_still_work() {
    let f = fixture().await;
    let numbers = reports(&f, 25).await;
    let (s, first) = f.page("op_a", "/events?inbox=all").await;
    assert_eq!(s, StatusCode::OK);
    assert!(first.contains(&numbers[0]) && !first.contains(&numbers[20]));
    let next = first
        .split("data-testid=\"page-next\"")
        .next()
        .and_then(|head| head.rsplit("href=\"").next())
        .map(|h| {
            h.split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#38;", "&")
        })
        .unwrap();
    assert!(
        next.contains("before=") && next.contains("page=2"),
        "{next}"
    );
    let (s, second) = f.page("op_a", &next).await;
    assert_eq!(s, StatusCode::OK, "{next}");
    for n in &numbers[20..25] {
        assert!(second.contains(n.as_str()), "{n} on page 2");
    }
    assert!(!second.contains(&numbers[19]));
    // A link made before cursors (a page number only) shows the same page.
    let (s, old) = f.page("op_a", "/events?inbox=all&page=2").await;
    assert_eq!(s, StatusCode::OK);
    for n in &numbers[20..25] {
        assert!(old.contains(n.as_str()));
    }
    // A department sees what it was handed, though the event's grid is not under it.
    f.to_department(&numbers[0]).await;
    let (s, v) = f
        .api("dept_a", Method::GET, "/api/v1/events?inbox=all", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let listed: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![numbers[0].as_str()], "{v}");
}
