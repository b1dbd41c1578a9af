//! Open311 GeoReport v2 under `/open311/v2/`: categories as services, requests as events.
//!
//! Every endpoint answers in the format its suffix names (`.json` or `.xml`); an unknown or
//! missing suffix is a 404. Errors follow the specification: HTTP 400 / 403 / 404 / 500 with
//! `[{"code": 400, "description": "…"}]` or `<errors><error>…</error></errors>`.
//!
//! Posting needs an `api_key` (stored hashed, see `wangge_store::open311`); reading is public and
//! shows public facts only — never the reporter's name, phone or e-mail, never internal notes.
//! Parameters are read from the query string and from a form-encoded body alike (the community's
//! description of the API puts them in the query, the written specification in the body).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use wangge_domain::deadline::format_rfc3339;
use wangge_domain::event::{Actor, Urgency};
use wangge_domain::{Error, Scope};
use wangge_store::events::{self, Caller, ReportInput, Source};
use wangge_store::open311::{self as store, PublicRequest, RequestFilter};

use crate::state::AppState;

pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this server's service list or its attributes last changed in form.
const CHANGESET: &str = "2026-01-01T00:00:00+08:00";
/// `GET requests` answers at most this many, over at most this many days.
const MAX_REQUESTS: i64 = 1000;
const WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;
const MAX_SUBMISSION_KEY: usize = 128;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(get_top).post(post_top))
        .route("/open311/v2/services/{file}", get(get_service))
        .route("/open311/v2/requests/{file}", get(get_request))
        // The community's Swagger description spells this path in the singular.
        .route("/open311/v2/request/{file}", get(get_request))
        .route("/open311/v2/tokens/{file}", get(get_token))
}

// ---------------------------------------------------------------------------------------------
// Formats: one small value tree written as JSON or as the specification's XML.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// `requests.json` → (`requests`, JSON).
pub fn split_format(file: &str) -> Option<(&str, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((stem, Format::Json)),
        "xml" => Some((stem, Format::Xml)),
        _ => None,
    }
}

/// A value that writes as JSON and as GeoReport XML, keeping the specification's field order.
#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    Obj(Vec<(&'static str, V)>),
    /// A list and the element name of its items in XML (`services` → `service`).
    List(&'static str, Vec<V>),
}

fn s(text: impl Into<String>) -> V {
    V::Str(text.into())
}

fn opt_s(text: Option<String>) -> V {
    text.map(V::Str).unwrap_or(V::Null)
}

fn opt_num(n: Option<f64>) -> V {
    n.map(V::Num).unwrap_or(V::Null)
}

fn time(ms: Option<i64>) -> V {
    ms.and_then(|m| format_rfc3339(m).ok())
        .map(V::Str)
        .unwrap_or(V::Null)
}

fn json_number(n: f64) -> String {
    serde_json::Number::from_f64(n)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "null".to_string())
}

fn write_json(v: &V, out: &mut String) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Num(n) => out.push_str(&json_number(*n)),
        V::Str(t) => out.push_str(&serde_json::to_string(t).unwrap_or_else(|_| "\"\"".to_string())),
        V::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(k);
                out.push_str("\":");
                write_json(v, out);
            }
            out.push('}');
        }
        V::List(_, items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out);
            }
            out.push(']');
        }
    }
}

/// Escapes text for XML and drops the characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn write_xml(name: &str, v: &V, out: &mut String) {
    let open = |out: &mut String| {
        out.push('<');
        out.push_str(name);
        out.push('>');
    };
    let close = |out: &mut String| {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    };
    match v {
        V::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        V::Bool(b) => {
            open(out);
            out.push_str(if *b { "true" } else { "false" });
            close(out);
        }
        V::Int(i) => {
            open(out);
            out.push_str(&i.to_string());
            close(out);
        }
        V::Num(n) => {
            open(out);
            out.push_str(&json_number(*n));
            close(out);
        }
        V::Str(t) => {
            open(out);
            xml_escape(t, out);
            close(out);
        }
        V::Obj(fields) => {
            open(out);
            for (k, v) in fields {
                write_xml(k, v, out);
            }
            close(out);
        }
        V::List(item, items) => {
            open(out);
            for v in items {
                write_xml(item, v, out);
            }
            close(out);
        }
    }
}

