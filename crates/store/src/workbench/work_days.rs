//! Per worker and day, the sums the leaders' views need (migration 23): family visits, diary
//! entries, sweeps (on the week's Monday), seconds in the grid and a log-in. Triggers keep the
//! table in step with the records in the writer's own statement, so the demo's bulk load, the
//! offline resends (which insert nothing) and every writer agree with it by construction. A
//! township's month then reads one row per worker and day instead of every record.
//!
//! Every function takes a path prefix the caller has checked against their scope.

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::workbench::periods;
use wangge_domain::workbench::progress::{Counts, Span};

use crate::db::{Handle, sql_error};

/// What a worker's days in a span add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct DaySums {
    /// The worker (user id).
    pub id: i64,
    pub family_visits: i64,
    pub diary: i64,
    /// Sweeps of the weeks that touch the span.
    pub sweeps: i64,
    /// Working days with at least the daily seconds in the grid.
    pub patrol_days_met: i64,
    pub seconds_today: i64,
    /// Working days with a log-in.
    pub login_days: i64,
    /// 1 when the worker logged in today.
    pub logged_in_today: i64,
}

impl DaySums {
    /// Writes these sums into the worker's counts.
    pub fn apply(&self, c: &mut Counts) {
        c.family_visits = self.family_visits;
        c.diary = self.diary;
        c.sweeps = self.sweeps;
        c.patrol_days_met = self.patrol_days_met;
        c.minutes_today = self.seconds_today / 60;
        c.login_days = self.login_days;
        c.logged_in_today = self.logged_in_today > 0;
    }
}

/// The sums for every active worker under `prefix` over `span`: one index range
/// per worker on the table's key, summed in SQL. Rows of the span's first week before its start
/// count only their sweep, as the records' own queries do. A day counts towards the time in the
/// grid when it holds at least `minutes_per_day`.
pub async fn sums(
    h: &mut Handle<'_>,
    prefix: &str,
    span: &Span,
    minutes_per_day: u32,
) -> Result<HashMap<i64, DaySums>, Error> {
    let last = span.last_counted();
    let sql = format!(
        "SELECT worker_id AS id, \
         CAST(SUM(CASE WHEN day >= $3 THEN family_visits ELSE 0 END) AS BIGINT) AS family_visits, \
         CAST(SUM(CASE WHEN day >= $3 THEN diary ELSE 0 END) AS BIGINT) AS diary, \
         CAST(SUM(sweeps) AS BIGINT) AS sweeps, \
         CAST(SUM(CASE WHEN day >= $3 AND workday = 1 AND patrol_seconds >= $6 THEN 1 ELSE 0 END) AS BIGINT) \
         AS patrol_days_met, \
         CAST(SUM(CASE WHEN day >= $3 AND day = $7 THEN COALESCE(patrol_seconds, 0) ELSE 0 END) AS BIGINT) \
         AS seconds_today, \
         CAST(SUM(CASE WHEN day >= $3 AND workday = 1 THEN logged_in ELSE 0 END) AS BIGINT) AS login_days, \
         CAST(SUM(CASE WHEN day >= $3 AND day = $7 THEN logged_in ELSE 0 END) AS BIGINT) AS logged_in_today \
         FROM work_days WHERE worker_id IN ({}) \
         AND day >= $4 AND day <= $5 GROUP BY worker_id",
        super::progress::workers_of(h)
    );
    let (lo, hi) = super::progress::under(prefix);
    let rows = q!(
        h,
        fetch_all,
        DaySums,
        sqlx::AssertSqlSafe(sql),
        lo,
        hi,
        span.start.to_string(),
        periods::week_start(span.start).to_string(),
        last.to_string(),
        i64::from(minutes_per_day) * 60,
        span.today.to_string()
    )
    .map_err(sql_error)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}
