//! Basic information (人、房、组织、物) in the database: people and their key-group tags, houses
//! and households, organisations, objects; their change history; revealing a sealed value; the
//! per-grid counts; bulk imports.
//!
//! # Sealing and the row in the associated data
//!
//! ID numbers, phones and tags are sealed with `Aad(table, column, id)`, `id` being the row's
//! primary key in decimal. The id is reserved before the INSERT (`Handle::reserve_ids`:
//! `MAX(id) + 1` under SQLite's write lock, `nextval` of the identity sequence on PostgreSQL) and
//! written explicitly, so sealing needs no extra key column and bulk inserts can seal a whole batch
//! before one multi-row INSERT. Writes therefore belong inside a transaction ([`crate::Db::begin`]).
//!
//! Besides the ciphertext each secret has a blind index (exact look-up, the duplicate check) and
//! a mask (lists show masks only). Rows handed out ([`people::PersonRow`] …) never carry a
//! ciphertext; plaintext leaves only through [`reveal`] (one audit row each) and
//! [`people::tags`].
//!
//! # Scope
//!
//! Every read and write takes the caller's `Scope`; a record outside it is "not found".

pub mod history;
pub mod houses;
pub mod import;
pub mod lookups;
pub mod objects;
pub mod orgs;
pub mod people;
mod record;
pub mod registered;
pub mod transfers;
pub mod web_support;

use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use wangge_domain::basic::{KeyGroup, Residence};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, NodeKind, Scope, Sensitive};

pub use crate::audit::Actor;
use crate::db::{Handle, sql_error};
use crate::seal::{Aad, KeyRing};

/// Blind-index column names: one per kind of value, so a phone found on a house owner and on a
/// person gives the same index.
pub const INDEX_ID_NUMBER: &str = "id_number";
pub const INDEX_PHONE: &str = "phone";
pub const INDEX_TAG: &str = "tag";

/// A bound value of a query built at run time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        Arg::Real(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Real(Some(v))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Real(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
            };
        }
        q
    }};
}

/// A row type both databases can read.
pub(crate) trait FromRows:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromRows for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// Runs a SELECT built at run time (only from our own fragments; values are bound).
pub(crate) async fn fetch_all<T: FromRows>(
    h: &mut Handle<'_>,
    sql: String,
    args: Vec<Arg>,
) -> Result<Vec<T>, Error> {
    let sql = sqlx::AssertSqlSafe(h.native_sql(sql));
    on_conn!(h, c => bind_all!(sqlx::query_as::<_, T>(sql), args)
        .fetch_all(&mut **c)
        .await)
    .map_err(sql_error)
}

/// Runs a statement built at run time; returns rows affected.
pub(crate) async fn execute(h: &mut Handle<'_>, sql: String, args: Vec<Arg>) -> Result<u64, Error> {
    let sql = sqlx::AssertSqlSafe(h.native_sql(sql));
    on_conn!(h, c => bind_all!(sqlx::query(sql), args)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(sql_error)
}

/// One id for `table`, as [`Handle::reserve_ids`].
pub(crate) async fn reserve_id(h: &mut Handle<'_>, table: &'static str) -> Result<i64, Error> {
    h.reserve_ids(table, 1)
        .await?
        .first()
        .copied()
        .ok_or_else(|| err!("internal", detail = "no id reserved"))
}

/// The grid a record belongs to, as the store needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Grid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    #[sqlx(try_from = "String")]
    pub kind: NodeKind,
}

/// Why a grid code cannot take a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridProblem {
    Unknown,
    NotAGrid,
    OutOfScope,
}

impl GridProblem {
    pub fn error(&self, code: &str) -> Error {
        match self {
            GridProblem::Unknown | GridProblem::OutOfScope => err!("basic.grid_unknown", code),
            GridProblem::NotAGrid => err!("basic.not_a_grid", code),
        }
    }
}

