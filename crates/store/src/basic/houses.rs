//! Houses (房屋) down to the room, their households (户) and occupants.
//!
//! A person registered at an address the grid does not know yet creates a placeholder house
//! (use "self", no owner); entering that house later fills the placeholder in.

use serde::Serialize;
use wangge_domain::basic::{House, HouseAddress, HouseUse};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::record::{Listing, Removable, Spec};
use super::{
    Actor, Arg, Grid, INDEX_PHONE, contains_pattern, execute, exposed, prefix_pattern, reserve_id,
    resolve_grid, seal_opt,
};
use crate::db::{Handle, sql_error};
use crate::seal::{KeyRing, mask_phone};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct HouseRow {
    pub id: i64,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub address: String,
    pub use_kind: String,
    pub owner_name: String,
    pub owner_phone_masked: Option<String>,
    pub area_m2: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub tenant_name: Option<String>,
    pub tenant_phone_masked: Option<String>,
    pub rent_start: Option<String>,
    pub rent_end: Option<String>,
    /// People (not removed) living there.
    pub occupants: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

const ROW_SQL: &str = "SELECT h.id, h.grid_id, n.code AS grid_code, n.name AS grid_name, h.path, h.building, h.unit, h.room, \
    h.address, h.use_kind, h.owner_name, h.owner_phone_masked, h.area_m2, h.lon, h.lat, h.tenant_name, h.tenant_phone_masked, \
    h.rent_start, h.rent_end, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM people p WHERE p.house_id = h.id AND p.removed_at IS NULL) AS occupants, \
    h.created_at, h.updated_at, h.removed_at FROM houses h JOIN nodes n ON n.id = h.grid_id";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub(crate) struct HouseRecord {
    pub id: i64,
    pub grid_id: i64,
    pub path: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub address: String,
    pub use_kind: String,
    pub owner_name: String,
    pub owner_phone_sealed: Option<String>,
    pub owner_phone_index: Option<String>,
    pub owner_phone_masked: Option<String>,
    pub area_m2: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub tenant_name: Option<String>,
    pub tenant_phone_sealed: Option<String>,
    pub tenant_phone_masked: Option<String>,
    pub rent_start: Option<String>,
    pub rent_end: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub removed_at: Option<i64>,
}

pub(crate) const COLUMNS: [&str; 22] = [
    "id",
    "grid_id",
    "path",
    "building",
    "unit",
    "room",
    "address",
    "use_kind",
    "owner_name",
    "owner_phone_sealed",
    "owner_phone_index",
    "owner_phone_masked",
    "area_m2",
    "lon",
    "lat",
    "tenant_name",
    "tenant_phone_sealed",
    "tenant_phone_masked",
    "rent_start",
    "rent_end",
    "created_at",
    "updated_at",
];

/// `3栋2单元501室` (a part that already ends in its word keeps it once; a blank part, such as
/// the unit of a building without units, is left out: `1栋101室`).
pub fn address_text(a: &HouseAddress) -> String {
    let part = |s: &str, word: &str| {
        let s = s.trim();
        if s.is_empty() {
            String::new()
        } else if s.ends_with(word) {
            s.to_string()
        } else {
            format!("{s}{word}")
        }
    };
    format!(
        "{}{}{}",
        part(&a.building, "栋"),
        part(&a.unit, "单元"),
        part(&a.room, "室")
    )
}

const SPEC: Spec = Spec {
    table: Table::Houses,
    alias: "h",
    row_sql: ROW_SQL,
    noun: "house",
};

impl Removable for HouseRecord {
    fn removed_at(&self) -> Option<i64> {
        self.removed_at
    }
}

fn record_columns() -> String {
    format!("{}, removed_at", COLUMNS.join(", "))
}

/// The values of [`COLUMNS`] for a house.
pub(crate) fn values(
    keys: &KeyRing,
    id: i64,
    grid: &Grid,
    house: &House,
    now: i64,
) -> Result<Vec<Arg>, Error> {
    let owner_phone = exposed(&house.owner_phone);
    let tenant_phone = house.rental.as_ref().and_then(|r| exposed(&r.tenant_phone));
    Ok(vec![
        id.into(),
        grid.id.into(),
        grid.path.as_str().into(),
        house.address.building.trim().into(),
        house.address.unit.trim().into(),
        house.address.room.trim().into(),
        address_text(&house.address).into(),
        house.use_kind.as_str().into(),
        house.owner_name.as_str().into(),
        seal_opt(keys, owner_phone, "houses", "owner_phone", id)?.into(),
        owner_phone.map(|p| keys.blind_index(INDEX_PHONE, p)).into(),
        owner_phone.map(mask_phone).into(),
        house.area_m2.into(),
        house.point.map(|p| p.0).into(),
        house.point.map(|p| p.1).into(),
        house.rental.as_ref().map(|r| r.tenant_name.as_str()).into(),
        seal_opt(keys, tenant_phone, "houses", "tenant_phone", id)?.into(),
        tenant_phone.map(mask_phone).into(),
        house.rental.as_ref().map(|r| r.start.to_string()).into(),
        house
            .rental
            .as_ref()
            .and_then(|r| r.end)
            .map(|d| d.to_string())
            .into(),
        now.into(),
        now.into(),
    ])
}

pub(crate) fn insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO houses ({}) VALUES {}",
        COLUMNS.join(", "),
        super::people::placeholders(rows, COLUMNS.len())
    )
}

/// The house at this address in the grid, removed or not (the address stays taken).
async fn house_at(h: &mut Handle<'_>, grid: &Grid, a: &HouseAddress) -> Result<Option<i64>, Error> {
    q!(h, scalar fetch_optional, i64,
        "SELECT id FROM houses WHERE grid_id = $1 AND building = $2 AND unit = $3 AND room = $4",
        grid.id, a.building.trim(), a.unit.trim(), a.room.trim())
    .map_err(sql_error)
}

