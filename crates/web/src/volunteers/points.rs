//! The points ledger's pages: `/vol/points` for a volunteer on a phone (the year's earned,
//! spent and available points, the total that never resets, the history with corrections shown
//! as such) and `/vol/volunteers/{id}/points` for the community's organisers and the street,
//! with the correction form (organisers). `GET /api/v1/volunteers/me/points`,
//! `GET /api/v1/volunteers/{id}/points`, `POST /api/v1/volunteers/{id}/corrections`.
//! Also the helpers the notice and ranking pages share.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::{Error, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::volunteers::ledger::{self, Balance, Entry};
use wangge_store::volunteers::months;
use wangge_store::volunteers::register::{self, Volunteer};

use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{f, no_store, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/vol/points", get(mine_page)).route(
        "/vol/volunteers/{id}/points",
        get(volunteer_page).post(correction_form),
    )
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/volunteers/me/points", get(api_mine))
        .route("/api/v1/volunteers/{id}/points", get(api_volunteer))
        .route("/api/v1/volunteers/{id}/corrections", post(api_correct))
}

/// History rows one page shows.
const PAGE: i64 = 50;

// ---- Shared helpers (notice.rs and ranking.rs use them) ----------------------------------

/// Text from a query or form, trimmed and cut to `n` characters; None when empty.
pub(super) fn given(v: Option<&str>, n: usize) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(n).collect())
}

/// The year asked for, else this year in China.
pub(super) fn year_of(v: Option<&str>, now: i64) -> Result<i32, Error> {
    match given(v, 20) {
        None => Ok(today(now)?.year()),
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| err!("volunteers.pts_year_invalid", value = v)),
    }
}

/// A whole number from a query (offset, limit, before), or the error naming it.
pub(super) fn number_of(v: Option<&str>, name: &str) -> Result<Option<i64>, Error> {
    match given(v, 20) {
        None => Ok(None),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| err!("request.bad_number", field = name.to_string())),
    }
}

/// Whether the caller reads volunteers' ledgers: a community's organisers and the street.
pub(super) fn may_read(p: &Principal) -> bool {
    p.may(Permission::Organise) || p.may(Permission::GovernVolunteers)
}

/// "+2" or "-3".
pub(super) fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// An error shown on a page: 401/403/404 as the error page, the rest in the form.
pub(super) fn page_error(e: Error) -> Result<Error, AppError> {
    if matches!(e.status, 401 | 403 | 404) {
        Err(AppError(e))
    } else {
        Ok(e)
    }
}

pub(super) fn with_status(mut r: Response, e: &Error) -> Response {
    if let Ok(code) = StatusCode::from_u16(e.status) {
        *r.status_mut() = code;
    }
    r
}

// ---- Data ------------------------------------------------------------------------------------

