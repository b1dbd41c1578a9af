//! The checks of an action's own inputs (texts, reasons, targets, due times, attachments), the
//! second half of [`super::allowed`], made once the action itself is permitted.

use super::{
    Action, EventState, Holder, MAX_ATTACHMENTS, MAX_TEXT_CHARS, WorkflowError, level_of_kind,
    parse_event_number,
};

/// Checks of the action's own inputs, once the action itself is permitted.
pub(super) fn validate(
    state: &EventState,
    action: &Action,
    now_ms: i64,
) -> Result<(), WorkflowError> {
    let future = |due: i64| {
        if due > now_ms {
            Ok(())
        } else {
            Err(WorkflowError::DueInPast)
        }
    };
    let reason = |text: &str| required(text, WorkflowError::ReasonRequired).map(|_| ());
    match action {
        Action::Accept { due_ms, note, .. } => {
            due_ms.map_or(Ok(()), future)?;
            optional(note)
        }
        Action::Reject { reason: r }
        | Action::Return { reason: r }
        | Action::Reopen { reason: r } => reason(r),
        Action::Escalate { to, due_ms, note } => {
            if to.trim().is_empty() {
                return Err(WorkflowError::TargetRequired);
            }
            if matches!(&state.owner, Holder::Node { code, .. } if code == to.trim()) {
                return Err(WorkflowError::TargetInvalid);
            }
            due_ms.map_or(Ok(()), future)?;
            optional(note)
        }
        Action::Assign { to, due_ms, note } => {
            match to {
                Holder::Node { kind, code } => {
                    if code.trim().is_empty() {
                        return Err(WorkflowError::TargetRequired);
                    }
                    if level_of_kind(*kind).is_none_or(|l| l >= state.level) {
                        return Err(WorkflowError::TargetInvalid);
                    }
                }
                Holder::Department { code } => {
                    if code.trim().is_empty() {
                        return Err(WorkflowError::TargetRequired);
                    }
                    // A grid hands a case up, not sideways: departments take assignments from
                    // the village (community) level upwards.
                    if state.level < 2 {
                        return Err(WorkflowError::TargetInvalid);
                    }
                }
                Holder::Person { .. } => {}
            }
            future(*due_ms)?;
            optional(note)
        }
        Action::Transfer {
            to,
            reason: r,
            due_ms,
        } => {
            let Holder::Department { code } = to else {
                return Err(WorkflowError::TargetInvalid);
            };
            if code.trim().is_empty() {
                return Err(WorkflowError::TargetRequired);
            }
            if matches!(&state.holder, Holder::Department { code: c } if c == code.trim()) {
                return Err(WorkflowError::TargetInvalid);
            }
            reason(r)?;
            due_ms.map_or(Ok(()), future)
        }
        Action::Feedback { result, photos } | Action::HandleOnSpot { result, photos } => {
            required(result, WorkflowError::ResultRequired)?;
            check_attachments(photos)
        }
        Action::Verify { pass, note } => {
            if *pass {
                optional(note)
            } else {
                reason(note)
            }
        }
        Action::Rate { stars, comment } => {
            if !(1..=5).contains(stars) {
                return Err(WorkflowError::StarsInvalid);
            }
            optional(comment)
        }
        Action::Remind { note } | Action::Supervise { note, .. } => optional(note),
        Action::Cancel {
            reason: r,
            duplicate_of,
        } => {
            reason(r)?;
            match duplicate_of {
                Some(n) if parse_event_number(n).is_err() => Err(WorkflowError::LinkInvalid),
                _ => Ok(()),
            }
        }
        Action::Merge { into, note } => {
            if parse_event_number(into).is_err() {
                return Err(WorkflowError::LinkInvalid);
            }
            optional(note)
        }
        Action::RaiseUrgency { urgency, .. } => {
            if urgency.rank() <= state.urgency.rank() {
                return Err(WorkflowError::UrgencyNotHigher);
            }
            Ok(())
        }
    }
}

/// A required text, trimmed: non-empty and not too long.
pub(super) fn required(text: &str, missing: WorkflowError) -> Result<String, WorkflowError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(missing);
    }
    optional(t)?;
    Ok(t.to_string())
}

/// An optional text: not too long.
fn optional(text: &str) -> Result<(), WorkflowError> {
    if text.trim().chars().count() > MAX_TEXT_CHARS {
        Err(WorkflowError::TextTooLong)
    } else {
        Ok(())
    }
}

pub(super) fn check_attachments(items: &[String]) -> Result<(), WorkflowError> {
    if items.len() > MAX_ATTACHMENTS || items.iter().any(|a| a.trim().is_empty()) {
        Err(WorkflowError::AttachmentsInvalid)
    } else {
        Ok(())
    }
}
