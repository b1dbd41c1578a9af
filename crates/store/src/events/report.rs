//! Reporting an event: checks that write nothing, routing to a grid and a level, the day's
//! number, sealing the reporter, and the event with its party and first step in one round trip.

use super::*;
use wangge_domain::err;
use wangge_domain::{Sensitive, System};

/// What a report carries. The reporter's name and phone are [`Sensitive`]: a `{:?}` of a report
/// shows neither.
#[derive(Debug)]
pub struct ReportInput {
    pub source: Source,
    pub category_code: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    /// The grid the point lies in, found by the caller's locate index.
    pub located_grid: Option<GridRef>,
    /// A grid chosen by hand (a staff member routing it, or the QR code's grid when the
    /// resident gives no location).
    pub chosen_grid: Option<String>,
    pub urgency: Urgency,
    pub reporter_name: Option<Sensitive<String>>,
    pub reporter_phone: Option<Sensitive<String>>,
    pub photos: Vec<NewPhoto>,
    /// A client's key for the submission, so a double submission creates one event.
    pub submission_key: Option<String>,
    /// A grid worker's "handled on the spot" result.
    pub handled_on_spot: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reported {
    pub number: String,
    pub tracking_token: Option<String>,
    pub event: EventRow,
    /// True when this submission key was seen before: the first event is returned, nothing new written.
    pub duplicate_submission: bool,
}

/// Trimmed text of at most `max` characters; `code` names the field when it is longer.
fn clean_text(s: &str, max: usize, code: &'static str) -> Result<String, Error> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(Error::new(code, vec![("max", max.to_string())]));
    }
    Ok(t.to_string())
}

pub(super) fn validate_phone(p: &str) -> Result<String, Error> {
    let digits: String = p
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let ok = (7..=15).contains(&digits.len())
        && digits
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if ok {
        Ok(digits)
    } else {
        Err(err!("event.phone_invalid"))
    }
}

/// The code and path of the node at `level` on a grid's path (1 grid … 5 city).
pub(super) fn ancestor_at_level(grid_path: &str, level: u8) -> Option<(String, String)> {
    let codes: Vec<&str> = grid_path.split('/').filter(|s| !s.is_empty()).collect();
    // A grid's path is city / county / township / village / grid.
    let keep = codes.len().checked_sub(usize::from(level))? + 1;
    let code = codes.get(keep - 1)?.to_string();
    Some((code, format!("/{}/", codes[..keep].join("/"))))
}

/// The kind of node that handles an event at `level`.
fn kind_at_level(level: u8) -> NodeKind {
    match level {
        1 => NodeKind::Grid,
        2 => NodeKind::Village,
        3 => NodeKind::Township,
        4 => NodeKind::County,
        _ => NodeKind::City,
    }
}

/// A grid chosen by hand: it must exist, be a grid and lie in the chooser's area. A member of
/// the public names a grid they cannot see (the QR code they scanned, an Open311 grid code):
/// any live grid.
async fn chosen_grid(h: &mut Handle<'_>, caller: &Caller, code: &str) -> Result<GridRef, Error> {
    let area = match caller.actor {
        Actor::Reporter { .. } => System::acting().scope(),
        Actor::Staff(_) => caller.scope.clone(),
    };
    let n = nodes::by_code(h, &area, code).await?;
    if n.kind != NodeKind::Grid {
        return Err(err!("event.not_a_grid", code));
    }
    Ok(GridRef {
        id: n.id,
        code: n.code,
        name: n.name,
        path: n.path,
    })
}

/// The event's number and id, taken in the report's transaction, and its owner's current name.
pub(super) struct Slot {
    number: String,
    id: i64,
    owner_name: String,
}

/// What the allocation found: a fresh slot, or the number of the event an earlier copy of this
/// submission made.
pub(super) enum Allocated {
    Slot(Slot),
    Seen(String),
}

/// SQLite's allocation script. A submission key already stored takes no number: the counter is
/// bumped only when no event has the key, and the key's event is read in the same trip.
macro_rules! allocate_sqlite {
    () => {
        "INSERT INTO event_counters (day, last) SELECT $1, 1 WHERE NOT EXISTS (SELECT 1 FROM events WHERE submission_key = $4) \
         ON CONFLICT (day) DO UPDATE SET last = event_counters.last + 1; \
         SELECT (SELECT last FROM event_counters WHERE day = $1), (SELECT COALESCE(MAX(id), 0) + 1 FROM events), \
         (SELECT id FROM nodes WHERE id = $2 AND retired_at IS NULL), \
         (SELECT name FROM nodes WHERE path = $3 AND retired_at IS NULL), \
         (SELECT number FROM events WHERE submission_key = $4)"
    };
}

