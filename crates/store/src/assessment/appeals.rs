//! Appeals (申诉) against a deduction of a closed result. A worker appeals one deduction (item
//! and measure) of their result in force, within the rule set's `appeal_days` of the close;
//! one pending appeal per deduction. The township accepts (a correction brings the deduction's
//! count down, usually to 0, and the appeal links it) or rejects with a note. Audited.

use serde::Serialize;
use wangge_domain::{Error, Scope, err};

use super::close::{self, Change, ResultRow};
use crate::audit::{self, Actor};
use crate::db::{Handle, sql_error};

/// The longest reason and decision note.
pub const MAX_REASON: usize = 500;
/// At most this many pieces of evidence (record links or text), each at most `MAX_EVIDENCE_CHARS`.
pub const MAX_EVIDENCE: usize = 10;
pub const MAX_EVIDENCE_CHARS: usize = 300;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Appeal {
    pub id: i64,
    pub result_id: i64,
    pub quarter_id: i64,
    pub quarter: String,
    pub user_id: i64,
    pub user_name: String,
    pub path: String,
    pub item_key: String,
    pub measure: String,
    pub reason: String,
    pub evidence_json: String,
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    pub correction_id: Option<i64>,
    pub created_at: i64,
}

impl Appeal {
    pub fn evidence(&self) -> Vec<String> {
        serde_json::from_str(&self.evidence_json).unwrap_or_default()
    }
}

const COLUMNS: &str = "id, result_id, quarter_id, quarter, user_id, user_name, path, item_key, measure, \
    reason, evidence_json, status, decided_by_name, decided_at, decision_note, correction_id, created_at";

/// A new appeal.
pub struct NewAppeal<'a> {
    pub result_id: i64,
    pub item_key: &'a str,
    pub measure: &'a str,
    pub reason: &'a str,
    pub evidence: &'a [String],
}

/// Checks a reason's length (and that there is one).
fn check_reason(reason: &str) -> Result<&str, Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(err!("assess.reason_required"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(err!("assess.reason_too_long", max = MAX_REASON));
    }
    Ok(reason)
}

/// The last instant of the appeal window of a quarter closed at `closed_at`.
pub fn window_end(closed_at: i64, appeal_days: u32) -> i64 {
    closed_at.saturating_add(i64::from(appeal_days).saturating_mul(DAY_MS))
}

/// Whether result `result_id` (inside `scope`) may still be appealed at `now`: its quarter's
/// window is open. The score sheet uses it to offer the appeal link; `file` checks again.
pub async fn window_open(
    h: &mut Handle<'_>,
    scope: &Scope,
    result_id: i64,
    now: i64,
) -> Result<bool, Error> {
    let r = close::result(h, scope, result_id).await?;
    // The quarter belongs to the township above the result: read it by the result's id.
    let q = close::quarter(h, &Scope::of_path("/"), r.quarter_id).await?;
    Ok(now <= window_end(q.closed_at, q.scheme()?.appeal_days))
}

