//! The catalogue's versions kept by streets (or higher), and the street's decisions on "other"
//! values (filled in by its part). The look-up every part uses is here from the start.

use wangge_domain::Error;
use wangge_domain::volunteers::catalogue::Catalogue;

use crate::db::{Handle, sql_error};
use crate::workbench::rules::ancestor_paths;

/// The catalogue in force at a community (or any node) path: the newest version of the deepest
/// node above it that keeps one; else the seed's. Returns the version's id (None for the seed).
pub async fn in_force(h: &mut Handle<'_>, path: &str) -> Result<(Option<i64>, Catalogue), Error> {
    for p in ancestor_paths(path).iter().rev() {
        let row: Option<(i64, String)> = q!(h, fetch_optional, (i64, String),
            "SELECT id, catalogue_json FROM volunteer_catalogues WHERE path = $1 ORDER BY version DESC LIMIT 1",
            p)
        .map_err(sql_error)?;
        if let Some((id, json)) = row {
            // A kept version was validated when saved; one that no longer reads (an older
            // shape) falls through to the next node up rather than failing every page.
            if let Ok(c) = serde_json::from_str::<Catalogue>(&json) {
                return Ok((Some(id), c));
            }
        }
    }
    Ok((None, Catalogue::seed()))
}

// ---- Versions and "other" approvals (part "register") --------------------------------------

use serde::Serialize;
use wangge_domain::volunteers::catalogue::{Invalid, MAX_KINDS, MAX_POINTS};
use wangge_domain::{NodeKind, Scope, err};

use crate::audit::{self, Actor, Entry};
use crate::nodes::Node;

/// The most points an "other" value may be worth, and the longest title.
pub const MAX_OTHER_POINTS: i64 = 20;
pub const MAX_TITLE: usize = 50;
const MAX_TEXT: usize = 200;

/// One kept version of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Version {
    pub id: i64,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub version: i64,
    pub catalogue_json: String,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
}

/// A catalogue's fault as an error that names its field (and the kind's key).
pub fn invalid_error(i: &Invalid) -> Error {
    let (e, field) = match i {
        Invalid::Empty => (err!("volunteers.catalogue_empty"), "kinds".to_string()),
        Invalid::TooMany => (
            err!("volunteers.catalogue_too_many", max = MAX_KINDS),
            "kinds".to_string(),
        ),
        Invalid::DuplicateKey(k) => (
            err!("volunteers.catalogue_duplicate", key = k),
            format!("kinds.{k}.key"),
        ),
        Invalid::BadKey(k) => (
            err!(
                "volunteers.catalogue_key",
                key = k.chars().take(40).collect::<String>()
            ),
            format!("kinds.{}.key", k.chars().take(40).collect::<String>()),
        ),
        Invalid::Points(k) => (
            err!("volunteers.catalogue_points", key = k, max = MAX_POINTS),
            format!("kinds.{k}.points"),
        ),
        Invalid::MissingClue => (err!("volunteers.catalogue_clue"), "kinds.clue".to_string()),
    };
    e.with_details(serde_json::json!({ "field": field }))
}

fn check_text(v: &str, code: &'static str, field: &str, max: usize) -> Result<String, Error> {
    let v = v.trim();
    let n = v.chars().count();
    if n == 0 || n > max || v.contains('\0') {
        return Err(Error::new(code, vec![]).with_details(serde_json::json!({ "field": field })));
    }
    Ok(v.to_string())
}

/// Keeps a new version of the catalogue at `node` (a township or above, in the caller's scope
/// already): validated, numbered after the node's newest, audited.
pub async fn save_version(
    h: &mut Handle<'_>,
    node: &Node,
    c: &Catalogue,
    note: &str,
    actor: &Actor,
    now: i64,
) -> Result<Version, Error> {
    if !matches!(
        node.kind,
        NodeKind::Township | NodeKind::County | NodeKind::City
    ) {
        return Err(err!("volunteers.catalogue_node"));
    }
    c.validate().map_err(|i| invalid_error(&i))?;
    let note = check_text(note, "volunteers.note_required", "note", MAX_TEXT)?;
    let json = serde_json::to_string(c)
        .map_err(|e| err!("internal", detail = format!("catalogue: {e}")))?;
    h.lock_chain(PG_CATALOGUE_LOCK).await?;
    let version: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM volunteer_catalogues WHERE node_id = $1",
        node.id)
    .map_err(sql_error)?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO volunteer_catalogues (node_id, path, version, catalogue_json, note, created_by, created_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        node.id, &node.path, version, &json, &note, actor.user_id, &actor.name, now)
    .map_err(sql_error)?;
    audit::append(
        h,
        &Entry {
            actor,
            action: "volunteer.catalogue",
            subject_table: "volunteer_catalogues",
            subject_id: Some(id),
            column_name: None,
            reason: &note,
            detail: &serde_json::json!({"node": node.code, "version": version}).to_string(),
        },
        now,
    )
    .await?;
    Ok(Version {
        id,
        node_id: node.id,
        node_code: node.code.clone(),
        node_name: node.name.clone(),
        version,
        catalogue_json: json,
        note,
        created_by_name: actor.name.clone(),
        created_at: now,
    })
}

/// Serialises version numbers on PostgreSQL.
const PG_CATALOGUE_LOCK: i64 = 7_426_818;

