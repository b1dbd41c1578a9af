//! The one error type: a stable code, named parameters and optional details. The code's line in
//! [`codes`] gives the HTTP status and the zh-CN and English texts; the English one, filled in,
//! is the `message` the API returns, and pages render the text in the user's language.

pub mod codes;

use serde::Serialize;
use serde_json::Value;

pub use codes::{CODES, Entry};

/// Named parameters of an error's texts, in the order the call site gave them.
pub type Params = Vec<(&'static str, String)>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Error {
    pub code: &'static str,
    #[serde(skip)]
    pub status: u16,
    pub message: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// What fills the `{name}`s of the texts; pages use it to render the zh-CN text.
    #[serde(skip)]
    pub params: Params,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error`] of a tabled code, with named parameters: `err!("event.not_found", number)` or
/// `err!("request.bad_number", field = "limit")`. A value is anything `Display`.
#[macro_export]
macro_rules! err {
    (@value $k:ident) => {
        ($k).to_string()
    };
    (@value $k:ident $v:expr) => {
        ($v).to_string()
    };
    ($code:literal $(, $k:ident $(= $v:expr)?)* $(,)?) => {
        $crate::error::Error::new($code, vec![$((stringify!($k), $crate::err!(@value $k $($v)?))),*])
    };
}

impl Error {
    /// The error `code` with its parameters; status and message come from the code's line.
    /// A code missing from the table (a test forbids it) answers 500 with the code as message.
    pub fn new(code: &'static str, params: Params) -> Error {
        let (status, message) = match codes::entry(code) {
            Some(e) => (e.status, render(e.en, &params)),
            None => (500, code.to_string()),
        };
        Error {
            code,
            status,
            message,
            details: Value::Null,
            params,
        }
    }

    pub fn with_details(mut self, details: Value) -> Error {
        self.details = details;
        self
    }

    /// The text in Chinese (`zh`) or English, filled in with the parameters.
    pub fn text(&self, zh: bool) -> String {
        match (zh, codes::entry(self.code)) {
            (true, Some(e)) => render(e.zh, &self.params),
            _ => self.message.clone(),
        }
    }
}

/// Fills each `{name}` of `template` with its parameter; a name without one stays as written.
pub fn render(template: &str, params: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}`s a template uses, in order, each once.
pub fn param_names(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        if !names.contains(&&after[..close]) {
            names.push(&after[..close]);
        }
        rest = &after[close + 1..];
    }
    names
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

impl From<crate::code::CodeError> for Error {
    fn from(e: crate::code::CodeError) -> Error {
        let reason = e.to_string();
        err!("node.code_invalid", reason)
    }
}

impl From<crate::geometry::GeometryError> for Error {
    fn from(e: crate::geometry::GeometryError) -> Error {
        Error::new(e.code(), e.params())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_filled_by_name() {
        let p = vec![("max", "5".to_string()), ("row", "3".to_string())];
        assert_eq!(render("row {row}: at most {max}", &p), "row 3: at most 5");
        assert_eq!(render("{unknown} {max}", &p), "{unknown} 5");
        assert_eq!(param_names("{a} {b} {a}"), vec!["a", "b"]);
    }

    #[test]
    fn status_and_message_come_from_the_table() {
        let e = err!("event.not_found", number = "SJ1");
        assert_eq!(e.status, 404);
        assert_eq!(e.message, "no event SJ1");
        assert!(e.text(true).contains("SJ1"));
    }
}
