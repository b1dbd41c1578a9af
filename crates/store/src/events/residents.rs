//! What residents do besides reporting: find a case again by its number and the phone they
//! gave, say "me too" (我也遇到) on an open case nearby, and learn who refused their case.

use super::seek::{Sql, path_in_scope};
use super::*;
use wangge_domain::residents::me_too_raise;

/// A fresh tracking link for the case with this number whose reporter gave this phone, or
/// `None` — the same `None` whether the number is unknown, the phone differs, the case was
/// reported without a phone, or either is malformed, so the answer never tells which. The
/// phone is compared by its blind index, as it was stored; the first link keeps working.
pub async fn lookup(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    number: &str,
    phone: &str,
    now: i64,
) -> Result<Option<String>, Error> {
    let number = event::canonical_number(number);
    // Normalised as the report stored it; a malformed phone still costs one query, like any other.
    let phone = report::validate_phone(phone.trim()).unwrap_or_default();
    let index = keys.blind_index("reporter_phone", &phone);
    let id: Option<i64> = q!(h, scalar fetch_optional, i64,
        "SELECT id FROM events WHERE number = $1 AND reporter_phone_index = $2",
        &number, &index)
    .map_err(sql_error)?;
    let Some(id) = id.filter(|_| !phone.is_empty()) else {
        return Ok(None);
    };
    let token = random_secret()?;
    q!(
        h,
        execute,
        "INSERT INTO tracking_links (token_hash, event_id, created_at) VALUES ($1, $2, $3)",
        sha256_hex(&token),
        id,
        now
    )
    .map_err(sql_error)?;
    Ok(Some(token))
}

/// An open case as residents see it: no names, no phones, no internal notes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OpenCase {
    pub number: String,
    pub category_code: String,
    pub category_name: String,
    pub category_name_en: String,
    pub grid_name: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub reported_at: i64,
    pub final_due_at: Option<i64>,
    pub complexity: String,
    pub me_too_count: i64,
}

/// Open cases under a node (by path), newest first, of the categories whose open cases residents
/// may see (a "me too" threshold above 0).
pub async fn open_public(
    h: &mut Handle<'_>,
    path: &str,
    limit: i64,
) -> Result<Vec<OpenCase>, Error> {
    let mut sql = Sql::new(
        "SELECT e.number, e.category_code, c.name AS category_name, c.name_en AS category_name_en, g.name AS grid_name, \
         e.description, e.status, e.reported_at, e.final_due_at, e.complexity, e.me_too_count \
         FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id WHERE ",
    );
    // The node's path as an indexed expression, so the page walks its events newest first.
    let place = path_in_scope(&mut sql, path);
    sql.push(&place);
    // `|| ''` (seek::STATUS): the status is tested row by row on that walk.
    sql.push(" AND (e.status || '') IN ('reported', 'accepted', 'assigned', 'feedback_given') AND c.me_too_threshold > 0");
    sql.newest_first(limit.clamp(1, 200));
    sql.fetch_all(h).await
}

/// What a "me too" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MeToo {
    /// Counted; `raised` when this one took the case over its category's threshold.
    Counted { count: i64, raised: bool },
    /// This device had said so before: nothing changed.
    Already { count: i64 },
}

