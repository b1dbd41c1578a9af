//! The one error type: a stable code, an HTTP status, an English message and optional details.
//! The web layer shows the message in the user's language by looking up the code.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Error {
    pub code: &'static str,
    #[serde(skip)]
    pub status: u16,
    pub message: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Error {
        Error {
            code,
            status,
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn with_details(mut self, details: Value) -> Error {
        self.details = details;
        self
    }

    /// 400: the input is wrong; the message says how.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(code, 400, message)
    }

    /// 404: absent, or outside the caller's scope (the two look the same on purpose).
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(code, 404, message)
    }

    /// 409: the input clashes with what is stored (a duplicate code, an overlap).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(code, 409, message)
    }

    /// 403: signed in, but the role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::new("auth.forbidden", 403, message)
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new("internal", 500, message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

impl From<crate::code::CodeError> for Error {
    fn from(e: crate::code::CodeError) -> Error {
        Error::invalid("node.code_invalid", e.to_string())
    }
}

impl From<crate::geometry::GeometryError> for Error {
    fn from(e: crate::geometry::GeometryError) -> Error {
        Error::invalid(e.code(), e.to_string())
    }
}
