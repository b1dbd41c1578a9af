//! Visits (走访): a grid worker records one in a single transaction — the target found in the
//! worker's own grid (anywhere else is as absent as a target that does not exist), the visit
//! with its photos, and every honesty flag it earns. A client key is sent once: the same key
//! with the same content answers with the first record, with other content 409.
//!
//! Who reads a visit: its worker, and whoever reviews work (`ReviewWork`) with the visit's grid
//! in their scope; anyone else gets the same "not found" as for a visit that does not exist.

use serde::Serialize;
use serde_json::json;
use wangge_domain::basic::tags::{KeyGroup, VisitDuty};
use wangge_domain::workbench::honesty::{self, Fix, Reason};
use wangge_domain::workbench::visits::{self as rules_of_visits, TargetKind, VisitInput};
use wangge_domain::{Error, Permission, err};

use super::flags::{self, NewFlag, RecordKind};
use super::photos::{self, NewPhoto};
use super::rules;
use crate::auth::Principal;
use crate::basic::INDEX_TAG;
use crate::db::{Handle, sql_error};
use crate::seal::KeyRing;

/// A visit as its readers see it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Visit {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_code: String,
    pub grid_name: String,
    pub target_kind: String,
    pub target_id: i64,
    /// The household's number, the person's name, the house's address or the org's name.
    pub target_label: Option<String>,
    pub household_id: Option<i64>,
    /// `weekly` or `monthly` when a key person (or a key person's household) was visited: the
    /// duty word only, never the group.
    pub duty: Option<String>,
    pub seen: String,
    pub discussed: String,
    pub done: String,
    pub reply: String,
    pub evaluation: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The stated time (Unix ms) and its day in China.
    pub at: i64,
    pub day: String,
    pub received_at: i64,
    pub client_key: String,
    pub event_id: Option<i64>,
    /// The reported event's number (events are addressed by it).
    pub event_number: Option<String>,
    /// Open flags on the visit.
    pub open_flags: i64,
}

const VISIT_SQL: &str = "SELECT v.id, v.worker_id, v.worker_name, n.code AS grid_code, n.name AS grid_name, \
    v.target_kind, v.target_id, \
    CASE v.target_kind \
      WHEN 'household' THEN (SELECT x.household_no FROM households x WHERE x.id = v.target_id) \
      WHEN 'person' THEN (SELECT x.name FROM people x WHERE x.id = v.target_id) \
      WHEN 'house' THEN (SELECT x.address FROM houses x WHERE x.id = v.target_id) \
      ELSE (SELECT x.name FROM orgs x WHERE x.id = v.target_id) END AS target_label, \
    v.household_id, v.duty, v.seen, v.discussed, v.done, v.reply, v.evaluation, v.lon, v.lat, v.at, v.day, \
    v.received_at, v.client_key, v.event_id, (SELECT e.number FROM events e WHERE e.id = v.event_id) AS event_number, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM work_flags f WHERE f.record_kind = 'visit' AND f.record_id = v.id \
      AND f.status = 'open') AS open_flags \
    FROM visits v JOIN nodes n ON n.id = v.grid_id";

/// What the web layer adds to a checked visit: where the locate index put its position.
#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    pub input: &'a VisitInput,
    /// The code of the grid whose polygon holds the position; `None` when outside every grid
    /// (or without a position).
    pub located_grid: Option<String>,
}

/// What `record` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created(i64),
    /// The client key was seen before with the same content: the first record.
    Replayed(i64),
}

