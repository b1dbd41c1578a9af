//! The event page: facts, map, timeline and exactly the action forms the role and state allow.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::Role;
use wangge_domain::event::{self, ActionKind, Holder, Mark, Status, Urgency};
use wangge_store::auth::Principal;
use wangge_store::events::{self, HistoryRow};
use wangge_store::{Handle, nodes, users};

use super::*;
use crate::auth::{Me, caller};
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, due_text, render, time_text};

/// Which action forms the page shows: exactly the kinds the domain allows this user now.
#[derive(Default)]
pub struct Allowed {
    pub accept: bool,
    pub reject: bool,
    pub escalate: bool,
    pub assign: bool,
    pub transfer: bool,
    pub ret: bool,
    pub feedback: bool,
    pub handle_on_spot: bool,
    pub verify: bool,
    pub remind: bool,
    pub supervise: bool,
    pub cancel: bool,
    pub merge: bool,
}

impl Allowed {
    fn from_kinds(kinds: &[ActionKind]) -> Allowed {
        let mut a = Allowed::default();
        for k in kinds {
            match k {
                ActionKind::Accept => a.accept = true,
                ActionKind::Reject => a.reject = true,
                ActionKind::Escalate => a.escalate = true,
                ActionKind::Assign => a.assign = true,
                ActionKind::Transfer => a.transfer = true,
                ActionKind::Return => a.ret = true,
                ActionKind::Feedback => a.feedback = true,
                ActionKind::HandleOnSpot => a.handle_on_spot = true,
                ActionKind::Verify => a.verify = true,
                ActionKind::Remind => a.remind = true,
                ActionKind::Supervise => a.supervise = true,
                ActionKind::Cancel => a.cancel = true,
                ActionKind::Merge => a.merge = true,
                ActionKind::Report
                | ActionKind::Rate
                | ActionKind::Reopen
                | ActionKind::RaiseUrgency => {}
            }
        }
        a
    }

    fn any(&self) -> bool {
        self.accept
            || self.reject
            || self.escalate
            || self.assign
            || self.transfer
            || self.ret
            || self.feedback
            || self.handle_on_spot
            || self.verify
            || self.remind
            || self.supervise
            || self.cancel
            || self.merge
    }
}

pub struct StepView {
    pub seq: i64,
    pub action: String,
    pub label: String,
    pub actor: String,
    pub at: String,
    pub note: String,
    pub to: String,
    pub due: String,
    pub photos: Vec<i64>,
    pub public: bool,
}

pub struct Facts {
    pub number: String,
    pub category: String,
    pub complexity: String,
    pub level: String,
    pub urgency: String,
    pub urgency_code: String,
    pub status: String,
    pub status_code: Status,
    pub source: String,
    pub holder: String,
    pub due: String,
    pub final_due: String,
    pub light: String,
    pub light_label: String,
    /// Each due time past the loaded calendar is flagged on its own; the other still shows.
    pub due_missing: bool,
    pub final_due_missing: bool,
    pub route_note: String,
    pub rework_count: i64,
    pub reminder_count: i64,
    pub supervision: String,
    pub supervision_code: String,
    pub grid: String,
    pub grid_code: String,
    pub address: String,
    pub description: String,
    pub reported_at: String,
    pub closed_at: String,
    pub rating: String,
    pub link: String,
    pub reporter: String,
    pub reporter_phone: String,
    /// The name and phone above are the reporter's own, opened by this response (audited).
    pub reporter_revealed: bool,
}

#[derive(Template)]
#[template(path = "events/event.html")]
pub(super) struct EventPage {
    l: Layout,
    f: Facts,
    a: Allowed,
    any_action: bool,
    photos: Vec<i64>,
    /// Residents who said "me too" (我也遇到), and the photos they sent.
    me_too: i64,
    me_too_photos: Vec<i64>,
    steps: Vec<StepView>,
    departments: Vec<Opt>,
    transfer_departments: Vec<Opt>,
    lower_nodes: Vec<Opt>,
    /// Workers and grid leaders under the owning node, to give the case to one of them.
    persons: Vec<Opt>,
    due_default: String,
    urgencies: Vec<Opt>,
    marks: Vec<Opt>,
    lat: String,
    lon: String,
    boundary: String,
    tile_url: String,
    error: String,
    done: String,
    form: HashMap<String, String>,
    failed_kind: String,
    /// The caller may open the reporter's contact (with a reason), and why the last try failed.
    may_reveal: bool,
    reveal_error: String,
}

