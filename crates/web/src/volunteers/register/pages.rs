//! The register's pages: the public application form, the community's list with its
//! actions and imports, one volunteer.

use super::*;

fn attachment(name: &str, ascii: &str, ty: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    let d = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::ui::rfc5987(name)
    );
    if let Ok(v) = HeaderValue::from_str(&d) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

pub(super) async fn template_xlsx(Me(p): Me) -> AppResult<Response> {
    may_organise(&p)?;
    let bytes = import::xlsx_template()?;
    let ty = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok((
        attachment("志愿者导入模板.xlsx", "volunteers-template.xlsx", ty),
        bytes,
    )
        .into_response())
}

pub(super) async fn template_csv(Me(p): Me) -> AppResult<Response> {
    may_organise(&p)?;
    let bytes = import::csv_template()?;
    Ok((
        attachment(
            "志愿者导入模板.csv",
            "volunteers-template.csv",
            "text/csv; charset=utf-8",
        ),
        bytes,
    )
        .into_response())
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn options(t: &Tr, prefix: &str, values: &[&str], selected: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: v.to_string(),
            label: t.s(&format!("{prefix}.{v}")).to_string(),
            selected: *v == selected,
        })
        .collect()
}

fn post_values() -> Vec<&'static str> {
    Post::ALL.iter().map(|p| p.as_str()).collect()
}

fn status_values() -> Vec<&'static str> {
    Status::ALL.iter().map(|p| p.as_str()).collect()
}

struct RowView {
    id: i64,
    name: String,
    community: String,
    place: String,
    post: String,
    phone: String,
    status: String,
    status_key: String,
    username: String,
    skills: String,
    applied: String,
    decided: String,
    reason: String,
}

fn row_view(t: &Tr, r: &Row) -> RowView {
    let place = [r.building.as_str(), r.unit.as_str()]
        .iter()
        .filter(|v| !v.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    RowView {
        id: r.id,
        name: r.name.clone(),
        community: r.community_name.clone(),
        place,
        post: t.s(&format!("vol.reg.post.{}", r.post)).to_string(),
        phone: r.phone_masked.clone().unwrap_or_default(),
        status: t.s(&format!("vol.reg.status.{}", r.status)).to_string(),
        status_key: r.status.clone(),
        username: r.username.clone().unwrap_or_default(),
        skills: r.skills.clone(),
        applied: time_text(r.applied_at),
        decided: match (&r.decided_by_name, r.decided_at) {
            (Some(n), Some(at)) => format!("{n} · {}", time_text(at)),
            _ => String::new(),
        },
        reason: r.decision_reason.clone(),
    }
}

#[derive(Template)]
#[template(path = "volunteers/reg_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<RowView>,
    pending: Vec<RowView>,
    total: i64,
    page: i64,
    pages: i64,
    query: String,
    may_write: bool,
    communities: Vec<Opt>,
    posts: Vec<Opt>,
    statuses: Vec<Opt>,
    building: String,
    error: String,
    account: Option<Account>,
    account_name: String,
    report: Option<Report>,
    form: Fields,
    form_posts: Vec<Opt>,
}

/// What a list page shows beside the list after an action.
#[derive(Default)]
struct After {
    error: Option<Error>,
    account: Option<(String, Account)>,
    report: Option<Report>,
    form: Fields,
}

