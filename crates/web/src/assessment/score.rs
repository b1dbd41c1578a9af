//! The worker's running score (`/assess`), a leader's view of one worker
//! (`/assess/workers/{id}`), the printable score sheet (`/assess/sheet/{id}/{quarter}`) and
//! `GET /api/v1/assessment/score`. A running quarter is scored live (measures so far, the rules
//! in force); a closed one shows the result in force and its corrections. A worker out of the
//! caller's area answers 404 like one that does not exist.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use wangge_domain::assessment::measures::Evidence;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::{Centi, Scheme, format_points};
use wangge_domain::assessment::score::{Sheet, score};
use wangge_domain::calendar::Date;
use wangge_domain::{Error, Permission, err};
use wangge_store::Handle;
use wangge_store::assessment::measures_sheet::{self, ResultRow};
use wangge_store::assessment::{appeals, measures, rules};
use wangge_store::auth::Principal;
use wangge_store::workbench::progress::{self, Worker, parent_path};

use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess", get(hub))
        .route("/assess/workers/{user_id}", get(worker_page))
        .route("/assess/sheet/{user_id}/{quarter}", get(sheet_page))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/assessment/score", get(api_score))
}

/// Workers listed per page of the leaders' view.
const PAGE: usize = 50;
/// Evidence lines a deduction shows on a page (the API gives all the store kept).
const SHOWN_EVIDENCE: usize = 20;

fn leads(p: &Principal) -> bool {
    p.may(Permission::ReviewWork) || p.may(Permission::Assess)
}

#[derive(Deserialize)]
struct ScoreQuery {
    quarter: Option<String>,
    user_id: Option<String>,
    page: Option<String>,
}

fn quarter_of(q: Option<&str>, today: Date) -> Result<Quarter, Error> {
    match q.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Quarter::of(today)),
        Some(v) => Quarter::parse(v).ok_or_else(|| {
            err!(
                "assess.quarter_invalid",
                value = v.chars().take(20).collect::<String>()
            )
        }),
    }
}

fn not_found(id: impl std::fmt::Display) -> Error {
    err!(
        "assess.worker_not_found",
        id = id.to_string().chars().take(20).collect::<String>()
    )
}

/// The worker `user_id` if the caller may see their score: themselves, or a worker under a
/// leader. Anyone else is not found.
async fn visible(h: &mut Handle<'_>, p: &Principal, user_id: i64) -> Result<Worker, Error> {
    let prefix = if user_id == p.user_id {
        "/".to_string()
    } else if leads(p) {
        p.node_path.clone()
    } else {
        return Err(not_found(user_id));
    };
    progress::worker(h, &prefix, user_id)
        .await?
        .ok_or_else(|| not_found(user_id))
}

/// The scheme in force for a grid: rules are kept at a county or township, so grids of one
/// township share it (looked up once per township).
async fn scheme_for(
    h: &mut Handle<'_>,
    cache: &mut HashMap<String, (Option<i64>, Scheme)>,
    grid_path: &str,
    quarter: Quarter,
) -> Result<(Option<i64>, Scheme), Error> {
    let township = parent_path(&parent_path(grid_path));
    if let Some(s) = cache.get(&township) {
        return Ok(s.clone());
    }
    let got = rules::in_force(h, grid_path, quarter).await?;
    cache.insert(township, got.clone());
    Ok(got)
}

/// A worker's sheet for a quarter: the result in force when closed, else live.
#[derive(Serialize)]
struct Scored {
    user_id: i64,
    name: String,
    grid_name: String,
    quarter: Quarter,
    closed: bool,
    rules_id: Option<i64>,
    sheet: Sheet,
    /// Closed results, newest first: the first is in force.
    history: Vec<ResultRow>,
    /// Weeks and days of a running quarter still ahead (what can still be made up).
    weeks_left: usize,
    days_left: i64,
    /// The result the viewer may appeal against (their own, in force, window open).
    appeal_result: Option<i64>,
}

