//! `/work/team`: the leaders' views. A village grid leader sees each worker's week against
//! every duty, a township its workers' month, a county (or the city) each node below it rolled
//! up, with a tap down to the workers; `?worker=ID` lists one worker's records. The same as a
//! workbook (`/work/team.xlsx`) and as JSON (`GET /api/v1/work/team`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wangge_domain::workbench::progress::{self, Key, Line, Span};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};
use wangge_store::workbench::progress::{self as store, Record, Worker};
use wangge_store::workbench::rules;

use super::home::{LineView, line_views};
use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, rfc5987};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/work/team", get(team_page))
        .route("/work/team.xlsx", get(team_xlsx))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/work/team", get(api_team))
}

/// Whether the caller sees the team views.
pub fn leads(p: &Principal) -> bool {
    p.may(Permission::ReviewWork) || p.may(Permission::ManageStaff)
}

#[derive(Deserialize)]
struct TeamQuery {
    period: Option<String>,
    node: Option<String>,
    worker: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Period {
    Week,
    Month,
}

/// One worker's row.
#[derive(Serialize)]
struct Row {
    worker: WorkerJson,
    lines: Vec<Line>,
    red: usize,
    amber: usize,
    short: i64,
}

#[derive(Serialize)]
struct WorkerJson {
    id: i64,
    name: String,
    username: String,
    grid_code: String,
    grid_name: String,
}

/// A node below a county rolled up.
#[derive(Serialize)]
struct Group {
    code: String,
    name: String,
    workers: usize,
    /// Workers with a red line.
    behind: usize,
    red: usize,
    amber: usize,
    short: i64,
}

/// What a team view holds.
struct Team {
    node: Node,
    period: Period,
    span: Span,
    rows: Vec<Row>,
    groups: Vec<Group>,
    /// The worker drilled into, with their records.
    one: Option<(Row, Vec<Record>)>,
}

/// Rolled up per node below rather than listed per worker: above a township.
fn rolls_up(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::City | NodeKind::County)
}

async fn team(s: &AppState, p: &Principal, q: &TeamQuery, keep_rows: bool) -> Result<Team, Error> {
    if !leads(p) {
        return Err(err!("auth.forbidden"));
    }
    let today = today(s.now())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let code = match q.node.as_deref().map(str::trim) {
        None | Some("") => p.node_code.clone(),
        Some(v) => v.chars().take(40).collect(),
    };
    let node = nodes::by_code(h, &p.scope(), &code).await?;
    let period = match q.period.as_deref().map(str::trim) {
        Some("week") => Period::Week,
        Some("month") => Period::Month,
        None | Some("") if matches!(node.kind, NodeKind::Village | NodeKind::Grid) => Period::Week,
        None | Some("") => Period::Month,
        Some(v) => {
            return Err(err!(
                "work.team_period_invalid",
                value = v.chars().take(40).collect::<String>()
            ));
        }
    };
    let span = match period {
        Period::Week => Span::week(today),
        Period::Month => Span::month(today),
    };
    // The node's rules judge its workers: rules are kept at a county or a township, so every
    // grid of a township shares them; a county's view uses the county's.
    let duties = rules::in_force(h, &node.path, today).await?;
    let workers = store::workers(h, &node.path).await?;
    let counts = store::counts(
        h,
        &s.keys,
        &node.path,
        &span,
        duties.minutes_in_grid_per_day,
    )
    .await?;
    let row_of = |w: &Worker| {
        let c = counts.get(&w.user_id).cloned().unwrap_or_default();
        let lines = progress::lines(&duties, &c, &span);
        let (red, amber, short) = progress::behind(&lines);
        Row {
            worker: WorkerJson {
                id: w.user_id,
                name: w.name.clone(),
                username: w.username.clone(),
                grid_code: w.grid_code.clone(),
                grid_name: w.grid_name.clone(),
            },
            lines,
            red,
            amber,
            short,
        }
    };
    let one = match q.worker.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            let id = v.parse::<i64>().ok().filter(|v| *v > 0);
            let w = workers
                .iter()
                .find(|w| Some(w.user_id) == id)
                .ok_or_else(|| {
                    err!(
                        "work.team_worker_not_found",
                        id = v.chars().take(20).collect::<String>()
                    )
                })?;
            let records = store::records(h, w.user_id, &span).await?;
            Some((row_of(w), records))
        }
    };
    let mut rows: Vec<Row> = workers.iter().map(row_of).collect();
    // Shortfalls first: most red lines, then amber, then the largest shortfall.
    rows.sort_by(|a, b| {
        (b.red, b.amber, b.short)
            .cmp(&(a.red, a.amber, a.short))
            .then(a.worker.grid_code.cmp(&b.worker.grid_code))
    });
    let mut groups = Vec::new();
    if rolls_up(node.kind) && one.is_none() {
        let children = nodes::children(h, &p.scope(), node.id).await?;
        let by_path: HashMap<&str, usize> = children
            .iter()
            .enumerate()
            .map(|(i, n)| (n.path.as_str(), i))
            .collect();
        groups = children
            .iter()
            .map(|n| Group {
                code: n.code.clone(),
                name: n.name.clone(),
                workers: 0,
                behind: 0,
                red: 0,
                amber: 0,
                short: 0,
            })
            .collect();
        let depth = node.path.matches('/').count();
        for (w, r) in workers.iter().zip(workers.iter().map(row_of)) {
            // The child's path: the worker's grid path cut one level below the node.
            let child: String = w.grid_path.split_inclusive('/').take(depth + 1).collect();
            if let Some(g) = by_path.get(child.as_str()).and_then(|i| groups.get_mut(*i)) {
                g.workers += 1;
                g.behind += usize::from(r.red > 0);
                g.red += r.red;
                g.amber += r.amber;
                g.short += r.short;
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse((g.behind, g.short)));
        if !keep_rows {
            rows.clear();
        }
    }
    Ok(Team {
        node,
        period,
        span,
        rows,
        groups,
        one,
    })
}