/// The answer: `root` names the XML document element.
fn reply(format: Format, status: StatusCode, root: &str, v: &V) -> Response {
    let mut body = String::with_capacity(512);
    let content_type = match format {
        Format::Json => {
            write_json(v, &mut body);
            "application/json; charset=utf-8"
        }
        Format::Xml => {
            body.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            write_xml(root, v, &mut body);
            "text/xml; charset=utf-8"
        }
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An error as the specification writes it.
fn error_reply(format: Format, status: u16, description: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let v = V::List(
        "error",
        vec![V::Obj(vec![
            ("code", V::Int(i64::from(code.as_u16()))),
            ("description", s(description)),
        ])],
    );
    reply(format, code, "errors", &v)
}

/// Maps our error to the specification's statuses. In a POST a missing reference (an unknown
/// grid) is a bad request, not a missing resource.
fn domain_error(format: Format, e: &Error, post: bool) -> Response {
    let status = match e.status {
        401 | 403 => 403,
        404 if !post => 404,
        s if s >= 500 => 500,
        _ => 400,
    };
    if status == 500 {
        tracing::error!(error = %e, "open311 request failed");
        return error_reply(format, 500, "internal error; please try again later");
    }
    error_reply(format, status, &e.message)
}

fn bad(format: Format, description: &str) -> Response {
    error_reply(format, 400, description)
}

fn unknown_format(file: &str) -> Response {
    error_reply(
        Format::Json,
        404,
        &format!("{file}: name a format, .json or .xml"),
    )
}

// ---------------------------------------------------------------------------------------------
// Parameters.

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component; a stray `%` stays as it is.
fn url_decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = (
                    b.get(i + 1).copied().and_then(hex_value),
                    b.get(i + 2).copied().and_then(hex_value),
                );
                if let (Some(h), Some(l)) = pair {
                    out.push(h * 16 + l);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Name–value pairs of a query string or form body; `None` when not UTF-8.
pub fn parse_pairs(text: &str) -> Option<Vec<(String, String)>> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((url_decode(k)?, url_decode(v)?))
        })
        .collect()
}

struct Params(Vec<(String, String)>);

impl Params {
    /// The last non-empty value given for `name` (a body value overrides the query's).
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

fn query_params(format: Format, raw: Option<String>) -> Result<Params, Box<Response>> {
    match raw {
        None => Ok(Params(Vec::new())),
        Some(q) => parse_pairs(&q)
            .map(Params)
            .ok_or_else(|| Box::new(bad(format, "the query string is not valid UTF-8"))),
    }
}

fn parse_coordinate(text: &str, name: &str, limit: f64) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (-limit..=limit).contains(&v) => Ok(v),
        _ => Err(format!(
            "{name} must be a number of WGS-84 degrees between -{limit} and {limit}"
        )),
    }
}

