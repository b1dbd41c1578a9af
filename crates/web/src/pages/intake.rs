//! Event intake: the resident's report on the grid's QR page, the private tracking page with rating and reopening, the grid worker's report form and the operator's form for calls and visits.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Form, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_domain::err;
use wangge_domain::event::{Action, Actor, Status, Urgency};
use wangge_domain::photo::{self, PhotoError};
use wangge_domain::{Error, NodeKind, Role, Scope};
use wangge_store::events::{self, Caller, NewPhoto, ReportInput, Reported, Source};
use wangge_store::ratelimit::{self, Limit};
use wangge_store::{Handle, nodes, users};

use super::{Layout, render, time_text};
use crate::auth::{MaybeMe, Me};
use crate::error::{AppError, AppResult};
use crate::grids::Person;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// The largest request body a report form may send: three photos of up to 5 MB and the text.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// Photos one report carries from these forms.
pub const MAX_PHOTOS: usize = 3;
/// Public submissions (reports, ratings, reopening requests) per client address.
pub const INTAKE_LIMIT: Limit = Limit {
    max: 30,
    window_ms: 10 * 60 * 1000,
};
/// The name the history shows for a resident.
const RESIDENT_NAME: &str = "群众";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/r/{code}",
            get(resident_page)
                .post(resident_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/t/{token}", get(track_page))
        .route("/t/{token}/photos/{id}", get(track_photo))
        .route("/t/{token}/rate", post(track_rate))
        .route("/t/{token}/reopen", post(track_reopen))
        .route(
            "/events/new",
            get(staff_page)
                .post(staff_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

/// The client's address, for the rate limit.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientIp, Self::Rejection> {
        Ok(ClientIp(crate::auth::client_ip(&parts.extensions)))
    }
}

/// What went wrong, ready to show: the HTTP status and the message in the user's language.
pub struct Problem {
    pub status: u16,
    pub message: String,
}

impl Problem {
    fn of(t: &Tr, e: &Error) -> Problem {
        Problem {
            status: e.status,
            message: t.error(e),
        }
    }
}

/// Renders a page with a status other than 200 when it shows a problem.
fn with_status(mut resp: Response, status: u16) -> Response {
    if let Ok(s) = StatusCode::from_u16(status) {
        *resp.status_mut() = s;
    }
    resp
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

// ---- reading the forms ----

/// A multipart form read into its text fields (last value wins) and its files.
#[derive(Default)]
struct Fields {
    text: HashMap<String, String>,
    /// (file name, bytes) of every non-empty `photos` part.
    files: Vec<(String, Vec<u8>)>,
}

impl Fields {
    fn get(&self, k: &str) -> String {
        self.text.get(k).cloned().unwrap_or_default()
    }

    fn checked(&self, k: &str) -> bool {
        self.text
            .get(k)
            .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
    }
}

/// Reads the whole form; on a broken or oversized body the fields read so far come back with
/// the error, so the form can be shown again with what the user typed.
async fn read_fields(mp: Result<Multipart, MultipartRejection>) -> (Fields, Option<Error>) {
    let mut out = Fields::default();
    let mut mp = match mp {
        Ok(m) => m,
        Err(e) => {
            return (
                out,
                Some(err!("intake.form_invalid", reason = e.body_text())),
            );
        }
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == "photos" || file_name.is_some() {
            match field.bytes().await {
                Ok(b) => {
                    let file = file_name.unwrap_or_default();
                    if !(b.is_empty() && file.is_empty()) {
                        out.files.push((file, b.to_vec()));
                    }
                }
                Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
            }
        } else {
            match field.text().await {
                Ok(v) => {
                    out.text.insert(name, v);
                }
                Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
            }
        }
    }
    (out, None)
}

fn upload_error(status: StatusCode, text: String) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        err!(
            "intake.upload_too_large",
            max_mb = UPLOAD_LIMIT / (1024 * 1024)
        )
    } else {
        err!("intake.form_invalid", reason = text)
    }
}

