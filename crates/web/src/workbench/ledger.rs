//! The monthly ledger (工作台帐): `/work/ledger` lists the worker's months (and, for reviewers,
//! the ledgers of their scope); `/work/ledger/{YYYY-MM}` shows one generated from that month's
//! records with its due days, the worker's submit form and the village grid leader's sign-off;
//! `/print` is the A4 sheet and `/xlsx` the workbook.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::calendar::Date;
use wangge_domain::permission::Permission;
use wangge_domain::workbench::ledger::{self as rules, Status, Summary};
use wangge_domain::workbench::periods;
use wangge_domain::{Error, NodeKind, Role, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::ledger::{self, Brief, Ledger, Worker, month_bounds};
use wangge_store::workbench::logins::china_day;

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

/// The workbook's media type.
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/work/ledger", get(list_page))
        .route("/work/ledger/{month}", get(month_page))
        .route("/work/ledger/{month}/print", get(print_page))
        .route("/work/ledger/{month}/xlsx", get(xlsx))
        .route("/work/ledger/{month}/generate", post(generate_form))
        .route("/work/ledger/{month}/submit", post(submit_form))
        .route("/work/ledger/{month}/sign", post(sign_form))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ledgers", get(api_list))
        .route("/api/v1/ledgers/{month}", get(api_get))
        .route("/api/v1/ledgers/{month}/generate", post(api_generate))
        .route("/api/v1/ledgers/{month}/submit", post(api_submit))
        .route("/api/v1/ledgers/{month}/sign", post(api_sign))
}

/// A grid worker keeps ledgers of their own grid.
fn keeps(p: &Principal) -> bool {
    p.may(Permission::RecordWork) && p.node_kind == NodeKind::Grid
}

fn reviews(p: &Principal) -> bool {
    p.may(Permission::ReviewWork)
}

/// The village grid leader signs ledgers off.
fn signs(p: &Principal) -> bool {
    reviews(p) && p.role() == Role::GridLeader
}

fn worker(p: &Principal) -> Result<Worker<'_>, Error> {
    if !keeps(p) {
        return Err(err!("work.not_a_worker"));
    }
    Ok(Worker {
        id: p.user_id,
        name: &p.display_name,
        grid_id: p.node_id,
        path: &p.node_path,
    })
}

/// A month from a path, begun by today.
fn month_of(s: &AppState, month: &str) -> Result<(String, Date, Date), Error> {
    let (first, last) = month_bounds(month)?;
    let key = periods::month_key(first);
    if !rules::may_generate(first, china_day(s.now())?) {
        return Err(err!("work.month_future", month = key));
    }
    Ok((key, first, last))
}

/// A ledger with what the page and the API add: its due days and how the submission stood.
struct Shown {
    ledger: Option<Ledger>,
    summary: Summary,
    worker_id: i64,
    worker_name: String,
    month: String,
    status: String,
    report_due: Date,
    final_due: Date,
    timeliness: Option<rules::Timeliness>,
    overdue: bool,
}

impl Shown {
    fn json(&self) -> Value {
        let mut v = match &self.ledger {
            Some(l) => json!(l),
            None => {
                json!({ "worker_id": self.worker_id, "worker_name": self.worker_name, "month": self.month,
                "status": self.status, "summary": self.summary })
            }
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("report_due".into(), json!(self.report_due.to_string()));
            o.insert("final_due".into(), json!(self.final_due.to_string()));
            o.insert(
                "timeliness".into(),
                json!(self.timeliness.map(rules::Timeliness::as_str)),
            );
            o.insert("overdue".into(), json!(self.overdue));
        }
        v
    }
}

