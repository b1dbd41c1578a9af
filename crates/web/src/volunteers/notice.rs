//! Monthly publication (一月一公示): `/vol/months` lists a community's months (preview, the
//! publish button for an ended month, published ones locked with who and when);
//! `/vol/months/{community_code}/{month}` is the notice for the notice board (宣传栏) that
//! prints on A4 with names masked, `?building=B` the notice for one building.
//! `GET /api/v1/volunteers/months`, `POST /api/v1/volunteers/months/{community}/{month}/publish`,
//! `GET /api/v1/volunteers/months/{community}/{month}`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::volunteers::publication::mask_name;
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};
use wangge_store::volunteers::months::{self, MonthStatus, Published, Sheet};

use super::points::{given, page_error, with_status};
use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, read_form};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text, urlencode};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/months", get(list_page).post(publish_form))
        .route("/vol/months/{community}/{month}", get(notice_page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/volunteers/months", get(api_list))
        .route(
            "/api/v1/volunteers/months/{community}/{month}",
            get(api_notice),
        )
        .route(
            "/api/v1/volunteers/months/{community}/{month}/publish",
            post(api_publish),
        )
}

/// Who reads the months and notices: the volunteers themselves (their community), organisers,
/// the street.
fn may_read(p: &Principal) -> bool {
    p.may(Permission::Serve) || super::points::may_read(p)
}

/// The community asked for, else the caller's own node when it is one.
async fn community_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<Node, Error> {
    if !may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let code = match given(code, 40) {
        Some(c) => c,
        None if p.node_kind == NodeKind::Village => p.node_code.clone(),
        None => return Err(err!("volunteers.pts_community_required")),
    };
    let mut c = s.db.conn().await?;
    months::community(&mut c.handle(), &p.scope(), &code).await
}

async fn publish(s: &AppState, p: &Principal, code: &str, month: &str) -> Result<Published, Error> {
    if !p.may(Permission::Organise) {
        return Err(err!("auth.forbidden"));
    }
    let month = months::parse_month(month)?;
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let node = months::community(h, &p.scope(), code).await?;
    let done = months::publish(h, &p.scope(), node.id, &month, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(done)
}

/// The notice's sheet with every name masked, narrowed to one building when asked.
async fn notice_sheet(
    s: &AppState,
    p: &Principal,
    code: &str,
    month: &str,
    building: Option<&str>,
) -> Result<(Node, Sheet), Error> {
    let node = community_of(s, p, Some(code)).await?;
    let month = months::parse_month(month)?;
    let mut c = s.db.conn().await?;
    let mut sheet = months::sheet(&mut c.handle(), node.id, &month).await?;
    for l in &mut sheet.lines {
        l.name = mask_name(&l.name);
    }
    if let Some(b) = given(building, 40) {
        sheet.lines.retain(|l| l.building == b);
        sheet.buildings.retain(|x| x.building == b);
    }
    Ok((node, sheet))
}

// ---- API -------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    community: Option<String>,
    published: Option<String>,
}

fn community_json(n: &Node) -> serde_json::Value {
    json!({ "id": n.id, "code": n.code, "name": n.name })
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let node = community_of(&s, &p, q.community.as_deref()).await?;
    let mut c = s.db.conn().await?;
    let items = months::months(&mut c.handle(), node.id, s.now()).await?;
    Ok(no_store(
        Json(json!({ "community": community_json(&node), "items": items })).into_response(),
    ))
}

async fn api_publish(
    State(s): State<AppState>,
    Me(p): Me,
    Path((community, month)): Path<(String, String)>,
) -> AppResult<Response> {
    let done = publish(&s, &p, &community, &month).await?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    building: Option<String>,
}

async fn api_notice(
    State(s): State<AppState>,
    Me(p): Me,
    Path((community, month)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (node, sheet) = notice_sheet(&s, &p, &community, &month, q.building.as_deref()).await?;
    Ok(no_store(
        Json(json!({ "community": community_json(&node), "sheet": sheet })).into_response(),
    ))
}

// ---- Pages -----------------------------------------------------------------------------------

struct MonthView {
    month: String,
    entries: i64,
    points: i64,
    may_publish: bool,
    locked: bool,
    published: String,
}

fn month_view(p: &Principal, m: &MonthStatus) -> MonthView {
    MonthView {
        month: m.month.clone(),
        entries: m.entries,
        points: m.points,
        may_publish: m.ended && m.published.is_none() && p.may(Permission::Organise),
        locked: m.published.is_some(),
        published: m
            .published
            .as_ref()
            .map(|x| format!("{} · {}", x.published_by_name, time_text(x.published_at)))
            .unwrap_or_default(),
    }
}

struct CommunityLink {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "volunteers/notice_months.html")]
struct MonthsPage {
    l: Layout,
    community: Option<CommunityLink>,
    communities: Vec<CommunityLink>,
    months: Vec<MonthView>,
    confirm: String,
    done: String,
    error: String,
}

async fn render_list(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    code: Option<&str>,
    confirm: String,
    done: String,
    error: String,
) -> Result<Response, Error> {
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.months_title");
    let chosen = match (given(code, 40), p.node_kind) {
        (None, k) if k != NodeKind::Village => None,
        (c, _) => Some(community_of(s, p, c.as_deref()).await?),
    };
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (community, months, communities) = match chosen {
        Some(node) => {
            let items = months::months(h, node.id, s.now()).await?;
            (
                Some(CommunityLink {
                    code: node.code.clone(),
                    name: node.name.clone(),
                }),
                items.iter().map(|m| month_view(p, m)).collect(),
                Vec::new(),
            )
        }
        None => {
            if !may_read(p) {
                return Err(err!("auth.forbidden"));
            }
            let list = nodes::of_kind(h, &p.scope(), NodeKind::Village).await?;
            let links = list
                .into_iter()
                .take(500)
                .map(|n| CommunityLink {
                    code: n.code,
                    name: n.name,
                })
                .collect();
            (None, Vec::new(), links)
        }
    };
    Ok(no_store(render(MonthsPage {
        community,
        communities,
        months,
        confirm,
        done,
        error,
        l,
    })))
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let done = given(q.published.as_deref(), 7).unwrap_or_default();
    Ok(render_list(
        &s,
        lang,
        &p,
        q.community.as_deref(),
        String::new(),
        done,
        String::new(),
    )
    .await?)
}

/// The publish button: a first post asks to confirm; `confirm=1` publishes.
async fn publish_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let code: String = f(&values, "community").trim().chars().take(40).collect();
    let month: String = f(&values, "month").trim().chars().take(20).collect();
    let outcome = if f(&values, "confirm") == "1" {
        publish(&s, &p, &code, &month).await.map(Some)
    } else {
        months::parse_month(&month).map(|_| None)
    };
    match outcome {
        Ok(Some(done)) => Ok(Redirect::to(&format!(
            "/vol/months?community={}&published={}",
            urlencode(&code),
            urlencode(&done.month)
        ))
        .into_response()),
        Ok(None) => Ok(render_list(
            &s,
            lang,
            &p,
            Some(&code),
            month,
            String::new(),
            String::new(),
        )
        .await?),
        Err(e) => {
            let e = page_error(e)?;
            let text = Tr::new(lang).error(&e);
            let r = render_list(
                &s,
                lang,
                &p,
                Some(&code),
                String::new(),
                String::new(),
                text,
            )
            .await?;
            Ok(with_status(r, &e))
        }
    }
}

