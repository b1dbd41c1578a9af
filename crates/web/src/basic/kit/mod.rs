//! The register kit: the list, detail, new, edit, save, remove and reveal of a register's
//! records, as pages and as JSON under `/api/v1`, written once over a [`Register`].
//!
//! A register (people, houses, …) is a type describing its records: the path it lives under,
//! its form's fields (which are sealed, which required), its list's filters and columns, the
//! columns its history compares, and the store calls that read and write it. The kit brings the
//! rules every register keeps: the caller's role decides reading and writing (403), the scope
//! bounds every read and write (a record outside it is a 404), a sealed value is shown masked,
//! kept when an edit leaves it blank, and opened only by an audited reveal.
//!
//! A new register (visits, diaries …) is one file: a type, `row!` for its store row, its
//! `impl Register` with `store_calls!` for the store module, and `page_routes` and `api_routes`
//! of it merged in `basic::pages` and `basic::api`. Copy `orgs.rs` (the plainest) or `houses.rs`
//! (a point checked against its grid, the people living there); `people.rs` shows a register
//! with list and detail pages of its own.

mod api;
mod pages;

use std::collections::HashMap;
use std::future::Future;

use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wangge_domain::basic::FieldError;
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Scope, Sensitive};
use wangge_store::Handle;
use wangge_store::audit::Actor;
use wangge_store::auth::Principal;
use wangge_store::basic::people::PersonRow;
use wangge_store::basic::{self, Secret, history, registered, web_support};
use wangge_store::seal::KeyRing;

pub use self::api::api_routes;
pub use self::pages::{detail_view, list_view, page_routes, secret_views};
use super::access::{Access, access_of, actor, today};
use super::area::{check_point, under_path};
use super::form::{Coded, Fields, Opt, SaveError, f, parse_after};
use super::views::{Fact, Shown, page_links};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// Rows of a list page.
pub const PAGE: i64 = 50;

/// The table keys of a register's titles.
pub struct Keys {
    /// The list (`basic.houses_title`), also the detail page's way back.
    pub list: &'static str,
    /// One record's page.
    pub one: &'static str,
    /// The new form, also the list's button.
    pub new: &'static str,
    pub edit: &'static str,
    /// The list's search placeholder.
    pub search: &'static str,
}

/// How a field is entered.
#[derive(Clone, Copy)]
pub enum Input {
    Text,
    Tel,
    Date,
    Number,
    TextArea,
    /// One of the caller's grids.
    Grid,
    Select(Coded),
    YesNo,
}

/// A sealed field: the secret a reveal opens, and the row's column holding its mask.
#[derive(Clone, Copy)]
pub struct Sealed {
    pub secret: Secret,
    pub mask: &'static str,
}

/// One field of a register's form, its JSON body and its stored row. Its label is `bf.NAME`.
#[derive(Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub input: Input,
    /// Required; a sealed field only when new (an edit left blank keeps the stored value).
    pub required: bool,
    /// A hint's table key, or empty.
    pub hint: &'static str,
    pub sealed: Option<Sealed>,
    /// The row's column an edit form takes the value from (the name unless told).
    pub column: &'static str,
}

impl Field {
    const fn new(name: &'static str, input: Input) -> Field {
        Field {
            name,
            input,
            required: false,
            hint: "",
            sealed: None,
            column: name,
        }
    }

    /// `grid_code`, which every record has.
    pub const fn grid() -> Field {
        Field::new("grid_code", Input::Grid).required()
    }
    pub const fn text(name: &'static str) -> Field {
        Field::new(name, Input::Text)
    }
    pub const fn tel(name: &'static str) -> Field {
        Field::new(name, Input::Tel)
    }
    pub const fn date(name: &'static str) -> Field {
        Field::new(name, Input::Date)
    }
    pub const fn number(name: &'static str) -> Field {
        Field::new(name, Input::Number)
    }
    pub const fn textarea(name: &'static str) -> Field {
        Field::new(name, Input::TextArea)
    }
    pub const fn select(name: &'static str, coded: Coded) -> Field {
        Field::new(name, Input::Select(coded))
    }
    pub const fn yes_no(name: &'static str) -> Field {
        Field::new(name, Input::YesNo)
    }

    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub const fn hint(mut self, key: &'static str) -> Field {
        self.hint = key;
        self
    }
    pub const fn sealed(mut self, secret: Secret, mask: &'static str) -> Field {
        self.sealed = Some(Sealed { secret, mask });
        self
    }
    pub const fn column(mut self, column: &'static str) -> Field {
        self.column = column;
        self
    }
}

