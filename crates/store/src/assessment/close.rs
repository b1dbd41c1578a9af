//! Closing a township's quarter and correcting its results: append-only, hash-chained rows
//! (`assess_quarters`, `assess_results`).
//!
//! **The chain.** Each closed quarter is one chain. Its anchor is the quarter's own hash,
//! computed (not stored) over the `assess_quarters` row's fields ([`quarter_hash`]), so the
//! rules copy and the subsidy are covered too: row `seq` 1 links to it, row `seq` n+1 to row n.
//! A row's `hash` is SHA-256 over `prev_hash` and, in this order, quarter_id, seq, quarter,
//! user_id, user_name, grid_id, path, kind, corrects_id, reason, total_centi, basic_centi,
//! satisfaction_centi, grade, rank, pay_cents, unqualified_streak, not_reengage, veto,
//! sheet_json, created_by, created_by_name, created_at ([`result_hash`]); each field is
//! length-prefixed and an absent optional differs from an empty one, as the audit log's are.
//!
//! **Corrections.** A corrected score can move others: the excellent share is capped and the
//! reward pool is shared by the excellent. So [`correct`] appends the corrected worker's row,
//! then grades the township's results in force again and appends a `correction` row for every
//! other worker whose grade, rank, pay or streak changed, its reason naming the first
//! correction. The quarter row keeps the pool of the close (it is append-only); the pool in
//! force is what the rows in force were paid from.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::assessment::grade::{self, Entry, Grade, Outcome};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::{Centi, Scheme};
use wangge_domain::assessment::score::{self, Sheet};
use wangge_domain::{Error, NodeKind, Scope, err};

use super::{measures, rules};
use crate::audit::{self, Actor};
use crate::basic::Arg;
use crate::db::{Handle, sql_error};
use crate::nodes::Node;
use crate::seal::KeyRing;
use crate::workbench::logins::china_day;

/// Serialises appends to one quarter's chain on PostgreSQL (the unique seq refuses a fork on
/// either backend; SQLite's write lock already serialises).
const PG_LOCK: i64 = 7_426_816;
/// The largest subsidy per worker and quarter taken (1,000,000 yuan): above is a typing slip.
pub const MAX_SUBSIDY_CENTS: i64 = 100_000_000;
/// The longest reason of a correction.
pub const MAX_REASON: usize = 500;
/// The cause of a notice of criticism drafted at close (`criticism_notices.cause`).
pub const NOTICE_CAUSE: &str = "assessment_unqualified";
/// Rows per INSERT statement (26 binds each: under both backends' bind limits).
const BATCH: usize = 200;

const RESULT_COLUMNS: &str = "id, quarter_id, seq, quarter, user_id, user_name, grid_id, path, kind, \
    corrects_id, reason, total_centi, basic_centi, satisfaction_centi, grade, rank, pay_cents, \
    unqualified_streak, not_reengage, veto, sheet_json, created_by, created_by_name, created_at, \
    prev_hash, hash";

/// One row of `assess_results`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ResultRow {
    pub id: i64,
    pub quarter_id: i64,
    pub seq: i64,
    pub quarter: String,
    pub user_id: i64,
    pub user_name: String,
    pub grid_id: Option<i64>,
    pub path: String,
    pub kind: String,
    pub corrects_id: Option<i64>,
    pub reason: String,
    pub total_centi: i64,
    pub basic_centi: i64,
    pub satisfaction_centi: i64,
    pub grade: String,
    pub rank: i64,
    pub pay_cents: i64,
    pub unqualified_streak: i64,
    pub not_reengage: bool,
    pub veto: Option<String>,
    #[serde(skip)]
    pub sheet_json: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: i64,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

impl ResultRow {
    /// The sheet kept with the row (None only if the row was edited into nonsense).
    pub fn sheet(&self) -> Option<Sheet> {
        serde_json::from_str(&self.sheet_json).ok()
    }
}

