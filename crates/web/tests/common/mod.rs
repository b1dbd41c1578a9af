//! The test kit of the web crate: a small tree of two sibling townships with their villages,
//! grids and departments, staff of every role with tokens and sessions, and requests through
//! the real router. Each test binary uses what it needs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use wangge_domain::geometry::parse_geojson_str;
use wangge_domain::{GridKind, NodeKind, Role, Scope};
use wangge_store::testdb::{self, TestDb};
use wangge_store::{auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig, router};

pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
        .to_string()
}

/// (code, kind, parent, grid kind, boundary [x0, x1] between lat 26.0 and 26.1)
pub type TreeRow = (
    &'static str,
    NodeKind,
    Option<&'static str>,
    Option<GridKind>,
    Option<(f64, f64)>,
);

pub const TREE: &[TreeRow] = &[
    (
        "350100000000",
        NodeKind::City,
        None,
        None,
        Some((119.0, 119.4)),
    ),
    (
        "350102000000",
        NodeKind::County,
        Some("350100000000"),
        None,
        Some((119.0, 119.4)),
    ),
    (
        "350102001000",
        NodeKind::Township,
        Some("350102000000"),
        None,
        Some((119.0, 119.2)),
    ),
    (
        "350102002000",
        NodeKind::Township,
        Some("350102000000"),
        None,
        Some((119.2, 119.4)),
    ),
    (
        "350102001001",
        NodeKind::Village,
        Some("350102001000"),
        None,
        Some((119.0, 119.2)),
    ),
    (
        "350102002001",
        NodeKind::Village,
        Some("350102002000"),
        None,
        Some((119.2, 119.4)),
    ),
    (
        "350102001001001",
        NodeKind::Grid,
        Some("350102001001"),
        Some(GridKind::Basic),
        Some((119.0, 119.1)),
    ),
    (
        "350102001001002",
        NodeKind::Grid,
        Some("350102001001"),
        Some(GridKind::School),
        Some((119.1, 119.2)),
    ),
    (
        "350102002001001",
        NodeKind::Grid,
        Some("350102002001"),
        Some(GridKind::Basic),
        Some((119.2, 119.3)),
    ),
    (
        "350102002001002",
        NodeKind::Grid,
        Some("350102002001"),
        Some(GridKind::Basic),
        Some((119.3, 119.4)),
    ),
    (
        "350102001000D01",
        NodeKind::Department,
        Some("350102001000"),
        None,
        None,
    ),
];

/// (user name, role, node)
/// (user name, role, node)
pub type StaffRow = (&'static str, Role, &'static str);

pub const STAFF: &[StaffRow] = &[
    ("admin_city", Role::Admin, "350100000000"),
    ("admin_a", Role::Admin, "350102001000"),
    ("leader", Role::Leader, "350102000000"),
    ("op_a", Role::Operator, "350102001000"),
    ("op_b", Role::Operator, "350102002000"),
    ("cmd_a", Role::Commander, "350102001000"),
    ("gl_a", Role::GridLeader, "350102001001"),
    ("gw_a1", Role::Worker, "350102001001001"),
    ("gw_a2", Role::Worker, "350102001001002"),
    ("gw_b1", Role::Worker, "350102002001001"),
    ("dept_a", Role::DeptHandler, "350102001000D01"),
    ("vol_a", Role::Volunteer, "350102001001"),
];

pub struct Fixture {
    pub _db: TestDb,
    pub app: Router,
    pub state: AppState,
    /// user name → (bearer token, session secret, node path)
    pub creds: std::collections::HashMap<&'static str, (String, String, String)>,
    pub paths: std::collections::HashMap<&'static str, String>,
}

/// The standard tree and staff.
pub async fn fixture() -> Fixture {
    build(TREE, STAFF).await
}

/// A tree and its staff in a fresh database, each user with an API token and a session.
pub async fn build(tree: &[TreeRow], staff: &[StaffRow]) -> Fixture {
    let t = testdb::fresh().await.unwrap();
    let now = now_ms();
    let mut tx = t.db.begin().await.unwrap();
    let mut paths = std::collections::HashMap::new();
    for (code, kind, parent, gk, xs) in tree {
        let boundary = xs.map(|(a, b)| parse_geojson_str(&square(a, 26.0, b, 26.1)).unwrap());
        let n = nodes::create(
            &mut tx.handle(),
            &Scope::everything(),
            "test",
            &nodes::NewNode {
                code: code.to_string(),
                kind: *kind,
                name: format!("节点{code}"),
                parent_code: parent.map(str::to_string),
                grid_kind: *gk,
                boundary,
                phone: None,
            },
            1.0,
            now,
        )
        .await
        .unwrap();
        paths.insert(*code, n.path);
    }
    let mut creds = std::collections::HashMap::new();
    for (name, role, node) in staff {
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
        let token = auth::create_token(&mut tx.handle(), u.id, "test", now)
            .await
            .unwrap();
        let session = auth::create_session(&mut tx.handle(), u.id, now, 3_600_000)
            .await
            .unwrap();
        creds.insert(*name, (token, session, paths[node].clone()));
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
        creds,
        paths,
    }
}

impl Fixture {
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 10 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn api(
        &self,
        user: &str,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.creds[user].0),
        );
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, _, text) = self.send(b.body(body).unwrap()).await;
        (s, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn page(&self, user: &str, uri: &str) -> (StatusCode, String) {
        let mut b = Request::builder().uri(uri);
        if !user.is_empty() {
            b = b.header(
                header::COOKIE,
                format!("wangge_session={}", self.creds[user].1),
            );
        }
        let (s, _, body) = self.send(b.body(Body::empty()).unwrap()).await;
        (s, body)
    }

    /// A browser form post: session cookie, same origin.
    pub async fn form(
        &self,
        user: &str,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::CONTENT_TYPE, content_type)
            .header(
                header::COOKIE,
                format!("wangge_session={}", self.creds[user].1),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }
}

impl Fixture {
    /// An API call with its response headers (bearer token, JSON body).
    pub async fn api_with_headers(
        &self,
        user: &str,
        method: Method,
        uri: &str,
        body: Value,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.creds[user].0),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, h, text) = self.send(req).await;
        (s, h, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// A form body, `application/x-www-form-urlencoded`.
pub fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A valid 1×1 grey PNG, which the photo cleaner accepts.
pub fn tiny_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(wangge_domain::photo::crc32(&c).to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}
