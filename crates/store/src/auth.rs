//! Passwords, sessions, API tokens and log-in throttling. Session and token secrets are stored
//! only as SHA-256 hashes, so a copy of the database does not let anyone in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use wangge_domain::err;
use wangge_domain::permission::{self, Permission};
use wangge_domain::{Error, NodeKind, Role, Scope};

use crate::db::{Handle, sql_error};

/// Who is asking: a signed-in user with their role and node.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    #[sqlx(try_from = "String")]
    pub node_kind: NodeKind,
    pub node_path: String,
}

impl Principal {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scope(&self) -> Scope {
        Scope::of_path(&self.node_path)
    }

    /// Whether the caller's role holds a permission (inside the caller's scope).
    pub fn may(&self, permission: Permission) -> bool {
        permission::may(self.role, permission)
    }

    pub fn can_edit_tree(&self) -> bool {
        self.may(Permission::EditTree)
    }

    pub fn can_manage_users(&self) -> bool {
        self.may(Permission::ManageUsers)
    }

    /// An administrator at the root of the tree: keeps what serves the whole deployment (the
    /// working-day calendar, the category tree).
    pub fn administers_deployment(&self) -> bool {
        self.may(Permission::KeepDeployment) && permission::deployment_wide(&self.node_path)
    }
}

/// The columns of a `Principal`, followed by the query's own FROM and WHERE.
macro_rules! principal_sql {
    ($rest:literal) => {
        concat!(
            "SELECT u.id AS user_id, u.username, u.display_name, u.role, n.id AS node_id, ",
            "n.code AS node_code, n.name AS node_name, n.kind AS node_kind, n.path AS node_path ",
            $rest
        )
    };
}

pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| err!("internal", detail = format!("no randomness: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| err!("internal", detail = e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| err!("internal", detail = format!("cannot hash password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random secret, hex-encoded (32 bytes of entropy).
pub fn random_secret() -> Result<String, Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| err!("internal", detail = format!("no randomness: {e}")))?;
    Ok(hex::encode(b))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: String,
    active: bool,
}

/// A hash of a password no one types, made with the same parameters as real ones: an unknown or
/// disabled name is checked against it, so the answer takes as long as for a known name and the
/// time does not tell which names exist.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password("wangge: no such user, but take the time a real check takes").unwrap_or_default()
});

/// Failures one (name, address) pair may make in the window before each next try must wait.
pub const PAIR_FREE_FAILURES: i64 = 3;
/// The wait after the first failure past the free ones; it doubles with each further failure.
pub const PAIR_FIRST_DELAY_MS: i64 = 2_000;
/// The longest wait a pair is asked for.
pub const PAIR_MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// Failures for one name from all addresses together (or from one address across all names)
/// within the window before the name (or address) is refused, except for the right password
/// from a device that has signed in as that name before. High on purpose: it slows a
/// distributed guess, while a stranger cannot lock a worker out.
pub const CEILING: i64 = 100;
/// The window the counts above look back over.
pub const FAILURE_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Every this many failures (by row id) rows older than the window are swept.
const SWEEP_EVERY: i64 = 100;

/// How long the pair must wait after `failures` failures, the last at `last`; `None`: no wait.
pub fn pair_wait_ms(failures: i64, last: i64, now: i64) -> Option<i64> {
    if failures < PAIR_FREE_FAILURES {
        return None;
    }
    let doublings = (failures - PAIR_FREE_FAILURES).min(20) as u32;
    let delay = PAIR_FIRST_DELAY_MS
        .saturating_mul(1 << doublings)
        .min(PAIR_MAX_DELAY_MS);
    let wait = last + delay - now;
    (wait > 0).then_some(wait)
}

/// A refusal that says how long to wait (`details.retry_after_s`, the web layer's `Retry-After`).
fn wait_error(code: &'static str, wait_ms: i64) -> Error {
    let seconds = ((wait_ms + 999) / 1000).max(1);
    let minutes = (seconds + 59) / 60;
    Error::new(
        code,
        vec![
            ("seconds", seconds.to_string()),
            ("minutes", minutes.to_string()),
        ],
    )
    .with_details(serde_json::json!({ "retry_after_s": seconds }))
}

/// When the `n`-th most recent failure matching `filter` (bound to `key`) leaves the window, or
/// `None` when there are fewer than `n`.
async fn nth_latest_failure(
    h: &mut Handle<'_>,
    by_ip: bool,
    key: &str,
    since: i64,
    n: i64,
) -> Result<Option<i64>, Error> {
    let sql = if by_ip {
        "SELECT at FROM login_failures WHERE ip = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"
    } else {
        "SELECT at FROM login_failures WHERE username = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"
    };
    q!(h, scalar fetch_optional, i64, sql, key, since, n - 1).map_err(sql_error)
}

