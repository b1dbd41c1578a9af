//! Work pages: inboxes, the event page with its timeline and the actions the role and state allow, the printable forms, and the public results board.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::calendar::Date;
use wangge_domain::deadline;
use wangge_domain::err;
use wangge_domain::event::{self, Action, ActionKind, Holder, Mark, Status, Urgency};
use wangge_domain::photo;
use wangge_domain::{Error, NodeKind, Role, Scope};
use wangge_store::Handle;
use wangge_store::auth::Principal;
use wangge_store::events::{self, EventRow, HistoryRow, Inbox, NewPhoto};
use wangge_store::{nodes, users};

use super::{Layout, render, time_text, urlencode};
use crate::api_events::{ListQuery, parse_list};
use crate::auth::{MaybeMe, Me, caller};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// Events per page of an inbox.
const PAGE_SIZE: i64 = 20;
/// The most bytes one action form may carry (nine photos of up to 5 MB and the fields).
pub(crate) const MAX_FORM_BYTES: usize = 48 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(inbox_page))
        .route("/events/{number}", get(event_page))
        .route(
            "/events/{number}/act",
            axum::routing::post(act).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/events/{number}/print/{form}", get(print_page))
        .route("/public/{code}", get(public_page))
}

// ---------- labels ----------

fn label(t: &Tr, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    if Tr::has(&key) {
        t.s(&key).to_string()
    } else {
        code.to_string()
    }
}

/// A due instant for people: a period ending at 00:00 shows as 24:00 of the day before.
pub fn due_text(ms: i64) -> String {
    let t = time_text(ms);
    match t.strip_suffix(" 00:00") {
        Some(_) => {
            let prev = time_text(ms - 60_000);
            format!("{} 24:00", prev.split(' ').next().unwrap_or_default())
        }
        None => t,
    }
}

