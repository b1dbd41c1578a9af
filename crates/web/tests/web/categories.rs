//! The category tree kept at run time: only an administrator at the top of the tree may change
//! it (API and page); a new kind is offered to residents and Open311 clients and takes reports
//! at once; a retired one is offered to no one and refuses reports, and old events keep it.

use crate::common::{Fixture, fixture, form_body};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

/// A point inside grid 350102001001001.
const A1: (f64, f64) = (26.05, 119.05);
const GRID: &str = "350102001001001";

fn noise() -> Value {
    json!({
        "parent_code": "MD",
        "name": "噪声扰民",
        "name_en": "Noise",
        "complexity": "complex",
        "handling_level": 2,
        "auto_escalate": true
    })
}

impl Fixture {
    async fn report(&self, category: &str) -> (StatusCode, Value) {
        let body = json!({
            "category_code": category,
            "description": "夜间施工噪声",
            "lat": A1.0, "lon": A1.1,
        });
        self.api("op_a", Method::POST, "/api/v1/events", Some(body))
            .await
    }

    async fn listed(&self) -> Vec<(String, bool)> {
        let (s, v) = self
            .api("op_a", Method::GET, "/api/v1/categories", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_string(),
                    c["active"].as_bool().unwrap(),
                )
            })
            .collect()
    }

    async fn services(&self) -> String {
        let (s, body) = self.page("", "/open311/v2/services.json").await;
        assert_eq!(s, StatusCode::OK);
        body
    }
}

#[tokio::test]
async fn only_the_top_administrator_keeps_the_tree() {
    let f = fixture().await;
    for user in ["admin_a", "op_a"] {
        let (s, v) = f
            .api(user, Method::PUT, "/api/v1/categories/MD90", Some(noise()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {v}");
        let (s, _) = f.page(user, "/admin/categories").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
    assert!(!f.listed().await.iter().any(|(c, _)| c == "MD90"));
    let (s, page) = f.page("admin_city", "/admin/categories").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-code=\"MD01\""));
    assert!(page.contains("href=\"/admin/categories\""), "in the nav");
}

#[tokio::test]
async fn a_new_kind_takes_reports_at_once_and_a_retired_one_none() {
    let f = fixture().await;
    assert_eq!(f.report("MD90").await.1["code"], "event.category_unknown");

    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/categories/MD90",
            Some(noise()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["complexity"], "complex");
    let (s, v) = f.report("MD90").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    let (_, e) = f
        .api(
            "op_a",
            Method::GET,
            &format!("/api/v1/events/{number}"),
            None,
        )
        .await;
    assert_eq!(e["category"]["code"], "MD90", "{e}");
    assert!(f.services().await.contains("\"MD90\""));
    let (_, resident) = f.page("", &format!("/r/{GRID}")).await;
    assert!(resident.contains("value=\"MD90\""), "offered to residents");

    // Bad drafts are refused and change nothing.
    let mut bad = noise();
    bad["handling_level"] = json!(9);
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/categories/MD91",
            Some(bad),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("category.level_invalid"))
    );
    let mut moved = noise();
    moved["parent_code"] = json!("SR");
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/categories/MD90",
            Some(moved),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("category.parent_fixed"))
    );
    assert!(!f.listed().await.iter().any(|(c, _)| c == "MD91"));

    // Retired on the page: the form without the "in use" box.
    let (s, h, _) = f
        .form(
            "admin_city",
            "/admin/categories",
            "application/x-www-form-urlencoded",
            form_body(&[
                ("code", "MD90"),
                ("parent_code", "MD"),
                ("name", "噪声扰民"),
                ("name_en", "Noise"),
                ("complexity", "complex"),
                ("handling_level", "2"),
                ("sort", "99"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().contains("saved=MD90"));
    assert!(f.listed().await.contains(&("MD90".to_string(), false)));
    let (s, v) = f.report("MD90").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.category_retired"))
    );
    assert!(!f.services().await.contains("\"MD90\""));
    let (_, resident) = f.page("", &format!("/r/{GRID}")).await;
    assert!(!resident.contains("value=\"MD90\""));
    let (_, e) = f
        .api(
            "op_a",
            Method::GET,
            &format!("/api/v1/events/{number}"),
            None,
        )
        .await;
    assert_eq!(e["category"]["code"], "MD90", "the old event keeps it");
    let (_, page) = f.page("admin_city", "/admin/categories").await;
    assert!(page.contains("data-code=\"MD90\" data-active=\"false\""));

    // Adding a taken code on the page answers the form with the reason.
    let (s, _, page) = f
        .form(
            "admin_city",
            "/admin/categories",
            "application/x-www-form-urlencoded",
            form_body(&[
                ("adding", "1"),
                ("code", "MD01"),
                ("parent_code", "MD"),
                ("name", "重复"),
                ("complexity", "ordinary"),
                ("handling_level", "1"),
                ("active", "on"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("data-testid=\"category-error\""));
    assert!(
        page.contains("value=\"重复\""),
        "the form keeps what was typed"
    );
}
