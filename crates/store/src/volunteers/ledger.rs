//! The points ledger (积分台账): append-only (triggers refuse UPDATE and DELETE), chained per
//! community (`seq` from 1; `hash` over the previous entry's hash and the entry's fields, see
//! `domain::volunteers::ledger::entry_hash`), with each volunteer's year totals kept beside it in
//! `volunteer_points` in the same transaction. Every part that writes points (activities served,
//! clues verified, gifts redeemed and cancelled, corrections) writes through [`append`], which
//! also refuses an entry in a published month.
//!
//! [`append`] must run inside a transaction ([`crate::Db::begin`]): the community's tail is read
//! and extended under a lock (SQLite's write lock; a PostgreSQL advisory lock per community), and
//! the unique `(community_id, seq)` refuses a fork should two writers ever race.

use serde::Serialize;
use wangge_domain::volunteers::ledger::{self, GENESIS, Hashed, Kind};
use wangge_domain::{Error, err};

use crate::audit::Actor;
use crate::db::{Handle, sql_error};

/// PostgreSQL advisory locks of communities' chains: this base plus the community's id.
const PG_LOCK_BASE: i64 = 0x564F_4C00_0000_0000;

/// An entry to write. `month` is the month the points count in (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry<'a> {
    pub volunteer_id: i64,
    pub kind: Kind,
    pub points: i64,
    pub month: &'a str,
    pub activity_id: Option<i64>,
    pub event_id: Option<i64>,
    pub redemption_id: Option<i64>,
    pub corrects_id: Option<i64>,
    pub reason: &'a str,
}

