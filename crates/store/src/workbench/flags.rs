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
