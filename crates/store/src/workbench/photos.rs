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

/// SHA-256 in hex: how photos and records' content are compared.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A photo sent inside JSON (`"data": "<base64>"`, standard alphabet, padding optional, a
/// `data:…;base64,` prefix tolerated); `index` (from 1) names it in the error.
pub fn decode_base64(text: &str, index: usize) -> Result<Vec<u8>, Error> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let body = match text.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => text,
    };
    let body: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT
        .decode(body.as_bytes())
        .map_err(|_| wangge_domain::err!("work.photo_data", index))
}

/// A photo as a list shows it (no bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PhotoInfo {
    pub id: i64,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// The photos of one record, in the order they were attached.
pub async fn of_record(
    h: &mut Handle<'_>,
    kind: RecordKind,
    record_id: i64,
) -> Result<Vec<PhotoInfo>, Error> {
    q!(
        h,
        fetch_all,
        PhotoInfo,
        "SELECT id, content_type, size, sha256 FROM work_photos WHERE record_kind = $1 AND record_id = $2 ORDER BY id",
        kind.as_str(),
        record_id
    )
    .map_err(sql_error)
}

#[derive(sqlx::FromRow)]
struct PhotoData {
    content_type: String,
    data: Vec<u8>,
}

/// A photo's type and bytes, for its worker or a reviewer of work with it in scope; anyone
/// else gets `work.photo_not_found` as for a photo that does not exist.
pub async fn read(
    h: &mut Handle<'_>,
    p: &crate::auth::Principal,
    id: i64,
) -> Result<(String, Vec<u8>), Error> {
    let reviews = p.may(wangge_domain::Permission::ReviewWork);
    let got = q!(
        h,
        fetch_optional,
        PhotoData,
        "SELECT content_type, data FROM work_photos WHERE id = $1 AND (worker_id = $2 OR ($3 AND path LIKE $4))",
        id,
        p.user_id,
        reviews,
        p.scope().like_pattern()
    )
    .map_err(sql_error)?;
    got.map(|d| (d.content_type, d.data))
        .ok_or_else(|| wangge_domain::err!("work.photo_not_found", id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_phones_send_it() {
        assert_eq!(decode_base64("aGVsbG8=", 1).unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8", 1).unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8h", 1).unwrap(), b"hello!");
        assert_eq!(decode_base64("", 1).unwrap(), b"");
        assert_eq!(
            decode_base64("data:image/png;base64,aGVsbG8=", 1).unwrap(),
            b"hello"
        );
        assert!(decode_base64("a", 1).is_err());
        assert!(decode_base64("aG=VsbG8", 1).is_err());
        assert_eq!(
            decode_base64("aGVs*G8=", 2).unwrap_err().code,
            "work.photo_data"
        );
    }
}