/// A file name fit to show: trimmed to its last path part and 60 characters.
fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let base = if base.is_empty() { "?" } else { base };
    base.chars().take(60).collect()
}

/// Checks and cleans the photos; a refused file is named in the message.
fn clean_photos(t: &Tr, files: &[(String, Vec<u8>)]) -> Result<Vec<NewPhoto>, Problem> {
    if files.len() > MAX_PHOTOS {
        let e = err!("intake.too_many_photos", max = MAX_PHOTOS);
        return Err(Problem::of(t, &e));
    }
    let mut out = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        match photo::clean(bytes, photo::DEFAULT_MAX_BYTES) {
            Ok((kind, bytes)) => out.push(NewPhoto { kind, bytes }),
            Err(pe) => {
                let reason = match &pe {
                    PhotoError::Empty => t.s("intake.photo.empty").to_string(),
                    PhotoError::TooLarge { .. } => t.s("intake.photo.too_large").to_string(),
                    PhotoError::UnsupportedType => t.s("intake.photo.unsupported").to_string(),
                    PhotoError::Corrupt { .. } => t.s("intake.photo.corrupt").to_string(),
                };
                let status = pe.status();
                let message = t
                    .s("intake.photo_bad")
                    .replace("{file}", &display_name(name))
                    .replace("{reason}", &reason);
                return Err(Problem { status, message });
            }
        }
    }
    Ok(out)
}

/// Latitude and longitude from the hidden fields: both or neither.
fn parse_point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, Error> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let bad = || err!("event.location_invalid");
    let la: f64 = lat.parse().map_err(|_| bad())?;
    let lo: f64 = lon.parse().map_err(|_| bad())?;
    if !la.is_finite()
        || !lo.is_finite()
        || !(-90.0..=90.0).contains(&la)
        || !(-180.0..=180.0).contains(&lo)
    {
        return Err(bad());
    }
    Ok(Some((la, lo)))
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// A submission key as the page made it: short, plain characters; anything else is ignored.
fn submission_key(s: &str) -> Option<String> {
    let k = s.trim();
    let ok = !k.is_empty()
        && k.len() <= 80
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| k.to_string())
}

fn new_key() -> String {
    wangge_store::auth::random_secret().unwrap_or_default()
}

/// The categories as `<optgroup>`s: each parent with its leaves.
pub struct CatGroup {
    pub name: String,
    pub items: Vec<CatItem>,
}

pub struct CatItem {
    pub code: String,
    pub name: String,
}

