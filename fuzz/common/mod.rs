//! Shared by the fuzz targets.

#![allow(dead_code)]

/// Whether the finding `name` is listed in `CASEBOOK_FUZZ_KNOWN` (comma-separated). A fuzz run
/// that has already recorded a finding can be continued past it without stopping at the same
/// invariant again; see fuzz/README.md.
pub fn known(name: &str) -> bool {
    use std::sync::OnceLock;
    static KNOWN: OnceLock<Vec<String>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            std::env::var("CASEBOOK_FUZZ_KNOWN")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .iter()
        .any(|k| k == name)
}

/// Asserts `cond` unless the finding `name` is known.
#[macro_export]
macro_rules! check {
    ($name:literal, $cond:expr, $($fmt:tt)+) => {
        if !$cond && !common::known($name) {
            panic!("[{}] {}", $name, format!($($fmt)+));
        }
    };
}
