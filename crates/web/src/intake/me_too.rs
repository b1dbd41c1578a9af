//! "Me too" (我也遇到) on the grid's resident page: the open cases nearby with no personal
//! data, and one "me too" per device (a random token in a cookie, stored only as its hash),
//! with an optional photo read and cleaned as the report form's are.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use wangge_domain::err;
use wangge_store::Handle;
use wangge_store::auth::sha256_hex;
use wangge_store::events::{self, MeToo};

use super::form::*;
use super::limits::{LimitView, limit_view};
use super::resident::{MeTooSide, PublicGrid, ResidentForm, public_grid, resident_view_with};
use super::*;
use crate::auth::MaybeMe;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, scrub_digits, time_text, truncate};

/// The cookie that tells one device from another; only its hash is stored.
const DEVICE_COOKIE: &str = "wangge_device";
/// Open cases the resident page lists.
const NEARBY: i64 = 20;
/// One photo goes with a "me too".
const ME_TOO_PHOTOS: usize = 1;

/// An open case as the resident page lists it.
pub struct NearbyCase {
    pub number: String,
    pub category: String,
    pub summary: String,
    pub status_label: String,
    pub reported: String,
    pub limit: LimitView,
    pub count: i64,
}

/// The open cases under the grid, newest first.
pub(super) async fn nearby(
    h: &mut Handle<'_>,
    t: &Tr,
    grid_path: &str,
    now: i64,
) -> Result<Vec<NearbyCase>, wangge_domain::Error> {
    let en = t.lang == Lang::En;
    Ok(events::open_public(h, grid_path, NEARBY)
        .await?
        .into_iter()
        .map(|c| NearbyCase {
            limit: limit_view(
                t,
                &c.complexity,
                c.status,
                c.reported_at,
                c.final_due_at,
                None,
                now,
            ),
            category: if en {
                c.category_name_en
            } else {
                c.category_name
            },
            summary: truncate(&scrub_digits(&c.description), 80),
            status_label: label_text(t, "status", c.status.as_str()),
            reported: time_text(c.reported_at),
            count: c.me_too_count,
            number: c.number,
        })
        .collect())
}

/// What the page says after a "me too", by the case it was for.
pub struct MeTooNote {
    pub number: String,
    pub text: String,
}

impl MeTooNote {
    /// From the address the "me too" came back to (`?me_too=NUMBER&r=added`).
    pub fn from_query(t: &Tr, number: Option<String>, result: Option<String>) -> Option<MeTooNote> {
        let key = match result.as_deref()? {
            "added" => "metoo.added",
            "raised" => "metoo.raised",
            "already" => "metoo.already",
            _ => return None,
        };
        Some(MeTooNote {
            number: number?.chars().take(40).collect(),
            text: t.s(key).to_string(),
        })
    }
}

/// The page again with why the "me too" was refused.
async fn refused(s: &AppState, l: Layout, c: PublicGrid, p: Problem) -> AppResult<Response> {
    let side = MeTooSide {
        note: None,
        problem: Some(p),
    };
    resident_view_with(s, l, c, ResidentForm::fresh(), None, side).await
}

/// The device's token from its cookie, if it has a well-formed one.
pub(super) fn device_token(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, DEVICE_COOKIE)
        .filter(|v| (32..=128).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The cookie that keeps a new device token for a year, on the resident pages only.
pub(super) fn device_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; Path=/r; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"
    ))
    .ok()
}

/// Counts this device's "me too" on one case and comes back to the page at that case.
pub(super) async fn me_too_submit(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
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
    if let Err(e) = limited {
        if e.status == 429 {
            return refused(&s, l, c, Problem::of(&t, &e)).await;
        }
        return Err(AppError(e));
    }
    if let Some(e) = read_error {
        return refused(&s, l, c, Problem::of(&t, &e)).await;
    }
    let number = fields.get("number").trim().to_string();
    if fields.files.len() > ME_TOO_PHOTOS {
        let e = err!("intake.too_many_photos", max = ME_TOO_PHOTOS);
        return refused(&s, l, c, Problem::of(&t, &e)).await;
    }
    let photo = match clean_photos(&t, &fields.files) {
        Ok(mut p) => p.pop(),
        Err(p) => return refused(&s, l, c, p).await,
    };
    let (token, new_token) = match device_token(&headers) {
        Some(tok) => (tok, false),
        None => (new_key(), true),
    };
    let result = {
        let cal = s.calendar();
        let ctx = s.event_ctx(&cal);
        let mut tx = s.db.begin().await?;
        let r = events::me_too(
            &mut tx.handle(),
            &ctx,
            &resident_caller(),
            &number,
            &sha256_hex(&token),
            photo,
            s.now(),
        )
        .await;
        if r.is_ok() {
            tx.commit().await?;
        }
        r
    };
    let outcome = match result {
        Ok(MeToo::Counted { raised: true, .. }) => "raised",
        Ok(MeToo::Counted { .. }) => "added",
        Ok(MeToo::Already { .. }) => "already",
        Err(e) if e.status >= 500 => return Err(AppError(e)),
        Err(e) => {
            let p = Problem::of(&t, &e);
            return refused(&s, l, c, p).await;
        }
    };
    let back = format!(
        "/r/{}?me_too={}&r={outcome}#case-{}",
        c.code,
        crate::ui::urlencode(&number),
        crate::ui::urlencode(&number)
    );
    let mut resp = Redirect::to(&back).into_response();
    if new_token && let Some(v) = device_cookie(&token, s.config.secure_cookies) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}