/// A filter of a list beside the text and the area: its query parameter, the label of "all",
/// and its options.
pub struct FilterDef {
    pub name: &'static str,
    pub all: &'static str,
    pub options: Choices,
}

/// The options of a filter: a coded enum's values, or a list of its own given the selection.
#[derive(Clone, Copy)]
pub enum Choices {
    Coded(Coded),
    Own(fn(&Tr, &str) -> Vec<Opt>),
}

impl FilterDef {
    pub const fn coded(name: &'static str, all: &'static str, coded: Coded) -> FilterDef {
        FilterDef {
            name,
            all,
            options: Choices::Coded(coded),
        }
    }

    /// The options with `selected` marked.
    pub fn options(&self, t: &Tr, selected: &str) -> Vec<Opt> {
        match self.options {
            Choices::Coded(c) => c.options(t, selected),
            Choices::Own(f) => f(t, selected),
        }
    }
}

/// A list's query: the text, the area, paging, and the register's own filters by name.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    under: Option<String>,
    after: Option<String>,
    limit: Option<String>,
    #[serde(flatten)]
    filters: HashMap<String, String>,
}

fn val(s: &Option<String>) -> &str {
    s.as_deref().map(str::trim).unwrap_or("")
}

impl ListQuery {
    pub fn text(&self) -> &str {
        val(&self.q)
    }
    pub fn under(&self) -> &str {
        val(&self.under)
    }
    /// A filter's value, blank when not given.
    pub fn get(&self, name: &str) -> &str {
        self.filters.get(name).map(|s| s.trim()).unwrap_or("")
    }
    /// A filter parsed with `parse`; `bad` makes the error of a value it does not know.
    pub fn pick<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        bad: impl FnOnce(&str) -> Error,
    ) -> Result<Option<T>, Error> {
        match self.get(name) {
            "" => Ok(None),
            v => parse(v).map(Some).ok_or_else(|| bad(v)),
        }
    }
    /// The parameters a page link keeps: text, area, then the filters in order.
    pub fn params(&self, filters: &[FilterDef]) -> Vec<(&'static str, &str)> {
        let mut v = vec![("q", self.text()), ("under", self.under())];
        v.extend(filters.iter().map(|fd| (fd.name, self.get(fd.name))));
        v
    }
}

/// `basic.filter_invalid` for a filter value the domain does not know.
pub fn filter_invalid(what: &str, v: &str) -> Error {
    err!("basic.filter_invalid", value = format!("{what} {v}"))
}

/// What the writes of a save or a removal need.
pub struct Ctx<'a> {
    pub keys: &'a KeyRing,
    pub scope: &'a Scope,
    pub actor: &'a Actor,
    pub now: i64,
}

/// A stored row as the kit needs it.
pub trait Row: Serialize + Send + Sync + 'static {
    fn id(&self) -> i64;
    fn removed(&self) -> bool;
}

/// [`Row`] for a store row with `id` and `removed_at`.
macro_rules! row {
    ($t:ty) => {
        impl $crate::basic::kit::Row for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn removed(&self) -> bool {
                self.removed_at.is_some()
            }
        }
    };
}
pub(crate) use row;

