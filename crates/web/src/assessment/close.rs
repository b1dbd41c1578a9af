//! Quarter close: `/assess/quarters` lists the closed quarters of the caller's area and, for
//! those who may assess (Assess) at or above a township, a form to close a quarter (quarter and
//! subsidy per worker, then a confirmation step); `/assess/quarters/{id}` shows its results in
//! force by rank with grade and pay, each linking to the worker's score sheet.
//! `GET/POST /api/v1/assessment/quarters`, `GET /api/v1/assessment/quarters/{id}`.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::{Error, Permission, err};
use wangge_store::assessment::close::{self, Closed, QuarterRow, ResultRow};
use wangge_store::auth::Principal;
use wangge_store::nodes;

use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess/quarters", get(list_page).post(close_form))
        .route("/assess/quarters/{id}", get(detail_page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assessment/quarters", get(api_list).post(api_close))
        .route("/api/v1/assessment/quarters/{id}", get(api_detail))
}

/// Closed quarters a list shows at most.
const LIST_LIMIT: i64 = 200;

fn quarter_of(v: &str) -> Result<Quarter, Error> {
    Quarter::parse(v).ok_or_else(|| {
        err!(
            "assess.quarter_invalid",
            value = v.chars().take(20).collect::<String>()
        )
    })
}

fn quarter_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("assess.closed_quarter_not_found", id)
    })
}

/// "1234.5" yuan → cents; None unless a plain amount with at most two decimals.
pub fn yuan_to_cents(v: &str) -> Option<i64> {
    let v = v.trim();
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty()
        || whole.len() > 9
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let fr: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(w * 100 + fr)
}

fn cents_text(c: i64) -> String {
    format!("{}.{:02}", c / 100, (c % 100).abs())
}

/// Closes a quarter of the township `code` (the caller's own node by default).
pub async fn close(
    s: &AppState,
    p: &Principal,
    code: Option<&str>,
    quarter: Quarter,
    subsidy_cents: i64,
) -> Result<Closed, Error> {
    if !p.may(Permission::Assess) {
        return Err(err!("auth.forbidden"));
    }
    let code: String = match code.map(str::trim) {
        None | Some("") => p.node_code.clone(),
        Some(v) => v.chars().take(40).collect(),
    };
    let mut tx = s.db.begin().await?;
    let node = nodes::by_code(&mut tx.handle(), &p.scope(), &code).await?;
    let done = close::close_quarter(
        &mut tx.handle(),
        &s.keys,
        &node,
        quarter,
        subsidy_cents,
        &actor(p),
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

async fn list(s: &AppState, p: &Principal) -> Result<Vec<QuarterRow>, Error> {
    let mut c = s.db.conn().await?;
    close::quarters(&mut c.handle(), &p.scope(), LIST_LIMIT).await
}

async fn detail(
    s: &AppState,
    p: &Principal,
    id: i64,
) -> Result<(QuarterRow, Vec<ResultRow>), Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let q = close::quarter(h, &p.scope(), id).await?;
    let rows = close::in_force(h, id).await?;
    Ok((q, rows))
}

// ---- API -----------------------------------------------------------------------------------

async fn api_list(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let items = list(&s, &p).await?;
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseReq {
    #[serde(default)]
    node_code: Option<String>,
    quarter: String,
    subsidy_cents: i64,
}

async fn api_close(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CloseReq>,
) -> AppResult<Response> {
    let quarter = quarter_of(&r.quarter)?;
    let done = close(&s, &p, r.node_code.as_deref(), quarter, r.subsidy_cents).await?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

async fn api_detail(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (q, rows) = detail(&s, &p, quarter_id(&id)?).await?;
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "sheet".into(),
                    serde_json::from_str(&r.sheet_json).unwrap_or(Value::Null),
                );
            }
            v
        })
        .collect();
    Ok(no_store(
        Json(json!({ "quarter": q, "results": results })).into_response(),
    ))
}

// ---- Pages ---------------------------------------------------------------------------------

struct QuarterView {
    id: i64,
    quarter: String,
    workers: i64,
    subsidy: String,
    pool: String,
    closed: String,
}

