//! What every page shares: the frame (`Layout`), rendering, error pages and value formatting.
//! Imports no feature.

use askama::Template;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use wangge_domain::{Error, Permission};
use wangge_store::auth::Principal;

use crate::i18n::{Lang, Tr};

/// What every page's frame needs: the language, the caller and the title.
pub struct Layout {
    pub t: Tr,
    pub me: Option<Principal>,
    pub title: String,
    /// The calendar year that should be entered now (see [`with_calendar_notice`]).
    calendar_year: Option<i32>,
}

tokio::task_local! {
    /// The calendar year to enter, as the request's middleware found it: every page's frame
    /// reads it here, so no handler has to pass the clock and the calendar along.
    static CALENDAR_YEAR: Option<i32>;
}

/// Runs a request with the calendar year that should be entered now, for the frame's banner.
pub async fn with_calendar_notice<F: std::future::Future>(year: Option<i32>, f: F) -> F::Output {
    CALENDAR_YEAR.scope(year, f).await
}

/// The frame's banner: a calendar year is missing, with the link to enter it.
pub struct CalendarNotice {
    pub year: i32,
    pub text: String,
}

impl Layout {
    pub fn new(lang: Lang, me: Option<Principal>, title_key: &str) -> Layout {
        let t = Tr::new(lang);
        Layout {
            title: t.s(title_key).to_string(),
            t,
            me,
            calendar_year: CALENDAR_YEAR.try_with(|y| *y).ok().flatten(),
        }
    }

    /// For those who may enter it (see `calendar::pages::can_edit_calendar`): the calendar
    /// year that is missing now.
    pub fn calendar_notice(&self) -> Option<CalendarNotice> {
        let year = self
            .calendar_year
            .filter(|_| self.administers_deployment())?;
        Some(CalendarNotice {
            year,
            text: self
                .t
                .s("calendar.banner")
                .replace("{year}", &year.to_string()),
        })
    }

    pub fn can_edit_tree(&self) -> bool {
        self.me.as_ref().is_some_and(Principal::can_edit_tree)
    }

    pub fn can_manage_users(&self) -> bool {
        self.me.as_ref().is_some_and(Principal::can_manage_users)
    }

    pub fn administers_deployment(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(Principal::administers_deployment)
    }

    /// Whether the caller holds a permission of the one table (`domain::permission`).
    pub fn may(&self, permission: Permission) -> bool {
        self.me.as_ref().is_some_and(|m| m.may(permission))
    }

    /// Whether the caller uses the volunteers' pages (`/vol`): a volunteer, an organiser or
    /// the street. The home page links them there.
    pub fn may_volunteering(&self) -> bool {
        self.may(Permission::Serve)
            || self.may(Permission::Organise)
            || self.may(Permission::GovernVolunteers)
    }

    /// Whether the caller is a volunteer (the home page puts `/vol` first for them).
    pub fn serves(&self) -> bool {
        self.may(Permission::Serve)
    }

    /// Whether the nav shows the basic information register.
    pub fn may_read_basic(&self) -> bool {
        self.may(Permission::ReadBasic)
    }

    /// Whether the nav shows imports (roles that keep the register).
    pub fn may_write_basic(&self) -> bool {
        self.may(Permission::WriteBasic)
    }

    pub fn may_audit(&self) -> bool {
        self.may(Permission::ReadAudit)
    }

