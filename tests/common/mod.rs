//! Helpers shared by the integration tests: temporary sites, running the binary, reading the
//! output tree, parsing diagnostics and checking links.
//!
//! Only std and `percent-encoding` are used, so the tests need nothing from the network.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Path of the `casebook` binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_casebook");

/// The repository root (which is also the sample site).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture directory under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests").join("fixtures").join(name)
}

/// A fresh, empty directory that is removed when dropped (unless `CASEBOOK_KEEP_TEMP` is set).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("casebook-it-{label}-{}-{n}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).expect("remove stale temp dir");
        }
        std::fs::create_dir_all(&path).expect("create temp dir");
        // Canonical, so that paths compare equal to what the binary resolves.
        let path = std::fs::canonicalize(&path).expect("canonicalize temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("CASEBOOK_KEEP_TEMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Copies a directory tree (files and directories only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create target dir");
    let mut entries: Vec<_> = std::fs::read_dir(from).expect("read fixture dir").map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ty = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ty.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ty.is_file() {
            std::fs::copy(e.path(), &dest).expect("copy fixture file");
        }
    }
}

/// A copy of `tests/fixtures/<name>` in a fresh temporary directory: `(guard, site root)`.
pub fn site_from_fixture(name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(name);
    let root = tmp.join("site");
    copy_dir(&fixture(name), &root);
    (tmp, root)
}

/// An empty site (book.toml only, plus an empty content/) in a fresh temporary directory.
pub fn empty_site(label: &str, book_toml: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(label);
    let root = tmp.join("site");
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(root.join("book.toml"), book_toml).unwrap();
    (tmp, root)
}

/// Writes `text` at `rel` under `root`, creating directories.
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The result of one run of the binary.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the output unless the exit status is `code`.
    #[track_caller]
    pub fn expect_status(&self, code: i32) -> &Run {
        assert_eq!(
            self.status,
            Some(code),
            "expected exit status {code}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        self.expect_status(0)
    }

    /// The `path:line:col: error: message` lines of stderr.
    pub fn diagnostics(&self) -> Vec<Diag> {
        parse_diagnostics(&self.stderr)
    }
}

/// Runs `casebook <args>` in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out =
        Command::new(BIN).args(args).current_dir(cwd).env_remove("RUST_LOG").output().expect("run the casebook binary");
    Run::from(out)
}

/// Runs `casebook build --root <root> <extra...>` from the root's parent directory.
pub fn build(root: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    run_in(root.parent().unwrap_or(root), &args)
}

/// One diagnostic line: `path:line:col: error: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses every `path:line:col: error: message` line (diagnostics without a position, and the
/// final summary line, are left out).
pub fn parse_diagnostics(stderr: &str) -> Vec<Diag> {
    let mut out = Vec::new();
    for l in stderr.lines() {
        let Some((loc, message)) = l.split_once(": error: ") else { continue };
        let mut parts = loc.rsplitn(3, ':');
        let (Some(col), Some(line), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(line), Ok(column)) = (line.parse(), col.parse()) else { continue };
        out.push(Diag { path: path.to_string(), line, column, message: message.to_string() });
    }
    out
}

/// Every file under `dir`, as output-relative `/`-separated paths → contents.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The text of `rel` under `dir`, with a helpful panic when it is missing.
#[track_caller]
pub fn read(dir: &Path, rel: &str) -> String {
    let p = dir.join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Values of every `attr="..."` in `html` (double-quoted attributes, as the theme writes them).
pub fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(pos) = html[from..].find(&needle) {
        let start = from + pos;
        let value_start = start + needle.len();
        from = value_start;
        // The attribute name must stand alone (`href`, not `data-href`).
        if start > 0 {
            let prev = bytes[start - 1];
            if !(prev == b' ' || prev == b'\n' || prev == b'\t' || prev == b'\r') {
                continue;
            }
        }
        let Some(end) = html[value_start..].find('"') else { break };
        out.push(&html[value_start..value_start + end]);
        from = value_start + end + 1;
    }
    out
}

/// Undoes the HTML escaping the theme applies inside attribute values.
pub fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What the link checker found.
#[derive(Debug, Default)]
pub struct LinkReport {
    /// Number of internal links checked.
    pub checked: usize,
    /// Internal links whose target file does not exist: `page: href → missing file`.
    pub broken: Vec<String>,
    /// Internal links whose `#fragment` is not an `id` in the target.
    pub missing_fragments: Vec<String>,
    /// `href=""` (a link to nowhere).
    pub empty: Vec<String>,
    /// Anything neither internal nor an absolute http(s)/mailto URL (relative paths, other
    /// schemes such as `javascript:`).
    pub suspicious: Vec<String>,
}

impl LinkReport {
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for (what, list) in [
            ("broken", &self.broken),
            ("missing fragment", &self.missing_fragments),
            ("empty href", &self.empty),
            ("suspicious", &self.suspicious),
        ] {
            for (i, l) in list.iter().enumerate() {
                if i == 20 {
                    s.push_str(&format!("  ... and {} more {what}\n", list.len() - 20));
                    break;
                }
                s.push_str(&format!("  {what}: {l}\n"));
            }
        }
        s
    }
}

