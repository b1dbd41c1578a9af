//! The diary (`diary_entries`, `diary_comments`, photos in `work_photos`): a worker writes
//! entries in their grid, sent once per client-made key; reviewers (the village grid leader
//! first) read the entries of their scope and comment. A worker reads their own entries only.
//! Every read goes through a `Viewer`, so an entry out of sight answers the same 404 as one that
//! does not exist.

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::workbench::diary::Draft;
use wangge_domain::workbench::duties::Duties;
use wangge_domain::workbench::honesty::{self, Reason};
use wangge_domain::{Error, Scope, err};

use super::flags::{self, NewFlag, RecordKind};
use super::photos::{self, NewPhoto};
use crate::db::{Handle, sql_error};

/// Who reads: a reviewer sees their scope, anyone else their own entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    /// The caller's node path.
    pub path: String,
    /// Whether the caller reviews work (reads the scope's entries and comments).
    pub reviews: bool,
}

impl Viewer {
    fn scope(&self) -> Scope {
        Scope::of_path(&self.path)
    }

    /// The SQL condition on `e` and its two arguments ($1 the pattern, $2 the user).
    fn sees(&self, e: &Entry) -> bool {
        if self.reviews {
            self.scope().contains(&e.path)
        } else {
            e.worker_id == self.user_id
        }
    }
}

/// The worker who writes, and the grid they write in.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub grid_id: i64,
    pub grid_path: &'a str,
}

/// What a phone sent besides the entry itself.
#[derive(Debug, Clone)]
pub struct Sent<'a> {
    pub client_key: &'a str,
    /// The stated time of writing (Unix ms).
    pub at: i64,
    pub position: Option<(f64, f64)>,
}

/// An entry as a viewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    #[serde(skip)]
    pub path: String,
    pub day: String,
    pub body: String,
    /// Comma-joined as stored; see [`Entry::tag_list`].
    #[serde(skip)]
    pub tags: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub at: i64,
    pub received_at: i64,
    pub client_key: String,
    #[serde(skip)]
    pub content_hash: String,
    pub comment_count: i64,
    pub photo_count: i64,
    pub open_flags: i64,
}

impl Entry {
    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }
}

const ENTRY_SQL: &str = "SELECT e.id, e.worker_id, e.worker_name, e.grid_id, n.code AS grid_code, \
    n.name AS grid_name, e.path, e.day, e.body, e.tags, e.lon, e.lat, e.at, e.received_at, e.client_key, \
    e.content_hash, \
    CAST((SELECT COUNT(*) FROM diary_comments c WHERE c.entry_id = e.id) AS BIGINT) AS comment_count, \
    CAST((SELECT COUNT(*) FROM work_photos p WHERE p.record_kind = 'diary' AND p.record_id = e.id) AS BIGINT) AS photo_count, \
    CAST((SELECT COUNT(*) FROM work_flags f WHERE f.record_kind = 'diary' AND f.record_id = e.id \
      AND f.status = 'open') AS BIGINT) AS open_flags \
    FROM diary_entries e JOIN nodes n ON n.id = e.grid_id";

/// A comment (批阅).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

/// A photo's bytes and type.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhotoData {
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What one send did: the entry, and whether it was new (201) or a resend of the same (200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub id: i64,
    pub created: bool,
}

/// The hash that tells a resend (same content) from a reused key (other content): the day,
/// text, tags, position and each photo's content, in order. Not the stated time: a plain form
/// posted twice states none, and is stamped twice by the server.
pub fn content_hash(d: &Draft, sent: &Sent<'_>, photos: &[NewPhoto<'_>]) -> String {
    let mut h = Sha256::new();
    let pos = sent
        .position
        .map(|(lon, lat)| format!("{lon:.7},{lat:.7}"))
        .unwrap_or_default();
    for part in [d.day.to_string(), d.body.clone(), d.tags.join(","), pos] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for p in photos {
        h.update(Sha256::digest(p.data));
    }
    hex::encode(h.finalize())
}