/// One round trip: the day's next number, the next event id (on SQLite the write lock is held
/// since `BEGIN IMMEDIATE`, so `MAX + 1` is safe), and a check that grid and owner are still live
/// (the locate index may be a moment old). On SQLite the submission key is checked again under
/// the write lock, so two copies sent at once make one event; with `begin` the script itself
/// opens the hand-run transaction (see `submit`), saving the trip a separate BEGIN costs.
async fn allocate(
    h: &mut Handle<'_>,
    now: i64,
    grid_id: i64,
    owner_path: &str,
    key: Option<&str>,
    begin: bool,
) -> Result<Allocated, Error> {
    let d = deadline::local_date(now)?;
    let day = i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day());
    type Got = (
        Option<i64>,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    if begin && h.is_postgres() {
        // PostgreSQL reports run in a sqlx transaction after `report`'s own key check.
        return Err(err!(
            "internal",
            detail = "a hand-run transaction is for SQLite only"
        ));
    }
    let sqlite = if begin {
        concat!("BEGIN IMMEDIATE; ", allocate_sqlite!())
    } else {
        allocate_sqlite!()
    };
    let rows: Vec<Got> = q_split!(h, fetch_all, Got,
        sqlite: sqlite,
        postgres: "WITH c AS (INSERT INTO event_counters (day, last) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET last = event_counters.last + 1 RETURNING last) \
             SELECT c.last, nextval(pg_get_serial_sequence('events', 'id')), \
             (SELECT id FROM nodes WHERE id = $2 AND retired_at IS NULL), \
             (SELECT name FROM nodes WHERE path = $3 AND retired_at IS NULL), \
             (SELECT number FROM events WHERE submission_key = $4) FROM c",
        day, grid_id, owner_path, key)
    .map_err(sql_error)?;
    let Some((seq, id, grid, owner_name, seen)) = rows.into_iter().next() else {
        return Err(err!(
            "internal",
            detail = "the event counter returned nothing"
        ));
    };
    if let Some(number) = seen {
        return Ok(Allocated::Seen(number));
    }
    let Some(seq) = seq else {
        return Err(err!(
            "internal",
            detail = "the event counter returned nothing"
        ));
    };
    let (Some(_), Some(owner_name)) = (grid, owner_name) else {
        return Err(err!("event.grid_changed"));
    };
    let day = u32::try_from(day).map_err(|_| err!("internal", detail = "day out of range"))?;
    let seq = u32::try_from(seq).map_err(|_| err!("internal", detail = "sequence out of range"))?;
    Ok(Allocated::Slot(Slot {
        number: event::event_number(day, seq),
        id,
        owner_name,
    }))
}

/// The columns of a new event row.
pub(super) struct NewRow<'a> {
    id: i64,
    number: &'a str,
    source: &'a str,
    category_code: &'a str,
    complexity: &'a str,
    description: &'a str,
    lat: Option<f64>,
    lon: Option<f64>,
    address: &'a Option<String>,
    grid_id: i64,
    path: &'a str,
    route_note: &'a Option<String>,
    level: i64,
    urgency: &'a str,
    status: &'a str,
    holder_path: &'a str,
    holder_label: &'a str,
    state: &'a str,
    due_at: Option<i64>,
    final_due_at: Option<i64>,
    calendar_missing: bool,
    reporter_name: &'a Option<String>,
    reporter_phone: &'a Option<String>,
    reporter_phone_index: &'a Option<String>,
    reporter_user_id: Option<i64>,
    tracking_hash: String,
    submission_key: &'a Option<String>,
    month: i64,
    now: i64,
}

macro_rules! insert_event {
    () => {
        "INSERT INTO events (id, number, source, category_code, complexity, description, lat, lon, address, grid_id, path, route_note, level, urgency, status, \
     holder_path, holder_label, state, level_started_at, due_at, final_due_at, calendar_missing, reporter_name, reporter_phone, reporter_phone_index, \
     reporter_user_id, tracking_hash, submission_key, rework_count, reminder_count, reminded_light, supervision, rating, rating_comment, reported_at, month, closed_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $28, $19, $20, $21, $22, $23, $24, $25, $26, $27, 0, 0, '', NULL, NULL, NULL, $28, $29, NULL, $28)"
    };
}
macro_rules! insert_party {
    () => {
        "INSERT INTO event_parties (event_id, path) VALUES ($1, $16)"
    };
}
/// The first step through the one history INSERT: event id, seq 1, the step's fields, the time.
macro_rules! insert_first_step {
    () => {
        insert_history!("$1, 1, $30, $31, $32, $33, $34, $28, $35, $36, $37, $38, $39, $40, $41, $42, $43, $46, $44, $45")
    };
}

