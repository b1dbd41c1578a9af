//! Log-in and its surroundings against someone who tries: redirect targets, lock-out by a
//! stranger, password changes, `Secure` cookies and `no-store` on personal data.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::json;
use wangge_web::{AppState, WebConfig, router};

use crate::common::*;

const PW: &str = "password-123";
const PWNED: &str = "%2F%09%2F127.0.0.1:18283%2Fpwned";

fn location(h: &HeaderMap) -> &str {
    h.get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

/// A log-in form post from a client address, with the cookies given (`name=value; …`).
fn login_req(user: &str, password: &str, next: &str, ip: &str, cookies: &str) -> Request<Body> {
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, FORM)
        .extension(ConnectInfo(addr));
    if !cookies.is_empty() {
        b = b.header(header::COOKIE, cookies);
    }
    // The form body carries `next` raw, as a crafted page would post it.
    let body = format!(
        "username={}&password={}&next={next}",
        urlencode(user),
        urlencode(password)
    );
    b.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn redirects_go_only_to_this_site() {
    let f = fixture().await;
    // The language switch, without log-in.
    for back in [
        PWNED,
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "https:%2F%2Fevil.example",
        "%2Fx%01y",
        "%2F%0D%0ASet-Cookie:%20a=b",
        "%2F%252F%2Fevil.example",
    ] {
        let (s, h, _) = f.get("", &format!("/lang?to=en&back={back}")).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "back={back}");
        assert_eq!(location(&h), "/", "back={back}");
    }
    let (s, h, _) = f.get("", "/lang?to=en&back=%2Fevents%3Finbox%3Dmine").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&h),
        "/events?inbox=mine",
        "a path of this site is kept"
    );

    // The log-in page: the form carries "/" instead, and a signed-in caller is sent to "/".
    for next in [PWNED, "%2Fx%01y", "%2F%2Fevil.example"] {
        let (s, page) = f.page("", &format!("/login?next={next}")).await;
        assert_eq!(s, StatusCode::OK, "next={next}");
        assert!(page.contains(r#"name="next" value="/""#), "next={next}");
        assert!(!page.contains("18283") && !page.contains("evil"));
        let (s, h, _) = f.get("gw_a1", &format!("/login?next={next}")).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "next={next}");
        assert_eq!(location(&h), "/");
    }

    // Posting the log-in: the session starts and the browser goes home, never off-site or 500.
    for (i, next) in [PWNED, "%2Fx%01y", "%2F%0Aevil", "%2F%2Fevil.example"]
        .iter()
        .enumerate()
    {
        let (s, h, _) = f
            .send(login_req("gw_a1", PW, next, &format!("10.7.0.{i}"), ""))
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "next={next}");
        assert_eq!(location(&h), "/", "next={next}");
        assert!(
            set_cookies(&h)
                .iter()
                .any(|c| c.starts_with("wangge_session="))
        );
    }
    let (s, h, _) = f
        .send(login_req("gw_a1", PW, "%2Fevents", "10.7.1.1", ""))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location(&h), "/events");
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_worker_out() {
    let f = fixture().await;
    // Five wrong passwords from five addresses…
    for i in 0..5 {
        let (s, _, _) = f
            .send(login_req(
                "gw_a1",
                "wrong-password",
                "%2F",
                &format!("10.8.0.{i}"),
                "",
            ))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // …and the worker, at a new address, is in.
    let (s, h, _) = f.send(login_req("gw_a1", PW, "%2F", "10.8.1.1", "")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookies = set_cookies(&h);
    assert!(cookies.iter().any(|c| c.starts_with("wangge_session=")));
    let device = cookies
        .iter()
        .find(|c| c.starts_with("wangge_device="))
        .and_then(|c| c.split(';').next())
        .expect("a device cookie")
        .to_string();

    // Wrong again and again from one address: 429 with how long to wait.
    let mut last = (StatusCode::OK, HeaderMap::new(), String::new());
    for _ in 0..6 {
        last = f
            .send(login_req("gw_a1", "wrong-password", "%2F", "10.8.2.1", ""))
            .await;
    }
    assert_eq!(last.0, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = last
        .1
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(wait >= 1, "Retry-After: {wait}");
    assert!(
        last.2.contains("data-testid") || last.2.contains("<form"),
        "the log-in page again"
    );
    // That address's trouble is its own: the worker's other address still gets in.
    let (s, _, _) = f.send(login_req("gw_a1", PW, "%2F", "10.8.1.1", "")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // A guess spread over many addresses reaches the per-name ceiling: new devices wait, the
    // device that signed in before gets in with the right password.
    for i in 0..wangge_store::auth::CEILING {
        f.send(login_req(
            "gw_a1",
            "wrong-password",
            "%2F",
            &format!("10.9.{}.{}", i / 200, i % 200),
            "",
        ))
        .await;
    }
    let (s, h, _) = f.send(login_req("gw_a1", PW, "%2F", "10.8.3.1", "")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(h.get(header::RETRY_AFTER).is_some());
    let (s, _, _) = f
        .send(login_req("gw_a1", PW, "%2F", "10.8.3.1", &device))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the known device passes");
    // The device cookie proves one name only, and a forged one nothing.
    let (s, _, _) = f
        .send(login_req(
            "gw_a1",
            PW,
            "%2F",
            "10.8.3.2",
            "wangge_device=1.00000000000000000000000000000000",
        ))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn password_changes_need_the_current_one_and_revoke_the_rest() {
    let f = fixture().await;
    let me = f.ids["gw_a1"];
    let uri = format!("/api/v1/users/{me}/password");
    // One's own change without or with a wrong current password.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &uri,
            Some(json!({"password": "new-password-1"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["code"], "auth.current_password");
    let (s, _) = f
        .api(
            "gw_a1",
            Method::POST,
            &uri,
            Some(json!({"password": "new-password-1", "current_password": "nope"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.page("gw_a1", "/").await;
    assert_eq!(s, StatusCode::OK, "nothing revoked by a refused change");

    // With the current password: the token that made the change still works, the browser
    // session (made with the old password) is out.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &uri,
            Some(json!({"password": "new-password-1", "current_password": PW})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, h, _) = f.get("gw_a1", "/").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(location(&h).starts_with("/login"));

    // Own change through the browser session keeps that session and ends the token.
    let (s, h, _) = f
        .send(login_req("gw_a1", "new-password-1", "%2F", "10.6.0.1", ""))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let session = set_cookies(&h)
        .into_iter()
        .find(|c| c.starts_with("wangge_session="))
        .and_then(|c| c.split(';').next().map(str::to_string))
        .unwrap();
    let req = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &session)
        .body(Body::from(
            json!({"password": "new-password-2", "current_password": "new-password-1"}).to_string(),
        ))
        .unwrap();
    let (s, _, body) = f.send(req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let req = Request::builder()
        .uri("/")
        .header(header::COOKIE, &session)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        f.send(req).await.0,
        StatusCode::OK,
        "the changing session stays"
    );
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the token is revoked");

    // An administrator's reset needs no current password and revokes everything of the user.
    let other = f.ids["gw_a2"];
    let (s, _) = f
        .api(
            "admin_a",
            Method::POST,
            &format!("/api/v1/users/{other}/password"),
            Some(json!({"password": "reset-password"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        f.api("gw_a2", Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(f.get("gw_a2", "/").await.0, StatusCode::SEE_OTHER);
    // An administrator's own change is an own change.
    let admin = f.ids["admin_a"];
    let (s, _) = f
        .api(
            "admin_a",
            Method::POST,
            &format!("/api/v1/users/{admin}/password"),
            Some(json!({"password": "reset-password"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The edit page asks for the current password on one's own account only.
    let (_, own) = f.page("admin_a", &format!("/admin/users/{admin}")).await;
    assert!(own.contains(r#"name="current_password""#));
    let (_, theirs) = f.page("admin_a", &format!("/admin/users/{other}")).await;
    assert!(!theirs.contains(r#"name="current_password""#));
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let f = fixture().await;
    for (public_url, secure) in [
        ("https://grid.example.cn", true),
        ("HTTPS://grid.example.cn/", true),
        ("http://127.0.0.1:8080", false),
    ] {
        let config = WebConfig {
            public_url: public_url.to_string(),
            ..WebConfig::default()
        };
        let app = router(AppState::new(f.state.db.clone(), config, key_ring()));
        let (s, h, _) = call(&app, login_req("gw_a1", PW, "%2F", "10.5.0.1", "")).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let cookies = set_cookies(&h);
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        for c in &cookies {
            assert_eq!(c.contains("; Secure"), secure, "{public_url}: {c}");
            assert!(c.contains("HttpOnly"), "{c}");
        }
    }
}

#[tokio::test]
async fn personal_data_is_not_stored_by_caches() {
    let f = fixture().await;
    let no_store = |h: &HeaderMap| {
        h.get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"))
    };
    let (s, h, _) = f.api_bytes("gw_a1", "/api/v1/people").await;
    assert_eq!(s, StatusCode::OK);
    assert!(no_store(&h), "the people JSON list: {h:?}");
    let (s, h, _) = f.get("gw_a1", "/people").await;
    assert_eq!(s, StatusCode::OK);
    assert!(no_store(&h), "the people page: {h:?}");
    let (_, h, _) = f.get("gw_a1", "/").await;
    assert!(no_store(&h), "any signed-in page");
    let (_, h, _) = f.get("", "/t/unknown-token").await;
    assert!(no_store(&h), "a resident's tracking page");
    // Assets stay cacheable for everyone.
    let (s, h, _) = f.get("gw_a1", "/assets/app.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!no_store(&h), "{h:?}");
}
