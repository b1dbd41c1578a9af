//! Inspections and findings (`inspections`, `inspection_findings`).
//!
//! Who: people whose role holds `Inspect`. An inspection is of a village or grid inside the
//! caller's scope; a self-check only by a grid leader of their own village. Inspections of a
//! 双随机 round are made by the round (`draws::hold`); the inspector a round named may open
//! and record on that inspection even when the grid lies outside their own scope (that is the
//! point of sending someone from elsewhere). Anyone else outside the scope gets "not found".
//!
//! A finding names a grid worker attached at or below the inspected node, a charge checked
//! against the rule set in force for that worker's grid and the inspection's quarter (the
//! caller passes the scheme: `rules::in_force`), a count, a note and evidence. Its quarter is
//! the inspection's: the quarter of the inspection day. Everything written is audited.

use serde::Serialize;
use wangge_domain::assessment::finding::{
    self, COUNT_MAX, Evidence, Kind, NOTE_MAX, check_charge, check_evidence,
};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Scheme;
use wangge_domain::calendar::Date;
use wangge_domain::{Error, NodeKind, Permission, Role, err};

use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::db::{Handle, sql_error};
use crate::nodes::Node;

/// The most inspections a list shows.
pub const LIST_LIMIT: i64 = 300;
/// The most findings one inspection holds.
pub const FINDINGS_MAX: i64 = 500;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub path: String,
    pub kind: String,
    pub round_id: Option<i64>,
    pub quarter: String,
    pub day: String,
    pub summary: String,
    pub inspector_id: Option<i64>,
    pub inspector_name: String,
    pub created_at: i64,
}

macro_rules! inspection_sql {
    ($rest:literal) => {
        concat!(
            "SELECT i.id, i.node_id, n.code AS node_code, n.name AS node_name, i.path, i.kind, ",
            "i.round_id, i.quarter, i.day, i.summary, i.inspector_id, i.inspector_name, ",
            "i.created_at FROM inspections i JOIN nodes n ON n.id = i.node_id ",
            $rest
        )
    };
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: i64,
    pub inspection_id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub path: String,
    pub quarter: String,
    pub item_key: String,
    pub measure: String,
    pub veto: Option<String>,
    pub count: i64,
    pub note: String,
    pub evidence: Vec<Evidence>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    inspection_id: i64,
    user_id: i64,
    user_name: String,
    path: String,
    quarter: String,
    item_key: String,
    measure: String,
    veto: Option<String>,
    count: i64,
    note: String,
    evidence_json: String,
    created_at: i64,
}

/// A grid worker who may be named in a finding.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Worker {
    pub id: i64,
    pub display_name: String,
    pub path: String,
}

fn forbidden_unless_inspector(p: &Principal) -> Result<(), Error> {
    if p.may(Permission::Inspect) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn too_long(field: &str, text: &str, max: usize) -> Result<(), Error> {
    if text.chars().count() > max {
        return Err(err!(
            "assess.inspection_text_long",
            field = field,
            max = max
        ));
    }
    Ok(())
}

/// An inspection to record by hand.
pub struct NewInspection<'a> {
    /// The inspected village or grid, already found inside the caller's scope.
    pub node: &'a Node,
    pub kind: Kind,
    pub day: Date,
    pub summary: &'a str,
}

