//! The residents' survey. Staff: `/assess/surveys` lists, per grid in the caller's scope and a
//! quarter, the households, the tokens issued, the answers and their mean score, and issues a
//! grid's tokens (`POST /assess/surveys/issue`), answering with a printable A4 sheet of door
//! slips, each with the household's address label, a QR code of its link and the link text.
//! Tokens are shown only then (only their hash is kept): a lost slip is issued again. A grid
//! worker issues for their own grid, the staff above (ReviewWork) for the grids in their scope.
//! Residents: `/survey/{token}` (no log-in, rate-limited like the other public forms; the CSRF
//! guard lets cookie-less public forms through as it does for `/r/` and `/t/`) asks the five
//! questions once, inside the token's quarter. JSON: `GET/POST /api/v1/assessment/surveys`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::survey::{self as rules, Choice, QUESTIONS, Response as Sheet};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::assessment::survey::{self, GridCount, Slip};
use wangge_store::auth::Principal;

use crate::auth::Me;
use crate::basic::access::today;
use crate::basic::form::{Fields, f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::intake::{ClientIp, rate_hit};
use crate::state::AppState;
use crate::ui::{Layout, render};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/assess/surveys", get(staff_page))
        .route("/assess/surveys/issue", post(issue_form))
        .route("/survey/{token}", get(public_page).post(public_submit))
}

pub fn api() -> Router<AppState> {
    Router::new().route(
        "/api/v1/assessment/surveys",
        get(api_counts).post(api_issue),
    )
}

/// A grid's own worker, or the staff who review the work of the grids in their scope.
fn may_survey(p: &Principal) -> bool {
    (p.may(Permission::RecordWork) && p.node_kind == NodeKind::Grid)
        || p.may(Permission::ReviewWork)
}

fn check(p: &Principal) -> Result<(), Error> {
    if may_survey(p) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// The quarter asked for, else the one holding today.
fn quarter_of(s: &AppState, q: Option<&str>) -> Result<Quarter, Error> {
    match q.map(str::trim) {
        None | Some("") => Ok(Quarter::of(today(s.now())?)),
        Some(v) => Quarter::parse(v).ok_or_else(|| {
            err!(
                "assess.quarter_invalid",
                value = v.chars().take(20).collect::<String>()
            )
        }),
    }
}

fn link(s: &AppState, token: &str) -> String {
    format!(
        "{}/survey/{token}",
        s.config.public_url.trim_end_matches('/')
    )
}

/// A QR code as an inline SVG element (without the XML prologue); empty if it cannot be made.
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot make a QR code");
            String::new()
        }
    }
}

/// Issues a grid's tokens in one transaction.
async fn issue(
    s: &AppState,
    p: &Principal,
    grid_id: i64,
    quarter: Quarter,
) -> Result<(survey::Grid, Vec<Slip>), Error> {
    check(p)?;
    rules::issuable(quarter, today(s.now())?)?;
    let mut tx = s.db.begin().await?;
    let grid = survey::grid(&mut tx.handle(), &p.node_path, grid_id).await?;
    let slips = survey::issue(&mut tx.handle(), &grid, quarter, s.now()).await?;
    tx.commit().await?;
    Ok((grid, slips))
}

// ---------------------------------------------------------------------------------------------
// Staff pages

struct GridRow {
    id: i64,
    code: String,
    name: String,
    households: i64,
    issued: i64,
    answered: i64,
    mean: String,
}

impl From<&GridCount> for GridRow {
    fn from(g: &GridCount) -> GridRow {
        GridRow {
            id: g.grid_id,
            code: g.grid_code.clone(),
            name: g.grid_name.clone(),
            households: g.households,
            issued: g.issued,
            answered: g.answered,
            mean: g.mean().map(|m| m.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "assessment/survey_staff.html")]
struct StaffPage {
    l: Layout,
    quarter: String,
    prev: String,
    next: String,
    rows: Vec<GridRow>,
    /// Tokens may be issued for this quarter today.
    may_issue: bool,
    error: String,
}

#[derive(Deserialize)]
struct QuarterQuery {
    quarter: Option<String>,
}

async fn staff_view(
    s: &AppState,
    lang: Lang,
    p: Principal,
    quarter: Quarter,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let mut c = s.db.conn().await?;
    let counts = survey::counts(&mut c.handle(), &p.node_path, quarter).await?;
    drop(c);
    let may_issue = rules::issuable(quarter, today(s.now())?).is_ok();
    let l = Layout::new(lang, Some(p), "assess.survey.title");
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(StaffPage {
        quarter: quarter.to_string(),
        prev: quarter.prev().to_string(),
        next: quarter.next().to_string(),
        rows: counts.iter().map(GridRow::from).collect(),
        may_issue,
        error,
        l,
    })))
}