/// An instant in a query: RFC 3339 / W3C date-time; a date or a time without offset is read in
/// China Standard Time.
fn parse_instant(text: &str) -> Option<i64> {
    use wangge_domain::deadline::parse_rfc3339;
    let t = text.trim();
    parse_rfc3339(t).ok().or_else(|| match t.len() {
        10 => parse_rfc3339(&format!("{t}T00:00:00+08:00")).ok(),
        16 => parse_rfc3339(&format!("{t}:00+08:00")).ok(),
        _ => parse_rfc3339(&format!("{t}+08:00")).ok(),
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers.

async fn get_top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some((name, format)) = split_format(&file) else {
        return unknown_format(&file);
    };
    let params = match query_params(format, raw) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match name {
        "discovery" => discovery(&state, format),
        "services" => services(&state, format).await,
        "requests" => list_requests(&state, format, &params).await,
        _ => error_reply(format, 404, &format!("no resource {name}")),
    }
}

fn discovery(state: &AppState, format: Format) -> Response {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let v = V::Obj(vec![
        ("changeset", s(CHANGESET)),
        (
            "contact",
            s(format!("网格化服务管理中心 (grid service centre): {base}")),
        ),
        (
            "key_service",
            s("API 密钥由系统管理员签发 (api_key is issued by the administrator of this platform)"),
        ),
        (
            "endpoints",
            V::List(
                "endpoint",
                vec![V::Obj(vec![
                    ("specification", s(SPECIFICATION)),
                    ("url", s(format!("{base}/open311/v2"))),
                    ("changeset", s(CHANGESET)),
                    ("type", s("production")),
                    (
                        "formats",
                        V::List("format", vec![s("application/json"), s("text/xml")]),
                    ),
                ])],
            ),
        ),
    ]);
    reply(format, StatusCode::OK, "discovery", &v)
}

/// The services: categories that take new reports.
async fn categories(state: &AppState) -> Result<Vec<events::Category>, Error> {
    let mut c = state.db.conn().await?;
    events::open_categories(&mut c.handle()).await
}

fn service_value(c: &events::Category, group: &str) -> V {
    V::Obj(vec![
        ("service_code", s(&c.code)),
        ("service_name", s(&c.name)),
        (
            "description",
            s(format!("{group} · {} ({})", c.name, c.name_en)),
        ),
        ("metadata", V::Bool(true)),
        ("type", s("realtime")),
        ("keywords", s(format!("{}, {}, {group}", c.name, c.name_en))),
        ("group", s(group)),
    ])
}

async fn services(state: &AppState, format: Format) -> Response {
    let all = match categories(state).await {
        Ok(a) => a,
        Err(e) => return domain_error(format, &e, false),
    };
    let group_of = |c: &events::Category| {
        all.iter()
            .find(|p| Some(&p.code) == c.parent_code.as_ref())
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let items = all
        .iter()
        .filter(|c| c.parent_code.is_some())
        .map(|c| service_value(c, &group_of(c)))
        .collect();
    reply(
        format,
        StatusCode::OK,
        "services",
        &V::List("service", items),
    )
}

fn attribute(
    code: &'static str,
    datatype: &'static str,
    order: i64,
    description: &str,
    datatype_description: &str,
    values: Vec<(&str, &str)>,
) -> V {
    V::Obj(vec![
        ("variable", V::Bool(true)),
        ("code", s(code)),
        ("datatype", s(datatype)),
        ("required", V::Bool(false)),
        ("datatype_description", s(datatype_description)),
        ("order", V::Int(order)),
        ("description", s(description)),
        (
            "values",
            V::List(
                "value",
                values
                    .into_iter()
                    .map(|(k, n)| V::Obj(vec![("key", s(k)), ("name", s(n))]))
                    .collect(),
            ),
        ),
    ])
}

/// The attributes every service takes.
fn attributes() -> V {
    V::List(
        "attribute",
        vec![
            attribute(
                "urgency",
                "singlevaluelist",
                1,
                "紧急程度 (urgency); 默认为一般 (normal)",
                "normal, urgent or emergency",
                vec![
                    ("normal", "一般"),
                    ("urgent", "紧急"),
                    ("emergency", "特急"),
                ],
            ),
            attribute(
                "grid",
                "string",
                2,
                "网格编码：未提供 lat/long 时据此分派 (the grid code that routes a request given without lat/long)",
                "a 15-digit grid code, e.g. 350102001001001",
                Vec::new(),
            ),
            attribute(
                "submission_key",
                "string",
                3,
                "提交键：同一键重复提交只登记一次 (a client key that makes a repeated submission create one request)",
                "up to 128 characters",
                Vec::new(),
            ),
        ],
    )
}

async fn get_service(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((code, format)) = split_format(&file) else {
        return unknown_format(&file);
    };
    let all = match categories(&state).await {
        Ok(a) => a,
        Err(e) => return domain_error(format, &e, false),
    };
    match all
        .iter()
        .find(|c| c.code == code && c.parent_code.is_some())
    {
        Some(c) => {
            let v = V::Obj(vec![
                ("service_code", s(&c.code)),
                ("attributes", attributes()),
            ]);
            reply(format, StatusCode::OK, "service_definition", &v)
        }
        None => error_reply(format, 404, &format!("no service with service_code {code}")),
    }
}

async fn get_token(Path(file): Path<String>) -> Response {
    let format = split_format(&file).map_or(Format::Json, |(_, f)| f);
    error_reply(
        format,
        404,
        "this server does not issue tokens: POST requests answers with the service_request_id at once",
    )
}

fn open_or_closed(r: &PublicRequest) -> &'static str {
    if r.is_open() { "open" } else { "closed" }
}

fn notice(r: &PublicRequest) -> Option<String> {
    let expected = r
        .final_due_at
        .or(r.due_at)
        .and_then(|d| format_rfc3339(d).ok());
    match r.status.as_str() {
        "closed" => Some("已办结 (closed)".to_string()),
        "rejected" => Some("不予受理 (not accepted)".to_string()),
        "cancelled" => Some("已作废 (cancelled)".to_string()),
        "merged" => Some("已合并到另一事件 (merged into another request)".to_string()),
        _ => match (expected, r.calendar_missing) {
            (Some(t), _) => Some(format!(
                "按规定时限办理，预计 {t} 前办结 (expected to be resolved by {t})"
            )),
            (None, true) => Some(
                "办理期限待定：节假日日历尚未录入 (the due time awaits the holiday calendar)"
                    .to_string(),
            ),
            (None, false) => None,
        },
    }
}

fn request_value(r: &PublicRequest, history: Option<Vec<store::PublicStep>>) -> V {
    let mut fields = vec![
        ("service_request_id", s(&r.number)),
        ("status", s(open_or_closed(r))),
        ("status_notes", opt_s(r.status_note.clone())),
        ("service_name", s(&r.category_name)),
        ("service_code", s(&r.category_code)),
        ("description", s(&r.description)),
        ("agency_responsible", s(&r.agency)),
        ("service_notice", opt_s(notice(r))),
        ("requested_datetime", time(Some(r.reported_at))),
        ("updated_datetime", time(Some(r.updated_at))),
        ("expected_datetime", time(r.final_due_at.or(r.due_at))),
        (
            "address",
            s(r.address.clone().unwrap_or_else(|| r.grid_name.clone())),
        ),
        ("lat", opt_num(r.lat)),
        ("long", opt_num(r.lon)),
        ("media_url", V::Null),
    ];
    if let Some(steps) = history {
        let steps = steps
            .into_iter()
            .map(|st| {
                V::Obj(vec![
                    ("label", s(st.label)),
                    ("at", time(Some(st.at))),
                    ("note", s(st.note)),
                ])
            })
            .collect();
        fields.push((
            "extended_attributes",
            V::Obj(vec![("history", V::List("step", steps))]),
        ));
    }
    V::Obj(fields)
}

async fn render_requests(
    state: &AppState,
    rows: Vec<PublicRequest>,
    extensions: bool,
) -> Result<V, Error> {
    let mut items = Vec::with_capacity(rows.len());
    if extensions {
        let mut c = state.db.conn().await?;
        for r in rows {
            let steps = store::timeline(&mut c.handle(), r.id).await?;
            items.push(request_value(&r, Some(steps)));
        }
    } else {
        items.extend(rows.iter().map(|r| request_value(r, None)));
    }
    Ok(V::List("request", items))
}

fn wants_extensions(params: &Params) -> bool {
    params
        .get("extensions")
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

async fn list_requests(state: &AppState, format: Format, params: &Params) -> Response {
    let extensions = wants_extensions(params);
    let rows = match find_requests(state, params).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(message)) => return bad(format, &message),
        Err(e) => return domain_error(format, &e, false),
    };
    match render_requests(state, rows, extensions).await {
        Ok(v) => reply(format, StatusCode::OK, "service_requests", &v),
        Err(e) => domain_error(format, &e, false),
    }
}

/// The requests a query asks for; the inner error is a message for a 400.
async fn find_requests(
    state: &AppState,
    params: &Params,
) -> Result<Result<Vec<PublicRequest>, String>, Error> {
    let mut c = state.db.conn().await?;
    // Explicit ids override every other argument.
    if let Some(ids) = params.get("service_request_id") {
        let mut seen: Vec<&str> = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        if seen.len() > MAX_REQUESTS as usize {
            return Ok(Err(format!(
                "at most {MAX_REQUESTS} service_request_id values at once"
            )));
        }
        let mut rows = Vec::with_capacity(seen.len());
        for id in seen {
            if let Some(r) = store::request(&mut c.handle(), id).await? {
                rows.push(r);
            }
        }
        return Ok(Ok(rows));
    }
    let (mut want_open, mut want_closed) = (false, false);
    match params.get("status") {
        None => (want_open, want_closed) = (true, true),
        Some(list) => {
            for st in list.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                match st.to_ascii_lowercase().as_str() {
                    "open" => want_open = true,
                    "closed" => want_closed = true,
                    _ => return Ok(Err(format!("status is open or closed, not {st:?}"))),
                }
            }
        }
    }
    let date = |name: &str| -> Result<Option<i64>, String> {
        params
            .get(name)
            .map(|t| {
                parse_instant(t).ok_or_else(|| {
                    format!("{name} must be an ISO 8601 date-time, e.g. 2026-03-01T00:00:00+08:00")
                })
            })
            .transpose()
    };
    let (start, end) = match (date("start_date"), date("end_date")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(m), _) | (_, Err(m)) => return Ok(Err(m)),
    };
    // The window is [from, to); an end_date given is inclusive.
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => {
            if e < s {
                return Ok(Err("end_date is before start_date".to_string()));
            }
            if e - s > WINDOW_MS {
                return Ok(Err(
                    "start_date and end_date may not span more than 90 days".to_string(),
                ));
            }
            (s, e.saturating_add(1))
        }
        (Some(s), None) => (s, s.saturating_add(WINDOW_MS)),
        (None, Some(e)) => (e.saturating_sub(WINDOW_MS), e.saturating_add(1)),
        (None, None) => {
            let now = state.now();
            (now - WINDOW_MS, now.saturating_add(1))
        }
    };
    let service_codes = params
        .get("service_code")
        .map(|c| c.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default();
    let filter = RequestFilter {
        service_codes,
        want_open,
        want_closed,
        from,
        to: if end.is_some() {
            to.saturating_add(1)
        } else {
            to
        },
        limit: MAX_REQUESTS,
    };
    Ok(Ok(store::requests(&mut c.handle(), &filter).await?))
}