fn date_text(ms: i64) -> String {
    time_text(ms)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

// ---------- the inbox ----------

pub struct Tab {
    pub key: &'static str,
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct RowView {
    pub number: String,
    pub category: String,
    pub grid: String,
    pub level: i64,
    pub level_label: String,
    pub status: String,
    pub status_label: String,
    pub urgency: String,
    pub urgency_label: String,
    pub holder: String,
    pub due: String,
    /// A limit fell past the loaded calendar: the due time is unknown, not guessed.
    pub calendar_missing: bool,
    pub light: String,
    pub light_label: String,
    pub supervision: String,
    pub supervision_label: String,
    pub summary: String,
}

fn row_view(t: &Tr, e: &EventRow, now: i64) -> RowView {
    let light = e.light(now).map(|l| l.code()).unwrap_or_default();
    let supervision = e.supervision.clone().unwrap_or_default();
    RowView {
        number: e.number.clone(),
        category: e.category_name.clone(),
        grid: e.grid_name.clone(),
        level: e.level,
        level_label: label(t, "ev.level", &e.level.to_string()),
        status_label: label(t, "status", &e.status),
        status: e.status.clone(),
        urgency_label: label(t, "urgency", &e.urgency),
        urgency: e.urgency.clone(),
        holder: e.holder_label.clone(),
        due: e.due_at.map(due_text).unwrap_or_default(),
        calendar_missing: e.calendar_missing,
        light_label: if light.is_empty() {
            String::new()
        } else {
            label(t, "light", light)
        },
        light: light.to_string(),
        supervision_label: if supervision.is_empty() {
            String::new()
        } else {
            label(t, "ev.mark", &supervision)
        },
        supervision,
        summary: truncate(&e.description, 40),
    }
}

/// Masks runs of seven or more digits (phone or ID numbers a resident may have typed) for
/// public display.
pub(crate) fn scrub_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&"*".repeat(run.chars().count()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('…');
        out
    }
}

#[derive(Template)]
#[template(path = "events_inbox.html")]
struct InboxPage {
    l: Layout,
    tabs: Vec<Tab>,
    inbox: String,
    rows: Vec<RowView>,
    q: String,
    categories: Vec<Opt>,
    statuses: Vec<Opt>,
    levels: Vec<Opt>,
    page: i64,
    prev_href: String,
    next_href: String,
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    inbox: Option<String>,
    q: Option<String>,
    category: Option<String>,
    status: Option<String>,
    level: Option<String>,
    page: Option<String>,
}

/// Which tab a user lands on: the one their role works from.
fn default_inbox(p: &Principal) -> Inbox {
    match p.role() {
        Some(wangge_domain::Role::Operator | wangge_domain::Role::Commander) => Inbox::ToAccept,
        Some(wangge_domain::Role::Leader) => Inbox::All,
        Some(wangge_domain::Role::DeptHandler) => Inbox::ToHandle,
        _ => Inbox::ToAccept,
    }
}

async fn inbox_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    let page = q
        .page
        .as_deref()
        .and_then(|x| x.trim().parse::<i64>().ok())
        .filter(|x| (1..=100_000).contains(x))
        .unwrap_or(1);
    let inbox_text = q
        .inbox
        .clone()
        .filter(|x| !x.trim().is_empty())
        .unwrap_or_else(|| default_inbox(&p).as_str().to_string());
    let lq = ListQuery {
        inbox: Some(inbox_text),
        q: q.q.clone(),
        category: q.category.clone(),
        status: q.status.clone(),
        level: q.level.clone(),
        limit: Some((PAGE_SIZE + 1).to_string()),
        offset: Some(((page - 1) * PAGE_SIZE).to_string()),
    };
    let (inbox, mut filter) = parse_list(&lq)?;
    filter.me = Some(p.user_id);
    let now = s.now();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut rows = events::list(h, &p.scope(), inbox, &filter, now).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let cats = events::categories(h).await?;
    let l = Layout::new(lang, Some(p.clone()), "ev.inbox_title");
    let t = l.t;
    let text = filter.text.clone().unwrap_or_default();
    let href = |inbox: &str, page: i64| {
        let mut out = format!("/events?inbox={inbox}");
        for (k, v) in [
            ("q", text.as_str()),
            ("category", filter.category.as_deref().unwrap_or("")),
            ("status", filter.status.as_deref().unwrap_or("")),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        if let Some(lv) = filter.level {
            out.push_str(&format!("&level={lv}"));
        }
        if page > 1 {
            out.push_str(&format!("&page={page}"));
        }
        out
    };
    // The work inboxes, then everything and what is closed.
    let tabs = Inbox::WORK
        .iter()
        .chain(&[Inbox::All, Inbox::Closed])
        .map(|i| Tab {
            key: i.as_str(),
            label: t.s(&format!("ev.inbox.{}", i.as_str())).to_string(),
            href: href(i.as_str(), 1),
            active: *i == inbox,
        })
        .collect();
    let categories = cats
        .iter()
        .map(|c| Opt {
            value: c.code.clone(),
            label: if c.parent_code.is_some() {
                format!("\u{a0}\u{a0}{}", c.name)
            } else {
                c.name.clone()
            },
            selected: filter.category.as_deref() == Some(c.code.as_str()),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|st| Opt {
            value: st.as_str().to_string(),
            label: label(&t, "status", st.as_str()),
            selected: filter.status.as_deref() == Some(st.as_str()),
        })
        .collect();
    let levels = (1..=5)
        .map(|lv: i64| Opt {
            value: lv.to_string(),
            label: label(&t, "ev.level", &lv.to_string()),
            selected: filter.level == Some(lv),
        })
        .collect();
    Ok(render(InboxPage {
        tabs,
        inbox: inbox.as_str().to_string(),
        rows: rows.iter().map(|e| row_view(&t, e, now)).collect(),
        q: text.clone(),
        categories,
        statuses,
        levels,
        page,
        prev_href: if page > 1 {
            href(inbox.as_str(), page - 1)
        } else {
            String::new()
        },
        next_href: if more {
            href(inbox.as_str(), page + 1)
        } else {
            String::new()
        },
        l,
    }))
}

// ---------- the event page ----------

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
                ActionKind::Report | ActionKind::Rate | ActionKind::Reopen => {}
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
    pub status_code: String,
    pub source: String,
    pub holder: String,
    pub due: String,
    pub final_due: String,
    pub light: String,
    pub light_label: String,
    pub calendar_missing: bool,
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
}

#[derive(Template)]
#[template(path = "events_event.html")]
struct EventPage {
    l: Layout,
    f: Facts,
    a: Allowed,
    any_action: bool,
    photos: Vec<i64>,
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
struct Names<'a> {
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
        let name = match &holder {
            Holder::Node { code, .. } | Holder::Department { code } => {
                nodes::by_code(h, &Scope::everything(), code)
                    .await
                    .map(|n| n.name)
                    .unwrap_or_else(|_| code.clone())
            }
            Holder::Person { user_id } => {
                wangge_store::users::get(h, &Scope::everything(), *user_id)
                    .await
                    .map(|u| u.display_name)
                    .unwrap_or_else(|_| format!("{} #{user_id}", self.t.s("ev.person")))
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
            note: r.note.clone(),
            to,
            due: r.due_at.map(due_text).unwrap_or_default(),
            photos: r.attachment_ids(),
            public: r.public,
        });
    }
    out
}

