//! The masks used to show personal data in lists and exports: enough to recognise a value,
//! not enough to use it.

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// Keeps the first `head` and last `tail` characters, one `*` for each character in between.
fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    let n = chars.len();
    let mut out: String = chars.iter().take(head).collect();
    out.push_str(&stars(n.saturating_sub(head + tail)));
    out.extend(chars.iter().skip(n.saturating_sub(tail)));
    out
}

/// `13812345678` → `138****5678`: 8 or more characters keep the first 3 and last 4; 5–7 keep
/// the last 2; shorter ones are all stars. Counts characters, not bytes.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    match chars.len() {
        n if n >= 8 => keep_ends(&chars, 3, 4),
        5..=7 => keep_ends(&chars, 0, 2),
        n => stars(n),
    }
}

/// `350102199001011234` → `35***************4`: 12 or more characters (15- and 18-character
/// ID numbers) keep the first 2 and the last 1; 6–11 (passports, permits) keep the first 1;
/// shorter ones are all stars. The county (characters 3–6) is guessable from where a person
/// lives and the birth year and sex are shown, so the mask must leave the birth day and the
/// sequence hidden: 365 days × 500 sequences of one sex / 11 check values ≈ 16,600 numbers fit
/// an 18-character mask (README, "Data protection").
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    match chars.len() {
        n if n >= 12 => keep_ends(&chars, 2, 1),
        6..=11 => keep_ends(&chars, 1, 0),
        n => stars(n),
    }
}

/// `张三丰` → `张**`: the first character, then one `*` per remaining character; a one-character
/// name is `*`, an empty one stays empty.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => stars(1),
        _ => keep_ends(&chars, 1, 0),
    }
}
