//! The resident's page: the grid's public facts and the report form a QR code opens; no log-in.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use wangge_domain::event::Urgency;
use wangge_domain::{Error, GridKind, Sensitive};
use wangge_store::Handle;
use wangge_store::events::{self, Contact, Reported, Source};

use super::form::*;
use super::me_too::{MeTooNote, NearbyCase, nearby};
use super::*;
use crate::auth::MaybeMe;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

/// The public facts of the grid the QR code names, as the page shows them.
pub struct PublicGrid {
    pub code: String,
    pub name: String,
    pub kind_label: String,
    pub village: String,
    pub township: String,
    pub phone: String,
    pub workers: Vec<Contact>,
    pub leaders: Vec<Contact>,
    pub boundary: String,
    pub path: String,
}

pub(super) async fn public_grid(
    h: &mut Handle<'_>,
    t: &Tr,
    code: &str,
) -> Result<PublicGrid, Error> {
    let g = events::public_grid(h, code).await?;
    Ok(PublicGrid {
        kind_label: t.grid_kind(g.grid_kind.unwrap_or(GridKind::Basic)),
        code: g.code,
        name: g.name,
        village: g.village,
        township: g.township,
        phone: g.phone,
        workers: g.workers,
        leaders: g.leaders,
        boundary: g.boundary,
        path: g.path,
    })
}

/// What the resident typed, kept when the form comes back with a message.
#[derive(Default)]
pub struct ResidentForm {
    pub submission_key: String,
    pub category: String,
    pub description: String,
    pub lat: String,
    pub lon: String,
    pub address: String,
    /// The reporter's name and phone: the form writes them back with `expose`.
    pub name: Sensitive<String>,
    pub phone: Sensitive<String>,
    pub anonymous: bool,
}

impl ResidentForm {
    /// An empty form with a new submission key.
    pub(super) fn fresh() -> ResidentForm {
        ResidentForm {
            submission_key: new_key(),
            ..ResidentForm::default()
        }
    }

    fn from_fields(f: &Fields) -> ResidentForm {
        ResidentForm {
            submission_key: submission_key(&f.get("submission_key")).unwrap_or_else(new_key),
            category: f.get("category").trim().to_string(),
            description: f.get("description"),
            lat: f.get("lat").trim().to_string(),
            lon: f.get("lon").trim().to_string(),
            address: f.get("address"),
            name: Sensitive::new(f.get("reporter_name")),
            phone: Sensitive::new(f.get("reporter_phone")),
            anonymous: f.checked("anonymous"),
        }
    }
}

#[derive(Template)]
#[template(path = "intake/resident.html")]
pub(super) struct ResidentPage {
    l: Layout,
    c: PublicGrid,
    groups: Vec<CatGroup>,
    f: ResidentForm,
    error: String,
    tile_url: String,
    max_photos: usize,
    /// Open cases nearby, for "me too".
    cases: Vec<NearbyCase>,
    /// What the last "me too" did, shown at its case.
    me_too: Option<MeTooNote>,
    me_too_error: String,
}

/// What the page says about "me too": the outcome of the last one, or why one was refused.
#[derive(Default)]
pub(super) struct MeTooSide {
    pub note: Option<MeTooNote>,
    pub problem: Option<Problem>,
}

pub(super) async fn resident_view(
    s: &AppState,
    l: Layout,
    c: PublicGrid,
    f: ResidentForm,
    problem: Option<Problem>,
) -> AppResult<Response> {
    resident_view_with(s, l, c, f, problem, MeTooSide::default()).await
}

pub(super) async fn resident_view_with(
    s: &AppState,
    l: Layout,
    c: PublicGrid,
    f: ResidentForm,
    problem: Option<Problem>,
    side: MeTooSide,
) -> AppResult<Response> {
    let mut conn = s.db.conn().await?;
    let groups = category_groups(&mut conn.handle(), &l.t).await?;
    let cases = nearby(&mut conn.handle(), &l.t, &c.path, s.now()).await?;
    let status = problem.as_ref().or(side.problem.as_ref()).map(|p| p.status);
    let page = render(ResidentPage {
        groups,
        cases,
        me_too: side.note,
        me_too_error: side.problem.map(|p| p.message).unwrap_or_default(),
        error: problem.map(|p| p.message).unwrap_or_default(),
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        max_photos: MAX_PHOTOS,
        f,
        c,
        l,
    });
    let page = no_store(page);
    Ok(match status {
        Some(st) => with_status(page, st),
        None => page,
    })
}

