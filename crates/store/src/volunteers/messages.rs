//! What a volunteer is told (moved up from the waiting list, an activity cancelled, points
//! written): a kind and its parameters as JSON, rendered through the translation table on the
//! page (`vol.act.msg.{kind}`), so a message reads in whichever language the volunteer uses.

use serde::Serialize;
use wangge_domain::Error;

use crate::db::{Handle, sql_error};

/// The kinds written today.
pub const PROMOTED: &str = "promoted";
pub const ACTIVITY_CANCELLED: &str = "activity_cancelled";
pub const POINTS_WRITTEN: &str = "points_written";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Message {
    pub id: i64,
    pub volunteer_id: i64,
    pub kind: String,
    pub activity_id: Option<i64>,
    pub params_json: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Message {
    /// The parameters as (name, text) pairs for `wangge_domain::error::render`.
    pub fn params(&self) -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_str(&self.params_json).unwrap_or_default();
        let Some(m) = v.as_object() else {
            return Vec::new();
        };
        m.iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }
}

const COLUMNS: &str = "id, volunteer_id, kind, activity_id, params_json, created_at, read_at";

/// Tells a volunteer something. Runs in the caller's transaction.
pub async fn add(
    h: &mut Handle<'_>,
    volunteer_id: i64,
    kind: &str,
    activity_id: Option<i64>,
    params: &serde_json::Value,
    now: i64,
) -> Result<i64, Error> {
    q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO volunteer_messages (volunteer_id, kind, activity_id, params_json, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        volunteer_id,
        kind,
        activity_id,
        params.to_string(),
        now
    )
    .map_err(sql_error)
}

/// A volunteer's messages, newest first; `before_id` is the last id of the previous page;
/// `limit` is clamped to 1–200.
pub async fn list(
    h: &mut Handle<'_>,
    volunteer_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM volunteer_messages WHERE volunteer_id = $1 AND ($2 IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Message,
        sqlx::AssertSqlSafe(sql),
        volunteer_id,
        before_id,
        limit.clamp(1, 200)
    )
    .map_err(sql_error)
}

pub async fn unread_count(h: &mut Handle<'_>, volunteer_id: i64) -> Result<i64, Error> {
    q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM volunteer_messages WHERE volunteer_id = $1 AND read_at IS NULL",
        volunteer_id
    )
    .map_err(sql_error)
}

/// Marks a volunteer's messages read: those up to `up_to_id` (all when none). Returns how many.
pub async fn mark_read(
    h: &mut Handle<'_>,
    volunteer_id: i64,
    up_to_id: Option<i64>,
    now: i64,
) -> Result<u64, Error> {
    q!(
        h,
        execute,
        "UPDATE volunteer_messages SET read_at = $1 WHERE volunteer_id = $2 AND read_at IS NULL \
         AND ($3 IS NULL OR id <= $3)",
        now,
        volunteer_id,
        up_to_id
    )
    .map_err(sql_error)
}
