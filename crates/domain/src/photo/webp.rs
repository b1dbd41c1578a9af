//! WebP: the RIFF chunk walk.

use super::{array_at, le32};

pub(super) const VP8X_ICC: u8 = 0x20;
pub(super) const VP8X_EXIF: u8 = 0x08;
pub(super) const VP8X_XMP: u8 = 0x04;

/// Walks the RIFF chunks (odd sizes padded by one byte). Keeps VP8X, VP8, VP8L, ALPH, ANIM and
/// ANMF; drops EXIF, XMP, ICCP and unknown chunks; clears the VP8X EXIF, XMP and ICC flags and
/// rewrites the RIFF size.
pub(super) fn clean_webp(b: &[u8]) -> Result<Vec<u8>, &'static str> {
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
