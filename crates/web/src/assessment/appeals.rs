//! Appeals (申诉): `/assess/appeals` lists a worker's own appeals and, for those who assess
//! (Assess), the pending and decided appeals of their area; `/assess/appeals/new?result_id=
//! &item=&measure=` is the form the score sheet's "appeal" button opens; `/assess/appeals/{id}`
//! shows one, with the accept (the deduction's count becomes the count given, 0 by default) or
//! reject form for the township. `POST /api/v1/assessment/appeals` and
//! `POST /api/v1/assessment/appeals/{id}/decision`; `GET` of both lists and one appeal.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::{Error, Permission, err};
use wangge_store::assessment::appeals::{self, Appeal, Decision, NewAppeal};
use wangge_store::auth::Principal;

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess/appeals", get(list_page))
        .route("/assess/appeals/new", get(new_page).post(new_form))
        .route("/assess/appeals/{id}", get(detail_page))
        .route("/assess/appeals/{id}/decision", post(decide_form))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assessment/appeals", get(api_list).post(api_file))
        .route("/api/v1/assessment/appeals/{id}", get(api_get))
        .route("/api/v1/assessment/appeals/{id}/decision", post(api_decide))
}

fn appeal_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("assess.appeal_not_found", id)
    })
}

/// Whether the caller decides appeals in their area.
fn decides(p: &Principal) -> bool {
    p.may(Permission::Assess)
}

/// An appeal the caller may see: their own, or one in their area if they assess; any other is
/// "not found".
async fn visible(s: &AppState, p: &Principal, id: i64) -> Result<Appeal, Error> {
    let mut c = s.db.conn().await?;
    let a = appeals::get(&mut c.handle(), &p.scope(), id).await?;
    if a.user_id != p.user_id && !decides(p) {
        return Err(err!("assess.appeal_not_found", id));
    }
    Ok(a)
}

struct Filed<'a> {
    result_id: i64,
    item: &'a str,
    measure: &'a str,
    reason: &'a str,
    evidence: &'a [String],
}

