//! Accounts: who may sign in, in which role, at which node.

use serde::Serialize;
use wangge_domain::err;
use wangge_domain::{Error, NodeKind, Role, Scope};

use crate::auth::{hash_password, sha256_hex, verify_password};
use crate::db::{Handle, sql_error};
use crate::nodes;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub phone: Option<String>,
    pub active: bool,
}

macro_rules! user_sql {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.username, u.display_name, u.role, u.node_id, n.code AS node_code, n.name AS node_name, u.phone, u.active ",
            "FROM users u JOIN nodes n ON n.id = u.node_id ",
            $rest
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub node_code: String,
    pub phone: Option<String>,
}

fn validate_username(u: &str) -> Result<(), Error> {
    let ok = (3..=40).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(err!("user.username_invalid"))
    }
}

pub fn validate_password(p: &str) -> Result<(), Error> {
    if p.chars().count() < 8 {
        return Err(err!("user.password_weak"));
    }
    Ok(())
}

fn validate_phone(p: Option<&str>) -> Result<Option<String>, Error> {
    match p.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s)
            if s.len() <= 20
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+') =>
        {
            Ok(Some(s.to_string()))
        }
        Some(_) => Err(err!("user.phone_invalid")),
    }
}

/// Checks that the role may sit at the node's kind.
fn check_role_at(role: Role, node: &nodes::Node) -> Result<(), Error> {
    let kind = node.kind;
    if role.allowed_nodes().contains(&kind) {
        Ok(())
    } else {
        let allowed: Vec<&str> = role
            .allowed_nodes()
            .iter()
            .map(|k: &NodeKind| k.as_str())
            .collect();
        Err(err!(
            "user.role_node_mismatch",
            role = role.as_str(),
            allowed = allowed.join(" or "),
            kind = kind.as_str()
        ))
    }
}

/// Creates a user at a node inside the creator's scope.
pub async fn create(
    h: &mut Handle<'_>,
    scope: &Scope,
    new: &NewUser,
    now: i64,
) -> Result<User, Error> {
    validate_username(&new.username)?;
    validate_password(&new.password)?;
    let display = new.display_name.trim();
    if display.is_empty() || display.chars().count() > 40 {
        return Err(err!("user.name_invalid"));
    }
    let phone = validate_phone(new.phone.as_deref())?;
    let node = nodes::by_code(h, scope, &new.node_code)
        .await
        .map_err(|_| err!("user.node_unknown", code = new.node_code))?;
    check_role_at(new.role, &node)?;
    let hash = hash_password(&new.password)?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO users (username, display_name, password_hash, role, node_id, phone, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &new.username, display, hash, new.role.as_str(), node.id, phone, true, now)
    .map_err(|e| match crate::db::sql_error(e) {
        err if err.code == "db.duplicate" => err!("user.username_taken", username = new.username),
        err => err,
    })?;
    get(h, scope, id).await
}

