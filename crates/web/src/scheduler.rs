//! The scheduler: overdue events, reminders at yellow and red, automatic escalation; one
//! instance at a time through a lease in the database.
//!
//! Every `tick` first takes or renews the lease [`LEASE`] for its holder (a random id per server
//! process); an instance that does not hold it does nothing. Each event is then handled in a
//! transaction of its own that renews the lease again before it writes anything: on PostgreSQL
//! the renewal locks the lease row until the commit, so two instances can never both write a
//! reminder or an escalation, even when one of them was paused past the lease's end. An event
//! that fails is logged and skipped; the rest go on.
//!
//! # Who the scheduler acts as
//!
//! The scheduler is not a user, and the workflow (`wangge_domain::event`) knows only reporters
//! and staff. It therefore acts through the same rules as people, with a staff identity whose
//! `user_id` is 0 (no user has that id) and whose role and node say on whose behalf it acts:
//!
//! * **Reminders (催办)** come from the city's centre: `Operator` at the city node (the first
//!   code of the event's path), named "系统". The domain lets whoever may accept an event remind
//!   its holder unless they are the holder; the city's centre oversees every level. The one case
//!   it refuses is an event held by the city node itself (nobody stands above the city to urge
//!   it): the light is still recorded as reminded so it is not retried, and the red light shows
//!   on every list.
//! * **Automatic escalation (自动上报)** is the owning node escalating by rule: the role that
//!   handles the owner's kind of node (grid → worker, village → grid leader, township, county and
//!   city → operator) at the owner's node, named "系统自动上报". It applies to events of a
//!   category marked `auto_escalate`, accepted at a level below the city, whose level limit has
//!   passed. The escalation restarts the level's time, so one lateness escalates once.
//!
//! The history shows these names, and `actor_user_id` 0 marks the steps as the system's.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::{self, Light, Remit};
use wangge_domain::err;
use wangge_domain::event::{self, Action, Actor, Holder, Staff, Status};
use wangge_domain::{Error, NodeKind, Role, System};
use wangge_store::events::{self, Caller, EventRow};

use crate::auth::Me;
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::state::AppState;

/// The name of the lease in the database.
pub const LEASE: &str = "scheduler";
/// How long a lease lasts without renewal; a few ticks, so a dead instance is replaced soon.
pub const LEASE_TTL_MS: i64 = 120_000;
/// How often `spawn` ticks unless `WANGGE_SCHEDULER_INTERVAL_S` says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// The most events one tick looks at per query; the rest wait for the next tick.
const BATCH: i64 = 500;

/// The history notes of the scheduler's steps.
pub const NOTE_YELLOW: &str = "时限已过80%,请尽快办理";
pub const NOTE_RED: &str = "已超时,请立即办理";
pub const NOTE_ESCALATE: &str = "超过本级办理时限,系统自动上报";
/// The names the history shows for the scheduler's steps.
pub const NAME_REMIND: &str = "系统";
pub const NAME_ESCALATE: &str = "系统自动上报";

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// False when another instance holds the lease: this one did nothing.
    pub leased: bool,
    /// Events looked at.
    pub examined: usize,
    /// Reminders written at yellow and at red.
    pub reminded_yellow: usize,
    pub reminded_red: usize,
    /// Lights recorded without a reminder step (the city node holds the event itself).
    pub reminders_skipped: usize,
    /// Events escalated one level up by the rule of their category.
    pub escalated: usize,
    /// Events whose handling failed (logged); they are tried again next tick.
    pub failed: usize,
}

/// This process's holder id for the lease, random and made once.
pub fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| match wangge_store::auth::random_secret() {
        Ok(s) => format!("wangge-{}", &s[..16.min(s.len())]),
        Err(_) => format!("wangge-{}-{}", std::process::id(), wangge_store::now_ms()),
    })
}

