//! Open311 GeoReport v2 through the router against a real database: discovery, services, service
//! definitions, posting and reading requests in JSON and XML, the specification's errors, the
//! public history, idempotency, and that nothing personal or internal is ever shown.

use crate::common::{Fixture, call, fixture as fixture_standard, form_string, key_ring, urlencode};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::System;
use wangge_domain::event::{Action, Actor, Mark, Staff};
use wangge_domain::{NodeKind, Role};
use wangge_store::events::{self, Caller};
use wangge_store::{now_ms, open311};
use wangge_web::{AppState, WebConfig, router};

const PHONE: &str = "13912345678";
const FIRST: &str = "小明";
const LAST: &str = "王";
const EMAIL: &str = "wang.xm@example.com";

/// The standard tree and the API key of an Open311 client.
async fn fixture() -> (Fixture, String) {
    let f = fixture_standard().await;
    let key = f.open311_key("test client").await;
    (f, key)
}

/// A caller over the whole tree whose name shows if it ever leaks.
fn staff(user_id: i64, role: Role, kind: NodeKind, code: &str) -> Caller {
    Caller {
        actor: Actor::Staff(Staff {
            user_id,
            role,
            node_kind: kind,
            node_code: code.to_string(),
        }),
        name: format!("staff {user_id}"),
        scope: System::acting().scope(),
    }
}

fn worker(f: &Fixture) -> Caller {
    staff(
        f.ids["gw_a1"],
        Role::Worker,
        NodeKind::Grid,
        "350102001001001",
    )
}

fn operator(f: &Fixture) -> Caller {
    staff(
        f.ids["op_a"],
        Role::Operator,
        NodeKind::Township,
        "350102001000",
    )
}

/// One request: status, content type and body.
async fn fetch(f: &Fixture, req: Request<Body>) -> (StatusCode, String, String) {
    let (status, headers, body) = call(&f.app, req).await;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, String::from_utf8(body).unwrap())
}

async fn get(f: &Fixture, uri: &str) -> (StatusCode, String, String) {
    fetch(f, Request::builder().uri(uri).body(Body::empty()).unwrap()).await
}

async fn get_json(f: &Fixture, uri: &str) -> (StatusCode, Value) {
    let (s, ct, body) = get(f, uri).await;
    assert!(ct.starts_with("application/json"), "{uri}: {ct}");
    (s, serde_json::from_str(&body).unwrap())
}

async fn post(f: &Fixture, uri: &str, pairs: &[(&str, &str)]) -> (StatusCode, String, String) {
    fetch(
        f,
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_string(pairs)))
            .unwrap(),
    )
    .await
}

async fn post_json(f: &Fixture, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
    let (s, _, body) = post(f, "/open311/v2/requests.json", pairs).await;
    (s, serde_json::from_str(&body).unwrap())
}

fn assert_error(status: StatusCode, body: &Value, want: u16) {
    assert_eq!(status.as_u16(), want, "{body}");
    let errors = body.as_array().expect("errors are an array");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], json!(want));
    assert!(
        !errors[0]["description"].as_str().unwrap().is_empty(),
        "{body}"
    );
}

fn assert_xml_error(status: StatusCode, ct: &str, body: &str, want: u16) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert!(ct.starts_with("text/xml"), "{ct}");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(
        body.contains(&format!("<errors><error><code>{want}</code><description>")),
        "{body}"
    );
}

