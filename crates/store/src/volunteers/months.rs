//! A community's months (一月一公示): the month's sheet (per volunteer and per building), the
//! list of months with their status, publication (only an ended month, once; it records the
//! totals and the ledger's tail, and from then on `ledger::append` refuses that month), and
//! corrections: a `correction` entry in the current month naming the entry it corrects, with a
//! reason, never a change to the entry itself.

use serde::Serialize;
use wangge_domain::volunteers::ledger::{Kind, MAX_ENTRY_POINTS, month_of};
use wangge_domain::volunteers::publication;
use wangge_domain::{Error, NodeKind, Scope, err};

use crate::audit::{self, Actor};
use crate::db::{Handle, sql_error};
use crate::nodes::{self, Node};
use crate::volunteers::ledger::{self, Entry};
use crate::workbench::logins::china_day;

/// The kinds that count as points earned in a month (gifts are spending, not service).
const EARNED_KINDS: &str = "('service', 'clue', 'correction')";

/// The longest reason a correction may give, in characters.
pub const MAX_REASON: usize = 500;

/// A community (a village node) in the caller's scope, by code; 404 otherwise.
pub async fn community(h: &mut Handle<'_>, scope: &Scope, code: &str) -> Result<Node, Error> {
    let code: String = code.chars().take(40).collect();
    let n = nodes::by_code(h, scope, &code)
        .await
        .map_err(|_| err!("volunteers.community_not_found", id = code.clone()))?;
    if n.node_kind() != NodeKind::Village {
        return Err(err!("volunteers.community_not_found", id = code));
    }
    Ok(n)
}

/// A `YYYY-MM` month, or the error that names the bad text.
pub fn parse_month(m: &str) -> Result<String, Error> {
    let m = m.trim();
    if publication::month_days(m).is_some() {
        Ok(m.to_string())
    } else {
        Err(err!(
            "volunteers.month_invalid",
            value = m.chars().take(20).collect::<String>()
        ))
    }
}

/// One volunteer's line of a month: points earned in the month and in the year up to its end.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Line {
    pub volunteer_id: i64,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub post: String,
    pub month_points: i64,
    pub year_points: i64,
}

/// A building's line: its volunteers and their points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildingLine {
    pub building: String,
    pub volunteers: i64,
    pub month_points: i64,
    pub year_points: i64,
}

/// A month of a community as published, or as it would be.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Published {
    pub id: i64,
    pub community_id: i64,
    pub path: String,
    pub month: String,
    pub entries: i64,
    pub points: i64,
    pub volunteers: i64,
    pub ledger_seq: i64,
    pub ledger_hash: String,
    pub published_by: Option<i64>,
    pub published_by_name: String,
    pub published_at: i64,
}

const PUBLISHED: &str = "id, community_id, path, month, entries, points, volunteers, ledger_seq, \
    ledger_hash, published_by, published_by_name, published_at";

/// The sheet of a month: its lines (by building, unit, then points), per building, totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sheet {
    pub community_id: i64,
    pub month: String,
    pub lines: Vec<Line>,
    pub buildings: Vec<BuildingLine>,
    pub entries: i64,
    pub points: i64,
    pub published: Option<Published>,
}

/// The month's lines: every active volunteer of the community and any other with points in
/// it; year points count the months of the year up to and including this one.
pub async fn sheet(h: &mut Handle<'_>, community_id: i64, month: &str) -> Result<Sheet, Error> {
    let year_start = format!("{}-01", month.get(0..4).unwrap_or("0000"));
    let sql = format!(
        "SELECT v.id AS volunteer_id, v.name, v.building, v.unit, v.post, \
         COALESCE(m.month_points, 0) AS month_points, COALESCE(m.year_points, 0) AS year_points \
         FROM volunteers v LEFT JOIN ( \
           SELECT volunteer_id, CAST(SUM(CASE WHEN month = $2 THEN points ELSE 0 END) AS BIGINT) AS month_points, \
           CAST(SUM(points) AS BIGINT) AS year_points FROM points_ledger \
           WHERE community_id = $1 AND month >= $3 AND month <= $2 AND kind IN {EARNED_KINDS} \
           GROUP BY volunteer_id) m ON m.volunteer_id = v.id \
         WHERE v.community_id = $1 AND (v.status = 'active' OR m.volunteer_id IS NOT NULL) \
         ORDER BY v.building, v.unit, month_points DESC, v.id"
    );
    let lines: Vec<Line> = q!(
        h,
        fetch_all,
        Line,
        sqlx::AssertSqlSafe(sql),
        community_id,
        month,
        &year_start
    )
    .map_err(sql_error)?;
    let (entries, points) = month_totals(h, community_id, month).await?;
    let mut buildings: Vec<BuildingLine> = Vec::new();
    for l in &lines {
        match buildings.last_mut() {
            Some(b) if b.building == l.building => {
                b.volunteers += 1;
                b.month_points += l.month_points;
                b.year_points += l.year_points;
            }
            _ => buildings.push(BuildingLine {
                building: l.building.clone(),
                volunteers: 1,
                month_points: l.month_points,
                year_points: l.year_points,
            }),
        }
    }
    Ok(Sheet {
        community_id,
        month: month.to_string(),
        lines,
        buildings,
        entries,
        points,
        published: published(h, community_id, month).await?,
    })
}

