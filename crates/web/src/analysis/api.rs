//! The monthly analysis (研判) as JSON: the figures the `/analysis` page shows for a node in the
//! caller's area and a month, with a link to the same figures as a workbook (`/analysis.xlsx`).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use wangge_store::analysis::Figures;

use super::pages::{AnalysisQuery, load, month_text};
use crate::auth::Me;
use crate::error::AppResult;
use crate::state::AppState;
use crate::ui::urlencode;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/analysis", get(analysis))
}

/// The stored sums with the two rates the page derives from them.
fn figures_json(f: &Figures) -> Value {
    let mut v = json!(f);
    if let Some(o) = v.as_object_mut() {
        o.insert("on_time_rate".into(), json!(f.on_time_rate()));
        o.insert("avg_handling_hours".into(), json!(f.avg_handling_hours()));
    }
    v
}

async fn analysis(
    State(s): State<AppState>,
    me: Me,
    Query(q): Query<AnalysisQuery>,
) -> AppResult<Json<Value>> {
    let (node, m) = load(&s, &me, &q).await?;
    let month = month_text(m.month);
    let children: Vec<Value> = m
        .children
        .iter()
        .map(|c| {
            json!({
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "retired": c.retired,
                "figures": figures_json(&c.figures),
            })
        })
        .collect();
    Ok(Json(json!({
        "node": {"code": node.code, "kind": node.kind, "name": node.name, "path": node.path},
        "month": month,
        "figures": figures_json(&m.figures),
        "by_level": m.by_level,
        "by_status": m.by_status,
        "by_category": m.by_category,
        "by_group": m.by_group,
        "children": children,
        "xlsx": format!("/analysis.xlsx?node={}&month={month}", urlencode(&node.code)),
    })))
}
