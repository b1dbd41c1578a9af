//! Texts of this area of the UI: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[("nav.work", "工作台", "Workbench")];