impl EventPage {
    /// A field the user typed before an error, to fill the form again.
    fn val(&self, kind: &str, name: &str) -> &str {
        if self.failed_kind == kind {
            self.form.get(name).map(String::as_str).unwrap_or("")
        } else {
            ""
        }
    }
}

/// Readable names for the holders a history mentions, looked up once each.
pub(super) struct Names<'a> {
    t: &'a Tr,
    cache: HashMap<String, String>,
}

impl Names<'_> {
    async fn holder(&mut self, h: &mut Handle<'_>, json: &str) -> String {
        let Ok(holder) = serde_json::from_str::<Holder>(json) else {
            return String::new();
        };
        let key = match &holder {
            Holder::Node { code, .. } | Holder::Department { code } => code.clone(),
            Holder::Person { user_id } => format!("user:{user_id}"),
        };
        if let Some(n) = self.cache.get(&key) {
            return n.clone();
        }
        // A holder that no longer exists shows as its code or as a numbered person.
        let name = match (events::holder_name(h, &holder).await, &holder) {
            (Some(n), _) => n,
            (None, Holder::Node { code, .. } | Holder::Department { code }) => code.clone(),
            (None, Holder::Person { user_id }) => {
                format!("{} #{user_id}", self.t.s("ev.person"))
            }
        };
        self.cache.insert(key, name.clone());
        name
    }
}

pub(crate) async fn steps_view(h: &mut Handle<'_>, t: &Tr, rows: &[HistoryRow]) -> Vec<StepView> {
    let mut names = Names {
        t,
        cache: HashMap::new(),
    };
    let mut out = Vec::with_capacity(rows.len());
    let mut prev_holder = String::new();
    for r in rows {
        let moved = r.holder != prev_holder;
        prev_holder = r.holder.clone();
        let to = if moved || matches!(r.action.as_str(), "assign" | "transfer" | "escalate") {
            names.holder(h, &r.holder).await
        } else {
            String::new()
        };
        out.push(StepView {
            seq: r.seq,
            action: r.action.clone(),
            label: label(t, "action", &r.label),
            actor: r.actor_name.clone(),
            at: time_text(r.at),
            note: crate::intake::staff_step_note(t, &r.label, &r.note),
            to,
            due: r.due_at.map(due_text).unwrap_or_default(),
            photos: r.attachment_ids(),
            public: r.public,
        });
    }
    out
}

pub(super) fn holder_option_value(h: &Holder) -> String {
    match h {
        Holder::Node { kind, code } => format!("{}:{code}", kind.as_str()),
        Holder::Department { code } => format!("department:{code}"),
        Holder::Person { user_id } => format!("person:{user_id}"),
    }
}

