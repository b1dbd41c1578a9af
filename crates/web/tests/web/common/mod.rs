//! The test kit of the web crate: a tree, its staff and a clock built into a fresh database
//! (`Kit::new()…build()`), requests through the real router, the request bodies tests send
//! (`bodies`) and the steps of a story (`story`: report as a resident, act as a role, move the
//! clock). The standard tree has two sibling townships with their villages, grids and a
//! department; a test that needs other codes or geometry passes its own rows to the builder.

mod bodies;
mod story;

pub use bodies::*;
pub use story::{set_clock, worker_report};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use std::collections::HashMap;
use tower::ServiceExt;
use wangge_domain::System;
use wangge_domain::geometry::parse_geojson_str;
use wangge_domain::{GridKind, NodeKind, Role};
use wangge_store::testdb::{self, TestDb};
use wangge_store::{auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig, router};

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

/// What a test runs against: a tree and staff in a fresh database, served by the real router.
pub struct Fixture {
    /// Holds the database for the test's lifetime (a second instance connects to its `url`).
    pub test_db: TestDb,
    pub app: Router,
    pub state: AppState,
    /// user name → (bearer token, session secret, node path)
    pub creds: HashMap<&'static str, (String, String, String)>,
    /// user name → user id
    pub ids: HashMap<&'static str, i64>,
    /// node code → node path
    pub paths: HashMap<&'static str, String>,
}

/// The builder of a `Fixture`: the standard tree and staff and the real clock unless told.
pub struct Kit {
    tree: Vec<TreeRow>,
    staff: Vec<StaffRow>,
    clock: Option<&'static str>,
}

impl Default for Kit {
    fn default() -> Self {
        Kit {
            tree: TREE.to_vec(),
            staff: STAFF.to_vec(),
            clock: None,
        }
    }
}

impl Kit {
    pub fn new() -> Self {
        Kit::default()
    }

    /// Replaces the tree (parents before children), for a story whose assertions depend on
    /// other codes or geometry. Every story today fits the standard tree.
    #[allow(dead_code)]
    pub fn tree(mut self, rows: &[TreeRow]) -> Self {
        self.tree = rows.to_vec();
        self
    }

    /// Adds rows below the tree given so far.
    pub fn more_tree(mut self, rows: &[TreeRow]) -> Self {
        self.tree.extend_from_slice(rows);
        self
    }

    /// Replaces the staff.
    pub fn staff(mut self, rows: &[StaffRow]) -> Self {
        self.staff = rows.to_vec();
        self
    }

    /// Adds staff to those given so far.
    pub fn more_staff(mut self, rows: &[StaffRow]) -> Self {
        self.staff.extend_from_slice(rows);
        self
    }

    /// Starts the state's clock at an RFC 3339 instant, so that due times, lights and months do
    /// not depend on the day the tests run.
    pub fn clock(mut self, rfc3339: &'static str) -> Self {
        self.clock = Some(rfc3339);
        self
    }

