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

// ---- The register's own work (part "register") ---------------------------------------------

use wangge_domain::Role;
use wangge_domain::err;
use wangge_domain::volunteers::register::{Checked, Status};

use crate::audit::{self, Actor, Entry};
use crate::basic::INDEX_PHONE;
use crate::seal::{Aad, KeyRing, mask_phone};

/// Serialises the choice of new volunteer user names on PostgreSQL (SQLite writes one at a time).
const PG_USERNAME_LOCK: i64 = 7_426_817;
/// Rows a list shows at most.
pub const MAX_PAGE: i64 = 200;

/// A volunteer as the register shows them: masked phone only, their account's user name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Row {
    pub id: i64,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub community_id: i64,
    pub community_code: String,
    pub community_name: String,
    pub building: String,
    pub unit: String,
    pub post: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub skills: String,
    pub status: String,
    pub source: String,
    pub applied_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: String,
    #[serde(skip)]
    pub path: String,
}

const ROW_SQL: &str = "SELECT v.id, v.user_id, u.username, v.community_id, n.code AS community_code, \
    n.name AS community_name, v.building, v.unit, v.post, v.name, v.phone_masked, v.skills, v.status, \
    v.source, v.applied_at, v.decided_by_name, v.decided_at, v.decision_reason, v.path \
    FROM volunteers v JOIN nodes n ON n.id = v.community_id LEFT JOIN users u ON u.id = v.user_id";

/// The account made for a volunteer: the user name and the initial password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub user_id: i64,
    pub username: String,
    pub password: String,
}

/// A community node: id, code, path.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Community {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// The community (village node) with this code inside `scope`; 404 otherwise.
pub async fn community_by_code(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Community, Error> {
    // Codes are digits and letters; anything else names no node (and never reaches the SQL).
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(err!(
            "volunteers.community_not_found",
            id = code.chars().take(20).collect::<String>()
        ));
    }
    let c: Option<(Community, String)> = q!(
        h,
        fetch_optional,
        (i64, String, String, String, String),
        "SELECT id, code, name, path, kind FROM nodes WHERE code = $1 AND retired_at IS NULL",
        code
    )
    .map_err(sql_error)?
    .map(|(id, code, name, path, kind)| {
        (
            Community {
                id,
                code,
                name,
                path,
            },
            kind,
        )
    });
    match c {
        Some((c, kind)) if scope.contains(&c.path) => {
            if kind == "village" {
                Ok(c)
            } else {
                Err(err!("volunteers.not_community", code = c.code))
            }
        }
        _ => Err(err!(
            "volunteers.community_not_found",
            id = code.chars().take(20).collect::<String>()
        )),
    }
}

/// Every community (village node) inside `scope`, by code (the public form's select; a
/// resident's scope is the whole tree).
pub async fn communities(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<Community>, Error> {
    q!(h, fetch_all, Community,
        "SELECT id, code, name, path FROM nodes WHERE kind = 'village' AND path LIKE $1 AND retired_at IS NULL ORDER BY code LIMIT 2000",
        scope.like_pattern())
    .map_err(sql_error)
}

fn phone_index(keys: &KeyRing, phone: &str) -> String {
    keys.blind_index(INDEX_PHONE, phone)
}

/// Refuses a phone already applied or active in the community.
async fn check_phone_free(h: &mut Handle<'_>, community_id: i64, index: &str) -> Result<(), Error> {
    let taken: Option<i64> = q!(h, scalar fetch_optional, i64,
        "SELECT id FROM volunteers WHERE community_id = $1 AND phone_index = $2 AND status IN ('applied', 'active') LIMIT 1",
        community_id, index)
    .map_err(sql_error)?;
    match taken {
        Some(_) => {
            Err(err!("volunteers.phone_taken").with_details(serde_json::json!({"field": "phone"})))
        }
        None => Ok(()),
    }
}

/// Writes a volunteer row with the phone sealed under the row's id; returns the id.
// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn insert(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    c: &Community,
    v: &Checked,
    status: Status,
    source: &str,
    actor: Option<&Actor>,
    now: i64,
) -> Result<i64, Error> {
    let index = phone_index(keys, &v.phone);
    check_phone_free(h, c.id, &index).await?;
    let (by, by_name, at) = match actor {
        Some(a) => (a.user_id, Some(a.name.as_str()), Some(now)),
        None => (None, None, None),
    };
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO volunteers (community_id, path, building, unit, post, name, phone_index, phone_masked, \
         skills, status, source, applied_at, decided_by, decided_by_name, decided_at, decision_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, '') RETURNING id",
        c.id, &c.path, &v.building, &v.unit, v.post.as_str(), &v.name, &index, mask_phone(&v.phone),
        &v.skills, status.as_str(), source, now, by, by_name, at)
    .map_err(|e| match sql_error(e) {
        e if e.code == "db.duplicate" => err!("volunteers.phone_taken"),
        e => e,
    })?;
    let sealed = keys.seal(&v.phone, &Aad::new("volunteers", "phone", &id.to_string()))?;
    q!(
        h,
        execute,
        "UPDATE volunteers SET phone_sealed = $1 WHERE id = $2",
        sealed,
        id
    )
    .map_err(sql_error)?;
    Ok(id)
}

