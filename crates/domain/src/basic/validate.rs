//! Field validation of basic records: each failure names the field and says what is wrong.

use serde::Serialize;

/// One field's problem, e.g. `{field: "id_number", code: "id.checksum", message: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            code,
            message: message.into(),
        }
    }
}
