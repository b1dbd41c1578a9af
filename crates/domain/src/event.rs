//! The event (事件) workflow as a pure state machine: no I/O, no clock, no tree look-ups.
//!
//! ```text
//! report ─┬─ handle_on_spot (level 1, grid worker) ───────────────────────────┐
//!         ├─ reject (reason) → Rejected ■                                     │
//!         ├─ cancel / merge → Cancelled ■ / Merged ■   (from any open status) │
//!         └─ accept → Accepted ─┬─ escalate (level + 1) → Accepted upstairs   │
//!                     ▲   ▲     ├─ assign (due) → Assigned ─┬─ transfer       │
//!                     │   │     │                  ▲        ├─ return (reason)┘→ Accepted
//!                     │   │     └─ feedback ───┐   │        └─ feedback ─┐
//!                     │   │                    ▼   │                     ▼
//!                     │   └──── verify fail (rework + 1) ── FeedbackGiven ◄┘
//!                     │                               verify pass │
//!                     └──── reopen (once, in window) ── Closed ◄──┘ ── rate (once, in window)
//! ```
//!
//! * [`report`] makes the first state and step; [`apply`] makes every later one and returns the
//!   [`Step`] to append to the event's history, which is append-only: a step is never changed.
//! * [`allowed`] is the permission rule alone and [`available_actions`] lists the kinds an actor
//!   may do now, so the UI shows only those. `allowed` and `apply` agree: `apply` succeeds exactly
//!   when `allowed` does, and an action's kind is in `available_actions` exactly when the action
//!   passes every check except the validation of its own inputs.
//! * Scope — whether the actor may see the event at all — is checked by the caller with
//!   [`crate::scope`] before anything here; an event outside the caller's scope is a 404 there.
//!   Here a staff member's node matters only by its kind (its level) and its code (to match the
//!   holder). The caller also resolves codes: that an escalation's target is the parent of the
//!   current node, that an assignment's node or department exists, that a merge target exists
//!   and is not this event, and that the [`Actor::Reporter`] really is the person who reported.
//!
//! Who may do what (a "handler of X" is a staff member attached to X with the role that works
//! there: grid → worker, village → grid leader, township → commander or operator, county and city
//! → operator, department → department handler, person → that user; "overseer at level L" is an
//! operator, commander or grid leader whose node's level is at least L):
//!
//! | action | status | who |
//! |---|---|---|
//! | accept, reject | Reported | handler of the owning node, or an overseer at the event's level |
//! | handle_on_spot | Reported, level 1 | the grid worker of the owning grid |
//! | escalate | Accepted, level < 5 | handler of the owning node |
//! | assign | Accepted, or Assigned (to reassign or recall a stalled task) | handler of the owning node, or an overseer |
//! | feedback | Accepted, Assigned | the current holder |
//! | transfer | Assigned to a department | that department's handler |
//! | return | Assigned | the current holder |
//! | verify | FeedbackGiven | an overseer who did not give the feedback |
//! | rate, reopen | Closed, within the rating window | the reporter; once each, reopen only before rating |
//! | remind | any open status | the reporter, whoever may accept, or an operator or leader at or above the event's level; never the current holder |
//! | supervise | any open status | an operator (centre) or a leader at or above the event's level |
//! | cancel, merge | any open status | handler of the owning node, or an overseer |
//! | raise_urgency | any open status | the public (residents' "me too"s; the caller counts them) |
//!
//! Levels: 1 grid, 2 village/community, 3 township/street, 4 county/district, 5 city; see
//! [`level_of_kind`]. "Handled on the spot" (就地办结) is a step on a freshly reported level-1
//! event that takes it straight to FeedbackGiven, so the grid leader (or the centre) verifies it
//! like any other feedback. Verification that passes closes the event (结案); the step's
//! [`Step::label`] is then "close", and "rework" when it fails. Closed events change only by
//! rate and reopen; Rejected, Cancelled and Merged are terminal.

use serde::{Deserialize, Serialize};

use crate::role::Role;
use crate::tree::NodeKind;

mod error;
mod number;
mod permit;
#[cfg(test)]
mod tests;
mod validate;

