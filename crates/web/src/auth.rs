//! Who is asking (session cookie or bearer token), CSRF and security headers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wangge_domain::Error;
use wangge_domain::err;
use wangge_store::auth::{self, Principal};
use wangge_store::now_ms;
use wangge_store::seal::KeyRing;

use crate::error::AppError;
use crate::state::{AppState, WebConfig};

pub const SESSION_COOKIE: &str = "wangge_session";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The bearer token of the request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// How the caller proved who they are; CSRF checks apply only to cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Token,
}

/// Looks the caller up once per request and leaves the answer in the request's extensions.
pub async fn resolve_principal(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // Anonymous requests (residents, Open311 clients) need no database round trip here.
    if bearer(req.headers()).is_none() && cookie(req.headers(), SESSION_COOKIE).is_none() {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let found = async {
        let mut c = state.db.conn().await?;
        let h = &mut c.handle();
        if let Some(t) = bearer(&headers) {
            let p = auth::token_principal(h, t).await?;
            return match p {
                Some(p) => Ok(Some((p, Via::Token))),
                None => Err(err!("auth.bad_token")),
            };
        }
        match cookie(&headers, SESSION_COOKIE) {
            Some(s) => Ok(auth::session_principal(h, &s, now_ms())
                .await?
                .map(|p| (p, Via::Cookie))),
            None => Ok(None),
        }
    }
    .await;
    match found {
        Ok(Some((p, via))) => {
            req.extensions_mut().insert(p);
            req.extensions_mut().insert(via);
        }
        Ok(None) => {}
        Err(e) => return AppError(e).into_response(),
    }
    next.run(req).await
}

/// The signed-in caller; answers 401 (pages redirect to the log-in page) when there is none.
pub struct Me(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Me, AppError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Me)
            .ok_or_else(|| AppError(err!("auth.required")))
    }
}

