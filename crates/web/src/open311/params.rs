//! Parameters: name–value pairs of a query string or form body, coordinates and instants.

use axum::response::Response;

use super::*;

pub(super) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component; a stray `%` stays as it is.
pub(super) fn url_decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = (
                    b.get(i + 1).copied().and_then(hex_value),
                    b.get(i + 2).copied().and_then(hex_value),
                );
                if let (Some(h), Some(l)) = pair {
                    out.push(h * 16 + l);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Name–value pairs of a query string or form body; `None` when not UTF-8.
pub fn parse_pairs(text: &str) -> Option<Vec<(String, String)>> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((url_decode(k)?, url_decode(v)?))
        })
        .collect()
}

pub(super) struct Params(pub(super) Vec<(String, String)>);

impl Params {
    /// The last non-empty value given for `name` (a body value overrides the query's).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

pub(super) fn query_params(format: Format, raw: Option<String>) -> Result<Params, Box<Response>> {
    match raw {
        None => Ok(Params(Vec::new())),
        Some(q) => parse_pairs(&q)
            .map(Params)
            .ok_or_else(|| Box::new(bad(format, "the query string is not valid UTF-8"))),
    }
}

pub(super) fn parse_coordinate(text: &str, name: &str, limit: f64) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (-limit..=limit).contains(&v) => Ok(v),
        _ => Err(format!(
            "{name} must be a number of WGS-84 degrees between -{limit} and {limit}"
        )),
    }
}

/// An instant in a query: RFC 3339 / W3C date-time; a date or a time without offset is read in
/// China Standard Time.
pub(super) fn parse_instant(text: &str) -> Option<i64> {
    use wangge_domain::deadline::parse_rfc3339;
    let t = text.trim();
    parse_rfc3339(t).ok().or_else(|| match t.len() {
        10 => parse_rfc3339(&format!("{t}T00:00:00+08:00")).ok(),
        16 => parse_rfc3339(&format!("{t}:00+08:00")).ok(),
        _ => parse_rfc3339(&format!("{t}+08:00")).ok(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_and_pairs() {
        assert_eq!(
            split_format("requests.json"),
            Some(("requests", Format::Json))
        );
        assert_eq!(split_format("SR01.xml"), Some(("SR01", Format::Xml)));
        assert_eq!(split_format("requests.html"), None);
        assert_eq!(split_format("requests"), None);
        let p = parse_pairs("a=1&attribute%5Burgency%5D=urgent&d=%E4%BD%A0+x&e&f=100%").unwrap();
        assert_eq!(p[1], ("attribute[urgency]".into(), "urgent".into()));
        assert_eq!(p[2].1, "你 x");
        assert_eq!(p[3], ("e".into(), "".into()));
        assert_eq!(p[4].1, "100%");
        assert!(parse_pairs("a=%FF").is_none());
    }
}
