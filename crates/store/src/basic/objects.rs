//! Objects (部件): public facilities with their own code — hydrants, manhole covers, cameras, …

use serde::Serialize;
use wangge_domain::basic::{Condition, Object, ObjectKind};
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::{Actor, Arg, Grid, execute, fetch_all, narrow, prefix_pattern, resolve_grid};
use crate::db::{Handle, sql_error};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct ObjectRow {
    pub id: i64,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub code: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    pub condition: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

const ROW_SQL: &str = "SELECT o.id, o.grid_id, n.code AS grid_code, n.name AS grid_name, o.path, o.code, o.kind, o.lon, o.lat, \
    o.condition, o.note, o.created_at, o.updated_at, o.removed_at FROM objects o JOIN nodes n ON n.id = o.grid_id";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub(crate) struct ObjectRecord {
    pub id: i64,
    pub grid_id: i64,
    pub path: String,
    pub code: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    pub condition: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

fn not_found(id: i64) -> Error {
    Error::not_found("basic.not_found", format!("no object {id} in your area"))
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::internal(format!("history record: {e}")))
}

fn values(grid: &Grid, o: &Object) -> Vec<Arg> {
    vec![
        grid.id.into(),
        grid.path.as_str().into(),
        o.code.trim().into(),
        o.kind.as_str().into(),
        o.point.0.into(),
        o.point.1.into(),
        o.condition.as_str().into(),
        o.note.as_deref().into(),
    ]
}

async fn code_taken(h: &mut Handle<'_>, code: &str, except: i64) -> Result<Option<String>, Error> {
    q!(h, scalar fetch_optional, String,
        "SELECT n.code FROM objects o JOIN nodes n ON n.id = o.grid_id WHERE o.code = $1 AND o.id <> $2",
        code.trim(), except)
    .map_err(sql_error)
}

fn duplicate_error(code: &str, grid: &str) -> Error {
    Error::conflict(
        "basic.duplicate_object",
        format!("object code {code} is already used in grid {grid}"),
    )
}

pub async fn insert(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    o: &Object,
    now: i64,
) -> Result<i64, Error> {
    let grid = resolve_grid(h, scope, &o.grid_code).await?;
    if let Some(g) = code_taken(h, &o.code, 0).await? {
        return Err(duplicate_error(o.code.trim(), &g));
    }
    let mut args = values(&grid, o);
    args.push(now.into());
    let rows: Vec<(i64,)> = fetch_all(
        h,
        "INSERT INTO objects (grid_id, path, code, kind, lon, lat, condition, note, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id"
            .to_string(),
        args,
    )
    .await?;
    let id = rows
        .first()
        .map(|r| r.0)
        .ok_or_else(|| Error::internal("no id returned"))?;
    history::record(h, Table::Objects, id, Change::Create, actor, None, now).await?;
    Ok(id)
}

async fn record_of(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<ObjectRecord, Error> {
    let r: Option<ObjectRecord> = q!(h, fetch_optional, ObjectRecord,
        "SELECT id, grid_id, path, code, kind, lon, lat, condition, note, created_at, updated_at, removed_at FROM objects WHERE id = $1 AND path LIKE $2",
        id, scope.like_pattern())
    .map_err(sql_error)?;
    r.ok_or_else(|| not_found(id))
}

pub async fn update(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    o: &Object,
    now: i64,
) -> Result<(), Error> {
    let before = record_of(h, scope, id).await?;
    if before.removed_at.is_some() {
        return Err(Error::conflict(
            "basic.removed",
            format!("object {id} was removed"),
        ));
    }
    let grid = resolve_grid(h, scope, &o.grid_code).await?;
    if let Some(g) = code_taken(h, &o.code, id).await? {
        return Err(duplicate_error(o.code.trim(), &g));
    }
    let mut args = values(&grid, o);
    args.push(now.into());
    args.push(id.into());
    execute(
        h,
        "UPDATE objects SET grid_id = $1, path = $2, code = $3, kind = $4, lon = $5, lat = $6, condition = $7, note = $8, \
         updated_at = $9 WHERE id = $10"
            .to_string(),
        args,
    )
    .await?;
    history::record(
        h,
        Table::Objects,
        id,
        Change::Update,
        actor,
        Some(&to_json(&before)?),
        now,
    )
    .await
}

pub async fn remove(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<(), Error> {
    let before = record_of(h, scope, id).await?;
    if before.removed_at.is_some() {
        return Ok(());
    }
    q!(
        h,
        execute,
        "UPDATE objects SET removed_at = $1, updated_at = $1 WHERE id = $2",
        now,
        id
    )
    .map_err(sql_error)?;
    history::record(
        h,
        Table::Objects,
        id,
        Change::Remove,
        actor,
        Some(&to_json(&before)?),
        now,
    )
    .await
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<ObjectRow, Error> {
    let sql = format!("{ROW_SQL} WHERE o.id = $1 AND o.path LIKE $2");
    let rows: Vec<ObjectRow> =
        fetch_all(h, sql, vec![id.into(), scope.like_pattern().into()]).await?;
    rows.into_iter().next().ok_or_else(|| not_found(id))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub under: Option<String>,
    /// A code prefix.
    pub q: Option<String>,
    pub kind: Option<ObjectKind>,
    pub condition: Option<Condition>,
    pub include_removed: bool,
}

pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    filter: &Filter,
    after_id: Option<i64>,
    limit_n: i64,
) -> Result<Vec<ObjectRow>, Error> {
    let Some(prefix) = narrow(scope, filter.under.as_deref()) else {
        return Ok(Vec::new());
    };
    let live = if filter.include_removed {
        ""
    } else {
        " AND o.removed_at IS NULL"
    };
    let mut sql = format!("{ROW_SQL} WHERE TRUE{live}");
    let mut args: Vec<Arg> = Vec::new();
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let page = super::Page {
        alias: "o",
        table: "objects",
        prefix: &prefix,
        browse: q.is_none(),
        after_id,
    };
    page.conditions(&mut sql, &mut args);
    if let Some(q) = q {
        args.push(prefix_pattern(q).into());
        sql.push_str(&format!(" AND o.code LIKE ${}", args.len()));
    }
    if let Some(k) = filter.kind {
        args.push(k.as_str().into());
        sql.push_str(&format!(" AND o.kind = ${}", args.len()));
    }
    if let Some(c) = filter.condition {
        args.push(c.as_str().into());
        sql.push_str(&format!(" AND o.condition = ${}", args.len()));
    }
    page.order(limit_n, &mut sql, &mut args);
    fetch_all(h, sql, args).await
}
