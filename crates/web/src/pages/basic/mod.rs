//! Basic information pages (人、房、组织、物): lists with search and keyset paging, detail pages
//! with masked secrets and an audited reveal, create/edit forms with per-field errors, and the
//! audit log. The same helpers serve the JSON API in `api_basic`.

/// `(code, Chinese label)` of every value of a coded enum.
macro_rules! pairs {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| (v.as_str(), v.label_zh()))
            .collect::<Vec<(&'static str, &'static str)>>()
    };
}

pub mod audit;
pub mod houses;
pub mod objects;
pub mod orgs;
pub mod people;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use wangge_domain::basic::{FieldError, access};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Role, Scope};
use wangge_store::Handle;
use wangge_store::audit::Actor;
use wangge_store::auth::Principal;
use wangge_store::basic::history::HistoryRow;
use wangge_store::nodes;

use super::time_text;
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(people::routes())
        .merge(houses::routes())
        .merge(orgs::routes())
        .merge(objects::routes())
        .merge(audit::routes())
}

/// What the caller's role may do with basic information (inside their scope).
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub role: Role,
    pub write: bool,
    pub tags: bool,
    pub reveal: bool,
    pub audit: bool,
}

/// The caller's rights; a role that may not read the register at all is refused (403).
pub fn access_of(p: &Principal) -> Result<Access, Error> {
    let role = p
        .role()
        .ok_or_else(|| err!("internal", detail = "unknown role"))?;
    if !access::may_read(role) {
        return Err(err!("auth.forbidden"));
    }
    Ok(Access {
        role,
        write: access::may_write(role),
        tags: access::may_see_tags(role),
        reveal: access::may_reveal(role),
        audit: access::may_audit(role),
    })
}

impl Access {
    pub fn require_write(&self) -> Result<(), Error> {
        if self.write {
            Ok(())
        } else {
            Err(err!("auth.forbidden"))
        }
    }
}

pub fn actor(p: &Principal) -> Actor {
    Actor::user(p.user_id, p.display_name.clone())
}

/// Today in China (UTC+8).
pub fn today(now_ms: i64) -> Result<Date, Error> {
    Date::from_days((now_ms + 8 * 3_600_000).div_euclid(86_400_000))
        .ok_or_else(|| err!("internal", detail = "the clock is out of range"))
}

/// A posted form's fields (the last value of a repeated name wins).
pub type Fields = HashMap<String, String>;

pub fn bad_form(m: impl Into<String>) -> Error {
    err!("request.bad_form", reason = Into::<String>::into(m))
}

pub async fn read_form(req: Request) -> Result<Fields, Error> {
    let axum::Form(list) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
        .await
        .map_err(|e| bad_form(e.body_text()))?;
    Ok(list.into_iter().collect())
}

pub fn f<'a>(m: &'a Fields, name: &str) -> &'a str {
    m.get(name).map(|s| s.trim()).unwrap_or("")
}

/// Field errors as one 400 whose details list each `{field, code, message}`.
pub fn fields_error(errs: &[FieldError]) -> Error {
    let names: Vec<&str> = errs.iter().map(|e| e.field).collect();
    err!("basic.invalid_fields", fields = names.join(", "))
        .with_details(serde_json::json!({ "fields": errs }))
}

/// A point must lie in the grid it is entered for (the locate index knows the boundaries).
pub fn check_point(
    s: &AppState,
    grid_code: &str,
    point: Option<(f64, f64)>,
) -> Result<(), FieldError> {
    let Some((lon, lat)) = point else {
        return Ok(());
    };
    let index = s.locate_index();
    match index.locate(lon, lat) {
        Some(g) if g.code == grid_code.trim() => Ok(()),
        Some(g) => Err(FieldError::new(
            "lon",
            err!(
                "point.other_grid",
                grid = g.code,
                grid_name = g.name,
                chosen = grid_code
            ),
        )),
        None => Err(FieldError::new("lon", err!("point.outside"))),
    }
}

/// The path of a node the caller names to narrow a list (`under`); empty means their own.
pub async fn under_path(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Option<String>, Error> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    Ok(Some(nodes::by_code(h, scope, code).await?.path))
}

