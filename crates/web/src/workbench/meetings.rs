//! Meetings and trainings (例会、培训): `/work/meetings` lists the caller's (held in their scope
//! or invited to), `/work/meetings/new` schedules one for the workers and grid leaders of the
//! caller's scope (all ticked; the monthly meeting's suggested day moved before a holiday), and
//! `/work/meetings/{id}` shows it with the attendance sheet, printable.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::calendar::Date;
use wangge_domain::deadline::format_rfc3339;
use wangge_domain::permission::Permission;
use wangge_domain::workbench::meetings::{
    self as rules, Attendance, Kind, MAX_AGENDA, MAX_INVITEES, MAX_PLACE, MAX_TITLE,
};
use wangge_domain::workbench::periods;
use wangge_domain::{Error, err};
use wangge_store::auth::Principal;
use wangge_store::workbench::logins::china_day;
use wangge_store::workbench::meetings::{self, Candidate, Invitee, Mark, Meeting, NewMeeting};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{Fields, f, no_store, parse_id, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/work/meetings", get(list_page).post(create_form))
        .route("/work/meetings/new", get(new_page))
        .route("/work/meetings/{id}", get(detail_page))
        .route("/work/meetings/{id}/attendance", post(attendance_form))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/meetings", get(api_list).post(api_create))
        .route("/api/v1/meetings/suggested", get(api_suggested))
        .route("/api/v1/meetings/candidates", get(api_candidates))
        .route("/api/v1/meetings/{id}", get(api_get))
        .route("/api/v1/meetings/{id}/attendance", post(api_attendance))
}

fn organises(p: &Principal) -> bool {
    p.may(Permission::ManageStaff)
}

fn require_organiser(p: &Principal) -> Result<(), Error> {
    if organises(p) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn meeting_id(s: &str) -> Result<i64, Error> {
    parse_id(s).map_err(|_| {
        let id: String = s.chars().take(20).collect();
        err!("work.meeting_not_found", id)
    })
}

/// A required text of at most `max` characters, without control characters but newlines.
fn text(value: &str, field: &'static str, max: usize, required: bool) -> Result<String, Error> {
    let v = value.trim();
    if (required && v.is_empty()) || v.chars().count() > max {
        return Err(err!("work.meeting_field", field, max));
    }
    Ok(v.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}

/// What a form or body asks to schedule, checked.
struct Ask<'a> {
    kind: &'a str,
    title: &'a str,
    place: &'a str,
    agenda: &'a str,
    starts_at: &'a str,
    report_required: bool,
    /// None: every candidate of the scope.
    invitees: Option<Vec<i64>>,
}

async fn schedule(s: &AppState, p: &Principal, a: Ask<'_>) -> Result<i64, Error> {
    require_organiser(p)?;
    let kind = Kind::parse(a.kind).ok_or_else(|| {
        let value: String = a.kind.chars().take(20).collect();
        err!("work.meeting_kind_invalid", value)
    })?;
    let title = text(a.title, "title", MAX_TITLE, true)?;
    let place = text(a.place, "place", MAX_PLACE, true)?;
    let agenda = text(a.agenda, "agenda", MAX_AGENDA, false)?;
    let starts_at = rules::parse_start(a.starts_at).ok_or_else(|| {
        let value: String = a.starts_at.chars().take(40).collect();
        err!("work.meeting_time_invalid", value)
    })?;
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let invitees = match a.invitees {
        Some(v) => v,
        None => meetings::candidates(h, &p.scope())
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
    };
    if invitees.len() > MAX_INVITEES {
        return Err(err!(
            "work.meeting_field",
            field = "invitees",
            max = MAX_INVITEES
        ));
    }
    let new = NewMeeting {
        kind,
        title,
        place,
        agenda,
        starts_at,
        report_required: a.report_required,
        invitees,
    };
    let id = meetings::create(h, p.node_id, &p.scope(), &actor(p), &new, s.now()).await?;
    tx.commit().await?;
    Ok(id)
}

async fn one(s: &AppState, p: &Principal, id: i64) -> Result<(Meeting, Vec<Invitee>), Error> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let m = meetings::get(h, p.user_id, &p.scope(), id).await?;
    let list = meetings::invitees(h, id).await?;
    Ok((m, list))
}

