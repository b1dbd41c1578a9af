//! Houses (房屋): list with address search, a house with its occupants and rental, the form.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::Error;
use wangge_domain::basic::HouseUse;
use wangge_domain::basic::validate::{self, HouseFields};
use wangge_domain::err;
use wangge_store::auth::Principal;
use wangge_store::basic::houses::{self, Filter, HouseRow};
use wangge_store::basic::{Secret, history, web_support};

use super::people::{SaveError, row_view};
use super::{
    Fact, Fields, FormBuilder, ListPage, ListRow, RecordPage, SecretView, SelectView, access_of,
    actor, check_point, coded_label, coded_options, f, fact, form_page, grid_options, history_view,
    next_href, no_store, node_options, num_text, opt_text, parse_after, parse_id, read_form,
    reveal_secret, status_of, under_path,
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
        .route("/houses", get(list_page))
        .route("/houses/new", get(new_page).post(create))
        .route("/houses/{id}", get(detail_page))
        .route("/houses/{id}/edit", get(edit_page).post(update))
        .route("/houses/{id}/reveal", post(reveal))
        .route("/houses/{id}/remove", post(remove))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/houses", get(api_list).post(api_create))
        .route(
            "/api/v1/houses/{id}",
            get(api_get).put(api_update).delete(api_remove),
        )
        .route("/api/v1/houses/{id}/reveal", post(api_reveal))
}

const SECRETS: [Secret; 2] = [Secret::HouseOwnerPhone, Secret::HouseTenantPhone];
const PAGE: i64 = 50;

