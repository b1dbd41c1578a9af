//! Clues verified true (线索核实): a volunteer who reports through the one report path (an event
//! whose `reporter_user_id` is their account) earns the clue kind's points when the event is
//! verified true, i.e. closed by a passing `verify` step in `event_history`, and its category is
//! one of the catalogue's `clue_categories` at the volunteer's community. [`award_verified`] is
//! called by the scheduler's tick and writes one `clue` entry per such event (a unique index
//! keeps it to one), in the month of the verification, or the current month when that one has
//! been published meanwhile. An event the reporter's catalogue in force does not pay for is
//! recorded in `clue_skips` and not looked at again (migration 25).

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::volunteers::catalogue::Catalogue;
use wangge_domain::volunteers::ledger::Kind;

use crate::audit::Actor;
use crate::db::{Handle, sql_error};
use crate::volunteers::{catalogue, ledger};

/// The most events one call looks at; the rest wait for the next tick.
pub const BATCH: i64 = 500;

/// The name the ledger records for the points the system writes.
pub const SYSTEM_NAME: &str = "系统(线索核实)";

/// A verified event reported by a volunteer and not yet awarded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct Candidate {
    event_id: i64,
    number: String,
    category_code: String,
    volunteer_id: i64,
    path: String,
    community_id: i64,
    verified_at: i64,
}

/// Every clue category of the seed's catalogue and of every kept version, as plain codes.
async fn clue_categories(h: &mut Handle<'_>) -> Result<Vec<String>, Error> {
    let kept: Vec<String> = q!(h, scalar fetch_all, String,
        "SELECT catalogue_json FROM volunteer_catalogues")
    .map_err(sql_error)?;
    let mut codes: Vec<String> = Catalogue::seed().clue_categories;
    for json in kept {
        if let Ok(c) = serde_json::from_str::<Catalogue>(&json) {
            codes.extend(c.clue_categories);
        }
    }
    codes.retain(|c| {
        !c.is_empty() && c.len() <= 32 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// Writes the clue entries due: one per event verified true that an active volunteer reported
/// in a clue category since they became one, not yet awarded. Returns how many were written. Runs inside the
/// caller's transaction; an entry the unique index refuses (another instance wrote it) is an
/// error, so the caller's transaction rolls back and the next tick finds nothing to do.
pub async fn award_verified(h: &mut Handle<'_>, now: i64) -> Result<u64, Error> {
    award_batch(h, now, BATCH).await
}

/// [`award_verified`] looking at no more than `batch` events (the tests' small batches).
pub async fn award_batch(h: &mut Handle<'_>, now: i64, batch: i64) -> Result<u64, Error> {
    // The passing verification is the first history row that closed the event; a reopened
    // and closed again event earns once (the index on event_id for kind 'clue').
    let codes = clue_categories(h).await?;
    if codes.is_empty() {
        return Ok(0);
    }
    // Codes are checked to be plain letters and digits above, so they go in as literals; the
    // filter keeps reports in other categories from filling every batch.
    let list = codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // Who reported: the event's `reporter_user_id`, or the account of its first step (a
    // volunteer signed in reports as staff of their community, and the history names them).
    let froms = [
        "volunteers v JOIN events e ON e.reporter_user_id = v.user_id",
        "volunteers v JOIN event_history r ON r.actor_user_id = v.user_id AND r.action = 'report' \
         JOIN events e ON e.id = r.event_id",
    ];
    let mut rows: Vec<Candidate> = Vec::new();
    for from in froms {
        let sql = format!(
            "SELECT e.id AS event_id, e.number, e.category_code, v.id AS volunteer_id, v.path, \
             v.community_id, MIN(eh.at) AS verified_at FROM {from} \
             JOIN event_history eh ON eh.event_id = e.id AND eh.action = 'verify' AND eh.to_status = 'closed' \
             WHERE v.status = 'active' AND v.user_id IS NOT NULL AND e.category_code IN ({list}) \
             AND e.reported_at >= COALESCE(v.decided_at, v.applied_at) \
             AND NOT EXISTS (SELECT 1 FROM points_ledger pl WHERE pl.event_id = e.id AND pl.kind = 'clue') \
             AND NOT EXISTS (SELECT 1 FROM clue_skips s WHERE s.event_id = e.id) \
             GROUP BY e.id, e.number, e.category_code, v.id, v.path, v.community_id \
             ORDER BY e.id LIMIT $1"
        );
        rows.extend(
            q!(h, fetch_all, Candidate, sqlx::AssertSqlSafe(sql), batch).map_err(sql_error)?,
        );
    }
    rows.sort_by_key(|c| c.event_id);
    rows.dedup_by_key(|c| c.event_id);
    let mut catalogues: HashMap<String, Catalogue> = HashMap::new();
    let now_month = ledger::month_at(now)?;
    let actor = Actor::system(SYSTEM_NAME);
    let mut written = 0u64;
    for c in rows {
        if !catalogues.contains_key(&c.path) {
            let (_, cat) = catalogue::in_force(h, &c.path).await?;
            catalogues.insert(c.path.clone(), cat);
        }
        let points = catalogues
            .get(&c.path)
            .filter(|cat| cat.clue_categories.contains(&c.category_code))
            .and_then(Catalogue::clue_points);
        let Some(points) = points else {
            // Not paid for where the reporter serves: decided once, so that such events cannot
            // fill every batch.
            q!(h, execute,
                "INSERT INTO clue_skips (event_id, at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
                c.event_id, now)
            .map_err(sql_error)?;
            continue;
        };
        let mut month = ledger::month_at(c.verified_at)?;
        if ledger::month_published(h, c.community_id, &month).await? {
            month = now_month.clone();
        }
        // The event's number alone: the pages say "clue N verified true" in the reader's
        // language.
        let reason = c.number.clone();
        let mut e = ledger::NewEntry::new(c.volunteer_id, Kind::Clue, points, &month);
        e.event_id = Some(c.event_id);
        e.reason = &reason;
        ledger::append(h, &e, &actor, now).await?;
        written += 1;
    }
    Ok(written)
}
