//! Photos of workbench records (`work_photos`). `attach` keeps a cleaned photo with its record
//! and tells whether the same content is already on another record, so the caller raises a
//! `photo_reused` flag in the same transaction.

use sha2::{Digest, Sha256};
use wangge_domain::Error;

use super::flags::RecordKind;
use crate::db::{Handle, sql_error};

/// A photo already checked and cleaned by `domain::photo::clean`.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub content_type: &'a str,
    pub data: &'a [u8],
}

/// The record that first used the same content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Earlier {
    pub record_kind: String,
    pub record_id: i64,
    pub worker_id: i64,
}

/// What was stored: the photo's id, its hash, and an earlier record with the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub id: i64,
    pub sha256: String,
    pub reused_from: Option<Earlier>,
}

#[allow(clippy::too_many_arguments)]
pub async fn attach(
    h: &mut Handle<'_>,
    kind: RecordKind,
    record_id: i64,
    worker_id: i64,
    path: &str,
    photo: &NewPhoto<'_>,
    now: i64,
) -> Result<Attached, Error> {
    let sha256 = hex::encode(Sha256::digest(photo.data));
    let reused_from = q!(
        h,
        fetch_optional,
        Earlier,
        "SELECT record_kind, record_id, worker_id FROM work_photos WHERE sha256 = $1 \
         AND NOT (record_kind = $2 AND record_id = $3) ORDER BY id LIMIT 1",
        &sha256,
        kind.as_str(),
        record_id
    )
    .map_err(sql_error)?;
    let id = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO work_photos (record_kind, record_id, worker_id, path, content_type, size, sha256, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        kind.as_str(),
        record_id,
        worker_id,
        path,
        photo.content_type,
        photo.data.len() as i64,
        &sha256,
        photo.data,
        now
    )
    .map_err(sql_error)?;
    Ok(Attached {
        id,
        sha256,
        reused_from,
    })
}
