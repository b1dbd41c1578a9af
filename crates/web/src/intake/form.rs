//! Reading the report forms: fields and photos of a multipart body, the point, the categories.

use std::collections::HashMap;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use wangge_domain::err;
use wangge_domain::photo::{self, PhotoError};
use wangge_domain::{Error, Sensitive};
use wangge_store::Handle;
use wangge_store::events::{self, NewPhoto};

use super::*;
use crate::i18n::Tr;

/// A multipart form read into its text fields (last value wins) and its files.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) text: HashMap<String, String>,
    /// (file name, bytes) of every non-empty `photos` part.
    pub(super) files: Vec<(String, Vec<u8>)>,
}

impl Fields {
    pub(super) fn get(&self, k: &str) -> String {
        self.text.get(k).cloned().unwrap_or_default()
    }

    pub(super) fn checked(&self, k: &str) -> bool {
        self.text
            .get(k)
            .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
    }
}

/// Reads the whole form; on a broken or oversized body the fields read so far come back with
/// the error, so the form can be shown again with what the user typed.
pub(super) async fn read_fields(
    mp: Result<Multipart, MultipartRejection>,
) -> (Fields, Option<Error>) {
    let mut out = Fields::default();
    let mut mp = match mp {
        Ok(m) => m,
        Err(e) => {
            return (
                out,
                Some(err!("intake.form_invalid", reason = e.body_text())),
            );
        }
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == "photos" || file_name.is_some() {
            match field.bytes().await {
                Ok(b) => {
                    let file = file_name.unwrap_or_default();
                    if !(b.is_empty() && file.is_empty()) {
                        out.files.push((file, b.to_vec()));
                    }
                }
                Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
            }
        } else {
            match field.text().await {
                Ok(v) => {
                    out.text.insert(name, v);
                }
                Err(e) => return (out, Some(upload_error(e.status(), e.body_text()))),
            }
        }
    }
    (out, None)
}

pub(super) fn upload_error(status: StatusCode, text: String) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        err!(
            "intake.upload_too_large",
            max_mb = UPLOAD_LIMIT / (1024 * 1024)
        )
    } else {
        err!("intake.form_invalid", reason = text)
    }
}

/// A file name fit to show: trimmed to its last path part and 60 characters.
pub(super) fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let base = if base.is_empty() { "?" } else { base };
    base.chars().take(60).collect()
}

/// Checks and cleans the photos; a refused file is named in the message.
pub(super) fn clean_photos(t: &Tr, files: &[(String, Vec<u8>)]) -> Result<Vec<NewPhoto>, Problem> {
    if files.len() > MAX_PHOTOS {
        let e = err!("intake.too_many_photos", max = MAX_PHOTOS);
        return Err(Problem::of(t, &e));
    }
    let mut out = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        match photo::clean(bytes, photo::DEFAULT_MAX_BYTES) {
            Ok((kind, bytes)) => out.push(NewPhoto { kind, bytes }),
            Err(pe) => {
                let reason = match &pe {
                    PhotoError::Empty => t.s("intake.photo.empty").to_string(),
                    PhotoError::TooLarge { .. } => t.s("intake.photo.too_large").to_string(),
                    PhotoError::UnsupportedType => t.s("intake.photo.unsupported").to_string(),
                    PhotoError::Corrupt { .. } => t.s("intake.photo.corrupt").to_string(),
                };
                let status = pe.status();
                let message = t
                    .s("intake.photo_bad")
                    .replace("{file}", &display_name(name))
                    .replace("{reason}", &reason);
                return Err(Problem { status, message });
            }
        }
    }
    Ok(out)
}

/// Latitude and longitude from the hidden fields as numbers: both or neither.
pub(super) fn parse_point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, Error> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let bad = || err!("event.location_invalid");
    let la: f64 = lat.parse().map_err(|_| bad())?;
    let lo: f64 = lon.parse().map_err(|_| bad())?;
    // Numbers only: whether they are degrees on the globe is the report's rule, checked by the
    // store with the rest.
    if !la.is_finite() || !lo.is_finite() {
        return Err(bad());
    }
    Ok(Some((la, lo)))
}

pub(super) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// A reporter's name or phone as typed, trimmed; `None` when blank.
pub(super) fn opt_sensitive(s: &Sensitive<String>) -> Option<Sensitive<String>> {
    opt(s.expose()).map(Sensitive::new)
}

/// A submission key as the page made it: short, plain characters; anything else is ignored.
pub(super) fn submission_key(s: &str) -> Option<String> {
    let k = s.trim();
    let ok = !k.is_empty()
        && k.len() <= 80
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| k.to_string())
}

pub(super) fn new_key() -> String {
    wangge_store::auth::random_secret().unwrap_or_default()
}

/// The categories as `<optgroup>`s: each parent with its leaves.
pub struct CatGroup {
    pub name: String,
    pub items: Vec<CatItem>,
}

pub struct CatItem {
    pub code: String,
    pub name: String,
}

pub(super) async fn category_groups(h: &mut Handle<'_>, t: &Tr) -> Result<Vec<CatGroup>, Error> {
    let all = events::open_categories(h).await?;
    let label = |c: &events::Category| t.name(&c.name, &c.name_en).to_string();
    Ok(all
        .iter()
        .filter(|c| c.parent_code.is_none())
        .map(|p| CatGroup {
            name: label(p),
            items: all
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(p.code.as_str()))
                .map(|c| CatItem {
                    code: c.code.clone(),
                    name: label(c),
                })
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect())
}

pub(super) fn require_category(code: &str) -> Result<(), Error> {
    if code.trim().is_empty() {
        Err(err!("event.category_required"))
    } else {
        Ok(())
    }
}
