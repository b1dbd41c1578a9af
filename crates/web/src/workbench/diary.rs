//! The diary (民情日志): a worker's entries and the village grid leader's comments (批阅).
//! `/api/v1/diary` takes what the phone's outbox sends (JSON, photos in base64, a client-made
//! key: sent once); `/work/diary` shows the form, which works offline through the outbox and as
//! a plain multipart POST when scripts are off. Both doors go through `write` here.

#[path = "diary_pages.rs"]
mod pages;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::workbench::diary::{self as rules, Draft};
use wangge_domain::{Error, NodeKind, Permission, err, photo};
use wangge_store::auth::Principal;
use wangge_store::workbench::diary::{self, Comment, Entry, Sent, Viewer, Which, Writer};
use wangge_store::workbench::photos::NewPhoto;
use wangge_store::workbench::rules::in_force;

use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::api::limit_of;
use crate::basic::form::{no_store, parse_after};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::state::AppState;
use crate::ui::rfc3339;

/// A body with the most photos at their largest, in base64 (4/3 of the bytes), with room.
pub(crate) const BODY_LIMIT: usize =
    rules::MAX_PHOTOS * photo::DEFAULT_MAX_BYTES * 4 / 3 + 256 * 1024;

pub fn pages() -> Router<AppState> {
    pages::routes()
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/diary",
            get(api_list)
                .post(api_create)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/api/v1/diary/{id}", get(api_get))
        .route(
            "/api/v1/diary/{id}/comments",
            get(api_comments).post(api_comment),
        )
        .route("/api/v1/diary/{id}/photos/{photo}", get(api_photo))
}

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        user_id: p.user_id,
        path: p.node_path.clone(),
        reviews: p.may(Permission::ReviewWork),
    }
}

/// Whether the caller writes entries: a worker attached to a grid.
pub(crate) fn writes(p: &Principal) -> bool {
    p.may(Permission::RecordWork) && p.node_kind == NodeKind::Grid
}

/// What either door sends: the entry's fields as typed, the outbox's key, time and position,
/// and the photos' raw bytes.
pub(crate) struct Input {
    pub client_key: String,
    pub at: Option<String>,
    pub day: String,
    pub body: String,
    pub tags: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub photos: Vec<Vec<u8>>,
}

/// Checks everything before a row is written, then writes the entry, its photos and flags in
/// one transaction. The entry and whether it is new.
pub(crate) async fn write(s: &AppState, p: &Principal, i: Input) -> Result<(Entry, bool), Error> {
    if !writes(p) {
        return Err(err!("work.not_in_grid"));
    }
    let now = s.now();
    let key = rules::check_client_key(&i.client_key)?;
    let at = match i.at.as_deref().map(str::trim) {
        None | Some("") => now,
        Some(t) => parse_rfc3339(t).map_err(|e| err!("work.at_invalid", reason = e))?,
    };
    let position = rules::check_position(i.lon, i.lat)?;
    let draft: Draft = rules::check(&i.day, &i.body, &i.tags, today(now)?)?;
    if i.photos.len() > rules::MAX_PHOTOS {
        return Err(err!("work.diary_too_many_photos", max = rules::MAX_PHOTOS));
    }
    let mut cleaned = Vec::with_capacity(i.photos.len());
    for (n, bytes) in i.photos.iter().enumerate() {
        let (kind, data) = photo::clean(bytes, photo::DEFAULT_MAX_BYTES).map_err(|pe| {
            err!(
                "work.diary_photo_invalid",
                index = n + 1,
                reason = Error::from(pe).message
            )
        })?;
        cleaned.push((kind.content_type(), data));
    }
    let photos: Vec<NewPhoto<'_>> = cleaned
        .iter()
        .map(|(ty, data)| NewPhoto {
            content_type: ty,
            data,
        })
        .collect();
    let w = Writer {
        user_id: p.user_id,
        name: &p.display_name,
        grid_id: p.node_id,
        grid_path: &p.node_path,
    };
    let sent = Sent {
        client_key: &key,
        at,
        position,
    };
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let duties = in_force(h, &p.node_path, draft.day).await?;
    let written = diary::write(h, &w, &draft, &sent, &photos, &duties, now).await?;
    tx.commit().await?;
    let mut c = s.db.conn().await?;
    let e = diary::get(&mut c.handle(), &viewer(p), written.id).await?;
    Ok((e, written.created))
}

