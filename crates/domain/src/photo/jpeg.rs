//! JPEG: the marker walk that keeps the image and drops the metadata.

use super::{array_at, be16};

/// Walks the markers from SOI to EOI. Keeps the tables, frame and scan headers and the
/// entropy-coded data verbatim; keeps APP0 only when it is JFIF and APP14 only when it is Adobe
/// (its colour-transform flag matters); drops every other APPn (Exif, XMP, ICC, MPF, …) and COM.
/// Between scans the walk goes on, so metadata placed after the first scan is dropped too.
pub(super) fn clean_jpeg(b: &[u8]) -> Result<Vec<u8>, &'static str> {
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
pub(super) fn exif_orientation(payload: &[u8]) -> Option<u16> {
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
pub(super) fn orientation_app1(orientation: u16) -> Vec<u8> {
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