/// Creates a user with a precomputed password hash (the demo reuses one hash for speed).
// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn create_with_hash(
    h: &mut Handle<'_>,
    username: &str,
    display_name: &str,
    hash: &str,
    role: Role,
    node_id: i64,
    phone: Option<&str>,
    now: i64,
) -> Result<i64, Error> {
    q!(h, scalar fetch_one, i64,
        "INSERT INTO users (username, display_name, password_hash, role, node_id, phone, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        username, display_name, hash, role.as_str(), node_id, phone, true, now)
    .map_err(sql_error)
}

pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<User, Error> {
    let u: Option<User> = q!(
        h,
        fetch_optional,
        User,
        user_sql!("WHERE u.id = $1 AND n.path LIKE $2"),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?;
    u.ok_or_else(|| err!("user.not_found", user = id))
}

pub async fn by_username(h: &mut Handle<'_>, scope: &Scope, username: &str) -> Result<User, Error> {
    let u: Option<User> = q!(
        h,
        fetch_optional,
        User,
        user_sql!("WHERE u.username = $1 AND n.path LIKE $2"),
        username,
        scope.like_pattern()
    )
    .map_err(sql_error)?;
    u.ok_or_else(|| err!("user.not_found", user = username))
}

pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    text: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<User>, Error> {
    let pattern = format!("%{}%", text.replace(['%', '_'], ""));
    q!(h, fetch_all, User,
        user_sql!("WHERE n.path LIKE $1 AND (u.username LIKE $2 OR u.display_name LIKE $2 OR n.name LIKE $2) ORDER BY n.path, u.role, u.username LIMIT $3 OFFSET $4"),
        scope.like_pattern(), pattern, limit, offset)
    .map_err(sql_error)
}

/// Staff attached directly to a node (a grid's workers, a village's leader…).
pub async fn at_node(h: &mut Handle<'_>, scope: &Scope, node_id: i64) -> Result<Vec<User>, Error> {
    q!(
        h,
        fetch_all,
        User,
        user_sql!(
            "WHERE u.node_id = $1 AND n.path LIKE $2 AND u.active ORDER BY u.role, u.username"
        ),
        node_id,
        scope.like_pattern()
    )
    .map_err(sql_error)
}

/// Changes a user's role, node, display name, phone and whether they may sign in.
// Each argument is one column or one rule; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    role: Role,
    node_code: &str,
    display_name: &str,
    phone: Option<&str>,
    active: bool,
) -> Result<User, Error> {
    let user = get(h, scope, id).await?;
    let node = nodes::by_code(h, scope, node_code)
        .await
        .map_err(|_| err!("user.node_unknown", code = node_code))?;
    check_role_at(role, &node)?;
    let phone = validate_phone(phone)?;
    let display = display_name.trim();
    if display.is_empty() {
        return Err(err!("user.name_invalid"));
    }
    q!(h, execute,
        "UPDATE users SET role = $1, node_id = $2, display_name = $3, phone = $4, active = $5 WHERE id = $6",
        role.as_str(), node.id, display, phone, active, user.id)
    .map_err(sql_error)?;
    if !active {
        q!(
            h,
            execute,
            "DELETE FROM sessions WHERE user_id = $1",
            user.id
        )
        .map_err(sql_error)?;
    }
    get(h, scope, id).await
}

/// The credential a password change leaves working: the session or API token the user made
/// their own change with. Everything else of the user's is revoked.
#[derive(Debug, Clone, Copy)]
pub enum Keep<'a> {
    Nothing,
    /// A session, by its secret.
    Session(&'a str),
    /// An API token, by its secret.
    Token(&'a str),
}

/// Sets a user's password (an administrator's reset inside their scope) and revokes all the
/// user's sessions and API tokens but `keep`: whoever knew the old password, or held a session
/// or token made with it, is out.
pub async fn set_password(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    password: &str,
    keep: Keep<'_>,
    now: i64,
) -> Result<(), Error> {
    validate_password(password)?;
    let user = get(h, scope, id).await?;
    let hash = hash_password(password)?;
    q!(
        h,
        execute,
        "UPDATE users SET password_hash = $1 WHERE id = $2",
        hash,
        user.id
    )
    .map_err(sql_error)?;
    revoke_all_but(h, user.id, keep, now).await
}

/// One's own password change: the current password must be right (so a session left open on
/// a shared computer cannot take the account over).
pub async fn change_own_password(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    current: &str,
    password: &str,
    keep: Keep<'_>,
    now: i64,
) -> Result<(), Error> {
    validate_password(password)?;
    let stored: Option<String> = q!(
        h,
        scalar fetch_optional,
        String,
        "SELECT password_hash FROM users WHERE id = $1",
        id
    )
    .map_err(sql_error)?;
    if !stored.is_some_and(|hash| verify_password(current, &hash)) {
        return Err(err!("auth.current_password"));
    }
    set_password(h, scope, id, password, keep, now).await
}

async fn revoke_all_but(
    h: &mut Handle<'_>,
    user_id: i64,
    keep: Keep<'_>,
    now: i64,
) -> Result<(), Error> {
    // A hash no row has stands for "keep nothing" (hashes are 64 hex characters).
    let (session, token) = match keep {
        Keep::Nothing => (String::new(), String::new()),
        Keep::Session(s) => (sha256_hex(s), String::new()),
        Keep::Token(t) => (String::new(), sha256_hex(t)),
    };
    q!(
        h,
        execute,
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        user_id,
        session
    )
    .map_err(sql_error)?;
    q!(
        h,
        execute,
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
        now,
        user_id,
        token
    )
    .map_err(sql_error)?;
    Ok(())
}

/// A person a notice board (公示牌) names: name and work phone as staff entered them for the public.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(sqlx::FromRow)]
struct BoardStaff {
    display_name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    phone: Option<String>,
}

/// The grid workers of a grid and the grid leaders of its village, as the grid's notice board
/// names them. Names, roles and work phones stand on the board in the street, so this needs no
/// scope; it returns nothing else.
pub async fn board_contacts(
    h: &mut Handle<'_>,
    grid_id: i64,
    village_id: Option<i64>,
) -> Result<(Vec<Contact>, Vec<Contact>), Error> {
    let workers = contacts_at(h, grid_id, Role::Worker).await?;
    let leaders = match village_id {
        Some(v) => contacts_at(h, v, Role::GridLeader).await?,
        None => Vec::new(),
    };
    Ok((workers, leaders))
}

async fn contacts_at(h: &mut Handle<'_>, node_id: i64, role: Role) -> Result<Vec<Contact>, Error> {
    let staff = q!(
        h,
        fetch_all,
        BoardStaff,
        "SELECT display_name, role, phone FROM users WHERE node_id = $1 AND active \
         ORDER BY role, username",
        node_id
    )
    .map_err(sql_error)?;
    Ok(staff
        .into_iter()
        .filter(|u| u.role == role)
        .map(|u| Contact {
            name: u.display_name,
            phone: u.phone.unwrap_or_default(),
        })
        .collect())
}
