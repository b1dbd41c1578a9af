//! Texts of this area of the UI: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[];
