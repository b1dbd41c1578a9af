//! The resident's private tracking page: the public timeline, rating and reopening.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::err;
use wangge_domain::event::{Action, Status};
use wangge_store::events::{self};

use super::limits::{LimitView, limit_view};
use super::*;
use crate::auth::MaybeMe;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, due_text, render, time_text};

pub struct StepView {
    pub label: String,
    pub at: String,
    pub note: String,
    pub photos: Vec<i64>,
}

#[derive(Template)]
#[template(path = "intake/track.html")]
pub(super) struct TrackPage {
    l: Layout,
    token: String,
    number: String,
    category: String,
    grid: String,
    status: Status,
    status_label: String,
    light: String,
    light_label: String,
    reported_at: String,
    due_at: String,
    steps: Vec<StepView>,
    closed: bool,
    can_rate: bool,
    can_reopen: bool,
    window_ends: String,
    rating: i64,
    rating_comment: String,
    error: String,
    comment: String,
    reason: String,
    /// This page's full address, to copy and keep.
    link: String,
    /// The grid's public results board.
    board: String,
    limit: LimitView,
    me_too: i64,
    refusal: Option<RefusalView>,
}

/// Who said no, why, and where such a request belongs.
pub struct RefusalView {
    /// `reject` or `return`.
    pub action: String,
    pub office: String,
    pub reason: String,
    pub at: String,
    pub hint: String,
}

/// The steps whose note the resident sees: the report, results, the closing and rejecting
/// notes, and the resident's own rating and reopening reason.
pub(crate) fn note_is_public(label: &str) -> bool {
    matches!(
        label,
        "report" | "feedback" | "close" | "reject" | "rate" | "handle_on_spot" | "reopen"
    )
}

/// The note of a step as the resident reads it: the public ones as written, the count of a
/// "me too" raise in words, the rest not at all.
pub(crate) fn step_note(t: &crate::i18n::Tr, label: &str, note: &str) -> String {
    if label == "raise_urgency" || note_is_public(label) {
        staff_step_note(t, label, note)
    } else {
        String::new()
    }
}

/// The note of a step as staff read it: every note as written, the count of a "me too" raise
/// in words.
pub(crate) fn staff_step_note(t: &crate::i18n::Tr, label: &str, note: &str) -> String {
    if label == "raise_urgency" {
        t.s("step.raise_urgency").replace("{n}", note)
    } else {
        note.to_string()
    }
}

/// Where a request of this kind belongs: its own hint, else its class's.
fn redirect_hint(all: &[events::Category], code: &str, en: bool) -> Option<String> {
    // One language per page: an English page never falls back to the Chinese hint.
    let pick = |c: &events::Category| {
        let h = if en {
            &c.redirect_hint_en
        } else {
            &c.redirect_hint
        };
        Some(h.clone()).filter(|h| !h.is_empty())
    };
    let kind = all.iter().find(|c| c.code == code)?;
    pick(kind).or_else(|| {
        let class = kind.parent_code.as_deref()?;
        all.iter().find(|c| c.code == class).and_then(pick)
    })
}

/// What the form sent back, kept when the page comes back with a message.
#[derive(Default)]
pub(super) struct TrackInput {
    comment: String,
    reason: String,
}