/// Counts one device's "me too" on an open case whose category shows open cases to residents,
/// with an optional photo; at the category's threshold the case's urgency goes up once, as a
/// step of its history by `caller` (the public).
pub async fn me_too(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    number: &str,
    device_hash: &str,
    photo: Option<NewPhoto>,
    now: i64,
) -> Result<MeToo, Error> {
    let unavailable = || err!("me_too.unavailable");
    let e = get(h, &System::acting().scope(), number)
        .await
        .map_err(|_| unavailable())?;
    let threshold = ctx.category(h, &e.category_code).await?.me_too_threshold;
    if !e.status.is_open() || threshold <= 0 {
        return Err(unavailable());
    }
    let added = q!(h, execute,
        "INSERT INTO me_too (event_id, device_hash, photo_id, created_at) VALUES ($1, $2, NULL, $3) \
         ON CONFLICT (event_id, device_hash) DO NOTHING",
        e.id, device_hash, now)
    .map_err(sql_error)?;
    if added == 0 {
        return Ok(MeToo::Already {
            count: e.me_too_count,
        });
    }
    if let Some(p) = photo {
        let ids = add_photos(h, e.id, &[p], now).await?;
        let photo_id: Option<i64> = ids.first().and_then(|s| s.parse().ok());
        q!(
            h,
            execute,
            "UPDATE me_too SET photo_id = $1 WHERE event_id = $2 AND device_hash = $3",
            photo_id,
            e.id,
            device_hash
        )
        .map_err(sql_error)?;
    }
    let count: i64 = q!(h, scalar fetch_one, i64,
        "UPDATE events SET me_too_count = me_too_count + 1 WHERE id = $1 RETURNING me_too_count",
        e.id)
    .map_err(sql_error)?;
    let raised_before: bool = q!(h, scalar fetch_one, bool,
        "SELECT EXISTS (SELECT 1 FROM event_history WHERE event_id = $1 AND action = 'raise_urgency')",
        e.id)
    .map_err(sql_error)?;
    let state = e.state()?;
    let Some(urgency) = me_too_raise(state.urgency, count, threshold, raised_before) else {
        return Ok(MeToo::Counted {
            count,
            raised: false,
        });
    };
    let me_too = u32::try_from(count).unwrap_or(u32::MAX);
    apply_to(
        h,
        ctx,
        caller,
        &e,
        Action::RaiseUrgency { urgency, me_too },
        &[],
        now,
    )
    .await?;
    Ok(MeToo::Counted {
        count,
        raised: true,
    })
}

/// The photos residents sent with their "me too"s, for staff.
pub async fn me_too_photos(h: &mut Handle<'_>, event_id: i64) -> Result<Vec<i64>, Error> {
    q!(
        h,
        fetch_all,
        (i64,),
        "SELECT photo_id FROM me_too WHERE event_id = $1 AND photo_id IS NOT NULL ORDER BY id",
        event_id
    )
    .map(|rows| rows.into_iter().map(|(id,)| id).collect())
    .map_err(sql_error)
}

/// Who last said no to a case and why: a rejection (不予受理), or a return (退回) by whoever it
/// was given to that nobody has taken up since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// `reject` or `return`.
    pub action: String,
    /// The office (node or department) that said it; a person shows as their office.
    pub office: String,
    pub reason: String,
    pub at: i64,
}

/// The refusal the resident should see now, if any.
pub async fn refusal(h: &mut Handle<'_>, event: &EventRow) -> Result<Option<Refusal>, Error> {
    let rows = history(h, event.id, false).await?;
    let mut found: Option<(String, String, String, i64)> = None;
    let mut prev_holder = String::new();
    for r in &rows {
        match r.action.as_str() {
            // The office that rejected still holds it; the one that returned held it before.
            "reject" => found = Some((r.action.clone(), r.holder.clone(), r.note.clone(), r.at)),
            "return" => found = Some((r.action.clone(), prev_holder.clone(), r.note.clone(), r.at)),
            // Someone took it up again: the refusal is past.
            "accept" | "escalate" | "assign" | "transfer" | "feedback" | "handle_on_spot"
            | "verify" | "reopen" => found = None,
            _ => {}
        }
        prev_holder = r.holder.clone();
    }
    let Some((action, holder, reason, at)) = found else {
        return Ok(None);
    };
    let office = match serde_json::from_str::<Holder>(&holder) {
        Ok(holder) => office_name(h, &holder).await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok(Some(Refusal {
        action,
        office,
        reason,
        at,
    }))
}

/// The name of the node or department a holder stands for; a person stands for their node.
async fn office_name(h: &mut Handle<'_>, holder: &Holder) -> Option<String> {
    let all = System::acting().scope();
    match holder {
        Holder::Node { code, .. } | Holder::Department { code } => {
            nodes::by_code(h, &all, code).await.ok().map(|n| n.name)
        }
        Holder::Person { user_id } => {
            let u = crate::users::get(h, &all, *user_id).await.ok()?;
            nodes::by_id(h, &all, u.node_id).await.ok().map(|n| n.name)
        }
    }
}