#[tokio::test]
async fn discovery_and_services_in_both_formats() {
    let (f, _) = fixture().await;
    let (s, d) = get_json(&f, "/open311/v2/discovery.json").await;
    assert_eq!(s, StatusCode::OK);
    let ep = &d["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(ep["url"], "http://127.0.0.1:8080/open311/v2");
    assert!(
        ep["formats"]
            .as_array()
            .unwrap()
            .contains(&json!("text/xml"))
    );
    assert!(d["changeset"].is_string() && d["contact"].is_string() && d["key_service"].is_string());
    let (s, ct, x) = get(&f, "/open311/v2/discovery.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/xml"));
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<discovery><changeset>"));
    assert!(x.contains(
        "<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>"
    ));
    assert!(
        x.contains("<formats><format>application/json</format><format>text/xml</format></formats>")
    );

    let (s, list) = get_json(&f, "/open311/v2/services.json").await;
    assert_eq!(s, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert!(list.len() > 20);
    // Only kinds (leaf categories) are services; their group is the class.
    assert!(
        list.iter()
            .all(|x| x["service_code"].as_str().unwrap().len() == 4)
    );
    let sr01 = list.iter().find(|x| x["service_code"] == "SR01").unwrap();
    assert_eq!(sr01["service_name"], "暴露垃圾");
    assert_eq!(sr01["group"], "市容环境");
    assert_eq!(sr01["metadata"], true);
    assert_eq!(sr01["type"], "realtime");
    assert!(
        sr01["keywords"]
            .as_str()
            .unwrap()
            .contains("Exposed rubbish")
    );
    let (s, _, x) = get(&f, "/open311/v2/services.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<services><service><service_code>"));
    assert!(x.contains("<service_code>SR01</service_code><service_name>暴露垃圾</service_name>"));
    assert!(x.contains("<metadata>true</metadata><type>realtime</type>"));
    assert!(x.contains("<group>市容环境</group>"));

    let (s, def) = get_json(&f, "/open311/v2/services/SR01.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(def["service_code"], "SR01");
    let attrs = def["attributes"].as_array().unwrap();
    let urgency = attrs.iter().find(|a| a["code"] == "urgency").unwrap();
    assert_eq!(urgency["datatype"], "singlevaluelist");
    assert_eq!(urgency["variable"], true);
    assert_eq!(urgency["required"], false);
    assert_eq!(urgency["order"], 1);
    let keys: Vec<&str> = urgency["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["normal", "urgent", "emergency"]);
    for a in attrs {
        let dt = a["datatype"].as_str().unwrap();
        assert!(
            [
                "string",
                "number",
                "datetime",
                "text",
                "singlevaluelist",
                "multivaluelist"
            ]
            .contains(&dt)
        );
    }
    let (s, _, x) = get(&f, "/open311/v2/services/SR01.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<service_definition><service_code>SR01</service_code><attributes><attribute><variable>true</variable><code>urgency</code><datatype>singlevaluelist</datatype>"));
    assert!(x.contains("<values><value><key>normal</key><name>一般</name></value>"));

    // Unknown services, classes that are not services, and formats.
    let (s, e) = get_json(&f, "/open311/v2/services/NOPE.json").await;
    assert_error(s, &e, 404);
    let (s, e) = get_json(&f, "/open311/v2/services/SR.json").await;
    assert_error(s, &e, 404);
    let (s, ct, x) = get(&f, "/open311/v2/services/NOPE.xml").await;
    assert_xml_error(s, &ct, &x, 404);
    for uri in [
        "/open311/v2/services.html",
        "/open311/v2/services",
        "/open311/v2/discovery",
        "/open311/v2/services/SR01",
        "/open311/v2/nothing.json",
    ] {
        let (s, _, _) = get(&f, uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
    }
    let (s, e) = get_json(&f, "/open311/v2/tokens/abc.json").await;
    assert_error(s, &e, 404);
}

/// A JSON answer in the language `Accept-Language` asks for.
async fn get_json_in(f: &Fixture, uri: &str, lang: &str) -> Value {
    let req = Request::builder()
        .uri(uri)
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap();
    let (s, _, body) = fetch(f, req).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// What a client shows to residents is in one language: Chinese unless `Accept-Language` asks
/// for English, never the two run together.
#[tokio::test]
async fn answers_speak_the_language_asked_for() {
    let (f, key) = fixture().await;
    let zh = get_json_in(&f, "/open311/v2/discovery.json", "zh-CN,en;q=0.5").await;
    let en = get_json_in(&f, "/open311/v2/discovery.json", "en-US,en;q=0.9").await;
    assert_eq!(
        zh["contact"],
        get_json(&f, "/open311/v2/discovery.json").await.1["contact"]
    );
    for field in ["contact", "key_service"] {
        let (z, e) = (zh[field].as_str().unwrap(), en[field].as_str().unwrap());
        assert!(has_han(z) && !z.contains(" ("), "{z}");
        assert!(!has_han(e), "{e}");
    }
    let services = get_json_in(&f, "/open311/v2/services.json", "en").await;
    let sr01 = services
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["service_code"] == "SR01")
        .unwrap();
    assert_eq!(sr01["service_name"], "Exposed rubbish");
    let def = get_json_in(&f, "/open311/v2/services/SR01.json", "en").await;
    let urgency = &def["attributes"][0];
    assert!(
        !has_han(urgency["description"].as_str().unwrap()),
        "{urgency}"
    );
    assert_eq!(urgency["values"][1]["name"], "Urgent");

    // Posted in English: the notice is English; read back in Chinese, Chinese.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(form_string(&[
            ("api_key", &key),
            ("service_code", "SR01"),
            ("lat", "26.05"),
            ("long", "119.05"),
            ("description", "路边有垃圾"),
        ])))
        .unwrap();
    let (s, _, body) = fetch(&f, req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let posted: Value = serde_json::from_str(&body).unwrap();
    let id = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let notice = posted[0]["service_notice"].as_str().unwrap();
    assert!(
        notice.starts_with(&format!("Registered as event {id}")),
        "{notice}"
    );
    let uri = format!("/open311/v2/requests/{id}.json");
    let zh = get_json_in(&f, &uri, "zh").await;
    let en = get_json_in(&f, &uri, "en").await;
    assert_eq!(zh[0]["service_name"], "暴露垃圾");
    assert_eq!(en[0]["service_name"], "Exposed rubbish");
    let (z, e) = (
        zh[0]["service_notice"].as_str().unwrap(),
        en[0]["service_notice"].as_str().unwrap(),
    );
    assert!(
        z.starts_with("按规定时限办理") && !z.contains("expected"),
        "{z}"
    );
    assert!(
        e.starts_with("Handled within the set time") && !has_han(e),
        "{e}"
    );
}

