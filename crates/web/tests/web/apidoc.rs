//! The API against its own description (`crates/web/openapi.json`): the three operations that
//! answer arrays say so, the enums of the document are the domain's, and a CSV export leaves
//! page by page instead of as one finished file. Runs on SQLite, and on PostgreSQL with
//! TEST_DATABASE_URL.

use std::pin::Pin;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_core::Stream;
use serde_json::Value;
use tower::ServiceExt;
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::calendar::Date;
use wangge_domain::{GridKind, NodeKind, Role};

use crate::common::fixture;

fn doc() -> Value {
    serde_json::from_str(wangge_web::openapi::document_text()).unwrap()
}

/// The schema of an operation's 200 answer, with a top-level `$ref` followed.
fn answer_schema(doc: &Value, path: &str, method: &str) -> Value {
    let s = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        .clone();
    resolve(doc, &s)
}

fn resolve(doc: &Value, s: &Value) -> Value {
    match s["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .cloned()
            .unwrap_or(Value::Null),
        None => s.clone(),
    }
}

/// What the document says of each item agrees with an answer's items: their type, and each
/// required property present.
fn check_items(doc: &Value, schema: &Value, answer: &Value, what: &str) {
    assert_eq!(
        schema["type"], "array",
        "{what}: the document says {schema}"
    );
    let items = answer
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {answer}"));
    assert!(!items.is_empty(), "{what}: nothing to compare");
    let item = resolve(doc, &schema["items"]);
    for it in items {
        assert!(it.is_object(), "{what}: {it}");
        for key in item["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(it.get(key).is_some(), "{what}: {key} missing in {it}");
        }
    }
}

#[tokio::test]
async fn the_three_array_answers_are_arrays_in_the_document_too() {
    let f = fixture().await;
    let d = doc();
    let grid = "350102001001001";
    // A version to list: a rename keeps none, a redraw does; the fixture's grids have one each
    // from their creation.
    for (path, uri) in [
        ("/api/v1/users", "/api/v1/users".to_string()),
        (
            "/api/v1/nodes/{code}/children",
            "/api/v1/nodes/350102001001/children".to_string(),
        ),
        (
            "/api/v1/grids/{code}/versions",
            format!("/api/v1/grids/{grid}/versions"),
        ),
    ] {
        let (s, v) = f.api("admin_city", Method::GET, &uri, None).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
        check_items(&d, &answer_schema(&d, path, "get"), &v, path);
    }
}

/// The enums the document offers are exactly the domain's, so a value the document allows is
/// one the handler parses.
#[test]
fn the_documents_enums_are_the_domains() {
    let d = doc();
    let enum_of = |pointer: &str| -> Vec<String> {
        d.pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{pointer}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let roles: Vec<String> = Role::ALL.iter().map(|r| r.as_str().to_string()).collect();
    assert_eq!(
        enum_of("/components/schemas/User/properties/role/enum"),
        roles
    );
    let kinds: Vec<String> = NodeKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(
        enum_of("/components/schemas/NodeSummary/properties/kind/enum"),
        kinds
    );
    let grid_kinds: Vec<String> = GridKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(
        enum_of("/components/schemas/NodeSummary/properties/grid_kind/enum"),
        grid_kinds
    );
}

/// More people than one page of the export (500): the body comes in frames, the first is the
/// header alone (sent before any row is read), and the rows follow a page at a time. A file
/// built whole and then read back would come as one frame of every row.
#[tokio::test]
async fn a_csv_export_streams_page_by_page() {
    let f = fixture().await;
    let grid = "350102001001001";
    let mut csv = String::from("网格编码,姓名,身份证号,人口类型\n");
    for i in 0..520u32 {
        let id = make_id_number("350102", Date::new(1980, 1, 1 + i % 28).unwrap(), i + 1);
        csv.push_str(&format!("{grid},流{i},{id},常住\n"));
    }
    let report = crate::imports::import(
        &f,
        "admin_city",
        "people",
        "all",
        "",
        "p.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(report["inserted"], 520, "{report}");

    let req = Request::builder()
        .uri("/export/people.csv")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", f.creds["admin_city"].0),
        )
        .body(Body::empty())
        .unwrap();
    let resp = f.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let mut stream = resp.into_body().into_data_stream();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        frames.push(frame.unwrap().to_vec());
    }
    assert!(frames.len() >= 3, "{} frames", frames.len());
    let first = String::from_utf8(frames[0].clone()).unwrap();
    assert_eq!(
        first.trim_start_matches('\u{feff}').lines().count(),
        1,
        "{first}"
    );
    assert!(first.contains("身份证号"), "{first}");
    let all = String::from_utf8(frames.concat()).unwrap();
    assert_eq!(all.lines().count(), 521);
    // Masked as ever.
    assert!(all.contains('*'));
}
