//! The pages of draws and inspections: `/assess/draws` (rounds in scope; a township office's
//! "new draw" form), `/assess/draws/{id}` (pools, seed, result, "verify this draw"),
//! `/assess/inspections` (list with quarter and kind filters, "new inspection" form) and
//! `/assess/inspections/{id}` (findings, "add finding" form). A refused form comes back with
//! what was typed and the reason.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_domain::assessment::finding::{Evidence, Kind};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::assessment::inspections;
use wangge_store::assessment::rules;
use wangge_store::auth::Principal;
use wangge_store::nodes;

use super::supervise::{
    FindingAsk, HoldAsk, ListQuery, add_finding, create_inspection, hold, inspection,
    inspection_id, may_see_draws, opt_kind, opt_quarter, quarter_of, round, round_id,
};
use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::{Fields, f, no_store, read_form};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess/draws", get(draws_page).post(draws_submit))
        .route("/assess/draws/{id}", get(draw_page))
        .route(
            "/assess/inspections",
            get(inspections_page).post(inspections_submit),
        )
        .route("/assess/inspections/{id}", get(inspection_page))
        .route("/assess/inspections/{id}/findings", post(finding_submit))
}

/// A choice of a select: value and label.
struct Opt {
    value: String,
    label: String,
}

fn measure_label(t: &Tr, measure: &str) -> String {
    let key = format!("assess.measure.{measure}");
    if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        measure.to_string()
    }
}

fn kind_label(t: &Tr, kind: &str) -> String {
    t.s(&format!("sup.kind.{kind}")).to_string()
}

// ---------------------------------------------------------------------------------------------
// Draws

struct RoundRow {
    id: i64,
    title: String,
    quarter: String,
    node: String,
    targets: usize,
    at: String,
}

#[derive(Template)]
#[template(path = "assessment/supervise_draws.html")]
struct DrawsPage {
    l: Layout,
    rows: Vec<RoundRow>,
    /// Townships where the caller may hold a round (empty: no form).
    townships: Vec<Opt>,
    node: String,
    title: String,
    quarter: String,
    share: String,
    per_target: String,
    error: String,
}

/// The townships in the caller's scope (their own when they sit at one).
async fn townships(s: &AppState, p: &Principal) -> Result<Vec<Opt>, Error> {
    if !p.may(Permission::Assess) {
        return Ok(Vec::new());
    }
    let mut c = s.db.conn().await?;
    let list = nodes::of_kind(&mut c.handle(), &p.scope(), NodeKind::Township).await?;
    Ok(list
        .into_iter()
        .take(300)
        .map(|n| Opt {
            value: n.code,
            label: n.name,
        })
        .collect())
}

async fn render_draws(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    form: Option<(&Fields, &Error)>,
) -> Result<Response, Error> {
    if !may_see_draws(p) {
        return Err(err!("auth.forbidden"));
    }
    let list = {
        let mut c = s.db.conn().await?;
        wangge_store::assessment::draws::list(&mut c.handle(), &p.scope()).await?
    };
    let townships = townships(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "sup.draws.title");
    let this_quarter = wangge_domain::assessment::quarter::Quarter::of(today(s.now())?).to_string();
    let (node, title, quarter, share, per_target, error) = match form {
        Some((v, e)) => (
            f(v, "node").to_string(),
            f(v, "title").to_string(),
            f(v, "quarter").to_string(),
            f(v, "share_pct").to_string(),
            f(v, "inspectors_per_target").to_string(),
            l.t.error(e),
        ),
        None => (
            p.node_code.clone(),
            String::new(),
            this_quarter,
            "10".to_string(),
            "2".to_string(),
            String::new(),
        ),
    };
    let page = DrawsPage {
        rows: list
            .iter()
            .map(|r| RoundRow {
                id: r.id,
                title: r.title.clone(),
                quarter: r.quarter.clone(),
                node: r.node_name.clone(),
                targets: r.result.len(),
                at: time_text(r.created_at),
            })
            .collect(),
        townships,
        node,
        title,
        quarter,
        share,
        per_target,
        error,
        l,
    };
    Ok(no_store(render(page)))
}

async fn draws_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(render_draws(&s, lang, &p, None).await?)
}

