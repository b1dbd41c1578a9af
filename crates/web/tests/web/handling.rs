//! Handling work: opening a reporter's contact (the holder and the centre above it, with an
//! audited reason, on the page, through the API and for one print), leaders who supervise and
//! remind and watch their area from home, who has an event in hand now, and one way of saying
//! a due time on every page.

use crate::common::{FORM, Fixture, Kit, StaffRow, TreeRow, form_body, testid};

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::{NodeKind, Role};
use wangge_web::ui::{due_text, time_text};

const MORE_TREE: &[TreeRow] = &[(
    "350102001000D02",
    NodeKind::Department,
    Some("350102001000"),
    None,
    None,
)];
const MORE_STAFF: &[StaffRow] = &[
    ("dept_a2", Role::DeptHandler, "350102001000D02"),
    ("leader_a", Role::Leader, "350102001000"),
];

const PHONE: &str = "13912345678";

/// A fixed Monday morning, so due times do not depend on the day the tests run.
async fn fixture() -> Fixture {
    Kit::new()
        .more_tree(MORE_TREE)
        .more_staff(MORE_STAFF)
        .clock("2026-03-02T09:00:00+08:00")
        .build()
        .await
}

/// A call taken at the desk for grid 350102001001001, with the caller's name and phone (and no
/// number in the text, so a page showing the phone shows it only as the reporter's).
fn call() -> Value {
    json!({
        "category_code": "SR01",
        "description": "小区门口垃圾堆积",
        "lat": 26.05, "lon": 119.05,
        "urgency": "normal",
        "reporter_name": "张三丰",
        "reporter_phone": PHONE,
        "source": "operator_phone",
    })
}

impl Fixture {
    async fn reveal(&self, user: &str, number: &str, reason: &str) -> (StatusCode, Value) {
        self.api(
            user,
            Method::POST,
            &format!("/api/v1/events/{number}/reveal"),
            Some(json!({ "reason": reason })),
        )
        .await
    }

    async fn reveal_rows(&self) -> Vec<Value> {
        let (s, v) = self
            .api(
                "admin_city",
                Method::GET,
                "/api/v1/audit?action=reveal&table=events",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }

    /// Everyone in `users` is refused with the generic answer, and nothing is written.
    async fn all_refused(&self, number: &str, users: &[&str]) {
        let before = self.reveal_rows().await.len();
        for user in users {
            let (s, v) = self.reveal(user, number, "回访核实办理情况").await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{user}: {v}");
            assert_eq!(v["code"], "auth.forbidden", "{user}");
            assert!(!v.to_string().contains(PHONE), "{user}");
        }
        assert_eq!(self.reveal_rows().await.len(), before);
    }

    /// `user` opens the contact: the name and phone, not cached, one more audit row.
    async fn opens(&self, user: &str, number: &str, reason: &str) {
        let before = self.reveal_rows().await.len();
        let (s, h, v) = self
            .api_with_headers(
                user,
                Method::POST,
                &format!("/api/v1/events/{number}/reveal"),
                json!({ "reason": reason }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            (v["name"].as_str(), v["phone"].as_str()),
            (Some("张三丰"), Some(PHONE))
        );
        let rows = self.reveal_rows().await;
        assert_eq!(rows.len(), before + 1, "{user}: {rows:?}");
        let row = rows
            .iter()
            .find(|r| r["reason"] == reason)
            .unwrap_or_else(|| panic!("no row with {reason}: {rows:?}"));
        assert_eq!(row["subject_table"], "events");
        assert_eq!(row["column_name"], "reporter");
        assert_eq!(row["subject_id"], self.event(number).await.id);
        assert_eq!(row["actor_name"], format!("用户{user}"));
    }
}

#[tokio::test]
async fn the_holder_and_the_centre_above_it_open_the_reporter_and_nobody_else() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", call()).await.0;

    // An empty or short reason is refused before anything opens.
    for reason in ["", "  ", "看看"] {
        let (s, v) = f.reveal("gw_a1", &n, reason).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["code"], "basic.reason_required");
        assert!(!v.to_string().contains(PHONE));
    }
    assert!(f.reveal_rows().await.is_empty());

