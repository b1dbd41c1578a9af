//! Key rotation's second half: re-seal every stored secret that is not under the ring's active
//! key ([`KeyRing::needs_reseal`]), so that an old key can then leave the ring.
//!
//! Safe while the server runs: rows are read and re-written in small batches, each in its own
//! short transaction, and each row is updated only if it still holds the ciphertext that was
//! read (`WHERE col = old`); a value changed meanwhile was sealed under the active key anyway.
//! A value that cannot be opened (its key is missing from the ring, or it was altered) is left
//! as it is and reported. One `rotate` audit row records the run.

use serde::Serialize;
use wangge_domain::Error;

use crate::audit::{self, Actor};
use crate::db::{Db, Handle, sql_error};
use crate::seal::{Aad, KeyRing};

/// One sealed column: its table, the column, the column its associated data names, and the
/// column whose value is the associated data's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    table: &'static str,
    column: &'static str,
    aad_column: &'static str,
    row_column: &'static str,
}

const PLACES: &[Place] = &[
    Place {
        table: "people",
        column: "id_sealed",
        aad_column: "id_number",
        row_column: "id",
    },
    Place {
        table: "people",
        column: "phone_sealed",
        aad_column: "phone",
        row_column: "id",
    },
    Place {
        table: "houses",
        column: "owner_phone_sealed",
        aad_column: "owner_phone",
        row_column: "id",
    },
    Place {
        table: "houses",
        column: "tenant_phone_sealed",
        aad_column: "tenant_phone",
        row_column: "id",
    },
    Place {
        table: "orgs",
        column: "contact_phone_sealed",
        aad_column: "contact_phone",
        row_column: "id",
    },
    Place {
        table: "volunteers",
        column: "phone_sealed",
        aad_column: "phone",
        row_column: "id",
    },
    Place {
        table: "person_tags",
        column: "tag_sealed",
        aad_column: "tag",
        row_column: "id",
    },
    // Events name their row by the event number (events.rs).
    Place {
        table: "events",
        column: "reporter_name",
        aad_column: "reporter_name",
        row_column: "number",
    },
    Place {
        table: "events",
        column: "reporter_phone",
        aad_column: "reporter_phone",
        row_column: "number",
    },
];

/// A value left under its old key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unopened {
    pub table: &'static str,
    pub column: &'static str,
    pub id: i64,
    pub reason: String,
}

/// What a run did, per column and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// `(table.column, values re-sealed)` for every column looked at.
    pub by_column: Vec<(String, u64)>,
    pub resealed: u64,
    /// Values that changed between read and write (already re-sealed by their writer).
    pub skipped: u64,
    pub unopened: Vec<Unopened>,
}

async fn batch_of(
    h: &mut Handle<'_>,
    p: &Place,
    prefix: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, Error> {
    // `substr` rather than LIKE: key ids may hold `_`, a LIKE wildcard.
    let row = if p.row_column == "id" {
        "CAST(id AS TEXT)"
    } else {
        p.row_column
    };
    let sql = format!(
        "SELECT id, {row} AS row_key, {col} FROM {table} WHERE id > $1 AND {col} IS NOT NULL \
         AND substr({col}, 1, CAST($2 AS INTEGER)) <> $3 ORDER BY id LIMIT $4",
        col = p.column,
        table = p.table
    );
    let prefix_len = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
    q!(
        h,
        fetch_all,
        (i64, String, String),
        sqlx::AssertSqlSafe(sql),
        after,
        prefix_len,
        prefix,
        limit
    )
    .map_err(sql_error)
}

/// Re-seals every value not under the active key, `batch_size` rows per transaction, calling
/// `progress(table.column, re-sealed so far in it)` after each batch.
pub async fn reseal_all(
    db: &Db,
    keys: &KeyRing,
    actor: &Actor,
    batch_size: usize,
    progress: &mut (dyn FnMut(&str, u64) + Send),
) -> Result<Counts, Error> {
    let limit = i64::try_from(batch_size.clamp(1, 10_000)).unwrap_or(1000);
    let prefix = format!("v1:{}:", keys.active_key_id());
    let mut counts = Counts::default();
    for p in PLACES {
        let label = format!("{}.{}", p.table, p.column);
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let mut tx = db.begin().await?;
            let rows = batch_of(&mut tx.handle(), p, &prefix, after, limit).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, row, old) in rows {
                let aad = Aad::new(p.table, p.aad_column, &row);
                let plain = match keys.open(&old, &aad) {
                    Ok(v) => v,
                    Err(e) => {
                        counts.unopened.push(Unopened {
                            table: p.table,
                            column: p.column,
                            id,
                            reason: e.message,
                        });
                        continue;
                    }
                };
                let new = keys.seal(&plain, &aad)?;
                let sql = format!(
                    "UPDATE {table} SET {col} = $1 WHERE id = $2 AND {col} = $3",
                    table = p.table,
                    col = p.column
                );
                let h = &mut tx.handle();
                let n =
                    q!(h, execute, sqlx::AssertSqlSafe(sql), &new, id, &old).map_err(sql_error)?;
                if n == 1 {
                    done += 1;
                } else {
                    counts.skipped += 1;
                }
            }
            tx.commit().await?;
            progress(&label, done);
        }
        counts.resealed += done;
        counts.by_column.push((label, done));
    }
    let detail = serde_json::json!({
        "active_key": keys.active_key_id(),
        "resealed": counts.resealed,
        "skipped": counts.skipped,
        "unopened": counts.unopened.len(),
    })
    .to_string();
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx.handle(),
        &audit::Entry {
            actor,
            action: "rotate",
            subject_table: "*",
            subject_id: None,
            column_name: None,
            reason: "re-seal under the active key",
            detail: &detail,
        },
        crate::now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(counts)
}
