//! Daily use (每日登录): the middleware that records a user's first request of each China day
//! (the daily check of missed days runs in the scheduler), and `/work/logins`: a worker's days,
//! reminders and notices; for staff managers, the drafted notices of criticism to issue or waive (township
//! and above) and the year-end list of months without a log-in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::calendar::Date;
use wangge_domain::permission::Permission;
use wangge_domain::workbench::logins::NoticeStatus;
use wangge_domain::{Error, NodeKind, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::logins::{self, LoginDay, Notice, Reminder, china_day};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/work/logins", get(page))
        .route("/work/logins/reminders/read", post(read_form_post))
        .route("/work/logins/notices/{id}/issue", post(issue_form))
        .route("/work/logins/notices/{id}/waive", post(waive_form))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/logins/me", get(api_me))
        .route("/api/v1/logins/reminders/read", post(api_read))
        .route("/api/v1/logins/notices", get(api_notices))
        .route("/api/v1/logins/notices/{id}/issue", post(api_issue))
        .route("/api/v1/logins/notices/{id}/waive", post(api_waive))
        .route("/api/v1/logins/year_end", get(api_year_end))
}

// ---- Recording daily use -------------------------------------------------------------------

/// The in-process memory of (user → China day already written), so a user's requests after the
/// first of a day cost nothing; the database row is the truth, so several instances each
/// writing once is harmless (`ON CONFLICT DO NOTHING`).
#[derive(Clone)]
pub struct DailyUse {
    state: AppState,
    seen: Arc<Mutex<HashMap<i64, Date>>>,
}

/// The middleware's state for one router.
pub fn daily_use(state: AppState) -> DailyUse {
    DailyUse {
        state,
        seen: Arc::new(Mutex::new(HashMap::new())),
    }
}