/// Looks the grid up anywhere, then judges it against the scope (the import reports the three
/// cases apart; single writes turn all three into one error via [`resolve_grid`]).
pub(crate) async fn find_grid(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Result<Grid, GridProblem>, Error> {
    let g: Option<Grid> = q!(
        h,
        fetch_optional,
        Grid,
        "SELECT id, code, name, path, kind FROM nodes WHERE code = $1 AND retired_at IS NULL",
        code.trim()
    )
    .map_err(sql_error)?;
    Ok(match g {
        None => Err(GridProblem::Unknown),
        Some(g) if !scope.contains(&g.path) => Err(GridProblem::OutOfScope),
        Some(g) if g.kind != NodeKind::Grid => Err(GridProblem::NotAGrid),
        Some(g) => Ok(g),
    })
}

pub(crate) async fn resolve_grid(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Grid, Error> {
    find_grid(h, scope, code)
        .await?
        .map_err(|p| p.error(code.trim()))
}

/// The path prefix a list reads: the narrower of the scope and `under`; `None` when they do not
/// overlap (the list is empty).
pub(crate) fn narrow(scope: &Scope, under: Option<&str>) -> Option<String> {
    let Some(under) = under.map(str::trim).filter(|u| !u.is_empty()) else {
        return Some(scope.path().to_string());
    };
    let mut under = under.to_string();
    if !under.ends_with('/') {
        under.push('/');
    }
    if under.starts_with(scope.path()) {
        Some(under)
    } else if scope.path().starts_with(&under) {
        Some(scope.path().to_string())
    } else {
        None
    }
}

/// How a list pages. Browsing (no search text) goes grid by grid, `ORDER BY path, id`, which
/// the `(path, id)` index serves without sorting however wide the scope; the page after a row
/// starts at that row's path (an index seek, not a skip). A search orders by id: its matches
/// come from a narrower index and are few.
pub(crate) struct Page<'a> {
    pub alias: &'static str,
    pub table: &'static str,
    /// The path prefix (`/…/`), from [`narrow`].
    pub prefix: &'a str,
    pub browse: bool,
    pub after_id: Option<i64>,
}

impl Page<'_> {
    /// The scope and keyset conditions, to follow a `WHERE …` (they start with ` AND`).
    pub(crate) fn conditions(&self, sql: &mut String, args: &mut Vec<Arg>) {
        let a = self.alias;
        let t = self.table;
        let mut push = |text: &str, arg: Arg, sql: &mut String| push_cond(sql, args, text, [arg]);
        match (self.browse, self.after_id) {
            (true, Some(after)) => {
                // SQLite takes the LIKE's bound over a `>=` beside it: spell the range out. (On
                // PostgreSQL paths are in the C collation, so the same range fits the index.)
                push(
                    &format!(" AND {a}.path >= (SELECT path FROM {t} WHERE id = ?)"),
                    after.into(),
                    sql,
                );
                push(
                    &format!(" AND {a}.path < ?"),
                    prefix_upper(self.prefix).into(),
                    sql,
                );
                push(
                    &format!(" AND {a}.path LIKE ?"),
                    format!("{}%", self.prefix).into(),
                    sql,
                );
                push(
                    &format!(" AND NOT ({a}.path = (SELECT path FROM {t} WHERE id = ?)"),
                    after.into(),
                    sql,
                );
                push(&format!(" AND {a}.id <= ?)"), after.into(), sql);
            }
            (_, after) => {
                push(
                    &format!(" AND {a}.path LIKE ?"),
                    format!("{}%", self.prefix).into(),
                    sql,
                );
                if let Some(after) = after {
                    push(&format!(" AND {a}.id > ?"), after.into(), sql);
                }
            }
        }
    }

    /// ` ORDER BY … LIMIT n`, to end the query.
    pub(crate) fn order(&self, limit_n: i64, sql: &mut String, args: &mut Vec<Arg>) {
        let a = self.alias;
        args.push(limit(limit_n).into());
        if self.browse {
            sql.push_str(&format!(" ORDER BY {a}.path, {a}.id LIMIT ${}", args.len()));
        } else {
            sql.push_str(&format!(" ORDER BY {a}.id LIMIT ${}", args.len()));
        }
    }
}

/// Appends `cond`, each `?` in it numbered as the next of `values` is pushed onto `args` (our
/// fragments hold no other `?`).
pub(crate) fn push_cond(
    sql: &mut String,
    args: &mut Vec<Arg>,
    cond: &str,
    values: impl IntoIterator<Item = Arg>,
) {
    let mut values = values.into_iter();
    let mut parts = cond.split('?');
    if let Some(first) = parts.next() {
        sql.push_str(first);
    }
    for part in parts {
        if let Some(v) = values.next() {
            args.push(v);
        }
        sql.push_str(&format!("${}", args.len()));
        sql.push_str(part);
    }
}