/// Departments an assignment or transfer of this event may go to: those hanging off a node above
/// the event (its village, township, county or city).
async fn departments_above(
    h: &mut Handle<'_>,
    e: &EventRow,
) -> Result<Vec<(String, String)>, Error> {
    let all = nodes::of_kind(h, &Scope::everything(), NodeKind::Department).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            let parent = d
                .path
                .strip_suffix(&format!("{}/", d.code))
                .unwrap_or_default();
            !parent.is_empty() && e.path.starts_with(parent)
        })
        .map(|d| (d.code, d.name))
        .collect())
}

fn holder_option_value(h: &Holder) -> String {
    match h {
        Holder::Node { kind, code } => format!("{}:{code}", kind.as_str()),
        Holder::Department { code } => format!("department:{code}"),
        Holder::Person { user_id } => format!("person:{user_id}"),
    }
}

async fn event_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    number: &str,
    done: String,
    error: Option<(Error, String, HashMap<String, String>)>,
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
    let reporter = events::reporter(h, &ctx, &e, false).await?;
    let l = Layout::new(lang, Some(p.clone()), "ev.event_title");
    let t = l.t;
    let steps = steps_view(h, &t, &history).await;
    let photos = history
        .first()
        .map(HistoryRow::attachment_ids)
        .unwrap_or_default();
    let (departments, transfer_departments) = if a.assign || a.transfer {
        let all = departments_above(h, &e).await?;
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
            Ok(owner) => users::list(h, &Scope::of_path(&owner.path), "", 200, 0)
                .await?
                .into_iter()
                .filter(|u| {
                    u.active
                        && matches!(Role::parse(&u.role), Some(Role::Worker | Role::GridLeader))
                })
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
                    let kind = NodeKind::parse(&n.kind)?;
                    let lv = event::level_of_kind(kind)?;
                    (lv < state.level).then(|| Opt {
                        value: holder_option_value(&Holder::Node {
                            kind,
                            code: n.code.clone(),
                        }),
                        label: format!("{}({})", n.name, t.kind(&n.kind)),
                        selected: false,
                    })
                })
                .collect(),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let grid = nodes::by_code(h, &Scope::everything(), &e.grid_code)
        .await
        .ok();
    let boundary = grid.and_then(|g| g.boundary).unwrap_or_default();
    let light = e.light(now).map(|x| x.code()).unwrap_or_default();
    let due_default = e
        .due_at
        .filter(|d| *d > now)
        .map(|d| date_text(d - 1))
        .unwrap_or_else(|| date_text(now + 3 * 86_400_000));
    let f = Facts {
        number: e.number.clone(),
        category: e.category_name.clone(),
        complexity: label(&t, "ev.complexity", &e.complexity),
        level: label(&t, "ev.level", &e.level.to_string()),
        urgency: label(&t, "urgency", &e.urgency),
        urgency_code: e.urgency.clone(),
        status: label(&t, "status", &e.status),
        status_code: e.status.clone(),
        source: label(&t, "source", &e.source),
        holder: e.holder_label.clone(),
        due: e.due_at.map(due_text).unwrap_or_default(),
        final_due: e.final_due_at.map(due_text).unwrap_or_default(),
        light_label: if light.is_empty() {
            String::new()
        } else {
            label(&t, "light", light)
        },
        light: light.to_string(),
        calendar_missing: e.calendar_missing,
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
        reporter: if reporter.anonymous {
            t.s("ev.anonymous").to_string()
        } else {
            reporter.name.clone().unwrap_or_default()
        },
        reporter_phone: reporter.phone.clone().unwrap_or_default(),
    };
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
    let status = match &error {
        Some((err, _, _)) => StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST),
        None => StatusCode::OK,
    };
    let (error, failed_kind, form) = match error {
        Some((err, kind, form)) => (t.error(&err), kind, form),
        None => (String::new(), String::new(), HashMap::new()),
    };
    let done = ActionKind::parse(&done)
        .map(|k| label(&t, "action", k.as_str()))
        .unwrap_or_default();
    let mut resp = render(EventPage {
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
        l,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

#[derive(Deserialize, Default)]
struct EventQuery {
    done: Option<String>,
}

async fn event_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(number): Path<String>,
    Query(q): Query<EventQuery>,
) -> AppResult<Response> {
    event_view(&s, lang, &p, &number, q.done.unwrap_or_default(), None).await
}

// ---------- actions from the forms ----------

/// The fields of a posted form and its photos.
struct Posted {
    fields: HashMap<String, String>,
    photos: Vec<Vec<u8>>,
}

fn bad_form(m: impl Into<String>) -> Error {
    err!("request.bad_form", reason = Into::<String>::into(m))
}

async fn read_form(req: Request) -> Result<Posted, Error> {
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

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

fn parse_holder(v: &str) -> Result<Holder, Error> {
    let bad = || err!("event.target_required");
    let (kind, code) = v.trim().split_once(':').ok_or_else(bad)?;
    if code.trim().is_empty() {
        return Err(bad());
    }
    if kind == "department" {
        return Ok(Holder::Department {
            code: code.trim().to_string(),
        });
    }
    if kind == "person" {
        let user_id = code.trim().parse().map_err(|_| bad())?;
        return Ok(Holder::Person { user_id });
    }
    let kind = NodeKind::parse(kind).ok_or_else(bad)?;
    Ok(Holder::Node {
        kind,
        code: code.trim().to_string(),
    })
}

/// A date input (`YYYY-MM-DD`) as the end of that day, +08:00.
fn parse_due(v: &str) -> Result<Option<i64>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = Date::parse(v).map_err(|_| err!("event.due_invalid"))?;
    Ok(Some(deadline::end_of_day(d)))
}

/// The domain action a form describes.
fn form_action(kind: ActionKind, f: &HashMap<String, String>) -> Result<Action, Error> {
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
        ActionKind::Report | ActionKind::Rate | ActionKind::Reopen => {
            return Err(err!("event.action_unknown"));
        }
    })
}

