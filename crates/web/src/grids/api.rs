//! The tree and the grids over JSON: locate, nodes, boundaries, split, merge, versions, check.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::err;
use wangge_domain::geometry;
use wangge_domain::{Error, GridKind, NodeKind, Scope};
use wangge_store::{nodes, now_ms, territory, users};

use super::edit::{ConfirmQuery, require_clean_or_confirmed};
use crate::auth::Me;
use crate::error::AppResult;
use crate::form::{ApiJson, parse_lat_lon};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/locate", get(locate))
        .route("/api/v1/nodes", get(search_nodes).post(create_node))
        .route("/api/v1/nodes/{code}", get(get_node).patch(update_node))
        .route("/api/v1/nodes/{code}/children", get(children))
        .route("/api/v1/grids.geojson", get(grids_geojson))
        .route("/api/v1/grids/import", post(import_grids))
        .route("/api/v1/grids/{code}/boundary", put(redraw))
        .route("/api/v1/grids/{code}/split", post(split))
        .route("/api/v1/grids/{code}/merge", post(merge))
        .route("/api/v1/grids/{code}/versions", get(versions))
        .route("/api/v1/check", get(check))
}

#[derive(Deserialize)]
pub struct LocateQuery {
    lat: Option<String>,
    lon: Option<String>,
}

/// Point to grid. Grid codes and names are public (they stand on notice boards), so no log-in.
async fn locate(State(s): State<AppState>, Query(q): Query<LocateQuery>) -> AppResult<Json<Value>> {
    let (lat, lon) = parse_lat_lon(q.lat.as_deref(), q.lon.as_deref())?;
    let index = s.locate_index();
    Ok(Json(match index.locate(lon, lat) {
        Some(g) => {
            json!({"found": true, "code": g.code, "name": g.name, "path": g.path, "lat": lat, "lon": lon})
        }
        None => {
            json!({"found": false, "lat": lat, "lon": lon, "message": "the point is outside every grid"})
        }
    }))
}

async fn get_node(
    State(s): State<AppState>,
    Me(p): Me,
    Path(code): Path<String>,
) -> AppResult<Json<Value>> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = nodes::by_code(h, &p.scope(), &code).await?;
    let kids = nodes::children(h, &p.scope(), node.id).await?;
    let ancestors = nodes::ancestors(h, &node).await?;
    let staff = users::at_node(h, &p.scope(), node.id).await?;
    let boundary = node.geometry()?.map(|g| geometry::to_geojson(&g));
    Ok(Json(json!({
        "node": {"code": node.code, "kind": node.kind, "name": node.name, "path": node.path,
                 "grid_kind": node.grid_kind, "area_m2": node.area_m2, "households": node.households,
                 "population": node.population, "phone": node.phone, "boundary": boundary},
        "ancestors": ancestors, "children": kids,
        "staff": staff.iter().map(|u| json!({"display_name": u.display_name, "role": u.role, "phone": u.phone})).collect::<Vec<_>>(),
    })))
}

async fn children(
    State(s): State<AppState>,
    Me(p): Me,
    Path(code): Path<String>,
) -> AppResult<Json<Value>> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = nodes::by_code(h, &p.scope(), &code).await?;
    Ok(Json(json!(nodes::children(h, &p.scope(), node.id).await?)))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// Nodes in the caller's scope whose name or code contains the text (the user form's node
