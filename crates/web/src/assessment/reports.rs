//! Rankings, the county's comparison, the year-end summary: `/assess/ranking` (+ `.xlsx`),
//! `/assess/compare`, `/assess/year`, and the same as JSON under `/api/v1/assessment/`.
//! Read-only: every figure is a closed quarter's result in force (corrections included).
//! Leaders who review work or assess see them, within their scope; a node outside it answers
//! as one that does not exist.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::assessment::reports::{
    self as store, CompareSort, GradeCounts, Ranking, ResultRow, TownshipLine, YearLine,
};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};

use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, rfc5987, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess/ranking", get(ranking_page))
        .route("/assess/ranking.xlsx", get(ranking_xlsx))
        .route("/assess/compare", get(compare_page))
        .route("/assess/year", get(year_page))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assessment/ranking", get(api_ranking))
        .route("/api/v1/assessment/compare", get(api_compare))
        .route("/api/v1/assessment/year", get(api_year))
}

/// Who sees the reports: those who review the workers' work or assess them.
fn sees(p: &Principal) -> bool {
    p.may(Permission::Assess) || p.may(Permission::ReviewWork)
}

/// Every parameter is taken as text and checked here, so a bad value answers with our error.
#[derive(Deserialize, Default)]
struct ReportQuery {
    quarter: Option<String>,
    node: Option<String>,
    sort: Option<String>,
    year: Option<String>,
    page: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn clip(v: &str) -> String {
    v.chars().take(40).collect()
}

/// The quarter asked for, else the last one that has ended.
fn quarter_of(q: &ReportQuery, today: Date) -> Result<Quarter, Error> {
    match given(&q.quarter) {
        None => Ok(Quarter::of(today).prev()),
        Some(v) => Quarter::parse(v).ok_or_else(|| err!("assess.quarter_invalid", value = clip(v))),
    }
}

fn year_of(q: &ReportQuery, today: Date) -> Result<i32, Error> {
    match given(&q.year) {
        None => Ok(today.year()),
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| err!("assess.year_invalid", value = clip(v))),
    }
}

fn page_of(q: &ReportQuery) -> Result<i64, Error> {
    match given(&q.page) {
        None => Ok(1),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| err!("assess.page_invalid", value = clip(v))),
    }
}

fn sort_of(q: &ReportQuery) -> Result<CompareSort, Error> {
    match given(&q.sort) {
        None => Ok(CompareSort::Code),
        Some(v) => {
            CompareSort::parse(v).ok_or_else(|| err!("assess.sort_invalid", value = clip(v)))
        }
    }
}

/// The node asked for (default the caller's), in scope or not found.
async fn node_of(s: &AppState, p: &Principal, q: &ReportQuery) -> Result<Node, Error> {
    if !sees(p) {
        return Err(err!("auth.forbidden"));
    }
    let code = given(&q.node).map_or_else(|| p.node_code.clone(), clip);
    let mut c = s.db.conn().await?;
    nodes::by_code(&mut c.handle(), &p.scope(), &code).await
}

fn above_township(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::City | NodeKind::County)
}

/// Centi-points or cents as `92.50`.
fn hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Tenths of a percent as `33.3%`.
fn percent(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

// ---------------------------------------------------------------------------------------------
// Ranking

struct RankingData {
    node: Node,
    quarter: Quarter,
    ranking: Option<Ranking>,
}

async fn ranking_data(s: &AppState, p: &Principal, q: &ReportQuery) -> Result<RankingData, Error> {
    let node = node_of(s, p, q).await?;
    let quarter = quarter_of(q, today(s.now())?)?;
    if node.kind != NodeKind::Township {
        return Err(err!("assess.ranking_node", code = node.code.clone()));
    }
    let mut c = s.db.conn().await?;
    let ranking = store::ranking(&mut c.handle(), &node.path, node.id, quarter).await?;
    Ok(RankingData {
        node,
        quarter,
        ranking,
    })
}

#[derive(Serialize)]
struct NodeJson {
    code: String,
    name: String,
    kind: &'static str,
}

fn node_json(n: &Node) -> NodeJson {
    NodeJson {
        code: n.code.clone(),
        name: n.name.clone(),
        kind: n.kind.as_str(),
    }
}

#[derive(Serialize)]
struct RankRowJson<'a> {
    result_id: i64,
    user_id: i64,
    user_name: &'a str,
    rank: i64,
    total_centi: i64,
    basic_centi: i64,
    satisfaction_centi: i64,
    grade: &'a str,
    pay_cents: i64,
    unqualified_streak: i64,
    not_reengage: bool,
    veto: Option<&'a str>,
    corrected: bool,
    sheet_href: String,
}

