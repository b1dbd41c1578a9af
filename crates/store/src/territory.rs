//! Whole-territory operations shared by the command line and the web: the coverage check,
//! GeoJSON import and export, and loading the locate index.

use serde::Serialize;
use serde_json::{Value, json};
use wangge_domain::System;
use wangge_domain::check::{CheckNode, CheckReport, check_tree};
use wangge_domain::err;
use wangge_domain::geometry::{self, MultiPolygon};
use wangge_domain::guidance::SizeGuidance;
use wangge_domain::locate::LocateIndex;
use wangge_domain::{Error, GridKind, NodeKind, Scope};

use crate::db::Handle;
use crate::nodes::{self, NewNode, TerritoryRow};

/// Rows with their boundaries parsed.
type ParsedRows = Vec<(TerritoryRow, Option<MultiPolygon<f64>>)>;

fn parse_rows(rows: Vec<TerritoryRow>) -> Result<ParsedRows, Error> {
    rows.into_iter()
        .map(|r| {
            let g = match &r.boundary {
                Some(b) => Some(geometry::parse_geojson_str(b)?),
                None => None,
            };
            Ok((r, g))
        })
        .collect()
}

/// Runs the coverage and size check over the caller's part of the tree.
pub async fn check(
    h: &mut Handle<'_>,
    scope: &Scope,
    guidance: &SizeGuidance,
) -> Result<CheckReport, Error> {
    let rows = parse_rows(nodes::territory(h, scope).await?)?;
    let nodes: Vec<CheckNode> = rows.into_iter().map(|(r, g)| check_node(r, g)).collect();
    Ok(check_tree(&nodes, guidance))
}

/// A boundary not yet saved: a grid's new shape, or a new grid's under its parent.
pub struct Proposed<'a> {
    /// The grid's code (a new grid's may be empty).
    pub code: &'a str,
    pub parent_code: &'a str,
    pub boundary: &'a MultiPolygon<f64>,
}

/// The coverage check of the proposed grid's parent as it would be after saving: the parent and
/// its children with the proposed boundary in place of (or added to) the stored one. Nothing is
/// written. `scope` is the caller's; the parent must lie in it.
pub async fn check_proposed(
    h: &mut Handle<'_>,
    scope: &Scope,
    guidance: &SizeGuidance,
    p: &Proposed<'_>,
) -> Result<CheckReport, Error> {
    let parent = nodes::by_code(h, scope, p.parent_code).await?;
    let rows = parse_rows(nodes::territory(h, &scope.narrow(&parent.path)).await?)?;
    // Only the parent and its own children: grandchildren tile their own parents.
    let mut nodes: Vec<CheckNode> = rows
        .into_iter()
        .filter(|(r, _)| r.id == parent.id || r.parent_id == Some(parent.id))
        .map(|(r, g)| check_node(r, g))
        .collect();
    match nodes
        .iter_mut()
        .find(|n| !p.code.is_empty() && n.code == p.code)
    {
        Some(n) => n.boundary = Some(p.boundary.clone()),
        None => nodes.push(CheckNode {
            id: -1,
            parent_id: Some(parent.id),
            code: p.code.to_string(),
            name: String::new(),
            is_grid: true,
            exclusive: false,
            boundary: Some(p.boundary.clone()),
            households: None,
            population: None,
        }),
    }
    Ok(check_tree(&nodes, guidance))
}

fn check_node(r: TerritoryRow, g: Option<MultiPolygon<f64>>) -> CheckNode {
    CheckNode {
        id: r.id,
        parent_id: r.parent_id,
        is_grid: r.kind == NodeKind::Grid,
        exclusive: r.grid_kind.is_some_and(GridKind::is_exclusive),
        code: r.code,
        name: r.name,
        boundary: g,
        households: r.households,
        population: r.population,
    }
}

/// What a locate answers about a grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// Builds the in-memory index of every live grid.
pub async fn locate_index(h: &mut Handle<'_>) -> Result<LocateIndex<GridRef>, Error> {
    let grids = nodes::of_kind(h, &System::acting().scope(), NodeKind::Grid).await?;
    let mut items = Vec::with_capacity(grids.len());
    for g in grids {
        if let Some(mp) = g.geometry()? {
            items.push((
                g.code.clone(),
                mp,
                GridRef {
                    id: g.id,
                    code: g.code,
                    name: g.name,
                    path: g.path,
                },
            ));
        }
    }
    Ok(LocateIndex::build(items))
}

