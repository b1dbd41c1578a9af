//! The rest of the events API against a real database: reports and feedback with photos as
//! multipart bodies, the resident's tracking API (public timeline, rating once, reopening once),
//! the public board, the monthly analysis, the calendar and the printable forms as JSON.

use crate::common::{DAY, Fixture, Kit, Part, tiny_png};

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::deadline;

/// A point inside grid 350102001001001, one inside its neighbour 350102001001002, and one in
/// township B's grid 350102002001001.
const A1: (f64, f64) = (26.05, 119.05);
const A2: (f64, f64) = (26.05, 119.15);
const B1: (f64, f64) = (26.05, 119.25);
const VILLAGE_A: &str = "350102001001";
const GRID_A1: &str = "350102001001001";
const GRID_A2: &str = "350102001001002";

fn report(point: (f64, f64), category: &str, description: &str) -> Value {
    json!({
        "category_code": category,
        "description": description,
        "lat": point.0, "lon": point.1,
        "urgency": "normal",
        "reporter_name": "张三丰",
        "reporter_phone": "13912345678",
        "source": "operator_phone",
    })
}

/// A fixed Monday morning, so months and due times do not depend on the day the tests run.
async fn at_monday() -> Fixture {
    Kit::new().clock("2026-03-02T09:00:00+08:00").build().await
}

/// Creates an event by JSON; its number and tracking token.
async fn create(f: &Fixture, user: &str, body: Value) -> (String, String) {
    let (number, token) = f.report_by_api(user, body).await;
    (number, token.unwrap())
}

impl Fixture {
    /// The grid worker feeds back and the grid leader closes it.
    async fn handle_and_close(&self, number: &str, result: &str) {
        let status = self.detail("admin_city", number).await["status"].clone();
        if status == "reported" {
            self.act_ok(
                "gw_a1",
                number,
                json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
            )
            .await;
        }
        self.act_ok(
            "gw_a1",
            number,
            json!({"action": "feedback", "result": result, "photos": []}),
        )
        .await;
        let v = self
            .act_ok(
                "gl_a",
                number,
                json!({"action": "verify", "pass": true, "note": "核查属实"}),
            )
            .await;
        assert_eq!(v["status"], "closed");
    }
}