fn sheet_href(user_id: i64, quarter: &str) -> String {
    format!("/assess/sheet/{user_id}/{quarter}")
}

fn rank_row(r: &ResultRow) -> RankRowJson<'_> {
    RankRowJson {
        result_id: r.id,
        user_id: r.user_id,
        user_name: &r.user_name,
        rank: r.rank,
        total_centi: r.total_centi,
        basic_centi: r.basic_centi,
        satisfaction_centi: r.satisfaction_centi,
        grade: &r.grade,
        pay_cents: r.pay_cents,
        unqualified_streak: r.unqualified_streak,
        not_reengage: r.not_reengage,
        veto: r.veto.as_deref(),
        corrected: r.corrected(),
        sheet_href: sheet_href(r.user_id, &r.quarter),
    }
}

async fn api_ranking(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let d = ranking_data(&s, &p, &q).await?;
    let r = d.ranking.as_ref();
    let body = serde_json::json!({
        "node": node_json(&d.node),
        "quarter": d.quarter.to_string(),
        "closed": r.is_some(),
        "quarter_id": r.map(|r| r.closed.id),
        "closed_at": r.map(|r| r.closed.closed_at),
        "closed_by_name": r.map(|r| r.closed.closed_by_name.as_str()),
        "subsidy_cents": r.map(|r| r.closed.subsidy_cents),
        "reward_pool_cents": r.map(|r| r.closed.reward_pool_cents),
        "counts": r.map(|r| r.counts).unwrap_or_default(),
        "pay_total_cents": r.map_or(0, |r| r.pay_total_cents),
        "rows": r.map(|r| r.rows.iter().map(rank_row).collect::<Vec<_>>()).unwrap_or_default(),
    });
    Ok(no_store(Json(body).into_response()))
}

struct RankView {
    rank: i64,
    user_name: String,
    total: String,
    basic: String,
    satisfaction: String,
    grade: &'static str,
    grade_label: String,
    pay: String,
    streak: i64,
    not_reengage: bool,
    corrected: bool,
    href: String,
}

struct CountView {
    grade: &'static str,
    label: String,
    n: i64,
}

#[derive(Template)]
#[template(path = "assessment/reports_ranking.html")]
struct RankingPage {
    l: Layout,
    node_code: String,
    node_name: String,
    quarter: String,
    prev: String,
    next: String,
    closed: bool,
    closed_line: String,
    rows: Vec<RankView>,
    counts: Vec<CountView>,
    pay_total: String,
    xlsx_href: String,
    compare_href: String,
    year_href: String,
}

/// A grade's key, as a static string the templates compare with.
fn grade_key(g: &str) -> &'static str {
    match g {
        "excellent" => "excellent",
        "qualified" => "qualified",
        _ => "unqualified",
    }
}

fn count_views(t: &Tr, c: &GradeCounts) -> Vec<CountView> {
    [
        ("excellent", c.excellent),
        ("qualified", c.qualified),
        ("unqualified", c.unqualified),
    ]
    .into_iter()
    .map(|(g, n)| CountView {
        grade: g,
        label: t.s(&format!("asr.grade.{g}")).to_string(),
        n,
    })
    .collect()
}