/// An entry with its photos and comments, as the detail page and the API show it.
pub(crate) struct Full {
    pub entry: Entry,
    pub photos: Vec<i64>,
    pub comments: Vec<Comment>,
}

pub(crate) async fn full(s: &AppState, p: &Principal, id: i64) -> Result<Full, Error> {
    let v = viewer(p);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let entry = diary::get(h, &v, id).await?;
    let photos = diary::photo_ids(h, &v, id).await?;
    let comments = diary::comments(h, &v, id).await?;
    Ok(Full {
        entry,
        photos,
        comments,
    })
}

pub(crate) async fn list(
    s: &AppState,
    p: &Principal,
    which: Which,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, Error> {
    let mut c = s.db.conn().await?;
    diary::list(&mut c.handle(), &viewer(p), which, before, limit).await
}

pub(crate) async fn comment(
    s: &AppState,
    p: &Principal,
    id: i64,
    body: &str,
) -> Result<i64, Error> {
    let v = viewer(p);
    if !v.reviews {
        return Err(err!("auth.forbidden"));
    }
    let body = rules::check_comment(body)?;
    let mut tx = s.db.begin().await?;
    let cid = diary::comment(&mut tx.handle(), &v, &p.display_name, id, &body, s.now()).await?;
    tx.commit().await?;
    Ok(cid)
}

/// An entry's id from a path: anything else is as absent as an entry out of sight.
pub(crate) fn parse_entry_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            let id: String = s.chars().take(20).collect();
            err!("work.diary_not_found", id)
        })
}

fn entry_json(e: &Entry) -> Value {
    json!({
        "id": e.id,
        "worker_id": e.worker_id,
        "worker_name": e.worker_name,
        "grid_code": e.grid_code,
        "grid_name": e.grid_name,
        "day": e.day,
        "body": e.body,
        "tags": e.tag_list(),
        "lon": e.lon,
        "lat": e.lat,
        "at": rfc3339(e.at),
        "received_at": rfc3339(e.received_at),
        "client_key": e.client_key,
        "comment_count": e.comment_count,
        "photo_count": e.photo_count,
        "open_flags": e.open_flags,
    })
}

fn comment_json(c: &Comment) -> Value {
    json!({
        "id": c.id,
        "author_name": c.author_name,
        "body": c.body,
        "created_at": rfc3339(c.created_at),
    })
}

fn full_json(f: &Full) -> Value {
    let mut v = entry_json(&f.entry);
    v["photos"] = f
        .photos
        .iter()
        .map(
            |pid| json!({ "id": pid, "url": format!("/api/v1/diary/{}/photos/{pid}", f.entry.id) }),
        )
        .collect();
    v["comments"] = f.comments.iter().map(comment_json).collect();
    v
}

/// A number sent as a number or as text (a form's field); `None` when absent or blank.
fn number(v: &Option<Value>, field: &str) -> Result<Option<f64>, Error> {
    let bad = || err!("request.bad_number", field);
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// Tags as one line or as a list of texts.
fn tags_text(v: &Option<Value>) -> Result<String, Error> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(a)) if a.len() <= 100 => a
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(","))
            .ok_or_else(|| err!("request.invalid", reason = "tags are texts")),
        Some(_) => Err(err!(
            "request.invalid",
            reason = "tags are a text or a list of texts"
        )),
    }
}

#[derive(Deserialize)]
struct PhotoIn {
    #[serde(default)]
    #[allow(dead_code)]
    content_type: Option<String>,
    data: String,
}