/// Writes the event, its first party and, when given, its first history step in one round trip:
/// one script on SQLite, one statement with data-modifying CTEs on PostgreSQL. With `commit`
/// (SQLite, first step given) the script ends the hand-run transaction too.
async fn write_event(
    h: &mut Handle<'_>,
    r: &NewRow<'_>,
    first: Option<&HistoryRow>,
    commit: bool,
) -> Result<(), Error> {
    if commit && (first.is_none() || h.is_postgres()) {
        return Err(err!(
            "internal",
            detail = "only SQLite's whole first write ends a hand-run transaction"
        ));
    }
    macro_rules! bind_all {
        ($query:expr) => {{
            let q = $query
                .bind(r.id)
                .bind(r.number)
                .bind(r.source)
                .bind(r.category_code)
                .bind(r.complexity)
                .bind(r.description)
                .bind(r.lat)
                .bind(r.lon)
                .bind(r.address)
                .bind(r.grid_id)
                .bind(r.path)
                .bind(r.route_note)
                .bind(r.level)
                .bind(r.urgency)
                .bind(r.status)
                .bind(r.holder_path)
                .bind(r.holder_label)
                .bind(r.state)
                .bind(r.due_at)
                .bind(r.final_due_at)
                .bind(r.calendar_missing)
                .bind(r.reporter_name)
                .bind(r.reporter_phone)
                .bind(r.reporter_phone_index)
                .bind(r.reporter_user_id)
                .bind(&r.tracking_hash)
                .bind(r.submission_key)
                .bind(r.now)
                .bind(r.month);
            match first {
                Some(f) => q
                    .bind(&f.action)
                    .bind(&f.label)
                    .bind(&f.actor_type)
                    .bind(f.actor_user_id)
                    .bind(&f.actor_name)
                    .bind(&f.note)
                    .bind(&f.attachments)
                    .bind(&f.from_status)
                    .bind(&f.to_status)
                    .bind(f.from_level)
                    .bind(f.to_level)
                    .bind(&f.holder)
                    .bind(f.due_at)
                    .bind(f.public)
                    .bind(&f.prev_hash)
                    .bind(&f.hash)
                    .bind(&f.link),
                None => q,
            }
        }};
    }
    let done = match (first.is_some(), commit) {
        (true, true) => q_split!(h, execute,
            sqlite: concat!(insert_event!(), "; ", insert_party!(), "; ", insert_first_step!(), "; COMMIT"),
            postgres: concat!("WITH e AS (", insert_event!(), " RETURNING id), p AS (", insert_party!(), ") ", insert_first_step!()),
            bind_all),
        (true, false) => q_split!(h, execute,
            sqlite: concat!(insert_event!(), "; ", insert_party!(), "; ", insert_first_step!()),
            postgres: concat!("WITH e AS (", insert_event!(), " RETURNING id), p AS (", insert_party!(), ") ", insert_first_step!()),
            bind_all),
        (false, _) => q_split!(h, execute,
            sqlite: concat!(insert_event!(), "; ", insert_party!()),
            postgres: concat!("WITH e AS (", insert_event!(), " RETURNING id) ", insert_party!()),
            bind_all),
    };
    done.map(|_| ()).map_err(sql_error)
}

fn local_month(ms: i64) -> Result<i64, Error> {
    let d = deadline::local_date(ms)?;
    Ok(i64::from(d.year()) * 100 + i64::from(d.month()))
}

/// Due times for the event's current level and for the whole case, each on its own: one that
/// runs past the loaded calendar is `None` and flags the event, the other stands.
pub(super) fn dues(
    ctx: &EventCtx<'_>,
    reported: i64,
    level_start: i64,
    complexity: Complexity,
    level: u8,
) -> (Option<i64>, Option<i64>, bool) {
    let d = deadline::event_due(reported, level_start, complexity, level, ctx.calendar);
    let missing = d.calendar_missing();
    (d.level_due.ok(), d.final_due.ok(), missing)
}

