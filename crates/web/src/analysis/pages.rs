//! Monthly analysis (研判) per node: counts by level, category and status, on-time rate, handling time, rework; as a page and as an XLSX file.
//!
//! `GET /analysis?node=CODE&month=YYYY-MM` — the caller's own node and the current month (by
//! the server's clock) when left out; a node outside the caller's area is not found (404), a
//! month that is not `YYYY-MM` is refused (400 `analysis.month_invalid`).
//! `GET /analysis.xlsx?node=CODE&month=YYYY-MM` — the same figures as a workbook with the sheets
//! 概况, 按层级, 按类别, 按状态 and 下级, headed in Chinese.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use wangge_domain::err;
use wangge_domain::{Error, deadline};
use wangge_store::analysis::{self, Figures, Monthly};
use wangge_store::nodes::{self, Node};

use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, group_digits, render, rfc5987, urlencode};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/analysis", get(page))
        .route("/analysis.xlsx", get(xlsx))
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize)]
pub struct AnalysisQuery {
    pub node: Option<String>,
    pub month: Option<String>,
}

/// `YYYY-MM` (or `YYYYMM`) to YYYYMM.
pub fn parse_month(s: &str) -> Result<i64, Error> {
    let s = s.trim();
    let bad = || err!("analysis.month_invalid", month = s);
    let (y, m) = match (s.len(), s.split_once('-')) {
        (7, Some((y, m))) => (y, m),
        (6, None) => (
            s.get(..4).unwrap_or_default(),
            s.get(4..).unwrap_or_default(),
        ),
        _ => return Err(bad()),
    };
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let month = y.parse::<i64>().map_err(|_| bad())? * 100 + m.parse::<i64>().map_err(|_| bad())?;
    analysis::check_month(month).map_err(|_| bad())?;
    Ok(month)
}

/// YYYYMM as `YYYY-MM`.
pub fn month_text(month: i64) -> String {
    format!("{:04}-{:02}", month / 100, month % 100)
}

fn shift_month(month: i64, by: i64) -> i64 {
    let index = (month / 100) * 12 + (month % 100 - 1) + by;
    index.div_euclid(12) * 100 + index.rem_euclid(12) + 1
}

/// The month in Asia/Shanghai at `now`.
fn current_month(now: i64) -> Result<i64, Error> {
    let d = deadline::local_date(now)?;
    Ok(i64::from(d.year()) * 100 + i64::from(d.month()))
}

/// The node (in the caller's scope) and the month a request asks for, and its analysis.
pub(crate) async fn load(
    state: &AppState,
    me: &Me,
    q: &AnalysisQuery,
) -> Result<(Node, Monthly), Error> {
    let now = state.now();
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => parse_month(m)?,
        None => current_month(now)?,
    };
    let code = q
        .node
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&me.0.node_code);
    let mut conn = state.db.conn().await?;
    let h = &mut conn.handle();
    let node = nodes::by_code(h, &me.0.scope(), code).await?;
    let m = analysis::monthly(h, &me.0.scope().narrow(&node.path), month, now).await?;
    Ok((node, m))
}

fn rate_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

fn hours_text(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_string(), |h| format!("{h:.1}"))
}

fn share(count: i64, of: i64) -> f64 {
    if of > 0 {
        count as f64 * 100.0 / of as f64
    } else {
        0.0
    }
}

/// One row of a bar table.
pub struct Bar {
    /// A stable key for tests and scripts: the level, status or category code.
    pub key: String,
    pub label: String,
    pub count: i64,
    pub count_text: String,
    pub share: String,
    /// Width of the bar in per cent of the widest possible.
    pub width: String,
}

fn bar(key: impl Into<String>, label: impl Into<String>, count: i64, total: i64) -> Bar {
    let s = share(count, total);
    Bar {
        key: key.into(),
        label: label.into(),
        count,
        count_text: group_digits(count),
        share: format!("{s:.1}%"),
        width: format!("{s:.1}"),
    }
}