/// A ledger entry with what a reader needs to see a correction as one.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub entry: Entry,
    /// For a correction: the entry it corrects.
    pub corrects: Option<Corrected>,
    /// The corrections of this entry, by id.
    pub corrected_by: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Corrected {
    pub id: i64,
    pub kind: String,
    pub points: i64,
    pub month: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Points {
    pub volunteer: Volunteer,
    pub balance: Balance,
    pub history: Vec<HistoryEntry>,
    /// The `before` of the next page, when there is one.
    pub next_before: Option<i64>,
}

#[derive(Deserialize, Default)]
struct HistoryQuery {
    before: Option<String>,
    limit: Option<String>,
    year: Option<String>,
}

async fn points_of(
    s: &AppState,
    v: Volunteer,
    q: &HistoryQuery,
    default_limit: i64,
) -> Result<Points, Error> {
    let year = year_of(q.year.as_deref(), s.now())?;
    let before = number_of(q.before.as_deref(), "before")?;
    let limit = number_of(q.limit.as_deref(), "limit")?
        .unwrap_or(default_limit)
        .clamp(1, 500);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let balance = ledger::balance(h, v.id, year).await?;
    let rows = ledger::history(h, v.id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let corrections = months::corrections_by_volunteer(h, v.id).await?;
    let rows: Vec<Entry> = rows.into_iter().take(limit as usize).collect();
    let mut history = Vec::with_capacity(rows.len());
    for e in &rows {
        let corrects = match e.corrects_id {
            None => None,
            Some(id) => {
                let found = match rows.iter().find(|r| r.id == id) {
                    Some(r) => Some(r.clone()),
                    None => ledger::get(h, id).await?,
                };
                found.map(|r| Corrected {
                    id: r.id,
                    kind: r.kind,
                    points: r.points,
                    month: r.month,
                    created_at: r.created_at,
                })
            }
        };
        history.push(HistoryEntry {
            entry: e.clone(),
            corrects,
            corrected_by: corrections
                .iter()
                .filter(|(of, _)| *of == e.id)
                .map(|(_, by)| *by)
                .collect(),
        });
    }
    let next_before = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Points {
        volunteer: v,
        balance,
        history,
        next_before,
    })
}

/// The caller's own volunteer record.
async fn me_volunteer(s: &AppState, p: &Principal) -> Result<Volunteer, Error> {
    if !p.may(Permission::Serve) {
        return Err(err!("auth.forbidden"));
    }
    let mut c = s.db.conn().await?;
    register::by_user(&mut c.handle(), p.user_id)
        .await?
        .ok_or_else(|| err!("volunteers.pts_not_volunteer"))
}

/// A volunteer the caller may read the ledger of (404 outside the scope).
async fn volunteer_in_scope(s: &AppState, p: &Principal, id: &str) -> Result<Volunteer, Error> {
    let clipped: String = id.chars().take(20).collect();
    let not_found = || err!("volunteers.not_found", id = clipped.clone());
    if !may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(not_found)?;
    let mut c = s.db.conn().await?;
    register::get(&mut c.handle(), &p.scope(), id)
        .await?
        .ok_or_else(not_found)
}

/// Writes a correction of one of the volunteer's entries (organisers only).
async fn correct(
    s: &AppState,
    p: &Principal,
    v: &Volunteer,
    entry_id: i64,
    points: i64,
    reason: &str,
) -> Result<Entry, Error> {
    if !p.may(Permission::Organise) {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    // The entry must be this volunteer's: another's is "not found" here.
    let owner = ledger::get(h, entry_id).await?.map(|e| e.volunteer_id);
    if owner != Some(v.id) {
        return Err(err!("volunteers.entry_not_found", id = entry_id));
    }
    let row = months::correct(h, &p.scope(), entry_id, points, reason, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(row)
}

// ---- API -------------------------------------------------------------------------------------

async fn api_mine(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Response> {
    let v = me_volunteer(&s, &p).await?;
    let pts = points_of(&s, v, &q, PAGE).await?;
    Ok(no_store(Json(pts).into_response()))
}

async fn api_volunteer(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Response> {
    let v = volunteer_in_scope(&s, &p, &id).await?;
    let pts = points_of(&s, v, &q, PAGE).await?;
    Ok(no_store(Json(pts).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectReq {
    entry_id: i64,
    points: i64,
    reason: String,
}

async fn api_correct(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CorrectReq>,
) -> AppResult<Response> {
    let v = volunteer_in_scope(&s, &p, &id).await?;
    let row = correct(&s, &p, &v, r.entry_id, r.points, &r.reason).await?;
    Ok((StatusCode::CREATED, Json(json!({ "entry": row }))).into_response())
}

// ---- Pages -----------------------------------------------------------------------------------

pub(super) struct EntryView {
    pub id: i64,
    pub kind: String,
    pub kind_text: String,
    pub points: String,
    pub negative: bool,
    pub month: String,
    pub when: String,
    pub reason: String,
    pub by: String,
    pub correction: bool,
    pub corrects: String,
    pub corrected_by: String,
    /// Whether the organiser may correct this entry (service and clue points).
    pub correctable: bool,
}

fn entry_view(t: &Tr, h: &HistoryEntry) -> EntryView {
    let e = &h.entry;
    let kind = Kind::parse(&e.kind).map(Kind::as_str).unwrap_or("service");
    let corrects = h
        .corrects
        .as_ref()
        .map(|c| {
            format!(
                "#{} · {} {} · {}",
                c.id,
                t.s(&format!("vol.pts.kind.{}", c.kind)),
                signed(c.points),
                c.month
            )
        })
        .unwrap_or_default();
    EntryView {
        id: e.id,
        kind: kind.to_string(),
        kind_text: t.s(&format!("vol.pts.kind.{kind}")).to_string(),
        points: signed(e.points),
        negative: e.points < 0,
        month: e.month.clone(),
        when: time_text(e.created_at),
        reason: if kind == "clue" {
            t.s("vol.pts.clue_reason").replace("{number}", &e.reason)
        } else {
            e.reason.clone()
        },
        by: e.created_by_name.clone(),
        correction: kind == "correction",
        corrects,
        corrected_by: h
            .corrected_by
            .iter()
            .map(|id| format!("#{id}"))
            .collect::<Vec<_>>()
            .join(" "),
        correctable: matches!(kind, "service" | "clue"),
    }
}

#[derive(Template)]
#[template(path = "volunteers/pts_mine.html")]
struct MinePage {
    l: Layout,
    v: Volunteer,
    b: Balance,
    rows: Vec<EntryView>,
    next: String,
    base: String,
    may_correct: bool,
}

async fn mine_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Response> {
    let v = me_volunteer(&s, &p).await?;
    let pts = points_of(&s, v, &q, PAGE).await?;
    let l = Layout::new(lang, Some(p), "vol.pts.mine_title");
    let rows = pts.history.iter().map(|h| entry_view(&l.t, h)).collect();
    Ok(no_store(render(MinePage {
        v: pts.volunteer,
        b: pts.balance,
        rows,
        next: pts.next_before.map(|n| n.to_string()).unwrap_or_default(),
        base: "/vol/points".into(),
        may_correct: false,
        l,
    })))
}

#[derive(Template)]
#[template(path = "volunteers/pts_volunteer.html")]
struct VolunteerPage {
    l: Layout,
    v: Volunteer,
    post_text: String,
    b: Balance,
    rows: Vec<EntryView>,
    next: String,
    base: String,
    may_correct: bool,
    error: String,
    done: bool,
    entry_id: String,
    points: String,
    reason: String,
}

#[derive(Default)]
struct FormState {
    error: String,
    done: bool,
    entry_id: String,
    points: String,
    reason: String,
}

async fn render_volunteer(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    v: Volunteer,
    q: &HistoryQuery,
    form: FormState,
) -> Result<Response, Error> {
    let pts = points_of(s, v, q, PAGE).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.pts.volunteer_title");
    let rows = pts.history.iter().map(|h| entry_view(&l.t, h)).collect();
    let base = format!("/vol/volunteers/{}/points", pts.volunteer.id);
    Ok(no_store(render(VolunteerPage {
        post_text: l
            .t
            .s(&format!("vol.pts.post.{}", pts.volunteer.post))
            .to_string(),
        v: pts.volunteer,
        b: pts.balance,
        rows,
        next: pts.next_before.map(|n| n.to_string()).unwrap_or_default(),
        base,
        may_correct: p.may(Permission::Organise),
        error: form.error,
        done: form.done,
        entry_id: form.entry_id,
        points: form.points,
        reason: form.reason,
        l,
    })))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    before: Option<String>,
    limit: Option<String>,
    year: Option<String>,
    done: Option<String>,
    correct: Option<String>,
}

async fn volunteer_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let v = volunteer_in_scope(&s, &p, &id).await?;
    let done = q.done.as_deref() == Some("1");
    let hq = HistoryQuery {
        before: q.before,
        limit: q.limit,
        year: q.year,
    };
    let form = FormState {
        done,
        entry_id: given(q.correct.as_deref(), 20)
            .filter(|v| v.parse::<i64>().is_ok())
            .unwrap_or_default(),
        ..FormState::default()
    };
    Ok(render_volunteer(&s, lang, &p, v, &hq, form).await?)
}

async fn correction_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let v = volunteer_in_scope(&s, &p, &id).await?;
    let values = read_form(req).await?;
    let entry_id: String = f(&values, "entry_id").trim().chars().take(20).collect();
    let points: String = f(&values, "points").trim().chars().take(20).collect();
    let reason: String = f(&values, "reason").chars().take(2_000).collect();
    let parsed = (|| {
        let e = entry_id
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| err!("volunteers.entry_not_found", id = entry_id.clone()))?;
        let n = points
            .trim_start_matches('+')
            .parse::<i64>()
            .map_err(|_| err!("volunteers.points_invalid", value = points.clone()))?;
        Ok::<_, Error>((e, n))
    })();
    let outcome = match parsed {
        Ok((e, n)) => correct(&s, &p, &v, e, n, &reason).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/vol/volunteers/{}/points?done=1", v.id)).into_response())
        }
        Err(e) => {
            let e = page_error(e)?;
            let l = Tr::new(lang);
            let form = FormState {
                error: l.error(&e),
                done: false,
                entry_id,
                points,
                reason,
            };
            let r = render_volunteer(&s, lang, &p, v, &HistoryQuery::default(), form).await?;
            Ok(with_status(r, &e))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(signed(2), "+2");
        assert_eq!(signed(-3), "-3");
        assert_eq!(given(Some("  "), 5), None);
        assert_eq!(given(Some(" abcdefg "), 3).as_deref(), Some("abc"));
        assert!(year_of(Some("1999"), 0).is_err());
        assert_eq!(year_of(Some("2026"), 0).unwrap(), 2026);
        assert!(number_of(Some("-1"), "offset").is_err());
        assert_eq!(number_of(None, "offset").unwrap(), None);
    }
}
