//! Identifiers carried by basic records: the 18-digit citizen ID number (GB 11643-1999), the
//! mainland mobile number and the unified social credit code (GB 32100-2015). Each parser
//! normalises its input and names exactly what is wrong, so an import report can be acted on.

use super::{FieldError, Sex};
use crate::calendar::Date;
use crate::err;

/// A citizen ID number that parsed: its check character verified and its birth date real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    /// 18 characters, the check character upper-case.
    pub normalized: String,
    /// The 6-digit administrative division code of first registration.
    pub region: String,
    pub birth: Date,
    /// From the 17th digit: odd is male, even is female.
    pub sex: Sex,
}

/// Weights of the first 17 digits: 2^(17-i) mod 11.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for weighted sum mod 11.
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// Province-level codes (the first two digits of a division code) that exist.
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

const ID: &str = "id_number";

fn id_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

fn show_char(b: u8) -> String {
    char::from(b).to_string()
}

/// Parses an 18-character citizen ID number; `today` bounds the birth date.
pub fn parse_id_number(s: &str, today: Date) -> Result<IdNumber, FieldError> {
    let t = s.trim();
    let n = t.chars().count();
    if n != 18 {
        return Err(FieldError::new(ID, err!("id.length", n)));
    }
    let up = t.to_ascii_uppercase();
    let b = up.as_bytes();
    if let Some(i) = b[..17].iter().position(|c| !c.is_ascii_digit()) {
        return Err(FieldError::new(ID, err!("id.chars", position = i + 1)));
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(FieldError::new(ID, err!("id.chars", position = 18)));
    }
    let region = &up[..6];
    if !PROVINCES.contains(&&region[..2]) {
        return Err(FieldError::new(
            ID,
            err!("id.region", region, province = &region[..2]),
        ));
    }
    let num = |from: usize, len: usize| -> u32 {
        b[from..from + len]
            .iter()
            .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    let (y, m, d) = (num(6, 4), num(10, 2), num(12, 2));
    let Some(birth) = Date::new(y as i32, m, d).filter(|_| y >= 1850) else {
        return Err(FieldError::new(
            ID,
            err!("id.birth_date", date = &up[6..14]),
        ));
    };
    if birth > today {
        return Err(FieldError::new(ID, err!("id.birth_future", date = birth)));
    }
    let want = id_check_char(&b[..17]);
    if b[17] != want {
        return Err(FieldError::new(
            ID,
            err!(
                "id.checksum",
                want = show_char(want),
                got = show_char(b[17])
            ),
        ));
    }
    let sex = if (b[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    Ok(IdNumber {
        region: region.to_string(),
        normalized: up,
        birth,
        sex,
    })
}

/// Checks that a parsed ID number agrees with a stated birth date and sex; one error per field
/// that disagrees, named by that field.
pub fn check_agrees(id: &IdNumber, birth_date: Option<Date>, sex: Option<Sex>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(bd) = birth_date
        && bd != id.birth
    {
        errs.push(FieldError::new(
            "birth_date",
            err!("id.birth_mismatch", date = bd, id_date = id.birth),
        ));
    }
    if let Some(sx) = sex
        && sx != id.sex
    {
        errs.push(FieldError::new(
            "sex",
            err!(
                "id.sex_mismatch",
                sex = sx.as_str(),
                id_sex = id.sex.as_str()
            ),
        ));
    }
    errs
}

/// Builds a valid ID number from a 6-digit region, a birth date and a 3-digit sequence (odd for
/// men, even for women). Used by the demo data and tests; garbage in gives a well-formed but
/// possibly invalid string, never a panic.
pub fn make_id_number(region: &str, birth: Date, seq3: u32) -> String {
    let mut s = format!(
        "{region:.6}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        seq3 % 1000
    );
    if s.len() == 17 && s.bytes().all(|c| c.is_ascii_digit()) {
        s.push(char::from(id_check_char(s.as_bytes())));
    }
    s
}

/// How many valid 18-character ID numbers fit what a masked view shows of a person: the mask
/// (`*` hides a character), the region (guessable from where the person lives), the birth year
/// and the sex. The privacy rule is that this stays at 10,000 or more (README, "Data
/// protection"); the tests count it from what a role that may not reveal receives.
pub fn fitting_id_numbers(mask: &str, region6: &str, year: i32, sex: Sex) -> u64 {
    let mask: Vec<char> = mask.chars().collect();
    if mask.len() != 18 || region6.len() != 6 {
        return 0;
    }
    let fits = |s: &str| {
        s.chars()
            .zip(&mask)
            .all(|(c, m)| *m == '*' || c.eq_ignore_ascii_case(m))
    };
    let parity = u32::from(sex == Sex::Male);
    let mut n = 0;
    let mut day = Date::new(year, 1, 1);
    while let Some(d) = day.filter(|d| d.year() == year) {
        for seq in (parity..1000).step_by(2) {
            if fits(&make_id_number(region6, d, seq)) {
                n += 1;
            }
        }
        day = Date::from_days(d.days() + 1);
    }
    n
}

const PHONE_PREFIXES: [&str; 3] = ["+86", "0086", "86"];

/// Parses a mainland mobile number: 11 digits starting 13–19; spaces, dashes and a +86 / 0086
/// prefix are tolerated and removed. `field` names the column it came from.
pub fn parse_phone(field: &'static str, s: &str) -> Result<String, FieldError> {
    let compact: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '(' | ')'))
        .collect();
    let mut digits = compact.as_str();
    for p in PHONE_PREFIXES {
        if let Some(rest) = digits.strip_prefix(p)
            && (p != "86" || rest.len() == 11)
        {
            digits = rest;
            break;
        }
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            err!("phone.chars", value = s.trim()),
        ));
    }
    if digits.len() != 11 {
        return Err(FieldError::new(
            field,
            err!("phone.length", n = digits.len()),
        ));
    }
    let b = digits.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(FieldError::new(
            field,
            err!("phone.prefix", prefix = &digits[..2]),
        ));
    }
    Ok(digits.to_string())
}

