//! An ID number that is already registered: who holds it, what the caller may be told, and the
//! audit row every such conflict leaves.
//!
//! Inside the caller's area the refusal names the grid (the caller can open that grid anyway).
//! Outside it, it says only that the number is registered elsewhere and points to a transfer
//! request (人口迁入, see [`super::transfers`]): naming the grid would tell any worker where any
//! ID number lives. Either way one `id_conflict` audit row records who met which person, never
//! the number itself.

use wangge_domain::err;
use wangge_domain::{Error, Scope, Sensitive};

use super::{Actor, people};
use crate::audit::{self, Entry};
use crate::db::{Db, Handle, sql_error};
use crate::seal::KeyRing;

/// The audit action of a conflict.
pub const AUDIT_ACTION: &str = "id_conflict";

/// Where an API client asks for the transfer a refusal offers.
pub const TRANSFER_PATH: &str = "/api/v1/transfers";

/// The person holding an ID number, and where.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Holder {
    pub person_id: i64,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
}

/// Who already holds the ID number with blind index `id_idx` (anyone but `except`), wherever
/// they are: the duplicate check spans the whole city, what the caller is told does not.
pub(crate) async fn holder_of(
    h: &mut Handle<'_>,
    id_idx: &str,
    except: Option<i64>,
) -> Result<Option<Holder>, Error> {
    q!(
        h,
        fetch_optional,
        Holder,
        "SELECT p.id AS person_id, p.grid_id, n.code AS grid_code, n.name AS grid_name, p.path \
         FROM people p JOIN nodes n ON n.id = p.grid_id WHERE p.id_index = $1 AND p.id <> $2",
        id_idx,
        except.unwrap_or(0)
    )
    .map_err(sql_error)
}

/// The refusal `scope` may see: the grid inside it, only "registered elsewhere" outside.
pub(crate) fn conflict_error(scope: &Scope, holder: &Holder) -> Error {
    conflict(scope, &holder.path, &holder.grid_code, &holder.grid_name)
}

/// [`conflict_error`] from the holder's path and grid.
pub(crate) fn conflict(scope: &Scope, path: &str, grid_code: &str, grid_name: &str) -> Error {
    if scope.contains(path) {
        err!("basic.duplicate_id", grid = grid_code, grid_name)
            .with_details(serde_json::json!({ "grid_code": grid_code, "grid_name": grid_name }))
    } else {
        err!("basic.registered_elsewhere")
            .with_details(serde_json::json!({ "transfer": TRANSFER_PATH }))
    }
}

/// Whether an error is the refusal of a registered ID number (either form).
pub fn is_conflict(e: &Error) -> bool {
    matches!(e.code, "basic.duplicate_id" | "basic.registered_elsewhere")
}

/// One conflict as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Met {
    pub person_id: i64,
    pub in_scope: bool,
    /// The import row, when an import met it.
    pub row: Option<u64>,
}

/// Appends one audit row per conflict: the person met, whether inside the caller's area, and
/// through which door (`register`: the form and the API; `import` with its mode). Run inside a
/// transaction.
pub(crate) async fn audit_all(
    h: &mut Handle<'_>,
    actor: &Actor,
    door: &str,
    met: &[Met],
    now: i64,
) -> Result<(), Error> {
    for m in met {
        let detail = serde_json::json!({
            "door": door,
            "in_scope": m.in_scope,
            "row": m.row,
        })
        .to_string();
        audit::append(
            h,
            &Entry {
                actor,
                action: AUDIT_ACTION,
                subject_table: "people",
                subject_id: Some(m.person_id),
                column_name: Some("id_number"),
                reason: "",
                detail: &detail,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Records a refused save of the register (form or API) whose ID number someone holds. The
/// save's transaction has rolled back with its refusal, so this writes in a transaction of its
/// own, finding the holder again (`except`: the person being edited). Nothing when nobody holds
/// the number any more.
pub async fn audit_refused_save(
    db: &Db,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    id_number: &Sensitive<String>,
    except: Option<i64>,
    now: i64,
) -> Result<(), Error> {
    let idx = people::id_index(keys, id_number);
    let mut tx = db.begin().await?;
    let Some(holder) = holder_of(&mut tx.handle(), &idx, except).await? else {
        return Ok(());
    };
    let met = Met {
        person_id: holder.person_id,
        in_scope: scope.contains(&holder.path),
        row: None,
    };
    audit_all(&mut tx.handle(), actor, "register", &[met], now).await?;
    tx.commit().await
}