/// A register's store calls (`get`, `list`, `write`, `remove` and `narrow` of [`Register`]) from
/// its store module's `get`, `list`, `insert`, `update` and `remove`, and its `Filter`'s `under`
/// and `q`. The modules differ only in whether the list and the writes take the key ring: `keys`
/// passes it, `plain` does not.
macro_rules! store_calls {
    ($m:ident, list: $list:ident, write: $write:ident) => {
        fn narrow(f: &mut Self::Filter, under: Option<String>, text: Option<String>) {
            (f.under, f.q) = (under, text);
        }

        async fn get(
            h: &mut ::wangge_store::Handle<'_>,
            scope: &::wangge_domain::Scope,
            id: i64,
        ) -> Result<Self::Row, ::wangge_domain::Error> {
            $m::get(h, scope, id).await
        }

        async fn list(
            h: &mut ::wangge_store::Handle<'_>,
            keys: &::wangge_store::seal::KeyRing,
            scope: &::wangge_domain::Scope,
            filter: &Self::Filter,
            after: Option<i64>,
            limit: i64,
        ) -> Result<Vec<Self::Row>, ::wangge_domain::Error> {
            $crate::basic::kit::store_calls!(@$list $m::list, h, keys, scope, filter, after, limit)
        }

        async fn write(
            h: &mut ::wangge_store::Handle<'_>,
            c: &$crate::basic::kit::Ctx<'_>,
            id: Option<i64>,
            r: &Self::Record,
        ) -> Result<i64, ::wangge_domain::Error> {
            match id {
                Some(id) => $crate::basic::kit::store_calls!(
                    @$write $m::update, h, c.keys, c.scope, c.actor, id, r, c.now
                )
                .map(|()| id),
                None => $crate::basic::kit::store_calls!(
                    @$write $m::insert, h, c.keys, c.scope, c.actor, r, c.now
                ),
            }
        }

        async fn remove(
            h: &mut ::wangge_store::Handle<'_>,
            c: &$crate::basic::kit::Ctx<'_>,
            id: i64,
        ) -> Result<(), ::wangge_domain::Error> {
            $m::remove(h, c.scope, c.actor, id, c.now).await
        }
    };
    (@keys $f:path, $h:expr, $keys:expr, $($arg:expr),*) => {
        $f($h, $keys, $($arg),*).await
    };
    (@plain $f:path, $h:expr, $keys:expr, $($arg:expr),*) => {{
        let _ = $keys; // this module seals nothing here
        $f($h, $($arg),*).await
    }};
}
pub(crate) use store_calls;

/// What a detail page shows besides the record: a value just revealed, or the reveal's error,
/// or that a change was done.
#[derive(Default)]
pub struct Extra {
    pub revealed: Option<(Secret, Sensitive<String>)>,
    pub reveal_error: String,
    pub done: String,
}

impl Extra {
    /// The revealed value of `secret` (empty unless this response revealed it): the page
    /// shows it, on purpose.
    pub fn shown(&self, secret: Secret) -> String {
        match &self.revealed {
            Some((x, v)) if *x == secret => v.expose().clone(),
            _ => String::new(),
        }
    }
}

