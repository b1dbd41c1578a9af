//! Actions taken from the event page's forms, with their photos.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use wangge_domain::Error;
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::event::{self, Action, ActionKind, Holder, Mark, Urgency};
use wangge_domain::{NodeKind, deadline, photo};
use wangge_store::auth::Principal;
use wangge_store::events::{self, NewPhoto};

use super::page::event_view;
use crate::auth::{Me, caller};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::urlencode;

/// The fields of a posted form and its photos.
pub(super) struct Posted {
    fields: HashMap<String, String>,
    photos: Vec<Vec<u8>>,
}

pub(super) fn bad_form(m: impl Into<String>) -> Error {
    err!("request.bad_form", reason = Into::<String>::into(m))
}

pub(super) async fn read_form(req: Request) -> Result<Posted, Error> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut fields = HashMap::new();
    let mut photos = Vec::new();
    if is_multipart {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| bad_form(e.body_text()))?;
        while let Some(field) = mp.next_field().await.map_err(|e| bad_form(e.body_text()))? {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                let bytes = field.bytes().await.map_err(|e| bad_form(e.body_text()))?;
                if !bytes.is_empty() {
                    if photos.len() >= event::MAX_ATTACHMENTS {
                        return Err(err!("event.too_many_photos", max = event::MAX_ATTACHMENTS));
                    }
                    photos.push(bytes.to_vec());
                }
            } else {
                let text = field.text().await.map_err(|e| bad_form(e.body_text()))?;
                fields.insert(name, text);
            }
        }
    } else {
        let axum::Form(list) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_err(|e| bad_form(e.body_text()))?;
        fields.extend(list);
    }
    Ok(Posted { fields, photos })
}

pub(super) fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

pub(super) fn parse_holder(v: &str) -> Result<Holder, Error> {
    let bad = || err!("event.target_required");
    let (kind, code) = v.trim().split_once(':').ok_or_else(bad)?;
    if code.trim().is_empty() {
        return Err(bad());
    }
    if kind == "person" {
        let user_id = code.trim().parse().map_err(|_| bad())?;
        return Ok(Holder::Person { user_id });
    }
    let code = code.trim().to_string();
    Ok(match NodeKind::parse(kind).ok_or_else(bad)? {
        NodeKind::Department => Holder::Department { code },
        kind => Holder::Node { kind, code },
    })
}

/// A date input (`YYYY-MM-DD`) as the end of that day, +08:00.
pub(super) fn parse_due(v: &str) -> Result<Option<i64>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = Date::parse(v).map_err(|_| err!("event.due_invalid"))?;
    Ok(Some(deadline::end_of_day(d)))
}

/// The domain action a form describes.
pub(super) fn form_action(kind: ActionKind, f: &HashMap<String, String>) -> Result<Action, Error> {
    let text = |n: &str| field(f, n).to_string();
    Ok(match kind {
        ActionKind::Accept => Action::Accept {
            due_ms: None,
            urgency: match field(f, "urgency") {
                "" => None,
                u => Some(Urgency::parse(u).ok_or_else(|| err!("event.urgency_invalid"))?),
            },
            note: text("note"),
        },
        ActionKind::Reject => Action::Reject {
            reason: text("reason"),
        },
        ActionKind::Escalate => Action::Escalate {
            to: String::new(),
            due_ms: None,
            note: text("note"),
        },
        ActionKind::Assign => Action::Assign {
            to: parse_holder(field(f, "to"))?,
            due_ms: parse_due(field(f, "due"))?.ok_or_else(|| err!("event.due_required"))?,
            note: text("note"),
        },
        ActionKind::Transfer => Action::Transfer {
            to: parse_holder(field(f, "to"))?,
            reason: text("reason"),
            due_ms: parse_due(field(f, "due"))?,
        },
        ActionKind::Return => Action::Return {
            reason: text("reason"),
        },
        ActionKind::Feedback => Action::Feedback {
            result: text("result"),
            photos: Vec::new(),
        },
        ActionKind::HandleOnSpot => Action::HandleOnSpot {
            result: text("result"),
            photos: Vec::new(),
        },
        ActionKind::Verify => Action::Verify {
            pass: match field(f, "pass") {
                "1" | "true" | "pass" => true,
                "0" | "false" | "fail" => false,
                _ => {
                    return Err(err!("event.verify_choice"));
                }
            },
            note: text("note"),
        },
        ActionKind::Remind => Action::Remind { note: text("note") },
        ActionKind::Supervise => Action::Supervise {
            mark: Mark::parse(field(f, "mark")).ok_or_else(|| err!("event.mark_invalid"))?,
            note: text("note"),
        },
        ActionKind::Cancel => Action::Cancel {
            reason: text("reason"),
            duplicate_of: Some(text("duplicate_of")).filter(|x| !x.is_empty()),
        },
        ActionKind::Merge => Action::Merge {
            into: text("into"),
            note: text("note"),
        },
        ActionKind::Report | ActionKind::Rate | ActionKind::Reopen | ActionKind::RaiseUrgency => {
            return Err(err!("event.action_unknown"));
        }
    })
}

pub(super) async fn try_act(
    s: &AppState,
    p: &Principal,
    number: &str,
    kind: ActionKind,
    posted: &Posted,
) -> Result<(), Error> {
    let action = form_action(kind, &posted.fields)?;
    let mut photos = Vec::with_capacity(posted.photos.len());
    for bytes in &posted.photos {
        let (kind, bytes) = photo::clean(bytes, photo::DEFAULT_MAX_BYTES)?;
        photos.push(NewPhoto { kind, bytes });
    }
    let who = caller(p).map_err(|e| e.0)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut tx = s.db.begin().await?;
    events::act(&mut tx.handle(), &ctx, &who, number, action, &photos, now).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn act(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(number): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let posted = read_form(req).await?;
    let kind_text = field(&posted.fields, "action").to_string();
    let result = match ActionKind::parse(&kind_text) {
        Some(kind) => try_act(&s, &p, &number, kind, &posted).await,
        None => Err(err!("event.action_unknown")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/events/{}?done={kind_text}#timeline",
            urlencode(number.trim())
        ))
        .into_response()),
        // An event outside the caller's area stays a plain 404.
        Err(e) if e.status == 404 && e.code == "event.not_found" => Err(AppError(e)),
        Err(e) => {
            event_view(
                &s,
                lang,
                &p,
                &number,
                String::new(),
                Some((e, kind_text, posted.fields)),
                super::page::Shown::default(),
            )
            .await
        }
    }
}
