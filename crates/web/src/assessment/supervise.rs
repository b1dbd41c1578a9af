//! 双随机 draws and inspections (督查): the shared steps and the JSON API. Pages are in
//! `supervise_pages`.
//!
//! Draws are held by a township office (`Assess`) and seen by anyone in scope who holds
//! `Assess` or `Inspect`. Inspections and findings need `Inspect`; the store keeps the scope
//! (and lets a drawn inspector reach the grid a round sent them to). A finding is charged
//! against the rule set in force for the worker's grid and the inspection's quarter.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::assessment::draw::Params;
use wangge_domain::assessment::finding::{Evidence, Kind};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::{Error, Permission, err};
use wangge_store::assessment::draws::{self, NewRound, Round};
use wangge_store::assessment::inspections::{self, Finding, Inspection, NewFinding, NewInspection};
use wangge_store::assessment::rules;
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};

use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{no_store, parse_id};
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;
use crate::ui::rfc3339;

pub fn pages() -> Router<AppState> {
    super::supervise_pages::pages()
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assessment/draws", get(api_draws).post(api_hold))
        .route("/api/v1/assessment/draws/{id}", get(api_draw))
        .route(
            "/api/v1/assessment/inspections",
            get(api_inspections).post(api_create_inspection),
        )
        .route("/api/v1/assessment/inspections/{id}", get(api_inspection))
        .route(
            "/api/v1/assessment/inspections/{id}/findings",
            post(api_add_finding),
        )
}

/// The most people a caller may pick for a round's pool.
const PICK_MAX: usize = 500;

pub(super) fn round_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("assess.draw_not_found", id)
    })
}

pub(super) fn inspection_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("assess.inspection_not_found", id)
    })
}

pub(super) fn may_see_draws(p: &Principal) -> bool {
    p.may(Permission::Assess) || p.may(Permission::Inspect)
}

pub(super) fn quarter_of(s: &str) -> Result<Quarter, Error> {
    Quarter::parse(s).ok_or_else(|| {
        err!(
            "assess.quarter_invalid",
            value = s.chars().take(20).collect::<String>()
        )
    })
}

/// An optional filter: empty means none.
pub(super) fn opt_quarter(s: Option<&str>) -> Result<Option<Quarter>, Error> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => quarter_of(v).map(Some),
    }
}

pub(super) fn kind_of(s: &str) -> Result<Kind, Error> {
    Kind::parse(s.trim()).ok_or_else(|| {
        err!(
            "assess.inspection_kind",
            value = s.chars().take(20).collect::<String>()
        )
    })
}

pub(super) fn opt_kind(s: Option<&str>) -> Result<Option<Kind>, Error> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => kind_of(v).map(Some),
    }
}

/// A node by code inside the caller's scope (the caller's own when none is given).
pub(super) async fn node_in_scope(
    s: &AppState,
    p: &Principal,
    code: Option<&str>,
) -> Result<Node, Error> {
    let code: String = match code.map(str::trim) {
        None | Some("") => p.node_code.clone(),
        Some(v) => v.chars().take(40).collect(),
    };
    let mut c = s.db.conn().await?;
    nodes::by_code(&mut c.handle(), &p.scope(), &code).await
}

/// What a form or body asks a round to be.
pub(super) struct HoldAsk<'a> {
    pub node: Option<&'a str>,
    pub title: &'a str,
    pub quarter: &'a str,
    pub share_pct: i64,
    pub per_target: i64,
    pub picked: Option<Vec<i64>>,
}