/// The id of the house at this address in the grid, or of a new placeholder.
pub(crate) async fn house_or_create(
    h: &mut Handle<'_>,
    grid: &Grid,
    a: &HouseAddress,
    now: i64,
) -> Result<i64, Error> {
    if let Some(id) = house_at(h, grid, a).await? {
        return Ok(id);
    }
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO houses (grid_id, path, building, unit, room, address, use_kind, owner_name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8) RETURNING id",
        grid.id, &grid.path, a.building.trim(), a.unit.trim(), a.room.trim(), address_text(a), HouseUse::SelfOccupied.as_str(), now)
    .map_err(sql_error)?;
    Ok(id)
}

/// The id of the household with this number in the grid, or of a new one. A household without
/// a house takes the one given.
pub(crate) async fn household_or_create(
    h: &mut Handle<'_>,
    grid: &Grid,
    household_no: &str,
    house_id: Option<i64>,
    now: i64,
) -> Result<i64, Error> {
    let no = household_no.trim();
    let found: Option<(i64, Option<i64>)> = q!(
        h,
        fetch_optional,
        (i64, Option<i64>),
        "SELECT id, house_id FROM households WHERE grid_id = $1 AND household_no = $2",
        grid.id,
        no
    )
    .map_err(sql_error)?;
    match found {
        Some((id, None)) if house_id.is_some() => {
            q!(h, execute, "UPDATE households SET house_id = $1 WHERE id = $2", house_id, id)
                .map_err(sql_error)?;
            Ok(id)
        }
        Some((id, _)) => Ok(id),
        None => q!(h, scalar fetch_one, i64,
            "INSERT INTO households (grid_id, path, household_no, house_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            grid.id, &grid.path, no, house_id, now)
        .map_err(sql_error),
    }
}

fn is_placeholder(r: &HouseRecord) -> bool {
    r.owner_name.is_empty() && r.owner_phone_sealed.is_none() && r.tenant_name.is_none()
}

/// Enters a house in a grid within scope; fills in a placeholder at the same address, refuses
/// a house already entered there (`basic.duplicate_house`, 409). Returns its id.
pub async fn insert(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    house: &House,
    now: i64,
) -> Result<i64, Error> {
    let grid = resolve_grid(h, scope, &house.grid_code).await?;
    let a = &house.address;
    if let Some(id) = house_at(h, &grid, a).await? {
        let before: HouseRecord = SPEC.record(h, scope, &record_columns(), id).await?;
        if !is_placeholder(&before) {
            return Err(err!(
                "basic.duplicate_house",
                address = address_text(a),
                grid = grid.code
            ));
        }
        write_update(h, keys, &grid, id, house, &before, actor, now).await?;
        return Ok(id);
    }
    let id = reserve_id(h, "houses").await?;
    execute(h, insert_sql(1), values(keys, id, &grid, house, now)?).await?;
    history::record(h, Table::Houses, id, Change::Create, actor, None, now).await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn write_update(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    grid: &Grid,
    id: i64,
    house: &House,
    before: &HouseRecord,
    actor: &Actor,
    now: i64,
) -> Result<(), Error> {
    SPEC.overwrite(h, &COLUMNS, values(keys, id, grid, house, now)?, id)
        .await?;
    SPEC.log_update(h, id, actor, before, now).await
}

/// Replaces a house's fields; the record before goes into the history.
pub async fn update(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    house: &House,
    now: i64,
) -> Result<(), Error> {
    let before: HouseRecord = SPEC.live_record(h, scope, &record_columns(), id).await?;
    let grid = resolve_grid(h, scope, &house.grid_code).await?;
    write_update(h, keys, &grid, id, house, &before, actor, now).await
}

/// Marks a house removed; its occupants keep their record (the caller moves them).
pub async fn remove(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<(), Error> {
    SPEC.remove::<HouseRecord>(h, scope, &record_columns(), actor, id, now)
        .await
        .map(drop)
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<HouseRow, Error> {
    SPEC.get(h, scope, id).await
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub under: Option<String>,
    /// An address fragment, or an owner-name prefix.
    pub q: Option<String>,
    pub use_kind: Option<HouseUse>,
    /// With `use_kind` rented: only houses still let on this day (a lease that ended before it
    /// no longer counts; see `dates::lease_on`).
    pub let_on: Option<Date>,
    pub include_removed: bool,
}

/// Houses in scope by id after `after_id`; `limit` clamped to 1–500.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    filter: &Filter,
    after_id: Option<i64>,
    limit_n: i64,
) -> Result<Vec<HouseRow>, Error> {
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
            c.and(
                " AND (h.address LIKE ? OR h.owner_name LIKE ?)",
                [contains_pattern(q).into(), prefix_pattern(q).into()],
            );
        }
        if let Some(u) = filter.use_kind {
            c.and(" AND h.use_kind = ?", [u.as_str().into()]);
            if let (HouseUse::Rented, Some(d)) = (u, filter.let_on) {
                c.and(
                    " AND (h.rent_end IS NULL OR h.rent_end >= ?)",
                    [d.to_string().into()],
                );
            }
        }
    })
    .await
}

/// The people (not removed) living in a house in scope.
pub async fn occupants(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    house_id: i64,
) -> Result<Vec<super::people::PersonRow>, Error> {
    get(h, scope, house_id).await?;
    let filter = super::people::Filter {
        house_id: Some(house_id),
        ..Default::default()
    };
    super::people::list(h, keys, scope, &filter, None, 500).await
}
