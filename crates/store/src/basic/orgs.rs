//! Organisations (组织): enterprises, shops, schools, hospitals, social and party organisations.

use serde::Serialize;
use wangge_domain::basic::{Org, OrgKind};
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::{
    Actor, Arg, Grid, INDEX_PHONE, execute, fetch_all, narrow, prefix_pattern, reserve_ids,
    resolve_grid, seal_opt,
};
use crate::db::{Handle, sql_error};
use crate::seal::{KeyRing, mask_phone};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct OrgRow {
    pub id: i64,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub name: String,
    pub kind: String,
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub contact_phone_masked: Option<String>,
    pub address: String,
    pub safety_grade: Option<String>,
    pub env_grade: Option<String>,
    pub key_supervised: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

const ROW_SQL: &str = "SELECT o.id, o.grid_id, n.code AS grid_code, n.name AS grid_name, o.path, o.name, o.kind, o.credit_code, \
    o.contact_name, o.contact_phone_masked, o.address, o.safety_grade, o.env_grade, o.key_supervised, o.created_at, \
    o.updated_at, o.removed_at FROM orgs o JOIN nodes n ON n.id = o.grid_id";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub(crate) struct OrgRecord {
    pub id: i64,
    pub grid_id: i64,
    pub path: String,
    pub name: String,
    pub kind: String,
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub contact_phone_sealed: Option<String>,
    pub contact_phone_index: Option<String>,
    pub contact_phone_masked: Option<String>,
    pub address: String,
    pub safety_grade: Option<String>,
    pub env_grade: Option<String>,
    pub key_supervised: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

pub(crate) const COLUMNS: [&str; 16] = [
    "id",
    "grid_id",
    "path",
    "name",
    "kind",
    "credit_code",
    "contact_name",
    "contact_phone_sealed",
    "contact_phone_index",
    "contact_phone_masked",
    "address",
    "safety_grade",
    "env_grade",
    "key_supervised",
    "created_at",
    "updated_at",
];

fn not_found(id: i64) -> Error {
    Error::not_found(
        "basic.not_found",
        format!("no organisation {id} in your area"),
    )
}

pub(crate) fn values(
    keys: &KeyRing,
    id: i64,
    grid: &Grid,
    org: &Org,
    now: i64,
) -> Result<Vec<Arg>, Error> {
    let phone = org.contact_phone.as_deref();
    Ok(vec![
        id.into(),
        grid.id.into(),
        grid.path.as_str().into(),
        org.name.as_str().into(),
        org.kind.as_str().into(),
        org.credit_code.as_deref().into(),
        org.contact_name.as_str().into(),
        seal_opt(keys, phone, "orgs", "contact_phone", id)?.into(),
        phone.map(|p| keys.blind_index(INDEX_PHONE, p)).into(),
        phone.map(mask_phone).into(),
        org.address.as_str().into(),
        org.safety_grade.map(|g| g.as_str()).into(),
        org.env_grade.map(|g| g.as_str()).into(),
        org.key_supervised.into(),
        now.into(),
        now.into(),
    ])
}

pub(crate) fn insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO orgs ({}) VALUES {}",
        COLUMNS.join(", "),
        super::people::placeholders(rows, COLUMNS.len())
    )
}

/// Who already holds this credit code: `(organisation name, grid code)`.
pub(crate) async fn credit_code_holder(
    h: &mut Handle<'_>,
    code: &str,
    except: i64,
) -> Result<Option<(String, String)>, Error> {
    q!(h, fetch_optional, (String, String),
        "SELECT o.name, n.code FROM orgs o JOIN nodes n ON n.id = o.grid_id WHERE o.credit_code = $1 AND o.id <> $2",
        code, except)
    .map_err(sql_error)
}

pub(crate) fn duplicate_error(code: &str, name: &str, grid: &str) -> Error {
    Error::conflict(
        "basic.duplicate_credit_code",
        format!("credit code {code} is already registered to {name} in grid {grid}"),
    )
}