async fn scored(
    s: &AppState,
    h: &mut Handle<'_>,
    p: &Principal,
    w: &Worker,
    quarter: Quarter,
    today: Date,
) -> Result<Scored, Error> {
    let prefix = if w.user_id == p.user_id {
        w.grid_path.clone()
    } else {
        p.node_path.clone()
    };
    let history = measures_sheet::results(h, &prefix, w.user_id, quarter).await?;
    let (closed, rules_id, sheet) = match history.first() {
        Some(r) => {
            let sheet: Sheet = serde_json::from_str(&r.sheet_json).map_err(|e| {
                err!(
                    "internal",
                    detail = format!("result {} holds no sheet: {e}", r.id)
                )
            })?;
            (true, None, sheet)
        }
        None => {
            let m = measures::collect_one(h, &s.keys, w.user_id, quarter, today).await?;
            let (rules_id, scheme) = rules::in_force(h, &w.grid_path, quarter).await?;
            (false, rules_id, score(&scheme, &m))
        }
    };
    let running = !closed && quarter.start() <= today && today <= quarter.end();
    let (weeks_left, days_left) = if running {
        (
            quarter.weeks().len() - quarter.weeks_ended(today).len(),
            quarter.end().days() - today.days() + 1,
        )
    } else {
        (0, 0)
    };
    let appeal_result = match history.first() {
        // Only a link: filing checks the window again, so a failed read just hides it.
        Some(r) if w.user_id == p.user_id => matches!(
            appeals::window_open(h, &p.scope(), r.id, s.now()).await,
            Ok(true)
        )
        .then_some(r.id),
        _ => None,
    };
    Ok(Scored {
        appeal_result,
        user_id: w.user_id,
        name: w.name.clone(),
        grid_name: w.grid_name.clone(),
        quarter,
        closed,
        rules_id,
        sheet,
        history,
        weeks_left,
        days_left,
    })
}

// ---------------------------------------------------------------------------------------------
// Views

struct EvView {
    text: String,
    href: String,
}

struct DedView {
    label: String,
    count: i64,
    per: String,
    lost: String,
    evidence: Vec<EvView>,
    /// Evidence not shown (the count is the full count).
    more: i64,
    item: String,
    measure: String,
    /// The appeal form for this deduction; empty when it may not be appealed.
    appeal_href: String,
}

struct ItemView {
    name: String,
    points: String,
    lost: String,
    score: String,
    deductions: Vec<DedView>,
}

struct SheetView {
    basic: String,
    satisfaction: String,
    total: String,
    total_100: String,
    veto: Option<String>,
    items: Vec<ItemView>,
}

struct HistoryView {
    kind: String,
    reason: String,
    total: String,
    grade: String,
    by: String,
    at: String,
}

fn pts(c: Centi) -> String {
    format_points(c)
}

fn fill(t: &Tr, key: &str, period: &str, label: &str, short: i64) -> String {
    t.s(key)
        .replace("{period}", period)
        .replace("{who}", label)
        .replace("{short}", &short.to_string())
}

fn evidence_view(t: &Tr, e: &Evidence) -> EvView {
    match e {
        Evidence::Record { kind, id, label } => {
            let href = match kind.as_str() {
                "visit" => format!("/work/visits/{id}"),
                "diary" => format!("/work/diary/{id}"),
                "meeting" => format!("/work/meetings/{id}"),
                "ledger" => format!("/work/ledger/{label}"),
                "event" => format!("/events/{id}"),
                "finding" | "inspection" => "/assess/inspections".to_string(),
                _ => String::new(),
            };
            let kind_label = match kind.as_str() {
                "visit" | "diary" | "meeting" | "ledger" | "finding" | "event" => {
                    t.s(&format!("score.record.{kind}")).to_string()
                }
                other => other.to_string(),
            };
            EvView {
                text: format!("{kind_label} {label}"),
                href,
            }
        }
        Evidence::Absence {
            what,
            period,
            subject,
            short,
            label,
        } => {
            let key = format!("score.ev.{what}");
            let text = if Tr::has(&key) {
                fill(t, &key, period, label, *short)
            } else {
                format!("{what} {period} {short}")
            };
            let href = match (what.as_str(), subject) {
                ("key_person", Some(id)) => format!("/people/{id}"),
                _ => String::new(),
            };
            EvView { text, href }
        }
    }
}

