//! The catalogue of kinds and points (`/vol/catalogue`): the one in force shown to every role
//! of the scheme; the street (GovernVolunteers, at a township or above) edits it in a form, a
//! row per kind, and keeps a new version with a note. "Other" values (`/vol/approvals`): a
//! community asks, the street above it approves or rejects with a note.
//! API: `GET/POST /api/v1/volunteers/catalogue`, `GET/POST /api/v1/volunteers/approvals`,
//! `POST /api/v1/volunteers/approvals/{id}/decide`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::volunteers::catalogue::{Catalogue, Family, KindDef};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::nodes;
use wangge_store::volunteers::catalogue::{self as cat, Approval, Version};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{Fields, f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/catalogue", get(catalogue_page).post(catalogue_submit))
        .route("/vol/approvals", get(approvals_page).post(request_submit))
        .route("/vol/approvals/{id}/decide", post(decide_submit))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/volunteers/catalogue",
            get(api_catalogue).post(api_save),
        )
        .route(
            "/api/v1/volunteers/approvals",
            get(api_approvals).post(api_request),
        )
        .route("/api/v1/volunteers/approvals/{id}/decide", post(api_decide))
}

const VERSIONS_SHOWN: i64 = 50;
const APPROVALS_SHOWN: i64 = 200;

/// Every role of the scheme reads the catalogue and the approvals.
fn may_read(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::Serve)
        || p.may(Permission::Organise)
        || p.may(Permission::GovernVolunteers)
    {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn may_keep(p: &Principal) -> bool {
    p.may(Permission::GovernVolunteers)
        && matches!(
            p.node_kind,
            NodeKind::Township | NodeKind::County | NodeKind::City
        )
}

/// Only the street (a township's GovernVolunteers) decides; its scope bounds what it reaches.
fn may_decide(p: &Principal) -> bool {
    p.may(Permission::GovernVolunteers) && p.node_kind == NodeKind::Township
}

async fn in_force(
    s: &AppState,
    p: &Principal,
) -> Result<(Option<i64>, Catalogue, Vec<Version>), Error> {
    may_read(p)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (id, catalogue) = cat::in_force(h, &p.node_path).await?;
    let versions = cat::versions(h, &p.node_path, VERSIONS_SHOWN).await?;
    Ok((id, catalogue, versions))
}

async fn save(
    s: &AppState,
    p: &Principal,
    node_code: &str,
    c: &Catalogue,
    note: &str,
) -> Result<Version, Error> {
    if !p.may(Permission::GovernVolunteers) {
        return Err(err!("auth.forbidden"));
    }
    let code = match node_code.trim() {
        "" => p.node_code.clone(),
        v => v.chars().take(40).collect(),
    };
    if !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(err!("node.not_found", code));
    }
    let mut tx = s.db.begin().await?;
    let node = nodes::by_code(&mut tx.handle(), &p.scope(), &code).await?;
    let v = cat::save_version(&mut tx.handle(), &node, c, note, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(v)
}

async fn request(
    s: &AppState,
    p: &Principal,
    community: &str,
    title: &str,
    points: i64,
    reason: &str,
) -> Result<Approval, Error> {
    if !p.may(Permission::Organise) {
        return Err(err!("auth.forbidden"));
    }
    let c = super::register::community_for(s, p, community).await?;
    let mut tx = s.db.begin().await?;
    let a = cat::request_other(
        &mut tx.handle(),
        &c,
        title,
        points,
        reason,
        &actor(p),
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

fn approval_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        err!(
            "volunteers.approval_not_found",
            id = s.chars().take(20).collect::<String>()
        )
    })
}

async fn decide(
    s: &AppState,
    p: &Principal,
    id: i64,
    decision: &str,
    note: &str,
) -> Result<Approval, Error> {
    if !p.may(Permission::GovernVolunteers) && !p.may(Permission::Organise) {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    // Absent or outside the caller's area is a 404 whoever asks.
    cat::approval(h, &p.scope(), id).await?;
    if !may_decide(p) {
        return Err(err!("volunteers.street_only"));
    }
    let approve = match decision.trim() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(err!(
                "volunteers.decision_invalid",
                value = other.chars().take(20).collect::<String>()
            )
            .with_details(json!({ "field": "decision" })));
        }
    };
    let a = cat::decide(h, &p.scope(), id, approve, note, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(a)
}

async fn approvals(s: &AppState, p: &Principal, status: &str) -> Result<Vec<Approval>, Error> {
    may_read(p)?;
    let status = status.trim();
    if !matches!(status, "" | "pending" | "approved" | "rejected") {
        return Err(err!(
            "volunteers.status_invalid",
            value = status.chars().take(20).collect::<String>()
        ));
    }
    let mut c = s.db.conn().await?;
    cat::list(&mut c.handle(), &p.scope(), status, APPROVALS_SHOWN).await
}