async fn get_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some((id, format)) = split_format(&file) else {
        return unknown_format(&file);
    };
    let params = match query_params(format, raw) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let found = async {
        let mut c = state.db.conn().await?;
        store::request(&mut c.handle(), id).await
    }
    .await;
    match found {
        Ok(Some(r)) => match render_requests(&state, vec![r], wants_extensions(&params)).await {
            Ok(v) => reply(format, StatusCode::OK, "service_requests", &v),
            Err(e) => domain_error(format, &e, false),
        },
        Ok(None) => error_reply(format, 404, &format!("no service request {id}")),
        Err(e) => domain_error(format, &e, false),
    }
}

async fn post_top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((name, format)) = split_format(&file) else {
        return unknown_format(&file);
    };
    if name != "requests" {
        return error_reply(format, 404, &format!("{name} takes no POST"));
    }
    let mut params = match query_params(format, raw) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !body.is_empty() {
        if !(content_type.is_empty()
            || content_type.starts_with("application/x-www-form-urlencoded"))
        {
            return bad(
                format,
                "send the request as application/x-www-form-urlencoded",
            );
        }
        let pairs = std::str::from_utf8(&body).ok().and_then(parse_pairs);
        match pairs {
            Some(p) => params.0.extend(p),
            None => return bad(format, "the form is not valid UTF-8"),
        }
    }
    let idempotency = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match create_request(&state, &params, idempotency).await {
        Ok(Ok(v)) => reply(format, StatusCode::OK, "service_requests", &v),
        Ok(Err((status, message))) => error_reply(format, status, &message),
        Err(e) => domain_error(format, &e, true),
    }
}