fn sheet_view(t: &Tr, sheet: &Sheet, appeal: Option<i64>) -> SheetView {
    let items = sheet
        .items
        .iter()
        .map(|it| ItemView {
            name: t.name(&it.name_zh, &it.name_en).to_string(),
            points: pts(it.points),
            lost: pts(it.lost),
            score: pts(it.score),
            deductions: it
                .deductions
                .iter()
                .filter(|d| d.count > 0)
                .map(|d| {
                    DedView {
                        item: it.key.clone(),
                        measure: d.measure.clone(),
                        appeal_href: appeal
                            .map(|r| {
                                // Keys and measures are snake_case names (the scheme's checks).
                                format!(
                                    "/assess/appeals/new?result_id={r}&item={}&measure={}",
                                    it.key, d.measure
                                )
                            })
                            .unwrap_or_default(),
                        label: super::rules::measure_name(t, &d.measure),
                        count: d.count,
                        per: pts(d.per),
                        lost: pts(d.lost),
                        evidence: d
                            .evidence
                            .iter()
                            .take(SHOWN_EVIDENCE)
                            .map(|e| evidence_view(t, e))
                            .collect(),
                        more: (d.count
                            - i64::try_from(d.evidence.len().min(SHOWN_EVIDENCE)).unwrap_or(0))
                        .max(0),
                    }
                })
                .collect(),
        })
        .collect();
    SheetView {
        basic: pts(sheet.basic),
        satisfaction: pts(sheet.satisfaction),
        total: pts(sheet.total),
        total_100: pts(sheet.total_100),
        veto: sheet.veto.clone(),
        items,
    }
}

fn history_view(t: &Tr, rows: &[ResultRow]) -> Vec<HistoryView> {
    rows.iter()
        .map(|r| HistoryView {
            kind: t.s(&format!("score.kind.{}", r.kind)).to_string(),
            reason: r.reason.clone(),
            total: pts(r.total_centi),
            grade: t.s(&format!("score.grade.{}", r.grade)).to_string(),
            by: r.created_by_name.clone(),
            at: time_text(r.created_at),
        })
        .collect()
}

/// The quarters a selector offers: this one and the seven before.
fn quarter_choices(today: Date) -> Vec<String> {
    let mut q = Quarter::of(today);
    let mut out = Vec::with_capacity(8);
    for _ in 0..8 {
        out.push(q.to_string());
        q = q.prev();
    }
    out
}

/// One worker's row in the leaders' list.
#[derive(Serialize)]
struct Row {
    user_id: i64,
    name: String,
    grid_name: String,
    total_100: Centi,
    total: String,
    vetoed: bool,
}

