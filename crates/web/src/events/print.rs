//! The printable forms: 申报单, 交办单, 催办单 and 反馈单 of an event.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use wangge_store::auth::Principal;
use wangge_store::events::{self, OpenedReporter};

use super::page::{Facts, Shown, in_hand_text, steps_view};
use super::*;
use crate::auth::{Me, caller};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, due_text, render, time_text};

pub struct PrintItem {
    pub at: String,
    pub actor: String,
    pub label: String,
    pub to: String,
    pub due: String,
    pub note: String,
    pub photos: usize,
}

#[derive(Template)]
#[template(path = "events/print.html")]
pub(super) struct PrintPage {
    l: Layout,
    form: String,
    form_title: String,
    f: Facts,
    items: Vec<PrintItem>,
    printed_at: String,
}

pub(super) async fn print_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((number, form)): Path<(String, String)>,
) -> AppResult<Response> {
    print_view(&s, lang, &p, &number, &form, None).await
}

/// A printed form: the reporter masked, unless `opened` for this one print (audited by the
/// caller, see `reveal`).
pub(super) async fn print_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    number: &str,
    form: &str,
    opened: Option<OpenedReporter>,
) -> AppResult<Response> {
    let wanted = form_actions(form)?;
    let who = caller(p)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &who.scope, number).await?;
    let history = events::history(h, e.id, false).await?;
    let reporter = events::reporter(h, &ctx, &e).await?;
    let l = Layout::new(lang, Some(p.clone()), &format!("ev.form.{form}"));
    let t = l.t;
    let holder = in_hand_text(h, &t, &e, &e.state()?).await;
    let views = steps_view(h, &t, &history).await;
    let items = views
        .into_iter()
        .filter(|v| wanted.contains(&v.action.as_str()))
        .map(|v| PrintItem {
            at: v.at,
            actor: v.actor,
            label: v.label,
            to: v.to,
            due: v.due,
            note: v.note,
            photos: v.photos.len(),
        })
        .collect();
    let mut f = Facts {
        number: e.number.clone(),
        category: t.name(&e.category_name, &e.category_name_en).to_string(),
        complexity: label(&t, "ev.complexity", &e.complexity),
        level: label(&t, "ev.level", &e.level.to_string()),
        urgency: label(&t, "urgency", &e.urgency),
        urgency_code: e.urgency.clone(),
        status: label(&t, "status", e.status.as_str()),
        status_code: e.status,
        source: label(&t, "source", &e.source),
        holder,
        due: e.due_at.map(due_text).unwrap_or_default(),
        final_due: e.final_due_at.map(due_text).unwrap_or_default(),
        light: String::new(),
        light_label: String::new(),
        due_missing: e.due_missing(),
        final_due_missing: e.final_due_missing(),
        route_note: String::new(),
        rework_count: e.rework_count,
        reminder_count: e.reminder_count,
        supervision: e
            .supervision
            .as_deref()
            .map(|m| label(&t, "ev.mark", m))
            .unwrap_or_default(),
        supervision_code: String::new(),
        grid: e.grid_name.clone(),
        grid_code: e.grid_code.clone(),
        address: e.address.clone().unwrap_or_default(),
        // Paper leaves the building: numbers a resident typed into the text are masked.
        description: scrub_digits(&e.description),
        reported_at: time_text(e.reported_at),
        closed_at: e.closed_at.map(time_text).unwrap_or_default(),
        rating: String::new(),
        link: String::new(),
        reporter: String::new(),
        reporter_phone: String::new(),
        reporter_revealed: false,
    };
    Shown {
        opened,
        error: None,
    }
    .fill(&t, &reporter, &mut f);
    Ok(render(PrintPage {
        form_title: t.s(&format!("ev.form.{form}")).to_string(),
        form: form.to_string(),
        f,
        items,
        printed_at: time_text(now),
        l,
    }))
}