fn number(v: &Fields, name: &'static str) -> Result<i64, Error> {
    f(v, name)
        .trim()
        .parse()
        .map_err(|_| err!("request.bad_number", field = name))
}

async fn draws_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let result = async {
        let ask = HoldAsk {
            node: Some(f(&v, "node")),
            title: f(&v, "title"),
            quarter: f(&v, "quarter"),
            share_pct: number(&v, "share_pct")?,
            per_target: number(&v, "inspectors_per_target")?,
            picked: None,
        };
        hold(&s, &p, &ask).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/assess/draws/{id}")).into_response()),
        Err(e) if e.status == 400 => {
            let mut r = render_draws(&s, lang, &p, Some((&v, &e))).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

struct DrawnRow {
    order: usize,
    code: String,
    inspectors: String,
    inspection_id: Option<i64>,
}

struct PoolPerson {
    id: i64,
    username: String,
}

#[derive(Template)]
#[template(path = "assessment/supervise_draw.html")]
struct DrawPage {
    l: Layout,
    id: i64,
    title: String,
    quarter: String,
    node: String,
    share: i64,
    per_target: i64,
    algorithm: String,
    seed: String,
    result_hash: String,
    by: String,
    at: String,
    drawn: Vec<DrawnRow>,
    target_pool: Vec<String>,
    inspector_pool: Vec<PoolPerson>,
    /// Some(answer) after "verify this draw".
    verified: Option<bool>,
}

#[derive(Deserialize)]
struct VerifyQuery {
    verify: Option<String>,
}

async fn draw_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<VerifyQuery>,
) -> AppResult<Response> {
    let id = round_id(&id)?;
    let (r, made) = round(&s, &p, id).await?;
    let name_of = |uid: i64| {
        r.inspectors
            .iter()
            .find(|i| i.id == uid)
            .map(|i| i.username.clone())
            .unwrap_or_else(|| uid.to_string())
    };
    let l = Layout::new(lang, Some(p.clone()), "sup.draw.title");
    let page = DrawPage {
        id: r.id,
        title: r.title.clone(),
        quarter: r.quarter.clone(),
        node: r.node_name.clone(),
        share: r.share_pct,
        per_target: r.per_target,
        algorithm: r.algorithm.clone(),
        seed: r.seed.clone(),
        result_hash: r.result_hash.clone(),
        by: r.drawn_by_name.clone(),
        at: time_text(r.created_at),
        drawn: r
            .result
            .iter()
            .enumerate()
            .map(|(n, d)| DrawnRow {
                order: n + 1,
                code: d.code.clone(),
                inspectors: d
                    .inspectors
                    .iter()
                    .map(|i| name_of(*i))
                    .collect::<Vec<_>>()
                    .join("、"),
                inspection_id: made.iter().find(|i| i.node_id == d.target_id).map(|i| i.id),
            })
            .collect(),
        target_pool: r.targets.iter().map(|t| t.code.clone()).collect(),
        inspector_pool: r
            .inspectors
            .iter()
            .map(|i| PoolPerson {
                id: i.id,
                username: i.username.clone(),
            })
            .collect(),
        verified: q
            .verify
            .is_some()
            .then(|| wangge_store::assessment::draws::replay(&r)),
        l,
    };
    Ok(no_store(render(page)))
}

// ---------------------------------------------------------------------------------------------
// Inspections

struct InspectionRow {
    id: i64,
    day: String,
    kind: String,
    node: String,
    inspector: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "assessment/supervise_inspections.html")]
struct InspectionsPage {
    l: Layout,
    rows: Vec<InspectionRow>,
    filter_quarter: String,
    filter_kind: String,
    kinds: Vec<Opt>,
    /// Villages and grids the caller may inspect.
    nodes: Vec<Opt>,
    node: String,
    kind: String,
    day: String,
    summary: String,
    error: String,
}

/// The villages and grids in the caller's scope, for the form (bounded).
async fn inspectable(s: &AppState, p: &Principal) -> Result<Vec<Opt>, Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut out = Vec::new();
    for kind in [NodeKind::Village, NodeKind::Grid] {
        for n in nodes::of_kind(h, &p.scope(), kind)
            .await?
            .into_iter()
            .take(500)
        {
            out.push(Opt {
                label: format!("{} {}", n.code, n.name),
                value: n.code,
            });
        }
    }
    out.sort_by(|a, b| a.value.cmp(&b.value));
    Ok(out)
}

