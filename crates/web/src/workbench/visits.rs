//! Visits (走访): a grid worker records a visit (five steps, photos, position, time) from the
//! form at `/work/visits/new` — a plain multipart POST, or the offline outbox's JSON to
//! `POST /api/v1/visits` — reads it back with its photos and flags, and may report an event
//! from it through the one report path. Reviewers of work read the visits of their scope.
//! Both doors go through the actions here; the store checks who sees what.

mod pages;

pub use pages::flag_view as flag_view_of;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::event::Urgency;
use wangge_domain::workbench::visits::{self as rules, MAX_PHOTOS, RawVisit};
use wangge_domain::{Error, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::events::Source;
use wangge_store::workbench::flags::{self, Flag, RecordKind};
use wangge_store::workbench::photos::{self, PhotoInfo};
use wangge_store::workbench::visits::{self, NewVisit, Saved, Visit};

use crate::auth::Me;
use crate::basic::api::limit_of;
use crate::basic::form::{no_store, parse_after};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::intake::{GridHint, ReportRequest};
use crate::state::AppState;

/// The largest visit body: six photos of the event limit, as base64 in JSON, and the texts.
pub const BODY_BYTES: usize = MAX_PHOTOS * rules::MAX_PHOTO_BYTES * 4 / 3 + 256 * 1024;

pub fn pages() -> Router<AppState> {
    pages::routes()
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/visits",
            get(api_list)
                .post(api_create)
                .layer(DefaultBodyLimit::max(BODY_BYTES)),
        )
        .route("/api/v1/visits/{id}", get(api_get))
}

/// Whether the caller records visits (a grid worker).
pub fn records(p: &Principal) -> bool {
    p.may(Permission::RecordWork)
}

/// Whether the caller reads visits at all (their own, or their scope's).
pub fn reads(p: &Principal) -> bool {
    records(p) || p.may(Permission::ReviewWork)
}

