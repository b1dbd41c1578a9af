//! The error table is complete: every code the sources raise is tabled, with both texts and the
//! same `{param}` names in each. The sources are read as text, so a new, untabled code fails here
//! whichever crate raises it.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use wangge_domain::error::{CODES, param_names};

#[test]
fn each_entry_has_both_texts_and_the_same_parameters() {
    let mut seen = HashSet::new();
    for e in CODES {
        assert!(seen.insert(e.code), "{} is tabled twice", e.code);
        assert!(
            !e.zh.trim().is_empty() && !e.en.trim().is_empty(),
            "{} lacks a text",
            e.code
        );
        assert!(
            (400..600).contains(&e.status),
            "{}: status {}",
            e.code,
            e.status
        );
        let zh: BTreeSet<&str> = param_names(e.zh).into_iter().collect();
        let en: BTreeSet<&str> = param_names(e.en).into_iter().collect();
        assert_eq!(zh, en, "{}: zh and en name different parameters", e.code);
    }
}

#[test]
fn every_code_the_sources_use_is_tabled() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in read_dir(&crates) {
        rust_files(&krate.join("src"), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let tabled: HashSet<&str> = CODES.iter().map(|e| e.code).collect();
    let mut used = 0;
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for code in codes_in(&text) {
            used += 1;
            if !tabled.contains(code.as_str()) {
                missing.push(format!("{code} ({})", file.display()));
            }
        }
    }
    assert!(used > 150, "found only {used} uses of codes");
    assert!(
        missing.is_empty(),
        "codes missing from the table: {missing:#?}"
    );
}

#[test]
fn the_scan_catches_a_new_code() {
    let text = "fn f() -> Error { err!(\"thing.new_kind\", max = 3) }\n\
                impl E { pub fn code(&self) -> &'static str {\n match self { E::A => \"e.a\", E::B => \"e.b\" }\n    }\n}\n";
    assert_eq!(codes_in(text), vec!["thing.new_kind", "e.a", "e.b"]);
}

/// The literal codes of a source text: the first argument of `err!(…)` and `Error::new(…)`, a
/// `code: "…"` field, and what a `fn code(&self)` returns.
fn codes_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["err!(\"", "Error::new(\"", "code: \""] {
        for (at, _) in text.match_indices(marker) {
            // `code: "` only as a field of its own, not `grid_code: "`.
            let before = text[..at].bytes().next_back().unwrap_or(b' ');
            if !(before.is_ascii_alphanumeric() || before == b'_') {
                out.push(literal(&text[at + marker.len()..]));
            }
        }
    }
    for part in text.split("fn code(&self) -> &'static str {").skip(1) {
        let body = part.split("\n    }\n").next().unwrap_or_default();
        for arm in body.split("=> \"").skip(1) {
            out.push(literal(arm));
        }
    }
    // Comments and test data name codes too, but always in the same shapes; keep only codes.
    out.retain(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    });
    out
}

fn literal(after_quote: &str) -> String {
    after_quote
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for p in read_dir(dir) {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The error enums fill in every parameter their code's texts name.
#[test]
fn enum_errors_fill_their_texts() {
    use wangge_domain::Error;
    use wangge_domain::calendar::CalendarError;
    use wangge_domain::event::{ActionKind, Status, WorkflowError};
    use wangge_domain::geometry::GeometryError;
    use wangge_domain::photo::PhotoError;
    let errors: Vec<Error> = vec![
        WorkflowError::ActionNotAllowed {
            action: ActionKind::Accept,
            status: Status::Closed,
        }
        .into(),
        WorkflowError::RoleNotAllowed {
            action: ActionKind::Accept,
        }
        .into(),
        WorkflowError::TextTooLong.into(),
        WorkflowError::AttachmentsInvalid.into(),
        WorkflowError::LinkDeadEnd {
            status: Status::Closed,
        }
        .into(),
        WorkflowError::SelfVerify.into(),
        PhotoError::TooLarge {
            size: 6_000_000,
            max_bytes: 5_242_880,
        }
        .into(),
        PhotoError::Empty.into(),
        CalendarError::MissingYear(2030).into(),
        CalendarError::BadData {
            line: 3,
            reason: "x".into(),
        }
        .into(),
        CalendarError::BadInstant {
            text: "t".into(),
            reason: "r".into(),
        }
        .into(),
        GeometryError::SelfIntersection {
            path: "[0]".into(),
            edge_a: 1,
            edge_b: 3,
            lon: 119.3,
            lat: 26.1,
        }
        .into(),
        GeometryError::TooFewPositions {
            what: "ring",
            path: "[0]".into(),
            found: 2,
            min: 4,
        }
        .into(),
        GeometryError::NotAdjacent.into(),
    ];
    for e in errors {
        assert_ne!(e.status, 500, "{} is not tabled", e.code);
        for text in [e.message.clone(), e.text(true)] {
            assert!(!text.contains('{'), "{}: {text}", e.code);
        }
    }
}
