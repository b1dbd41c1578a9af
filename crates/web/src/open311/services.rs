//! Discovery, the services (categories that take new reports) and their definitions.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use wangge_domain::Error;
use wangge_store::events;

use super::requests::list_requests;
use super::*;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

pub(super) async fn get_top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let tr = Tr::new(Lang::negotiate(&headers));
    let Some((name, format)) = split_format(&file) else {
        return unknown_format(&file);
    };
    let params = match query_params(format, raw) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match name {
        "discovery" => discovery(&state, format, tr),
        "services" => services(&state, format, tr).await,
        "requests" => list_requests(&state, format, &params, tr).await,
        _ => error_reply(format, 404, &format!("no resource {name}")),
    }
}

pub(super) fn discovery(state: &AppState, format: Format, tr: Tr) -> Response {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let v = V::Obj(vec![
        ("changeset", s(CHANGESET)),
        ("contact", s(tr.s("o311.contact").replace("{base}", &base))),
        ("key_service", s(tr.s("o311.key_service"))),
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
pub(super) async fn categories(state: &AppState) -> Result<Vec<events::Category>, Error> {
    let mut c = state.db.conn().await?;
    events::open_categories(&mut c.handle()).await
}

pub(super) fn service_value(c: &events::Category, group: &str, tr: Tr) -> V {
    let name = tr.name(&c.name, &c.name_en);
    V::Obj(vec![
        ("service_code", s(&c.code)),
        ("service_name", s(name)),
        ("description", s(format!("{group} · {name}"))),
        ("metadata", V::Bool(true)),
        ("type", s("realtime")),
        // Search terms: both names, whichever language the answer is in.
        ("keywords", s(format!("{}, {}, {group}", c.name, c.name_en))),
        ("group", s(group)),
    ])
}

pub(super) async fn services(state: &AppState, format: Format, tr: Tr) -> Response {
    let all = match categories(state).await {
        Ok(a) => a,
        Err(e) => return domain_error(format, &e, false),
    };
    let group_of = |c: &events::Category| {
        all.iter()
            .find(|p| Some(&p.code) == c.parent_code.as_ref())
            .map(|p| tr.name(&p.name, &p.name_en).to_string())
            .unwrap_or_default()
    };
    let items = all
        .iter()
        .filter(|c| c.parent_code.is_some())
        .map(|c| service_value(c, &group_of(c), tr))
        .collect();
    reply(
        format,
        StatusCode::OK,
        "services",
        &V::List("service", items),
    )
}

pub(super) fn attribute(
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
pub(super) fn attributes(tr: Tr) -> V {
    let urgency = |key: &'static str| (key, tr.s(&format!("o311.urgency.{key}")).to_string());
    let values = [urgency("normal"), urgency("urgent"), urgency("emergency")];
    V::List(
        "attribute",
        vec![
            attribute(
                "urgency",
                "singlevaluelist",
                1,
                tr.s("o311.attr.urgency"),
                "normal, urgent or emergency",
                values.iter().map(|(k, n)| (*k, n.as_str())).collect(),
            ),
            attribute(
                "grid",
                "string",
                2,
                tr.s("o311.attr.grid"),
                "a 15-digit grid code, e.g. 350102001001001",
                Vec::new(),
            ),
            attribute(
                "submission_key",
                "string",
                3,
                tr.s("o311.attr.submission_key"),
                "up to 128 characters",
                Vec::new(),
            ),
        ],
    )
}

pub(super) async fn get_service(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tr = Tr::new(Lang::negotiate(&headers));
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
                ("attributes", attributes(tr)),
            ]);
            reply(format, StatusCode::OK, "service_definition", &v)
        }
        None => error_reply(format, 404, &format!("no service with service_code {code}")),
    }
}

pub(super) async fn get_token(Path(file): Path<String>) -> Response {
    let format = split_format(&file).map_or(Format::Json, |(_, f)| f);
    error_reply(
        format,
        404,
        "this server does not issue tokens: POST requests answers with the service_request_id at once",
    )
}
