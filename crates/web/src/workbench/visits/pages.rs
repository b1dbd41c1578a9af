//! The pages of visits: `/work/visits` lists them, `/work/visits/new` chooses a target and
//! takes the five steps (a plain multipart POST to `/work/visits`, enhanced by the offline
//! outbox into JSON to the API), `/work/visits/{id}` shows one with its photos and flags, and
//! `/work/photos/{id}` serves a photo to whoever may read its record.

use askama::Template;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wangge_domain::workbench::visits::{MAX_PHOTO_BYTES, MAX_PHOTOS, RawVisit, STEPS, TargetKind};
use wangge_domain::{Error, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::photos;
use wangge_store::workbench::visits::{self as store_visits, HouseholdChoice, Visit};

use super::{Full, create, list, one, parse_id, reads, records, report_event};
use crate::auth::Me;
use crate::basic::form::{f, no_store, parse_after, read_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/work/visits",
            get(list_page)
                .post(create_page)
                .layer(DefaultBodyLimit::max(
                    MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024,
                )),
        )
        .route("/work/visits/new", get(new_page))
        .route("/work/visits/{id}", get(detail_page))
        .route("/work/visits/{id}/event", post(event_page))
        .route("/work/photos/{id}", get(photo))
}

/// A visit as a row or a page shows it.
pub struct Row {
    pub id: i64,
    pub when: String,
    pub kind_label: String,
    pub target: String,
    pub worker: String,
    pub duty_label: String,
    pub seen: String,
    pub open_flags: i64,
}

fn target_text(t: &Tr, v: &Visit) -> String {
    match &v.target_label {
        Some(l) if !l.trim().is_empty() => l.clone(),
        _ => format!(
            "{} {}",
            t.s(&format!("wbv.kind.{}", v.target_kind)),
            v.target_id
        ),
    }
}

fn row(t: &Tr, v: &Visit) -> Row {
    Row {
        id: v.id,
        when: time_text(v.at),
        kind_label: t.s(&format!("wbv.kind.{}", v.target_kind)).to_string(),
        target: target_text(t, v),
        worker: v.worker_name.clone(),
        duty_label: v
            .duty
            .as_deref()
            .map(|d| t.s(&format!("wbv.duty.{d}")).to_string())
            .unwrap_or_default(),
        seen: v.seen.chars().take(60).collect(),
        open_flags: v.open_flags,
    }
}

#[derive(Template)]
#[template(path = "workbench/visits_list.html")]
struct ListPage {
    l: Layout,
    records: bool,
    rows: Vec<Row>,
    next: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<String>,
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    if !reads(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let before = parse_after(q.before.as_deref())?;
    let limit = 50;
    let items = list(&s, &p, before, limit).await?;
    let l = Layout::new(lang, Some(p.clone()), "wbv.title");
    let t = l.t;
    let next = match items.last() {
        Some(v) if items.len() as i64 == limit => Some(v.id),
        _ => None,
    };
    Ok(no_store(render(ListPage {
        records: records(&p),
        rows: items.iter().map(|v| row(&t, v)).collect(),
        next,
        l,
    })))
}

pub struct KindOpt {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct StepField {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "workbench/visits_new.html")]
struct NewPage {
    l: Layout,
    q: String,
    households: Vec<HouseholdChoice>,
    kinds: Vec<KindOpt>,
    target_id: String,
    steps: Vec<StepField>,
    max_photos: usize,
    error: String,
}

#[derive(Deserialize)]
struct NewQuery {
    target_kind: Option<String>,
    target_id: Option<String>,
    q: Option<String>,
}

async fn new_form(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    values: &HashMap<String, String>,
    q: &str,
    error: Option<&Error>,
) -> Result<Response, Error> {
    if !records(p) {
        return Err(err!("auth.forbidden"));
    }
    let q: String = q.trim().chars().take(40).collect();
    let mut c = s.db.conn().await?;
    let households = store_visits::households(&mut c.handle(), p, &q, 30).await?;
    drop(c);
    let l = Layout::new(lang, Some(p.clone()), "wbv.new");
    let t = l.t;
    let chosen = match f(values, "target_kind") {
        "" => "household",
        k => k,
    };
    let kinds = TargetKind::ALL
        .iter()
        .map(|k| KindOpt {
            value: k.as_str(),
            label: t.s(&format!("wbv.kind.{}", k.as_str())).to_string(),
            selected: k.as_str() == chosen,
        })
        .collect();
    let steps = STEPS
        .iter()
        .map(|name| StepField {
            name,
            label: t.s(&format!("wbv.step.{name}")).to_string(),
            hint: t.s(&format!("wbv.hint.{name}")).to_string(),
            value: f(values, name).to_string(),
        })
        .collect();
    let error = error.map(|e| t.error(e)).unwrap_or_default();
    Ok(no_store(render(NewPage {
        q,
        households,
        kinds,
        target_id: f(values, "target_id").to_string(),
        steps,
        max_photos: MAX_PHOTOS,
        error,
        l,
    })))
}

async fn new_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let mut values = HashMap::new();
    if let Some(k) = q.target_kind.filter(|k| TargetKind::parse(k).is_some()) {
        values.insert("target_kind".to_string(), k);
    }
    if let Some(id) = q.target_id.filter(|v| v.trim().parse::<i64>().is_ok()) {
        values.insert("target_id".to_string(), id.trim().to_string());
    }
    Ok(new_form(&s, lang, &p, &values, q.q.as_deref().unwrap_or(""), None).await?)
}

