//! What the JSON of basic information under `/api/v1` shares. The API keeps the pages' rules:
//! records outside the caller's scope are 404s, roles that may not read, write, see tags or
//! reveal get 403s, bad fields a 400 whose `details.fields` lists `{field, code, message}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::deadline::format_rfc3339;
use wangge_domain::err;
use wangge_domain::{Error, Sensitive};
use wangge_store::basic::{self, history};

use super::form::{Fields, no_store};

/// Epoch milliseconds as RFC 3339 in China time.
pub fn rfc3339(ms: i64) -> String {
    format_rfc3339(ms).unwrap_or_default()
}

/// A JSON object's values as form fields: strings as they are, numbers and booleans as text,
/// null as blank.
pub fn fields_of(body: &Map<String, Value>) -> Result<Fields, Error> {
    let mut m = Fields::new();
    for (k, v) in body {
        let s = match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(err!(
                    "request.invalid",
                    reason = format!("{k} must be text, a number or true/false")
                ));
            }
        };
        m.insert(k.clone(), s);
    }
    Ok(m)
}

pub fn limit_of(s: Option<&str>) -> Result<i64, Error> {
    match s.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(50),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| err!("request.bad_number", field = "limit")),
    }
}

/// `{items, next_after}`: `next_after` is the id to pass as `after` for the next page.
pub fn page_json(items: Vec<Value>, last_id: Option<i64>, full: bool) -> Value {
    json!({
        "items": items,
        "next_after": if full { last_id.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
    })
}

/// A page of serialisable rows; a full page names the id to continue after.
pub fn rows_page_json<T: serde::Serialize>(
    rows: &[T],
    limit: i64,
    id: impl Fn(&T) -> i64,
) -> Value {
    page_json(
        rows.iter().map(|r| json!(r)).collect(),
        rows.last().map(id),
        rows.len() as i64 == limit,
    )
}

pub fn history_json(rows: &[history::HistoryRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| json!({"action": r.action, "actor": r.actor_name, "at": rfc3339(r.at)}))
        .collect()
}

/// `{id}` with the status of a create (201) or an update (200).
pub fn saved(status: StatusCode, id: i64) -> Response {
    (status, Json(json!({ "id": id }))).into_response()
}

#[derive(Deserialize)]
pub struct RevealReq {
    pub secret: String,
    #[serde(default)]
    pub reason: String,
}

/// The value, with `Cache-Control: no-store`: the one answer that writes it out.
pub fn revealed_json(secret: basic::Secret, value: &Sensitive<String>) -> Response {
    no_store(Json(json!({"secret": secret.as_str(), "value": value.expose()})).into_response())
}
