//! What a role that may not reveal (a leader) learns of people: from the JSON list, the pages and
//! the masked export no ID number narrows below 10,000 candidates and no phone below 1,000; and
//! exact look-ups by ID number or phone, which could try a mask's hidden digits one by one, are
//! limited per user per hour (429) and each written to the audit log without the value searched.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use wangge_domain::basic::Sex;
use wangge_domain::basic::ident::{fitting_id_numbers, make_id_number};
use wangge_domain::calendar::Date;
use wangge_store::basic::lookups::DEFAULT_PER_HOUR;

use crate::common::{Fixture, fixture};

const A1: &str = "350102001001001";

/// (ID number, phone, birth date) of the people `register` enters.
const BORN: [(i32, u32, u32); 4] = [(1948, 2, 29), (1979, 10, 1), (1996, 6, 15), (2012, 12, 31)];

fn people() -> Vec<(String, String, Date)> {
    BORN.iter()
        .enumerate()
        .map(|(i, &(y, m, d))| {
            let birth = Date::new(y, m, d).unwrap();
            let seq = 201 + 37 * i as u32;
            (
                make_id_number("350102", birth, seq),
                format!("1561234{:04}", 2801 + i),
                birth,
            )
        })
        .collect()
}

/// Registers `people()` through the API as the grid's worker; their ids.
async fn register(f: &Fixture) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, (id, phone, _)) in people().iter().enumerate() {
        let (s, v) = f
            .api(
                "gw_a1",
                Method::POST,
                "/api/v1/people",
                Some(json!({
                    "grid_code": A1, "name": format!("郑{i}"), "id_number": id, "phone": phone,
                    "residence": "registered",
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    ids
}

/// Phone numbers that fit a mask: ten for each hidden digit.
fn fitting_phones(mask: &str) -> u64 {
    10u64.pow(mask.chars().filter(|c| *c == '*').count() as u32)
}

/// Whether `text` holds any person's full ID number, phone or birth date (in either form).
fn leaks(text: &str) -> Option<String> {
    people().into_iter().find_map(|(id, phone, birth)| {
        let day = birth.to_string();
        [id, phone, day.clone(), day.replace('-', "")]
            .into_iter()
            .find(|v| text.contains(v.as_str()))
    })
}

#[tokio::test]
async fn a_leader_cannot_narrow_an_id_number_below_ten_thousand() {
    let f = fixture().await;
    let ids = register(&f).await;
    let (s, v) = f
        .api("leader", Method::GET, "/api/v1/people?limit=500", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), ids.len());
    for p in items {
        // Everything the leader got: the grid gives the county, the row the rest.
        let region = &p["grid_code"].as_str().unwrap()[..6];
        let sex = Sex::parse(p["sex"].as_str().unwrap()).unwrap();
        let year = p["birth_year"].as_i64().unwrap() as i32;
        let mask = p["id_masked"].as_str().unwrap();
        let n = fitting_id_numbers(mask, region, year, sex);
        assert!(n >= 10_000, "{mask}, {year}: {n} ID numbers fit");
        let phone = p["phone_masked"].as_str().unwrap();
        assert!(fitting_phones(phone) >= 1_000, "{phone}");
        assert_eq!(leaks(&p.to_string()), None, "{p}");
    }
    // Each person's JSON, page and the list page, and the masked export, say no more.
    for id in &ids {
        let (s, one) = f
            .api("leader", Method::GET, &format!("/api/v1/people/{id}"), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(leaks(&one.to_string()), None, "{one}");
        let (s, page) = f.page("leader", &format!("/people/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(leaks(&page), None, "{page}");
    }
    let (_, page) = f.page("leader", "/people").await;
    assert!(page.contains("郑0"), "{page}");
    assert_eq!(leaks(&page), None, "{page}");
    let (s, _, export) = f.get("leader", "/export/people.csv").await;
    assert_eq!(s, StatusCode::OK);
    assert!(export.contains("郑3"), "{export}");
    assert_eq!(leaks(&export), None, "{export}");
    // A reveal, with its reason, still gives the whole number (and with it the date).
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{}/reveal", ids[0]),
            Some(json!({ "secret": "person_id_number", "reason": "上门核实身份" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"], people()[0].0.as_str(), "{v}");
}

async fn lookup_rows(f: &Fixture) -> Vec<Value> {
    let (s, v) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/audit?action=lookup&limit=500",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn exact_look_ups_are_audited_and_limited_per_user_per_hour() {
    let f = fixture().await;
    let ids = register(&f).await;
    let all = people();
    // A name prefix is no exact look-up: neither counted nor audited.
    let (s, v) = f
        .api("leader", Method::GET, "/api/v1/people?q=%E9%83%91", None)
        .await;
    assert_eq!(
        (s, v["items"].as_array().unwrap().len()),
        (StatusCode::OK, 4)
    );
    assert!(lookup_rows(&f).await.is_empty());
    // The limit's worth of exact look-ups, by ID number and by phone, found or not.
    let mut searched = Vec::new();
    for i in 0..DEFAULT_PER_HOUR as usize {
        let q = match i % 3 {
            0 => all[i % 4].0.clone(),
            1 => all[i % 4].1.clone(),
            _ => format!("1561234{:04}", 9000 + i),
        };
        let (s, body) = if i % 2 == 0 {
            let uri = format!("/api/v1/people?q={q}");
            let (s, v) = f.api("leader", Method::GET, &uri, None).await;
            (s, v.to_string())
        } else {
            f.page("leader", &format!("/people?q={q}")).await
        };
        assert_eq!(s, StatusCode::OK, "look-up {i}: {body}");
        searched.push(q);
    }
    // One more is refused, on the API and on the page, with the translated message.
    let (s, v) = f
        .api(
            "leader",
            Method::GET,
            &format!("/api/v1/people?q={}", all[0].0),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["code"], "privacy.lookup_limit", "{v}");
    let (s, page) = f.page("leader", &format!("/people?q={}", all[1].1)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("精确查询过于频繁"), "{page}");
    // Browsing and name searches go on; another user has a limit of their own.
    let (s, _) = f.api("leader", Method::GET, "/api/v1/people", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/people?q={}", all[2].1),
            None,
        )
        .await;
    assert_eq!(
        (s, v["items"][0]["id"].as_i64()),
        (StatusCode::OK, Some(ids[2]))
    );

    // One audit row per look-up run: who, which people, how many; never the value searched.
    let rows = lookup_rows(&f).await;
    let leader = f.ids["leader"];
    let mine: Vec<&Value> = rows
        .iter()
        .filter(|r| r["actor_user_id"].as_i64() == Some(leader))
        .collect();
    assert_eq!(mine.len(), DEFAULT_PER_HOUR as usize, "{rows:?}");
    assert_eq!(rows.len(), mine.len() + 1);
    for (i, r) in mine.iter().rev().enumerate() {
        let detail: Value = serde_json::from_str(r["detail"].as_str().unwrap()).unwrap();
        let expected: Vec<i64> = if i % 3 == 2 { vec![] } else { vec![ids[i % 4]] };
        assert_eq!(detail["ids"], json!(expected), "{r}");
        assert_eq!(detail["matched"], expected.len(), "{r}");
        let by = if i % 3 == 0 { "id_number" } else { "phone" };
        assert_eq!(r["column_name"], by, "{r}");
        assert_eq!(r["subject_id"].as_i64(), expected.first().copied(), "{r}");
        let text = r.to_string();
        for q in &searched {
            assert!(!text.contains(q.as_str()), "{text}");
        }
        assert_eq!(leaks(&text), None, "{text}");
    }
}