/// One register of basic information (see the module documentation).
pub trait Register: Sized + Send + Sync + 'static {
    /// The path segment: pages under `/BASE`, the API under `/api/v1/BASE`.
    const BASE: &'static str;
    const KEYS: Keys;
    const TABLE: history::Table;
    /// The form's fields, in order.
    const FIELDS: &'static [Field];
    const FILTERS: &'static [FilterDef];
    /// The generic list's column labels (a register with its own list page leaves them out).
    const COLUMNS: &'static [&'static str] = &[];
    /// The columns a change in the history lists, in order.
    const HISTORY: &'static [Shown];
    /// Values a new record's form starts with.
    const DEFAULTS: &'static [(&'static str, &'static str)] = &[];

    type Row: Row;
    type Filter: Send + Sync;
    /// A validated record, as the store writes it.
    type Record: Send + Sync;

    /// The detail page's heading.
    fn heading(r: &Self::Row) -> String;
    /// The generic list's cells, one per column; the first links to the record. `today` (the
    /// app's clock) is for what dates mean now, such as a lease that has ended.
    fn cells(_t: &Tr, _r: &Self::Row, _today: Date) -> Vec<String> {
        Vec::new()
    }
    fn facts(t: &Tr, r: &Self::Row, today: Date) -> Vec<Fact>;
    /// The store filter of a list query's own filters (the area and text come after).
    fn filter(a: &Access, q: &ListQuery, today: Date) -> Result<Self::Filter, Error>;
    /// Narrows a filter to a node's path and a search text.
    fn narrow(f: &mut Self::Filter, under: Option<String>, text: Option<String>);
    fn validate(values: &Fields, today: Date) -> Result<Self::Record, Vec<FieldError>>;
    /// The record's grid and point, when it has a point (which must lie in that grid).
    fn point(_r: &Self::Record) -> Option<(&str, (f64, f64))> {
        None
    }
    /// The record's ID number, when it has one: a save refused because someone holds it is
    /// audited (see `registered`).
    fn id_number(_r: &Self::Record) -> Option<&Sensitive<String>> {
        None
    }

    fn get(
        h: &mut Handle<'_>,
        scope: &Scope,
        id: i64,
    ) -> impl Future<Output = Result<Self::Row, Error>> + Send;
    fn list(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        scope: &Scope,
        filter: &Self::Filter,
        after: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Self::Row>, Error>> + Send;
    /// Inserts (`id` none) or updates a record; its id.
    fn write(
        h: &mut Handle<'_>,
        c: &Ctx<'_>,
        id: Option<i64>,
        r: &Self::Record,
    ) -> impl Future<Output = Result<i64, Error>> + Send;
    fn remove(
        h: &mut Handle<'_>,
        c: &Ctx<'_>,
        id: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The exact look-up by a sealed value a list's filter asks for (limited and audited by
    /// [`list_of`]); none unless the register searches by one.
    fn exact_lookup(_f: &Self::Filter) -> Option<basic::lookups::By> {
        None
    }
    /// An edit form's values: the row's columns by the fields' names; sealed ones stay blank.
    fn values_of(
        _h: &mut Handle<'_>,
        _scope: &Scope,
        r: &Self::Row,
    ) -> impl Future<Output = Result<Fields, Error>> + Send {
        async move { Ok(row_values(Self::FIELDS, r)) }
    }
    /// The people living in the record (a house), shown on its page and in its JSON.
    fn occupants(
        _h: &mut Handle<'_>,
        _keys: &KeyRing,
        _scope: &Scope,
        _id: i64,
    ) -> impl Future<Output = Result<Option<Vec<PersonRow>>, Error>> + Send {
        async { Ok(None) }
    }
    /// What else the record's JSON carries.
    fn extra_json(
        _h: &mut Handle<'_>,
        _keys: &KeyRing,
        _scope: &Scope,
        _a: &Access,
        _id: i64,
        _json: &mut Map<String, Value>,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }
    fn list_page(
        s: &AppState,
        lang: Lang,
        p: &Principal,
        q: &ListQuery,
    ) -> impl Future<Output = Result<Response, Error>> + Send {
        list_view::<Self>(s, lang, p, q)
    }
    fn detail(
        s: &AppState,
        lang: Lang,
        p: &Principal,
        id: i64,
        extra: Extra,
    ) -> impl Future<Output = Result<Response, Error>> + Send {
        detail_view::<Self>(s, lang, p, id, extra)
    }
}

/// The form's values from a row's JSON: text as it is, numbers as Rust writes them (`120`,
/// not `120.0`), booleans as `true`/`false`, nothing as blank.
pub fn row_values(fields: &[Field], row: &impl Serialize) -> Fields {
    let json = json!(row);
    fields
        .iter()
        .filter(|fd| fd.sealed.is_none())
        .filter_map(|fd| {
            let text = match json.get(fd.column)? {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => i.to_string(),
                    (None, Some(x)) => x.to_string(),
                    _ => n.to_string(),
                },
                other => other.to_string(),
            };
            Some((fd.name.to_string(), text))
        })
        .collect()
}

pub(crate) fn secrets_of<R: Register>() -> Vec<Secret> {
    R::FIELDS
        .iter()
        .filter_map(|fd| fd.sealed.map(|s| s.secret))
        .collect()
}

/// A list query checked: the store filter and the id to continue after.
pub async fn parse_list<R: Register>(
    h: &mut Handle<'_>,
    scope: &Scope,
    a: &Access,
    q: &ListQuery,
    today: Date,
) -> Result<(R::Filter, Option<i64>), Error> {
    let mut filter = R::filter(a, q, today)?;
    let text = q.text();
    R::narrow(
        &mut filter,
        under_path(h, scope, q.under()).await?,
        (!text.is_empty()).then(|| text.chars().take(60).collect()),
    );
    Ok((filter, parse_after(q.after.as_deref())?))
}

