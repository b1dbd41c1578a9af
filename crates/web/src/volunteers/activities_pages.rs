//! The pages of activities (see the parent module): lists, the publish form, one activity with
//! sign-up or roster and attendance, and a volunteer's messages.

use super::*;

/// An activity as a page shows it.
pub(super) struct ActView {
    id: i64,
    title: String,
    kind: String,
    points: i64,
    places: i64,
    confirmed: i64,
    left: i64,
    starts: String,
    ends: String,
    location: String,
    content: String,
    status: String,
    status_key: String,
    cancel_reason: String,
    /// The reading volunteer's own status (key and text), empty when none.
    my_key: String,
    my_status: String,
    started: bool,
    over: bool,
    /// The community's name where a list spans several (staff), else empty.
    community: String,
    /// Started, open, with confirmed volunteers: attendance waits (shown to staff).
    due: bool,
}

fn view(t: &Tr, a: &Activity, mine: Option<&str>, now: i64) -> ActView {
    ActView {
        id: a.id,
        title: a.title.clone(),
        kind: kind_name(t, &a.kind),
        points: a.points,
        places: a.places,
        confirmed: a.confirmed,
        left: a.places_left(),
        starts: time_text(a.starts_at),
        ends: time_text(a.ends_at),
        location: a.location.clone(),
        content: a.content.clone(),
        status: t.s(&format!("vol.act.status.{}", a.status)).to_string(),
        status_key: a.status.clone(),
        cancel_reason: a.cancel_reason.clone(),
        my_key: mine.unwrap_or("").to_string(),
        my_status: mine
            .map(|m| t.s(&format!("vol.act.signup.{m}")).to_string())
            .unwrap_or_default(),
        started: now >= a.starts_at,
        over: now >= a.ends_at,
        community: String::new(),
        due: a.status == "open" && now >= a.starts_at && a.confirmed > 0,
    }
}

/// The page error for a failed action: 401, 403 and 404 go to the error page; others show on
/// the page they came from, with their status.
fn shown(e: Error) -> Result<Error, AppError> {
    if matches!(e.status, 401 | 403 | 404) {
        Err(AppError(e))
    } else {
        Ok(e)
    }
}

fn with_status(mut r: Response, e: &Error) -> Response {
    if let Ok(code) = StatusCode::from_u16(e.status) {
        *r.status_mut() = code;
    }
    r
}

// ---- List ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "volunteers/act_list.html")]
struct ListPage {
    l: Layout,
    when: String,
    organises: bool,
    volunteer: bool,
    unread: i64,
    items: Vec<ActView>,
}

pub(super) async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let when = when_of(q.when.as_deref()).unwrap_or(When::Upcoming);
    let v = viewer(&s, &p).await?;
    let rows = listed(&s, &p, &v, when, 100).await?;
    let unread = match v.volunteer() {
        Some(me) => {
            let mut c = s.db.conn().await?;
            messages::unread_count(&mut c.handle(), me.id).await?
        }
        None => 0,
    };
    let l = Layout::new(lang, Some(p.clone()), "vol.act.title");
    let now = s.now();
    let items = rows
        .iter()
        .map(|r| {
            let mut a = view(&l.t, &r.activity, r.my_status.as_deref(), now);
            if v.volunteer().is_none() {
                a.community = r.community_name.clone();
            }
            a
        })
        .collect();
    Ok(no_store(render(ListPage {
        when: when.as_str().to_string(),
        organises: v.organises(),
        volunteer: v.volunteer().is_some(),
        unread,
        items,
        l,
    })))
}

// ---- Publish ------------------------------------------------------------------------------------

pub(super) struct KindOpt {
    key: String,
    name: String,
    points: i64,
}

#[derive(Template)]
#[template(path = "volunteers/act_new.html")]
struct NewPage {
    l: Layout,
    communities: Vec<(String, String)>,
    kinds: Vec<KindOpt>,
    v: NewValues,
    error: String,
}

/// What the form held, to show it again after an error.
#[derive(Default)]
pub(super) struct NewValues {
    community: String,
    title: String,
    kind: String,
    places: String,
    starts: String,
    ends: String,
    location: String,
    content: String,
}