/// One row of `assess_quarters`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct QuarterRow {
    pub id: i64,
    pub node_id: i64,
    pub path: String,
    pub quarter: String,
    pub rules_id: Option<i64>,
    #[serde(skip)]
    pub rules_json: String,
    pub subsidy_cents: i64,
    pub reward_pool_cents: i64,
    pub workers: i64,
    pub closed_by: Option<i64>,
    pub closed_by_name: String,
    pub closed_at: i64,
}

impl QuarterRow {
    pub fn scheme(&self) -> Result<Scheme, Error> {
        serde_json::from_str(&self.rules_json).map_err(|e| {
            err!(
                "internal",
                detail = format!("quarter {}: rules: {e}", self.id)
            )
        })
    }
}

const QUARTER_COLUMNS: &str = "id, node_id, path, quarter, rules_id, rules_json, subsidy_cents, \
    reward_pool_cents, workers, closed_by, closed_by_name, closed_at";

/// What a close did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closed {
    pub quarter_id: i64,
    pub quarter: String,
    pub node_code: String,
    pub node_name: String,
    pub workers: i64,
    pub excellent: i64,
    pub unqualified: i64,
    pub reward_pool_cents: i64,
    pub notices: u64,
}

fn field(h: &mut Sha256, bytes: Option<&[u8]>) {
    match bytes {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
    }
}

/// The anchor of a quarter's chain: SHA-256 over the quarter row's fields, hex.
pub fn quarter_hash(q: &QuarterRow) -> String {
    let mut h = Sha256::new();
    field(&mut h, Some(b"wangge.assess_quarter.v1"));
    for v in [q.id, q.node_id] {
        field(&mut h, Some(v.to_string().as_bytes()));
    }
    field(&mut h, Some(q.path.as_bytes()));
    field(&mut h, Some(q.quarter.as_bytes()));
    field(
        &mut h,
        q.rules_id
            .map(|v| v.to_string())
            .as_deref()
            .map(str::as_bytes),
    );
    field(&mut h, Some(q.rules_json.as_bytes()));
    for v in [q.subsidy_cents, q.reward_pool_cents, q.workers] {
        field(&mut h, Some(v.to_string().as_bytes()));
    }
    field(
        &mut h,
        q.closed_by
            .map(|v| v.to_string())
            .as_deref()
            .map(str::as_bytes),
    );
    field(&mut h, Some(q.closed_by_name.as_bytes()));
    field(&mut h, Some(q.closed_at.to_string().as_bytes()));
    hex::encode(h.finalize())
}

/// A result row's hash over `prev_hash` and its fields in the documented order (the row's own
/// `id` is not covered: it is given by the database; `seq` orders the chain).
pub fn result_hash(r: &ResultRow) -> String {
    let mut h = Sha256::new();
    let int = |v: i64| v.to_string();
    let opt = |v: Option<i64>| v.map(|v| v.to_string());
    field(&mut h, Some(b"wangge.assess_result.v1"));
    field(&mut h, Some(r.prev_hash.as_bytes()));
    field(&mut h, Some(int(r.quarter_id).as_bytes()));
    field(&mut h, Some(int(r.seq).as_bytes()));
    field(&mut h, Some(r.quarter.as_bytes()));
    field(&mut h, Some(int(r.user_id).as_bytes()));
    field(&mut h, Some(r.user_name.as_bytes()));
    field(&mut h, opt(r.grid_id).as_deref().map(str::as_bytes));
    field(&mut h, Some(r.path.as_bytes()));
    field(&mut h, Some(r.kind.as_bytes()));
    field(&mut h, opt(r.corrects_id).as_deref().map(str::as_bytes));
    field(&mut h, Some(r.reason.as_bytes()));
    for v in [r.total_centi, r.basic_centi, r.satisfaction_centi] {
        field(&mut h, Some(int(v).as_bytes()));
    }
    field(&mut h, Some(r.grade.as_bytes()));
    for v in [r.rank, r.pay_cents, r.unqualified_streak] {
        field(&mut h, Some(int(v).as_bytes()));
    }
    field(&mut h, Some(if r.not_reengage { b"1" } else { b"0" }));
    field(&mut h, r.veto.as_deref().map(str::as_bytes));
    field(&mut h, Some(r.sheet_json.as_bytes()));
    field(&mut h, opt(r.created_by).as_deref().map(str::as_bytes));
    field(&mut h, Some(r.created_by_name.as_bytes()));
    field(&mut h, Some(int(r.created_at).as_bytes()));
    hex::encode(h.finalize())
}