pub struct GroupRow {
    pub bar: Bar,
    pub leaves: Vec<Bar>,
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub href: String,
    pub retired: bool,
    pub total: i64,
    pub total_text: String,
    pub closed: String,
    pub rate: String,
    pub hours: String,
    pub rework: String,
    pub overdue: String,
    pub width: String,
}

/// The headline figures, formatted.
pub struct Summary {
    pub total: String,
    pub closed: String,
    pub on_time: String,
    pub closed_with_due: String,
    pub rate: String,
    pub hours: String,
    pub rework: String,
    pub overdue: String,
}

fn summary(f: &Figures) -> Summary {
    Summary {
        total: group_digits(f.total),
        closed: group_digits(f.closed),
        on_time: group_digits(f.on_time),
        closed_with_due: group_digits(f.closed_with_due),
        rate: rate_text(f.on_time_rate()),
        hours: hours_text(f.avg_handling_hours()),
        rework: group_digits(f.rework),
        overdue: group_digits(f.overdue_open),
    }
}

fn levels(t: &Tr, m: &Monthly) -> Vec<Bar> {
    m.by_level
        .iter()
        .map(|l| {
            let key = format!("ev.level.{}", l.level);
            bar(l.level.to_string(), t.s(&key), l.count, m.figures.total)
        })
        .collect()
}

fn statuses(t: &Tr, m: &Monthly) -> Vec<Bar> {
    m.by_status
        .iter()
        .map(|s| {
            let key = format!("status.{}", s.status.as_str());
            bar(s.status.as_str(), t.s(&key), s.count, m.figures.total)
        })
        .collect()
}

fn groups(t: &Tr, m: &Monthly) -> Vec<GroupRow> {
    m.by_group
        .iter()
        .map(|g| GroupRow {
            bar: bar(
                &g.code,
                t.name(&g.name, &g.name_en),
                g.count,
                m.figures.total,
            ),
            leaves: g
                .leaves
                .iter()
                .map(|c| {
                    bar(
                        &c.code,
                        t.name(&c.name, &c.name_en),
                        c.count,
                        m.figures.total,
                    )
                })
                .collect(),
        })
        .collect()
}

fn children(t: &Tr, m: &Monthly) -> Vec<ChildRow> {
    let widest = m
        .children
        .iter()
        .map(|c| c.figures.total)
        .max()
        .unwrap_or(0);
    let month = month_text(m.month);
    m.children
        .iter()
        .map(|c| ChildRow {
            href: if c.retired {
                String::new()
            } else {
                format!("/analysis?node={}&month={month}", urlencode(&c.code))
            },
            kind: if c.kind.is_empty() {
                String::new()
            } else {
                t.kind(&c.kind)
            },
            code: c.code.clone(),
            name: c.name.clone(),
            retired: c.retired,
            total: c.figures.total,
            total_text: group_digits(c.figures.total),
            closed: group_digits(c.figures.closed),
            rate: rate_text(c.figures.on_time_rate()),
            hours: hours_text(c.figures.avg_handling_hours()),
            rework: group_digits(c.figures.rework),
            overdue: group_digits(c.figures.overdue_open),
            width: format!("{:.1}", share(c.figures.total, widest)),
        })
        .collect()
}

/// A step up the tree, linked when the caller may analyse it.
pub struct Crumb {
    pub name: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "analysis/analysis.html")]
struct AnalysisPage {
    l: Layout,
    node_code: String,
    node_name: String,
    node_kind: String,
    month: String,
    month_key: i64,
    prev_href: String,
    next_href: String,
    xlsx_href: String,
    crumbs: Vec<Crumb>,
    s: Summary,
    levels: Vec<Bar>,
    statuses: Vec<Bar>,
    groups: Vec<GroupRow>,
    children: Vec<ChildRow>,
}

