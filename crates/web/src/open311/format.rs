//! Formats: one small value tree written as JSON or as the specification's XML, and errors as
//! the specification writes them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wangge_domain::Error;
use wangge_domain::deadline::format_rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// `requests.json` → (`requests`, JSON).
pub fn split_format(file: &str) -> Option<(&str, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((stem, Format::Json)),
        "xml" => Some((stem, Format::Xml)),
        _ => None,
    }
}

/// A value that writes as JSON and as GeoReport XML, keeping the specification's field order.
#[derive(Debug, Clone)]
pub(super) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    Obj(Vec<(&'static str, V)>),
    /// A list and the element name of its items in XML (`services` → `service`).
    List(&'static str, Vec<V>),
}

pub(super) fn s(text: impl Into<String>) -> V {
    V::Str(text.into())
}

pub(super) fn opt_s(text: Option<String>) -> V {
    text.map(V::Str).unwrap_or(V::Null)
}

pub(super) fn opt_num(n: Option<f64>) -> V {
    n.map(V::Num).unwrap_or(V::Null)
}

pub(super) fn time(ms: Option<i64>) -> V {
    ms.and_then(|m| format_rfc3339(m).ok())
        .map(V::Str)
        .unwrap_or(V::Null)
}

pub(super) fn json_number(n: f64) -> String {
    serde_json::Number::from_f64(n)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "null".to_string())
}

/// Writes `v` as JSON into `out`. Strings go through `serde_json::to_writer` straight into the
/// answer: a page holds a thousand strings, and one `to_string` allocation each showed in the
/// list's profile.
pub(super) fn write_json(v: &V, out: &mut Vec<u8>) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        V::Num(n) => out.extend_from_slice(json_number(*n).as_bytes()),
        V::Str(t) => {
            if serde_json::to_writer(&mut *out, t).is_err() {
                out.extend_from_slice(b"\"\"");
            }
        }
        V::Obj(fields) => {
            out.push(b'{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"\":");
                write_json(v, out);
            }
            out.push(b'}');
        }
        V::List(_, items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(v, out);
            }
            out.push(b']');
        }
    }
}

/// Escapes text for XML and drops the characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

pub(super) fn write_xml(name: &str, v: &V, out: &mut String) {
    let open = |out: &mut String| {
        out.push('<');
        out.push_str(name);
        out.push('>');
    };
    let close = |out: &mut String| {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    };
    match v {
        V::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        V::Bool(b) => {
            open(out);
            out.push_str(if *b { "true" } else { "false" });
            close(out);
        }
        V::Int(i) => {
            open(out);
            out.push_str(&i.to_string());
            close(out);
        }
        V::Num(n) => {
            open(out);
            out.push_str(&json_number(*n));
            close(out);
        }
        V::Str(t) => {
            open(out);
            xml_escape(t, out);
            close(out);
        }
        V::Obj(fields) => {
            open(out);
            for (k, v) in fields {
                write_xml(k, v, out);
            }
            close(out);
        }
        V::List(item, items) => {
            open(out);
            for v in items {
                write_xml(item, v, out);
            }
            close(out);
        }
    }
}

/// The answer: `root` names the XML document element.
pub(super) fn reply(format: Format, status: StatusCode, root: &str, v: &V) -> Response {
    let (body, content_type) = match format {
        Format::Json => {
            let mut body = Vec::with_capacity(512);
            write_json(v, &mut body);
            (body, "application/json; charset=utf-8")
        }
        Format::Xml => {
            let mut body = String::with_capacity(512);
            body.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            write_xml(root, v, &mut body);
            (body.into_bytes(), "text/xml; charset=utf-8")
        }
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An error as the specification writes it.
pub(super) fn error_reply(format: Format, status: u16, description: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let v = V::List(
        "error",
        vec![V::Obj(vec![
            ("code", V::Int(i64::from(code.as_u16()))),
            ("description", s(description)),
        ])],
    );
    reply(format, code, "errors", &v)
}

/// Maps our error to the specification's statuses. In a POST a missing reference (an unknown
/// grid) is a bad request, not a missing resource.
pub(super) fn domain_error(format: Format, e: &Error, post: bool) -> Response {
    let status = match e.status {
        401 | 403 => 403,
        404 if !post => 404,
        // Busy: the client may retry after the wait it is told, unlike after a 500.
        503 => 503,
        s if s >= 500 => 500,
        _ => 400,
    };
    if status == 500 {
        tracing::error!(error = %e, "open311 request failed");
        return error_reply(format, 500, "internal error; please try again later");
    }
    let mut resp = error_reply(format, status, &e.message);
    if let Some(wait) = crate::error::retry_after(e) {
        resp.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    resp
}

pub(super) fn bad(format: Format, description: &str) -> Response {
    error_reply(format, 400, description)
}

pub(super) fn unknown_format(file: &str) -> Response {
    error_reply(
        Format::Json,
        404,
        &format!("{file}: name a format, .json or .xml"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_xml_and_writes_both() {
        let mut out = String::new();
        xml_escape("a&b<c>\"d'\u{1}e", &mut out);
        assert_eq!(out, "a&amp;b&lt;c&gt;&quot;d&apos;e");
        let v = V::List(
            "error",
            vec![V::Obj(vec![
                ("code", V::Int(400)),
                ("description", s("x<")),
            ])],
        );
        let mut xml = String::new();
        write_xml("errors", &v, &mut xml);
        assert_eq!(
            xml,
            "<errors><error><code>400</code><description>x&lt;</description></error></errors>"
        );
        let mut json = Vec::new();
        write_json(&v, &mut json);
        assert_eq!(json, br#"[{"code":400,"description":"x<"}]"#);
        // Every character a JSON string must escape, read back by a JSON parser.
        let text = "q\"b\\n\nr\rt\tc\u{1}\u{1f}王";
        let mut json = Vec::new();
        write_json(&s(text), &mut json);
        assert_eq!(
            String::from_utf8(json.clone()).unwrap(),
            r#""q\"b\\n\nr\rt\tc\u0001\u001f王""#
        );
        assert_eq!(serde_json::from_slice::<String>(&json).unwrap(), text);
    }
}