async fn render_list(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    q: &HashMap<String, String>,
    after: After,
) -> Result<Response, Error> {
    may_read(p)?;
    let l = Layout::new(lang, Some(p.clone()), "vol.reg.list_title");
    let fl = filter_of(s, p, q).await?;
    let page = number(q, "page", 1, 100_000)?.max(1);
    let (rows, total) = list(s, p, &fl, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let pending_filter = Filter {
        status: "applied".into(),
        ..fl.clone()
    };
    let (pending, _) = list(s, p, &pending_filter, reg::MAX_PAGE, 0).await?;
    let communities = {
        let mut c = s.db.conn().await?;
        reg::communities(&mut c.handle(), &p.scope()).await?
    };
    let community = q.get("community").cloned().unwrap_or_default();
    let t = &l.t;
    let mut query: Vec<String> = Vec::new();
    for k in ["community", "post", "status", "building"] {
        if let Some(v) = q.get(k).filter(|v| !v.is_empty()) {
            query.push(format!("{k}={}", crate::ui::urlencode(v)));
        }
    }
    let status = if after.error.as_ref().is_some_and(|e| e.status >= 400) {
        after
            .error
            .as_ref()
            .and_then(|e| StatusCode::from_u16(e.status).ok())
    } else {
        None
    };
    let (account_name, account) = match after.account {
        Some((n, a)) => (n, Some(a)),
        None => (String::new(), None),
    };
    let page_view = ListPage {
        rows: rows.iter().map(|r| row_view(t, r)).collect(),
        pending: pending.iter().map(|r| row_view(t, r)).collect(),
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        query: query.join("&"),
        may_write: p.may(Permission::Organise),
        communities: communities
            .iter()
            .map(|c| Opt {
                value: c.code.clone(),
                label: c.name.clone(),
                selected: c.code == community,
            })
            .collect(),
        posts: options(t, "vol.reg.post", &post_values(), &fl.post),
        statuses: options(t, "vol.reg.status", &status_values(), &fl.status),
        building: fl.building.clone(),
        error: after.error.map(|e| t.error(&e)).unwrap_or_default(),
        account,
        account_name,
        report: after.report,
        form_posts: options(t, "vol.reg.post", &post_values(), &after.form.post),
        form: after.form,
        l,
    };
    let mut r = no_store(render(page_view));
    if let Some(code) = status {
        *r.status_mut() = code;
    }
    Ok(r)
}

pub(super) async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    Ok(render_list(&s, lang, &p, &q, After::default()).await?)
}

/// A page's answer to a failed action: refusals and absent records are error pages, the rest
/// show beside the form.
fn on_page(e: Error) -> Result<Error, AppError> {
    if matches!(e.status, 401 | 403 | 404) {
        Err(AppError(e))
    } else {
        Ok(e)
    }
}

fn form_fields(v: &FormFields) -> Fields {
    Fields {
        name: f(v, "name").to_string(),
        phone: f(v, "phone").to_string(),
        building: f(v, "building").to_string(),
        unit: f(v, "unit").to_string(),
        post: f(v, "post").to_string(),
        skills: f(v, "skills").to_string(),
    }
}

pub(super) async fn add_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let fields = form_fields(&v);
    let after = match add(&s, &p, f(&v, "community"), &fields).await {
        Ok((row, account)) => After {
            account: Some((row.name, account)),
            ..After::default()
        },
        Err(e) => After {
            error: Some(on_page(e)?),
            form: fields,
            ..After::default()
        },
    };
    Ok(render_list(&s, lang, &p, &HashMap::new(), after).await?)
}

pub(super) async fn approve_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let after = match approve(&s, &p, volunteer_id(&id)?).await {
        Ok((row, account)) => After {
            account: Some((row.name, account)),
            ..After::default()
        },
        Err(e) => After {
            error: Some(on_page(e)?),
            ..After::default()
        },
    };
    Ok(render_list(&s, lang, &p, &HashMap::new(), after).await?)
}

pub(super) async fn reject_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    match close(
        &s,
        &p,
        volunteer_id(&id)?,
        Status::Rejected,
        f(&v, "reason"),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/vol/volunteers?status=applied").into_response()),
        Err(e) => {
            let after = After {
                error: Some(on_page(e)?),
                ..After::default()
            };
            Ok(render_list(&s, lang, &p, &HashMap::new(), after).await?)
        }
    }
}

pub(super) async fn import_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    mp: Multipart,
) -> AppResult<Response> {
    may_organise(&p)?;
    let t = Tr::new(lang);
    let after = match read_upload(mp).await {
        Ok(up) => match run_import(&s, &p, &t, up).await {
            Ok(report) => After {
                report: Some(report),
                ..After::default()
            },
            Err(e) => {
                let report = serde_json::from_value::<ReportIn>(e.details.clone())
                    .ok()
                    .map(ReportIn::into_report);
                After {
                    error: Some(on_page(e)?),
                    report,
                    ..After::default()
                }
            }
        },
        Err(e) => After {
            error: Some(on_page(e)?),
            ..After::default()
        },
    };
    Ok(render_list(&s, lang, &p, &HashMap::new(), after).await?)
}

/// A refused import's report, read back from the error's details for the page.
#[derive(Deserialize)]
struct ReportIn {
    rows: usize,
    good: usize,
    bad: usize,
    problems: Vec<ProblemIn>,
}