/// A register's list for a signed-in user. An exact look-up by an ID number or a phone is first
/// counted against the user's hourly limit (`privacy.lookup_limit`, 429), then run and written
/// to the audit log with the records it found, in one transaction: never found without its row.
pub async fn list_of<R: Register>(
    s: &AppState,
    h: &mut Handle<'_>,
    p: &Principal,
    scope: &Scope,
    filter: &R::Filter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<R::Row>, Error> {
    let Some(by) = R::exact_lookup(filter) else {
        return R::list(h, &s.keys, scope, filter, after, limit).await;
    };
    let (who, now) = (actor(p), s.now());
    let mut tx = s.db.begin().await?;
    let th = &mut tx.handle();
    basic::lookups::admit(th, &who, s.config.lookups_per_hour, now).await?;
    let rows = R::list(th, &s.keys, scope, filter, after, limit).await?;
    let ids: Vec<i64> = rows.iter().map(Row::id).collect();
    basic::lookups::record(th, &who, R::BASE, by, &ids, now).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One page of a list: at most [`PAGE`] rows, and the links to the next page and the first.
pub struct Listed<R: Register> {
    pub filter: R::Filter,
    pub after: Option<i64>,
    pub rows: Vec<R::Row>,
    pub next_href: String,
    pub first_href: String,
}

/// Reads one page of a list for the pages (one row more than shown tells whether a next follows).
pub async fn list_rows<R: Register>(
    s: &AppState,
    h: &mut Handle<'_>,
    p: &Principal,
    scope: &Scope,
    a: &Access,
    q: &ListQuery,
) -> Result<Listed<R>, Error> {
    let (filter, after) = parse_list::<R>(h, scope, a, q, today(s.now())?).await?;
    let mut rows = list_of::<R>(s, h, p, scope, &filter, after, PAGE + 1).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let last = if more { rows.last().map(Row::id) } else { None };
    let (next_href, first_href) = page_links(&format!("/{}", R::BASE), &q.params(R::FILTERS), last);
    Ok(Listed {
        filter,
        after,
        rows,
        next_href,
        first_href,
    })
}

pub async fn save<R: Register>(
    s: &AppState,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
) -> Result<i64, SaveError> {
    access_of(p)?.require_write()?;
    let scope = p.scope();
    let mut values = values.clone();
    let mut tx = s.db.begin().await?;
    if let Some(id) = id {
        let h = &mut tx.handle();
        for (name, secret) in R::FIELDS
            .iter()
            .filter_map(|fd| Some((fd.name, fd.sealed?.secret)))
        {
            if f(&values, name).is_empty()
                && let Some(v) = web_support::current_secret(h, &s.keys, &scope, secret, id).await?
            {
                // Back into the form it is validated and sealed from, never shown.
                values.insert(name.to_string(), v.into_inner());
            }
        }
    }
    let now = s.now();
    let record = R::validate(&values, today(now)?).map_err(SaveError::Fields)?;
    if let Some((grid, point)) = R::point(&record) {
        check_point(s, grid, Some(point)).map_err(|e| SaveError::Fields(vec![e]))?;
    }
    let who = actor(p);
    let c = Ctx {
        keys: &s.keys,
        scope: &scope,
        actor: &who,
        now,
    };
    let written = R::write(&mut tx.handle(), &c, id, &record).await;
    let new_id = match written {
        Ok(new_id) => new_id,
        Err(e) => {
            // The refusal rolled the save back; its audit row is written apart.
            drop(tx);
            if registered::is_conflict(&e)
                && let Some(n) = R::id_number(&record)
            {
                registered::audit_refused_save(&s.db, &s.keys, &scope, &who, n, id, now).await?;
            }
            return Err(e.into());
        }
    };
    tx.commit().await?;
    Ok(new_id)
}

/// Soft-removes a record (its history keeps it).
pub async fn remove<R: Register>(s: &AppState, p: &Principal, id: i64) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let scope = p.scope();
    let who = actor(p);
    let c = Ctx {
        keys: &s.keys,
        scope: &scope,
        actor: &who,
        now: s.now(),
    };
    let mut tx = s.db.begin().await?;
    R::remove(&mut tx.handle(), &c, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens one of a record's sealed values (the store checks the scope and writes the audit row).
pub async fn reveal_secret<R: Register>(
    s: &AppState,
    p: &Principal,
    secret: &str,
    id: i64,
    reason: &str,
) -> Result<(Secret, Sensitive<String>), Error> {
    let a = access_of(p)?;
    let secret = Secret::parse(secret)
        .filter(|x| secrets_of::<R>().contains(x))
        .ok_or_else(|| err!("basic.secret_invalid"))?;
    let mut tx = s.db.begin().await?;
    let value = basic::reveal(
        &mut tx.handle(),
        &s.keys,
        &p.scope(),
        &actor(p),
        a.reveal,
        secret,
        id,
        reason,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((secret, value))
}
