//! `POST requests`: a client with an api_key reports an event through the one report path.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use wangge_domain::deadline::format_rfc3339;
use wangge_domain::event::Urgency;
use wangge_domain::{Error, Sensitive};
use wangge_store::events::{Caller, Source};

use super::*;
use crate::i18n::{Lang, Tr};
use crate::intake::{self, GridHint, ReportRequest};
use crate::state::AppState;

pub(super) async fn post_top(
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
    let tr = Tr::new(Lang::negotiate(&headers));
    match create_request(&state, &params, idempotency, tr).await {
        Ok(Ok(v)) => reply(format, StatusCode::OK, "service_requests", &v),
        Ok(Err((status, message))) => error_reply(format, status, &message),
        Err(e) => domain_error(format, &e, true),
    }
}

/// A grid code written in an address: a token of 15 digits.
pub(super) fn grid_code_in(address: &str) -> Option<String> {
    address
        .split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == 15)
        .map(str::to_string)
}

/// The reporter's name from `first_name` and `last_name` (family name first in Chinese).
pub(super) fn reporter_name(params: &Params) -> Option<Sensitive<String>> {
    let first = params.get("first_name");
    let last = params.get("last_name");
    let name = match (first, last) {
        (Some(f), Some(l)) if !f.is_ascii() || !l.is_ascii() => format!("{l}{f}"),
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(n), None) | (None, Some(n)) => n.to_string(),
        (None, None) => return None,
    };
    Some(Sensitive::new(name))
}

pub(super) type Refusal = (u16, String);

pub(super) fn unknown_service(code: &str) -> String {
    format!("no service with service_code {code}; see services.json")
}

/// Validates and reports; nothing is written unless everything is right.
pub(super) async fn create_request(
    state: &AppState,
    params: &Params,
    idempotency: Option<&str>,
    tr: Tr,
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
    // A point decides the grid (the one report path locates it); without one, a grid code in
    // the attribute or the address.
    let grid = match point {
        Some(_) => GridHint::None,
        None => {
            let chosen = params
                .get("attribute[grid]")
                .map(str::to_string)
                .or_else(|| address.as_deref().and_then(grid_code_in));
            match (chosen, &address) {
                (Some(g), _) => GridHint::Chosen(g),
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
    let request = ReportRequest {
        source: Source::Api,
        category: service_code.to_string(),
        description,
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        grid,
        address,
        urgency,
        reporter_name: reporter_name(params),
        reporter_phone: params.get("phone").map(Sensitive::from),
        photos: Vec::new(),
        submission_key,
        handled_on_spot: None,
    };
    let caller = Caller::public(format!("Open311: {}", key.name));
    let reported = match intake::submit(state, &caller, request).await {
        Ok(r) => r,
        Err(e) if matches!(e.code, "event.category_unknown" | "event.category_not_leaf") => {
            return refuse(400, &unknown_service(service_code));
        }
        Err(e) if e.code == "event.location_outside" => {
            let (lat, lon) = point.unwrap_or_default();
            return refuse(
                400,
                &format!("the location lat {lat}, long {lon} lies outside every grid"),
            );
        }
        Err(e) => return Err(e),
    };
    let e = &reported.event;
    let expected = e
        .final_due_at
        .or(e.due_at)
        .and_then(|d| format_rfc3339(d).ok());
    let notice = match &expected {
        Some(t) => tr.s("o311.notice.registered_due").replace("{t}", t),
        None => tr.s("o311.notice.registered").to_string(),
    }
    .replace("{number}", &reported.number)
    .replace("{holder}", &e.holder_label);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    #[test]
    fn the_reporter_name_is_sensitive_on_the_way_in() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let params = Params(vec![pair("first_name", "小明"), pair("last_name", "王")]);
        let name = reporter_name(&params).unwrap();
        assert_eq!(name.expose(), "王小明");
        assert!(!format!("{name:?} {name}").contains("小明"));
        let params = Params(vec![pair("first_name", "Ann"), pair("last_name", "Lee")]);
        assert_eq!(reporter_name(&params).unwrap().expose(), "Ann Lee");
    }
}
