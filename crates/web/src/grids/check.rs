//! The coverage check of the caller's territory: gaps, overlaps, pieces outside, size problems.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::geometry::FindingKind;
use wangge_store::{nodes, territory};

use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, area_text, group_digits, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/check", get(check_page))
}

pub struct FindingRow {
    pub parent_code: String,
    pub parent_name: String,
    pub kind: String,
    pub kind_label: String,
    pub area_m2: String,
    pub lat: String,
    pub lon: String,
    pub codes: Vec<String>,
}

pub struct SizeRow {
    pub code: String,
    pub name: String,
    pub area: String,
    pub problems: String,
}

#[derive(Template)]
#[template(path = "grids/check.html")]
struct CheckPage {
    l: Layout,
    within_code: String,
    within_name: String,
    parents_checked: usize,
    grids_checked: usize,
    findings: Vec<FindingRow>,
    sizes: Vec<SizeRow>,
    missing: Vec<String>,
    coverage_clean: bool,
}

#[derive(Deserialize)]
struct CheckQuery {
    within: Option<String>,
}

async fn check_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<CheckQuery>,
) -> AppResult<Response> {
    me.require_tree_editor()?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let within = q.within.unwrap_or_default().trim().to_string();
    let (scope, within_code, within_name) = if within.is_empty() {
        (me.0.scope(), me.0.node_code.clone(), me.0.node_name.clone())
    } else {
        let n = nodes::by_code(h, &me.0.scope(), &within).await?;
        (me.0.scope().narrow(&n.path), n.code, n.name)
    };
    let report = territory::check(h, &scope, &s.config.guidance).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "nav.check");
    let t = l.t;
    let mut findings = Vec::new();
    for p in &report.coverage {
        for f in &p.findings {
            let kind = match f.kind {
                FindingKind::Gap => "gap",
                FindingKind::Overlap => "overlap",
                FindingKind::Outside => "outside",
            };
            findings.push(FindingRow {
                parent_code: p.code.clone(),
                parent_name: p.name.clone(),
                kind: kind.to_string(),
                kind_label: t.s(&format!("check.{kind}")).to_string(),
                area_m2: group_digits(f.area_m2.round() as i64),
                lat: format!("{:.6}", f.lat),
                lon: format!("{:.6}", f.lon),
                codes: f.codes.clone(),
            });
        }
    }
    let sizes = report
        .sizes
        .iter()
        .map(|z| SizeRow {
            code: z.code.clone(),
            name: z.name.clone(),
            area: area_text(Some(z.area_m2)),
            problems: z.problems.join("; "),
        })
        .collect();
    Ok(render(CheckPage {
        within_code,
        within_name,
        parents_checked: report.parents_checked,
        grids_checked: report.grids_checked,
        coverage_clean: report.coverage.is_empty(),
        findings,
        sizes,
        missing: report.missing_boundary.clone(),
        l,
    }))
}
