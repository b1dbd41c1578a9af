//! The volunteers of a community: a resident applies on a phone (`/vol/apply`, no log-in,
//! rate-limited); the community's organisers (Organise) list them, approve or reject
//! applications, add them one by one or import a sheet, and mark one as left
//! (`/vol/volunteers`, `/vol/volunteers/{id}`). An approval or addition makes the volunteer's
//! account and shows its initial password once.
//! API: `GET/POST /api/v1/volunteers`, `GET /api/v1/volunteers/{id}`,
//! `POST /api/v1/volunteers/{id}/approve|reject|leave`, `POST /api/v1/volunteers/apply`,
//! `POST /api/v1/volunteers/import`.

mod import;
mod pages;

use pages::*;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::volunteers::register::{Fields, Post, Status, check_reason};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::volunteers::register::{self as reg, Account, Community, Filter, Row};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{Fields as FormFields, f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::intake::{ClientIp, rate_hit};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub use import::Report;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/apply", get(apply_page).post(apply_submit))
        .route("/vol/volunteers", get(list_page).post(add_submit))
        .route(
            "/vol/volunteers/import",
            post(import_submit).layer(DefaultBodyLimit::max(import::MAX_BYTES + 64 * 1024)),
        )
        .route("/vol/volunteers/template.xlsx", get(template_xlsx))
        .route("/vol/volunteers/template.csv", get(template_csv))
        .route("/vol/volunteers/{id}", get(detail_page))
        .route("/vol/volunteers/{id}/approve", post(approve_submit))
        .route("/vol/volunteers/{id}/reject", post(reject_submit))
        .route("/vol/volunteers/{id}/leave", post(leave_submit))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/volunteers", get(api_list).post(api_add))
        .route("/api/v1/volunteers/apply", post(api_apply))
        .route(
            "/api/v1/volunteers/import",
            post(api_import).layer(DefaultBodyLimit::max(import::MAX_BYTES + 64 * 1024)),
        )
        .route("/api/v1/volunteers/{id}", get(api_get))
        .route("/api/v1/volunteers/{id}/approve", post(api_approve))
        .route("/api/v1/volunteers/{id}/reject", post(api_reject))
        .route("/api/v1/volunteers/{id}/leave", post(api_leave))
}

// ---- The work, shared by pages and API -----------------------------------------------------

fn may_organise(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::Organise) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// Organisers and the street read the register.
fn may_read(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::Organise) || p.may(Permission::GovernVolunteers) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn volunteer_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        err!(
            "volunteers.not_found",
            id = s.chars().take(20).collect::<String>()
        )
    })
}

/// The community an organiser acts for: the code given, else their own node when it is one.
pub(super) async fn community_for(
    s: &AppState,
    p: &Principal,
    code: &str,
) -> Result<Community, Error> {
    let code = code.trim();
    let code = if code.is_empty() {
        if p.node_kind == NodeKind::Village {
            p.node_code.clone()
        } else {
            return Err(
                err!("volunteers.community_required").with_details(json!({ "field": "community" }))
            );
        }
    } else {
        code.chars().take(40).collect()
    };
    let mut c = s.db.conn().await?;
    reg::community_by_code(&mut c.handle(), &p.scope(), &code).await
}

async fn add(
    s: &AppState,
    p: &Principal,
    community: &str,
    fields: &Fields,
) -> Result<(Row, Account), Error> {
    may_organise(p)?;
    let checked = fields.check()?;
    let c = community_for(s, p, community).await?;
    let mut tx = s.db.begin().await?;
    let (id, account) = reg::add(
        &mut tx.handle(),
        &s.keys,
        &c,
        &checked,
        "added",
        &actor(p),
        s.now(),
    )
    .await?;
    let row = reg::row(&mut tx.handle(), &p.scope(), id).await?;
    tx.commit().await?;
    Ok((row, account))
}

