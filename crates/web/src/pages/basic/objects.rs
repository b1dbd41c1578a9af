//! Objects (部件): list with kind and condition filters, one object, the form. An object's
//! point must lie inside its grid.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::Error;
use wangge_domain::basic::validate::{self, ObjectFields};
use wangge_domain::basic::{Condition, ObjectKind};
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::basic::history;
use wangge_store::basic::objects::{self, Filter, ObjectRow};

use super::people::SaveError;
use super::{
    Fact, Fields, FormBuilder, ListPage, ListRow, RecordPage, SelectView, access_of, actor,
    check_point, coded_label, coded_options, f, fact, form_page, grid_options, history_view,
    next_href, no_store, node_options, opt_text, parse_after, parse_id, read_form, under_path,
};
use crate::api_basic::{fields_of, history_json, limit_of, rows_page_json, saved};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, render, time_text};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/objects", get(list_page))
        .route("/objects/new", get(new_page).post(create))
        .route("/objects/{id}", get(detail_page))
        .route("/objects/{id}/edit", get(edit_page).post(update))
        .route("/objects/{id}/remove", post(remove))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/objects", get(api_list).post(api_create))
        .route(
            "/api/v1/objects/{id}",
            get(api_get).put(api_update).delete(api_remove),
        )
}

const PAGE: i64 = 50;

fn kind_label(t: &Tr, code: &str) -> String {
    match ObjectKind::parse(code) {
        Some(k) => coded_label(t, "object_kind", code, k.label_zh()),
        None => code.to_string(),
    }
}

