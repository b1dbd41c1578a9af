//! The basic information API under `/api/v1`: people (with tags and the audited reveal), houses,
//! organisations, objects, the per-area counts and the audit log. The same rules as the pages:
//! records outside the caller's scope are 404s, roles that may not read, write, see tags or
//! reveal get 403s, bad fields a 400 whose `details.fields` lists `{field, code, message}`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::Error;
use wangge_domain::err;
use wangge_store::audit;
use wangge_store::basic::{self, history, people};

use crate::api_events::rfc3339;
use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::pages::basic::people::{ListQuery, SaveError};
use crate::pages::basic::{
    Fields, access_of, audit as audit_page, houses, objects, orgs, parse_id, people as people_page,
    under_path,
};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people", get(list_people).post(create_person))
        .route(
            "/api/v1/people/{id}",
            get(get_person).put(update_person).delete(remove_person),
        )
        .route("/api/v1/people/{id}/reveal", post(reveal_person))
        .route("/api/v1/people/{id}/tags", get(person_tags).post(add_tag))
        .route("/api/v1/people/{id}/tags/{tag}/end", post(end_tag))
        .route("/api/v1/counts", get(counts))
        .route("/api/v1/audit", get(audit_search))
        .route("/api/v1/audit/verify", post(audit_verify))
        .merge(houses::api_routes())
        .merge(orgs::api_routes())
        .merge(objects::api_routes())
}

/// A JSON object's values as form fields: strings as they are, numbers and booleans as text,
/// null as blank.
pub fn fields_of(body: &Map<String, Value>) -> Result<Fields, Error> {
    let mut m = Fields::new();
    for (k, v) in body {
        let s = match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(err!(
                    "request.invalid",
                    reason = format!("{k} must be text, a number or true/false")
                ));
            }
        };
        m.insert(k.clone(), s);
    }
    Ok(m)
}

pub fn limit_of(s: Option<&str>) -> Result<i64, Error> {
    match s.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(50),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| err!("request.bad_number", field = "limit")),
    }
}

/// `{items, next_after}`: `next_after` is the id to pass as `after` for the next page.
pub fn page_json(items: Vec<Value>, last_id: Option<i64>, full: bool) -> Value {
    json!({
        "items": items,
        "next_after": if full { last_id.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
    })
}

/// A page of serialisable rows; a full page names the id to continue after.
pub fn rows_page_json<T: serde::Serialize>(
    rows: &[T],
    limit: i64,
    id: impl Fn(&T) -> i64,
) -> Value {
    page_json(
        rows.iter().map(|r| json!(r)).collect(),
        rows.last().map(id),
        rows.len() as i64 == limit,
    )
}

pub fn history_json(rows: &[history::HistoryRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| json!({"action": r.action, "actor": r.actor_name, "at": rfc3339(r.at)}))
        .collect()
}

pub fn saved(status: StatusCode, id: i64) -> Response {
    (status, Json(json!({ "id": id }))).into_response()
}

async fn list_people(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let limit = limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (filter, after) = people_page::parse_list(h, &scope, &a, &q).await?;
    let rows = people::list(h, &s.keys, &scope, &filter, after, limit).await?;
    Ok(Json(rows_page_json(&rows, limit, |r| r.id)))
}

async fn get_person(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let id = parse_id(&id)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let row = people::get(h, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::People, id).await?;
    let mut v = json!(row);
    if let Some(o) = v.as_object_mut() {
        o.insert("history".into(), json!(history_json(&hist)));
        if a.tags {
            o.insert(
                "tags".into(),
                json!(people::tags(h, &s.keys, &scope, id).await?),
            );
        }
    }
    Ok(Json(v))
}

async fn create_person(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let fields = fields_of(&body)?;
    let id = people_page::save_person(&s, &p, None, &fields)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::CREATED, id))
}

async fn update_person(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let fields = fields_of(&body)?;
    people_page::save_person(&s, &p, Some(id), &fields)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::OK, id))
}