// ---- API -----------------------------------------------------------------------------------

async fn api_catalogue(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let (id, catalogue, versions) = in_force(&s, &p).await?;
    Ok(no_store(
        Json(json!({ "version_id": id, "catalogue": catalogue, "versions": versions }))
            .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveReq {
    #[serde(default)]
    node_code: String,
    catalogue: Catalogue,
    #[serde(default)]
    note: String,
}

async fn api_save(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<SaveReq>,
) -> AppResult<Response> {
    let v = save(&s, &p, &r.node_code, &r.catalogue, &r.note).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn api_approvals(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let items = approvals(&s, &p, q.get("status").map(String::as_str).unwrap_or("")).await?;
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestReq {
    #[serde(default)]
    community: String,
    title: String,
    points: i64,
    #[serde(default)]
    reason: String,
}

async fn api_request(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<RequestReq>,
) -> AppResult<Response> {
    let a = request(&s, &p, &r.community, &r.title, r.points, &r.reason).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideReq {
    decision: String,
    #[serde(default)]
    note: String,
}

async fn api_decide(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DecideReq>,
) -> AppResult<Response> {
    let a = decide(&s, &p, approval_id(&id)?, &r.decision, &r.note).await?;
    Ok(Json(a).into_response())
}

// ---- Pages ---------------------------------------------------------------------------------

fn on_page(e: Error) -> Result<Error, AppError> {
    if matches!(e.status, 401 | 403 | 404) {
        Err(AppError(e))
    } else {
        Ok(e)
    }
}

fn with_status(mut r: Response, e: Option<u16>) -> Response {
    if let Some(code) = e.and_then(|c| StatusCode::from_u16(c).ok()) {
        *r.status_mut() = code;
    }
    r
}

struct KindRow {
    n: usize,
    key: String,
    family: String,
    family_label: String,
    points: String,
    activity: bool,
}

struct FamilyOpt {
    value: &'static str,
    label: String,
}

struct VersionView {
    node: String,
    version: i64,
    note: String,
    by: String,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "volunteers/cat_catalogue.html")]
struct CataloguePage {
    l: Layout,
    kinds: Vec<KindRow>,
    clue_categories: String,
    families: Vec<FamilyOpt>,
    versions: Vec<VersionView>,
    may_edit: bool,
    note: String,
    error: String,
    saved: bool,
}

/// Blank rows the form offers for new kinds.
const BLANK_ROWS: usize = 3;

fn kind_label(t: &Tr, key: &str) -> String {
    let k = format!("vol.kind.{key}");
    if Tr::has(&k) {
        t.s(&k).to_string()
    } else {
        key.to_string()
    }
}

fn kind_rows(t: &Tr, c: &Catalogue) -> Vec<KindRow> {
    c.kinds
        .iter()
        .enumerate()
        .map(|(n, k)| KindRow {
            n,
            key: k.key.clone(),
            family: k.family.as_str().to_string(),
            family_label: t
                .s(&format!("vol.cat.family.{}", k.family.as_str()))
                .to_string(),
            points: k.points.to_string(),
            activity: k.activity,
        })
        .chain((0..BLANK_ROWS).map(|i| KindRow {
            n: c.kinds.len() + i,
            key: String::new(),
            family: "resident_service".into(),
            family_label: String::new(),
            points: String::new(),
            activity: true,
        }))
        .map(|mut r| {
            if !r.key.is_empty() {
                r.family_label = format!("{} · {}", r.family_label, kind_label(t, &r.key));
            }
            r
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_catalogue(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    shown: Option<Catalogue>,
    note: String,
    error: Option<Error>,
    saved: bool,
) -> Result<Response, Error> {
    let (id, catalogue, versions) = in_force(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.cat.title");
    let c = shown.unwrap_or(catalogue);
    let status = error.as_ref().map(|e| e.status);
    let page = CataloguePage {
        kinds: kind_rows(&l.t, &c),
        clue_categories: c.clue_categories.join(", "),
        families: Family::ALL
            .iter()
            .filter(|f| **f != Family::Other)
            .map(|f| FamilyOpt {
                value: f.as_str(),
                label: l.t.s(&format!("vol.cat.family.{}", f.as_str())).to_string(),
            })
            .collect(),
        versions: versions
            .iter()
            .map(|v| VersionView {
                node: v.node_name.clone(),
                version: v.version,
                note: v.note.clone(),
                by: format!("{} · {}", v.created_by_name, time_text(v.created_at)),
                in_force: Some(v.id) == id,
            })
            .collect(),
        may_edit: may_keep(p),
        note,
        error: error.map(|e| l.t.error(&e)).unwrap_or_default(),
        saved,
        l,
    };
    Ok(with_status(no_store(render(page)), status))
}

async fn catalogue_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let saved = q.contains_key("saved");
    Ok(render_catalogue(&s, lang, &p, None, String::new(), None, saved).await?)
}

/// The catalogue the form describes: a row per kind (`key_N`, `family_N`, `points_N`,
/// `activity_N`), rows with no key left out; clue categories comma-separated.
fn catalogue_of_form(v: &Fields) -> Result<Catalogue, Error> {
    let mut kinds = Vec::new();
    for n in 0..(wangge_domain::volunteers::catalogue::MAX_KINDS + BLANK_ROWS) {
        let key = f(v, &format!("key_{n}"));
        if key.is_empty() {
            continue;
        }
        let key: String = key.chars().take(40).collect();
        let fam = f(v, &format!("family_{n}"));
        let family = Family::ALL
            .into_iter()
            .find(|x| x.as_str() == fam)
            .ok_or_else(|| {
                err!(
                    "volunteers.catalogue_family",
                    value = fam.chars().take(20).collect::<String>()
                )
                .with_details(json!({ "field": format!("kinds.{key}.family") }))
            })?;
        let points = f(v, &format!("points_{n}")).parse::<i64>().unwrap_or(0);
        kinds.push(KindDef {
            key,
            family,
            points,
            activity: !f(v, &format!("activity_{n}")).is_empty(),
        });
    }
    let clue_categories = f(v, "clue_categories")
        .split([',', ',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.chars().take(20).collect())
        .collect();
    Ok(Catalogue {
        kinds,
        clue_categories,
    })
}

async fn catalogue_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let note = f(&v, "note").chars().take(200).collect::<String>();
    let c = match catalogue_of_form(&v) {
        Ok(c) => c,
        Err(e) => {
            return Ok(render_catalogue(&s, lang, &p, None, note, Some(on_page(e)?), false).await?);
        }
    };
    match save(&s, &p, "", &c, &note).await {
        Ok(_) => Ok(Redirect::to("/vol/catalogue?saved=1").into_response()),
        Err(e) => {
            Ok(render_catalogue(&s, lang, &p, Some(c), note, Some(on_page(e)?), false).await?)
        }
    }
}

struct ApprovalView {
    id: i64,
    community: String,
    title: String,
    points: i64,
    reason: String,
    status: String,
    status_key: String,
    requested: String,
    decided: String,
    note: String,
}

struct CommunityOpt {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "volunteers/cat_approvals.html")]
struct ApprovalsPage {
    l: Layout,
    items: Vec<ApprovalView>,
    may_request: bool,
    may_decide: bool,
    communities: Vec<CommunityOpt>,
    error: String,
}

async fn render_approvals(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    error: Option<Error>,
) -> Result<Response, Error> {
    let items = approvals(s, p, "").await?;
    let communities = if p.may(Permission::Organise) {
        let mut c = s.db.conn().await?;
        wangge_store::volunteers::register::communities(&mut c.handle(), &p.scope()).await?
    } else {
        Vec::new()
    };
    let l = Layout::new(lang, Some(p.clone()), "vol.cat.approvals_title");
    let status = error.as_ref().map(|e| e.status);
    let t = &l.t;
    let page = ApprovalsPage {
        items: items
            .iter()
            .map(|a| ApprovalView {
                id: a.id,
                community: a.community_name.clone(),
                title: a.title.clone(),
                points: a.points,
                reason: a.reason.clone(),
                status: t.s(&format!("vol.cat.approval.{}", a.status)).to_string(),
                status_key: a.status.clone(),
                requested: format!("{} · {}", a.requested_by_name, time_text(a.requested_at)),
                decided: match (&a.decided_by_name, a.decided_at) {
                    (Some(n), Some(at)) => format!("{n} · {}", time_text(at)),
                    _ => String::new(),
                },
                note: a.decision_note.clone(),
            })
            .collect(),
        may_request: p.may(Permission::Organise),
        may_decide: may_decide(p),
        communities: communities
            .into_iter()
            .map(|c| CommunityOpt {
                code: c.code,
                name: c.name,
            })
            .collect(),
        error: error.map(|e| t.error(&e)).unwrap_or_default(),
        l,
    };
    Ok(with_status(no_store(render(page)), status))
}

async fn approvals_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(render_approvals(&s, lang, &p, None).await?)
}

async fn request_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let points = f(&v, "points").parse::<i64>().unwrap_or(0);
    match request(
        &s,
        &p,
        f(&v, "community"),
        f(&v, "title"),
        points,
        f(&v, "reason"),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/vol/approvals").into_response()),
        Err(e) => Ok(render_approvals(&s, lang, &p, Some(on_page(e)?)).await?),
    }
}

async fn decide_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    match decide(&s, &p, approval_id(&id)?, f(&v, "decision"), f(&v, "note")).await {
        Ok(_) => Ok(Redirect::to("/vol/approvals").into_response()),
        Err(e) => Ok(render_approvals(&s, lang, &p, Some(on_page(e)?)).await?),
    }
}
