//! Personal values (ID numbers, phones, a reporter's name) in a type that never prints itself:
//! `Debug` and `Display` show a placeholder, so a log line, a panic message or a `{:?}` of a
//! record cannot leak one. Code that must use the value asks for it by name with `expose`.

use std::fmt;

/// `Copy` when the value is (a borrowed `&str` of a form's cell). Deserialize reads the bare
/// value, so input structs can hold it from the start; there is deliberately no `Serialize`: a
/// value leaves for a client only where a reveal writes `expose()` out by hand.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The clear value, for sealing, masking, blind indexes and a recorded reveal.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Sensitive<T> {
        Sensitive(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Sensitive<String> {
        Sensitive(value.to_string())
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sensitive<T>, D::Error> {
        T::deserialize(d).map(Sensitive)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(..)")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Sensitive::new("350102198001020017".to_string());
        assert!(!format!("{s:?}").contains("3501"));
        assert!(!format!("{s}").contains("3501"));
        assert!(!format!("{:?}", Some(&s)).contains("0017"));
        assert_eq!(s.expose(), "350102198001020017");
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn reads_the_bare_value() {
        let s: Option<Sensitive<String>> = serde_json::from_str("\"13800138000\"").unwrap();
        assert_eq!(s.as_ref().map(|v| v.expose().as_str()), Some("13800138000"));
    }
}
