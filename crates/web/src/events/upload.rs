//! Bodies of the events API that may carry photos: plain JSON as before, or `multipart/form-data`
//! with the same JSON in one named part (`event` for a report, `action` for an action) and each
//! photo in a `photo` part.
//!
//! Photos are checked and cleaned here, while the body is read and before anything is written,
//! with the page forms' function and limits: JPEG, PNG or WebP of at most 5 MB each, metadata
//! dropped; three photos on a report, nine on an action. A refused photo answers the domain's
//! photo code (`photo.unsupported_type` 415, `photo.too_large` 413, `photo.corrupt` and
//! `photo.empty` 400) naming the part, and the request writes nothing.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::json;
use wangge_domain::err;
use wangge_domain::{Error, event, photo};
use wangge_store::events::NewPhoto;

use crate::error::AppError;
use crate::form::ApiJson;
use crate::intake;

/// A report's photos and body size: the resident's and staff report forms' limits.
pub const REPORT_PHOTOS: usize = intake::MAX_PHOTOS;
pub const REPORT_BODY_BYTES: usize = intake::UPLOAD_LIMIT;
/// An action's photos and body size: the event page's action form limits.
pub const ACTION_PHOTOS: usize = event::MAX_ATTACHMENTS;
pub const ACTION_BODY_BYTES: usize = super::MAX_FORM_BYTES;

/// A report body: `T` from JSON or from the multipart part `event`, with the cleaned photos.
pub struct ReportBody<T>(pub T, pub Vec<NewPhoto>);

/// An action body: `T` from JSON or from the multipart part `action`, with the cleaned photos.
pub struct ActionBody<T>(pub T, pub Vec<NewPhoto>);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for ReportBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (v, photos) = read(req, state, "event", REPORT_PHOTOS, REPORT_BODY_BYTES).await?;
        Ok(ReportBody(v, photos))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for ActionBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (v, photos) = read(req, state, "action", ACTION_PHOTOS, ACTION_BODY_BYTES).await?;
        Ok(ActionBody(v, photos))
    }
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

fn bad(message: String) -> Error {
    err!("upload.invalid", reason = message)
}

/// A broken or oversized body; an oversized one says the limit.
fn read_error(status: StatusCode, text: String, max_body: usize) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        err!("upload.too_large", max_mb = max_body / (1024 * 1024))
            .with_details(json!({ "max_bytes": max_body }))
    } else {
        bad(format!("the multipart body could not be read: {text}"))
    }
}

/// A file name fit to show in a message: its last path part, at most 60 characters.
fn shown_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    base.chars().take(60).collect()
}

async fn read<T: DeserializeOwned + Send, S: Send + Sync>(
    req: Request,
    state: &S,
    part: &'static str,
    max_photos: usize,
    max_body: usize,
) -> Result<(T, Vec<NewPhoto>), Error> {
    if !is_multipart(&req) {
        let ApiJson(v) = ApiJson::<T>::from_request(req, state)
            .await
            .map_err(|e| e.0)?;
        return Ok((v, Vec::new()));
    }
    let mut mp = Multipart::from_request(req, state)
        .await
        .map_err(|e| read_error(e.status(), e.body_text(), max_body))?;
    let mut body: Option<T> = None;
    let mut photos = Vec::new();
    let mut index = 0usize;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(read_error(e.status(), e.body_text(), max_body)),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == part {
            if body.is_some() {
                return Err(bad(format!("send one {part} part")));
            }
            let text = field
                .text()
                .await
                .map_err(|e| read_error(e.status(), e.body_text(), max_body))?;
            let v = serde_json::from_str(&text).map_err(|e| {
                err!(
                    "request.invalid_json",
                    reason = format!("the {part} part: {e}")
                )
            })?;
            body = Some(v);
        } else if name == "photo" {
            index += 1;
            let file = field.file_name().map(shown_name).unwrap_or_default();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| read_error(e.status(), e.body_text(), max_body))?;
            // A browser sends an empty part for a file input left empty, as the page forms do.
            if bytes.is_empty() && file.is_empty() {
                continue;
            }
            if photos.len() >= max_photos {
                return Err(err!("event.too_many_photos", max = max_photos));
            }
            let (kind, clean) = photo::clean(&bytes, photo::DEFAULT_MAX_BYTES).map_err(|pe| {
                let mut e = Error::from(pe);
                e.message = format!("photo {index} {file:?}: {}", e.message);
                let mut details = e.details.take();
                if !details.is_object() {
                    details = json!({});
                }
                details["photo"] = json!(index);
                details["file"] = json!(file);
                e.with_details(details)
            })?;
            photos.push(NewPhoto { kind, bytes: clean });
        } else {
            return Err(bad(format!(
                "unexpected part {:?}: send a {part} part with the JSON and photo parts",
                shown_name(&name)
            )));
        }
    }
    let body = body.ok_or_else(|| bad(format!("the {part} part with the JSON is missing")))?;
    Ok((body, photos))
}