async fn render_inspections(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    q: &ListQuery,
    form: Option<(&Fields, &Error)>,
) -> Result<Response, Error> {
    if !p.may(Permission::Inspect) {
        return Err(err!("auth.forbidden"));
    }
    let quarter = opt_quarter(q.quarter.as_deref())?;
    let kind = opt_kind(q.kind.as_deref())?;
    let list = {
        let mut c = s.db.conn().await?;
        inspections::list(&mut c.handle(), p, quarter, kind).await?
    };
    let nodes = inspectable(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "sup.inspections.title");
    let kinds = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Random)
        .map(|k| Opt {
            value: k.as_str().to_string(),
            label: kind_label(&l.t, k.as_str()),
        })
        .collect();
    let (node, fkind, day, summary, error) = match form {
        Some((v, e)) => (
            f(v, "node").to_string(),
            f(v, "kind").to_string(),
            f(v, "day").to_string(),
            f(v, "summary").to_string(),
            l.t.error(e),
        ),
        None => (
            String::new(),
            "quarterly".to_string(),
            today(s.now())?.to_string(),
            String::new(),
            String::new(),
        ),
    };
    let page = InspectionsPage {
        rows: list
            .iter()
            .map(|i| InspectionRow {
                id: i.id,
                day: i.day.clone(),
                kind: kind_label(&l.t, &i.kind),
                node: i.node_name.clone(),
                inspector: i.inspector_name.clone(),
                summary: i.summary.chars().take(60).collect(),
            })
            .collect(),
        filter_quarter: quarter.map(|q| q.to_string()).unwrap_or_default(),
        filter_kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        kinds,
        nodes,
        node,
        kind: fkind,
        day,
        summary,
        error,
        l,
    };
    Ok(no_store(render(page)))
}

async fn inspections_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    Ok(render_inspections(&s, lang, &p, &q, None).await?)
}

