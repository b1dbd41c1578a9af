//! What residents get besides a report, through the pages: finding a case by number and phone
//! (rate-limited; a miss says nothing more than an absent case), time limits in public, "me too"
//! once per device with the count shown to staff and urgency raised at the category's
//! threshold, and who refused a case and where to go instead (set on the category page).

use crate::common::{Fixture, Kit, Part, at, form_body, testid, text};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use wangge_domain::event::Action;

const G1: &str = "350102001001001";
const FORM: &str = "application/x-www-form-urlencoded";

async fn fixture() -> Fixture {
    Kit::new().clock("2026-12-01T09:00:00+08:00").build().await
}

impl Fixture {
    /// A resident's report on grid 1 with a phone; the case number.
    async fn resident_case(&self, category: &str, phone: &str) -> String {
        let parts = [
            text("submission_key", &format!("k{category}{phone}")),
            text("category", category),
            text("description", "路口垃圾堆了三天,联系 13912345678"),
            text("reporter_name", "张三"),
            text("reporter_phone", phone),
        ];
        let (s, body) = self.resident_report(G1, &parts).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        testid(&body, "tracking-number")
    }

    /// The look-up form sent with no log-in: status, Location, body.
    async fn lookup(&self, number: &str, phone: &str) -> (StatusCode, String, String) {
        let body = format!(
            "number={}&phone={}",
            crate::common::urlencode(number),
            crate::common::urlencode(phone)
        );
        let (s, h, b) = self.post_form_anonymous("/track", &body).await;
        let location = h
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (s, location, b)
    }

    /// "Me too" on a case from a device (its cookie, if it has one): status, Location, the
    /// cookie the answer set.
    async fn me_too(
        &self,
        number: &str,
        cookie: Option<&str>,
        photo: Option<Part<'_>>,
    ) -> (StatusCode, String, String) {
        let mut parts = vec![text("number", number)];
        parts.extend(photo);
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(format!("/r/{G1}/me-too"))
            .header(header::CONTENT_TYPE, crate::common::multipart_type());
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let (s, h, _) = self
            .send(
                b.body(Body::from(crate::common::multipart(&parts)))
                    .unwrap(),
            )
            .await;
        let get = |k| {
            h.get(k)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        (s, get(header::LOCATION), get(header::SET_COOKIE))
    }
}

#[tokio::test]
async fn a_case_is_found_by_number_and_phone_and_a_miss_says_no_more_than_an_absent_case() {
    let f = fixture().await;
    let number = f.resident_case("SR01", "13800138000").await;
    // The form is reached from the resident page and from the done page.
    let (_, page) = f.page("", &format!("/r/{G1}")).await;
    assert!(page.contains("href=\"/track\""));
    let (s, form) = f.page("", &format!("/track?number={number}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains(&format!("value=\"{number}\"")));

    let (s, location, _) = f.lookup(&number, "138 0013 8000").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/t/"), "{location}");
    let (s, track) = f.page("", &location).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(testid(&track, "track-number"), number);
    // The page offers its link to copy and the grid's board.
    assert!(track.contains("data-testid=\"copy-link\""));
    assert!(track.contains(&format!("href=\"/public/{G1}\"")));

    // A wrong phone and a number nobody has answer alike, and never echo the phone.
    let (s1, l1, b1) = f.lookup(&number, "13800138001").await;
    let absent = "SJ20261201-000999";
    let (s2, l2, b2) = f.lookup(absent, "13800138000").await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert!(l1.is_empty() && l2.is_empty());
    assert_eq!(b1.replace(&number, "N"), b2.replace(absent, "N"));
    assert!(!b1.contains("13800138001"));
    assert!(b1.contains("没有找到与该编号和手机号相符的事件"));
}

#[tokio::test]
async fn look_ups_are_rate_limited_per_number_and_per_address() {
    let f = fixture().await;
    let number = f.resident_case("SR01", "13800138000").await;
    // Five tries of one number an hour: the sixth is refused even with the right phone.
    for i in 0..5 {
        let (s, _, _) = f.lookup(&number, &format!("1380013800{i}")).await;
        assert_ne!(s, StatusCode::TOO_MANY_REQUESTS);
    }
    let (s, location, body) = f.lookup(&number, "13800138000").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(location.is_empty());
    assert!(body.contains("查询过于频繁"));
    // Ten look-ups from one address in ten minutes, whatever the numbers.
    for i in 0..4 {
        let (s, _, _) = f
            .lookup(&format!("SJ20261201-00010{i}"), "13800138000")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _, _) = f.lookup("SJ20261201-000200", "13800138000").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // Past the window the reporter gets in.
    f.set_clock(f.state.now() + 61 * 60 * 1000);
    let (s, location, _) = f.lookup(&number, "13800138000").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location}");
}

