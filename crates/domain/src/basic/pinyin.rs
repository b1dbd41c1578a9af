//! Pinyin initials of names, for search (张三丰 → `zsf`). The readings come from the `pinyin`
//! crate (every CJK unified ideograph, the most common reading first); a name's first character
//! is read as a surname where the surname reading differs (曾 is zēng, not céng).

use pinyin::ToPinyin;

/// Surnames whose surname reading is not the character's most common one.
const SURNAME_READINGS: &[(char, char)] = &[
    ('曾', 'z'),
    ('单', 's'),
    ('解', 'x'),
    ('仇', 'q'),
    ('区', 'o'),
    ('朴', 'p'),
    ('查', 'z'),
    ('覃', 'q'),
    ('缪', 'm'),
    ('翟', 'z'),
    ('盖', 'g'),
    ('种', 'c'),
    ('秘', 'b'),
    ('万', 'w'),
    ('尉', 'y'),
    ('员', 'y'),
    ('乐', 'y'),
    ('卜', 'b'),
    ('折', 's'),
    ('長', 'c'),
    ('长', 'c'),
    ('尾', 'w'),
];

fn initial(c: char) -> Option<char> {
    if c.is_ascii_alphabetic() {
        return Some(c.to_ascii_lowercase());
    }
    c.to_pinyin()?.first_letter().chars().next()
}

/// Lower-case pinyin initials of the Chinese characters, ASCII letters kept (lower-cased),
/// everything else (digits, punctuation, spaces, the middle dot of minority names) dropped.
pub fn initials(name: &str) -> String {
    let name = name.trim();
    let mut out = String::with_capacity(name.len() / 3 + 1);
    for (i, c) in name.chars().enumerate() {
        let surname = (i == 0)
            .then(|| SURNAME_READINGS.iter().find(|(s, _)| *s == c))
            .flatten()
            .map(|(_, r)| *r);
        if let Some(l) = surname.or_else(|| initial(c)) {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn names() {
        assert_eq!(initials("张三丰"), "zsf");
        assert_eq!(initials("欧阳娜娜"), "oynn");
        assert_eq!(initials(" 李 Lei 2 "), "llei");
        assert_eq!(initials("阿依古丽·买买提"), "ayglmmt");
        assert_eq!(initials("曾国藩"), "zgf");
        assert_eq!(initials("单田芳"), "stf");
        assert_eq!(initials("Tom"), "tom");
        assert_eq!(initials("123-！"), "");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn surname_reading_only_for_the_first_character() {
        // 曾 inside a given name keeps its common reading.
        assert_eq!(initials("王曾"), "wc");
    }

    /// All 3755 characters of GB2312 level 1 have an initial that is a lower-case ASCII letter
    /// (the demo names' characters are checked where they live, in the app's demo).
    #[test]
    fn covers_common_characters() {
        // GB2312 level 1: rows 0xB0–0xD7, cells 0xA1–0xFE (row 0xD7 stops at 0xF9).
        let mut bytes = Vec::new();
        for row in 0xB0..=0xD7u8 {
            let last = if row == 0xD7 { 0xF9 } else { 0xFE };
            for cell in 0xA1..=last {
                bytes.extend([row, cell]);
            }
        }
        let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
        assert!(!bad);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars.len(), 3755);
        let missing: String = chars
            .iter()
            .filter(|c| !initial(**c).is_some_and(|l| l.is_ascii_lowercase()))
            .collect();
        assert!(missing.is_empty(), "no initial for {missing}");
    }
}