/// A resident's application (public): status `applied`, no account yet.
pub async fn apply(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    community: &Community,
    v: &Checked,
    now: i64,
) -> Result<i64, Error> {
    insert(h, keys, community, v, Status::Applied, "applied", None, now).await
}

/// A fresh password: 12 letters and digits from the system's randomness.
fn initial_password() -> Result<String, Error> {
    Ok(crate::auth::random_secret()?.chars().take(12).collect())
}

/// Makes the volunteer's account: role volunteer at the community, user name `v` + the
/// community's code + the next number, a random initial password.
async fn make_account(
    h: &mut Handle<'_>,
    c: &Community,
    display_name: &str,
    now: i64,
) -> Result<Account, Error> {
    h.lock_chain(PG_USERNAME_LOCK).await?;
    let prefix = format!("v{}", c.code);
    let names: Vec<String> = q!(h, scalar fetch_all, String,
        "SELECT username FROM users WHERE username LIKE $1", format!("{prefix}%"))
    .map_err(sql_error)?;
    let next = names
        .iter()
        .filter_map(|n| n.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let username = format!("{prefix}{next:03}");
    let password = initial_password()?;
    let hash = crate::auth::hash_password(&password)?;
    let user_id = crate::users::create_with_hash(
        h,
        &username,
        display_name,
        &hash,
        Role::Volunteer,
        c.id,
        None,
        now,
    )
    .await?;
    Ok(Account {
        user_id,
        username,
        password,
    })
}

async fn audit(
    h: &mut Handle<'_>,
    actor: &Actor,
    action: &str,
    id: i64,
    reason: &str,
    detail: &str,
    now: i64,
) -> Result<(), Error> {
    audit::append(
        h,
        &Entry {
            actor,
            action,
            subject_table: "volunteers",
            subject_id: Some(id),
            column_name: None,
            reason,
            detail,
        },
        now,
    )
    .await
    .map(|_| ())
}

/// One volunteer as the register shows them, inside `scope`; 404 when absent or outside.
pub async fn row(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Row, Error> {
    let sql = format!("{ROW_SQL} WHERE v.id = $1");
    let r: Option<Row> =
        q!(h, fetch_optional, Row, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    r.filter(|r| scope.contains(&r.path))
        .ok_or_else(|| err!("volunteers.not_found", id))
}

fn community_of(r: &Row) -> Community {
    Community {
        id: r.community_id,
        code: r.community_code.clone(),
        name: r.community_name.clone(),
        path: r.path.clone(),
    }
}

fn check_move(r: &Row, to: Status, action: &str) -> Result<(), Error> {
    let from = Status::parse(&r.status).unwrap_or(Status::Rejected);
    if from.may_become(to) {
        Ok(())
    } else {
        Err(err!(
            "volunteers.transition",
            id = r.id,
            status = r.status,
            action
        ))
    }
}

/// Approves an application: the account is made and the row is active.
pub async fn approve(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    actor: &Actor,
    now: i64,
) -> Result<(Row, Account), Error> {
    let r = row(h, scope, id).await?;
    check_move(&r, Status::Active, "approve")?;
    let account = make_account(h, &community_of(&r), &r.name, now).await?;
    q!(h, execute,
        "UPDATE volunteers SET status = 'active', user_id = $1, decided_by = $2, decided_by_name = $3, decided_at = $4 WHERE id = $5 AND status = 'applied'",
        account.user_id, actor.user_id, &actor.name, now, id)
    .map_err(sql_error)?;
    audit(
        h,
        actor,
        "volunteer.approve",
        id,
        "",
        &account.username,
        now,
    )
    .await?;
    Ok((row(h, scope, id).await?, account))
}

/// Rejects an application with a reason.
pub async fn reject(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> Result<Row, Error> {
    let r = row(h, scope, id).await?;
    check_move(&r, Status::Rejected, "reject")?;
    q!(h, execute,
        "UPDATE volunteers SET status = 'rejected', decided_by = $1, decided_by_name = $2, decided_at = $3, decision_reason = $4 WHERE id = $5",
        actor.user_id, &actor.name, now, reason, id)
    .map_err(sql_error)?;
    audit(h, actor, "volunteer.reject", id, reason, "", now).await?;
    row(h, scope, id).await
}

/// An active volunteer leaves: the row is `left`, the account deactivated and signed out. The
/// ledger keeps their points.
pub async fn leave(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> Result<Row, Error> {
    let r = row(h, scope, id).await?;
    check_move(&r, Status::Left, "leave")?;
    q!(h, execute,
        "UPDATE volunteers SET status = 'left', decided_by = $1, decided_by_name = $2, decided_at = $3, decision_reason = $4 WHERE id = $5",
        actor.user_id, &actor.name, now, reason, id)
    .map_err(sql_error)?;
    if let Some(uid) = r.user_id {
        q!(
            h,
            execute,
            "UPDATE users SET active = $1 WHERE id = $2",
            false,
            uid
        )
        .map_err(sql_error)?;
        q!(h, execute, "DELETE FROM sessions WHERE user_id = $1", uid).map_err(sql_error)?;
        q!(
            h,
            execute,
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            now,
            uid
        )
        .map_err(sql_error)?;
    }
    audit(h, actor, "volunteer.leave", id, reason, "", now).await?;
    row(h, scope, id).await
}

/// The community adds an active volunteer directly (`source` 'added' or 'imported'), with an
/// account made as an approval makes it.
pub async fn add(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    community: &Community,
    v: &Checked,
    source: &str,
    actor: &Actor,
    now: i64,
) -> Result<(i64, Account), Error> {
    let id = insert(
        h,
        keys,
        community,
        v,
        Status::Active,
        source,
        Some(actor),
        now,
    )
    .await?;
    let account = make_account(h, community, &v.name, now).await?;
    q!(
        h,
        execute,
        "UPDATE volunteers SET user_id = $1 WHERE id = $2",
        account.user_id,
        id
    )
    .map_err(sql_error)?;
    let action = if source == "imported" {
        "volunteer.import"
    } else {
        "volunteer.add"
    };
    audit(h, actor, action, id, "", &account.username, now).await?;
    Ok((id, account))
}

/// Whether a phone is already applied or active in a community (an import's check before it
/// writes anything).
pub async fn phone_taken(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    community_id: i64,
    phone: &str,
) -> Result<bool, Error> {
    Ok(check_phone_free(h, community_id, &phone_index(keys, phone))
        .await
        .is_err())
}

/// What a list narrows to; empty strings and None take everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub community_id: Option<i64>,
    pub post: String,
    pub status: String,
    pub building: String,
}

/// Volunteers inside `scope`, newest first, with the total that matched.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), Error> {
    let cond = "WHERE v.path LIKE $1 AND ($2 = 0 OR v.community_id = $2) AND ($3 = '' OR v.post = $3) \
        AND ($4 = '' OR v.status = $4) AND ($5 = '' OR v.building = $5)";
    let community = f.community_id.unwrap_or(0);
    let total: i64 = q!(h, scalar fetch_one, i64,
        sqlx::AssertSqlSafe(format!("SELECT CAST(COUNT(*) AS BIGINT) FROM volunteers v {cond}")),
        scope.like_pattern(), community, &f.post, &f.status, &f.building)
    .map_err(sql_error)?;
    let sql = format!("{ROW_SQL} {cond} ORDER BY v.id DESC LIMIT $6 OFFSET $7");
    let rows = q!(
        h,
        fetch_all,
        Row,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        community,
        &f.post,
        &f.status,
        &f.building,
        limit.clamp(1, MAX_PAGE),
        offset.max(0)
    )
    .map_err(sql_error)?;
    Ok((rows, total))
}

/// Pending applications per community inside `scope`: (community id, code, name, count).
pub async fn pending_counts(
    h: &mut Handle<'_>,
    scope: &Scope,
) -> Result<Vec<(i64, String, String, i64)>, Error> {
    q!(h, fetch_all, (i64, String, String, i64),
        "SELECT n.id, n.code, n.name, CAST(COUNT(*) AS BIGINT) FROM volunteers v JOIN nodes n ON n.id = v.community_id \
         WHERE v.path LIKE $1 AND v.status = 'applied' GROUP BY n.id, n.code, n.name ORDER BY n.code",
        scope.like_pattern())
    .map_err(sql_error)
}

/// The code of the community a grid lies in (a resident's grid page links to the application
/// form with it).
pub async fn community_of_grid(
    h: &mut Handle<'_>,
    grid_code: &str,
) -> Result<Option<String>, Error> {
    if !grid_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    q!(h, scalar fetch_optional, String,
        "SELECT p.code FROM nodes g JOIN nodes p ON p.id = g.parent_id WHERE g.code = $1 AND p.kind = 'village'",
        grid_code)
    .map_err(sql_error)
}

/// A community by code for the public application form: any community of the tree (their
/// names and codes are on every resident's grid page already).
pub async fn public_community(h: &mut Handle<'_>, code: &str) -> Result<Community, Error> {
    community_by_code(h, &Scope::of_path("/"), code).await
}

/// Every community, for the public application form's select.
pub async fn public_communities(h: &mut Handle<'_>) -> Result<Vec<Community>, Error> {
    communities(h, &Scope::of_path("/")).await
}