/// The 31 characters of GB 32100 (no I, O, Z, S, V), in value order.
const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const CREDIT: &str = "credit_code";

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_CHARS.iter().position(|&x| x == c).map(|v| v as u32)
}

fn credit_check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in body.iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(*c)? * w;
    }
    Some(CREDIT_CHARS[((31 - sum % 31) % 31) as usize])
}

/// Parses an 18-character unified social credit code, upper-casing it.
pub fn parse_credit_code(s: &str) -> Result<String, FieldError> {
    let up = s.trim().to_ascii_uppercase();
    let n = up.chars().count();
    if n != 18 {
        return Err(FieldError::new(CREDIT, err!("credit.length", n)));
    }
    let b = up.as_bytes();
    if let Some(i) = b.iter().position(|c| credit_value(*c).is_none()) {
        return Err(FieldError::new(
            CREDIT,
            err!(
                "credit.chars",
                position = i + 1,
                char = up[i..].chars().next().map(String::from).unwrap_or_default()
            ),
        ));
    }
    let want = credit_check_char(&b[..17]).unwrap_or(b'0');
    if b[17] != want {
        return Err(FieldError::new(
            CREDIT,
            err!(
                "credit.checksum",
                want = show_char(want),
                got = show_char(b[17])
            ),
        ));
    }
    Ok(up)
}

