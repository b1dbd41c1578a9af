//! What tests send and read back: polygons, form and multipart bodies, a PNG, times, and the
//! pieces of pages and workbooks that assertions look at.

use serde_json::{Value, json};
use std::io::Read;

pub const DAY: i64 = 86_400_000;

/// The content type of a browser form.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// A rectangle as a GeoJSON Polygon.
pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
        .to_string()
}

/// The instant of an RFC 3339 time, in ms.
pub fn at(rfc3339: &str) -> i64 {
    wangge_domain::deadline::parse_rfc3339(rfc3339).unwrap()
}

/// A form body, `application/x-www-form-urlencoded`.
pub fn form_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form body as bytes.
pub fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    form_string(pairs).into_bytes()
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One part of a multipart body.
pub enum Part<'a> {
    /// (field, text)
    Text(&'a str, String),
    /// (field, JSON), sent as `application/json`
    Json(&'a str, Value),
    /// (field, file name, bytes)
    File(&'a str, &'a str, Vec<u8>),
}

/// A text part.
pub fn text<'a>(name: &'a str, v: &str) -> Part<'a> {
    Part::Text(name, v.to_string())
}

const BOUNDARY: &str = "----wangge-test-boundary-7d93";

/// The content type of the bodies `multipart` makes.
pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut b = Vec::new();
    for p in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(n, v) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{n}\"\r\n\r\n").as_bytes(),
                );
                b.extend_from_slice(v.as_bytes());
            }
            Part::Json(n, v) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{n}\"\r\nContent-Type: application/json\r\n\r\n")
                        .as_bytes(),
                );
                b.extend_from_slice(v.to_string().as_bytes());
            }
            Part::File(n, file, bytes) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{n}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .as_bytes(),
                );
                b.extend_from_slice(bytes);
            }
        }
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// A valid 1×1 grey PNG, which the photo cleaner accepts.
pub fn tiny_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(wangge_domain::photo::crc32(&c).to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The text of the element with `data-testid="ID"`.
pub fn testid(body: &str, id: &str) -> String {
    body.split(&format!("data-testid=\"{id}\">"))
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no {id} in the page"))
        .to_string()
}

/// Every entry of a ZIP archive (an XLSX workbook), name and bytes.
pub fn unzip(z: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(z)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}