/// The caller if signed in.
pub struct MaybeMe(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeMe {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<MaybeMe, Self::Rejection> {
        Ok(MaybeMe(parts.extensions.get::<Principal>().cloned()))
    }
}

impl Me {
    pub fn require_tree_editor(&self) -> Result<(), AppError> {
        if self.0.can_edit_tree() {
            Ok(())
        } else {
            Err(AppError(err!("auth.forbidden")))
        }
    }

    pub fn require_user_manager(&self) -> Result<(), AppError> {
        if self.0.can_manage_users() {
            Ok(())
        } else {
            Err(AppError(err!("auth.forbidden")))
        }
    }
}

/// The workflow actor for a signed-in staff member.
pub fn caller(p: &Principal) -> Result<wangge_store::events::Caller, AppError> {
    use wangge_domain::event::{Actor, Staff};
    let role = p.role();
    let node_kind = p.node_kind;
    Ok(wangge_store::events::Caller {
        actor: Actor::Staff(Staff {
            user_id: p.user_id,
            role,
            node_kind,
            node_code: p.node_code.clone(),
        }),
        name: p.display_name.clone(),
        scope: p.scope(),
    })
}

/// The peer address, for log-in throttling.
pub fn client_ip(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether cookies carry `Secure`: when configured, and whenever the public URL is https (the
/// browser then reaches this server only over TLS, so the flag costs nothing).
pub fn secure_cookies(config: &WebConfig) -> bool {
    config.secure_cookies
        || config
            .public_url
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://")
}

pub fn session_cookie(secret: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("wangge_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The cookie by which a browser that signed in before passes the per-name ceiling of log-in
/// failures (with the right password): `issued.mac` entries joined by `_`, one per name that
/// signed in on it, the MAC keyed by the key ring's index key over the name and the time.
pub const DEVICE_COOKIE: &str = "wangge_device";
const DEVICE_TTL_MS: i64 = 180 * 24 * 3600 * 1000;
/// Names remembered per browser (a shared office computer).
const DEVICE_ENTRIES: usize = 5;

fn device_mac(keys: &KeyRing, username: &str, issued: i64) -> String {
    keys.blind_index("login_device", &format!("{username}\n{issued}"))
}

/// The well-formed, unexpired entries of a device cookie (anything else a client sends is
/// dropped, so it never reaches a header again).
fn device_entries(cookie: Option<&str>, now: i64) -> impl Iterator<Item = (i64, &str)> {
    cookie
        .unwrap_or("")
        .split('_')
        .filter_map(|e| e.split_once('.'))
        .filter_map(|(issued, mac)| Some((issued.parse::<i64>().ok()?, mac)))
        .filter(move |(issued, mac)| {
            now - issued < DEVICE_TTL_MS
                && *issued <= now + 60_000
                && mac.len() == 32
                && mac.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .take(DEVICE_ENTRIES)
}

/// Whether the device cookie proves this browser signed in as `username` before.
pub fn known_device(keys: &KeyRing, cookie: Option<&str>, username: &str, now: i64) -> bool {
    device_entries(cookie, now).any(|(issued, mac)| {
        let want = device_mac(keys, username, issued);
        // Compared without an early exit, so the time does not tell how much of a MAC matched.
        want.len() == mac.len()
            && want
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// The device cookie after `username` signed in: a fresh entry for the name first, then the
/// browser's other names (the oldest dropped past the limit).
pub fn device_cookie(
    keys: &KeyRing,
    old: Option<&str>,
    username: &str,
    now: i64,
    secure: bool,
) -> HeaderValue {
    let mut entries = vec![format!("{now}.{}", device_mac(keys, username, now))];
    entries.extend(
        device_entries(old, now)
            .filter(|(issued, mac)| *mac != device_mac(keys, username, *issued))
            .take(DEVICE_ENTRIES - 1)
            .map(|(issued, mac)| format!("{issued}.{mac}")),
    );
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{DEVICE_COOKIE}={}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        entries.join("_"),
        DEVICE_TTL_MS / 1000
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A successful sign-in's cookies: the session and the refreshed device cookie.
pub struct SignedIn {
    pub session: HeaderValue,
    pub device: HeaderValue,
}

/// Signs in: checks the password (throttled per name and address; a known device passes the
/// per-name ceiling) and starts a session.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
    device: Option<&str>,
) -> Result<SignedIn, Error> {
    // The real clock, as sessions are checked by it (tests move only the workflow's clock).
    let now = now_ms();
    let username = username.trim();
    let known = known_device(&state.keys, device, username, now);
    let mut tx = state.db.begin().await?;
    let result = auth::login(&mut tx.handle(), username, password, ip, known, now).await;
    let user_id = match result {
        Ok(id) => id,
        Err(e) => {
            // The failure count must persist even though the log-in failed.
            tx.commit().await?;
            return Err(e);
        }
    };
    let secret =
        auth::create_session(&mut tx.handle(), user_id, now, state.config.session_ttl_ms).await?;
    tx.commit().await?;
    let secure = secure_cookies(&state.config);
    Ok(SignedIn {
        session: session_cookie(&secret, state.config.session_ttl_ms / 1000, secure),
        device: device_cookie(&state.keys, device, username, now, secure),
    })
}

/// Refuses state-changing requests that ride on a cookie from another origin. Browsers send
/// `Origin` on every cross-site POST; a missing `Origin` falls back to `Referer`.
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let uses_cookie =
        cookie(req.headers(), SESSION_COOKIE).is_some() && bearer(req.headers()).is_none();
    let is_login = req.uri().path() == "/login";
    if safe || (!uses_cookie && !is_login) {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let same = match origin {
        // A log-in form posted by a client that sends neither header is not a browser attack.
        None => is_login && !uses_cookie,
        Some(o) => o
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("") == host)
            .unwrap_or(false),
    };
    if same {
        next.run(req).await
    } else {
        AppError(err!("auth.csrf")).into_response()
    }
}

/// Whether the answer to a request may carry personal data and must not be stored by the
/// browser or a proxy: everything asked with a session or token, the whole API, and the
/// resident's report and tracking pages. Static assets are the same for everyone.
fn private_request(req: &Request) -> bool {
    let path = req.uri().path();
    if path.starts_with("/assets/") {
        return false;
    }
    cookie(req.headers(), SESSION_COOKIE).is_some()
        || bearer(req.headers()).is_some()
        || path.starts_with("/api/")
        || path.starts_with("/t/")
        || path.starts_with("/r/")
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let private = private_request(&req);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src * data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
    );
    if private
        || resp.status() == StatusCode::UNAUTHORIZED
        || resp.headers().contains_key(header::SET_COOKIE)
    {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
