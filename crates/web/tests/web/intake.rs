//! Intake pages against a real database: the resident's QR page (routing, bad input, double
//! submission, rate limit), the private tracking page (public steps only, photos, rating once)
//! and the staff report forms.

use crate::common::{Fixture, Kit, Part, StaffRow, multipart, multipart_type, text, tiny_png};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use wangge_domain::Role;
use wangge_domain::event::{Action, Mark};
use wangge_store::events::{self, NewPhoto};

const TOWNSHIP: &str = "350102001000";
const VILLAGE: &str = "350102001001";
/// Grid 1 spans lon 119.0–119.1, grid 2 lon 119.1–119.2, both lat 26.0–26.1 (the standard tree).
const G1: &str = "350102001001001";
const G2: &str = "350102001001002";

/// The public limit of the intake pages (`pages::intake::INTAKE_LIMIT`).
const LIMIT: usize = 30;

/// The staff of these stories, on the standard tree.
const STAFF: &[StaffRow] = &[
    ("op_a", Role::Operator, TOWNSHIP),
    ("gl_a", Role::GridLeader, VILLAGE),
    ("gw_1", Role::Worker, G1),
    ("gw_2", Role::Worker, G2),
    ("leader", Role::Leader, TOWNSHIP),
];

async fn fixture() -> Fixture {
    Kit::new().staff(STAFF).build().await
}

/// An action by `user` through the store, now.
async fn act(f: &Fixture, user: &str, number: &str, action: Action, photos: &[NewPhoto]) {
    f.act_at(user, number, action, photos, f.state.now()).await;
}

/// The number and the tracking path from the success page.
fn receipt(body: &str) -> (String, String) {
    let number = body
        .split("data-testid=\"tracking-number\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no number in {body}"))
        .to_string();
    let link = body
        .split("data-testid=\"tracking-link\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    (number, link)
}

fn base(key: &str, category: &str, description: &str) -> Vec<Part<'static>> {
    vec![
        text("submission_key", key),
        text("category", category),
        text("description", description),
    ]
}