#[tokio::test]
async fn me_too_counts_once_per_device_shows_to_staff_and_raises_urgency_at_the_threshold() {
    let f = fixture().await;
    let number = f.resident_case("SR01", "13800138000").await;
    let dispute = f.resident_case("MD01", "13800138002").await;
    // The administrator sets the threshold to two on the category page.
    let form = form_body(&[
        ("code", "SR01"),
        ("parent_code", "SR"),
        ("name", "暴露垃圾"),
        ("name_en", "Exposed rubbish"),
        ("complexity", "ordinary"),
        ("handling_level", "1"),
        ("auto_escalate", "on"),
        ("sort", "81"),
        ("active", "on"),
        ("me_too_threshold", "2"),
        ("redirect_hint", "拨打 12319"),
        ("redirect_hint_en", "Call 12319"),
    ]);
    let (s, _, _) = f.form("admin_city", "/admin/categories", FORM, form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, cats) = f.page("admin_city", "/admin/categories").await;
    assert!(cats.contains("name=\"me_too_threshold\" value=\"2\""));

    // The resident page lists the rubbish, not the dispute, and no personal data.
    let (_, page) = f.page("", &format!("/r/{G1}")).await;
    assert!(page.contains(&format!("data-number=\"{number}\"")));
    assert!(!page.contains(&format!("data-number=\"{dispute}\"")));
    assert!(!page.contains("张三") && !page.contains("13912345678"));

    let (s, location, cookie) = f.me_too(&number, None, None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(location.contains("r=added"), "{location}");
    assert!(cookie.starts_with("wangge_device=") && cookie.contains("HttpOnly"));
    let device = cookie.split(';').next().unwrap().to_string();
    let (_, location, again) = f.me_too(&number, Some(&device), None).await;
    assert!(location.contains("r=already"), "{location}");
    assert!(again.is_empty(), "the device keeps its token");
    let (_, page) = f.page("", &location).await;
    assert!(page.contains("您已点过“我也遇到”"));
    assert_eq!(f.event(&number).await.urgency, "normal");

    // A second device with a photo reaches the threshold.
    let photo = Part::File("photos", "a.png", crate::common::tiny_png());
    let (_, location, _) = f
        .me_too(
            &number,
            Some("wangge_device=Other0000000000000000000000000000000"),
            Some(photo),
        )
        .await;
    assert!(location.contains("r=raised"), "{location}");
    let e = f.event(&number).await;
    assert_eq!((e.urgency.as_str(), e.me_too_count), ("urgent", 2));

    // Staff see the count on the case and in the inbox, and the step in the history.
    let (_, ev) = f.page("gw_a1", &format!("/events/{number}")).await;
    assert!(ev.contains("data-testid=\"event-me-too\" data-count=\"2\""));
    assert!(ev.contains("data-testid=\"me-too-photos\""));
    assert!(ev.contains("2 位居民表示也遇到此问题"));
    let (_, inbox) = f.page("gw_a1", "/events").await;
    assert!(inbox.contains("2 位居民也遇到"));

    // A case of a category that keeps open cases to itself takes no "me too".
    let (s, _, _) = f.me_too(&dispute, Some(&device), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_case_says_which_office_why_and_where_it_belongs() {
    let f = fixture().await;
    let number = f.resident_case("SR01", "13800138000").await;
    let (_, location, _) = f.lookup(&number, "13800138000").await;
    let (_, track) = f.page("", &location).await;
    assert!(!track.contains("data-testid=\"track-refusal\""));
    f.act_at(
        "gw_a1",
        &number,
        Action::Reject {
            reason: "属小区物业管理范围".into(),
        },
        &[],
        f.state.now(),
    )
    .await;
    let (_, track) = f.page("", &location).await;
    assert!(track.contains("data-testid=\"track-refusal\" data-action=\"reject\""));
    assert!(testid(&track, "refusal-office").starts_with(&format!("节点{G1}")));
    assert_eq!(testid(&track, "refusal-reason"), "属小区物业管理范围");
    // The kind has no hint of its own: its class's shipped one.
    assert!(testid(&track, "refusal-hint").contains("12319"));
    // In English the English hint, never the Chinese one.
    let req = Request::builder()
        .uri(&location)
        .header(header::COOKIE, "lang=en")
        .body(Body::empty())
        .unwrap();
    let (_, _, en) = f.send(req).await;
    assert!(testid(&en, "refusal-hint").starts_with("Call the 12319"));
}

#[tokio::test]
async fn time_limits_show_on_the_tracking_page_and_the_board_and_overdue_says_so() {
    let f = fixture().await;
    let number = f.resident_case("SR01", "13800138000").await;
    let (_, location, _) = f.lookup(&number, "13800138000").await;
    let (_, track) = f.page("", &location).await;
    // An ordinary case: 7 calendar days from 1 December, ending at 24:00 of the 8th.
    assert!(testid(&track, "track-limit").starts_with("7 个自然日"));
    assert!(track.contains("2026-12-08 24:00"));
    assert!(track.contains("data-state=\"running\""));
    assert!(testid(&track, "track-elapsed").starts_with("0 天 0 小时"));

    f.set_clock(at("2026-12-10T12:30:00+08:00"));
    let (_, track) = f.page("", &location).await;
    assert!(track.contains("data-state=\"overdue\""));
    assert!(testid(&track, "track-elapsed").starts_with("9 天 3 小时"));
    let (_, board) = f.page("", &format!("/public/{G1}")).await;
    assert!(board.contains("data-testid=\"public-open-item\" data-limit=\"overdue\""));
    assert!(board.contains("data-testid=\"public-overdue\""));
    assert!(
        !board.contains("13912345678"),
        "digits a resident typed stay hidden"
    );

    // Closed late: the board says so, and how long it took.
    let now = f.state.now();
    f.act_at(
        "gw_a1",
        &number,
        Action::Accept {
            due_ms: None,
            urgency: None,
            note: String::new(),
        },
        &[],
        now,
    )
    .await;
    f.act_at(
        "gw_a1",
        &number,
        Action::Feedback {
            result: "已清运".into(),
            photos: Vec::new(),
        },
        &[],
        now,
    )
    .await;
    f.act_at(
        "gl_a",
        &number,
        Action::Verify {
            pass: true,
            note: String::new(),
        },
        &[],
        now,
    )
    .await;
    let (_, board) = f.page("", &format!("/public/{G1}")).await;
    assert!(board.contains("data-testid=\"public-closed-item\" data-limit=\"met_late\""));
    assert!(board.contains("超时办结"));
    let (_, track) = f.page("", &location).await;
    assert!(track.contains("data-state=\"met_late\""));
    assert!(track.contains("办理用时"));
}