#[derive(serde::Deserialize, Default)]
pub(super) struct ResidentQuery {
    me_too: Option<String>,
    r: Option<String>,
}

/// The page a resident's phone opens from the QR code: the grid's public facts, the open cases
/// nearby with "me too", and the report form; no log-in.
pub(super) async fn resident_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(code): Path<String>,
    Query(q): Query<ResidentQuery>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "resident.title");
    let c = {
        let mut conn = s.db.conn().await?;
        public_grid(&mut conn.handle(), &l.t, &code).await?
    };
    let side = MeTooSide {
        note: MeTooNote::from_query(&l.t, q.me_too, q.r),
        problem: None,
    };
    resident_view_with(&s, l, c, ResidentForm::fresh(), None, side).await
}

#[derive(Template)]
#[template(path = "intake/done.html")]
pub(super) struct DonePage {
    l: Layout,
    number: String,
    grid_name: String,
    tracking_path: String,
    tracking_url: String,
    duplicate: bool,
    back: String,
    number_query: String,
}

pub(super) fn done_page(s: &AppState, l: Layout, rep: &Reported, back: String) -> Response {
    let token = rep.tracking_token.clone().unwrap_or_default();
    let tracking_path = if token.is_empty() {
        String::new()
    } else {
        format!("/t/{token}")
    };
    let tracking_url = if token.is_empty() {
        String::new()
    } else {
        format!(
            "{}{tracking_path}",
            s.config.public_url.trim_end_matches('/')
        )
    };
    no_store(render(DonePage {
        number: rep.number.clone(),
        grid_name: rep.event.grid_name.clone(),
        duplicate: rep.duplicate_submission,
        number_query: crate::ui::urlencode(&rep.number),
        tracking_path,
        tracking_url,
        back,
        l,
    }))
}

pub(super) async fn resident_submit(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "resident.title");
    let t = l.t;
    let c = {
        let mut conn = s.db.conn().await?;
        public_grid(&mut conn.handle(), &t, &code).await?
    };
    let limited = rate_hit(&s, &ip).await;
    let (fields, read_error) = read_fields(mp).await;
    let f = ResidentForm::from_fields(&fields);
    if let Err(e) = limited {
        if e.status == 429 {
            return resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await;
        }
        return Err(AppError(e));
    }
    if let Some(e) = read_error {
        return resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await;
    }
    let point = match require_category(&f.category).and_then(|()| parse_point(&f.lat, &f.lon)) {
        Ok(p) => p,
        Err(e) => return resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await,
    };
    let photos = match clean_photos(&t, &fields.files) {
        Ok(p) => p,
        Err(p) => return resident_view(&s, l, c, f, Some(p)).await,
    };
    let (name, phone) = if f.anonymous {
        (None, None)
    } else {
        (opt_sensitive(&f.name), opt_sensitive(&f.phone))
    };
    // Routing: the grid the point lies in; without a point, the QR code's grid; a point outside
    // every grid goes to the QR code's grid and the store records why.
    let request = ReportRequest {
        source: Source::ResidentQr,
        category: f.category.clone(),
        description: f.description.clone(),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        grid: GridHint::Fallback(c.code.clone()),
        address: opt(&f.address),
        urgency: Urgency::Normal,
        reporter_name: name,
        reporter_phone: phone,
        photos,
        submission_key: submission_key(&f.submission_key),
        handled_on_spot: None,
    };
    match submit(&s, &resident_caller(), request).await {
        Ok(rep) => Ok(done_page(&s, l, &rep, format!("/r/{}", c.code))),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) => resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await,
    }
}
