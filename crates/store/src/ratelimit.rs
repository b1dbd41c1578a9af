//! A fixed-window rate limit kept in the database (`rate_hits`), so several stateless server
//! instances share one count: each hit is a row under a bucket (`intake:` + the client's
//! address, for example); a hit past `max` within `window_ms` is refused with 429.

use wangge_domain::Error;

use crate::db::{Handle, sql_error};

/// At most `max` hits per bucket within any `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window_ms: i64,
}

/// Rows older than this are pruned whatever their bucket.
const KEEP_MS: i64 = 24 * 3600 * 1000;

/// Every this many hits (by row id) the whole table is pruned, not only the caller's bucket.
const SWEEP_EVERY: i64 = 200;

/// Hits in the bucket within the window ending at `now`.
pub async fn count(
    h: &mut Handle<'_>,
    bucket: &str,
    window_ms: i64,
    now: i64,
) -> Result<i64, Error> {
    q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM rate_hits WHERE bucket = $1 AND at > $2",
        bucket, now - window_ms)
    .map_err(sql_error)
}

/// Records one hit, or refuses with `code` (status 429) when the bucket is full. A refused hit
/// is not recorded, so a client that waits gets through once its old hits leave the window.
pub async fn hit(
    h: &mut Handle<'_>,
    bucket: &str,
    limit: Limit,
    code: &'static str,
    now: i64,
) -> Result<(), Error> {
    q!(
        h,
        execute,
        "DELETE FROM rate_hits WHERE bucket = $1 AND at <= $2",
        bucket,
        now - limit.window_ms.max(1)
    )
    .map_err(sql_error)?;
    let used = count(h, bucket, limit.window_ms, now).await?;
    if used >= limit.max {
        let minutes = (limit.window_ms / 60_000).max(1);
        return Err(Error::new(
            code,
            vec![
                ("max", limit.max.to_string()),
                ("minutes", minutes.to_string()),
            ],
        )
        .with_details(serde_json::json!({ "max": limit.max, "window_minutes": minutes })));
    }
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO rate_hits (bucket, at) VALUES ($1, $2) RETURNING id",
        bucket, now)
    .map_err(sql_error)?;
    if id % SWEEP_EVERY == 0 {
        q!(
            h,
            execute,
            "DELETE FROM rate_hits WHERE at < $1",
            now - KEEP_MS.max(limit.window_ms)
        )
        .map_err(sql_error)?;
    }
    Ok(())
}
