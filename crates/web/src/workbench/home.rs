//! `/work`: a grid worker's day — each duty with its light and one tap to act, the key persons
//! and households still to visit — and for reviewers and managers the hub of every workbench
//! page their role may open. `GET /api/v1/work/today` answers the worker's day as JSON; the
//! worker's card on `/` is [`card`].

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use wangge_domain::workbench::periods;
use wangge_domain::workbench::progress::{self, Key, Line, Span};
use wangge_domain::{Error, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::progress::{self as store, ToVisit, Worker};
use wangge_store::workbench::rules;

use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

pub fn pages() -> Router<AppState> {
    Router::new().route("/work", get(work_page))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/work/today", get(api_today))
}

/// Whether the caller records work of their own (a grid worker).
pub fn records_work(p: &Principal) -> bool {
    p.may(Permission::RecordWork)
}

/// Whether the caller opens the workbench at all.
pub fn uses_workbench(p: &Principal) -> bool {
    [
        Permission::RecordWork,
        Permission::ReviewWork,
        Permission::ManageStaff,
        Permission::KeepDuties,
    ]
    .into_iter()
    .any(|x| p.may(x))
}

/// A worker's day as the store and the rules give it.
pub struct Day {
    pub worker: Worker,
    pub span: Span,
    pub lines: Vec<Line>,
    pub key_persons: Vec<ToVisit>,
    pub households: Vec<ToVisit>,
}

/// The caller's day: this week's lines (households over this month), and whom to visit.
pub async fn day_of(s: &AppState, p: &Principal) -> Result<Day, Error> {
    if !records_work(p) {
        return Err(err!("auth.forbidden"));
    }
    let today = today(s.now())?;
    let span = Span::week(today);
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let worker = store::worker(h, &p.node_path, p.user_id)
        .await?
        .ok_or_else(|| err!("auth.forbidden"))?;
    let duties = rules::in_force(h, &worker.grid_path, today).await?;
    // The worker's own grid: counting it counts only the workers attached there.
    let counts = store::counts(
        h,
        &s.keys,
        &worker.grid_path,
        &span,
        duties.minutes_in_grid_per_day,
    )
    .await?;
    let mine = counts.get(&p.user_id).cloned().unwrap_or_default();
    let lines = progress::lines(&duties, &mine, &span);
    let key_persons = if duties.key_person_visits {
        store::key_persons_to_visit(h, &s.keys, &worker.grid_path, periods::week_start(today))
            .await?
    } else {
        Vec::new()
    };
    let households =
        store::households_to_visit(h, &worker.grid_path, periods::month_start(today)).await?;
    Ok(Day {
        worker,
        span,
        lines,
        key_persons,
        households,
    })
}

/// A duty line as a page shows it.
pub struct LineView {
    pub key: &'static str,
    pub label: String,
    pub light: &'static str,
    pub light_label: String,
    pub done: i64,
    pub required: i64,
    pub due: String,
    /// Where one tap acts on it.
    pub href: &'static str,
    pub act: String,
}

/// Where a duty is acted on.
pub fn act_href(key: Key) -> &'static str {
    match key {
        Key::KeyVisits | Key::HouseholdVisits | Key::FamilyVisits => "/work/visits/new",
        Key::Diary => "/work/diary",
        Key::Entries => "/events/new",
        Key::Patrol => "/work/patrol",
        Key::Sweep => "/work/sweeps",
        Key::Ledger => "/work/ledger",
        Key::Login => "/work/logins",
    }
}

pub fn line_views(t: &Tr, lines: &[Line]) -> Vec<LineView> {
    lines
        .iter()
        .map(|l| LineView {
            key: l.key.as_str(),
            label: t.s(&format!("wb.duty.{}", l.key.as_str())).to_string(),
            light: l.light.as_str(),
            light_label: t.s(&format!("wb.light.{}", l.light.as_str())).to_string(),
            done: l.done,
            required: l.required,
            due: l.due.to_string(),
            href: act_href(l.key),
            act: t.s(&format!("wb.act.{}", l.key.as_str())).to_string(),
        })
        .collect()
}