async fn shown(
    s: &AppState,
    path: &str,
    month: &str,
    l: Option<Ledger>,
    preview: Option<(i64, &str, Summary)>,
) -> Result<Shown, Error> {
    let (first, _) = month_bounds(month)?;
    let duties = {
        let mut c = s.db.conn().await?;
        wangge_store::workbench::rules::in_force(&mut c.handle(), path, first).await?
    };
    let (report_due, final_due) =
        rules::due_days(first, &duties).ok_or_else(|| err!("work.month_invalid", value = month))?;
    let today = china_day(s.now())?;
    let timeliness = l
        .as_ref()
        .and_then(|l| l.submitted_at)
        .and_then(|at| china_day(at).ok())
        .map(|d| rules::timeliness(d, report_due, final_due));
    let submitted = l.as_ref().is_some_and(|l| l.submitted_at.is_some());
    Ok(match (l, preview) {
        (Some(l), _) => Shown {
            summary: l.summary.clone(),
            worker_id: l.worker_id,
            worker_name: l.worker_name.clone(),
            month: l.month.clone(),
            status: l.status.clone(),
            ledger: Some(l),
            report_due,
            final_due,
            timeliness,
            overdue: !submitted && today > final_due,
        },
        (None, Some((id, name, summary))) => Shown {
            ledger: None,
            summary,
            worker_id: id,
            worker_name: name.to_string(),
            month: month.to_string(),
            status: "none".into(),
            report_due,
            final_due,
            timeliness: None,
            overdue: today > final_due,
        },
        (None, None) => return Err(err!("work.ledger_not_found", month)),
    })
}

/// One ledger as the caller may see it: their own (a preview from the records when not yet
/// generated, if `preview`), or a worker's in the caller's scope.
async fn load(
    s: &AppState,
    p: &Principal,
    month: &str,
    worker_id: Option<i64>,
    preview: bool,
) -> Result<Shown, Error> {
    let (key, _, _) = month_of(s, month)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    match worker_id.filter(|w| *w != p.user_id) {
        None => {
            let w = worker(p)?;
            let own = ledger::own(h, w.id, &key).await?;
            let pre = match (&own, preview) {
                (None, true) => Some((w.id, w.name, ledger::compute(h, w.id, &key).await?)),
                _ => None,
            };
            drop(c);
            shown(s, &p.node_path, &key, own, pre).await
        }
        Some(wid) => {
            if !reviews(p) {
                return Err(err!("work.ledger_not_found", month = key));
            }
            let l = ledger::in_scope(h, &p.scope(), wid, &key).await?;
            drop(c);
            let path = l.path.clone();
            shown(s, &path, &key, Some(l), None).await
        }
    }
}

async fn generate(s: &AppState, p: &Principal, month: &str) -> Result<Shown, Error> {
    let (key, _, _) = month_of(s, month)?;
    let w = worker(p)?;
    let mut tx = s.db.begin().await?;
    let l = ledger::generate(&mut tx.handle(), &w, &key, s.now()).await?;
    tx.commit().await?;
    shown(s, &p.node_path, &key, Some(l), None).await
}

async fn submit(s: &AppState, p: &Principal, month: &str, note: &str) -> Result<Shown, Error> {
    let (key, first, _) = month_of(s, month)?;
    let w = worker(p)?;
    if !rules::may_submit(first, china_day(s.now())?) {
        return Err(err!("work.ledger_not_over", month = key));
    }
    let mut tx = s.db.begin().await?;
    let l = ledger::submit(&mut tx.handle(), &w, &key, note, s.now()).await?;
    tx.commit().await?;
    shown(s, &p.node_path, &key, Some(l), None).await
}

