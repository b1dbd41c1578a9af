//! Who may take which kind of action now: the status, the role and the conditions of the moment
//! (level, window, once-only), the first half of [`super::allowed`]; the table in the module
//! documentation of [`super`] says it in words.

use super::{
    ActionKind, Actor, EventState, Holder, LEVEL_MAX, LEVEL_MIN, Rules, Status, Urgency,
    WorkflowError, level_of_kind,
};
use crate::permission::{Permission, may};
use crate::role::Role;
use crate::tree::NodeKind;

/// Whether the status, role and conditions of the moment allow this kind of action.
pub(super) fn permit(
    state: &EventState,
    actor: &Actor,
    kind: ActionKind,
    now_ms: i64,
    rules: &Rules,
) -> Result<(), WorkflowError> {
    use ActionKind as K;
    let status = state.status;
    let status_ok = match kind {
        K::Report => false,
        K::Accept | K::Reject => status == Status::Reported,
        K::HandleOnSpot => status == Status::Reported && state.level == LEVEL_MIN,
        K::Escalate => status == Status::Accepted,
        K::Assign => matches!(status, Status::Accepted | Status::Assigned),
        K::Transfer => {
            status == Status::Assigned && matches!(state.holder, Holder::Department { .. })
        }
        K::Return => status == Status::Assigned,
        K::Feedback => matches!(status, Status::Accepted | Status::Assigned),
        K::Verify => status == Status::FeedbackGiven,
        K::Rate | K::Reopen => status == Status::Closed,
        K::Remind | K::Supervise | K::Cancel | K::Merge | K::RaiseUrgency => status.is_open(),
    };
    if !status_ok {
        return Err(WorkflowError::ActionNotAllowed {
            action: kind,
            status,
        });
    }
    let role_ok = match kind {
        K::Report => false,
        K::Accept | K::Reject | K::Assign | K::Cancel | K::Merge => manages(state, actor),
        K::HandleOnSpot => {
            actor.staff().is_some_and(|s| s.role == Role::Worker) && acts_for(actor, &state.owner)
        }
        K::Escalate => acts_for(actor, &state.owner),
        K::Transfer | K::Return | K::Feedback => acts_for(actor, &state.holder),
        K::Verify => oversees(actor, state.level),
        K::Rate | K::Reopen => actor.is_reporter(),
        // Residents as a crowd; the store raises it when their count reaches the threshold.
        K::RaiseUrgency => actor.is_reporter(),
        K::Remind => {
            actor.is_reporter()
                || ((manages(state, actor) || watches(actor, state.level))
                    && !acts_for(actor, &state.holder))
        }
        K::Supervise => watches(actor, state.level),
    };
    if !role_ok {
        return Err(WorkflowError::RoleNotAllowed { action: kind });
    }
    match kind {
        K::Escalate if state.level >= LEVEL_MAX => Err(WorkflowError::LevelMax),
        // Nothing is above an emergency: the step is not on offer.
        K::RaiseUrgency if state.urgency == Urgency::Emergency => {
            Err(WorkflowError::UrgencyNotHigher)
        }
        K::Verify if state.feedback_by.is_some() && state.feedback_by == actor.user_id() => {
            Err(WorkflowError::SelfVerify)
        }
        K::Rate => {
            if state.rating.is_some() {
                return Err(WorkflowError::AlreadyRated);
            }
            in_window(state, now_ms, rules)
        }
        K::Reopen => {
            if state.reopened {
                return Err(WorkflowError::AlreadyReopened);
            }
            if state.rating.is_some() {
                return Err(WorkflowError::AlreadyRated);
            }
            in_window(state, now_ms, rules)
        }
        _ => Ok(()),
    }
}

fn in_window(state: &EventState, now_ms: i64, rules: &Rules) -> Result<(), WorkflowError> {
    match state.closed_at_ms {
        Some(closed) if now_ms <= closed.saturating_add(rules.rating_window_ms) => Ok(()),
        _ => Err(WorkflowError::RatingWindowClosed),
    }
}