/// A report that passed every check, routed and ready to be numbered and written.
pub(super) struct Checked {
    source: Source,
    category: Category,
    complexity: Complexity,
    description: String,
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<String>,
    grid: GridRef,
    route_note: Option<String>,
    level: u8,
    owner_path: String,
    urgency: Urgency,
    state: EventState,
    step: Step,
    phone: Option<Sensitive<String>>,
    name: Option<Sensitive<String>>,
    photos: Vec<NewPhoto>,
    submission_key: Option<String>,
    handled_on_spot: Option<String>,
}

/// The event an earlier copy of this submission made, when there is one.
async fn seen_submission(h: &mut Handle<'_>, key: &str) -> Result<Option<Reported>, Error> {
    let seen: Option<String> = q!(h, scalar fetch_optional, String,
        "SELECT number FROM events WHERE submission_key = $1", key)
    .map_err(sql_error)?;
    match seen {
        Some(number) => duplicate(h, number).await.map(Some),
        None => Ok(None),
    }
}

async fn duplicate(h: &mut Handle<'_>, number: String) -> Result<Reported, Error> {
    let event = get(h, &System::acting().scope(), &number).await?;
    Ok(Reported {
        number,
        tracking_token: None,
        event,
        duplicate_submission: true,
    })
}

/// Reports an event: validates, routes it to a grid, seals the reporter's data, writes the event
/// and its first history step. Nothing is written when anything is wrong. Runs in the caller's
/// transaction; `submit` runs one of its own.
pub async fn report(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Reported, Error> {
    if let Some(key) = &input.submission_key
        && let Some(first) = seen_submission(h, key).await?
    {
        return Ok(first);
    }
    let c = check(h, ctx, caller, input, now).await?;
    match allocate(h, now, c.grid.id, &c.owner_path, None, false).await? {
        Allocated::Seen(number) => duplicate(h, number).await,
        Allocated::Slot(slot) => write_report(h, ctx, caller, c, slot, now, false).await,
    }
}

/// Reports an event in a transaction of its own. On SQLite that takes two round trips to the
/// connection's thread, where a sqlx transaction takes four: `BEGIN IMMEDIATE` heads the
/// allocation script and `COMMIT` ends the write script (the checks before run outside the
/// transaction: they only read, and the allocation re-checks grid, owner and submission key
/// under the write lock). Photos and on-the-spot handling take more trips in the same transaction.
pub async fn submit(
    db: &crate::Db,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Reported, Error> {
    let Some(mut tx) = db.hand_tx().await? else {
        let key = input.submission_key.clone();
        let mut tx = db.begin().await?;
        return match report(&mut tx.handle(), ctx, caller, input, now).await {
            Ok(r) => tx.commit().await.map(|()| r),
            // A copy sent at the same time got in first: its key's unique index refused this
            // one's row. Answered, like any copy, with the first event once it is committed.
            Err(e) if e.code == "db.duplicate" && key.is_some() => {
                drop(tx);
                let mut c = db.conn().await?;
                match seen_submission(&mut c.handle(), key.as_deref().unwrap_or("")).await? {
                    Some(first) => Ok(first),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        };
    };
    let key = input.submission_key.clone();
    let c = match check(&mut tx.handle(), ctx, caller, input, now).await {
        Ok(c) => c,
        Err(e) => {
            // A copy of a submission already stored is answered with its event, as `report`
            // does, even when this copy would be refused.
            if let Some(key) = &key
                && let Some(first) = seen_submission(&mut tx.handle(), key).await?
            {
                return Ok(first);
            }
            return Err(e);
        }
    };
    tx.begun().await;
    let written = async {
        let h = &mut tx.handle();
        match allocate(h, now, c.grid.id, &c.owner_path, key.as_deref(), true).await? {
            Allocated::Seen(number) => Ok(Err(number)),
            Allocated::Slot(slot) => write_report(h, ctx, caller, c, slot, now, true)
                .await
                .map(Ok),
        }
    }
    .await;
    match written {
        Ok(Ok(reported)) => {
            tx.ended();
            Ok(reported)
        }
        Ok(Err(number)) => {
            tx.rollback().await;
            duplicate(&mut tx.handle(), number).await
        }
        Err(e) => {
            tx.rollback().await;
            Err(e)
        }
    }
}

/// Everything a report is checked against before anything is numbered or written: the category,
/// the texts, the location and routing, the reporter's data and the workflow's own rules.
async fn check(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    input: ReportInput,
    now: i64,
) -> Result<Checked, Error> {
    let actor = &caller.actor;
    if input.source == Source::Assignment && !Source::Assignment.staff_may_use(actor) {
        return Err(err!("auth.forbidden"));
    }
    let category = ctx.category(h, input.category_code.trim()).await?;
    if !category.active {
        return Err(err!("event.category_retired", name = category.name));
    }
    if category.parent_code.is_none() {
        return Err(err!("event.category_not_leaf", name = category.name));
    }
    let complexity = Complexity::parse(&category.complexity)
        .ok_or_else(|| err!("internal", detail = "category complexity unknown"))?;
    let description = clean_text(
        &input.description,
        event::MAX_TEXT_CHARS,
        "event.description_too_long",
    )?;
    if description.is_empty() {
        return Err(err!("event.description_required"));
    }
    let address = input
        .address
        .as_deref()
        .map(|a| clean_text(a, 200, "event.address_too_long"))
        .transpose()?
        .filter(|a| !a.is_empty());
    match (input.lat, input.lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
        (None, None) => {}
        _ => {
            return Err(err!("event.location_invalid"));
        }
    }
    if input.photos.len() > event::MAX_ATTACHMENTS {
        return Err(err!("event.too_many_photos", max = event::MAX_ATTACHMENTS));
    }
    // Routing: a point decides, unless someone chose a grid by hand; the choice is recorded.
    let located = input.located_grid.as_ref();
    let (grid, route_note) = match (located, &input.chosen_grid, input.lat.is_some()) {
        (Some(l), Some(c), _) if &l.code != c => (
            chosen_grid(h, caller, c).await?,
            Some(format!(
                "routed by hand to {c}; the location lies in {}",
                l.code
            )),
        ),
        (Some(l), _, _) => (l.clone(), None),
        (None, Some(c), true) => (
            chosen_grid(h, caller, c).await?,
            Some(format!(
                "routed by hand to {c}; the location lies outside every grid"
            )),
        ),
        (None, Some(c), false) => (chosen_grid(h, caller, c).await?, None),
        (None, None, true) => {
            return Err(err!("event.location_outside"));
        }
        (None, None, false) => {
            return Err(err!("event.location_required"));
        }
    };
    let level = u8::try_from(category.handling_level.clamp(1, 5)).unwrap_or(1);
    let (owner_code, owner_path) = ancestor_at_level(&grid.path, level)
        .ok_or_else(|| err!("internal", detail = "grid path is shorter than its levels"))?;
    let owner_kind = kind_at_level(level);
    let new = NewEvent {
        at: Holder::Node {
            kind: owner_kind,
            code: owner_code,
        },
        urgency: input.urgency,
        description: description.clone(),
        photos: Vec::new(),
    };
    let (state, step) = event::report(actor, &new, now)?;
    let phone = input
        .reporter_phone
        .as_ref()
        .map(|p| p.expose().trim())
        .filter(|p| !p.is_empty())
        .map(validate_phone)
        .transpose()?
        .map(Sensitive::new);
    let name = input
        .reporter_name
        .as_ref()
        .map(|n| clean_text(n.expose(), 40, "event.name_too_long"))
        .transpose()?
        .map(Sensitive::new);
    if let Some(result) = &input.handled_on_spot {
        let on_spot = Action::HandleOnSpot {
            result: result.clone(),
            photos: Vec::new(),
        };
        event::allowed(&state, actor, &on_spot, now, ctx.rules)?;
    }
    Ok(Checked {
        source: input.source,
        category,
        complexity,
        description,
        lat: input.lat,
        lon: input.lon,
        address,
        grid,
        route_note,
        level,
        owner_path,
        urgency: input.urgency,
        state,
        step,
        phone,
        name,
        photos: input.photos,
        submission_key: input.submission_key,
        handled_on_spot: input.handled_on_spot,
    })
}

/// Seals the reporter's data and writes the numbered event, its party and first step (and the
/// photos and on-the-spot handling when given). With `commit` it ends `submit`'s hand-run
/// transaction: inside the write script when nothing else follows, else by a COMMIT of its own.
async fn write_report(
    h: &mut Handle<'_>,
    ctx: &EventCtx<'_>,
    caller: &Caller,
    c: Checked,
    slot: Slot,
    now: i64,
    commit: bool,
) -> Result<Reported, Error> {
    let (actor, actor_name) = (&caller.actor, caller.name.as_str());
    let Checked {
        category,
        complexity,
        description,
        address,
        grid,
        route_note,
        level,
        owner_path,
        mut state,
        mut step,
        ..
    } = c;
    let number = slot.number;
    let id = slot.id;
    // The one place the reporter's clear name and phone are read: sealed, and the phone indexed.
    let name = c.name.as_ref().map(|v| v.expose().as_str());
    let phone = c.phone.as_ref().map(|v| v.expose().as_str());
    let seal = |value: Option<&str>, column: &str| -> Result<Option<String>, Error> {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                ctx.keys.seal(
                    v,
                    &Aad {
                        table: "events",
                        column,
                        row: &number,
                    },
                )
            })
            .transpose()
    };
    let sealed_name = seal(name, "reporter_name")?;
    let sealed_phone = seal(phone, "reporter_phone")?;
    let phone_index = phone.map(|p| ctx.keys.blind_index("reporter_phone", p));
    let tracking = random_secret()?;
    let (level_due, final_due_at, calendar_missing) = dues(ctx, now, now, complexity, level);
    let due_at = event::acting_due(&state, now, level_due, ctx.rules);
    let state_json =
        serde_json::to_string(&state).map_err(|e| err!("internal", detail = e.to_string()))?;
    let row = NewRow {
        id,
        number: &number,
        source: c.source.as_str(),
        category_code: &category.code,
        complexity: complexity.as_str(),
        description: &description,
        lat: c.lat,
        lon: c.lon,
        address: &address,
        grid_id: grid.id,
        path: &grid.path,
        route_note: &route_note,
        level: i64::from(level),
        urgency: c.urgency.as_str(),
        status: state.status.as_str(),
        holder_path: &owner_path,
        holder_label: &slot.owner_name,
        state: &state_json,
        due_at,
        final_due_at,
        calendar_missing,
        reporter_name: &sealed_name,
        reporter_phone: &sealed_phone,
        reporter_phone_index: &phone_index,
        reporter_user_id: actor
            .user_id()
            .filter(|_| matches!(actor, Actor::Reporter { .. })),
        tracking_hash: sha256_hex(&tracking),
        submission_key: &c.submission_key,
        month: local_month(now)?,
        now,
    };
    let simple = c.photos.is_empty() && c.handled_on_spot.is_none();
    if c.photos.is_empty() {
        // The usual report: event, party and first step in one round trip.
        let first = history_row(id, 1, "genesis", &step, actor_name, now);
        write_event(h, &row, Some(&first), commit && simple).await?;
    } else {
        write_event(h, &row, None, false).await?;
        step.attachments = add_photos(h, id, &c.photos, now).await?;
        insert_step(h, id, 1, "genesis", &step, actor_name, now).await?;
    }
    if let Some(result) = c.handled_on_spot {
        let action = Action::HandleOnSpot {
            result,
            photos: step.attachments.clone(),
        };
        let (next, s) = event::apply(&state, actor, &action, now, ctx.rules)?;
        state = next;
        step = s;
        store_state(h, ctx, id, &state, now).await?;
        append_step(h, id, &step, actor_name, now).await?;
        let event = get(h, &System::acting().scope(), &number).await?;
        if commit {
            h.commit_by_hand().await?;
        }
        return Ok(Reported {
            number,
            tracking_token: Some(tracking),
            event,
            duplicate_submission: false,
        });
    }
    if commit && !simple {
        h.commit_by_hand().await?;
    }
    // Everything the row holds is at hand; reading it back would only cost a round trip.
    let event = EventRow {
        id,
        number: number.clone(),
        source: c.source.as_str().to_string(),
        category_code: category.code.clone(),
        category_name: category.name.clone(),
        category_name_en: category.name_en.clone(),
        complexity: complexity.as_str().to_string(),
        description,
        lat: c.lat,
        lon: c.lon,
        address,
        grid_code: grid.code.clone(),
        grid_name: grid.name.clone(),
        path: grid.path.clone(),
        route_note,
        level: i64::from(level),
        urgency: c.urgency.as_str().to_string(),
        status: state.status,
        holder_path: owner_path,
        holder_label: slot.owner_name,
        state: state_json,
        level_started_at: now,
        due_at,
        final_due_at,
        calendar_missing,
        rework_count: 0,
        reminder_count: 0,
        reminded_light: String::new(),
        supervision: None,
        rating: None,
        rating_comment: None,
        reported_at: now,
        closed_at: None,
        updated_at: now,
        me_too_count: 0,
    };
    Ok(Reported {
        number,
        tracking_token: Some(tracking),
        event,
        duplicate_submission: false,
    })
}