async fn sign(
    s: &AppState,
    p: &Principal,
    month: &str,
    worker_id: i64,
    note: &str,
) -> Result<Shown, Error> {
    let (key, _, _) = month_of(s, month)?;
    if !signs(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let l = ledger::sign(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        worker_id,
        &key,
        note,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    let path = l.path.clone();
    shown(s, &path, &key, Some(l), None).await
}

fn status_filter(v: Option<&str>) -> Result<Option<Status>, Error> {
    match v.map(str::trim).unwrap_or("") {
        "" | "all" => Ok(None),
        v => Status::parse(v).map(Some).ok_or_else(|| {
            let value: String = v.chars().take(20).collect();
            err!("work.status_invalid", value)
        }),
    }
}

async fn list(
    s: &AppState,
    p: &Principal,
    month: Option<&str>,
    status: Option<Status>,
    limit: i64,
) -> Result<(Vec<Brief>, Vec<Brief>), Error> {
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Some(periods::month_key(month_bounds(m)?.0)),
        None => None,
    };
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let own = if keeps(p) {
        ledger::list_own(h, p.user_id).await?
    } else {
        Vec::new()
    };
    let scope = if reviews(p) {
        ledger::list_in_scope(h, &p.scope(), month.as_deref(), status, limit).await?
    } else {
        Vec::new()
    };
    Ok((own, scope))
}

// ---- API -----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    month: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let status = status_filter(q.status.as_deref())?;
    let limit = crate::basic::api::limit_of(q.limit.as_deref())?;
    let (own, scope) = list(&s, &p, q.month.as_deref(), status, limit).await?;
    Ok(no_store(
        Json(json!({ "mine": own, "in_scope": scope })).into_response(),
    ))
}

#[derive(Deserialize)]
struct GetQuery {
    worker_id: Option<String>,
}

fn worker_param(v: Option<&str>) -> Result<Option<i64>, Error> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_id(v)
            .map(Some)
            .map_err(|_| err!("request.bad_number", field = "worker_id")),
    }
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(month): Path<String>,
    Query(q): Query<GetQuery>,
) -> AppResult<Response> {
    let wid = worker_param(q.worker_id.as_deref())?;
    let x = load(&s, &p, &month, wid, false).await?;
    Ok(no_store(Json(x.json()).into_response()))
}