#[tokio::test]
async fn resident_page_shows_the_grid_and_the_form() {
    let f = fixture().await;
    let (s, body) = f.page("", &format!("/r/{G1}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(G1));
    assert!(body.contains("data-testid=\"report-form\""));
    assert!(body.contains("enctype=\"multipart/form-data\""));
    assert!(body.contains("<optgroup label=\"矛盾纠纷\">"));
    assert!(body.contains("value=\"MD01\""));
    assert!(body.contains("accept=\"image/jpeg,image/png,image/webp\""));
    assert!(body.contains("name=\"submission_key\" value=\""));
    assert!(body.contains("/assets/intake.js"));
    assert!(!body.contains("<script>"), "no inline scripts");
    assert!(body.contains("用户gw_1"), "the grid worker is shown");
    let (s, _) = f.page("", "/r/350102001001999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.page("", &format!("/r/{VILLAGE}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a village is not a grid");
}

#[tokio::test]
async fn resident_report_routes_by_location_and_falls_back_to_the_qr_grid() {
    let f = fixture().await;
    // A point in grid 2, reported from grid 1's QR code: grid 2 handles it, nothing overridden.
    let mut parts = base("k-loc", "MD01", "楼道堆放杂物");
    parts.push(text("lat", "26.05"));
    parts.push(text("lon", "119.15"));
    parts.push(text("reporter_name", "张三"));
    parts.push(text("reporter_phone", "13912345678"));
    parts.push(Part::File("photos", "a.png", tiny_png()));
    let (s, body) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (number, link) = receipt(&body);
    assert!(number.starts_with("SJ"));
    assert!(link.starts_with("/t/"), "{link}");
    assert!(body.contains(&format!("http://127.0.0.1:8080{link}")));
    let e = f.event(&number).await;
    assert_eq!(e.grid_code, G2);
    assert_eq!(e.route_note, None);
    assert_eq!(e.source, "resident_qr");
    assert_eq!((e.lat, e.lon), (Some(26.05), Some(119.15)));
    let mut c = f.state.db.conn().await.unwrap();
    let cal = f.state.calendar();
    let rep = events::open_reporter(&mut c.handle(), &f.state.event_ctx(&cal), &e)
        .await
        .unwrap();
    assert_eq!(rep.name.as_ref().map(|v| v.expose().as_str()), Some("张三"));
    assert_eq!(
        rep.phone.as_ref().map(|v| v.expose().as_str()),
        Some("13912345678")
    );
    drop(c);

    // No location: the QR code's grid.
    let (s, body) = f
        .resident_report(G1, &base("k-none", "MD01", "路灯不亮"))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let e = f.event(&receipt(&body).0).await;
    assert_eq!(e.grid_code, G1);
    assert_eq!(e.route_note, None);

    // Outside every grid: the QR code's grid, and the store records why.
    let mut parts = base("k-out", "MD01", "井盖缺失");
    parts.push(text("lat", "30.5"));
    parts.push(text("lon", "100.5"));
    parts.push(text("anonymous", "1"));
    parts.push(text("reporter_name", "李四"));
    let (s, body) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let e = f.event(&receipt(&body).0).await;
    assert_eq!(e.grid_code, G1);
    let note = e.route_note.clone().unwrap_or_default();
    assert!(note.contains("outside every grid"), "{note}");
    let mut c = f.state.db.conn().await.unwrap();
    let rep = events::open_reporter(&mut c.handle(), &f.state.event_ctx(&cal), &e)
        .await
        .unwrap();
    assert!(rep.anonymous, "an anonymous report keeps no name");
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_writes_nothing() {
    let f = fixture().await;
    // Missing category.
    let (s, body) = f.resident_report(G1, &base("k1", "", "有问题")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请选择问题类别"), "{body}");
    assert!(body.contains("有问题"), "the input is kept");
    // A parent category is not enough.
    let (s, body) = f.resident_report(G1, &base("k1", "MD", "有问题")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请选择具体的小类"), "{body}");
    // Empty description.
    let (s, body) = f.resident_report(G1, &base("k1", "MD01", "   ")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请填写问题描述"), "{body}");
    assert!(
        body.contains("value=\"MD01\" selected"),
        "the choice is kept"
    );
    // A photo over 5 MB, named in the message.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(Part::File(
        "photos",
        "huge-photo.jpg",
        vec![0xFF; 5 * 1024 * 1024 + 1],
    ));
    let (s, body) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("huge-photo.jpg"), "{body}");
    assert!(body.contains("超过 5 MB"), "{body}");
    // A text file as a photo.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(Part::File(
        "photos",
        "notes.txt",
        b"just some text".to_vec(),
    ));
    let (s, body) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body.contains("notes.txt"), "{body}");
    assert!(body.contains("不是 JPEG、PNG 或 WebP"), "{body}");
    // Four photos.
    let mut parts = base("k1", "MD01", "有问题");
    for _ in 0..4 {
        parts.push(Part::File("photos", "p.png", tiny_png()));
    }
    let (s, _) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A broken location, a bad phone number.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(text("lat", "north"));
    parts.push(text("lon", "119.1"));
    let (s, _) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(text("reporter_phone", "call me"));
    let (s, body) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("手机号码格式不正确"), "{body}");
    // Not multipart at all.
    let (s, _, _) = f
        .post_form_anonymous(&format!("/r/{G1}"), "category=MD01")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // English texts when the user chose English.
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/r/{G1}"))
        .header(header::CONTENT_TYPE, multipart_type())
        .header(header::COOKIE, "lang=en")
        .body(Body::from(multipart(&base("k1", "", "x"))))
        .unwrap();
    let (s, _, body) = f.send(req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("choose a category"), "{body}");
    assert!(f.events().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_double_submission_makes_one_event() {
    let f = fixture().await;
    let parts = base("same-key-123", "MD01", "噪音扰民");
    let (s, first) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK);
    let (s, second) = f.resident_report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(receipt(&first).0, receipt(&second).0);
    assert!(second.contains("这条反映已经收到"));
    assert_eq!(f.events().await.len(), 1);
}

#[tokio::test]
async fn the_public_pages_are_rate_limited() {
    let f = fixture().await;
    for i in 0..LIMIT {
        let (s, _) = f.resident_report(G1, &base("k", "", "x")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "post {i}");
    }
    let (s, body) = f
        .resident_report(G1, &base("k2", "MD01", "第三十一次"))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("提交过于频繁"), "{body}");
    assert!(body.contains("第三十一次"), "the input is kept");
    assert!(f.events().await.is_empty());
    // Once the window has passed, the address may send again.
    f.state.clock.advance(11 * 60 * 1000);
    let (s, _) = f
        .resident_report(G1, &base("k2", "MD01", "过一会儿再报"))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_tracking_page_shows_public_steps_and_rating_goes_once() {
    let f = fixture().await;
    let mut parts = base("k-track", "MD01", "垃圾没人清运");
    parts.push(Part::File("photos", "before.png", tiny_png()));
    let (_, body) = f.resident_report(G1, &parts).await;
    let (number, link) = receipt(&body);
    let token = link.trim_start_matches("/t/").to_string();
    let (s, page) = f.page("", &link).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&number));
    assert!(page.contains("垃圾没人清运"));
    assert!(!page.contains("data-testid=\"rate-form\""));

    act(
        &f,
        "gw_1",
        &number,
        Action::Accept {
            due_ms: None,
            urgency: None,
            note: "ACCEPT-INTERNAL".into(),
        },
        &[],
    )
    .await;
    act(
        &f,
        "op_a",
        &number,
        Action::Supervise {
            mark: Mark::Important,
            note: "SUPERVISE-INTERNAL".into(),
        },
        &[],
    )
    .await;
    act(
        &f,
        "gl_a",
        &number,
        Action::Remind {
            note: "REMIND-INTERNAL".into(),
        },
        &[],
    )
    .await;
    let (kind, bytes) = wangge_domain::photo::clean(&tiny_png(), 1 << 20).unwrap();
    act(
        &f,
        "gw_1",
        &number,
        Action::Feedback {
            result: "已清运完毕".into(),
            photos: Vec::new(),
        },
        &[NewPhoto { kind, bytes }],
    )
    .await;
    act(
        &f,
        "gl_a",
        &number,
        Action::Verify {
            pass: true,
            note: "核查属实".into(),
        },
        &[],
    )
    .await;

    let (s, page) = f.page("", &link).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已清运完毕"));
    assert!(page.contains("核查属实"));
    for secret in ["ACCEPT-INTERNAL", "SUPERVISE-INTERNAL", "REMIND-INTERNAL"] {
        assert!(!page.contains(secret), "{secret} leaked");
    }
    assert!(
        !page.contains("用户gw_1") && !page.contains("用户gl_a"),
        "no staff names"
    );
    let steps = page.matches("data-testid=\"track-step\"").count();
    assert_eq!(steps, 4, "report, accept, feedback, close: {page}");
    assert!(page.contains("data-status=\"closed\""));
    assert!(page.contains("data-testid=\"rate-form\""));
    assert!(page.contains("data-testid=\"reopen-form\""));

    // Photos of public steps are served; others are not.
    let photo_ids: Vec<String> = page
        .split(&format!("/t/{token}/photos/"))
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert!(
        photo_ids.len() >= 2,
        "the report's and the feedback's photos"
    );
    let (s, h, _) = f
        .get("", &format!("/t/{token}/photos/{}", photo_ids[0]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    let (s, _) = f.page("", &format!("/t/{token}/photos/999999")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.page("", "/t/not-a-token").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Rating: once.
    let (s, h, _) = f
        .post_form_anonymous(
            &format!("/t/{token}/rate"),
            "stars=4&comment=%E5%BE%88%E5%A5%BD",
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], link.as_str());
    let (s, _, body) = f
        .post_form_anonymous(&format!("/t/{token}/rate"), "stars=1&comment=again")
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("已经评价过了"), "{body}");
    let e = f.event(&number).await;
    assert_eq!(e.rating, Some(4));
    assert_eq!(e.rating_comment.as_deref(), Some("很好"));
    let (_, page) = f.page("", &link).await;
    assert!(page.contains("data-testid=\"track-rating\""));
    assert!(page.contains("很好"));
    assert!(!page.contains("data-testid=\"rate-form\""));
    assert!(
        !page.contains("data-testid=\"reopen-form\""),
        "no reopening after rating"
    );
    // A reopening after rating is refused too.
    let (s, _, _) = f
        .post_form_anonymous(&format!("/t/{token}/reopen"), "reason=still+dirty")
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_reopening_is_asked_once_with_a_reason() {
    let f = fixture().await;
    let (_, body) = f
        .resident_report(G1, &base("k-re", "MD01", "下水道堵塞"))
        .await;
    let (number, link) = receipt(&body);
    let token = link.trim_start_matches("/t/");
    act(
        &f,
        "gw_1",
        &number,
        Action::HandleOnSpot {
            result: "已疏通".into(),
            photos: Vec::new(),
        },
        &[],
    )
    .await;
    act(
        &f,
        "gl_a",
        &number,
        Action::Verify {
            pass: true,
            note: String::new(),
        },
        &[],
    )
    .await;
    let (s, _, body) = f
        .post_form_anonymous(&format!("/t/{token}/reopen"), "reason=")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is required: {body}");
    let (s, _, _) = f
        .post_form_anonymous(
            &format!("/t/{token}/reopen"),
            "reason=%E8%BF%98%E6%98%AF%E5%A0%B5",
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_ne!(f.event(&number).await.status.as_str(), "closed");
    let (_, page) = f.page("", &link).await;
    assert!(page.contains("还是堵"), "the reason is public: {page}");
}

#[tokio::test]
async fn staff_report_forms() {
    let f = fixture().await;
    // Log-in required.
    let (s, h, _) = f.get("", "/events/new").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().starts_with("/login"));
    let page = |user: &'static str| f.get(user, "/events/new");
    let (s, _, body) = page("gw_1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("name=\"handled_on_spot\""));
    assert!(!body.contains("name=\"source\""));
    assert!(body.contains(&format!("value=\"{G1}\" selected")));
    let (s, _, body) = page("op_a").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("value=\"operator_phone\""));
    assert!(body.contains("value=\"operator_visit\""));
    assert!(body.contains("name=\"reporter_phone\""));
    assert!(!body.contains("name=\"handled_on_spot\""));
    let (s, _, _) = page("leader").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A worker handles a level-1 event on the spot.
    let (s, h, body) = f
        .post_multipart(
            "/events/new",
            Some("gw_1"),
            &[
                text("submission_key", "w-1"),
                text("category", "MD01"),
                text("description", "两户因停车争执"),
                text("urgency", "normal"),
                text("grid", G1),
                text("handled_on_spot", "1"),
                text("result", "当场调解,双方和解"),
                Part::File("photos", "spot.png", tiny_png()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let location = h[header::LOCATION].to_str().unwrap().to_string();
    let number = location.trim_start_matches("/events/").to_string();
    let e = f.event(&number).await;
    assert_eq!(e.source, "worker");
    assert_eq!(e.status.as_str(), "feedback_given");
    assert_eq!(e.grid_code, G1);
    // On the spot without a result: refused, nothing written.
    let before = f.events().await.len();
    let (s, _, body) = f
        .post_multipart(
            "/events/new",
            Some("gw_1"),
            &[
                text("category", "MD01"),
                text("description", "x"),
                text("handled_on_spot", "1"),
                text("grid", G1),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(f.events().await.len(), before);

    // An operator takes a call; the grid chosen by hand differs from the tapped point.
    let (s, h, body) = f
        .post_multipart(
            "/events/new",
            Some("op_a"),
            &[
                text("submission_key", "op-1"),
                text("source", "operator_phone"),
                text("category", "MD01"),
                text("description", "来电反映噪音"),
                text("urgency", "urgent"),
                text("grid", G1),
                text("lat", "26.05"),
                text("lon", "119.15"),
                text("reporter_name", "王五"),
                text("reporter_phone", "13700001111"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let number = h[header::LOCATION]
        .to_str()
        .unwrap()
        .trim_start_matches("/events/")
        .to_string();
    let e = f.event(&number).await;
    assert_eq!(e.source, "operator_phone");
    assert_eq!(e.urgency, "urgent");
    assert_eq!(e.grid_code, G1);
    assert!(e.route_note.unwrap_or_default().contains("routed by hand"));
    // A desk form without a source choice is refused.
    let (s, _, _) = f
        .post_multipart(
            "/events/new",
            Some("op_a"),
            &[
                text("source", "api"),
                text("category", "MD01"),
                text("description", "x"),
                text("grid", G1),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A grid outside the worker's area cannot be chosen by hand.
    let (s, _, _) = f
        .post_multipart(
            "/events/new",
            Some("gw_2"),
            &[
                text("category", "MD01"),
                text("description", "x"),
                text("grid", G1),
            ],
        )
        .await;
    assert!(s.is_client_error(), "{s}");
}