/// Nodes to narrow a list by: two levels below the caller's node (a township's villages and
/// grids, a county's townships and villages), read child list by child list so that a large
/// area costs a few small reads; a deeper `under` the caller typed is kept as an option.
pub async fn node_options(
    h: &mut Handle<'_>,
    p: &Principal,
    selected: &str,
) -> Result<Vec<Opt>, Error> {
    const AREAS: [&str; 4] = ["county", "township", "village", "grid"];
    let scope = p.scope();
    let mut list = Vec::new();
    let kids = nodes::children(h, &scope, p.node_id).await?;
    for k in kids
        .iter()
        .filter(|k| AREAS.contains(&k.kind.as_str()))
        .take(60)
    {
        list.push((0, k.clone()));
        if k.kind != "grid" {
            for g in nodes::children(h, &scope, k.id).await? {
                if AREAS.contains(&g.kind.as_str()) {
                    list.push((1, g));
                }
            }
        }
    }
    if !selected.is_empty()
        && !list.iter().any(|(_, n)| n.code == selected)
        && let Ok(n) = nodes::by_code(h, &scope, selected).await
    {
        list.insert(
            0,
            (
                0,
                nodes::NodeSummary {
                    id: n.id,
                    code: n.code,
                    kind: n.kind,
                    name: n.name,
                    parent_id: n.parent_id,
                    path: n.path,
                    grid_kind: n.grid_kind,
                    area_m2: None,
                    households: None,
                    population: None,
                    phone: None,
                },
            ),
        );
    }
    Ok(list
        .into_iter()
        .map(|(depth, n)| Opt {
            selected: n.code == selected,
            label: format!("{}{} {}", if depth > 0 { "　" } else { "" }, n.name, n.code),
            value: n.code,
        })
        .collect())
}

/// The grids in scope, for a record's grid field.
pub async fn grid_options(
    h: &mut Handle<'_>,
    scope: &Scope,
    selected: &str,
) -> Result<Vec<Opt>, Error> {
    let list = nodes::search(h, scope, "", 500).await?;
    Ok(list
        .into_iter()
        .filter(|n| n.kind == "grid")
        .map(|n| Opt {
            selected: n.code == selected,
            label: format!("{} {}", n.name, n.code),
            value: n.code,
        })
        .collect())
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from a coded enum: (code, Chinese label) pairs, English labels from the table.
pub fn coded_options(
    t: &Tr,
    prefix: &str,
    all: &[(&'static str, &'static str)],
    selected: &str,
) -> Vec<Opt> {
    all.iter()
        .map(|(code, zh)| Opt {
            value: code.to_string(),
            label: coded_label(t, prefix, code, zh),
            selected: *code == selected,
        })
        .collect()
}

/// A coded value's label: the table's `prefix.code` in English, the domain's Chinese label.
pub fn coded_label(t: &Tr, prefix: &str, code: &str, zh: &str) -> String {
    let key = format!("{prefix}.{code}");
    match t.lang {
        crate::i18n::Lang::Zh => zh.to_string(),
        crate::i18n::Lang::En if Tr::has(&key) => t.s(&key).to_string(),
        crate::i18n::Lang::En => zh.to_string(),
    }
}

/// One input of a record form.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// text, select, date, number, textarea
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub error: String,
    pub required: bool,
    pub hint: String,
}

/// Builds the inputs of a form from (name, label key, kind, required, options).
pub struct FormBuilder<'a> {
    pub t: &'a Tr,
    pub values: &'a Fields,
    pub errors: &'a [FieldError],
    pub fields: Vec<FieldView>,
}

impl<'a> FormBuilder<'a> {
    pub fn new(t: &'a Tr, values: &'a Fields, errors: &'a [FieldError]) -> FormBuilder<'a> {
        FormBuilder {
            t,
            values,
            errors,
            fields: Vec::new(),
        }
    }

    fn error_of(&self, name: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| field_error_text(self.t, e))
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn add(&mut self, name: &str, kind: &'static str, required: bool) -> &mut FieldView {
        let label = self.t.s(&format!("bf.{name}")).to_string();
        let value = f(self.values, name).to_string();
        self.fields.push(FieldView {
            name: name.to_string(),
            label,
            kind,
            error: self.error_of(name),
            value,
            options: Vec::new(),
            required,
            hint: String::new(),
        });
        let n = self.fields.len() - 1;
        &mut self.fields[n]
    }

    pub fn select(&mut self, name: &str, required: bool, options: Vec<Opt>) -> &mut FieldView {
        let value = f(self.values, name).to_string();
        let v = self.add(name, "select", required);
        v.options = options
            .into_iter()
            .map(|mut o| {
                o.selected = o.value == value;
                o
            })
            .collect();
        v
    }

    pub fn yes_no(&mut self, name: &str) -> &mut FieldView {
        let t = self.t;
        let opts = vec![
            Opt {
                value: "false".into(),
                label: t.s("common.no").into(),
                selected: false,
            },
            Opt {
                value: "true".into(),
                label: t.s("common.yes").into(),
                selected: false,
            },
        ];
        self.select(name, false, opts)
    }

    /// Errors naming no field of the form (shown above it).
    pub fn loose_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| !self.fields.iter().any(|v| v.name == e.field))
            .map(|e| format!("{}: {}", e.field, field_error_text(self.t, e)))
            .collect()
    }
}