#[derive(Deserialize)]
struct ProblemIn {
    row: usize,
    field: String,
    code: String,
    message: String,
}

impl ReportIn {
    fn into_report(self) -> Report {
        Report {
            rows: self.rows,
            good: self.good,
            bad: self.bad,
            problems: self
                .problems
                .into_iter()
                .map(|p| import::Problem {
                    row: p.row,
                    field: p.field,
                    code: p.code,
                    message: p.message,
                })
                .collect(),
            imported: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "volunteers/reg_detail.html")]
struct DetailPage {
    l: Layout,
    v: RowView,
    may_write: bool,
    error: String,
}

pub(super) async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render_detail(&s, lang, &p, volunteer_id(&id)?, None).await
}

async fn render_detail(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    error: Option<Error>,
) -> AppResult<Response> {
    may_read(p)?;
    let row = {
        let mut c = s.db.conn().await?;
        reg::row(&mut c.handle(), &p.scope(), id).await?
    };
    let l = Layout::new(lang, Some(p.clone()), "vol.reg.detail_title");
    let status = error
        .as_ref()
        .and_then(|e| StatusCode::from_u16(e.status).ok());
    let page = DetailPage {
        v: row_view(&l.t, &row),
        may_write: p.may(Permission::Organise),
        error: error.map(|e| l.t.error(&e)).unwrap_or_default(),
        l,
    };
    let mut r = no_store(render(page));
    if let Some(code) = status {
        *r.status_mut() = code;
    }
    Ok(r)
}

pub(super) async fn leave_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = volunteer_id(&id)?;
    let v = read_form(req).await?;
    match close(&s, &p, id, Status::Left, f(&v, "reason")).await {
        Ok(_) => Ok(Redirect::to(&format!("/vol/volunteers/{id}")).into_response()),
        Err(e) => render_detail(&s, lang, &p, id, Some(on_page(e)?)).await,
    }
}

#[derive(Template)]
#[template(path = "volunteers/reg_apply.html")]
struct ApplyPage {
    l: Layout,
    communities: Vec<Opt>,
    posts: Vec<Opt>,
    form: Fields,
    done: bool,
    error: String,
}

async fn render_apply(
    s: &AppState,
    lang: Lang,
    community: &str,
    form: Fields,
    done: bool,
    error: Option<Error>,
) -> Result<Response, Error> {
    let l = Layout::new(lang, None, "vol.reg.apply_title");
    let communities = {
        let mut c = s.db.conn().await?;
        reg::public_communities(&mut c.handle()).await?
    };
    let status = error
        .as_ref()
        .and_then(|e| StatusCode::from_u16(e.status).ok());
    let page = ApplyPage {
        communities: communities
            .iter()
            .map(|c| Opt {
                value: c.code.clone(),
                label: c.name.clone(),
                selected: c.code == community,
            })
            .collect(),
        posts: options(
            &l.t,
            "vol.reg.post",
            &post_values(),
            if form.post.is_empty() {
                "volunteer"
            } else {
                &form.post
            },
        ),
        form,
        done,
        error: error.map(|e| l.t.error(&e)).unwrap_or_default(),
        l,
    };
    let mut r = no_store(render(page));
    if let Some(code) = status {
        *r.status_mut() = code;
    }
    Ok(r)
}

pub(super) async fn apply_page(
    State(s): State<AppState>,
    lang: Lang,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let mut community: String = q
        .get("community")
        .map(|c| c.trim().chars().take(40).collect())
        .unwrap_or_default();
    if let Some(grid) = q.get("grid").filter(|_| community.is_empty()) {
        let grid: String = grid.trim().chars().take(40).collect();
        let mut c = s.db.conn().await?;
        community = reg::community_of_grid(&mut c.handle(), &grid)
            .await?
            .unwrap_or_default();
    }
    Ok(render_apply(&s, lang, &community, Fields::default(), false, None).await?)
}

pub(super) async fn apply_submit(
    State(s): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    req: Request,
) -> AppResult<Response> {
    let v = read_form(req).await?;
    let fields = form_fields(&v);
    let community = f(&v, "community").chars().take(40).collect::<String>();
    match apply(&s, &ip, &community, &fields).await {
        Ok(_) => Ok(render_apply(&s, lang, &community, Fields::default(), true, None).await?),
        Err(e) => Ok(render_apply(&s, lang, &community, fields, false, Some(e)).await?),
    }
}