pub use error::WorkflowError;
pub use number::{EVENT_NUMBER_PREFIX, EventNumber, event_number, parse_event_number};
use permit::permit;
pub use permit::{InHand, in_hand, may_reveal_reporter};
use validate::{check_attachments, required, validate};

/// The lowest level: handled inside the grid.
pub const LEVEL_MIN: u8 = 1;
/// The highest level: the city; escalation beyond it is refused.
pub const LEVEL_MAX: u8 = 5;
/// The longest note, reason, result or comment, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The most attachments (photo references) one step may carry.
pub const MAX_ATTACHMENTS: usize = 9;
/// Seven days, the default rating (and reopening) window.
pub const DEFAULT_RATING_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How soon an emergency must be accepted unless configured otherwise.
pub const DEFAULT_EMERGENCY_ACCEPT_MINUTES: u32 = 30;

/// The event level of a node kind: grid 1, village 2, township 3, county 4, city 5; other kinds
/// (building, unit, department) have none.
pub fn level_of_kind(kind: NodeKind) -> Option<u8> {
    match kind {
        NodeKind::Grid => Some(1),
        NodeKind::Village => Some(2),
        NodeKind::Township => Some(3),
        NodeKind::County => Some(4),
        NodeKind::City => Some(5),
        NodeKind::Building | NodeKind::Unit | NodeKind::Department => None,
    }
}

/// The node kind that owns events of this level, the inverse of [`level_of_kind`].
pub fn kind_of_level(level: u8) -> Option<NodeKind> {
    match level {
        1 => Some(NodeKind::Grid),
        2 => Some(NodeKind::Village),
        3 => Some(NodeKind::Township),
        4 => Some(NodeKind::County),
        5 => Some(NodeKind::City),
        _ => None,
    }
}

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stable name used in the API, the database and the UI's message keys.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }

        $crate::named_enum_conversions!($name, stringify!($name));

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum! {
    /// How fast an event must move (一般 / 紧急 / 特急). Recorded and shown; the workflow's rules
    /// do not depend on it (the caller derives time limits from it).
    Urgency {
        Normal => "normal",
        Urgent => "urgent",
        Emergency => "emergency",
    }
}

str_enum! {
    /// A supervision mark (督办): important items end to end, urgent ones at once, ordinary ones
    /// periodically.
    Mark {
        Important => "important",
        Urgent => "urgent",
        Ordinary => "ordinary",
    }
}

str_enum! {
    /// Where an event stands.
    Status {
        /// Reported (上报), waiting to be accepted at its level.
        Reported => "reported",
        /// Accepted (受理) and in handling at its level, held by the owning node.
        Accepted => "accepted",
        /// Assigned (交办): held by a department, a lower node or a person, with its own due time.
        Assigned => "assigned",
        /// Feedback given (反馈), awaiting verification (核查).
        FeedbackGiven => "feedback_given",
        /// Closed (结案) after verification passed; open to rating and one reopening.
        Closed => "closed",
        /// Not accepted (不予受理). Terminal.
        Rejected => "rejected",
        /// Cancelled (作废), perhaps as a duplicate of another event. Terminal.
        Cancelled => "cancelled",
        /// Merged into another event, which carries on the work. Terminal.
        Merged => "merged",
    }
}

impl Urgency {
    /// Higher is more urgent.
    pub fn rank(self) -> u8 {
        match self {
            Urgency::Normal => 0,
            Urgency::Urgent => 1,
            Urgency::Emergency => 2,
        }
    }
}

impl Status {
    /// Rejected, Cancelled and Merged: nothing more can happen.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Rejected | Status::Cancelled | Status::Merged)
    }

    /// Still being worked on: neither closed nor terminal.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Reported | Status::Accepted | Status::Assigned | Status::FeedbackGiven
        )
    }
}

str_enum! {
    /// The kind of a step, the stable name recorded in history.
    ActionKind {
        /// The first step, made by [`report`]; never available to [`apply`].
        Report => "report",
        Accept => "accept",
        Reject => "reject",
        Escalate => "escalate",
        Assign => "assign",
        Transfer => "transfer",
        Return => "return",
        Feedback => "feedback",
        Verify => "verify",
        Rate => "rate",
        Remind => "remind",
        Supervise => "supervise",
        Cancel => "cancel",
        Merge => "merge",
        Reopen => "reopen",
        HandleOnSpot => "handle_on_spot",
        /// The urgency raised because enough residents said "me too" (我也遇到); the step's
        /// note is how many had.
        RaiseUrgency => "raise_urgency",
    }
}