async fn api_team(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<TeamQuery>,
) -> AppResult<Response> {
    let t = team(&s, &p, &q, false).await?;
    let body = json!({
        "node": {"code": t.node.code, "name": t.node.name, "kind": t.node.kind.as_str()},
        "period": t.period,
        "start": t.span.start.to_string(),
        "end": t.span.end.to_string(),
        "rows": t.rows,
        "groups": t.groups,
        "worker": t.one.as_ref().map(|(r, _)| r),
        "records": t.one.as_ref().map(|(_, rs)| rs),
    });
    Ok(no_store(Json(body).into_response()))
}

struct RowView {
    id: i64,
    name: String,
    grid: String,
    red: usize,
    cells: Vec<LineView>,
}

struct RecordView {
    kind: String,
    day: String,
    text: String,
    href: String,
}

#[derive(Template)]
#[template(path = "workbench/team.html")]
struct TeamPage {
    l: Layout,
    node_code: String,
    node_name: String,
    period: &'static str,
    span: String,
    /// The duty keys as the columns, with their labels.
    columns: Vec<(&'static str, String)>,
    rows: Vec<RowView>,
    groups: Vec<Group>,
    one: Option<(RowView, Vec<RecordView>)>,
    xlsx_href: String,
}

fn period_str(p: Period) -> &'static str {
    match p {
        Period::Week => "week",
        Period::Month => "month",
    }
}

/// A row's cells in the columns' order (a duty the rules do not ask has an empty cell).
fn cells(t: &Tr, lines: &[Line]) -> Vec<LineView> {
    let views = line_views(t, lines);
    Key::ALL
        .iter()
        .map(|k| {
            views
                .iter()
                .find(|v| v.key == k.as_str())
                .map(|v| LineView {
                    key: v.key,
                    label: v.label.clone(),
                    light: v.light,
                    light_label: v.light_label.clone(),
                    done: v.done,
                    required: v.required,
                    due: v.due.clone(),
                    href: v.href,
                    act: v.act.clone(),
                })
                .unwrap_or(LineView {
                    key: k.as_str(),
                    label: String::new(),
                    light: "none",
                    light_label: String::new(),
                    done: 0,
                    required: 0,
                    due: String::new(),
                    href: "",
                    act: String::new(),
                })
        })
        .collect()
}