#[tokio::test]
async fn malformed_posts_are_refused_and_write_nothing() {
    let (f, key) = fixture().await;
    let key = key.as_str();
    let good = [
        ("api_key", key),
        ("service_code", "SR01"),
        ("lat", "26.05"),
        ("long", "119.05"),
        ("description", "路边有垃圾"),
    ];
    let without = |name: &str| -> Vec<(&str, &str)> {
        good.iter().copied().filter(|(k, _)| *k != name).collect()
    };
    let with = |name: &'static str, value: &'static str| -> Vec<(&str, &str)> {
        let mut v = without(name);
        v.push((name, value));
        v
    };
    // No key, a wrong key.
    let (s, e) = post_json(&f, &without("api_key")).await;
    assert_error(s, &e, 403);
    let (s, e) = post_json(&f, &with("api_key", "not-a-key")).await;
    assert_error(s, &e, 403);
    let (s, ct, x) = post(&f, "/open311/v2/requests.xml", &without("api_key")).await;
    assert_xml_error(s, &ct, &x, 403);
    // Bad service codes.
    let (s, e) = post_json(&f, &without("service_code")).await;
    assert_error(s, &e, 400);
    let (s, e) = post_json(&f, &with("service_code", "NOPE")).await;
    assert_error(s, &e, 400);
    let (s, e) = post_json(&f, &with("service_code", "SR")).await;
    assert_error(s, &e, 400);
    // Bad locations.
    for (name, value) in [
        ("lat", "abc"),
        ("lat", "200"),
        ("long", "NaN"),
        ("long", "-inf"),
    ] {
        let (s, e) = post_json(&f, &with(name, value)).await;
        assert_error(s, &e, 400);
    }
    let (s, e) = post_json(&f, &without("long")).await;
    assert_error(s, &e, 400);
    // Outside every grid.
    let (s, e) = post_json(&f, &with("lat", "30.5")).await;
    assert_error(s, &e, 400);
    assert!(
        e[0]["description"]
            .as_str()
            .unwrap()
            .contains("outside every grid")
    );
    // No location at all; an address that names no grid; a grid code that is no grid.
    let no_loc: Vec<(&str, &str)> = without("lat")
        .into_iter()
        .filter(|(k, _)| *k != "long")
        .collect();
    let (s, e) = post_json(&f, &no_loc).await;
    assert_error(s, &e, 400);
    let mut addr = no_loc.clone();
    addr.push(("address_string", "鼓楼区某某路 12 号"));
    let (s, e) = post_json(&f, &addr).await;
    assert_error(s, &e, 400);
    let mut wrong_grid = no_loc.clone();
    wrong_grid.push(("attribute[grid]", "350102001001009"));
    let (s, e) = post_json(&f, &wrong_grid).await;
    assert_error(s, &e, 400);
    let mut village = no_loc.clone();
    village.push(("attribute[grid]", "350102001001"));
    let (s, e) = post_json(&f, &village).await;
    assert_error(s, &e, 400);
    // Bad attribute values, bad reporter data, a JSON body.
    let (s, e) = post_json(&f, &with("attribute[urgency]", "asap")).await;
    assert_error(s, &e, 400);
    let (s, e) = post_json(&f, &with("phone", "12")).await;
    assert_error(s, &e, 400);
    let long = "长".repeat(2001);
    let mut too_long = without("description");
    too_long.push(("description", &long));
    let (s, e) = post_json(&f, &too_long).await;
    assert_error(s, &e, 400);
    let (s, _, body) = fetch(
        &f,
        Request::builder()
            .method(Method::POST)
            .uri("/open311/v2/requests.json")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"api_key": key}).to_string()))
            .unwrap(),
    )
    .await;
    assert_error(s, &serde_json::from_str(&body).unwrap(), 400);
    // POST on what takes none.
    let (s, _, _) = post(&f, "/open311/v2/services.json", &good).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(f.event_count().await, 0, "nothing was written");
    // And the good one goes through.
    let (s, ok) = post_json(&f, &good).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert_eq!(f.event_count().await, 1);
}