/// Versions that bear on `path`: kept at a node above it or inside it, newest first.
pub async fn versions(h: &mut Handle<'_>, path: &str, limit: i64) -> Result<Vec<Version>, Error> {
    let mut out: Vec<Version> = Vec::new();
    let base = "SELECT c.id, c.node_id, n.code AS node_code, n.name AS node_name, c.version, c.catalogue_json, \
        c.note, c.created_by_name, c.created_at FROM volunteer_catalogues c JOIN nodes n ON n.id = c.node_id";
    for p in ancestor_paths(path) {
        if p.len() >= path.len() {
            continue;
        }
        let sql = format!("{base} WHERE c.path = $1 ORDER BY c.version DESC LIMIT $2");
        out.extend(
            q!(h, fetch_all, Version, sqlx::AssertSqlSafe(sql), &p, limit).map_err(sql_error)?,
        );
    }
    let sql = format!("{base} WHERE c.path LIKE $1 ORDER BY c.id DESC LIMIT $2");
    out.extend(
        q!(
            h,
            fetch_all,
            Version,
            sqlx::AssertSqlSafe(sql),
            format!("{path}%"),
            limit
        )
        .map_err(sql_error)?,
    );
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out.truncate(usize::try_from(limit).unwrap_or(100));
    Ok(out)
}

/// A community's request for an "other" value and the street's decision.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Approval {
    pub id: i64,
    pub community_id: i64,
    pub community_code: String,
    pub community_name: String,
    pub title: String,
    pub points: i64,
    pub reason: String,
    pub status: String,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    #[serde(skip)]
    pub path: String,
}

const APPROVAL_SQL: &str = "SELECT a.id, a.community_id, n.code AS community_code, n.name AS community_name, \
    a.title, a.points, a.reason, a.status, a.requested_by_name, a.requested_at, a.decided_by_name, a.decided_at, \
    a.decision_note, a.path FROM volunteer_approvals a JOIN nodes n ON n.id = a.community_id";

/// A community asks its street for an "other" value: title 1–50, points 1–20, a reason.
pub async fn request_other(
    h: &mut Handle<'_>,
    community: &super::register::Community,
    title: &str,
    points: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> Result<Approval, Error> {
    let title = check_text(title, "volunteers.title_invalid", "title", MAX_TITLE)?;
    if !(1..=MAX_OTHER_POINTS).contains(&points) {
        return Err(err!("volunteers.approval_points")
            .with_details(serde_json::json!({ "field": "points" })));
    }
    let reason = check_text(reason, "volunteers.reason_required", "reason", MAX_TEXT)?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO volunteer_approvals (community_id, path, title, points, reason, status, requested_by, \
         requested_by_name, requested_at, decision_note) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, '') RETURNING id",
        community.id, &community.path, &title, points, &reason, actor.user_id, &actor.name, now)
    .map_err(sql_error)?;
    approval(h, &Scope::of_path(&community.path), id).await
}

/// One approval inside `scope`; 404 when absent or outside.
pub async fn approval(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Approval, Error> {
    let sql = format!("{APPROVAL_SQL} WHERE a.id = $1");
    let a: Option<Approval> =
        q!(h, fetch_optional, Approval, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    a.filter(|a| scope.contains(&a.path))
        .ok_or_else(|| err!("volunteers.approval_not_found", id))
}

/// The street decides a pending request: approve or reject, with a note; audited. The caller
/// checked it is the street (its scope bounds which requests it reaches).
pub async fn decide(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
    approve: bool,
    note: &str,
    actor: &Actor,
    now: i64,
) -> Result<Approval, Error> {
    let a = approval(h, scope, id).await?;
    let note = check_text(note, "volunteers.note_required", "note", MAX_TEXT)?;
    let status = if approve { "approved" } else { "rejected" };
    let n = q!(h, execute,
        "UPDATE volunteer_approvals SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, decision_note = $5 \
         WHERE id = $6 AND status = 'pending'",
        status, actor.user_id, &actor.name, now, &note, a.id)
    .map_err(sql_error)?;
    if n == 0 {
        return Err(err!("volunteers.approval_decided", id));
    }
    audit::append(
        h,
        &Entry {
            actor,
            action: if approve {
                "volunteer.other_approve"
            } else {
                "volunteer.other_reject"
            },
            subject_table: "volunteer_approvals",
            subject_id: Some(id),
            column_name: None,
            reason: &note,
            detail: &serde_json::json!({"community": a.community_code, "points": a.points})
                .to_string(),
        },
        now,
    )
    .await?;
    approval(h, scope, id).await
}

/// Requests inside `scope`, newest first; `status` narrows when not empty.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    status: &str,
    limit: i64,
) -> Result<Vec<Approval>, Error> {
    let sql = format!(
        "{APPROVAL_SQL} WHERE a.path LIKE $1 AND ($2 = '' OR a.status = $2) ORDER BY a.id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Approval,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        status,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// The approved "other" value with this id for this community, if there is one (an activity of
/// kind `other` names it when it is published).
pub async fn approved(
    h: &mut Handle<'_>,
    approval_id: i64,
    community_id: i64,
) -> Result<Option<Approval>, Error> {
    let sql =
        format!("{APPROVAL_SQL} WHERE a.id = $1 AND a.community_id = $2 AND a.status = 'approved'");
    q!(
        h,
        fetch_optional,
        Approval,
        sqlx::AssertSqlSafe(sql),
        approval_id,
        community_id
    )
    .map_err(sql_error)
}