fn row_view(t: &Tr, r: &Row) -> RowView {
    RowView {
        id: r.worker.id,
        name: r.worker.name.clone(),
        grid: r.worker.grid_name.clone(),
        red: r.red,
        cells: cells(t, &r.lines),
    }
}

fn record_href(r: &Record) -> String {
    match r.kind.as_str() {
        "visit" => format!("/work/visits/{}", r.id),
        "diary" => format!("/work/diary/{}", r.id),
        "event" => format!("/events/{}", r.id),
        "sweep" => "/work/sweeps".to_string(),
        _ => "/work/patrol".to_string(),
    }
}

async fn team_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<TeamQuery>,
) -> AppResult<Response> {
    let t = team(&s, &p, &q, false).await?;
    let l = Layout::new(lang, Some(p.clone()), "wb.team.title");
    let tr = &l.t;
    let columns = Key::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                tr.s(&format!("wb.duty.{}", k.as_str())).to_string(),
            )
        })
        .collect();
    let rows = t.rows.iter().map(|r| row_view(tr, r)).collect();
    let one = t.one.as_ref().map(|(r, recs)| {
        (
            row_view(tr, r),
            recs.iter()
                .map(|x| RecordView {
                    kind: tr.s(&format!("wb.record.{}", x.kind)).to_string(),
                    day: x.day.clone(),
                    text: x.text.clone(),
                    href: record_href(x),
                })
                .collect(),
        )
    });
    let period = period_str(t.period);
    let page = TeamPage {
        node_code: t.node.code.clone(),
        node_name: t.node.name.clone(),
        period,
        span: format!("{} – {}", t.span.start, t.span.end),
        columns,
        rows,
        groups: t.groups,
        one,
        xlsx_href: format!("/work/team.xlsx?node={}&period={period}", t.node.code),
        l,
    };
    Ok(no_store(render(page)))
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn team_xlsx(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<TeamQuery>,
) -> AppResult<Response> {
    let q = TeamQuery { worker: None, ..q };
    // The workbook lists every worker, rolled-up views included.
    let t = team(&s, &p, &q, true).await?;
    let bytes = workbook(&t).map_err(|e| {
        err!(
            "internal",
            detail = format!("cannot write the workbook: {e}")
        )
    })?;
    let name = format!(
        "工作台-{}-{}-{}.xlsx",
        t.node.code,
        period_str(t.period),
        t.span.start
    );
    let ascii = format!(
        "work-{}-{}-{}.xlsx",
        t.node.code,
        period_str(t.period),
        t.span.start
    );
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

/// One sheet: a worker a row, each duty's done/required and light; headed in Chinese.
fn workbook(t: &Team) -> Result<Vec<u8>, XlsxError> {
    let tr = Tr::new(Lang::Zh);
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("工作台")?;
    let mut headers: Vec<String> = vec![
        tr.s("wb.team.worker").to_string(),
        tr.s("wb.team.grid").to_string(),
    ];
    headers.extend(
        Key::ALL
            .iter()
            .map(|k| tr.s(&format!("wb.duty.{}", k.as_str())).to_string()),
    );
    for (i, h) in headers.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, h, &bold)?;
        ws.set_column_width(col, if i < 2 { 18 } else { 12 })?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let rn = u32::try_from(r + 1).unwrap_or(u32::MAX);
        ws.write_string(rn, 0, &row.worker.name)?;
        ws.write_string(rn, 1, &row.worker.grid_name)?;
        for (i, k) in Key::ALL.iter().enumerate() {
            let col = u16::try_from(i + 2).unwrap_or(u16::MAX);
            if let Some(l) = row.lines.iter().find(|l| l.key == *k) {
                let text = format!(
                    "{}/{} {}",
                    l.done,
                    l.required,
                    tr.s(&format!("wb.light.{}", l.light.as_str()))
                );
                ws.write_string(rn, col, &text)?;
            }
        }
    }
    wb.save_to_buffer()
}
