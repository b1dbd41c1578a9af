//! Event photos: accept only real JPEG, PNG or WebP files under a size limit, and strip their
//! metadata (Exif with its GPS position, XMP, comments, text chunks, ICC profiles) before they
//! are stored. The type is told by the file's own bytes, never by what the client claims.
//!
//! The containers are walked by hand, segment by segment or chunk by chunk; the pixel data is
//! copied verbatim and never decoded. Every read is bounds-checked, so no input can panic.
//!
//! One piece of Exif survives: a JPEG's orientation (when it is not the default), rewritten as a
//! minimal Exif block holding that single tag, so portrait phone photos still show upright.

use serde::{Deserialize, Serialize};

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

// ---------------------------------------------------------------------------------------------
// Checked reads

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

// ---------------------------------------------------------------------------------------------
// JPEG

/// Walks the markers from SOI to EOI. Keeps the tables, frame and scan headers and the
/// entropy-coded data verbatim; keeps APP0 only when it is JFIF and APP14 only when it is Adobe
/// (its colour-transform flag matters); drops every other APPn (Exif, XMP, ICC, MPF, …) and COM.
/// Between scans the walk goes on, so metadata placed after the first scan is dropped too.
fn clean_jpeg(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if b.get(..2) != Some([0xFF, 0xD8].as_slice()) {
        return Err("missing start-of-image marker");
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    // Where a rebuilt Exif orientation goes: after SOI, or after a leading JFIF APP0.
    let mut exif_at = out.len();
    let mut orientation: Option<u16> = None;
    let mut seen_frame = false;
    let mut seen_scan = false;
    let mut pos = 2usize;
    loop {
        if b.get(pos).is_none() {
            return Err("missing end-of-image marker");
        }
        if b.get(pos) != Some(&0xFF) {
            return Err("expected a marker");
        }
        // 0xFF fill bytes may precede a marker.
        while b.get(pos.checked_add(1).ok_or("bad offset")?) == Some(&0xFF) {
            pos = pos.checked_add(1).ok_or("bad offset")?;
        }
        let marker = *b
            .get(pos.checked_add(1).ok_or("bad offset")?)
            .ok_or("truncated marker")?;
        let seg_start = pos;
        pos = pos.checked_add(2).ok_or("bad offset")?;
        match marker {
            0xD9 => {
                if !seen_scan {
                    return Err("no image data before the end-of-image marker");
                }
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            0xD8 => return Err("a second start-of-image marker"),
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            0x00 | 0x02..=0xBF => return Err("an invalid marker"),
            _ => {
                let len = usize::from(be16(b, pos).ok_or("truncated segment length")?);
                if len < 2 {
                    return Err("a segment length below 2");
                }
                let end = pos.checked_add(len).ok_or("bad offset")?;
                let segment = b.get(seg_start..end).ok_or("truncated segment")?;
                let payload = segment.get(4..).unwrap_or_default();
                pos = end;
                let keep = match marker {
                    0xE0 => payload.starts_with(b"JFIF\0"),
                    0xEE => payload.starts_with(b"Adobe"),
                    0xE1 => {
                        if orientation.is_none() {
                            orientation = exif_orientation(payload);
                        }
                        false
                    }
                    0xE2..=0xEF | 0xFE => false,
                    _ => true,
                };
                if is_sof(marker) {
                    // P, Y, X, Nf at least, and a non-zero width.
                    if len < 8 || be16(b, seg_start.saturating_add(7)) == Some(0) {
                        return Err("a bad frame header");
                    }
                    seen_frame = true;
                }
                if keep {
                    out.extend_from_slice(segment);
                    if marker == 0xE0 && exif_at == 2 && out.len() == 2 + segment.len() {
                        exif_at = out.len();
                    }
                }
                if marker == 0xDA {
                    if !seen_frame {
                        return Err("a scan before the frame header");
                    }
                    seen_scan = true;
                    let data_end = entropy_end(b, pos)?;
                    out.extend_from_slice(b.get(pos..data_end).ok_or("bad offset")?);
                    pos = data_end;
                }
            }
        }
    }
    if let Some(o) = orientation
        && exif_at <= out.len()
    {
        let block = orientation_app1(o);
        out.splice(exif_at..exif_at, block);
    }
    Ok(out)
}

fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// The offset of the 0xFF that starts the first marker after the entropy-coded data at `start`.
/// Stuffed 0xFF 0x00 and restart markers belong to the data.
fn entropy_end(b: &[u8], start: usize) -> Result<usize, &'static str> {
    let mut i = start;
    loop {
        let rest = b.get(i..).ok_or("missing end-of-image marker")?;
        let off = rest
            .iter()
            .position(|&x| x == 0xFF)
            .ok_or("missing end-of-image marker")?;
        let at = i.checked_add(off).ok_or("bad offset")?;
        match b.get(at.checked_add(1).ok_or("bad offset")?) {
            None => return Err("missing end-of-image marker"),
            Some(0x00 | 0xD0..=0xD7) => i = at.checked_add(2).ok_or("bad offset")?,
            Some(_) => return Ok(at),
        }
    }
}

/// The Exif orientation (2..=8) from an APP1 payload, if present and not the default.
fn exif_orientation(payload: &[u8]) -> Option<u16> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..4)? {
        [b'M', b'M', 0, 42] => true,
        [b'I', b'I', 42, 0] => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        array_at::<2>(tiff, at).map(|a| {
            if big {
                u16::from_be_bytes(a)
            } else {
                u16::from_le_bytes(a)
            }
        })
    };
    let u32_at = |at: usize| {
        array_at::<4>(tiff, at).map(|a| {
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for k in 0..count {
        let entry = ifd.checked_add(2)?.checked_add(k.checked_mul(12)?)?;
        if u16_at(entry)? != 0x0112 {
            continue;
        }
        // SHORT, count 1.
        if u16_at(entry.checked_add(2)?)? != 3 || u32_at(entry.checked_add(4)?)? != 1 {
            return None;
        }
        let value = u16_at(entry.checked_add(8)?)?;
        return (2..=8).contains(&value).then_some(value);
    }
    None
}

/// A minimal APP1 segment holding only the Exif orientation tag.
fn orientation_app1(orientation: u16) -> Vec<u8> {
    let mut seg = vec![0xFF, 0xE1, 0x00, 0x22];
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // big-endian TIFF header, IFD0 at 8
    seg.extend_from_slice(&[0x00, 0x01]); // one entry
    seg.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // orientation, SHORT, 1
    seg.extend_from_slice(&orientation.to_be_bytes());
    seg.extend_from_slice(&[0x00, 0x00]); // value padding
    seg.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
    seg
}

// ---------------------------------------------------------------------------------------------
// PNG

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Ancillary chunks that only affect rendering (and APNG animation) and so are kept; every
/// other ancillary chunk (tEXt, zTXt, iTXt, eXIf, tIME, iCCP, private chunks, …) is dropped.
const PNG_KEEP: [&[u8; 4]; 14] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"bKGD", b"sBIT", b"hIST", b"cICP", b"mDCV",
    b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// Walks the chunks, checking each length and CRC; keeps the critical chunks and [`PNG_KEEP`],
/// copied verbatim with their CRCs. Stops at IEND.
fn clean_png(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if b.get(..8) != Some(PNG_SIGNATURE.as_slice()) {
        return Err("a bad signature");
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&PNG_SIGNATURE);
    let mut pos = 8usize;
    let mut first = true;
    let mut seen_idat = false;
    loop {
        if b.get(pos).is_none() {
            return Err("missing IEND chunk");
        }
        let len = be32(b, pos).ok_or("truncated chunk header")?;
        if len > 0x7FFF_FFFF {
            return Err("a bad chunk length");
        }
        let len = usize::try_from(len).map_err(|_| "a bad chunk length")?;
        let ty: [u8; 4] = array_at(b, pos.saturating_add(4)).ok_or("truncated chunk header")?;
        if !ty.iter().all(u8::is_ascii_alphabetic) {
            return Err("a bad chunk type");
        }
        let data_start = pos.checked_add(8).ok_or("bad offset")?;
        let data_end = data_start.checked_add(len).ok_or("bad offset")?;
        let chunk_end = data_end.checked_add(4).ok_or("bad offset")?;
        let chunk = b.get(pos..chunk_end).ok_or("truncated chunk")?;
        let stored_crc = be32(b, data_end).ok_or("truncated chunk")?;
        let typed_data = b
            .get(pos.saturating_add(4)..data_end)
            .ok_or("truncated chunk")?;
        if crc32(typed_data) != stored_crc {
            return Err("a chunk checksum mismatch");
        }
        let data = b.get(data_start..data_end).ok_or("truncated chunk")?;
        pos = chunk_end;
        if first {
            if &ty != b"IHDR" || len != 13 {
                return Err("the first chunk is not IHDR");
            }
            if be32(data, 0) == Some(0) || be32(data, 4) == Some(0) {
                return Err("a zero image dimension");
            }
            first = false;
        }
        let critical = ty.first().is_some_and(u8::is_ascii_uppercase);
        match &ty {
            b"IHDR" | b"PLTE" => out.extend_from_slice(chunk),
            b"IDAT" => {
                seen_idat = true;
                out.extend_from_slice(chunk);
            }
            b"IEND" => {
                if !seen_idat {
                    return Err("no IDAT chunk");
                }
                out.extend_from_slice(chunk);
                return Ok(out);
            }
            _ if critical => return Err("an unknown critical chunk"),
            _ if PNG_KEEP.contains(&&ty) => out.extend_from_slice(chunk),
            _ => {}
        }
    }
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 (ISO 3309 / PNG / zlib).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &byte in bytes {
        // A u8 index into a 256-entry table cannot be out of bounds.
        c = CRC_TABLE[usize::from((c as u8) ^ byte)] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

// ---------------------------------------------------------------------------------------------
// WebP

const VP8X_ICC: u8 = 0x20;
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// Walks the RIFF chunks (odd sizes padded by one byte). Keeps VP8X, VP8, VP8L, ALPH, ANIM and
/// ANMF; drops EXIF, XMP, ICCP and unknown chunks; clears the VP8X EXIF, XMP and ICC flags and
/// rewrites the RIFF size.
fn clean_webp(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if b.get(..4) != Some(b"RIFF".as_slice()) || b.get(8..12) != Some(b"WEBP".as_slice()) {
        return Err("a bad RIFF header");
    }
    let riff_size = usize::try_from(le32(b, 4).ok_or("truncated RIFF header")?)
        .map_err(|_| "a bad RIFF size")?;
    if riff_size.checked_add(8) != Some(b.len()) {
        return Err("the RIFF size does not match the file size");
    }
    let mut body: Vec<u8> = Vec::with_capacity(b.len());
    let mut flags_at: Option<usize> = None;
    let mut has_image = false;
    let mut first = true;
    let mut pos = 12usize;
    while pos < b.len() {
        let fourcc: [u8; 4] = array_at(b, pos).ok_or("truncated chunk header")?;
        let size = usize::try_from(le32(b, pos.saturating_add(4)).ok_or("truncated chunk header")?)
            .map_err(|_| "a bad chunk size")?;
        let data_start = pos.checked_add(8).ok_or("bad offset")?;
        let data_end = data_start.checked_add(size).ok_or("bad offset")?;
        let padded_end = data_end.checked_add(size & 1).ok_or("bad offset")?;
        let chunk = b.get(pos..padded_end).ok_or("truncated chunk")?;
        let data = b.get(data_start..data_end).ok_or("truncated chunk")?;
        pos = padded_end;
        let keep = match &fourcc {
            b"VP8X" => {
                if !first {
                    return Err("a VP8X chunk that is not first");
                }
                if size < 10 {
                    return Err("a short VP8X chunk");
                }
                flags_at = Some(body.len().saturating_add(8));
                true
            }
            b"VP8 " => {
                if data.get(3..6) != Some([0x9D, 0x01, 0x2A].as_slice()) {
                    return Err("a bad VP8 frame header");
                }
                has_image = true;
                true
            }
            b"VP8L" => {
                if data.first() != Some(&0x2F) {
                    return Err("a bad VP8L signature");
                }
                has_image = true;
                true
            }
            b"ANMF" => {
                has_image = true;
                true
            }
            b"ALPH" | b"ANIM" => true,
            _ => false,
        };
        if first && !matches!(&fourcc, b"VP8X" | b"VP8 " | b"VP8L") {
            return Err("the first chunk is not VP8, VP8L or VP8X");
        }
        first = false;
        if keep {
            body.extend_from_slice(chunk);
        }
    }
    if !has_image {
        return Err("no image data");
    }
    if let Some(flags) = flags_at.and_then(|at| body.get_mut(at)) {
        *flags &= !(VP8X_ICC | VP8X_EXIF | VP8X_XMP);
    }
    let new_size = u32::try_from(body.len().checked_add(4).ok_or("bad offset")?)
        .map_err(|_| "a bad RIFF size")?;
    let mut out = Vec::with_capacity(body.len().saturating_add(12));
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&new_size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    const ENTROPY: [u8; 9] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xAB, 0xCD];

    fn exif_payload(orientation: Option<u16>) -> Vec<u8> {
        // Little-endian TIFF: IFD0 with an optional orientation and a GPS IFD pointer; fake GPS.
        let mut p = b"Exif\0\0II\x2A\0\x08\0\0\0".to_vec();
        let entries: u16 = if orientation.is_some() { 2 } else { 1 };
        p.extend_from_slice(&entries.to_le_bytes());
        if let Some(o) = orientation {
            p.extend_from_slice(&[0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
            p.extend_from_slice(&o.to_le_bytes());
            p.extend_from_slice(&[0, 0]);
        }
        p.extend_from_slice(&[
            0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0, 0, 0,
        ]);
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(b"GPSLAT 39.9042 N GPSLON 116.4074 E");
        p
    }

    fn jpeg(orientation: Option<u16>) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, &exif_payload(orientation)));
        j.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"));
        j.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01fake"));
        j.extend(segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01"));
        j.extend(segment(0xFE, b"secret comment"));
        let mut dqt = vec![0x00];
        dqt.extend([1u8; 64]);
        j.extend(segment(0xDB, &dqt));
        j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        let mut dht = vec![0x00, 1];
        dht.extend([0u8; 15]);
        dht.push(0);
        j.extend(segment(0xC4, &dht));
        j.extend(segment(0xDA, &[1, 1, 0x00, 0, 63, 0]));
        j.extend(ENTROPY);
        j.extend([0xFF, 0xD9]);
        j
    }

    fn png_chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut c = len.to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        let crc = crc32(c.get(4..).unwrap_or_default());
        c.extend_from_slice(&crc.to_be_bytes());
        c
    }

    fn png_parts() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        let text = png_chunk(b"tEXt", b"Comment\0taken at home");
        // zlib, one stored block: filter byte 0 and one grey pixel 0; Adler-32 0x00020001.
        let idat = png_chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0x00, 0x02, 0x00, 0x01,
            ],
        );
        let iend = png_chunk(b"IEND", &[]);
        (ihdr, text, idat, iend)
    }

    fn png() -> Vec<u8> {
        let (ihdr, text, idat, iend) = png_parts();
        let gama = png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]);
        let time = png_chunk(b"tIME", &[0x07, 0xE8, 1, 2, 3, 4, 5]);
        let exif = png_chunk(b"eXIf", &exif_payload(None)[6..]);
        [
            &PNG_SIGNATURE[..],
            &ihdr,
            &text,
            &gama,
            &time,
            &exif,
            &idat,
            &iend,
        ]
        .concat()
    }

    fn riff_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut c = fourcc.to_vec();
        c.extend_from_slice(&len.to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let size = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&size.to_le_bytes());
        w.extend_from_slice(b"WEBP");
        w.extend(body);
        w
    }

    const VP8L_DATA: [u8; 5] = [0x2F, 0x00, 0x00, 0x00, 0x00];

    fn webp() -> Vec<u8> {
        let flags = VP8X_ICC | 0x10 | VP8X_EXIF | VP8X_XMP;
        riff(&[
            riff_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            riff_chunk(b"ICCP", b"fake icc"),
            riff_chunk(b"VP8L", &VP8L_DATA),
            riff_chunk(b"EXIF", &exif_payload(Some(6))[6..]),
            riff_chunk(b"XMP ", b"<x:xmpmeta/>"),
        ])
    }

    fn ok(bytes: &[u8]) -> (PhotoKind, Vec<u8>) {
        match clean(bytes, DEFAULT_MAX_BYTES) {
            Ok(r) => r,
            Err(e) => panic!("expected a clean photo, got {e}"),
        }
    }

    fn err(bytes: &[u8]) -> PhotoError {
        match clean(bytes, DEFAULT_MAX_BYTES) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }

    fn corrupt(bytes: &[u8]) -> &'static str {
        match err(bytes) {
            PhotoError::Corrupt { reason, .. } => reason,
            other => panic!("expected corrupt, got {other:?}"),
        }
    }

    #[test]
    fn jpeg_metadata_stripped_image_kept() {
        let input = jpeg(None);
        let (kind, out) = ok(&input);
        assert_eq!(kind, PhotoKind::Jpeg);
        assert!(out.starts_with(&[0xFF, 0xD8]));
        assert!(out.ends_with(&[0xFF, 0xD9]));
        for gone in [&b"Exif"[..], b"GPS", b"xmpmeta", b"ICC_PROFILE", b"secret"] {
            assert!(contains(&input, gone));
            assert!(
                !contains(&out, gone),
                "{:?} left",
                String::from_utf8_lossy(gone)
            );
        }
        assert!(contains(&out, b"JFIF\0"));
        assert!(contains(&out, b"Adobe"));
        let mut sos_and_data = segment(0xDA, &[1, 1, 0x00, 0, 63, 0]);
        sos_and_data.extend(ENTROPY);
        sos_and_data.extend([0xFF, 0xD9]);
        assert!(out.ends_with(&sos_and_data));
        // Tables and frame header precede the scan unchanged.
        assert!(contains(
            &out,
            &segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        ));
    }

    #[test]
    fn jpeg_orientation_survives_alone() {
        let (_, out) = ok(&jpeg(Some(6)));
        assert!(!contains(&out, b"GPS"));
        let app0 = segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let mut head = vec![0xFF, 0xD8];
        head.extend(&app0);
        head.extend(orientation_app1(6));
        assert!(out.starts_with(&head));
        assert_eq!(orientation_app1(6).len(), 36);
        // The rebuilt block reads back, and cleaning is idempotent.
        let app1 = orientation_app1(6);
        assert_eq!(exif_orientation(&app1[4..]), Some(6));
        assert_eq!(ok(&out).1, out);
        // Orientation 1 (the default) is not worth a block.
        assert!(!contains(&ok(&jpeg(Some(1))).1, b"Exif"));
    }

    #[test]
    fn jpeg_progressive_scans_and_late_metadata() {
        let mut j = jpeg(None);
        j.truncate(j.len() - 2);
        j.extend(segment(0xFE, b"late comment"));
        j.extend(segment(0xDA, &[1, 1, 0x00, 1, 63, 0]));
        j.extend([0x77, 0xFF, 0x00, 0x88]);
        j.extend([0xFF, 0xFF, 0xD9]); // fill byte before EOI
        j.extend(b"trailing Exif junk");
        let (_, out) = ok(&j);
        assert!(!contains(&out, b"late comment"));
        assert!(!contains(&out, b"junk"));
        assert!(out.ends_with(&[0x77, 0xFF, 0x00, 0x88, 0xFF, 0xD9]));
        assert!(contains(&out, &ENTROPY));
    }

    #[test]
    fn jpeg_broken() {
        let good = jpeg(None);
        assert_eq!(
            corrupt(&good[..good.len() - 2]),
            "missing end-of-image marker"
        );
        assert_eq!(corrupt(&[0xFF, 0xD8]), "missing end-of-image marker");
        assert_eq!(
            corrupt(&[0xFF, 0xD8, 0xFF, 0xD9]),
            "no image data before the end-of-image marker"
        );
        assert_eq!(corrupt(&[0xFF, 0xD8, 0x00, 0x00]), "expected a marker");
        assert_eq!(
            corrupt(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]),
            "a segment length below 2"
        );
        assert_eq!(
            corrupt(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x00]),
            "truncated segment"
        );
        let mut no_frame = vec![0xFF, 0xD8];
        no_frame.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        no_frame.extend([0x00, 0xFF, 0xD9]);
        assert_eq!(corrupt(&no_frame), "a scan before the frame header");
    }

    #[test]
    fn png_text_dropped_crcs_intact() {
        let input = png();
        let (kind, out) = ok(&input);
        assert_eq!(kind, PhotoKind::Png);
        let (ihdr, _, idat, iend) = png_parts();
        let gama = png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]);
        assert_eq!(
            out,
            [&PNG_SIGNATURE[..], &ihdr, &gama, &idat, &iend].concat()
        );
        for gone in [&b"tEXt"[..], b"tIME", b"eXIf", b"GPS"] {
            assert!(!contains(&out, gone));
        }
        // Trailing bytes after IEND go too.
        let mut trailing = input.clone();
        trailing.extend(b"hidden");
        assert_eq!(ok(&trailing).1, out);
    }

    #[test]
    fn crc32_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn png_broken() {
        let good = png();
        assert_eq!(corrupt(&good[..good.len() - 2]), "truncated chunk");
        assert_eq!(corrupt(&good[..good.len() - 6]), "truncated chunk header");
        assert_eq!(corrupt(&good[..good.len() - 12]), "missing IEND chunk");
        assert_eq!(corrupt(&good[..5]), "a bad signature");
        let mut bad_crc = good.clone();
        if let Some(b) = bad_crc.get_mut(20) {
            *b ^= 1; // inside IHDR's data
        }
        assert_eq!(corrupt(&bad_crc), "a chunk checksum mismatch");
        let (ihdr, _, idat, iend) = png_parts();
        let no_ihdr = [&PNG_SIGNATURE[..], &idat, &iend].concat();
        assert_eq!(corrupt(&no_ihdr), "the first chunk is not IHDR");
        let no_idat = [&PNG_SIGNATURE[..], &ihdr, &iend].concat();
        assert_eq!(corrupt(&no_idat), "no IDAT chunk");
        let odd = png_chunk(b"ABCD", b"x");
        let unknown_critical = [&PNG_SIGNATURE[..], &ihdr, &odd, &idat, &iend].concat();
        assert_eq!(corrupt(&unknown_critical), "an unknown critical chunk");
        let private = png_chunk(b"prVt", b"x");
        let private_ok = [&PNG_SIGNATURE[..], &ihdr, &private, &idat, &iend].concat();
        assert!(!contains(&ok(&private_ok).1, b"prVt"));
    }

    #[test]
    fn webp_exif_dropped_flags_cleared_size_fixed() {
        let input = webp();
        let (kind, out) = ok(&input);
        assert_eq!(kind, PhotoKind::Webp);
        assert_eq!(le32(&out, 4).map(|s| s as usize + 8), Some(out.len()));
        for gone in [&b"EXIF"[..], b"XMP ", b"ICCP", b"GPS", b"xmpmeta"] {
            assert!(contains(&input, gone));
            assert!(!contains(&out, gone));
        }
        let expected = riff(&[
            riff_chunk(b"VP8X", &[0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            riff_chunk(b"VP8L", &VP8L_DATA),
        ]);
        assert_eq!(out, expected);
        // The odd-sized VP8L chunk keeps its pad byte.
        assert_eq!(out.len(), 12 + 18 + 14);
        assert_eq!(ok(&out).1, out);
        // A simple (lossy) WebP passes through unchanged.
        let simple = riff(&[riff_chunk(
            b"VP8 ",
            &[0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 1, 0, 1, 0, 0x00],
        )]);
        assert_eq!(ok(&simple).1, simple);
    }

    #[test]
    fn webp_broken() {
        let good = webp();
        let mut bigger = good.clone();
        bigger.push(0);
        assert_eq!(
            corrupt(&bigger),
            "the RIFF size does not match the file size"
        );
        assert_eq!(
            corrupt(&good[..good.len() - 1]),
            "the RIFF size does not match the file size"
        );
        let mut short_chunk = riff(&[riff_chunk(b"VP8L", &VP8L_DATA)]);
        short_chunk.pop(); // drop the pad byte and fix the RIFF size to match
        let size = u32::try_from(short_chunk.len() - 8).unwrap_or(0);
        short_chunk.splice(4..8, size.to_le_bytes());
        assert_eq!(corrupt(&short_chunk), "truncated chunk");
        let only_exif = riff(&[
            riff_chunk(b"VP8X", &[0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            riff_chunk(b"EXIF", b"x"),
        ]);
        assert_eq!(corrupt(&only_exif), "no image data");
        let exif_first = riff(&[riff_chunk(b"EXIF", b"x"), riff_chunk(b"VP8L", &VP8L_DATA)]);
        assert_eq!(
            corrupt(&exif_first),
            "the first chunk is not VP8, VP8L or VP8X"
        );
        let bad_vp8l = riff(&[riff_chunk(b"VP8L", &[0, 0, 0, 0, 0])]);
        assert_eq!(corrupt(&bad_vp8l), "a bad VP8L signature");
    }

    #[test]
    fn unsupported_empty_and_too_large() {
        assert_eq!(
            err(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
            PhotoError::UnsupportedType
        );
        assert_eq!(
            err(b"hello, this is a text file"),
            PhotoError::UnsupportedType
        );
        assert_eq!(err(b"RIFF\x04\0\0\0AVI "), PhotoError::UnsupportedType);
        assert_eq!(
            err(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            PhotoError::UnsupportedType
        );
        assert_eq!(err(&[]), PhotoError::Empty);
        let big = vec![0u8; DEFAULT_MAX_BYTES + 1];
        let e = err(&big);
        assert_eq!(
            e,
            PhotoError::TooLarge {
                size: DEFAULT_MAX_BYTES + 1,
                max_bytes: DEFAULT_MAX_BYTES
            }
        );
        assert_eq!(
            e.to_string(),
            "The photo is 5.01 MB, larger than the 5 MB limit."
        );
        // The limit is checked before the type: a too-large valid photo is refused as such.
        let p = png();
        assert_eq!(clean(&p, p.len()).map(|r| r.0), Ok(PhotoKind::Png));
        assert_eq!(
            clean(&p, p.len() - 1).map_err(|e| e.code()),
            Err("photo.too_large")
        );
    }

    #[test]
    fn codes_statuses_and_messages() {
        let corrupt_err = PhotoError::Corrupt {
            kind: PhotoKind::Png,
            reason: "truncated chunk",
        };
        let cases = [
            (PhotoError::Empty, "photo.empty", 400),
            (
                PhotoError::TooLarge {
                    size: 7 * MIB,
                    max_bytes: DEFAULT_MAX_BYTES,
                },
                "photo.too_large",
                413,
            ),
            (PhotoError::UnsupportedType, "photo.unsupported_type", 415),
            (corrupt_err.clone(), "photo.corrupt", 400),
        ];
        for (e, code, status) in cases {
            assert_eq!(e.code(), code);
            let message = e.to_string();
            let err: crate::error::Error = e.into();
            assert_eq!((err.code, err.status), (code, status));
            assert_eq!(err.message, message);
        }
        assert_eq!(
            corrupt_err.to_string(),
            "The PNG image is damaged or incomplete (truncated chunk)."
        );
        let err: crate::error::Error = PhotoError::TooLarge {
            size: 7 * MIB,
            max_bytes: DEFAULT_MAX_BYTES,
        }
        .into();
        assert_eq!(
            err.message,
            "The photo is 7 MB, larger than the 5 MB limit."
        );
        assert_eq!(err.details["max_bytes"], DEFAULT_MAX_BYTES);
        assert_eq!(err.details["max_mb"], "5");
        assert_eq!(PhotoKind::Webp.content_type(), "image/webp");
        assert_eq!(PhotoKind::Jpeg.extension(), "jpg");
        assert_eq!(
            serde_json::to_value(PhotoKind::Png).ok(),
            Some("png".into())
        );
    }

    /// Whatever comes back clean is clean again unchanged, and never grew beyond the one
    /// orientation block.
    fn check(bytes: &[u8]) -> bool {
        match clean(bytes, DEFAULT_MAX_BYTES) {
            Ok((kind, out)) => {
                assert!(out.len() <= bytes.len() + 36);
                assert_eq!(clean(&out, DEFAULT_MAX_BYTES), Ok((kind, out.clone())));
                true
            }
            Err(_) => false,
        }
    }

    #[test]
    fn never_panics_on_random_truncated_or_mutated_input() {
        let mut rng = SplitMix64::new(0x5EED);
        let samples = [jpeg(None), jpeg(Some(8)), png(), webp()];
        for sample in &samples {
            for end in 0..=sample.len() {
                let _ = check(&sample[..end]);
            }
        }
        let prefixes: [&[u8]; 4] = [&[0xFF, 0xD8], &PNG_SIGNATURE, b"RIFF\0\0\0\0WEBP", b""];
        for _ in 0..5000 {
            let len = rng.below(300);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let prefix = rng.pick(&prefixes);
            bytes.splice(0..0, prefix.iter().copied());
            let _ = check(&bytes);
        }
        let mut cleaned = 0;
        for _ in 0..5000 {
            let mut bytes = rng.pick(&samples).clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                if let Some(b) = bytes.get_mut(at) {
                    *b = match rng.below(4) {
                        0 => 0xFF,
                        1 => 0x00,
                        _ => rng.next_u64() as u8,
                    };
                }
            }
            if rng.below(3) == 0 {
                let end = rng.below(bytes.len() + 1);
                bytes.truncate(end);
            }
            cleaned += usize::from(check(&bytes));
        }
        // The mutations reach both outcomes, so the walk past the headers is exercised.
        assert!((500..4500).contains(&cleaned), "{cleaned} of 5000 cleaned");
    }
}