async fn record_of(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<OrgRecord, Error> {
    let sql = format!(
        "SELECT {}, removed_at FROM orgs WHERE id = $1 AND path LIKE $2",
        COLUMNS.join(", ")
    );
    let rows: Vec<OrgRecord> =
        fetch_all(h, sql, vec![id.into(), scope.like_pattern().into()]).await?;
    rows.into_iter().next().ok_or_else(|| not_found(id))
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::internal(format!("history record: {e}")))
}

pub async fn insert(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    org: &Org,
    now: i64,
) -> Result<i64, Error> {
    let grid = resolve_grid(h, scope, &org.grid_code).await?;
    if let Some(code) = &org.credit_code
        && let Some((name, g)) = credit_code_holder(h, code, 0).await?
    {
        return Err(duplicate_error(code, &name, &g));
    }
    let id = reserve_ids(h, "orgs", 1)
        .await?
        .first()
        .copied()
        .ok_or_else(|| Error::internal("no id reserved"))?;
    execute(h, insert_sql(1), values(keys, id, &grid, org, now)?).await?;
    history::record(h, Table::Orgs, id, Change::Create, actor, None, now).await?;
    Ok(id)
}

pub async fn update(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    org: &Org,
    now: i64,
) -> Result<(), Error> {
    let before = record_of(h, scope, id).await?;
    if before.removed_at.is_some() {
        return Err(Error::conflict(
            "basic.removed",
            format!("organisation {id} was removed"),
        ));
    }
    let grid = resolve_grid(h, scope, &org.grid_code).await?;
    if let Some(code) = &org.credit_code
        && let Some((name, g)) = credit_code_holder(h, code, id).await?
    {
        return Err(duplicate_error(code, &name, &g));
    }
    let mut args = values(keys, id, &grid, org, now)?;
    args.remove(14);
    args.remove(0);
    let set: Vec<String> = COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "id" | "created_at"))
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    args.push(id.into());
    let sql = format!(
        "UPDATE orgs SET {} WHERE id = ${}",
        set.join(", "),
        args.len()
    );
    execute(h, sql, args).await?;
    history::record(
        h,
        Table::Orgs,
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
        "UPDATE orgs SET removed_at = $1, updated_at = $1 WHERE id = $2",
        now,
        id
    )
    .map_err(sql_error)?;
    history::record(
        h,
        Table::Orgs,
        id,
        Change::Remove,
        actor,
        Some(&to_json(&before)?),
        now,
    )
    .await
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<OrgRow, Error> {
    let sql = format!("{ROW_SQL} WHERE o.id = $1 AND o.path LIKE $2");
    let rows: Vec<OrgRow> = fetch_all(h, sql, vec![id.into(), scope.like_pattern().into()]).await?;
    rows.into_iter().next().ok_or_else(|| not_found(id))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub under: Option<String>,
    /// A name prefix, or an exact credit code.
    pub q: Option<String>,
    pub kind: Option<OrgKind>,
    pub key_supervised: Option<bool>,
    pub include_removed: bool,
}

pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    filter: &Filter,
    after_id: Option<i64>,
    limit_n: i64,
) -> Result<Vec<OrgRow>, Error> {
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
        table: "orgs",
        prefix: &prefix,
        browse: q.is_none(),
        after_id,
    };
    page.conditions(&mut sql, &mut args);
    if let Some(q) = q {
        if q.len() == 18 && q.bytes().all(|b| b.is_ascii_alphanumeric()) {
            args.push(q.to_uppercase().into());
            sql.push_str(&format!(" AND o.credit_code = ${}", args.len()));
        } else {
            args.push(prefix_pattern(q).into());
            sql.push_str(&format!(" AND o.name LIKE ${}", args.len()));
        }
    }
    if let Some(k) = filter.kind {
        args.push(k.as_str().into());
        sql.push_str(&format!(" AND o.kind = ${}", args.len()));
    }
    if let Some(k) = filter.key_supervised {
        args.push(k.into());
        sql.push_str(&format!(" AND o.key_supervised = ${}", args.len()));
    }
    page.order(limit_n, &mut sql, &mut args);
    fetch_all(h, sql, args).await
}
