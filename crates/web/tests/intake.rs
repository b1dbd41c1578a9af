//! Intake pages against a real database: the resident's QR page (routing, bad input, double
//! submission, rate limit), the private tracking page (public steps only, photos, rating once)
//! and the staff report forms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt;
use wangge_domain::event::{Action, Mark};
use wangge_domain::geometry::parse_geojson_str;
use wangge_domain::{GridKind, NodeKind, Role, Scope};
use wangge_store::events::{self, EventRow, Inbox, ListFilter, NewPhoto};
use wangge_store::testdb::{self, TestDb};
use wangge_store::{auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig, router};

const CITY: &str = "350100000000";
const TOWNSHIP: &str = "350102001000";
const VILLAGE: &str = "350102001001";
/// Grid 1 spans lon 119.0–119.1, grid 2 lon 119.1–119.2, both lat 26.0–26.1.
const G1: &str = "350102001001001";
const G2: &str = "350102001001002";

/// The public limit of the intake pages (`pages::intake::INTAKE_LIMIT`).
const LIMIT: usize = 30;

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
        .to_string()
}

type TreeRow = (
    &'static str,
    NodeKind,
    Option<&'static str>,
    Option<GridKind>,
    (f64, f64),
);

const TREE: &[TreeRow] = &[
    (CITY, NodeKind::City, None, None, (119.0, 119.2)),
    (
        "350102000000",
        NodeKind::County,
        Some(CITY),
        None,
        (119.0, 119.2),
    ),
    (
        TOWNSHIP,
        NodeKind::Township,
        Some("350102000000"),
        None,
        (119.0, 119.2),
    ),
    (
        VILLAGE,
        NodeKind::Village,
        Some(TOWNSHIP),
        None,
        (119.0, 119.2),
    ),
    (
        G1,
        NodeKind::Grid,
        Some(VILLAGE),
        Some(GridKind::Basic),
        (119.0, 119.1),
    ),
    (
        G2,
        NodeKind::Grid,
        Some(VILLAGE),
        Some(GridKind::Basic),
        (119.1, 119.2),
    ),
];

const STAFF: &[(&str, Role, &str)] = &[
    ("op_a", Role::Operator, TOWNSHIP),
    ("gl_a", Role::GridLeader, VILLAGE),
    ("gw_1", Role::Worker, G1),
    ("gw_2", Role::Worker, G2),
    ("leader", Role::Leader, TOWNSHIP),
];

struct Fixture {
    _db: TestDb,
    app: Router,
    state: AppState,
    /// user name → session secret
    sessions: std::collections::HashMap<&'static str, String>,
}

async fn fixture() -> Fixture {
    let t = testdb::fresh().await.unwrap();
    let now = now_ms();
    let mut tx = t.db.begin().await.unwrap();
    for (code, kind, parent, gk, (x0, x1)) in TREE {
        nodes::create(
            &mut tx.handle(),
            &Scope::everything(),
            "test",
            &nodes::NewNode {
                code: code.to_string(),
                kind: *kind,
                name: format!("节点{code}"),
                parent_code: parent.map(str::to_string),
                grid_kind: *gk,
                boundary: Some(parse_geojson_str(&square(*x0, 26.0, *x1, 26.1)).unwrap()),
                phone: None,
            },
            1.0,
            now,
        )
        .await
        .unwrap();
    }
    let mut sessions = std::collections::HashMap::new();
    for (name, role, node) in STAFF {
        let u = users::create(
            &mut tx.handle(),
            &Scope::everything(),
            &users::NewUser {
                username: name.to_string(),
                display_name: format!("用户{name}"),
                password: "password-123".into(),
                role: *role,
                node_code: node.to_string(),
                phone: Some("13800000000".into()),
            },
            now,
        )
        .await
        .unwrap();
        let session = auth::create_session(&mut tx.handle(), u.id, now, 3_600_000)
            .await
            .unwrap();
        sessions.insert(*name, session);
    }
    tx.commit().await.unwrap();
    let keys =
        wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap()))
            .unwrap();
    let state = AppState::new(t.db.clone(), WebConfig::default(), keys);
    state.refresh_locate().await.unwrap();
    Fixture {
        app: router(state.clone()),
        state,
        _db: t,
        sessions,
    }
}

