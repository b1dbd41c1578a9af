//! The admin tree and its grids. Every function that reads or writes nodes takes the caller's
//! `Scope`; a node outside it is reported as not found.

use serde::Serialize;
use wangge_domain::System;
use wangge_domain::err;
use wangge_domain::geometry::{self, GeometryError};
use wangge_domain::geometry::{LineString, MultiPolygon};
use wangge_domain::{Error, GridKind, NodeKind, Scope, code, scope::child_path};

use crate::db::{Handle, sql_error};

/// A nullable name column, read as text first: sqlx decodes `Option<String>` but not into an
/// optional domain enum, so the row converts it (an unknown name is a decode error).
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct OptionalName(Option<String>);

impl TryFrom<OptionalName> for Option<GridKind> {
    type Error = wangge_domain::tree::UnknownName;
    fn try_from(n: OptionalName) -> Result<Self, Self::Error> {
        n.0.map(GridKind::try_from).transpose()
    }
}

/// A node without its boundary: what lists and trees need.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct NodeSummary {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub kind: NodeKind,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    #[sqlx(try_from = "OptionalName")]
    pub grid_kind: Option<GridKind>,
    pub area_m2: Option<f64>,
    pub households: Option<i64>,
    pub population: Option<i64>,
    pub phone: Option<String>,
}

/// A node with its boundary as GeoJSON text.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Node {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub kind: NodeKind,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    #[sqlx(try_from = "OptionalName")]
    pub grid_kind: Option<GridKind>,
    pub area_m2: Option<f64>,
    pub households: Option<i64>,
    pub population: Option<i64>,
    pub phone: Option<String>,
    pub boundary: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Node {
    pub fn node_kind(&self) -> NodeKind {
        self.kind
    }

    pub fn geometry(&self) -> Result<Option<MultiPolygon<f64>>, Error> {
        match &self.boundary {
            None => Ok(None),
            Some(text) => Ok(Some(geometry::parse_geojson_str(text)?)),
        }
    }
}

macro_rules! summary_sql {
    ($rest:literal) => {
        concat!(
            "SELECT id, code, kind, name, parent_id, path, grid_kind, area_m2, households, population, phone FROM nodes ",
            $rest
        )
    };
}
macro_rules! node_sql {
    ($rest:literal) => {
        concat!(
            "SELECT id, code, kind, name, parent_id, path, grid_kind, area_m2, households, population, phone, boundary, created_at, updated_at FROM nodes ",
            $rest
        )
    };
}

fn not_found(code: &str) -> Error {
    err!("node.not_found", code)
}

pub async fn by_code(h: &mut Handle<'_>, scope: &Scope, code: &str) -> Result<Node, Error> {
    let n: Option<Node> = q!(
        h,
        fetch_optional,
        Node,
        node_sql!("WHERE code = $1 AND path LIKE $2 AND retired_at IS NULL"),
        code,
        scope.like_pattern()
    )
    .map_err(sql_error)?;
    n.ok_or_else(|| not_found(code))
}