#[derive(Deserialize)]
struct CreateReq {
    client_key: String,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    day: Option<String>,
    body: String,
    #[serde(default)]
    tags: Option<Value>,
    #[serde(default)]
    photos: Option<Vec<PhotoIn>>,
    #[serde(default)]
    lon: Option<Value>,
    #[serde(default)]
    lat: Option<Value>,
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let photos_in = r.photos.unwrap_or_default();
    if photos_in.len() > rules::MAX_PHOTOS {
        return Err(AppError(err!(
            "work.diary_too_many_photos",
            max = rules::MAX_PHOTOS
        )));
    }
    let mut photos = Vec::with_capacity(photos_in.len());
    for (n, ph) in photos_in.iter().enumerate() {
        // One decoder for every record's photos (a data: URL prefix tolerated); the diary names
        // the photo and the reason in its own error.
        let bytes =
            wangge_store::workbench::photos::decode_base64(&ph.data, n + 1).map_err(|_| {
                err!(
                    "work.diary_photo_invalid",
                    index = n + 1,
                    reason = "not base64"
                )
            })?;
        photos.push(bytes);
    }
    let i = Input {
        client_key: r.client_key,
        at: r.at,
        day: r.day.unwrap_or_default(),
        body: r.body,
        tags: tags_text(&r.tags)?,
        lon: number(&r.lon, "lon")?,
        lat: number(&r.lat, "lat")?,
        photos,
    };
    let (e, created) = write(&s, &p, i).await?;
    let f = full(&s, &p, e.id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(no_store((status, Json(full_json(&f))).into_response()))
}

#[derive(Deserialize)]
struct ListQuery {
    which: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

/// `mine` for a worker by default, `scope` for a reviewer; `uncommented` narrows the scope.
pub(crate) fn which_of(p: &Principal, v: Option<&str>) -> Result<Which, Error> {
    match v.map(str::trim) {
        None | Some("") if viewer(p).reviews => Ok(Which::Scope),
        None | Some("") | Some("mine") => Ok(Which::Mine),
        Some("scope") => Ok(Which::Scope),
        Some("uncommented") => Ok(Which::Uncommented),
        Some(v) => Err(err!(
            "request.invalid",
            reason = format!(
                "which is mine, scope or uncommented, not {}",
                v.chars().take(40).collect::<String>()
            )
        )),
    }
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let which = which_of(&p, q.which.as_deref())?;
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let items = list(&s, &p, which, before, limit).await?;
    let next = match items.last() {
        Some(e) if items.len() as i64 == limit => Value::from(e.id),
        _ => Value::Null,
    };
    let items: Vec<Value> = items.iter().map(entry_json).collect();
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let f = full(&s, &p, parse_entry_id(&id)?).await?;
    Ok(no_store(Json(full_json(&f)).into_response()))
}

async fn api_comments(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let f = full(&s, &p, parse_entry_id(&id)?).await?;
    let items: Vec<Value> = f.comments.iter().map(comment_json).collect();
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentReq {
    body: String,
}

async fn api_comment(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CommentReq>,
) -> AppResult<Response> {
    let id = parse_entry_id(&id)?;
    comment(&s, &p, id, &r.body).await?;
    let f = full(&s, &p, id).await?;
    Ok(no_store(
        (StatusCode::CREATED, Json(full_json(&f))).into_response(),
    ))
}

async fn api_photo(
    State(s): State<AppState>,
    Me(p): Me,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = parse_entry_id(&id)?;
    let photo_id = photo
        .trim()
        .parse::<i64>()
        .map_err(|_| err!("photo.not_found"))?;
    let mut c = s.db.conn().await?;
    let ph = diary::photo(&mut c.handle(), &viewer(&p), id, photo_id).await?;
    Ok(no_store(
        ([(header::CONTENT_TYPE, ph.content_type)], ph.data).into_response(),
    ))
}