/// Checks and records a visit; the record and whether it was new.
pub async fn create(s: &AppState, p: &Principal, raw: &RawVisit<'_>) -> Result<Saved, Error> {
    if !records(p) {
        return Err(err!("auth.forbidden"));
    }
    let now = s.now();
    // A plain form sends no key: one made here sends it once all the same.
    let input = rules::check(raw, now, || {
        format!(
            "srv-{}",
            wangge_store::auth::random_secret().unwrap_or_default()
        )
    })?;
    let located_grid = input
        .point()
        .and_then(|(lon, lat)| s.locate_index().locate(lon, lat).map(|g| g.code.clone()));
    let mut tx = s.db.begin().await?;
    let saved = visits::record(
        &mut tx.handle(),
        &s.keys,
        p,
        &NewVisit {
            input: &input,
            located_grid,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// A visit with its photos and flags, as `p` may see it.
pub struct Full {
    pub visit: Visit,
    pub photos: Vec<PhotoInfo>,
    pub flags: Vec<Flag>,
}

pub async fn one(s: &AppState, p: &Principal, id: i64) -> Result<Full, Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let visit = visits::get(h, p, id).await?;
    let photos = photos::of_record(h, RecordKind::Visit, id).await?;
    let flags = flags::of_record(h, RecordKind::Visit, id).await?;
    Ok(Full {
        visit,
        photos,
        flags,
    })
}

pub async fn list(
    s: &AppState,
    p: &Principal,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Visit>, Error> {
    if !reads(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    visits::list(&mut c.handle(), p, before, limit).await
}

/// Reports an event from a visit through the one report path (the visit's position, the
/// worker as reporter), and keeps its id on the visit. Only the visit's own worker does.
pub async fn report_event(
    s: &AppState,
    p: &Principal,
    id: i64,
    category: &str,
    description: &str,
) -> Result<String, Error> {
    let full = one(s, p, id).await?;
    if full.visit.worker_id != p.user_id {
        return Err(err!("auth.forbidden"));
    }
    if full.visit.event_id.is_some() {
        let number = full.visit.event_number.clone().unwrap_or_default();
        return Err(err!("work.visit_event_exists", number));
    }
    let caller = crate::auth::caller(p).map_err(|e| e.0)?;
    let request = ReportRequest {
        source: Source::Worker,
        category: category.trim().to_string(),
        description: description.to_string(),
        lat: full.visit.lat,
        lon: full.visit.lon,
        // The worker's own grid when the visit has no position (or one outside every grid).
        grid: GridHint::Fallback(full.visit.grid_code.clone()),
        address: full.visit.target_label.clone(),
        urgency: Urgency::Normal,
        reporter_name: None,
        reporter_phone: None,
        photos: Vec::new(),
        // A second tap sends the same report once.
        submission_key: Some(format!("visit-{id}")),
        handled_on_spot: None,
    };
    let rep = crate::intake::submit(s, &caller, request).await?;
    let mut tx = s.db.begin().await?;
    visits::set_event(&mut tx.handle(), id, rep.event.id).await?;
    tx.commit().await?;
    Ok(rep.number)
}

/// A visit's id from a path: anything else is as absent as a visit out of sight.
pub fn parse_id(s: &str, code: &'static str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            let id: String = s.chars().take(20).collect();
            Error::new(code, vec![("id", id)])
        })
}

pub fn photo_json(p: &PhotoInfo) -> Value {
    json!({
        "id": p.id,
        "content_type": p.content_type,
        "size": p.size,
        "sha256": p.sha256,
        "url": format!("/work/photos/{}", p.id),
    })
}

pub fn flag_json(f: &Flag) -> Value {
    let mut j = json!(f);
    j["evidence"] = f.evidence();
    j
}

fn full_json(f: &Full) -> Value {
    let mut j = json!(f.visit);
    j["photos"] = f.photos.iter().map(photo_json).collect();
    j["flags"] = f.flags.iter().map(flag_json).collect();
    j
}

/// `POST /api/v1/visits`: the fields of the form as the offline outbox sends them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    target_kind: String,
    /// A number, or the form's text of one.
    target_id: Value,
    seen: String,
    #[serde(default)]
    discussed: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    evaluation: Option<String>,
    #[serde(default)]
    photos: Option<Vec<PhotoReq>>,
    #[serde(default)]
    client_key: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    lon: Option<Value>,
    #[serde(default)]
    lat: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhotoReq {
    /// Ignored: the type is told by the bytes.
    #[serde(default)]
    #[allow(dead_code)]
    content_type: Option<String>,
    data: String,
}

/// A number as JSON or as the text of a form field; blank or null is none.
fn number_of(v: &Option<Value>, field: &'static str) -> Result<Option<f64>, Error> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| err!("request.bad_number", field)),
        Some(_) => Err(err!("request.bad_number", field)),
    }
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    if !records(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let sent = r.photos.unwrap_or_default();
    if sent.len() > MAX_PHOTOS {
        return Err(AppError(err!("work.too_many_photos", max = MAX_PHOTOS)));
    }
    let mut bytes = Vec::with_capacity(sent.len());
    for (i, ph) in sent.iter().enumerate() {
        bytes.push(photos::decode_base64(&ph.data, i + 1)?);
    }
    let target_id = id_text(&r.target_id);
    let raw = RawVisit {
        target_kind: &r.target_kind,
        target_id: &target_id,
        steps: [
            &r.seen,
            r.discussed.as_deref().unwrap_or(""),
            r.done.as_deref().unwrap_or(""),
            r.reply.as_deref().unwrap_or(""),
            r.evaluation.as_deref().unwrap_or(""),
        ],
        lon: number_of(&r.lon, "lon")?,
        lat: number_of(&r.lat, "lat")?,
        at: r.at.as_deref().unwrap_or(""),
        client_key: r.client_key.as_deref().unwrap_or(""),
        photos: bytes,
    };
    let saved = create(&s, &p, &raw).await?;
    let status = match saved {
        Saved::Created(_) => StatusCode::CREATED,
        Saved::Replayed(_) => StatusCode::OK,
    };
    let full = one(&s, &p, saved.id()).await?;
    Ok(no_store((status, Json(full_json(&full))).into_response()))
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<String>,
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let items = list(&s, &p, before, limit).await?;
    let next = match items.last() {
        Some(v) if items.len() as i64 == limit => Value::from(v.id),
        _ => Value::Null,
    };
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let full = one(&s, &p, parse_id(&id, "work.visit_not_found")?).await?;
    Ok(no_store(Json(full_json(&full)).into_response()))
}