async fn file(s: &AppState, p: &Principal, a: &Filed<'_>) -> Result<Appeal, Error> {
    if a.item.chars().count() > 60 || a.measure.chars().count() > 60 {
        return Err(err!(
            "assess.deduction_not_found",
            item = a.item.chars().take(40).collect::<String>(),
            measure = a.measure.chars().take(40).collect::<String>()
        ));
    }
    let mut tx = s.db.begin().await?;
    let out = appeals::file(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        p.user_id,
        &NewAppeal {
            result_id: a.result_id,
            item_key: a.item,
            measure: a.measure,
            reason: a.reason,
            evidence: a.evidence,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

async fn decide(
    s: &AppState,
    p: &Principal,
    id: i64,
    decision: Decision,
    note: &str,
) -> Result<Appeal, Error> {
    if !decides(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let out = appeals::decide(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        id,
        decision,
        note,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

fn decision_of(kind: &str, count: Option<i64>) -> Result<Decision, Error> {
    match kind.trim() {
        "accept" => Ok(Decision::Accept {
            count: count.unwrap_or(0),
        }),
        "reject" => Ok(Decision::Reject),
        v => Err(err!(
            "assess.decision_invalid",
            value = v.chars().take(20).collect::<String>()
        )),
    }
}

struct Lists {
    mine: Vec<Appeal>,
    pending: Vec<Appeal>,
    decided: Vec<Appeal>,
}

async fn lists(s: &AppState, p: &Principal) -> Result<Lists, Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mine = appeals::mine(h, p.user_id).await?;
    let (pending, decided) = if decides(p) {
        (
            appeals::list(h, &p.scope(), "pending", 200).await?,
            appeals::list(h, &p.scope(), "", 100)
                .await?
                .into_iter()
                .filter(|a| a.status != "pending")
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Lists {
        mine,
        pending,
        decided,
    })
}

// ---- API -----------------------------------------------------------------------------------

async fn api_list(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let l = lists(&s, &p).await?;
    Ok(no_store(
        Json(json!({ "mine": l.mine, "pending": l.pending, "decided": l.decided })).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReq {
    result_id: i64,
    item_key: String,
    measure: String,
    reason: String,
    #[serde(default)]
    evidence: Vec<String>,
}

async fn api_file(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<FileReq>,
) -> AppResult<Response> {
    if r.evidence.len() > appeals::MAX_EVIDENCE {
        return Err(AppError(err!(
            "assess.evidence_invalid",
            max = appeals::MAX_EVIDENCE,
            chars = appeals::MAX_EVIDENCE_CHARS
        )));
    }
    let a = file(
        &s,
        &p,
        &Filed {
            result_id: r.result_id,
            item: &r.item_key,
            measure: &r.measure,
            reason: &r.reason,
            evidence: &r.evidence,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let a = visible(&s, &p, appeal_id(&id)?).await?;
    Ok(no_store(Json(a).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideReq {
    decision: String,
    note: String,
    #[serde(default)]
    count: Option<i64>,
}

async fn api_decide(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Json<Appeal>> {
    let id = appeal_id(&id)?;
    let d = decision_of(&r.decision, r.count)?;
    Ok(Json(decide(&s, &p, id, d, &r.note).await?))
}

// ---- Pages ---------------------------------------------------------------------------------

struct AppealView {
    id: i64,
    user_name: String,
    quarter: String,
    item: String,
    measure: String,
    reason: String,
    evidence: Vec<String>,
    status: String,
    decided: String,
    note: String,
    correction_id: String,
    filed: String,
}

fn view(l: &Layout, a: &Appeal) -> AppealView {
    AppealView {
        id: a.id,
        user_name: a.user_name.clone(),
        quarter: a.quarter.clone(),
        // The shipped sets' items have names in the table; an item of an edited set shows its key.
        item: {
            let key = format!("assess.item.{}", a.item_key);
            if crate::i18n::Tr::has(&key) {
                l.t.s(&key).to_string()
            } else {
                a.item_key.clone()
            }
        },
        measure: super::rules::measure_name(&l.t, &a.measure),
        reason: a.reason.clone(),
        evidence: a.evidence(),
        status: l.t.s(&format!("as_close.status.{}", a.status)).to_string(),
        decided: match (&a.decided_by_name, a.decided_at) {
            (Some(who), Some(at)) => format!("{who} · {}", time_text(at)),
            _ => String::new(),
        },
        note: a.decision_note.clone(),
        correction_id: a.correction_id.map(|c| c.to_string()).unwrap_or_default(),
        filed: time_text(a.created_at),
    }
}

#[derive(Template)]
#[template(path = "assessment/appeal_list.html")]
struct ListPage {
    l: Layout,
    decides: bool,
    mine: Vec<AppealView>,
    pending: Vec<AppealView>,
    decided: Vec<AppealView>,
}

async fn list_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    let ls = lists(&s, &p).await?;
    let l = Layout::new(lang, Some(p.clone()), "as_close.appeals_title");
    let mine = ls.mine.iter().map(|a| view(&l, a)).collect();
    let pending = ls.pending.iter().map(|a| view(&l, a)).collect();
    let decided = ls.decided.iter().map(|a| view(&l, a)).collect();
    Ok(no_store(render(ListPage {
        decides: decides(&p),
        mine,
        pending,
        decided,
        l,
    })))
}

#[derive(Deserialize)]
struct NewQuery {
    result_id: Option<String>,
    item: Option<String>,
    measure: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment/appeal_new.html")]
struct NewPage {
    l: Layout,
    result_id: String,
    item: String,
    measure: String,
    measure_name: String,
    reason: String,
    evidence: String,
    error: String,
}

fn bounded(v: Option<&str>, max: usize) -> String {
    v.unwrap_or("").trim().chars().take(max).collect()
}

fn render_new(lang: Lang, p: &Principal, fields: [String; 5], error: Option<&Error>) -> Response {
    let l = Layout::new(lang, Some(p.clone()), "as_close.new_title");
    let [result_id, item, measure, reason, evidence] = fields;
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    no_store(render(NewPage {
        measure_name: super::rules::measure_name(&l.t, &measure),
        result_id,
        item,
        measure,
        reason,
        evidence,
        error,
        l,
    }))
}

async fn new_page(lang: Lang, Me(p): Me, Query(q): Query<NewQuery>) -> AppResult<Response> {
    Ok(render_new(
        lang,
        &p,
        [
            bounded(q.result_id.as_deref(), 20),
            bounded(q.item.as_deref(), 60),
            bounded(q.measure.as_deref(), 60),
            String::new(),
            String::new(),
        ],
        None,
    ))
}

async fn new_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let fields = [
        bounded(Some(f(&values, "result_id")), 20),
        bounded(Some(f(&values, "item")), 60),
        bounded(Some(f(&values, "measure")), 60),
        bounded(Some(f(&values, "reason")), 2000),
        bounded(Some(f(&values, "evidence")), 5000),
    ];
    // One piece of evidence a line.
    let evidence: Vec<String> = fields[4]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let result = match parse_id(&fields[0]) {
        Ok(result_id) => {
            file(
                &s,
                &p,
                &Filed {
                    result_id,
                    item: &fields[1],
                    measure: &fields[2],
                    reason: &fields[3],
                    evidence: &evidence,
                },
            )
            .await
        }
        Err(_) => Err(err!("assess.result_not_found", id = fields[0].clone())),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/assess/appeals/{}", a.id)).into_response()),
        Err(e) if matches!(e.status, 401 | 403) => Err(AppError(e)),
        Err(e) => {
            let mut r = render_new(lang, &p, fields, Some(&e));
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

#[derive(Template)]
#[template(path = "assessment/appeal_detail.html")]
struct DetailPage {
    l: Layout,
    a: AppealView,
    pending: bool,
    decides: bool,
    error: String,
}

async fn render_detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let a = visible(s, p, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "as_close.appeal_title");
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(DetailPage {
        a: view(&l, &a),
        pending: a.status == "pending",
        decides: decides(p),
        error,
        l,
    })))
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    Ok(render_detail(&s, lang, &p, appeal_id(&id)?, None).await?)
}

async fn decide_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = appeal_id(&id)?;
    let values = read_form(req).await?;
    let count = match f(&values, "count").trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| {
            err!(
                "assess.count_invalid",
                value = v.chars().take(12).collect::<String>(),
                max = ""
            )
        }),
    };
    let outcome = match count.and_then(|c| decision_of(f(&values, "decision"), c)) {
        Ok(d) => decide(&s, &p, id, d, f(&values, "note")).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/assess/appeals/{id}")).into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = render_detail(&s, lang, &p, id, Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}