#[derive(sqlx::FromRow)]
struct Worker {
    id: i64,
    display_name: String,
    node_id: i64,
    path: String,
}

/// The active grid workers under a township, by name then id.
async fn workers(h: &mut Handle<'_>, prefix: &str) -> Result<Vec<Worker>, Error> {
    q!(
        h,
        fetch_all,
        Worker,
        "SELECT u.id, u.display_name, u.node_id, n.path FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.role = 'worker' AND u.active = $1 AND n.path LIKE $2 ORDER BY u.id",
        true,
        format!("{prefix}%")
    )
    .map_err(sql_error)
}

#[derive(sqlx::FromRow)]
struct Streak {
    user_id: i64,
    unqualified_streak: i64,
}

/// Each worker's streak of unqualified quarters up to `quarter` (their result in force of that
/// quarter; none closed counts 0), for the workers now under `prefix`.
async fn streaks(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<HashMap<i64, u32>, Error> {
    let rows = q!(
        h,
        fetch_all,
        Streak,
        "SELECT r.user_id, r.unqualified_streak FROM assess_results r \
         WHERE r.quarter = $1 AND r.user_id IN (SELECT u.id FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE n.path LIKE $2) ORDER BY r.id",
        quarter.to_string(),
        format!("{prefix}%")
    )
    .map_err(sql_error)?;
    // Ordered by id, so the last row of a worker (the one in force) wins.
    Ok(rows
        .into_iter()
        .map(|r| (r.user_id, u32::try_from(r.unqualified_streak).unwrap_or(0)))
        .collect())
}

fn entry_of(user_id: i64, sheet: &Sheet, unqualified_before: u32) -> Entry {
    Entry {
        user_id,
        total_100: sheet.total_100,
        basic: sheet.basic,
        satisfaction: sheet.satisfaction,
        vetoed: sheet.veto.is_some(),
        unqualified_before,
    }
}

/// The notice drafted for a worker unqualified `streak` quarters running.
fn notice_body(name: &str, quarter: &str, streak: u32) -> String {
    format!(
        "{name}同志{quarter}季度考核不合格,已连续{streak}个季度不合格。根据网格员考核办法,拟予以通报批评。"
    )
}

async fn draft_notice(
    h: &mut Handle<'_>,
    user_id: i64,
    name: &str,
    path: &str,
    quarter: &str,
    streak: u32,
    now: i64,
) -> Result<u64, Error> {
    q!(
        h,
        execute,
        "INSERT INTO criticism_notices (user_id, user_name, path, period, cause, body, status, decision_note, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', '', $7) \
         ON CONFLICT (user_id, period, cause) DO NOTHING",
        user_id,
        name,
        path,
        quarter,
        NOTICE_CAUSE,
        notice_body(name, quarter, streak),
        now
    )
    .map_err(sql_error)
}

/// Appends rows (their hashes already set) in batches.
async fn insert_rows(h: &mut Handle<'_>, rows: &[ResultRow]) -> Result<(), Error> {
    const COLS: &str = "quarter_id, seq, quarter, user_id, user_name, grid_id, path, kind, corrects_id, \
        reason, total_centi, basic_centi, satisfaction_centi, grade, rank, pay_cents, unqualified_streak, \
        not_reengage, veto, sheet_json, created_by, created_by_name, created_at, prev_hash, hash";
    const N: usize = 25;
    for chunk in rows.chunks(BATCH) {
        let mut sql = format!("INSERT INTO assess_results ({COLS}) VALUES ");
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * N);
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for k in 0..N {
                if k > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * N + k + 1));
            }
            sql.push(')');
            args.extend([
                Arg::from(r.quarter_id),
                r.seq.into(),
                r.quarter.as_str().into(),
                r.user_id.into(),
                r.user_name.as_str().into(),
                r.grid_id.into(),
                r.path.as_str().into(),
                r.kind.as_str().into(),
                r.corrects_id.into(),
                r.reason.as_str().into(),
                r.total_centi.into(),
                r.basic_centi.into(),
                r.satisfaction_centi.into(),
                r.grade.as_str().into(),
                r.rank.into(),
                r.pay_cents.into(),
                r.unqualified_streak.into(),
                r.not_reengage.into(),
                r.veto.as_deref().into(),
                r.sheet_json.as_str().into(),
                r.created_by.into(),
                r.created_by_name.as_str().into(),
                r.created_at.into(),
                r.prev_hash.as_str().into(),
                r.hash.as_str().into(),
            ]);
        }
        crate::basic::execute(h, sql, args).await?;
    }
    Ok(())
}

