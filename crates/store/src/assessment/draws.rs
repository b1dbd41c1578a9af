//! 双随机 draw rounds (`draw_rounds`), held by a township office (permission `Assess`).
//!
//! Holding a round, in one transaction: the pools are read from the database at that moment
//! (targets: the township's grids in service; inspectors: active users attached to the
//! township or below whose role holds `Inspect`, or the part of them the caller picked), the
//! seed is 32 bytes of the operating system's randomness in hex, the draw is run
//! (`domain::assessment::draw`), and the round is written with both pools, the seed, the
//! result and `result_hash` = SHA-256 of the result's JSON. Then, in the same transaction, one
//! `inspections` row per drawn target (kind `random`, the round's id, the draw's day and the
//! round's quarter, the first drawn inspector, an empty summary); the other drawn inspectors
//! are named in the round's result. Rounds are append-only; `replay` re-runs a round from what
//! it kept and says whether it gives the same result (the page's "verify" button and
//! `wangge verify`).

use serde::Serialize;
use wangge_domain::assessment::draw::{self, ALGORITHM, Drawn, Inspector, Params, Target};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::permission::{self, Permission};
use wangge_domain::{Error, NodeKind, Role, Scope, err};

use crate::audit::{self, Actor};
use crate::auth::{random_secret, sha256_hex};
use crate::db::{Handle, sql_error};
use crate::nodes::Node;

/// The longest title.
pub const TITLE_MAX: usize = 100;
/// The most rounds a list shows.
pub const LIST_LIMIT: i64 = 200;
/// The most people a caller may pick for a pool.
pub const PICK_MAX: usize = 500;

/// A round as kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub id: i64,
    pub node_code: String,
    pub node_name: String,
    pub path: String,
    pub quarter: String,
    pub title: String,
    pub share_pct: i64,
    pub per_target: i64,
    pub algorithm: String,
    pub seed: String,
    pub targets: Vec<Target>,
    pub inspectors: Vec<Inspector>,
    pub result: Vec<Drawn>,
    pub result_hash: String,
    pub drawn_by_name: String,
    pub created_at: i64,
    /// The JSON texts as stored, for the re-run.
    #[serde(skip)]
    raw: RawJson,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct RawJson {
    result: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    node_code: String,
    node_name: String,
    path: String,
    quarter: String,
    title: String,
    target_share_pct: i64,
    inspectors_per_target: i64,
    algorithm: String,
    seed: String,
    targets_json: String,
    inspectors_json: String,
    result_json: String,
    result_hash: String,
    drawn_by_name: String,
    created_at: i64,
}

impl Row {
    /// A stored JSON that no longer reads is shown empty; `replay` then reports a mismatch.
    fn into_round(self) -> Round {
        Round {
            targets: serde_json::from_str(&self.targets_json).unwrap_or_default(),
            inspectors: serde_json::from_str(&self.inspectors_json).unwrap_or_default(),
            result: serde_json::from_str(&self.result_json).unwrap_or_default(),
            raw: RawJson {
                result: self.result_json,
            },
            id: self.id,
            node_code: self.node_code,
            node_name: self.node_name,
            path: self.path,
            quarter: self.quarter,
            title: self.title,
            share_pct: self.target_share_pct,
            per_target: self.inspectors_per_target,
            algorithm: self.algorithm,
            seed: self.seed,
            result_hash: self.result_hash,
            drawn_by_name: self.drawn_by_name,
            created_at: self.created_at,
        }
    }
}

macro_rules! round_sql {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, n.code AS node_code, n.name AS node_name, r.path, r.quarter, r.title, ",
            "r.target_share_pct, r.inspectors_per_target, r.algorithm, r.seed, r.targets_json, ",
            "r.inspectors_json, r.result_json, r.result_hash, r.drawn_by_name, r.created_at ",
            "FROM draw_rounds r JOIN nodes n ON n.id = r.node_id ",
            $rest
        )
    };
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    id: i64,
    code: String,
    path: String,
    village_path: String,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    path: String,
}

