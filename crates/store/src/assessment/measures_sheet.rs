//! A worker's closed results as the score sheet shows them: the rows of `assess_results` for a
//! quarter, newest first (the first is in force; the rest are the history of corrections).

use wangge_domain::Error;
use wangge_domain::assessment::quarter::Quarter;

use crate::basic::fetch_all;
use crate::db::Handle;

/// The most rows a sheet lists (a close and its corrections).
pub const MAX_ROWS: i64 = 100;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ResultRow {
    pub id: i64,
    pub kind: String,
    pub corrects_id: Option<i64>,
    pub reason: String,
    pub total_centi: i64,
    pub grade: String,
    pub rank: i64,
    pub pay_cents: i64,
    pub veto: Option<String>,
    #[serde(skip)]
    pub sheet_json: String,
    pub created_by_name: String,
    pub created_at: i64,
}

/// The rows of `user_id`'s results for `quarter` whose grid lies under `prefix`, newest first;
/// empty while the quarter is not closed (or out of sight).
pub async fn results(
    h: &mut Handle<'_>,
    prefix: &str,
    user_id: i64,
    quarter: Quarter,
) -> Result<Vec<ResultRow>, Error> {
    fetch_all(
        h,
        "SELECT id, kind, corrects_id, reason, CAST(total_centi AS BIGINT) AS total_centi, grade, \
         CAST(rank AS BIGINT) AS rank, CAST(pay_cents AS BIGINT) AS pay_cents, veto, sheet_json, \
         created_by_name, created_at FROM assess_results \
         WHERE user_id = $1 AND quarter = $2 AND path LIKE $3 ORDER BY id DESC LIMIT $4"
            .to_string(),
        vec![
            user_id.into(),
            quarter.to_string().into(),
            format!("{prefix}%").into(),
            MAX_ROWS.into(),
        ],
    )
    .await
}
