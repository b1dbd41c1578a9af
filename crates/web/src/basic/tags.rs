//! A person's key-group tags (重点人群: since, until): added and ended on the person's page and
//! through the API, seen only by roles that may see tags.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::Error;
use wangge_domain::basic::validate;
use wangge_domain::basic::{KeyGroup, PersonTag};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::basic::people::{self, TagRow};

use super::access::{access_of, actor, today};
use super::api::saved;
use super::form::{f, fields_error, opt_text, parse_id, read_form, shown_on_page, status_of};
use super::kit::Extra;
use super::people::{TAG, detail_view};
use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/tags", post(add_page))
        .route("/people/{id}/tags/{tag}/end", post(end_page))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people/{id}/tags", get(api_list).post(api_add))
        .route("/api/v1/people/{id}/tags/{tag}/end", post(api_end))
}

/// A tag as the person's page shows it.
pub struct TagView {
    pub id: i64,
    pub label: String,
    pub since: String,
    pub until: String,
    pub open: bool,
}

impl TagView {
    pub fn of(t: &Tr, g: &TagRow) -> TagView {
        TagView {
            id: g.id,
            label: TAG.label(t, &g.group),
            since: g.since.clone(),
            until: opt_text(&g.until),
            open: g.until.is_none(),
        }
    }
}

/// Parses a tag form or API body; no `since` means today.
pub fn parse_tag(group: &str, since: &str, until: &str, today: Date) -> Result<PersonTag, Error> {
    let g = KeyGroup::parse(group).ok_or_else(|| err!("basic.tag_invalid", group))?;
    let since = match since.trim() {
        "" => today,
        v => validate::parse_date("since", v).map_err(|e| fields_error(&[e]))?,
    };
    let until = match until.trim() {
        "" => None,
        v => Some(validate::parse_date("until", v).map_err(|e| fields_error(&[e]))?),
    };
    Ok(PersonTag {
        group: g,
        since,
        until,
    })
}

pub async fn add_tag(s: &AppState, p: &Principal, id: i64, tag: &PersonTag) -> Result<i64, Error> {
    access_of(p)?.require_write()?;
    let mut tx = s.db.begin().await?;
    let tag_id = people::add_tag(
        &mut tx.handle(),
        &s.keys,
        &p.scope(),
        &actor(p),
        id,
        tag,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(tag_id)
}

/// Ends one of the person's tags (a tag of someone else is "not found").
pub async fn end_tag(
    s: &AppState,
    p: &Principal,
    person_id: i64,
    tag_id: i64,
    until: &str,
) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let until = match until.trim() {
        "" => today(s.now())?,
        v => validate::parse_date("until", v).map_err(|e| fields_error(&[e]))?,
    };
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    if !people::tags(h, &s.keys, &p.scope(), person_id)
        .await?
        .iter()
        .any(|t| t.id == tag_id)
    {
        return Err(err!("basic.not_found", id = tag_id));
    }
    people::end_tag(h, &p.scope(), &actor(p), tag_id, until, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The person's page again with a tag form's error; a refusal or an unknown record is an
/// error page instead.
async fn with_tag_error(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    e: Error,
    status: Option<StatusCode>,
) -> AppResult<Response> {
    let e = shown_on_page(e)?;
    let mut r = detail_view(s, lang, p, id, Extra::default(), Tr::new(lang).error(&e)).await?;
    if let Some(status) = status {
        *r.status_mut() = status;
    }
    Ok(r)
}

async fn add_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let form = read_form(req).await?;
    let result = async {
        let tag = parse_tag(
            f(&form, "group"),
            f(&form, "since"),
            f(&form, "until"),
            today(s.now())?,
        )?;
        add_tag(&s, &p, id, &tag).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=tag#tags")).into_response()),
        Err(e) => {
            let status = status_of(&e);
            with_tag_error(&s, lang, &p, id, e, Some(status)).await
        }
    }
}

async fn end_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((id, tag)): Path<(String, String)>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let tag = parse_id(&tag)?;
    let form = read_form(req).await?;
    match end_tag(&s, &p, id, tag, f(&form, "until")).await {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}?done=tag_end#tags")).into_response()),
        // The page answers 200 here, as it always has.
        Err(e) => with_tag_error(&s, lang, &p, id, e, None).await,
    }
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    access_of(&p)?.require_tags()?;
    let id = parse_id(&id)?;
    let mut c = s.db.conn().await?;
    let tags = people::tags(&mut c.handle(), &s.keys, &p.scope(), id).await?;
    Ok(Json(json!({ "items": tags })))
}

#[derive(Deserialize)]
struct TagReq {
    group: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

async fn api_add(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<TagReq>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let tag = parse_tag(&r.group, &r.since, &r.until, today(s.now())?)?;
    let tag_id = add_tag(&s, &p, id, &tag).await?;
    Ok(saved(StatusCode::CREATED, tag_id))
}

#[derive(Deserialize, Default)]
struct EndReq {
    #[serde(default)]
    until: String,
}

async fn api_end(
    State(s): State<AppState>,
    Me(p): Me,
    Path((id, tag)): Path<(String, String)>,
    ApiJson(r): ApiJson<EndReq>,
) -> AppResult<StatusCode> {
    let id = parse_id(&id)?;
    let tag = parse_id(&tag)?;
    end_tag(&s, &p, id, tag, &r.until).await?;
    Ok(StatusCode::NO_CONTENT)
}
