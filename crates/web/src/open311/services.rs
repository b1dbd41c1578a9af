//! Discovery, the services (categories that take new reports) and their definitions.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use wangge_domain::Error;
use wangge_store::events;

use super::requests::list_requests;
use super::*;
use crate::state::AppState;

pub(super) async fn get_top(
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

pub(super) fn discovery(state: &AppState, format: Format) -> Response {
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
pub(super) async fn categories(state: &AppState) -> Result<Vec<events::Category>, Error> {
    let mut c = state.db.conn().await?;
    events::open_categories(&mut c.handle()).await
}

pub(super) fn service_value(c: &events::Category, group: &str) -> V {
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

pub(super) async fn services(state: &AppState, format: Format) -> Response {
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
pub(super) fn attributes() -> V {
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

pub(super) async fn get_service(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Response {
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

pub(super) async fn get_token(Path(file): Path<String>) -> Response {
    let format = split_format(&file).map_or(Format::Json, |(_, f)| f);
    error_reply(
        format,
        404,
        "this server does not issue tokens: POST requests answers with the service_request_id at once",
    )
}