/// Fills a row's outcome fields.
fn apply_outcome(r: &mut ResultRow, o: &Outcome) {
    r.grade = o.grade.as_str().to_string();
    r.rank = i64::from(o.rank);
    r.pay_cents = o.pay_cents;
    r.unqualified_streak = i64::from(o.unqualified_streak);
    r.not_reengage = o.not_reengage;
}

/// Closes `township`'s `quarter`: judges every active worker under it by the rules in force and
/// writes the quarter and one chained result per worker; drafts a notice of criticism for each
/// worker whose outcome calls for one; audited. The caller checked the township is in its scope
/// and the actor's permission (Assess), and runs this in a transaction: on any error nothing is
/// written.
#[allow(clippy::too_many_arguments)]
pub async fn close_quarter(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    township: &Node,
    quarter: Quarter,
    subsidy_cents: i64,
    actor: &Actor,
    now: i64,
) -> Result<Closed, Error> {
    if township.kind != NodeKind::Township {
        return Err(err!("assess.close_not_township", code = township.code));
    }
    if subsidy_cents <= 0 || subsidy_cents > MAX_SUBSIDY_CENTS {
        return Err(err!(
            "assess.subsidy_invalid",
            value = subsidy_cents,
            max = MAX_SUBSIDY_CENTS
        ));
    }
    if china_day(now)? <= quarter.end() {
        return Err(err!(
            "assess.quarter_not_ended",
            quarter = quarter,
            end = quarter.end()
        ));
    }
    let qtext = quarter.to_string();
    let closed: Option<i64> = q!(
        h,
        scalar fetch_optional,
        i64,
        "SELECT id FROM assess_quarters WHERE node_id = $1 AND quarter = $2",
        township.id,
        &qtext
    )
    .map_err(sql_error)?;
    if closed.is_some() {
        return Err(err!(
            "assess.quarter_closed",
            quarter = qtext,
            node = township.name
        ));
    }
    let (rules_id, scheme) = rules::in_force(h, &township.path, quarter).await?;
    let rules_json = serde_json::to_string(&scheme)
        .map_err(|e| err!("internal", detail = format!("rules: {e}")))?;
    let today = quarter.end().add_days(1).unwrap_or(quarter.end());
    let mut measured = measures::collect(h, keys, &township.path, quarter, today).await?;
    let staff = workers(h, &township.path).await?;
    let before = streaks(h, &township.path, quarter.prev()).await?;

    // Score each worker; measures are dropped as they are scored, so only sheets stay.
    let mut sheets: Vec<Sheet> = Vec::with_capacity(staff.len());
    let mut entries: Vec<Entry> = Vec::with_capacity(staff.len());
    for w in &staff {
        let m = measured.remove(&w.id).unwrap_or_default();
        let sheet = score::score(&scheme, &m);
        entries.push(entry_of(
            w.id,
            &sheet,
            before.get(&w.id).copied().unwrap_or(0),
        ));
        sheets.push(sheet);
    }
    drop(measured);
    let (outcomes, pool) = grade::grade_all(&scheme, &entries, subsidy_cents);
    drop(entries);
    let by_user: HashMap<i64, &Outcome> = outcomes.iter().map(|o| (o.user_id, o)).collect();

    let workers_n = i64::try_from(staff.len()).unwrap_or(i64::MAX);
    let quarter_id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO assess_quarters (node_id, path, quarter, rules_id, rules_json, subsidy_cents, \
         reward_pool_cents, workers, closed_by, closed_by_name, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        township.id,
        &township.path,
        &qtext,
        rules_id,
        &rules_json,
        subsidy_cents,
        pool,
        workers_n,
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    let qrow = QuarterRow {
        id: quarter_id,
        node_id: township.id,
        path: township.path.clone(),
        quarter: qtext.clone(),
        rules_id,
        rules_json,
        subsidy_cents,
        reward_pool_cents: pool,
        workers: workers_n,
        closed_by: actor.user_id,
        closed_by_name: actor.name.clone(),
        closed_at: now,
    };
    let mut prev = quarter_hash(&qrow);
    let mut out = Closed {
        quarter_id,
        quarter: qtext.clone(),
        node_code: township.code.clone(),
        node_name: township.name.clone(),
        workers: workers_n,
        excellent: 0,
        unqualified: 0,
        reward_pool_cents: pool,
        notices: 0,
    };
    let mut batch: Vec<ResultRow> = Vec::with_capacity(BATCH);
    for (i, (w, sheet)) in staff.iter().zip(sheets).enumerate() {
        let o = by_user.get(&w.id).ok_or_else(|| {
            err!(
                "internal",
                detail = format!("no outcome for worker {}", w.id)
            )
        })?;
        let mut r = ResultRow {
            id: 0,
            quarter_id,
            seq: i64::try_from(i).unwrap_or(0) + 1,
            quarter: qtext.clone(),
            user_id: w.id,
            user_name: w.display_name.clone(),
            grid_id: Some(w.node_id),
            path: w.path.clone(),
            kind: "close".into(),
            corrects_id: None,
            reason: String::new(),
            total_centi: sheet.total,
            basic_centi: sheet.basic,
            satisfaction_centi: sheet.satisfaction,
            grade: String::new(),
            rank: 0,
            pay_cents: 0,
            unqualified_streak: 0,
            not_reengage: false,
            veto: sheet.veto.clone(),
            sheet_json: serde_json::to_string(&sheet)
                .map_err(|e| err!("internal", detail = format!("sheet: {e}")))?,
            created_by: actor.user_id,
            created_by_name: actor.name.clone(),
            created_at: now,
            prev_hash: prev,
            hash: String::new(),
        };
        apply_outcome(&mut r, o);
        r.hash = result_hash(&r);
        prev = r.hash.clone();
        match o.grade {
            Grade::Excellent => out.excellent += 1,
            Grade::Unqualified => out.unqualified += 1,
            Grade::Qualified => {}
        }
        if o.notice {
            out.notices += draft_notice(
                h,
                w.id,
                &w.display_name,
                &w.path,
                &qtext,
                o.unqualified_streak,
                now,
            )
            .await?;
        }
        batch.push(r);
        if batch.len() == BATCH {
            insert_rows(h, &batch).await?;
            batch.clear();
        }
    }
    insert_rows(h, &batch).await?;
    let detail = serde_json::json!({
        "node": township.code, "quarter": qtext, "workers": workers_n,
        "subsidy_cents": subsidy_cents, "reward_pool_cents": pool,
    });
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "assess_close",
            subject_table: "assess_quarters",
            subject_id: Some(quarter_id),
            column_name: None,
            reason: "",
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    Ok(out)
}

/// What a correction changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A whole new sheet (its item, basic and total points are recomputed from its deductions).
    Sheet(Sheet),
    /// One deduction (item key and measure) brought down to `count` (0 removes it).
    Deduction {
        item_key: String,
        measure: String,
        count: i64,
    },
}