/// A person of the inspector pool, with the name pages show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub path: String,
}

/// The grids a round at this township draws from, sorted by code.
pub async fn target_pool(h: &mut Handle<'_>, township: &Node) -> Result<Vec<Target>, Error> {
    let rows = q!(
        h,
        fetch_all,
        TargetRow,
        "SELECT g.id, g.code, g.path, v.path AS village_path FROM nodes g \
         JOIN nodes v ON v.id = g.parent_id \
         WHERE g.kind = 'grid' AND g.path LIKE $1 AND g.retired_at IS NULL ORDER BY g.code",
        format!("{}%", township.path)
    )
    .map_err(sql_error)?;
    Ok(rows
        .into_iter()
        .map(|r| Target {
            id: r.id,
            code: r.code,
            path: r.path,
            village_path: r.village_path,
        })
        .collect())
}

/// Everyone who may be drawn to inspect at this township: active users attached to it or
/// below whose role holds `Inspect`, sorted by id.
pub async fn candidates(h: &mut Handle<'_>, township: &Node) -> Result<Vec<Candidate>, Error> {
    let rows = q!(
        h,
        fetch_all,
        PersonRow,
        "SELECT u.id, u.username, u.display_name, u.role, n.path FROM users u \
         JOIN nodes n ON n.id = u.node_id WHERE u.active AND n.path LIKE $1 ORDER BY u.id",
        format!("{}%", township.path)
    )
    .map_err(sql_error)?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            Role::parse(&r.role).is_some_and(|role| permission::may(role, Permission::Inspect))
        })
        .map(|r| Candidate {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            path: r.path,
        })
        .collect())
}

/// A round to hold.
pub struct NewRound<'a> {
    pub township: &'a Node,
    pub quarter: Quarter,
    pub title: &'a str,
    pub params: Params,
    /// The people the caller picked for the inspector pool; `None` takes every candidate.
    pub picked: Option<&'a [i64]>,
    /// The day of the draw (China time): the day of the round's inspections.
    pub today: Date,
}

/// Checks what does not need the database.
pub fn check(new: &NewRound<'_>) -> Result<(), Error> {
    if new.township.kind != NodeKind::Township {
        return Err(err!("assess.draw_node"));
    }
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(err!("assess.draw_title", max = TITLE_MAX));
    }
    draw::check_params(new.params)
}

/// Holds a round (see the module's documentation); its id. Run inside the caller's
/// transaction: any refusal leaves nothing written.
pub async fn hold(
    h: &mut Handle<'_>,
    actor: &Actor,
    new: &NewRound<'_>,
    now: i64,
) -> Result<i64, Error> {
    let seed = random_secret()?;
    hold_with_seed(h, actor, new, &seed, now).await
}