/// Who holds an event: a node of the tree (owning it at its level, or assigned to a lower one),
/// a department (职能部门), or one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Holder {
    Node { kind: NodeKind, code: String },
    Department { code: String },
    Person { user_id: i64 },
}

impl Holder {
    /// The level of a node holder whose kind has one.
    pub fn level(&self) -> Option<u8> {
        match self {
            Holder::Node { kind, .. } => level_of_kind(*kind),
            Holder::Department { .. } | Holder::Person { .. } => None,
        }
    }
}

/// A staff member as the workflow sees them: their user, role and the node they are attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub user_id: i64,
    pub role: Role,
    pub node_kind: NodeKind,
    pub node_code: String,
}

/// Who acts. The reporter is whoever reported the event (a resident following it by number, or
/// the staff member who reported it) when acting as its reporter; the caller decides that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    Reporter { user_id: Option<i64> },
    Staff(Staff),
}

impl Actor {
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::Reporter { user_id } => *user_id,
            Actor::Staff(s) => Some(s.user_id),
        }
    }

    fn staff(&self) -> Option<&Staff> {
        match self {
            Actor::Staff(s) => Some(s),
            Actor::Reporter { .. } => None,
        }
    }

    fn is_reporter(&self) -> bool {
        matches!(self, Actor::Reporter { .. })
    }
}

/// One action on an event, with its inputs. Texts are trimmed before they are checked and recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 受理: optionally the due time at this level and a corrected urgency.
    Accept {
        due_ms: Option<i64>,
        urgency: Option<Urgency>,
        note: String,
    },
    /// 不予受理.
    Reject { reason: String },
    /// 上报: to the code of the next node up (the caller resolves the parent), with the due time
    /// there if the caller computed one.
    Escalate {
        to: String,
        due_ms: Option<i64>,
        note: String,
    },
    /// 交办: to a department (level 3 and up), a lower node, or a person, due by `due_ms`. On an
    /// event already assigned it reassigns (the owner taking a stalled task from its holder).
    Assign {
        to: Holder,
        due_ms: i64,
        note: String,
    },
    /// 移交: from the holding department to another; `due_ms` replaces the receiver's due time.
    Transfer {
        to: Holder,
        reason: String,
        due_ms: Option<i64>,
    },
    /// 退回: the receiver of an assignment sends it back to the owning node.
    Return { reason: String },
    /// 反馈: the result, with photo references.
    Feedback { result: String, photos: Vec<String> },
    /// 核查: pass closes the event (结案); fail sends it back (返工) and needs a note.
    Verify { pass: bool, note: String },
    /// 评价: 1 to 5 stars.
    Rate { stars: u8, comment: String },
    /// 催办.
    Remind { note: String },
    /// 督办: set or change the supervision mark.
    Supervise { mark: Mark, note: String },
    /// 作废, optionally as a duplicate of another event (its number).
    Cancel {
        reason: String,
        duplicate_of: Option<String>,
    },
    /// Merge into another event (its number), which carries on the work.
    Merge { into: String, note: String },
    /// Reopen a closed event: once, by the reporter, within the rating window, before rating.
    Reopen { reason: String },
    /// 就地办结: the grid worker reports a level-1 event already handled.
    HandleOnSpot { result: String, photos: Vec<String> },
    /// Residents' "me too"s (我也遇到) reached the category's threshold: the urgency goes up
    /// to `urgency`; `me_too` is the count that did it.
    RaiseUrgency { urgency: Urgency, me_too: u32 },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept { .. } => ActionKind::Accept,
            Action::Reject { .. } => ActionKind::Reject,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Return { .. } => ActionKind::Return,
            Action::Feedback { .. } => ActionKind::Feedback,
            Action::Verify { .. } => ActionKind::Verify,
            Action::Rate { .. } => ActionKind::Rate,
            Action::Remind { .. } => ActionKind::Remind,
            Action::Supervise { .. } => ActionKind::Supervise,
            Action::Cancel { .. } => ActionKind::Cancel,
            Action::Merge { .. } => ActionKind::Merge,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::HandleOnSpot { .. } => ActionKind::HandleOnSpot,
            Action::RaiseUrgency { .. } => ActionKind::RaiseUrgency,
        }
    }
}

