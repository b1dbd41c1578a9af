//! The web layer against a real database: every role across two sibling grids and two sibling
//! townships, through the page routes and the API; log-in, CSRF, headers and the OpenAPI routes.

use crate::common::{STAFF, TREE, fixture, square};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::NodeKind;

fn page_uri(code: &str, kind: NodeKind) -> String {
    match kind {
        NodeKind::Grid => format!("/grids/{code}"),
        _ => format!("/tree/{code}"),
    }
}

#[tokio::test]
async fn every_role_sees_only_its_part_of_the_tree() {
    let f = fixture().await;
    for (user, role, _) in STAFF {
        let own_path = &f.creds[user].2;
        let mut visible_grids = Vec::new();
        for (code, kind, ..) in TREE {
            let visible = f.paths[code].starts_with(own_path.as_str());
            let (s, v) = f
                .api(user, Method::GET, &format!("/api/v1/nodes/{code}"), None)
                .await;
            let want = if visible {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(s, want, "{user} ({role:?}) API read of {code}");
            if !visible {
                assert_eq!(v["code"], "node.not_found", "404s say nothing more");
            }
            let (s, body) = f.page(user, &page_uri(code, *kind)).await;
            assert_eq!(s, want, "{user} ({role:?}) page for {code}");
            if visible {
                assert!(
                    body.contains(code),
                    "{user}: the page for {code} shows the code"
                );
            }
            if visible && *kind == NodeKind::Grid {
                visible_grids.push(code.to_string());
            }
        }
        let (s, fc) = f
            .api(user, Method::GET, "/api/v1/grids.geojson", None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let mut got: Vec<String> = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["properties"]["code"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, visible_grids, "{user} map data");
    }
}

#[tokio::test]
async fn only_administrators_change_grids_and_only_in_scope() {
    let f = fixture().await;
    let redraw = json!({"geometry": serde_json::from_str::<Value>(&square(119.0, 26.0, 119.1, 26.1)).unwrap(), "note": "same"});
    for user in [
        "leader", "op_a", "cmd_a", "gl_a", "gw_a1", "dept_a", "vol_a",
    ] {
        let (s, v) = f
            .api(
                user,
                Method::PUT,
                "/api/v1/grids/350102001001001/boundary",
                Some(redraw.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user} may not redraw");
        assert_eq!(v["code"], "auth.forbidden");
    }
    let (s, _) = f
        .api(
            "admin_a",
            Method::PUT,
            "/api/v1/grids/350102001001001/boundary",
            Some(redraw.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let other = json!({"geometry": serde_json::from_str::<Value>(&square(119.2, 26.0, 119.3, 26.1)).unwrap()});
    let (s, _) = f
        .api(
            "admin_a",
            Method::PUT,
            "/api/v1/grids/350102002001001/boundary",
            Some(other.clone()),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the other township's grid does not exist for admin_a"
    );
    let (s, _) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/grids/350102002001001/boundary",
            Some(other),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // An overlap with the neighbour is refused and nothing changes.
    let bad = json!({"geometry": serde_json::from_str::<Value>(&square(119.0, 26.0, 119.15, 26.1)).unwrap()});
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            "/api/v1/grids/350102001001001/boundary",
            Some(bad),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["code"], "grid.overlap");
    let (_, v) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/grids/350102001001001/versions",
            None,
        )
        .await;
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "create and one redraw; the refused one left no version"
    );
    // A worker cannot create users either.
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/users", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f.api("admin_a", Method::GET, "/api/v1/users", None).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"gw_a1") && !names.contains(&"gw_b1") && !names.contains(&"op_b"),
        "{names:?}"
    );
}

#[tokio::test]
async fn locate_answers_inside_on_an_edge_and_outside() {
    let f = fixture().await;
    let get = |q: &'static str| {
        let f = &f;
        async move {
            let (s, _, body) = f.get("", &format!("/api/v1/locate?{q}")).await;
            (s, serde_json::from_str::<Value>(&body).unwrap())
        }
    };
    let (s, v) = get("lat=26.05&lon=119.25").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["code"], "350102002001001");
    assert!(
        v["path"]
            .as_str()
            .unwrap()
            .starts_with("/350100000000/350102000000/350102002000/")
    );
    // On the shared edge of two grids the smaller code wins.
    let (_, v) = get("lat=26.05&lon=119.1").await;
    assert_eq!(v["code"], "350102001001001");
    let (s, v) = get("lat=30&lon=100").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["found"], false);
    let (s, v) = get("lat=abc&lon=119").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "locate.invalid");
    let (s, _) = get("lat=95&lon=119").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A change through the API is seen by the index at once.
    let (s, _) = f
        .api(
            "admin_city",
            Method::POST,
            "/api/v1/grids/350102002001001/merge",
            Some(json!({"other_code": "350102002001002"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = get("lat=26.05&lon=119.35").await;
    assert_eq!(v["code"], "350102002001001");
    assert_eq!(f.state.locate_index().len(), 3);
}

#[tokio::test]
async fn login_sessions_csrf_and_headers() {
    let f = fixture().await;
    let form = |user: &str, pw: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .body(Body::from(format!(
                "username={user}&password={pw}&next=%2Ftree"
            )))
            .unwrap()
    };
    let (s, h, _) = f.send(form("op_a", "password-123")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/tree");
    let cookie = h[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age=")
    );
    let (s, _, body) = f.send(form("op_a", "wrong-password")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        body.contains("用户名或密码错误"),
        "the log-in page says why in Chinese"
    );
    for _ in 0..5 {
        f.send(form("op_b", "wrong-password")).await;
    }
    let (s, _, _) = f.send(form("op_b", "password-123")).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "throttled after five failures"
    );

    // Without a session a page redirects to log-in and the API answers 401.
    let (s, h, _) = f.get("", "/map").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=/map")
    );
    let (s, _, body) = f.get("", "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("auth.required"));

    // A cookie-authenticated write from another origin is refused before it reaches a handler.
    let session = &f.creds["admin_city"].1;
    let write = |origin: &str| {
        Request::builder()
            .method(Method::PATCH)
            .uri("/api/v1/nodes/350102001001001")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, format!("wangge_session={session}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"name": "改名网格"}).to_string()))
            .unwrap()
    };
    let (s, _, body) = f.send(write("http://evil.example")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("auth.csrf"));
    let (s, _, _) = f.send(write("http://localhost")).await;
    assert_eq!(s, StatusCode::OK);

    let (_, h, _) = f.get("", "/login").await;
    for name in [
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(h.contains_key(name), "missing {name}");
    }
    // An unknown token is refused, not treated as anonymous.
    let (s, _, _) = f
        .send(
            Request::builder()
                .uri("/api/v1/me")
                .header(header::AUTHORIZATION, "Bearer nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let f = fixture().await;
    let (s, v) = f.api("admin_city", Method::POST, "/api/v1/nodes", Some(json!({"code": "350102001001003", "kind": "grid", "name": "新网格", "parent_code": "350102001001", "grid_kind": "basic",
        "boundary": {"type": "Polygon", "coordinates": [[[119.0, 26.0], [119.1, 26.0], [119.1, 26.1], [119.0, 26.1]]]}}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "geometry.ring_not_closed", "{v}");
    let (s, v) = f.api("admin_city", Method::POST, "/api/v1/nodes", Some(json!({"code": "350102001001001", "kind": "grid", "name": "重复", "parent_code": "350102001001", "grid_kind": "basic",
        "boundary": serde_json::from_str::<Value>(&square(119.5, 26.0, 119.6, 26.1)).unwrap()}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["code"], "node.code_taken");
    let (s, v) = f.api("admin_city", Method::POST, "/api/v1/nodes", Some(json!({"code": "350102009001001", "kind": "grid", "name": "x", "parent_code": "350102009001", "grid_kind": "basic",
        "boundary": serde_json::from_str::<Value>(&square(119.5, 26.0, 119.6, 26.1)).unwrap()}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "node.parent_unknown");
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/nodes")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", f.creds["admin_city"].0),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (s, _, body) = f.send(req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("request.invalid_json"));
    // An import with one bad feature writes none of them.
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "350102001001003", "name": "好", "kind": "basic", "parent_code": "350102001001"},
         "geometry": serde_json::from_str::<Value>(&square(119.0, 26.1, 119.1, 26.2)).unwrap()},
        {"type": "Feature", "properties": {"code": "350102001001004", "name": "坏", "kind": "castle", "parent_code": "350102001001"},
         "geometry": serde_json::from_str::<Value>(&square(119.1, 26.1, 119.2, 26.2)).unwrap()}]});
    let (s, v) = f
        .api("admin_city", Method::POST, "/api/v1/grids/import", Some(fc))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "import.rows_invalid");
    assert_eq!(v["details"][0]["index"], 1);
    assert_eq!(v["details"][0]["error"], "import.kind_invalid");
    let (s, _) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/nodes/350102001001003",
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the good feature was not kept either"
    );
    // A user at a node kind their role does not sit at.
    let (s, v) = f.api("admin_city", Method::POST, "/api/v1/users", Some(json!({"username": "w99", "display_name": "某", "password": "password-123", "role": "worker", "node_code": "350102001000"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "user.role_node_mismatch");
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let f = fixture().await;
    let doc: Value = serde_json::from_str(wangge_web::openapi::document_text()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 15);
    let user_id = f.api("admin_city", Method::GET, "/api/v1/me", None).await.1["user_id"]
        .as_i64()
        .unwrap();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let uri = path
                .replace("{code}", "350102001001001")
                .replace("{id}", &user_id.to_string());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = if m == Method::GET {
                None
            } else {
                Some(json!({}))
            };
            let (s, v) = f.api("admin_city", m.clone(), &uri, body).await;
            assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            // The router's own 404 has no error body; ours always carries a code.
            if s == StatusCode::NOT_FOUND {
                assert!(v.get("code").is_some(), "{method} {path} is not routed");
            }
        }
    }
    let (s, _, body) = f.get("", "/metrics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(
        "wangge_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"}"
    ));
    assert!(body.contains("wangge_grids_indexed 4"));
}

/// With the default public URL (this machine), an administrator's notice board says the QR code
/// will not open on residents' phones; a grid worker printing the same board is not told.
#[tokio::test]
async fn the_board_warns_administrators_of_a_local_public_url() {
    let f = fixture().await;
    let grid = "350102001001001";
    let (s, admin) = f.page("admin_a", &format!("/grids/{grid}/board")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        admin.contains("data-testid=\"board-public-url-warning\""),
        "{admin}"
    );
    assert!(admin.contains("--public-url"));
    let (s, worker) = f.page("gw_a1", &format!("/grids/{grid}/board")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(worker.contains("data-testid=\"board\""));
    assert!(!worker.contains("board-public-url-warning"));
}

/// The verification and rating forms decide nothing for the user: no radio starts checked and
/// each choice is required, so the browser asks instead of sending "pass" or five stars.
#[test]
fn verdict_and_rating_forms_preselect_nothing() {
    for (file, name) in [
        ("events/event.html", "name=\"pass\""),
        ("intake/track.html", "name=\"stars\""),
    ] {
        let path = format!("{}/templates/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let radios: Vec<&str> = text
            .split("<input")
            .skip(1)
            .filter(|tag| tag.contains(name))
            .map(|tag| tag.split('>').next().unwrap_or_default())
            .collect();
        assert!(!radios.is_empty(), "{file} has its {name} radios");
        for tag in radios {
            assert!(!tag.contains("checked"), "{file}: {tag}");
            assert!(tag.contains("required"), "{file}: {tag}");
        }
    }
}