async fn category_groups(h: &mut Handle<'_>, t: &Tr) -> Result<Vec<CatGroup>, Error> {
    let all = events::open_categories(h).await?;
    let en = t.lang == Lang::En;
    let label = |c: &events::Category| {
        if en {
            c.name_en.clone()
        } else {
            c.name.clone()
        }
    };
    Ok(all
        .iter()
        .filter(|c| c.parent_code.is_none())
        .map(|p| CatGroup {
            name: label(p),
            items: all
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(p.code.as_str()))
                .map(|c| CatItem {
                    code: c.code.clone(),
                    name: label(c),
                })
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect())
}

fn require_category(code: &str) -> Result<(), Error> {
    if code.trim().is_empty() {
        Err(err!("event.category_required"))
    } else {
        Ok(())
    }
}

/// Writes the report in one transaction: nothing stays behind when it is refused.
async fn write_report(
    s: &AppState,
    caller: &Caller,
    input: ReportInput,
) -> Result<Reported, Error> {
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    events::submit(&s.db, &ctx, caller, input, s.now()).await
}

pub(crate) async fn rate_hit(s: &AppState, ip: &str) -> Result<(), Error> {
    let mut c = s.db.conn().await?;
    ratelimit::hit(
        &mut c.handle(),
        &format!("intake:{ip}"),
        INTAKE_LIMIT,
        "intake.rate_limited",
        s.now(),
    )
    .await
}

fn resident_caller() -> Caller {
    Caller {
        actor: Actor::Reporter { user_id: None },
        name: RESIDENT_NAME.to_string(),
        scope: Scope::everything(),
    }
}

// ---- the resident's page ----

/// The public facts of the grid the QR code names.
pub struct PublicGrid {
    pub code: String,
    pub name: String,
    pub kind_label: String,
    pub village: String,
    pub township: String,
    pub phone: String,
    pub workers: Vec<Person>,
    pub leaders: Vec<Person>,
    pub boundary: String,
}

fn people(list: &[users::User], role: Role) -> Vec<Person> {
    list.iter()
        .filter(|u| u.active && u.role == role.as_str())
        .map(|u| Person {
            name: u.display_name.clone(),
            phone: u.phone.clone().unwrap_or_default(),
        })
        .collect()
}

async fn public_grid(h: &mut Handle<'_>, t: &Tr, code: &str) -> Result<PublicGrid, Error> {
    let everything = Scope::everything();
    let node = nodes::by_code(h, &everything, code.trim()).await?;
    if node.kind != NodeKind::Grid.as_str() {
        return Err(err!("node.not_found", code));
    }
    let chain = nodes::ancestors(h, &node).await?;
    let village = chain.iter().find(|n| n.kind == "village").cloned();
    let township = chain.iter().find(|n| n.kind == "township").cloned();
    let workers = people(
        &users::at_node(h, &everything, node.id).await?,
        Role::Worker,
    );
    let leaders = match &village {
        Some(v) => people(
            &users::at_node(h, &everything, v.id).await?,
            Role::GridLeader,
        ),
        None => Vec::new(),
    };
    Ok(PublicGrid {
        kind_label: t.grid_kind(node.grid_kind.as_deref().unwrap_or("basic")),
        code: node.code,
        name: node.name,
        village: village.map(|v| v.name).unwrap_or_default(),
        township: township.map(|v| v.name).unwrap_or_default(),
        phone: node.phone.unwrap_or_default(),
        workers,
        leaders,
        boundary: node.boundary.unwrap_or_default(),
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
    pub name: String,
    pub phone: String,
    pub anonymous: bool,
}

impl ResidentForm {
    fn from_fields(f: &Fields) -> ResidentForm {
        ResidentForm {
            submission_key: submission_key(&f.get("submission_key")).unwrap_or_else(new_key),
            category: f.get("category").trim().to_string(),
            description: f.get("description"),
            lat: f.get("lat").trim().to_string(),
            lon: f.get("lon").trim().to_string(),
            address: f.get("address"),
            name: f.get("reporter_name"),
            phone: f.get("reporter_phone"),
            anonymous: f.checked("anonymous"),
        }
    }
}

#[derive(Template)]
#[template(path = "resident.html")]
struct ResidentPage {
    l: Layout,
    c: PublicGrid,
    groups: Vec<CatGroup>,
    f: ResidentForm,
    error: String,
    tile_url: String,
    max_photos: usize,
}

async fn resident_view(
    s: &AppState,
    l: Layout,
    c: PublicGrid,
    f: ResidentForm,
    problem: Option<Problem>,
) -> AppResult<Response> {
    let mut conn = s.db.conn().await?;
    let groups = category_groups(&mut conn.handle(), &l.t).await?;
    let status = problem.as_ref().map(|p| p.status);
    let page = render(ResidentPage {
        groups,
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

/// The page a resident's phone opens from the QR code: the grid's public facts and the report
/// form; no log-in.
async fn resident_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "resident.title");
    let c = {
        let mut conn = s.db.conn().await?;
        public_grid(&mut conn.handle(), &l.t, &code).await?
    };
    let f = ResidentForm {
        submission_key: new_key(),
        ..ResidentForm::default()
    };
    resident_view(&s, l, c, f, None).await
}

#[derive(Template)]
#[template(path = "intake_done.html")]
struct DonePage {
    l: Layout,
    number: String,
    grid_name: String,
    tracking_path: String,
    tracking_url: String,
    duplicate: bool,
    back: String,
}

fn done_page(s: &AppState, l: Layout, rep: &Reported, back: String) -> Response {
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
        tracking_path,
        tracking_url,
        back,
        l,
    }))
}

async fn resident_submit(
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
    let checked = (|| {
        require_category(&f.category)?;
        if f.description.trim().is_empty() {
            return Err(err!("event.description_required"));
        }
        parse_point(&f.lat, &f.lon)
    })();
    let point = match checked {
        Ok(p) => p,
        Err(e) => return resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await,
    };
    let photos = match clean_photos(&t, &fields.files) {
        Ok(p) => p,
        Err(p) => return resident_view(&s, l, c, f, Some(p)).await,
    };
    // Routing: the grid the point lies in; without a point, the QR code's grid; a point outside
    // every grid goes to the QR code's grid and the store records why.
    let located = point.and_then(|(lat, lon)| s.locate_index().locate(lon, lat).cloned());
    let chosen = if located.is_some() {
        None
    } else {
        Some(c.code.clone())
    };
    let (name, phone) = if f.anonymous {
        (None, None)
    } else {
        (opt(&f.name), opt(&f.phone))
    };
    let input = ReportInput {
        source: Source::ResidentQr,
        category_code: f.category.clone(),
        description: f.description.clone(),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        address: opt(&f.address),
        located_grid: located,
        chosen_grid: chosen,
        urgency: Urgency::Normal,
        reporter_name: name,
        reporter_phone: phone,
        photos,
        submission_key: submission_key(&f.submission_key),
        handled_on_spot: None,
    };
    match write_report(&s, &resident_caller(), input).await {
        Ok(rep) => Ok(done_page(&s, l, &rep, format!("/r/{}", c.code))),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) => resident_view(&s, l, c, f, Some(Problem::of(&t, &e))).await,
    }
}

