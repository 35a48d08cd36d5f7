//! Regression tests for what the fuzz targets under `fuzz/` found (see fuzz/README.md).
//!
//! Every input a target failed on is kept under `fuzz/regressions/<target>/` and replayed here
//! through the public API with the same invariants the target asserts, so a fix is checked by
//! `cargo test` without cargo-fuzz or a nightly toolchain. Each file is also checked on its own
//! by a named test, so a failure says which finding came back.

use std::path::{Path, PathBuf};

use casebook::content::{self, LoadOptions, MarkdownOptions, markdown};
use casebook::url::{self, BaseUrl};

fn regressions(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("regressions").join(target)
}

/// The saved inputs of one target, sorted by name (directories, used by `site_build`, included).
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(regressions(target)).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn read(target: &str, name: &str) -> String {
    let bytes = std::fs::read(regressions(target).join(name)).expect("a saved fuzz input");
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// url: term keys, slugs, percent-encoding, base URLs (fuzz/fuzz_targets/url.rs)

fn unsafe_char(c: char) -> bool {
    matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()
}

/// The invariants of the `url` target; returns the first one broken.
fn url_problem(s: &str) -> Option<String> {
    let k = url::key(s);
    if matches!(k.as_str(), "" | "." | "..") || k.chars().any(unsafe_char) || url::check_segment(&k).is_err() {
        return Some(format!("key({s:?}) = {k:?} is not one safe path segment"));
    }
    let kk = url::key(&k);
    if kk != k {
        return Some(format!("key is not stable: key({s:?}) = {k:?} but key({k:?}) = {kk:?}"));
    }
    for (input, encoded) in [(s, url::encode_segment(s)), (k.as_str(), url::encode_segment(&k))] {
        let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8();
        if decoded.as_deref() != Ok(input) {
            return Some(format!("encode_segment({input:?}) = {encoded:?} does not decode back"));
        }
    }
    if let Ok(b) = BaseUrl::parse(s) {
        let full = b.full();
        if !b.root().starts_with('/') || !b.root().ends_with('/') {
            return Some(format!("BaseUrl::parse({s:?}).root() = {:?}", b.root()));
        }
        if full.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#') {
            return Some(format!("BaseUrl::parse({s:?}) was accepted with full() = {full:?}"));
        }
        if BaseUrl::parse(&full).as_ref() != Ok(&b) {
            return Some(format!("BaseUrl::parse({s:?}) does not re-parse from {full:?}"));
        }
    }
    None
}

#[test]
fn fuzz_url_every_saved_input() {
    let failures: Vec<String> = inputs("url")
        .iter()
        .filter_map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).ok()?).into_owned();
            url_problem(&text).map(|m| format!("{}: {m}", p.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `J` + combining caron: NFKC leaves it alone (there is no precomposed capital J with caron),
/// ASCII-lowercasing then makes `j` + caron, which NFKC composes to `ǰ`. So the key of a key is
/// another key, and a term or `follows` written as its own key (as it appears in the URL) does
/// not match.
#[test]
fn fuzz_url_key_not_idempotent() {
    let s = read("url", "key-not-idempotent");
    assert_eq!(s, "J\u{30c}");
    let k = url::key(&s);
    assert_eq!(url::key(&k), k, "key({s:?}) = {k:?}");
}

/// `BaseUrl::parse` checks the path for spaces, control characters, `?` and `#`, but not the
/// host: `http://o\u{13}\u{a0}` is accepted and every absolute URL (feeds, sitemap) then holds
/// a control character and a no-break space.
#[test]
fn fuzz_url_base_url_host_control_char() {
    let s = read("url", "base-url-host-control-char");
    assert_eq!(s, "http://o\u{13}\u{fffd}");
    for raw in
        [s.as_str(), "http://o\u{13}/", "https://exa mple.org/", "https://example.org?x", "https://example.org#x"]
    {
        if let Ok(b) = BaseUrl::parse(raw) {
            panic!("BaseUrl::parse({raw:?}) was accepted, full() = {:?}", b.full());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// frontmatter: split + parse_entry (fuzz/fuzz_targets/frontmatter.rs)

/// The invariants of the `frontmatter` target, as an incident and as an article.
fn entry_problem(text: &str) -> Option<String> {
    let lines = text.split_inclusive('\n').count().max(1);
    let root = Path::new("/site");
    let content_dir = Path::new("/site/content");
    for rel in ["incidents/2024/2024-033.md", "articles/Fuzz Note.md"] {
        let file = content_dir.join(rel);
        let shown = content::shown(root, &file);
        let opts = LoadOptions { markdown: MarkdownOptions { east_asian_line_breaks: true }, drafts: true };
        match content::parse_entry(&shown, content_dir, &file, text, opts) {
            Ok(Some(e)) => {
                if url::check_segment(&e.slug).is_err() {
                    return Some(format!("{rel}: slug {:?} is not one path segment", e.slug));
                }
            }
            Ok(None) => return Some(format!("{rel}: skipped as a draft although drafts are built")),
            Err(diags) => {
                for d in diags {
                    if d.path != shown {
                        return Some(format!("{rel}: a diagnostic names {:?}: {d}", d.path));
                    }
                    if d.line == 0 || d.line > lines + 1 {
                        return Some(format!("{rel}: diagnostic at line {} of a {lines}-line file: {d}", d.line));
                    }
                }
            }
        }
    }
    None
}

#[test]
fn fuzz_frontmatter_every_saved_input() {
    let failures: Vec<String> = inputs("frontmatter")
        .iter()
        .filter_map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).ok()?).into_owned();
            entry_problem(&text).map(|m| format!("{}: {m}", p.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// YAML counts a lone CR as a line break; the rest of casebook (`Diagnostic::with_source`,
/// `diag::line_col`, the field named in the message) counts only LF. A YAML error after lone
/// CRs is reported past the end of the file, without its source line, and blames the wrong
/// field (`title` instead of `date` here).
#[test]
fn fuzz_frontmatter_lone_cr_line_past_eof() {
    let fuzzed = read("frontmatter", "lone-cr-diagnostic-line-past-eof.fuzz");
    assert_eq!(entry_problem(&fuzzed), None);
    let text = "---\ntitle: x\r\rdate: [\n---\n";
    let file = Path::new("/site/content/incidents/2024/2024-033.md");
    let shown = Path::new("content/incidents/2024/2024-033.md");
    let opts = LoadOptions { markdown: MarkdownOptions { east_asian_line_breaks: true }, drafts: true };
    let diags = content::parse_entry(shown, Path::new("/site/content"), file, text, opts).unwrap_err();
    let d = &diags[0];
    assert!(d.line <= 4 && d.source_line.is_some(), "{d:?}");
    assert!(d.message.starts_with("`date`"), "{}", d.message);
}

// ---------------------------------------------------------------------------------------------
// markdown: render (fuzz/fuzz_targets/markdown.rs)

#[test]
fn fuzz_markdown_every_saved_input() {
    for p in inputs("markdown") {
        let bytes = std::fs::read(&p).expect("read");
        let Some((&flags, rest)) = bytes.split_first() else { continue };
        let body = String::from_utf8_lossy(rest);
        let r = markdown::render(&body, MarkdownOptions { east_asian_line_breaks: flags & 1 == 1 });
        for (_, offset) in &r.links {
            assert!(*offset <= body.len(), "{}: link offset {offset} past the body", p.display());
        }
    }
}
