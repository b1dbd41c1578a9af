//! The JSON API under `/api/v1`. Every handler goes through the store's scoped functions, so
//! the caller sees and changes only what lies under their node.

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wangge_domain::err;
use wangge_domain::geometry;
use wangge_domain::{Error, GridKind, NodeKind, Role, Scope};
use wangge_store::{auth, nodes, now_ms, territory, users};

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A JSON body whose problems answer with our error shape instead of plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(AppError(err!(
                "request.invalid_json",
                reason = r.body_text()
            ))),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/locate", get(locate))
        .route("/api/v1/nodes", post(create_node))
        .route("/api/v1/nodes/{code}", get(get_node).patch(update_node))
        .route("/api/v1/nodes/{code}/children", get(children))
        .route("/api/v1/grids.geojson", get(grids_geojson))
        .route("/api/v1/grids/import", post(import_grids))
        .route("/api/v1/grids/{code}/boundary", put(redraw))
        .route("/api/v1/grids/{code}/split", post(split))
        .route("/api/v1/grids/{code}/merge", post(merge))
        .route("/api/v1/grids/{code}/versions", get(versions))
        .route("/api/v1/check", get(check))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", get(get_user).patch(update_user))
        .route("/api/v1/users/{id}/password", post(set_password))
}

async fn me(Me(p): Me) -> Json<Value> {
    Json(json!(p))
}

#[derive(Deserialize)]
struct TokenReq {
    name: String,
}

async fn create_token(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<TokenReq>,
) -> AppResult<Json<Value>> {
    let name = r.name.trim();
    if name.is_empty() || name.len() > 80 {
        return Err(err!("token.name_invalid").into());
    }
    let mut c = s.db.conn().await?;
    let token = auth::create_token(&mut c.handle(), p.user_id, name, now_ms()).await?;
    Ok(Json(json!({"token": token, "name": name})))
}

#[derive(Deserialize)]
pub struct LocateQuery {
    lat: Option<String>,
    lon: Option<String>,
}

/// Parses a coordinate pair, refusing what is not WGS-84 degrees.
pub fn parse_lat_lon(lat: Option<&str>, lon: Option<&str>) -> Result<(f64, f64), Error> {
    let num = |v: Option<&str>, name: &str| -> Result<f64, Error> {
        v.and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                err!("locate.invalid").with_details(serde_json::json!({ "field": name }))
            })
    };
    let (lat, lon) = (num(lat, "lat")?, num(lon, "lon")?);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(err!("locate.invalid"));
    }
    Ok((lat, lon))
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

fn node_json(n: &nodes::Node) -> Value {
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
            Ok(Scope::of_path(&n.path))
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
    if me
        .0
        .role()
        .is_some_and(wangge_domain::basic::access::may_read)
    {
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

async fn parent_code_of(s: &AppState, node: &nodes::Node) -> Result<String, Error> {
    let mut c = s.db.conn().await?;
    let p = nodes::by_id(
        &mut c.handle(),
        &Scope::everything(),
        node.parent_id.unwrap_or(-1),
    )
    .await?;
    Ok(p.code)
}

async fn redraw(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<RedrawReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let boundary = geometry::parse_geojson_geometry(&r.geometry)?;
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
    let check = check_parent(&s, &me, &parent_code_of(&s, &node).await?)
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
    let check = check_parent(&s, &me, &parent_code_of(&s, &kept).await?)
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
    let check = check_parent(&s, &me, &parent_code_of(&s, &node).await?)
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

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_users(
    State(s): State<AppState>,
    me: Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    me.require_user_manager()?;
    let mut c = s.db.conn().await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let list = users::list(
        &mut c.handle(),
        &me.0.scope(),
        q.q.as_deref().unwrap_or(""),
        limit,
        q.offset.unwrap_or(0).max(0),
    )
    .await?;
    Ok(Json(json!(list)))
}

async fn get_user(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    me.require_user_manager()?;
    let mut c = s.db.conn().await?;
    Ok(Json(json!(
        users::get(&mut c.handle(), &me.0.scope(), id).await?
    )))
}

#[derive(Deserialize)]
pub struct NewUserReq {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub node_code: String,
    pub phone: Option<String>,
}

pub fn parse_role(s: &str) -> Result<Role, Error> {
    Role::parse(s).ok_or_else(|| err!("user.role_invalid", role = s))
}

async fn create_user(
    State(s): State<AppState>,
    me: Me,
    ApiJson(r): ApiJson<NewUserReq>,
) -> AppResult<Json<Value>> {
    me.require_user_manager()?;
    let new = users::NewUser {
        username: r.username.trim().to_string(),
        display_name: r.display_name,
        password: r.password,
        role: parse_role(&r.role)?,
        node_code: r.node_code.trim().to_string(),
        phone: r.phone,
    };
    let mut tx = s.db.begin().await?;
    let u = users::create(&mut tx.handle(), &me.0.scope(), &new, now_ms()).await?;
    tx.commit().await?;
    Ok(Json(json!(u)))
}

#[derive(Deserialize)]
pub struct UpdateUserReq {
    pub role: String,
    pub node_code: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub active: bool,
}

async fn update_user(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<UpdateUserReq>,
) -> AppResult<Json<Value>> {
    me.require_user_manager()?;
    if id == me.0.user_id && !r.active {
        return Err(err!("user.self_deactivate").into());
    }
    let mut tx = s.db.begin().await?;
    let u = users::update(
        &mut tx.handle(),
        &me.0.scope(),
        id,
        parse_role(&r.role)?,
        r.node_code.trim(),
        &r.display_name,
        r.phone.as_deref(),
        r.active,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!(u)))
}

#[derive(Deserialize)]
struct PasswordReq {
    password: String,
}

async fn set_password(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PasswordReq>,
) -> AppResult<Json<Value>> {
    if id != me.0.user_id {
        me.require_user_manager()?;
    }
    let mut tx = s.db.begin().await?;
    users::set_password(&mut tx.handle(), &me.0.scope(), id, &r.password).await?;
    tx.commit().await?;
    Ok(Json(json!({"ok": true})))
}