pub async fn by_id(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Node, Error> {
    let n: Option<Node> = q!(
        h,
        fetch_optional,
        Node,
        node_sql!("WHERE id = $1 AND path LIKE $2 AND retired_at IS NULL"),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?;
    n.ok_or_else(|| not_found(&id.to_string()))
}

pub async fn children(
    h: &mut Handle<'_>,
    scope: &Scope,
    parent_id: i64,
) -> Result<Vec<NodeSummary>, Error> {
    q!(h, fetch_all, NodeSummary,
        summary_sql!("WHERE parent_id = $1 AND path LIKE $2 AND retired_at IS NULL ORDER BY kind = 'department', code"),
        parent_id, scope.like_pattern())
    .map_err(sql_error)
}

/// The chain from the root down to the node, for breadcrumbs. Ancestors' names and codes are
/// not private, so they are shown even above the caller's scope.
pub async fn ancestors(h: &mut Handle<'_>, node: &Node) -> Result<Vec<NodeSummary>, Error> {
    let codes: Vec<&str> = node.path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = Vec::with_capacity(codes.len());
    for c in codes {
        let s: Option<NodeSummary> = q!(
            h,
            fetch_optional,
            NodeSummary,
            summary_sql!("WHERE code = $1"),
            c
        )
        .map_err(sql_error)?;
        out.extend(s);
    }
    Ok(out)
}

/// Every live node of a kind in scope, boundaries included.
pub async fn of_kind(
    h: &mut Handle<'_>,
    scope: &Scope,
    kind: NodeKind,
) -> Result<Vec<Node>, Error> {
    q!(
        h,
        fetch_all,
        Node,
        node_sql!("WHERE kind = $1 AND path LIKE $2 AND retired_at IS NULL ORDER BY code"),
        kind.as_str(),
        scope.like_pattern()
    )
    .map_err(sql_error)
}

/// Live nodes of a kind in scope whose code or name contains the text.
pub async fn search(
    h: &mut Handle<'_>,
    scope: &Scope,
    text: &str,
    limit: i64,
) -> Result<Vec<NodeSummary>, Error> {
    let pattern = format!("%{}%", text.replace(['%', '_'], ""));
    q!(h, fetch_all, NodeSummary,
        summary_sql!("WHERE path LIKE $1 AND retired_at IS NULL AND (code LIKE $2 OR name LIKE $2) ORDER BY code LIMIT $3"),
        scope.like_pattern(), pattern, limit)
    .map_err(sql_error)
}

pub async fn count_by_kind(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<(String, i64)>, Error> {
    q!(h, fetch_all, (String, i64),
        "SELECT kind, CAST(COUNT(*) AS BIGINT) FROM nodes WHERE path LIKE $1 AND retired_at IS NULL GROUP BY kind",
        scope.like_pattern())
    .map_err(sql_error)
}

/// What a new node needs.
#[derive(Debug, Clone)]
pub struct NewNode {
    pub code: String,
    pub kind: NodeKind,
    pub name: String,
    pub parent_code: Option<String>,
    pub grid_kind: Option<GridKind>,
    pub boundary: Option<MultiPolygon<f64>>,
    pub phone: Option<String>,
}

/// Bumped on every change of territory so each server instance knows to rebuild its index.
pub async fn generation(h: &mut Handle<'_>) -> Result<i64, Error> {
    let v: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT value FROM settings WHERE key = 'grids_generation'")
    .map_err(sql_error)?;
    Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
}

async fn bump_generation(h: &mut Handle<'_>) -> Result<(), Error> {
    let next = (generation(h).await? + 1).to_string();
    q!(h, execute,
        "INSERT INTO settings (key, value) VALUES ('grids_generation', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        next)
    .map_err(sql_error)?;
    Ok(())
}

fn validate_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(err!("node.name_invalid"));
    }
    Ok(name.to_string())
}

/// Grids sharing a parent with the given one, for overlap checks.
async fn sibling_grids(
    h: &mut Handle<'_>,
    parent_id: i64,
    except_id: i64,
) -> Result<Vec<(String, MultiPolygon<f64>)>, Error> {
    let rows: Vec<(String, Option<String>)> = q!(h, fetch_all, (String, Option<String>),
        "SELECT code, boundary FROM nodes WHERE parent_id = $1 AND id <> $2 AND kind = 'grid' AND retired_at IS NULL",
        parent_id, except_id)
    .map_err(sql_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for (c, b) in rows {
        if let Some(b) = b {
            out.push((c, geometry::parse_geojson_str(&b)?));
        }
    }
    Ok(out)
}

/// Refuses a grid boundary that overlaps a sibling by more than the noise threshold.
async fn refuse_overlaps(
    h: &mut Handle<'_>,
    parent_id: i64,
    self_id: i64,
    boundary: &MultiPolygon<f64>,
    min_area_m2: f64,
) -> Result<(), Error> {
    let siblings = sibling_grids(h, parent_id, self_id).await?;
    let hits = geometry::overlaps(boundary, &siblings, min_area_m2);
    if hits.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = hits
        .iter()
        .map(|(c, a)| format!("{c} ({a:.0} m²)"))
        .collect();
    Err(
        err!("grid.overlap", grids = list.join(", ")).with_details(serde_json::json!(
            hits.iter()
                .map(|(c, a)| serde_json::json!({"code": c, "area_m2": a}))
                .collect::<Vec<_>>()
        )),
    )
}

// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn record_version(
    h: &mut Handle<'_>,
    node_id: i64,
    action: &str,
    actor: &str,
    before: Option<&str>,
    after: Option<&str>,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    q!(h, execute,
        "INSERT INTO grid_versions (node_id, action, actor, at, before_geojson, after_geojson, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        node_id, action, actor, now, before, after, note)
    .map_err(sql_error)?;
    Ok(())
}

fn geometry_columns(
    b: Option<&MultiPolygon<f64>>,
) -> (Option<String>, Option<f64>, Option<[f64; 4]>) {
    match b {
        None => (None, None, None),
        Some(mp) => (
            Some(geometry::to_geojson(mp).to_string()),
            Some(geometry::area_m2(mp)),
            geometry::bbox(mp),
        ),
    }
}

/// Creates a node under its parent (in scope). The code must fit the parent and never have been
/// issued before; a grid's boundary may not overlap its siblings.
pub async fn create(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    new: &NewNode,
    min_overlap_m2: f64,
    now: i64,
) -> Result<Node, Error> {
    let name = validate_name(&new.name)?;
    let (parent_id, path, depth) = match (&new.parent_code, new.kind) {
        (None, NodeKind::City) => {
            code::validate(NodeKind::City, &new.code)?;
            if scope.path() != "/" {
                return Err(err!("auth.forbidden"));
            }
            (None, child_path("/", &new.code), 1i64)
        }
        (None, _) => {
            return Err(err!("node.parent_missing", kind = new.kind.as_str()));
        }
        (Some(pc), kind) => {
            let parent = by_code(h, scope, pc)
                .await
                .map_err(|_| err!("node.parent_unknown", code = pc))?;
            let pk = parent.kind;
            code::validate_under(kind, &new.code, pk, &parent.code)?;
            let depth = parent.path.matches('/').count() as i64;
            (Some(parent.id), child_path(&parent.path, &new.code), depth)
        }
    };
    if new.kind == NodeKind::Grid && new.grid_kind.is_none() {
        return Err(err!("grid.kind_missing"));
    }
    if new.kind == NodeKind::Grid && new.boundary.is_none() {
        return Err(err!("grid.boundary_missing"));
    }
    if new.kind != NodeKind::Grid && new.grid_kind.is_some() {
        return Err(err!("node.grid_kind_unexpected"));
    }
    let issued: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT code FROM codes_issued WHERE code = $1", &new.code)
    .map_err(sql_error)?;
    if issued.is_some() {
        return Err(err!("node.code_taken", code = new.code));
    }
    if let (Some(pid), Some(b), NodeKind::Grid) = (parent_id, &new.boundary, new.kind) {
        refuse_overlaps(h, pid, -1, b, min_overlap_m2).await?;
    }
    q!(
        h,
        execute,
        "INSERT INTO codes_issued (code, kind, issued_at) VALUES ($1, $2, $3)",
        &new.code,
        new.kind.as_str(),
        now
    )
    .map_err(sql_error)?;
    let (boundary, area, bb) = geometry_columns(new.boundary.as_ref());
    let [min_lon, min_lat, max_lon, max_lat] = match bb {
        Some(b) => b.map(Some),
        None => [None; 4],
    };
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO nodes (code, kind, name, parent_id, path, depth, grid_kind, boundary, area_m2, min_lon, min_lat, max_lon, max_lat, phone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        &new.code, new.kind.as_str(), &name, parent_id, &path, depth,
        new.grid_kind.map(GridKind::as_str), &boundary, area, min_lon, min_lat, max_lon, max_lat,
        &new.phone, now)
    .map_err(sql_error)?;
    if new.kind.has_territory() {
        record_version(h, id, "create", actor, None, boundary.as_deref(), "", now).await?;
        bump_generation(h).await?;
    }
    by_id(h, &System::acting().scope(), id).await
}

/// Changes a node's name, phone and (for grids) kind.
pub async fn update_details(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
    name: &str,
    phone: Option<&str>,
    grid_kind: Option<GridKind>,
    now: i64,
) -> Result<Node, Error> {
    let node = by_code(h, scope, code).await?;
    let name = validate_name(name)?;
    let grid_kind = match (node.kind, grid_kind) {
        (NodeKind::Grid, Some(k)) => Some(k),
        (NodeKind::Grid, None) => node.grid_kind,
        (_, _) => None,
    }
    .map(GridKind::as_str);
    q!(
        h,
        execute,
        "UPDATE nodes SET name = $1, phone = $2, grid_kind = $3, updated_at = $4 WHERE id = $5",
        &name,
        phone,
        grid_kind,
        now,
        node.id
    )
    .map_err(sql_error)?;
    bump_generation(h).await?;
    by_id(h, scope, node.id).await
}

/// Replaces a territorial node's boundary, refusing overlaps with its sibling grids.
// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn redraw(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    code: &str,
    boundary: &MultiPolygon<f64>,
    note: &str,
    min_overlap_m2: f64,
    now: i64,
) -> Result<Node, Error> {
    let node = by_code(h, scope, code).await?;
    if !node.kind.has_territory() {
        return Err(err!("node.no_territory"));
    }
    if let Some(pid) = node.parent_id.filter(|_| node.kind == NodeKind::Grid) {
        refuse_overlaps(h, pid, node.id, boundary, min_overlap_m2).await?;
    }
    set_boundary(h, &node, actor, "redraw", boundary, note, now).await?;
    by_id(h, scope, node.id).await
}

async fn set_boundary(
    h: &mut Handle<'_>,
    node: &Node,
    actor: &str,
    action: &str,
    boundary: &MultiPolygon<f64>,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    let (text, area, bb) = geometry_columns(Some(boundary));
    let [min_lon, min_lat, max_lon, max_lat] = match bb {
        Some(b) => b.map(Some),
        None => [None; 4],
    };
    q!(h, execute,
        "UPDATE nodes SET boundary = $1, area_m2 = $2, min_lon = $3, min_lat = $4, max_lon = $5, max_lat = $6, updated_at = $7 WHERE id = $8",
        &text, area, min_lon, min_lat, max_lon, max_lat, now, node.id)
    .map_err(sql_error)?;
    record_version(
        h,
        node.id,
        action,
        actor,
        node.boundary.as_deref(),
        text.as_deref(),
        note,
        now,
    )
    .await?;
    bump_generation(h).await
}

/// The next grid code under a village that has never been issued.
pub async fn next_grid_code(h: &mut Handle<'_>, village_code: &str) -> Result<String, Error> {
    let issued: Vec<String> = q!(h, scalar fetch_all, String,
        "SELECT code FROM codes_issued WHERE kind = 'grid' AND code LIKE $1",
        format!("{village_code}%"))
    .map_err(sql_error)?;
    let max = issued
        .iter()
        .filter_map(|c| c.get(12..).and_then(|s| s.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    if max >= 999 {
        return Err(err!("grid.codes_exhausted", village = village_code));
    }
    Ok(code::child_code(
        NodeKind::Village,
        village_code,
        NodeKind::Grid,
        max + 1,
    ))
}

/// Splits a grid by a drawn line: the grid keeps the first part (and its staff) and a new grid
/// with the next unused code takes the second.
pub async fn split(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    code: &str,
    line: &LineString<f64>,
    new_name: &str,
    now: i64,
) -> Result<(Node, Node), Error> {
    let node = by_code(h, scope, code).await?;
    if node.kind != NodeKind::Grid {
        return Err(err!("grid.not_a_grid"));
    }
    let Some(mp) = node.geometry()? else {
        return Err(err!("grid.boundary_missing"));
    };
    let (a, b) = geometry::split_by_line(&mp, line)?;
    let village = by_id(h, &System::acting().scope(), node.parent_id.unwrap_or(-1)).await?;
    let new_code = next_grid_code(h, &village.code).await?;
    set_boundary(
        h,
        &node,
        actor,
        "split",
        &a,
        &format!("split; the other part became {new_code}"),
        now,
    )
    .await?;
    let new = NewNode {
        code: new_code,
        kind: NodeKind::Grid,
        name: new_name.to_string(),
        parent_code: Some(village.code.clone()),
        grid_kind: node.grid_kind,
        boundary: Some(b),
        phone: None,
    };
    // The first part was just written, so the second cannot overlap it beyond noise.
    let created = create(h, scope, actor, &new, f64::INFINITY, now).await?;
    let kept = by_id(h, scope, node.id).await?;
    Ok((kept, created))
}

/// Merges a neighbouring grid into this one: this grid takes the union, the other is retired
/// (its code is never reused) and its staff move here.
pub async fn merge(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &str,
    code: &str,
    other_code: &str,
    now: i64,
) -> Result<Node, Error> {
    let keep = by_code(h, scope, code).await?;
    let gone = by_code(h, scope, other_code).await?;
    if keep.kind != NodeKind::Grid || gone.kind != NodeKind::Grid || keep.id == gone.id {
        return Err(err!("grid.merge_invalid"));
    }
    if keep.parent_id != gone.parent_id {
        return Err(err!("grid.merge_invalid"));
    }
    let (Some(a), Some(b)) = (keep.geometry()?, gone.geometry()?) else {
        return Err(err!("grid.boundary_missing"));
    };
    let union = geometry::merge(&a, &b).map_err(|e: GeometryError| Error::from(e))?;
    q!(
        h,
        execute,
        "UPDATE nodes SET retired_at = $1, updated_at = $1 WHERE id = $2",
        now,
        gone.id
    )
    .map_err(sql_error)?;
    q!(
        h,
        execute,
        "UPDATE users SET node_id = $1 WHERE node_id = $2",
        keep.id,
        gone.id
    )
    .map_err(sql_error)?;
    record_version(
        h,
        gone.id,
        "retire",
        actor,
        gone.boundary.as_deref(),
        None,
        &format!("merged into {code}"),
        now,
    )
    .await?;
    set_boundary(
        h,
        &keep,
        actor,
        "merge",
        &union,
        &format!("merged {other_code}"),
        now,
    )
    .await?;
    by_id(h, scope, keep.id).await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct GridVersion {
    pub id: i64,
    pub action: String,
    pub actor: String,
    pub at: i64,
    pub before_geojson: Option<String>,
    pub after_geojson: Option<String>,
    pub note: String,
}

pub async fn versions(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Vec<GridVersion>, Error> {
    let node = by_code(h, scope, code).await?;
    q!(h, fetch_all, GridVersion,
        "SELECT id, action, actor, at, before_geojson, after_geojson, note FROM grid_versions WHERE node_id = $1 ORDER BY id DESC",
        node.id)
    .map_err(sql_error)
}

/// The boundary a grid had after one of its versions (a retired or empty version has none).
pub async fn version_boundary(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
    version_id: i64,
) -> Result<MultiPolygon<f64>, Error> {
    let node = by_code(h, scope, code).await?;
    let after: Option<Option<String>> = q!(h, scalar fetch_optional, Option<String>,
        "SELECT after_geojson FROM grid_versions WHERE id = $1 AND node_id = $2",
        version_id, node.id)
    .map_err(sql_error)?;
    match after {
        None => Err(err!("grid.version_not_found", code, version = version_id)),
        Some(None) => Err(err!("grid.version_empty", version = version_id)),
        Some(Some(text)) => Ok(geometry::parse_geojson_str(&text)?),
    }
}

/// Puts back the boundary a grid had after one of its versions. Restoring is itself a new
/// version (the history is never rewritten) and is written to the audit log; an overlap with
/// today's neighbours is refused as in a redraw.
// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn restore(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &crate::audit::Actor,
    code: &str,
    version_id: i64,
    min_overlap_m2: f64,
    now: i64,
) -> Result<Node, Error> {
    let boundary = version_boundary(h, scope, code, version_id).await?;
    let node = by_code(h, scope, code).await?;
    if let Some(pid) = node.parent_id.filter(|_| node.kind == NodeKind::Grid) {
        refuse_overlaps(h, pid, node.id, &boundary, min_overlap_m2).await?;
    }
    // The note names the version by its number only, so it reads the same in either language.
    let note = format!("#{version_id}");
    set_boundary(h, &node, &actor.name, "restore", &boundary, &note, now).await?;
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor,
            action: "restore",
            subject_table: "nodes",
            subject_id: Some(node.id),
            column_name: Some("boundary"),
            reason: &note,
            detail: code,
        },
        now,
    )
    .await?;
    by_id(h, scope, node.id).await
}

/// Territorial nodes in scope, for the coverage check and the locate index.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TerritoryRow {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub kind: NodeKind,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    #[sqlx(try_from = "OptionalName")]
    pub grid_kind: Option<GridKind>,
    pub boundary: Option<String>,
    pub households: Option<i64>,
    pub population: Option<i64>,
}

pub async fn territory(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<TerritoryRow>, Error> {
    q!(h, fetch_all, TerritoryRow,
        "SELECT id, code, kind, name, parent_id, path, grid_kind, boundary, households, population FROM nodes \
         WHERE path LIKE $1 AND retired_at IS NULL AND kind IN ('city', 'county', 'township', 'village', 'grid') ORDER BY depth, code",
        scope.like_pattern())
    .map_err(sql_error)
}
