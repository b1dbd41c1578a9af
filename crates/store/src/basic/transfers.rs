//! Transfer requests (人口迁入/迁出): a worker whose ID number is registered outside their area
//! asks for the person to move into their grid; an operator or administrator at the lowest
//! office above both grids, or higher, approves (the person's registration moves) or refuses
//! with a note. Every step writes an audit row.
//!
//! What a viewer sees of a request is bounded like everything else: the requester and whoever
//! may decide it see the request; anyone else gets the same "not found" as for a request that
//! does not exist. The person (name, mask, current grid) is read through the viewer's own scope,
//! so the requester sees them only once the approval has moved them into their grid.

use serde::Serialize;
use wangge_domain::err;
use wangge_domain::transfer::{self, MAX_TEXT, Status};
use wangge_domain::{Error, Role, Scope, Sensitive};

use super::people::{self, PersonRow};
use super::registered::{self, Holder};
use super::{Actor, resolve_grid};
use crate::audit::{self, Entry};
use crate::db::{Handle, sql_error};
use crate::seal::KeyRing;

/// Who looks at or acts on requests: the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
    /// The user's node path: their scope.
    pub path: String,
}

impl Viewer {
    pub fn scope(&self) -> Scope {
        Scope::of_path(&self.path)
    }

    fn decides(&self, office_path: &str) -> bool {
        transfer::may_decide(self.role, self.scope().path(), office_path)
    }

    /// Whether the viewer's role decides requests at all (at their node or below).
    fn decides_any(&self) -> bool {
        let scope = self.scope();
        transfer::may_decide(self.role, scope.path(), scope.path())
    }
}

/// A request as stored, with the requesting grid's code and name.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Stored {
    id: i64,
    person_id: i64,
    from_grid_id: i64,
    to_grid_id: i64,
    to_grid_code: String,
    to_grid_name: String,
    office_path: String,
    requested_by: i64,
    requester_name: String,
    reason: String,
    status: String,
    decided_by: Option<i64>,
    decider_name: Option<String>,
    decided_at: Option<i64>,
    decision_note: String,
    created_at: i64,
}

const STORED_SQL: &str = "SELECT t.id, t.person_id, t.from_grid_id, t.to_grid_id, n.code AS to_grid_code, \
    n.name AS to_grid_name, t.office_path, t.requested_by, t.requester_name, t.reason, t.status, t.decided_by, \
    t.decider_name, t.decided_at, t.decision_note, t.created_at FROM transfers t JOIN nodes n ON n.id = t.to_grid_id";

/// The person a request is about, as the viewer's scope lets them see: masks only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonBrief {
    pub id: i64,
    pub name: String,
    pub id_masked: String,
    /// The grid the person is registered in now.
    pub grid_code: String,
    pub grid_name: String,
}

/// A request as one viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub id: i64,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// The grid the person is asked into.
    pub to_grid_code: String,
    pub to_grid_name: String,
    pub requested_by: i64,
    pub requester_name: String,
    pub reason: String,
    pub created_at: i64,
    pub decider_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    /// Whether this viewer may approve or refuse it (pending, and at the office or above).
    pub may_decide: bool,
    /// The person, when the viewer's scope holds them: the decider's does; the requester's only
    /// after an approval moved them in. Absent otherwise, so the requester never learns where
    /// the person was.
    pub person: Option<PersonBrief>,
}

/// What a worker asks.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub id_number: Sensitive<String>,
    /// The grid to move the person into: one of the requester's.
    pub grid_code: String,
    pub reason: String,
}

/// A reason or note: trimmed, without control characters, at most [`MAX_TEXT`] characters.
fn text(value: &str, field: &str, empty: &'static str) -> Result<String, Error> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::new(empty, Vec::new()));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(err!("text.control", field));
    }
    let n = v.chars().count();
    if n > MAX_TEXT {
        return Err(err!("text.too_long", field, max = MAX_TEXT, n));
    }
    Ok(v.to_string())
}

async fn audit_step(
    h: &mut Handle<'_>,
    actor: &Actor,
    action: &str,
    id: i64,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), Error> {
    audit::append(
        h,
        &Entry {
            actor,
            action,
            subject_table: "transfers",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail.to_string(),
        },
        now,
    )
    .await
    .map(drop)
}

