#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::jpeg::{exif_orientation, orientation_app1};
use super::png::PNG_SIGNATURE;
use super::webp::{VP8X_EXIF, VP8X_ICC, VP8X_XMP};
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
