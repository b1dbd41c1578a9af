//! The staff report form: grid workers from the field, desks for calls, visits and work handed down.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use wangge_domain::Error;
use wangge_domain::err;
use wangge_domain::event::Urgency;
use wangge_domain::{NodeKind, Role, Sensitive};
use wangge_store::events::Source;
use wangge_store::nodes;

use super::form::*;
use super::*;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

/// Which form a staff member gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StaffKind {
    /// Grid workers and others in the field: source "grid worker".
    Field,
    /// Operators, commanders and administrators: a call or a visit, the reporter typed in.
    Desk,
}

pub(super) fn staff_kind(me: &Me) -> Result<(StaffKind, Role), Error> {
    let role = me.0.role();
    if !wangge_domain::permission::may_report(role) {
        return Err(err!("auth.forbidden"));
    }
    match role {
        Role::Operator | Role::Commander | Role::Admin => Ok((StaffKind::Desk, role)),
        Role::Leader | Role::Worker | Role::GridLeader | Role::DeptHandler | Role::Volunteer => {
            Ok((StaffKind::Field, role))
        }
    }
}

pub struct GridChoice {
    pub code: String,
    pub name: String,
}

#[derive(Default)]
pub struct StaffForm {
    pub submission_key: String,
    pub category: String,
    pub description: String,
    pub urgency: String,
    pub source: String,
    pub grid: String,
    pub lat: String,
    pub lon: String,
    pub address: String,
    /// The reporter's name and phone: the form writes them back with `expose`.
    pub name: Sensitive<String>,
    pub phone: Sensitive<String>,
    pub on_spot: bool,
    pub result: String,
}

impl StaffForm {
    fn from_fields(f: &Fields) -> StaffForm {
        StaffForm {
            submission_key: submission_key(&f.get("submission_key")).unwrap_or_else(new_key),
            category: f.get("category").trim().to_string(),
            description: f.get("description"),
            urgency: f.get("urgency").trim().to_string(),
            source: f.get("source").trim().to_string(),
            grid: f.get("grid").trim().to_string(),
            lat: f.get("lat").trim().to_string(),
            lon: f.get("lon").trim().to_string(),
            address: f.get("address"),
            name: Sensitive::new(f.get("reporter_name")),
            phone: Sensitive::new(f.get("reporter_phone")),
            on_spot: f.checked("handled_on_spot"),
            result: f.get("result"),
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "intake/staff.html")]
pub(super) struct StaffPage {
    l: Layout,
    desk: bool,
    worker: bool,
    groups: Vec<CatGroup>,
    grids: Vec<GridChoice>,
    urgencies: Vec<Choice>,
    sources: Vec<Choice>,
    f: StaffForm,
    error: String,
    boundary: String,
    tile_url: String,
    max_photos: usize,
}

pub(super) async fn staff_view(
    s: &AppState,
    me: &Me,
    lang: Lang,
    f: StaffForm,
    problem: Option<Problem>,
) -> AppResult<Response> {
    let (kind, role) = staff_kind(me)?;
    let l = Layout::new(lang, Some(me.0.clone()), "staff.title");
    let t = l.t;
    let scope = me.0.scope();
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let groups = category_groups(h, &t).await?;
    let grids = nodes::of_kind(h, &scope, NodeKind::Grid)
        .await?
        .into_iter()
        .map(|n| GridChoice {
            code: n.code,
            name: n.name,
        })
        .collect();
    let boundary = nodes::by_code(h, &scope, &me.0.node_code)
        .await
        .ok()
        .and_then(|n| n.boundary)
        .unwrap_or_default();
    let urgencies = Urgency::ALL
        .iter()
        .map(|u| Choice {
            value: u.as_str().to_string(),
            label: label_text(&t, "urgency", u.as_str()),
        })
        .collect();
    let actor = crate::auth::caller(&me.0)?.actor;
    let sources = [
        Source::OperatorPhone,
        Source::OperatorVisit,
        Source::Assignment,
    ]
    .iter()
    .filter(|x| x.staff_may_use(&actor))
    .map(|x| Choice {
        value: x.as_str().to_string(),
        label: label_text(&t, "source", x.as_str()),
    })
    .collect();
    let status = problem.as_ref().map(|p| p.status);
    let page = render(StaffPage {
        desk: kind == StaffKind::Desk,
        worker: role == Role::Worker,
        groups,
        grids,
        urgencies,
        sources,
        f,
        error: problem.map(|p| p.message).unwrap_or_default(),
        boundary,
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        max_photos: MAX_PHOTOS,
        l,
    });
    let page = no_store(page);
    Ok(match status {
        Some(st) => with_status(page, st),
        None => page,
    })
}

#[derive(serde::Deserialize)]
pub(super) struct StaffQuery {
    /// The grid whose page the report was started from (a grid page's report button).
    grid: Option<String>,
}

pub(super) async fn staff_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<StaffQuery>,
) -> AppResult<Response> {
    let (kind, role) = staff_kind(&me)?;
    // A grid outside the caller's list simply selects nothing; the submission checks the scope.
    let asked = q
        .grid
        .map(|g| g.trim().chars().take(32).collect::<String>())
        .filter(|g| !g.is_empty());
    let f = StaffForm {
        submission_key: new_key(),
        urgency: Urgency::Normal.as_str().to_string(),
        source: if kind == StaffKind::Desk {
            Source::OperatorPhone.as_str().to_string()
        } else {
            String::new()
        },
        // A grid worker reports in their own grid unless the map says otherwise.
        grid: match asked {
            Some(g) => g,
            None if role == Role::Worker && me.0.node_kind == NodeKind::Grid => {
                me.0.node_code.clone()
            }
            None => String::new(),
        },
        ..StaffForm::default()
    };
    staff_view(&s, &me, lang, f, None).await
}