async fn render_new(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    v: NewValues,
    error: Option<&Error>,
) -> Result<Response, Error> {
    organiser(p)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let communities = acts::communities(h, &p.scope())
        .await?
        .into_iter()
        .map(|(_, code, name)| (code, name))
        .collect();
    let (_, cat) = catalogue::in_force(h, &p.node_path).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.act.new_title");
    let mut kinds: Vec<KindOpt> = activity_kinds(&cat)
        .into_iter()
        .map(|(key, points)| KindOpt {
            name: kind_name(&l.t, &key),
            key,
            points,
        })
        .collect();
    // "Other" services with a value the street approved: one choice per approval, its value
    // fixed by it (`other:{approval id}`).
    for a in catalogue::list(h, &p.scope(), "approved", 100).await? {
        kinds.push(KindOpt {
            key: format!("{OTHER}:{}", a.id),
            name: format!(
                "{}:{} ({})",
                kind_name(&l.t, OTHER),
                a.title,
                a.community_name
            ),
            points: a.points,
        });
    }
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(NewPage {
        communities,
        kinds,
        v,
        error,
        l,
    })))
}

pub(super) async fn new_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
) -> AppResult<Response> {
    let v = NewValues {
        community: if p.node_kind == NodeKind::Village {
            p.node_code.clone()
        } else {
            String::new()
        },
        places: "10".into(),
        ..NewValues::default()
    };
    Ok(render_new(&s, lang, &p, v, None).await?)
}

/// A `datetime-local` value (China time) or RFC 3339 text as Unix milliseconds.
fn local_time(v: &str) -> Result<i64, Error> {
    let v = v.trim();
    let text = match v.matches(':').count() {
        1 if !v.contains('+') && !v.ends_with('Z') => format!("{v}:00+08:00"),
        2 if !v.contains('+') && !v.ends_with('Z') => format!("{v}+08:00"),
        _ => v.to_string(),
    };
    wangge_domain::deadline::parse_rfc3339(&text).map_err(|_| {
        err!(
            "volunteers.activity_time",
            value = v.chars().take(40).collect::<String>()
        )
    })
}

fn bounded(v: &str, max: usize) -> String {
    v.trim().chars().take(max).collect()
}

pub(super) async fn new_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    organiser(&p)?;
    let form = read_form(req).await?;
    // Bounded one past each limit, so that a text too long is still refused by the rules.
    let v = NewValues {
        community: bounded(f(&form, "community"), 20),
        title: bounded(f(&form, "title"), 61),
        kind: bounded(f(&form, "kind"), 40),
        places: bounded(f(&form, "places"), 6),
        starts: bounded(f(&form, "starts"), 40),
        ends: bounded(f(&form, "ends"), 40),
        location: bounded(f(&form, "location"), 101),
        content: bounded(f(&form, "content"), 2001),
    };
    let parsed = (|| -> Result<Publish, Error> {
        let places = v
            .places
            .parse::<i64>()
            .map_err(|_| err!("request.bad_number", field = "places"))?;
        let ends_at = if v.ends.is_empty() {
            None
        } else {
            Some(local_time(&v.ends)?)
        };
        // `other:{approval id}` names the street's approval; any other value is a kind.
        let (kind, approval_id) = match v.kind.split_once(':') {
            Some((OTHER, id)) => (OTHER.to_string(), id.trim().parse::<i64>().ok()),
            _ => (v.kind.clone(), None),
        };
        Ok(Publish {
            community: Some(v.community.clone()).filter(|c| !c.is_empty()),
            title: v.title.clone(),
            content: v.content.clone(),
            location: v.location.clone(),
            kind,
            points: None,
            places,
            starts_at: local_time(&v.starts)?,
            ends_at,
            approval_id,
        })
    })();
    let result = match parsed {
        Ok(r) => publish(&s, &p, &r).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/vol/activities/{}", a.id)).into_response()),
        Err(e) => {
            let e = shown(e)?;
            let r = render_new(&s, lang, &p, v, Some(&e)).await?;
            Ok(with_status(r, &e))
        }
    }
}

// ---- One activity -------------------------------------------------------------------------------

pub(super) struct RosterRow {
    volunteer_id: i64,
    seq: i64,
    name: String,
    place: String,
    status_key: String,
    status: String,
}

#[derive(Template)]
#[template(path = "volunteers/act_detail.html")]
struct DetailPage {
    l: Layout,
    a: ActView,
    volunteer: bool,
    organises: bool,
    confirmed: Vec<RosterRow>,
    waiting: Vec<RosterRow>,
    others: Vec<RosterRow>,
    /// Whether the attendance form shows: started, not cancelled, someone confirmed unmarked.
    attendance: bool,
    error: String,
}

