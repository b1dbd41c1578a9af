//! Time in the grid (巡查): patrols from check-in to check-out, the positions sampled on the
//! way, and the seconds inside the grid per worker and day (`patrol_days`), recomputed here from
//! the points whenever points arrive (late ones too) by `domain::workbench::patrol`. Whether a
//! point is inside is decided by the caller's locate index (the store holds none). The honesty
//! flags of points are raised here, in the transaction that writes them: at most one of each
//! reason per patrol, so a reviewer judges a patrol, not five hundred points.

use std::collections::{BTreeMap, BTreeSet};

use wangge_domain::Error;
use wangge_domain::calendar::Date;
use wangge_domain::deadline::{end_of_day, local_date, start_of_day};
use wangge_domain::err;
use wangge_domain::workbench::honesty::{self, Fix, Reason};
use wangge_domain::workbench::patrol::{self as rules_of, Sample};

use super::flags::{self, NewFlag, RecordKind};
use super::rules;
use crate::db::{Handle, sql_error};

/// Who reads patrols: a worker their own, a reviewer those in their scope.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    /// The scope's `LIKE` pattern when the viewer reviews work; `None` for a worker.
    pub review_pattern: Option<String>,
}

impl Viewer {
    fn pattern(&self) -> &str {
        // No path starts with `//`: a worker matches by their id alone.
        self.review_pattern.as_deref().unwrap_or("//")
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Patrol {
    pub id: i64,
    pub worker_id: i64,
    pub worker_name: String,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    #[serde(skip)]
    pub path: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub day: String,
    pub client_key: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Point {
    pub id: i64,
    pub patrol_id: i64,
    pub at: i64,
    pub lon: f64,
    pub lat: f64,
    pub inside: bool,
    pub received_at: i64,
    pub client_key: String,
}

/// A point to keep: its client key, stated time and position, whether the locate index puts it
/// in the worker's grid, and the grid it found there (for the evidence of a flag).
#[derive(Debug, Clone)]
pub struct NewPoint {
    pub client_key: String,
    pub at: i64,
    pub lon: f64,
    pub lat: f64,
    pub inside: bool,
    pub located: Option<String>,
}

/// The points a check-in and a check-out leave: keyed on the patrol's own key, so a resent
/// check-in or check-out leaves one.
pub fn start_key(patrol_key: &str) -> String {
    format!("{patrol_key}#start")
}

pub fn end_key(patrol_key: &str) -> String {
    format!("{patrol_key}#end")
}

const PATROL_SQL: &str = "SELECT p.id, p.worker_id, u.display_name AS worker_name, p.grid_id, \
     n.code AS grid_code, n.name AS grid_name, p.path, p.started_at, p.ended_at, p.day, p.client_key \
     FROM patrols p JOIN users u ON u.id = p.worker_id JOIN nodes n ON n.id = p.grid_id";

/// One patrol the viewer may read; 404 otherwise.
pub async fn get(h: &mut Handle<'_>, v: &Viewer, id: i64) -> Result<Patrol, Error> {
    let sql = format!("{PATROL_SQL} WHERE p.id = $1 AND (p.worker_id = $2 OR p.path LIKE $3)");
    q!(
        h,
        fetch_optional,
        Patrol,
        sqlx::AssertSqlSafe(sql),
        id,
        v.user_id,
        v.pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("work.patrol_not_found", id))
}

/// A worker's patrol by the key of its check-in.
pub async fn by_key(
    h: &mut Handle<'_>,
    worker_id: i64,
    key: &str,
) -> Result<Option<Patrol>, Error> {
    let sql = format!("{PATROL_SQL} WHERE p.worker_id = $1 AND p.client_key = $2");
    q!(
        h,
        fetch_optional,
        Patrol,
        sqlx::AssertSqlSafe(sql),
        worker_id,
        key
    )
    .map_err(sql_error)
}

/// The worker's open patrol, if any (the newest).
pub async fn open_of(h: &mut Handle<'_>, worker_id: i64) -> Result<Option<Patrol>, Error> {
    let sql = format!(
        "{PATROL_SQL} WHERE p.worker_id = $1 AND p.ended_at IS NULL ORDER BY p.started_at DESC, p.id DESC LIMIT 1"
    );
    q!(
        h,
        fetch_optional,
        Patrol,
        sqlx::AssertSqlSafe(sql),
        worker_id
    )
    .map_err(sql_error)
}

/// Patrols newest first: the viewer's own, or (a reviewer) those in scope, optionally of one
/// worker; `before_id` pages back; `limit` clamped to 1–100.
pub async fn list(
    h: &mut Handle<'_>,
    v: &Viewer,
    worker_id: Option<i64>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Patrol>, Error> {
    let sql = format!(
        "{PATROL_SQL} WHERE (p.worker_id = $1 OR p.path LIKE $2) AND ($3 IS NULL OR p.worker_id = $3) \
         AND ($4 IS NULL OR p.id < $4) ORDER BY p.id DESC LIMIT $5"
    );
    q!(
        h,
        fetch_all,
        Patrol,
        sqlx::AssertSqlSafe(sql),
        v.user_id,
        v.pattern(),
        worker_id,
        before_id,
        limit.clamp(1, 100)
    )
    .map_err(sql_error)
}

/// A patrol's points in time order, at most `limit`.
pub async fn points(h: &mut Handle<'_>, patrol_id: i64, limit: i64) -> Result<Vec<Point>, Error> {
    q!(
        h,
        fetch_all,
        Point,
        "SELECT id, patrol_id, at, lon, lat, inside, received_at, client_key FROM patrol_points \
         WHERE patrol_id = $1 ORDER BY at, id LIMIT $2",
        patrol_id,
        limit
    )
    .map_err(sql_error)
}

/// Ends the worker's open patrols begun before `today`: a patrol left open over midnight ends
/// at its last point (or its start when it has none).
pub async fn close_stale(h: &mut Handle<'_>, worker_id: i64, today: Date) -> Result<(), Error> {
    q!(
        h,
        execute,
        "UPDATE patrols SET ended_at = COALESCE((SELECT MAX(pp.at) FROM patrol_points pp \
         WHERE pp.patrol_id = patrols.id), started_at) \
         WHERE worker_id = $1 AND ended_at IS NULL AND day < $2",
        worker_id,
        today.to_string()
    )
    .map_err(sql_error)?;
    Ok(())
}

/// A new check-in.
pub struct NewPatrol<'a> {
    pub worker_id: i64,
    pub grid_id: i64,
    pub path: &'a str,
    pub client_key: &'a str,
    pub at: i64,
}

/// Writes a patrol; an open one of the same worker ends first, at its last point (a new
/// check-in says the worker is starting again). Returns the new id.
pub async fn start(h: &mut Handle<'_>, p: &NewPatrol<'_>) -> Result<i64, Error> {
    q!(
        h,
        execute,
        "UPDATE patrols SET ended_at = COALESCE((SELECT MAX(pp.at) FROM patrol_points pp \
         WHERE pp.patrol_id = patrols.id), started_at) WHERE worker_id = $1 AND ended_at IS NULL",
        p.worker_id
    )
    .map_err(sql_error)?;
    let day = local_date(p.at).map_err(|_| err!("work.field_at_invalid", field = "at"))?;
    q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO patrols (worker_id, grid_id, path, started_at, ended_at, day, client_key) \
         VALUES ($1, $2, $3, $4, NULL, $5, $6) RETURNING id",
        p.worker_id,
        p.grid_id,
        p.path,
        p.at,
        day.to_string(),
        p.client_key
    )
    .map_err(sql_error)
}

/// Sets a patrol's end.
pub async fn set_end(h: &mut Handle<'_>, patrol_id: i64, at: i64) -> Result<(), Error> {
    q!(
        h,
        execute,
        "UPDATE patrols SET ended_at = $2 WHERE id = $1",
        patrol_id,
        at
    )
    .map_err(sql_error)?;
    Ok(())
}

/// A point of the worker by its key.
pub async fn point_by_key(
    h: &mut Handle<'_>,
    worker_id: i64,
    key: &str,
) -> Result<Option<Point>, Error> {
    q!(
        h,
        fetch_optional,
        Point,
        "SELECT id, patrol_id, at, lon, lat, inside, received_at, client_key FROM patrol_points \
         WHERE worker_id = $1 AND client_key = $2",
        worker_id,
        key
    )
    .map_err(sql_error)
}

/// Keeps points of a patrol, each once by its key: a key seen before with the same patrol,
/// time and position is skipped, with anything else the whole batch is refused (409). Then
/// raises the points' flags and recomputes the worker's seconds inside for the days touched.
/// Returns how many points were new.
pub async fn record_points(
    h: &mut Handle<'_>,
    patrol: &Patrol,
    new: &[NewPoint],
    now: i64,
) -> Result<usize, Error> {
    let mut kept: Vec<(i64, &NewPoint)> = Vec::new();
    for p in new {
        let id = q!(
            h,
            scalar fetch_optional,
            i64,
            "INSERT INTO patrol_points (patrol_id, worker_id, at, lon, lat, inside, received_at, client_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (worker_id, client_key) DO NOTHING RETURNING id",
            patrol.id,
            patrol.worker_id,
            p.at,
            p.lon,
            p.lat,
            p.inside,
            now,
            &p.client_key
        )
        .map_err(sql_error)?;
        match id {
            Some(id) => kept.push((id, p)),
            None => {
                let same = point_by_key(h, patrol.worker_id, &p.client_key)
                    .await?
                    .is_some_and(|o| {
                        o.patrol_id == patrol.id && o.at == p.at && o.lon == p.lon && o.lat == p.lat
                    });
                if !same {
                    return Err(err!("work.client_key_reused"));
                }
            }
        }
    }
    if kept.is_empty() {
        return Ok(0);
    }
    let all = points(h, patrol.id, 100_000).await?;
    raise_flags(h, patrol, &kept, &all, now).await?;
    recompute(h, patrol, &all).await?;
    Ok(kept.len())
}

/// Whether a patrol already carries a flag of this reason on one of its points.
async fn has_flag(h: &mut Handle<'_>, patrol_id: i64, reason: Reason) -> Result<bool, Error> {
    let found = q!(
        h,
        scalar fetch_optional,
        i64,
        "SELECT f.id FROM work_flags f JOIN patrol_points pp ON pp.id = f.record_id \
         WHERE f.record_kind = 'patrol_point' AND f.reason = $1 AND pp.patrol_id = $2 LIMIT 1",
        reason.as_str(),
        patrol_id
    )
    .map_err(sql_error)?;
    Ok(found.is_some())
}

async fn raise_flags(
    h: &mut Handle<'_>,
    patrol: &Patrol,
    kept: &[(i64, &NewPoint)],
    all: &[Point],
    now: i64,
) -> Result<(), Error> {
    let day = Date::parse(&patrol.day).ok();
    let duties = match day {
        Some(d) => rules::in_force(h, &patrol.path, d).await?,
        None => Default::default(),
    };
    let mut first = kept.to_vec();
    first.sort_by_key(|(_, p)| p.at);
    let mut raised: Vec<(Reason, i64, serde_json::Value)> = Vec::new();
    // Outside the worker's grid (or every grid): the first such point of the patrol.
    if let Some((id, p)) = first.iter().find(|(_, p)| !p.inside) {
        raised.push((
            Reason::OutsideGrid,
            *id,
            serde_json::json!({
                "patrol_id": patrol.id, "at": p.at, "lon": p.lon, "lat": p.lat,
                "grid": patrol.grid_code, "located_grid": p.located,
            }),
        ));
    }
    // Sent long after its stated time (or stated ahead of the server's clock).
    if let Some((id, p, late_h)) = first
        .iter()
        .find_map(|(id, p)| honesty::late_sync(&duties, p.at, now).map(|late| (*id, *p, late)))
    {
        raised.push((
            Reason::LateSync,
            id,
            serde_json::json!({
                "patrol_id": patrol.id, "at": p.at, "received_at": now,
                "hours_late": (late_h * 10.0).round() / 10.0,
                "allowance_hours": duties.offline_allowance_hours,
            }),
        ));
    }
    // An impossible speed between a new point and its neighbours in time.
    let new_ids: BTreeSet<i64> = kept.iter().map(|(id, _)| *id).collect();
    let fix = |p: &Point| Fix {
        at_ms: p.at,
        lon: p.lon,
        lat: p.lat,
    };
    let speed = all.windows(2).find_map(|w| {
        let (a, b) = (&w[0], &w[1]);
        if !(new_ids.contains(&a.id) || new_ids.contains(&b.id)) {
            return None;
        }
        let kmh = honesty::impossible_speed(&duties, fix(a), fix(b))?;
        let on = if new_ids.contains(&b.id) { b.id } else { a.id };
        Some((on, a, b, kmh))
    });
    if let Some((on, a, b, kmh)) = speed {
        raised.push((
            Reason::ImpossibleSpeed,
            on,
            serde_json::json!({
                "patrol_id": patrol.id,
                "from": {"at": a.at, "lon": a.lon, "lat": a.lat},
                "to": {"at": b.at, "lon": b.lon, "lat": b.lat},
                "kmh": kmh.round(), "max_kmh": duties.max_speed_kmh,
            }),
        ));
    }
    for (reason, record_id, evidence) in raised {
        if has_flag(h, patrol.id, reason).await? {
            continue;
        }
        let f = NewFlag {
            kind: RecordKind::PatrolPoint,
            record_id,
            worker_id: patrol.worker_id,
            path: &patrol.path,
            reason,
            evidence,
        };
        flags::raise(h, &f, now).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AtRow {
    patrol_id: i64,
    at: i64,
    inside: bool,
}

/// Recomputes `patrol_days` for the days this patrol's points can touch, from every patrol of
/// the worker begun within two days of them (a patrol spans a day or two: it ends at
/// midnight's close or at a new check-in).
async fn recompute(h: &mut Handle<'_>, patrol: &Patrol, all: &[Point]) -> Result<(), Error> {
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return Ok(());
    };
    let days = rules_of::days_touched(first.at, last.at);
    let (Some(from), Some(to)) = (days.first(), days.last()) else {
        return Ok(());
    };
    let window_from = start_of_day(*from) - 2 * 86_400_000;
    let window_to = end_of_day(*to);
    let rows = q!(
        h,
        fetch_all,
        AtRow,
        "SELECT pp.patrol_id, pp.at, pp.inside FROM patrol_points pp JOIN patrols p ON p.id = pp.patrol_id \
         WHERE p.worker_id = $1 AND ((p.started_at >= $2 AND p.started_at < $3) OR p.id = $4)",
        patrol.worker_id,
        window_from,
        window_to,
        patrol.id
    )
    .map_err(sql_error)?;
    let mut by_patrol: BTreeMap<i64, Vec<Sample>> = BTreeMap::new();
    for r in rows {
        by_patrol.entry(r.patrol_id).or_default().push(Sample {
            at_ms: r.at,
            inside: r.inside,
        });
    }
    let maps: Vec<_> = by_patrol
        .values()
        .map(|s| rules_of::ms_inside_by_day(s))
        .collect();
    let seconds = rules_of::seconds_by_day(&maps);
    for d in days {
        let secs = seconds.get(&d).copied().unwrap_or(0);
        q!(
            h,
            execute,
            "INSERT INTO patrol_days (worker_id, day, grid_id, path, seconds_inside) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (worker_id, day) DO UPDATE SET seconds_inside = excluded.seconds_inside, \
             grid_id = excluded.grid_id, path = excluded.path",
            patrol.worker_id,
            d.to_string(),
            patrol.grid_id,
            &patrol.path,
            secs
        )
        .map_err(sql_error)?;
    }
    Ok(())
}

/// Seconds inside per day of one worker, `from` to `to` inclusive, oldest first.
pub async fn days(
    h: &mut Handle<'_>,
    worker_id: i64,
    from: Date,
    to: Date,
) -> Result<Vec<(String, i64)>, Error> {
    q!(
        h,
        fetch_all,
        (String, i64),
        "SELECT day, seconds_inside FROM patrol_days WHERE worker_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        worker_id,
        from.to_string(),
        to.to_string()
    )
    .map_err(sql_error)
}

/// Seconds inside per worker and day in a scope, `from` to `to`, newest day first, at most
/// `limit` rows: (day, worker's name, seconds).
pub async fn scope_days(
    h: &mut Handle<'_>,
    pattern: &str,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<(String, String, i64)>, Error> {
    q!(
        h,
        fetch_all,
        (String, String, i64),
        "SELECT d.day, u.display_name, d.seconds_inside FROM patrol_days d JOIN users u ON u.id = d.worker_id \
         WHERE d.path LIKE $1 AND d.day >= $2 AND d.day <= $3 ORDER BY d.day DESC, d.seconds_inside LIMIT $4",
        pattern,
        from.to_string(),
        to.to_string(),
        limit.clamp(1, 1000)
    )
    .map_err(sql_error)
}

/// The honesty flags raised on a patrol's points: (reason, point id, status).
pub async fn flags_of(
    h: &mut Handle<'_>,
    patrol_id: i64,
) -> Result<Vec<(String, i64, String)>, Error> {
    q!(
        h,
        fetch_all,
        (String, i64, String),
        "SELECT f.reason, f.record_id, f.status FROM work_flags f JOIN patrol_points pp ON pp.id = f.record_id \
         WHERE f.record_kind = 'patrol_point' AND pp.patrol_id = $1 ORDER BY f.id",
        patrol_id
    )
    .map_err(sql_error)
}
