//! Log-in, log-out, the language switch and the home page.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, Request, State};
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
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

/// The longest redirect target followed; longer ones are not links this site makes.
const MAX_NEXT: usize = 2048;

/// Where to send the browser after log-in or a language switch: only a same-site path, else
/// `/`. Browsers read `//host`, `/\host` and (after stripping tabs and newlines) `/\t/host` as
/// another site, so the target must be visible ASCII starting with one `/`, with no backslash;
/// its path, percent-decoded (repeatedly, as a proxy or a second redirect might), must pass the
/// same test. A control character therefore never reaches the `Location` header.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.len() <= MAX_NEXT && same_site_path(n) && decoded_path_ok(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn same_site_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
}

/// The path (before `?` or `#`), percent-decoded until it no longer changes, is still a plain
/// same-site path. The query is data the browser does not re-read as a location.
fn decoded_path_ok(n: &str) -> bool {
    let mut path: Vec<u8> = n.split(['?', '#']).next().unwrap_or("").as_bytes().to_vec();
    for _ in 0..4 {
        let decoded = percent_decode(&path);
        if decoded == path {
            return true;
        }
        match std::str::from_utf8(&decoded) {
            Ok(s) if same_site_path(s) => path = decoded,
            _ => return false,
        }
    }
    // Still changing after four rounds: nested encodings are not links this site makes.
    false
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
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
    let device = auth::cookie(req.headers(), auth::DEVICE_COOKIE);
    let form = match Form::<LoginForm>::from_request(req, &s).await {
        Ok(Form(f)) => f,
        Err(_) => LoginForm {
            username: String::new(),
            password: String::new(),
            next: None,
        },
    };
    let next = safe_next(form.next.as_deref());
    match auth::sign_in(&s, &form.username, &form.password, &ip, device.as_deref()).await {
        Ok(signed) => (
            // Appended: a plain array of headers would keep only the last cookie.
            AppendHeaders([
                (header::SET_COOKIE, signed.session),
                (header::SET_COOKIE, signed.device),
            ]),
            Redirect::to(&next),
        )
            .into_response(),
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
            if let Some(wait) = crate::error::retry_after(&e) {
                resp.headers_mut().insert(header::RETRY_AFTER, wait);
            }
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
    /// Transfer requests waiting for the caller's decision (0 for roles that do not decide).
    transfers_waiting: i64,
    /// A grid worker's lights of the week, linking to `/work`.
    work_card: Option<crate::workbench::home::Card>,
}

pub struct WorkCount {
    pub inbox: &'static str,
    pub label: String,
    /// The count, or "1000+" past the cap (a city's counts stop there rather than read it all).
    pub n: String,
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
            n: if n > events::COUNT_CAP {
                format!("{}+", events::COUNT_CAP)
            } else {
                n.to_string()
            },
        })
        .collect();
    // A leader watches the area's work rather than doing it: the same counts, said as such.
    let watching = me.0.role() == wangge_domain::Role::Leader;
    let viewer = wangge_store::basic::transfers::Viewer {
        user_id: me.0.user_id,
        role: me.0.role(),
        path: me.0.node_path.clone(),
    };
    let transfers_waiting =
        wangge_store::basic::transfers::waiting(&mut c.handle(), &viewer).await?;
    drop(c);
    let work_card = crate::workbench::home::card(&s, &l.t, &me.0).await;
    Ok(render(HomePage {
        l,
        counts,
        work,
        watching,
        transfers_waiting,
        work_card,
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        let table: &[(&str, &str)] = &[
            // Kept: paths of this site, with their queries.
            ("/", "/"),
            ("/events?inbox=mine", "/events?inbox=mine"),
            ("/people?q=%E5%BC%A0%20x", "/people?q=%E5%BC%A0%20x"),
            ("/grids/350102001001001#map", "/grids/350102001001001#map"),
            ("/a:b/c", "/a:b/c"),
            // Another site, spelled as browsers read it.
            ("//evil.example/x", "/"),
            ("/\\evil.example", "/"),
            ("/\t/127.0.0.1:18283/pwned", "/"),
            ("/\n/evil.example", "/"),
            ("/\r\n/evil.example", "/"),
            ("/ /evil.example", "/"),
            ("https://evil.example/", "/"),
            ("http:/evil.example", "/"),
            ("javascript:alert(1)", "/"),
            ("evil.example", "/"),
            ("", "/"),
            // Control characters and non-ASCII never reach the header.
            ("/a\u{0}b", "/"),
            ("/a\u{1}b", "/"),
            ("/a\u{7f}b", "/"),
            ("/\u{5f20}", "/"),
            ("/ok?x=\u{1}", "/"),
            // Percent-encoded tricks in the path, once or twice.
            ("/%2F/evil.example", "/"),
            ("/%5Cevil.example", "/"),
            ("/%09/evil.example", "/"),
            ("/%252F/evil.example", "/"),
            ("/%25252F%2F", "/"),
            ("/x%0d%0aSet-Cookie:a=b", "/"),
            ("%2F%2Fevil.example", "/"),
        ];
        for (input, want) in table {
            assert_eq!(safe_next(Some(input)), *want, "input {input:?}");
        }
        assert_eq!(safe_next(None), "/");
        let long = format!("/{}", "a".repeat(5000));
        assert_eq!(safe_next(Some(&long)), "/");
    }
}
