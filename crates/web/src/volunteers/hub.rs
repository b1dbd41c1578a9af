//! The volunteers' starting page (`/vol`): for each role, a tile for every page of the feature
//! it may use, with the counts that say where work waits. A volunteer: points this year, the
//! activities coming up, unread messages, gifts, the history. An organiser: applications,
//! activities, attendance to confirm, the month to publish, gifts, volunteers. The street: the
//! catalogue, "other" approvals, the ranking, the archives. `GET /api/v1/vol/hub` answers the
//! same counts as JSON.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use wangge_domain::{Error, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::volunteers::gifts::{self, OrganiserCounts, VolunteerCounts};
use wangge_store::volunteers::ledger::{self, Balance};
use wangge_store::volunteers::register::{self, Volunteer};

use crate::auth::Me;
use crate::basic::form::no_store;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/vol", get(page))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/vol/hub", get(api_hub))
}

/// Everything the hub shows, by role.
#[derive(Serialize, Default)]
struct Hub {
    /// The caller's volunteer record (a volunteer's account; none before approval).
    volunteer: Option<Volunteer>,
    balance: Option<Balance>,
    mine: Option<VolunteerCounts>,
    organiser: Option<OrganiserCounts>,
    /// "Other" values waiting for the street (GovernVolunteers).
    approvals: Option<i64>,
}

async fn hub(s: &AppState, p: &Principal) -> Result<Hub, Error> {
    let serves = p.may(Permission::Serve);
    let organises = p.may(Permission::Organise);
    let governs = p.may(Permission::GovernVolunteers);
    if !(serves || organises || governs) {
        return Err(err!("auth.forbidden"));
    }
    let now = s.now();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut out = Hub::default();
    if serves && let Some(v) = register::by_user(h, p.user_id).await? {
        let year = wangge_domain::volunteers::ledger::year_of_month(&ledger::month_at(now)?)
            .unwrap_or_default();
        out.balance = Some(ledger::balance(h, v.id, year).await?);
        out.mine = Some(gifts::volunteer_counts(h, &v, now).await?);
        out.volunteer = Some(v);
    }
    if organises {
        out.organiser = Some(gifts::organiser_counts(h, &p.scope(), now).await?);
    }
    if governs {
        out.approvals = Some(gifts::pending_approvals(h, &p.scope()).await?);
    }
    Ok(out)
}

async fn api_hub(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let h = hub(&s, &p).await?;
    Ok(no_store(Json(h).into_response()))
}

/// A tile: a page of the feature, what it is, and a count where one says something.
struct Tile {
    id: &'static str,
    href: &'static str,
    label: String,
    count: String,
    /// The count asks for action (shown stronger).
    urgent: bool,
}

fn tile(
    l: &Layout,
    id: &'static str,
    href: &'static str,
    count: Option<i64>,
    urgent: bool,
) -> Tile {
    Tile {
        id,
        href,
        label: l.t.s(&format!("vol.hub.{id}")).to_string(),
        count: count.map(|n| n.to_string()).unwrap_or_default(),
        urgent: urgent && count.unwrap_or(0) > 0,
    }
}

struct UpcomingView {
    title: String,
    at: String,
    places: String,
    points: i64,
}

#[derive(Template)]
#[template(path = "volunteers/hub.html")]
struct HubPage {
    l: Layout,
    is_volunteer: bool,
    not_enrolled: bool,
    name: String,
    available: i64,
    earned: i64,
    total: i64,
    upcoming: Vec<UpcomingView>,
    mine: Vec<Tile>,
    organiser: Vec<Tile>,
    last_month: String,
    street: Vec<Tile>,
}

async fn page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    let h = hub(&s, &p).await?;
    let l = Layout::new(lang, Some(p.clone()), "nav.vol");
    let b = h.balance.unwrap_or_default();
    let mut mine = Vec::new();
    let mut upcoming = Vec::new();
    if let Some(m) = &h.mine {
        mine = vec![
            tile(&l, "points", "/vol/points", Some(b.available), false),
            tile(
                &l,
                "activities",
                "/vol/activities",
                Some(m.upcoming.len() as i64),
                false,
            ),
            tile(&l, "messages", "/vol/messages", Some(m.unread), true),
            tile(&l, "gifts", "/vol/gifts", Some(m.gifts), false),
            tile(&l, "history", "/vol/points", None, false),
        ];
        upcoming = m
            .upcoming
            .iter()
            .map(|a| UpcomingView {
                title: a.title.clone(),
                at: time_text(a.starts_at),
                places: format!("{}/{}", a.confirmed, a.places),
                points: a.points,
            })
            .collect();
    }
    let mut last_month = String::new();
    let organiser = match &h.organiser {
        Some(o) => {
            last_month = o.last_month.clone();
            vec![
                tile(
                    &l,
                    "applications",
                    "/vol/volunteers",
                    Some(o.applications),
                    true,
                ),
                tile(
                    &l,
                    "org_activities",
                    "/vol/activities",
                    Some(o.activities),
                    false,
                ),
                tile(
                    &l,
                    "to_confirm",
                    "/vol/activities",
                    Some(o.to_confirm),
                    true,
                ),
                tile(&l, "to_publish", "/vol/months", Some(o.to_publish), true),
                tile(&l, "org_gifts", "/vol/gifts", Some(o.gifts), false),
                tile(
                    &l,
                    "volunteers",
                    "/vol/volunteers",
                    Some(o.volunteers),
                    false,
                ),
            ]
        }
        None => Vec::new(),
    };
    let street = match h.approvals {
        Some(n) => vec![
            tile(&l, "catalogue", "/vol/catalogue", None, false),
            tile(&l, "approvals", "/vol/approvals", Some(n), true),
            tile(&l, "ranking", "/vol/ranking", None, false),
            tile(&l, "archives", "/vol/archives", None, false),
        ],
        None => Vec::new(),
    };
    let is_volunteer = h.volunteer.is_some();
    Ok(no_store(render(HubPage {
        is_volunteer,
        not_enrolled: p.may(Permission::Serve) && !is_volunteer,
        name: h
            .volunteer
            .as_ref()
            .map(|v| v.name.clone())
            .unwrap_or_else(|| p.display_name.clone()),
        available: b.available,
        earned: b.earned,
        total: b.total_earned,
        upcoming,
        mine,
        organiser,
        last_month,
        street,
        l,
    })))
}
