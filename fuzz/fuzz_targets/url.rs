//! Term keys, slugs and base URLs: `url::key`, `url::nfkc`, `url::check_segment`,
//! `url::encode_segment` and `url::BaseUrl::parse` on arbitrary text.
//!
//! Invariants (SPEC: term keys are NFKC + ASCII-lowercase, one safe path segment):
//! - `key` is never `""`, never begins with `.` (a hidden directory), never holds `/ \ ? # %`,
//!   whitespace or a control character, always passes `check_segment`, and is stable:
//!   `key(key(s)) == key(s)`;
//! - `nfkc`'s quick path agrees with full NFKC;
//! - `encode_segment` yields only unreserved ASCII and `%XX`, and decodes back to its input;
//! - a parsed `BaseUrl` has a root path that starts and ends with `/`, re-parses to itself from
//!   `full()`, and never holds whitespace, control characters, `?` or `#`.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use casebook::url::{self, BaseUrl};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

fn unsafe_char(c: char) -> bool {
    matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()
}

fn check_encoded(input: &str, encoded: &str) {
    check!(
        "encode-charset",
        encoded.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')),
        "encode_segment({input:?}) = {encoded:?}"
    );
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8();
    check!("encode-roundtrip", decoded.as_deref() == Ok(input), "encode_segment({input:?}) = {encoded:?}");
}

fn check_text(s: &str) {
    let k = url::key(s);
    check!("key-dots", !k.is_empty() && !k.starts_with('.'), "key({s:?}) = {k:?}");
    check!("key-chars", !k.chars().any(unsafe_char), "key({s:?}) = {k:?}");
    check!("key-segment", url::check_segment(&k).is_ok(), "key({s:?}) = {k:?} fails check_segment");
    let kk = url::key(&k);
    check!("key-idempotent", kk == k, "key({s:?}) = {k:?} but key({k:?}) = {kk:?}");

    let quick = url::nfkc(s);
    let full: String = s.nfkc().collect();
    check!("nfkc-quick", quick == full, "nfkc({s:?}) = {quick:?}, expected {full:?}");

    match url::check_segment(s) {
        Ok(()) => check!("segment-ok", !s.is_empty() && !s.starts_with('.') && !s.chars().any(unsafe_char), "{s:?}"),
        Err(why) => check!("segment-why", !why.is_empty(), "empty reason"),
    }
    check_encoded(s, &url::encode_segment(s));
    check_encoded(&k, &url::encode_segment(&k));

    if let Ok(b) = BaseUrl::parse(s) {
        let root = b.root();
        check!("base-root", root.starts_with('/') && root.ends_with('/'), "BaseUrl::parse({s:?}).root() = {root:?}");
        check!(
            "base-root-chars",
            !root.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#'),
            "BaseUrl::parse({s:?}).root() = {root:?}"
        );
        let full = b.full();
        check!(
            "base-origin",
            !full.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#'),
            "BaseUrl::parse({s:?}) accepted, full() = {full:?}"
        );
        let again = BaseUrl::parse(&full);
        check!("base-reparse", again.as_ref() == Ok(&b), "BaseUrl::parse({s:?}) = {b:?}, re-parsed {again:?}");
        let u = b.url(&["tags", &k]);
        check!("base-url", u.starts_with(root) && u.ends_with('/'), "url = {u:?}");
        let f = b.file_url(&["feed.xml"]);
        check!("base-file-url", f.starts_with(root) && !f.ends_with('/'), "file_url = {f:?}");
        let _ = b.absolute(&u);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_text(&text);
});