fn use_label(t: &Tr, code: &str) -> String {
    match HouseUse::parse(code) {
        Some(u) => coded_label(t, "house_use", code, u.label_zh()),
        None => code.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    under: Option<String>,
    #[serde(rename = "use")]
    use_kind: Option<String>,
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
    let use_kind = match val(&q.use_kind) {
        "" => None,
        v => Some(HouseUse::parse(v).ok_or_else(|| err!("basic.filter_invalid", value = v))?),
    };
    let text = val(&q.q);
    Ok((
        Filter {
            under: under_path(h, &p.scope(), val(&q.under)).await?,
            q: (!text.is_empty()).then(|| text.chars().take(60).collect()),
            use_kind,
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
    let rows = houses::list(h, &scope, &filter, after, PAGE + 1).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.houses_title");
    let t = l.t;
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<HouseRow> = rows.into_iter().take(PAGE as usize).collect();
    let params = [
        ("q", val(&q.q)),
        ("under", val(&q.under)),
        ("use", val(&q.use_kind)),
    ];
    let uses: Vec<(&'static str, &'static str)> = pairs!(HouseUse);
    Ok(render(ListPage {
        base: "/houses".into(),
        new_href: if a.write {
            "/houses/new".into()
        } else {
            String::new()
        },
        new_label: t.s("basic.house_new").into(),
        placeholder: t.s("basic.houses_search").into(),
        q: val(&q.q).into(),
        nodes: node_options(h, &p, val(&q.under)).await?,
        selects: vec![SelectView {
            name: "use".into(),
            all_label: t.s("basic.all_uses").into(),
            options: coded_options(&t, "house_use", &uses, val(&q.use_kind)),
        }],
        columns: [
            "bf.address",
            "bf.use_kind",
            "bf.owner_name",
            "basic.occupants",
            "bf.grid_code",
        ]
        .iter()
        .map(|k| t.s(k).to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|r| ListRow {
                href: format!("/houses/{}", r.id),
                cells: vec![
                    r.address.clone(),
                    use_label(&t, &r.use_kind),
                    r.owner_name.clone(),
                    r.occupants.to_string(),
                    r.grid_name.clone(),
                ],
            })
            .collect(),
        next_href: next_href(
            "/houses",
            &params,
            if more {
                rows.last().map(|r| r.id)
            } else {
                None
            },
        ),
        first_href: next_href("/houses", &params, Some(0)).replace("after=0", ""),
        paged: after.is_some(),
        l,
    }))
}

fn facts(t: &Tr, r: &HouseRow) -> Vec<Fact> {
    let mut grid = fact(
        t,
        "bf.grid_code",
        format!("{} {}", r.grid_name, r.grid_code),
    );
    grid.href = format!("/grids/{}", r.grid_code);
    let mut v = vec![
        fact(t, "bf.address", r.address.clone()),
        grid,
        fact(t, "bf.use_kind", use_label(t, &r.use_kind)),
        fact(t, "bf.owner_name", r.owner_name.clone()),
    ];
    if let Some(a) = r.area_m2 {
        v.push(fact(t, "bf.area_m2", format!("{a}")));
    }
    if let (Some(lon), Some(lat)) = (r.lon, r.lat) {
        v.push(fact(t, "bf.point", format!("{lon:.6}, {lat:.6}")));
    }
    if let Some(n) = &r.tenant_name {
        v.push(fact(t, "bf.tenant_name", n.clone()));
        v.push(fact(t, "bf.rental_start", opt_text(&r.rent_start)));
        if let Some(e) = &r.rent_end {
            v.push(fact(t, "bf.rental_end", e.clone()));
        }
    }
    v.push(fact(t, "basic.updated_at", time_text(r.updated_at)));
    v
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
    let r = houses::get(h, &scope, id).await?;
    let occupants = houses::occupants(h, &s.keys, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Houses, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.house_title");
    let t = l.t;
    let shown = |sec: Secret| match &revealed {
        Some((x, v)) if *x == sec => v.clone(),
        _ => String::new(),
    };
    let mut secrets = Vec::new();
    if let Some(m) = &r.owner_phone_masked {
        secrets.push(SecretView {
            secret: Secret::HouseOwnerPhone.as_str().into(),
            label: t.s("bf.owner_phone").into(),
            masked: m.clone(),
            revealed: shown(Secret::HouseOwnerPhone),
        });
    }
    if let Some(m) = &r.tenant_phone_masked {
        secrets.push(SecretView {
            secret: Secret::HouseTenantPhone.as_str().into(),
            label: t.s("bf.tenant_phone").into(),
            masked: m.clone(),
            revealed: shown(Secret::HouseTenantPhone),
        });
    }
    Ok(no_store(render(RecordPage {
        heading: r.address.clone(),
        back_href: "/houses".into(),
        back_label: t.s("basic.houses_title").into(),
        base: format!("/houses/{id}"),
        removed: r.removed_at.is_some(),
        write: a.write,
        reveal: a.reveal,
        done,
        facts: facts(&t, &r),
        secrets,
        reveal_error,
        occupants: occupants.iter().map(|m| row_view(&t, m)).collect(),
        show_occupants: true,
        history: history_view(
            &t,
            &hist,
            &serde_json::json!(r),
            &[
                ("address", "bf.address"),
                ("use_kind", "bf.use_kind"),
                ("owner_name", "bf.owner_name"),
                ("owner_phone_masked", "bf.owner_phone"),
                ("area_m2", "bf.area_m2"),
                ("lon", "bf.lon"),
                ("lat", "bf.lat"),
                ("tenant_name", "bf.tenant_name"),
                ("tenant_phone_masked", "bf.tenant_phone"),
                ("rent_start", "bf.rental_start"),
                ("rent_end", "bf.rental_end"),
            ],
            |col, v| (col == "use_kind").then(|| use_label(&t, v)),
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

async fn remove_house(s: &AppState, p: &Principal, id: i64) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let mut tx = s.db.begin().await?;
    houses::remove(&mut tx.handle(), &p.scope(), &actor(p), id, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn remove(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    remove_house(&s, &p, id).await?;
    Ok(Redirect::to(&format!("/houses/{id}?done=removed")).into_response())
}

// ---------- the form ----------

fn house_fields(m: &Fields) -> HouseFields<'_> {
    HouseFields {
        grid_code: f(m, "grid_code"),
        building: f(m, "building"),
        unit: f(m, "unit"),
        room: f(m, "room"),
        use_kind: f(m, "use_kind"),
        owner_name: f(m, "owner_name"),
        owner_phone: f(m, "owner_phone"),
        area_m2: f(m, "area_m2"),
        lon: f(m, "lon"),
        lat: f(m, "lat"),
        tenant_name: f(m, "tenant_name"),
        tenant_phone: f(m, "tenant_phone"),
        rental_start: f(m, "rental_start"),
        rental_end: f(m, "rental_end"),
    }
}

fn values_of(r: &HouseRow) -> Fields {
    let mut m = Fields::new();
    for (k, v) in [
        ("grid_code", r.grid_code.clone()),
        ("building", r.building.clone()),
        ("unit", r.unit.clone()),
        ("room", r.room.clone()),
        ("use_kind", r.use_kind.clone()),
        ("owner_name", r.owner_name.clone()),
        ("area_m2", num_text(r.area_m2)),
        ("lon", num_text(r.lon)),
        ("lat", num_text(r.lat)),
        ("tenant_name", opt_text(&r.tenant_name)),
        ("rental_start", opt_text(&r.rent_start)),
        ("rental_end", opt_text(&r.rent_end)),
    ] {
        m.insert(k.to_string(), v);
    }
    m
}

pub async fn save_house(
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
        for (name, secret) in [
            ("owner_phone", Secret::HouseOwnerPhone),
            ("tenant_phone", Secret::HouseTenantPhone),
        ] {
            if f(&values, name).is_empty()
                && let Some(v) = web_support::current_secret(h, &s.keys, &scope, secret, id).await?
            {
                values.insert(name.to_string(), v);
            }
        }
    }
    let house = validate::house(&house_fields(&values)).map_err(SaveError::Fields)?;
    check_point(s, &house.grid_code, house.point).map_err(|e| SaveError::Fields(vec![e]))?;
    let now = s.now();
    let h = &mut tx.handle();
    let id = match id {
        Some(id) => {
            houses::update(h, &s.keys, &scope, &actor(p), id, &house, now).await?;
            id
        }
        None => houses::insert(h, &s.keys, &scope, &actor(p), &house, now).await?,
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
            "basic.house_edit"
        } else {
            "basic.house_new"
        },
    );
    let t = l.t;
    let keep = if id.is_some() {
        t.s("basic.keep_blank")
    } else {
        ""
    };
    let uses: Vec<(&'static str, &'static str)> = pairs!(HouseUse);
    let mut b = FormBuilder::new(&t, values, errors);
    b.select("grid_code", true, grids);
    b.add("building", "text", true);
    b.add("unit", "text", false);
    b.add("room", "text", true);
    b.select("use_kind", true, coded_options(&t, "house_use", &uses, ""));
    b.add("owner_name", "text", true);
    b.add("owner_phone", "tel", false).hint = keep.into();
    b.add("area_m2", "number", false);
    b.add("lon", "number", false).hint = t.s("basic.point_hint").into();
    b.add("lat", "number", false);
    b.add("tenant_name", "text", false);
    b.add("tenant_phone", "tel", false).hint = keep.into();
    b.add("rental_start", "date", false);
    b.add("rental_end", "date", false);
    let (action, back) = match id {
        Some(i) => (format!("/houses/{i}/edit"), format!("/houses/{i}")),
        None => ("/houses/new".to_string(), "/houses".to_string()),
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
        houses::get(&mut c.handle(), &p.scope(), id).await?
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
    let (errs, general) = match save_house(&s, &p, id, &values).await {
        Ok(id) => return Ok(Redirect::to(&format!("/houses/{id}?done=saved")).into_response()),
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
    let rows = houses::list(h, &p.scope(), &filter, after, limit).await?;
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
    let r = houses::get(h, &scope, id).await?;
    let occupants = houses::occupants(h, &s.keys, &scope, id).await?;
    let hist = history::of(h, &scope, history::Table::Houses, id).await?;
    let mut v = json!(r);
    if let Some(o) = v.as_object_mut() {
        o.insert("occupants".into(), json!(occupants));
        o.insert("history".into(), json!(history_json(&hist)));
    }
    Ok(Json(v))
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    crate::form::ApiJson(body): crate::form::ApiJson<Map<String, Value>>,
) -> AppResult<Response> {
    let id = save_house(&s, &p, None, &fields_of(&body)?)
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
    save_house(&s, &p, Some(id), &fields_of(&body)?)
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
    remove_house(&s, &p, id).await?;
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