#[derive(Template)]
#[template(path = "assessment/score_hub.html")]
struct HubPage {
    l: Layout,
    quarter: String,
    quarters: Vec<String>,
    links: Vec<(&'static str, String)>,
    own: Option<OwnView>,
    rows: Vec<Row>,
    page: usize,
    pages: usize,
    leads: bool,
}

struct OwnView {
    user_id: i64,
    closed: bool,
    sheet: SheetView,
    history: Vec<HistoryView>,
    remaining: String,
}

fn own_view(t: &Tr, x: &Scored) -> OwnView {
    let remaining = if x.days_left > 0 {
        t.s("score.remaining")
            .replace("{weeks}", &x.weeks_left.to_string())
            .replace("{days}", &x.days_left.to_string())
    } else {
        String::new()
    };
    OwnView {
        user_id: x.user_id,
        closed: x.closed,
        sheet: sheet_view(t, &x.sheet, x.appeal_result),
        history: history_view(t, &x.history),
        remaining,
    }
}

/// The links of the hub, per permission.
fn hub_links(p: &Principal) -> Vec<(&'static str, &'static str)> {
    let assess = p.may(Permission::Assess);
    let review = leads(p);
    let inspect = p.may(Permission::Inspect);
    let worker = p.may(Permission::RecordWork);
    [
        ("/assess/rules", "score.link.rules", assess),
        ("/assess/quarters", "score.link.quarters", assess || review),
        ("/assess/appeals", "score.link.appeals", assess || worker),
        ("/assess/draws", "score.link.draws", assess || inspect),
        ("/assess/inspections", "score.link.inspections", inspect),
        (
            "/assess/surveys",
            "score.link.surveys",
            assess || review || worker,
        ),
        ("/assess/ranking", "score.link.ranking", review),
        ("/assess/compare", "score.link.compare", review),
        ("/assess/year", "score.link.year", review),
    ]
    .into_iter()
    .filter(|(.., may)| *may)
    .map(|(href, key, _)| (href, key))
    .collect()
}

async fn hub(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ScoreQuery>,
) -> AppResult<Response> {
    let worker = p.may(Permission::RecordWork);
    let review = leads(&p);
    if !(worker || review || p.may(Permission::Inspect)) {
        return Err(err!("auth.forbidden").into());
    }
    let today = today(s.now())?;
    let quarter = quarter_of(q.quarter.as_deref(), today)?;
    let page = q
        .page
        .as_deref()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|v| *v >= 1)
        .unwrap_or(1)
        .min(10_000);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let l = Layout::new(lang, Some(p.clone()), "score.title");
    let mut own = None;
    if worker && let Some(w) = progress::worker(h, "/", p.user_id).await? {
        own = Some(own_view(
            &l.t,
            &scored(&s, h, &p, &w, quarter, today).await?,
        ));
    }
    let mut rows = Vec::new();
    let mut pages = 0;
    if review {
        let all = leader_rows(&s, h, &p.node_path, quarter, today).await?;
        pages = all.len().div_ceil(PAGE);
        rows = all.into_iter().skip((page - 1) * PAGE).take(PAGE).collect();
    }
    let links = hub_links(&p)
        .into_iter()
        .map(|(href, key)| (href, l.t.s(key).to_string()))
        .collect();
    let page_view = HubPage {
        quarter: quarter.to_string(),
        quarters: quarter_choices(today),
        links,
        own,
        rows,
        page,
        pages,
        leads: review,
        l,
    };
    Ok(no_store(render(page_view)))
}

/// Every worker under the caller with their running total, lowest first.
async fn leader_rows(
    s: &AppState,
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
    today: Date,
) -> Result<Vec<Row>, Error> {
    let ws = progress::workers(h, prefix).await?;
    let all = measures::collect(h, &s.keys, prefix, quarter, today).await?;
    let mut cache = HashMap::new();
    let mut rows = Vec::with_capacity(ws.len());
    for w in &ws {
        let (_, scheme) = scheme_for(h, &mut cache, &w.grid_path, quarter).await?;
        let m = all.get(&w.user_id).cloned().unwrap_or_default();
        let sheet = score(&scheme, &m);
        rows.push(Row {
            user_id: w.user_id,
            name: w.name.clone(),
            grid_name: w.grid_name.clone(),
            total_100: sheet.total_100,
            total: pts(sheet.total),
            vetoed: sheet.veto.is_some(),
        });
    }
    // Shortfalls first: vetoed, then the lowest scores.
    rows.sort_by(|a, b| {
        (!a.vetoed, a.total_100, a.user_id).cmp(&(!b.vetoed, b.total_100, b.user_id))
    });
    Ok(rows)
}

