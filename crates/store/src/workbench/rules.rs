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

/// `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`].
fn ancestor_paths(path: &str) -> Vec<String> {
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