/// picker); at most 20.
async fn search_nodes(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Value>> {
    let text = q.q.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 40 {
        return Ok(Json(json!([])));
    }
    let mut c = s.db.conn().await?;
    Ok(Json(json!(
        nodes::search(&mut c.handle(), &p.scope(), text, 20).await?
    )))
}

#[derive(Deserialize)]
struct NewNodeReq {
    code: String,
    kind: String,
    name: String,
    parent_code: String,
    grid_kind: Option<String>,
    boundary: Option<Value>,
    phone: Option<String>,
}

fn parse_grid_kind(s: Option<&str>) -> Result<Option<GridKind>, Error> {
    match s {
        None | Some("") => Ok(None),
        Some(k) => GridKind::parse(k)
            .map(Some)
            .ok_or_else(|| err!("grid.kind_invalid", kind = k)),
    }
}

async fn create_node(
    State(s): State<AppState>,
    me: Me,
    ApiJson(r): ApiJson<NewNodeReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let kind = NodeKind::parse(&r.kind).ok_or_else(|| err!("node.kind_invalid", kind = r.kind))?;
    let boundary = r
        .boundary
        .as_ref()
        .map(geometry::parse_geojson_geometry)
        .transpose()?;
    let new = nodes::NewNode {
        code: r.code.trim().to_string(),
        kind,
        name: r.name,
        parent_code: Some(r.parent_code.trim().to_string()),
        grid_kind: parse_grid_kind(r.grid_kind.as_deref())?,
        boundary,
        phone: r.phone,
    };
    let mut tx = s.db.begin().await?;
    let node = nodes::create(
        &mut tx.handle(),
        &me.0.scope(),
        &me.0.username,
        &new,
        s.config.guidance.min_finding_m2,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    let check = check_parent(&s, &me, &new.parent_code.unwrap_or_default()).await?;
    Ok(Json(json!({"node": node_json(&node), "check": check})))
}

#[derive(Deserialize)]
struct UpdateNodeReq {
    name: String,
    phone: Option<String>,
    grid_kind: Option<String>,
}

async fn update_node(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<UpdateNodeReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let gk = parse_grid_kind(r.grid_kind.as_deref())?;
    let mut tx = s.db.begin().await?;
    let node = nodes::update_details(
        &mut tx.handle(),
        &me.0.scope(),
        &code,
        &r.name,
        r.phone.as_deref().filter(|p| !p.trim().is_empty()),
        gk,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    Ok(Json(node_json(&node)))
}

pub(super) fn node_json(n: &nodes::Node) -> Value {
    json!({"code": n.code, "kind": n.kind, "name": n.name, "path": n.path, "grid_kind": n.grid_kind,
           "area_m2": n.area_m2, "phone": n.phone})
}

pub async fn after_territory_change(s: &AppState) {
    if let Err(e) = s.refresh_locate().await {
        tracing::warn!(error = %e, "cannot refresh the locate index");
    }
}

/// The scope of a node the caller names with `within`, or the caller's own.
async fn within_scope(s: &AppState, me: &Me, within: Option<&str>) -> Result<Scope, Error> {
    match within.filter(|w| !w.is_empty()) {
        None => Ok(me.0.scope()),
        Some(code) => {
            let mut c = s.db.conn().await?;
            let n = nodes::by_code(&mut c.handle(), &me.0.scope(), code).await?;
            Ok(me.0.scope().narrow(&n.path))
        }
    }
}

/// Re-runs the check inside a parent after one of its children changed.
async fn check_parent(s: &AppState, me: &Me, parent_code: &str) -> Result<Value, Error> {
    let scope = within_scope(s, me, Some(parent_code)).await?;
    let mut c = s.db.conn().await?;
    let report = territory::check(&mut c.handle(), &scope, &s.config.guidance).await?;
    Ok(json!(report))
}

#[derive(Deserialize)]
struct WithinQuery {
    within: Option<String>,
}

async fn grids_geojson(
    State(s): State<AppState>,
    me: Me,
    Query(q): Query<WithinQuery>,
) -> AppResult<Json<Value>> {
    let scope = within_scope(&s, &me, q.within.as_deref()).await?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut doc = territory::export_grids(h, &scope).await?;
    // Register counts for the popups, for roles that read the register.
    if wangge_domain::basic::access::may_read(me.0.role()) {
        let counts = wangge_store::basic::web_support::people_per_grid(h, &scope).await?;
        let by_code: std::collections::HashMap<&str, (i64, i64)> = counts
            .iter()
            .filter_map(|(path, hh, n)| {
                let code = path.trim_end_matches('/').rsplit('/').next()?;
                Some((code, (*hh, *n)))
            })
            .collect();
        for f in doc["features"].as_array_mut().into_iter().flatten() {
            let code = f["properties"]["code"].as_str().unwrap_or("").to_string();
            let (hh, n) = by_code.get(code.as_str()).copied().unwrap_or((0, 0));
            if let Some(p) = f["properties"].as_object_mut() {
                p.insert("households".into(), json!(hh));
                p.insert("people".into(), json!(n));
            }
        }
    }
    Ok(Json(doc))
}

async fn import_grids(State(s): State<AppState>, me: Me, body: String) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let mut tx = s.db.begin().await?;
    let summary = territory::import_grids(
        &mut tx.handle(),
        &me.0.scope(),
        &me.0.username,
        &body,
        s.config.guidance.min_finding_m2,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    Ok(Json(json!(summary)))
}

#[derive(Deserialize)]
struct RedrawReq {
    geometry: Value,
    #[serde(default)]
    note: String,
}

/// The parent's code is the second last code of the node's own path: no read outside the
/// caller's scope is needed to name it.
pub(super) fn parent_code_of(node: &nodes::Node) -> Result<String, Error> {
    let mut codes = node.path.split('/').filter(|c| !c.is_empty()).rev();
    codes
        .nth(1)
        .map(str::to_string)
        .ok_or_else(|| err!("node.not_found", code = format!("{} (parent)", node.code)))
}

/// Saves a boundary; one that leaves gaps or pieces outside its parent is refused with the
/// check unless the editor confirms (`?confirm=1`) after seeing it.
async fn redraw(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    Query(confirm): Query<ConfirmQuery>,
    ApiJson(r): ApiJson<RedrawReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let boundary = geometry::parse_geojson_geometry(&r.geometry)?;
    let current = {
        let mut c = s.db.conn().await?;
        nodes::by_code(&mut c.handle(), &me.0.scope(), &code).await?
    };
    require_clean_or_confirmed(&s, &me, &current, &boundary, &confirm).await?;
    let mut tx = s.db.begin().await?;
    let node = nodes::redraw(
        &mut tx.handle(),
        &me.0.scope(),
        &me.0.username,
        &code,
        &boundary,
        &r.note,
        s.config.guidance.min_finding_m2,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    let check = check_parent(&s, &me, &parent_code_of(&node)?)
        .await
        .unwrap_or(Value::Null);
    Ok(Json(json!({"node": node_json(&node), "check": check})))
}

#[derive(Deserialize)]
struct SplitReq {
    line: Value,
    name: String,
}

async fn split(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<SplitReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let line = geometry::parse_linestring(&r.line)?;
    let mut tx = s.db.begin().await?;
    let (kept, created) = nodes::split(
        &mut tx.handle(),
        &me.0.scope(),
        &me.0.username,
        &code,
        &line,
        &r.name,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    let check = check_parent(&s, &me, &parent_code_of(&kept)?)
        .await
        .unwrap_or(Value::Null);
    Ok(Json(
        json!({"kept": node_json(&kept), "created": node_json(&created), "check": check}),
    ))
}

#[derive(Deserialize)]
struct MergeReq {
    other_code: String,
}

async fn merge(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<MergeReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let mut tx = s.db.begin().await?;
    let node = nodes::merge(
        &mut tx.handle(),
        &me.0.scope(),
        &me.0.username,
        &code,
        r.other_code.trim(),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    let check = check_parent(&s, &me, &parent_code_of(&node)?)
        .await
        .unwrap_or(Value::Null);
    Ok(Json(json!({"node": node_json(&node), "check": check})))
}

async fn versions(
    State(s): State<AppState>,
    Me(p): Me,
    Path(code): Path<String>,
) -> AppResult<Json<Value>> {
    let mut c = s.db.conn().await?;
    Ok(Json(json!(
        nodes::versions(&mut c.handle(), &p.scope(), &code).await?
    )))
}

async fn check(
    State(s): State<AppState>,
    me: Me,
    Query(q): Query<WithinQuery>,
) -> AppResult<Json<Value>> {
    let scope = within_scope(&s, &me, q.within.as_deref()).await?;
    let mut c = s.db.conn().await?;
    Ok(Json(json!(
        territory::check(&mut c.handle(), &scope, &s.config.guidance).await?
    )))
}
