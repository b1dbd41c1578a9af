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
        assert!((400..600).contains(&e.status), "{}: status {}", e.code, e.status);
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
    assert!(missing.is_empty(), "codes missing from the table: {missing:#?}");
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
    after_quote.split('"').next().unwrap_or_default().to_string()
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
