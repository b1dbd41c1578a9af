//! Honesty flags (不准弄虚作假): `/work/flags` lists them — open ones first — with their
//! evidence, and lets a reviewer of work (the village grid leader above all) confirm or clear
//! each with a note; the worker sees their own. JSON under `/api/v1/work-flags`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::{Error, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::flags::{self, Flag, StatusFilter};

use super::visits::{flag_json, parse_id};
use crate::auth::Me;
use crate::basic::api::limit_of;
use crate::basic::form::{f, no_store, parse_after, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/work/flags", get(page))
        .route("/work/flags/{id}/decision", post(decide_page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/work-flags", get(api_list))
        .route("/api/v1/work-flags/{id}", get(api_get))
        .route("/api/v1/work-flags/{id}/decision", post(api_decide))
}

fn reads(p: &Principal) -> bool {
    p.may(Permission::RecordWork) || p.may(Permission::ReviewWork)
}

fn status_of(v: Option<&str>) -> Result<StatusFilter, Error> {
    let v = v.unwrap_or("");
    StatusFilter::parse(v).ok_or_else(|| {
        err!(
            "work.flag_status_invalid",
            value = v.chars().take(40).collect::<String>()
        )
    })
}

async fn list(
    s: &AppState,
    p: &Principal,
    status: StatusFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Flag>, Error> {
    if !reads(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    flags::list(&mut c.handle(), p, status, before, limit).await
}

/// Confirms or clears a flag; the flag after.
async fn decide(
    s: &AppState,
    p: &Principal,
    id: i64,
    decision: &str,
    note: &str,
) -> Result<Flag, Error> {
    let confirm = match decision.trim() {
        "confirm" => true,
        "clear" => false,
        v => {
            return Err(err!(
                "work.flag_decision_invalid",
                value = v.chars().take(40).collect::<String>()
            ));
        }
    };
    let mut tx = s.db.begin().await?;
    flags::decide(&mut tx.handle(), p, id, confirm, note, s.now()).await?;
    tx.commit().await?;
    let mut c = s.db.conn().await?;
    flags::get(&mut c.handle(), p, id).await
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let status = status_of(q.status.as_deref())?;
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let items = list(&s, &p, status, before, limit).await?;
    let next = match items.last() {
        Some(x) if items.len() as i64 == limit => Value::from(x.id),
        _ => Value::Null,
    };
    let items: Vec<Value> = items.iter().map(flag_json).collect();
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.flag_not_found")?;
    if !reads(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let mut c = s.db.conn().await?;
    let x = flags::get(&mut c.handle(), &p, id).await?;
    Ok(no_store(Json(flag_json(&x)).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideReq {
    decision: String,
    #[serde(default)]
    note: Option<String>,
}

async fn api_decide(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.flag_not_found")?;
    let x = decide(&s, &p, id, &r.decision, r.note.as_deref().unwrap_or("")).await?;
    Ok(no_store(Json(flag_json(&x)).into_response()))
}

pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub id: i64,
    pub reason: String,
    pub reason_label: String,
    pub status: String,
    pub status_label: String,
    pub kind_label: String,
    pub record_href: String,
    pub worker: String,
    pub raised: String,
    pub decided: String,
    pub note: String,
    pub evidence: Vec<(String, String)>,
    pub may_decide: bool,
}

fn row(t: &Tr, p: &Principal, x: &Flag) -> Row {
    let v = super::visits::flag_view_of(t, x);
    let record_href = match x.record_kind.as_str() {
        "visit" => format!("/work/visits/{}", x.record_id),
        "diary" => format!("/work/diary/{}", x.record_id),
        "patrol_point" => "/work/patrol".to_string(),
        _ => "/work/sweeps".to_string(),
    };
    Row {
        id: x.id,
        reason: x.reason.clone(),
        reason_label: v.reason_label,
        status: x.status.clone(),
        status_label: v.status_label,
        kind_label: t.s(&format!("wbf.kind.{}", x.record_kind)).to_string(),
        record_href,
        worker: x.worker_name.clone(),
        raised: time_text(x.created_at),
        decided: match (&x.decided_by_name, x.decided_at) {
            (Some(n), Some(at)) => format!("{n} · {}", time_text(at)),
            _ => String::new(),
        },
        note: x.decision_note.clone(),
        evidence: v.evidence,
        may_decide: x.status == "open" && x.worker_id != p.user_id && p.may(Permission::ReviewWork),
    }
}

#[derive(Template)]
#[template(path = "workbench/flags.html")]
struct Page {
    l: Layout,
    /// Open flags first, then the latest decided.
    sections: Vec<Section>,
    done: String,
    error: String,
}

#[derive(Deserialize)]
struct PageQuery {
    done: Option<String>,
}

async fn render_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    done: &str,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let open = list(s, p, StatusFilter::Open, None, 100).await?;
    let decided = list(s, p, StatusFilter::Decided, None, 50).await?;
    let l = Layout::new(lang, Some(p.clone()), "wbf.title");
    let t = l.t;
    let done = match done {
        "confirmed" | "cleared" => t.s(&format!("wbf.done.{done}")).to_string(),
        _ => String::new(),
    };
    let error = error.map(|e| t.error(e)).unwrap_or_default();
    Ok(no_store(render(Page {
        sections: vec![
            Section {
                title: t.s("wbf.open").to_string(),
                rows: open.iter().map(|x| row(&t, p, x)).collect(),
            },
            Section {
                title: t.s("wbf.decided").to_string(),
                rows: decided.iter().map(|x| row(&t, p, x)).collect(),
            },
        ],
        done,
        error,
        l,
    })))
}

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    Ok(render_page(&s, lang, &p, q.done.as_deref().unwrap_or(""), None).await?)
}

async fn decide_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.flag_not_found")?;
    let values = read_form(req).await?;
    match decide(&s, &p, id, f(&values, "decision"), f(&values, "note")).await {
        Ok(x) => Ok(Redirect::to(&format!("/work/flags?done={}", x.status)).into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) || e.status >= 500 => Err(AppError(e)),
        Err(e) => {
            let mut r = render_page(&s, lang, &p, "", Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}