impl Saved {
    pub fn id(self) -> i64 {
        match self {
            Saved::Created(id) | Saved::Replayed(id) => id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Seen {
    id: i64,
    content_hash: String,
}

/// The target as found in the worker's grid.
#[derive(Debug, Default, sqlx::FromRow)]
struct Target {
    household_id: Option<i64>,
    lon: Option<f64>,
    lat: Option<f64>,
}

/// Records a visit by the worker `p` (run inside a transaction; nothing is kept when it fails).
pub async fn record(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    p: &Principal,
    v: &NewVisit<'_>,
    now: i64,
) -> Result<Saved, Error> {
    if !p.may(Permission::RecordWork) {
        return Err(err!("auth.forbidden"));
    }
    let input = v.input;
    let content_hash = content_hash(input);
    let seen = q!(
        h,
        fetch_optional,
        Seen,
        "SELECT id, content_hash FROM visits WHERE worker_id = $1 AND client_key = $2",
        p.user_id,
        &input.client_key
    )
    .map_err(sql_error)?;
    if let Some(s) = seen {
        return if s.content_hash == content_hash {
            Ok(Saved::Replayed(s.id))
        } else {
            Err(err!("work.client_key_reused"))
        };
    }
    let target = find_target(h, p, input.target_kind, input.target_id).await?;
    let duty = duty_of(
        h,
        keys,
        input.target_kind,
        input.target_id,
        target.household_id,
    )
    .await?;
    let day = rules_of_visits::day_of(input.at_ms)
        .ok_or_else(|| err!("calendar.out_of_range", what = input.at_ms.to_string()))?;
    let duties = rules::in_force(h, &p.node_path, day).await?;
    let [seen_t, discussed, done, reply, evaluation] = &input.steps;
    let id = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO visits (worker_id, worker_name, grid_id, path, target_kind, target_id, household_id, duty, \
         seen, discussed, done, reply, evaluation, lon, lat, at, day, received_at, client_key, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
        p.user_id,
        &p.display_name,
        p.node_id,
        &p.node_path,
        input.target_kind.as_str(),
        input.target_id,
        target.household_id,
        duty.map(VisitDuty::as_str),
        seen_t,
        discussed,
        done,
        reply,
        evaluation,
        input.lon,
        input.lat,
        input.at_ms,
        day.to_string(),
        now,
        &input.client_key,
        &content_hash
    )
    .map_err(sql_error)?;
    let flag = |reason: Reason, evidence: serde_json::Value| NewFlag {
        kind: RecordKind::Visit,
        record_id: id,
        worker_id: p.user_id,
        path: &p.node_path,
        reason,
        evidence,
    };
    for (i, ph) in input.photos.iter().enumerate() {
        let photo = NewPhoto {
            content_type: ph.kind.content_type(),
            data: &ph.data,
        };
        let a = photos::attach(
            h,
            RecordKind::Visit,
            id,
            p.user_id,
            &p.node_path,
            &photo,
            now,
        )
        .await?;
        if let Some(e) = a.reused_from {
            let evidence = json!({
                "photo": i + 1,
                "photo_id": a.id,
                "sha256": a.sha256,
                "other_kind": e.record_kind,
                "other_id": e.record_id,
                "other_worker_id": e.worker_id,
            });
            flags::raise(h, &flag(Reason::PhotoReused, evidence), now).await?;
        }
    }
    if let Some((lon, lat)) = input.point() {
        if v.located_grid.as_deref() != Some(p.node_code.as_str()) {
            let evidence = json!({
                "lon": lon,
                "lat": lat,
                "grid": p.node_code,
                "located_grid": v.located_grid,
            });
            flags::raise(h, &flag(Reason::OutsideGrid, evidence), now).await?;
        }
        if let (Some(hlon), Some(hlat)) = (target.lon, target.lat)
            && let Some(m) = honesty::far_from_house(&duties, (lon, lat), (hlon, hlat))
        {
            let evidence = json!({
                "lon": lon,
                "lat": lat,
                "house_lon": hlon,
                "house_lat": hlat,
                "distance_m": m.round(),
                "max_m": duties.max_distance_from_house_m,
            });
            flags::raise(h, &flag(Reason::FarFromHouse, evidence), now).await?;
        }
        let here = Fix {
            at_ms: input.at_ms,
            lon,
            lat,
        };
        if let Some(other) = nearest_fix(h, p.user_id, id, input.at_ms).await? {
            let there = Fix {
                at_ms: other.at,
                lon: other.lon,
                lat: other.lat,
            };
            if let Some(kmh) = honesty::impossible_speed(&duties, here, there) {
                let metres = honesty::distance_m(lon, lat, other.lon, other.lat);
                let evidence = json!({
                    "other_kind": other.kind,
                    "other_id": other.id,
                    "other_at": other.at,
                    "other_lon": other.lon,
                    "other_lat": other.lat,
                    "distance_m": metres.round(),
                    "minutes": ((input.at_ms - other.at).abs() as f64 / 60_000.0 * 10.0).round() / 10.0,
                    "speed_kmh": kmh.round(),
                    "max_kmh": duties.max_speed_kmh,
                });
                flags::raise(h, &flag(Reason::ImpossibleSpeed, evidence), now).await?;
            }
        }
    }
    if let Some(hours) = honesty::late_sync(&duties, input.at_ms, now) {
        let evidence = json!({
            "at": input.at_ms,
            "received_at": now,
            "hours_late": (hours * 10.0).round() / 10.0,
            "allowance_hours": duties.offline_allowance_hours,
        });
        flags::raise(h, &flag(Reason::LateSync, evidence), now).await?;
    }
    Ok(Saved::Created(id))
}

/// The target in the worker's own grid, with the household it belongs to and the position of
/// its house; anything else is `work.target_not_found`, whether it exists elsewhere or not.
async fn find_target(
    h: &mut Handle<'_>,
    p: &Principal,
    kind: TargetKind,
    id: i64,
) -> Result<Target, Error> {
    let pattern = p.scope().like_pattern();
    let sql = match kind {
        TargetKind::Household => {
            "SELECT x.id AS household_id, hs.lon, hs.lat FROM households x \
             LEFT JOIN houses hs ON hs.id = x.house_id WHERE x.id = $1 AND x.path LIKE $2"
        }
        TargetKind::Person => {
            "SELECT x.household_id, COALESCE(hs.lon, hh.lon) AS lon, COALESCE(hs.lat, hh.lat) AS lat \
             FROM people x LEFT JOIN houses hs ON hs.id = x.house_id \
             LEFT JOIN households hd ON hd.id = x.household_id LEFT JOIN houses hh ON hh.id = hd.house_id \
             WHERE x.id = $1 AND x.path LIKE $2 AND x.removed_at IS NULL"
        }
        TargetKind::House => {
            "SELECT CAST(NULL AS BIGINT) AS household_id, x.lon, x.lat FROM houses x \
             WHERE x.id = $1 AND x.path LIKE $2 AND x.removed_at IS NULL"
        }
        TargetKind::Org => {
            "SELECT CAST(NULL AS BIGINT) AS household_id, CAST(NULL AS DOUBLE PRECISION) AS lon, \
             CAST(NULL AS DOUBLE PRECISION) AS lat FROM orgs x \
             WHERE x.id = $1 AND x.path LIKE $2 AND x.removed_at IS NULL"
        }
    };
    q!(h, fetch_optional, Target, sql, id, &pattern)
        .map_err(sql_error)?
        .ok_or_else(|| err!("work.target_not_found", kind = kind.as_str(), id))
}

/// The visiting duty a key person's open tags carry (weekly wins over monthly); for a household,
/// that of its members. The tags are compared by their blind index, never opened: the visit
/// learns the duty word, not the group.
async fn duty_of(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    kind: TargetKind,
    id: i64,
    household_id: Option<i64>,
) -> Result<Option<VisitDuty>, Error> {
    let indexes: Vec<String> = match (kind, household_id) {
        (TargetKind::Person, _) => q!(
            h,
            scalar fetch_all,
            String,
            "SELECT tag_index FROM person_tags WHERE person_id = $1 AND until IS NULL",
            id
        )
        .map_err(sql_error)?,
        (TargetKind::Household, Some(hh)) => q!(
            h,
            scalar fetch_all,
            String,
            "SELECT t.tag_index FROM person_tags t JOIN people x ON x.id = t.person_id \
             WHERE x.household_id = $1 AND x.removed_at IS NULL AND t.until IS NULL",
            hh
        )
        .map_err(sql_error)?,
        _ => return Ok(None),
    };
    if indexes.is_empty() {
        return Ok(None);
    }
    let mut duty = None;
    for g in KeyGroup::ALL.iter().copied() {
        if indexes.contains(&keys.blind_index(INDEX_TAG, g.as_str())) {
            match g.default_duty() {
                VisitDuty::Weekly => return Ok(Some(VisitDuty::Weekly)),
                VisitDuty::Monthly => duty = Some(VisitDuty::Monthly),
            }
        }
    }
    Ok(duty)
}

/// Another positioned record of the worker, nearest in time to `at`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Other {
    kind: String,
    id: i64,
    at: i64,
    lon: f64,
    lat: f64,
}

async fn nearest_fix(
    h: &mut Handle<'_>,
    worker_id: i64,
    visit_id: i64,
    at: i64,
) -> Result<Option<Other>, Error> {
    // Four index walks (before and after, in visits and in patrol points); the nearest wins.
    let queries = [
        "SELECT 'visit' AS kind, id, at, lon, lat FROM visits WHERE worker_id = $1 AND id <> $2 \
         AND lon IS NOT NULL AND lat IS NOT NULL AND at <= $3 ORDER BY at DESC, id DESC LIMIT 1",
        "SELECT 'visit' AS kind, id, at, lon, lat FROM visits WHERE worker_id = $1 AND id <> $2 \
         AND lon IS NOT NULL AND lat IS NOT NULL AND at >= $3 ORDER BY at, id LIMIT 1",
        "SELECT 'patrol_point' AS kind, id, at, lon, lat FROM patrol_points WHERE worker_id = $1 AND id <> $2 \
         AND at <= $3 ORDER BY at DESC, id DESC LIMIT 1",
        "SELECT 'patrol_point' AS kind, id, at, lon, lat FROM patrol_points WHERE worker_id = $1 AND id <> $2 \
         AND at >= $3 ORDER BY at, id LIMIT 1",
    ];
    let mut best: Option<Other> = None;
    for (i, sql) in queries.iter().enumerate() {
        // Patrol point ids are another sequence: `id <> $2` only excludes the visit itself.
        let exclude = if i < 2 { visit_id } else { -1 };
        let got = q!(h, fetch_optional, Other, *sql, worker_id, exclude, at).map_err(sql_error)?;
        if let Some(o) = got
            && best
                .as_ref()
                .is_none_or(|b| (o.at - at).abs() < (b.at - at).abs())
        {
            best = Some(o);
        }
    }
    Ok(best)
}

/// Whether `p` reads visits of others (in their scope).
fn reviews(p: &Principal) -> bool {
    p.may(Permission::ReviewWork)
}

/// One visit as `p` may see it.
pub async fn get(h: &mut Handle<'_>, p: &Principal, id: i64) -> Result<Visit, Error> {
    let sql =
        format!("{VISIT_SQL} WHERE v.id = $1 AND (v.worker_id = $2 OR ($3 AND v.path LIKE $4))");
    // Built from constants only.
    let sql = sqlx::AssertSqlSafe(sql);
    q!(
        h,
        fetch_optional,
        Visit,
        sql,
        id,
        p.user_id,
        reviews(p),
        p.scope().like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("work.visit_not_found", id))
}

/// Visits newest first: a worker's own; a reviewer's whole scope. Keyset paging on `before`.
pub async fn list(
    h: &mut Handle<'_>,
    p: &Principal,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Visit>, Error> {
    let before = before.unwrap_or(i64::MAX);
    if reviews(p) {
        let sql =
            format!("{VISIT_SQL} WHERE v.path LIKE $1 AND v.id < $2 ORDER BY v.id DESC LIMIT $3");
        let sql = sqlx::AssertSqlSafe(sql);
        q!(
            h,
            fetch_all,
            Visit,
            sql,
            p.scope().like_pattern(),
            before,
            limit
        )
        .map_err(sql_error)
    } else if p.may(Permission::RecordWork) {
        let sql =
            format!("{VISIT_SQL} WHERE v.worker_id = $1 AND v.id < $2 ORDER BY v.id DESC LIMIT $3");
        let sql = sqlx::AssertSqlSafe(sql);
        q!(h, fetch_all, Visit, sql, p.user_id, before, limit).map_err(sql_error)
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// Stores the event a visit reported (once).
pub async fn set_event(h: &mut Handle<'_>, visit_id: i64, event_id: i64) -> Result<bool, Error> {
    let n = q!(
        h,
        execute,
        "UPDATE visits SET event_id = $1 WHERE id = $2 AND event_id IS NULL",
        event_id,
        visit_id
    )
    .map_err(sql_error)?;
    Ok(n == 1)
}

/// A household of the worker's grid to choose for a visit.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HouseholdChoice {
    pub id: i64,
    pub household_no: String,
    pub address: Option<String>,
    /// The head of the household (or any member), for recognising it.
    pub head: Option<String>,
}

/// Households in `p`'s scope whose number, address or members' names contain `q` (all when
/// blank), at most `limit`.
pub async fn households(
    h: &mut Handle<'_>,
    p: &Principal,
    q: &str,
    limit: i64,
) -> Result<Vec<HouseholdChoice>, Error> {
    let like = format!("%{}%", q.trim().replace(['%', '_', '\\'], ""));
    q!(
        h,
        fetch_all,
        HouseholdChoice,
        "SELECT x.id, x.household_no, hs.address, \
         (SELECT MIN(m.name) FROM people m WHERE m.household_id = x.id AND m.removed_at IS NULL) AS head \
         FROM households x LEFT JOIN houses hs ON hs.id = x.house_id \
         WHERE x.path LIKE $1 AND (x.household_no LIKE $2 OR hs.address LIKE $2 OR EXISTS \
         (SELECT 1 FROM people m WHERE m.household_id = x.id AND m.removed_at IS NULL AND m.name LIKE $2)) \
         ORDER BY x.household_no, x.id LIMIT $3",
        p.scope().like_pattern(),
        &like,
        limit
    )
    .map_err(sql_error)
}

/// SHA-256 of the canonical text: the photos' hashes join it, so a resend with another photo
/// is other content.
pub fn content_hash(input: &VisitInput) -> String {
    let shas: Vec<String> = input
        .photos
        .iter()
        .map(|ph| photos::sha256_hex(&ph.data))
        .collect();
    photos::sha256_hex(rules_of_visits::canonical(input, &shas).as_bytes())
}