    // Reported at grid 1: its worker holds it; the township's operator answers for it.
    f.all_refused(
        &n,
        &[
            "gw_a2",
            "gw_b1",
            "gl_a",
            "cmd_a",
            "leader",
            "leader_a",
            "dept_a",
            "admin_city",
            "op_b",
        ],
    )
    .await;
    f.opens("gw_a1", &n, "电话回访核实位置").await;
    f.opens("op_a", &n, "中心回访上报人").await;
    // An event that does not exist answers the same as one the caller may not open.
    let (s, v) = f
        .reveal("gw_a1", "SJ20260302-999999", "回访核实办理情况")
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.forbidden"))
    );

    // Up to the village and out to a department: the department holds it, the worker no longer.
    f.to_department(&n).await;
    f.all_refused(&n, &["gw_a1", "gl_a", "dept_a2", "leader"])
        .await;
    f.opens("dept_a", &n, "联系上报人约定上门时间").await;

    // Feedback given: the village verifies it now, the department holds nothing.
    f.act_ok(
        "dept_a",
        &n,
        json!({"action": "feedback", "result": "已清运", "photos": []}),
    )
    .await;
    f.all_refused(&n, &["dept_a", "gw_a1"]).await;
    f.opens("gl_a", &n, "核查前电话确认").await;

    // Closed: nobody holds it; the centre still answers for it.
    f.act_ok(
        "gl_a",
        &n,
        json!({"action": "verify", "pass": true, "note": "已核实"}),
    )
    .await;
    f.all_refused(&n, &["gl_a", "dept_a"]).await;
    f.opens("op_a", &n, "结案后回访满意度").await;
    assert_eq!(f.reveal_rows().await.len(), 5);
}

