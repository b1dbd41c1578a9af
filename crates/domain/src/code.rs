//! Unified codes (一格一码). City to village use the 12-digit statistical division code
//! (2 province + 2 city + 2 county + 3 township + 3 village); a grid adds a 3-digit sequence
//! (15 digits), a building 3 more, a unit 2 more. A department is its parent's code, `D` and
//! two digits.

use crate::tree::NodeKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("code {code:?} is not a valid {kind} code: {reason}")]
    Malformed {
        code: String,
        kind: &'static str,
        reason: &'static str,
    },
    #[error("code {code:?} does not belong under parent {parent:?}")]
    NotUnderParent { code: String, parent: String },
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn malformed(code: &str, kind: NodeKind, reason: &'static str) -> CodeError {
    CodeError::Malformed {
        code: code.to_string(),
        kind: kind.as_str(),
        reason,
    }
}

/// Checks the shape of a code for a node kind, without looking at its parent.
pub fn validate(kind: NodeKind, code: &str) -> Result<(), CodeError> {
    let all_zero = |s: &str| s.bytes().all(|b| b == b'0');
    let need_digits = |len: usize| -> Result<(), CodeError> {
        if code.len() != len || !digits(code) {
            let reason = match len {
                12 => "expected 12 digits",
                15 => "expected 15 digits",
                18 => "expected 18 digits",
                _ => "expected 20 digits",
            };
            return Err(malformed(code, kind, reason));
        }
        Ok(())
    };
    match kind {
        NodeKind::City => {
            need_digits(12)?;
            if all_zero(&code[2..4]) || !all_zero(&code[4..]) {
                return Err(malformed(code, kind, "a city code is PPCC00000000"));
            }
        }
        NodeKind::County => {
            need_digits(12)?;
            if all_zero(&code[4..6]) || !all_zero(&code[6..]) {
                return Err(malformed(code, kind, "a county code is PPCCXX000000"));
            }
        }
        NodeKind::Township => {
            need_digits(12)?;
            if all_zero(&code[6..9]) || !all_zero(&code[9..]) {
                return Err(malformed(code, kind, "a township code is PPCCXXTTT000"));
            }
        }
        NodeKind::Village => {
            need_digits(12)?;
            if all_zero(&code[6..9]) || all_zero(&code[9..]) {
                return Err(malformed(code, kind, "a village code is PPCCXXTTTVVV"));
            }
        }
        NodeKind::Grid => {
            need_digits(15)?;
            if all_zero(&code[12..]) {
                return Err(malformed(code, kind, "a grid's sequence cannot be 000"));
            }
        }
        NodeKind::Building => {
            need_digits(18)?;
            if all_zero(&code[15..]) {
                return Err(malformed(code, kind, "a building's sequence cannot be 000"));
            }
        }
        NodeKind::Unit => {
            need_digits(20)?;
            if all_zero(&code[18..]) {
                return Err(malformed(code, kind, "a unit's sequence cannot be 00"));
            }
        }
        NodeKind::Department => {
            let Some((head, tail)) = code.split_once('D') else {
                return Err(malformed(
                    code,
                    kind,
                    "a department code is PARENT + D + 2 digits",
                ));
            };
            if head.len() != 12 || !digits(head) || tail.len() != 2 || !digits(tail) {
                return Err(malformed(
                    code,
                    kind,
                    "a department code is PARENT + D + 2 digits",
                ));
            }
        }
    }
    Ok(())
}

/// How many leading characters of a code a child must share with its parent.
fn significant_prefix(kind: NodeKind, code: &str) -> &str {
    let n = match kind {
        NodeKind::City => 4,
        NodeKind::County => 6,
        NodeKind::Township => 9,
        NodeKind::Village | NodeKind::Department => 12,
        NodeKind::Grid => 15,
        NodeKind::Building => 18,
        NodeKind::Unit => 20,
    };
    &code[..n.min(code.len())]
}

/// Checks that `code` (of `kind`) may sit under a parent of `parent_kind` with `parent_code`.
pub fn validate_under(
    kind: NodeKind,
    code: &str,
    parent_kind: NodeKind,
    parent_code: &str,
) -> Result<(), CodeError> {
    validate(kind, code)?;
    let not_under = || CodeError::NotUnderParent {
        code: code.to_string(),
        parent: parent_code.to_string(),
    };
    if !kind.allowed_parents().contains(&parent_kind) {
        return Err(not_under());
    }
    let ok = if kind == NodeKind::Department {
        code.starts_with(parent_code)
    } else {
        code.starts_with(significant_prefix(parent_kind, parent_code))
    };
    if ok { Ok(()) } else { Err(not_under()) }
}

/// The code of the `seq`-th child (1-based) of a node, for the kinds that number their children.
pub fn child_code(parent_kind: NodeKind, parent_code: &str, child: NodeKind, seq: u32) -> String {
    match (parent_kind, child) {
        (_, NodeKind::Department) => format!("{parent_code}D{seq:02}"),
        (NodeKind::City, _) => format!("{}{seq:02}000000", &parent_code[..4]),
        (NodeKind::County, _) => format!("{}{seq:03}000", &parent_code[..6]),
        (NodeKind::Township, _) => format!("{}{seq:03}", &parent_code[..9]),
        (NodeKind::Unit, _) | (NodeKind::Building, _) => format!("{parent_code}{seq:02}"),
        _ => format!("{parent_code}{seq:03}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_by_kind() {
        assert!(validate(NodeKind::City, "350100000000").is_ok());
        assert!(validate(NodeKind::County, "350102000000").is_ok());
        assert!(validate(NodeKind::Township, "350102001000").is_ok());
        assert!(validate(NodeKind::Village, "350102001002").is_ok());
        assert!(validate(NodeKind::Grid, "350102001002003").is_ok());
        assert!(validate(NodeKind::Department, "350102001000D01").is_ok());
        assert!(validate(NodeKind::Grid, "350102001002000").is_err());
        assert!(validate(NodeKind::Village, "350102001000").is_err());
        assert!(validate(NodeKind::County, "3501020000a0").is_err());
        assert!(validate(NodeKind::Township, "35010200100").is_err());
    }

    #[test]
    fn parents() {
        assert!(
            validate_under(
                NodeKind::Grid,
                "350102001002003",
                NodeKind::Village,
                "350102001002"
            )
            .is_ok()
        );
        assert!(
            validate_under(
                NodeKind::Grid,
                "350102001009003",
                NodeKind::Village,
                "350102001002"
            )
            .is_err()
        );
        assert!(
            validate_under(
                NodeKind::Grid,
                "350102001002003",
                NodeKind::Township,
                "350102001000"
            )
            .is_err()
        );
        assert_eq!(
            child_code(NodeKind::Township, "350102001000", NodeKind::Village, 7),
            "350102001007"
        );
        assert_eq!(
            child_code(NodeKind::County, "350102000000", NodeKind::Township, 12),
            "350102012000"
        );
        assert_eq!(
            child_code(NodeKind::Village, "350102001007", NodeKind::Grid, 3),
            "350102001007003"
        );
    }
}