/// Entries of the month (any kind) and the points earned in it.
async fn month_totals(
    h: &mut Handle<'_>,
    community_id: i64,
    month: &str,
) -> Result<(i64, i64), Error> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN kind IN {EARNED_KINDS} THEN points ELSE 0 END), 0) AS BIGINT) \
         FROM points_ledger WHERE community_id = $1 AND month = $2"
    );
    q!(
        h,
        fetch_one,
        (i64, i64),
        sqlx::AssertSqlSafe(sql),
        community_id,
        month
    )
    .map_err(sql_error)
}

/// The publication of a community's month, if it has one.
pub async fn published(
    h: &mut Handle<'_>,
    community_id: i64,
    month: &str,
) -> Result<Option<Published>, Error> {
    let sql =
        format!("SELECT {PUBLISHED} FROM points_months WHERE community_id = $1 AND month = $2");
    q!(
        h,
        fetch_optional,
        Published,
        sqlx::AssertSqlSafe(sql),
        community_id,
        month
    )
    .map_err(sql_error)
}

/// Publishes a community's month: only an ended month (China time), once. Records the month's
/// totals and the ledger's tail at this moment under the community's chain lock, so no entry of
/// the month can slip in between; audited.
pub async fn publish(
    h: &mut Handle<'_>,
    scope: &Scope,
    community_id: i64,
    month: &str,
    actor: &Actor,
    now: i64,
) -> Result<Published, Error> {
    let month = parse_month(month)?;
    let node = nodes::by_id(h, scope, community_id)
        .await
        .map_err(|_| err!("volunteers.community_not_found", id = community_id))?;
    if node.node_kind() != NodeKind::Village {
        return Err(err!("volunteers.community_not_found", id = community_id));
    }
    if !publication::month_publishable(&month, china_day(now)?) {
        return Err(err!("volunteers.month_not_ended", month = month.clone()));
    }
    ledger::lock(h, community_id).await?;
    if published(h, community_id, &month).await?.is_some() {
        return Err(err!(
            "volunteers.month_already_published",
            month = month.clone()
        ));
    }
    let (entries, points) = month_totals(h, community_id, &month).await?;
    let volunteers: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(DISTINCT volunteer_id) AS BIGINT) FROM points_ledger WHERE community_id = $1 AND month = $2",
        community_id, &month)
    .map_err(sql_error)?;
    let tail: Option<(i64, String)> = q!(
        h,
        fetch_optional,
        (i64, String),
        "SELECT seq, hash FROM points_ledger WHERE community_id = $1 ORDER BY seq DESC LIMIT 1",
        community_id
    )
    .map_err(sql_error)?;
    let (seq, hash) = tail.unwrap_or((0, wangge_domain::volunteers::ledger::GENESIS.to_string()));
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO points_months (community_id, path, month, entries, points, volunteers, ledger_seq, \
         ledger_hash, published_by, published_by_name, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        community_id, &node.path, &month, entries, points, volunteers, seq, &hash,
        actor.user_id, &actor.name, now)
    .map_err(sql_error)?;
    let detail = serde_json::json!({
        "community": node.code, "month": month, "entries": entries, "points": points,
        "ledger_seq": seq, "ledger_hash": hash,
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_month_publish",
            subject_table: "points_months",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(Published {
        id,
        community_id,
        path: node.path,
        month,
        entries,
        points,
        volunteers,
        ledger_seq: seq,
        ledger_hash: hash,
        published_by: actor.user_id,
        published_by_name: actor.name.clone(),
        published_at: now,
    })
}

/// A month in a community's list: its entries and points, and its publication if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthStatus {
    pub community_id: i64,
    pub month: String,
    pub entries: i64,
    pub points: i64,
    /// Whether it has ended (and so may be published).
    pub ended: bool,
    pub published: Option<Published>,
}

