//! The audit log for administrators: who revealed, exported or imported what and why,
//! searchable by actor, action, subject and dates, and the hash chain checked on demand; as a
//! page and as JSON.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::Error;
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_store::audit::{self, AuditRow, Filter};
use wangge_store::auth::Principal;
use wangge_store::{Handle, users};

use super::access::access_of;
use super::api::{limit_of, rfc3339};
use super::form::{no_store, parse_after};
use super::views::next_href;
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(api_search))
        .route("/api/v1/audit/verify", post(api_verify))
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// A user name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub table: Option<String>,
    pub subject: Option<String>,
    /// `YYYY-MM-DD` in China time, both days included.
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<String>,
    pub verify: Option<String>,
    pub limit: Option<String>,
}

fn val(s: &Option<String>) -> &str {
    s.as_deref().map(str::trim).unwrap_or("")
}

/// Midnight of a day in China as epoch milliseconds.
fn day_start(field: &'static str, s: &str) -> Result<Date, Error> {
    Date::parse(s).map_err(|_| err!("request.bad_date", field))
}

fn ms_of(d: Date) -> i64 {
    d.days() * 86_400_000 - 8 * 3_600_000
}

pub fn require_auditor(p: &Principal) -> Result<(), Error> {
    if access_of(p)?.audit {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// The store filter a query describes; an unknown user name is a 400.
pub async fn parse_query(
    h: &mut Handle<'_>,
    p: &Principal,
    q: &AuditQuery,
) -> Result<Filter, Error> {
    let actor_user_id = match val(&q.actor) {
        "" => None,
        name => Some(
            users::by_username(h, &p.scope(), name)
                .await
                .map_err(|_| err!("audit.actor_unknown", name))?
                .id,
        ),
    };
    let subject_id = match val(&q.subject) {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| err!("request.bad_number", field = "subject"))?,
        ),
    };
    let from = match val(&q.from) {
        "" => None,
        v => Some(ms_of(day_start("from", v)?)),
    };
    let to = match val(&q.to) {
        "" => None,
        v => Some(ms_of(
            day_start("to", v)?
                .add_days(1)
                .ok_or_else(|| err!("request.bad_date", field = "to"))?,
        )),
    };
    let text = |v: &str| (!v.is_empty()).then(|| v.chars().take(40).collect::<String>());
    Ok(Filter {
        actor_user_id,
        subject_table: text(val(&q.table)),
        subject_id,
        action: text(val(&q.action)),
        from,
        to,
    })
}

pub struct RowView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub subject_href: String,
    pub column: String,
    pub reason: String,
    pub detail: String,
}

/// A name of the audit log in the page's language: the table's text under `prefix.name`, else
/// the name as stored (a name the table does not know yet still shows).
fn named(t: &Tr, prefix: &str, name: &str) -> String {
    let key = format!("{prefix}.{name}");
    if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        name.to_string()
    }
}

/// A value of the details in the reader's language: the audit table's own names, then the
/// assessment's items and measures and the volunteer catalogue's kinds (their one tables), else
/// the value as written.
fn value_name(t: &Tr, value: &str) -> String {
    ["audit.value", "assess.item", "assess.measure", "vol.kind"]
        .iter()
        .map(|prefix| format!("{prefix}.{value}"))
        .find(|key| Tr::has(key))
        .map_or_else(|| value.to_string(), |key| t.s(&key).to_string())
}

/// A table of the audit log as people call it (`people` → 实有人口).
fn table_text(t: &Tr, table: &str) -> String {
    named(t, "audit.table", table)
}

/// A column: the register's field name where it has one (`id_number` → 身份证号).
fn column_text(t: &Tr, column: &str) -> String {
    let key = format!("bf.{column}");
    if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        named(t, "audit.column", column)
    }
}

/// Reasons the system writes itself (people's reasons are shown as they typed them).
const SYSTEM_REASONS: [(&str, &str); 1] = [("re-seal under the active key", "audit.reason.reseal")];

fn reason_text(t: &Tr, reason: &str) -> String {
    match SYSTEM_REASONS.iter().find(|(r, _)| *r == reason) {
        Some((_, key)) => t.s(key).to_string(),
        None => reason.to_string(),
    }
}

/// The details (a JSON object such as `{"mode":"all","inserted":3}`) as `field: value` pairs in
/// the page's language; details that are not an object show as they are.
fn detail_text(t: &Tr, detail: &str) -> String {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        return detail.to_string();
    };
    let value = |v: &Value| match v {
        Value::Null => "—".to_string(),
        Value::Bool(b) => t.s(if *b { "common.yes" } else { "common.no" }).to_string(),
        Value::String(x) => value_name(t, x),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    map.iter()
        .map(|(k, v)| format!("{}: {}", named(t, "audit.field", k), value(v)))
        .collect::<Vec<_>>()
        .join(t.s("audit.detail_sep"))
}

fn row_view(t: &Tr, r: &AuditRow) -> RowView {
    let base = match r.subject_table.as_str() {
        "people" => "/people",
        "houses" => "/houses",
        "orgs" => "/orgs",
        "objects" => "/objects",
        _ => "",
    };
    let table = table_text(t, &r.subject_table);
    RowView {
        id: r.id,
        at: time_text(r.at),
        actor: r.actor_name.clone(),
        action: named(t, "audit.action", &r.action),
        subject: match r.subject_id {
            Some(i) => format!("{table} #{i}"),
            None => table,
        },
        subject_href: match (base, r.subject_id) {
            ("", _) | (_, None) => String::new(),
            (b, Some(i)) => format!("{b}/{i}"),
        },
        column: r
            .column_name
            .as_deref()
            .map(|c| column_text(t, c))
            .unwrap_or_default(),
        reason: reason_text(t, &r.reason),
        detail: detail_text(t, &r.detail),
    }
}