/// Appends the check character to a 17-character body; a body with characters outside the
/// code's alphabet is returned as is (and will not parse).
pub fn make_credit_code(body17: &str) -> String {
    let mut s = body17.to_ascii_uppercase();
    if s.len() == 17
        && let Some(c) = credit_check_char(s.as_bytes())
    {
        s.push(char::from(c));
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::rng::SplitMix64;

    fn today() -> Date {
        Date::new(2026, 11, 24).unwrap()
    }

    #[test]
    fn masks_leave_enough_numbers() {
        let id = make_id_number("350102", Date::new(1990, 6, 15).unwrap(), 123);
        let last = &id[17..];
        // What the masks show (first 2 and last 1 now; first 4 and last 4 before).
        let now = format!("35{}{last}", "*".repeat(15));
        let before = format!("3501{}{}", "*".repeat(10), &id[14..]);
        let n = fitting_id_numbers(&now, "350102", 1990, Sex::Male);
        assert!((10_000..30_000).contains(&n), "{n}");
        assert!(fitting_id_numbers(&before, "350102", 1990, Sex::Male) < 100);
        assert_eq!(fitting_id_numbers("short", "350102", 1990, Sex::Male), 0);
    }

    #[test]
    fn known_id_number_parses() {
        // The standard's own example.
        let id = parse_id_number("11010519491231002x", today()).unwrap();
        assert_eq!(id.normalized, "11010519491231002X");
        assert_eq!(id.region, "110105");
        assert_eq!(id.birth, Date::new(1949, 12, 31).unwrap());
        assert_eq!(id.sex, Sex::Female);
    }

    #[test]
    fn id_errors_are_distinct() {
        let code = |s: &str| parse_id_number(s, today()).unwrap_err().code;
        assert_eq!(code("1101051949123100"), "id.length");
        assert_eq!(code("11010519491231A02X"), "id.chars");
        assert_eq!(code("11010519491231002Y"), "id.chars");
        assert_eq!(code("99010519491231002X"), "id.region");
        let bad_day = make_id_number("350102", Date::new(1999, 2, 28).unwrap(), 123)
            .replacen("19990228", "19990230", 1);
        assert_eq!(code(&bad_day), "id.birth_date");
        let future = make_id_number("350102", Date::new(2027, 1, 1).unwrap(), 123);
        assert_eq!(code(&future), "id.birth_future");
        let e = parse_id_number("110105194912310021", today()).unwrap_err();
        assert_eq!(e.code, "id.checksum");
        assert_eq!(e.message, "check character should be X, not 1");
        assert_eq!(e.field, "id_number");
    }

    #[test]
    fn agreement_names_the_disagreeing_field() {
        let id = parse_id_number("11010519491231002X", today()).unwrap();
        assert!(check_agrees(&id, Some(id.birth), Some(Sex::Female)).is_empty());
        let errs = check_agrees(&id, Date::new(1950, 1, 1), Some(Sex::Male));
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["birth_date", "sex"]);
    }

    fn random_birth(r: &mut SplitMix64) -> Date {
        Date::from_days(-25_000 + r.below(45_000) as i64).unwrap()
    }

    #[test]
    fn generated_ids_parse_and_any_single_change_is_rejected() {
        let mut r = SplitMix64::new(11);
        let alphabet = b"0123456789X";
        for _ in 0..300 {
            let birth = random_birth(&mut r);
            let seq = r.below(1000) as u32;
            let s = make_id_number("350102", birth, seq);
            let id = parse_id_number(&s, today()).unwrap();
            assert_eq!(id.birth, birth);
            assert_eq!(id.sex == Sex::Male, seq % 2 == 1);
            let pos = r.below(18);
            let mut b = s.clone().into_bytes();
            let orig = b[pos];
            let mut c = *r.pick(alphabet);
            while c == orig {
                c = *r.pick(alphabet);
            }
            b[pos] = c;
            let changed = String::from_utf8(b).unwrap();
            assert!(
                parse_id_number(&changed, today()).is_err(),
                "{s} changed at {pos} to {changed} still parses"
            );
        }
    }

    #[test]
    fn phones_normalise_and_fail_clearly() {
        assert_eq!(
            parse_phone("phone", "138 0013-8000").unwrap(),
            "13800138000"
        );
        assert_eq!(
            parse_phone("phone", "+86 13800138000").unwrap(),
            "13800138000"
        );
        assert_eq!(
            parse_phone("phone", "8613800138000").unwrap(),
            "13800138000"
        );
        assert_eq!(
            parse_phone("phone", "0086-13800138000").unwrap(),
            "13800138000"
        );
        let e = |s| parse_phone("owner_phone", s).unwrap_err();
        assert_eq!(e("1380013800").code, "phone.length");
        assert_eq!(e("12800138000").code, "phone.prefix");
        assert_eq!(e("1380013800a").code, "phone.chars");
        assert_eq!(e("1380013800a").field, "owner_phone");
    }

    #[test]
    fn known_credit_code_parses() {
        // Published code of a real company (Huawei Technologies Co., Ltd.).
        assert_eq!(
            parse_credit_code("914403001922038216").unwrap(),
            "914403001922038216"
        );
        let e = parse_credit_code("914403001922038217").unwrap_err();
        assert_eq!(e.code, "credit.checksum");
        assert_eq!(e.message, "check character should be 6, not 7");
        assert_eq!(
            parse_credit_code("91440300192203821").unwrap_err().code,
            "credit.length"
        );
        assert_eq!(
            parse_credit_code("91440300192203821I").unwrap_err().code,
            "credit.chars"
        );
    }

    #[test]
    fn generated_credit_codes_parse_and_any_single_change_is_rejected() {
        let mut r = SplitMix64::new(5);
        for _ in 0..300 {
            let body: String = (0..17).map(|_| char::from(*r.pick(CREDIT_CHARS))).collect();
            let s = make_credit_code(&body);
            assert_eq!(parse_credit_code(&s).unwrap(), s);
            let pos = r.below(18);
            let mut b = s.clone().into_bytes();
            let orig = b[pos];
            let mut c = *r.pick(CREDIT_CHARS);
            while c == orig {
                c = *r.pick(CREDIT_CHARS);
            }
            b[pos] = c;
            let changed = String::from_utf8(b).unwrap();
            assert!(
                parse_credit_code(&changed).is_err(),
                "{changed} still parses"
            );
        }
    }
}