async fn page(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<AnalysisQuery>,
) -> AppResult<Response> {
    let (node, m) = load(&state, &me, &q).await?;
    let chain = {
        let mut conn = state.db.conn().await?;
        nodes::ancestors(&mut conn.handle(), &node).await?
    };
    let scope = me.0.scope();
    let month = month_text(m.month);
    let href = |code: &str, month: i64| {
        format!(
            "/analysis?node={}&month={}",
            urlencode(code),
            month_text(month)
        )
    };
    let crumbs = chain
        .iter()
        .filter(|n| n.code != node.code)
        .map(|n| Crumb {
            name: n.name.clone(),
            href: if scope.contains(&n.path) {
                href(&n.code, m.month)
            } else {
                String::new()
            },
        })
        .collect();
    let l = Layout::new(lang, Some(me.0.clone()), "analysis.title");
    let t = l.t;
    Ok(render(AnalysisPage {
        node_kind: t.kind(node.kind),
        prev_href: href(&node.code, shift_month(m.month, -1)),
        next_href: href(&node.code, shift_month(m.month, 1)),
        xlsx_href: format!(
            "/analysis.xlsx?node={}&month={month}",
            urlencode(&node.code)
        ),
        s: summary(&m.figures),
        levels: levels(&t, &m),
        statuses: statuses(&t, &m),
        groups: groups(&t, &m),
        children: children(&t, &m),
        month_key: m.month,
        month,
        crumbs,
        node_code: node.code,
        node_name: node.name,
        l,
    }))
}

async fn xlsx(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<AnalysisQuery>,
) -> AppResult<Response> {
    let (node, m) = load(&state, &me, &q).await?;
    let bytes = workbook(&node, &m).map_err(|e| {
        err!(
            "internal",
            detail = format!("cannot write the workbook: {e}")
        )
    })?;
    let name = format!("研判-{}-{}.xlsx", node.code, month_text(m.month));
    let ascii = format!("analysis-{}-{}.xlsx", node.code, month_text(m.month));
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

fn header_row(ws: &mut Worksheet, bold: &Format, titles: &[&str]) -> Result<(), XlsxError> {
    for (i, title) in titles.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, *title, bold)?;
        ws.set_column_width(col, if i == 0 { 24 } else { 14 })?;
    }
    Ok(())
}

fn n(v: i64) -> f64 {
    v as f64
}

