//! Gifts (礼品兑换): `/vol/gifts` shows a volunteer their community's gifts with price and
//! stock, their available points this year, a redeem button and their redemptions (cancel
//! within the month); an organiser adds and edits gifts and sees the redemptions of their area
//! with cancel; the street reads both. API: `GET/POST /api/v1/gifts`,
//! `PATCH /api/v1/gifts/{id}`, `POST /api/v1/gifts/{id}/redeem`, `GET /api/v1/redemptions`,
//! `POST /api/v1/redemptions/{id}/cancel`. Every action is one transaction in the store.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wangge_domain::volunteers::gifts::GiftFields;
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::volunteers::gifts::{self, Gift, GiftChange, Redemption};
use wangge_store::volunteers::ledger::{self, Balance};
use wangge_store::volunteers::register::{self, Volunteer};

use crate::auth::Me;
use crate::basic::access::actor;
use crate::basic::form::{f, no_store, read_form};
use crate::error::{AppError, AppResult};
use crate::form::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/vol/gifts", get(page).post(create_form))
        .route("/vol/gifts/{id}", post(update_form))
        .route("/vol/gifts/{id}/redeem", post(redeem_form))
        .route("/vol/redemptions/{id}/cancel", post(cancel_form))
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/gifts", get(api_list).post(api_create))
        .route("/api/v1/gifts/{id}", axum::routing::patch(api_update))
        .route("/api/v1/gifts/{id}/redeem", post(api_redeem))
        .route("/api/v1/redemptions", get(api_redemptions))
        .route("/api/v1/redemptions/{id}/cancel", post(api_cancel))
}

fn gift_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| err!("volunteers.gift_not_found", id = short(s, 20)))
}

fn redemption_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| err!("volunteers.redemption_not_found", id = short(s, 20)))
}

