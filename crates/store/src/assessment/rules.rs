//! Rule set versions (`assess_rules`): kept at a county or township like the duty rules, each
//! effective from a quarter, never edited. `in_force` is what every part of the assessment
//! judges a quarter by.

use wangge_domain::Error;
use wangge_domain::Scope;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Scheme;

use crate::db::{Handle, sql_error};
use crate::workbench::rules::ancestor_paths;

/// A version as pages and the API show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Kept {
    pub id: i64,
    pub node_code: String,
    pub node_name: String,
    pub path: String,
    pub version: i64,
    pub effective_from: String,
    pub scheme: Scheme,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct KeptRow {
    id: i64,
    node_code: String,
    node_name: String,
    path: String,
    version: i64,
    effective_from: String,
    rules_json: String,
    note: String,
    created_by_name: String,
    created_at: i64,
}

impl KeptRow {
    /// `None` for a stored set that no longer reads (it cannot: sets are validated before
    /// they are kept, and a later stricter check must not break the pages).
    fn kept(self) -> Option<Kept> {
        let scheme = serde_json::from_str::<Scheme>(&self.rules_json).ok()?;
        Some(Kept {
            id: self.id,
            node_code: self.node_code,
            node_name: self.node_name,
            path: self.path,
            version: self.version,
            effective_from: self.effective_from,
            scheme,
            note: self.note,
            created_by_name: self.created_by_name,
            created_at: self.created_at,
        })
    }
}

/// The columns of a kept version, for `concat!`.
macro_rules! kept_select {
    () => {
        "SELECT r.id, n.code AS node_code, n.name AS node_name, r.path, r.version, \
         r.effective_from, r.rules_json, r.note, r.created_by_name, r.created_at \
         FROM assess_rules r JOIN nodes n ON n.id = r.node_id "
    };
}

/// The scheme in force for a quarter at a grid (or any node) path: among the nodes above it
/// (itself included) that keep versions taking effect by that quarter, the deepest one's
/// newest (latest `effective_from`, then highest number); else the shipped
/// `Scheme::quarter100()`. Returns the version's id (None for the shipped default).
pub async fn in_force(
    h: &mut Handle<'_>,
    path: &str,
    quarter: Quarter,
) -> Result<(Option<i64>, Scheme), Error> {
    let q = quarter.to_string();
    // Deepest first; a handful of ancestors at most (city, county, township, village, grid).
    for p in ancestor_paths(path).iter().rev() {
        let rows = q!(
            h,
            fetch_all,
            KeptRow,
            concat!(
                kept_select!(),
                "WHERE r.path = $1 AND r.effective_from <= $2 \
                 ORDER BY r.effective_from DESC, r.version DESC"
            ),
            p,
            &q
        )
        .map_err(sql_error)?;
        if let Some(k) = rows.into_iter().find_map(KeptRow::kept) {
            return Ok((Some(k.id), k.scheme));
        }
    }
    Ok((None, Scheme::quarter100()))
}

/// The most versions a node's list shows.
pub const VERSIONS_LIMIT: i64 = 200;

/// The versions kept at the node with this path, newest first (the caller checked the node is
/// in scope).
pub async fn versions(h: &mut Handle<'_>, node_path: &str) -> Result<Vec<Kept>, Error> {
    let rows = q!(
        h,
        fetch_all,
        KeptRow,
        concat!(
            kept_select!(),
            "WHERE r.path = $1 ORDER BY r.version DESC LIMIT $2"
        ),
        node_path,
        VERSIONS_LIMIT
    )
    .map_err(sql_error)?;
    Ok(rows.into_iter().filter_map(KeptRow::kept).collect())
}

/// The versions kept at the node with this path and at the nodes above it (the rules that
/// judge it), deepest node first, each node's newest first.
pub async fn versions_at_and_above(h: &mut Handle<'_>, path: &str) -> Result<Vec<Kept>, Error> {
    let mut out = Vec::new();
    for p in ancestor_paths(path).iter().rev() {
        out.append(&mut versions(h, p).await?);
    }
    Ok(out)
}

/// One version, if the caller may read it: kept inside the scope, or above it (the rules that
/// judge the caller's grids). Anything else reads as missing.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Option<Kept>, Error> {
    let row = q!(
        h,
        fetch_optional,
        KeptRow,
        concat!(kept_select!(), "WHERE r.id = $1"),
        id
    )
    .map_err(sql_error)?;
    Ok(row
        .filter(|r| scope.contains(&r.path) || scope.path().starts_with(&r.path))
        .and_then(KeptRow::kept))
}

/// A new version to keep at a node (the caller checked the node, the quarter and the set).
pub struct NewVersion<'a> {
    pub node_id: i64,
    pub node_path: &'a str,
    pub effective_from: Quarter,
    pub scheme: &'a Scheme,
    pub note: &'a str,
}

/// Keeps a new version at a node, numbered after the node's last, and audits it; its id and
/// number. The set is validated again here so nothing unvalidated is ever stored. Run inside
/// the caller's transaction.
pub async fn keep(
    h: &mut Handle<'_>,
    actor: &crate::audit::Actor,
    v: &NewVersion<'_>,
    now: i64,
) -> Result<(i64, i64), Error> {
    v.scheme.validate()?;
    let last: Option<i64> = q!(
        h,
        scalar fetch_one,
        Option<i64>,
        "SELECT MAX(version) FROM assess_rules WHERE node_id = $1",
        v.node_id
    )
    .map_err(sql_error)?;
    let version = last.unwrap_or(0) + 1;
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO assess_rules (node_id, path, version, effective_from, scheme_name, \
         rules_json, note, created_by, created_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        v.node_id,
        v.node_path,
        version,
        v.effective_from.to_string(),
        &v.scheme.name,
        v.scheme.to_json(),
        v.note,
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    let detail = serde_json::json!({
        "version": version, "effective_from": v.effective_from.to_string(),
        "scheme": v.scheme.name,
    })
    .to_string();
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor,
            action: "assess_rules",
            subject_table: "assess_rules",
            subject_id: Some(id),
            column_name: None,
            reason: v.note,
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok((id, version))
}