async fn staff_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<QuarterQuery>,
) -> AppResult<Response> {
    check(&p)?;
    let quarter = quarter_of(&s, q.quarter.as_deref())?;
    Ok(staff_view(&s, lang, p, quarter, None).await?)
}

struct SlipView {
    label: String,
    url: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "assessment/survey_slips.html")]
struct SlipsPage {
    l: Layout,
    quarter: String,
    grid_name: String,
    slips: Vec<SlipView>,
    /// Labels of the households that have answered (no new token).
    answered: Vec<String>,
}

/// Issues a grid's tokens from the staff page and shows their slips, once.
async fn issue_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values: Fields = read_form(req).await?;
    check(&p)?;
    let quarter = quarter_of(&s, Some(f(&values, "quarter")))?;
    let grid_id = parse_id(f(&values, "grid_id"))
        .map_err(|_| err!("assess.survey_grid_not_found", id = f(&values, "grid_id")))?;
    match issue(&s, &p, grid_id, quarter).await {
        Ok((grid, slips)) => {
            let (fresh, done): (Vec<Slip>, Vec<Slip>) =
                slips.into_iter().partition(|x| x.token.is_some());
            let page = SlipsPage {
                quarter: quarter.to_string(),
                grid_name: grid.name,
                slips: fresh
                    .into_iter()
                    .filter_map(|x| {
                        let url = link(&s, x.token.as_deref()?);
                        Some(SlipView {
                            label: x.label,
                            qr: qr_svg(&url),
                            url,
                        })
                    })
                    .collect(),
                answered: done.into_iter().map(|x| x.label).collect(),
                l: Layout::new(lang, Some(p), "assess.survey.slips_title"),
            };
            Ok(no_store(render(page)))
        }
        Err(e) if e.status == 400 || e.status == 409 => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut r = staff_view(&s, lang, p, quarter, Some(&e)).await?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The residents' page

struct QuestionView {
    key: &'static str,
    text: String,
    chosen: String,
}

#[derive(Template)]
#[template(path = "assessment/survey_public.html")]
struct PublicPage {
    l: Layout,
    token: String,
    /// `form`, `answered`, `closed` or `not_found`.
    state: &'static str,
    quarter: String,
    grid_name: String,
    questions: Vec<QuestionView>,
    choices: Vec<(&'static str, String)>,
    comment: String,
    max_comment: usize,
    error: String,
}

fn public_page_of(t: &Tr, lang: Lang, token: &str) -> PublicPage {
    PublicPage {
        l: Layout::new(lang, None, "assess.survey.public_title"),
        token: token.chars().take(64).collect(),
        state: "not_found",
        quarter: String::new(),
        grid_name: String::new(),
        questions: QUESTIONS
            .iter()
            .map(|k| QuestionView {
                key: k,
                text: t.s(&format!("assess.survey.q.{k}")).to_string(),
                chosen: String::new(),
            })
            .collect(),
        choices: Choice::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str(),
                    t.s(&format!("assess.survey.c.{}", c.as_str())).to_string(),
                )
            })
            .collect(),
        comment: String::new(),
        max_comment: rules::MAX_COMMENT_CHARS,
        error: String::new(),
    }
}

fn with_status(mut r: Response, status: u16) -> Response {
    if let Ok(s) = StatusCode::from_u16(status) {
        *r.status_mut() = s;
    }
    no_store(r)
}