/// Writes an entry with its photos and flags, once per (worker, client key): the same key with
/// the same content answers the entry already written; with other content 409. Runs inside the
/// caller's transaction, so nothing is half-written.
pub async fn write(
    h: &mut Handle<'_>,
    w: &Writer<'_>,
    d: &Draft,
    sent: &Sent<'_>,
    photos: &[NewPhoto<'_>],
    duties: &Duties,
    now: i64,
) -> Result<Written, Error> {
    let hash = content_hash(d, sent, photos);
    let (lon, lat) = sent.position.unzip();
    let inserted = q!(
        h,
        scalar fetch_optional,
        i64,
        "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, lon, lat, at, \
         received_at, client_key, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (worker_id, client_key) DO NOTHING RETURNING id",
        w.user_id,
        w.name,
        w.grid_id,
        w.grid_path,
        d.day.to_string(),
        &d.body,
        d.tags.join(","),
        lon,
        lat,
        sent.at,
        now,
        sent.client_key,
        &hash
    )
    .map_err(sql_error)?;
    let Some(id) = inserted else {
        let (id, earlier) = q!(
            h,
            fetch_one,
            (i64, String),
            "SELECT id, content_hash FROM diary_entries WHERE worker_id = $1 AND client_key = $2",
            w.user_id,
            sent.client_key
        )
        .map_err(sql_error)?;
        if earlier != hash {
            return Err(err!("work.client_key_reused"));
        }
        return Ok(Written { id, created: false });
    };
    for p in photos {
        let a = photos::attach(h, RecordKind::Diary, id, w.user_id, w.grid_path, p, now).await?;
        if let Some(e) = a.reused_from {
            let f = NewFlag {
                kind: RecordKind::Diary,
                record_id: id,
                worker_id: w.user_id,
                path: w.grid_path,
                reason: Reason::PhotoReused,
                evidence: serde_json::json!({
                    "photo_id": a.id,
                    "sha256": a.sha256,
                    "earlier_kind": e.record_kind,
                    "earlier_id": e.record_id,
                    "earlier_worker_id": e.worker_id,
                }),
            };
            flags::raise(h, &f, now).await?;
        }
    }
    if let Some(hours) = honesty::late_sync(duties, sent.at, now) {
        let f = NewFlag {
            kind: RecordKind::Diary,
            record_id: id,
            worker_id: w.user_id,
            path: w.grid_path,
            reason: Reason::LateSync,
            evidence: serde_json::json!({
                "stated_at": sent.at,
                "received_at": now,
                "hours_late": (hours * 10.0).round() / 10.0,
                "allowance_hours": duties.offline_allowance_hours,
            }),
        };
        flags::raise(h, &f, now).await?;
    }
    Ok(Written { id, created: true })
}

/// One entry, when the viewer sees it.
pub async fn get(h: &mut Handle<'_>, v: &Viewer, id: i64) -> Result<Entry, Error> {
    let sql = format!("{ENTRY_SQL} WHERE e.id = $1");
    let e = q!(h, fetch_optional, Entry, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    match e {
        Some(e) if v.sees(&e) => Ok(e),
        _ => Err(err!("work.diary_not_found", id)),
    }
}

/// Which entries a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The viewer's own.
    Mine,
    /// The viewer's scope (reviewers).
    Scope,
    /// The viewer's scope, only those nobody commented yet.
    Uncommented,
}

/// Entries newest first, a page of at most `limit` before the id `before`.
pub async fn list(
    h: &mut Handle<'_>,
    v: &Viewer,
    which: Which,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, Error> {
    let before = before.unwrap_or(i64::MAX);
    let limit = limit.clamp(1, 200);
    let rows = match which {
        Which::Mine => {
            let sql = format!(
                "{ENTRY_SQL} WHERE e.worker_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3"
            );
            q!(
                h,
                fetch_all,
                Entry,
                sqlx::AssertSqlSafe(sql),
                v.user_id,
                before,
                limit
            )
        }
        Which::Scope | Which::Uncommented if v.reviews => {
            let extra = if which == Which::Uncommented {
                " AND NOT EXISTS (SELECT 1 FROM diary_comments c WHERE c.entry_id = e.id)"
            } else {
                ""
            };
            let sql = format!(
                "{ENTRY_SQL} WHERE e.path LIKE $1 AND e.id < $2{extra} ORDER BY e.id DESC LIMIT $3"
            );
            q!(
                h,
                fetch_all,
                Entry,
                sqlx::AssertSqlSafe(sql),
                v.scope().like_pattern(),
                before,
                limit
            )
        }
        Which::Scope | Which::Uncommented => return Err(err!("auth.forbidden")),
    };
    rows.map_err(sql_error)
}

/// An entry's comments, oldest first.
pub async fn comments(h: &mut Handle<'_>, v: &Viewer, id: i64) -> Result<Vec<Comment>, Error> {
    get(h, v, id).await?;
    q!(
        h,
        fetch_all,
        Comment,
        "SELECT id, author_id, author_name, body, created_at FROM diary_comments \
         WHERE entry_id = $1 ORDER BY id LIMIT 500",
        id
    )
    .map_err(sql_error)
}

/// A reviewer's comment on an entry of their scope; its id.
pub async fn comment(
    h: &mut Handle<'_>,
    v: &Viewer,
    author_name: &str,
    id: i64,
    body: &str,
    now: i64,
) -> Result<i64, Error> {
    if !v.reviews {
        return Err(err!("auth.forbidden"));
    }
    get(h, v, id).await?;
    q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO diary_comments (entry_id, author_id, author_name, body, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        id,
        v.user_id,
        author_name,
        body,
        now
    )
    .map_err(sql_error)
}

/// The ids of an entry's photos, in the order they were sent.
pub async fn photo_ids(h: &mut Handle<'_>, v: &Viewer, id: i64) -> Result<Vec<i64>, Error> {
    get(h, v, id).await?;
    q!(
        h,
        scalar fetch_all,
        i64,
        "SELECT id FROM work_photos WHERE record_kind = 'diary' AND record_id = $1 ORDER BY id",
        id
    )
    .map_err(sql_error)
}

/// One photo of an entry the viewer sees.
pub async fn photo(
    h: &mut Handle<'_>,
    v: &Viewer,
    id: i64,
    photo_id: i64,
) -> Result<PhotoData, Error> {
    get(h, v, id).await?;
    q!(
        h,
        fetch_optional,
        PhotoData,
        "SELECT content_type, data FROM work_photos WHERE record_kind = 'diary' AND record_id = $1 AND id = $2",
        id,
        photo_id
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("photo.not_found"))
}