/// Settings of the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// How long after closing the reporter may rate or reopen.
    pub rating_window_ms: i64,
    /// Minutes within which an emergency must be accepted.
    pub emergency_accept_minutes: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            rating_window_ms: DEFAULT_RATING_WINDOW_MS,
            emergency_accept_minutes: DEFAULT_EMERGENCY_ACCEPT_MINUTES,
        }
    }
}

/// The instant the holder must act by, which lights, lists and reminders watch: an assignment's
/// own due time while assigned; for an emergency not yet accepted, the configured minutes from
/// the report (or the level's limit, if sooner); otherwise the level's limit. Minutes need no
/// calendar, so an emergency has a due time even when the level's limit is unknown.
pub fn acting_due(
    state: &EventState,
    level_start_ms: i64,
    level_due_ms: Option<i64>,
    rules: &Rules,
) -> Option<i64> {
    match (state.status, state.urgency, state.assignment_due_ms) {
        (Status::Assigned, _, Some(d)) => Some(d),
        (Status::Reported, Urgency::Emergency, _) => {
            let minutes = i64::from(rules.emergency_accept_minutes) * 60_000;
            let accept_by = level_start_ms.saturating_add(minutes);
            Some(level_due_ms.map_or(accept_by, |d| d.min(accept_by)))
        }
        _ => level_due_ms,
    }
}

/// What [`report`] needs: where the event is reported (a node with a level), how urgent it is,
/// its description and photo references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub at: Holder,
    pub urgency: Urgency,
    pub description: String,
    pub photos: Vec<String>,
}

/// The workflow state of one event. History lives in its steps; this is the summary they lead to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventState {
    pub status: Status,
    /// 1 to 5; see [`level_of_kind`].
    pub level: u8,
    pub urgency: Urgency,
    /// The node that owns the event at its level; its kind always has `level`.
    pub owner: Holder,
    /// Who has it now: the owner, or whoever it was assigned or transferred to.
    pub holder: Holder,
    /// Due time at the current level, if set at acceptance or escalation.
    pub due_ms: Option<i64>,
    /// Due time of the current assignment.
    pub assignment_due_ms: Option<i64>,
    /// Failed verifications (返工).
    pub rework_count: u32,
    /// Reminders (催办) received.
    pub reminder_count: u32,
    /// Reopened once already.
    pub reopened: bool,
    /// The user who gave the feedback now awaiting verification (they may not verify it).
    pub feedback_by: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub rating: Option<u8>,
    pub supervision: Option<Mark>,
    /// The event this one duplicates or was merged into.
    pub link: Option<String>,
}

/// One entry of the append-only history: what to store after a successful [`apply`] or [`report`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub action: ActionKind,
    pub actor: Actor,
    pub at_ms: i64,
    /// The reason, note, result or comment given, trimmed; may be empty.
    pub note: String,
    /// Photo or file references; the caller may add more before storing.
    pub attachments: Vec<String>,
    pub from_status: Status,
    pub to_status: Status,
    pub from_level: u8,
    pub to_level: u8,
    pub from_holder: Holder,
    pub to_holder: Holder,
    /// A due time set by this step.
    pub due_ms: Option<i64>,
    pub stars: Option<u8>,
    pub mark: Option<Mark>,
    /// A linked event number (duplicate of, merged into).
    pub link: Option<String>,
}

impl Step {
    /// The name to show: the action's, except a verification shows as "close" when it passed
    /// and "rework" when it failed.
    pub fn label(&self) -> &'static str {
        match (self.action, self.to_status) {
            (ActionKind::Verify, Status::Closed) => "close",
            (ActionKind::Verify, _) => "rework",
            (kind, _) => kind.as_str(),
        }
    }
}