/// A grid code written in an address: a token of 15 digits.
fn grid_code_in(address: &str) -> Option<String> {
    address
        .split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == 15)
        .map(str::to_string)
}

fn reporter_name(params: &Params) -> Option<String> {
    let first = params.get("first_name");
    let last = params.get("last_name");
    match (first, last) {
        (Some(f), Some(l)) if !f.is_ascii() || !l.is_ascii() => Some(format!("{l}{f}")),
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
        (None, None) => None,
    }
}

type Refusal = (u16, String);

fn unknown_service(code: &str) -> String {
    format!("no service with service_code {code}; see services.json")
}

/// Validates and reports; nothing is written unless everything is right.
async fn create_request(
    state: &AppState,
    params: &Params,
    idempotency: Option<&str>,
) -> Result<Result<V, Refusal>, Error> {
    let refuse = |status: u16, m: &str| Ok(Err((status, m.to_string())));
    let Some(secret) = params.get("api_key") else {
        return refuse(403, "api_key is required to submit a request");
    };
    // The key first: a client without a valid one learns nothing else.
    let Some(key) = state.open311_key(secret).await? else {
        return refuse(403, "api_key is unknown or revoked");
    };
    let Some(service_code) = params.get("service_code") else {
        return refuse(400, "service_code is required");
    };
    // The service (category) itself is checked by the store when it reports, once;
    // its name is needed here only for a request without a description.
    let cal = state.calendar();
    let ctx = state.event_ctx(&cal);
    let description = match params.get("description") {
        Some(d) => d.to_string(),
        None => {
            let mut c = state.db.conn().await?;
            match ctx.category(&mut c.handle(), service_code).await {
                Ok(cat) => cat.name,
                Err(e) if e.status == 400 => return refuse(400, &unknown_service(service_code)),
                Err(e) => return Err(e),
            }
        }
    };
    let point = match (params.get("lat"), params.get("long")) {
        (None, None) => None,
        (Some(lat), Some(lon)) => match (
            parse_coordinate(lat, "lat", 90.0),
            parse_coordinate(lon, "long", 180.0),
        ) {
            (Ok(lat), Ok(lon)) => Some((lat, lon)),
            (Err(m), _) | (_, Err(m)) => return refuse(400, &m),
        },
        _ => return refuse(400, "give lat and long together"),
    };
    let address = params.get("address_string").map(str::to_string);
    let (located_grid, chosen_grid) = match point {
        Some((lat, lon)) => match state.locate_index().locate(lon, lat) {
            Some(g) => (Some(g.clone()), None),
            None => {
                return refuse(
                    400,
                    &format!("the location lat {lat}, long {lon} lies outside every grid"),
                );
            }
        },
        None => {
            let chosen = params
                .get("attribute[grid]")
                .map(str::to_string)
                .or_else(|| address.as_deref().and_then(grid_code_in));
            match (chosen, &address) {
                (Some(g), _) => (None, Some(g)),
                (None, Some(_)) => {
                    return refuse(
                        400,
                        "address_string cannot be routed to a grid: give lat and long, or attribute[grid] with a grid code",
                    );
                }
                (None, None) => {
                    return refuse(
                        400,
                        "a location is required: lat and long, or address_string",
                    );
                }
            }
        }
    };
    let urgency = match params.get("attribute[urgency]") {
        None => Urgency::Normal,
        Some(u) => match Urgency::parse(&u.to_ascii_lowercase()) {
            Some(u) => u,
            None => {
                return refuse(400, "attribute[urgency] is normal, urgent or emergency");
            }
        },
    };
    let submission = params.get("attribute[submission_key]").or(idempotency);
    if submission.is_some_and(|k| k.chars().count() > MAX_SUBMISSION_KEY) {
        return refuse(
            400,
            &format!("a submission key has at most {MAX_SUBMISSION_KEY} characters"),
        );
    }
    // Keys are per client, so two clients' keys never collide.
    let submission_key = submission.map(|k| format!("open311:{}:{k}", key.id));
    let input = ReportInput {
        source: Source::Api,
        category_code: service_code.to_string(),
        description,
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        address,
        located_grid,
        chosen_grid,
        urgency,
        reporter_name: reporter_name(params),
        reporter_phone: params.get("phone").map(str::to_string),
        photos: Vec::new(),
        submission_key,
        handled_on_spot: None,
    };
    let caller = Caller {
        actor: Actor::Reporter { user_id: None },
        name: format!("Open311: {}", key.name),
        scope: Scope::everything(),
    };
    let now = state.now();
    let reported = match events::submit(&state.db, &ctx, &caller, input, now).await {
        Ok(r) => r,
        Err(e) if matches!(e.code, "event.category_unknown" | "event.category_not_leaf") => {
            return refuse(400, &unknown_service(service_code));
        }
        Err(e) => return Err(e),
    };
    let e = &reported.event;
    let expected = e
        .final_due_at
        .or(e.due_at)
        .and_then(|d| format_rfc3339(d).ok());
    let notice = match expected {
        Some(t) => format!(
            "已登记为事件 {}，由{}办理，预计 {t} 前办结 (registered; expected to be resolved by {t})",
            reported.number, e.holder_label
        ),
        None => format!(
            "已登记为事件 {}，由{}办理 (registered)",
            reported.number, e.holder_label
        ),
    };
    Ok(Ok(V::List(
        "request",
        vec![V::Obj(vec![
            ("service_request_id", s(&reported.number)),
            ("service_notice", s(notice)),
            (
                "account_id",
                opt_s(params.get("account_id").map(str::to_string)),
            ),
        ])],
    )))
}