/// The least string above every string starting with `prefix` (paths end in `/`; `0` follows).
pub(crate) fn prefix_upper(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    match chars.pop() {
        Some(c) => {
            let next = char::from_u32(u32::from(c) + 1).unwrap_or(char::MAX);
            chars.push(next);
            chars.into_iter().collect()
        }
        None => "\u{10FFFF}".to_string(),
    }
}

/// `LIKE` prefix pattern for text typed by a user: wildcards are dropped.
pub(crate) fn prefix_pattern(text: &str) -> String {
    format!("{}%", text.replace(['%', '_', '\\'], ""))
}

pub(crate) fn contains_pattern(text: &str) -> String {
    format!("%{}%", text.replace(['%', '_', '\\'], ""))
}

pub(crate) fn limit(n: i64) -> i64 {
    n.clamp(1, 500)
}

/// Today in China (UTC+8), for dates the store sets itself (a tag ended on removal).
pub(crate) fn local_today(now_ms: i64) -> Result<Date, Error> {
    Date::from_days((now_ms + 8 * 3_600_000).div_euclid(86_400_000))
        .ok_or_else(|| err!("internal", detail = "the clock is out of range"))
}

/// The clear text of an optional secret of a record, for the code that seals, indexes and masks
/// it as the row is written.
pub(crate) fn exposed(value: &Option<Sensitive<String>>) -> Option<&str> {
    value.as_ref().map(|v| v.expose().as_str())
}

pub(crate) fn seal_opt(
    keys: &KeyRing,
    value: Option<&str>,
    table: &str,
    column: &str,
    row: i64,
) -> Result<Option<String>, Error> {
    value
        .map(|v| keys.seal(v, &Aad::new(table, column, &row.to_string())))
        .transpose()
}

/// Pinyin initials of a name, lower case (`张三` → `zs`), for the initials search.
pub fn name_initials(name: &str) -> String {
    wangge_domain::basic::pinyin::initials(name)
}

/// Which sealed value to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    PersonIdNumber,
    PersonPhone,
    HouseOwnerPhone,
    HouseTenantPhone,
    OrgContactPhone,
}

impl Secret {
    pub const ALL: [Secret; 5] = [
        Secret::PersonIdNumber,
        Secret::PersonPhone,
        Secret::HouseOwnerPhone,
        Secret::HouseTenantPhone,
        Secret::OrgContactPhone,
    ];

    /// (table, column holding the ciphertext, column named in the associated data)
    pub fn place(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Secret::PersonIdNumber => ("people", "id_sealed", "id_number"),
            Secret::PersonPhone => ("people", "phone_sealed", "phone"),
            Secret::HouseOwnerPhone => ("houses", "owner_phone_sealed", "owner_phone"),
            Secret::HouseTenantPhone => ("houses", "tenant_phone_sealed", "tenant_phone"),
            Secret::OrgContactPhone => ("orgs", "contact_phone_sealed", "contact_phone"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Secret::PersonIdNumber => "person_id_number",
            Secret::PersonPhone => "person_phone",
            Secret::HouseOwnerPhone => "house_owner_phone",
            Secret::HouseTenantPhone => "house_tenant_phone",
            Secret::OrgContactPhone => "org_contact_phone",
        }
    }

    pub fn parse(s: &str) -> Option<Secret> {
        Secret::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }
}

/// The shortest reason a reveal accepts.
pub const MIN_REASON_CHARS: usize = 4;

/// Opens one sealed value of a record in scope and writes exactly one `reveal` audit row naming
/// the actor, the record, the column and the reason. The caller decides whether the role may
/// reveal (`may_reveal`); the reason is required. Run inside a transaction, so the value is
/// never shown without its audit row. An empty value → `basic.no_value` (404), no audit row.
/// The value comes back [`Sensitive`]: the caller writes it out by hand where it is shown.
#[allow(clippy::too_many_arguments)]
pub async fn reveal(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    actor: &Actor,
    may_reveal: bool,
    secret: Secret,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<Sensitive<String>, Error> {
    if !may_reveal {
        return Err(err!("auth.forbidden"));
    }
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(err!("basic.reason_required", min = MIN_REASON_CHARS));
    }
    let (table, sealed_col, aad_col) = secret.place();
    let sql = format!("SELECT {sealed_col} FROM {table} WHERE id = $1 AND path LIKE $2");
    let found: Option<Option<String>> = q!(h, scalar fetch_optional, Option<String>,
        sqlx::AssertSqlSafe(sql), id, scope.like_pattern())
    .map_err(sql_error)?;
    let Some(sealed) = found else {
        return Err(err!("basic.not_found", id));
    };
    let Some(sealed) = sealed else {
        return Err(err!("basic.no_value", id, column = aad_col));
    };
    let plain = keys.open(&sealed, &Aad::new(table, aad_col, &id.to_string()))?;
    crate::audit::append(
        h,
        &crate::audit::Entry {
            actor,
            action: "reveal",
            subject_table: table,
            subject_id: Some(id),
            column_name: Some(aad_col),
            reason,
            detail: "",
        },
        now,
    )
    .await?;
    Ok(Sensitive::new(plain))
}

