//! The yearly ranking and the street's records: `/vol/ranking` (the year's ranking in scope, top
//! 50 marked, the award form for the street with its share, the recorded awards) and
//! `/vol/archives` (quarterly summaries: archive an ended quarter, list and open archived ones).
//! `GET /api/v1/volunteers/ranking`, `POST /api/v1/volunteers/awards`,
//! `GET/POST /api/v1/volunteers/archives`, `GET /api/v1/volunteers/archives/{id}`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::volunteers::publication::{self, mask_name};
use wangge_domain::{Error, NodeKind, Permission, Role, err};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};
use wangge_store::volunteers::ranking::{self, ArchiveRow, AwardRow, Chosen, RankPage, Summary};

use super::points::{given, number_of, page_error, with_status, year_of};
use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{f, no_store, read_form};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text, urlencode};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/ranking", get(ranking_page).post(awards_form))
        .route("/vol/archives", get(archives_page).post(archive_form))
        .route("/vol/archives/{id}", get(archive_page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/volunteers/ranking", get(api_ranking))
        .route("/api/v1/volunteers/awards", post(api_awards))
        .route(
            "/api/v1/volunteers/archives",
            get(api_archives).post(api_archive),
        )
        .route("/api/v1/volunteers/archives/{id}", get(api_archive_get))
}

/// Rows a ranking page shows.
const PAGE: i64 = 50;

fn may_read(p: &Principal) -> bool {
    p.may(Permission::Serve) || super::points::may_read(p)
}

/// The node asked for (a street, county or city in scope), else the caller's own.
async fn node_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<Node, Error> {
    let code = given(code, 40).unwrap_or_else(|| p.node_code.clone());
    let mut c = s.db.conn().await?;
    nodes::by_code(&mut c.handle(), &p.scope(), &code).await
}

/// A street (township) the caller governs: the one asked for, else their own node.
async fn street_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<Node, Error> {
    if !p.may(Permission::GovernVolunteers) {
        return Err(err!("auth.forbidden"));
    }
    let n = node_of(s, p, code).await?;
    if n.node_kind() != NodeKind::Township {
        return Err(err!("volunteers.street_required"));
    }
    Ok(n)
}

/// The year's ranking in the caller's scope narrowed to `node`; a volunteer sees others'
/// names masked (they see their community's ranking, not its people's full names).
async fn ranking_of(
    s: &AppState,
    p: &Principal,
    node: Option<&str>,
    year: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Node, RankPage), Error> {
    if !may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let year = year_of(year, s.now())?;
    let node = node_of(s, p, node).await?;
    let scope = p.scope().narrow(&node.path);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut page = ranking::ranking(h, &scope, year, offset, limit).await?;
    if p.role() == Role::Volunteer {
        let own = wangge_store::volunteers::register::by_user(h, p.user_id)
            .await?
            .map(|v| v.id);
        for r in &mut page.rows {
            if Some(r.volunteer_id) != own {
                r.name = mask_name(&r.name);
            }
        }
    }
    Ok((node, page))
}

async fn record(
    s: &AppState,
    p: &Principal,
    code: Option<&str>,
    year: i32,
    share: i64,
    early: bool,
) -> Result<AwardRow, Error> {
    let street = street_of(s, p, code).await?;
    let mut tx = s.db.begin().await?;
    let row = ranking::record_awards(
        &mut tx.handle(),
        &street,
        year,
        share,
        early,
        &actor(p),
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

async fn archive(
    s: &AppState,
    p: &Principal,
    code: Option<&str>,
    quarter: &str,
) -> Result<ArchiveRow, Error> {
    let street = street_of(s, p, code).await?;
    let mut tx = s.db.begin().await?;
    let row = ranking::archive(&mut tx.handle(), &street, quarter, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(row)
}

async fn archive_list(s: &AppState, p: &Principal) -> Result<Vec<ArchiveRow>, Error> {
    if !super::points::may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    ranking::archives(&mut c.handle(), &p.scope()).await
}

async fn archive_open(s: &AppState, p: &Principal, id: &str) -> Result<(ArchiveRow, bool), Error> {
    if !super::points::may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let clipped: String = id.chars().take(20).collect();
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| err!("volunteers.archive_not_found", id = clipped))?;
    let mut c = s.db.conn().await?;
    ranking::archive_get(&mut c.handle(), &p.scope(), id).await
}

// ---- API -------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct RankQuery {
    year: Option<String>,
    node: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
    page: Option<String>,
    awarded: Option<String>,
}

async fn api_ranking(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let offset = number_of(q.offset.as_deref(), "offset")?.unwrap_or(0);
    let limit = number_of(q.limit.as_deref(), "limit")?.unwrap_or(PAGE);
    let (node, page) =
        ranking_of(&s, &p, q.node.as_deref(), q.year.as_deref(), offset, limit).await?;
    Ok(no_store(
        Json(json!({
            "node": { "code": node.code, "name": node.name, "kind": node.kind },
            "top_count": publication::TOP,
            "ranking": page,
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardsReq {
    #[serde(default)]
    node_code: Option<String>,
    year: i32,
    share_pct: i64,
    #[serde(default)]
    early: bool,
}

fn award_json(row: &AwardRow) -> serde_json::Value {
    let chosen: serde_json::Value =
        serde_json::from_str(&row.awards_json).unwrap_or(serde_json::Value::Null);
    json!({
        "id": row.id, "node_id": row.node_id, "year": row.year, "share_pct": row.share_pct,
        "decided_by_name": row.decided_by_name, "decided_at": row.decided_at, "chosen": chosen,
    })
}

async fn api_awards(
    State(s): State<AppState>,
    Me(p): Me,
    crate::form::ApiJson(r): crate::form::ApiJson<AwardsReq>,
) -> AppResult<Response> {
    let row = record(&s, &p, r.node_code.as_deref(), r.year, r.share_pct, r.early).await?;
    Ok((StatusCode::CREATED, Json(award_json(&row))).into_response())
}

fn archive_json(row: &ArchiveRow, intact: Option<bool>) -> serde_json::Value {
    let mut v = json!({
        "id": row.id, "node_id": row.node_id, "quarter": row.quarter,
        "summary_hash": row.summary_hash, "archived_by_name": row.archived_by_name,
        "archived_at": row.archived_at,
    });
    if let (Some(o), Some(intact)) = (v.as_object_mut(), intact) {
        o.insert("intact".into(), json!(intact));
        o.insert(
            "summary".into(),
            serde_json::from_str(&row.summary_json).unwrap_or(serde_json::Value::Null),
        );
    }
    v
}

async fn api_archives(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let items: Vec<_> = archive_list(&s, &p)
        .await?
        .iter()
        .map(|r| archive_json(r, None))
        .collect();
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveReq {
    #[serde(default)]
    node_code: Option<String>,
    quarter: String,
}

async fn api_archive(
    State(s): State<AppState>,
    Me(p): Me,
    crate::form::ApiJson(r): crate::form::ApiJson<ArchiveReq>,
) -> AppResult<Response> {
    let row = archive(&s, &p, r.node_code.as_deref(), &r.quarter).await?;
    Ok((StatusCode::CREATED, Json(archive_json(&row, Some(true)))).into_response())
}

async fn api_archive_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, intact) = archive_open(&s, &p, &id).await?;
    Ok(no_store(
        Json(archive_json(&row, Some(intact))).into_response(),
    ))
}

// ---- Pages -----------------------------------------------------------------------------------

struct RankView {
    rank: i64,
    top: bool,
    name: String,
    post: String,
    place: String,
    earned: i64,
    href: String,
}

struct AwardView {
    year: i64,
    share: i64,
    by: String,
    top: Vec<String>,
    building_leaders: Vec<String>,
    unit_leaders: Vec<String>,
}

fn award_view(r: &AwardRow) -> AwardView {
    let chosen: Option<Chosen> = serde_json::from_str(&r.awards_json).ok();
    let names = |v: Option<&Vec<ranking::Awarded>>| -> Vec<String> {
        v.map(|v| {
            v.iter()
                .map(|a| format!("{}({} · {})", a.name, a.community, a.earned))
                .collect()
        })
        .unwrap_or_default()
    };
    AwardView {
        year: r.year,
        share: r.share_pct,
        by: format!("{} · {}", r.decided_by_name, time_text(r.decided_at)),
        top: names(chosen.as_ref().map(|c| &c.top)),
        building_leaders: names(chosen.as_ref().map(|c| &c.building_leaders)),
        unit_leaders: names(chosen.as_ref().map(|c| &c.unit_leaders)),
    }
}

#[derive(Template)]
#[template(path = "volunteers/rank_list.html")]
struct RankingPage {
    l: Layout,
    year: i32,
    node_code: String,
    node_name: String,
    total: i64,
    rows: Vec<RankView>,
    prev: String,
    next: String,
    may_award: bool,
    awards: Vec<AwardView>,
    share: String,
    done: bool,
    error: String,
}

#[derive(Default)]
struct AwardForm {
    share: String,
    done: bool,
    error: String,
}

async fn render_ranking(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    q: &RankQuery,
    form: AwardForm,
) -> Result<Response, Error> {
    let page_no = number_of(q.page.as_deref(), "page")?
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (node, page) = ranking_of(
        s,
        p,
        q.node.as_deref(),
        q.year.as_deref(),
        (page_no - 1) * PAGE,
        PAGE,
    )
    .await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.ranking_title");
    let may_read_ledgers = super::points::may_read(p);
    let rows = page
        .rows
        .iter()
        .map(|r| RankView {
            rank: r.rank,
            top: r.top,
            name: r.name.clone(),
            post: l.t.s(&format!("vol.pts.post.{}", r.post)).to_string(),
            place: format!("{} {} {}", r.community_name, r.building, r.unit),
            earned: r.earned,
            href: if may_read_ledgers {
                format!("/vol/volunteers/{}/points", r.volunteer_id)
            } else {
                String::new()
            },
        })
        .collect();
    let link = |n: i64| {
        format!(
            "/vol/ranking?year={}&node={}&page={n}",
            page.year,
            urlencode(&node.code)
        )
    };
    let prev = if page_no > 1 {
        link(page_no - 1)
    } else {
        String::new()
    };
    let next = if page_no * PAGE < page.total {
        link(page_no + 1)
    } else {
        String::new()
    };
    let awards = if may_read_ledgers {
        let mut c = s.db.conn().await?;
        ranking::awards(&mut c.handle(), &p.scope().narrow(&node.path))
            .await?
            .iter()
            .map(award_view)
            .collect()
    } else {
        Vec::new()
    };
    let may_award = p.may(Permission::GovernVolunteers) && node.node_kind() == NodeKind::Township;
    Ok(no_store(render(RankingPage {
        year: page.year,
        node_code: node.code.clone(),
        node_name: node.name.clone(),
        total: page.total,
        rows,
        prev,
        next,
        may_award,
        awards,
        share: if form.share.is_empty() {
            "10".into()
        } else {
            form.share
        },
        done: form.done,
        error: form.error,
        l,
    })))
}

async fn ranking_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let form = AwardForm {
        done: q.awarded.as_deref() == Some("1"),
        ..AwardForm::default()
    };
    Ok(render_ranking(&s, lang, &p, &q, form).await?)
}

async fn awards_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let node: String = f(&values, "node").trim().chars().take(40).collect();
    let year_text: String = f(&values, "year").trim().chars().take(20).collect();
    let share: String = f(&values, "share").trim().chars().take(20).collect();
    let early = f(&values, "early") == "1";
    let outcome = async {
        let year = year_of(Some(&year_text), s.now())?;
        let pct = share
            .trim_end_matches('%')
            .parse::<i64>()
            .map_err(|_| err!("volunteers.share_invalid", value = share.clone()))?;
        record(&s, &p, Some(&node), year, pct, early).await
    }
    .await;
    match outcome {
        Ok(row) => Ok(Redirect::to(&format!(
            "/vol/ranking?year={}&node={}&awarded=1",
            row.year,
            urlencode(&node)
        ))
        .into_response()),
        Err(e) => {
            let e = page_error(e)?;
            let q = RankQuery {
                year: Some(year_text).filter(|y| year_of(Some(y), 0).is_ok()),
                node: Some(node),
                ..RankQuery::default()
            };
            let form = AwardForm {
                share,
                done: false,
                error: Tr::new(lang).error(&e),
            };
            let r = render_ranking(&s, lang, &p, &q, form).await?;
            Ok(with_status(r, &e))
        }
    }
}

struct ArchiveView {
    id: i64,
    quarter: String,
    hash: String,
    by: String,
}

fn archive_view(r: &ArchiveRow) -> ArchiveView {
    ArchiveView {
        id: r.id,
        quarter: r.quarter.clone(),
        hash: r.summary_hash.chars().take(16).collect(),
        by: format!("{} · {}", r.archived_by_name, time_text(r.archived_at)),
    }
}

#[derive(Template)]
#[template(path = "volunteers/rank_archives.html")]
struct ArchivesPage {
    l: Layout,
    items: Vec<ArchiveView>,
    may_archive: bool,
    quarter: String,
    error: String,
}

async fn render_archives(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    quarter: String,
    error: String,
) -> Result<Response, Error> {
    let items = archive_list(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.archives_title");
    let quarter = if quarter.is_empty() {
        publication::previous_quarter(today(s.now())?)
    } else {
        quarter
    };
    Ok(no_store(render(ArchivesPage {
        items: items.iter().map(archive_view).collect(),
        may_archive: p.may(Permission::GovernVolunteers) && p.node_kind == NodeKind::Township,
        quarter,
        error,
        l,
    })))
}

async fn archives_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(render_archives(&s, lang, &p, String::new(), String::new()).await?)
}

async fn archive_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let quarter: String = f(&values, "quarter").trim().chars().take(20).collect();
    match archive(&s, &p, None, &quarter).await {
        Ok(row) => Ok(Redirect::to(&format!("/vol/archives/{}", row.id)).into_response()),
        Err(e) => {
            let e = page_error(e)?;
            let text = Tr::new(lang).error(&e);
            let r = render_archives(&s, lang, &p, quarter, text).await?;
            Ok(with_status(r, &e))
        }
    }
}

#[derive(Template)]
#[template(path = "volunteers/rank_archive.html")]
struct ArchivePage {
    l: Layout,
    a: ArchiveView,
    full_hash: String,
    intact: bool,
    summary: Option<Summary>,
}

async fn archive_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (row, intact) = archive_open(&s, &p, &id).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.archive_title");
    Ok(no_store(render(ArchivePage {
        a: archive_view(&row),
        full_hash: row.summary_hash.clone(),
        intact,
        summary: serde_json::from_str(&row.summary_json).ok(),
        l,
    })))
}