/// The first state and step of a new event. `at` must be a node with a level (grid to city);
/// anyone but a leader (read-only) may report, and the description is required.
pub fn report(
    actor: &Actor,
    new: &NewEvent,
    now_ms: i64,
) -> Result<(EventState, Step), WorkflowError> {
    if let Some(s) = actor.staff()
        && matches!(s.role, Role::Leader)
    {
        return Err(WorkflowError::RoleNotAllowed {
            action: ActionKind::Report,
        });
    }
    let (level, code) = match &new.at {
        Holder::Node { kind, code } => (level_of_kind(*kind), code),
        Holder::Department { .. } | Holder::Person { .. } => (None, &String::new()),
    };
    let Some(level) = level else {
        return Err(WorkflowError::LevelInvalid);
    };
    if code.trim().is_empty() {
        return Err(WorkflowError::TargetRequired);
    }
    let description = required(&new.description, WorkflowError::DescriptionRequired)?;
    check_attachments(&new.photos)?;
    let state = EventState {
        status: Status::Reported,
        level,
        urgency: new.urgency,
        owner: new.at.clone(),
        holder: new.at.clone(),
        due_ms: None,
        assignment_due_ms: None,
        rework_count: 0,
        reminder_count: 0,
        reopened: false,
        feedback_by: None,
        closed_at_ms: None,
        rating: None,
        supervision: None,
        link: None,
    };
    let step = Step {
        action: ActionKind::Report,
        actor: actor.clone(),
        at_ms: now_ms,
        note: description,
        attachments: new.photos.clone(),
        from_status: Status::Reported,
        to_status: Status::Reported,
        from_level: level,
        to_level: level,
        from_holder: new.at.clone(),
        to_holder: new.at.clone(),
        due_ms: None,
        stars: None,
        mark: None,
        link: None,
    };
    Ok((state, step))
}

/// The kinds of action `actor` may take on the event now (inputs aside), in a fixed order.
pub fn available_actions(
    state: &EventState,
    actor: &Actor,
    now_ms: i64,
    rules: &Rules,
) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|&k| permit(state, actor, k, now_ms, rules).is_ok())
        .collect()
}

/// Whether `actor` may take `action` now: the status, the role, the conditions of the moment
/// (level, window, once-only) and then the action's inputs. Errors come in that order.
pub fn allowed(
    state: &EventState,
    actor: &Actor,
    action: &Action,
    now_ms: i64,
    rules: &Rules,
) -> Result<(), WorkflowError> {
    permit(state, actor, action.kind(), now_ms, rules)?;
    validate(state, action, now_ms)
}