// ---- the tracking page ----

pub struct StepView {
    pub label: String,
    pub at: String,
    pub note: String,
    pub photos: Vec<i64>,
}

#[derive(Template)]
#[template(path = "intake_track.html")]
struct TrackPage {
    l: Layout,
    token: String,
    number: String,
    category: String,
    grid: String,
    status: String,
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
}

/// The steps whose note the resident sees: the report, results, the closing and rejecting
/// notes, and the resident's own rating and reopening reason.
pub(crate) fn note_is_public(label: &str) -> bool {
    matches!(
        label,
        "report" | "feedback" | "close" | "reject" | "rate" | "handle_on_spot" | "reopen"
    )
}

fn label_text(t: &Tr, prefix: &str, key: &str) -> String {
    let k = format!("{prefix}.{key}");
    if Tr::has(&k) {
        t.s(&k).to_string()
    } else {
        key.to_string()
    }
}

/// What the form sent back, kept when the page comes back with a message.
#[derive(Default)]
struct TrackInput {
    comment: String,
    reason: String,
}

async fn track_view(
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
    let category = {
        let all = events::categories(h).await?;
        match all.iter().find(|c| c.code == e.category_code) {
            Some(c) if t.lang == Lang::En => c.name_en.clone(),
            Some(c) => c.name.clone(),
            None => e.category_name.clone(),
        }
    };
    let steps = history
        .iter()
        .filter(|r| r.public)
        .map(|r| StepView {
            label: label_text(&t, "action", &r.label),
            at: time_text(r.at),
            note: if note_is_public(&r.label) {
                r.note.clone()
            } else {
                String::new()
            },
            photos: r.attachment_ids(),
        })
        .collect();
    let state = e.state()?;
    let closed = e.status() == Some(Status::Closed);
    let window_end = e
        .closed_at
        .map(|c| c.saturating_add(s.config.rules.rating_window_ms));
    let in_window = closed && window_end.is_some_and(|w| now <= w);
    let light = e.light(now).map(|x| x.code()).unwrap_or_default();
    let status = e.status.clone();
    let resp = render(TrackPage {
        token: token.to_string(),
        number: e.number.clone(),
        category,
        grid: e.grid_name.clone(),
        status_label: label_text(&t, "status", &status),
        status,
        light: light.to_string(),
        light_label: if light.is_empty() {
            String::new()
        } else {
            label_text(&t, "light", light)
        },
        reported_at: time_text(e.reported_at),
        due_at: match (e.status().is_some_and(Status::is_open), e.due_at) {
            (true, Some(d)) => time_text(d),
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
        l,
    });
    let resp = no_store(resp);
    Ok(match problem {
        Some(p) => with_status(resp, p.status),
        None => resp,
    })
}

async fn track_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let l = Layout::new(lang, me, "track.title");
    track_view(&s, l, &token, TrackInput::default(), None).await
}

