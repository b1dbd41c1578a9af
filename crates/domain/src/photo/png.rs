//! PNG: the chunk walk, and the CRC-32 its chunks carry.

use super::{array_at, be32};

pub(super) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Ancillary chunks that only affect rendering (and APNG animation) and so are kept; every
/// other ancillary chunk (tEXt, zTXt, iTXt, eXIf, tIME, iCCP, private chunks, …) is dropped.
const PNG_KEEP: [&[u8; 4]; 14] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"bKGD", b"sBIT", b"hIST", b"cICP", b"mDCV",
    b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// Walks the chunks, checking each length and CRC; keeps the critical chunks and [`PNG_KEEP`],
/// copied verbatim with their CRCs. Stops at IEND.
pub(super) fn clean_png(b: &[u8]) -> Result<Vec<u8>, &'static str> {
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