async fn try_act(
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

async fn act(
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
            )
            .await
        }
    }
}

// ---------- printable forms ----------

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
#[template(path = "events_print.html")]
struct PrintPage {
    l: Layout,
    form: String,
    form_title: String,
    f: Facts,
    items: Vec<PrintItem>,
    printed_at: String,
}

/// The history steps a printable form lists; an unknown form is not found. Shared with the API.
pub(crate) fn form_actions(form: &str) -> Result<&'static [&'static str], Error> {
    match form {
        "report" => Ok(&["report"]),
        "assign" => Ok(&["assign", "transfer"]),
        "remind" => Ok(&["remind"]),
        "feedback" => Ok(&["feedback", "handle_on_spot", "verify"]),
        _ => Err(err!("event.form_unknown")),
    }
}

async fn print_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((number, form)): Path<(String, String)>,
) -> AppResult<Response> {
    let wanted = form_actions(&form)?;
    let who = caller(&p)?;
    let now = s.now();
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let e = events::get(h, &who.scope, &number).await?;
    let history = events::history(h, e.id, false).await?;
    let reporter = events::reporter(h, &ctx, &e, false).await?;
    let l = Layout::new(lang, Some(p.clone()), &format!("ev.form.{form}"));
    let t = l.t;
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
    let f = Facts {
        number: e.number.clone(),
        category: e.category_name.clone(),
        complexity: label(&t, "ev.complexity", &e.complexity),
        level: label(&t, "ev.level", &e.level.to_string()),
        urgency: label(&t, "urgency", &e.urgency),
        urgency_code: e.urgency.clone(),
        status: label(&t, "status", &e.status),
        status_code: e.status.clone(),
        source: label(&t, "source", &e.source),
        holder: e.holder_label.clone(),
        due: e.due_at.map(due_text).unwrap_or_default(),
        final_due: e.final_due_at.map(due_text).unwrap_or_default(),
        light: String::new(),
        light_label: String::new(),
        calendar_missing: e.calendar_missing,
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
        reporter: if reporter.anonymous {
            t.s("ev.anonymous").to_string()
        } else {
            reporter.name.unwrap_or_default()
        },
        reporter_phone: reporter.phone.unwrap_or_default(),
    };
    Ok(render(PrintPage {
        form_title: t.s(&format!("ev.form.{form}")).to_string(),
        form,
        f,
        items,
        printed_at: time_text(now),
        l,
    }))
}

// ---------- public results ----------

pub struct PublicRow {
    pub category: String,
    pub grid: String,
    pub summary: String,
    pub result: String,
    pub reported: String,
    pub closed: String,
    pub rating: String,
}

#[derive(Template)]
#[template(path = "public_results.html")]
struct PublicPage {
    l: Layout,
    name: String,
    kind: String,
    code: String,
    rows: Vec<PublicRow>,
}

/// Closed events under a grid, a village or any node, with no personal data: no log-in.
async fn public_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = nodes::by_code(h, &Scope::everything(), code.trim()).await?;
    let list = events::public_results(h, &node.path, 50).await?;
    let l = Layout::new(lang, me, "pub.title");
    let rows = list
        .into_iter()
        .map(|r| PublicRow {
            category: r.category_name,
            grid: r.grid_name,
            summary: truncate(&scrub_digits(&r.description), 60),
            result: truncate(&scrub_digits(&r.result), 200),
            reported: date_text(r.reported_at),
            closed: r.closed_at.map(date_text).unwrap_or_default(),
            rating: r
                .rating
                .map(|x| {
                    let n = usize::try_from(x.clamp(0, 5)).unwrap_or(0);
                    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(render(PublicPage {
        kind: l.t.kind(&node.kind),
        name: node.name,
        code: node.code,
        rows,
        l,
    }))
}