    /// The tree and its staff in a fresh database, each user with an API token and a session.
    pub async fn build(self) -> Fixture {
        let t = testdb::fresh().await.unwrap();
        let now = now_ms();
        let mut tx = t.db.begin().await.unwrap();
        let mut paths = HashMap::new();
        for (code, kind, parent, gk, xs) in &self.tree {
            let boundary = xs.map(|(a, b)| parse_geojson_str(&square(a, 26.0, b, 26.1)).unwrap());
            let n = nodes::create(
                &mut tx.handle(),
                &System::acting().scope(),
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
        let mut creds = HashMap::new();
        let mut ids = HashMap::new();
        for (name, role, node) in &self.staff {
            let u = users::create(
                &mut tx.handle(),
                &System::acting().scope(),
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
            ids.insert(*name, u.id);
        }
        tx.commit().await.unwrap();
        let state = AppState::new(t.db.clone(), WebConfig::default(), key_ring());
        state.refresh_locate().await.unwrap();
        let f = Fixture {
            app: router(state.clone()),
            state,
            test_db: t,
            creds,
            ids,
            paths,
        };
        if let Some(at) = self.clock {
            f.clock_to(at);
        }
        f
    }
}

/// The standard tree and staff on the real clock.
pub async fn fixture() -> Fixture {
    Kit::new().build().await
}

/// A fresh key ring with one random key.
pub fn key_ring() -> wangge_store::seal::KeyRing {
    wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap()))
        .unwrap()
}

/// One request through a router: status, headers and the whole body.
pub async fn call(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

/// The JSON of a response body, or null when it is not JSON.
pub fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl Fixture {
    /// One request, the body read as (lossy) text.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let (s, h, b) = call(&self.app, req).await;
        (s, h, String::from_utf8_lossy(&b).into_owned())
    }

    fn session_cookie(&self, user: &str) -> String {
        format!("wangge_session={}", self.creds[user].1)
    }

    fn bearer(&self, user: &str) -> String {
        format!("Bearer {}", self.creds[user].0)
    }

    /// A GET as `user`'s browser session (none when `user` is empty), the body as bytes.
    pub async fn get_bytes(&self, user: &str, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut b = Request::builder().uri(uri);
        if !user.is_empty() {
            b = b.header(header::COOKIE, self.session_cookie(user));
        }
        call(&self.app, b.body(Body::empty()).unwrap()).await
    }

    /// A GET with `user`'s bearer token, the body as bytes (photos, workbooks).
    pub async fn api_bytes(&self, user: &str, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, self.bearer(user))
            .body(Body::empty())
            .unwrap();
        call(&self.app, req).await
    }

    /// A GET as `user`'s browser session (none when `user` is empty), with the headers.
    pub async fn get(&self, user: &str, uri: &str) -> (StatusCode, HeaderMap, String) {
        let (s, h, b) = self.get_bytes(user, uri).await;
        (s, h, String::from_utf8_lossy(&b).into_owned())
    }

    /// A page as `user` reads it (no log-in when `user` is empty).
    pub async fn page(&self, user: &str, uri: &str) -> (StatusCode, String) {
        let (s, _, b) = self.get_bytes(user, uri).await;
        (s, String::from_utf8_lossy(&b).into_owned())
    }

    /// An API call as `user` with a bearer token and an optional JSON body.
    pub async fn api(
        &self,
        user: &str,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, self.bearer(user));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, _, text) = self.send(b.body(body).unwrap()).await;
        (s, json_of(&text))
    }

    /// An API call with its response headers (bearer token, JSON body).
    pub async fn api_with_headers(
        &self,
        user: &str,
        method: Method,
        uri: &str,
        body: Value,
    ) -> (StatusCode, HeaderMap, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, self.bearer(user))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, h, text) = self.send(req).await;
        (s, h, json_of(&text))
    }

    /// A request with no log-in, as a resident's phone makes it.
    pub async fn anonymous(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, _, text) = self.send(b.body(body).unwrap()).await;
        (s, json_of(&text))
    }

    /// A browser form post: session cookie, same origin.
    pub async fn form(
        &self,
        user: &str,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, HeaderMap, String) {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, self.session_cookie(user))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A multipart API call as `user` (bearer token), the answer as JSON.
    pub async fn multipart_as(
        &self,
        user: &str,
        uri: &str,
        parts: &[Part<'_>],
    ) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::AUTHORIZATION, self.bearer(user))
            .header(header::CONTENT_TYPE, multipart_type())
            .body(Body::from(multipart(parts)))
            .unwrap();
        let (s, _, text) = self.send(req).await;
        (s, json_of(&text))
    }

    /// A browser's multipart form post, same origin, as `user` when given.
    pub async fn post_multipart(
        &self,
        uri: &str,
        user: Option<&str>,
        parts: &[Part<'_>],
    ) -> (StatusCode, HeaderMap, String) {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, multipart_type())
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost");
        if let Some(user) = user {
            b = b.header(header::COOKIE, self.session_cookie(user));
        }
        self.send(b.body(Body::from(multipart(parts))).unwrap())
            .await
    }

    /// A form post with no log-in and no origin, as a resident's phone or a client makes it.
    pub async fn post_form_anonymous(
        &self,
        uri: &str,
        body: &str,
    ) -> (StatusCode, HeaderMap, String) {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }
}