/// Files an appeal by `user_id` (who must be the result's worker) against one deduction of
/// their result in force. Runs in the caller's transaction; audited.
pub async fn file(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    user_id: i64,
    a: &NewAppeal<'_>,
    now: i64,
) -> Result<Appeal, Error> {
    let reason = check_reason(a.reason)?;
    let evidence: Vec<String> = a
        .evidence
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if evidence.len() > MAX_EVIDENCE
        || evidence
            .iter()
            .any(|e| e.chars().count() > MAX_EVIDENCE_CHARS)
    {
        return Err(err!(
            "assess.evidence_invalid",
            max = MAX_EVIDENCE,
            chars = MAX_EVIDENCE_CHARS
        ));
    }
    let r: ResultRow = close::result(h, scope, a.result_id).await?;
    if r.user_id != user_id {
        return Err(err!("assess.appeal_not_own"));
    }
    let q = close::quarter(h, &Scope::of_path("/"), r.quarter_id).await?;
    let newest: Option<i64> = q!(
        h,
        scalar fetch_optional,
        i64,
        "SELECT MAX(id) FROM assess_results WHERE quarter_id = $1 AND user_id = $2",
        r.quarter_id,
        r.user_id
    )
    .map_err(sql_error)?;
    if newest != Some(r.id) {
        return Err(err!("assess.result_superseded", id = r.id));
    }
    let scheme = q.scheme()?;
    if now > window_end(q.closed_at, scheme.appeal_days) {
        return Err(err!(
            "assess.appeal_window_closed",
            days = scheme.appeal_days
        ));
    }
    let sheet = r
        .sheet()
        .ok_or_else(|| err!("internal", detail = format!("result {}: sheet", r.id)))?;
    let has = sheet
        .items
        .iter()
        .filter(|i| i.key == a.item_key)
        .flat_map(|i| i.deductions.iter())
        .any(|d| d.measure == a.measure && d.count > 0);
    if !has {
        return Err(err!(
            "assess.deduction_not_found",
            item = a.item_key.chars().take(40).collect::<String>(),
            measure = a.measure.chars().take(40).collect::<String>()
        ));
    }
    let pending: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM assess_appeals WHERE quarter_id = $1 AND user_id = $2 \
         AND item_key = $3 AND measure = $4 AND status = 'pending'",
        r.quarter_id,
        r.user_id,
        a.item_key,
        a.measure
    )
    .map_err(sql_error)?;
    if pending > 0 {
        return Err(err!("assess.appeal_pending"));
    }
    let evidence_json = serde_json::to_string(&evidence).unwrap_or_else(|_| "[]".into());
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO assess_appeals (result_id, quarter_id, quarter, user_id, user_name, path, item_key, \
         measure, reason, evidence_json, status, decision_note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', '', $11) RETURNING id",
        r.id,
        r.quarter_id,
        &r.quarter,
        r.user_id,
        &r.user_name,
        &r.path,
        a.item_key,
        a.measure,
        reason,
        &evidence_json,
        now
    )
    .map_err(sql_error)?;
    let detail = serde_json::json!({"result_id": r.id, "item": a.item_key, "measure": a.measure});
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "assess_appeal",
            subject_table: "assess_appeals",
            subject_id: Some(id),
            column_name: None,
            reason,
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    get(h, scope, id).await
}

/// One appeal inside `scope`.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Appeal, Error> {
    let sql = format!("SELECT {COLUMNS} FROM assess_appeals WHERE id = $1 AND path LIKE $2");
    q!(
        h,
        fetch_optional,
        Appeal,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("assess.appeal_not_found", id))
}

/// Appeals in `scope` with a status ('' for all), newest first.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    status: &str,
    limit: i64,
) -> Result<Vec<Appeal>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assess_appeals WHERE path LIKE $1 AND ($2 = '' OR status = $2) \
         ORDER BY id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Appeal,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        status,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// A worker's own appeals, newest first.
pub async fn mine(h: &mut Handle<'_>, user_id: i64) -> Result<Vec<Appeal>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assess_appeals WHERE user_id = $1 ORDER BY id DESC LIMIT 200"
    );
    q!(h, fetch_all, Appeal, sqlx::AssertSqlSafe(sql), user_id).map_err(sql_error)
}

/// The township's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The deduction's count becomes `count` (0 removes it).
    Accept {
        count: i64,
    },
    Reject,
}

/// Decides a pending appeal with a note. Accepting corrects the result (see `close::correct`)
/// and links the correction. Runs in the caller's transaction; audited.
pub async fn decide(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    decision: Decision,
    note: &str,
    now: i64,
) -> Result<Appeal, Error> {
    let note = check_reason(note)?;
    let a = get(h, scope, id).await?;
    if a.status != "pending" {
        return Err(err!("assess.appeal_decided", id));
    }
    let (status, correction_id) = match decision {
        Decision::Accept { count } => {
            let (row, _) = close::correct(
                h,
                scope,
                a.result_id,
                Change::Deduction {
                    item_key: a.item_key.clone(),
                    measure: a.measure.clone(),
                    count,
                },
                &format!("申诉 #{id}:{note}"),
                actor,
                now,
            )
            .await?;
            ("accepted", Some(row.id))
        }
        Decision::Reject => ("rejected", None),
    };
    let n = q!(
        h,
        execute,
        "UPDATE assess_appeals SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, \
         decision_note = $5, correction_id = $6 WHERE id = $7 AND status = 'pending'",
        status,
        actor.user_id,
        &actor.name,
        now,
        note,
        correction_id,
        id
    )
    .map_err(sql_error)?;
    if n == 0 {
        return Err(err!("assess.appeal_decided", id));
    }
    let detail = serde_json::json!({"status": status, "correction_id": correction_id});
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "assess_appeal_decide",
            subject_table: "assess_appeals",
            subject_id: Some(id),
            column_name: None,
            reason: note,
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    get(h, scope, id).await
}