fn quarter_view(q: &QuarterRow) -> QuarterView {
    QuarterView {
        id: q.id,
        quarter: q.quarter.clone(),
        workers: q.workers,
        subsidy: cents_text(q.subsidy_cents),
        pool: cents_text(q.reward_pool_cents),
        closed: format!("{} · {}", q.closed_by_name, time_text(q.closed_at)),
    }
}

#[derive(Template)]
#[template(path = "assessment/close_list.html")]
struct ListPage {
    l: Layout,
    items: Vec<QuarterView>,
    may_close: bool,
    quarter: String,
    subsidy: String,
    confirm: bool,
    error: String,
}

/// Whether the caller may close quarters (Assess, at a township or above).
fn may_close(p: &Principal) -> bool {
    use wangge_domain::NodeKind::*;
    p.may(Permission::Assess) && matches!(p.node_kind, Township | County | City)
}

async fn list_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    let prev = today(s.now())
        .map(Quarter::of)
        .map(Quarter::prev)
        .map(|q| q.to_string())
        .unwrap_or_default();
    Ok(render_list(&s, lang, &p, prev, String::new(), false, None).await?)
}

async fn render_list(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    quarter: String,
    subsidy: String,
    confirm: bool,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let items = list(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "as_close.title");
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(ListPage {
        items: items.iter().map(quarter_view).collect(),
        may_close: may_close(p),
        quarter,
        subsidy,
        confirm,
        error,
        l,
    })))
}

/// The close form: a first submit shows the confirmation step; `confirm=1` closes.
async fn close_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let qtext = f(&values, "quarter")
        .trim()
        .chars()
        .take(20)
        .collect::<String>();
    let subsidy = f(&values, "subsidy")
        .trim()
        .chars()
        .take(20)
        .collect::<String>();
    let checked = (|| {
        let q = quarter_of(&qtext)?;
        if subsidy.is_empty() {
            return Err(err!("assess.subsidy_required"));
        }
        let cents = yuan_to_cents(&subsidy).ok_or_else(|| {
            err!(
                "assess.subsidy_invalid",
                value = subsidy.clone(),
                max = close::MAX_SUBSIDY_CENTS
            )
        })?;
        Ok::<_, Error>((q, cents))
    })();
    let outcome = match checked {
        Ok((q, cents)) if f(&values, "confirm") == "1" => close(&s, &p, None, q, cents)
            .await
            .map(|done| Some(done.quarter_id)),
        Ok(_) => Ok(None),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(Some(id)) => Ok(Redirect::to(&format!("/assess/quarters/{id}")).into_response()),
        Ok(None) => Ok(render_list(&s, lang, &p, qtext, subsidy, true, None).await?),
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = render_list(&s, lang, &p, qtext, subsidy, false, Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

struct ResultView {
    user_id: i64,
    user_name: String,
    rank: i64,
    grade: String,
    total: String,
    pay: String,
    corrected: bool,
    not_reengage: bool,
}

#[derive(Template)]
#[template(path = "assessment/close_detail.html")]
struct DetailPage {
    l: Layout,
    q: QuarterView,
    rows: Vec<ResultView>,
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (q, rows) = detail(&s, &p, quarter_id(&id)?).await?;
    let l = Layout::new(lang, Some(p.clone()), "as_close.detail_title");
    let rows = rows
        .iter()
        .map(|r| ResultView {
            user_id: r.user_id,
            user_name: r.user_name.clone(),
            rank: r.rank,
            grade: l.t.s(&format!("as_close.grade.{}", r.grade)).to_string(),
            total: cents_text(r.total_centi),
            pay: cents_text(r.pay_cents),
            corrected: r.kind == "correction",
            not_reengage: r.not_reengage,
        })
        .collect();
    Ok(no_store(render(DetailPage {
        q: quarter_view(&q),
        rows,
        l,
    })))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts() {
        assert_eq!(yuan_to_cents("3000"), Some(300_000));
        assert_eq!(yuan_to_cents("12.5"), Some(1250));
        assert_eq!(yuan_to_cents("0.05"), Some(5));
        assert_eq!(yuan_to_cents("1.234"), None);
        assert_eq!(yuan_to_cents("-3"), None);
        assert_eq!(yuan_to_cents(""), None);
        assert_eq!(yuan_to_cents("1e5"), None);
        assert_eq!(cents_text(1250), "12.50");
    }
}
