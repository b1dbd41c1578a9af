//! What the edit forms need beside the masked reads: the current plaintext of a secret, so a
//! form left blank keeps the stored value. The value goes straight back into the update and is
//! never shown, so no audit row is written (showing a value is [`super::reveal`]'s job).

use wangge_domain::err;
use wangge_domain::{Error, Scope, Sensitive};

use super::Secret;
use crate::db::{Handle, sql_error};
use crate::seal::{Aad, KeyRing};

/// The plaintext of one secret of a record in scope (`None` when the record has none).
pub async fn current_secret(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    secret: Secret,
    id: i64,
) -> Result<Option<Sensitive<String>>, Error> {
    let (table, sealed_col, aad_col) = secret.place();
    let sql = format!("SELECT {sealed_col} FROM {table} WHERE id = $1 AND path LIKE $2");
    let found: Option<Option<String>> = q!(h, scalar fetch_optional, Option<String>,
        sqlx::AssertSqlSafe(sql), id, scope.like_pattern())
    .map_err(sql_error)?;
    let Some(sealed) = found else {
        return Err(err!("basic.not_found", id));
    };
    sealed
        .map(|s| keys.open(&s, &Aad::new(table, aad_col, &id.to_string())))
        .transpose()
        .map(|v| v.map(Sensitive::new))
}

/// Households and people per grid path under the scope, for the map's popups (one grouped read
/// of the trigger-kept counts).
pub async fn people_per_grid(
    h: &mut Handle<'_>,
    scope: &Scope,
) -> Result<Vec<(String, i64, i64)>, Error> {
    let rows: Vec<(String, String, i64)> = q!(h, fetch_all, (String, String, i64),
        "SELECT path, metric, CAST(SUM(n) AS BIGINT) FROM basic_counts \
         WHERE path LIKE $1 AND metric IN ('people', 'households') GROUP BY path, metric ORDER BY path",
        scope.like_pattern())
    .map_err(sql_error)?;
    let mut out: Vec<(String, i64, i64)> = Vec::new();
    for (path, metric, n) in rows {
        if out.last().is_none_or(|l| l.0 != path) {
            out.push((path.clone(), 0, 0));
        }
        if let Some(last) = out.last_mut() {
            match metric.as_str() {
                "households" => last.1 = n,
                _ => last.2 = n,
            }
        }
    }
    Ok(out)
}
