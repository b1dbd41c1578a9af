//! The rules of the event category tree that administrators keep: two levels (a class and its
//! kinds), codes that never change once events use them, and each kind's default complexity,
//! handling level and whether it escalates by itself when a level's limit passes.

use serde::Deserialize;

use crate::deadline::Complexity;
use crate::err;
use crate::error::Error;

/// At most this many characters in a Chinese name; English names may be twice as long.
pub const MAX_NAME_CHARS: usize = 40;
/// At most this many characters in a Chinese hint; English hints may be twice as long.
pub const MAX_HINT_CHARS: usize = 120;

/// A category as an administrator submits it (a new one, or new values for an existing code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// Required; the API takes it from the path.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub complexity: String,
    pub handling_level: i64,
    #[serde(default)]
    pub auto_escalate: bool,
    #[serde(default)]
    pub sort: Option<i64>,
    #[serde(default)]
    pub active: Option<bool>,
    /// "Me too"s that raise a case's urgency; 0 keeps the kind's open cases from residents.
    /// Absent: unchanged (a new category takes the default).
    #[serde(default)]
    pub me_too_threshold: Option<i64>,
    /// Where such a request belongs when a grid cannot take it (a hotline, a department), shown
    /// to the resident whose case was refused. Absent: unchanged.
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default)]
    pub hint_en: Option<String>,
}

/// A draft that passed [`check`]: trimmed, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub name_en: String,
    pub complexity: Complexity,
    pub handling_level: u8,
    pub auto_escalate: bool,
    pub sort: Option<i64>,
    pub active: bool,
    pub me_too_threshold: Option<i64>,
    pub hint: Option<String>,
    pub hint_en: Option<String>,
}

/// What the tree already holds that a draft must agree with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing<'a> {
    /// The code is new.
    New,
    /// The code exists with this parent; a category never moves between classes.
    Stored { parent_code: Option<&'a str> },
}

/// A code: 2 to 12 capital letters and digits, and a kind's code starts with its class's code
/// (MD01 under MD), so a code alone shows where it sits.
pub fn check_code(code: &str) -> Result<(), Error> {
    let ok = (2..=12).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(err!("category.code_invalid"))
    }
}

/// A name: required, on one line, at most `max` characters.
fn name(text: &str, max: usize, code: &'static str) -> Result<String, Error> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::new(code, vec![("max", max.to_string())]));
    }
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(Error::new(code, vec![("max", max.to_string())]));
    }
    Ok(t.to_string())
}

/// Checks a draft against the tree: `parent_is_class` says whether the named parent exists as a
/// class (a category without a parent), `None` when the draft names no parent.
pub fn check(
    d: &Draft,
    existing: Existing<'_>,
    parent_is_class: Option<bool>,
) -> Result<Checked, Error> {
    let code = d.code.trim().to_string();
    check_code(&code)?;
    let parent_code = d
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if let Existing::Stored {
        parent_code: stored,
    } = existing
        && stored != parent_code.as_deref()
    {
        return Err(err!("category.parent_fixed"));
    }
    if let Some(p) = &parent_code {
        if parent_is_class != Some(true) {
            return Err(err!("category.parent_invalid", parent = p));
        }
        if !code.starts_with(p.as_str()) || code == *p {
            return Err(err!("category.code_invalid"));
        }
    }
    let name_zh = name(&d.name, MAX_NAME_CHARS, "category.name_invalid")?;
    let name_en = match d
        .name_en
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => name(n, 2 * MAX_NAME_CHARS, "category.name_invalid")?,
        None => name_zh.clone(),
    };
    let complexity = Complexity::parse(d.complexity.trim())
        .ok_or_else(|| err!("category.complexity_invalid"))?;
    let handling_level = u8::try_from(d.handling_level)
        .ok()
        .filter(|l| (1..=5).contains(l))
        .ok_or_else(|| err!("category.level_invalid"))?;
    if d.sort.is_some_and(|s| !(0..=1_000_000).contains(&s)) {
        return Err(err!("category.sort_invalid"));
    }
    let max = crate::residents::MAX_ME_TOO_THRESHOLD;
    if d.me_too_threshold.is_some_and(|n| !(0..=max).contains(&n)) {
        return Err(err!("category.threshold_invalid", max));
    }
    let hint_zh = d
        .hint
        .as_deref()
        .map(|h| hint(h, MAX_HINT_CHARS))
        .transpose()?;
    let hint_en = d
        .hint_en
        .as_deref()
        .map(|h| hint(h, 2 * MAX_HINT_CHARS))
        .transpose()?;
    Ok(Checked {
        code,
        parent_code,
        name: name_zh,
        name_en,
        complexity,
        handling_level,
        auto_escalate: d.auto_escalate,
        sort: d.sort,
        active: d.active.unwrap_or(true),
        me_too_threshold: d.me_too_threshold,
        hint: hint_zh,
        hint_en,
    })
}

