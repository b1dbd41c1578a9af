//! The audit log: who revealed, exported, imported or re-sealed what, and why. Append-only
//! (triggers refuse UPDATE and DELETE) and hash-chained: each row's `hash` is SHA-256 over the
//! previous row's hash and the row's own fields, so an edited row, or a deleted one in the
//! middle, shows up in [`verify`]. The first row links to `"genesis"`.
//!
//! [`append`] must run inside a transaction ([`crate::Db::begin`]): the chain's tail is read and
//! extended under a lock (SQLite's write lock; a PostgreSQL advisory lock), and the unique
//! `prev_hash` refuses a fork should two writers ever race.

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::Error;

use crate::db::{Handle, sql_error};

const GENESIS: &str = "genesis";
/// Serialises appends on PostgreSQL (0002 uses 7426801 for migrations).
const PG_LOCK: i64 = 7_426_804;

/// Who does something: the account (none for the system or the CLI) and the name recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn user(user_id: i64, name: impl Into<String>) -> Actor {
        Actor {
            user_id: Some(user_id),
            name: name.into(),
        }
    }

    pub fn system(name: impl Into<String>) -> Actor {
        Actor {
            user_id: None,
            name: name.into(),
        }
    }
}

/// What is being recorded. `action` is a short code: `reveal`, `export`, `import`, `rotate`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub subject_table: &'a str,
    pub subject_id: Option<i64>,
    pub column_name: Option<&'a str>,
    pub reason: &'a str,
    pub detail: &'a str,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub subject_table: String,
    pub subject_id: Option<i64>,
    pub column_name: Option<String>,
    pub reason: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str = "id, at, actor_user_id, actor_name, action, subject_table, subject_id, column_name, reason, detail, prev_hash, hash";

/// SHA-256 over the previous hash and each field, every field length-prefixed (an absent
/// optional field differs from an empty one), hex.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    prev: &str,
    at: i64,
    actor_user_id: Option<i64>,
    actor_name: &str,
    action: &str,
    subject_table: &str,
    subject_id: Option<i64>,
    column_name: Option<&str>,
    reason: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
    };
    let user = actor_user_id.map(|u| u.to_string());
    let subject = subject_id.map(|s| s.to_string());
    field(Some(b"wangge.audit.v1"));
    field(Some(prev.as_bytes()));
    field(Some(at.to_string().as_bytes()));
    field(user.as_deref().map(str::as_bytes));
    field(Some(actor_name.as_bytes()));
    field(Some(action.as_bytes()));
    field(Some(subject_table.as_bytes()));
    field(subject.as_deref().map(str::as_bytes));
    field(column_name.map(str::as_bytes));
    field(Some(reason.as_bytes()));
    field(Some(detail.as_bytes()));
    hex::encode(h.finalize())
}

fn hash_of(r: &AuditRow) -> String {
    row_hash(
        &r.prev_hash,
        r.at,
        r.actor_user_id,
        &r.actor_name,
        &r.action,
        &r.subject_table,
        r.subject_id,
        r.column_name.as_deref(),
        &r.reason,
        &r.detail,
    )
}

/// Appends one row at the chain's tail; returns its id. Call inside a transaction.
pub async fn append(h: &mut Handle<'_>, entry: &Entry<'_>, at: i64) -> Result<i64, Error> {
    h.lock_chain(PG_LOCK).await?;
    let prev: Option<String> = q!(
        h,
        scalar fetch_optional,
        String,
        "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
    )
    .map_err(sql_error)?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_string());
    let hash = row_hash(
        &prev,
        at,
        entry.actor.user_id,
        &entry.actor.name,
        entry.action,
        entry.subject_table,
        entry.subject_id,
        entry.column_name,
        entry.reason,
        entry.detail,
    );
    q!(h, scalar fetch_one, i64,
        "INSERT INTO audit_log (at, actor_user_id, actor_name, action, subject_table, subject_id, column_name, reason, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        at, entry.actor.user_id, &entry.actor.name, entry.action, entry.subject_table, entry.subject_id,
        entry.column_name, entry.reason, entry.detail, &prev, &hash)
    .map_err(sql_error)
}

/// What to look for; every field narrows. `from`/`to` are epoch milliseconds, `to` exclusive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_user_id: Option<i64>,
    pub subject_table: Option<String>,
    pub subject_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Newest first; `before_id` is the last id of the previous page. `limit` is clamped to 1–500.
pub async fn search(
    h: &mut Handle<'_>,
    filter: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, Error> {
    let limit = limit.clamp(1, 500);
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 IS NULL OR actor_user_id = $1) \
         AND ($2 IS NULL OR subject_table = $2) AND ($3 IS NULL OR subject_id = $3) \
         AND ($4 IS NULL OR action = $4) AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
         AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $8"
    );
    q!(
        h,
        fetch_all,
        AuditRow,
        sqlx::AssertSqlSafe(sql),
        filter.actor_user_id,
        &filter.subject_table,
        filter.subject_id,
        &filter.action,
        filter.from,
        filter.to,
        before_id,
        limit
    )
    .map_err(sql_error)
}

/// A row whose hash or link is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub id: i64,
    pub reason: String,
}

/// Walks the whole chain in id order, a page at a time. Returns the rows checked and each break:
/// a row changed after it was written (its hash no longer matches), or a link to a previous row
/// that is not the row before it (a row deleted or inserted out of turn).
pub async fn verify(h: &mut Handle<'_>) -> Result<(u64, Vec<Break>), Error> {
    let mut breaks = Vec::new();
    let mut checked = 0u64;
    let mut prev = GENESIS.to_string();
    let mut after = 0i64;
    loop {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000");
        let rows: Vec<AuditRow> =
            q!(h, fetch_all, AuditRow, sqlx::AssertSqlSafe(sql), after).map_err(sql_error)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in &rows {
            checked += 1;
            if r.prev_hash != prev {
                breaks.push(Break {
                    id: r.id,
                    reason: "the link to the previous row is broken: a row before it was removed or changed".into(),
                });
            }
            if hash_of(r) != r.hash {
                breaks.push(Break {
                    id: r.id,
                    reason: "the row was changed after it was written".into(),
                });
            }
            prev = r.hash.clone();
        }
    }
    Ok((checked, breaks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_separates_fields() {
        let a = row_hash("p", 1, Some(1), "ab", "c", "t", None, None, "", "");
        let b = row_hash("p", 1, Some(1), "a", "bc", "t", None, None, "", "");
        let c = row_hash("p", 1, Some(1), "ab", "c", "t", None, Some(""), "", "");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a,
            row_hash("p", 1, Some(1), "ab", "c", "t", None, None, "", "")
        );
    }
}
