//! Organisations (组织): list with filters (kind, key supervision, grades), one organisation, the form.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::Error;
use wangge_domain::basic::validate::{self, OrgFields};
use wangge_domain::basic::{Grade, OrgKind};
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::basic::orgs::{self, Filter, OrgRow};
use wangge_store::basic::{Secret, history, web_support};

use super::people::SaveError;
use super::{
    Fact, Fields, FormBuilder, ListPage, ListRow, Opt, RecordPage, SecretView, SelectView,
    access_of, actor, coded_label, coded_options, f, fact, form_page, grid_options, history_view,
    next_href, no_store, node_options, opt_text, parse_after, parse_id, read_form, reveal_secret,
    status_of, under_path,
};
use crate::api_basic::{
    RevealReq, fields_of, history_json, limit_of, revealed_json, rows_page_json, saved,
};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, render, time_text};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list_page))
        .route("/orgs/new", get(new_page).post(create))
        .route("/orgs/{id}", get(detail_page))
        .route("/orgs/{id}/edit", get(edit_page).post(update))
        .route("/orgs/{id}/reveal", post(reveal))
        .route("/orgs/{id}/remove", post(remove))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs", get(api_list).post(api_create))
        .route(
            "/api/v1/orgs/{id}",
            get(api_get).put(api_update).delete(api_remove),
        )
        .route("/api/v1/orgs/{id}/reveal", post(api_reveal))
}

const SECRETS: [Secret; 1] = [Secret::OrgContactPhone];
const PAGE: i64 = 50;