enum Part {
    Text(&'static str, String),
    File(&'static str, Vec<u8>),
}

fn text(name: &'static str, v: &str) -> Part {
    Part::Text(name, v.to_string())
}

const BOUNDARY: &str = "----wangge-test-boundary-7d93";

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut b = Vec::new();
    for p in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(n, v) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{n}\"\r\n\r\n").as_bytes(),
                );
                b.extend_from_slice(v.as_bytes());
            }
            Part::File(file, bytes) => {
                b.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"photos\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                b.extend_from_slice(bytes);
            }
        }
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// A 1×1 grey PNG.
fn png() -> Vec<u8> {
    fn chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        let crc = wangge_domain::photo::crc32(&c[4..]);
        c.extend_from_slice(&crc.to_be_bytes());
        c
    }
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]),
        chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0x00, 0x02, 0x00, 0x01,
            ],
        ),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

impl Fixture {
    async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 20 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(&self, uri: &str) -> (StatusCode, String) {
        let (s, _, b) = self
            .send(Request::builder().uri(uri).body(Body::empty()).unwrap())
            .await;
        (s, b)
    }

    async fn post_multipart(
        &self,
        uri: &str,
        session: Option<&str>,
        parts: &[Part],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost");
        if let Some(user) = session {
            b = b.header(
                header::COOKIE,
                format!("wangge_session={}", self.sessions[user]),
            );
        }
        self.send(b.body(Body::from(multipart(parts))).unwrap())
            .await
    }

    async fn report(&self, grid: &str, parts: &[Part]) -> (StatusCode, String) {
        let (s, _, b) = self
            .post_multipart(&format!("/r/{grid}"), None, parts)
            .await;
        (s, b)
    }

