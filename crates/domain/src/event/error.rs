//! Why the workflow refused an action, with a stable code for each reason.

use super::{ActionKind, Status};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("An event that is {status} cannot be given the action {action}.")]
    ActionNotAllowed { action: ActionKind, status: Status },
    #[error("Your role may not take the action {action} on this event.")]
    RoleNotAllowed { action: ActionKind },
    #[error("The feedback must be verified by someone other than the person who gave it.")]
    SelfVerify,
    #[error("The event is already at the highest level (the city) and cannot be escalated.")]
    LevelMax,
    #[error("Events are reported at a grid, village, township, county or city.")]
    LevelInvalid,
    #[error("The event has already been rated.")]
    AlreadyRated,
    #[error("The event has already been reopened once.")]
    AlreadyReopened,
    #[error("The time for rating or reopening this event has passed.")]
    RatingWindowClosed,
    #[error("A reason is required.")]
    ReasonRequired,
    #[error("A result is required.")]
    ResultRequired,
    #[error("A description is required.")]
    DescriptionRequired,
    #[error("A target is required.")]
    TargetRequired,
    #[error("The target is not allowed here.")]
    TargetInvalid,
    #[error("The due time must be in the future.")]
    DueInPast,
    #[error("The rating must be 1 to 5 stars.")]
    StarsInvalid,
    #[error("The text is too long (at most {max} characters).", max = super::MAX_TEXT_CHARS)]
    TextTooLong,
    #[error("At most {max} attachments, none of them empty.", max = super::MAX_ATTACHMENTS)]
    AttachmentsInvalid,
    #[error("The linked event number is not valid.")]
    LinkInvalid,
    #[error("The linked event is {status}: link to the event that carries on the work.")]
    LinkDeadEnd { status: Status },
    #[error("Not an event number; they look like SJ20251124-000123.")]
    NumberInvalid,
    #[error("The event is already at least that urgent.")]
    UrgencyNotHigher,
}

impl WorkflowError {
    /// A stable machine-readable code, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::ActionNotAllowed { .. } => "event.action_not_allowed",
            WorkflowError::RoleNotAllowed { .. } => "event.role_not_allowed",
            WorkflowError::SelfVerify => "event.self_verify",
            WorkflowError::LevelMax => "event.level_max",
            WorkflowError::LevelInvalid => "event.level_invalid",
            WorkflowError::AlreadyRated => "event.already_rated",
            WorkflowError::AlreadyReopened => "event.already_reopened",
            WorkflowError::RatingWindowClosed => "event.rating_window_closed",
            WorkflowError::ReasonRequired => "event.reason_required",
            WorkflowError::ResultRequired => "event.result_required",
            WorkflowError::DescriptionRequired => "event.description_required",
            WorkflowError::TargetRequired => "event.target_required",
            WorkflowError::TargetInvalid => "event.target_invalid",
            WorkflowError::DueInPast => "event.due_in_past",
            WorkflowError::StarsInvalid => "event.stars_invalid",
            WorkflowError::TextTooLong => "event.text_too_long",
            WorkflowError::AttachmentsInvalid => "event.attachments_invalid",
            WorkflowError::LinkInvalid => "event.link_invalid",
            WorkflowError::LinkDeadEnd { .. } => "event.link_dead_end",
            WorkflowError::NumberInvalid => "event.number_invalid",
            WorkflowError::UrgencyNotHigher => "event.urgency_not_higher",
        }
    }

    /// The HTTP status, from the error table.
    pub fn status(&self) -> u16 {
        crate::error::codes::entry(self.code()).map_or(500, |e| e.status)
    }
}

impl From<WorkflowError> for crate::error::Error {
    fn from(e: WorkflowError) -> crate::error::Error {
        let details = match &e {
            WorkflowError::ActionNotAllowed { action, status } => {
                serde_json::json!({ "action": action.as_str(), "status": status.as_str() })
            }
            WorkflowError::RoleNotAllowed { action } => {
                serde_json::json!({ "action": action.as_str() })
            }
            _ => serde_json::Value::Null,
        };
        let params = match &e {
            WorkflowError::ActionNotAllowed { action, status } => vec![
                ("status", status.to_string()),
                ("action", action.to_string()),
            ],
            WorkflowError::RoleNotAllowed { action } => vec![("action", action.to_string())],
            WorkflowError::TextTooLong => vec![("max", super::MAX_TEXT_CHARS.to_string())],
            WorkflowError::AttachmentsInvalid => {
                vec![("max", super::MAX_ATTACHMENTS.to_string())]
            }
            WorkflowError::LinkDeadEnd { status } => vec![("status", status.to_string())],
            _ => Vec::new(),
        };
        crate::error::Error::new(e.code(), params).with_details(details)
    }
}