/// The workbook, headed in Chinese whatever the page's language.
pub fn workbook(node: &Node, m: &Monthly) -> Result<Vec<u8>, XlsxError> {
    let t = Tr::new(Lang::Zh);
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let dec = Format::new().set_num_format("0.0");
    let total = m.figures.total;
    let ratio = |c: i64| if total > 0 { n(c) / n(total) } else { 0.0 };
    let mut wb = Workbook::new();

    let ws = wb.add_worksheet();
    ws.set_name("概况")?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 30)?;
    let f = &m.figures;
    let rows: [(&str, Option<f64>, Option<&Format>); 9] = [
        ("事件总数", Some(n(f.total)), None),
        ("已结案", Some(n(f.closed)), None),
        ("有时限的已结案", Some(n(f.closed_with_due)), None),
        ("按期办结", Some(n(f.on_time)), None),
        ("按期办结率", f.on_time_rate(), Some(&pct)),
        ("平均办理时长(小时)", f.avg_handling_hours(), Some(&dec)),
        ("返工次数", Some(n(f.rework)), None),
        ("超期未办结", Some(n(f.overdue_open)), None),
        ("下级单位数", Some(m.children.len() as f64), None),
    ];
    ws.write_string_with_format(0, 0, "项目", &bold)?;
    ws.write_string_with_format(0, 1, "数值", &bold)?;
    ws.write_string(1, 0, "单位")?;
    ws.write_string(1, 1, format!("{}({})", node.name, node.code))?;
    ws.write_string(2, 0, "层级")?;
    ws.write_string(2, 1, t.kind(node.kind))?;
    ws.write_string(3, 0, "月份")?;
    ws.write_string(3, 1, month_text(m.month))?;
    for (i, (label, value, format)) in rows.iter().enumerate() {
        let r = 4 + u32::try_from(i).unwrap_or(0);
        ws.write_string(r, 0, *label)?;
        match (value, format) {
            (Some(v), Some(fmt)) => {
                ws.write_number_with_format(r, 1, *v, fmt)?;
            }
            (Some(v), None) => {
                ws.write_number(r, 1, *v)?;
            }
            (None, _) => {
                ws.write_string(r, 1, "—")?;
            }
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name("按层级")?;
    header_row(ws, &bold, &["层级", "事件数", "占比"])?;
    for (i, l) in m.by_level.iter().enumerate() {
        let r = 1 + u32::try_from(i).unwrap_or(0);
        ws.write_string(r, 0, t.s(&format!("ev.level.{}", l.level)))?;
        ws.write_number(r, 1, n(l.count))?;
        ws.write_number_with_format(r, 2, ratio(l.count), &pct)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("按类别")?;
    header_row(ws, &bold, &["大类", "小类", "类别代码", "事件数", "占比"])?;
    ws.set_column_width(1, 24)?;
    let mut r = 1u32;
    for g in &m.by_group {
        ws.write_string_with_format(r, 0, &g.name, &bold)?;
        ws.write_string_with_format(r, 1, "小计", &bold)?;
        ws.write_string(r, 2, &g.code)?;
        ws.write_number_with_format(r, 3, n(g.count), &bold)?;
        ws.write_number_with_format(r, 4, ratio(g.count), &pct)?;
        r += 1;
        for c in &g.leaves {
            ws.write_string(r, 0, &g.name)?;
            ws.write_string(r, 1, &c.name)?;
            ws.write_string(r, 2, &c.code)?;
            ws.write_number(r, 3, n(c.count))?;
            ws.write_number_with_format(r, 4, ratio(c.count), &pct)?;
            r += 1;
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name("按状态")?;
    header_row(ws, &bold, &["状态", "事件数", "占比"])?;
    for (i, s) in m.by_status.iter().enumerate() {
        let r = 1 + u32::try_from(i).unwrap_or(0);
        ws.write_string(r, 0, t.s(&format!("status.{}", s.status.as_str())))?;
        ws.write_number(r, 1, n(s.count))?;
        ws.write_number_with_format(r, 2, ratio(s.count), &pct)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("下级")?;
    header_row(
        ws,
        &bold,
        &[
            "单位",
            "代码",
            "层级",
            "事件数",
            "已结案",
            "按期办结率",
            "平均办理时长(小时)",
            "返工次数",
            "超期未办结",
        ],
    )?;
    for (i, c) in m.children.iter().enumerate() {
        let r = 1 + u32::try_from(i).unwrap_or(0);
        let name = if c.retired {
            format!("{}(已撤销)", c.name)
        } else {
            c.name.clone()
        };
        ws.write_string(r, 0, name)?;
        ws.write_string(r, 1, &c.code)?;
        ws.write_string(
            r,
            2,
            if c.kind.is_empty() {
                String::new()
            } else {
                t.kind(&c.kind)
            },
        )?;
        let cf = &c.figures;
        ws.write_number(r, 3, n(cf.total))?;
        ws.write_number(r, 4, n(cf.closed))?;
        match cf.on_time_rate() {
            Some(v) => ws.write_number_with_format(r, 5, v, &pct)?,
            None => ws.write_string(r, 5, "—")?,
        };
        match cf.avg_handling_hours() {
            Some(v) => ws.write_number_with_format(r, 6, v, &dec)?,
            None => ws.write_string(r, 6, "—")?,
        };
        ws.write_number(r, 7, n(cf.rework))?;
        ws.write_number(r, 8, n(cf.overdue_open))?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn months() {
        assert_eq!(parse_month("2025-03").unwrap(), 202503);
        assert_eq!(parse_month(" 202512 ").unwrap(), 202512);
        for bad in [
            "2025-13",
            "2025-3",
            "25-03",
            "2025/03",
            "abcd-ef",
            "2025-00",
            "",
            "２０２５-03",
            "２０2503",
        ] {
            assert_eq!(
                parse_month(bad).unwrap_err().code,
                "analysis.month_invalid",
                "{bad}"
            );
        }
        assert_eq!(shift_month(202501, -1), 202412);
        assert_eq!(shift_month(202512, 1), 202601);
        assert_eq!(month_text(202503), "2025-03");
        assert_eq!(
            rfc5987("研判-350102001000-2025-03.xlsx"),
            "%E7%A0%94%E5%88%A4-350102001000-2025-03.xlsx"
        );
    }
}