/// Runs the scheduler in the background: one tick now and then every interval
/// (`WANGGE_SCHEDULER_INTERVAL_S`, default 30 s), as [`instance_id`]. Each round also reloads
/// the working-day calendar, so every instance sees a year entered on any of them.
pub fn spawn(state: AppState) {
    let interval = std::env::var("WANGGE_SCHEDULER_INTERVAL_S")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_INTERVAL);
    tokio::spawn(async move {
        let holder = instance_id();
        loop {
            // A year an administrator entered on another instance reaches this one here.
            if let Err(e) = state.reload_calendar().await {
                tracing::warn!(error = %e, "cannot reload the calendar");
            }
            match tick(&state, holder).await {
                Ok(r) if r.leased && r != leased_idle() => {
                    tracing::info!(?r, "scheduler tick");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}

fn leased_idle() -> TickReport {
    TickReport {
        leased: true,
        ..TickReport::default()
    }
}

/// One pass: take or renew the lease, then remind and escalate what is due. Only the holder of
/// the lease does any work.
pub async fn tick(state: &AppState, holder: &str) -> Result<TickReport, Error> {
    let now = state.now();
    let (candidates, auto) = {
        let mut c = state.db.conn().await?;
        let h = &mut c.handle();
        if !events::try_lease(h, LEASE, holder, now, LEASE_TTL_MS).await? {
            return Ok(TickReport::default());
        }
        let mut list = events::needing_reminders(h, now, BATCH).await?;
        list.extend(events::overdue_auto_escalations(h, now, BATCH).await?);
        let auto: HashSet<String> = events::categories(h)
            .await?
            .into_iter()
            .filter(|c| c.auto_escalate)
            .map(|c| c.code)
            .collect();
        (list, auto)
    };
    let mut report = leased_idle();
    let cal = state.calendar();
    let mut seen = HashSet::new();
    for ev in candidates {
        if !seen.insert(ev.id) {
            continue;
        }
        report.examined += 1;
        if plan(&ev, now, &cal, &auto) == (None, false) {
            continue;
        }
        match handle_event(state, holder, &ev.number, &auto, now).await {
            Ok(Outcome::LostLease) => {
                tracing::info!("scheduler lease lost; another instance carries on");
                report.leased = false;
                break;
            }
            Ok(Outcome::Done {
                reminded,
                skipped,
                escalated,
            }) => {
                match reminded {
                    Some(Light::Yellow) => report.reminded_yellow += 1,
                    Some(Light::Red) => report.reminded_red += 1,
                    _ => {}
                }
                report.reminders_skipped += usize::from(skipped);
                report.escalated += usize::from(escalated);
            }
            Err(e) => {
                tracing::warn!(event = %ev.number, error = %e, "scheduler skipped an event");
                report.failed += 1;
            }
        }
    }
    // The workbench's daily log-in check: each day judged once, under the same lease.
    if report.leased
        && let Err(e) = daily_logins(state, holder, now).await
    {
        tracing::warn!(error = %e, "daily log-in check failed");
    }
    // Volunteers' clues verified true earn their points, under the same lease.
    if report.leased
        && let Err(e) = volunteer_clues(state, holder, now).await
    {
        tracing::warn!(error = %e, "volunteer clue points failed");
    }
    Ok(report)
}

/// The daily log-in check (judged days, reminders, drafted notices) in one transaction that
/// renews the lease first, so two instances never both judge a day.
async fn daily_logins(state: &AppState, holder: &str, now: i64) -> Result<(), Error> {
    let mut tx = state.db.begin().await?;
    let h = &mut tx.handle();
    if !events::try_lease(h, LEASE, holder, now, LEASE_TTL_MS).await? {
        return Ok(());
    }
    wangge_store::workbench::logins::run_checks(h, &state.calendar(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Volunteers' clue points (`store::volunteers::clues`) in one transaction behind the lease.
async fn volunteer_clues(state: &AppState, holder: &str, now: i64) -> Result<(), Error> {
    let mut tx = state.db.begin().await?;
    let h = &mut tx.handle();
    if !events::try_lease(h, LEASE, holder, now, LEASE_TTL_MS).await? {
        return Ok(());
    }
    wangge_store::volunteers::clues::award_verified(h, now).await?;
    tx.commit().await?;
    Ok(())
}

enum Outcome {
    LostLease,
    Done {
        reminded: Option<Light>,
        skipped: bool,
        escalated: bool,
    },
}

/// Everything for one event, in one transaction.
async fn handle_event(
    state: &AppState,
    holder: &str,
    number: &str,
    auto: &HashSet<String>,
    now: i64,
) -> Result<Outcome, Error> {
    let cal = state.calendar();
    let ctx = state.event_ctx(&cal);
    let mut tx = state.db.begin().await?;
    let h = &mut tx.handle();
    if !events::try_lease(h, LEASE, holder, now, LEASE_TTL_MS).await? {
        return Ok(Outcome::LostLease);
    }
    // Read again inside the transaction: someone may have acted since the list was made.
    let mut ev = events::get(h, &System::acting().scope(), number).await?;
    let (due, escalate) = plan(&ev, now, &cal, auto);
    let mut reminded = None;
    let mut skipped = false;
    if let Some(light) = due {
        let caller = reminder_caller(&ev)?;
        let action = Action::Remind {
            note: match light {
                Light::Red => NOTE_RED,
                _ => NOTE_YELLOW,
            }
            .to_string(),
        };
        let st = ev.state()?;
        if event::allowed(&st, &caller.actor, &action, now, ctx.rules).is_ok() {
            ev = events::apply_to(h, &ctx, &caller, &ev, action, &[], now).await?;
            reminded = Some(light);
        } else {
            skipped = true;
        }
        events::mark_reminded(h, ev.id, light.code()).await?;
    }
    let mut escalated = false;
    if escalate && ev.status == Status::Accepted {
        let caller = escalation_caller(&ev)?;
        let action = Action::Escalate {
            // The store fills in the parent of the owning node.
            to: String::new(),
            due_ms: None,
            note: NOTE_ESCALATE.to_string(),
        };
        ev = events::apply_to(h, &ctx, &caller, &ev, action, &[], now).await?;
        // The new level's time starts afresh, and so do its reminders.
        events::mark_reminded(h, ev.id, "").await?;
        escalated = true;
    }
    tx.commit().await?;
    Ok(Outcome::Done {
        reminded,
        skipped,
        escalated,
    })
}

/// What an event needs now: a reminder at this light (once per light and level), and whether
/// its category escalates it because its level's own limit has passed. The whole case's limit
/// passing does not escalate (the level due is the earlier of the two): each level keeps its
/// own time, so one lateness escalates once.
fn plan(ev: &EventRow, now: i64, cal: &Calendar, auto: &HashSet<String>) -> (Option<Light>, bool) {
    let remind = match ev.light(now) {
        Some(Light::Red) if ev.reminded_light != "red" => Some(Light::Red),
        Some(Light::Yellow) if ev.reminded_light.is_empty() => Some(Light::Yellow),
        _ => None,
    };
    let level = u8::try_from(ev.level).unwrap_or(event::LEVEL_MAX);
    let escalate = ev.status == Status::Accepted
        && level < event::LEVEL_MAX
        && auto.contains(&ev.category_code)
        && ev.due_at.is_some_and(|d| d < now)
        && level_limit(ev, level, cal).is_some_and(|d| d < now);
    (remind, escalate)
}

/// When the event's current level must have acted, counted from the level's start alone.
fn level_limit(ev: &EventRow, level: u8, cal: &Calendar) -> Option<i64> {
    deadline::due(ev.level_started_at, Remit::of_level(level).period(), cal).ok()
}

/// The city centre (operator at the first code of the event's path), as the system.
fn reminder_caller(ev: &EventRow) -> Result<Caller, Error> {
    let city = ev
        .path
        .split('/')
        .find(|s| !s.is_empty())
        .ok_or_else(|| err!("internal", detail = "event path is empty"))?;
    Ok(Caller {
        actor: Actor::Staff(Staff {
            user_id: System::USER_ID,
            role: Role::Operator,
            node_kind: NodeKind::City,
            node_code: city.to_string(),
        }),
        name: NAME_REMIND.to_string(),
        scope: System::acting().scope(),
    })
}

/// The owning node's handler role at the owning node, as the system.
fn escalation_caller(ev: &EventRow) -> Result<Caller, Error> {
    let st = ev.state()?;
    let Holder::Node { kind, code } = st.owner else {
        return Err(err!("internal", detail = "the owner of an event is a node"));
    };
    let role = match kind {
        NodeKind::Grid => Role::Worker,
        NodeKind::Village => Role::GridLeader,
        NodeKind::Township | NodeKind::County | NodeKind::City => Role::Operator,
        NodeKind::Building | NodeKind::Unit | NodeKind::Department => {
            return Err(err!("internal", detail = "the owner has no level"));
        }
    };
    Ok(Caller {
        actor: Actor::Staff(Staff {
            user_id: System::USER_ID,
            role,
            node_kind: kind,
            node_code: code,
        }),
        name: NAME_ESCALATE.to_string(),
        scope: System::acting().scope(),
    })
}

/// The test clock, only when the server started with `WANGGE_TEST_CLOCK=1`; otherwise nothing.
pub fn routes() -> Router<AppState> {
    routes_with(test_clock_enabled())
}

/// The test clock's route when `enabled`, else an empty router.
pub fn routes_with(enabled: bool) -> Router<AppState> {
    if enabled {
        Router::new().route("/api/v1/test/clock", post(advance_clock))
    } else {
        Router::new()
    }
}

/// Whether `WANGGE_TEST_CLOCK=1` is set.
pub fn test_clock_enabled() -> bool {
    std::env::var("WANGGE_TEST_CLOCK").is_ok_and(|v| v.trim() == "1")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceReq {
    advance_ms: i64,
}

/// The most one call may move the clock: ten years either way.
const MAX_ADVANCE_MS: i64 = 10 * 366 * 24 * 3600 * 1000;

/// `POST /api/v1/test/clock {"advance_ms": N}`: moves this server's clock and runs one tick.
async fn advance_clock(
    State(state): State<AppState>,
    me: Me,
    ApiJson(req): ApiJson<AdvanceReq>,
) -> AppResult<Json<Value>> {
    me.require_tree_editor()?;
    if !(-MAX_ADVANCE_MS..=MAX_ADVANCE_MS).contains(&req.advance_ms) {
        return Err(err!(
            "request.invalid",
            reason = "advance_ms must lie within ten years either way"
        )
        .into());
    }
    state.clock.advance(req.advance_ms);
    let report = tick(&state, instance_id()).await?;
    let now = state.now();
    Ok(Json(json!({
        "now": deadline::format_rfc3339(now).unwrap_or_default(),
        "now_ms": now,
        "tick": report,
    })))
}