struct LineView {
    name: String,
    building: String,
    unit: String,
    post: String,
    month_points: i64,
    year_points: i64,
}

struct BuildingView {
    building: String,
    volunteers: i64,
    month_points: i64,
    year_points: i64,
    href: String,
}

#[derive(Template)]
#[template(path = "volunteers/notice_sheet.html")]
struct NoticePage {
    l: Layout,
    community_name: String,
    community_code: String,
    month: String,
    building: String,
    lines: Vec<LineView>,
    buildings: Vec<BuildingView>,
    points: i64,
    entries: i64,
    published: String,
    may_manage: bool,
}

async fn notice_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((community, month)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (node, sheet) = notice_sheet(&s, &p, &community, &month, q.building.as_deref()).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.notice_title");
    let building = given(q.building.as_deref(), 40).unwrap_or_default();
    let lines = sheet
        .lines
        .iter()
        .map(|x| LineView {
            name: x.name.clone(),
            building: x.building.clone(),
            unit: x.unit.clone(),
            post: l.t.s(&format!("vol.pts.post.{}", x.post)).to_string(),
            month_points: x.month_points,
            year_points: x.year_points,
        })
        .collect();
    let buildings = sheet
        .buildings
        .iter()
        .map(|b| BuildingView {
            href: format!(
                "/vol/months/{}/{}?building={}",
                node.code,
                sheet.month,
                urlencode(&b.building)
            ),
            building: b.building.clone(),
            volunteers: b.volunteers,
            month_points: b.month_points,
            year_points: b.year_points,
        })
        .collect();
    let points = sheet.lines.iter().map(|x| x.month_points).sum();
    Ok(no_store(render(NoticePage {
        community_name: node.name.clone(),
        community_code: node.code.clone(),
        month: sheet.month.clone(),
        building,
        lines,
        buildings,
        points,
        entries: sheet.entries,
        published: sheet
            .published
            .as_ref()
            .map(|x| format!("{} · {}", x.published_by_name, time_text(x.published_at)))
            .unwrap_or_default(),
        may_manage: super::points::may_read(&p),
        l,
    })))
}
