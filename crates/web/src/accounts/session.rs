//! Log-in, log-out, the language switch and the home page.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_store::{auth as store_auth, events, nodes};

use crate::auth::{self, MaybeMe, Me};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, node_href, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang", get(switch_lang))
        .route("/", get(home))
        .route("/me", get(me_page))
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    l: Layout,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths are followed after log-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_page(lang: Lang, MaybeMe(me): MaybeMe, Query(q): Query<NextQuery>) -> Response {
    if me.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render(LoginPage {
        l: Layout::new(lang, None, "login.title"),
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(State(s): State<AppState>, lang: Lang, req: Request) -> Response {
    let ip = auth::client_ip(req.extensions());
    let form = match Form::<LoginForm>::from_request(req, &s).await {
        Ok(Form(f)) => f,
        Err(_) => LoginForm {
            username: String::new(),
            password: String::new(),
            next: None,
        },
    };
    let next = safe_next(form.next.as_deref());
    match auth::sign_in(&s, &form.username, &form.password, &ip).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
        Err(e) => {
            let status = axum::http::StatusCode::from_u16(e.status)
                .unwrap_or(axum::http::StatusCode::UNAUTHORIZED);
            let mut resp = render(LoginPage {
                l: Layout::new(lang, None, "login.title"),
                error: Some(Tr::new(lang).error(&e)),
                next,
                username: form.username,
            });
            *resp.status_mut() = status;
            resp
        }
    }
}

use axum::extract::FromRequest;

async fn logout(State(s): State<AppState>, req: Request) -> Response {
    if let Some(secret) = auth::cookie(req.headers(), auth::SESSION_COOKIE)
        && let Ok(mut c) = s.db.conn().await
    {
        let _ = store_auth::end_session(&mut c.handle(), &secret).await;
    }
    (
        [(header::SET_COOKIE, auth::clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangQuery {
    to: Option<String>,
    back: Option<String>,
}

async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let value = if q.to.as_deref() == Some("en") {
        "en"
    } else {
        "zh"
    };
    let cookie = format!("lang={value}; Path=/; SameSite=Lax; Max-Age=31536000");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.back.as_deref())),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "accounts/home.html")]
struct HomePage {
    l: Layout,
    counts: Vec<(String, i64)>,
    /// The caller's work inboxes with how many events wait in each (a leader's: what they watch).
    work: Vec<WorkCount>,
    watching: bool,
}

pub struct WorkCount {
    pub inbox: &'static str,
    pub label: String,
    pub n: i64,
}

async fn home(State(s): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let mut counts = nodes::count_by_kind(&mut c.handle(), &me.0.scope()).await?;
    let order = |k: &str| {
        wangge_domain::NodeKind::ALL
            .iter()
            .position(|x| x.as_str() == k)
            .unwrap_or(99)
    };
    counts.sort_by_key(|(k, _)| order(k));
    let l = Layout::new(lang, Some(me.0.clone()), "nav.home");
    let lists = events::Inbox::first_for(me.0.role());
    let work = events::inbox_counts(&mut c.handle(), &me.0.scope(), me.0.user_id, s.now(), lists)
        .await?
        .into_iter()
        .map(|(inbox, n)| WorkCount {
            inbox: inbox.as_str(),
            label: l.t.s(&format!("ev.inbox.{}", inbox.as_str())).to_string(),
            n,
        })
        .collect();
    // A leader watches the area's work rather than doing it: the same counts, said as such.
    let watching = me.0.role() == wangge_domain::Role::Leader;
    Ok(render(HomePage {
        l,
        counts,
        work,
        watching,
    }))
}

#[derive(Template)]
#[template(path = "accounts/me.html")]
struct MePage {
    l: Layout,
    /// Where the caller's own node is shown.
    area_href: String,
}

/// "Me": who is logged in, and every page of the menu the phone's bottom bar has no room for,
/// with the language and log-out.
async fn me_page(lang: Lang, me: Me) -> Response {
    let area_href = node_href(me.0.node_kind, &me.0.node_code);
    render(MePage {
        l: Layout::new(lang, Some(me.0), "nav.me"),
        area_href,
    })
}
