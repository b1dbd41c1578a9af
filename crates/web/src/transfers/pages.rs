//! The pages of transfers: `/transfers` lists the requests waiting for the caller's decision
//! and the caller's own; `/transfers/new` asks (the refusal on the people form posts to
//! `/transfers` directly, with the number the worker typed); `/transfers/{id}` shows one, with
//! the approve and refuse forms for whoever decides it.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::err;
use wangge_domain::transfer::Status;
use wangge_store::auth::Principal;
use wangge_store::basic::transfers::{Transfer, Which};

use super::{
    Ask, Decision, ask, decide, list, may_decide, may_request, one, parse_transfer_id, status_of,
};
use crate::auth::Me;
use crate::basic::area::grid_options;
use crate::basic::form::{Fields, Opt, f, no_store, read_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/transfers", get(list_page).post(create))
        .route("/transfers/new", get(new_page))
        .route("/transfers/{id}", get(detail_page))
        .route("/transfers/{id}/approve", post(approve))
        .route("/transfers/{id}/refuse", post(refuse))
}

/// A request as a row or a page shows it.
pub struct View {
    pub id: i64,
    pub status: String,
    pub status_label: String,
    pub to_grid: String,
    /// The name alone, for a list row on a phone.
    pub to_grid_name: String,
    pub requester: String,
    pub reason: String,
    pub created: String,
    pub decided: String,
    pub decider: String,
    pub note: String,
    pub may_decide: bool,
    /// The person's name, mask, page and current grid, when the caller's scope holds them.
    pub person: Option<PersonView>,
}

pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub id_masked: String,
    pub grid: String,
    pub grid_name: String,
}

fn view(t: &Tr, x: Transfer) -> View {
    View {
        status_label: t.s(&format!("transfer.status.{}", x.status)).to_string(),
        id: x.id,
        status: x.status,
        to_grid: format!("{} {}", x.to_grid_name, x.to_grid_code),
        to_grid_name: x.to_grid_name,
        requester: x.requester_name,
        reason: x.reason,
        created: time_text(x.created_at),
        decided: x.decided_at.map(time_text).unwrap_or_default(),
        decider: x.decider_name.unwrap_or_default(),
        note: x.decision_note,
        may_decide: x.may_decide,
        person: x.person.map(|p| PersonView {
            id: p.id,
            name: p.name,
            id_masked: p.id_masked,
            grid: format!("{} {}", p.grid_name, p.grid_code),
            grid_name: p.grid_name,
        }),
    }
}

#[derive(Template)]
#[template(path = "transfers/list.html")]
struct ListPage {
    l: Layout,
    /// Whether the caller decides requests (the first section).
    decides: bool,
    to_decide: Vec<View>,
    /// `pending` (the default) or `all`.
    decide_filter: String,
    requests: bool,
    mine: Vec<View>,
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (decides, requests) = (may_decide(&p), may_request(&p));
    if !decides && !requests {
        return Err(AppError(err!("auth.forbidden")));
    }
    let filter = q.status.as_deref().unwrap_or("pending");
    let status = status_of(filter)?;
    let l = Layout::new(lang, Some(p.clone()), "transfer.title");
    let t = l.t;
    let to_decide = if decides {
        list(&s, &p, Which::ToDecide, status, None, 100).await?
    } else {
        Vec::new()
    };
    let mine = if requests {
        list(&s, &p, Which::Mine, None, None, 100).await?
    } else {
        Vec::new()
    };
    Ok(no_store(render(ListPage {
        decides,
        to_decide: to_decide.into_iter().map(|x| view(&t, x)).collect(),
        decide_filter: if status.is_some() { "pending" } else { "all" }.to_string(),
        requests,
        mine: mine.into_iter().map(|x| view(&t, x)).collect(),
        l,
    })))
}

#[derive(Template)]
#[template(path = "transfers/new.html")]
struct NewPage {
    l: Layout,
    id_number: String,
    grids: Vec<Opt>,
    reason: String,
    error: String,
}

async fn new_form(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    values: &Fields,
    error: Option<&Error>,
) -> Result<Response, Error> {
    if !may_request(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    let mut grids = grid_options(&mut c.handle(), &p.scope()).await?;
    drop(c);
    let chosen = match f(values, "grid_code") {
        "" => p.node_code.as_str(),
        g => g,
    };
    for g in &mut grids {
        g.selected = g.value == chosen;
    }
    let l = Layout::new(lang, Some(p.clone()), "transfer.new");
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(NewPage {
        id_number: f(values, "id_number").to_string(),
        grids,
        reason: f(values, "reason").to_string(),
        error,
        l,
    })))
}

async fn new_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(new_form(&s, lang, &p, &Fields::new(), None).await?)
}

/// Asks; a refusal shows the form again with the reason (what the user typed goes back to
/// them only, `no-store`).
async fn create(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let a = Ask {
        id_number: f(&values, "id_number"),
        grid_code: f(&values, "grid_code"),
        reason: f(&values, "reason"),
    };
    match ask(&s, &p, &a).await {
        Ok(id) => Ok(Redirect::to(&format!("/transfers/{id}?done=requested")).into_response()),
        Err(e) if matches!(e.status, 401 | 403) => Err(AppError(e)),
        Err(e) => {
            let status = e.status;
            let mut r = new_form(&s, lang, &p, &values, Some(&e)).await?;
            if let Ok(code) = axum::http::StatusCode::from_u16(status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

#[derive(Template)]
#[template(path = "transfers/detail.html")]
struct DetailPage {
    l: Layout,
    x: View,
    done: String,
    error: String,
}

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
}

async fn detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    done: String,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let x = one(s, p, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "transfer.one");
    let t = l.t;
    let error = error.map(|e| t.error(e)).unwrap_or_default();
    let done = match done.as_str() {
        "" => String::new(),
        d => t.s(&format!("transfer.done.{d}")).to_string(),
    };
    Ok(no_store(render(DetailPage {
        x: view(&t, x),
        done,
        error,
        l,
    })))
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let id = parse_transfer_id(&id)?;
    let done = match q.done.as_deref() {
        Some(d @ ("requested" | "approved" | "refused")) => d.to_string(),
        _ => String::new(),
    };
    Ok(detail(&s, lang, &p, id, done, None).await?)
}

async fn decide_form(
    s: AppState,
    lang: Lang,
    p: Principal,
    id: String,
    d: Decision,
    req: Request,
) -> AppResult<Response> {
    let id = parse_transfer_id(&id)?;
    let values = read_form(req).await?;
    match decide(&s, &p, id, d, f(&values, "note")).await {
        Ok(_) => {
            let done = match d {
                Decision::Approve => Status::Approved,
                Decision::Refuse => Status::Refused,
            };
            Ok(Redirect::to(&format!("/transfers/{id}?done={}", done.as_str())).into_response())
        }
        // Out of sight or not theirs to decide: the error page, revealing nothing more.
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = detail(&s, lang, &p, id, String::new(), Some(&e)).await?;
            if let Ok(code) = axum::http::StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

async fn approve(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    decide_form(s, lang, p, id, Decision::Approve, req).await
}

async fn refuse(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    decide_form(s, lang, p, id, Decision::Refuse, req).await
}