// ---------------------------------------------------------------------------------------------
// For `wangge bench intake`: the yardstick and a plain server for both.

/// A router with the bare handlers that the full Open311 intake is measured against, each one
/// INSERT into the same database answering 200: `POST /bare/event` (an event row into the
/// events table, the ratio's yardstick) and `POST /bare/tiny` (a rate-limit row, for scale).
/// Both read the body, as the full handler does, so keep-alive behaves alike.
pub fn bare_insert_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/bare/event",
            axum::routing::post(|s: State<AppState>, _body: Bytes| {
                bare_insert(s, store::Bare::EventRow)
            }),
        )
        .route(
            "/bare/tiny",
            axum::routing::post(|s: State<AppState>, _body: Bytes| {
                bare_insert(s, store::Bare::TinyRow)
            }),
        )
        .with_state(state)
}

async fn bare_insert(State(state): State<AppState>, bare: store::Bare) -> Response {
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let done = async {
        let mut c = state.db.conn().await?;
        store::bare_insert(&mut c.handle(), bare, seq, state.now()).await
    }
    .await;
    match done {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => domain_error(Format::Json, &e, true),
    }
}

/// Serves a router on a listener with Nagle's algorithm off, until the task is dropped.
pub async fn serve_plain(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_and_pairs() {
        assert_eq!(
            split_format("requests.json"),
            Some(("requests", Format::Json))
        );
        assert_eq!(split_format("SR01.xml"), Some(("SR01", Format::Xml)));
        assert_eq!(split_format("requests.html"), None);
        assert_eq!(split_format("requests"), None);
        let p = parse_pairs("a=1&attribute%5Burgency%5D=urgent&d=%E4%BD%A0+x&e&f=100%").unwrap();
        assert_eq!(p[1], ("attribute[urgency]".into(), "urgent".into()));
        assert_eq!(p[2].1, "你 x");
        assert_eq!(p[3], ("e".into(), "".into()));
        assert_eq!(p[4].1, "100%");
        assert!(parse_pairs("a=%FF").is_none());
    }

    #[test]
    fn escapes_xml_and_writes_both() {
        let mut out = String::new();
        xml_escape("a&b<c>\"d'\u{1}e", &mut out);
        assert_eq!(out, "a&amp;b&lt;c&gt;&quot;d&apos;e");
        let v = V::List(
            "error",
            vec![V::Obj(vec![
                ("code", V::Int(400)),
                ("description", s("x<")),
            ])],
        );
        let mut xml = String::new();
        write_xml("errors", &v, &mut xml);
        assert_eq!(
            xml,
            "<errors><error><code>400</code><description>x&lt;</description></error></errors>"
        );
        let mut json = String::new();
        write_json(&v, &mut json);
        assert_eq!(json, r#"[{"code":400,"description":"x<"}]"#);
    }

    #[test]
    fn instants_and_grid_codes() {
        assert_eq!(
            parse_instant("2026-03-01"),
            parse_instant("2026-03-01T00:00:00+08:00")
        );
        assert_eq!(
            parse_instant("2026-03-01T08:00:00"),
            parse_instant("2026-03-01T00:00:00Z")
        );
        assert!(parse_instant("yesterday").is_none());
        assert_eq!(
            grid_code_in("福州 350102001001001 号网格").as_deref(),
            Some("350102001001001")
        );
        assert_eq!(grid_code_in("3501020010010011"), None);
    }
}