#[tokio::test]
async fn the_event_page_opens_the_reporter_for_one_response_and_one_print() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", call()).await.0;
    let page = format!("/events/{n}");

    let (s, body) = f.page("gw_a1", &page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("data-testid=\"reveal-reporter\""), "{body}");
    assert!(body.contains("data-testid=\"print-revealed\""));
    assert!(
        !body.contains(PHONE) && body.contains("5678"),
        "masked only"
    );
    for user in ["leader", "cmd_a"] {
        let (_, body) = f.page(user, &page).await;
        assert!(
            !body.contains("reveal-reporter") && !body.contains("print-revealed"),
            "{user}"
        );
    }

    // No reason: the page again with the error at the form, nothing opened or written.
    let post = format!("/events/{n}/reveal");
    let (s, _, body) = f
        .form("gw_a1", &post, FORM, form_body(&[("reason", "")]))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(!testid(&body, "reveal-error").is_empty(), "{body}");
    assert!(!body.contains(PHONE));
    assert!(f.reveal_rows().await.is_empty());
    // Someone who may not: the plain forbidden answer.
    let (s, _, body) = f
        .form(
            "leader",
            &post,
            FORM,
            form_body(&[("reason", "领导想看看")]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!body.contains(PHONE));
    assert!(f.reveal_rows().await.is_empty());

    // With a reason: the phone as a link to call, in this response only, never cached.
    let (s, h, body) = f
        .form(
            "gw_a1",
            &post,
            FORM,
            form_body(&[("reason", "电话回访核实位置")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(body.contains(&format!("href=\"tel:{PHONE}\"")), "{body}");
    assert!(testid(&body, "reporter-revealed").contains("张三丰"));
    assert_eq!(f.reveal_rows().await.len(), 1);
    let (_, body) = f.page("gw_a1", &page).await;
    assert!(!body.contains(PHONE), "the next view is masked again");

    // Printed forms stay masked unless a print carries a reason; that print only is audited.
    let (s, body) = f.page("gw_a1", &format!("/events/{n}/print/report")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains(PHONE) && !body.contains("张三丰"));
    let print = format!("/events/{n}/print/report");
    let (s, _, body) = f
        .form("gw_a1", &print, FORM, form_body(&[("reason", " ")]))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(!body.contains(PHONE));
    let (s, _, body) = f
        .form(
            "gw_b1",
            &print,
            FORM,
            form_body(&[("reason", "打印存档备查")]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!body.contains(PHONE));
    let (s, h, body) = f
        .form(
            "gw_a1",
            &print,
            FORM,
            form_body(&[("reason", "打印存档备查")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(body.contains(PHONE) && body.contains("张三丰"), "{body}");
    let rows = f.reveal_rows().await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r["reason"] == "打印存档备查"));
    let (_, body) = f.page("gw_a1", &format!("/events/{n}/print/report")).await;
    assert!(!body.contains(PHONE), "the next print is masked again");
}

#[tokio::test]
async fn the_event_page_says_who_has_it_now() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", call()).await.0;
    let holder = |body: &str| testid(body, "event-holder");
    let (_, body) = f.page("op_a", &format!("/events/{n}")).await;
    assert!(holder(&body).contains("节点350102001001001"), "{body}");
    f.to_department(&n).await;
    let (_, body) = f.page("op_a", &format!("/events/{n}")).await;
    assert!(holder(&body).contains("节点350102001000D01"), "{body}");

    // Verification: the village that verifies, not the department that gave the feedback.
    f.act_ok(
        "dept_a",
        &n,
        json!({"action": "feedback", "result": "已清运", "photos": []}),
    )
    .await;
    let (_, body) = f.page("op_a", &format!("/events/{n}")).await;
    let now = holder(&body);
    assert!(
        now.contains("待核查") && now.contains("节点350102001001"),
        "{now}"
    );
    assert!(!now.contains("D01"), "{now}");
    let (_, body) = f.page("op_a", &format!("/events/{n}/print/feedback")).await;
    assert!(body.contains("待核查"), "the print says it too");
    let (_, list) = f.page("op_a", "/events?inbox=to_verify").await;
    assert!(list.contains("待核查"));

    // Closed: nobody.
    f.act_ok(
        "gl_a",
        &n,
        json!({"action": "verify", "pass": true, "note": "已核实"}),
    )
    .await;
    let (_, body) = f.page("op_a", &format!("/events/{n}")).await;
    assert_eq!(holder(&body), "无(已结案)");
}

/// The same due instant reads the same on the tracking page, the inbox, the event page and the
/// print: a limit ending at midnight is that day's 24:00.
#[tokio::test]
async fn a_due_time_reads_the_same_everywhere() {
    let f = fixture().await;
    let (n, token) = f.report_by_api("op_a", call()).await;
    let token = token.expect("a report with a phone has a tracking link");
    let e = f.event(&n).await;
    let due = e.due_at.expect("a due time");
    let said = due_text(due);
    assert!(
        said.ends_with("24:00"),
        "a working-day limit ends at midnight: {said}"
    );
    let (_, track) = f.page("", &format!("/t/{token}")).await;
    let (_, inbox) = f.page("gw_a1", "/events?inbox=to_accept").await;
    let (_, page) = f.page("gw_a1", &format!("/events/{n}")).await;
    let (_, print) = f.page("gw_a1", &format!("/events/{n}/print/remind")).await;
    for (name, body) in [
        ("track", &track),
        ("inbox", &inbox),
        ("page", &page),
        ("print", &print),
    ] {
        assert!(body.contains(&said), "{name} lacks {said}: {body}");
        if said.ends_with("24:00") {
            assert!(
                !body.contains(&time_text(due)),
                "{name} says {}",
                time_text(due)
            );
        }
    }
}

/// The kinds of action forms an event page offers.
fn forms_on(page: &str) -> Vec<String> {
    page.split("data-testid=\"act-")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|k| !matches!(*k, "done" | "error"))
        .map(str::to_string)
        .collect()
}

/// The numbers an events list page shows.
async fn listed(f: &Fixture, user: &str, inbox: &str) -> Vec<String> {
    let (s, v) = f
        .api(
            user,
            Method::GET,
            &format!("/api/v1/events?inbox={inbox}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap().to_string())
        .collect()
}

/// A leader supervises and reminds within their area, the history names them, and their home
/// counts what they watch (overdue, due soon, supervised by them) with links to the lists.
#[tokio::test]
async fn leaders_supervise_and_remind_and_watch_their_area() {
    let f = fixture().await;
    let n = f.report_by_api("op_a", call()).await.0;
    f.act_ok(
        "gw_a1",
        &n,
        json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
    )
    .await;
    let page = format!("/events/{n}");
    let (_, body) = f.page("leader_a", &page).await;
    assert_eq!(forms_on(&body), ["remind", "supervise"], "{body}");
    assert!(!body.contains("data-testid=\"no-actions\""));

    // Through the page's forms, as a browser posts them.
    let act = format!("/events/{n}/act");
    let (s, h, _) = f
        .form(
            "leader_a",
            &act,
            FORM,
            form_body(&[
                ("action", "supervise"),
                ("mark", "urgent"),
                ("note", "本周内办结"),
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{h:?}");
    let (s, _, _) = f
        .form(
            "leader_a",
            &act,
            FORM,
            form_body(&[("action", "remind"), ("note", "请加快")]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let v = f.detail("leader_a", &n).await;
    assert_eq!(
        (v["supervision"].as_str(), v["reminder_count"].as_i64()),
        (Some("urgent"), Some(1)),
        "{v}"
    );
    let history = v["history"].as_array().unwrap();
    for action in ["supervise", "remind"] {
        let step = history.iter().find(|s| s["action"] == action).unwrap();
        assert_eq!(step["actor_name"], "用户leader_a", "{step}");
    }
    // Leaders still do not handle: no accept, assign or verify; and nothing outside their area.
    let (s, v) = f
        .act_by_api(
            "leader_a",
            &n,
            json!({"action": "feedback", "result": "x", "photos": []}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("event.role_not_allowed"))
    );
    let mut other = call();
    other["lat"] = json!(26.05);
    other["lon"] = json!(119.25);
    let b = f.report_by_api("op_b", other).await.0;
    let (s, _) = f.page("leader_a", &format!("/events/{b}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .act_by_api("leader_a", &b, json!({"action": "remind", "note": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // What they watch: supervised by them here, not by the county's leader.
    assert_eq!(
        listed(&f, "leader_a", "my_supervised").await,
        std::slice::from_ref(&n)
    );
    assert!(listed(&f, "leader", "my_supervised").await.is_empty());
    assert!(listed(&f, "leader", "supervised").await.contains(&n));
    let (_, home) = f.page("leader_a", "/").await;
    assert!(
        home.contains("data-testid=\"home-watch\"") && !home.contains("data-testid=\"home-work\"")
    );
    let count = |home: &str, inbox: &str| -> i64 {
        home.split(&format!("data-inbox=\"{inbox}\"><b>"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_else(|| panic!("no {inbox} on {home}"))
            .parse()
            .unwrap()
    };
    assert!(home.contains("href=\"/events?inbox=my_supervised\""));
    assert_eq!(count(&home, "my_supervised"), 1);
    assert_eq!(count(&home, "overdue"), 0);
    // A worker's home stays their work.
    let (_, home_w) = f.page("gw_a1", "/").await;
    assert!(home_w.contains("data-testid=\"home-work\"") && !home_w.contains("home-watch"));

    // Past 80 % of its time the event is due soon; past its due time, overdue.
    let e = f.event(&n).await;
    let due = e.due_at.unwrap();
    f.set_clock(e.level_started_at + (due - e.level_started_at) * 9 / 10);
    assert_eq!(
        listed(&f, "leader_a", "due_soon").await,
        std::slice::from_ref(&n)
    );
    assert!(listed(&f, "leader_a", "overdue").await.is_empty());
    let (_, home) = f.page("leader_a", "/").await;
    assert_eq!(count(&home, "due_soon"), 1);
    f.set_clock(due + 60_000);
    assert!(listed(&f, "leader_a", "due_soon").await.is_empty());
    assert_eq!(
        listed(&f, "leader_a", "overdue").await,
        std::slice::from_ref(&n)
    );
    let (_, home) = f.page("leader_a", "/").await;
    assert_eq!((count(&home, "overdue"), count(&home, "due_soon")), (1, 0));
    // The leader's list page offers what they watch, not work inboxes.
    let (_, list) = f.page("leader_a", "/events").await;
    assert!(
        list.contains("inbox=my_supervised") && !list.contains("inbox=to_accept"),
        "{list}"
    );
}