async fn ranking_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    // Above a township the ranking starts from the comparison of its townships.
    let node = node_of(&s, &p, &q).await?;
    if above_township(node.kind) {
        let quarter = quarter_of(&q, today(s.now())?)?;
        return Ok(Redirect::to(&format!(
            "/assess/compare?quarter={quarter}&node={}",
            node.code
        ))
        .into_response());
    }
    let d = ranking_data(&s, &p, &q).await?;
    let l = Layout::new(lang, Some(p.clone()), "asr.ranking.title");
    let t = &l.t;
    let quarter = d.quarter.to_string();
    let (rows, counts, pay_total, closed_line) = match &d.ranking {
        Some(r) => (
            r.rows
                .iter()
                .map(|x| RankView {
                    rank: x.rank,
                    user_name: x.user_name.clone(),
                    total: hundredths(x.total_centi),
                    basic: hundredths(x.basic_centi),
                    satisfaction: hundredths(x.satisfaction_centi),
                    grade: grade_key(&x.grade),
                    grade_label: t
                        .s(&format!("asr.grade.{}", grade_key(&x.grade)))
                        .to_string(),
                    pay: hundredths(x.pay_cents),
                    streak: x.unqualified_streak,
                    not_reengage: x.not_reengage,
                    corrected: x.corrected(),
                    href: sheet_href(x.user_id, &x.quarter),
                })
                .collect(),
            count_views(t, &r.counts),
            hundredths(r.pay_total_cents),
            format!(
                "{} {} · {} {} · {} {}",
                t.s("asr.closed_at"),
                time_text(r.closed.closed_at),
                t.s("asr.subsidy"),
                hundredths(r.closed.subsidy_cents),
                t.s("asr.reward_pool"),
                hundredths(r.closed.reward_pool_cents)
            ),
        ),
        None => (Vec::new(), Vec::new(), String::new(), String::new()),
    };
    let county = d
        .node
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let page = RankingPage {
        node_code: d.node.code.clone(),
        node_name: d.node.name.clone(),
        prev: d.quarter.prev().to_string(),
        next: d.quarter.next().to_string(),
        closed: d.ranking.is_some(),
        closed_line,
        rows,
        counts,
        pay_total,
        xlsx_href: format!(
            "/assess/ranking.xlsx?quarter={quarter}&node={}",
            d.node.code
        ),
        // The county's comparison, when the caller's scope reaches it; else the township's own.
        compare_href: if p.scope().contains(&parent_path(&d.node.path)) && !county.is_empty() {
            format!("/assess/compare?quarter={quarter}&node={county}")
        } else {
            format!("/assess/compare?quarter={quarter}&node={}", d.node.code)
        },
        year_href: format!(
            "/assess/year?year={}&node={}",
            d.quarter.year(),
            d.node.code
        ),
        quarter,
        l,
    };
    Ok(no_store(render(page)))
}

/// `/a/b/c/` → `/a/b/`.
fn parent_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => trimmed[..=i].to_string(),
        None => "/".to_string(),
    }
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn ranking_xlsx(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let d = ranking_data(&s, &p, &q).await?;
    let Some(r) = d.ranking.as_ref() else {
        return Err(err!(
            "assess.report_not_closed",
            code = d.node.code.clone(),
            quarter = d.quarter.to_string()
        )
        .into());
    };
    let bytes = workbook(r).map_err(|e| {
        err!(
            "internal",
            detail = format!("cannot write the workbook: {e}")
        )
    })?;
    let name = format!("考核排名-{}-{}.xlsx", d.node.code, d.quarter);
    let ascii = format!("ranking-{}-{}.xlsx", d.node.code, d.quarter);
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&name)
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// One sheet, a worker a row as on the page, headed in Chinese; the grade counts and the pay
/// total below. Scores and pay are numbers (2 decimals) so that the sheet can sum them.
fn workbook(r: &Ranking) -> Result<Vec<u8>, XlsxError> {
    let t = Tr::new(Lang::Zh);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("考核排名")?;
    let headers = [
        "asr.col.rank",
        "asr.col.worker",
        "asr.col.total",
        "asr.col.basic",
        "asr.col.satisfaction",
        "asr.col.grade",
        "asr.col.pay",
        "asr.col.streak",
        "asr.col.not_reengage",
        "asr.col.corrected",
    ];
    for (i, k) in headers.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, t.s(k), &bold)?;
        ws.set_column_width(col, if i == 1 { 16 } else { 11 })?;
    }
    let centi = |v: i64| v as f64 / 100.0;
    let yes = |b: bool| if b { t.s("asr.yes") } else { "" };
    let mut row = 1u32;
    for x in &r.rows {
        ws.write_number(row, 0, x.rank as f64)?;
        ws.write_string(row, 1, &x.user_name)?;
        ws.write_number_with_format(row, 2, centi(x.total_centi), &money)?;
        ws.write_number_with_format(row, 3, centi(x.basic_centi), &money)?;
        ws.write_number_with_format(row, 4, centi(x.satisfaction_centi), &money)?;
        ws.write_string(row, 5, t.s(&format!("asr.grade.{}", grade_key(&x.grade))))?;
        ws.write_number_with_format(row, 6, centi(x.pay_cents), &money)?;
        ws.write_number(row, 7, x.unqualified_streak as f64)?;
        ws.write_string(row, 8, yes(x.not_reengage))?;
        ws.write_string(row, 9, yes(x.corrected()))?;
        row += 1;
    }
    row += 1;
    for c in count_views(&t, &r.counts) {
        ws.write_string_with_format(row, 1, &c.label, &bold)?;
        ws.write_number(row, 2, c.n as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, t.s("asr.pay_total"), &bold)?;
    ws.write_number_with_format(row, 6, centi(r.pay_total_cents), &money)?;
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// Comparison

struct CompareData {
    node: Node,
    quarter: Quarter,
    sort: CompareSort,
    lines: Vec<TownshipLine>,
}

async fn compare_data(s: &AppState, p: &Principal, q: &ReportQuery) -> Result<CompareData, Error> {
    let node = node_of(s, p, q).await?;
    let quarter = quarter_of(q, today(s.now())?)?;
    let sort = sort_of(q)?;
    // A township's office compares only itself; a village or grid has no townships.
    if !above_township(node.kind) && node.kind != NodeKind::Township {
        return Err(err!("assess.compare_node", code = node.code.clone()));
    }
    let mut c = s.db.conn().await?;
    let mut lines = store::compare(&mut c.handle(), &node.path, quarter).await?;
    store::sort_lines(&mut lines, sort);
    Ok(CompareData {
        node,
        quarter,
        sort,
        lines,
    })
}

#[derive(Serialize)]
struct CompareLineJson<'a> {
    code: &'a str,
    name: &'a str,
    closed: bool,
    workers: i64,
    mean_centi: Option<i64>,
    excellent: i64,
    qualified: i64,
    unqualified: i64,
    excellent_permille: i64,
    qualified_permille: i64,
    unqualified_permille: i64,
    pay_cents: i64,
    ranking_href: String,
}