pub(super) async fn event_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    number: &str,
    done: String,
    error: Option<(Error, String, HashMap<String, String>)>,
    shown: Shown,
) -> AppResult<Response> {
    let who = caller(p)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &who.scope, number).await?;
    let state = e.state()?;
    let kinds = event::available_actions(&state, &who.actor, now, &s.config.rules);
    let a = Allowed::from_kinds(&kinds);
    let history = events::history(h, e.id, false).await?;
    let reporter = events::reporter(h, &ctx, &e).await?;
    let may_reveal = !reporter.anonymous && event::may_reveal_reporter(&state, &who.actor);
    let l = Layout::new(lang, Some(p.clone()), "ev.event_title");
    let t = l.t;
    let holder = in_hand_text(h, &t, &e, &state).await;
    let steps = steps_view(h, &t, &history).await;
    let photos = history
        .first()
        .map(HistoryRow::attachment_ids)
        .unwrap_or_default();
    let (departments, transfer_departments) = if a.assign || a.transfer {
        let all = events::departments_above(h, &e).await?;
        let current = match &state.holder {
            Holder::Department { code } => code.clone(),
            _ => String::new(),
        };
        let to_opts = |list: &[(String, String)], skip: &str| -> Vec<Opt> {
            list.iter()
                .filter(|(code, _)| code != skip)
                .map(|(code, name)| Opt {
                    value: holder_option_value(&Holder::Department { code: code.clone() }),
                    label: name.clone(),
                    selected: false,
                })
                .collect()
        };
        (to_opts(&all, ""), to_opts(&all, &current))
    } else {
        (Vec::new(), Vec::new())
    };
    let persons = match (&state.owner, a.assign) {
        (Holder::Node { code, .. }, true) => match nodes::by_code(h, &who.scope, code).await {
            Ok(owner) => users::list(h, &who.scope.narrow(&owner.path), "", 200, 0)
                .await?
                .into_iter()
                .filter(|u| u.active && matches!(u.role, Role::Worker | Role::GridLeader))
                .map(|u| Opt {
                    value: holder_option_value(&Holder::Person { user_id: u.id }),
                    label: format!("{}({})", u.display_name, u.node_name),
                    selected: false,
                })
                .collect(),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let lower_nodes = match (&state.owner, a.assign) {
        (Holder::Node { code, .. }, true) => match nodes::by_code(h, &who.scope, code).await {
            Ok(owner) => nodes::children(h, &who.scope, owner.id)
                .await?
                .into_iter()
                .filter_map(|n| {
                    let kind = n.kind;
                    let lv = event::level_of_kind(kind)?;
                    (lv < state.level).then(|| Opt {
                        value: holder_option_value(&Holder::Node {
                            kind,
                            code: n.code.clone(),
                        }),
                        label: format!("{}({})", n.name, t.kind(n.kind)),
                        selected: false,
                    })
                })
                .collect(),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let boundary = events::grid_boundary(h, &e).await.unwrap_or_default();
    let light = e.light(now).map(|x| x.code()).unwrap_or_default();
    let due_default = e
        .due_at
        .filter(|d| *d > now)
        .map(|d| date_text(d - 1))
        .unwrap_or_else(|| date_text(now + 3 * 86_400_000));
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
        light_label: if light.is_empty() {
            String::new()
        } else {
            label(&t, "light", light)
        },
        light: light.to_string(),
        due_missing: e.due_missing(),
        final_due_missing: e.final_due_missing(),
        route_note: e.route_note.clone().unwrap_or_default(),
        rework_count: e.rework_count,
        reminder_count: e.reminder_count,
        supervision: e
            .supervision
            .as_deref()
            .map(|m| label(&t, "ev.mark", m))
            .unwrap_or_default(),
        supervision_code: e.supervision.clone().unwrap_or_default(),
        grid: e.grid_name.clone(),
        grid_code: e.grid_code.clone(),
        address: e.address.clone().unwrap_or_default(),
        description: e.description.clone(),
        reported_at: time_text(e.reported_at),
        closed_at: e.closed_at.map(time_text).unwrap_or_default(),
        rating: e
            .rating
            .map(|r| {
                let stars = usize::try_from(r.clamp(0, 5)).unwrap_or(0);
                format!("{}{}", "★".repeat(stars), "☆".repeat(5 - stars))
            })
            .unwrap_or_default(),
        link: state.link.clone().unwrap_or_default(),
        reporter: String::new(),
        reporter_phone: String::new(),
        reporter_revealed: false,
    };
    shown.fill(&t, &reporter, &mut f);
    let urgencies = Urgency::ALL
        .iter()
        .map(|u| Opt {
            value: u.as_str().to_string(),
            label: label(&t, "urgency", u.as_str()),
            selected: u.as_str() == e.urgency,
        })
        .collect();
    let marks = Mark::ALL
        .iter()
        .map(|m| Opt {
            value: m.as_str().to_string(),
            label: label(&t, "ev.mark", m.as_str()),
            selected: Some(m.as_str()) == e.supervision.as_deref(),
        })
        .collect();
    let status = match error.as_ref().map(|x| &x.0).or(shown.error.as_ref()) {
        Some(err) => StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST),
        None => StatusCode::OK,
    };
    let reveal_error = shown.error.as_ref().map(|e| t.error(e)).unwrap_or_default();
    let (error, failed_kind, form) = match error {
        Some((err, kind, form)) => (t.error(&err), kind, form),
        None => (String::new(), String::new(), HashMap::new()),
    };
    let done = ActionKind::parse(&done)
        .map(|k| label(&t, "action", k.as_str()))
        .unwrap_or_default();
    let f_revealed = f.reporter_revealed;
    let me_too_photos = events::me_too_photos(h, e.id).await?;
    let mut resp = render(EventPage {
        me_too: e.me_too_count,
        me_too_photos,
        any_action: a.any(),
        a,
        f,
        photos,
        steps,
        departments,
        transfer_departments,
        lower_nodes,
        persons,
        due_default,
        urgencies,
        marks,
        lat: e.lat.map(|x| x.to_string()).unwrap_or_default(),
        lon: e.lon.map(|x| x.to_string()).unwrap_or_default(),
        boundary,
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        error,
        done,
        form,
        failed_kind,
        may_reveal,
        reveal_error,
        l,
    });
    *resp.status_mut() = status;
    // A page carrying the reporter's contact is never kept by the browser or a proxy.
    Ok(if f_revealed { no_store(resp) } else { resp })
}

#[derive(Deserialize, Default)]
pub(super) struct EventQuery {
    done: Option<String>,
}

pub(super) async fn event_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(number): Path<String>,
    Query(q): Query<EventQuery>,
) -> AppResult<Response> {
    let done = q.done.unwrap_or_default();
    event_view(&s, lang, &p, &number, done, None, Shown::default()).await
}

