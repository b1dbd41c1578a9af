//! Exact look-ups by a sealed value — an ID number or a phone found through its blind index.
//! A mask hides a phone's middle four digits, 10,000 values: a loop over them through an exact
//! search would find the number in minutes. So each exact look-up is counted against its user's
//! hourly limit (429 past it) and written to the audit log naming the people it found and how
//! many, never the value searched (the log is read by more people than may reveal).

use wangge_domain::Error;

use crate::audit::{self, Actor, Entry};
use crate::db::Handle;
use crate::ratelimit::{self, Limit};

/// The error past the limit (429).
pub const LIMIT_CODE: &str = "privacy.lookup_limit";
/// The audit log's action of a look-up.
pub const ACTION: &str = "lookup";
/// The default of `[privacy] lookups_per_hour`.
pub const DEFAULT_PER_HOUR: i64 = 30;
const HOUR_MS: i64 = 3600 * 1000;

/// What was looked up by: the audit row's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    IdNumber,
    Phone,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::IdNumber => "id_number",
            By::Phone => "phone",
        }
    }
}

/// Counts one look-up of `actor`'s, or refuses it (`privacy.lookup_limit`, 429) when the hour
/// already holds `per_hour` of them. A refused look-up is neither counted nor run.
pub async fn admit(
    h: &mut Handle<'_>,
    actor: &Actor,
    per_hour: i64,
    now: i64,
) -> Result<(), Error> {
    let bucket = format!("lookup:{}", actor.user_id.unwrap_or(0));
    let limit = Limit {
        max: per_hour.max(1),
        window_ms: HOUR_MS,
    };
    ratelimit::hit(h, &bucket, limit, LIMIT_CODE, now).await
}

/// The audit row of one look-up in `table` that found `ids` (one row, whatever it found).
/// Run in the transaction that ran the look-up.
pub async fn record(
    h: &mut Handle<'_>,
    actor: &Actor,
    table: &str,
    by: By,
    ids: &[i64],
    now: i64,
) -> Result<(), Error> {
    let detail = serde_json::json!({ "matched": ids.len(), "ids": ids }).to_string();
    audit::append(
        h,
        &Entry {
            actor,
            action: ACTION,
            subject_table: table,
            subject_id: match ids {
                [one] => Some(*one),
                _ => None,
            },
            column_name: Some(by.as_str()),
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await
    .map(|_| ())
}
