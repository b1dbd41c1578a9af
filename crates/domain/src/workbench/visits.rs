//! Visits (走访, SPEC §5): a grid worker's visit to a household, a person, a house or an
//! organisation, told in five steps — 走 what was seen, 议 what was discussed, 办 what was done,
//! 回 the reply to the resident, 评 the resident's evaluation — with photos, the phone's position
//! and the stated time. Here: the checks on what a phone or a form sends, and the content hash
//! that tells a plain resend of a client key (the same visit) from a reuse with other content.

use crate::calendar::Date;
use crate::deadline::parse_rfc3339;
use crate::err;
use crate::error::Error;
use crate::photo::{self, PhotoKind};

/// Characters of one step.
pub const MAX_STEP: usize = 2_000;
/// Photos one visit carries.
pub const MAX_PHOTOS: usize = 6;
/// Bytes of one photo: the event photo limit.
pub const MAX_PHOTO_BYTES: usize = photo::DEFAULT_MAX_BYTES;
/// Characters of a client key (a UUID is 36).
pub const MAX_CLIENT_KEY: usize = 100;

/// The register a visit goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Household,
    Person,
    House,
    Org,
}

impl TargetKind {
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Household,
        TargetKind::Person,
        TargetKind::House,
        TargetKind::Org,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Household => "household",
            TargetKind::Person => "person",
            TargetKind::House => "house",
            TargetKind::Org => "org",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// The five steps, in their order.
pub const STEPS: [&str; 5] = ["seen", "discussed", "done", "reply", "evaluation"];

/// What a door read, not yet checked: texts as sent, photos as raw bytes.
#[derive(Debug, Clone, Default)]
pub struct RawVisit<'a> {
    pub target_kind: &'a str,
    pub target_id: &'a str,
    /// The five steps in the order of [`STEPS`].
    pub steps: [&'a str; 5],
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// RFC 3339; blank: the moment it arrived.
    pub at: &'a str,
    /// Blank: the server makes one (a plain form sent once).
    pub client_key: &'a str,
    pub photos: Vec<Vec<u8>>,
}

/// A photo after `photo::clean`: a real image without its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub kind: PhotoKind,
    pub data: Vec<u8>,
}

/// A checked visit.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitInput {
    pub target_kind: TargetKind,
    pub target_id: i64,
    /// Trimmed steps in the order of [`STEPS`]; `seen` is never empty.
    pub steps: [String; 5],
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub at_ms: i64,
    pub client_key: String,
    pub photos: Vec<CleanPhoto>,
}

impl VisitInput {
    pub fn seen(&self) -> &str {
        &self.steps[0]
    }

    /// The position, when both coordinates came.
    pub fn point(&self) -> Option<(f64, f64)> {
        self.lon.zip(self.lat)
    }
}

/// Checks a visit. `now_ms` stands in for a missing `at`; `make_key` for a missing client key.
/// Each refusal names its field; photos are checked last (the costliest), each cleaned.
pub fn check(
    raw: &RawVisit<'_>,
    now_ms: i64,
    make_key: impl FnOnce() -> String,
) -> Result<VisitInput, Error> {
    let target_kind = TargetKind::parse(raw.target_kind)
        .ok_or_else(|| err!("work.visit_target_kind", value = short(raw.target_kind)))?;
    let target_id = raw
        .target_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| err!("work.visit_target_id", value = short(raw.target_id)))?;
    let mut steps: [String; 5] = Default::default();
    for (i, (field, value)) in STEPS.iter().zip(raw.steps.iter()).enumerate() {
        steps[i] = step_text(field, value)?;
    }
    if steps[0].is_empty() {
        return Err(err!("work.visit_seen_required"));
    }
    let (lon, lat) = match (raw.lon, raw.lat) {
        (None, None) => (None, None),
        (Some(lon), Some(lat))
            if lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lon)
                && (-90.0..=90.0).contains(&lat) =>
        {
            (Some(lon), Some(lat))
        }
        _ => return Err(err!("work.position_invalid")),
    };
    let at_ms = match raw.at.trim() {
        "" => now_ms,
        t => parse_rfc3339(t).map_err(Error::from)?,
    };
    let client_key = match raw.client_key.trim() {
        "" => make_key(),
        k => k.to_string(),
    };
    if client_key.chars().count() > MAX_CLIENT_KEY
        || client_key
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(err!("work.client_key_invalid", max = MAX_CLIENT_KEY));
    }
    if raw.photos.len() > MAX_PHOTOS {
        return Err(err!("work.too_many_photos", max = MAX_PHOTOS));
    }
    let mut photos = Vec::with_capacity(raw.photos.len());
    for (i, bytes) in raw.photos.iter().enumerate() {
        let (kind, data) = photo::clean(bytes, MAX_PHOTO_BYTES).map_err(|pe| {
            let e = Error::from(pe);
            let mut details = e.details.clone();
            if !details.is_object() {
                details = serde_json::json!({});
            }
            details["photo"] = serde_json::json!(i + 1);
            e.with_details(details)
        })?;
        photos.push(CleanPhoto { kind, data });
    }
    Ok(VisitInput {
        target_kind,
        target_id,
        steps,
        lon,
        lat,
        at_ms,
        client_key,
        photos,
    })
}