/// A field error in the page's language, from the error table.
pub fn field_error_text(t: &Tr, e: &FieldError) -> String {
    e.text(t.lang == crate::i18n::Lang::Zh)
}

/// A line of a record's change history: who, when, and for a change what each field was.
pub struct HistoryView {
    pub at: String,
    pub action: String,
    pub actor: String,
    /// `label: before → after` for each shown field that changed.
    pub changes: Vec<String>,
}

/// The record's history, newest first. Each row keeps the record as it was before; the state
/// after is the next row's "before", or `current` for the latest. Only `fields` (plain columns
/// and masks, never ciphertexts) are compared: `(column, label key)`.
pub fn history_view(
    t: &Tr,
    rows: &[HistoryRow],
    current: &serde_json::Value,
    fields: &[(&str, &str)],
    label: impl Fn(&str, &str) -> Option<String>,
) -> Vec<HistoryView> {
    let parsed: Vec<Option<serde_json::Value>> = rows
        .iter()
        .map(|r| {
            r.before_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
        })
        .collect();
    let text = |col: &str, v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_string(),
        Some(serde_json::Value::String(s)) => label(col, s).unwrap_or_else(|| s.clone()),
        Some(serde_json::Value::Bool(b)) => t.s(if *b { "common.yes" } else { "common.no" }).into(),
        Some(v) => v.to_string(),
    };
    let mut out: Vec<HistoryView> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let after = parsed
                .iter()
                .skip(i + 1)
                .find_map(|x| x.as_ref())
                .unwrap_or(current);
            let changes = match (&parsed[i], r.action.as_str()) {
                (Some(before), "update") => fields
                    .iter()
                    .filter_map(|(col, key)| {
                        let (b, a) = (before.get(*col)?, after.get(*col)?);
                        // Booleans may be stored as 0/1.
                        let same = b == a
                            || (b.as_i64().is_some() && a.as_bool().map(i64::from) == b.as_i64());
                        (!same).then(|| {
                            format!(
                                "{}:{} → {}",
                                t.s(key),
                                text(col, Some(b)),
                                text(col, Some(a))
                            )
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            HistoryView {
                at: time_text(r.at),
                action: t.s(&format!("basic.change.{}", r.action)).to_string(),
                actor: r.actor_name.clone(),
                changes,
            }
        })
        .collect();
    out.reverse();
    out
}

/// A label and a value of a detail page.
pub struct Fact {
    pub label: String,
    pub value: String,
    pub href: String,
}

pub fn fact(t: &Tr, key: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: t.s(key).to_string(),
        value: value.into(),
        href: String::new(),
    }
}

/// A masked secret with its reveal form (when the role may reveal and there is a value).
pub struct SecretView {
    pub secret: String,
    pub label: String,
    pub masked: String,
    /// The full value, on the one response that revealed it.
    pub revealed: String,
}

/// Pages showing a revealed value must not be kept by the browser or a proxy.
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `?after=ID` links of a keyset-paged list, keeping the other parameters.
pub fn next_href(base: &str, params: &[(&str, &str)], last_id: Option<i64>) -> String {
    let Some(last) = last_id else {
        return String::new();
    };
    let mut q: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", super::urlencode(v)))
        .collect();
    q.push(format!("after={last}"));
    format!("{base}?{}", q.join("&"))
}

/// Parses a positive id from a path or query; anything else is "not found".
pub fn parse_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| err!("basic.not_found", id = s))
}

pub fn parse_after(s: Option<&str>) -> Result<Option<i64>, Error> {
    match s.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| err!("request.bad_number", field = "after")),
    }
}