/// Recomputes a sheet's points from its deductions' counts as `score` does (each deduction
/// `per` × count, an item never below 0) and its total from basic plus the satisfaction kept.
pub fn rescore(scheme: &Scheme, mut sheet: Sheet) -> Sheet {
    let mut basic: Centi = 0;
    for item in &mut sheet.items {
        let mut lost: Centi = 0;
        for d in &mut item.deductions {
            d.count = d.count.max(0);
            d.lost = d.per.saturating_mul(d.count);
            lost = lost.saturating_add(d.lost);
        }
        item.lost = lost.clamp(0, item.points.max(0));
        item.score = item.points - item.lost;
        basic += item.score;
    }
    sheet.basic = basic;
    sheet.total = basic + sheet.satisfaction;
    sheet.total_100 = if scheme.total > 0 {
        sheet.total.saturating_mul(10_000) / scheme.total
    } else {
        0
    };
    sheet
}

/// A quarter row by id, inside `scope` (else "not found", as if it did not exist).
pub async fn quarter(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<QuarterRow, Error> {
    let sql =
        format!("SELECT {QUARTER_COLUMNS} FROM assess_quarters WHERE id = $1 AND path LIKE $2");
    q!(
        h,
        fetch_optional,
        QuarterRow,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("assess.closed_quarter_not_found", id))
}

/// Closed quarters in `scope`, newest first.
pub async fn quarters(
    h: &mut Handle<'_>,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<QuarterRow>, Error> {
    let sql = format!(
        "SELECT {QUARTER_COLUMNS} FROM assess_quarters WHERE path LIKE $1 ORDER BY quarter DESC, path LIMIT $2"
    );
    q!(
        h,
        fetch_all,
        QuarterRow,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        limit.clamp(1, 1000)
    )
    .map_err(sql_error)
}

/// One result row by id, inside `scope`.
pub async fn result(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<ResultRow, Error> {
    let sql = format!("SELECT {RESULT_COLUMNS} FROM assess_results WHERE id = $1 AND path LIKE $2");
    q!(
        h,
        fetch_optional,
        ResultRow,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("assess.result_not_found", id))
}

/// Every row of a quarter's chain, in chain order.
pub async fn chain(h: &mut Handle<'_>, quarter_id: i64) -> Result<Vec<ResultRow>, Error> {
    let sql =
        format!("SELECT {RESULT_COLUMNS} FROM assess_results WHERE quarter_id = $1 ORDER BY seq");
    q!(
        h,
        fetch_all,
        ResultRow,
        sqlx::AssertSqlSafe(sql),
        quarter_id
    )
    .map_err(sql_error)
}

/// The results in force of a closed quarter (each worker's newest row), by rank.
pub async fn in_force(h: &mut Handle<'_>, quarter_id: i64) -> Result<Vec<ResultRow>, Error> {
    let mut last: HashMap<i64, ResultRow> = HashMap::new();
    for r in chain(h, quarter_id).await? {
        last.insert(r.user_id, r);
    }
    let mut rows: Vec<ResultRow> = last.into_values().collect();
    rows.sort_by_key(|r| (r.rank, r.user_id));
    Ok(rows)
}

/// A worker's result in force for a quarter, if it is closed (newest row).
pub async fn in_force_of(
    h: &mut Handle<'_>,
    user_id: i64,
    quarter: Quarter,
) -> Result<Option<ResultRow>, Error> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM assess_results WHERE user_id = $1 AND quarter = $2 ORDER BY id DESC LIMIT 1"
    );
    q!(
        h,
        fetch_optional,
        ResultRow,
        sqlx::AssertSqlSafe(sql),
        user_id,
        quarter.to_string()
    )
    .map_err(sql_error)
}

