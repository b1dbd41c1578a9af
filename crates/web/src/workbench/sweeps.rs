//! The weekly sweep (排查): once a week a grid worker goes through the checklist — disputes,
//! petitions, instability, public order, safety hazards — each "nothing found" or what was
//! found. Each finding becomes an event through the one report path (`events::report`, which
//! the staff form and the API reach through `intake::submit`), in the worker's grid and in the
//! same transaction as the sweep: a refused sweep leaves no event, a kept one keeps its events'
//! ids in `items_json`. `/work/sweeps` is the page; JSON under `/api/v1/sweeps`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::event::Urgency;
use wangge_domain::workbench::periods::week_start;
use wangge_domain::workbench::sweep::{self as rules, Item, LineIn};
use wangge_domain::{Error, err};
use wangge_store::auth::Principal;
use wangge_store::events::{self, ReportInput, Source};
use wangge_store::workbench::sweeps::{self as store, NewSweep, Sweep, Viewer};

use super::patrol::{client_key, grid_worker, reviews, today};
use crate::auth::Me;
use crate::basic::api::limit_of;
use crate::basic::form::{f, no_store, parse_after, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, rfc3339, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/work/sweeps", get(page).post(page_submit))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sweeps", get(api_list).post(api_create))
        .route("/api/v1/sweeps/{id}", get(api_get))
}

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        user_id: p.user_id,
        review_pattern: reviews(p).then(|| p.scope().like_pattern()),
    }
}

/// A sweep as submitted by either door.
pub struct SweepIn {
    pub client_key: Option<String>,
    pub week: String,
    pub lines: Vec<LineIn>,
}

/// Submits a sweep: checks it, reports each finding as an event in the worker's grid, keeps
/// the sweep, all in one transaction. A resend under the same key answers the first sweep
/// (`false`); the same key with other content is refused (409), and so is a second sweep of
/// the week.
pub async fn submit(s: &AppState, p: &Principal, input: &SweepIn) -> Result<(Sweep, bool), Error> {
    match submit_once(s, p, input).await {
        // A copy sent at the same moment got in first: answered like any resend.
        Err(e) if e.code == "db.duplicate" => submit_once(s, p, input).await,
        r => r,
    }
}

async fn submit_once(s: &AppState, p: &Principal, input: &SweepIn) -> Result<(Sweep, bool), Error> {
    grid_worker(p)?;
    let key = match input.client_key.as_deref() {
        None => None,
        Some(k) => Some(client_key(Some(k))?),
    };
    let week = rules::parse_week(&input.week, today(s)?)?;
    let lines = rules::check(&input.lines)?;
    let week_text = week.to_string();
    let lines_json = serde_json::to_string(&lines).unwrap_or_default();
    let hash = store::content_hash(&week_text, &lines_json);
    let now = s.now();
    let caller = crate::auth::caller(p).map_err(|e| e.0)?;
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    if let Some(k) = &key
        && let Some(first) = store::by_key(h, p.user_id, k).await?
    {
        return if first.content_hash.as_deref() == Some(hash.as_str()) {
            Ok((first, false))
        } else {
            Err(err!("work.client_key_reused"))
        };
    }
    if store::of_week(h, p.user_id, &week_text).await?.is_some() {
        return Err(err!("work.sweep_done", week = week_text));
    }
    let mut items = Vec::with_capacity(lines.len());
    let mut findings = 0;
    for line in &lines {
        let mut v = json!({
            "item": line.item.as_str(),
            "found": line.found,
            "text": line.text,
            "category_code": line.category_code,
            "event_id": null,
            "event_number": null,
        });
        if line.found {
            findings += 1;
            let report = ReportInput {
                source: Source::Worker,
                category_code: line.category_code.clone().unwrap_or_default(),
                description: rules::event_description(week, line),
                lat: None,
                lon: None,
                address: None,
                located_grid: None,
                // The worker's own grid: a sweep is of the grid, not of a point in it.
                chosen_grid: Some(p.node_code.clone()),
                urgency: Urgency::Normal,
                reporter_name: None,
                reporter_phone: None,
                photos: Vec::new(),
                submission_key: None,
                handled_on_spot: None,
            };
            let rep = events::report(h, &ctx, &caller, report, now).await?;
            v["event_id"] = json!(rep.event.id);
            v["event_number"] = json!(rep.number);
        }
        items.push(v);
    }
    let items_json = Value::Array(items).to_string();
    let id = store::insert(
        h,
        &NewSweep {
            worker_id: p.user_id,
            grid_id: p.node_id,
            path: &p.node_path,
            week: &week_text,
            items_json: &items_json,
            findings,
            client_key: key.as_deref(),
            content_hash: &hash,
        },
        now,
    )
    .await?;
    let sweep = store::get(h, &viewer(p), id).await?;
    tx.commit().await?;
    Ok((sweep, true))
}