/// The form's fields and photos, read part by part (photos beyond the limit refused early).
async fn read_visit_form(
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(HashMap<String, String>, Vec<Vec<u8>>), (HashMap<String, String>, Error)> {
    let mut text = HashMap::new();
    let mut files = Vec::new();
    let mut mp = match mp {
        Ok(m) => m,
        Err(e) => return Err((text, err!("request.bad_form", reason = e.body_text()))),
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => return Err((text, err!("request.bad_form", reason = e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == "photos" || file_name.is_some() {
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) => return Err((text, err!("request.bad_form", reason = e.body_text()))),
            };
            // A file input left empty sends an empty part without a name.
            if bytes.is_empty() && file_name.unwrap_or_default().is_empty() {
                continue;
            }
            if files.len() >= MAX_PHOTOS {
                return Err((text, err!("work.too_many_photos", max = MAX_PHOTOS)));
            }
            files.push(bytes.to_vec());
        } else {
            match field.text().await {
                Ok(v) => {
                    text.insert(name, v);
                }
                Err(e) => return Err((text, err!("request.bad_form", reason = e.body_text()))),
            }
        }
    }
    Ok((text, files))
}

fn coordinate(values: &HashMap<String, String>, field: &'static str) -> Result<Option<f64>, Error> {
    match f(values, field).trim() {
        "" => Ok(None),
        v => v
            .parse::<f64>()
            .map(Some)
            .map_err(|_| err!("request.bad_number", field)),
    }
}

/// Records a visit from the plain form; a refusal shows the form again with what was typed.
async fn create_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    if !records(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let outcome = match read_visit_form(mp).await {
        Err((values, e)) => Err((values, e)),
        Ok((values, files)) => {
            let attempt = async {
                let raw = RawVisit {
                    target_kind: f(&values, "target_kind"),
                    target_id: f(&values, "target_id"),
                    steps: [
                        f(&values, "seen"),
                        f(&values, "discussed"),
                        f(&values, "done"),
                        f(&values, "reply"),
                        f(&values, "evaluation"),
                    ],
                    lon: coordinate(&values, "lon")?,
                    lat: coordinate(&values, "lat")?,
                    at: f(&values, "at"),
                    client_key: f(&values, "client_key"),
                    photos: files,
                };
                create(&s, &p, &raw).await
            };
            match attempt.await {
                Ok(saved) => Ok(saved),
                Err(e) => Err((values, e)),
            }
        }
    };
    match outcome {
        Ok(saved) => {
            Ok(Redirect::to(&format!("/work/visits/{}?done=created", saved.id())).into_response())
        }
        Err((_, e)) if matches!(e.status, 401 | 403) || e.status >= 500 => Err(AppError(e)),
        Err((values, e)) => {
            let mut r = new_form(&s, lang, &p, &values, "", Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

pub struct StepView {
    pub label: String,
    pub text: String,
}

pub struct FlagView {
    pub id: i64,
    pub reason: String,
    pub reason_label: String,
    pub status_label: String,
    pub evidence: Vec<(String, String)>,
}

pub struct CatOpt {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "workbench/visits_detail.html")]
struct DetailPage {
    l: Layout,
    v: Row,
    steps: Vec<StepView>,
    position: String,
    received: String,
    photos: Vec<i64>,
    flags: Vec<FlagView>,
    /// Where to update the visited record, when it has a page.
    record_href: String,
    event_number: String,
    /// The report form: for the visit's own worker, until it reported one.
    may_report: bool,
    categories: Vec<CatOpt>,
    done: String,
    error: String,
}

/// The evidence of a flag as label–value pairs, in the order raised.
pub fn evidence_pairs(t: &Tr, e: &serde_json::Value) -> Vec<(String, String)> {
    let Some(map) = e.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| {
            let key = format!("wbv.ev.{k}");
            let label = if Tr::has(&key) {
                t.s(&key).to_string()
            } else {
                k.clone()
            };
            let value = match v {
                serde_json::Value::Null => "—".to_string(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) if k == "at" || k.ends_with("_at") => {
                    n.as_i64().map(time_text).unwrap_or_else(|| n.to_string())
                }
                other => other.to_string(),
            };
            (label, value)
        })
        .collect()
}

pub fn flag_view(t: &Tr, x: &wangge_store::workbench::flags::Flag) -> FlagView {
    FlagView {
        id: x.id,
        reason: x.reason.clone(),
        reason_label: t.s(&format!("wbv.reason.{}", x.reason)).to_string(),
        status_label: t.s(&format!("wbv.flag_status.{}", x.status)).to_string(),
        evidence: evidence_pairs(t, &x.evidence()),
    }
}

async fn detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    done: &str,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let Full {
        visit: v,
        photos,
        flags,
    } = one(s, p, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "wbv.one");
    let t = l.t;
    let steps = STEPS
        .iter()
        .zip([&v.seen, &v.discussed, &v.done, &v.reply, &v.evaluation])
        .map(|(name, text)| StepView {
            label: t.s(&format!("wbv.step.{name}")).to_string(),
            text: text.clone(),
        })
        .collect();
    let position = match (v.lon, v.lat) {
        (Some(lon), Some(lat)) => format!("{lon:.6}, {lat:.6}"),
        _ => t.s("wbv.no_position").to_string(),
    };
    let record_href = match v.target_kind.as_str() {
        "person" => format!("/people/{}/edit", v.target_id),
        "house" => format!("/houses/{}/edit", v.target_id),
        "org" => format!("/orgs/{}/edit", v.target_id),
        _ => String::new(),
    };
    let may_report = v.worker_id == p.user_id && v.event_id.is_none();
    let categories = if may_report {
        let mut c = s.db.conn().await?;
        let all = wangge_store::events::open_categories(&mut c.handle()).await?;
        all.iter()
            .filter(|c| c.parent_code.is_some())
            .map(|c| CatOpt {
                code: c.code.clone(),
                name: t.name(&c.name, &c.name_en).to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let done = match done {
        "created" | "reported" => t.s(&format!("wbv.done.{done}")).to_string(),
        _ => String::new(),
    };
    let error = error.map(|e| t.error(e)).unwrap_or_default();
    Ok(no_store(render(DetailPage {
        steps,
        position,
        received: time_text(v.received_at),
        photos: photos.iter().map(|x| x.id).collect(),
        flags: flags.iter().map(|x| flag_view(&t, x)).collect(),
        record_href,
        event_number: v.event_number.clone().unwrap_or_default(),
        may_report,
        categories,
        done,
        error,
        v: row(&t, &v),
        l,
    })))
}

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.visit_not_found")?;
    Ok(detail(&s, lang, &p, id, q.done.as_deref().unwrap_or(""), None).await?)
}

async fn event_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.visit_not_found")?;
    let values = read_form(req).await?;
    match report_event(
        &s,
        &p,
        id,
        f(&values, "category"),
        f(&values, "description"),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/work/visits/{id}?done=reported")).into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) || e.status >= 500 => Err(AppError(e)),
        Err(e) => {
            let mut r = detail(&s, lang, &p, id, "", Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

/// A photo's bytes for whoever may read its record; private to the browser's cache.
async fn photo(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id, "work.photo_not_found")?;
    let mut c = s.db.conn().await?;
    let (content_type, data) = photos::read(&mut c.handle(), &p, id).await?;
    let mut r = data.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}