/// Corrects a result: appends a `correction` row for its worker with the changed sheet and the
/// score recomputed, then grades the township's results in force again and appends a row for
/// each other worker whose grade, rank, pay or streak moved (see the module's note). Only the
/// row in force may be corrected. Runs in the caller's transaction; audited. Returns the new
/// row of the corrected worker and how many others were re-graded.
#[allow(clippy::too_many_arguments)]
pub async fn correct(
    h: &mut Handle<'_>,
    scope: &Scope,
    result_id: i64,
    change: Change,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> Result<(ResultRow, usize), Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(err!("assess.reason_required"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(err!("assess.reason_too_long", max = MAX_REASON));
    }
    let target = result(h, scope, result_id).await?;
    h.lock_chain(PG_LOCK).await?;
    let qrow = quarter(h, &Scope::of_path("/"), target.quarter_id).await?;
    let scheme = qrow.scheme()?;
    let rows = in_force(h, qrow.id).await?;
    if !rows.iter().any(|r| r.id == target.id) {
        return Err(err!("assess.result_superseded", id = result_id));
    }
    let old = target
        .sheet()
        .ok_or_else(|| err!("internal", detail = format!("result {result_id}: sheet")))?;
    let new_sheet = match change {
        Change::Sheet(s) => rescore(&scheme, s),
        Change::Deduction {
            item_key,
            measure,
            count,
        } => {
            let mut s = old.clone();
            let d = s
                .items
                .iter_mut()
                .filter(|i| i.key == item_key)
                .flat_map(|i| i.deductions.iter_mut())
                .find(|d| d.measure == measure)
                .ok_or_else(|| {
                    err!(
                        "assess.deduction_not_found",
                        item = item_key,
                        measure = measure
                    )
                })?;
            if count < 0 || count > d.count {
                return Err(err!("assess.count_invalid", value = count, max = d.count));
            }
            d.count = count;
            d.evidence.truncate(usize::try_from(count).unwrap_or(0));
            rescore(&scheme, s)
        }
    };
    let quarter =
        Quarter::parse(&qrow.quarter).ok_or_else(|| err!("internal", detail = "quarter key"))?;
    let before = streaks(h, &qrow.path, quarter.prev()).await?;
    let mut sheets: HashMap<i64, Sheet> = HashMap::new();
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let sheet = if r.id == target.id {
            new_sheet.clone()
        } else {
            r.sheet()
                .ok_or_else(|| err!("internal", detail = format!("result {}: sheet", r.id)))?
        };
        entries.push(entry_of(
            r.user_id,
            &sheet,
            before.get(&r.user_id).copied().unwrap_or(0),
        ));
        sheets.insert(r.user_id, sheet);
    }
    let (outcomes, _pool) = grade::grade_all(&scheme, &entries, qrow.subsidy_cents);
    let by_user: HashMap<i64, &Outcome> = outcomes.iter().map(|o| (o.user_id, o)).collect();

    let last: Option<(i64, String)> = {
        #[derive(sqlx::FromRow)]
        struct Tail {
            seq: i64,
            hash: String,
        }
        q!(
            h,
            fetch_optional,
            Tail,
            "SELECT seq, hash FROM assess_results WHERE quarter_id = $1 ORDER BY seq DESC LIMIT 1",
            qrow.id
        )
        .map_err(sql_error)?
        .map(|t| (t.seq, t.hash))
    };
    let (mut seq, mut prev) = last.unwrap_or_else(|| (0, quarter_hash(&qrow)));
    let mut new_rows: Vec<ResultRow> = Vec::new();
    let mut changed = 0usize;
    let others_reason = format!("随成绩 #{result_id} 更正重新评定:{reason}");
    // The corrected worker first, then the others it moved, by rank.
    let mut order: Vec<&ResultRow> = rows.iter().collect();
    order.sort_by_key(|r| (r.id != target.id, r.rank));
    for r in order {
        let o = by_user
            .get(&r.user_id)
            .ok_or_else(|| err!("internal", detail = format!("no outcome for {}", r.user_id)))?;
        let mut n = r.clone();
        apply_outcome(&mut n, o);
        let is_target = r.id == target.id;
        let moved = n.grade != r.grade
            || n.rank != r.rank
            || n.pay_cents != r.pay_cents
            || n.unqualified_streak != r.unqualified_streak
            || n.not_reengage != r.not_reengage;
        if !is_target && !moved {
            continue;
        }
        if !is_target {
            changed += 1;
        }
        let sheet = sheets
            .get(&r.user_id)
            .cloned()
            .unwrap_or_else(|| old.clone());
        seq += 1;
        n.id = 0;
        n.seq = seq;
        n.kind = "correction".into();
        n.corrects_id = Some(r.id);
        n.reason = if is_target {
            reason.to_string()
        } else {
            others_reason.clone()
        };
        n.total_centi = sheet.total;
        n.basic_centi = sheet.basic;
        n.satisfaction_centi = sheet.satisfaction;
        n.veto = sheet.veto.clone();
        n.sheet_json = serde_json::to_string(&sheet)
            .map_err(|e| err!("internal", detail = format!("sheet: {e}")))?;
        n.created_by = actor.user_id;
        n.created_by_name = actor.name.clone();
        n.created_at = now;
        n.prev_hash = prev;
        n.hash = result_hash(&n);
        prev = n.hash.clone();
        if o.notice && r.grade != Grade::Unqualified.as_str() {
            draft_notice(
                h,
                n.user_id,
                &n.user_name,
                &n.path,
                &n.quarter,
                o.unqualified_streak,
                now,
            )
            .await?;
        }
        new_rows.push(n);
    }
    insert_rows(h, &new_rows).await?;
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM assess_results WHERE quarter_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT 1"
    );
    let row = q!(
        h,
        fetch_one,
        ResultRow,
        sqlx::AssertSqlSafe(sql),
        qrow.id,
        target.user_id
    )
    .map_err(sql_error)?;
    let detail = serde_json::json!({
        "corrects": result_id, "user_id": target.user_id, "quarter": qrow.quarter,
        "total_centi": row.total_centi, "regraded": changed,
    });
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "assess_correct",
            subject_table: "assess_results",
            subject_id: Some(row.id),
            column_name: None,
            reason,
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    Ok((row, changed))
}

