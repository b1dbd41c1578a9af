//! The catalogue's versions kept by streets (or higher), and the street's decisions on "other"
//! values (filled in by its part). The look-up every part uses is here from the start.

use wangge_domain::Error;
use wangge_domain::volunteers::catalogue::Catalogue;

use crate::db::{Handle, sql_error};
use crate::workbench::rules::ancestor_paths;

/// The catalogue in force at a community (or any node) path: the newest version of the deepest
/// node above it that keeps one; else the seed's. Returns the version's id (None for the seed).
pub async fn in_force(h: &mut Handle<'_>, path: &str) -> Result<(Option<i64>, Catalogue), Error> {
    for p in ancestor_paths(path).iter().rev() {
        let row: Option<(i64, String)> = q!(h, fetch_optional, (i64, String),
            "SELECT id, catalogue_json FROM volunteer_catalogues WHERE path = $1 ORDER BY version DESC LIMIT 1",
            p)
        .map_err(sql_error)?;
        if let Some((id, json)) = row {
            // A kept version was validated when saved; one that no longer reads (an older
            // shape) falls through to the next node up rather than failing every page.
            if let Ok(c) = serde_json::from_str::<Catalogue>(&json) {
                return Ok((Some(id), c));
            }
        }
    }
    Ok((None, Catalogue::seed()))
}
