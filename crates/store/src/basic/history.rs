//! The change history of basic records: one append-only row per create, update or remove, with
//! the record as it was before (its raw columns as JSON; sealed values stay sealed).

use serde::Serialize;
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::Actor;
use crate::db::{Handle, sql_error};

/// The tables whose changes are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    People,
    PersonTags,
    Houses,
    Orgs,
    Objects,
}

impl Table {
    pub fn as_str(self) -> &'static str {
        match self {
            Table::People => "people",
            Table::PersonTags => "person_tags",
            Table::Houses => "houses",
            Table::Orgs => "orgs",
            Table::Objects => "objects",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Create,
    Update,
    Remove,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub table_name: String,
    pub row_id: i64,
    pub action: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub at: i64,
    pub before_json: Option<String>,
}

/// Appends one history row. `before` is the record before the change (`None` for a create).
pub async fn record(
    h: &mut Handle<'_>,
    table: Table,
    row_id: i64,
    change: Change,
    actor: &Actor,
    before: Option<&serde_json::Value>,
    at: i64,
) -> Result<(), Error> {
    let before = before.map(serde_json::Value::to_string);
    q!(h, execute,
        "INSERT INTO record_history (table_name, row_id, action, actor_user_id, actor_name, at, before_json) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        table.as_str(), row_id, change.as_str(), actor.user_id, &actor.name, at, before)
    .map_err(sql_error)?;
    Ok(())
}

/// The history of one record in scope, oldest first.
pub async fn of(
    h: &mut Handle<'_>,
    scope: &Scope,
    table: Table,
    row_id: i64,
) -> Result<Vec<HistoryRow>, Error> {
    let in_scope = match table {
        // A tag is in scope when its person is.
        Table::PersonTags => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM person_tags t JOIN people p ON p.id = t.person_id WHERE t.id = $1 AND p.path LIKE $2"
        }
        Table::People => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM people WHERE id = $1 AND path LIKE $2"
        }
        Table::Houses => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM houses WHERE id = $1 AND path LIKE $2"
        }
        Table::Orgs => "SELECT CAST(COUNT(*) AS BIGINT) FROM orgs WHERE id = $1 AND path LIKE $2",
        Table::Objects => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM objects WHERE id = $1 AND path LIKE $2"
        }
    };
    let n: i64 =
        q!(h, scalar fetch_one, i64, in_scope, row_id, scope.like_pattern()).map_err(sql_error)?;
    if n == 0 {
        return Err(err!("basic.not_found", id = row_id));
    }
    q!(h, fetch_all, HistoryRow,
        "SELECT id, table_name, row_id, action, actor_user_id, actor_name, at, before_json FROM record_history WHERE table_name = $1 AND row_id = $2 ORDER BY id",
        table.as_str(), row_id)
    .map_err(sql_error)
}