/// A break found walking a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    pub quarter_id: i64,
    pub id: i64,
    pub reason: &'static str,
}

/// Walks every closed quarter's chain: the rows' links and hashes. Rows checked and breaks.
pub async fn verify(h: &mut Handle<'_>) -> Result<(u64, Vec<Break>), Error> {
    let sql = format!("SELECT {QUARTER_COLUMNS} FROM assess_quarters ORDER BY id");
    let quarters = q!(h, fetch_all, QuarterRow, sqlx::AssertSqlSafe(sql)).map_err(sql_error)?;
    let mut checked = 0u64;
    let mut breaks = Vec::new();
    for qr in &quarters {
        let mut prev = quarter_hash(qr);
        let mut expect_seq = 1;
        // One quarter at a time: a township's chain, a few thousand rows at most.
        for r in chain(h, qr.id).await? {
            checked += 1;
            if r.prev_hash != prev || r.seq != expect_seq {
                breaks.push(Break {
                    quarter_id: qr.id,
                    id: r.id,
                    reason: "the link to the previous row is broken: the quarter or a row before it was removed or changed",
                });
            }
            if result_hash(&r) != r.hash {
                breaks.push(Break {
                    quarter_id: qr.id,
                    id: r.id,
                    reason: "the row was changed after it was written",
                });
            }
            prev = r.hash.clone();
            expect_seq = r.seq + 1;
        }
    }
    Ok((checked, breaks))
}
