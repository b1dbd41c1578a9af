//! Keeping the category tree over the API: `PUT /api/v1/categories/{code}` adds a category or
//! changes one (administrators at the root of the tree only). `GET /api/v1/categories` lists it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use wangge_domain::Error;
use wangge_domain::category::Draft;
use wangge_domain::err;
use wangge_store::categories;
use wangge_store::events::Category;

use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/categories/{code}", put(save))
}

/// Checks who asks, stores the draft in one transaction and reads the tree again, so this server
/// takes reports of a new kind at once (others within their next refresh).
pub async fn save_category(
    s: &AppState,
    me: &Me,
    draft: &Draft,
) -> Result<(Category, bool), Error> {
    if !me.0.administers_deployment() {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let saved = categories::save(&mut tx.handle(), draft, s.now()).await?;
    tx.commit().await?;
    let mut c = s.db.conn().await?;
    s.refresh_categories(&mut c.handle()).await?;
    Ok(saved)
}

async fn save(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    ApiJson(mut draft): ApiJson<Draft>,
) -> AppResult<Response> {
    if !draft.code.trim().is_empty() && draft.code.trim() != code {
        return Err(err!("category.code_invalid").into());
    }
    draft.code = code;
    let (category, created) = save_category(&s, &me, &draft).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(category)).into_response())
}