fn short(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn serves(p: &Principal) -> bool {
    p.may(Permission::Serve)
}

fn organises(p: &Principal) -> bool {
    p.may(Permission::Organise)
}

/// Whether the caller may open the gifts at all: volunteers, organisers and the street.
fn may_see(p: &Principal) -> Result<(), Error> {
    if serves(p) || organises(p) || p.may(Permission::GovernVolunteers) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

/// The volunteer whose account the caller is.
async fn me_volunteer(s: &AppState, p: &Principal) -> Result<Volunteer, Error> {
    let mut c = s.db.conn().await?;
    register::by_user(&mut c.handle(), p.user_id)
        .await?
        .ok_or_else(|| err!("volunteers.not_volunteer"))
}

fn year_now(s: &AppState) -> Result<i32, Error> {
    let m = wangge_store::volunteers::ledger::month_at(s.now())?;
    Ok(m.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0))
}

// ---- Actions (the page and the API share them) ---------------------------------------------

async fn create(
    s: &AppState,
    p: &Principal,
    community_id: Option<i64>,
    fields: &GiftFields,
) -> Result<Gift, Error> {
    if !organises(p) {
        return Err(err!("auth.forbidden"));
    }
    let community = match community_id {
        Some(id) => id,
        None if p.node_kind == NodeKind::Village => p.node_id,
        None => return Err(err!("volunteers.gift_community")),
    };
    let mut tx = s.db.begin().await?;
    let g = gifts::create(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        community,
        fields,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(g)
}

async fn update(s: &AppState, p: &Principal, id: i64, c: &GiftChange) -> Result<Gift, Error> {
    if !organises(p) {
        return Err(err!("auth.forbidden"));
    }
    let mut tx = s.db.begin().await?;
    let g = gifts::update(&mut tx.handle(), &p.scope(), &actor(p), id, c, s.now()).await?;
    tx.commit().await?;
    Ok(g)
}

async fn redeem(s: &AppState, p: &Principal, id: i64) -> Result<Redemption, Error> {
    if !serves(p) {
        return Err(err!("auth.forbidden"));
    }
    let v = me_volunteer(s, p).await?;
    let mut tx = s.db.begin().await?;
    let r = gifts::redeem(&mut tx.handle(), &v, id, &actor(p), s.now()).await?;
    tx.commit().await?;
    Ok(r)
}

async fn cancel(s: &AppState, p: &Principal, id: i64, reason: &str) -> Result<Redemption, Error> {
    let by_volunteer = if serves(p) {
        Some(me_volunteer(s, p).await?.id)
    } else if organises(p) {
        None
    } else {
        return Err(err!("auth.forbidden"));
    };
    let mut tx = s.db.begin().await?;
    let r = gifts::cancel(
        &mut tx.handle(),
        &p.scope(),
        &actor(p),
        id,
        by_volunteer,
        reason,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// What the caller sees: gifts, redemptions and (a volunteer's) balance this year.
struct Listing {
    volunteer: Option<Volunteer>,
    balance: Option<Balance>,
    gifts: Vec<Gift>,
    redemptions: Vec<Redemption>,
}

async fn listing(s: &AppState, p: &Principal) -> Result<Listing, Error> {
    may_see(p)?;
    let year = year_now(s)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    if serves(p) {
        let Some(v) = register::by_user(h, p.user_id).await? else {
            return Ok(Listing {
                volunteer: None,
                balance: None,
                gifts: Vec::new(),
                redemptions: Vec::new(),
            });
        };
        let scope = p.scope();
        let balance = ledger::balance(h, v.id, year).await?;
        let g = gifts::list(h, &scope, Some(v.community_id), true).await?;
        let r = gifts::redemptions(h, &scope, Some(v.id), 100).await?;
        return Ok(Listing {
            volunteer: Some(v),
            balance: Some(balance),
            gifts: g,
            redemptions: r,
        });
    }
    let scope = p.scope();
    Ok(Listing {
        volunteer: None,
        balance: None,
        gifts: gifts::list(h, &scope, None, false).await?,
        redemptions: gifts::redemptions(h, &scope, None, 200).await?,
    })
}

// ---- API -----------------------------------------------------------------------------------

async fn api_list(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let l = listing(&s, &p).await?;
    if serves(&p) && l.volunteer.is_none() {
        return Err(AppError(err!("volunteers.not_volunteer")));
    }
    Ok(no_store(
        Json(json!({ "items": l.gifts, "balance": l.balance })).into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateReq {
    #[serde(default)]
    community_id: Option<i64>,
    name: String,
    #[serde(default)]
    description: String,
    price: i64,
    stock: i64,
}

async fn api_create(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<CreateReq>,
) -> AppResult<Response> {
    let g = create(
        &s,
        &p,
        r.community_id,
        &GiftFields {
            name: r.name,
            description: r.description,
            price: r.price,
            stock: r.stock,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(g)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateReq {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    price: Option<i64>,
    #[serde(default)]
    stock: Option<i64>,
    #[serde(default)]
    active: Option<bool>,
}

async fn api_update(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<UpdateReq>,
) -> AppResult<Json<Gift>> {
    let id = gift_id(&id)?;
    let c = GiftChange {
        name: r.name,
        description: r.description,
        price: r.price,
        stock: r.stock,
        active: r.active,
    };
    Ok(Json(update(&s, &p, id, &c).await?))
}

async fn api_redeem(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = redeem(&s, &p, gift_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

async fn api_redemptions(State(s): State<AppState>, Me(p): Me) -> AppResult<Response> {
    let l = listing(&s, &p).await?;
    if serves(&p) && l.volunteer.is_none() {
        return Err(AppError(err!("volunteers.not_volunteer")));
    }
    Ok(no_store(
        Json(json!({ "items": l.redemptions })).into_response(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CancelReq {
    #[serde(default)]
    reason: String,
}

async fn api_cancel(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Json<Redemption>> {
    let id = redemption_id(&id)?;
    // The body is optional: no body cancels without a reason.
    let r: CancelReq = if body.iter().all(u8::is_ascii_whitespace) {
        CancelReq::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| err!("request.invalid_json", reason = short(&e.to_string(), 200)))?
    };
    Ok(Json(cancel(&s, &p, id, &r.reason).await?))
}

// ---- Pages ---------------------------------------------------------------------------------

struct GiftView {
    id: i64,
    community: String,
    name: String,
    description: String,
    price: i64,
    stock: i64,
    active: bool,
    /// Why a volunteer cannot redeem it now ('' when they can).
    blocked: String,
}

struct RedemptionView {
    id: i64,
    gift: String,
    volunteer: String,
    points: i64,
    at: String,
    status: String,
    cancelled: bool,
    /// Whether the caller may cancel it now.
    cancellable: bool,
    reason: String,
}

struct Community {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "volunteers/gift_page.html")]
struct GiftPage {
    l: Layout,
    error: String,
    is_volunteer: bool,
    not_enrolled: bool,
    organises: bool,
    available: i64,
    earned: i64,
    spent: i64,
    year: i32,
    gifts: Vec<GiftView>,
    redemptions: Vec<RedemptionView>,
    /// Communities an organiser above a community picks from (empty at a community).
    communities: Vec<Community>,
}

async fn render_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let ls = listing(s, p).await?;
    let l = Layout::new(lang, Some(p.clone()), "vol.gifts.title");
    let month = wangge_store::volunteers::ledger::month_at(s.now())?;
    let available = ls.balance.map(|b| b.available).unwrap_or(0);
    let organises = organises(p);
    let communities = if organises && p.node_kind != NodeKind::Village {
        let mut c = s.db.conn().await?;
        gifts::communities(&mut c.handle(), &p.scope(), 300)
            .await?
            .into_iter()
            .map(|(id, code, name)| Community {
                id,
                name: format!("{name} ({code})"),
            })
            .collect()
    } else {
        Vec::new()
    };
    let names: std::collections::HashMap<i64, String> =
        communities.iter().map(|c| (c.id, c.name.clone())).collect();
    let is_volunteer = ls.volunteer.is_some();
    let gift_views = ls
        .gifts
        .iter()
        .map(|g| GiftView {
            id: g.id,
            community: names.get(&g.community_id).cloned().unwrap_or_default(),
            name: g.name.clone(),
            description: g.description.clone(),
            price: g.price,
            stock: g.stock,
            active: g.active,
            blocked: if !is_volunteer {
                String::new()
            } else if g.stock < 1 {
                l.t.s("vol.gifts.none_left").to_string()
            } else if g.price > available {
                l.t.s("vol.gifts.too_dear").to_string()
            } else {
                String::new()
            },
        })
        .collect();
    let redemptions = ls
        .redemptions
        .iter()
        .map(|r| {
            let same_month = wangge_store::volunteers::ledger::month_at(r.created_at)
                .ok()
                .as_deref()
                == Some(&month);
            let same_year = wangge_store::volunteers::ledger::month_at(r.created_at)
                .ok()
                .and_then(|m| m.get(..4).map(str::to_string))
                == month.get(..4).map(str::to_string);
            RedemptionView {
                id: r.id,
                gift: r.gift_name.clone(),
                volunteer: r.volunteer_name.clone(),
                points: r.points,
                at: time_text(r.created_at),
                status: l.t.s(&format!("vol.gifts.status.{}", r.status)).to_string(),
                cancelled: r.status == "cancelled",
                cancellable: r.status == "redeemed"
                    && ((is_volunteer && same_month) || (organises && same_year)),
                reason: r.cancel_reason.clone(),
            }
        })
        .collect();
    let error = error.map(|e| l.t.error(e)).unwrap_or_default();
    let b = ls.balance.unwrap_or_default();
    Ok(no_store(render(GiftPage {
        error,
        is_volunteer,
        not_enrolled: serves(p) && !is_volunteer,
        organises,
        available,
        earned: b.earned,
        spent: b.spent,
        year: year_now(s)?,
        gifts: gift_views,
        redemptions,
        communities,
        l,
    })))
}

async fn page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    Ok(render_page(&s, lang, &p, None).await?)
}

/// After a form: back to the page, or the page again with the error in the user's language.
async fn after(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    outcome: Result<(), Error>,
) -> AppResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to("/vol/gifts").into_response()),
        Err(e) if matches!(e.status, 401 | 403) => Err(AppError(e)),
        Err(e) => {
            let mut r = render_page(s, lang, p, Some(&e)).await?;
            if let Ok(code) = StatusCode::from_u16(e.status) {
                *r.status_mut() = code;
            }
            Ok(r)
        }
    }
}

/// A whole number from a form field; anything else is `code`'s error.
fn number(v: &str, code: &'static str, max: i64) -> Result<i64, Error> {
    v.trim().parse::<i64>().map_err(|_| {
        Error::new(
            code,
            vec![("value", short(v, 12)), ("max", max.to_string())],
        )
    })
}

fn form_fields(values: &crate::basic::form::Fields) -> Result<GiftFields, Error> {
    use wangge_domain::volunteers::gifts::{MAX_PRICE, MAX_STOCK};
    Ok(GiftFields {
        name: short(f(values, "name"), 200),
        description: short(f(values, "description"), 1000),
        price: number(f(values, "price"), "volunteers.gift_price", MAX_PRICE)?,
        stock: number(f(values, "stock"), "volunteers.gift_stock", MAX_STOCK)?,
    })
}

async fn create_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let community = match f(&values, "community_id").trim() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| err!("volunteers.community_not_found", id = short(v, 20))),
    };
    let outcome = match (community, form_fields(&values)) {
        (Ok(c), Ok(fields)) => create(&s, &p, c, &fields).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    after(&s, lang, &p, outcome).await
}

async fn update_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = gift_id(&id)?;
    let values = read_form(req).await?;
    let outcome = match form_fields(&values) {
        Ok(g) => {
            let c = GiftChange {
                name: Some(g.name),
                description: Some(g.description),
                price: Some(g.price),
                stock: Some(g.stock),
                active: Some(!f(&values, "active").is_empty()),
            };
            update(&s, &p, id, &c).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    after(&s, lang, &p, outcome).await
}

async fn redeem_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let outcome = match gift_id(&id) {
        Ok(id) => redeem(&s, &p, id).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, lang, &p, outcome).await
}

async fn cancel_form(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let outcome = match redemption_id(&id) {
        Ok(id) => cancel(&s, &p, id, &short(f(&values, "reason"), 1000))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&s, lang, &p, outcome).await
}