/// A hint: optional (empty clears it), on one line, at most `max` characters.
fn hint(text: &str, max: usize) -> Result<String, Error> {
    let t = text.trim();
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(err!("category.hint_invalid", max));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kind() -> Draft {
        Draft {
            code: " MD09 ".into(),
            parent_code: Some("MD".into()),
            name: " 噪声扰民 ".into(),
            name_en: None,
            complexity: "ordinary".into(),
            handling_level: 1,
            auto_escalate: true,
            sort: Some(19),
            active: None,
            me_too_threshold: None,
            hint: Some(" 拨打 12345 ".into()),
            hint_en: None,
        }
    }

    fn code_of(r: Result<Checked, Error>) -> &'static str {
        r.err().map(|e| e.code).unwrap_or("ok")
    }

    #[test]
    fn a_new_kind_is_trimmed_and_defaults_filled() {
        let c = check(&kind(), Existing::New, Some(true)).unwrap();
        assert_eq!(c.code, "MD09");
        assert_eq!(c.name, "噪声扰民");
        assert_eq!(c.name_en, "噪声扰民");
        assert_eq!(c.complexity, Complexity::Ordinary);
        assert_eq!(c.handling_level, 1);
        assert!(c.active && c.auto_escalate);
        assert_eq!(c.hint.as_deref(), Some("拨打 12345"));
        assert_eq!(c.me_too_threshold, None);
        let class = Draft {
            code: "ZZ".into(),
            parent_code: Some("  ".into()),
            ..kind()
        };
        assert_eq!(
            check(&class, Existing::New, None).unwrap().parent_code,
            None
        );
    }

    #[test]
    fn bad_drafts_name_what_is_wrong() {
        let with = |f: &dyn Fn(&mut Draft)| {
            let mut d = kind();
            f(&mut d);
            code_of(check(&d, Existing::New, Some(true)))
        };
        assert_eq!(with(&|d| d.code = "md09".into()), "category.code_invalid");
        assert_eq!(with(&|d| d.code = "M".into()), "category.code_invalid");
        assert_eq!(with(&|d| d.code = "SR09".into()), "category.code_invalid");
        assert_eq!(with(&|d| d.code = "MD".into()), "category.code_invalid");
        assert_eq!(with(&|d| d.name = "  ".into()), "category.name_invalid");
        assert_eq!(with(&|d| d.name = "长".repeat(41)), "category.name_invalid");
        assert_eq!(with(&|d| d.name = "a\nb".into()), "category.name_invalid");
        assert_eq!(
            with(&|d| d.complexity = "easy".into()),
            "category.complexity_invalid"
        );
        assert_eq!(with(&|d| d.handling_level = 0), "category.level_invalid");
        assert_eq!(with(&|d| d.handling_level = 6), "category.level_invalid");
        assert_eq!(with(&|d| d.sort = Some(-1)), "category.sort_invalid");
        assert_eq!(
            with(&|d| d.me_too_threshold = Some(-1)),
            "category.threshold_invalid"
        );
        assert_eq!(
            with(&|d| d.me_too_threshold = Some(1001)),
            "category.threshold_invalid"
        );
        assert_eq!(with(&|d| d.me_too_threshold = Some(0)), "ok");
        assert_eq!(
            with(&|d| d.hint = Some("长".repeat(121))),
            "category.hint_invalid"
        );
        assert_eq!(
            with(&|d| d.hint = Some("a\nb".into())),
            "category.hint_invalid"
        );
        assert_eq!(with(&|_| {}), "ok");
        // The parent must be a class: unknown or itself a kind, it is refused.
        assert_eq!(
            code_of(check(&kind(), Existing::New, Some(false))),
            "category.parent_invalid"
        );
        assert_eq!(
            code_of(check(&kind(), Existing::New, None)),
            "category.parent_invalid"
        );
    }

    #[test]
    fn a_stored_category_keeps_its_class() {
        let moved = check(
            &kind(),
            Existing::Stored {
                parent_code: Some("SR"),
            },
            Some(true),
        );
        assert_eq!(code_of(moved), "category.parent_fixed");
        let kept = check(
            &kind(),
            Existing::Stored {
                parent_code: Some("MD"),
            },
            Some(true),
        );
        assert_eq!(code_of(kept), "ok");
        let class_to_kind = check(&kind(), Existing::Stored { parent_code: None }, Some(true));
        assert_eq!(code_of(class_to_kind), "category.parent_fixed");
    }
}
