//! Gifts and redemptions (礼品兑换). A community lists gifts with a price in points and a stock;
//! a volunteer redeems one against the year's available points. A redemption is one
//! transaction: the community's ledger chain is taken first (`ledger::lock`), so the balance
//! read, the stock taken (a conditional `UPDATE … WHERE stock >= 1`), the redemption row and its
//! `redeem` ledger entry are seen whole or not at all by any other redemption of the community;
//! neither points nor stock can go below zero however many redeem at once. A cancellation gives
//! back both: an `unredeem` entry and the stock. Organisers' changes are audited.

use serde::Serialize;
use wangge_domain::volunteers::gifts::{self as rules, Canceller, RedeemCheck};
use wangge_domain::volunteers::ledger::{self as ledger_rules, Kind};
use wangge_domain::{Error, Scope, err};

use super::ledger::{self, NewEntry};
use super::register::Volunteer;
use crate::audit::{self, Actor};
use crate::db::{Handle, sql_error};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Gift {
    pub id: i64,
    pub community_id: i64,
    pub path: String,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
    pub active: bool,
    pub created_by_name: String,
    pub created_at: i64,
}

const GIFT_COLUMNS: &str =
    "id, community_id, path, name, description, price, stock, active, created_by_name, created_at";

/// A redemption with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Redemption {
    pub id: i64,
    pub gift_id: i64,
    pub gift_name: String,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub community_id: i64,
    pub path: String,
    pub points: i64,
    pub year: i64,
    pub status: String,
    pub ledger_id: Option<i64>,
    pub cancel_ledger_id: Option<i64>,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
}

const REDEMPTION_SELECT: &str = "SELECT r.id, r.gift_id, g.name AS gift_name, r.volunteer_id, \
    v.name AS volunteer_name, r.community_id, r.path, r.points, r.year, r.status, r.ledger_id, \
    r.cancel_ledger_id, r.created_at, r.cancelled_at, r.cancel_reason \
    FROM redemptions r JOIN gifts g ON g.id = r.gift_id JOIN volunteers v ON v.id = r.volunteer_id";