fn compare_line<'a>(l: &'a TownshipLine, quarter: &Quarter) -> CompareLineJson<'a> {
    CompareLineJson {
        code: &l.code,
        name: &l.name,
        closed: l.closed,
        workers: l.workers,
        mean_centi: l.mean_centi(),
        excellent: l.counts.excellent,
        qualified: l.counts.qualified,
        unqualified: l.counts.unqualified,
        excellent_permille: l.share_permille(l.counts.excellent),
        qualified_permille: l.share_permille(l.counts.qualified),
        unqualified_permille: l.share_permille(l.counts.unqualified),
        pay_cents: l.pay_cents,
        ranking_href: format!("/assess/ranking?quarter={quarter}&node={}", l.code),
    }
}

async fn api_compare(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let d = compare_data(&s, &p, &q).await?;
    let body = serde_json::json!({
        "node": node_json(&d.node),
        "quarter": d.quarter.to_string(),
        "sort": d.sort,
        "closed": d.lines.iter().filter(|l| l.closed).count(),
        "pay_total_cents": d.lines.iter().map(|l| l.pay_cents).sum::<i64>(),
        "lines": d.lines.iter().map(|l| compare_line(l, &d.quarter)).collect::<Vec<_>>(),
    });
    Ok(no_store(Json(body).into_response()))
}

struct CompareView {
    code: String,
    name: String,
    closed: bool,
    workers: i64,
    mean: String,
    excellent: String,
    qualified: String,
    unqualified: String,
    pay: String,
    href: String,
}

fn share(l: &TownshipLine, n: i64) -> String {
    format!("{n} ({})", percent(l.share_permille(n)))
}

#[derive(Template)]
#[template(path = "assessment/reports_compare.html")]
struct ComparePage {
    l: Layout,
    node_code: String,
    node_name: String,
    quarter: String,
    prev: String,
    next: String,
    sort: &'static str,
    sorts: Vec<(&'static str, String)>,
    lines: Vec<CompareView>,
    closed: usize,
    pay_total: String,
}

async fn compare_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let d = compare_data(&s, &p, &q).await?;
    let l = Layout::new(lang, Some(p.clone()), "asr.compare.title");
    let t = &l.t;
    let quarter = d.quarter.to_string();
    let lines = d
        .lines
        .iter()
        .map(|x| CompareView {
            code: x.code.clone(),
            name: x.name.clone(),
            closed: x.closed,
            workers: x.workers,
            mean: x.mean_centi().map(hundredths).unwrap_or_default(),
            excellent: share(x, x.counts.excellent),
            qualified: share(x, x.counts.qualified),
            unqualified: share(x, x.counts.unqualified),
            pay: hundredths(x.pay_cents),
            href: format!("/assess/ranking?quarter={quarter}&node={}", x.code),
        })
        .collect();
    let sorts = CompareSort::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                t.s(&format!("asr.sort.{}", k.as_str())).to_string(),
            )
        })
        .collect();
    let page = ComparePage {
        node_code: d.node.code.clone(),
        node_name: d.node.name.clone(),
        prev: d.quarter.prev().to_string(),
        next: d.quarter.next().to_string(),
        sort: d.sort.as_str(),
        sorts,
        lines,
        closed: d.lines.iter().filter(|l| l.closed).count(),
        pay_total: hundredths(d.lines.iter().map(|l| l.pay_cents).sum()),
        quarter,
        l,
    };
    Ok(no_store(render(page)))
}

// ---------------------------------------------------------------------------------------------
// Year-end summary

/// Workers per page of the year-end summary.
const PER_PAGE: i64 = 50;