#[tokio::test]
async fn posted_requests_read_back_publicly() {
    let (f, key) = fixture().await;
    let key = key.as_str();
    let (s, r) = post_json(
        &f,
        &[
            ("api_key", key),
            ("jurisdiction_id", "fuzhou"),
            ("service_code", "SR01"),
            ("lat", "26.05"),
            ("long", "119.05"),
            ("address_string", "鼓楼区某某路 12 号"),
            ("description", "路边有暴露垃圾 <很多> & 异味"),
            ("first_name", FIRST),
            ("last_name", LAST),
            ("phone", PHONE),
            ("email", EMAIL),
            ("device_id", "dev-1"),
            ("account_id", "acct-7"),
            ("media_url", "http://example.com/a.jpg"),
            ("attribute[urgency]", "urgent"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let arr = r.as_array().unwrap();
    assert_eq!(arr.len(), 1);
    let id = arr[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("SJ"), "{id}");
    assert_eq!(arr[0]["account_id"], "acct-7");
    assert!(
        arr[0]["service_notice"]
            .as_str()
            .unwrap()
            .contains("+08:00")
    );

    // The second one by address only, routed by the grid code it names, posted as XML.
    let (s, ct, x) = post(
        &f,
        "/open311/v2/requests.xml",
        &[
            ("api_key", key),
            ("service_code", "JM02"),
            ("address_string", "网格 350102001001002 内，某小区门口"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{x}");
    assert!(ct.starts_with("text/xml"));
    assert!(x.contains("<service_requests><request><service_request_id>SJ"));
    assert!(x.contains("<account_id/>"));
    let start = x.find("<service_request_id>").unwrap() + "<service_request_id>".len();
    let end = x.find("</service_request_id>").unwrap();
    let id2 = x[start..end].to_string();

    // The list, JSON.
    let (s, list) = get_json(&f, "/open311/v2/requests.json").await;
    assert_eq!(s, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let mine = list
        .iter()
        .find(|x| x["service_request_id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["status"], "open");
    assert_eq!(mine["service_code"], "SR01");
    assert_eq!(mine["service_name"], "暴露垃圾");
    assert_eq!(mine["description"], "路边有暴露垃圾 <很多> & 异味");
    assert_eq!(mine["address"], "鼓楼区某某路 12 号");
    assert_eq!(mine["lat"], 26.05);
    assert_eq!(mine["long"], 119.05);
    assert_eq!(mine["agency_responsible"], "节点350102001001001");
    assert!(mine["status_notes"].is_null());
    assert!(mine["media_url"].is_null());
    for field in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        let t = mine[field].as_str().unwrap();
        assert!(t.ends_with("+08:00"), "{field} {t}");
        wangge_domain::deadline::parse_rfc3339(t).unwrap();
    }
    assert!(
        mine["expected_datetime"].as_str().unwrap() > mine["requested_datetime"].as_str().unwrap()
    );
    let other = list
        .iter()
        .find(|x| x["service_request_id"] == id2.as_str())
        .unwrap();
    assert_eq!(other["service_code"], "JM02");
    assert!(other["lat"].is_null());
    assert_eq!(other["agency_responsible"], "节点350102001001002");

    // One, in both formats; unknown ones.
    let (s, one) = get_json(&f, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["service_request_id"], id.as_str());
    let (s, ct, x) = get(&f, &format!("/open311/v2/requests/{id}.xml")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/xml"));
    assert!(x.contains(&format!(
        "<service_requests><request><service_request_id>{id}</service_request_id><status>open</status><status_notes/>"
    )));
    assert!(x.contains("<description>路边有暴露垃圾 &lt;很多&gt; &amp; 异味</description>"));
    assert!(x.contains("<expected_datetime>20"));
    let (s, e) = get_json(&f, "/open311/v2/requests/SJ20200101-000001.json").await;
    assert_error(s, &e, 404);
    let (s, ct, x) = get(&f, "/open311/v2/requests/nope.xml").await;
    assert_xml_error(s, &ct, &x, 404);

    // Internal work on the first: supervision (internal), handling on the spot and verification.
    let cal = f.state.calendar();
    let ctx = f.state.event_ctx(&cal);
    let mut tx = f.state.db.begin().await.unwrap();
    events::act(
        &mut tx.handle(),
        &ctx,
        &operator(&f),
        &id,
        Action::Supervise {
            mark: Mark::Important,
            note: "内部督办备注".into(),
        },
        &[],
        now_ms(),
    )
    .await
    .unwrap();
    events::act(
        &mut tx.handle(),
        &ctx,
        &worker(&f),
        &id,
        Action::HandleOnSpot {
            result: "已清理完毕".into(),
            photos: vec![],
        },
        &[],
        now_ms(),
    )
    .await
    .unwrap();
    events::act(
        &mut tx.handle(),
        &ctx,
        &operator(&f),
        &id,
        Action::Verify {
            pass: true,
            note: "核查通过".into(),
        },
        &[],
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Status filters, codes, ids.
    let (_, closed) = get_json(&f, "/open311/v2/requests.json?status=closed").await;
    let closed = closed.as_array().unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["service_request_id"], id.as_str());
    assert_eq!(closed[0]["status"], "closed");
    assert_eq!(closed[0]["status_notes"], "已清理完毕");
    let (_, open) = get_json(&f, "/open311/v2/requests.json?status=open").await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["service_request_id"], id2.as_str());
    let (_, both) = get_json(
        &f,
        "/open311/v2/requests.json?status=open,closed&jurisdiction_id=x",
    )
    .await;
    assert_eq!(both.as_array().unwrap().len(), 2);
    let (_, by_code) = get_json(&f, "/open311/v2/requests.json?service_code=JM02").await;
    assert_eq!(by_code.as_array().unwrap().len(), 1);
    let (_, by_codes) = get_json(&f, "/open311/v2/requests.json?service_code=JM02,SR01").await;
    assert_eq!(by_codes.as_array().unwrap().len(), 2);
    let (_, none) = get_json(&f, "/open311/v2/requests.json?service_code=SR02").await;
    assert_eq!(none, json!([]));
    let (_, ids) = get_json(
        &f,
        &format!(
            "/open311/v2/requests.json?service_request_id={id},{id2},SJ20200101-000009&status=open"
        ),
    )
    .await;
    assert_eq!(
        ids.as_array().unwrap().len(),
        2,
        "ids override other arguments"
    );
    // Dates.
    let (_, past) = get_json(
        &f,
        "/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(past, json!([]));
    let today = wangge_domain::deadline::format_rfc3339(now_ms() - 3_600_000).unwrap();
    let (s, recent) = get_json(
        &f,
        &format!("/open311/v2/requests.json?start_date={}", urlencode(&today)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(recent.as_array().unwrap().len(), 2);
    for q in [
        "start_date=yesterday",
        "end_date=2020-13-01",
        "start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z",
        "start_date=2020-02-01T00:00:00Z&end_date=2020-01-01T00:00:00Z",
        "status=pending",
    ] {
        let (s, e) = get_json(&f, &format!("/open311/v2/requests.json?{q}")).await;
        assert_error(s, &e, 400);
    }
    let (s, ct, x) = get(&f, "/open311/v2/requests.xml?status=maybe").await;
    assert_xml_error(s, &ct, &x, 400);

    // The public history.
    let (_, ext) = get_json(
        &f,
        &format!("/open311/v2/requests/{id}.json?extensions=true"),
    )
    .await;
    let history = ext[0]["extended_attributes"]["history"].as_array().unwrap();
    let labels: Vec<&str> = history
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["report", "handle_on_spot", "close"]);
    assert!(history[1]["at"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(history[1]["note"], "已清理完毕");
    let (_, ext_list) = get_json(&f, "/open311/v2/requests.json?extensions=true").await;
    assert!(ext_list[0]["extended_attributes"]["history"].is_array());
    let (_, plain) = get_json(&f, "/open311/v2/requests.json").await;
    assert!(plain[0].get("extended_attributes").is_none());
    let (_, _, ext_xml) = get(
        &f,
        &format!("/open311/v2/requests/{id}.xml?extensions=true"),
    )
    .await;
    assert!(ext_xml.contains("<extended_attributes><history><step><label>report</label><at>"));

    // Nothing personal, nothing internal, anywhere.
    for uri in [
        "/open311/v2/requests.json?extensions=true".to_string(),
        "/open311/v2/requests.xml?extensions=true".to_string(),
        format!("/open311/v2/requests/{id}.json?extensions=true"),
        format!("/open311/v2/requests/{id}.xml?extensions=true"),
    ] {
        let (_, _, body) = get(&f, &uri).await;
        for secret in [
            PHONE,
            "1391",
            FIRST,
            EMAIL,
            "内部督办备注",
            "supervise",
            "staff ",
            "用户",
            "Open311: test client",
            "dev-1",
            "acct-7",
        ] {
            assert!(!body.contains(secret), "{uri} shows {secret}: {body}");
        }
    }
    // The reporter's data is kept (sealed by the store), only never shown.
    let mut c = f.state.db.conn().await.unwrap();
    let ev = events::get(&mut c.handle(), &System::acting().scope(), &id)
        .await
        .unwrap();
    assert_eq!(ev.source, "api");
    assert_eq!(ev.urgency, "urgent");
    let rep = events::open_reporter(&mut c.handle(), &ctx, &ev)
        .await
        .unwrap();
    assert_eq!(
        rep.name.as_ref().map(|v| v.expose().as_str()),
        Some("王小明")
    );
    assert_eq!(rep.phone.as_ref().map(|v| v.expose().as_str()), Some(PHONE));
}

#[tokio::test]
async fn double_submissions_create_one_request() {
    let (f, key) = fixture().await;
    let key = key.as_str();
    let pairs = [
        ("api_key", key),
        ("service_code", "SR02"),
        ("lat", "26.05"),
        ("long", "119.15"),
        ("description", "道路不洁"),
        ("attribute[submission_key]", "client-42"),
    ];
    let (s, a) = post_json(&f, &pairs).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (s, b) = post_json(&f, &pairs).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(a[0]["service_request_id"], b[0]["service_request_id"]);
    assert_eq!(f.event_count().await, 1);
    // The Idempotency-Key header does the same.
    let send = || {
        Request::builder()
            .method(Method::POST)
            .uri("/open311/v2/requests.json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Idempotency-Key", "hdr-1")
            .body(Body::from(form_string(&pairs[..5])))
            .unwrap()
    };
    let (s, _, c1) = fetch(&f, send()).await;
    assert_eq!(s, StatusCode::OK, "{c1}");
    let (_, _, c2) = fetch(&f, send()).await;
    assert_eq!(c1, c2);
    assert_eq!(f.event_count().await, 2);
    // Parameters in the query string count too (as the community's description puts them).
    let (s, _, q) = fetch(
        &f,
        Request::builder()
            .method(Method::POST)
            .uri(format!(
                "/open311/v2/requests.json?api_key={key}&service_code=SR02&lat=26.05&long=119.05"
            ))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(f.event_count().await, 3);
}

#[tokio::test]
async fn copies_of_one_submission_sent_at_once_make_one_request() {
    let (f, key) = fixture().await;
    let pairs = [
        ("api_key", key.as_str()),
        ("service_code", "SR02"),
        ("lat", "26.05"),
        ("long", "119.15"),
        ("description", "道路不洁"),
        ("attribute[submission_key]", "client-at-once"),
    ];
    // Sent together, the copies are all checked before any is written; the key is checked
    // again where the number is taken, so one event is made and every copy is answered with it.
    let (a, b, c, d) = tokio::join!(
        post_json(&f, &pairs),
        post_json(&f, &pairs),
        post_json(&f, &pairs),
        post_json(&f, &pairs)
    );
    for (s, v) in [&a, &b, &c, &d] {
        assert_eq!(*s, StatusCode::OK, "{v}");
        assert_eq!(v[0]["service_request_id"], a.1[0]["service_request_id"]);
    }
    assert_eq!(f.event_count().await, 1);
    // The next request is numbered right after it: the copies took no number.
    let (s, next) = post_json(&f, &pairs[..5]).await;
    assert_eq!(s, StatusCode::OK, "{next}");
    let first = a.1[0]["service_request_id"].as_str().unwrap().to_string();
    let second = next[0]["service_request_id"].as_str().unwrap().to_string();
    let seq = |n: &str| n.rsplit('-').next().unwrap().parse::<u32>().unwrap();
    assert_eq!(seq(&second), seq(&first) + 1, "{first} then {second}");
}

/// A revoked key is refused once the server's memory of it lapses (10 s), and at once by a
/// server that had not seen it; `wangge open311 revoke` is the operator's way to revoke.
#[tokio::test]
async fn a_revoked_key_stops_within_ten_seconds() {
    let (f, key) = fixture().await;
    let key = key.as_str();
    let pairs = [
        ("api_key", key),
        ("service_code", "SR02"),
        ("lat", "26.05"),
        ("long", "119.15"),
        ("description", "井盖缺失"),
    ];
    let (s, a) = post_json(&f, &pairs).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let id = {
        let mut c = f.state.db.conn().await.unwrap();
        let keys = open311::list_keys(&mut c.handle()).await.unwrap();
        let k = keys.iter().find(|k| k.name == "test client").unwrap();
        assert!(
            open311::revoke_key(&mut c.handle(), k.id, f.state.now())
                .await
                .unwrap()
        );
        assert!(
            !open311::revoke_key(&mut c.handle(), k.id, f.state.now())
                .await
                .unwrap(),
            "a revoked key is not revoked twice"
        );
        k.id
    };
    // Within the ten seconds this server still trusts the key it checked.
    let (s, b) = post_json(&f, &pairs).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    f.state.clock.advance(10_001);
    let (s, c) = post_json(&f, &pairs).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{c}");
    assert_eq!(c[0]["code"], 403, "{c}");
    assert_eq!(f.event_count().await, 2);
    // Another server (a fresh state on the same database) refuses it at once.
    let other = router(AppState::new(
        f.state.db.clone(),
        WebConfig::default(),
        key_ring(),
    ));
    let (status, _, _) = call(
        &other,
        Request::builder()
            .method(Method::POST)
            .uri("/open311/v2/requests.json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_string(&pairs)))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "key {id}");
}