    /// Whether the caller may report an event on the staff form (`/events/new`).
    pub fn may_report(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|m| wangge_domain::permission::may_report(m.role()))
    }

    /// Every page the caller may open, in the order the top menu shows them; the "me" page
    /// lists the same. None when nobody is logged in.
    pub fn menu(&self) -> Vec<MenuItem> {
        if self.me.is_none() {
            return Vec::new();
        }
        let mut items = [
            ("home", "/", "nav.home", true),
            ("report", "/events/new", "nav.report", self.may_report()),
            ("inbox", "/events", "nav.events", true),
            ("people", "/people", "nav.people", self.may_read_basic()),
            ("tree", "/tree", "nav.tree", true),
            ("map", "/map", "nav.map", true),
            ("import", "/import", "nav.import", self.may_write_basic()),
            ("analysis", "/analysis", "nav.analysis", true),
            ("calendar", "/calendar", "nav.calendar", true),
            (
                "categories",
                "/admin/categories",
                "nav.categories",
                self.administers_deployment(),
            ),
            (
                "users",
                "/admin/users",
                "nav.users",
                self.can_manage_users(),
            ),
            ("audit", "/audit", "nav.audit", self.may_audit()),
            (
                "transfers",
                "/transfers",
                "nav.transfers",
                self.may(Permission::WriteBasic) || self.may(Permission::DecideTransfers),
            ),
            (
                "work",
                "/work",
                "nav.work",
                self.may(Permission::RecordWork)
                    || self.may(Permission::ReviewWork)
                    || self.may(Permission::ManageStaff)
                    || self.may(Permission::KeepDuties),
            ),
            (
                "assess",
                "/assess",
                "nav.assess",
                self.may(Permission::RecordWork)
                    || self.may(Permission::ReviewWork)
                    || self.may(Permission::Assess)
                    || self.may(Permission::Inspect),
            ),
            ("vol", "/vol", "nav.vol", self.may_volunteering()),
            ("check", "/check", "nav.check", self.can_edit_tree()),
        ]
        .into_iter()
        .filter(|(.., may)| *may)
        .map(|(id, href, key, _)| MenuItem {
            id,
            href,
            key,
            bottom: false,
        })
        .collect::<Vec<_>>();
        // The bottom bar holds four pages and "me": where the role has the workbench, it takes
        // the people register's place (which "me" then lists).
        let has_work = items.iter().any(|m| m.id == "work");
        // A volunteer has no register: their volunteering takes that place.
        let serves = self.may(Permission::Serve);
        for m in &mut items {
            m.bottom = (BOTTOM.contains(&m.id) && !(has_work && m.id == "people"))
                || (serves && m.id == "vol");
        }
        items
    }

    /// The phone's bottom bar: home, report, inbox and people where the role may, then "me",
    /// which holds the rest of the menu.
    pub fn bottom_nav(&self) -> Vec<MenuItem> {
        let mut out: Vec<MenuItem> = self.menu().into_iter().filter(|m| m.bottom).collect();
        if self.me.is_some() {
            out.push(MenuItem {
                id: "me",
                href: "/me",
                key: "nav.me",
                bottom: true,
            });
        }
        out
    }

    /// The error table's texts as JSON, for scripts that show API errors.
    pub fn errors_json(&self) -> String {
        error_texts_json(&self.t)
    }
}

/// The pages the phone's bottom bar may hold itself (the "me" page lists the rest): the
/// workbench, for the roles that use it, in place of the people register (see `menu`); a
/// volunteer's `vol` is added there too.
const BOTTOM: [&str; 5] = ["home", "report", "inbox", "people", "work"];

/// A page of the menu: `id` names it for styles and tests, `key` its text in the table.
pub struct MenuItem {
    pub id: &'static str,
    pub href: &'static str,
    pub key: &'static str,
    /// Whether the phone's bottom bar shows it.
    pub bottom: bool,
}

impl MenuItem {
    /// Whether the phone's bottom bar shows it (the "me" page then leaves it out).
    pub fn in_bottom_nav(&self) -> bool {
        self.bottom || self.id == "me"
    }
}

