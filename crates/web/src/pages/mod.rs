//! Browser pages: full pages rendered with askama, zh-CN by default.

mod session;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use wangge_domain::Error;
use wangge_store::auth::Principal;

use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// What every page's frame needs: the language, the caller and the title.
pub struct Layout {
    pub t: Tr,
    pub me: Option<Principal>,
    pub title: String,
}

impl Layout {
    pub fn new(lang: Lang, me: Option<Principal>, title_key: &str) -> Layout {
        let t = Tr::new(lang);
        Layout {
            title: t.s(title_key).to_string(),
            t,
            me,
        }
    }

    pub fn can_edit_tree(&self) -> bool {
        self.me.as_ref().is_some_and(Principal::can_edit_tree)
    }

    pub fn can_manage_users(&self) -> bool {
        self.me.as_ref().is_some_and(Principal::can_manage_users)
    }
}

/// Renders a template, or answers 500 if the template fails.
pub fn render(tpl: impl Template) -> Response {
    match tpl.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .layer(middleware::from_fn(html_errors))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    status: u16,
}

/// Turns API-shaped errors on page routes into pages: 401 sends the browser to log in, others
/// show the message in the user's language.
async fn html_errors(req: Request, next: Next) -> Response {
    let lang = match crate::auth::cookie(req.headers(), "lang").as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let me = req.extensions().get::<Principal>().cloned();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let resp = next.run(req).await;
    let Some(err) = resp.extensions().get::<Error>().cloned() else {
        return resp;
    };
    if err.status == 401 {
        let next = urlencode(&target);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let l = Layout::new(lang, me, "error.title");
    let message = l.t.error(&err);
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = render(ErrorPage {
        l,
        message,
        status: err.status,
    });
    *out.status_mut() = status;
    out.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    out
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