/// Records the signed-in caller's first request of the day; runs inside `resolve_principal`.
/// A failure to record is logged, never turned into a failed request.
pub async fn note_daily_use(State(d): State<DailyUse>, req: Request, next: Next) -> Response {
    if let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user_id) {
        let now = d.state.now();
        if let Ok(day) = china_day(now) {
            let known = d
                .seen
                .lock()
                .map(|m| m.get(&user_id) == Some(&day))
                .unwrap_or(false);
            if !known {
                match record(&d.state, user_id, day, now).await {
                    Ok(()) => {
                        if let Ok(mut m) = d.seen.lock() {
                            m.insert(user_id, day);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot record daily use"),
                }
            }
        }
    }
    next.run(req).await
}

async fn record(s: &AppState, user_id: i64, day: Date, now: i64) -> Result<(), Error> {
    let mut c = s.db.conn().await?;
    logins::record_use(&mut c.handle(), user_id, day, now).await?;
    Ok(())
}

// ---- Who may do what -----------------------------------------------------------------------

/// Staff managers see the notices and the year-end list of their scope.
fn reviews(p: &Principal) -> bool {
    p.may(Permission::ManageStaff)
}

/// Notices are issued or waived by the township (or above).
fn decides(p: &Principal) -> bool {
    reviews(p)
        && matches!(
            p.node_kind,
            NodeKind::Township | NodeKind::County | NodeKind::City
        )
}

fn decision_of(p: &Principal, to: NoticeStatus) -> Result<NoticeStatus, Error> {
    if !decides(p) {
        return Err(err!("auth.forbidden"));
    }
    Ok(to)
}

async fn decide(
    s: &AppState,
    p: &Principal,
    id: i64,
    to: NoticeStatus,
    note: &str,
) -> Result<Notice, Error> {
    let to = decision_of(p, to)?;
    let mut tx = s.db.begin().await?;
    let n = logins::decide(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        id,
        to,
        note,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

fn year_of(q: Option<&str>, now: i64) -> Result<i32, Error> {
    match q.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(china_day(now)?.year()),
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| err!("request.bad_number", field = "year")),
    }
}

fn status_filter(v: Option<&str>) -> Result<Option<NoticeStatus>, Error> {
    match v.map(str::trim).unwrap_or("") {
        "" | "all" => Ok(None),
        v => NoticeStatus::parse(v)
            .map(Some)
            .ok_or_else(|| err!("work.status_invalid", value = v)),
    }
}

struct Mine {
    days: Vec<LoginDay>,
    reminders: Vec<Reminder>,
    unread: i64,
    notices: Vec<Notice>,
}

async fn mine(s: &AppState, p: &Principal) -> Result<Mine, Error> {
    let today = china_day(s.now())?;
    let from = today.add_days(-30).unwrap_or(today);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    Ok(Mine {
        days: logins::days(h, p.user_id, from, today).await?,
        reminders: logins::reminders(h, p.user_id, 100).await?,
        unread: logins::unread_reminders(h, p.user_id).await?,
        notices: logins::my_notices(h, p.user_id).await?,
    })
}

// ---- API -----------------------------------------------------------------------------------

async fn api_me(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let m = mine(&s, &p).await?;
    Ok(no_store(
        Json(json!({
            "days": m.days,
            "reminders": m.reminders,
            "unread": m.unread,
            "notices": m.notices,
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadReq {
    #[serde(default)]
    id: Option<i64>,
}

async fn mark_read(s: &AppState, p: &Principal, id: Option<i64>) -> Result<(u64, i64), Error> {
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let n = logins::mark_read(h, p.user_id, id, s.now()).await?;
    let unread = logins::unread_reminders(h, p.user_id).await?;
    tx.commit().await?;
    Ok((n, unread))
}

async fn api_read(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<ReadReq>,
) -> AppResult<Json<Value>> {
    let (marked, unread) = mark_read(&s, &p, r.id).await?;
    Ok(Json(json!({ "marked": marked, "unread": unread })))
}

#[derive(Deserialize)]
struct NoticesQuery {
    status: Option<String>,
    limit: Option<String>,
}

async fn api_notices(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<NoticesQuery>,
) -> AppResult<Response> {
    if !reviews(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let status = status_filter(q.status.as_deref())?;
    let limit = crate::basic::api::limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let items = logins::notices(&mut c.handle(), &p.scope(), status, limit).await?;
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideReq {
    note: String,
}

async fn api_issue(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Json<Notice>> {
    let id = notice_id(&id)?;
    Ok(Json(
        decide(&s, &p, id, NoticeStatus::Issued, &r.note).await?,
    ))
}

async fn api_waive(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Json<Notice>> {
    let id = notice_id(&id)?;
    Ok(Json(
        decide(&s, &p, id, NoticeStatus::Waived, &r.note).await?,
    ))
}

fn notice_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("work.notice_not_found", id)
    })
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

async fn api_year_end(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    if !reviews(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let year = year_of(q.year.as_deref(), s.now())?;
    let mut c = s.db.conn().await?;
    let items = logins::year_end(&mut c.handle(), &p.scope(), year).await?;
    Ok(no_store(
        Json(json!({ "year": year, "items": items })).into_response(),
    ))
}

// ---- Pages ---------------------------------------------------------------------------------

struct NoticeView {
    id: i64,
    user_name: String,
    period: String,
    cause: String,
    body: String,
    status: String,
    decided: String,
    note: String,
}

fn notice_view(t: &Tr, n: Notice) -> NoticeView {
    NoticeView {
        id: n.id,
        cause: t.s(&format!("wbs.cause.{}", n.cause)).to_string(),
        status: t.s(&format!("wbs.notice.{}", n.status)).to_string(),
        decided: match (&n.decided_by_name, n.decided_at) {
            (Some(who), Some(at)) => format!("{who} · {}", time_text(at)),
            _ => String::new(),
        },
        user_name: n.user_name,
        period: n.period,
        body: n.body,
        note: n.decision_note,
    }
}

#[derive(Template)]
#[template(path = "workbench/logins.html")]
struct Page {
    l: Layout,
    days: Vec<String>,
    reminders: Vec<(i64, String, bool)>,
    unread: i64,
    my_notices: Vec<NoticeView>,
    reviews: bool,
    decides: bool,
    drafts: Vec<NoticeView>,
    decided: Vec<NoticeView>,
    year: i32,
    year_end: Vec<NoticeView>,
    error: String,
}

#[derive(Deserialize)]
struct PageQuery {
    year: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    Ok(render_page(&s, lang, &p, q.year.as_deref(), None).await?)
}

async fn render_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    year: Option<&str>,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let m = mine(s, p).await?;
    let year = year_of(year, s.now())?;
    let l = Layout::new(lang, Some(p.clone()), "wbs.logins.title");
    let t = l.t;
    let (mut drafts, mut decided, mut year_end) = (Vec::new(), Vec::new(), Vec::new());
    if reviews(p) {
        let mut c = s.db.conn().await?;
        let h = &mut c.handle();
        drafts = logins::notices(h, &p.scope(), Some(NoticeStatus::Draft), 200).await?;
        decided = logins::notices(h, &p.scope(), None, 100)
            .await?
            .into_iter()
            .filter(|n| n.status != NoticeStatus::Draft.as_str())
            .collect();
        year_end = logins::year_end(h, &p.scope(), year).await?;
    }
    let error = error.map(|e| t.error(e)).unwrap_or_default();
    Ok(no_store(render(Page {
        days: m.days.into_iter().map(|d| d.day).collect(),
        reminders: m
            .reminders
            .into_iter()
            .map(|r| (r.id, r.day, r.read_at.is_none()))
            .collect(),
        unread: m.unread,
        my_notices: m.notices.into_iter().map(|n| notice_view(&t, n)).collect(),
        reviews: reviews(p),
        decides: decides(p),
        drafts: drafts.into_iter().map(|n| notice_view(&t, n)).collect(),
        decided: decided.into_iter().map(|n| notice_view(&t, n)).collect(),
        year,
        year_end: year_end.into_iter().map(|n| notice_view(&t, n)).collect(),
        error,
        l,
    })))
}

async fn read_form_post(State(s): State<AppState>, Me(p): Me, req: Request) -> AppResult<Response> {
    let values = read_form(req).await?;
    let id = match f(&values, "id") {
        "" => None,
        v => Some(parse_id(v).map_err(|_| err!("work.reminder_not_found", id = v))?),
    };
    mark_read(&s, &p, id).await?;
    Ok(Redirect::to("/work/logins").into_response())
}

async fn decide_form(
    s: AppState,
    lang: Lang,
    p: Principal,
    id: String,
    to: NoticeStatus,
    req: Request,
) -> AppResult<Response> {
    let id = notice_id(&id)?;
    let values = read_form(req).await?;
    match decide(&s, &p, id, to, f(&values, "note")).await {
        Ok(_) => Ok(Redirect::to("/work/logins").into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = render_page(&s, lang, &p, None, Some(&e)).await?;
            if let Ok(code) = axum::http::StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

async fn issue_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    decide_form(s, lang, p, id, NoticeStatus::Issued, req).await
}

async fn waive_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    decide_form(s, lang, p, id, NoticeStatus::Waived, req).await
}
