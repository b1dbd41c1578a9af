//! The photo on a grid's notice board (公示牌): one per grid, the grid worker's, replaced by a new
//! upload. Photos arrive cleaned by `wangge_domain::photo::clean`, as event photos do.

use sha2::{Digest, Sha256};
use wangge_domain::photo::PhotoKind;
use wangge_domain::{Error, NodeKind, Scope, err};

use crate::db::{Handle, sql_error};
use crate::nodes;

/// Stores (or replaces) the photo of a grid in scope.
pub async fn set_photo(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
    kind: PhotoKind,
    bytes: &[u8],
    actor: &str,
    now: i64,
) -> Result<(), Error> {
    let node = nodes::by_code(h, scope, code).await?;
    if node.kind != NodeKind::Grid {
        return Err(err!("grid.not_a_grid"));
    }
    let digest = hex::encode(Sha256::digest(bytes));
    q!(h, execute,
        "INSERT INTO board_photos (node_id, content_type, size, sha256, data, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (node_id) DO UPDATE SET content_type = excluded.content_type, size = excluded.size, sha256 = excluded.sha256, \
         data = excluded.data, uploaded_by = excluded.uploaded_by, created_at = excluded.created_at",
        node.id, kind.content_type(), bytes.len() as i64, digest, bytes, actor, now)
    .map_err(sql_error)?;
    Ok(())
}

/// The photo's content type and bytes, when the grid (in scope) has one.
pub async fn photo(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Option<(String, Vec<u8>)>, Error> {
    let node = nodes::by_code(h, scope, code).await?;
    q!(
        h,
        fetch_optional,
        (String, Vec<u8>),
        "SELECT content_type, data FROM board_photos WHERE node_id = $1",
        node.id
    )
    .map_err(sql_error)
}

/// When the grid's photo was last changed (a cache key for its address), if it has one.
pub async fn photo_stamp(h: &mut Handle<'_>, node_id: i64) -> Result<Option<i64>, Error> {
    q!(
        h,
        scalar fetch_optional,
        i64,
        "SELECT created_at FROM board_photos WHERE node_id = $1",
        node_id
    )
    .map_err(sql_error)
}
