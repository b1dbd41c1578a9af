//! Transfers of a person's registration between grids (人口迁入/迁出): the worker's request,
//! made from the refusal of an ID number registered outside their area, and the decision of
//! the lowest office above both grids. Pages under `/transfers`, JSON under `/api/v1/transfers`;
//! both doors go through the actions here, and the store checks who sees and decides what.

mod api;
mod pages;

use axum::Router;
use wangge_domain::basic::ident::parse_id_number;
use wangge_domain::transfer::{self, Status};
use wangge_domain::{Error, Sensitive, err};
use wangge_store::auth::Principal;
use wangge_store::basic::transfers::{self, NewTransfer, Transfer, Viewer, Which};

use crate::basic::access::{actor, today};
use crate::basic::form::fields_error;
use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    pages::routes()
}

/// The JSON API.
pub fn api() -> Router<AppState> {
    api::routes()
}

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        user_id: p.user_id,
        role: p.role(),
        path: p.node_path.clone(),
    }
}

/// Whether the caller's role asks for transfers (the menu and the pages use it).
pub fn may_request(p: &Principal) -> bool {
    transfer::may_request(p.role())
}

/// Whether the caller's role decides transfers somewhere at or below their node.
pub fn may_decide(p: &Principal) -> bool {
    let scope = p.scope();
    transfer::may_decide(p.role(), scope.path(), scope.path())
}

/// What a request form or body carries.
pub struct Ask<'a> {
    pub id_number: &'a str,
    /// Blank: the caller's own grid, when they are attached to one.
    pub grid_code: &'a str,
    pub reason: &'a str,
}

/// Makes a request; its id.
pub async fn ask(s: &AppState, p: &Principal, a: &Ask<'_>) -> Result<i64, Error> {
    if !may_request(p) {
        return Err(err!("auth.forbidden"));
    }
    let now = s.now();
    let id = parse_id_number(a.id_number, today(now)?).map_err(|e| fields_error(&[e]))?;
    let grid_code = match a.grid_code.trim() {
        "" if p.node_kind == wangge_domain::NodeKind::Grid => p.node_code.clone(),
        "" => return Err(fields_error(&[required("grid_code")])),
        g => g.to_string(),
    };
    let new = NewTransfer {
        id_number: Sensitive::new(id.normalized),
        grid_code,
        reason: a.reason.to_string(),
    };
    let mut tx = s.db.begin().await?;
    let id =
        transfers::request(&mut tx.handle(), &s.keys, &viewer(p), &actor(p), &new, now).await?;
    tx.commit().await?;
    Ok(id)
}

fn required(field: &'static str) -> wangge_domain::basic::FieldError {
    wangge_domain::basic::FieldError::new(field, err!("required", field))
}

/// One request as the caller may see it.
pub async fn one(s: &AppState, p: &Principal, id: i64) -> Result<Transfer, Error> {
    let mut c = s.db.conn().await?;
    transfers::get(&mut c.handle(), &viewer(p), id).await
}

/// The caller's requests, or those they decide.
pub async fn list(
    s: &AppState,
    p: &Principal,
    which: Which,
    status: Option<Status>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Transfer>, Error> {
    let mut c = s.db.conn().await?;
    transfers::list(&mut c.handle(), &viewer(p), which, status, before, limit).await
}

/// A decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

/// Approves or refuses a request, with a note (required to refuse).
pub async fn decide(
    s: &AppState,
    p: &Principal,
    id: i64,
    d: Decision,
    note: &str,
) -> Result<Transfer, Error> {
    let (v, who, now) = (viewer(p), actor(p), s.now());
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    match d {
        Decision::Approve => transfers::approve(h, &v, &who, id, note, now).await?,
        Decision::Refuse => transfers::refuse(h, &v, &who, id, note, now).await?,
    }
    tx.commit().await?;
    one(s, p, id).await
}

/// A status filter's value (`all` or blank: every status).
pub fn status_of(v: &str) -> Result<Option<Status>, Error> {
    match v.trim() {
        "" | "all" => Ok(None),
        v => Status::parse(v)
            .map(Some)
            .ok_or_else(|| err!("transfer.status_invalid", value = v)),
    }
}

/// A request's id from a path: anything else is as absent as a request out of sight.
pub fn parse_transfer_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            let id: String = s.chars().take(20).collect();
            err!("transfer.not_found", id)
        })
}
