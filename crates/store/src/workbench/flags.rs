//! Honesty flags (`work_flags`): every part of the workbench raises them through `raise`; the
//! review of flags (lists, confirm, clear) is added beside it by the part that builds it.

use wangge_domain::Error;
use wangge_domain::workbench::honesty::Reason;

use crate::db::{Handle, sql_error};

/// What a flag is raised on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Visit,
    Diary,
    PatrolPoint,
    Sweep,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Visit => "visit",
            RecordKind::Diary => "diary",
            RecordKind::PatrolPoint => "patrol_point",
            RecordKind::Sweep => "sweep",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        [
            RecordKind::Visit,
            RecordKind::Diary,
            RecordKind::PatrolPoint,
            RecordKind::Sweep,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A flag to raise: the record, its worker and grid path, and the evidence a reviewer reads
/// (a JSON object: distances, the other record, the times).
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    pub kind: RecordKind,
    pub record_id: i64,
    pub worker_id: i64,
    pub path: &'a str,
    pub reason: Reason,
    pub evidence: serde_json::Value,
}

/// Raises a flag, once per record and reason (raising it again changes nothing). Runs inside
/// the transaction that writes the record, so a record is never kept without its flags.
pub async fn raise(h: &mut Handle<'_>, f: &NewFlag<'_>, now: i64) -> Result<(), Error> {
    q!(
        h,
        execute,
        "INSERT INTO work_flags (record_kind, record_id, worker_id, path, reason, evidence_json, status, \
         decision_note, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', '', $7) \
         ON CONFLICT (record_kind, record_id, reason) DO NOTHING",
        f.kind.as_str(),
        f.record_id,
        f.worker_id,
        f.path,
        f.reason.as_str(),
        f.evidence.to_string(),
        now
    )
    .map_err(sql_error)?;
    Ok(())
}

/// A flag as its readers see it: the worker and the village grid leader (or anyone reviewing
/// work with the record's grid in scope).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Flag {
    pub id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub reason: String,
    /// The evidence as raised (a JSON object; `evidence` in the API).
    #[serde(skip)]
    pub evidence_json: String,
    /// `open`, `confirmed` or `cleared`.
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    pub created_at: i64,
}

impl Flag {
    pub fn evidence(&self) -> serde_json::Value {
        serde_json::from_str(&self.evidence_json).unwrap_or(serde_json::Value::Null)
    }
}

const FLAG_SQL: &str = "SELECT f.id, f.record_kind, f.record_id, f.worker_id, u.display_name AS worker_name, f.reason, \
    f.evidence_json, f.status, f.decided_by_name, f.decided_at, f.decision_note, f.created_at \
    FROM work_flags f JOIN users u ON u.id = f.worker_id";

/// A status filter of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Open,
    Confirmed,
    Cleared,
    /// Confirmed or cleared.
    Decided,
}

impl StatusFilter {
    pub fn parse(s: &str) -> Option<StatusFilter> {
        Some(match s.trim() {
            "" | "all" => StatusFilter::All,
            "open" => StatusFilter::Open,
            "confirmed" => StatusFilter::Confirmed,
            "cleared" => StatusFilter::Cleared,
            "decided" => StatusFilter::Decided,
            _ => return None,
        })
    }

    /// The two statuses it keeps (the same one twice for a single status).
    fn statuses(self) -> (&'static str, &'static str) {
        match self {
            StatusFilter::All => ("open", "decided"),
            StatusFilter::Open => ("open", "open"),
            StatusFilter::Confirmed => ("confirmed", "confirmed"),
            StatusFilter::Cleared => ("cleared", "cleared"),
            StatusFilter::Decided => ("confirmed", "cleared"),
        }
    }
}

fn reviews(p: &crate::auth::Principal) -> bool {
    p.may(wangge_domain::Permission::ReviewWork)
}

/// Flags newest first: a worker's own; a reviewer's scope. Keyset paging on `before`.
pub async fn list(
    h: &mut Handle<'_>,
    p: &crate::auth::Principal,
    status: StatusFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Flag>, Error> {
    let before = before.unwrap_or(i64::MAX);
    let all = status == StatusFilter::All;
    let (s1, s2) = status.statuses();
    let sql = sqlx::AssertSqlSafe(format!(
        "{FLAG_SQL} WHERE (f.worker_id = $1 OR ($2 AND f.path LIKE $3)) AND ($4 OR f.status = $5 OR f.status = $6) \
         AND f.id < $7 ORDER BY f.id DESC LIMIT $8"
    ));
    q!(
        h,
        fetch_all,
        Flag,
        sql,
        p.user_id,
        reviews(p),
        p.scope().like_pattern(),
        all,
        s1,
        s2,
        before,
        limit
    )
    .map_err(sql_error)
}

/// The flags of one record (its readers have been checked by the caller).
pub async fn of_record(
    h: &mut Handle<'_>,
    kind: RecordKind,
    record_id: i64,
) -> Result<Vec<Flag>, Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{FLAG_SQL} WHERE f.record_kind = $1 AND f.record_id = $2 ORDER BY f.id"
    ));
    q!(h, fetch_all, Flag, sql, kind.as_str(), record_id).map_err(sql_error)
}

/// One flag as `p` may see it.
pub async fn get(h: &mut Handle<'_>, p: &crate::auth::Principal, id: i64) -> Result<Flag, Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{FLAG_SQL} WHERE f.id = $1 AND (f.worker_id = $2 OR ($3 AND f.path LIKE $4))"
    ));
    q!(
        h,
        fetch_optional,
        Flag,
        sql,
        id,
        p.user_id,
        reviews(p),
        p.scope().like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| wangge_domain::err!("work.flag_not_found", id))
}

/// Confirms (the record was not honest) or clears (it was) an open flag, with a note; only a
/// reviewer of work with the record in scope, never on their own record. One audit row each.
pub async fn decide(
    h: &mut Handle<'_>,
    p: &crate::auth::Principal,
    id: i64,
    confirm: bool,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    use wangge_domain::err;
    if !reviews(p) {
        // A worker reads their own flags but judges none; out of scope answers as absent.
        get(h, p, id).await?;
        return Err(err!("auth.forbidden"));
    }
    let f = get(h, p, id).await?;
    if f.worker_id == p.user_id {
        return Err(err!("work.flag_own"));
    }
    if f.status != "open" {
        return Err(err!("work.flag_decided", id));
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(err!("work.flag_note_required"));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(err!("text.control", field = "note"));
    }
    let n = note.chars().count();
    if n > 1_000 {
        return Err(err!("text.too_long", field = "note", max = 1_000, n));
    }
    let status = if confirm { "confirmed" } else { "cleared" };
    let changed = q!(
        h,
        execute,
        "UPDATE work_flags SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, \
         decision_note = $5 WHERE id = $6 AND status = 'open'",
        status,
        p.user_id,
        &p.display_name,
        now,
        note,
        id
    )
    .map_err(sql_error)?;
    if changed != 1 {
        return Err(err!("work.flag_decided", id));
    }
    let actor = crate::audit::Actor::user(p.user_id, p.display_name.clone());
    let detail = serde_json::json!({
        "record_kind": f.record_kind,
        "record_id": f.record_id,
        "reason": f.reason,
        "status": status,
    });
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor: &actor,
            action: if confirm {
                "work_flag_confirm"
            } else {
                "work_flag_clear"
            },
            subject_table: "work_flags",
            subject_id: Some(id),
            column_name: None,
            reason: note,
            detail: &detail.to_string(),
        },
        now,
    )
    .await
    .map(drop)
}