async fn approve(s: &AppState, p: &Principal, id: i64) -> Result<(Row, Account), Error> {
    may_organise(p)?;
    let mut tx = s.db.begin().await?;
    let done = reg::approve(&mut tx.handle(), &p.scope(), id, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(done)
}

/// Rejects an application or marks an active volunteer as left, with a reason.
async fn close(
    s: &AppState,
    p: &Principal,
    id: i64,
    to: Status,
    reason: &str,
) -> Result<Row, Error> {
    may_organise(p)?;
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    // Absent or out of scope answers 404 before the reason is looked at.
    reg::row(h, &p.scope(), id).await?;
    let reason = check_reason(reason, "volunteers.reason_required")?;
    let (scope, a, now) = (p.scope(), actor(p), s.now());
    let row = if to == Status::Left {
        reg::leave(h, &scope, id, &reason, &a, now).await?
    } else {
        reg::reject(h, &scope, id, &reason, &a, now).await?
    };
    tx.commit().await?;
    Ok(row)
}

/// A resident's application: rate-limited per address, then written as `applied`.
async fn apply(s: &AppState, ip: &str, community: &str, fields: &Fields) -> Result<i64, Error> {
    // Every attempt counts, good or bad, as on the other public forms.
    rate_hit(s, ip).await?;
    let code = community.trim();
    if code.is_empty() {
        return Err(
            err!("volunteers.community_required").with_details(json!({ "field": "community" }))
        );
    }
    let checked = fields.check()?;
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let c = reg::public_community(h, &code.chars().take(40).collect::<String>()).await?;
    let id = reg::apply(h, &s.keys, &c, &checked, s.now()).await?;
    tx.commit().await?;
    Ok(id)
}

const PAGE_SIZE: i64 = 50;

fn number(
    q: &HashMap<String, String>,
    key: &'static str,
    default: i64,
    max: i64,
) -> Result<i64, Error> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or_else(|| err!("request.bad_number", field = key)),
    }
}

/// The list's filters from a query string, checked.
async fn filter_of(
    s: &AppState,
    p: &Principal,
    q: &HashMap<String, String>,
) -> Result<Filter, Error> {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let post = get("post");
    if !post.is_empty() && Post::parse(&post).is_none() {
        return Err(err!(
            "volunteers.post_invalid",
            value = post.chars().take(20).collect::<String>()
        ));
    }
    let status = get("status");
    if !status.is_empty() && Status::parse(&status).is_none() {
        return Err(err!(
            "volunteers.status_invalid",
            value = status.chars().take(20).collect::<String>()
        ));
    }
    let community = get("community");
    let community_id = if community.is_empty() {
        None
    } else {
        Some(community_for(s, p, &community).await?.id)
    };
    Ok(Filter {
        community_id,
        post,
        status,
        building: get("building")
            .chars()
            .filter(|c| !c.is_control())
            .take(20)
            .collect(),
    })
}

async fn list(
    s: &AppState,
    p: &Principal,
    fl: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), Error> {
    may_read(p)?;
    let mut c = s.db.conn().await?;
    reg::list(&mut c.handle(), &p.scope(), fl, limit, offset).await
}

// ---- API -----------------------------------------------------------------------------------

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    may_read(&p)?;
    let fl = filter_of(&s, &p, &q).await?;
    let limit = number(&q, "limit", PAGE_SIZE, reg::MAX_PAGE)?.max(1);
    let offset = number(&q, "offset", 0, 1_000_000)?;
    let (items, total) = list(&s, &p, &fl, limit, offset).await?;
    Ok(no_store(
        Json(json!({ "items": items, "total": total })).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VolunteerReq {
    #[serde(default)]
    community: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    skills: String,
}

impl VolunteerReq {
    fn fields(&self) -> Fields {
        Fields {
            name: self.name.clone(),
            phone: self.phone.clone(),
            building: self.building.clone(),
            unit: self.unit.clone(),
            post: self.post.clone(),
            skills: self.skills.clone(),
        }
    }
}

async fn api_add(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<VolunteerReq>,
) -> AppResult<Response> {
    let (row, account) = add(&s, &p, &r.community, &r.fields()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "volunteer": row, "account": account })),
    )
        .into_response())
}