fn condition_label(t: &Tr, code: &str) -> String {
    match Condition::parse(code) {
        Some(k) => coded_label(t, "condition", code, k.label_zh()),
        None => code.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    under: Option<String>,
    kind: Option<String>,
    condition: Option<String>,
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
        v => Some(ObjectKind::parse(v).ok_or_else(|| err!("basic.filter_invalid", value = v))?),
    };
    let condition = match val(&q.condition) {
        "" => None,
        v => Some(Condition::parse(v).ok_or_else(|| err!("basic.filter_invalid", value = v))?),
    };
    let text = val(&q.q);
    Ok((
        Filter {
            under: under_path(h, &p.scope(), val(&q.under)).await?,
            q: (!text.is_empty()).then(|| text.chars().take(60).collect()),
            kind,
            condition,
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
    let rows = objects::list(h, &scope, &filter, after, PAGE + 1).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.objects_title");
    let t = l.t;
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<ObjectRow> = rows.into_iter().take(PAGE as usize).collect();
    let params = [
        ("q", val(&q.q)),
        ("under", val(&q.under)),
        ("kind", val(&q.kind)),
        ("condition", val(&q.condition)),
    ];
    let kinds: Vec<(&'static str, &'static str)> = pairs!(ObjectKind);
    let conditions: Vec<(&'static str, &'static str)> = pairs!(Condition);
    Ok(render(ListPage {
        base: "/objects".into(),
        new_href: if a.write {
            "/objects/new".into()
        } else {
            String::new()
        },
        new_label: t.s("basic.object_new").into(),
        placeholder: t.s("basic.objects_search").into(),
        q: val(&q.q).into(),
        nodes: node_options(h, &p, val(&q.under)).await?,
        selects: vec![
            SelectView {
                name: "kind".into(),
                all_label: t.s("basic.all_kinds").into(),
                options: coded_options(&t, "object_kind", &kinds, val(&q.kind)),
            },
            SelectView {
                name: "condition".into(),
                all_label: t.s("basic.all_conditions").into(),
                options: coded_options(&t, "condition", &conditions, val(&q.condition)),
            },
        ],
        columns: ["bf.code", "bf.kind", "bf.condition", "bf.grid_code"]
            .iter()
            .map(|k| t.s(k).to_string())
            .collect(),
        rows: rows
            .iter()
            .map(|r| ListRow {
                href: format!("/objects/{}", r.id),
                cells: vec![
                    r.code.clone(),
                    kind_label(&t, &r.kind),
                    condition_label(&t, &r.condition),
                    r.grid_name.clone(),
                ],
            })
            .collect(),
        next_href: next_href(
            "/objects",
            &params,
            if more {
                rows.last().map(|r| r.id)
            } else {
                None
            },
        ),
        first_href: next_href("/objects", &params, Some(0)).replace("after=0", ""),
        paged: after.is_some(),
        l,
    }))
}

fn facts(t: &Tr, r: &ObjectRow) -> Vec<Fact> {
    let mut grid = fact(
        t,
        "bf.grid_code",
        format!("{} {}", r.grid_name, r.grid_code),
    );
    grid.href = format!("/grids/{}", r.grid_code);
    vec![
        fact(t, "bf.kind", kind_label(t, &r.kind)),
        grid,
        fact(t, "bf.condition", condition_label(t, &r.condition)),
        fact(t, "bf.point", format!("{:.6}, {:.6}", r.lon, r.lat)),
        fact(t, "bf.note", opt_text(&r.note)),
        fact(t, "basic.updated_at", time_text(r.updated_at)),
    ]
}

async fn detail_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    done: String,
) -> Result<Response, Error> {
    let a = access_of(p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = objects::get(h, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Objects, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.object_title");
    let t = l.t;
    Ok(no_store(render(RecordPage {
        heading: r.code.clone(),
        back_href: "/objects".into(),
        back_label: t.s("basic.objects_title").into(),
        base: format!("/objects/{id}"),
        removed: r.removed_at.is_some(),
        write: a.write,
        reveal: false,
        done,
        facts: facts(&t, &r),
        secrets: Vec::new(),
        reveal_error: String::new(),
        occupants: Vec::new(),
        show_occupants: false,
        history: history_view(
            &t,
            &hist,
            &serde_json::json!(r),
            &[
                ("code", "bf.code"),
                ("kind", "bf.kind"),
                ("lon", "bf.lon"),
                ("lat", "bf.lat"),
                ("condition", "bf.condition"),
                ("note", "bf.note"),
            ],
            |col, v| match col {
                "kind" => Some(kind_label(&t, v)),
                "condition" => Some(condition_label(&t, v)),
                _ => None,
            },
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
    Ok(detail_view(&s, lang, &p, id, q.done.unwrap_or_default()).await?)
}

async fn remove_object(s: &AppState, p: &Principal, id: i64) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let mut tx = s.db.begin().await?;
    objects::remove(&mut tx.handle(), &p.scope(), &actor(p), id, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn remove(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    remove_object(&s, &p, id).await?;
    Ok(Redirect::to(&format!("/objects/{id}?done=removed")).into_response())
}

// ---------- the form ----------

fn object_fields(m: &Fields) -> ObjectFields<'_> {
    ObjectFields {
        grid_code: f(m, "grid_code"),
        code: f(m, "code"),
        kind: f(m, "kind"),
        lon: f(m, "lon"),
        lat: f(m, "lat"),
        condition: f(m, "condition"),
        note: f(m, "note"),
    }
}

fn values_of(r: &ObjectRow) -> Fields {
    let mut m = Fields::new();
    for (k, v) in [
        ("grid_code", r.grid_code.clone()),
        ("code", r.code.clone()),
        ("kind", r.kind.clone()),
        ("lon", r.lon.to_string()),
        ("lat", r.lat.to_string()),
        ("condition", r.condition.clone()),
        ("note", opt_text(&r.note)),
    ] {
        m.insert(k.to_string(), v);
    }
    m
}

pub async fn save_object(
    s: &AppState,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
) -> Result<i64, SaveError> {
    access_of(p)?.require_write()?;
    let scope = p.scope();
    let object = validate::object(&object_fields(values)).map_err(SaveError::Fields)?;
    check_point(s, &object.grid_code, Some(object.point))
        .map_err(|e| SaveError::Fields(vec![e]))?;
    let now = s.now();
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    let id = match id {
        Some(id) => {
            objects::update(h, &scope, &actor(p), id, &object, now).await?;
            id
        }
        None => objects::insert(h, &scope, &actor(p), &object, now).await?,
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
            "basic.object_edit"
        } else {
            "basic.object_new"
        },
    );
    let t = l.t;
    let kinds: Vec<(&'static str, &'static str)> = pairs!(ObjectKind);
    let conditions: Vec<(&'static str, &'static str)> = pairs!(Condition);
    let mut b = FormBuilder::new(&t, values, errors);
    b.select("grid_code", true, grids);
    b.add("code", "text", true);
    b.select("kind", true, coded_options(&t, "object_kind", &kinds, ""));
    b.add("lon", "number", true).hint = t.s("basic.point_hint").into();
    b.add("lat", "number", true);
    b.select(
        "condition",
        false,
        coded_options(&t, "condition", &conditions, ""),
    );
    b.add("note", "textarea", false);
    let (action, back) = match id {
        Some(i) => (format!("/objects/{i}/edit"), format!("/objects/{i}")),
        None => ("/objects/new".to_string(), "/objects".to_string()),
    };
    Ok(form_page(l, action, back, b, general))
}

async fn new_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    access_of(&p)?.require_write()?;
    let mut v = Fields::new();
    if p.node_kind == "grid" {
        v.insert("grid_code".into(), p.node_code.clone());
    }
    v.insert("condition".into(), "good".into());
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
        objects::get(&mut c.handle(), &p.scope(), id).await?
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
    let (errs, general) = match save_object(&s, &p, id, &values).await {
        Ok(id) => return Ok(Redirect::to(&format!("/objects/{id}?done=saved")).into_response()),
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
    let rows = objects::list(h, &p.scope(), &filter, after, limit).await?;
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
    let r = objects::get(h, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Objects, id).await?;
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
    let id = save_object(&s, &p, None, &fields_of(&body)?)
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
    save_object(&s, &p, Some(id), &fields_of(&body)?)
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
    remove_object(&s, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