/// The actor works at `holder`: a staff member of the right role attached to that node or
/// department, or the very person.
fn acts_for(actor: &Actor, holder: &Holder) -> bool {
    let Some(s) = actor.staff() else {
        return false;
    };
    match holder {
        Holder::Node { kind, code } => {
            let role_fits = match kind {
                NodeKind::Grid => s.role == Role::Worker,
                NodeKind::Village => s.role == Role::GridLeader,
                NodeKind::Township => matches!(s.role, Role::Commander | Role::Operator),
                NodeKind::County | NodeKind::City => s.role == Role::Operator,
                NodeKind::Building | NodeKind::Unit | NodeKind::Department => false,
            };
            role_fits && s.node_kind == *kind && s.node_code == *code
        }
        Holder::Department { code } => {
            s.role == Role::DeptHandler
                && s.node_kind == NodeKind::Department
                && s.node_code == *code
        }
        Holder::Person { user_id } => {
            s.user_id == *user_id
                && matches!(
                    s.role,
                    Role::Operator
                        | Role::Commander
                        | Role::GridLeader
                        | Role::Worker
                        | Role::DeptHandler
                )
        }
    }
}

/// An operator, commander or grid leader attached to a node of their role whose level is at
/// least `level`.
fn oversees(actor: &Actor, level: u8) -> bool {
    actor.staff().is_some_and(|s| {
        matches!(s.role, Role::Operator | Role::Commander | Role::GridLeader)
            && s.role.allowed_nodes().contains(&s.node_kind)
            && level_of_kind(s.node_kind).is_some_and(|l| l >= level)
    })
}

/// A role that oversees work (the centre's operators, leaders; see [`Permission::Oversee`])
/// attached to a node of their role whose level is at least `level`: they supervise and remind.
fn watches(actor: &Actor, level: u8) -> bool {
    actor.staff().is_some_and(|s| {
        may(s.role, Permission::Oversee)
            && s.role.allowed_nodes().contains(&s.node_kind)
            && level_of_kind(s.node_kind).is_some_and(|l| l >= level)
    })
}

/// Who may open the reporter's name and phone (with an audited reason): whoever has the event
/// in hand now ([`in_hand`]: the holder, or during verification whoever may verify), or a centre
/// operator at or above the event's level, the desk answering for it. Nobody else, and nobody
/// holds a closed or ended event.
pub fn may_reveal_reporter(state: &EventState, actor: &Actor) -> bool {
    let holds = match in_hand(state) {
        InHand::Holder(h) => acts_for(actor, &h),
        InHand::Verifying { level } => oversees(actor, level),
        InHand::Nobody => false,
    };
    let centre = actor.staff().is_some_and(|s| {
        s.role == Role::Operator
            && s.role.allowed_nodes().contains(&s.node_kind)
            && level_of_kind(s.node_kind).is_some_and(|l| l >= state.level)
    });
    holds || centre
}

/// Who has an event in hand now, as pages say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InHand {
    /// The holder works on it (reported, accepted, assigned).
    Holder(Holder),
    /// Feedback awaits verification by an overseer at this level or above: the owning node, or
    /// for a grid's event the village above it (a grid worker does not verify).
    Verifying { level: u8 },
    /// Closed or ended: nobody.
    Nobody,
}

/// Who has the event in hand: the holder while it is worked on, the verifying level while its
/// feedback waits, nobody once it is closed or ended.
pub fn in_hand(state: &EventState) -> InHand {
    match state.status {
        Status::Reported | Status::Accepted | Status::Assigned => {
            InHand::Holder(state.holder.clone())
        }
        Status::FeedbackGiven => InHand::Verifying {
            level: state.level.max(LEVEL_MIN + 1),
        },
        Status::Closed | Status::Rejected | Status::Cancelled | Status::Merged => InHand::Nobody,
    }
}

fn manages(state: &EventState, actor: &Actor) -> bool {
    acts_for(actor, &state.owner) || oversees(actor, state.level)
}