async fn render_detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let v = viewer(s, p).await?;
    let seen = seen(s, p, &v, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.act.detail_title");
    let now = s.now();
    let a = view(
        &l.t,
        &seen.a,
        seen.mine.as_ref().map(|m| m.status.as_str()),
        now,
    );
    let row = |r: &Signup| RosterRow {
        volunteer_id: r.volunteer_id,
        seq: r.seq,
        name: r.name.clone(),
        place: [r.building.as_str(), r.unit.as_str()]
            .iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("-"),
        status_key: r.status.clone(),
        status: l.t.s(&format!("vol.act.signup.{}", r.status)).to_string(),
    };
    let confirmed: Vec<RosterRow> = seen
        .roster
        .iter()
        .filter(|r| matches!(r.status.as_str(), "confirmed" | "served" | "absent"))
        .map(row)
        .collect();
    let waiting = seen
        .roster
        .iter()
        .filter(|r| r.status == "waiting")
        .map(row)
        .collect();
    let others = seen
        .roster
        .iter()
        .filter(|r| r.status == "cancelled")
        .map(row)
        .collect();
    // The form shows while someone holding a place is not marked yet.
    let attendance = v.organises()
        && a.started
        && a.status_key != "cancelled"
        && confirmed.iter().any(|r| r.status_key == "confirmed");
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    Ok(no_store(render(DetailPage {
        volunteer: v.volunteer().is_some(),
        organises: v.organises(),
        attendance,
        confirmed,
        waiting,
        others,
        error,
        a,
        l,
    })))
}

pub(super) async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    Ok(render_detail(&s, lang, &p, activity_id(&id)?, None).await?)
}

/// After an action on one activity: back to it, or the page again with the error.
async fn after(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    r: Result<(), Error>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/vol/activities/{id}")).into_response()),
        Err(e) => {
            let e = shown(e)?;
            let page = render_detail(s, lang, p, id, Some(&e)).await?;
            Ok(with_status(page, &e))
        }
    }
}

pub(super) async fn signup_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = activity_id(&id)?;
    let r = sign_up(&s, &p, id).await.map(|_| ());
    after(&s, lang, &p, id, r).await
}

pub(super) async fn withdraw_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = activity_id(&id)?;
    let r = withdraw(&s, &p, id).await.map(|_| ());
    after(&s, lang, &p, id, r).await
}

pub(super) async fn cancel_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = activity_id(&id)?;
    let form = read_form(req).await?;
    let reason = bounded(f(&form, "reason"), 201);
    let r = cancel(&s, &p, id, &reason).await.map(|_| ());
    after(&s, lang, &p, id, r).await
}

pub(super) async fn attendance_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = activity_id(&id)?;
    let form = read_form(req).await?;
    // One radio group a volunteer: `m_{volunteer id}` = served | absent.
    let mut served = Vec::new();
    let mut absent = Vec::new();
    for (k, v) in form.iter().take(activity_mark_limit()) {
        let Some(vid) = k.strip_prefix("m_").and_then(|x| x.parse::<i64>().ok()) else {
            continue;
        };
        match v.as_str() {
            "served" => served.push(vid),
            "absent" => absent.push(vid),
            _ => {}
        }
    }
    served.sort_unstable();
    absent.sort_unstable();
    let r = attend(&s, &p, id, &served, &absent).await.map(|_| ());
    after(&s, lang, &p, id, r).await
}

fn activity_mark_limit() -> usize {
    // Room for every place plus the form's other fields; the rules refuse more than they allow.
    wangge_domain::volunteers::activity::MAX_MARKS + 10
}

// ---- Messages -----------------------------------------------------------------------------------

pub(super) struct MsgView {
    id: i64,
    text: String,
    at: String,
    unread: bool,
    activity_id: i64,
}

#[derive(Template)]
#[template(path = "volunteers/act_messages.html")]
struct MessagesPage {
    l: Layout,
    items: Vec<MsgView>,
    unread: i64,
    next: String,
}

pub(super) async fn messages_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<MessagesQuery>,
) -> AppResult<Response> {
    let before = before_of(q.before.as_deref())?;
    let v = active_volunteer(&s, &p).await?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let list = messages::list(h, v.id, before, 30).await?;
    let unread = messages::unread_count(h, v.id).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.act.messages_title");
    let next = if list.len() == 30 {
        list.last().map(|m| m.id.to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    let items = list
        .iter()
        .map(|m| MsgView {
            id: m.id,
            text: message_text(&l.t, m),
            at: time_text(m.created_at),
            unread: m.read_at.is_none(),
            activity_id: m.activity_id.unwrap_or(0),
        })
        .collect();
    Ok(no_store(render(MessagesPage {
        items,
        unread,
        next,
        l,
    })))
}

pub(super) async fn read_form_post(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    mark_read(&s, &p).await?;
    Ok(Redirect::to("/vol/messages").into_response())
}