/// A photo of a public step of the event the link belongs to.
async fn track_photo(
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
struct RateForm {
    stars: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ReopenForm {
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

async fn track_after(
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

async fn track_rate(
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

async fn track_reopen(
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

// ---- staff report forms ----

/// Which form a staff member gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StaffKind {
    /// Grid workers and others in the field: source "grid worker".
    Field,
    /// Operators, commanders and administrators: a call or a visit, the reporter typed in.
    Desk,
}

fn staff_kind(me: &Me) -> Result<(StaffKind, Role), Error> {
    let role =
        me.0.role()
            .ok_or_else(|| err!("internal", detail = "unknown role"))?;
    match role {
        Role::Leader => Err(err!("auth.forbidden")),
        Role::Operator | Role::Commander | Role::Admin => Ok((StaffKind::Desk, role)),
        Role::Worker | Role::GridLeader | Role::DeptHandler | Role::Volunteer => {
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
    pub name: String,
    pub phone: String,
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
            name: f.get("reporter_name"),
            phone: f.get("reporter_phone"),
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
#[template(path = "intake_staff.html")]
struct StaffPage {
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

async fn staff_view(
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

async fn staff_page(State(s): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let (kind, role) = staff_kind(&me)?;
    let f = StaffForm {
        submission_key: new_key(),
        urgency: Urgency::Normal.as_str().to_string(),
        source: if kind == StaffKind::Desk {
            Source::OperatorPhone.as_str().to_string()
        } else {
            String::new()
        },
        // A grid worker reports in their own grid unless the map says otherwise.
        grid: if role == Role::Worker && me.0.node_kind == NodeKind::Grid.as_str() {
            me.0.node_code.clone()
        } else {
            String::new()
        },
        ..StaffForm::default()
    };
    staff_view(&s, &me, lang, f, None).await
}

async fn staff_submit(
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
        if f.description.trim().is_empty() {
            return Err(err!("event.description_required"));
        }
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
    let located = point.and_then(|(lat, lon)| s.locate_index().locate(lon, lat).cloned());
    let (name, phone) = match kind {
        StaffKind::Desk => (opt(&f.name), opt(&f.phone)),
        StaffKind::Field => (None, None),
    };
    let caller = crate::auth::caller(&me.0)?;
    let input = ReportInput {
        source,
        category_code: f.category.clone(),
        description: f.description.clone(),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        address: opt(&f.address),
        located_grid: located,
        chosen_grid: opt(&f.grid),
        urgency,
        reporter_name: name,
        reporter_phone: phone,
        photos,
        submission_key: submission_key(&f.submission_key),
        handled_on_spot: on_spot,
    };
    match write_report(&s, &caller, input).await {
        Ok(rep) => Ok(Redirect::to(&format!("/events/{}", rep.number)).into_response()),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) => staff_view(&s, &me, lang, f, Some(Problem::of(&t, &e))).await,
    }
}