async fn take_attendance(
    s: &AppState,
    p: &Principal,
    id: i64,
    marks: &[Mark],
) -> Result<(), Error> {
    require_organiser(p)?;
    let mut tx = s.db.begin().await?;
    meetings::mark(&mut tx.handle(), &p.scope(), &actor(p), id, marks, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The suggested day of the monthly meeting in the caller's area for a month, by the rules in
/// force there and the calendar: (day, nominal day). Falls back to the nominal day when the
/// calendar lacks the year.
async fn suggested(s: &AppState, p: &Principal, month_first: Date) -> Result<(Date, Date), Error> {
    let duties = {
        let mut c = s.db.conn().await?;
        wangge_store::workbench::rules::in_force(&mut c.handle(), &p.node_path, month_first).await?
    };
    let nominal = Date::new(month_first.year(), month_first.month(), duties.meeting_day)
        .unwrap_or(month_first);
    let day = rules::suggested_day(
        &s.calendar(),
        month_first.year(),
        month_first.month(),
        duties.meeting_day,
    )
    .unwrap_or(nominal);
    Ok((day, nominal))
}

fn meeting_json(m: &Meeting, list: Option<&[Invitee]>) -> Value {
    let mut v = json!(m);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "starts_at_text".into(),
            json!(format_rfc3339(m.starts_at).unwrap_or_default()),
        );
        if let Some(list) = list {
            o.insert("attendance".into(), json!(list));
        }
    }
    v
}

// ---- API -----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<String>,
}

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let limit = crate::basic::api::limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let items = meetings::list(&mut c.handle(), p.user_id, &p.scope(), limit).await?;
    let items: Vec<Value> = items.iter().map(|m| meeting_json(m, None)).collect();
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

async fn api_suggested(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<MonthQuery>,
) -> AppResult<Json<Value>> {
    let first = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => wangge_store::workbench::ledger::month_bounds(m)?.0,
        None => periods::month_start(china_day(s.now())?),
    };
    let (day, nominal) = suggested(&s, &p, first).await?;
    Ok(Json(json!({
        "month": periods::month_key(first),
        "day": day.to_string(),
        "nominal_day": nominal.to_string(),
        "moved": day != nominal,
    })))
}