/// Take `action`: the new state and the step to append to history, or why not.
pub fn apply(
    state: &EventState,
    actor: &Actor,
    action: &Action,
    now_ms: i64,
    rules: &Rules,
) -> Result<(EventState, Step), WorkflowError> {
    allowed(state, actor, action, now_ms, rules)?;
    let mut next = state.clone();
    let note: String;
    let mut attachments = Vec::new();
    let mut due = None;
    let mut stars = None;
    let mut mark = None;
    let mut link = None;
    match action {
        Action::Accept {
            due_ms,
            urgency,
            note: n,
        } => {
            next.status = Status::Accepted;
            next.due_ms = *due_ms;
            if let Some(u) = urgency {
                next.urgency = *u;
            }
            due = *due_ms;
            note = n.trim().to_string();
        }
        Action::Reject { reason } => {
            next.status = Status::Rejected;
            note = reason.trim().to_string();
        }
        Action::Escalate {
            to,
            due_ms,
            note: n,
        } => {
            let level = state.level.saturating_add(1);
            let kind = kind_of_level(level).ok_or(WorkflowError::LevelMax)?;
            let up = Holder::Node {
                kind,
                code: to.trim().to_string(),
            };
            next.level = level;
            next.owner = up.clone();
            next.holder = up;
            next.status = Status::Accepted;
            next.due_ms = *due_ms;
            next.assignment_due_ms = None;
            due = *due_ms;
            note = n.trim().to_string();
        }
        Action::Assign {
            to,
            due_ms,
            note: n,
        } => {
            next.status = Status::Assigned;
            next.holder = trimmed_holder(to);
            next.assignment_due_ms = Some(*due_ms);
            due = Some(*due_ms);
            note = n.trim().to_string();
        }
        Action::Transfer { to, reason, due_ms } => {
            next.holder = trimmed_holder(to);
            if due_ms.is_some() {
                next.assignment_due_ms = *due_ms;
            }
            due = *due_ms;
            note = reason.trim().to_string();
        }
        Action::Return { reason } => {
            next.status = Status::Accepted;
            next.holder = state.owner.clone();
            next.assignment_due_ms = None;
            note = reason.trim().to_string();
        }
        Action::Feedback { result, photos } | Action::HandleOnSpot { result, photos } => {
            next.status = Status::FeedbackGiven;
            next.feedback_by = actor.user_id();
            note = result.trim().to_string();
            attachments = photos.clone();
        }
        Action::Verify { pass, note: n } => {
            next.feedback_by = None;
            if *pass {
                next.status = Status::Closed;
                next.closed_at_ms = Some(now_ms);
            } else {
                next.status = if state.holder == state.owner {
                    Status::Accepted
                } else {
                    Status::Assigned
                };
                next.rework_count = state.rework_count.saturating_add(1);
            }
            note = n.trim().to_string();
        }
        Action::Rate { stars: s, comment } => {
            next.rating = Some(*s);
            stars = Some(*s);
            note = comment.trim().to_string();
        }
        Action::Remind { note: n } => {
            next.reminder_count = state.reminder_count.saturating_add(1);
            note = n.trim().to_string();
        }
        Action::Supervise { mark: m, note: n } => {
            next.supervision = Some(*m);
            mark = Some(*m);
            note = n.trim().to_string();
        }
        Action::Cancel {
            reason,
            duplicate_of,
        } => {
            next.status = Status::Cancelled;
            next.link = duplicate_of.as_deref().map(canonical_number);
            link = next.link.clone();
            note = reason.trim().to_string();
        }
        Action::Merge { into, note: n } => {
            next.status = Status::Merged;
            next.link = Some(canonical_number(into));
            link = next.link.clone();
            note = n.trim().to_string();
        }
        Action::RaiseUrgency { urgency, me_too } => {
            next.urgency = *urgency;
            note = me_too.to_string();
        }
        Action::Reopen { reason } => {
            next.status = Status::Accepted;
            next.holder = state.owner.clone();
            next.assignment_due_ms = None;
            next.closed_at_ms = None;
            next.feedback_by = None;
            next.reopened = true;
            note = reason.trim().to_string();
        }
    }
    let step = Step {
        action: action.kind(),
        actor: actor.clone(),
        at_ms: now_ms,
        note,
        attachments,
        from_status: state.status,
        to_status: next.status,
        from_level: state.level,
        to_level: next.level,
        from_holder: state.holder.clone(),
        to_holder: next.holder.clone(),
        due_ms: due,
        stars,
        mark,
        link,
    };
    Ok((next, step))
}

fn trimmed_holder(h: &Holder) -> Holder {
    match h {
        Holder::Node { kind, code } => Holder::Node {
            kind: *kind,
            code: code.trim().to_string(),
        },
        Holder::Department { code } => Holder::Department {
            code: code.trim().to_string(),
        },
        Holder::Person { user_id } => Holder::Person { user_id: *user_id },
    }
}

/// Whether an event in `target` status may stand at the other end of a link: a duplicate is
/// cancelled pointing at an original (open or closed, not itself cancelled, merged or rejected);
/// an event merges only into one still being worked on, which carries its work on.
pub fn check_link_target(kind: ActionKind, target: Status) -> Result<(), WorkflowError> {
    let fine = match kind {
        ActionKind::Merge => target.is_open(),
        _ => !target.is_terminal(),
    };
    if fine {
        Ok(())
    } else {
        Err(WorkflowError::LinkDeadEnd { status: target })
    }
}

/// The canonical form of an event number already validated by [`parse_event_number`].
pub fn canonical_number(s: &str) -> String {
    match parse_event_number(s) {
        Ok(n) => n.to_string(),
        Err(_) => s.trim().to_string(),
    }
}
