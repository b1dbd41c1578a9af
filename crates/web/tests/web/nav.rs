//! Finding one's way: the report button on the pages a worker starts from, the phone's bottom bar
//! and the "me" page that holds the rest of the menu, each link opening for its role; and one
//! language per page (no Chinese on English pages, no English in brackets on Chinese ones), the
//! audit page included.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use wangge_store::audit::{self, Actor, Entry};
use wangge_store::now_ms;

use super::common::*;

const GRID: &str = "350102001001001";
/// A reason typed for a reveal: data, shown as typed in either language.
const REASON: &str = "核实身份信息";

/// A page as `user` reads it in `lang` ("en" or "zh").
async fn page_in(f: &Fixture, user: &str, uri: &str, lang: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .uri(uri)
        .header(
            header::COOKIE,
            format!("wangge_session={}; lang={lang}", f.creds[user].1),
        )
        .body(Body::empty())
        .unwrap();
    let (s, h, b) = call(&f.app, req).await;
    if s == StatusCode::SEE_OTHER
        && let Some(to) = h.get(header::LOCATION).and_then(|v| v.to_str().ok())
        && to.starts_with('/')
        && to != uri
    {
        return Box::pin(page_in(f, user, to, lang)).await;
    }
    (s, String::from_utf8_lossy(&b).into_owned())
}

/// The `href`s of the element that carries `data-testid="{testid}"`, its own and those inside.
fn hrefs_in(html: &str, testid: &str) -> Vec<String> {
    let Some(at) = html.find(&format!("data-testid=\"{testid}\"")) else {
        return Vec::new();
    };
    let start = html[..at].rfind('<').unwrap_or(at);
    let rest = &html[start..];
    let tag: String = rest[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let end = rest.find(&format!("</{tag}>")).unwrap_or(rest.len());
    rest[..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

/// A page opens: it answers, or sends the browser on to the caller's own part (`/tree`).
fn opens(s: StatusCode) -> bool {
    s == StatusCode::OK || s == StatusCode::SEE_OTHER
}

#[tokio::test]
async fn a_worker_finds_report_on_home_inbox_and_grid_page() {
    let f = fixture().await;
    for uri in ["/", "/events", &format!("/grids/{GRID}")] {
        let (s, body) = f.page("gw_a1", uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        let cta = hrefs_in(&body, "report-cta");
        assert!(
            cta.first().is_some_and(|h| h.starts_with("/events/new")),
            "{uri} has a report button: {cta:?}"
        );
        assert!(
            hrefs_in(&body, "bottom-nav").contains(&"/events/new".to_string()),
            "{uri}: the bottom bar reports"
        );
    }
    // The grid page's button starts the report in that grid.
    let (_, grid_page) = f.page("gw_a1", &format!("/grids/{GRID}")).await;
    let href = format!("/events/new?grid={GRID}");
    assert!(
        grid_page.contains(&href),
        "the grid page reports in its grid"
    );
    let (s, form) = f.page("gw_a1", &href).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        form.contains(&format!("value=\"{GRID}\" selected")),
        "the grid is chosen on the form"
    );
    // A leader watches and does not report: no button, no bar entry, and the form refuses.
    let (_, home) = f.page("leader", "/").await;
    assert!(hrefs_in(&home, "report-cta").is_empty());
    assert!(!hrefs_in(&home, "bottom-nav").contains(&"/events/new".to_string()));
    assert_eq!(
        f.page("leader", "/events/new").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_menu_entry_of_every_role_opens() {
    let f = fixture().await;
    for (user, role, _) in STAFF {
        let (s, home) = f.page(user, "/").await;
        assert_eq!(s, StatusCode::OK, "{user} home");
        let bottom = hrefs_in(&home, "bottom-nav");
        assert!(bottom.len() <= 5, "{user}: {bottom:?}");
        assert_eq!(bottom.first().map(String::as_str), Some("/"), "{user}");
        assert_eq!(bottom.last().map(String::as_str), Some("/me"), "{user}");
        let (s, me) = f.page(user, "/me").await;
        assert_eq!(s, StatusCode::OK, "{user} me");
        let menu = hrefs_in(&me, "me-menu");
        let top = hrefs_in(&home, "top-nav");
        // Everything of the top menu is on the phone too: in the bottom bar or on "me".
        for h in &top {
            assert!(
                bottom.contains(h) || menu.contains(h),
                "{user}: {h} is reachable on a phone"
            );
        }
        for h in bottom.iter().chain(menu.iter()).chain(top.iter()) {
            if h.starts_with("/lang") {
                continue;
            }
            let (s, _) = f.page(user, h).await;
            assert!(opens(s), "{user} ({role:?}) opens {h}: {s}");
        }
        assert!(me.contains("action=\"/logout\""), "{user} logs out from me");
        assert!(
            menu.iter().any(|h| h.starts_with("/lang?to=")),
            "{user} switches language from me"
        );
    }
    let menu_of = |body: &str| hrefs_in(body, "me-menu");
    let admin = menu_of(&f.page("admin_city", "/me").await.1);
    for h in [
        "/tree",
        "/map",
        "/import",
        "/analysis",
        "/calendar",
        "/admin/categories",
        "/admin/users",
        "/audit",
        "/check",
    ] {
        assert!(admin.contains(&h.to_string()), "admin has {h}: {admin:?}");
    }
    let worker = menu_of(&f.page("gw_a1", "/me").await.1);
    assert!(worker.contains(&"/import".to_string()));
    for h in ["/audit", "/admin/users", "/check", "/admin/categories"] {
        assert!(!worker.contains(&h.to_string()), "a worker has no {h}");
    }
    let dept = hrefs_in(&f.page("dept_a", "/").await.1, "bottom-nav");
    assert!(
        !dept.contains(&"/people".to_string()),
        "departments do not read the register"
    );
}

/// `html` without its `open … close` elements (scripts, styles).
fn drop_elements(html: &str, open: &str, close: &str) -> String {
    let mut kept = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        kept.push_str(&rest[..i]);
        rest = rest[i..]
            .find(close)
            .map_or("", |j| &rest[i + j + close.len()..]);
    }
    kept.push_str(rest);
    kept
}

/// The text a reader sees: tags, scripts and styles removed, plus the attributes people read.
fn visible_text(html: &str) -> String {
    let html = drop_elements(
        &drop_elements(html, "<script", "</script>"),
        "<style",
        "</style>",
    );
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                for attr in ["placeholder=\"", "title=\"", "aria-label=\""] {
                    for part in tag.split(attr).skip(1) {
                        text.push(' ');
                        text.push_str(part.split('"').next().unwrap_or(""));
                    }
                }
                text.push(' ');
            }
            (true, c) => tag.push(c),
            (false, c) => text.push(c),
        }
    }
    text
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
}

/// Data people entered stays as they wrote it: the fixture's node and user names.
fn without_data(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let prefix = match c {
            '节' if chars.peek() == Some(&'点') => "节点",
            '用' if chars.peek() == Some(&'户') => "用户",
            _ => "",
        };
        if prefix.is_empty() {
            out.push(c);
            continue;
        }
        chars.next();
        while chars
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            chars.next();
        }
    }
    // The language switch names Chinese in Chinese.
    out.replace("中文", "").replace(REASON, "")
}