/// `{code: [zh, en]}` for every code of the error table on a Chinese page (a script matches the
/// API's English message against `en` to fill in `zh`); `{}` on an English page, which shows the
/// message as it is.
pub fn error_texts_json(t: &Tr) -> String {
    if t.lang == crate::i18n::Lang::En {
        return "{}".to_string();
    }
    let map: serde_json::Map<String, serde_json::Value> = wangge_domain::error::CODES
        .iter()
        .map(|e| (e.code.to_string(), serde_json::json!([e.zh, e.en])))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Selected texts of the table as JSON (`{key: text}`), for scripts.
pub fn texts_json(t: &Tr, keys: &[&str]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|k| (k.to_string(), serde_json::Value::from(t.s(k))))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// An area for people: square kilometres from 1 km² up, else square metres.
pub fn area_text(a: Option<f64>) -> String {
    match a {
        None => "—".to_string(),
        Some(a) if a >= 1_000_000.0 => format!("{:.2} km²", a / 1_000_000.0),
        Some(a) => format!("{} m²", group_digits(a.round() as i64)),
    }
}

/// 1234567 → "1,234,567".
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A count, or 待采集 when nobody has collected it yet.
pub fn count_text(t: &Tr, n: Option<i64>) -> String {
    match n {
        Some(n) => group_digits(n),
        None => t.s("common.not_filled").to_string(),
    }
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` in Asia/Shanghai (+08:00, no DST).
pub fn time_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// A due instant as every page says it (lists, the event page, prints, tracking, boards): a
/// limit ending at midnight is the end of the day before, `2026-12-09 24:00`, never the start
/// of the next day, `2026-12-10 00:00`, which reads as a day later.
pub fn due_text(ms: i64) -> String {
    let t = time_text(ms);
    match t.strip_suffix(" 00:00") {
        Some(_) => {
            let prev = time_text(ms - 60_000);
            format!("{} 24:00", prev.split(' ').next().unwrap_or_default())
        }
        None => t,
    }
}

/// Masks runs of seven or more digits (phone or ID numbers a resident may have typed) for
/// public display.
pub(crate) fn scrub_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&"*".repeat(run.chars().count()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// At most `n` characters of `s`, trimmed, with an ellipsis when cut.
pub(crate) fn truncate(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('…');
        out
    }
}

/// An instant as RFC 3339 at +08:00 for JSON (empty if out of range, which real instants never are).
pub fn rfc3339(ms: i64) -> String {
    wangge_domain::deadline::format_rfc3339(ms).unwrap_or_default()
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The map colour of a grid kind: basic grids one colour, each exclusive kind another.
pub fn grid_color(kind: wangge_domain::GridKind) -> &'static str {
    use wangge_domain::GridKind;
    match kind {
        GridKind::Basic => "#2563eb",
        GridKind::Office => "#9333ea",
        GridKind::Park => "#16a34a",
        GridKind::Market => "#ea580c",
        GridKind::School => "#dc2626",
        GridKind::Hospital => "#db2777",
        GridKind::Enterprise => "#0d9488",
    }
}

/// `{kind: colour}` for every grid kind, for the map scripts.
pub fn grid_colors_json() -> String {
    let map: serde_json::Map<String, serde_json::Value> = wangge_domain::GridKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                serde_json::Value::from(grid_color(*k)),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// `{kind: label}` for every grid kind in the page's language.
pub fn grid_kinds_json(t: &Tr) -> String {
    let map: serde_json::Map<String, serde_json::Value> = wangge_domain::GridKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                serde_json::Value::from(t.grid_kind(k.as_str())),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// A grid kind for the legend: value, label, colour.
pub struct KindSwatch {
    pub kind: String,
    pub label: String,
    pub color: String,
}

pub fn kind_swatches(t: &Tr) -> Vec<KindSwatch> {
    wangge_domain::GridKind::ALL
        .iter()
        .map(|k| KindSwatch {
            kind: k.as_str().to_string(),
            label: t.grid_kind(k.as_str()),
            color: grid_color(*k).to_string(),
        })
        .collect()
}

/// Where a node's page is: grids have their own page, the rest sit in the tree browser.
pub fn node_href(kind: wangge_domain::NodeKind, code: &str) -> String {
    if kind == wangge_domain::NodeKind::Grid {
        format!("/grids/{code}")
    } else {
        format!("/tree/{code}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(time_text(0), "1970-01-01 08:00");
        // 2026-02-28 16:30 UTC is 2026-03-01 00:30 in Shanghai.
        assert_eq!(time_text(1_772_296_200_000), "2026-03-01 00:30");
        // Midnight that ends 9 December is said as that day's 24:00; other times as they are.
        assert_eq!(due_text(1_796_832_000_000), "2026-12-09 24:00");
        assert_eq!(due_text(1_796_832_000_000 + 60_000), "2026-12-10 00:01");
        assert_eq!(due_text(1_772_296_200_000), "2026-03-01 00:30");
        assert_eq!(area_text(Some(1234.4)), "1,234 m²");
        assert_eq!(area_text(Some(2_500_000.0)), "2.50 km²");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(-1234567), "-1,234,567");
    }
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
pub async fn html_errors(req: Request, next: Next) -> Response {
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
    if let Some(wait) = crate::error::retry_after(&err) {
        out.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    out
}

/// Percent-encodes a file name for `filename*=UTF-8''…` (RFC 5987 attr-char kept).
pub fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
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