/// Asks for the person holding `new.id_number` to move into `new.grid_code` (a grid in the
/// requester's scope). Refused when nobody holds the number (`transfer.not_registered`), when
/// the person is already in the requester's area (`transfer.in_scope`: they edit the record),
/// or when the same request already waits. Returns the request's id. Run inside a transaction.
pub async fn request(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    viewer: &Viewer,
    actor: &Actor,
    new: &NewTransfer,
    now: i64,
) -> Result<i64, Error> {
    if !transfer::may_request(viewer.role) {
        return Err(err!("auth.forbidden"));
    }
    let scope = viewer.scope();
    let reason = text(&new.reason, "reason", "transfer.reason_required")?;
    let grid = resolve_grid(h, &scope, &new.grid_code).await?;
    let idx = people::id_index(keys, &new.id_number);
    let Some(holder): Option<Holder> = registered::holder_of(h, &idx, None).await? else {
        return Err(err!("transfer.not_registered"));
    };
    if scope.contains(&holder.path) {
        return Err(err!("transfer.in_scope"));
    }
    let office = transfer::lowest_common_office(&holder.path, &grid.path)
        .ok_or_else(|| err!("internal", detail = "two grids without a common node"))?;
    let waiting: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM transfers WHERE person_id = $1 AND to_grid_id = $2 AND status = 'pending'",
        holder.person_id, grid.id)
    .map_err(sql_error)?;
    if waiting > 0 {
        return Err(err!("transfer.pending"));
    }
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO transfers (person_id, from_grid_id, to_grid_id, office_path, requested_by, requester_name, reason, status, decision_note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', '', $8) RETURNING id",
        holder.person_id, holder.grid_id, grid.id, &office, viewer.user_id, &actor.name, &reason, now)
    .map_err(sql_error)?;
    let detail = serde_json::json!({ "person_id": holder.person_id, "to_grid": grid.code });
    audit_step(h, actor, "transfer_request", id, detail, now).await?;
    Ok(id)
}

async fn stored(h: &mut Handle<'_>, id: i64) -> Result<Option<Stored>, Error> {
    let sql = format!("{STORED_SQL} WHERE t.id = $1");
    q!(h, fetch_optional, Stored, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)
}

/// A request the viewer may see, or `transfer.not_found` (also for one that exists elsewhere).
async fn visible(h: &mut Handle<'_>, viewer: &Viewer, id: i64) -> Result<Stored, Error> {
    match stored(h, id).await? {
        Some(t) if t.requested_by == viewer.user_id || viewer.decides(&t.office_path) => Ok(t),
        _ => Err(err!("transfer.not_found", id)),
    }
}

/// The person through the viewer's scope, when it holds them.
async fn person_seen(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
) -> Result<Option<PersonRow>, Error> {
    match people::get(h, scope, id).await {
        Ok(p) => Ok(Some(p)),
        Err(e) if e.code == "basic.not_found" => Ok(None),
        Err(e) => Err(e),
    }
}

async fn view(h: &mut Handle<'_>, viewer: &Viewer, t: Stored) -> Result<Transfer, Error> {
    let person = person_seen(h, &viewer.scope(), t.person_id)
        .await?
        .map(|p| PersonBrief {
            id: p.id,
            name: p.name,
            id_masked: p.id_masked,
            grid_code: p.grid_code,
            grid_name: p.grid_name,
        });
    let pending = Status::parse(&t.status).is_some_and(Status::may_decide);
    Ok(Transfer {
        may_decide: pending && viewer.decides(&t.office_path),
        id: t.id,
        status: t.status,
        to_grid_code: t.to_grid_code,
        to_grid_name: t.to_grid_name,
        requested_by: t.requested_by,
        requester_name: t.requester_name,
        reason: t.reason,
        created_at: t.created_at,
        decider_name: t.decider_name,
        decided_at: t.decided_at,
        decision_note: t.decision_note,
        person,
    })
}

/// One request as the viewer may see it.
pub async fn get(h: &mut Handle<'_>, viewer: &Viewer, id: i64) -> Result<Transfer, Error> {
    let t = visible(h, viewer, id).await?;
    view(h, viewer, t).await
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The viewer's own requests.
    Mine,
    /// Requests the viewer may decide (their office at or below the viewer's node).
    ToDecide,
}

