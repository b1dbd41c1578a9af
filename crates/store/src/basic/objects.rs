//! Objects (部件): public facilities with their own code — hydrants, manhole covers, cameras, …

use serde::Serialize;
use wangge_domain::basic::{Condition, Object, ObjectKind};
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::record::{Listing, Removable, Spec};
use super::{Actor, Arg, Grid, fetch_all, prefix_pattern, resolve_grid};
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

const SPEC: Spec = Spec {
    table: Table::Objects,
    alias: "o",
    row_sql: ROW_SQL,
    noun: "object",
};

impl Removable for ObjectRecord {
    fn removed_at(&self) -> Option<i64> {
        self.removed_at
    }
}

const RECORD_COLUMNS: &str =
    "id, grid_id, path, code, kind, lon, lat, condition, note, created_at, updated_at, removed_at";

/// The columns [`values`] gives, then `updated_at`.
const UPDATE_COLUMNS: [&str; 9] = [
    "grid_id",
    "path",
    "code",
    "kind",
    "lon",
    "lat",
    "condition",
    "note",
    "updated_at",
];

/// The columns of a bulk INSERT: [`values`], then `created_at` and `updated_at`.
pub(crate) const INSERT_ARITY: usize = 10;

/// An INSERT of `n` objects, [`INSERT_ARITY`] values each.
pub(crate) fn insert_sql(n: usize) -> String {
    format!(
        "INSERT INTO objects (grid_id, path, code, kind, lon, lat, condition, note, created_at, updated_at) VALUES {}",
        super::people::placeholders(n, INSERT_ARITY)
    )
}

pub(crate) fn values(grid: &Grid, o: &Object) -> Vec<Arg> {
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
    err!("basic.duplicate_object", code, grid)
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
        .ok_or_else(|| err!("internal", detail = "no id returned"))?;
    history::record(h, Table::Objects, id, Change::Create, actor, None, now).await?;
    Ok(id)
}

pub async fn update(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    o: &Object,
    now: i64,
) -> Result<(), Error> {
    let before: ObjectRecord = SPEC.live_record(h, scope, RECORD_COLUMNS, id).await?;
    let grid = resolve_grid(h, scope, &o.grid_code).await?;
    if let Some(g) = code_taken(h, &o.code, id).await? {
        return Err(duplicate_error(o.code.trim(), &g));
    }
    let mut args = values(&grid, o);
    args.push(now.into());
    SPEC.overwrite(h, &UPDATE_COLUMNS, args, id).await?;
    SPEC.log_update(h, id, actor, &before, now).await
}

pub async fn remove(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<(), Error> {
    SPEC.remove::<ObjectRecord>(h, scope, RECORD_COLUMNS, actor, id, now)
        .await
        .map(drop)
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<ObjectRow, Error> {
    SPEC.get(h, scope, id).await
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
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let listing = Listing {
        under: filter.under.as_deref(),
        include_removed: filter.include_removed,
        browse: q.is_none(),
        after_id,
        limit: limit_n,
    };
    SPEC.list(h, scope, listing, |c| {
        if let Some(q) = q {
            c.and(" AND o.code LIKE ?", [prefix_pattern(q).into()]);
        }
        if let Some(k) = filter.kind {
            c.and(" AND o.kind = ?", [k.as_str().into()]);
        }
        if let Some(v) = filter.condition {
            c.and(" AND o.condition = ?", [v.as_str().into()]);
        }
    })
    .await
}