fn sweep_json(x: &Sweep) -> Value {
    json!({
        "id": x.id,
        "worker_id": x.worker_id,
        "worker_name": x.worker_name,
        "grid_code": x.grid_code,
        "grid_name": x.grid_name,
        "week": x.week,
        "items": serde_json::from_str::<Value>(&x.items_json).unwrap_or(Value::Array(Vec::new())),
        "findings": x.findings,
        "submitted_at": rfc3339(x.submitted_at),
        "client_key": x.client_key,
    })
}

// ---- the API ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct ItemReq {
    item: String,
    found: bool,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    category_code: Option<String>,
}

#[derive(Deserialize)]
struct CreateReq {
    client_key: Option<String>,
    week: String,
    items: Vec<ItemReq>,
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let input = SweepIn {
        client_key: r.client_key,
        week: r.week,
        lines: r
            .items
            .into_iter()
            .map(|i| LineIn {
                item: i.item,
                found: i.found,
                text: i.text.unwrap_or_default(),
                category_code: i.category_code,
            })
            .collect(),
    };
    let (sweep, new) = submit(&s, &p, &input).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(no_store((status, Json(sweep_json(&sweep))).into_response()))
}

#[derive(Deserialize)]
struct ListQuery {
    worker_id: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    if grid_worker(&p).is_err() && !reviews(&p) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let worker = match q
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| err!("request.bad_number", field = "worker_id"))?,
        ),
    };
    let before = parse_after(q.before.as_deref())?;
    let limit = limit_of(q.limit.as_deref())?.min(100);
    let mut c = s.db.conn().await?;
    let items = store::list(&mut c.handle(), &viewer(&p), worker, before, limit).await?;
    let next = match items.last() {
        Some(x) if items.len() as i64 == limit => Value::from(x.id),
        _ => Value::Null,
    };
    let items: Vec<Value> = items.iter().map(sweep_json).collect();
    Ok(no_store(
        Json(json!({ "items": items, "next_before": next })).into_response(),
    ))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            err!(
                "work.sweep_not_found",
                id = id.chars().take(20).collect::<String>()
            )
        })?;
    let mut c = s.db.conn().await?;
    let x = store::get(&mut c.handle(), &viewer(&p), id).await?;
    Ok(no_store(Json(sweep_json(&x)).into_response()))
}

// ---- the page --------------------------------------------------------------------------

pub struct ItemView {
    pub key: &'static str,
    pub label: String,
    pub found: bool,
    pub text: String,
    pub category: String,
    pub event_number: String,
}

pub struct SweepView {
    pub week: String,
    pub worker: String,
    pub findings: i64,
    pub submitted: String,
    pub items: Vec<ItemView>,
}

pub struct CatOption {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "workbench/sweeps.html")]
struct SweepsPage {
    l: Layout,
    worker: bool,
    week: String,
    /// This week's sweep when submitted; else the form.
    done: Option<SweepView>,
    form: Vec<ItemView>,
    categories: Vec<CatOption>,
    client_key: String,
    error: String,
    mine: Vec<SweepView>,
    team: Vec<SweepView>,
}

fn item_label(t: &Tr, item: Item) -> String {
    t.s(&format!("wbfield.sweep.item.{}", item.as_str()))
        .to_string()
}

