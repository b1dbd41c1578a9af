//! What the record tables (people, houses, orgs, objects) share: one row in scope, a list page
//! inside the scope, the UPDATE of a whole row, soft removal, and history rows keeping the
//! record as it was. Each table differs only in its SQL, so it describes itself in a [`Spec`].

use serde::Serialize;
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::history::{self, Change, Table};
use super::{Actor, Arg, FromRows, Page, execute, fetch_all, narrow, push_cond};
use crate::db::{Handle, sql_error};

/// One record table as the shared code needs it.
pub(crate) struct Spec {
    pub table: Table,
    /// The alias `row_sql` gives the table.
    pub alias: &'static str,
    /// `SELECT … FROM table alias JOIN …`: the masked row handed out, to be followed by `WHERE`.
    pub row_sql: &'static str,
    /// How messages name one record ("house").
    pub noun: &'static str,
}

/// A raw record (every column, sealed values as stored) that can be soft-removed.
pub(crate) trait Removable: FromRows + Serialize {
    fn removed_at(&self) -> Option<i64>;
}

/// A list's filters as the modules add them: `and(" AND x = ?", [v])` binds each `?` in turn.
pub(crate) struct Conditions {
    sql: String,
    args: Vec<Arg>,
}

impl Conditions {
    pub(crate) fn and<const N: usize>(&mut self, cond: &str, values: [Arg; N]) {
        push_cond(&mut self.sql, &mut self.args, cond, values);
    }
}

/// How a list is narrowed and paged, beside its own filters.
pub(crate) struct Listing<'a> {
    pub under: Option<&'a str>,
    pub include_removed: bool,
    /// No search text: page grid by grid (see [`Page`]).
    pub browse: bool,
    pub after_id: Option<i64>,
    pub limit: i64,
}

impl Spec {
    fn table_name(&self) -> &'static str {
        self.table.as_str()
    }

    /// The row `sql` reads, given `$1` the id and `$2` the scope's pattern.
    async fn one<T: FromRows>(
        &self,
        h: &mut Handle<'_>,
        sql: String,
        scope: &Scope,
        id: i64,
    ) -> Result<T, Error> {
        let rows: Vec<T> = fetch_all(h, sql, vec![id.into(), scope.like_pattern().into()]).await?;
        rows.into_iter().next().ok_or_else(|| {
            err!("basic.not_found", id).with_details(serde_json::json!({ "record": self.noun }))
        })
    }

    /// The masked row of one record in scope (removed ones too).
    pub(crate) async fn get<T: FromRows>(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        id: i64,
    ) -> Result<T, Error> {
        let (sql, a) = (self.row_sql, self.alias);
        let sql = format!("{sql} WHERE {a}.id = $1 AND {a}.path LIKE $2");
        self.one(h, sql, scope, id).await
    }

    /// The raw record in scope; `columns` lists what `T` reads, `removed_at` included.
    pub(crate) async fn record<T: Removable>(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        columns: &str,
        id: i64,
    ) -> Result<T, Error> {
        let sql = format!(
            "SELECT {columns} FROM {} WHERE id = $1 AND path LIKE $2",
            self.table_name()
        );
        self.one(h, sql, scope, id).await
    }

    /// The raw record in scope, refused when removed: what an update starts from.
    pub(crate) async fn live_record<T: Removable>(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        columns: &str,
        id: i64,
    ) -> Result<T, Error> {
        let r: T = self.record(h, scope, columns, id).await?;
        if r.removed_at().is_some() {
            return Err(
                err!("basic.removed", id).with_details(serde_json::json!({ "record": self.noun }))
            );
        }
        Ok(r)
    }

    /// Writes `values` (one per column of `columns`, as an INSERT would) over row `id`; `id` and
    /// `created_at` keep what they are.
    pub(crate) async fn overwrite(
        &self,
        h: &mut Handle<'_>,
        columns: &[&str],
        values: Vec<Arg>,
        id: i64,
    ) -> Result<(), Error> {
        if columns.len() != values.len() {
            return Err(err!(
                "internal",
                detail = format!(
                    "{}: {} columns but {} values",
                    self.table_name(),
                    columns.len(),
                    values.len()
                )
            ));
        }
        let mut set = Vec::with_capacity(columns.len());
        let mut args = Vec::with_capacity(columns.len());
        for (c, v) in columns.iter().zip(values) {
            if !matches!(*c, "id" | "created_at") {
                args.push(v);
                set.push(format!("{c} = ${}", args.len()));
            }
        }
        args.push(id.into());
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ${}",
            self.table_name(),
            set.join(", "),
            args.len()
        );
        execute(h, sql, args).await?;
        Ok(())
    }

    /// The history row of an update, keeping the record as it was.
    pub(crate) async fn log_update<T: Serialize>(
        &self,
        h: &mut Handle<'_>,
        id: i64,
        actor: &Actor,
        before: &T,
        now: i64,
    ) -> Result<(), Error> {
        log(h, self.table, id, Change::Update, actor, before, now).await
    }

    /// Marks a record in scope removed, with its history row; `false` when it already was (a
    /// second removal changes nothing).
    pub(crate) async fn remove<T: Removable>(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        columns: &str,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let before: T = self.record(h, scope, columns, id).await?;
        if before.removed_at().is_some() {
            return Ok(false);
        }
        let sql = format!(
            "UPDATE {} SET removed_at = $1, updated_at = $1 WHERE id = $2",
            self.table_name()
        );
        q!(h, execute, sqlx::AssertSqlSafe(sql), now, id).map_err(sql_error)?;
        log(h, self.table, id, Change::Remove, actor, &before, now).await?;
        Ok(true)
    }

    /// A page of masked rows in scope: `filters` adds the table's own conditions between the
    /// scope and paging conditions and the ORDER BY.
    pub(crate) async fn list<T: FromRows>(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        listing: Listing<'_>,
        filters: impl FnOnce(&mut Conditions),
    ) -> Result<Vec<T>, Error> {
        let Some(prefix) = narrow(scope, listing.under) else {
            return Ok(Vec::new());
        };
        let a = self.alias;
        let live = if listing.include_removed {
            String::new()
        } else {
            format!(" AND {a}.removed_at IS NULL")
        };
        let mut c = Conditions {
            sql: format!("{} WHERE TRUE{live}", self.row_sql),
            args: Vec::new(),
        };
        let page = Page {
            alias: a,
            table: self.table_name(),
            prefix: &prefix,
            browse: listing.browse,
            after_id: listing.after_id,
        };
        page.conditions(&mut c.sql, &mut c.args);
        filters(&mut c);
        page.order(listing.limit, &mut c.sql, &mut c.args);
        fetch_all(h, c.sql, c.args).await
    }
}

/// Appends one history row, keeping `before` (the raw record) as JSON.
pub(crate) async fn log<T: Serialize>(
    h: &mut Handle<'_>,
    table: Table,
    id: i64,
    change: Change,
    actor: &Actor,
    before: &T,
    now: i64,
) -> Result<(), Error> {
    let before = serde_json::to_value(before)
        .map_err(|e| err!("internal", detail = format!("history record: {e}")))?;
    history::record(h, table, id, change, actor, Some(&before), now).await
}