/// Records an inspection; its id. Run inside the caller's transaction.
pub async fn create(
    h: &mut Handle<'_>,
    p: &Principal,
    new: &NewInspection<'_>,
    now: i64,
) -> Result<i64, Error> {
    forbidden_unless_inspector(p)?;
    if !matches!(new.node.kind, NodeKind::Village | NodeKind::Grid) {
        return Err(err!("assess.inspection_node"));
    }
    if !p.scope().contains(&new.node.path) {
        return Err(err!("node.not_found", code = new.node.code));
    }
    match new.kind {
        // Rounds make their own inspections.
        Kind::Random => {
            return Err(err!("assess.inspection_kind", value = new.kind.as_str()));
        }
        Kind::SelfCheck => {
            let own_village = p.role == Role::GridLeader
                && p.node_kind == NodeKind::Village
                && new.node.path.starts_with(&p.node_path);
            if !own_village {
                return Err(err!("assess.inspection_self_check"));
            }
        }
        _ => {}
    }
    let summary = new.summary.trim();
    too_long("summary", summary, NOTE_MAX)?;
    let quarter = Quarter::of(new.day).to_string();
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO inspections (node_id, path, kind, round_id, quarter, day, summary, \
         inspector_id, inspector_name, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9) RETURNING id",
        new.node.id,
        &new.node.path,
        new.kind.as_str(),
        &quarter,
        new.day.to_string(),
        summary,
        p.user_id,
        &p.display_name,
        now
    )
    .map_err(sql_error)?;
    let actor = Actor::user(p.user_id, p.display_name.clone());
    // JSON, so the audit page names each field in its own language.
    let detail = serde_json::json!({
        "kind": new.kind.as_str(), "node": new.node.code, "day": new.day.to_string(),
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor: &actor,
            action: "inspection",
            subject_table: "inspections",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// An inspection the caller may see: in their scope, or one a round sent them to.
pub async fn get(h: &mut Handle<'_>, p: &Principal, id: i64) -> Result<Inspection, Error> {
    forbidden_unless_inspector(p)?;
    let row: Option<Inspection> = q!(
        h,
        fetch_optional,
        Inspection,
        inspection_sql!("WHERE i.id = $1 AND (i.path LIKE $2 OR i.inspector_id = $3)"),
        id,
        p.scope().like_pattern(),
        p.user_id
    )
    .map_err(sql_error)?;
    row.ok_or_else(|| err!("assess.inspection_not_found", id))
}

/// The inspections the caller may see, newest day first, optionally of one quarter or kind.
pub async fn list(
    h: &mut Handle<'_>,
    p: &Principal,
    quarter: Option<Quarter>,
    kind: Option<Kind>,
) -> Result<Vec<Inspection>, Error> {
    forbidden_unless_inspector(p)?;
    // Empty text means "any": one SQL text for every combination of filters.
    let quarter = quarter.map(|q| q.to_string()).unwrap_or_default();
    let kind = kind.map(|k| k.as_str()).unwrap_or_default();
    q!(
        h,
        fetch_all,
        Inspection,
        inspection_sql!(
            "WHERE (i.path LIKE $1 OR i.inspector_id = $2) AND ($3 = '' OR i.quarter = $3) \
             AND ($4 = '' OR i.kind = $4) ORDER BY i.day DESC, i.id DESC LIMIT $5"
        ),
        p.scope().like_pattern(),
        p.user_id,
        quarter,
        kind,
        LIST_LIMIT
    )
    .map_err(sql_error)
}

/// The inspections of one round (the caller checked the round is in scope).
pub async fn of_round(h: &mut Handle<'_>, round_id: i64) -> Result<Vec<Inspection>, Error> {
    q!(
        h,
        fetch_all,
        Inspection,
        inspection_sql!("WHERE i.round_id = $1 ORDER BY i.id"),
        round_id
    )
    .map_err(sql_error)
}

/// The grid workers a finding of this inspection may name: active, attached at or below the
/// inspected node.
pub async fn workers(h: &mut Handle<'_>, i: &Inspection) -> Result<Vec<Worker>, Error> {
    q!(
        h,
        fetch_all,
        Worker,
        "SELECT u.id, u.display_name, n.path FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.role = 'worker' AND u.active AND n.path LIKE $1 ORDER BY n.path, u.id LIMIT 500",
        format!("{}%", i.path)
    )
    .map_err(sql_error)
}

/// One worker of the inspected node; "not found" for anyone else.
pub async fn worker(h: &mut Handle<'_>, i: &Inspection, user_id: i64) -> Result<Worker, Error> {
    let w: Option<Worker> = q!(
        h,
        fetch_optional,
        Worker,
        "SELECT u.id, u.display_name, n.path FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.id = $1 AND u.role = 'worker' AND n.path LIKE $2",
        user_id,
        format!("{}%", i.path)
    )
    .map_err(sql_error)?;
    w.ok_or_else(|| err!("assess.worker_not_found", id = user_id))
}

/// A finding to add.
pub struct NewFinding<'a> {
    pub user_id: i64,
    pub item_key: &'a str,
    pub measure: &'a str,
    /// A veto key instead of an item and measure.
    pub veto: Option<&'a str>,
    pub count: i64,
    pub note: &'a str,
    pub evidence: &'a [Evidence],
}

/// Adds a finding to an inspection the caller may see (`get`), charged against `scheme`, the
/// rule set in force for the worker's grid and the inspection's quarter; its id. Run inside
/// the caller's transaction.
pub async fn add_finding(
    h: &mut Handle<'_>,
    p: &Principal,
    i: &Inspection,
    scheme: &Scheme,
    f: &NewFinding<'_>,
    now: i64,
) -> Result<i64, Error> {
    forbidden_unless_inspector(p)?;
    let w = worker(h, i, f.user_id).await?;
    let charge = check_charge(scheme, f.item_key, f.measure, f.veto)?;
    if !(1..=COUNT_MAX).contains(&f.count) {
        return Err(err!(
            "assess.finding_count",
            value = f.count,
            max = COUNT_MAX
        ));
    }
    let note = f.note.trim();
    too_long("note", note, NOTE_MAX)?;
    check_evidence(f.evidence)?;
    let held: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM inspection_findings WHERE inspection_id = $1",
        i.id
    )
    .map_err(sql_error)?;
    if held >= FINDINGS_MAX {
        return Err(err!(
            "request.invalid",
            reason = format!("an inspection holds at most {FINDINGS_MAX} findings")
        ));
    }
    let evidence_json = serde_json::to_string(f.evidence).unwrap_or_else(|_| "[]".to_string());
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO inspection_findings (inspection_id, user_id, path, quarter, item_key, \
         measure, count, veto, note, evidence_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        i.id,
        w.id,
        &w.path,
        &i.quarter,
        &charge.item_key,
        &charge.measure,
        f.count,
        charge.veto.as_deref(),
        note,
        evidence_json,
        now
    )
    .map_err(sql_error)?;
    let actor = Actor::user(p.user_id, p.display_name.clone());
    let detail = serde_json::json!({
        "inspection": i.id, "user_id": w.id, "item": charge.item_key,
        "measure": charge.measure, "count": f.count,
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor: &actor,
            action: "inspection_finding",
            subject_table: "inspection_findings",
            subject_id: Some(id),
            column_name: None,
            reason: note,
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// The findings of an inspection, oldest first.
pub async fn findings(h: &mut Handle<'_>, inspection_id: i64) -> Result<Vec<Finding>, Error> {
    let rows = q!(
        h,
        fetch_all,
        FindingRow,
        "SELECT f.id, f.inspection_id, f.user_id, u.display_name AS user_name, f.path, \
         f.quarter, f.item_key, f.measure, f.veto, f.count, f.note, f.evidence_json, \
         f.created_at FROM inspection_findings f JOIN users u ON u.id = f.user_id \
         WHERE f.inspection_id = $1 ORDER BY f.id LIMIT $2",
        inspection_id,
        FINDINGS_MAX
    )
    .map_err(sql_error)?;
    Ok(rows
        .into_iter()
        .map(|r| Finding {
            evidence: serde_json::from_str(&r.evidence_json).unwrap_or_default(),
            id: r.id,
            inspection_id: r.inspection_id,
            user_id: r.user_id,
            user_name: r.user_name,
            path: r.path,
            quarter: r.quarter,
            item_key: r.item_key,
            measure: r.measure,
            veto: r.veto,
            count: r.count,
            note: r.note,
            created_at: r.created_at,
        })
        .collect())
}

/// The choices of a finding form for a scheme (see `finding::finding_measures`).
pub fn choices(scheme: &Scheme) -> Vec<(String, String)> {
    finding::finding_measures(scheme)
}