async fn year_data(
    s: &AppState,
    p: &Principal,
    q: &ReportQuery,
) -> Result<(Node, store::YearPage), Error> {
    let node = node_of(s, p, q).await?;
    let year = year_of(q, today(s.now())?)?;
    let page = page_of(q)?;
    if !above_township(node.kind) && node.kind != NodeKind::Township {
        return Err(err!("assess.year_node", code = node.code.clone()));
    }
    let mut c = s.db.conn().await?;
    let y = store::year(&mut c.handle(), &node.path, year, page, PER_PAGE).await?;
    Ok((node, y))
}

async fn api_year(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (node, y) = year_data(&s, &p, &q).await?;
    let body = serde_json::json!({
        "node": node_json(&node),
        "year": y.year,
        "page": y.page,
        "per_page": y.per_page,
        "total": y.total,
        "lines": y.lines,
    });
    Ok(no_store(Json(body).into_response()))
}

struct CellView {
    quarter: String,
    grade: &'static str,
    label: String,
    total: String,
    corrected: bool,
    href: String,
}

struct YearView {
    name: String,
    grid: String,
    cells: Vec<Option<CellView>>,
    mean: String,
    unqualified: i64,
    not_reengage: bool,
    notices: usize,
    no_login: String,
    trainings: String,
    trainings_short: bool,
}

#[derive(Template)]
#[template(path = "assessment/reports_year.html")]
struct YearPageT {
    l: Layout,
    node_code: String,
    node_name: String,
    year: i32,
    lines: Vec<YearView>,
    total: i64,
    page: i64,
    prev_page: Option<i64>,
    next_page: Option<i64>,
}

fn year_view(t: &Tr, x: &YearLine) -> YearView {
    YearView {
        name: x.worker.name.clone(),
        grid: x.worker.grid_name.clone(),
        cells: x
            .quarters
            .iter()
            .map(|c| {
                c.as_ref().map(|c| CellView {
                    quarter: c.quarter.clone(),
                    grade: grade_key(&c.grade),
                    label: t
                        .s(&format!("asr.grade.{}", grade_key(&c.grade)))
                        .to_string(),
                    total: hundredths(c.total_centi),
                    corrected: c.corrected,
                    href: sheet_href(x.worker.user_id, &c.quarter),
                })
            })
            .collect(),
        mean: x.mean_centi.map(hundredths).unwrap_or_default(),
        unqualified: x.unqualified,
        not_reengage: x.not_reengage,
        notices: x.notices.len(),
        no_login: x.no_login_months.join(", "),
        trainings: format!("{}/{}", x.trainings_attended, x.trainings_required),
        trainings_short: x.trainings_attended < x.trainings_required,
    }
}

async fn year_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (node, y) = year_data(&s, &p, &q).await?;
    let l = Layout::new(lang, Some(p.clone()), "asr.year.title");
    let lines = y.lines.iter().map(|x| year_view(&l.t, x)).collect();
    let page = YearPageT {
        node_code: node.code.clone(),
        node_name: node.name.clone(),
        year: y.year,
        lines,
        total: y.total,
        page: y.page,
        prev_page: (y.page > 1).then(|| y.page - 1),
        next_page: (y.page * y.per_page < y.total).then(|| y.page + 1),
        l,
    };
    Ok(no_store(render(page)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn formats_hundredths_and_shares() {
        assert_eq!(hundredths(9250), "92.50");
        assert_eq!(hundredths(5), "0.05");
        assert_eq!(hundredths(-120), "-1.20");
        assert_eq!(percent(333), "33.3%");
        assert_eq!(percent(1000), "100.0%");
        assert_eq!(parent_path("/a/b/c/"), "/a/b/");
    }

    #[test]
    fn parameters_are_checked() {
        let today = Date::parse("2026-12-05").unwrap();
        let q = ReportQuery::default();
        assert_eq!(quarter_of(&q, today).unwrap().to_string(), "2026Q3");
        assert_eq!(year_of(&q, today).unwrap(), 2026);
        let bad = ReportQuery {
            quarter: Some("2026Q9".into()),
            year: Some("abc".into()),
            page: Some("0".into()),
            sort: Some("name".into()),
            node: None,
        };
        assert_eq!(
            quarter_of(&bad, today).unwrap_err().code,
            "assess.quarter_invalid"
        );
        assert_eq!(
            year_of(&bad, today).unwrap_err().code,
            "assess.year_invalid"
        );
        assert_eq!(page_of(&bad).unwrap_err().code, "assess.page_invalid");
        assert_eq!(sort_of(&bad).unwrap_err().code, "assess.sort_invalid");
    }
}