fn kind_label(t: &Tr, code: &str) -> String {
    match OrgKind::parse(code) {
        Some(u) => coded_label(t, "org_kind", code, u.label_zh()),
        None => code.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    under: Option<String>,
    kind: Option<String>,
    key_supervised: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

fn val(s: &Option<String>) -> &str {
    s.as_deref().map(str::trim).unwrap_or("")
}

async fn parse_list(
    h: &mut wangge_store::Handle<'_>,
    p: &Principal,
    q: &ListQuery,
) -> Result<(Filter, Option<i64>), Error> {
    let kind = match val(&q.kind) {
        "" => None,
        v => Some(OrgKind::parse(v).ok_or_else(|| err!("basic.filter_invalid", value = v))?),
    };
    let key_supervised = match val(&q.key_supervised) {
        "" => None,
        v => {
            Some(validate::parse_bool("key_supervised", v).map_err(|e| super::fields_error(&[e]))?)
        }
    };
    let text = val(&q.q);
    Ok((
        Filter {
            under: under_path(h, &p.scope(), val(&q.under)).await?,
            q: (!text.is_empty()).then(|| text.chars().take(60).collect()),
            kind,
            key_supervised,
            include_removed: false,
        },
        parse_after(q.after.as_deref())?,
    ))
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (filter, after) = parse_list(h, &p, &q).await?;
    let rows = orgs::list(h, &scope, &filter, after, PAGE + 1).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.orgs_title");
    let t = l.t;
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<OrgRow> = rows.into_iter().take(PAGE as usize).collect();
    let params = [
        ("q", val(&q.q)),
        ("under", val(&q.under)),
        ("kind", val(&q.kind)),
        ("key_supervised", val(&q.key_supervised)),
    ];
    let kinds: Vec<(&'static str, &'static str)> = pairs!(OrgKind);
    Ok(render(ListPage {
        base: "/orgs".into(),
        new_href: if a.write {
            "/orgs/new".into()
        } else {
            String::new()
        },
        new_label: t.s("basic.org_new").into(),
        placeholder: t.s("basic.orgs_search").into(),
        q: val(&q.q).into(),
        nodes: node_options(h, &p, val(&q.under)).await?,
        selects: vec![
            SelectView {
                name: "kind".into(),
                all_label: t.s("basic.all_kinds").into(),
                options: coded_options(&t, "org_kind", &kinds, val(&q.kind)),
            },
            SelectView {
                name: "key_supervised".into(),
                all_label: t.s("basic.all_supervision").into(),
                options: vec![
                    Opt {
                        value: "true".into(),
                        label: t.s("basic.key_supervised").into(),
                        selected: val(&q.key_supervised) == "true",
                    },
                    Opt {
                        value: "false".into(),
                        label: t.s("common.no").into(),
                        selected: val(&q.key_supervised) == "false",
                    },
                ],
            },
        ],
        columns: [
            "bf.name",
            "bf.kind",
            "bf.contact_name",
            "bf.safety_grade",
            "bf.grid_code",
        ]
        .iter()
        .map(|k| t.s(k).to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|r| ListRow {
                href: format!("/orgs/{}", r.id),
                cells: vec![
                    r.name.clone(),
                    format!(
                        "{}{}",
                        kind_label(&t, &r.kind),
                        if r.key_supervised { " ★" } else { "" }
                    ),
                    r.contact_name.clone(),
                    format!(
                        "{} / {}",
                        r.safety_grade.as_deref().unwrap_or("—"),
                        r.env_grade.as_deref().unwrap_or("—")
                    ),
                    r.grid_name.clone(),
                ],
            })
            .collect(),
        next_href: next_href(
            "/orgs",
            &params,
            if more {
                rows.last().map(|r| r.id)
            } else {
                None
            },
        ),
        first_href: next_href("/orgs", &params, Some(0)).replace("after=0", ""),
        paged: after.is_some(),
        l,
    }))
}

fn facts(t: &Tr, r: &OrgRow) -> Vec<Fact> {
    let mut grid = fact(
        t,
        "bf.grid_code",
        format!("{} {}", r.grid_name, r.grid_code),
    );
    grid.href = format!("/grids/{}", r.grid_code);
    let yes_no = |b: bool| t.s(if b { "common.yes" } else { "common.no" }).to_string();
    vec![
        fact(t, "bf.kind", kind_label(t, &r.kind)),
        grid,
        fact(t, "bf.credit_code", opt_text(&r.credit_code)),
        fact(t, "bf.contact_name", r.contact_name.clone()),
        fact(t, "bf.address", r.address.clone()),
        fact(t, "bf.safety_grade", opt_text(&r.safety_grade)),
        fact(t, "bf.env_grade", opt_text(&r.env_grade)),
        fact(t, "bf.key_supervised", yes_no(r.key_supervised)),
        fact(t, "basic.updated_at", time_text(r.updated_at)),
    ]
}

async fn detail_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    revealed: Option<(Secret, String)>,
    reveal_error: String,
    done: String,
) -> Result<Response, Error> {
    let a = access_of(p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = orgs::get(h, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Orgs, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.org_title");
    let t = l.t;
    let shown = |sec: Secret| match &revealed {
        Some((x, v)) if *x == sec => v.clone(),
        _ => String::new(),
    };
    let mut secrets = Vec::new();
    if let Some(m) = &r.contact_phone_masked {
        secrets.push(SecretView {
            secret: Secret::OrgContactPhone.as_str().into(),
            label: t.s("bf.contact_phone").into(),
            masked: m.clone(),
            revealed: shown(Secret::OrgContactPhone),
        });
    }
    Ok(no_store(render(RecordPage {
        heading: r.address.clone(),
        back_href: "/orgs".into(),
        back_label: t.s("basic.orgs_title").into(),
        base: format!("/orgs/{id}"),
        removed: r.removed_at.is_some(),
        write: a.write,
        reveal: a.reveal,
        done,
        facts: facts(&t, &r),
        secrets,
        reveal_error,
        occupants: Vec::new(),
        show_occupants: false,
        history: history_view(
            &t,
            &hist,
            &serde_json::json!(r),
            &[
                ("name", "bf.name"),
                ("kind", "bf.kind"),
                ("credit_code", "bf.credit_code"),
                ("contact_name", "bf.contact_name"),
                ("contact_phone_masked", "bf.contact_phone"),
                ("address", "bf.address"),
                ("safety_grade", "bf.safety_grade"),
                ("env_grade", "bf.env_grade"),
                ("key_supervised", "bf.key_supervised"),
            ],
            |col, v| (col == "kind").then(|| kind_label(&t, v)),
        ),
        l,
    })))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn detail_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    Ok(detail_view(
        &s,
        lang,
        &p,
        id,
        None,
        String::new(),
        q.done.unwrap_or_default(),
    )
    .await?)
}

async fn reveal(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let form = read_form(req).await?;
    match reveal_secret(&s, &p, &SECRETS, f(&form, "secret"), id, f(&form, "reason")).await {
        Ok(v) => Ok(detail_view(&s, lang, &p, id, Some(v), String::new(), String::new()).await?),
        Err(e) if e.status == 404 || e.status == 403 => Err(AppError(e)),
        Err(e) => {
            let mut r = detail_view(
                &s,
                lang,
                &p,
                id,
                None,
                Tr::new(lang).error(&e),
                String::new(),
            )
            .await?;
            *r.status_mut() = status_of(&e);
            Ok(r)
        }
    }
}

async fn remove_org(s: &AppState, p: &Principal, id: i64) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let mut tx = s.db.begin().await?;
    orgs::remove(&mut tx.handle(), &p.scope(), &actor(p), id, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn remove(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    remove_org(&s, &p, id).await?;
    Ok(Redirect::to(&format!("/orgs/{id}?done=removed")).into_response())
}

// ---------- the form ----------

fn org_fields(m: &Fields) -> OrgFields<'_> {
    OrgFields {
        grid_code: f(m, "grid_code"),
        name: f(m, "name"),
        kind: f(m, "kind"),
        credit_code: f(m, "credit_code"),
        contact_name: f(m, "contact_name"),
        contact_phone: f(m, "contact_phone"),
        address: f(m, "address"),
        safety_grade: f(m, "safety_grade"),
        env_grade: f(m, "env_grade"),
        key_supervised: f(m, "key_supervised"),
    }
}

fn values_of(r: &OrgRow) -> Fields {
    let mut m = Fields::new();
    for (k, v) in [
        ("grid_code", r.grid_code.clone()),
        ("name", r.name.clone()),
        ("kind", r.kind.clone()),
        ("credit_code", opt_text(&r.credit_code)),
        ("contact_name", r.contact_name.clone()),
        ("address", r.address.clone()),
        ("safety_grade", opt_text(&r.safety_grade)),
        ("env_grade", opt_text(&r.env_grade)),
        ("key_supervised", r.key_supervised.to_string()),
    ] {
        m.insert(k.to_string(), v);
    }
    m
}

pub async fn save_org(
    s: &AppState,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
) -> Result<i64, SaveError> {
    access_of(p)?.require_write()?;
    let scope = p.scope();
    let mut values = values.clone();
    let mut tx = s.db.begin().await?;
    if let Some(id) = id {
        let h = &mut tx.handle();
        for (name, secret) in [("contact_phone", Secret::OrgContactPhone)] {
            if f(&values, name).is_empty()
                && let Some(v) = web_support::current_secret(h, &s.keys, &scope, secret, id).await?
            {
                values.insert(name.to_string(), v);
            }
        }
    }
    let org = validate::org(&org_fields(&values)).map_err(SaveError::Fields)?;
    let now = s.now();
    let h = &mut tx.handle();
    let id = match id {
        Some(id) => {
            orgs::update(h, &s.keys, &scope, &actor(p), id, &org, now).await?;
            id
        }
        None => orgs::insert(h, &s.keys, &scope, &actor(p), &org, now).await?,
    };
    tx.commit().await?;
    Ok(id)
}

async fn form_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
    errors: &[validate::FieldError],
    general: Option<&Error>,
) -> Result<Response, Error> {
    let mut c = s.db.conn().await?;
    let grids = grid_options(&mut c.handle(), &p.scope(), "").await?;
    let l = Layout::new(
        lang,
        Some(p.clone()),
        if id.is_some() {
            "basic.org_edit"
        } else {
            "basic.org_new"
        },
    );
    let t = l.t;
    let keep = if id.is_some() {
        t.s("basic.keep_blank")
    } else {
        ""
    };
    let kinds: Vec<(&'static str, &'static str)> = pairs!(OrgKind);
    let grades: Vec<(&'static str, &'static str)> = pairs!(Grade);
    let mut b = FormBuilder::new(&t, values, errors);
    b.select("grid_code", true, grids);
    b.add("name", "text", true);
    b.select("kind", true, coded_options(&t, "org_kind", &kinds, ""));
    b.add("credit_code", "text", false);
    b.add("contact_name", "text", true);
    b.add("contact_phone", "tel", false).hint = keep.into();
    b.add("address", "text", true);
    b.select(
        "safety_grade",
        false,
        coded_options(&t, "grade", &grades, ""),
    );
    b.select("env_grade", false, coded_options(&t, "grade", &grades, ""));
    b.yes_no("key_supervised");
    let (action, back) = match id {
        Some(i) => (format!("/orgs/{i}/edit"), format!("/orgs/{i}")),
        None => ("/orgs/new".to_string(), "/orgs".to_string()),
    };
    Ok(form_page(l, action, back, b, general))
}

async fn new_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    access_of(&p)?.require_write()?;
    let mut v = Fields::new();
    if p.node_kind == "grid" {
        v.insert("grid_code".into(), p.node_code.clone());
    }
    Ok(form_view(&s, lang, &p, None, &v, &[], None).await?)
}

async fn edit_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    access_of(&p)?.require_write()?;
    let row = {
        let mut c = s.db.conn().await?;
        orgs::get(&mut c.handle(), &p.scope(), id).await?
    };
    Ok(form_view(&s, lang, &p, Some(id), &values_of(&row), &[], None).await?)
}

