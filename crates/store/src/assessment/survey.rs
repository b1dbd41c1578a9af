//! The residents' satisfaction survey (`survey_tokens`, `survey_answers`) and the ratings of
//! closed events.

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::assessment::measures::SatisfactionInput;
use wangge_domain::assessment::quarter::Quarter;

use crate::db::{Handle, sql_error};
use crate::workbench::logins::day_start_ms;

#[derive(sqlx::FromRow)]
struct PathSum {
    path: String,
    n: i64,
    total: i64,
}

/// Per grid path under `prefix`: the quarter's survey answers and the ratings of the grid's
/// events closed in the quarter. An event counts in the quarter of its (last) close, China
/// time, if it is still closed and rated when asked; a rating given after the quarter ended
/// for an event closed in it still counts, as the close of the quarter reads what is there.
/// Grids with neither are absent (the caller takes the default, all zero).
pub async fn satisfaction(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<HashMap<String, SatisfactionInput>, Error> {
    let like = format!("{prefix}%");
    let answers = q!(
        h,
        fetch_all,
        PathSum,
        "SELECT path, CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(score), 0) AS BIGINT) AS total \
         FROM survey_answers WHERE path LIKE $1 AND quarter = $2 GROUP BY path",
        &like,
        quarter.to_string()
    )
    .map_err(sql_error)?;
    let from = day_start_ms(quarter.start());
    let until = day_start_ms(quarter.next().start());
    // The quarter after the calendar's last one is itself: no instant is past its end then.
    let until = if until <= from { i64::MAX } else { until };
    let ratings = q!(
        h,
        fetch_all,
        PathSum,
        "SELECT path, CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS total \
         FROM events WHERE path LIKE $1 AND status = 'closed' AND rating BETWEEN 1 AND 5 \
         AND closed_at >= $2 AND closed_at < $3 GROUP BY path",
        &like,
        from,
        until
    )
    .map_err(sql_error)?;
    let mut out: HashMap<String, SatisfactionInput> = HashMap::new();
    for r in answers {
        let e = out.entry(r.path).or_default();
        e.survey_answers = r.n;
        e.survey_score_sum = r.total;
    }
    for r in ratings {
        let e = out.entry(r.path).or_default();
        e.ratings = r.n;
        e.rating_sum = r.total;
    }
    Ok(out)
}