/// Checks a user name and password from a client address. Throttling, in the database so every
/// instance shares it:
/// - per (name, address) pair, a progressive wait after a few failures (429 `auth.slow_down`);
/// - per name and per address, a high ceiling over the window (429 `auth.throttled`), which the
///   right password from a `known_device` (one that signed in as this name before) passes.
///
/// Both refusals carry `retry_after_s`. Unknown and disabled names cost the same password check
/// as known ones.
pub async fn login(
    h: &mut Handle<'_>,
    username: &str,
    password: &str,
    ip: &str,
    known_device: bool,
    now: i64,
) -> Result<i64, Error> {
    let since = now - FAILURE_WINDOW_MS;
    let (pair, last): (i64, Option<i64>) = q!(h, fetch_one, (i64, Option<i64>),
        "SELECT CAST(COUNT(*) AS BIGINT), MAX(at) FROM login_failures WHERE username = $1 AND ip = $2 AND at > $3",
        username, ip, since)
    .map_err(sql_error)?;
    if let Some(wait) = pair_wait_ms(pair, last.unwrap_or(now), now) {
        return Err(wait_error("auth.slow_down", wait));
    }
    if !known_device {
        for by_ip in [false, true] {
            let key = if by_ip { ip } else { username };
            if let Some(at) = nth_latest_failure(h, by_ip, key, since, CEILING).await? {
                return Err(wait_error("auth.throttled", at + FAILURE_WINDOW_MS - now));
            }
        }
    }
    let row: Option<LoginRow> = q!(
        h,
        fetch_optional,
        LoginRow,
        "SELECT id, password_hash, active FROM users WHERE username = $1",
        username
    )
    .map_err(sql_error)?;
    let (hash, user) = match &row {
        Some(r) if r.active => (r.password_hash.as_str(), Some(r.id)),
        _ => (DUMMY_HASH.as_str(), None),
    };
    let right = verify_password(password, hash);
    match user {
        Some(id) if right => {
            // Only this pair's failures are forgiven: a stranger's failures under the same
            // name from elsewhere still count towards the ceiling.
            q!(
                h,
                execute,
                "DELETE FROM login_failures WHERE username = $1 AND ip = $2",
                username,
                ip
            )
            .map_err(sql_error)?;
            Ok(id)
        }
        _ => {
            let id: i64 = q!(h, scalar fetch_one, i64,
                "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3) RETURNING id",
                username, ip, now)
            .map_err(sql_error)?;
            if id % SWEEP_EVERY == 0 {
                q!(
                    h,
                    execute,
                    "DELETE FROM login_failures WHERE at <= $1",
                    since
                )
                .map_err(sql_error)?;
            }
            Err(err!("auth.bad_credentials"))
        }
    }
}

/// Starts a session; returns the secret for the cookie.
pub async fn create_session(
    h: &mut Handle<'_>,
    user_id: i64,
    now: i64,
    ttl_ms: i64,
) -> Result<String, Error> {
    let secret = random_secret()?;
    q!(h, execute,
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        sha256_hex(&secret), user_id, now, now + ttl_ms)
    .map_err(sql_error)?;
    // Expired sessions are swept as new ones start.
    q!(
        h,
        execute,
        "DELETE FROM sessions WHERE expires_at < $1",
        now
    )
    .map_err(sql_error)?;
    Ok(secret)
}

pub async fn session_principal(
    h: &mut Handle<'_>,
    secret: &str,
    now: i64,
) -> Result<Option<Principal>, Error> {
    const SQL: &str = principal_sql!(
        "FROM sessions s JOIN users u ON u.id = s.user_id JOIN nodes n ON n.id = u.node_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
    );
    q!(h, fetch_optional, Principal, SQL, sha256_hex(secret), now).map_err(sql_error)
}

pub async fn end_session(h: &mut Handle<'_>, secret: &str) -> Result<(), Error> {
    q!(
        h,
        execute,
        "DELETE FROM sessions WHERE token_hash = $1",
        sha256_hex(secret)
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Creates an API token for a user; the secret is shown once and stored only as a hash.
pub async fn create_token(
    h: &mut Handle<'_>,
    user_id: i64,
    name: &str,
    now: i64,
) -> Result<String, Error> {
    let secret = format!("wg_{}", random_secret()?);
    q!(
        h,
        execute,
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
        sha256_hex(&secret),
        user_id,
        name,
        now
    )
    .map_err(sql_error)?;
    Ok(secret)
}

pub async fn token_principal(h: &mut Handle<'_>, secret: &str) -> Result<Option<Principal>, Error> {
    const SQL: &str = principal_sql!(
        "FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN nodes n ON n.id = u.node_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active"
    );
    q!(h, fetch_optional, Principal, SQL, sha256_hex(secret)).map_err(sql_error)
}

pub async fn principal_by_id(h: &mut Handle<'_>, user_id: i64) -> Result<Option<Principal>, Error> {
    const SQL: &str =
        principal_sql!("FROM users u JOIN nodes n ON n.id = u.node_id WHERE u.id = $1");
    q!(h, fetch_optional, Principal, SQL, user_id).map_err(sql_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
