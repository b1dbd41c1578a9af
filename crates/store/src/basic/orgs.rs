//! Organisations (组织): enterprises, shops, schools, hospitals, social and party organisations.

use serde::Serialize;
use wangge_domain::basic::{Org, OrgKind};
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::record::{Listing, Removable, Spec};
use super::{
    Actor, Arg, Grid, INDEX_PHONE, execute, exposed, prefix_pattern, reserve_id, resolve_grid,
    seal_opt,
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

const SPEC: Spec = Spec {
    table: Table::Orgs,
    alias: "o",
    row_sql: ROW_SQL,
    noun: "organisation",
};

impl Removable for OrgRecord {
    fn removed_at(&self) -> Option<i64> {
        self.removed_at
    }
}

fn record_columns() -> String {
    format!("{}, removed_at", COLUMNS.join(", "))
}

pub(crate) fn values(
    keys: &KeyRing,
    id: i64,
    grid: &Grid,
    org: &Org,
    now: i64,
) -> Result<Vec<Arg>, Error> {
    let phone = exposed(&org.contact_phone);
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
    err!("basic.duplicate_credit_code", code, name, grid)
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
    let id = reserve_id(h, "orgs").await?;
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
    let before: OrgRecord = SPEC.live_record(h, scope, &record_columns(), id).await?;
    let grid = resolve_grid(h, scope, &org.grid_code).await?;
    if let Some(code) = &org.credit_code
        && let Some((name, g)) = credit_code_holder(h, code, id).await?
    {
        return Err(duplicate_error(code, &name, &g));
    }
    SPEC.overwrite(h, &COLUMNS, values(keys, id, &grid, org, now)?, id)
        .await?;
    SPEC.log_update(h, id, actor, &before, now).await
}

pub async fn remove(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<(), Error> {
    SPEC.remove::<OrgRecord>(h, scope, &record_columns(), actor, id, now)
        .await
        .map(drop)
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<OrgRow, Error> {
    SPEC.get(h, scope, id).await
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
            if q.len() == 18 && q.bytes().all(|b| b.is_ascii_alphanumeric()) {
                c.and(" AND o.credit_code = ?", [q.to_uppercase().into()]);
            } else {
                c.and(" AND o.name LIKE ?", [prefix_pattern(q).into()]);
            }
        }
        if let Some(k) = filter.kind {
            c.and(" AND o.kind = ?", [k.as_str().into()]);
        }
        if let Some(k) = filter.key_supervised {
            c.and(" AND o.key_supervised = ?", [k.into()]);
        }
    })
    .await
}
