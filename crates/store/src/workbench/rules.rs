//! Duty rule sets (`duty_rules`): versions kept at a county or township. `in_force` is what
//! every part of the workbench judges a grid's day by; keeping and listing versions is added
//! beside it by the part that builds the rules page.

use wangge_domain::Error;
use wangge_domain::calendar::Date;
use wangge_domain::workbench::duties::{self, Duties, Version};

use crate::db::{Handle, sql_error};

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    path: String,
    version: i64,
    effective_from: String,
    rules_json: String,
}

/// The rule set in force on `day` for a grid (or any node) at `grid_path`: among the nodes
/// above it (itself included) that keep versions, the deepest one's version in force that day;
/// the seeds' set when none does. A stored set that no longer reads (it cannot: sets are
/// validated before they are kept) falls back to the default rather than failing a page.
pub async fn in_force(h: &mut Handle<'_>, grid_path: &str, day: Date) -> Result<Duties, Error> {
    let ancestors = ancestor_paths(grid_path);
    if ancestors.is_empty() {
        return Ok(Duties::default());
    }
    let day_text = day.to_string();
    // A handful of ancestors at most (city, county, township, village, grid).
    let mut rows: Vec<Row> = Vec::new();
    for p in &ancestors {
        let mut got = q!(
            h,
            fetch_all,
            Row,
            "SELECT path, version, effective_from, rules_json FROM duty_rules \
             WHERE path = $1 AND effective_from <= $2",
            p,
            &day_text
        )
        .map_err(sql_error)?;
        rows.append(&mut got);
    }
    let deepest = rows.iter().map(|r| r.path.len()).max();
    let versions: Vec<Version> = rows
        .iter()
        .filter(|r| Some(r.path.len()) == deepest)
        .filter_map(|r| {
            Some(Version {
                version: r.version,
                effective_from: Date::parse(&r.effective_from).ok()?,
                duties: Duties::from_json(&r.rules_json).ok()?,
            })
        })
        .collect();
    Ok(duties::in_force(&versions, day)
        .map(|v| v.duties.clone())
        .unwrap_or_default())
}

/// A version as the rules page lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Kept {
    pub id: i64,
    pub node_code: String,
    pub node_name: String,
    pub version: i64,
    pub effective_from: String,
    pub duties: Duties,
    pub note: String,
    pub created_by_name: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct KeptRow {
    id: i64,
    node_code: String,
    node_name: String,
    version: i64,
    effective_from: String,
    rules_json: String,
    note: String,
    created_by_name: String,
    created_at: i64,
}

/// The most versions a node's list shows.
pub const VERSIONS_LIMIT: i64 = 200;

/// The versions kept at the node with this path, newest first.
pub async fn versions(h: &mut Handle<'_>, node_path: &str) -> Result<Vec<Kept>, Error> {
    let rows = q!(
        h,
        fetch_all,
        KeptRow,
        "SELECT r.id, n.code AS node_code, n.name AS node_name, r.version, r.effective_from,          r.rules_json, r.note, r.created_by_name, r.created_at          FROM duty_rules r JOIN nodes n ON n.id = r.node_id WHERE r.path = $1          ORDER BY r.version DESC LIMIT $2",
        node_path,
        VERSIONS_LIMIT
    )
    .map_err(sql_error)?;
    Ok(rows
        .into_iter()
        .map(|r| Kept {
            duties: Duties::from_json(&r.rules_json).unwrap_or_default(),
            id: r.id,
            node_code: r.node_code,
            node_name: r.node_name,
            version: r.version,
            effective_from: r.effective_from,
            note: r.note,
            created_by_name: r.created_by_name,
            created_at: r.created_at,
        })
        .collect())
}

/// A new version to keep at a node (the caller checked the node, the day and the set).
pub struct NewVersion<'a> {
    pub node_id: i64,
    pub node_path: &'a str,
    pub effective_from: Date,
    pub duties: &'a Duties,
    pub note: &'a str,
}

/// Keeps a new version at a node, numbered after the node's last, and audits it; its id and
/// number. Run inside the caller's transaction.
pub async fn keep(
    h: &mut Handle<'_>,
    actor: &crate::audit::Actor,
    v: &NewVersion<'_>,
    now: i64,
) -> Result<(i64, i64), Error> {
    let last: Option<i64> = q!(
        h,
        scalar fetch_one,
        Option<i64>,
        "SELECT MAX(version) FROM duty_rules WHERE node_id = $1",
        v.node_id
    )
    .map_err(sql_error)?;
    let version = last.unwrap_or(0) + 1;
    let id: i64 = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO duty_rules (node_id, path, version, effective_from, rules_json, note,          created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        v.node_id,
        v.node_path,
        version,
        v.effective_from.to_string(),
        v.duties.to_json(),
        v.note,
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    let detail = format!("v{version} {}", v.effective_from);
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor,
            action: "duty_rules",
            subject_table: "duty_rules",
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

/// `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`] (the duty and the assessment rule sets are both
/// kept at a node above the grid).
pub(crate) fn ancestor_paths(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::from("/");
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        acc.push_str(seg);
        acc.push('/');
        out.push(acc.clone());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_of_a_path() {
        assert_eq!(
            ancestor_paths("/35/3501/"),
            vec!["/35/".to_string(), "/35/3501/".to_string()]
        );
        assert!(ancestor_paths("/").is_empty());
    }
}
