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

use crate::error::AppError;
use crate::state::AppState;

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

fn bearer(headers: &HeaderMap) -> Option<&str> {
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

/// Signs in: checks the password (throttled) and starts a session; returns the cookie.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<HeaderValue, Error> {
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let result = auth::login(&mut tx.handle(), username.trim(), password, ip, now).await;
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
    Ok(session_cookie(
        &secret,
        state.config.session_ttl_ms / 1000,
        state.config.secure_cookies,
    ))
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

pub async fn security_headers(req: Request, next: Next) -> Response {
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
    if resp.status() == StatusCode::UNAUTHORIZED || resp.headers().contains_key(header::SET_COOKIE)
    {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
