//! The diary's pages: `/work/diary` (the form, the worker's entries, a reviewer's scope with the
//! entries nobody commented first) and `/work/diary/{id}` (the entry, its photos, comments and
//! the comment form). The form posts multipart here when scripts are off; with scripts the
//! outbox sends it to the API instead (`data-offline`).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_domain::{Error, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::diary::{Entry, Which};

use super::{BODY_LIMIT, Input, comment, full, list, parse_entry_id, which_of, write, writes};
use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::{f, no_store, read_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/work/diary",
            get(list_page)
                .post(create)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/work/diary/{id}", get(detail_page))
        .route("/work/diary/{id}/comments", post(comment_form))
}

/// An entry as a list row shows it.
pub struct Row {
    pub id: i64,
    pub day: String,
    pub worker: String,
    pub grid: String,
    pub excerpt: String,
    pub tags: Vec<String>,
    pub comments: i64,
    pub photos: i64,
    pub flags: i64,
}

fn row(e: &Entry) -> Row {
    let mut excerpt: String = e.body.chars().take(80).collect();
    if e.body.chars().count() > 80 {
        excerpt.push('…');
    }
    Row {
        id: e.id,
        day: e.day.clone(),
        worker: e.worker_name.clone(),
        grid: e.grid_name.clone(),
        excerpt,
        tags: e.tag_list(),
        comments: e.comment_count,
        photos: e.photo_count,
        flags: e.open_flags,
    }
}

/// The form's values: what was typed, sent back after a refusal.
pub struct FormView {
    pub client_key: String,
    pub day: String,
    pub today: String,
    pub body: String,
    pub tags: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "workbench/diary_list.html")]
struct ListPage {
    l: Layout,
    writes: bool,
    form: FormView,
    mine: Vec<Row>,
    reviews: bool,
    to_review: Vec<Row>,
    recent: Vec<Row>,
}

async fn list_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    form: Option<FormView>,
) -> Result<Response, Error> {
    let w = writes(p);
    let reviews = p.may(wangge_domain::Permission::ReviewWork);
    if !w && !reviews {
        return Err(err!("auth.forbidden"));
    }
    let day = today(s.now())?.to_string();
    let form = match form {
        Some(f) => f,
        None => FormView {
            client_key: wangge_store::auth::random_secret()?,
            day: day.clone(),
            today: day.clone(),
            body: String::new(),
            tags: String::new(),
            error: String::new(),
        },
    };
    let mine = if w {
        list(s, p, Which::Mine, None, 50).await?
    } else {
        Vec::new()
    };
    let (to_review, recent) = if reviews {
        let open = list(s, p, Which::Uncommented, None, 50).await?;
        let all = list(s, p, which_of(p, Some("scope"))?, None, 50).await?;
        let recent = all
            .into_iter()
            .filter(|e| e.comment_count > 0)
            .collect::<Vec<_>>();
        (open, recent)
    } else {
        (Vec::new(), Vec::new())
    };
    let l = Layout::new(lang, Some(p.clone()), "diary.title");
    Ok(no_store(render(ListPage {
        writes: w,
        form,
        mine: mine.iter().map(row).collect(),
        reviews,
        to_review: to_review.iter().map(row).collect(),
        recent: recent.iter().map(row).collect(),
        l,
    })))
}

async fn list_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(list_view(&s, lang, &p, None).await?)
}

/// The plain form's multipart body: its text fields and its photos.
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(std::collections::HashMap<String, String>, Vec<Vec<u8>>), Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            err!("upload.too_large", max_mb = BODY_LIMIT / (1024 * 1024))
        } else {
            err!("request.bad_form", reason = e.body_text())
        }
    };
    let mut text = std::collections::HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photos" {
            let named = field.file_name().is_some_and(|n| !n.is_empty());
            let bytes = field.bytes().await.map_err(bad)?;
            // A browser sends an empty part for a file input left empty.
            if !bytes.is_empty() || named {
                files.push(bytes.to_vec());
            }
        } else if text.len() < 32 {
            let v = field.text().await.map_err(bad)?;
            text.insert(name, v);
        }
    }
    Ok((text, files))
}

/// The plain (no script) door: a refusal shows the form again with what was typed.
async fn create(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let mp = mp.map_err(|e| err!("request.bad_form", reason = e.body_text()))?;
    let (text, photos) = read_multipart(mp).await?;
    let get = |k: &str| text.get(k).cloned().unwrap_or_default();
    let num = |k: &str| get(k).trim().parse::<f64>().ok();
    let i = Input {
        client_key: get("client_key"),
        at: None,
        day: get("day"),
        body: get("body"),
        tags: get("tags"),
        lon: num("lon"),
        lat: num("lat"),
        photos,
    };
    match write(&s, &p, i).await {
        Ok((e, _)) => Ok(Redirect::to(&format!("/work/diary/{}?done=saved", e.id)).into_response()),
        Err(e) if matches!(e.status, 401 | 403) => Err(AppError(e)),
        Err(e) => {
            let t = Tr::new(lang);
            let form = FormView {
                client_key: get("client_key"),
                day: get("day"),
                today: today(s.now())?.to_string(),
                body: get("body"),
                tags: get("tags"),
                error: t.error(&e),
            };
            let mut r = list_view(&s, lang, &p, Some(form)).await?;
            if let Ok(code) = axum::http::StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

pub struct CommentView {
    pub author: String,
    pub body: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "workbench/diary_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    day: String,
    worker: String,
    grid: String,
    body: String,
    tags: Vec<String>,
    at: String,
    received: String,
    position: String,
    flags: i64,
    photos: Vec<String>,
    comments: Vec<CommentView>,
    may_comment: bool,
    done: String,
    error: String,
}

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
}

async fn detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    done: &str,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let x = full(s, p, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "diary.one");
    let t = l.t;
    let e = &x.entry;
    let done = match done {
        "saved" | "commented" => t.s(&format!("diary.done.{done}")).to_string(),
        _ => String::new(),
    };
    Ok(no_store(render(DetailPage {
        id: e.id,
        day: e.day.clone(),
        worker: e.worker_name.clone(),
        grid: format!("{} {}", e.grid_name, e.grid_code),
        body: e.body.clone(),
        tags: e.tag_list(),
        at: time_text(e.at),
        received: time_text(e.received_at),
        position: match (e.lon, e.lat) {
            (Some(lon), Some(lat)) => format!("{lat:.5}, {lon:.5}"),
            _ => "—".to_string(),
        },
        flags: e.open_flags,
        photos: x
            .photos
            .iter()
            .map(|pid| format!("/api/v1/diary/{}/photos/{pid}", e.id))
            .collect(),
        comments: x
            .comments
            .iter()
            .map(|c| CommentView {
                author: c.author_name.clone(),
                body: c.body.clone(),
                at: time_text(c.created_at),
            })
            .collect(),
        may_comment: p.may(wangge_domain::Permission::ReviewWork),
        done,
        error: error.map(|e| t.error(e)).unwrap_or_default(),
        l,
    })))
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let id = parse_entry_id(&id)?;
    Ok(detail(&s, lang, &p, id, q.done.as_deref().unwrap_or(""), None).await?)
}

async fn comment_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_entry_id(&id)?;
    let values = read_form(req).await?;
    match comment(&s, &p, id, f(&values, "body")).await {
        Ok(_) => Ok(Redirect::to(&format!("/work/diary/{id}?done=commented")).into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = detail(&s, lang, &p, id, "", Some(&e)).await?;
            if let Ok(code) = axum::http::StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}