fn labels(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_multipart_report_and_feedback_carry_their_photos() {
    let f = at_monday().await;
    let png = tiny_png();
    let (s, v) = f
        .multipart_as(
            "op_a",
            "/api/v1/events",
            &[
                Part::Json("event", report(A1, "SR01", "垃圾堆积")),
                Part::File("photo", "before.png", png.clone()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let n = v["number"].as_str().unwrap().to_string();
    let d = f.detail("admin_city", &n).await;
    let photos = d["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1, "{d}");
    assert_eq!(d["history"][0]["attachments"], d["photos"]);
    let (s, h, body) = f
        .api_bytes("op_a", &format!("/api/v1/events/{n}/photos/{}", photos[0]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert!(body.len() >= 8, "the stored image");

    // A JSON body keeps working, with no photos.
    let (n2, _) = create(&f, "op_a", report(A1, "SR01", "另一处垃圾")).await;
    assert!(
        f.detail("admin_city", &n2).await["photos"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Feedback with a photo as a multipart action.
    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
    )
    .await;
    let (s, v) = f
        .multipart_as(
            "gw_a1",
            &format!("/api/v1/events/{n}/actions"),
            &[
                Part::Json(
                    "action",
                    json!({"action": "feedback", "result": "已清运", "photos": []}),
                ),
                Part::File("photo", "after.png", png),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "feedback_given");
    let last = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "feedback");
    let ids = last["attachments"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{last}");
    assert_ne!(ids[0], d["photos"][0], "a new photo");
}

#[tokio::test]
async fn bad_photos_are_refused_and_nothing_is_written() {
    let f = at_monday().await;
    let before = f.event_count().await;
    let event = report(A1, "SR01", "垃圾堆积");
    let mut broken = tiny_png();
    broken.truncate(20);
    let cases: Vec<(Vec<Part>, StatusCode, &str)> = vec![
        (
            vec![
                Part::Json("event", event.clone()),
                Part::File(
                    "photo",
                    "notes.txt",
                    b"just some text, not an image".to_vec(),
                ),
            ],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo.unsupported_type",
        ),
        (
            vec![
                Part::Json("event", event.clone()),
                Part::File("photo", "ok.png", tiny_png()),
                Part::File("photo", "broken.png", broken),
            ],
            StatusCode::BAD_REQUEST,
            "photo.corrupt",
        ),
        (
            vec![
                Part::Json("event", event.clone()),
                Part::File("photo", "big.png", {
                    let mut big = tiny_png();
                    big.resize(6 * 1024 * 1024, 0);
                    big
                }),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "photo.too_large",
        ),
        (
            (0..4)
                .map(|_| Part::File("photo", "p.png", tiny_png()))
                .chain([Part::Json("event", event.clone())])
                .collect(),
            StatusCode::BAD_REQUEST,
            "event.too_many_photos",
        ),
        (
            vec![Part::File("photo", "p.png", tiny_png())],
            StatusCode::BAD_REQUEST,
            "upload.invalid",
        ),
        (
            vec![Part::Json("event", json!({"category_code": "SR01"}))],
            StatusCode::BAD_REQUEST,
            "request.invalid_json",
        ),
    ];
    for (parts, status, code) in cases {
        let (s, v) = f.multipart_as("op_a", "/api/v1/events", &parts).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{v}");
    }
    assert_eq!(f.event_count().await, before, "nothing was written");

    // A refused photo on feedback leaves the event as it was.
    let (n, _) = create(&f, "op_a", event).await;
    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
    )
    .await;
    let steps = f.detail("admin_city", &n).await["history"]
        .as_array()
        .unwrap()
        .len();
    let (s, v) = f
        .multipart_as(
            "gw_a1",
            &format!("/api/v1/events/{n}/actions"),
            &[
                Part::Json(
                    "action",
                    json!({"action": "feedback", "result": "已清运", "photos": []}),
                ),
                Part::File("photo", "x.gif", b"GIF89a not allowed".to_vec()),
            ],
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("photo.unsupported_type")
        )
    );
    // Photos on an action that takes none are refused by the workflow, inside the transaction.
    let (s, v) = f
        .multipart_as(
            "gw_a1",
            &format!("/api/v1/events/{n}/actions"),
            &[
                Part::Json(
                    "action",
                    json!({"action": "escalate", "to": "", "due_ms": null, "note": "上报"}),
                ),
                Part::File("photo", "p.png", tiny_png()),
            ],
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.photos_unexpected"))
    );
    let d = f.detail("admin_city", &n).await;
    assert_eq!(d["status"], "accepted");
    assert_eq!(d["level"], 1);
    assert_eq!(d["history"].as_array().unwrap().len(), steps);
}

#[tokio::test]
async fn tracking_shows_the_public_timeline_without_internal_notes_or_names() {
    let f = at_monday().await;
    let (n, token) = create(&f, "op_a", report(A1, "SR01", "门口垃圾没人清运")).await;
    let (s, v) = f
        .anonymous(Method::GET, &format!("/api/v1/track/{token}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["number"], n.as_str());
    assert_eq!(v["status"], "reported");
    assert_eq!(labels(&v["steps"]), ["report"]);
    assert_eq!(v["steps"][0]["note"], "门口垃圾没人清运");
    assert_eq!(v["can_rate"], false);

    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "accept", "due_ms": null, "urgency": null, "note": "ACCEPT-INTERNAL"}),
    )
    .await;
    f.act_ok(
        "gl_a",
        &n,
        json!({"action": "remind", "note": "REMIND-INTERNAL"}),
    )
    .await;
    f.act_ok(
        "op_a",
        &n,
        json!({"action": "supervise", "mark": "important", "note": "SUPERVISE-INTERNAL"}),
    )
    .await;
    f.handle_and_close(&n, "已清运完毕").await;

    let (s, v) = f
        .anonymous(Method::GET, &format!("/api/v1/track/{token}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        labels(&v["steps"]),
        ["report", "accept", "feedback", "close"]
    );
    assert_eq!(v["status"], "closed");
    assert_eq!(
        (v["can_rate"].clone(), v["can_reopen"].clone()),
        (json!(true), json!(true))
    );
    assert!(v["window_ends_at"].is_string());
    let text = v.to_string();
    assert!(text.contains("已清运完毕") && text.contains("核查属实"));
    for secret in [
        "ACCEPT-INTERNAL",
        "REMIND-INTERNAL",
        "SUPERVISE-INTERNAL",
        "张三丰",
        "张**",
        "13912345678",
        "139****5678",
        "用户gw_a1",
        "用户gl_a",
        "用户op_a",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // The staff view of the same event does hold them: the filter is what hides them.
    let staff = f.detail("admin_city", &n).await.to_string();
    assert!(staff.contains("REMIND-INTERNAL") && staff.contains("用户gw_a1"));

    let (s, v) = f
        .anonymous(Method::GET, "/api/v1/track/not-a-token", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("event.not_found"))
    );
}

#[tokio::test]
async fn a_rating_is_given_once() {
    let f = at_monday().await;
    let (n, token) = create(&f, "op_a", report(A1, "SR01", "垃圾堆积")).await;
    let uri = format!("/api/v1/track/{token}/rate");
    // Not before it is closed.
    let (s, v) = f
        .anonymous(Method::POST, &uri, Some(json!({"stars": 5, "comment": ""})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("event.action_not_allowed"))
    );
    f.handle_and_close(&n, "已清运").await;
    let (s, v) = f
        .anonymous(Method::POST, &uri, Some(json!({"stars": 9, "comment": ""})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.stars_invalid"))
    );
    let (s, v) = f
        .anonymous(
            Method::POST,
            &uri,
            Some(json!({"stars": 4, "comment": "很好"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rating"], 4);
    assert_eq!(v["rating_comment"], "很好");
    assert_eq!(
        (v["can_rate"].clone(), v["can_reopen"].clone()),
        (json!(false), json!(false))
    );
    let (s, v) = f
        .anonymous(
            Method::POST,
            &uri,
            Some(json!({"stars": 1, "comment": "again"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("event.already_rated"))
    );
    let (s, v) = f
        .anonymous(
            Method::POST,
            &format!("/api/v1/track/{token}/reopen"),
            Some(json!({"reason": "还是脏"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("event.already_rated")),
        "no reopening after rating"
    );
    assert_eq!(f.detail("admin_city", &n).await["rating"], 4);
}

#[tokio::test]
async fn a_reopening_is_asked_once() {
    let f = at_monday().await;
    let (n, token) = create(&f, "op_a", report(A1, "SR01", "垃圾堆积")).await;
    f.handle_and_close(&n, "已清运").await;
    let uri = format!("/api/v1/track/{token}/reopen");
    let (s, v) = f
        .anonymous(Method::POST, &uri, Some(json!({"reason": "  "})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("event.reason_required"))
    );
    let (s, v) = f
        .anonymous(Method::POST, &uri, Some(json!({"reason": "还是堆着"})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    assert_eq!(labels(&v["steps"]).last().unwrap(), "reopen");
    assert!(v.to_string().contains("还是堆着"), "the reason is public");
    // Handled and closed again: a second reopening is refused.
    f.handle_and_close(&n, "再次清运").await;
    let (s, v) = f
        .anonymous(Method::POST, &uri, Some(json!({"reason": "又堆了"})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("event.already_reopened"))
    );
    assert_eq!(f.detail("admin_city", &n).await["status"], "closed");
}

#[tokio::test]
async fn the_public_board_shows_closed_events_without_personal_data() {
    let f = at_monday().await;
    let (closed, _) = create(&f, "op_a", report(A1, "SR01", "垃圾堆积,联系 13912345678")).await;
    f.handle_and_close(&closed, "已清运完毕").await;
    let (open, _) = create(&f, "op_a", report(A1, "MD01", "邻居吵架")).await;
    for code in [VILLAGE_A, GRID_A1] {
        let (s, v) = f
            .anonymous(Method::GET, &format!("/api/v1/public/{code}"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["node"]["code"], code);
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "only the closed one: {v}");
        assert_eq!(items[0]["category"], "暴露垃圾");
        assert_eq!(items[0]["result"], "已清运完毕");
        assert!(items[0]["closed_at"].is_string());
        assert!(
            items[0]["summary"]
                .as_str()
                .unwrap()
                .contains("***********")
        );
        let text = v.to_string();
        for secret in [
            "13912345678",
            "139****5678",
            "张三丰",
            "张**",
            "核查属实",
            &open,
        ] {
            assert!(!text.contains(secret), "{secret} on the board: {text}");
        }
        assert!(
            !text.contains(&closed),
            "numbers stay off the board, as on the page"
        );
    }
    let (_, v) = f
        .anonymous(Method::GET, "/api/v1/public/350102002001", None)
        .await;
    assert!(v["items"].as_array().unwrap().is_empty(), "another village");
    let (s, v) = f.anonymous(Method::GET, "/api/v1/public/999", None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("node.not_found"))
    );
}

#[tokio::test]
async fn the_analysis_counts_the_events_made() {
    let f = at_monday().await;
    let made = [
        ("op_a", A1, "SR01"),
        ("op_a", A1, "SR01"),
        ("op_a", A1, "MD01"),
        ("op_a", A2, "SR01"),
        ("op_b", B1, "SR01"),
    ];
    let mut numbers = Vec::new();
    for (user, point, category) in made {
        numbers.push(create(&f, user, report(point, category, "事件")).await.0);
    }
    f.handle_and_close(&numbers[0], "已处理").await;
    let in_village = |grid: Option<&str>, category: Option<&str>| {
        made.iter()
            .filter(|(_, p, c)| {
                let g = if *p == A1 {
                    GRID_A1
                } else if *p == A2 {
                    GRID_A2
                } else {
                    "elsewhere"
                };
                grid.map_or(g != "elsewhere", |x| x == g) && category.is_none_or(|x| x == *c)
            })
            .count() as i64
    };
    let (s, v) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/analysis?node={VILLAGE_A}&month=2026-03"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["month"], "2026-03");
    assert_eq!(v["node"]["code"], VILLAGE_A);
    assert_eq!(v["figures"]["total"], in_village(None, None));
    assert_eq!(v["figures"]["closed"], 1);
    let child = |code: &str| {
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap_or_else(|| panic!("no child {code}: {v}"))
            .clone()
    };
    assert_eq!(
        child(GRID_A1)["figures"]["total"],
        in_village(Some(GRID_A1), None)
    );
    assert_eq!(
        child(GRID_A2)["figures"]["total"],
        in_village(Some(GRID_A2), None)
    );
    let category = |code: &str| {
        v["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map_or(0, |c| c["count"].as_i64().unwrap())
    };
    assert_eq!(category("SR01"), in_village(None, Some("SR01")));
    assert_eq!(category("MD01"), in_village(None, Some("MD01")));
    let level_sum: i64 = v["by_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["count"].as_i64().unwrap())
        .sum();
    assert_eq!(level_sum, in_village(None, None));
    // The workbook link answers the same node and month as a file.
    let xlsx = v["xlsx"].as_str().unwrap().to_string();
    assert!(
        xlsx.starts_with("/analysis.xlsx?") && xlsx.contains(VILLAGE_A),
        "{xlsx}"
    );
    let (s, h, _) = f.api_bytes("gl_a", &xlsx).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    // Another month is empty; another village is out of the grid leader's area; a bad month is refused.
    let (_, v) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/analysis?node={VILLAGE_A}&month=2026-02"),
            None,
        )
        .await;
    assert_eq!(v["figures"]["total"], 0);
    let (s, v) = f
        .api(
            "gl_a",
            Method::GET,
            "/api/v1/analysis?node=350102002001&month=2026-03",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("node.not_found"))
    );
    let (s, v) = f
        .api("gl_a", Method::GET, "/api/v1/analysis?month=2026-3", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("analysis.month_invalid"))
    );
}

#[tokio::test]
async fn the_calendar_is_read_by_all_and_entered_by_the_top_administrator() {
    let f = at_monday().await;
    let uri = "/api/v1/calendar/2031";
    let text = "year 2031\nholiday 2031-10-01..2031-10-07\nworkday 2031-09-28\n";
    let (s, v) = f.api("op_a", Method::GET, uri, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["loaded"], false);
    assert_eq!(v["can_edit"], false);
    for user in ["op_a", "admin_a"] {
        let (s, v) = f
            .api(user, Method::PUT, uri, Some(json!({ "body": text })))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.forbidden")),
            "{user}"
        );
    }
    // Bad text is refused with its line, and nothing is stored.
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            uri,
            Some(json!({"body": "year 2031\nholiday 2031-02-30\n"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("calendar.bad_data"))
    );
    assert_eq!(v["details"]["line"], 2);
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/calendar/2032",
            Some(json!({ "body": text })),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("calendar.bad_year"))
    );
    let (_, v) = f.api("op_a", Method::GET, uri, None).await;
    assert_eq!(v["loaded"], false, "nothing stored");

    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            uri,
            Some(json!({ "body": text })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = f.api("op_a", Method::GET, uri, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["loaded"], true);
    let holidays: Vec<&str> = v["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(holidays.len(), 7);
    assert_eq!(holidays[0], "2031-10-01");
    assert_eq!(v["workdays"], json!(["2031-09-28"]));
    assert!(v["loaded_years"].as_array().unwrap().contains(&json!(2031)));
    let (s, v) = f
        .api("op_a", Method::GET, "/api/v1/calendar/31", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("calendar.year_invalid"))
    );
}

#[tokio::test]
async fn the_printable_forms_as_json() {
    let f = at_monday().await;
    let (n, _) = create(&f, "op_a", report(A1, "SR01", "垃圾堆积,联系 13912345678")).await;
    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
    )
    .await;
    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "escalate", "to": "", "due_ms": null, "note": "需社区协调"}),
    )
    .await;
    let due = f.state.now() + 3 * DAY;
    f.act_ok(
        "gl_a",
        &n,
        json!({"action": "assign", "to": {"type": "department", "code": "350102001000D01"}, "due_ms": due, "note": "请城管科处理"}),
    )
    .await;
    let form = |name: &str| format!("/api/v1/events/{n}/forms/{name}");

    let (s, v) = f.api("gl_a", Method::GET, &form("assign"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["form"], "assign");
    assert_eq!(v["title"], "交办单");
    assert_eq!(v["event"]["number"], n.as_str());
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the assignment: {v}");
    assert_eq!(items[0]["action"], "assign");
    assert_eq!(items[0]["note"], "请城管科处理");
    assert_eq!(items[0]["to"], "节点350102001000D01");
    assert_eq!(
        items[0]["due_at"],
        deadline::format_rfc3339(due).unwrap().as_str()
    );

    let (s, v) = f.api("gl_a", Method::GET, &form("report"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["action"], "report");
    assert_eq!(v["reporter"]["phone"], "139****5678");
    assert!(
        v["event"]["description"]
            .as_str()
            .unwrap()
            .contains("***********")
    );
    assert!(!v.to_string().contains("13912345678"), "no clear phone");
    let (_, v) = f.api("gl_a", Method::GET, &form("feedback"), None).await;
    assert!(v["items"].as_array().unwrap().is_empty(), "no feedback yet");

    let (s, v) = f.api("gl_a", Method::GET, &form("other"), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("event.form_unknown"))
    );
    // Outside the caller's area the event does not exist, whatever the form.
    for user in ["op_b", "gw_b1"] {
        let (s, v) = f.api(user, Method::GET, &form("assign"), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("event.not_found")),
            "{user}"
        );
    }
}
