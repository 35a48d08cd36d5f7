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
    if k.is_empty() || k.starts_with('.') || k.chars().any(unsafe_char) || url::check_segment(&k).is_err() {
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
    let s = read("url", "key-not-idempotent.fuzz");
    assert_eq!(s, "J\u{30c}");
    let k = url::key(&s);
    assert_eq!(url::key(&k), k, "key({s:?}) = {k:?}");
}

/// `BaseUrl::parse` checks the path for spaces, control characters, `?` and `#`, but not the
/// host: `http://o\u{13}\u{a0}` is accepted and every absolute URL (feeds, sitemap) then holds
/// a control character and a no-break space.
#[test]
fn fuzz_url_base_url_host_control_char() {
    let s = read("url", "base-url-host-control-char.fuzz");
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
        let opts = LoadOptions { east_asian_line_breaks: true, incident_ids: &[], article_ids: &[], drafts: true };
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
    let opts = LoadOptions { east_asian_line_breaks: true, incident_ids: &[], article_ids: &[], drafts: true };
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
        let r = markdown::render(&body, MarkdownOptions { east_asian_line_breaks: flags & 1 == 1, page_ids: &[] });
        for (_, offset) in &r.links {
            assert!(*offset <= body.len(), "{}: link offset {offset} past the body", p.display());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// site_build: a whole build of a small generated site (fuzz/fuzz_targets/site_build.rs). Each
// finding is kept as the raw fuzz input (`<name>.fuzz`) and as the site it generates
// (`<name>/`, written by replaying the input with CASEBOOK_FUZZ_DUMP=DIR); the site is what is
// replayed here.

/// A fresh directory under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        // Tests run in parallel and replay the same sites: one directory per call.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("casebook-fuzz-regression-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(std::fs::canonicalize(&dir).expect("canonicalize"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(from).expect("read a saved site").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            std::fs::create_dir_all(&dst).expect("mkdir");
            for f in copy_tree(&src, &dst) {
                files.push(format!("{}/{f}", e.file_name().to_string_lossy()));
            }
        } else {
            std::fs::copy(&src, &dst).expect("copy");
            files.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    files
}

/// The invariants of the `site_build` target for the site saved at `site`: `Ok`, or input errors
/// that each name one of the site's files, and nothing left beside the output.
fn site_problem(site: &Path) -> Option<String> {
    let name = site.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let scratch = Scratch::new(&name);
    let root = scratch.0.join("site");
    std::fs::create_dir_all(&root).expect("mkdir");
    let files = copy_tree(site, &root);
    let out = scratch.0.join("out");
    let opts = casebook::BuildOptions {
        root,
        output: Some(out.clone()),
        drafts: false,
        base_url: None,
        jobs: Some(1),
        progress: None,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| casebook::build(&opts)));
    let problem = match result {
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Some(format!("the build panicked: {msg}"))
        }
        Ok(Ok(_)) => None,
        Ok(Err(casebook::Error::Input(diags))) => diags
            .iter()
            .find(|d| !files.contains(&d.path.to_string_lossy().into_owned()))
            .map(|d| format!("a diagnostic names {:?}, not a file of the site: {d}", d.path)),
        Ok(Err(e)) => Some(format!(
            "the build failed with an error that names no input file: {e}: {:?}",
            e.diagnostics().iter().map(|d| d.to_string()).collect::<Vec<_>>()
        )),
    };
    let mut left: Vec<String> = std::fs::read_dir(&scratch.0)
        .expect("read")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    left.retain(|n| n != "site" && n != "out");
    problem.or_else(|| (!left.is_empty()).then(|| format!("left beside the output: {left:?}")))
}

#[test]
fn fuzz_site_build_every_saved_site() {
    let failures: Vec<String> = inputs("site_build")
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| site_problem(p).map(|m| format!("{}: {m}", p.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A taxonomy `path` in book.toml longer than a file name may be passes the configuration
/// checks; the build then fails writing `<path>/index.html` with "File name too long", reported
/// against the (already removed) staging directory instead of book.toml.
#[test]
fn fuzz_site_build_taxonomy_path_too_long() {
    let site = regressions("site_build").join("taxonomy-path-too-long");
    assert_eq!(site_problem(&site), None);
}

/// A taxonomy `path` equal to one of the site's own files (`incidents.json`; also
/// `incidents.csv`, `robots.txt`, `index.html`, `style.css`, ...) passes the configuration
/// checks (only `incidents`, `articles`, `years`, ... are reserved); the build then fails with
/// "incidents.json: Is a directory", reported against the staging directory, not book.toml.
#[test]
fn fuzz_site_build_taxonomy_path_collides_with_dataset() {
    let site = regressions("site_build").join("taxonomy-path-collides-with-dataset");
    assert_eq!(site_problem(&site), None);
}

/// Two incidents in different years whose `affected` add up past `u64::MAX`: each year's total
/// saturates, but the site-wide total on /stats/ is a plain `sum()`, which panics with
/// "attempt to add with overflow" in a debug build (and wraps in a release build).
#[test]
fn fuzz_site_build_affected_sum_overflow() {
    // As the fuzzer found it, and reduced by hand to two incidents.
    for name in ["affected-sum-overflow", "affected-sum-overflow-minimal"] {
        let site = regressions("site_build").join(name);
        assert_eq!(site_problem(&site), None, "{name}");
    }
}