/// Walks every `.html` file under `out`, and checks every `href` and `src`.
///
/// `base_path` is the path of base_url (`/cb/`); `origin` its scheme and host
/// (`https://example.org`, or "" when base_url is a path). A link is internal when it starts with
/// `base_path`, or with `origin + base_path`; it is percent-decoded, the base path stripped,
/// `x/` mapped to `x/index.html`, and the file must exist. A `#fragment` must be an `id="..."`
/// in the target page. `#fragment` alone refers to the page itself.
pub fn check_links(out: &Path, base_path: &str, origin: &str) -> LinkReport {
    assert!(base_path.starts_with('/') && base_path.ends_with('/'), "base path {base_path}");
    let tree = read_tree(out);
    let mut ids_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ids_of = |rel: &str, tree: &BTreeMap<String, Vec<u8>>| -> BTreeSet<String> {
        ids_cache
            .entry(rel.to_string())
            .or_insert_with(|| {
                let text = tree.get(rel).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
                attr_values(&text, "id").into_iter().map(unescape_attr).collect()
            })
            .clone()
    };
    let absolute_prefix = format!("{origin}{base_path}");
    let mut report = LinkReport::default();
    for (page, bytes) in &tree {
        if !page.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let mut refs: Vec<&str> = attr_values(&html, "href");
        refs.extend(attr_values(&html, "src"));
        for raw in refs {
            let link = unescape_attr(raw);
            let here = format!("{page}: {link}");
            let lower = link.trim().to_ascii_lowercase();
            let internal = if link.is_empty() {
                // Show what the link says, so the report points at the template.
                let at = raw.as_ptr() as usize - html.as_ptr() as usize;
                let after = &html[at..];
                let text: String = after
                    .split_once('>')
                    .map_or("", |(_, t)| t)
                    .split('<')
                    .find(|t| !t.trim().is_empty())
                    .unwrap_or("")
                    .chars()
                    .take(30)
                    .collect();
                report.empty.push(format!("{page}: href=\"\" ({})", text.trim()));
                continue;
            } else if let Some(frag) = link.strip_prefix('#') {
                Some((page.clone(), Some(frag.to_string())))
            } else if let Some(rest) = link.strip_prefix(&absolute_prefix).filter(|_| !origin.is_empty()) {
                Some(resolve(rest))
            } else if let Some(rest) = link.strip_prefix(base_path) {
                Some(resolve(rest))
            } else if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:") {
                None
            } else {
                report.suspicious.push(here);
                continue;
            };
            let Some((target, fragment)) = internal else { continue };
            report.checked += 1;
            if !tree.contains_key(&target) {
                report.broken.push(format!("{here} → {target}"));
                continue;
            }
            if let Some(frag) = fragment.filter(|f| !f.is_empty()) {
                let frag = percent_encoding::percent_decode_str(&frag).decode_utf8_lossy().into_owned();
                if target.ends_with(".html") && !ids_of(&target, &tree).contains(&frag) {
                    report.missing_fragments.push(format!("{here} → #{frag} not in {target}"));
                }
            }
        }
    }
    report
}

/// `tags/%E3%83%A9/#x` (base path already stripped) → (`tags/ラ/index.html`, Some("x")).
fn resolve(rest: &str) -> (String, Option<String>) {
    let (path, fragment) = match rest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (rest, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let mut decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
    if decoded.is_empty() || decoded.ends_with('/') {
        decoded.push_str("index.html");
    }
    (decoded, fragment)
}

/// Asserts that every internal link of the output resolves (files and fragments).
#[track_caller]
pub fn assert_links_resolve(out: &Path, base_path: &str, origin: &str) -> LinkReport {
    let r = check_links(out, base_path, origin);
    assert!(r.checked > 0, "no internal links found under {}", out.display());
    assert!(
        r.broken.is_empty() && r.missing_fragments.is_empty(),
        "{} broken internal link(s) and {} missing fragment(s) in {}:\n{}",
        r.broken.len(),
        r.missing_fragments.len(),
        out.display(),
        r.summary()
    );
    r
}

/// Leftover staging directories of a build (`.<name>.casebook-tmp-*`, `.<name>.casebook-old-*`).
pub fn leftovers(dir: &Path) -> Vec<String> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<String> = read
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".casebook-tmp-") || n.contains(".casebook-old-"))
        .collect();
    v.sort();
    v
}

/// Number of non-overlapping occurrences of `needle` in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The part of `html` between the first `start` and the next `end` after it.
#[track_caller]
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let a = html.find(start).unwrap_or_else(|| panic!("`{start}` not found"));
    let rest = &html[a..];
    let b = rest.find(end).unwrap_or_else(|| panic!("`{end}` not found after `{start}`"));
    &rest[..b]
}

/// Percent-encodes one path segment the way hrefs must be (RFC 3986 unreserved kept).
pub fn enc(segment: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SET).to_string()
}
