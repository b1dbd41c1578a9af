//! Event photos: accept only real JPEG, PNG or WebP files under a size limit, and strip their
//! metadata (Exif with its GPS position, XMP, comments, text chunks, ICC profiles) before they
//! are stored. The type is told by the file's own bytes, never by what the client claims.
//!
//! The containers are walked by hand, segment by segment or chunk by chunk; the pixel data is
//! copied verbatim and never decoded. Every read is bounds-checked, so no input can panic.
//!
//! One piece of Exif survives: a JPEG's orientation (when it is not the default), rewritten as a
//! minimal Exif block holding that single tag, so portrait phone photos still show upright.
//!
//! One module per format (`jpeg`, `png`, `webp`); the checked reads they share are here.

use serde::{Deserialize, Serialize};

mod jpeg;
mod png;
#[cfg(test)]
mod tests;
mod webp;

use jpeg::clean_jpeg;
use png::clean_png;
pub use png::crc32;
use webp::clean_webp;

/// The upload limit unless the caller sets another: 5 MB.
pub const DEFAULT_MAX_BYTES: usize = 5 * 1024 * 1024;

const MIB: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::Webp => "image/webp",
        }
    }

    /// The file extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
            PhotoKind::Webp => "webp",
        }
    }

    /// The format's name for messages: "JPEG", "PNG", "WebP".
    pub fn name(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "JPEG",
            PhotoKind::Png => "PNG",
            PhotoKind::Webp => "WebP",
        }
    }

    /// The type the magic bytes announce; says nothing about whether the rest is sound.
    pub fn detect(bytes: &[u8]) -> Option<PhotoKind> {
        if bytes.starts_with(&[0xFF, 0xD8]) {
            Some(PhotoKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG") {
            Some(PhotoKind::Png)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
            Some(PhotoKind::Webp)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    Empty,
    TooLarge {
        size: usize,
        max_bytes: usize,
    },
    UnsupportedType,
    /// The magic bytes named `kind` but the structure is broken; `reason` says where.
    Corrupt {
        kind: PhotoKind,
        reason: &'static str,
    },
}

impl PhotoError {
    /// A stable machine-readable code, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Empty => "photo.empty",
            PhotoError::TooLarge { .. } => "photo.too_large",
            PhotoError::UnsupportedType => "photo.unsupported_type",
            PhotoError::Corrupt { .. } => "photo.corrupt",
        }
    }

    /// The HTTP status, from the error table.
    pub fn status(&self) -> u16 {
        crate::error::codes::entry(self.code()).map_or(500, |e| e.status)
    }
}

impl std::fmt::Display for PhotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhotoError::Empty => write!(f, "The photo is empty."),
            PhotoError::TooLarge { size, max_bytes } => write!(
                f,
                "The photo is {} MB, larger than the {} MB limit.",
                megabytes(*size, true),
                megabytes(*max_bytes, false)
            ),
            PhotoError::UnsupportedType => write!(f, "The file is not a JPEG, PNG or WebP image."),
            PhotoError::Corrupt { kind, reason } => write!(
                f,
                "The {} image is damaged or incomplete ({reason}).",
                kind.name()
            ),
        }
    }
}

impl std::error::Error for PhotoError {}

impl From<PhotoError> for crate::error::Error {
    fn from(e: PhotoError) -> crate::error::Error {
        let params = match &e {
            PhotoError::TooLarge { size, max_bytes } => vec![
                ("size_mb", megabytes(*size, true)),
                ("max_mb", megabytes(*max_bytes, false)),
            ],
            PhotoError::Corrupt { kind, reason } => vec![
                ("kind", kind.name().to_string()),
                ("reason", reason.to_string()),
            ],
            PhotoError::Empty | PhotoError::UnsupportedType => Vec::new(),
        };
        let err = crate::error::Error::new(e.code(), params);
        match e {
            PhotoError::TooLarge { size, max_bytes } => err.with_details(serde_json::json!({
                "size": size,
                "max_bytes": max_bytes,
                "max_mb": megabytes(max_bytes, false),
            })),
            _ => err,
        }
    }
}

/// Bytes as megabytes with at most two decimals and no trailing zeros: "5", "6.25".
/// `round_up` keeps a size just over the limit from printing as the limit itself.
fn megabytes(bytes: usize, round_up: bool) -> String {
    let hundredths = bytes as f64 * 100.0 / MIB as f64;
    let hundredths = if round_up {
        hundredths.ceil()
    } else {
        hundredths.round()
    };
    let text = format!("{:.2}", hundredths / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Checks the photo and returns its type and a copy without metadata.
///
/// Refuses, in this order: empty input, input over `max_bytes` (before any parsing), a type other
/// than JPEG, PNG or WebP, and a file whose structure is broken. Bytes after the format's end
/// marker (JPEG EOI, PNG IEND) are dropped.
pub fn clean(bytes: &[u8], max_bytes: usize) -> Result<(PhotoKind, Vec<u8>), PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(PhotoError::TooLarge {
            size: bytes.len(),
            max_bytes,
        });
    }
    let kind = PhotoKind::detect(bytes).ok_or(PhotoError::UnsupportedType)?;
    let cleaned = match kind {
        PhotoKind::Jpeg => clean_jpeg(bytes),
        PhotoKind::Png => clean_png(bytes),
        PhotoKind::Webp => clean_webp(bytes),
    };
    cleaned
        .map(|out| (kind, out))
        .map_err(|reason| PhotoError::Corrupt { kind, reason })
}

// Checked reads, shared by the format walkers.

fn slice_at(b: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    b.get(at..at.checked_add(len)?)
}

fn array_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    slice_at(b, at, N)?.try_into().ok()
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    array_at(b, at).map(u16::from_be_bytes)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    array_at(b, at).map(u32::from_be_bytes)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    array_at(b, at).map(u32::from_le_bytes)
}
