//! Seeing a boundary's effect before it is saved: the coverage check of the grid's parent as it
//! would be (preview), the refusal of a save that leaves gaps unless the editor confirms it, and
//! restoring an earlier version (a new version of its own, audited).

use axum::extract::{Path, Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::check::CheckReport;
use wangge_domain::err;
use wangge_domain::geometry::{self, FindingKind, MultiPolygon};
use wangge_domain::{Error, NodeKind};
use wangge_store::audit::Actor;
use wangge_store::territory::{self, Proposed};
use wangge_store::{nodes, now_ms};

use super::api::{after_territory_change, node_json, parent_code_of};
use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/preview", post(preview))
        .route(
            "/api/v1/grids/{code}/versions/{version}/restore",
            post(restore),
        )
}

/// What saving a boundary would do to its parent's coverage.
pub struct Outcome {
    pub report: CheckReport,
    /// No gap, overlap or piece outside in the parent.
    pub clean: bool,
    /// The boundary overlaps a neighbour: refused whatever the editor says.
    pub blocked: bool,
}

impl Outcome {
    pub fn json(&self, area_m2: f64) -> Value {
        json!({"clean": self.clean, "blocked": self.blocked, "area_m2": area_m2.round(), "check": self.report})
    }

    /// The refusal of an unconfirmed save that is not clean, carrying the check.
    fn refusal(&self) -> Error {
        let findings: Vec<_> = self
            .report
            .coverage
            .iter()
            .flat_map(|p| &p.findings)
            .collect();
        let area: f64 = findings.iter().map(|f| f.area_m2).sum();
        err!(
            "grid.check_not_clean",
            count = findings.len(),
            area = crate::ui::group_digits(area.round() as i64)
        )
        .with_details(json!({"clean": false, "blocked": self.blocked, "check": self.report}))
    }
}

/// The check of `parent_code` with `boundary` in place of grid `code` (or added, for a new one).
pub async fn outcome(
    s: &AppState,
    me: &Me,
    code: &str,
    parent_code: &str,
    boundary: &MultiPolygon<f64>,
) -> Result<Outcome, Error> {
    let mut c = s.db.conn().await?;
    // A new grid not yet named is still told apart from its neighbours in the findings.
    let code = if code.is_empty() { "new" } else { code };
    let report = territory::check_proposed(
        &mut c.handle(),
        &me.0.scope(),
        &s.config.guidance,
        &Proposed {
            code,
            parent_code,
            boundary,
        },
    )
    .await?;
    let blocked = report
        .coverage
        .iter()
        .flat_map(|p| &p.findings)
        .any(|f| f.kind == FindingKind::Overlap && f.codes.iter().any(|c| c == code));
    Ok(Outcome {
        clean: report.coverage.is_empty(),
        blocked,
        report,
    })
}

/// Whether the caller confirmed a save the check found not clean (`?confirm=1`).
#[derive(Deserialize, Default)]
pub struct ConfirmQuery {
    confirm: Option<String>,
}

impl ConfirmQuery {
    pub fn confirmed(&self) -> bool {
        matches!(self.confirm.as_deref().map(str::trim), Some("1" | "true"))
    }
}

/// Refuses a save that leaves gaps or pieces outside unless confirmed. Overlaps pass through:
/// the store refuses them with the neighbours' names, confirmed or not.
pub async fn require_clean_or_confirmed(
    s: &AppState,
    me: &Me,
    node: &nodes::Node,
    boundary: &MultiPolygon<f64>,
    confirm: &ConfirmQuery,
) -> Result<(), Error> {
    if confirm.confirmed() || node.parent_id.is_none() {
        return Ok(());
    }
    let o = outcome(s, me, &node.code, &parent_code_of(node)?, boundary).await?;
    // The store refuses a grid's overlap with its own message; other nodes' overlaps need the
    // editor's word like any other finding.
    if o.clean || (o.blocked && node.kind == NodeKind::Grid) {
        Ok(())
    } else {
        Err(o.refusal())
    }
}

#[derive(Deserialize)]
struct PreviewReq {
    /// An existing grid's code, or the code a new grid will take.
    #[serde(default)]
    code: String,
    /// A new grid's parent; an existing grid's is looked up.
    #[serde(default)]
    parent_code: String,
    geometry: Value,
}

async fn preview(
    State(s): State<AppState>,
    me: Me,
    ApiJson(r): ApiJson<PreviewReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let boundary = geometry::parse_geojson_geometry(&r.geometry)?;
    let code = r.code.trim();
    let parent_code = match r.parent_code.trim() {
        "" => {
            let mut c = s.db.conn().await?;
            let node = nodes::by_code(&mut c.handle(), &me.0.scope(), code).await?;
            if node.kind != NodeKind::Grid {
                return Err(err!("grid.not_a_grid").into());
            }
            parent_code_of(&node)?
        }
        p => p.to_string(),
    };
    let o = outcome(&s, &me, code, &parent_code, &boundary).await?;
    Ok(Json(o.json(geometry::area_m2(&boundary))))
}

async fn restore(
    State(s): State<AppState>,
    me: Me,
    Path((code, version)): Path<(String, String)>,
    Query(confirm): Query<ConfirmQuery>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    let version: i64 = version
        .trim()
        .parse()
        .map_err(|_| err!("grid.version_not_found", code = &code, version = &version))?;
    let scope = me.0.scope();
    let (node, boundary) = {
        let mut c = s.db.conn().await?;
        let h = &mut c.handle();
        let node = nodes::by_code(h, &scope, &code).await?;
        let b = nodes::version_boundary(h, &scope, &code, version).await?;
        (node, b)
    };
    require_clean_or_confirmed(&s, &me, &node, &boundary, &confirm).await?;
    let actor = Actor::user(me.0.user_id, me.0.username.clone());
    let mut tx = s.db.begin().await?;
    let node = nodes::restore(
        &mut tx.handle(),
        &scope,
        &actor,
        &code,
        version,
        s.config.guidance.min_finding_m2,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    after_territory_change(&s).await;
    Ok(Json(json!({"node": node_json(&node), "restored": version})))
}