pub(super) async fn staff_submit(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let (kind, role) = staff_kind(&me)?;
    let t = Tr::new(lang);
    let (fields, read_error) = read_fields(mp).await;
    let f = StaffForm::from_fields(&fields);
    if let Some(e) = read_error {
        return staff_view(&s, &me, lang, f, Some(Problem::of(&t, &e))).await;
    }
    let checked = (|| {
        require_category(&f.category)?;
        let urgency = if f.urgency.is_empty() {
            Urgency::Normal
        } else {
            Urgency::parse(&f.urgency).ok_or_else(|| err!("event.urgency_invalid"))?
        };
        let source = match kind {
            StaffKind::Field => Source::Worker,
            StaffKind::Desk => match Source::parse(&f.source) {
                Some(x @ (Source::OperatorPhone | Source::OperatorVisit | Source::Assignment)) => x,
                _ => {
                    return Err(err!("event.source_invalid"));
                }
            },
        };
        let on_spot = if f.on_spot {
            if role != Role::Worker {
                return Err(err!("auth.forbidden"));
            }
            let r = f.result.trim();
            if r.is_empty() {
                return Err(err!("event.result_required"));
            }
            Some(r.to_string())
        } else {
            None
        };
        let point = parse_point(&f.lat, &f.lon)?;
        Ok((urgency, source, on_spot, point))
    })();
    let (urgency, source, on_spot, point) = match checked {
        Ok(x) => x,
        Err(e) => return staff_view(&s, &me, lang, f, Some(Problem::of(&t, &e))).await,
    };
    let photos = match clean_photos(&t, &fields.files) {
        Ok(p) => p,
        Err(p) => return staff_view(&s, &me, lang, f, Some(p)).await,
    };
    let (name, phone) = match kind {
        StaffKind::Desk => (opt_sensitive(&f.name), opt_sensitive(&f.phone)),
        StaffKind::Field => (None, None),
    };
    let caller = crate::auth::caller(&me.0)?;
    let request = ReportRequest {
        source,
        category: f.category.clone(),
        description: f.description.clone(),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        grid: opt(&f.grid).map_or(GridHint::None, GridHint::Chosen),
        address: opt(&f.address),
        urgency,
        reporter_name: name,
        reporter_phone: phone,
        photos,
        submission_key: submission_key(&f.submission_key),
        handled_on_spot: on_spot,
    };
    match submit(&s, &caller, request).await {
        Ok(rep) => Ok(Redirect::to(&format!("/events/{}", rep.number)).into_response()),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) => staff_view(&s, &me, lang, f, Some(Problem::of(&t, &e))).await,
    }
}