pub(super) async fn track_view(
    s: &AppState,
    l: Layout,
    token: &str,
    input: TrackInput,
    problem: Option<Problem>,
) -> AppResult<Response> {
    let t = l.t;
    let now = s.now();
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let e = events::by_tracking(h, token).await?;
    let history = events::history(h, e.id, true).await?;
    let category = t.name(&e.category_name, &e.category_name_en).to_string();
    let all = events::categories(h).await?;
    let en = t.lang == Lang::En;
    let refusal = events::refusal(h, &e).await?.map(|r| RefusalView {
        hint: redirect_hint(&all, &e.category_code, en)
            .unwrap_or_else(|| t.s("refusal.where_default").to_string()),
        action: r.action,
        office: r.office,
        reason: r.reason,
        at: time_text(r.at),
    });
    let steps = history
        .iter()
        .filter(|r| r.public)
        .map(|r| StepView {
            label: label_text(&t, "action", &r.label),
            at: time_text(r.at),
            note: step_note(&t, &r.label, &r.note),
            photos: r.attachment_ids(),
        })
        .collect();
    let state = e.state()?;
    let closed = e.status == Status::Closed;
    let window_end = e
        .closed_at
        .map(|c| c.saturating_add(s.config.rules.rating_window_ms));
    let in_window = closed && window_end.is_some_and(|w| now <= w);
    let light = e.light(now).map(|x| x.code()).unwrap_or_default();
    let status = e.status;
    let resp = render(TrackPage {
        token: token.to_string(),
        number: e.number.clone(),
        category,
        grid: e.grid_name.clone(),
        status_label: label_text(&t, "status", status.as_str()),
        status,
        light: light.to_string(),
        light_label: if light.is_empty() {
            String::new()
        } else {
            label_text(&t, "light", light)
        },
        reported_at: time_text(e.reported_at),
        due_at: match (e.status.is_open(), e.due_at) {
            (true, Some(d)) => due_text(d),
            _ => String::new(),
        },
        steps,
        closed,
        can_rate: in_window && e.rating.is_none(),
        can_reopen: in_window && e.rating.is_none() && !state.reopened,
        window_ends: window_end.map(time_text).unwrap_or_default(),
        rating: e.rating.unwrap_or(0),
        rating_comment: e.rating_comment.clone().unwrap_or_default(),
        error: problem
            .as_ref()
            .map(|p| p.message.clone())
            .unwrap_or_default(),
        comment: input.comment,
        reason: input.reason,
        link: format!(
            "{}/t/{}",
            s.config.public_url.trim_end_matches('/'),
            token.trim()
        ),
        board: format!("/public/{}", e.grid_code),
        limit: limit_view(
            &t,
            &e.complexity,
            e.status,
            e.reported_at,
            e.final_due_at,
            e.closed_at,
            now,
        ),
        me_too: e.me_too_count,
        refusal,
        l,
    });
    let resp = no_store(resp);
    Ok(match problem {
        Some(p) => with_status(resp, p.status),
        None => resp,
    })
}

pub(super) async fn track_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "track.title");
    track_view(&s, l, &token, TrackInput::default(), None).await
}

/// A photo of a public step of the event the link belongs to.
pub(super) async fn track_photo(
    State(s): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let not_found = || AppError(err!("photo.not_found"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let e = events::by_tracking(h, &token).await?;
    let public = events::history(h, e.id, true)
        .await?
        .iter()
        .filter(|r| r.public)
        .any(|r| r.attachment_ids().contains(&id));
    if !public {
        return Err(not_found());
    }
    let (ty, bytes) = events::photo(h, &e, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct RateForm {
    stars: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ReopenForm {
    reason: Option<String>,
}

/// Applies the resident's action through the tracking link, in one transaction.
pub(crate) async fn track_apply(s: &AppState, token: &str, action: Action) -> Result<(), Error> {
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let now = s.now();
    let mut tx = s.db.begin().await?;
    let e = events::by_tracking(&mut tx.handle(), token).await?;
    events::apply_to(
        &mut tx.handle(),
        &ctx,
        &resident_caller(),
        &e,
        action,
        &[],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn track_after(
    s: &AppState,
    l: Layout,
    token: &str,
    input: TrackInput,
    result: Result<(), Error>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/t/{token}")).into_response()),
        Err(e) if e.status >= 500 || e.code == "event.not_found" => Err(AppError(e)),
        Err(e) => {
            let p = Problem::of(&l.t, &e);
            track_view(s, l, token, input, Some(p)).await
        }
    }
}

pub(super) async fn track_rate(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<RateForm>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "track.title");
    let comment = form.comment.unwrap_or_default();
    let input = TrackInput {
        comment: comment.clone(),
        reason: String::new(),
    };
    if let Err(e) = rate_hit(&s, &ip).await {
        return track_after(&s, l, &token, input, Err(e)).await;
    }
    let stars = form
        .stars
        .as_deref()
        .and_then(|v| v.trim().parse::<u8>().ok())
        .unwrap_or(0);
    let result = track_apply(&s, &token, Action::Rate { stars, comment }).await;
    track_after(&s, l, &token, input, result).await
}

pub(super) async fn track_reopen(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<ReopenForm>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "track.title");
    let reason = form.reason.unwrap_or_default();
    let input = TrackInput {
        comment: String::new(),
        reason: reason.clone(),
    };
    if let Err(e) = rate_hit(&s, &ip).await {
        return track_after(&s, l, &token, input, Err(e)).await;
    }
    let result = track_apply(&s, &token, Action::Reopen { reason }).await;
    track_after(&s, l, &token, input, result).await
}