/// Chinese text directly followed by a bracket holding an English word (the bracket pattern
/// of "用户名或密码错误(wrong user name or password)").
fn english_in_brackets(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for (i, w) in chars.windows(2).enumerate() {
        if is_cjk(w[0]) && (w[1] == '(' || w[1] == '\u{ff08}') {
            let inside: String = chars[i + 2..]
                .iter()
                .take_while(|c| **c != ')' && **c != '\u{ff09}')
                .collect();
            let letters = inside
                .split(|c: char| !c.is_ascii_alphabetic())
                // Codes and file kinds (XLSX, YYYY) are not English; a word in lower case is.
                .any(|word| word.len() >= 3 && word.chars().any(|c| c.is_ascii_lowercase()));
            if letters {
                let from = i.saturating_sub(10);
                return Some(
                    chars[from..(i + 2 + inside.chars().count() + 1).min(chars.len())]
                        .iter()
                        .collect(),
                );
            }
        }
    }
    None
}

async fn seed_audit(f: &Fixture) {
    let mut tx = f.state.db.begin().await.unwrap();
    let actor = Actor::user(f.ids["admin_city"], "用户admin_city");
    for (action, table, id, column, reason, detail) in [
        ("reveal", "people", Some(7), Some("id_number"), REASON, ""),
        (
            "import",
            "people",
            None,
            None,
            "",
            r#"{"mode":"good_rows_only","inserted":3,"updated":1,"problems":2}"#,
        ),
        (
            "export",
            "houses",
            None,
            None,
            "",
            r#"{"format":"xlsx","rows":12,"under":null,"tags":false}"#,
        ),
        (
            "rotate",
            "*",
            None,
            None,
            "re-seal under the active key",
            r#"{"resealed":5,"skipped":0,"unopened":0}"#,
        ),
    ] {
        audit::append(
            &mut tx.handle(),
            &Entry {
                actor: &actor,
                action,
                subject_table: table,
                subject_id: id,
                column_name: column,
                reason,
                detail,
            },
            now_ms(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn each_page_speaks_one_language() {
    let f = fixture().await;
    let r = f
        .report_at(
            "gw_a1",
            worker_report(GRID, "MD01", "broken lamp"),
            now_ms(),
        )
        .await;
    seed_audit(&f).await;
    let n = r.number;
    let pages: &[(&str, &[&str])] = &[
        (
            "gw_a1",
            &[
                "/",
                "/me",
                "/events",
                "/events/new",
                "/people",
                "/houses",
                "/tree",
                "/map",
                "/analysis",
                "/calendar",
            ],
        ),
        ("leader", &["/", "/me", "/events", "/analysis"]),
        ("dept_a", &["/", "/me", "/events"]),
        (
            "admin_city",
            &[
                "/",
                "/me",
                "/events",
                "/audit",
                "/admin/users",
                "/admin/categories",
                "/import",
                "/check",
            ],
        ),
    ];
    let event_page = format!("/events/{n}");
    let grid_page = format!("/grids/{GRID}");
    let mut checked = 0;
    for (user, uris) in pages {
        for uri in uris
            .iter()
            .copied()
            .chain([event_page.as_str(), grid_page.as_str()])
        {
            let (s, en) = page_in(&f, user, uri, "en").await;
            if s == StatusCode::NOT_FOUND {
                // The event or grid lies outside this user's area.
                continue;
            }
            assert_eq!(s, StatusCode::OK, "{user} {uri}");
            let text = without_data(&visible_text(&en));
            let cjk: String = text
                .split_whitespace()
                .filter(|w| w.chars().any(is_cjk))
                .collect::<Vec<_>>()
                .join(" ");
            assert!(cjk.is_empty(), "{user} {uri} in English shows: {cjk}");
            let (_, zh) = page_in(&f, user, uri, "zh").await;
            let zh_text = visible_text(&zh);
            assert_eq!(
                english_in_brackets(&zh_text),
                None,
                "{user} {uri} in Chinese"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} pages");
    // The category reads in the page's language on the event page and in the inbox.
    let (_, en) = page_in(&f, "gw_a1", &event_page, "en").await;
    assert!(en.contains("Neighbour dispute"), "the English category");
    let (_, zh) = page_in(&f, "gw_a1", &event_page, "zh").await;
    assert!(zh.contains("邻里纠纷"));
    let (_, inbox) = page_in(&f, "gw_a1", "/events?inbox=all", "en").await;
    assert!(inbox.contains("Neighbour dispute") || !inbox.contains(&n));
}

#[tokio::test]
async fn the_audit_page_names_things_in_the_readers_language() {
    let f = fixture().await;
    seed_audit(&f).await;
    let (s, en) = page_in(&f, "admin_city", "/audit", "en").await;
    assert_eq!(s, StatusCode::OK);
    for shown in [
        "People #7",
        "ID number",
        "mode: good rows only",
        "inserted: 3",
        "format: xlsx",
        "tags: No",
        "All sealed values",
        "re-seal under the active key",
    ] {
        assert!(en.contains(shown), "English audit page shows {shown}");
    }
    let (_, zh) = page_in(&f, "admin_city", "/audit", "zh").await;
    for shown in [
        "实有人口 #7",
        "身份证号",
        "方式: 只导入无误的行",
        "新增: 3",
        "用新密钥重新加密",
        REASON,
    ] {
        assert!(zh.contains(shown), "Chinese audit page shows {shown}");
    }
    for raw in ["{", "id_number", "good_rows_only", "people #"] {
        assert!(!visible_text(&zh).contains(raw), "no raw {raw} in Chinese");
        assert!(!visible_text(&en).contains(raw), "no raw {raw} in English");
    }
}

#[test]
fn the_bracket_pattern_is_caught() {
    assert!(english_in_brackets("用户名或密码错误(wrong user name or password)").is_some());
    assert!(english_in_brackets("密码错误\u{ff08}wrong password\u{ff09}").is_some());
    assert!(english_in_brackets("文件(XLSX 或 CSV)").is_none());
    assert!(english_in_brackets("Wrong (user name)").is_none());
}

#[tokio::test]
async fn a_failed_log_in_says_so_in_one_language() {
    let f = fixture().await;
    let (_, _, zh) = f
        .post_form_anonymous("/login", "username=gw_a1&password=wrong-password")
        .await;
    assert!(zh.contains("用户名或密码错误"), "{zh}");
    assert_eq!(english_in_brackets(&visible_text(&zh)), None);
    assert!(!zh.contains("wrong user name"));
}