/// Opens one sealed column of several records in scope at once, for an export with full values:
/// record id → plaintext (records without a value are left out). Writes no audit row: the
/// export that asks writes one for the whole file, with its reason.
pub async fn open_many(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    secret: Secret,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Sensitive<String>>, Error> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(out);
    }
    let (table, sealed_col, aad_col) = secret.place();
    let list = (2..ids.len() + 2)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, {sealed_col} FROM {table} WHERE path LIKE $1 AND {sealed_col} IS NOT NULL AND id IN ({list})"
    );
    let mut args = vec![Arg::from(scope.like_pattern())];
    args.extend(ids.iter().map(|i| Arg::from(*i)));
    let rows: Vec<(i64, String)> = fetch_all(h, sql, args).await?;
    for (id, sealed) in rows {
        let plain = keys.open(&sealed, &Aad::new(table, aad_col, &id.to_string()))?;
        out.insert(id, Sensitive::new(plain));
    }
    Ok(out)
}

/// Counts under a node, from the trigger-kept `basic_counts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub people: i64,
    pub households: i64,
    pub houses: i64,
    pub orgs: i64,
    pub objects: i64,
    pub by_residence: Vec<(Residence, i64)>,
    /// Open tags per key group (a person with two groups counts in both).
    pub by_tag: Vec<(KeyGroup, i64)>,
}

/// Counts of the records under `node_path` (a grid, village, … path), which must lie in scope.
pub async fn counts(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    node_path: &str,
) -> Result<Counts, Error> {
    let prefix = narrow(scope, Some(node_path))
        .filter(|p| p.len() >= scope.path().len())
        .ok_or_else(|| err!("basic.not_found", id = node_path))?;
    let rows: Vec<(String, i64)> = q!(h, fetch_all, (String, i64),
        "SELECT metric, CAST(SUM(n) AS BIGINT) FROM basic_counts WHERE path LIKE $1 GROUP BY metric",
        format!("{prefix}%"))
    .map_err(sql_error)?;
    let tag_of: Vec<(String, KeyGroup)> = KeyGroup::ALL
        .iter()
        .map(|g| (keys.blind_index(INDEX_TAG, g.as_str()), *g))
        .collect();
    let mut c = Counts::default();
    for (metric, n) in rows {
        match metric.as_str() {
            "people" => c.people = n,
            "households" => c.households = n,
            "houses" => c.houses = n,
            "orgs" => c.orgs = n,
            "objects" => c.objects = n,
            m => {
                if let Some(r) = m.strip_prefix("residence:").and_then(Residence::parse) {
                    if n != 0 {
                        c.by_residence.push((r, n));
                    }
                } else if let Some(idx) = m.strip_prefix("tag:")
                    && let Some((_, g)) = tag_of.iter().find(|(i, _)| i == idx)
                    && n != 0
                {
                    c.by_tag.push((*g, n));
                }
            }
        }
    }
    c.by_residence
        .sort_by_key(|(r, _)| Residence::ALL.iter().position(|x| x == r));
    c.by_tag
        .sort_by_key(|(g, _)| KeyGroup::ALL.iter().position(|x| x == g));
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::{Arg, push_cond};

    #[test]
    fn conditions_number_their_placeholders_after_the_args_so_far() {
        let mut sql = String::from("WHERE TRUE");
        let mut args: Vec<Arg> = vec![1i64.into()];
        push_cond(
            &mut sql,
            &mut args,
            " AND (a LIKE ? OR b LIKE ?)",
            ["x%".into(), "y%".into()],
        );
        push_cond(&mut sql, &mut args, " AND c = ?", [true.into()]);
        assert_eq!(sql, "WHERE TRUE AND (a LIKE $2 OR b LIKE $3) AND c = $4");
        assert_eq!(
            args,
            vec![1i64.into(), "x%".into(), "y%".into(), true.into()]
        );
    }
}