    async fn post_form(
        &self,
        uri: &str,
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    async fn events(&self) -> Vec<EventRow> {
        let mut c = self.state.db.conn().await.unwrap();
        events::list(
            &mut c.handle(),
            &Scope::everything(),
            Inbox::All,
            &ListFilter::default(),
            self.state.now(),
        )
        .await
        .unwrap()
    }

    async fn event(&self, number: &str) -> EventRow {
        let mut c = self.state.db.conn().await.unwrap();
        events::get(&mut c.handle(), &Scope::everything(), number)
            .await
            .unwrap()
    }

    async fn act(&self, user: &str, number: &str, action: Action, photos: &[NewPhoto]) {
        let mut c = self.state.db.conn().await.unwrap();
        let p = auth::session_principal(&mut c.handle(), &self.sessions[user], now_ms())
            .await
            .unwrap()
            .unwrap();
        drop(c);
        let caller = wangge_web::auth::caller(&p).unwrap();
        let cal = self.state.calendar();
        let ctx = self.state.event_ctx(&cal);
        let mut tx = self.state.db.begin().await.unwrap();
        events::act(
            &mut tx.handle(),
            &ctx,
            &caller,
            number,
            action,
            photos,
            self.state.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
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

fn base(key: &str, category: &str, description: &str) -> Vec<Part> {
    vec![
        text("submission_key", key),
        text("category", category),
        text("description", description),
    ]
}

#[tokio::test]
async fn resident_page_shows_the_grid_and_the_form() {
    let f = fixture().await;
    let (s, body) = f.get(&format!("/r/{G1}")).await;
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
    let (s, _) = f.get("/r/350102001001999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.get(&format!("/r/{VILLAGE}")).await;
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
    parts.push(Part::File("a.png", png()));
    let (s, body) = f.report(G1, &parts).await;
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
    let rep = events::reporter(&mut c.handle(), &f.state.event_ctx(&cal), &e, true)
        .await
        .unwrap();
    assert_eq!(rep.name.as_deref(), Some("张三"));
    assert_eq!(rep.phone.as_deref(), Some("13912345678"));
    drop(c);

    // No location: the QR code's grid.
    let (s, body) = f.report(G1, &base("k-none", "MD01", "路灯不亮")).await;
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
    let (s, body) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let e = f.event(&receipt(&body).0).await;
    assert_eq!(e.grid_code, G1);
    let note = e.route_note.clone().unwrap_or_default();
    assert!(note.contains("outside every grid"), "{note}");
    let mut c = f.state.db.conn().await.unwrap();
    let rep = events::reporter(&mut c.handle(), &f.state.event_ctx(&cal), &e, true)
        .await
        .unwrap();
    assert!(rep.anonymous, "an anonymous report keeps no name");
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_writes_nothing() {
    let f = fixture().await;
    // Missing category.
    let (s, body) = f.report(G1, &base("k1", "", "有问题")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请选择问题类别"), "{body}");
    assert!(body.contains("有问题"), "the input is kept");
    // A parent category is not enough.
    let (s, body) = f.report(G1, &base("k1", "MD", "有问题")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请选择具体的小类"), "{body}");
    // Empty description.
    let (s, body) = f.report(G1, &base("k1", "MD01", "   ")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("请填写问题描述"), "{body}");
    assert!(
        body.contains("value=\"MD01\" selected"),
        "the choice is kept"
    );
    // A photo over 5 MB, named in the message.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(Part::File(
        "huge-photo.jpg",
        vec![0xFF; 5 * 1024 * 1024 + 1],
    ));
    let (s, body) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("huge-photo.jpg"), "{body}");
    assert!(body.contains("超过 5 MB"), "{body}");
    // A text file as a photo.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(Part::File("notes.txt", b"just some text".to_vec()));
    let (s, body) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body.contains("notes.txt"), "{body}");
    assert!(body.contains("不是 JPEG、PNG 或 WebP"), "{body}");
    // Four photos.
    let mut parts = base("k1", "MD01", "有问题");
    for _ in 0..4 {
        parts.push(Part::File("p.png", png()));
    }
    let (s, _) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A broken location, a bad phone number.
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(text("lat", "north"));
    parts.push(text("lon", "119.1"));
    let (s, _) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut parts = base("k1", "MD01", "有问题");
    parts.push(text("reporter_phone", "call me"));
    let (s, body) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("手机号码格式不正确"), "{body}");
    // Not multipart at all.
    let (s, _, _) = f.post_form(&format!("/r/{G1}"), "category=MD01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // English texts when the user chose English.
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/r/{G1}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
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
    let (s, first) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK);
    let (s, second) = f.report(G1, &parts).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(receipt(&first).0, receipt(&second).0);
    assert!(second.contains("这条反映已经收到"));
    assert_eq!(f.events().await.len(), 1);
}

#[tokio::test]
async fn the_public_pages_are_rate_limited() {
    let f = fixture().await;
    for i in 0..LIMIT {
        let (s, _) = f.report(G1, &base("k", "", "x")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "post {i}");
    }
    let (s, body) = f.report(G1, &base("k2", "MD01", "第三十一次")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("提交过于频繁"), "{body}");
    assert!(body.contains("第三十一次"), "the input is kept");
    assert!(f.events().await.is_empty());
    // Once the window has passed, the address may send again.
    f.state.clock.advance(11 * 60 * 1000);
    let (s, _) = f.report(G1, &base("k2", "MD01", "过一会儿再报")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_tracking_page_shows_public_steps_and_rating_goes_once() {
    let f = fixture().await;
    let mut parts = base("k-track", "MD01", "垃圾没人清运");
    parts.push(Part::File("before.png", png()));
    let (_, body) = f.report(G1, &parts).await;
    let (number, link) = receipt(&body);
    let token = link.trim_start_matches("/t/").to_string();
    let (s, page) = f.get(&link).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&number));
    assert!(page.contains("垃圾没人清运"));
    assert!(!page.contains("data-testid=\"rate-form\""));

    f.act(
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
    f.act(
        "op_a",
        &number,
        Action::Supervise {
            mark: Mark::Important,
            note: "SUPERVISE-INTERNAL".into(),
        },
        &[],
    )
    .await;
    f.act(
        "gl_a",
        &number,
        Action::Remind {
            note: "REMIND-INTERNAL".into(),
        },
        &[],
    )
    .await;
    let (kind, bytes) = wangge_domain::photo::clean(&png(), 1 << 20).unwrap();
    f.act(
        "gw_1",
        &number,
        Action::Feedback {
            result: "已清运完毕".into(),
            photos: Vec::new(),
        },
        &[NewPhoto { kind, bytes }],
    )
    .await;
    f.act(
        "gl_a",
        &number,
        Action::Verify {
            pass: true,
            note: "核查属实".into(),
        },
        &[],
    )
    .await;

    let (s, page) = f.get(&link).await;
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
        .send(
            Request::builder()
                .uri(format!("/t/{token}/photos/{}", photo_ids[0]))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    let (s, _) = f.get(&format!("/t/{token}/photos/999999")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.get("/t/not-a-token").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Rating: once.
    let (s, h, _) = f
        .post_form(
            &format!("/t/{token}/rate"),
            "stars=4&comment=%E5%BE%88%E5%A5%BD",
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], link.as_str());
    let (s, _, body) = f
        .post_form(&format!("/t/{token}/rate"), "stars=1&comment=again")
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("已经评价过了"), "{body}");
    let e = f.event(&number).await;
    assert_eq!(e.rating, Some(4));
    assert_eq!(e.rating_comment.as_deref(), Some("很好"));
    let (_, page) = f.get(&link).await;
    assert!(page.contains("data-testid=\"track-rating\""));
    assert!(page.contains("很好"));
    assert!(!page.contains("data-testid=\"rate-form\""));
    assert!(
        !page.contains("data-testid=\"reopen-form\""),
        "no reopening after rating"
    );
    // A reopening after rating is refused too.
    let (s, _, _) = f
        .post_form(&format!("/t/{token}/reopen"), "reason=still+dirty")
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_reopening_is_asked_once_with_a_reason() {
    let f = fixture().await;
    let (_, body) = f.report(G1, &base("k-re", "MD01", "下水道堵塞")).await;
    let (number, link) = receipt(&body);
    let token = link.trim_start_matches("/t/");
    f.act(
        "gw_1",
        &number,
        Action::HandleOnSpot {
            result: "已疏通".into(),
            photos: Vec::new(),
        },
        &[],
    )
    .await;
    f.act(
        "gl_a",
        &number,
        Action::Verify {
            pass: true,
            note: String::new(),
        },
        &[],
    )
    .await;
    let (s, _, body) = f.post_form(&format!("/t/{token}/reopen"), "reason=").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is required: {body}");
    let (s, _, _) = f
        .post_form(
            &format!("/t/{token}/reopen"),
            "reason=%E8%BF%98%E6%98%AF%E5%A0%B5",
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_ne!(f.event(&number).await.status, "closed");
    let (_, page) = f.get(&link).await;
    assert!(page.contains("还是堵"), "the reason is public: {page}");
}

#[tokio::test]
async fn staff_report_forms() {
    let f = fixture().await;
    // Log-in required.
    let (s, h, _) = f
        .send(
            Request::builder()
                .uri("/events/new")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().starts_with("/login"));
    let page = |user: &'static str| {
        let req = Request::builder()
            .uri("/events/new")
            .header(
                header::COOKIE,
                format!("wangge_session={}", f.sessions[user]),
            )
            .body(Body::empty())
            .unwrap();
        f.send(req)
    };
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
                Part::File("spot.png", png()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let location = h[header::LOCATION].to_str().unwrap().to_string();
    let number = location.trim_start_matches("/events/").to_string();
    let e = f.event(&number).await;
    assert_eq!(e.source, "worker");
    assert_eq!(e.status, "feedback_given");
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