/// The page for a token: its form, the thanks once answered, the quarter's end, or a
/// not-found page that tells nothing about the token.
async fn public_view(
    s: &AppState,
    lang: Lang,
    token: &str,
    form: Option<&Fields>,
    problem: Option<&Error>,
) -> Result<Response, Error> {
    let t = Tr::new(lang);
    let mut page = public_page_of(&t, lang, token);
    let mut c = s.db.conn().await?;
    let found = survey::by_token(&mut c.handle(), token).await;
    drop(c);
    let v = match found {
        Ok(v) => v,
        Err(e) if e.code == "assess.survey_not_found" => {
            return Ok(with_status(render(page), 404));
        }
        Err(e) => return Err(e),
    };
    page.quarter = v.quarter.clone();
    page.grid_name = v.grid_name.clone();
    let quarter = Quarter::parse(&v.quarter)
        .ok_or_else(|| err!("internal", detail = "a survey token's quarter is malformed"))?;
    page.state = if v.answered_at.is_some() {
        "answered"
    } else if let Err(e) = rules::answerable(quarter, today(s.now())?) {
        page.error = page.l.t.error(&e);
        "closed"
    } else {
        "form"
    };
    if let Some(values) = form {
        for q in &mut page.questions {
            q.chosen = f(values, &format!("q_{}", q.key)).to_string();
        }
        page.comment = f(values, "comment").chars().take(2_000).collect();
    }
    let status = match problem {
        Some(e) => {
            if page.state == "form" {
                page.error = page.l.t.error(e);
            }
            e.status
        }
        None => 200,
    };
    Ok(with_status(render(page), status))
}

async fn public_page(
    State(s): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> AppResult<Response> {
    Ok(public_view(&s, lang, &token, None, None).await?)
}

/// Records a resident's answer in one transaction; the page comes back with the reason when
/// it is refused (what was chosen kept), else shows the thanks.
async fn public_submit(
    State(s): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    // Every submission counts against the address, refused ones too.
    let result = match rate_hit(&s, &ip).await {
        Ok(()) => answer(&s, &token, &values).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/survey/{}", token.trim())).into_response()),
        Err(e) if e.status >= 500 => Err(AppError(e)),
        Err(e) if e.code == "assess.survey_not_found" => {
            Ok(public_view(&s, lang, &token, None, None).await?)
        }
        Err(e) => Ok(public_view(&s, lang, &token, Some(&values), Some(&e)).await?),
    }
}

/// Checks the form and the token's quarter, then writes the answer.
async fn answer(s: &AppState, token: &str, values: &Fields) -> Result<(), Error> {
    let sheet = Sheet::check(
        |k| values.get(&format!("q_{k}")).map(String::as_str),
        f(values, "comment"),
    );
    let mut tx = s.db.begin().await?;
    let v = survey::by_token(&mut tx.handle(), token).await?;
    if v.answered_at.is_some() {
        return Err(err!("assess.survey_answered"));
    }
    let quarter = Quarter::parse(&v.quarter)
        .ok_or_else(|| err!("internal", detail = "a survey token's quarter is malformed"))?;
    rules::answerable(quarter, today(s.now())?)?;
    let sheet = sheet?;
    survey::answer(&mut tx.handle(), &v, &sheet, s.now()).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------------
// JSON

async fn api_counts(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<QuarterQuery>,
) -> AppResult<Response> {
    check(&p)?;
    let quarter = quarter_of(&s, q.quarter.as_deref())?;
    let mut c = s.db.conn().await?;
    let counts = survey::counts(&mut c.handle(), &p.node_path, quarter).await?;
    let grids: Vec<_> = counts
        .iter()
        .map(|g| {
            json!({
                "grid_id": g.grid_id,
                "grid_code": g.grid_code,
                "grid_name": g.grid_name,
                "households": g.households,
                "issued": g.issued,
                "answered": g.answered,
                "score_sum": g.score_sum,
                "mean": g.mean(),
            })
        })
        .collect();
    Ok(no_store(
        Json(json!({ "quarter": quarter.to_string(), "grids": grids })).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueReq {
    grid_id: i64,
    quarter: String,
}

async fn api_issue(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<IssueReq>,
) -> AppResult<Response> {
    check(&p)?;
    let quarter = quarter_of(&s, Some(&r.quarter))?;
    if r.grid_id <= 0 {
        return Err(err!("assess.survey_grid_not_found", id = r.grid_id).into());
    }
    let (grid, slips) = issue(&s, &p, r.grid_id, quarter).await?;
    let slips: Vec<_> = slips
        .iter()
        .map(|x| {
            json!({
                "household_id": x.household_id,
                "label": x.label,
                "answered": x.answered,
                "token": x.token,
                "url": x.token.as_deref().map(|t| link(&s, t)),
            })
        })
        .collect();
    Ok(no_store(
        (
            StatusCode::CREATED,
            Json(json!({
                "grid_id": grid.id,
                "grid_code": grid.code,
                "grid_name": grid.name,
                "quarter": quarter.to_string(),
                "slips": slips,
            })),
        )
            .into_response(),
    ))
}