async fn inspections_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let result = create_inspection(
        &s,
        &p,
        f(&v, "node"),
        f(&v, "kind"),
        f(&v, "day"),
        f(&v, "summary"),
    )
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/assess/inspections/{id}")).into_response()),
        Err(e) if e.status == 400 => {
            let q = ListQuery {
                quarter: None,
                kind: None,
            };
            let mut r = render_inspections(&s, lang, &p, &q, Some((&v, &e))).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

struct FindingRow {
    worker: String,
    charge: String,
    count: i64,
    note: String,
    evidence: Vec<String>,
    at: String,
}

#[derive(Template)]
#[template(path = "assessment/supervise_inspection.html")]
struct InspectionPage {
    l: Layout,
    id: i64,
    kind: String,
    node: String,
    day: String,
    quarter: String,
    inspector: String,
    summary: String,
    round_id: Option<i64>,
    findings: Vec<FindingRow>,
    workers: Vec<Opt>,
    charges: Vec<Opt>,
    vetoes: Vec<Opt>,
    evidence_kinds: Vec<Opt>,
    error: String,
    v_worker: String,
    v_charge: String,
    v_count: String,
    v_note: String,
}

async fn render_inspection(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    form: Option<(&Fields, &Error)>,
) -> Result<Response, Error> {
    let (i, found) = inspection(s, p, id).await?;
    let quarter = quarter_of(&i.quarter)?;
    let (workers, scheme) = {
        let mut c = s.db.conn().await?;
        let h = &mut c.handle();
        let workers = inspections::workers(h, &i).await?;
        // The choices follow the rules in force at the inspected node; each finding is checked
        // again against those of its worker's grid.
        let (_, scheme) = rules::in_force(h, &i.path, quarter).await?;
        (workers, scheme)
    };
    let l = Layout::new(lang, Some(p.clone()), "sup.inspection.title");
    let item_name = |key: &str| {
        scheme
            .items
            .iter()
            .find(|it| it.key == key)
            .map(|it| l.t.name(&it.name_zh, &it.name_en).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    let veto_name = |key: &str| {
        scheme
            .vetoes
            .iter()
            .find(|v| v.key == key)
            .map(|v| l.t.name(&v.name_zh, &v.name_en).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    let charges = inspections::choices(&scheme)
        .into_iter()
        .map(|(item, measure)| Opt {
            label: format!("{} · {}", item_name(&item), measure_label(&l.t, &measure)),
            value: format!("{item}|{measure}"),
        })
        .collect();
    let vetoes = scheme
        .vetoes
        .iter()
        .map(|v| Opt {
            value: v.key.clone(),
            label: veto_name(&v.key),
        })
        .collect();
    let (error, v_worker, v_charge, v_count, v_note) = match form {
        Some((v, e)) => (
            l.t.error(e),
            f(v, "user_id").to_string(),
            f(v, "charge").to_string(),
            f(v, "count").to_string(),
            f(v, "note").to_string(),
        ),
        None => (
            String::new(),
            String::new(),
            String::new(),
            "1".to_string(),
            String::new(),
        ),
    };
    let page = InspectionPage {
        id: i.id,
        kind: kind_label(&l.t, &i.kind),
        node: format!("{} {}", i.node_code, i.node_name),
        day: i.day.clone(),
        quarter: i.quarter.clone(),
        inspector: i.inspector_name.clone(),
        summary: i.summary.clone(),
        round_id: i.round_id,
        findings: found
            .iter()
            .map(|x| FindingRow {
                worker: x.user_name.clone(),
                charge: match &x.veto {
                    Some(v) => format!("{} · {}", l.t.s("sup.finding.veto"), veto_name(v)),
                    None => format!(
                        "{} · {}",
                        item_name(&x.item_key),
                        measure_label(&l.t, &x.measure)
                    ),
                },
                count: x.count,
                note: x.note.clone(),
                evidence: x
                    .evidence
                    .iter()
                    .map(|e| match e.id {
                        Some(id) => format!("{} #{id} {}", e.kind, e.text),
                        None => e.text.clone(),
                    })
                    .collect(),
                at: time_text(x.created_at),
            })
            .collect(),
        workers: workers
            .into_iter()
            .map(|w| Opt {
                value: w.id.to_string(),
                label: w.display_name,
            })
            .collect(),
        charges,
        vetoes,
        evidence_kinds: wangge_domain::assessment::finding::EVIDENCE_KINDS
            .iter()
            .map(|k| Opt {
                value: (*k).to_string(),
                label: l.t.s(&format!("sup.ev.{k}")).to_string(),
            })
            .collect(),
        error,
        v_worker,
        v_charge,
        v_count,
        v_note,
        l,
    };
    Ok(no_store(render(page)))
}

async fn inspection_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = inspection_id(&id)?;
    Ok(render_inspection(&s, lang, &p, id, None).await?)
}

/// The form posts `user_id`, `charge` (`item|measure`) or `veto`, `count`, `note`, and one
/// optional piece of evidence: `ev_kind` + `ev_id` and/or `ev_text`.
async fn finding_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = inspection_id(&id)?;
    let v = read_form(req).await?;
    let result = async {
        let user_id = number(&v, "user_id")?;
        let count = number(&v, "count")?;
        let veto = Some(f(&v, "veto").trim()).filter(|x| !x.is_empty());
        let (item, measure) = f(&v, "charge").split_once('|').unwrap_or(("", ""));
        let ev_id = match f(&v, "ev_id").trim() {
            "" => None,
            x => Some(
                x.parse::<i64>()
                    .map_err(|_| err!("request.bad_number", field = "ev_id"))?,
            ),
        };
        let ev_kind = f(&v, "ev_kind").trim().to_string();
        let ev_text = f(&v, "ev_text").trim().to_string();
        let evidence: Vec<Evidence> = if ev_id.is_none() && ev_text.is_empty() {
            Vec::new()
        } else {
            vec![Evidence {
                kind: if ev_id.is_some() {
                    ev_kind
                } else {
                    String::new()
                },
                id: ev_id,
                text: ev_text,
            }]
        };
        add_finding(
            &s,
            &p,
            id,
            &FindingAsk {
                user_id,
                item_key: item,
                measure,
                veto,
                count,
                note: f(&v, "note"),
                evidence: &evidence,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/assess/inspections/{id}")).into_response()),
        Err(e) if e.status == 400 => {
            let mut r = render_inspection(&s, lang, &p, id, Some((&v, &e))).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