#[derive(Template)]
#[template(path = "assessment/score_worker.html")]
struct WorkerPage {
    l: Layout,
    name: String,
    grid_name: String,
    quarter: String,
    quarters: Vec<String>,
    x: OwnView,
}

async fn worker_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(user_id): Path<String>,
    Query(q): Query<ScoreQuery>,
) -> AppResult<Response> {
    let id = user_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| not_found(&user_id))?;
    let today = today(s.now())?;
    let quarter = quarter_of(q.quarter.as_deref(), today)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let w = visible(h, &p, id).await?;
    let x = scored(&s, h, &p, &w, quarter, today).await?;
    let l = Layout::new(lang, Some(p.clone()), "score.worker_title");
    let page = WorkerPage {
        name: w.name.clone(),
        grid_name: w.grid_name.clone(),
        quarter: quarter.to_string(),
        quarters: quarter_choices(today),
        x: own_view(&l.t, &x),
        l,
    };
    Ok(no_store(render(page)))
}

#[derive(Template)]
#[template(path = "assessment/score_print.html")]
struct PrintPage {
    l: Layout,
    name: String,
    grid_name: String,
    quarter: String,
    x: OwnView,
    printed_at: String,
}

async fn sheet_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((user_id, quarter)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = user_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| not_found(&user_id))?;
    let today = today(s.now())?;
    let quarter = quarter_of(Some(&quarter), today)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let w = visible(h, &p, id).await?;
    let x = scored(&s, h, &p, &w, quarter, today).await?;
    let l = Layout::new(lang, Some(p.clone()), "score.print_title");
    let page = PrintPage {
        name: w.name.clone(),
        grid_name: w.grid_name.clone(),
        quarter: quarter.to_string(),
        x: own_view(&l.t, &x),
        printed_at: time_text(s.now()),
        l,
    };
    Ok(no_store(render(page)))
}

async fn api_score(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ScoreQuery>,
) -> AppResult<Response> {
    let today = today(s.now())?;
    let quarter = quarter_of(q.quarter.as_deref(), today)?;
    let id = match q
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => p.user_id,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| not_found(v))?,
    };
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let w = visible(h, &p, id).await?;
    let x = scored(&s, h, &p, &w, quarter, today).await?;
    Ok(no_store(Json(x).into_response()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn evidence_reads_and_links() {
        let t = Tr::new(Lang::Zh);
        let e = Evidence::Absence {
            what: "key_person".into(),
            period: "2026-09-07".into(),
            subject: Some(12),
            short: 1,
            label: "张三 35****1".into(),
        };
        let v = evidence_view(&t, &e);
        assert!(
            v.text.contains("张三") && v.text.contains("2026-09-07"),
            "{}",
            v.text
        );
        assert_eq!(v.href, "/people/12");
        let e = Evidence::Record {
            kind: "visit".into(),
            id: 5,
            label: String::new(),
        };
        assert_eq!(evidence_view(&t, &e).href, "/work/visits/5");
        let en = Tr::new(Lang::En);
        let v = evidence_view(
            &en,
            &Evidence::Absence {
                what: "login_day".into(),
                period: "2026-09-08".into(),
                subject: None,
                short: 1,
                label: String::new(),
            },
        );
        assert!(v.text.is_ascii(), "{}", v.text);
    }

    #[test]
    fn quarters_and_choices() {
        let today = Date::parse("2026-12-05").unwrap();
        assert_eq!(quarter_of(None, today).unwrap().to_string(), "2026Q4");
        assert_eq!(
            quarter_of(Some("2026q3"), today).unwrap().to_string(),
            "2026Q3"
        );
        assert_eq!(
            quarter_of(Some("2026Q9"), today).unwrap_err().code,
            "assess.quarter_invalid"
        );
        let c = quarter_choices(today);
        assert_eq!(c.len(), 8);
        assert_eq!(c[1], "2026Q3");
    }
}
