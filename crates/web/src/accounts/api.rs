//! Accounts over JSON: who am I, API tokens, users and their roles.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::err;
use wangge_domain::{Error, Role};
use wangge_store::users::Keep;
use wangge_store::{auth, now_ms, users};

use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", post(create_token))
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
    /// Required for one's own change.
    current_password: Option<String>,
}

/// An administrator's reset, or one's own change (with the current password). Either revokes
/// the user's sessions and tokens; an own change keeps the credential it was made with.
async fn set_password(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(r): ApiJson<PasswordReq>,
) -> AppResult<Json<Value>> {
    let own = id == me.0.user_id;
    if !own {
        me.require_user_manager()?;
    }
    let session = crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE);
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    if own {
        let keep = match (crate::auth::bearer(&headers), session.as_deref()) {
            (Some(token), _) => Keep::Token(token),
            (None, Some(secret)) => Keep::Session(secret),
            (None, None) => Keep::Nothing,
        };
        let current = r.current_password.as_deref().unwrap_or_default();
        users::change_own_password(h, &me.0.scope(), id, current, &r.password, keep, now_ms())
            .await?;
    } else {
        users::set_password(h, &me.0.scope(), id, &r.password, Keep::Nothing, now_ms()).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({"ok": true})))
}