/// `hold` with a given seed (tests, and anyone who must publish the seed beforehand).
pub async fn hold_with_seed(
    h: &mut Handle<'_>,
    actor: &Actor,
    new: &NewRound<'_>,
    seed: &str,
    now: i64,
) -> Result<i64, Error> {
    check(new)?;
    let targets = target_pool(h, new.township).await?;
    let mut people = candidates(h, new.township).await?;
    if let Some(picked) = new.picked {
        if picked.len() > PICK_MAX {
            return Err(err!(
                "request.invalid",
                reason = format!("at most {PICK_MAX} people")
            ));
        }
        if let Some(bad) = picked
            .iter()
            .find(|id| !people.iter().any(|c| c.id == **id))
        {
            return Err(err!("assess.draw_inspector_unknown", id = bad));
        }
        people.retain(|c| picked.contains(&c.id));
    }
    let inspectors: Vec<Inspector> = people
        .iter()
        .map(|c| Inspector {
            id: c.id,
            username: c.username.clone(),
            path: c.path.clone(),
        })
        .collect();
    let result = draw::draw(&targets, &inspectors, new.params, seed)?;
    let result_json = to_json(&result);
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO draw_rounds (node_id, path, quarter, title, target_share_pct, \
         inspectors_per_target, algorithm, seed, targets_json, inspectors_json, result_json, \
         result_hash, drawn_by, drawn_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        new.township.id,
        &new.township.path,
        new.quarter.to_string(),
        new.title.trim(),
        i64::from(new.params.share_pct),
        i64::from(new.params.per_target),
        ALGORITHM,
        seed,
        to_json(&targets),
        to_json(&inspectors),
        &result_json,
        sha256_hex(&result_json),
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    for d in &result {
        let Some(t) = targets.iter().find(|t| t.id == d.target_id) else {
            continue;
        };
        let first = d
            .inspectors
            .first()
            .and_then(|i| people.iter().find(|c| c.id == *i));
        q!(
            h,
            execute,
            "INSERT INTO inspections (node_id, path, kind, round_id, quarter, day, summary, \
             inspector_id, inspector_name, created_at) \
             VALUES ($1, $2, 'random', $3, $4, $5, '', $6, $7, $8)",
            t.id,
            &t.path,
            id,
            new.quarter.to_string(),
            new.today.to_string(),
            first.map(|c| c.id),
            first.map(|c| c.display_name.clone()).unwrap_or_default(),
            now
        )
        .map_err(sql_error)?;
    }
    // JSON, so the audit page names each field in its own language.
    let detail = serde_json::json!({
        "node": new.township.code, "quarter": new.quarter.to_string(),
        "share_pct": new.params.share_pct, "per_target": new.params.per_target,
        "targets": result.len(),
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "draw_round",
            subject_table: "draw_rounds",
            subject_id: Some(id),
            column_name: None,
            reason: new.title.trim(),
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// The kept values are plain data, so serialising them cannot fail; an empty array stands in
/// if it ever did (and `replay` would then report the round).
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_string())
}

/// A round inside the caller's scope; not found otherwise.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Round, Error> {
    let row: Option<Row> = q!(
        h,
        fetch_optional,
        Row,
        round_sql!("WHERE r.id = $1 AND r.path LIKE $2"),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?;
    row.map(Row::into_round)
        .ok_or_else(|| err!("assess.draw_not_found", id))
}

/// The rounds in the caller's scope, newest first.
pub async fn list(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<Round>, Error> {
    let rows = q!(
        h,
        fetch_all,
        Row,
        round_sql!("WHERE r.path LIKE $1 ORDER BY r.id DESC LIMIT $2"),
        scope.like_pattern(),
        LIST_LIMIT
    )
    .map_err(sql_error)?;
    Ok(rows.into_iter().map(Row::into_round).collect())
}

/// Re-runs a round from its kept pools, parameters and seed: true when the algorithm is the
/// one this program runs, the result is the same, and the kept hash is the result's.
pub fn replay(r: &Round) -> bool {
    if r.algorithm != ALGORITHM || sha256_hex(&r.raw.result) != r.result_hash {
        return false;
    }
    let (Ok(share_pct), Ok(per_target)) = (u32::try_from(r.share_pct), u32::try_from(r.per_target))
    else {
        return false;
    };
    let Ok(kept) = serde_json::from_str::<Vec<Drawn>>(&r.raw.result) else {
        return false;
    };
    let params = Params {
        share_pct,
        per_target,
    };
    draw::draw(&r.targets, &r.inspectors, params, &r.seed).is_ok_and(|again| again == kept)
}

/// Every round, re-run (for `wangge verify`): how many were checked and the ids of those whose
/// re-run differs. Reads in pages so a long history does not sit in memory at once.
pub async fn verify_all(h: &mut Handle<'_>) -> Result<(usize, Vec<i64>), Error> {
    let mut checked = 0;
    let mut bad = Vec::new();
    let mut after = 0i64;
    loop {
        let rows = q!(
            h,
            fetch_all,
            Row,
            round_sql!("WHERE r.id > $1 ORDER BY r.id LIMIT 100"),
            after
        )
        .map_err(sql_error)?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        after = last;
        for r in rows.into_iter().map(Row::into_round) {
            checked += 1;
            if !replay(&r) {
                bad.push(r.id);
            }
        }
    }
    Ok((checked, bad))
}