/// The tables the filter offers, with their names in the page's language.
pub struct TableChoice {
    pub value: &'static str,
    pub label: String,
}

fn table_choices(t: &Tr) -> Vec<TableChoice> {
    ["people", "houses", "orgs", "objects", "person_tags"]
        .into_iter()
        .map(|value| TableChoice {
            value,
            label: table_text(t, value),
        })
        .collect()
}

pub struct VerifyView {
    pub checked: u64,
    pub ok: bool,
    pub breaks: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "basic/audit.html")]
struct AuditPage {
    l: Layout,
    actor: String,
    action: String,
    table: String,
    subject: String,
    from: String,
    to: String,
    rows: Vec<RowView>,
    next_href: String,
    verify: Option<VerifyView>,
    error: String,
    tables: Vec<TableChoice>,
}

const PAGE: i64 = 100;

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    require_auditor(&p)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let l = Layout::new(lang, Some(p.clone()), "audit.title");
    let t = l.t;
    let (rows, more, error) = match parse_query(h, &p, &q).await {
        Ok(filter) => {
            let before = parse_after(q.before.as_deref())?;
            let rows = audit::search(h, &filter, before, PAGE + 1).await?;
            let more = rows.len() as i64 > PAGE;
            (
                rows.into_iter().take(PAGE as usize).collect::<Vec<_>>(),
                more,
                String::new(),
            )
        }
        Err(e) => (Vec::new(), false, t.error(&e)),
    };
    let verify = if val(&q.verify).is_empty() {
        None
    } else {
        let (checked, breaks) = audit::verify(h).await?;
        Some(VerifyView {
            checked,
            ok: breaks.is_empty(),
            breaks: breaks.into_iter().map(|b| (b.id, b.reason)).collect(),
        })
    };
    let params = [
        ("actor", val(&q.actor)),
        ("action", val(&q.action)),
        ("table", val(&q.table)),
        ("subject", val(&q.subject)),
        ("from", val(&q.from)),
        ("to", val(&q.to)),
    ];
    let next = next_href(
        "/audit",
        &params,
        if more {
            rows.last().map(|r| r.id)
        } else {
            None
        },
    )
    .replace("after=", "before=");
    Ok(no_store(render(AuditPage {
        rows: rows.iter().map(|r| row_view(&t, r)).collect(),
        next_href: next,
        verify,
        error,
        tables: table_choices(&t),
        actor: val(&q.actor).to_string(),
        action: val(&q.action).to_string(),
        table: val(&q.table).to_string(),
        subject: val(&q.subject).to_string(),
        from: val(&q.from).to_string(),
        to: val(&q.to).to_string(),
        l,
    })))
}

async fn api_search(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Value>> {
    require_auditor(&p)?;
    let limit = limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let filter = parse_query(h, &p, &q).await?;
    let before = parse_after(q.before.as_deref())?;
    let rows = audit::search(h, &filter, before, limit).await?;
    let full = rows.len() as i64 == limit;
    let last = rows.last().map(|r| r.id);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "at": rfc3339(r.at), "actor_user_id": r.actor_user_id,
                "actor_name": r.actor_name, "action": r.action, "subject_table": r.subject_table,
                "subject_id": r.subject_id, "column_name": r.column_name, "reason": r.reason,
                "detail": r.detail,
            })
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "next_before": if full { last.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
    })))
}

async fn api_verify(State(s): State<AppState>, Me(p): Me) -> AppResult<Json<Value>> {
    require_auditor(&p)?;
    let mut c = s.db.conn().await?;
    let (checked, breaks) = audit::verify(&mut c.handle()).await?;
    Ok(Json(json!({
        "checked": checked,
        "ok": breaks.is_empty(),
        "breaks": breaks,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn details_read_as_fields_in_the_page_language() {
        let detail = r#"{"mode":"good_rows_only","inserted":3,"problems":1,"tags":true}"#;
        let zh = detail_text(&Tr::new(Lang::Zh), detail);
        assert!(zh.contains("新增: 3"), "{zh}");
        assert!(zh.contains("只导入无误的行"), "{zh}");
        assert!(!zh.contains('{') && !zh.contains("inserted"), "{zh}");
        let en = detail_text(&Tr::new(Lang::En), detail);
        assert!(en.contains("inserted: 3"), "{en}");
        assert!(
            en.contains("tags: Yes") || en.contains("Key-group tags: Yes"),
            "{en}"
        );
        assert!(
            !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{en}"
        );
        // Text that is not an object is shown as it is.
        assert_eq!(detail_text(&Tr::new(Lang::Zh), "plain"), "plain");
    }

    #[test]
    fn tables_and_columns_are_named() {
        let zh = Tr::new(Lang::Zh);
        assert_eq!(table_text(&zh, "people"), "实有人口");
        assert_eq!(column_text(&zh, "id_number"), "身份证号");
        assert_eq!(table_text(&zh, "unknown_table"), "unknown_table");
        assert_eq!(
            reason_text(&Tr::new(Lang::Zh), "re-seal under the active key"),
            "用新密钥重新加密"
        );
    }
}