fn view(t: &Tr, x: &Sweep) -> SweepView {
    let items: Vec<Value> = serde_json::from_str(&x.items_json).unwrap_or_default();
    SweepView {
        week: x.week.clone(),
        worker: x.worker_name.clone(),
        findings: x.findings,
        submitted: time_text(x.submitted_at),
        items: items
            .iter()
            .filter_map(|v| {
                let item = Item::parse(v["item"].as_str()?)?;
                Some(ItemView {
                    key: item.as_str(),
                    label: item_label(t, item),
                    found: v["found"].as_bool().unwrap_or(false),
                    text: v["text"].as_str().unwrap_or("").to_string(),
                    category: v["category_code"].as_str().unwrap_or("").to_string(),
                    event_number: v["event_number"].as_str().unwrap_or("").to_string(),
                })
            })
            .collect(),
    }
}

async fn show(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    values: &crate::basic::form::Fields,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let worker = grid_worker(p).is_ok();
    if !worker && !reviews(p) {
        return Err(err!("auth.forbidden"));
    }
    let l = Layout::new(lang, Some(p.clone()), "wbfield.sweep.title");
    let t = l.t;
    let week = week_start(today(s)?);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (mut done, mut mine, mut categories) = (None, Vec::new(), Vec::new());
    let mine_viewer = Viewer {
        user_id: p.user_id,
        review_pattern: None,
    };
    if worker {
        done = store::of_week(h, p.user_id, &week.to_string())
            .await?
            .map(|x| view(&t, &x));
        mine = store::list(h, &mine_viewer, Some(p.user_id), None, 20)
            .await?
            .iter()
            .filter(|x| x.week != week.to_string())
            .map(|x| view(&t, x))
            .collect();
        categories = events::open_categories(h)
            .await?
            .into_iter()
            .filter(|c| c.parent_code.is_some())
            .map(|c| CatOption {
                name: format!("{} {}", c.code, t.name(&c.name, &c.name_en)),
                code: c.code,
            })
            .collect();
    }
    let team = if reviews(p) {
        store::list(h, &viewer(p), None, None, 100)
            .await?
            .iter()
            .map(|x| view(&t, x))
            .collect()
    } else {
        Vec::new()
    };
    let form = Item::ALL
        .iter()
        .map(|i| {
            let k = i.as_str();
            let picked = f(values, &format!("{k}_category"));
            ItemView {
                key: k,
                label: item_label(&t, *i),
                found: f(values, k) == "found",
                text: f(values, &format!("{k}_text")).to_string(),
                category: if picked.is_empty() {
                    i.default_category().to_string()
                } else {
                    picked.to_string()
                },
                event_number: String::new(),
            }
        })
        .collect();
    let key = match f(values, "client_key") {
        "" => wangge_store::auth::random_secret().unwrap_or_default(),
        k => k.to_string(),
    };
    let status = error.map(|e| e.status);
    let page = no_store(render(SweepsPage {
        worker,
        week: week.to_string(),
        done,
        form,
        categories,
        client_key: key,
        error: error.map(|e| t.error(e)).unwrap_or_default(),
        mine,
        team,
        l,
    }));
    Ok(match status.and_then(|st| StatusCode::from_u16(st).ok()) {
        Some(st) => (st, page).into_response(),
        None => page,
    })
}

async fn page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(show(&s, lang, &p, &Default::default(), None).await?)
}

/// The page's form: one radio and one text (and a category) per item.
async fn page_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let input = SweepIn {
        client_key: Some(f(&values, "client_key").to_string()).filter(|k| !k.is_empty()),
        week: f(&values, "week").to_string(),
        lines: Item::ALL
            .iter()
            .filter(|i| !f(&values, i.as_str()).is_empty())
            .map(|i| {
                let k = i.as_str();
                LineIn {
                    item: k.to_string(),
                    found: f(&values, k) == "found",
                    text: f(&values, &format!("{k}_text")).to_string(),
                    category_code: Some(f(&values, &format!("{k}_category")).to_string()),
                }
            })
            .collect(),
    };
    match submit(&s, &p, &input).await {
        Ok(_) => Ok(Redirect::to("/work/sweeps").into_response()),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) => Ok(show(&s, lang, &p, &values, Some(&e)).await?),
    }
}