fn step_text(field: &'static str, value: &str) -> Result<String, Error> {
    let v = value.trim();
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(err!("text.control", field));
    }
    let n = v.chars().count();
    if n > MAX_STEP {
        return Err(err!("text.too_long", field, max = MAX_STEP, n));
    }
    Ok(v.to_string())
}

fn short(s: &str) -> String {
    s.trim().chars().take(40).collect()
}

/// The canonical text the content hash is taken over: every submitted field that makes the
/// visit, in a fixed order, with the photos' SHA-256 in their order. The client key itself is
/// not part of it (it is what the hash is compared under). JSON keeps the texts unambiguous.
pub fn canonical(v: &VisitInput, photo_sha256: &[String]) -> String {
    serde_json::json!([
        v.target_kind.as_str(),
        v.target_id,
        v.steps,
        v.lon,
        v.lat,
        v.at_ms,
        photo_sha256,
    ])
    .to_string()
}

/// The day (China time) a visit stated at `at_ms` counts on.
pub fn day_of(at_ms: i64) -> Option<Date> {
    Date::from_days((at_ms + 8 * 3_600_000).div_euclid(86_400_000))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn raw<'a>() -> RawVisit<'a> {
        RawVisit {
            target_kind: "household",
            target_id: "12",
            steps: ["看了院子", "", "", "", ""],
            at: "2026-03-02T09:30:00+08:00",
            client_key: "k-1",
            ..RawVisit::default()
        }
    }

    #[test]
    fn a_plain_visit() {
        let v = check(&raw(), 0, String::new).unwrap();
        assert_eq!(v.target_kind, TargetKind::Household);
        assert_eq!(v.target_id, 12);
        assert_eq!(v.seen(), "看了院子");
        assert_eq!(v.point(), None);
        assert_eq!(day_of(v.at_ms).unwrap().to_string(), "2026-03-02");
    }

    #[test]
    fn refusals_name_the_field() {
        let code = |r: RawVisit<'_>| check(&r, 0, || "x".into()).unwrap_err().code;
        assert_eq!(
            code(RawVisit {
                target_kind: "car",
                ..raw()
            }),
            "work.visit_target_kind"
        );
        assert_eq!(
            code(RawVisit {
                target_id: "-3",
                ..raw()
            }),
            "work.visit_target_id"
        );
        assert_eq!(
            code(RawVisit {
                steps: ["  ", "a", "", "", ""],
                ..raw()
            }),
            "work.visit_seen_required"
        );
        let long = "字".repeat(MAX_STEP + 1);
        assert_eq!(
            code(RawVisit {
                steps: ["a", &long, "", "", ""],
                ..raw()
            }),
            "text.too_long"
        );
        assert_eq!(
            code(RawVisit {
                lon: Some(119.0),
                ..raw()
            }),
            "work.position_invalid"
        );
        assert_eq!(
            code(RawVisit {
                lon: Some(200.0),
                lat: Some(26.0),
                ..raw()
            }),
            "work.position_invalid"
        );
        assert_eq!(
            code(RawVisit {
                at: "yesterday",
                ..raw()
            }),
            "calendar.bad_instant"
        );
        assert_eq!(
            code(RawVisit {
                client_key: "a b",
                ..raw()
            }),
            "work.client_key_invalid"
        );
        assert_eq!(
            code(RawVisit {
                photos: vec![b"not an image".to_vec()],
                ..raw()
            }),
            "photo.unsupported_type"
        );
        assert_eq!(
            code(RawVisit {
                photos: vec![vec![1u8]; MAX_PHOTOS + 1],
                ..raw()
            }),
            "work.too_many_photos"
        );
    }

    #[test]
    fn blanks_take_the_server_s_values() {
        let r = RawVisit {
            at: "",
            client_key: "",
            ..raw()
        };
        let v = check(&r, 42, || "made".into()).unwrap();
        assert_eq!((v.at_ms, v.client_key.as_str()), (42, "made"));
    }

    #[test]
    fn the_canonical_text_changes_with_the_content() {
        let a = check(&raw(), 0, String::new).unwrap();
        let mut b = a.clone();
        assert_eq!(canonical(&a, &[]), canonical(&b, &[]));
        b.client_key = "other".into();
        assert_eq!(canonical(&a, &[]), canonical(&b, &[]));
        b.steps[3] = "回复了".into();
        assert_ne!(canonical(&a, &[]), canonical(&b, &[]));
        assert_ne!(canonical(&a, &[]), canonical(&a, &["ab".into()]));
    }
}