impl<'a> NewEntry<'a> {
    /// An entry of `kind` with no links and no reason; set the rest by field.
    pub fn new(volunteer_id: i64, kind: Kind, points: i64, month: &'a str) -> NewEntry<'a> {
        NewEntry {
            volunteer_id,
            kind,
            points,
            month,
            activity_id: None,
            event_id: None,
            redemption_id: None,
            corrects_id: None,
            reason: "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Entry {
    pub id: i64,
    pub community_id: i64,
    pub seq: i64,
    pub volunteer_id: i64,
    pub path: String,
    pub kind: String,
    pub points: i64,
    pub month: String,
    pub activity_id: Option<i64>,
    pub event_id: Option<i64>,
    pub redemption_id: Option<i64>,
    pub corrects_id: Option<i64>,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
    pub prev_hash: String,
    pub hash: String,
}

pub const COLUMNS: &str = "id, community_id, seq, volunteer_id, path, kind, points, month, \
    activity_id, event_id, redemption_id, corrects_id, reason, created_by, created_by_name, \
    created_at, prev_hash, hash";

fn hashed(e: &Entry) -> Hashed<'_> {
    Hashed {
        community_id: e.community_id,
        seq: e.seq,
        volunteer_id: e.volunteer_id,
        kind: &e.kind,
        points: e.points,
        month: &e.month,
        activity_id: e.activity_id,
        event_id: e.event_id,
        redemption_id: e.redemption_id,
        corrects_id: e.corrects_id,
        reason: &e.reason,
        created_by: e.created_by,
        created_by_name: &e.created_by_name,
        created_at: e.created_at,
    }
}

/// `YYYY-MM` of the China day holding an instant: the month an entry made then counts in.
pub fn month_at(ms: i64) -> Result<String, Error> {
    let day = wangge_domain::deadline::local_date(ms)
        .map_err(|e| err!("internal", detail = e.to_string()))?;
    Ok(ledger::month_of(day))
}

/// `YYYY-MM` of the month before the one holding an instant.
pub fn month_before(ms: i64) -> Result<String, Error> {
    let day = wangge_domain::deadline::local_date(ms)
        .map_err(|e| err!("internal", detail = e.to_string()))?;
    Ok(wangge_domain::volunteers::publication::previous_month(day))
}

/// Whether a community's month has been published (and so takes no entries).
pub async fn month_published(
    h: &mut Handle<'_>,
    community_id: i64,
    month: &str,
) -> Result<bool, Error> {
    let n: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM points_months WHERE community_id = $1 AND month = $2",
        community_id, month)
    .map_err(sql_error)?;
    Ok(n > 0)
}

/// Takes the community's chain for the rest of the transaction. [`append`] takes it itself; a
/// caller that checks a balance before appending takes it first, so that two redemptions
/// cannot both pass the check.
pub async fn lock(h: &mut Handle<'_>, community_id: i64) -> Result<(), Error> {
    h.lock_chain(PG_LOCK_BASE + community_id).await
}

/// Appends one entry at its community's tail and adds it to the volunteer's year; returns it.
/// Refuses points of the wrong sign or size, a correction without the entry it corrects or a
/// reason, an unknown volunteer, and a published month. Call inside a transaction.
pub async fn append(
    h: &mut Handle<'_>,
    e: &NewEntry<'_>,
    actor: &Actor,
    now: i64,
) -> Result<Entry, Error> {
    if !e.kind.points_fit(e.points) {
        return Err(err!("volunteers.points_invalid", value = e.points));
    }
    let Some(year) = ledger::year_of_month(e.month) else {
        return Err(err!("volunteers.month_invalid", value = e.month));
    };
    if e.kind == Kind::Correction && (e.corrects_id.is_none() || e.reason.trim().is_empty()) {
        return Err(err!("volunteers.correction_reason"));
    }
    let who: Option<(i64, String)> = q!(
        h,
        fetch_optional,
        (i64, String),
        "SELECT community_id, path FROM volunteers WHERE id = $1",
        e.volunteer_id
    )
    .map_err(sql_error)?;
    let Some((community_id, path)) = who else {
        return Err(err!("volunteers.not_found", id = e.volunteer_id));
    };
    lock(h, community_id).await?;
    if month_published(h, community_id, e.month).await? {
        return Err(err!("volunteers.month_published", month = e.month));
    }
    let tail: Option<(i64, String)> = q!(
        h,
        fetch_optional,
        (i64, String),
        "SELECT seq, hash FROM points_ledger WHERE community_id = $1 ORDER BY seq DESC LIMIT 1",
        community_id
    )
    .map_err(sql_error)?;
    let (seq, prev) = match tail {
        Some((s, hash)) => (s + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let mut row = Entry {
        id: 0,
        community_id,
        seq,
        volunteer_id: e.volunteer_id,
        path,
        kind: e.kind.as_str().to_string(),
        points: e.points,
        month: e.month.to_string(),
        activity_id: e.activity_id,
        event_id: e.event_id,
        redemption_id: e.redemption_id,
        corrects_id: e.corrects_id,
        reason: e.reason.trim().to_string(),
        created_by: actor.user_id,
        created_by_name: actor.name.clone(),
        created_at: now,
        prev_hash: prev,
        hash: String::new(),
    };
    row.hash = ledger::entry_hash(&row.prev_hash, &hashed(&row));
    row.id = q!(h, scalar fetch_one, i64,
        "INSERT INTO points_ledger (community_id, seq, volunteer_id, path, kind, points, month, \
         activity_id, event_id, redemption_id, corrects_id, reason, created_by, created_by_name, \
         created_at, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        row.community_id, row.seq, row.volunteer_id, &row.path, &row.kind, row.points, &row.month,
        row.activity_id, row.event_id, row.redemption_id, row.corrects_id, &row.reason,
        row.created_by, &row.created_by_name, row.created_at, &row.prev_hash, &row.hash)
    .map_err(sql_error)?;
    let (earned, spent) = e.kind.year_effect(e.points);
    q!(
        h,
        execute,
        "INSERT INTO volunteer_points (volunteer_id, year, community_id, path, earned, spent) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (volunteer_id, year) DO UPDATE SET \
         earned = volunteer_points.earned + excluded.earned, \
         spent = volunteer_points.spent + excluded.spent",
        row.volunteer_id,
        i64::from(year),
        row.community_id,
        &row.path,
        earned,
        spent
    )
    .map_err(sql_error)?;
    Ok(row)
}

/// A volunteer's points: the year's earned and spent, and everything earned in every year (the
/// total, which never resets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Balance {
    pub year: i32,
    pub earned: i64,
    pub spent: i64,
    /// What may still be redeemed this year: earned less spent.
    pub available: i64,
    pub total_earned: i64,
}

pub async fn balance(h: &mut Handle<'_>, volunteer_id: i64, year: i32) -> Result<Balance, Error> {
    let rows: Vec<(i64, i64, i64)> = q!(
        h,
        fetch_all,
        (i64, i64, i64),
        "SELECT year, earned, spent FROM volunteer_points WHERE volunteer_id = $1",
        volunteer_id
    )
    .map_err(sql_error)?;
    let mut b = Balance {
        year,
        ..Balance::default()
    };
    for (y, earned, spent) in rows {
        b.total_earned += earned;
        if y == i64::from(year) {
            b.earned = earned;
            b.spent = spent;
        }
    }
    b.available = b.earned - b.spent;
    Ok(b)
}

/// A volunteer's entries, newest first; `before_id` is the last id of the previous page.
/// `limit` is clamped to 1–500. The caller checks that the volunteer is in its scope.
pub async fn history(
    h: &mut Handle<'_>,
    volunteer_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM points_ledger WHERE volunteer_id = $1 AND ($2 IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Entry,
        sqlx::AssertSqlSafe(sql),
        volunteer_id,
        before_id,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// One entry by id (the caller checks scope through its path).
pub async fn get(h: &mut Handle<'_>, id: i64) -> Result<Option<Entry>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM points_ledger WHERE id = $1");
    q!(h, fetch_optional, Entry, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)
}

/// A place where the ledger is not what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub community_id: i64,
    pub seq: i64,
    pub reason: String,
}

/// Walks every community's chain in order, a page at a time, and then checks each volunteer's
/// year totals against the sums of the ledger. Returns the entries checked and each break.
pub async fn verify(h: &mut Handle<'_>) -> Result<(u64, Vec<Break>), Error> {
    let mut breaks = Vec::new();
    let mut checked = 0u64;
    let (mut at_c, mut at_s) = (i64::MIN, 0i64);
    let mut prev = GENESIS.to_string();
    let mut expect_seq = 1i64;
    let mut current: Option<i64> = None;
    loop {
        let sql = format!(
            "SELECT {COLUMNS} FROM points_ledger WHERE community_id > $1 OR (community_id = $1 AND seq > $2) \
             ORDER BY community_id, seq LIMIT 1000"
        );
        let rows: Vec<Entry> =
            q!(h, fetch_all, Entry, sqlx::AssertSqlSafe(sql), at_c, at_s).map_err(sql_error)?;
        let Some(last) = rows.last() else { break };
        (at_c, at_s) = (last.community_id, last.seq);
        for r in &rows {
            checked += 1;
            if current != Some(r.community_id) {
                // A community's chain starts at seq 1 from the genesis hash.
                current = Some(r.community_id);
                prev = GENESIS.to_string();
                expect_seq = 1;
            }
            if r.seq != expect_seq || r.prev_hash != prev {
                breaks.push(Break {
                    community_id: r.community_id,
                    seq: r.seq,
                    reason: "the link to the previous entry is broken: an entry before it was removed or changed".into(),
                });
            }
            if ledger::entry_hash(&r.prev_hash, &hashed(r)) != r.hash {
                breaks.push(Break {
                    community_id: r.community_id,
                    seq: r.seq,
                    reason: "the entry was changed after it was written".into(),
                });
            }
            prev = r.hash.clone();
            expect_seq = r.seq + 1;
        }
    }
    breaks.extend(verify_totals(h).await?);
    Ok((checked, breaks))
}

/// Each volunteer's year totals against the ledger's sums.
async fn verify_totals(h: &mut Handle<'_>) -> Result<Vec<Break>, Error> {
    let rows: Vec<(i64, i64, String, String, i64)> = q!(
        h,
        fetch_all,
        (i64, i64, String, String, i64),
        "SELECT volunteer_id, community_id, SUBSTR(month, 1, 4), kind, CAST(SUM(points) AS BIGINT) \
         FROM points_ledger GROUP BY volunteer_id, community_id, SUBSTR(month, 1, 4), kind"
    )
    .map_err(sql_error)?;
    let mut want: std::collections::BTreeMap<(i64, i64), (i64, i64, i64)> = Default::default();
    for (v, c, y, kind, sum) in rows {
        let (Some(kind), Ok(y)) = (Kind::parse(&kind), y.parse::<i64>()) else {
            continue;
        };
        let (e, s) = kind.year_effect(sum);
        let w = want.entry((v, y)).or_insert((c, 0, 0));
        w.1 += e;
        w.2 += s;
    }
    let kept: Vec<(i64, i64, i64, i64, i64)> = q!(
        h,
        fetch_all,
        (i64, i64, i64, i64, i64),
        "SELECT volunteer_id, year, community_id, earned, spent FROM volunteer_points"
    )
    .map_err(sql_error)?;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (v, y, c, earned, spent) in kept {
        seen.insert((v, y));
        let (wc, we, ws) = want.get(&(v, y)).copied().unwrap_or((c, 0, 0));
        if (we, ws) != (earned, spent) {
            out.push(Break {
                community_id: wc,
                seq: 0,
                reason: format!(
                    "volunteer {v}'s {y} totals are earned {earned}, spent {spent}; the ledger says {we} and {ws}"
                ),
            });
        }
    }
    for ((v, y), (c, e, s)) in want {
        if !seen.contains(&(v, y)) && (e, s) != (0, 0) {
            out.push(Break {
                community_id: c,
                seq: 0,
                reason: format!(
                    "volunteer {v} has no {y} totals; the ledger says earned {e}, spent {s}"
                ),
            });
        }
    }
    Ok(out)
}