async fn api_candidates(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    require_organiser(&p)?;
    let mut c = s.db.conn().await?;
    let items = meetings::candidates(&mut c.handle(), &p.scope()).await?;
    Ok(no_store(Json(json!({ "items": items })).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    kind: String,
    title: String,
    place: String,
    #[serde(default)]
    agenda: String,
    starts_at: String,
    #[serde(default)]
    report_required: bool,
    #[serde(default)]
    invitees: Option<Vec<i64>>,
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let id = schedule(
        &s,
        &p,
        Ask {
            kind: &r.kind,
            title: &r.title,
            place: &r.place,
            agenda: &r.agenda,
            starts_at: &r.starts_at,
            report_required: r.report_required,
            invitees: r.invitees,
        },
    )
    .await?;
    let (m, list) = one(&s, &p, id).await?;
    Ok((StatusCode::CREATED, Json(meeting_json(&m, Some(&list)))).into_response())
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = meeting_id(&id)?;
    let (m, list) = one(&s, &p, id).await?;
    Ok(no_store(
        Json(meeting_json(&m, Some(&list))).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkReq {
    user_id: i64,
    #[serde(default)]
    attendance: Option<String>,
    #[serde(default)]
    report_handed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttendanceReq {
    marks: Vec<MarkReq>,
}

fn attendance_of(v: &str) -> Result<Option<Attendance>, Error> {
    match v.trim() {
        "" => Ok(None),
        v => Attendance::parse(v).map(Some).ok_or_else(|| {
            let value: String = v.chars().take(20).collect();
            err!("work.attendance_invalid", value)
        }),
    }
}

async fn api_attendance(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<AttendanceReq>,
) -> AppResult<Response> {
    let id = meeting_id(&id)?;
    if r.marks.len() > MAX_INVITEES {
        return Err(AppError(err!(
            "work.meeting_field",
            field = "marks",
            max = MAX_INVITEES
        )));
    }
    let marks = r
        .marks
        .iter()
        .map(|m| {
            Ok(Mark {
                user_id: m.user_id,
                attendance: attendance_of(m.attendance.as_deref().unwrap_or(""))?,
                report_handed: m.report_handed,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    take_attendance(&s, &p, id, &marks).await?;
    let (m, list) = one(&s, &p, id).await?;
    Ok(no_store(
        Json(meeting_json(&m, Some(&list))).into_response(),
    ))
}

// ---- Pages ---------------------------------------------------------------------------------

struct Row {
    id: i64,
    kind: String,
    title: String,
    when: String,
    place: String,
    node: String,
    counts: String,
}

fn row(t: &Tr, m: &Meeting) -> Row {
    Row {
        id: m.id,
        kind: t.s(&format!("wbs.kind.{}", m.kind)).to_string(),
        title: m.title.clone(),
        when: time_text(m.starts_at),
        place: m.place.clone(),
        node: m.node_name.clone(),
        counts: format!("{}/{}", m.attended, m.invitees),
    }
}

#[derive(Template)]
#[template(path = "workbench/meetings.html")]
struct ListPage {
    l: Layout,
    organises: bool,
    rows: Vec<Row>,
    suggested: String,
    moved: bool,
}

async fn list_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    let items = {
        let mut c = s.db.conn().await?;
        meetings::list(&mut c.handle(), p.user_id, &p.scope(), 200).await?
    };
    let today = china_day(s.now())?;
    let (day, nominal) = suggested(&s, &p, periods::month_start(today)).await?;
    let l = Layout::new(lang, Some(p.clone()), "wbs.meetings.title");
    let t = l.t;
    Ok(no_store(render(ListPage {
        organises: organises(&p),
        rows: items.iter().map(|m| row(&t, m)).collect(),
        suggested: day.to_string(),
        moved: day != nominal,
        l,
    })))
}

struct Pick {
    id: i64,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "workbench/meeting_new.html")]
struct NewPage {
    l: Layout,
    kind: String,
    title: String,
    place: String,
    agenda: String,
    starts_at: String,
    report_required: bool,
    picks: Vec<Pick>,
    error: String,
}

async fn new_form(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    values: Option<&Fields>,
    error: Option<&Error>,
) -> Result<Response, Error> {
    require_organiser(p)?;
    let cands: Vec<Candidate> = {
        let mut c = s.db.conn().await?;
        meetings::candidates(&mut c.handle(), &p.scope()).await?
    };
    let today = china_day(s.now())?;
    let (mut day, _) = suggested(s, p, periods::month_start(today)).await?;
    if day < today {
        let next = periods::month_end(today).add_days(1).unwrap_or(today);
        day = suggested(s, p, next).await?.0;
    }
    let l = Layout::new(lang, Some(p.clone()), "wbs.meetings.new");
    let t = l.t;
    let v = |k: &str| values.map(|m| f(m, k).to_string()).unwrap_or_default();
    Ok(no_store(render(NewPage {
        kind: values
            .map(|m| f(m, "kind").to_string())
            .unwrap_or_else(|| "meeting".into()),
        title: values
            .map(|m| f(m, "title").to_string())
            .unwrap_or_else(|| t.s("wbs.meetings.default_title").to_string()),
        place: v("place"),
        agenda: v("agenda"),
        starts_at: values
            .map(|m| f(m, "starts_at").to_string())
            .unwrap_or_else(|| format!("{day}T09:00")),
        report_required: values.is_some_and(|m| !f(m, "report_required").is_empty()),
        picks: cands
            .into_iter()
            .map(|c| Pick {
                checked: values.is_none_or(|m| !f(m, &format!("invitee_{}", c.id)).is_empty()),
                label: format!("{} · {} · {}", c.name, t.role(&c.role), c.node_name),
                id: c.id,
            })
            .collect(),
        error: error.map(|e| t.error(e)).unwrap_or_default(),
        l,
    })))
}

async fn new_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(new_form(&s, lang, &p, None, None).await?)
}

async fn create_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let invitees: Vec<i64> = values
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, _)| k.strip_prefix("invitee_")?.parse().ok())
        .collect();
    let a = Ask {
        kind: f(&values, "kind"),
        title: f(&values, "title"),
        place: f(&values, "place"),
        agenda: f(&values, "agenda"),
        starts_at: f(&values, "starts_at"),
        report_required: !f(&values, "report_required").is_empty(),
        invitees: Some(invitees),
    };
    match schedule(&s, &p, a).await {
        Ok(id) => Ok(Redirect::to(&format!("/work/meetings/{id}")).into_response()),
        Err(e) if matches!(e.status, 401 | 403) => Err(AppError(e)),
        Err(e) => {
            let mut r = new_form(&s, lang, &p, Some(&values), Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

struct Line {
    user_id: i64,
    name: String,
    role: String,
    node: String,
    attendance: String,
    attendance_label: String,
    report_handed: bool,
}

#[derive(Template)]
#[template(path = "workbench/meeting.html")]
struct DetailPage {
    l: Layout,
    m: Row,
    agenda: String,
    report_required: bool,
    organiser: String,
    may_mark: bool,
    lines: Vec<Line>,
    choices: Vec<(&'static str, String)>,
    error: String,
}

async fn detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let (m, list) = one(s, p, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "wbs.meetings.one");
    let t = l.t;
    Ok(no_store(render(DetailPage {
        m: row(&t, &m),
        agenda: m.agenda.clone(),
        report_required: m.report_required,
        organiser: m.created_by_name.clone(),
        may_mark: m.may_mark && organises(p),
        lines: list
            .into_iter()
            .map(|i| Line {
                attendance_label: i
                    .attendance
                    .as_deref()
                    .map(|a| t.s(&format!("wbs.att.{a}")).to_string())
                    .unwrap_or_default(),
                attendance: i.attendance.unwrap_or_default(),
                user_id: i.user_id,
                name: i.name,
                role: t.role(&i.role),
                node: i.node_name,
                report_handed: i.report_handed,
            })
            .collect(),
        choices: Attendance::ALL
            .iter()
            .map(|a| {
                (
                    a.as_str(),
                    t.s(&format!("wbs.att.{}", a.as_str())).to_string(),
                )
            })
            .collect(),
        error: error.map(|e| t.error(e)).unwrap_or_default(),
        l,
    })))
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = meeting_id(&id)?;
    Ok(detail(&s, lang, &p, id, None).await?)
}

/// The sheet posts `att_{user}` (blank: not taken) and `rep_{user}` for each line shown.
async fn attendance_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = meeting_id(&id)?;
    let values = read_form(req).await?;
    let mut marks = Vec::new();
    let mut bad = None;
    for (k, v) in &values {
        let Some(uid) = k.strip_prefix("att_") else {
            continue;
        };
        let Ok(user_id) = uid.parse::<i64>() else {
            continue;
        };
        match attendance_of(v) {
            Ok(attendance) => marks.push(Mark {
                user_id,
                attendance,
                report_handed: !f(&values, &format!("rep_{user_id}")).is_empty(),
            }),
            Err(e) => bad = Some(e),
        }
    }
    let result = match bad {
        Some(e) => Err(e),
        None => take_attendance(&s, &p, id, &marks).await,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/work/meetings/{id}")).into_response()),
        Err(e) if matches!(e.status, 401 | 403 | 404) => Err(AppError(e)),
        Err(e) => {
            let mut r = detail(&s, lang, &p, id, Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}
