//! The work pages and the events API against a real database: inboxes by role and area, the
//! whole loop through the API, the actions each role sees, refusals that write nothing, lights
//! and the overdue inbox as the clock moves, printable forms and the public results board.

use crate::common::{DAY, Fixture, Kit, StaffRow, TreeRow, tiny_png};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::deadline;
use wangge_domain::{NodeKind, Role};

/// The standard tree with a second department of township A and its handler.
const MORE_TREE: &[TreeRow] = &[(
    "350102001000D02",
    NodeKind::Department,
    Some("350102001000"),
    None,
    None,
)];
const MORE_STAFF: &[StaffRow] = &[("dept_a2", Role::DeptHandler, "350102001000D02")];

/// A fixed Monday morning, so due times and lights do not depend on the day the tests run.
async fn fixture() -> Fixture {
    Kit::new()
        .more_tree(MORE_TREE)
        .more_staff(MORE_STAFF)
        .clock("2026-03-02T09:00:00+08:00")
        .build()
        .await
}

/// A point inside grid 350102001001001.
const A1: (f64, f64) = (26.05, 119.05);

impl Fixture {
    async fn inbox(&self, user: &str, inbox: &str) -> Vec<Value> {
        let (s, v) = self
            .api(
                user,
                Method::GET,
                &format!("/api/v1/events?inbox={inbox}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }

    async fn history_len(&self, number: &str) -> usize {
        self.detail("admin_city", number).await["history"]
            .as_array()
            .unwrap()
            .len()
    }
}

fn numbers(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect()
}

fn rubbish() -> Value {
    json!({
        "category_code": "SR01",
        "description": "小区门口垃圾堆积,联系我 13912345678",
        "lat": A1.0, "lon": A1.1,
        "address": "幸福路1号",
        "urgency": "normal",
        "reporter_name": "张三丰",
        "reporter_phone": "13912345678",
        "source": "operator_phone",
    })
}

fn actions_of(v: &Value) -> Vec<String> {
    v["available_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The action forms an event page shows.
fn forms_on(page: &str) -> Vec<String> {
    page.split("data-testid=\"act-")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_string())
        .filter(|k| k != "done" && k != "error")
        .collect()
}

#[tokio::test]
async fn a_new_event_is_in_the_holding_nodes_inbox_only() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", rubbish()).await.0;
    let v = f.detail("gw_a1", &n).await;
    assert_eq!(v["status"], "reported");
    assert_eq!(v["level"], 1);
    assert_eq!(v["grid"]["code"], "350102001001001");
    assert_eq!(v["reporter"]["phone"], "139****5678", "masked");
    assert!(
        !v["reporter"].to_string().contains("13912345678"),
        "no clear phone"
    );
    assert!(numbers(&f.inbox("gw_a1", "to_accept").await).contains(&n));
    assert!(!numbers(&f.inbox("gw_a2", "to_accept").await).contains(&n));
    assert!(
        !numbers(&f.inbox("gl_a", "to_accept").await).contains(&n),
        "held at the grid"
    );
    assert!(numbers(&f.inbox("gl_a", "all").await).contains(&n));
    for other in ["op_b", "gw_b1"] {
        for inbox in ["to_accept", "all"] {
            assert!(
                !numbers(&f.inbox(other, inbox).await).contains(&n),
                "{other} {inbox}"
            );
        }
        let (s, v) = f
            .api(other, Method::GET, &format!("/api/v1/events/{n}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["code"], "event.not_found");
    }
    // The inbox page lists it for the worker with its light.
    let (s, page) = f.page("gw_a1", "/events?inbox=to_accept").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("data-number=\"{n}\"")));
    assert!(page.contains("data-light=\"green\""));
    let (_, page) = f.page("op_b", "/events?inbox=all").await;
    assert!(!page.contains(&n));

    // The home page counts what waits: one to accept for the worker, none for the neighbour.
    let (_, home) = f.page("gw_a1", "/").await;
    assert!(home.contains("data-inbox=\"to_accept\"><b>1</b>"), "{home}");
    let (_, home) = f.page("gw_a2", "/").await;
    assert!(home.contains("data-inbox=\"to_accept\"><b>0</b>"));

    // The personal inbox: empty until the worker acts, then it holds the event.
    assert!(f.inbox("gw_a1", "mine").await.is_empty());
    let (s, v) = f
        .act_by_api(
            "gw_a1",
            &n,
            json!({"action": "accept", "due_ms": null, "urgency": null, "note": "收到"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        numbers(&f.inbox("gw_a1", "mine").await),
        std::slice::from_ref(&n)
    );
    assert!(f.inbox("gw_a2", "mine").await.is_empty());
    let (_, page) = f.page("gw_a1", "/events?inbox=mine").await;
    assert!(page.contains("data-inbox=\"mine\" class=\"active\""));
    assert!(page.contains(&format!("data-number=\"{n}\"")));
}

#[tokio::test]
async fn bad_input_answers_codes_and_writes_nothing() {
    let f = fixture().await;
    let mut body = rubbish();
    body["category_code"] = json!("NOPE");
    let (s, v) = f
        .api("op_a", Method::POST, "/api/v1/events", Some(body))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.category_unknown"))
    );
    let mut body = rubbish();
    body["lat"] = json!(10.0);
    body["lon"] = json!(10.0);
    let (s, v) = f
        .api("op_a", Method::POST, "/api/v1/events", Some(body))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.location_outside"))
    );
    let mut body = rubbish();
    body["source"] = json!("api");
    let (s, v) = f
        .api("op_a", Method::POST, "/api/v1/events", Some(body))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.source_invalid"))
    );
    let (s, v) = f
        .api("op_a", Method::GET, "/api/v1/events?inbox=everything", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.inbox_invalid"))
    );
    let (s, v) = f
        .api("op_a", Method::GET, "/api/v1/events?level=9", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        f.inbox("admin_city", "all").await.is_empty(),
        "nothing was written"
    );
    let (s, v) = f.api("op_a", Method::GET, "/api/v1/categories", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["items"].as_array().unwrap().len() > 30);
}

#[tokio::test]
async fn the_whole_loop_through_the_api() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", rubbish()).await.0;

    // The worker accepts, then sends it up to the village.
    let v = f.detail("gw_a1", &n).await;
    let acts = actions_of(&v);
    for k in ["accept", "reject", "handle_on_spot"] {
        assert!(acts.contains(&k.to_string()), "worker may {k}: {acts:?}");
    }
    assert!(!acts.contains(&"verify".to_string()));
    let (s, v) = f
        .act_by_api(
            "gw_a1",
            &n,
            json!({"action": "accept", "due_ms": null, "urgency": null, "note": "收到"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    let (s, v) = f
        .act_by_api(
            "gw_a1",
            &n,
            json!({"action": "escalate", "to": "", "due_ms": null, "note": "需社区协调"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["level"], 2);
    assert_eq!(v["owner"]["code"], "350102001001");
    assert!(numbers(&f.inbox("gl_a", "to_handle").await).contains(&n));

    // The village's grid leader assigns it to a township department.
    let due = f.state.now() + 3 * DAY;
    let (s, v) = f
        .act_by_api("gl_a", &n, json!({"action": "assign", "to": {"type": "department", "code": "350102001000D01"}, "due_ms": due, "note": "请城管科处理"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "assigned");
    assert!(numbers(&f.inbox("dept_a", "to_handle").await).contains(&n));

    // The department may feed back, return or transfer; not verify.
    let v = f.detail("dept_a", &n).await;
    let acts = actions_of(&v);
    for k in ["feedback", "return", "transfer"] {
        assert!(
            acts.contains(&k.to_string()),
            "department may {k}: {acts:?}"
        );
    }
    assert!(!acts.contains(&"verify".to_string()));
    let (_, page) = f.page("dept_a", &format!("/events/{n}")).await;
    let forms = forms_on(&page);
    assert!(
        forms.contains(&"feedback".to_string())
            && forms.contains(&"return".to_string())
            && forms.contains(&"transfer".to_string()),
        "{forms:?}"
    );
    assert!(!forms.contains(&"verify".to_string()));
    assert!(
        page.contains("350102001000D02"),
        "the other department is a transfer target"
    );

    // The worker may not feed back for the department: 403, nothing appended.
    let before = f.history_len(&n).await;
    let (s, v) = f
        .act_by_api(
            "gw_a1",
            &n,
            json!({"action": "feedback", "result": "x", "photos": []}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("event.role_not_allowed"))
    );
    // A feedback pointing at a photo that is not this event's is refused.
    let (s, v) = f
        .act_by_api(
            "dept_a",
            &n,
            json!({"action": "feedback", "result": "x", "photos": ["999"]}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.attachments_invalid"))
    );
    assert_eq!(f.history_len(&n).await, before);

    let (s, v) = f
        .act_by_api(
            "dept_a",
            &n,
            json!({"action": "feedback", "result": "已清运完毕", "photos": []}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "feedback_given");
    assert!(numbers(&f.inbox("gl_a", "to_verify").await).contains(&n));

    // Neither the worker nor the department verifies; the grid leader does.
    let before = f.history_len(&n).await;
    for u in ["gw_a1", "dept_a"] {
        let (s, v) = f
            .act_by_api(u, &n, json!({"action": "verify", "pass": true, "note": ""}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{u}: {v}");
        let (_, page) = f.page(u, &format!("/events/{n}")).await;
        assert!(
            !forms_on(&page).contains(&"verify".to_string()),
            "{u} sees no verify form"
        );
    }
    let (_, page) = f.page("gl_a", &format!("/events/{n}")).await;
    assert!(forms_on(&page).contains(&"verify".to_string()));
    assert_eq!(f.history_len(&n).await, before);
    let (s, v) = f
        .act_by_api(
            "gl_a",
            &n,
            json!({"action": "verify", "pass": true, "note": "现场核实"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    let labels: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "report", "accept", "escalate", "assign", "feedback", "close"
        ]
    );
    assert!(numbers(&f.inbox("gl_a", "closed").await).contains(&n));

    // A closed event is not accepted again: 409, nothing appended.
    let (s, v) = f
        .act_by_api(
            "gl_a",
            &n,
            json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("event.action_not_allowed"))
    );
    assert_eq!(f.history_len(&n).await, 6);
    let (_, page) = f.page("gl_a", &format!("/events/{n}")).await;
    assert!(forms_on(&page).is_empty(), "no actions on a closed event");
    assert!(page.contains("data-testid=\"no-actions\""));

    // Printable forms.
    for form in ["report", "assign", "remind", "feedback"] {
        let (s, page) = f.page("gl_a", &format!("/events/{n}/print/{form}")).await;
        assert_eq!(s, StatusCode::OK, "{form}");
        assert!(page.contains(&n), "{form} shows the number");
        assert!(!page.contains("13912345678"), "{form}: no clear phone");
    }
    let (_, page) = f.page("gl_a", &format!("/events/{n}/print/assign")).await;
    assert!(page.contains("请城管科处理"));
    let (_, page) = f.page("gl_a", &format!("/events/{n}/print/feedback")).await;
    assert!(page.contains("已清运完毕"));
    let (s, _) = f.page("gl_a", &format!("/events/{n}/print/other")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.page("op_b", &format!("/events/{n}/print/report")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "outside the area");

    // The public board of the village and of the grid: no log-in, no personal data.
    for code in ["350102001001", "350102001001001"] {
        let (s, page) = f.page("", &format!("/public/{code}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("暴露垃圾") && page.contains("已清运完毕"),
            "{code}"
        );
        assert!(!page.contains("13912345678") && !page.contains("139****5678"));
        assert!(!page.contains("张三丰") && !page.contains("张**"));
        assert!(!page.contains("请城管科处理"), "no internal notes");
    }
    let (_, page) = f.page("", "/public/350102002001").await;
    assert!(!page.contains("暴露垃圾"), "another village's board");
    let (s, _) = f.page("", "/public/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_act_through_forms() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", rubbish()).await.0;
    let uri = format!("/events/{n}/act");
    let (_, page) = f.page("gw_a1", &format!("/events/{n}")).await;
    let forms = forms_on(&page);
    assert!(
        forms.contains(&"accept".to_string())
            && !forms.contains(&"verify".to_string())
            && !forms.contains(&"supervise".to_string()),
        "{forms:?}"
    );
    let (_, page) = f.page("op_a", &format!("/events/{n}")).await;
    assert!(
        forms_on(&page).contains(&"supervise".to_string()),
        "the centre operator supervises"
    );

    // A reject without a reason re-renders the page with the error in Chinese, nothing written.
    let (s, _, body) = f
        .form(
            "gw_a1",
            &uri,
            "application/x-www-form-urlencoded",
            b"action=reject&reason=".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("data-testid=\"act-error\"") && body.contains("请填写理由"),
        "{body}"
    );
    assert_eq!(f.history_len(&n).await, 1);

    let (s, h, _) = f
        .form(
            "gw_a1",
            &uri,
            "application/x-www-form-urlencoded",
            "action=accept&urgency=urgent&note=%E6%94%B6%E5%88%B0"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with(&format!("/events/{n}?done=accept"))
    );
    let v = f.detail("gw_a1", &n).await;
    assert_eq!(
        (v["status"].as_str(), v["urgency"].as_str()),
        (Some("accepted"), Some("urgent"))
    );

    // The operator supervises and reminds from the page.
    let (s, _, _) = f
        .form(
            "op_a",
            &uri,
            "application/x-www-form-urlencoded",
            b"action=supervise&mark=important&note=".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = f
        .form(
            "op_a",
            &uri,
            "application/x-www-form-urlencoded",
            "action=remind&note=%E5%B0%BD%E5%BF%AB".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(numbers(&f.inbox("op_a", "supervised").await).contains(&n));
    let (_, page) = f.page("op_a", "/events?inbox=supervised").await;
    assert!(page.contains("data-supervision=\"important\""));
    let (_, page) = f.page("op_a", &format!("/events/{n}/print/remind")).await;
    assert!(page.contains("尽快"));

    // The worker feeds back with a photo (multipart); the photo is served to those in scope.
    let boundary = "XyZ";
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nfeedback\r\n"
        )
        .as_bytes(),
    );
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"result\"\r\n\r\n已清理\r\n"
        )
        .as_bytes(),
    );
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend(tiny_png());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (s, _, text) = f
        .form(
            "gw_a1",
            &uri,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{text}");
    let v = f.detail("gw_a1", &n).await;
    let last = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "feedback");
    let photo = last["attachments"][0].as_i64().unwrap();
    let (s, h, _) = f
        .api_bytes("gl_a", &format!("/api/v1/events/{n}/photos/{photo}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    let (s, _) = f
        .api(
            "gw_b1",
            Method::GET,
            &format!("/api/v1/events/{n}/photos/{photo}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = f.page("gl_a", &format!("/events/{n}")).await;
    assert!(
        page.contains(&format!("/photos/{photo}")),
        "the timeline shows the thumbnail"
    );

    // A non-image is refused with nothing written.
    let before = f.history_len(&n).await;
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nverify\r\n"
        )
        .as_bytes(),
    );
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"pass\"\r\n\r\n1\r\n")
            .as_bytes(),
    );
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.txt\"\r\n\r\nhello\r\n--{boundary}--\r\n").as_bytes());
    let (s, _, _) = f
        .form(
            "gl_a",
            &uri,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(f.history_len(&n).await, before);

    // Cross-site posts are refused.
    let req = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::COOKIE,
            format!("wangge_session={}", f.creds["gl_a"].1),
        )
        .body(Body::from("action=verify&pass=1"))
        .unwrap();
    let (s, _, _) = f.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(f.history_len(&n).await, before);
}

#[tokio::test]
async fn lights_turn_and_the_overdue_inbox_fills_as_the_clock_moves() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", rubbish()).await.0;
    let v = f.detail("gw_a1", &n).await;
    let due = deadline::parse_rfc3339(v["due_at"].as_str().unwrap()).unwrap();
    let start = f.state.now();
    assert!(due > start);
    assert_eq!(v["calendar_missing"], false);
    let light = |items: Vec<Value>| {
        items
            .iter()
            .find(|i| i["number"] == n.as_str())
            .map(|i| i["light"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        light(f.inbox("gw_a1", "all").await).as_deref(),
        Some("green")
    );
    assert!(!numbers(&f.inbox("gw_a1", "overdue").await).contains(&n));

    f.state.clock.advance((due - start) * 85 / 100);
    assert_eq!(
        light(f.inbox("gw_a1", "all").await).as_deref(),
        Some("yellow")
    );
    let (_, page) = f.page("gw_a1", "/events?inbox=all").await;
    assert!(page.contains("light-yellow"));
    assert!(!numbers(&f.inbox("gw_a1", "overdue").await).contains(&n));

    f.state.clock.advance(due - f.state.now() + 60_000);
    assert_eq!(light(f.inbox("gw_a1", "all").await).as_deref(), Some("red"));
    assert!(numbers(&f.inbox("gw_a1", "overdue").await).contains(&n));
    assert!(!numbers(&f.inbox("gw_b1", "overdue").await).contains(&n));
    let (_, page) = f.page("gw_a1", "/events?inbox=overdue").await;
    assert!(page.contains(&n) && page.contains("light-red"));
    let (_, page) = f.page("gw_a1", &format!("/events/{n}")).await;
    assert!(page.contains("data-light=\"red\""));
}

#[tokio::test]
async fn a_due_time_past_the_loaded_calendar_is_flagged_not_guessed() {
    let f = fixture().await;
    // Three working days from the last days of the last loaded year reach into a year no one
    // has entered yet.
    let late_december = deadline::parse_rfc3339("2026-12-30T09:00:00+08:00").unwrap();
    f.state.clock.advance(late_december - f.state.now());
    let n = f.report_by_api("op_a", rubbish()).await.0;
    let v = f.detail("gw_a1", &n).await;
    assert_eq!(v["calendar_missing"], true, "{v}");
    assert_eq!(v["due_at"], Value::Null, "{v}");
    let flagged = |page: &str, number: &str| {
        page.split("<tr class=\"ev-row\"")
            .find(|row| row.contains(&format!("data-number=\"{number}\"")))
            .is_some_and(|row| row.contains("data-testid=\"calendar-missing\""))
    };
    let (_, page) = f.page("gw_a1", "/events?inbox=all").await;
    assert!(flagged(&page, &n), "the inbox row shows the flag");
    let (_, page) = f.page("gw_a1", &format!("/events/{n}")).await;
    assert!(page.contains("data-testid=\"calendar-missing\""));

    // An emergency's acceptance limit is in minutes and needs no calendar.
    let mut urgent = rubbish();
    urgent["urgency"] = json!("emergency");
    urgent["description"] = json!("燃气管道泄漏");
    let e = f.report_by_api("op_a", urgent).await.0;
    let v = f.detail("gw_a1", &e).await;
    let due = deadline::parse_rfc3339(v["due_at"].as_str().unwrap()).unwrap();
    let reported = deadline::parse_rfc3339(v["reported_at"].as_str().unwrap()).unwrap();
    // RFC 3339 keeps whole seconds; the due time is 30 minutes after the report.
    assert_eq!(due / 1000, (reported + 30 * 60_000) / 1000, "{v}");
    let (_, page) = f.page("gw_a1", "/events?inbox=all").await;
    assert!(!flagged(&page, &e), "its due time is known");
    assert!(flagged(&page, &n));
    let (_, page) = f.page("gw_a1", &format!("/events/{e}")).await;
    assert_eq!(
        page.matches("data-testid=\"calendar-missing\"").count(),
        1,
        "only its case limit is unknown"
    );
}

#[tokio::test]
async fn inbox_filters_and_pages() {
    let f = fixture().await;
    let mut made = Vec::new();
    for i in 0..23 {
        let mut b = rubbish();
        b["description"] = json!(format!("事件{i:02}"));
        made.push(f.report_by_api("op_a", b).await.0);
    }
    let mut b = rubbish();
    b["category_code"] = json!("JM02");
    b["description"] = json!("乱停车");
    let parked = f.report_by_api("op_a", b).await.0;
    let (s, page) = f.page("op_a", "/events?inbox=all").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page.matches("class=\"ev-row\"").count(), 20);
    assert!(page.contains("data-testid=\"page-next\""));
    let (_, page2) = f.page("op_a", "/events?inbox=all&page=2").await;
    assert_eq!(page2.matches("class=\"ev-row\"").count(), 4);
    let (_, page) = f.page("op_a", "/events?inbox=all&category=JM").await;
    assert_eq!(page.matches("class=\"ev-row\"").count(), 1);
    assert!(page.contains(&parked));
    let (_, page) = f
        .page("op_a", "/events?inbox=all&q=%E4%BA%8B%E4%BB%B605")
        .await;
    assert!(page.contains(&made[5]) && page.matches("class=\"ev-row\"").count() == 1);
    let (s, _) = f.page("op_a", "/events?inbox=bogus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/events?inbox=all&status=reported&level=1&limit=5&offset=20",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    let (s, _) = f.page("", "/events").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "log in first");
}

#[tokio::test]
async fn the_village_gives_a_case_to_one_worker_in_person_from_the_page() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", rubbish()).await.0;
    let accept = json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""});
    assert_eq!(f.act_by_api("gw_a1", &n, accept).await.0, StatusCode::OK);
    let up = json!({"action": "escalate", "to": "", "due_ms": null, "note": "需社区协调"});
    assert_eq!(f.act_by_api("gw_a1", &n, up).await.0, StatusCode::OK);
    let worker = f.api("gw_a2", Method::GET, "/api/v1/me", None).await.1["user_id"]
        .as_i64()
        .unwrap();
    let (_, page) = f.page("gl_a", &format!("/events/{n}")).await;
    let option = format!("value=\"person:{worker}\"");
    assert!(page.contains("data-testid=\"assign-persons\"") && page.contains(&option));
    let outsider = f.api("gw_b1", Method::GET, "/api/v1/me", None).await.1["user_id"]
        .as_i64()
        .unwrap();
    assert!(!page.contains(&format!("value=\"person:{outsider}\"")));

    let due = deadline::format_rfc3339(f.state.now() + 2 * DAY).unwrap();
    let body = format!(
        "action=assign&to=person%3A{worker}&due={}&note=",
        &due[..10]
    );
    let (s, _, text) = f
        .form(
            "gl_a",
            &format!("/events/{n}/act"),
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{text}");
    let v = f.detail("gl_a", &n).await;
    assert_eq!(v["status"], "assigned");
    assert!(v["holder"].to_string().contains("用户gw_a2"), "{v}");
    assert_eq!(
        numbers(&f.inbox("gw_a2", "mine").await),
        std::slice::from_ref(&n)
    );
    // The worker it was given to feeds back in person; the village verifies it.
    let (s, v) = f
        .act_by_api(
            "gw_a2",
            &n,
            json!({"action": "feedback", "result": "已上门处理", "photos": []}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(f.detail("gl_a", &n).await["status"], "feedback_given");
    let (s, v) = f
        .act_by_api(
            "gl_a",
            &n,
            json!({"action": "verify", "pass": true, "note": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(f.detail("gl_a", &n).await["status"], "closed");
    // A person's id that is not a number is a clear error, and nothing changes.
    let (s, _, _) = f
        .form(
            "gl_a",
            &format!("/events/{n}/act"),
            "application/x-www-form-urlencoded",
            b"action=assign&to=person%3Aabc&due=2030-01-01&note=".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