/// Requests newest first, `before_id` paging back; `limit` clamped to 1–100.
pub async fn list(
    h: &mut Handle<'_>,
    viewer: &Viewer,
    which: Which,
    status: Option<Status>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Transfer>, Error> {
    let limit = limit.clamp(1, 100);
    let status = status.map(Status::as_str);
    let rows: Vec<Stored> = match which {
        Which::Mine => {
            let sql = format!(
                "{STORED_SQL} WHERE t.requested_by = $1 AND ($2 IS NULL OR t.status = $2) \
                 AND ($3 IS NULL OR t.id < $3) ORDER BY t.id DESC LIMIT $4"
            );
            q!(
                h,
                fetch_all,
                Stored,
                sqlx::AssertSqlSafe(sql),
                viewer.user_id,
                status,
                before_id,
                limit
            )
        }
        Which::ToDecide => {
            if !viewer.decides_any() {
                return Ok(Vec::new());
            }
            let sql = format!(
                "{STORED_SQL} WHERE t.office_path LIKE $1 AND ($2 IS NULL OR t.status = $2) \
                 AND ($3 IS NULL OR t.id < $3) ORDER BY t.id DESC LIMIT $4"
            );
            q!(
                h,
                fetch_all,
                Stored,
                sqlx::AssertSqlSafe(sql),
                viewer.scope().like_pattern(),
                status,
                before_id,
                limit
            )
        }
    }
    .map_err(sql_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(view(h, viewer, t).await?);
    }
    Ok(out)
}

/// How many requests wait for the viewer's decision (their home shows it).
pub async fn waiting(h: &mut Handle<'_>, viewer: &Viewer) -> Result<i64, Error> {
    if !viewer.decides_any() {
        return Ok(0);
    }
    q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM transfers WHERE office_path LIKE $1 AND status = 'pending'",
        viewer.scope().like_pattern())
    .map_err(sql_error)
}

/// A pending request the viewer decides: not found when they may not see it, 403 when they see
/// it but may not decide it (the requester), `transfer.decided` once it was decided.
async fn decidable(h: &mut Handle<'_>, viewer: &Viewer, id: i64) -> Result<Stored, Error> {
    let t = visible(h, viewer, id).await?;
    if !viewer.decides(&t.office_path) {
        return Err(err!("auth.forbidden"));
    }
    if !Status::parse(&t.status).is_some_and(Status::may_decide) {
        return Err(err!("transfer.decided", id));
    }
    Ok(t)
}

/// Marks the request decided, unless someone else decided it first.
async fn settle(
    h: &mut Handle<'_>,
    viewer: &Viewer,
    actor: &Actor,
    id: i64,
    status: Status,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    let n = q!(h, execute,
        "UPDATE transfers SET status = $1, decided_by = $2, decider_name = $3, decided_at = $4, decision_note = $5 \
         WHERE id = $6 AND status = 'pending'",
        status.as_str(), viewer.user_id, &actor.name, now, note, id)
    .map_err(sql_error)?;
    if n == 1 {
        Ok(())
    } else {
        Err(err!("transfer.decided", id))
    }
}

/// Approves a request: the person's registration moves into the requesting grid (see
/// `people::relocate`), when they are still where they were asked from. Run inside a
/// transaction.
pub async fn approve(
    h: &mut Handle<'_>,
    viewer: &Viewer,
    actor: &Actor,
    id: i64,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    let t = decidable(h, viewer, id).await?;
    let note = match note.trim() {
        "" => String::new(),
        v => text(v, "note", "transfer.note_required")?,
    };
    let scope = viewer.scope();
    let person = person_seen(h, &scope, t.person_id).await?;
    if person.as_ref().is_none_or(|p| p.grid_id != t.from_grid_id) {
        return Err(err!("transfer.stale"));
    }
    // The grid may have been retired since: then the request cannot be carried out.
    let grid = resolve_grid(h, &scope, &t.to_grid_code)
        .await
        .map_err(|_| err!("transfer.stale"))?;
    settle(h, viewer, actor, id, Status::Approved, &note, now).await?;
    people::relocate(h, &scope, actor, t.person_id, &grid, now).await?;
    let detail = serde_json::json!({
        "person_id": t.person_id,
        "from_grid_id": t.from_grid_id,
        "to_grid": grid.code,
    });
    audit_step(h, actor, "transfer_approve", id, detail, now).await
}

/// Refuses a request with a note; the person stays where they are. Run inside a transaction.
pub async fn refuse(
    h: &mut Handle<'_>,
    viewer: &Viewer,
    actor: &Actor,
    id: i64,
    note: &str,
    now: i64,
) -> Result<(), Error> {
    let t = decidable(h, viewer, id).await?;
    let note = text(note, "note", "transfer.note_required")?;
    settle(h, viewer, actor, id, Status::Refused, &note, now).await?;
    let detail = serde_json::json!({ "person_id": t.person_id });
    audit_step(h, actor, "transfer_refuse", id, detail, now).await
}
