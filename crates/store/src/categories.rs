//! Keeping the category tree: administrators add kinds and classes, change their defaults and
//! retire them. Reading the tree stays in `events` beside the reports that use it.

use wangge_domain::Error;
use wangge_domain::category::{self, Draft, Existing};
use wangge_domain::err;
use wangge_domain::residents::DEFAULT_ME_TOO_THRESHOLD;

use crate::db::{Handle, sql_error};
use crate::events::{self, Category};

/// Adds a category or changes one; returns it as stored and whether it is new. Retiring a class
/// retires its kinds, and a kind cannot be used again while its class is retired.
pub async fn save(h: &mut Handle<'_>, draft: &Draft, now: i64) -> Result<(Category, bool), Error> {
    let code = draft.code.trim();
    category::check_code(code)?;
    let stored = events::category(h, code).await.ok();
    let parent_code = draft
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let parent = match parent_code {
        Some(p) => events::category(h, p).await.ok(),
        None => None,
    };
    let existing = match &stored {
        Some(s) => Existing::Stored {
            parent_code: s.parent_code.as_deref(),
        },
        None => Existing::New,
    };
    let parent_is_class =
        parent_code.map(|_| parent.as_ref().is_some_and(|p| p.parent_code.is_none()));
    let c = category::check(draft, existing, parent_is_class)?;
    if c.active && parent.as_ref().is_some_and(|p| !p.active) {
        return Err(err!("category.parent_retired"));
    }
    let sort = match (c.sort, &stored) {
        (Some(s), _) => s,
        (None, Some(s)) => s.sort,
        // A new category goes after the others of its class (or after every class).
        (None, None) => {
            let last: Option<i64> = q!(h, scalar fetch_one, Option<i64>,
                "SELECT MAX(sort) FROM categories WHERE parent_code = $1 OR ($1 IS NULL AND parent_code IS NULL)",
                &c.parent_code)
            .map_err(sql_error)?;
            last.map_or(parent.as_ref().map_or(10, |p| p.sort + 1), |l| l + 1)
        }
    };
    let level = i64::from(c.handling_level);
    // What the draft leaves out stays as stored; a new category takes the defaults.
    let threshold = c.me_too_threshold.unwrap_or_else(|| {
        stored
            .as_ref()
            .map_or(DEFAULT_ME_TOO_THRESHOLD, |s| s.me_too_threshold)
    });
    let hint = c.hint.clone().unwrap_or_else(|| {
        stored
            .as_ref()
            .map(|s| s.redirect_hint.clone())
            .unwrap_or_default()
    });
    let hint_en = c.hint_en.clone().unwrap_or_else(|| {
        stored
            .as_ref()
            .map(|s| s.redirect_hint_en.clone())
            .unwrap_or_default()
    });
    if stored.is_some() {
        q!(h, execute,
            "UPDATE categories SET name = $1, name_en = $2, complexity = $3, handling_level = $4, auto_escalate = $5, \
             sort = $6, active = $7, updated_at = $8, me_too_threshold = $10, redirect_hint = $11, redirect_hint_en = $12 WHERE code = $9",
            &c.name, &c.name_en, c.complexity.as_str(), level, c.auto_escalate, sort, c.active, now, &c.code,
            threshold, &hint, &hint_en)
        .map_err(sql_error)?;
        if !c.active {
            q!(h, execute,
                "UPDATE categories SET active = FALSE, updated_at = $1 WHERE parent_code = $2 AND active",
                now, &c.code)
            .map_err(sql_error)?;
        }
    } else {
        q!(h, execute,
            "INSERT INTO categories (code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort, active, updated_at, \
             me_too_threshold, redirect_hint, redirect_hint_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &c.code, &c.parent_code, &c.name, &c.name_en, c.complexity.as_str(), level, c.auto_escalate, sort, c.active, now,
            threshold, &hint, &hint_en)
        .map_err(sql_error)?;
    }
    Ok((events::category(h, &c.code).await?, stored.is_none()))
}

/// What changes whenever the tree does (how many categories, and the last change), so a server
/// knows when to read the tree again.
pub async fn stamp(h: &mut Handle<'_>) -> Result<(i64, i64), Error> {
    q!(
        h,
        fetch_one,
        (i64, i64),
        "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM categories"
    )
    .map_err(sql_error)
}