async fn save_form(
    s: AppState,
    lang: Lang,
    p: Principal,
    id: Option<i64>,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let (errs, general) = match save_org(&s, &p, id, &values).await {
        Ok(id) => return Ok(Redirect::to(&format!("/orgs/{id}?done=saved")).into_response()),
        Err(e) => e.into_form()?,
    };
    Ok(form_view(&s, lang, &p, id, &values, &errs, general.as_ref()).await?)
}

async fn create(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    save_form(s, lang, p, None, req).await
}

async fn update(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save_form(s, lang, p, Some(id), req).await
}

// ---------- API ----------

async fn api_list(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    access_of(&p)?;
    let limit = limit_of(q.limit.as_deref())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (filter, after) = parse_list(h, &p, &q).await?;
    let rows = orgs::list(h, &p.scope(), &filter, after, limit).await?;
    Ok(Json(rows_page_json(&rows, limit, |r| r.id)))
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    access_of(&p)?;
    let id = parse_id(&id)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = orgs::get(h, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Orgs, id).await?;
    let mut v = json!(r);
    if let Some(o) = v.as_object_mut() {
        o.insert("history".into(), json!(history_json(&hist)));
    }
    Ok(Json(v))
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    crate::form::ApiJson(body): crate::form::ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let id = save_org(&s, &p, None, &fields_of(&body)?)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::CREATED, id))
}

async fn api_update(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    crate::form::ApiJson(body): crate::form::ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save_org(&s, &p, Some(id), &fields_of(&body)?)
        .await
        .map_err(SaveError::into_error)?;
    Ok(saved(StatusCode::OK, id))
}

async fn api_remove(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = parse_id(&id)?;
    remove_org(&s, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_reveal(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    crate::form::ApiJson(r): crate::form::ApiJson<RevealReq>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (secret, value) = reveal_secret(&s, &p, &SECRETS, &r.secret, id, &r.reason).await?;
    Ok(revealed_json(secret, value))
}