/// A community's months, newest first: every month with entries or a publication, and the
/// current and previous months always (the ones an organiser looks at).
pub async fn months(
    h: &mut Handle<'_>,
    community_id: i64,
    now: i64,
) -> Result<Vec<MonthStatus>, Error> {
    let sql = format!(
        "SELECT month, CAST(COUNT(*) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN kind IN {EARNED_KINDS} THEN points ELSE 0 END), 0) AS BIGINT) \
         FROM points_ledger WHERE community_id = $1 GROUP BY month ORDER BY month DESC LIMIT 120"
    );
    let counted: Vec<(String, i64, i64)> = q!(
        h,
        fetch_all,
        (String, i64, i64),
        sqlx::AssertSqlSafe(sql),
        community_id
    )
    .map_err(sql_error)?;
    let sql = format!(
        "SELECT {PUBLISHED} FROM points_months WHERE community_id = $1 ORDER BY month DESC LIMIT 120"
    );
    let pubs: Vec<Published> = q!(
        h,
        fetch_all,
        Published,
        sqlx::AssertSqlSafe(sql),
        community_id
    )
    .map_err(sql_error)?;
    let today = china_day(now)?;
    let mut all: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    all.insert(month_of(today), (0, 0));
    all.insert(publication::previous_month(today), (0, 0));
    for (m, e, p) in counted {
        all.insert(m, (e, p));
    }
    for p in &pubs {
        all.entry(p.month.clone()).or_insert((0, 0));
    }
    Ok(all
        .into_iter()
        .rev()
        .map(|(month, (entries, points))| MonthStatus {
            community_id,
            ended: publication::month_publishable(&month, today),
            published: pubs.iter().find(|p| p.month == month).cloned(),
            month,
            entries,
            points,
        })
        .collect())
}

/// Corrects an entry (service, clue, or a correction's original) by a new `correction` entry in
/// the current month with a reason; the entry itself is never changed. The corrected total of
/// the original (its points plus every correction of it) stays between 0 and the most one
/// entry may carry. Audited. Runs inside the caller's transaction.
pub async fn correct(
    h: &mut Handle<'_>,
    scope: &Scope,
    entry_id: i64,
    points: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> Result<Entry, Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(err!("volunteers.correction_reason"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(err!("volunteers.pts_reason_too_long", max = MAX_REASON));
    }
    let Some(target) = ledger::get(h, entry_id)
        .await?
        .filter(|e| scope.contains(&e.path))
    else {
        return Err(err!("volunteers.entry_not_found", id = entry_id));
    };
    // A correction of a correction corrects the original: one total per original entry.
    let original = match (Kind::parse(&target.kind), target.corrects_id) {
        (Some(Kind::Correction), Some(id)) => ledger::get(h, id)
            .await?
            .ok_or_else(|| err!("volunteers.entry_not_found", id = id))?,
        (Some(Kind::Service | Kind::Clue), _) => target,
        _ => return Err(err!("volunteers.correction_kind")),
    };
    if points == 0 || !(-MAX_ENTRY_POINTS..=MAX_ENTRY_POINTS).contains(&points) {
        return Err(err!("volunteers.points_invalid", value = points));
    }
    ledger::lock(h, original.community_id).await?;
    let corrected: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger WHERE corrects_id = $1 AND kind = 'correction'",
        original.id)
    .map_err(sql_error)?;
    let now_total = original.points + corrected;
    let after = now_total + points;
    if !(0..=MAX_ENTRY_POINTS).contains(&after) {
        return Err(err!(
            "volunteers.correction_range",
            value = points,
            min = -now_total,
            max = MAX_ENTRY_POINTS - now_total
        ));
    }
    let month = month_of(china_day(now)?);
    let mut e = ledger::NewEntry::new(original.volunteer_id, Kind::Correction, points, &month);
    e.corrects_id = Some(original.id);
    e.reason = reason;
    let row = ledger::append(h, &e, actor, now).await?;
    let detail = serde_json::json!({
        "volunteer_id": row.volunteer_id, "corrects_id": original.id, "points": points,
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_correction",
            subject_table: "points_ledger",
            subject_id: Some(row.id),
            column_name: None,
            reason,
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(row)
}

/// The corrections of an entry, oldest first.
pub async fn corrections_of(h: &mut Handle<'_>, entry_id: i64) -> Result<Vec<Entry>, Error> {
    let sql = format!(
        "SELECT {} FROM points_ledger WHERE corrects_id = $1 AND kind = 'correction' ORDER BY id",
        ledger::COLUMNS
    );
    q!(h, fetch_all, Entry, sqlx::AssertSqlSafe(sql), entry_id).map_err(sql_error)
}

/// Every correction of a volunteer's entries: (the entry corrected, the correction), oldest
/// first, so a history can say of each entry that it was corrected and by which.
pub async fn corrections_by_volunteer(
    h: &mut Handle<'_>,
    volunteer_id: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    q!(
        h,
        fetch_all,
        (i64, i64),
        "SELECT corrects_id, id FROM points_ledger WHERE volunteer_id = $1 AND kind = 'correction' \
         AND corrects_id IS NOT NULL ORDER BY id LIMIT 10000",
        volunteer_id
    )
    .map_err(sql_error)
}
