//! The volunteers of each community: applications, approvals, additions and imports (filled in
//! by its part). The look-ups every part uses are here from the start.

use serde::Serialize;
use wangge_domain::{Error, Scope};

use crate::db::{Handle, sql_error};

/// A volunteer as the other parts see them (no phone: that is the register's own).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Volunteer {
    pub id: i64,
    pub user_id: Option<i64>,
    pub community_id: i64,
    pub path: String,
    pub grid_id: Option<i64>,
    pub building: String,
    pub unit: String,
    pub post: String,
    pub name: String,
    pub status: String,
}

pub const COLUMNS: &str =
    "id, user_id, community_id, path, grid_id, building, unit, post, name, status";

/// The volunteer whose account this is (any status).
pub async fn by_user(h: &mut Handle<'_>, user_id: i64) -> Result<Option<Volunteer>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM volunteers WHERE user_id = $1");
    q!(
        h,
        fetch_optional,
        Volunteer,
        sqlx::AssertSqlSafe(sql),
        user_id
    )
    .map_err(sql_error)
}

/// A volunteer inside the caller's scope; none when absent or outside it (callers answer 404
/// either way).
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Option<Volunteer>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM volunteers WHERE id = $1");
    let v: Option<Volunteer> =
        q!(h, fetch_optional, Volunteer, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    Ok(v.filter(|v| scope.contains(&v.path)))
}

/// Who a new volunteer is: their community (a village node), where they live, their post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVolunteer<'a> {
    pub community_id: i64,
    pub grid_id: Option<i64>,
    pub building: &'a str,
    pub unit: &'a str,
    pub post: wangge_domain::volunteers::register::Post,
    pub name: &'a str,
    pub skills: &'a str,
}

/// Writes an active volunteer linked to an existing account (`user_id`), as the community's
/// addition, an import or an approved application ends. The caller validated the fields and
/// checked the community is in its scope; `source` is 'applied', 'added' or 'imported'.
pub async fn enrol(
    h: &mut Handle<'_>,
    v: &NewVolunteer<'_>,
    user_id: Option<i64>,
    source: &str,
    actor: &crate::audit::Actor,
    now: i64,
) -> Result<Volunteer, Error> {
    let path: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT path FROM nodes WHERE id = $1 AND kind = 'village'", v.community_id)
    .map_err(sql_error)?;
    let Some(path) = path else {
        return Err(wangge_domain::err!(
            "volunteers.community_not_found",
            id = v.community_id
        ));
    };
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO volunteers (user_id, community_id, path, grid_id, building, unit, post, name, \
         skills, status, source, applied_at, decided_by, decided_by_name, decided_at, decision_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $12, $13, $11, '') RETURNING id",
        user_id, v.community_id, &path, v.grid_id, v.building, v.unit, v.post.as_str(), v.name,
        v.skills, source, now, actor.user_id, &actor.name)
    .map_err(sql_error)?;
    Ok(Volunteer {
        id,
        user_id,
        community_id: v.community_id,
        path,
        grid_id: v.grid_id,
        building: v.building.to_string(),
        unit: v.unit.to_string(),
        post: v.post.as_str().to_string(),
        name: v.name.to_string(),
        status: "active".to_string(),
    })
}