/// The reporter as a page shows them: opened by this response, or masked.
#[derive(Default)]
pub(super) struct Shown {
    pub opened: Option<events::OpenedReporter>,
    /// Why opening failed (a missing reason): shown by the reveal form.
    pub error: Option<Error>,
}

impl Shown {
    pub(super) fn fill(&self, t: &Tr, masked: &events::Reporter, f: &mut Facts) {
        match &self.opened {
            Some(o) => {
                f.reporter = o
                    .name
                    .as_ref()
                    .map(|n| n.expose().clone())
                    .unwrap_or_default();
                f.reporter_phone = o
                    .phone
                    .as_ref()
                    .map(|p| p.expose().clone())
                    .unwrap_or_default();
                f.reporter_revealed = true;
            }
            None => {
                f.reporter = if masked.anonymous {
                    t.s("ev.anonymous").to_string()
                } else {
                    masked.name.clone().unwrap_or_default()
                };
                f.reporter_phone = masked.phone.clone().unwrap_or_default();
            }
        }
    }
}

/// Who has the event in hand now (see `event::in_hand`): its holder while worked on, the node
/// that verifies while feedback waits, nobody once closed or ended.
pub(super) async fn in_hand_text(
    h: &mut Handle<'_>,
    t: &Tr,
    e: &events::EventRow,
    state: &event::EventState,
) -> String {
    match event::in_hand(state) {
        event::InHand::Holder(_) => e.holder_label.clone(),
        event::InHand::Verifying { level } => {
            // The owner verifies at its level; a grid's feedback goes to the village above it,
            // the grid's parent in its path.
            let verifier = if level == state.level {
                Some(state.owner.clone())
            } else {
                let codes: Vec<&str> = e.path.split('/').filter(|c| !c.is_empty()).collect();
                let parent = codes.len().checked_sub(2).and_then(|i| codes.get(i));
                match (event::kind_of_level(level), parent) {
                    (Some(kind), Some(code)) => Some(Holder::Node {
                        kind,
                        code: (*code).to_string(),
                    }),
                    _ => None,
                }
            };
            let name = match verifier {
                Some(v) => events::holder_name(h, &v).await.unwrap_or_default(),
                None => String::new(),
            };
            format!("{} · {name}", t.s("ev.in_hand.verifying"))
                .trim_end_matches(" · ")
                .to_string()
        }
        event::InHand::Nobody => t
            .s(&format!("ev.in_hand.{}", e.status.as_str()))
            .to_string(),
    }
}