/// A link of the hub.
pub struct HubLink {
    pub href: &'static str,
    pub label: String,
}

/// Every workbench page the caller's role may open, in the order a worker's day needs them,
/// then the leaders' pages.
pub fn hub_links(t: &Tr, p: &Principal) -> Vec<HubLink> {
    let worker = records_work(p);
    let review = p.may(Permission::ReviewWork);
    let manage = p.may(Permission::ManageStaff);
    let any = uses_workbench(p);
    [
        ("/work/visits/new", worker),
        ("/work/visits", worker || review),
        ("/work/patrol", worker || review),
        ("/work/diary", worker || review),
        ("/work/sweeps", worker || review),
        ("/work/ledger", worker || review),
        ("/work/meetings", any),
        ("/work/logins", worker || review || manage),
        ("/work/flags", worker || review),
        ("/work/team", review || manage),
        ("/work/rules", any),
        ("/work/outbox", worker),
        ("/events/new", worker),
    ]
    .into_iter()
    .filter(|(_, may)| *may)
    .map(|(href, _)| HubLink {
        href,
        label: t
            .s(&format!("wb.hub{}", href.replace('/', ".")))
            .to_string(),
    })
    .collect()
}

/// Someone to visit, with the link that starts the visit.
pub struct ToVisitView {
    pub label: String,
    pub href: String,
}

fn to_visit_views(list: &[ToVisit]) -> Vec<ToVisitView> {
    list.iter()
        .map(|v| ToVisitView {
            label: v.label.clone(),
            href: format!(
                "/work/visits/new?target_kind={}&target_id={}",
                v.target_kind, v.target_id
            ),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "workbench/home.html")]
struct WorkPage {
    l: Layout,
    /// The worker's day, for a worker.
    day: Option<DayView>,
    links: Vec<HubLink>,
}

struct DayView {
    grid: String,
    week: String,
    lines: Vec<LineView>,
    key_persons: Vec<ToVisitView>,
    households: Vec<ToVisitView>,
}

async fn work_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    if !uses_workbench(&p) {
        return Err(err!("auth.forbidden").into());
    }
    let l = Layout::new(lang, Some(p.clone()), "wb.title");
    let day = if records_work(&p) {
        let d = day_of(&s, &p).await?;
        Some(DayView {
            grid: format!("{} {}", d.worker.grid_name, d.worker.grid_code),
            week: format!("{} – {}", d.span.start, d.span.end),
            lines: line_views(&l.t, &d.lines),
            key_persons: to_visit_views(&d.key_persons),
            households: to_visit_views(&d.households),
        })
    } else {
        None
    };
    let links = hub_links(&l.t, &p);
    Ok(no_store(render(WorkPage { l, day, links })))
}

async fn api_today(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let d = day_of(&s, &p).await?;
    let body = json!({
        "worker": {
            "id": d.worker.user_id,
            "name": d.worker.name,
            "grid_code": d.worker.grid_code,
            "grid_name": d.worker.grid_name,
        },
        "week_start": d.span.start.to_string(),
        "week_end": d.span.end.to_string(),
        "today": d.span.today.to_string(),
        "lines": d.lines,
        "key_persons_to_visit": d.key_persons,
        "households_to_visit": d.households,
    });
    Ok(no_store(Json(body).into_response()))
}

/// The compact card of lights on a worker's `/`: none for other roles, or when the day cannot
/// be read (the home page never fails for it).
pub struct Card {
    pub lines: Vec<LineView>,
}

pub async fn card(s: &AppState, t: &Tr, p: &Principal) -> Option<Card> {
    if !records_work(p) {
        return None;
    }
    let d = day_of(s, p).await.ok()?;
    Some(Card {
        lines: line_views(t, &d.lines),
    })
}