/// Holds a round; its id. Nothing is written on a refusal.
pub(super) async fn hold(s: &AppState, p: &Principal, a: &HoldAsk<'_>) -> Result<i64, Error> {
    if !p.may(Permission::Assess) {
        return Err(err!("auth.forbidden"));
    }
    let quarter = quarter_of(a.quarter)?;
    let township = node_in_scope(s, p, a.node).await?;
    let share_pct =
        u32::try_from(a.share_pct).map_err(|_| err!("assess.draw_share", value = a.share_pct))?;
    let per_target = u32::try_from(a.per_target).map_err(|_| {
        err!(
            "assess.draw_per_target",
            value = a.per_target,
            max = wangge_domain::assessment::draw::MAX_PER_TARGET
        )
    })?;
    if a.picked.as_ref().is_some_and(|v| v.len() > PICK_MAX) {
        return Err(err!(
            "request.invalid",
            reason = format!("at most {PICK_MAX} inspectors")
        ));
    }
    let new = NewRound {
        township: &township,
        quarter,
        title: a.title,
        params: Params {
            share_pct,
            per_target,
        },
        picked: a.picked.as_deref(),
        today: today(s.now())?,
    };
    draws::check(&new)?;
    let mut tx = s.db.begin().await?;
    let id = draws::hold(&mut tx.handle(), &actor(p), &new, s.now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// A round the caller may see, with its inspections.
pub(super) async fn round(
    s: &AppState,
    p: &Principal,
    id: i64,
) -> Result<(Round, Vec<Inspection>), Error> {
    if !may_see_draws(p) {
        return Err(err!("assess.draw_not_found", id));
    }
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = draws::get(h, &p.scope(), id).await?;
    let made = inspections::of_round(h, id).await?;
    Ok((r, made))
}

/// Records an inspection by hand; its id.
pub(super) async fn create_inspection(
    s: &AppState,
    p: &Principal,
    node: &str,
    kind: &str,
    day: &str,
    summary: &str,
) -> Result<i64, Error> {
    if !p.may(Permission::Inspect) {
        return Err(err!("auth.forbidden"));
    }
    let kind = kind_of(kind)?;
    let day = Date::parse(day.trim()).map_err(|_| err!("request.bad_date", field = "day"))?;
    if day > today(s.now())? {
        return Err(err!("request.bad_date", field = "day"));
    }
    let node = node_in_scope(s, p, Some(node)).await?;
    let mut tx = s.db.begin().await?;
    let id = inspections::create(
        &mut tx.handle(),
        p,
        &NewInspection {
            node: &node,
            kind,
            day,
            summary,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An inspection the caller may see, with its findings.
pub(super) async fn inspection(
    s: &AppState,
    p: &Principal,
    id: i64,
) -> Result<(Inspection, Vec<Finding>), Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let i = inspections::get(h, p, id).await?;
    let f = inspections::findings(h, id).await?;
    Ok((i, f))
}

/// What a form or body asks a finding to be.
pub(super) struct FindingAsk<'a> {
    pub user_id: i64,
    pub item_key: &'a str,
    pub measure: &'a str,
    pub veto: Option<&'a str>,
    pub count: i64,
    pub note: &'a str,
    pub evidence: &'a [Evidence],
}

/// Adds a finding; its id. The worker is looked up first, so one outside the inspected node
/// is "not found" whatever else the request says.
pub(super) async fn add_finding(
    s: &AppState,
    p: &Principal,
    id: i64,
    a: &FindingAsk<'_>,
) -> Result<i64, Error> {
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let i = inspections::get(h, p, id).await?;
    let w = inspections::worker(h, &i, a.user_id).await?;
    let quarter = quarter_of(&i.quarter)?;
    let (_, scheme) = rules::in_force(h, &w.path, quarter).await?;
    let fid = inspections::add_finding(
        h,
        p,
        &i,
        &scheme,
        &NewFinding {
            user_id: a.user_id,
            item_key: a.item_key,
            measure: a.measure,
            veto: a.veto,
            count: a.count,
            note: a.note,
            evidence: a.evidence,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(fid)
}

pub(super) fn round_json(r: &Round, made: Option<&[Inspection]>) -> Value {
    let mut v = json!({
        "id": r.id,
        "node_code": r.node_code,
        "node_name": r.node_name,
        "quarter": r.quarter,
        "title": r.title,
        "share_pct": r.share_pct,
        "inspectors_per_target": r.per_target,
        "algorithm": r.algorithm,
        "seed": r.seed,
        "targets": r.result.iter().map(|d| json!({
            "target_id": d.target_id,
            "code": d.code,
            "inspectors": d.inspectors,
        })).collect::<Vec<_>>(),
        "result_hash": r.result_hash,
        "drawn_by_name": r.drawn_by_name,
        "created_at": rfc3339(r.created_at),
    });
    if let Some(made) = made {
        v["target_pool"] = json!(
            r.targets
                .iter()
                .map(|t| json!({"id": t.id, "code": t.code, "path": t.path, "village_path": t.village_path}))
                .collect::<Vec<_>>()
        );
        v["inspector_pool"] = json!(
            r.inspectors
                .iter()
                .map(|i| json!({"id": i.id, "username": i.username, "path": i.path}))
                .collect::<Vec<_>>()
        );
        v["inspections"] = json!(made.iter().map(inspection_json).collect::<Vec<_>>());
        v["replay_matches"] = json!(draws::replay(r));
    }
    v
}

pub(super) fn inspection_json(i: &Inspection) -> Value {
    json!({
        "id": i.id,
        "node_code": i.node_code,
        "node_name": i.node_name,
        "kind": i.kind,
        "round_id": i.round_id,
        "quarter": i.quarter,
        "day": i.day,
        "summary": i.summary,
        "inspector_id": i.inspector_id,
        "inspector_name": i.inspector_name,
        "created_at": rfc3339(i.created_at),
    })
}

pub(super) fn finding_json(f: &Finding) -> Value {
    json!({
        "id": f.id,
        "inspection_id": f.inspection_id,
        "user_id": f.user_id,
        "user_name": f.user_name,
        "quarter": f.quarter,
        "item_key": f.item_key,
        "measure": f.measure,
        "veto": f.veto,
        "count": f.count,
        "note": f.note,
        "evidence": f.evidence,
        "created_at": rfc3339(f.created_at),
    })
}

// ---------------------------------------------------------------------------------------------
// JSON API

async fn api_draws(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    if !may_see_draws(&p) {
        return Err(err!("auth.forbidden").into());
    }
    let mut c = s.db.conn().await?;
    let list = draws::list(&mut c.handle(), &p.scope()).await?;
    Ok(no_store(
        Json(json!({
            "draws": list.iter().map(|r| round_json(r, None)).collect::<Vec<_>>()
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldReq {
    #[serde(default)]
    node: Option<String>,
    title: String,
    quarter: String,
    share_pct: i64,
    inspectors_per_target: i64,
    #[serde(default)]
    inspectors: Option<Vec<i64>>,
}

async fn api_hold(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<HoldReq>,
) -> AppResult<Response> {
    let id = hold(
        &s,
        &p,
        &HoldAsk {
            node: r.node.as_deref(),
            title: &r.title,
            quarter: &r.quarter,
            share_pct: r.share_pct,
            per_target: r.inspectors_per_target,
            picked: r.inspectors,
        },
    )
    .await?;
    let (round, made) = round(&s, &p, id).await?;
    Ok(no_store(
        (StatusCode::CREATED, Json(round_json(&round, Some(&made)))).into_response(),
    ))
}

async fn api_draw(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = round_id(&id)?;
    let (r, made) = round(&s, &p, id).await?;
    Ok(no_store(Json(round_json(&r, Some(&made))).into_response()))
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    pub quarter: Option<String>,
    pub kind: Option<String>,
}

async fn api_inspections(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let quarter = opt_quarter(q.quarter.as_deref())?;
    let kind = opt_kind(q.kind.as_deref())?;
    let mut c = s.db.conn().await?;
    let list = inspections::list(&mut c.handle(), &p, quarter, kind).await?;
    Ok(no_store(
        Json(json!({
            "inspections": list.iter().map(inspection_json).collect::<Vec<_>>()
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectionReq {
    node: String,
    kind: String,
    day: String,
    #[serde(default)]
    summary: String,
}

async fn api_create_inspection(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<InspectionReq>,
) -> AppResult<Response> {
    let id = create_inspection(&s, &p, &r.node, &r.kind, &r.day, &r.summary).await?;
    let (i, findings) = inspection(&s, &p, id).await?;
    let mut v = inspection_json(&i);
    v["findings"] = json!(findings.iter().map(finding_json).collect::<Vec<_>>());
    Ok(no_store((StatusCode::CREATED, Json(v)).into_response()))
}

async fn api_inspection(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = inspection_id(&id)?;
    let (i, findings) = inspection(&s, &p, id).await?;
    let mut v = inspection_json(&i);
    v["findings"] = json!(findings.iter().map(finding_json).collect::<Vec<_>>());
    Ok(no_store(Json(v).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingReq {
    user_id: i64,
    #[serde(default)]
    item_key: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    veto: Option<String>,
    count: i64,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: Vec<Evidence>,
}

async fn api_add_finding(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<FindingReq>,
) -> AppResult<Response> {
    let id = inspection_id(&id)?;
    let fid = add_finding(
        &s,
        &p,
        id,
        &FindingAsk {
            user_id: r.user_id,
            item_key: &r.item_key,
            measure: &r.measure,
            veto: r.veto.as_deref(),
            count: r.count,
            note: &r.note,
            evidence: &r.evidence,
        },
    )
    .await?;
    let (_, findings) = inspection(&s, &p, id).await?;
    let f = findings
        .iter()
        .find(|f| f.id == fid)
        .ok_or_else(|| err!("internal", detail = "the finding just added is missing"))?;
    Ok(no_store(
        (StatusCode::CREATED, Json(finding_json(f))).into_response(),
    ))
}
