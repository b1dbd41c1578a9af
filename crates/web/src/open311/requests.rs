//! `GET requests` and `GET requests/{id}`: events as public requests, with their public history on request.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use wangge_domain::Error;
use wangge_domain::deadline::format_rfc3339;
use wangge_domain::event::Status;
use wangge_store::open311::{self as store, PublicRequest, RequestFilter};

use super::*;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

pub(super) fn open_or_closed(r: &PublicRequest) -> &'static str {
    if r.is_open() { "open" } else { "closed" }
}

pub(super) fn notice(r: &PublicRequest, tr: Tr) -> Option<String> {
    // The case's own limit; a level's due time stands in only when no calendar year is missing,
    // since with one missing the case may well run past it.
    let expected = r
        .final_due_at
        .or(r.due_at.filter(|_| !r.calendar_missing))
        .and_then(|d| format_rfc3339(d).ok());
    let key = match r.status {
        Status::Closed => "o311.notice.closed",
        Status::Rejected => "o311.notice.rejected",
        Status::Cancelled => "o311.notice.cancelled",
        Status::Merged => "o311.notice.merged",
        _ => match (expected, r.calendar_missing) {
            (Some(t), _) => return Some(tr.s("o311.notice.expected").replace("{t}", &t)),
            (None, true) => "o311.notice.no_calendar",
            (None, false) => return None,
        },
    };
    Some(tr.s(key).to_string())
}

/// The category names in English by code, when the answer is in English and the category has
/// one (the rows carry the Chinese name, which the Chinese answer shows).
async fn english_names(state: &AppState, tr: Tr) -> Result<Option<HashMap<String, String>>, Error> {
    if tr.lang != Lang::En {
        return Ok(None);
    }
    let mut c = state.db.conn().await?;
    state.refresh_categories(&mut c.handle()).await?;
    Ok(Some(
        state
            .category_list()
            .iter()
            .filter(|c| !c.name_en.trim().is_empty())
            .map(|c| (c.code.clone(), c.name_en.clone()))
            .collect(),
    ))
}

pub(super) fn request_value(
    r: PublicRequest,
    history: Option<Vec<store::PublicStep>>,
    tr: Tr,
    english: Option<&HashMap<String, String>>,
) -> V {
    // The row is the answer's: its text moves into the value rather than being copied.
    let (status, notice) = (open_or_closed(&r), notice(&r, tr));
    let name = match english.and_then(|m| m.get(&r.category_code)) {
        Some(en) => en.clone(),
        None => r.category_name,
    };
    let mut fields = vec![
        ("service_request_id", V::Str(r.number)),
        ("status", s(status)),
        ("status_notes", opt_s(r.status_note)),
        ("service_name", V::Str(name)),
        ("service_code", V::Str(r.category_code)),
        ("description", V::Str(r.description)),
        ("agency_responsible", V::Str(r.agency)),
        ("service_notice", opt_s(notice)),
        ("requested_datetime", time(Some(r.reported_at))),
        ("updated_datetime", time(Some(r.updated_at))),
        ("expected_datetime", time(r.final_due_at.or(r.due_at))),
        ("address", V::Str(r.address)),
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

pub(super) async fn render_requests(
    state: &AppState,
    rows: Vec<PublicRequest>,
    extensions: bool,
    tr: Tr,
) -> Result<V, Error> {
    let english = english_names(state, tr).await?;
    let mut items = Vec::with_capacity(rows.len());
    if extensions {
        let mut c = state.db.conn().await?;
        for r in rows {
            let steps = store::timeline(&mut c.handle(), r.id).await?;
            items.push(request_value(r, Some(steps), tr, english.as_ref()));
        }
    } else {
        items.extend(
            rows.into_iter()
                .map(|r| request_value(r, None, tr, english.as_ref())),
        );
    }
    Ok(V::List("request", items))
}

pub(super) fn wants_extensions(params: &Params) -> bool {
    params
        .get("extensions")
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

pub(super) async fn list_requests(
    state: &AppState,
    format: Format,
    params: &Params,
    tr: Tr,
) -> Response {
    let extensions = wants_extensions(params);
    let rows = match find_requests(state, params).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(message)) => return bad(format, &message),
        Err(e) => return domain_error(format, &e, false),
    };
    match render_requests(state, rows, extensions, tr).await {
        Ok(v) => reply(format, StatusCode::OK, "service_requests", &v),
        Err(e) => domain_error(format, &e, false),
    }
}

/// The requests a query asks for; the inner error is a message for a 400.
pub(super) async fn find_requests(
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
    let service_codes: Vec<String> = params
        .get("service_code")
        .map(|c| {
            c.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if service_codes.len() > store::MAX_SERVICE_CODES {
        return Ok(Err(format!(
            "at most {} service_code values at once",
            store::MAX_SERVICE_CODES
        )));
    }
    let (limit, offset) = match page(params) {
        Ok(p) => p,
        Err(m) => return Ok(Err(m)),
    };
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
        limit,
        offset,
    };
    Ok(Ok(store::requests(&mut c.handle(), &filter).await?))
}

/// `page_size` and `page` as (limit, offset); a page past what an offset may reach is refused
/// rather than read row by row.
fn page(params: &Params) -> Result<(i64, i64), String> {
    let number = |name: &str, default: i64, max: i64| -> Result<i64, String> {
        match params.get(name) {
            None => Ok(default),
            Some(t) => t
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("{name} must be a whole number from 1 to {max}")),
        }
    };
    let size = number("page_size", PAGE_SIZE, MAX_PAGE_SIZE)?;
    let last_page = wangge_store::events::MAX_OFFSET / size + 1;
    let page = number("page", 1, last_page)
        .map_err(|m| format!("{m} (narrow the dates to reach older requests)"))?;
    Ok((size, (page - 1) * size))
}

pub(super) async fn get_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let tr = Tr::new(Lang::negotiate(&headers));
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
        Ok(Some(r)) => {
            match render_requests(&state, vec![r], wants_extensions(&params), tr).await {
                Ok(v) => reply(format, StatusCode::OK, "service_requests", &v),
                Err(e) => domain_error(format, &e, false),
            }
        }
        Ok(None) => error_reply(format, 404, &format!("no service request {id}")),
        Err(e) => domain_error(format, &e, false),
    }
}
