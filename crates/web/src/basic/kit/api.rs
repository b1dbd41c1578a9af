//! The JSON API of a register under `/api/v1`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::{
    ListQuery, Register, Row, list_of, parse_list, remove, reveal_secret, save, secrets_of,
};
use crate::auth::Me;
use crate::basic::access::{access_of, today};
use crate::basic::api::{
    RevealReq, fields_of, history_json, limit_of, revealed_json, rows_page_json, saved,
};
use crate::basic::form::{SaveError, parse_id};
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;
use wangge_store::basic::history;

/// `/api/v1/BASE`: list and create; `/api/v1/BASE/{id}`: get, update, remove; its reveal.
pub fn api_routes<R: Register>() -> Router<AppState> {
    let base = format!("/api/v1/{}", R::BASE);
    let r = Router::new()
        .route(&base, get(api_list::<R>).post(api_create::<R>))
        .route(
            &format!("{base}/{{id}}"),
            get(api_get::<R>)
                .put(api_update::<R>)
                .delete(api_remove::<R>),
        );
    if secrets_of::<R>().is_empty() {
        r
    } else {
        r.route(&format!("{base}/{{id}}/reveal"), post(api_reveal::<R>))
    }
}

async fn api_list<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let limit = limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (filter, after) = parse_list::<R>(h, &scope, &a, &q, today(s.now())?).await?;
    let rows = list_of::<R>(&s, h, &p, &scope, &filter, after, limit).await?;
    Ok(Json(rows_page_json(&rows, limit, Row::id)))
}

async fn api_get<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let id = parse_id(&id)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = R::get(h, &scope, id).await?;
    let occupants = R::occupants(h, &s.keys, &scope, id).await?;
    let hist = history::of(h, &scope, R::TABLE, id).await?;
    let mut v = json!(r);
    if let Some(o) = v.as_object_mut() {
        if let Some(occupants) = occupants {
            o.insert("occupants".into(), json!(occupants));
        }
        o.insert("history".into(), json!(history_json(&hist)));
        R::extra_json(h, &s.keys, &scope, &a, id, o).await?;
    }
    Ok(Json(v))
}

async fn api_create<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let fields = fields_of(&body)?;
    let id = save::<R>(&s, &p, None, &fields)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::CREATED, id))
}

async fn api_update<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let fields = fields_of(&body)?;
    save::<R>(&s, &p, Some(id), &fields)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::OK, id))
}

async fn api_remove<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = parse_id(&id)?;
    remove::<R>(&s, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_reveal<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RevealReq>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (secret, value) = reveal_secret::<R>(&s, &p, &r.secret, id, &r.reason).await?;
    Ok(revealed_json(secret, &value))
}