async fn api_generate(
    State(s): State<AppState>,
    Me(p): Me,
    Path(month): Path<String>,
) -> AppResult<Response> {
    let x = generate(&s, &p, &month).await?;
    Ok(no_store(Json(x.json()).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitReq {
    #[serde(default)]
    note: String,
}

async fn api_submit(
    State(s): State<AppState>,
    Me(p): Me,
    Path(month): Path<String>,
    ApiJson(r): ApiJson<SubmitReq>,
) -> AppResult<Response> {
    let x = submit(&s, &p, &month, &r.note).await?;
    Ok(no_store(Json(x.json()).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignReq {
    worker_id: i64,
    #[serde(default)]
    note: String,
}

async fn api_sign(
    State(s): State<AppState>,
    Me(p): Me,
    Path(month): Path<String>,
    ApiJson(r): ApiJson<SignReq>,
) -> AppResult<Response> {
    let x = sign(&s, &p, &month, r.worker_id, &r.note).await?;
    Ok(no_store(Json(x.json()).into_response()))
}

// ---- Pages ---------------------------------------------------------------------------------

struct BriefView {
    worker_id: i64,
    worker_name: String,
    grid_name: String,
    month: String,
    status: String,
    status_label: String,
}

fn brief_view(t: &Tr, b: Brief) -> BriefView {
    BriefView {
        status_label: t.s(&format!("wbs.ledger.{}", b.status)).to_string(),
        worker_id: b.worker_id,
        worker_name: b.worker_name,
        grid_name: b.grid_name,
        month: b.month,
        status: b.status,
    }
}

#[derive(Template)]
#[template(path = "workbench/ledgers.html")]
struct ListPage {
    l: Layout,
    keeps: bool,
    reviews: bool,
    this_month: String,
    last_month: String,
    own: Vec<BriefView>,
    scope: Vec<BriefView>,
}

#[derive(Deserialize)]
struct ListPageQuery {
    month: Option<String>,
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListPageQuery>,
) -> AppResult<Response> {
    let (own, scope) = list(&s, &p, q.month.as_deref(), None, 300).await?;
    let today = china_day(s.now())?;
    let last = periods::month_start(today).add_days(-1).unwrap_or(today);
    let l = Layout::new(lang, Some(p.clone()), "wbs.ledger.title");
    let t = l.t;
    Ok(no_store(render(ListPage {
        keeps: keeps(&p),
        reviews: reviews(&p),
        this_month: periods::month_key(today),
        last_month: periods::month_key(last),
        own: own.into_iter().map(|b| brief_view(&t, b)).collect(),
        scope: scope.into_iter().map(|b| brief_view(&t, b)).collect(),
        l,
    })))
}

/// What the month page and the print sheet show.
struct View {
    worker_id: i64,
    worker_name: String,
    month: String,
    status: String,
    status_label: String,
    s: Summary,
    report_due: String,
    final_due: String,
    timeliness: String,
    late: bool,
    overdue: bool,
    worker_note: String,
    submitted: String,
    signed: String,
    sign_note: String,
    grid: String,
}

fn view(t: &Tr, x: Shown) -> View {
    let l = x.ledger.as_ref();
    View {
        status_label: t.s(&format!("wbs.ledger.{}", x.status)).to_string(),
        timeliness: x
            .timeliness
            .map(|v| t.s(&format!("wbs.ledger.t.{}", v.as_str())).to_string())
            .unwrap_or_default(),
        late: x.timeliness.is_some_and(|v| v != rules::Timeliness::OnTime),
        overdue: x.overdue,
        worker_note: l.map(|l| l.worker_note.clone()).unwrap_or_default(),
        submitted: l
            .and_then(|l| l.submitted_at)
            .map(time_text)
            .unwrap_or_default(),
        signed: l
            .and_then(|l| {
                Some(format!(
                    "{} · {}",
                    l.signed_by_name.clone()?,
                    time_text(l.signed_at?)
                ))
            })
            .unwrap_or_default(),
        sign_note: l.map(|l| l.sign_note.clone()).unwrap_or_default(),
        grid: l
            .map(|l| format!("{} {}", l.grid_name, l.grid_code))
            .unwrap_or_default(),
        worker_id: x.worker_id,
        worker_name: x.worker_name,
        month: x.month,
        status: x.status,
        s: x.summary,
        report_due: x.report_due.to_string(),
        final_due: x.final_due.to_string(),
    }
}

#[derive(Template)]
#[template(path = "workbench/ledger.html")]
struct MonthPage {
    l: Layout,
    x: View,
    own: bool,
    may_submit: bool,
    may_sign: bool,
    query: String,
    error: String,
}

#[derive(Template)]
#[template(path = "workbench/ledger_print.html")]
struct PrintPage {
    l: Layout,
    x: View,
    query: String,
    printed_at: String,
}

#[derive(Deserialize)]
struct MonthQuery {
    worker: Option<String>,
}

async fn month_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    month: &str,
    wid: Option<i64>,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let x = load(s, p, month, wid, true).await?;
    let own = x.worker_id == p.user_id;
    let first = month_bounds(&x.month)?.0;
    let may_submit = own && (x.status == "draft" || x.status == "none");
    let may_submit = may_submit && rules::may_submit(first, china_day(s.now())?);
    let may_sign = !own && signs(p) && x.status == Status::Submitted.as_str();
    let query = if own {
        String::new()
    } else {
        format!("?worker={}", x.worker_id)
    };
    let l = Layout::new(lang, Some(p.clone()), "wbs.ledger.one");
    let t = l.t;
    Ok(no_store(render(MonthPage {
        x: view(&t, x),
        own,
        may_submit,
        may_sign,
        query,
        error: error.map(|e| t.error(e)).unwrap_or_default(),
        l,
    })))
}

async fn month_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let wid = worker_param(q.worker.as_deref())?;
    Ok(month_view(&s, lang, &p, &month, wid, None).await?)
}

async fn print_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let wid = worker_param(q.worker.as_deref())?;
    let x = load(&s, &p, &month, wid, true).await?;
    let query = match wid {
        Some(w) => format!("?worker={w}"),
        None => String::new(),
    };
    let l = Layout::new(lang, Some(p.clone()), "wbs.ledger.one");
    let t = l.t;
    Ok(no_store(render(PrintPage {
        x: view(&t, x),
        query,
        printed_at: time_text(s.now()),
        l,
    })))
}

async fn xlsx(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let wid = worker_param(q.worker.as_deref())?;
    let x = load(&s, &p, &month, wid, true).await?;
    let t = Tr::new(lang);
    let bytes = workbook(&t, &x).map_err(|e| err!("sheet.write", reason = e))?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE));
    let name = format!(
        "attachment; filename=\"ledger-{}-{}.xlsx\"",
        x.month, x.worker_id
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// One sheet: the counts first, then each visit and diary line.
fn workbook(t: &Tr, x: &Shown) -> Result<Vec<u8>, wangge_sheet::SheetError> {
    let head = [
        t.s("wbs.ledger.item"),
        t.s("wbs.ledger.value"),
        t.s("wbs.ledger.detail"),
    ];
    let mut w = wangge_sheet::XlsxRowWriter::new(Vec::new(), "Ledger", &head)?;
    let s = &x.summary;
    let counts: [(&str, i64); 12] = [
        ("wbs.ledger.visits", s.visits),
        ("wbs.ledger.households", s.households_visited),
        ("wbs.ledger.key_visits", s.key_person_visits),
        ("wbs.ledger.diary", s.diary_entries),
        ("wbs.ledger.sweeps", s.sweeps),
        ("wbs.ledger.findings", s.sweep_findings),
        ("wbs.ledger.minutes", s.minutes_in_grid),
        ("wbs.ledger.patrol_days", s.patrol_days),
        ("wbs.ledger.events", s.events_reported),
        ("wbs.ledger.meetings_invited", s.meetings_invited),
        ("wbs.ledger.meetings_attended", s.meetings_attended),
        ("wbs.ledger.trainings", s.trainings_attended),
    ];
    w.write_row(&[t.s("wbs.ledger.worker"), &x.worker_name, &x.month])?;
    w.write_row(&[
        t.s("wbs.ledger.status"),
        t.s(&format!("wbs.ledger.{}", x.status)),
        "",
    ])?;
    for (k, v) in counts {
        w.write_row(&[t.s(k), &v.to_string(), ""])?;
    }
    for v in &s.visit_lines {
        w.write_row(&[
            t.s("wbs.ledger.visit_line"),
            &v.day,
            &format!("{} #{} {} / {}", v.target_kind, v.target_id, v.seen, v.done),
        ])?;
    }
    for d in &s.diary_lines {
        w.write_row(&[t.s("wbs.ledger.diary_line"), &d.day, &d.text])?;
    }
    for sw in &s.sweep_lines {
        w.write_row(&[
            t.s("wbs.ledger.sweep_line"),
            &sw.week,
            &sw.findings.to_string(),
        ])?;
    }
    w.finish()
}

async fn act_form(
    s: AppState,
    lang: Lang,
    p: Principal,
    month: String,
    what: &str,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let wid = worker_param(Some(f(&values, "worker_id")))?;
    let result = match what {
        "generate" => generate(&s, &p, &month).await,
        "submit" => submit(&s, &p, &month, f(&values, "note")).await,
        _ => match wid {
            Some(w) => sign(&s, &p, &month, w, f(&values, "note")).await,
            None => Err(err!("request.bad_number", field = "worker_id")),
        },
    };
    match result {
        Ok(x) => {
            let q = if x.worker_id == p.user_id {
                String::new()
            } else {
                format!("?worker={}", x.worker_id)
            };
            Ok(Redirect::to(&format!("/work/ledger/{}{q}", x.month)).into_response())
        }
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = month_view(&s, lang, &p, &month, wid, Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

async fn generate_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    req: Request,
) -> AppResult<Response> {
    act_form(s, lang, p, month, "generate", req).await
}

async fn submit_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    req: Request,
) -> AppResult<Response> {
    act_form(s, lang, p, month, "submit", req).await
}

async fn sign_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(month): Path<String>,
    req: Request,
) -> AppResult<Response> {
    act_form(s, lang, p, month, "sign", req).await
}
