//! The diary (民情日志, SPEC §5): a worker's entries with a date, text, tags and photos, and the
//! village grid leader's comments on them (批阅). What an entry may hold, and the checks every
//! record sent from a phone's outbox shares: the client-made key, the stated time, the position.

use crate::calendar::Date;
use crate::err;
use crate::error::Error;

/// Characters of an entry's text.
pub const MAX_BODY: usize = 4000;
/// Tags on an entry, and characters of one tag.
pub const MAX_TAGS: usize = 8;
pub const MAX_TAG: usize = 20;
/// Photos on an entry.
pub const MAX_PHOTOS: usize = 6;
/// Characters of a comment.
pub const MAX_COMMENT: usize = 1000;
/// How far back an entry may be dated: a worker catching up on last month, not a year.
pub const MAX_DAYS_BACK: i64 = 62;

/// An entry as checked: its day, text and tags (joined with `,` when stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub day: Date,
    pub body: String,
    pub tags: Vec<String>,
}

/// Checks an entry written on `today` (China date). A day after today is refused: a diary
/// tells what happened.
pub fn check(day: &str, body: &str, tags: &str, today: Date) -> Result<Draft, Error> {
    let day = match day.trim() {
        "" => today,
        d => Date::parse(d).map_err(|_| err!("request.bad_date", field = "day"))?,
    };
    if day > today {
        return Err(err!("work.diary_future", day));
    }
    if today.days() - day.days() > MAX_DAYS_BACK {
        return Err(err!("work.diary_too_old", day, max = MAX_DAYS_BACK));
    }
    let body = text(body, "body", MAX_BODY)?;
    if body.is_empty() {
        return Err(err!("required", field = "body"));
    }
    Ok(Draft {
        day,
        body,
        tags: parse_tags(tags)?,
    })
}

/// A comment's text: required, bounded, no control characters.
pub fn check_comment(body: &str) -> Result<String, Error> {
    let body = text(body, "body", MAX_COMMENT)?;
    if body.is_empty() {
        return Err(err!("required", field = "body"));
    }
    Ok(body)
}

/// Tags typed as one line: separated by commas (either width), 、 or spaces; duplicates dropped.
pub fn parse_tags(s: &str) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split([',', ',', '、', ' ', '\u{3000}', ';', ';']) {
        let t = t.trim();
        if t.is_empty() || out.iter().any(|x| x == t) {
            continue;
        }
        if t.chars().any(char::is_control) {
            return Err(err!("text.control", field = "tags"));
        }
        if t.chars().count() > MAX_TAG {
            return Err(err!("work.diary_tags", max = MAX_TAGS, max_len = MAX_TAG));
        }
        out.push(t.to_string());
    }
    if out.len() > MAX_TAGS {
        return Err(err!("work.diary_tags", max = MAX_TAGS, max_len = MAX_TAG));
    }
    Ok(out)
}

/// Trimmed text without control characters other than line breaks and tabs, at most `max`.
fn text(value: &str, field: &str, max: usize) -> Result<String, Error> {
    let v = value.trim();
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(err!("text.control", field));
    }
    let n = v.chars().count();
    if n > max {
        return Err(err!("text.too_long", field, max, n));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// A client-made key (the outbox makes a UUID): 8 to 64 letters, digits, `-` or `_`.
pub fn check_client_key(s: &str) -> Result<String, Error> {
    let s = s.trim();
    let ok = (8..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(err!("work.client_key_invalid", max = 64))
    }
}

/// A position sent with a record: both or neither, in WGS-84 degrees.
pub fn check_position(lon: Option<f64>, lat: Option<f64>) -> Result<Option<(f64, f64)>, Error> {
    match (lon, lat) {
        (None, None) => Ok(None),
        (Some(lon), Some(lat))
            if lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lon)
                && (-90.0..=90.0).contains(&lat) =>
        {
            Ok(Some((lon, lat)))
        }
        _ => Err(err!("locate.invalid")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn entries_are_checked() {
        let today = d("2026-12-04");
        let e = check("2026-12-03", " 走访了三户 ", "矛盾, 独居老人、矛盾", today).unwrap();
        assert_eq!(e.day, d("2026-12-03"));
        assert_eq!(e.body, "走访了三户");
        assert_eq!(e.tags, vec!["矛盾", "独居老人"]);
        assert_eq!(check("", "x", "", today).unwrap().day, today);
        assert_eq!(
            check("2026-12-05", "x", "", today).unwrap_err().code,
            "work.diary_future"
        );
        assert_eq!(
            check("2026-09-01", "x", "", today).unwrap_err().code,
            "work.diary_too_old"
        );
        assert_eq!(
            check("2026-12-04", "  ", "", today).unwrap_err().code,
            "required"
        );
        assert_eq!(
            check("12/04", "x", "", today).unwrap_err().code,
            "request.bad_date"
        );
        let long = "字".repeat(MAX_BODY + 1);
        assert_eq!(
            check("", &long, "", today).unwrap_err().code,
            "text.too_long"
        );
        assert_eq!(
            check("", "a\u{0}b", "", today).unwrap_err().code,
            "text.control"
        );
        assert_eq!(
            parse_tags("a b c d e f g h i").unwrap_err().code,
            "work.diary_tags"
        );
    }

    #[test]
    fn keys_and_positions() {
        assert!(check_client_key("0b7f0c3e-1f5a-4c55-9a51-1f2e3d4c5b6a").is_ok());
        assert!(check_client_key("short").is_err());
        assert!(check_client_key("has space inside it").is_err());
        assert_eq!(check_position(None, None).unwrap(), None);
        assert!(check_position(Some(119.3), None).is_err());
        assert!(check_position(Some(200.0), Some(26.0)).is_err());
        assert_eq!(
            check_position(Some(119.3), Some(26.0)).unwrap(),
            Some((119.3, 26.0))
        );
    }
}