async fn api_apply(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(r): ApiJson<VolunteerReq>,
) -> AppResult<Response> {
    let id = apply(&s, &ip, &r.community, &r.fields()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "status": "applied" })),
    )
        .into_response())
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    may_read(&p)?;
    let id = volunteer_id(&id)?;
    let mut c = s.db.conn().await?;
    let row = reg::row(&mut c.handle(), &p.scope(), id).await?;
    Ok(no_store(Json(row).into_response()))
}

async fn api_approve(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, account) = approve(&s, &p, volunteer_id(&id)?).await?;
    Ok(no_store(
        Json(json!({ "volunteer": row, "account": account })).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonReq {
    #[serde(default)]
    reason: String,
}

async fn api_reject(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReasonReq>,
) -> AppResult<Response> {
    let row = close(&s, &p, volunteer_id(&id)?, Status::Rejected, &r.reason).await?;
    Ok(Json(row).into_response())
}

async fn api_leave(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReasonReq>,
) -> AppResult<Response> {
    let row = close(&s, &p, volunteer_id(&id)?, Status::Left, &r.reason).await?;
    Ok(Json(row).into_response())
}

/// An import's form: the file and the words beside it.
struct Upload {
    community: String,
    mode: String,
    encoding: String,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, Error> {
    let bad = |m: String| err!("request.bad_form", reason = m);
    let mut up = Upload {
        community: String::new(),
        mode: String::new(),
        encoding: String::new(),
        file: None,
    };
    while let Some(mut field) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .file_name()
            .map(|n| n.chars().take(100).collect::<String>());
        let mut v = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| {
            err!(
                "volunteers.import_too_large",
                max_kb = import::MAX_BYTES / 1024
            )
        })? {
            let limit = if name == "file" {
                import::MAX_BYTES
            } else {
                200
            };
            if v.len() + chunk.len() > limit {
                return Err(if name == "file" {
                    err!(
                        "volunteers.import_too_large",
                        max_kb = import::MAX_BYTES / 1024
                    )
                } else {
                    bad(format!(
                        "{} is too long",
                        name.chars().take(20).collect::<String>()
                    ))
                });
            }
            v.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => up.file = Some((file_name.unwrap_or_default(), v)),
            "community" => up.community = String::from_utf8_lossy(&v).trim().to_string(),
            "mode" => up.mode = String::from_utf8_lossy(&v).trim().to_string(),
            "encoding" => up.encoding = String::from_utf8_lossy(&v).trim().to_string(),
            _ => {}
        }
    }
    Ok(up)
}

async fn run_import(s: &AppState, p: &Principal, t: &Tr, up: Upload) -> Result<Report, Error> {
    may_organise(p)?;
    let mode = import::parse_mode(&up.mode)?;
    let encoding = import::parse_encoding(&up.encoding)?;
    let c = community_for(s, p, &up.community).await?;
    let Some((name, bytes)) = up.file.filter(|f| !f.1.is_empty()) else {
        return Err(err!("volunteers.import_no_file"));
    };
    let tr = *t;
    let (rows, problems) =
        tokio::task::spawn_blocking(move || import::read(&tr, bytes, &name, encoding))
            .await
            .map_err(|e| err!("internal", detail = e.to_string()))??;
    import::run(s, t, &c, (rows, problems), mode, &actor(p)).await
}

async fn api_import(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    mp: Multipart,
) -> AppResult<Response> {
    may_organise(&p)?;
    let up = read_upload(mp).await?;
    let report = run_import(&s, &p, &Tr::new(lang), up).await?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}