/// Grids in scope (optionally only under one node) as a GeoJSON FeatureCollection.
pub async fn export_grids(h: &mut Handle<'_>, scope: &Scope) -> Result<Value, Error> {
    let grids = nodes::of_kind(h, scope, NodeKind::Grid).await?;
    let mut parents: std::collections::HashMap<i64, String> = Default::default();
    let mut features = Vec::with_capacity(grids.len());
    for g in grids {
        let parent_code = match g.parent_id {
            None => None,
            Some(pid) => match parents.get(&pid) {
                Some(c) => Some(c.clone()),
                None => {
                    let p = nodes::by_id(h, &System::acting().scope(), pid).await?;
                    parents.insert(pid, p.code.clone());
                    Some(p.code)
                }
            },
        };
        let geometry = match g.geometry()? {
            Some(mp) => geometry::to_geojson(&mp),
            None => Value::Null,
        };
        features.push(json!({
            "type": "Feature",
            "properties": {
                "code": g.code,
                "name": g.name,
                "kind": g.grid_kind,
                "parent_code": parent_code,
                "area_m2": g.area_m2.map(|a| a.round()),
            },
            "geometry": geometry,
        }));
    }
    Ok(json!({"type": "FeatureCollection", "features": features}))
}

/// One feature's problem, by its position in the file.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureError {
    pub index: usize,
    pub code: Option<String>,
    pub error: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

fn prop<'a>(f: &'a Value, key: &str) -> Option<&'a str> {
    f.get("properties")
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
}

/// Imports grids from a FeatureCollection: each feature with `code`, `name`, `kind` and
/// `parent_code`. A known code redraws and renames that grid; a new code creates one. Every
/// feature is checked; if any fails, the caller must roll back (nothing is kept half-way), and
/// the error lists each bad feature.
pub async fn import_grids(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    text: &str,
    min_overlap_m2: f64,
    now: i64,
) -> Result<ImportSummary, Error> {
    let doc: Value = serde_json::from_str(text).map_err(|e| err!("import.not_json", reason = e))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(err!("import.not_feature_collection"));
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(err!("import.not_feature_collection"));
    };
    let mut errors = Vec::new();
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
    };
    let mut seen = std::collections::HashSet::new();
    for (index, f) in features.iter().enumerate() {
        let code = prop(f, "code").map(str::to_string);
        let result = import_one(h, scope, actor, f, &mut seen, min_overlap_m2, now).await;
        match result {
            Ok(true) => summary.created += 1,
            Ok(false) => summary.updated += 1,
            Err(e) => errors.push(FeatureError {
                index,
                code,
                error: e.code.to_string(),
                message: e.message,
            }),
        }
    }
    if errors.is_empty() {
        Ok(summary)
    } else {
        let n = errors.len();
        Err(err!("import.rows_invalid", bad = n, total = features.len())
            .with_details(json!(errors)))
    }
}

/// Returns whether the grid was created (true) or updated (false).
async fn import_one(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    f: &Value,
    seen: &mut std::collections::HashSet<String>,
    min_overlap_m2: f64,
    now: i64,
) -> Result<bool, Error> {
    let code = prop(f, "code").ok_or_else(|| err!("import.code_missing"))?;
    if !seen.insert(code.to_string()) {
        return Err(err!("import.code_duplicate", code));
    }
    let name = prop(f, "name").ok_or_else(|| err!("import.name_missing"))?;
    let kind_text = prop(f, "kind").unwrap_or("basic");
    let kind = GridKind::parse(kind_text).ok_or_else(|| {
        err!(
            "import.kind_invalid",
            kind = kind_text,
            choices = "basic, office, park, market, school, hospital, enterprise"
        )
    })?;
    let parent_code = prop(f, "parent_code").ok_or_else(|| err!("import.parent_missing"))?;
    let geometry = f.get("geometry").ok_or_else(|| err!("geometry.missing"))?;
    let boundary = geometry::parse_geojson_geometry(geometry)?;
    match nodes::by_code(h, scope, code).await {
        Ok(existing) => {
            if existing.kind != NodeKind::Grid {
                return Err(err!("import.not_a_grid", code, kind = existing.kind));
            }
            let parent = nodes::by_code(h, scope, parent_code).await?;
            if existing.parent_id != Some(parent.id) {
                return Err(err!("import.parent_changed", code));
            }
            nodes::update_details(
                h,
                scope,
                code,
                name,
                existing.phone.as_deref(),
                Some(kind),
                now,
            )
            .await?;
            nodes::redraw(
                h,
                scope,
                actor,
                code,
                &boundary,
                "import",
                min_overlap_m2,
                now,
            )
            .await?;
            Ok(false)
        }
        Err(e) if e.status == 404 => {
            let new = NewNode {
                code: code.to_string(),
                kind: NodeKind::Grid,
                name: name.to_string(),
                parent_code: Some(parent_code.to_string()),
                grid_kind: Some(kind),
                boundary: Some(boundary),
                phone: None,
            };
            nodes::create(h, scope, actor, &new, min_overlap_m2, now).await?;
            Ok(true)
        }
        Err(e) => Err(e),
    }
}