async fn remove_person(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = parse_id(&id)?;
    people_page::remove_person(&s, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RevealReq {
    pub secret: String,
    #[serde(default)]
    pub reason: String,
}

/// The value, with `Cache-Control: no-store`.
pub fn revealed_json(secret: basic::Secret, value: String) -> Response {
    crate::pages::basic::no_store(
        Json(json!({"secret": secret.as_str(), "value": value})).into_response(),
    )
}

async fn reveal_person(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RevealReq>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (secret, value) = people_page::reveal_person(&s, &p, id, &r.secret, &r.reason).await?;
    Ok(revealed_json(secret, value))
}

fn require_tags(p: &wangge_store::auth::Principal) -> Result<(), Error> {
    if access_of(p)?.tags {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

async fn person_tags(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    require_tags(&p)?;
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

async fn add_tag(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<TagReq>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let tag = people_page::parse_tag(
        &r.group,
        &r.since,
        &r.until,
        crate::pages::basic::today(s.now())?,
    )?;
    let tag_id = people_page::add_tag_for(&s, &p, id, &tag).await?;
    Ok(saved(StatusCode::CREATED, tag_id))
}

#[derive(Deserialize, Default)]
struct EndReq {
    #[serde(default)]
    until: String,
}

async fn end_tag(
    State(s): State<AppState>,
    Me(p): Me,
    Path((id, tag)): Path<(String, String)>,
    ApiJson(r): ApiJson<EndReq>,
) -> AppResult<StatusCode> {
    let id = parse_id(&id)?;
    let tag = parse_id(&tag)?;
    people_page::end_tag_for(&s, &p, id, tag, &r.until).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct CountsQuery {
    under: Option<String>,
}

/// Counts under a node (default: the caller's); tags only for roles that may see them.
async fn counts(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<CountsQuery>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let path = under_path(h, &scope, q.under.as_deref().unwrap_or(""))
        .await?
        .unwrap_or_else(|| scope.path().to_string());
    let n = s.basic_counts(h, &scope, &path).await?;
    let by_residence: Map<String, Value> = n
        .by_residence
        .iter()
        .map(|(r, k)| (r.as_str().to_string(), json!(k)))
        .collect();
    let mut v = json!({
        "path": path,
        "households": n.households,
        "people": n.people,
        "houses": n.houses,
        "orgs": n.orgs,
        "objects": n.objects,
        "by_residence": by_residence,
    });
    if a.tags
        && let Some(o) = v.as_object_mut()
    {
        let by_tag: Map<String, Value> = n
            .by_tag
            .iter()
            .map(|(g, k)| (g.as_str().to_string(), json!(k)))
            .collect();
        o.insert("by_tag".into(), Value::Object(by_tag));
    }
    Ok(Json(v))
}

async fn audit_search(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<audit_page::AuditQuery>,
) -> AppResult<Json<Value>> {
    audit_page::require_auditor(&p)?;
    let limit = limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let filter = audit_page::parse_query(h, &p, &q).await?;
    let before = crate::pages::basic::parse_after(q.before.as_deref())?;
    let rows = audit::search(h, &filter, before, limit).await?;
    let full = rows.len() as i64 == limit;
    let last = rows.last().map(|r| r.id);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "at": rfc3339(r.at), "actor_user_id": r.actor_user_id,
                "actor_name": r.actor_name, "action": r.action, "subject_table": r.subject_table,
                "subject_id": r.subject_id, "column_name": r.column_name, "reason": r.reason,
                "detail": r.detail,
            })
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "next_before": if full { last.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
    })))
}

async fn audit_verify(State(s): State<AppState>, Me(p): Me) -> AppResult<Json<Value>> {
    audit_page::require_auditor(&p)?;
    let mut c = s.db.conn().await?;
    let (checked, breaks) = audit::verify(&mut c.handle()).await?;
    Ok(Json(json!({
        "checked": checked,
        "ok": breaks.is_empty(),
        "breaks": breaks,
    })))
}