/// One gift inside `scope`; "not found" when absent or outside it.
pub async fn get(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Gift, Error> {
    let sql = format!("SELECT {GIFT_COLUMNS} FROM gifts WHERE id = $1");
    let g: Option<Gift> =
        q!(h, fetch_optional, Gift, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    g.filter(|g| scope.contains(&g.path))
        .ok_or_else(|| err!("volunteers.gift_not_found", id))
}

/// The gifts inside `scope` (of one community when given), the active ones first, cheapest
/// first; at most 500.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    community_id: Option<i64>,
    active_only: bool,
) -> Result<Vec<Gift>, Error> {
    let sql = format!(
        "SELECT {GIFT_COLUMNS} FROM gifts WHERE path LIKE $1 AND ($2 IS NULL OR community_id = $2) \
         AND ($3 = 0 OR active) ORDER BY active DESC, price, id LIMIT 500"
    );
    q!(
        h,
        fetch_all,
        Gift,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        community_id,
        i64::from(active_only)
    )
    .map_err(sql_error)
}

/// The path of a community (a village node) inside `scope`.
async fn community_path(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<String, Error> {
    let path: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT path FROM nodes WHERE id = $1 AND kind = 'village'", id)
    .map_err(sql_error)?;
    path.filter(|p| scope.contains(p))
        .ok_or_else(|| err!("volunteers.community_not_found", id))
}

/// The communities (village nodes) inside `scope`, by code: (id, code, name); at most `limit`.
pub async fn communities(
    h: &mut Handle<'_>,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, Error> {
    q!(
        h,
        fetch_all,
        (i64, String, String),
        "SELECT id, code, name FROM nodes WHERE kind = 'village' AND path LIKE $1 \
         AND retired_at IS NULL ORDER BY code LIMIT $2",
        scope.like_pattern(),
        limit.clamp(1, 1000)
    )
    .map_err(sql_error)
}

async fn audit_gift(
    h: &mut Handle<'_>,
    actor: &Actor,
    action: &str,
    g: &Gift,
    now: i64,
) -> Result<(), Error> {
    // The name is the community's own words; the gift's id leads to it.
    let detail = serde_json::json!({"price": g.price, "stock": g.stock, "active": g.active});
    audit::append(
        h,
        &audit::Entry {
            actor,
            action,
            subject_table: "gifts",
            subject_id: Some(g.id),
            column_name: None,
            reason: "",
            detail: &detail.to_string(),
        },
        now,
    )
    .await
    .map(|_| ())
}

/// Lists a new gift of `community_id` (inside `scope`). Call inside a transaction.
pub async fn create(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    community_id: i64,
    fields: &rules::GiftFields,
    now: i64,
) -> Result<Gift, Error> {
    let f = rules::check(
        &fields.name,
        &fields.description,
        fields.price,
        fields.stock,
    )?;
    let path = community_path(h, scope, community_id).await?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO gifts (community_id, path, name, description, price, stock, active, created_by, \
         created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        community_id, &path, &f.name, &f.description, f.price, f.stock, true, actor.user_id,
        &actor.name, now)
    .map_err(sql_error)?;
    let g = get(h, scope, id).await?;
    audit_gift(h, actor, "gift_create", &g, now).await?;
    Ok(g)
}

/// What an organiser changes of a gift; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiftChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub stock: Option<i64>,
    pub active: Option<bool>,
}

impl GiftChange {
    pub fn is_empty(&self) -> bool {
        *self == GiftChange::default()
    }
}

/// Changes a gift inside `scope`. Takes the community's chain first, so a stock set here is
/// never overwritten by a redemption running at the same time (nor the other way round).
pub async fn update(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    c: &GiftChange,
    now: i64,
) -> Result<Gift, Error> {
    if c.is_empty() {
        return Err(err!("volunteers.gift_change_empty"));
    }
    let before = get(h, scope, id).await?;
    ledger::lock(h, before.community_id).await?;
    let g = get(h, scope, id).await?;
    let f = rules::check(
        c.name.as_deref().unwrap_or(&g.name),
        c.description.as_deref().unwrap_or(&g.description),
        c.price.unwrap_or(g.price),
        c.stock.unwrap_or(g.stock),
    )?;
    let active = c.active.unwrap_or(g.active);
    q!(
        h,
        execute,
        "UPDATE gifts SET name = $1, description = $2, price = $3, stock = $4, active = $5 WHERE id = $6",
        &f.name,
        &f.description,
        f.price,
        f.stock,
        active,
        id
    )
    .map_err(sql_error)?;
    let g = get(h, scope, id).await?;
    audit_gift(h, actor, "gift_update", &g, now).await?;
    Ok(g)
}

/// One redemption inside `scope`.
pub async fn redemption(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Redemption, Error> {
    let sql = format!("{REDEMPTION_SELECT} WHERE r.id = $1");
    let r: Option<Redemption> =
        q!(h, fetch_optional, Redemption, sqlx::AssertSqlSafe(sql), id).map_err(sql_error)?;
    r.filter(|r| scope.contains(&r.path))
        .ok_or_else(|| err!("volunteers.redemption_not_found", id))
}

/// Redemptions inside `scope` (of one volunteer when given), newest first; `limit` 1–500.
pub async fn redemptions(
    h: &mut Handle<'_>,
    scope: &Scope,
    volunteer_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Redemption>, Error> {
    let sql = format!(
        "{REDEMPTION_SELECT} WHERE r.path LIKE $1 AND ($2 IS NULL OR r.volunteer_id = $2) \
         ORDER BY r.id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Redemption,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        volunteer_id,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// Volunteer `v` redeems gift `gift_id` of their community at `now`: the stock falls by one
/// and a `redeem` entry of minus the price is written in the current month. Refused (and
/// nothing written) beyond the year's available points, out of stock, a withdrawn gift, or a
/// gift of another community (not found). Call inside a transaction.
pub async fn redeem(
    h: &mut Handle<'_>,
    v: &Volunteer,
    gift_id: i64,
    actor: &Actor,
    now: i64,
) -> Result<Redemption, Error> {
    let month = ledger::month_at(now)?;
    let year = ledger_rules::year_of_month(&month).unwrap_or_default();
    ledger::lock(h, v.community_id).await?;
    let sql = format!("SELECT {GIFT_COLUMNS} FROM gifts WHERE id = $1");
    let g: Option<Gift> =
        q!(h, fetch_optional, Gift, sqlx::AssertSqlSafe(sql), gift_id).map_err(sql_error)?;
    let Some(g) = g else {
        return Err(err!("volunteers.gift_not_found", id = gift_id));
    };
    let balance = ledger::balance(h, v.id, year).await?;
    rules::may_redeem(
        &RedeemCheck {
            gift_name: &g.name,
            price: g.price,
            stock: g.stock,
            active: g.active,
            same_community: g.community_id == v.community_id,
            available: balance.available,
            volunteer_active: v.status == "active",
        },
        gift_id,
    )?;
    // The stock is taken by one conditional statement: it never goes below zero even were the
    // chain's lock ever bypassed.
    let taken = q!(
        h,
        execute,
        "UPDATE gifts SET stock = stock - 1 WHERE id = $1 AND stock >= 1 AND active",
        gift_id
    )
    .map_err(sql_error)?;
    if taken == 0 {
        return Err(err!("volunteers.gift_out_of_stock", name = g.name));
    }
    let rid: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO redemptions (gift_id, volunteer_id, community_id, path, points, year, status, \
         created_at, cancel_reason) VALUES ($1, $2, $3, $4, $5, $6, 'redeemed', $7, '') RETURNING id",
        gift_id, v.id, v.community_id, &v.path, g.price, i64::from(year), now)
    .map_err(sql_error)?;
    let mut e = NewEntry::new(v.id, Kind::Redeem, -g.price, &month);
    e.redemption_id = Some(rid);
    e.reason = &g.name;
    let entry = ledger::append(h, &e, actor, now).await?;
    q!(
        h,
        execute,
        "UPDATE redemptions SET ledger_id = $1 WHERE id = $2",
        entry.id,
        rid
    )
    .map_err(sql_error)?;
    redemption(h, &Scope::of_path(&v.path), rid).await
}

/// Cancels redemption `id` (inside `scope`): an `unredeem` entry gives the points back in the
/// current month and the stock returns. `who` says whether an organiser or a volunteer asks
/// (see `domain::volunteers::gifts::may_cancel`). Call inside a transaction.
pub async fn cancel(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    by_volunteer: Option<i64>,
    reason: &str,
    now: i64,
) -> Result<Redemption, Error> {
    let reason = rules::check_reason(reason)?;
    let month = ledger::month_at(now)?;
    let first = redemption(h, scope, id).await?;
    ledger::lock(h, first.community_id).await?;
    // Read again under the lock: another cancellation may have finished meanwhile.
    let r = redemption(h, scope, id).await?;
    let who = match by_volunteer {
        Some(v) => Canceller::Volunteer {
            own: v == r.volunteer_id,
        },
        None => Canceller::Organiser,
    };
    rules::may_cancel(who, id, &r.status, &ledger::month_at(r.created_at)?, &month)?;
    let n = q!(
        h,
        execute,
        "UPDATE redemptions SET status = 'cancelled', cancelled_at = $1, cancelled_by = $2, \
         cancel_reason = $3 WHERE id = $4 AND status = 'redeemed'",
        now,
        actor.user_id,
        &reason,
        id
    )
    .map_err(sql_error)?;
    if n == 0 {
        return Err(err!("volunteers.redemption_cancelled", id));
    }
    q!(
        h,
        execute,
        "UPDATE gifts SET stock = stock + 1 WHERE id = $1",
        r.gift_id
    )
    .map_err(sql_error)?;
    let mut e = NewEntry::new(r.volunteer_id, Kind::Unredeem, r.points, &month);
    e.redemption_id = Some(id);
    e.reason = if reason.is_empty() {
        &r.gift_name
    } else {
        &reason
    };
    let entry = ledger::append(h, &e, actor, now).await?;
    q!(
        h,
        execute,
        "UPDATE redemptions SET cancel_ledger_id = $1 WHERE id = $2",
        entry.id,
        id
    )
    .map_err(sql_error)?;
    if by_volunteer.is_none() {
        let detail = serde_json::json!({"gift_id": r.gift_id, "volunteer_id": r.volunteer_id, "points": r.points});
        audit::append(
            h,
            &audit::Entry {
                actor,
                action: "redemption_cancel",
                subject_table: "redemptions",
                subject_id: Some(id),
                column_name: None,
                reason: &reason,
                detail: &detail.to_string(),
            },
            now,
        )
        .await?;
    }
    redemption(h, scope, id).await
}

// ---- The hub's counts (`/vol`): small reads of the feature's tables for the starting page ----

/// An activity a volunteer may sign up for soon.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct Upcoming {
    pub id: i64,
    pub title: String,
    pub starts_at: i64,
    pub places: i64,
    pub confirmed: i64,
    pub points: i64,
}

/// What a volunteer's starting page counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct VolunteerCounts {
    pub upcoming: Vec<Upcoming>,
    pub unread: i64,
    pub gifts: i64,
}

pub async fn volunteer_counts(
    h: &mut Handle<'_>,
    v: &Volunteer,
    now: i64,
) -> Result<VolunteerCounts, Error> {
    let upcoming: Vec<Upcoming> = q!(h, fetch_all, Upcoming,
        "SELECT id, title, starts_at, places, confirmed, points FROM activities \
         WHERE community_id = $1 AND status = 'open' AND starts_at > $2 ORDER BY starts_at, id LIMIT 5",
        v.community_id, now)
    .map_err(sql_error)?;
    let unread: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM volunteer_messages WHERE volunteer_id = $1 AND read_at IS NULL", v.id)
    .map_err(sql_error)?;
    let gifts: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM gifts WHERE community_id = $1 AND active AND stock > 0", v.community_id)
    .map_err(sql_error)?;
    Ok(VolunteerCounts {
        upcoming,
        unread,
        gifts,
    })
}

/// What an organiser's starting page counts in their area.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrganiserCounts {
    /// Applications waiting for a decision.
    pub applications: i64,
    /// Open activities not yet started.
    pub activities: i64,
    /// Activities over whose confirmed volunteers wait for the organiser's confirmation.
    pub to_confirm: i64,
    /// The last ended month (`YYYY-MM`) and the communities with volunteers that have not
    /// published it.
    pub last_month: String,
    pub to_publish: i64,
    pub gifts: i64,
    pub volunteers: i64,
}

pub async fn organiser_counts(
    h: &mut Handle<'_>,
    scope: &Scope,
    now: i64,
) -> Result<OrganiserCounts, Error> {
    let like = scope.like_pattern();
    let count = |status: &'static str| (like.clone(), status);
    let (l1, s1) = count("applied");
    let applications: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM volunteers WHERE path LIKE $1 AND status = $2", l1, s1)
    .map_err(sql_error)?;
    let (l2, s2) = count("active");
    let volunteers: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM volunteers WHERE path LIKE $1 AND status = $2", l2, s2)
    .map_err(sql_error)?;
    let activities: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM activities WHERE path LIKE $1 AND status = 'open' AND starts_at > $2",
        &like, now)
    .map_err(sql_error)?;
    let to_confirm: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM activities a WHERE a.path LIKE $1 AND a.status = 'open' AND a.ends_at < $2 \
         AND EXISTS (SELECT 1 FROM activity_signups s WHERE s.activity_id = a.id AND s.status = 'confirmed')",
        &like, now)
    .map_err(sql_error)?;
    let last_month = ledger::month_before(now)?;
    let to_publish: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM nodes n WHERE n.kind = 'village' AND n.path LIKE $1 AND n.retired_at IS NULL \
         AND EXISTS (SELECT 1 FROM volunteers v WHERE v.community_id = n.id AND v.status = 'active') \
         AND NOT EXISTS (SELECT 1 FROM points_months m WHERE m.community_id = n.id AND m.month = $2)",
        &like, &last_month)
    .map_err(sql_error)?;
    let gifts: i64 = q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM gifts WHERE path LIKE $1 AND active", &like)
    .map_err(sql_error)?;
    Ok(OrganiserCounts {
        applications,
        activities,
        to_confirm,
        last_month,
        to_publish,
        gifts,
        volunteers,
    })
}

/// "Other" values waiting for the street's approval in its area.
pub async fn pending_approvals(h: &mut Handle<'_>, scope: &Scope) -> Result<i64, Error> {
    q!(h, scalar fetch_one, i64,
        "SELECT COUNT(*) FROM volunteer_approvals WHERE path LIKE $1 AND status = 'pending'",
        scope.like_pattern())
    .map_err(sql_error)
}
