//! The printable forms as JSON: 申报单 `report`, 交办单 `assign`, 催办单 `remind` and 反馈单
//! `feedback` of an event in the caller's area, holding what `/events/{number}/print/{form}`
//! prints — the event's facts with the description's long digit runs masked, the masked
//! reporter, and the history steps that form lists with their readable targets and due times.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use wangge_store::events;

use super::form_actions;
use super::page::steps_view;
use crate::auth::{Me, caller};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::rfc3339;
use crate::ui::scrub_digits;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/events/{number}/forms/{form}", get(form))
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map(|m| Value::from(rfc3339(m))).unwrap_or(Value::Null)
}

async fn form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((number, form)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let wanted = form_actions(&form)?;
    let who = caller(&p)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &who.scope, &number).await?;
    let history = events::history(h, e.id, false).await?;
    let reporter = events::reporter(h, &ctx, &e).await?;
    let t = Tr::new(lang);
    // The page's own step views give the labels and the readable targets, one per history row.
    let views = steps_view(h, &t, &history).await;
    let items: Vec<Value> = history
        .iter()
        .zip(views)
        .filter(|(r, _)| wanted.contains(&r.action.as_str()))
        .map(|(r, v)| {
            json!({
                "seq": r.seq,
                "action": r.action,
                "label": v.label,
                "actor": r.actor_name,
                "at": rfc3339(r.at),
                "to": v.to,
                "due_at": opt_time(r.due_at),
                // The report step's note is the description: masked as the facts' copy is.
                "note": if r.action == "report" { scrub_digits(&r.note) } else { r.note.clone() },
                "photos": r.attachment_ids(),
            })
        })
        .collect();
    Ok(Json(json!({
        "form": form,
        "title": t.s(&format!("ev.form.{form}")),
        "printed_at": rfc3339(now),
        "event": {
            "number": e.number,
            "category": {"code": e.category_code, "name": e.category_name},
            "complexity": e.complexity,
            "level": e.level,
            "urgency": e.urgency,
            "status": e.status,
            "source": e.source,
            "holder": e.holder_label,
            "due_at": opt_time(e.due_at),
            "final_due_at": opt_time(e.final_due_at),
            "calendar_missing": e.calendar_missing,
            "rework_count": e.rework_count,
            "reminder_count": e.reminder_count,
            "supervision": e.supervision,
            "grid": {"code": e.grid_code, "name": e.grid_name},
            "address": e.address,
            // Paper leaves the building: numbers a resident typed into the text are masked.
            "description": scrub_digits(&e.description),
            "reported_at": rfc3339(e.reported_at),
            "closed_at": opt_time(e.closed_at),
        },
        "reporter": reporter,
        "items": items,
    })))
}