/// A (lon, lat) pair as the forms show it.
pub fn num_text(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

pub fn opt_text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// A select of a list's filters.
pub struct SelectView {
    pub name: String,
    pub all_label: String,
    pub options: Vec<Opt>,
}

/// A row of a generic list: the link and the cells (the first cell is the link's text).
pub struct ListRow {
    pub href: String,
    pub cells: Vec<String>,
}

/// The list page of houses, organisations and objects.
#[derive(askama::Template)]
#[template(path = "basic_list.html")]
pub struct ListPage {
    pub l: super::Layout,
    pub base: String,
    pub new_href: String,
    pub new_label: String,
    pub placeholder: String,
    pub q: String,
    pub nodes: Vec<Opt>,
    pub selects: Vec<SelectView>,
    pub columns: Vec<String>,
    pub rows: Vec<ListRow>,
    pub next_href: String,
    pub first_href: String,
    pub paged: bool,
}

/// The detail page of a house, an organisation or an object.
#[derive(askama::Template)]
#[template(path = "basic_record.html")]
pub struct RecordPage {
    pub l: super::Layout,
    pub heading: String,
    pub back_href: String,
    pub back_label: String,
    pub base: String,
    pub removed: bool,
    pub write: bool,
    pub reveal: bool,
    pub done: String,
    pub facts: Vec<Fact>,
    pub secrets: Vec<SecretView>,
    pub reveal_error: String,
    pub occupants: Vec<people::RowView>,
    pub show_occupants: bool,
    pub history: Vec<HistoryView>,
}

/// Opens one of a record's secrets (the store checks the scope and writes the audit row).
pub async fn reveal_secret(
    s: &AppState,
    p: &Principal,
    allowed: &[wangge_store::basic::Secret],
    secret: &str,
    id: i64,
    reason: &str,
) -> Result<(wangge_store::basic::Secret, String), Error> {
    let a = access_of(p)?;
    let secret = wangge_store::basic::Secret::parse(secret)
        .filter(|x| allowed.contains(x))
        .ok_or_else(|| err!("basic.secret_invalid"))?;
    let mut tx = s.db.begin().await?;
    let value = wangge_store::basic::reveal(
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

/// The status a page shows a failed save or reveal with.
pub fn status_of(e: &Error) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(e.status).unwrap_or(axum::http::StatusCode::BAD_REQUEST)
}

/// Renders the shared form page.
pub fn form_page(
    l: super::Layout,
    action: String,
    back: String,
    b: FormBuilder<'_>,
    general: Option<&Error>,
) -> Response {
    let mut loose = b.loose_errors();
    if let Some(e) = general {
        loose.insert(0, l.t.error(e));
    }
    let failed = !b.errors.is_empty() || general.is_some();
    let status = match general {
        Some(e) => status_of(e),
        None if failed => axum::http::StatusCode::BAD_REQUEST,
        None => axum::http::StatusCode::OK,
    };
    let mut r = super::render(people::FormPage {
        heading: l.title.clone(),
        action,
        back,
        fields: b.fields,
        errors: loose,
        l,
    });
    *r.status_mut() = status;
    no_store(r)
}

/// The basic-information counts a grid, village or township page shows.
pub struct CountsCard {
    pub code: String,
    pub main: Vec<people::CountView>,
    pub by_residence: Vec<people::CountView>,
    pub by_tag: Vec<people::CountView>,
}

/// The counts card of a node, or `None` for roles that do not read the register.
pub async fn counts_card(
    s: &AppState,
    h: &mut Handle<'_>,
    p: &Principal,
    t: &Tr,
    code: &str,
    path: &str,
) -> Result<Option<CountsCard>, Error> {
    let Ok(a) = access_of(p) else {
        return Ok(None);
    };
    let (main, by_residence, by_tag) =
        people::count_views(s, h, t, &p.scope(), path, a.tags).await?;
    Ok(Some(CountsCard {
        code: code.to_string(),
        main,
        by_residence,
        by_tag,
    }))
}

/// Households and people of a grid from the register, for the public notice board (no tags).
pub async fn public_counts(
    s: &AppState,
    h: &mut Handle<'_>,
    path: &str,
) -> Result<(i64, i64), Error> {
    let c = s.basic_counts(h, &Scope::of_path(path), path).await?;
    Ok((c.households, c.people))
}
