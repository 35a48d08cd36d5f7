//! Reliability (issue 6, items 2–4): adversarial content, crash safety and determinism.
//!
//! Every build here runs the real binary with a deadline (a hang fails the test instead of
//! stalling the suite) and, for the adversarial sites, with a snapshot of the whole temporary
//! directory before and after: nothing but the output directory may change (SPEC §5), and the
//! result must be a clean success or a clean error (exit 0 or 1), never a panic, an abort or a
//! stack overflow.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::*;

const BASE: &str = "/cb/";
const ORIGIN: &str = "https://example.org";
const BOOK: &str = "[book]\ntitle = \"信頼性テスト\"\nbase_url = \"https://example.org/cb/\"\n";

/// How long one build may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// Waits for `child` until `limit`; kills it and panics when it runs longer.
fn wait_with_deadline(mut child: Child, limit: Duration, what: &str) -> Run {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the casebook process") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = err_reader.join().unwrap_or_default();
            panic!(
                "`{what}` did not finish within {limit:?} (killed)\n--- stderr:\n{}",
                String::from_utf8_lossy(&err[..err.len().min(4000)])
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        panic!(
            "`{what}` was killed by signal {sig} (crash or abort)\n--- stderr:\n{}",
            String::from_utf8_lossy(&stderr[..stderr.len().min(4000)])
        );
    }
    Run {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `casebook <args>` in `cwd` with a deadline.
fn run_deadline(cwd: &Path, args: &[&OsStr], limit: Duration) -> Run {
    let what = format!("casebook {}", args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "));
    let child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the casebook binary");
    wait_with_deadline(child, limit, &what)
}

/// `casebook build -q --root <root> <extra...>` from `cwd`, with the default deadline.
fn build_root(cwd: &Path, root: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![OsStr::new("build"), OsStr::new("-q"), OsStr::new("--root"), root.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    run_deadline(cwd, &args, DEADLINE)
}

/// `casebook build -q --root <root> --output <out> [--jobs N]`.
fn build_into(cwd: &Path, root: &Path, out: &Path, jobs: Option<usize>) -> Run {
    let jobs = jobs.map(|j| j.to_string());
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("build"),
        OsStr::new("-q"),
        OsStr::new("--root"),
        root.as_os_str(),
        OsStr::new("--output"),
        out.as_os_str(),
    ];
    if let Some(j) = &jobs {
        args.extend([OsStr::new("--jobs"), OsStr::new(j.as_str())]);
    }
    run_deadline(cwd, &args, DEADLINE)
}

/// Exit 0 or 1, nothing that looks like a panic, and an error message when it failed.
#[track_caller]
fn assert_clean(run: &Run) {
    assert!(
        matches!(run.status, Some(0) | Some(1)),
        "expected a clean success or a clean error (exit 0 or 1), got {:?}\n--- stderr:\n{}",
        run.status,
        head(&run.stderr)
    );
    for bad in ["panicked at", "RUST_BACKTRACE", "stack overflow", "has overflowed its stack"] {
        assert!(!run.stderr.contains(bad), "stderr shows a crash (`{bad}`):\n{}", head(&run.stderr));
    }
    if run.status == Some(1) {
        assert!(run.stderr.contains("error"), "exit 1 without an error message:\n{}", head(&run.stderr));
    }
}

fn head(s: &str) -> &str {
    let mut end = s.len().min(4000);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

// ---------------------------------------------------------------------------------------------
// "Nothing outside the output directory is written"
// ---------------------------------------------------------------------------------------------

/// What a path in the snapshot is: enough to see any write, creation, deletion or re-link.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    File { len: u64, modified: Option<SystemTime>, bytes: Option<Vec<u8>> },
    Link(PathBuf),
    Other,
}

/// Every path under `dir` (links not followed), except `skip` and what is under it.
fn snapshot(dir: &Path, skip: &Path) -> BTreeMap<PathBuf, Node> {
    fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, Node>) {
        let Ok(read) = std::fs::read_dir(dir) else { return };
        for e in read.flatten() {
            let p = e.path();
            if p == skip {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
            let ty = meta.file_type();
            let node = if ty.is_symlink() {
                Node::Link(std::fs::read_link(&p).unwrap_or_default())
            } else if ty.is_dir() {
                walk(&p, skip, out);
                Node::Dir
            } else if ty.is_file() {
                // Small files are compared byte for byte; big ones by length and mtime.
                let bytes = (meta.len() <= 1 << 20).then(|| std::fs::read(&p).unwrap_or_default());
                Node::File { len: meta.len(), modified: meta.modified().ok(), bytes }
            } else {
                Node::Other
            };
            out.insert(p, node);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, skip, &mut out);
    out
}

#[track_caller]
fn assert_same_snapshot(before: &BTreeMap<PathBuf, Node>, after: &BTreeMap<PathBuf, Node>) {
    let mut diffs = Vec::new();
    for (p, n) in before {
        match after.get(p) {
            None => diffs.push(format!("removed: {}", p.display())),
            Some(m) if m != n => diffs.push(format!("changed: {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        diffs.push(format!("created: {}", p.display()));
    }
    assert!(diffs.is_empty(), "the build touched paths outside its output directory:\n{}", diffs.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Small sites
// ---------------------------------------------------------------------------------------------

/// A temporary site: `<tmp>/site/{book.toml,content/}`, output `<tmp>/site/public`.
struct Site {
    tmp: TempDir,
    root: PathBuf,
}

impl Site {
    fn new(label: &str) -> Site {
        let (tmp, root) = empty_site(label, BOOK);
        Site { tmp, root }
    }

    fn out(&self) -> PathBuf {
        self.root.join("public")
    }

    fn write(&self, rel: &str, text: &str) {
        write(&self.root, rel, text);
    }

    fn write_bytes(&self, rel: &[u8], bytes: &[u8]) {
        let p = self.root.join(OsStr::from_bytes(rel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    fn symlink(&self, rel: &str, target: impl AsRef<Path>) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    /// Builds with a deadline; asserts a clean result and that nothing outside the output
    /// directory changed (the whole temporary directory is compared, site sources included).
    fn build(&self) -> Run {
        let before = snapshot(self.tmp.path(), &self.out());
        let run = build_root(self.tmp.path(), &self.root, &[]);
        let after = snapshot(self.tmp.path(), &self.out());
        assert_clean(&run);
        assert_same_snapshot(&before, &after);
        run
    }
}

/// A YAML double-quoted scalar holding exactly `s`.
fn yq(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            c if (c as u32) < 0x20 || c == '\u{7f}' => o.push_str(&format!("\\x{:02x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A YAML flow list of double-quoted scalars.
fn yl<S: AsRef<str>>(items: &[S]) -> String {
    format!("[{}]", items.iter().map(|s| yq(s.as_ref())).collect::<Vec<_>>().join(", "))
}

fn incident(id: &str, title: &str, organization: &str, more: &str, body: &str) -> String {
    format!(
        "---\ntitle: {}\nid: \"{id}\"\ndate: 2024-02-03\norganization: {}\n{more}---\n{body}",
        yq(title),
        yq(organization)
    )
}

fn article(title: &str, more: &str, body: &str) -> String {
    format!("---\ntitle: {}\ndate: 2024-02-04\n{more}---\n{body}", yq(title))
}

/// Every file of an output tree, with an HTML or XML extension, as text.
fn markup_files(out: &Path) -> Vec<(String, String)> {
    read_tree(out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml"))
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect()
}

/// No raw occurrence of any of `markers` in any HTML or XML file.
#[track_caller]
fn assert_no_raw(out: &Path, markers: &[&str]) {
    let mut found = Vec::new();
    for (path, text) in markup_files(out) {
        for m in markers {
            if let Some(at) = text.find(m) {
                let from = text[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
                let to = text[at..].char_indices().nth(80).map_or(text.len(), |(i, _)| at + i);
                found.push(format!("{path}: `{m}` in …{}…", &text[from..to]));
            }
        }
    }
    assert!(found.is_empty(), "front-matter text reached the markup unescaped:\n{}", found.join("\n"));
}

/// Every internal link resolves; no href/src in the output has an empty, `.` or `..` segment
/// (after percent-decoding), and the sitemap's URLs neither.
#[track_caller]
fn assert_sane_output(out: &Path) {
    assert!(out.join("index.html").is_file(), "no index.html in {}", out.display());
    assert_links_resolve(out, BASE, ORIGIN);
    let mut bad = Vec::new();
    let mut check = |page: &str, url: &str| {
        let url = unescape_attr(url);
        let path = url.strip_prefix(ORIGIN).unwrap_or(&url);
        let Some(rest) = path.strip_prefix(BASE) else { return };
        let rest = rest.split(['#', '?']).next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy().into_owned();
        let segs: Vec<&str> = decoded.split('/').collect();
        for (i, s) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            if (s.is_empty() && !last) || *s == "." || *s == ".." {
                bad.push(format!("{page}: {url}"));
                break;
            }
        }
    };
    for (page, text) in markup_files(out) {
        for v in attr_values(&text, "href").into_iter().chain(attr_values(&text, "src")) {
            check(&page, v);
        }
        if page.starts_with("sitemap") {
            for loc in text.split("<loc>").skip(1) {
                check(&page, loc.split("</loc>").next().unwrap_or(""));
            }
        }
    }
    assert!(bad.is_empty(), "URLs with an empty, `.` or `..` segment:\n{}", bad.join("\n"));
    // File names on disk: valid UTF-8 (they come from keys and slugs, which are strings).
    fn names(dir: &Path, bad: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_name().to_str().is_none_or(|n| n.is_empty() || n == "." || n == "..") {
                bad.push(e.path().display().to_string());
            }
            if e.file_type().unwrap().is_dir() {
                names(&e.path(), bad);
            }
        }
    }
    let mut bad_names = Vec::new();
    names(out, &mut bad_names);
    assert!(bad_names.is_empty(), "odd file names in the output:\n{}", bad_names.join("\n"));
}

/// The directories directly under `out/<dir>`.
fn subdirs(out: &Path, dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out.join(dir))
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// 1. Adversarial content
// ---------------------------------------------------------------------------------------------

#[test]
fn markup_characters_in_every_front_matter_field_are_escaped() {
    let s = Site::new("escape");
    let title =
        "<x-title>alert('t')</x-title> & \"dq\" 'sq' \" data-dq=\"1 ' data-sq='1 </title><script>alert(1)</script>";
    let more = format!(
        "attack: {}\nsector: {}\ndata: {}\ntags: {}\nsources:\n  - title: {}\n    url: {}\n",
        yq("<x-attack>&\"'"),
        yq("\"><x-sector>"),
        yl(&["<x-data>", "a&b", "\" data-d=\"1"]),
        yl(&["<x-tag>", "'><x-tag2>", "&amp;", "\"quoted\""]),
        yq("<x-source> & \" data-s=\"1"),
        yq("https://example.org/src?a=1&b=\"<x-url>'"),
    );
    s.write(
        "content/incidents/2024/2024-001.md",
        &incident("2024-001", title, "<x-org>株式会社 & \" data-o=\"1", &more, "本文です。\n"),
    );
    s.write(
        "content/articles/note.md",
        &article(
            "<x-article> & \" data-a=\"1",
            &format!("tags: {}\nsummary: {}\n", yl(&["<x-tag>"]), yq("<x-summary>")),
            "本文。\n",
        ),
    );
    s.build().success();
    let out = s.out();
    assert_no_raw(
        &out,
        &[
            "<x-",
            "<script>alert(1)",
            "data-dq=\"1",
            "data-sq='1",
            "data-d=\"1",
            "data-s=\"1",
            "data-o=\"1",
            "data-a=\"1",
            "\"<x-url>",
        ],
    );
    // The text is there, escaped.
    let page = read(&out, "incidents/2024-001/index.html");
    assert!(page.contains("&lt;x-title&gt;"), "the title is not shown escaped");
    assert!(page.contains("&lt;x-org&gt;"), "the organization is not shown escaped");
    assert!(page.contains("&lt;x-source&gt;"), "the source title is not shown escaped");
    let hrefs: Vec<String> = attr_values(&page, "href")
        .into_iter()
        .map(|h| percent_encoding::percent_decode_str(&unescape_attr(h)).decode_utf8_lossy().into_owned())
        .collect();
    assert!(
        hrefs.iter().any(|h| h == "https://example.org/src?a=1&b=\"<x-url>'"),
        "the source URL is not linked intact: {hrefs:?}"
    );
    let r = check_links(&out, BASE, ORIGIN);
    assert!(r.suspicious.is_empty(), "non-http links from front matter:\n{}", r.summary());
    assert_sane_output(&out);
    // Every term got its page.
    assert_eq!(subdirs(&out, "tags").len(), 4, "tags: {:?}", subdirs(&out, "tags"));
}

/// `javascript:`, `data:` and friends in `sources` are refused with the file, the line of the
/// url and the field named; the previous output stays as it was.
#[test]
fn script_and_data_urls_in_sources_are_rejected() {
    let s = Site::new("source-urls");
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", "ok", "Org", "", "本文。\n"));
    s.build().success();
    let previous = read_tree(&s.out());

    let urls = [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "  javascript:alert(1)",
        "\tjavascript:alert(1)",
        "javascript://example.org/%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "https:javascript:alert(1)",
        "//evil.example/x",
    ];
    for (i, url) in urls.iter().enumerate() {
        let id = format!("2024-{:03}", i + 2);
        let more = format!("sources:\n  - title: 発表\n    url: {}\n", yq(url));
        s.write(&format!("content/incidents/2024/{id}.md"), &incident(&id, "bad", "Org", &more, "本文。\n"));
    }
    let run = s.build();
    run.expect_status(1);
    let diags = run.diagnostics();
    for (i, url) in urls.iter().enumerate() {
        let path = format!("content/incidents/2024/2024-{:03}.md", i + 2);
        let d = diags
            .iter()
            .find(|d| d.path == path)
            .unwrap_or_else(|| panic!("no diagnostic for {path} (url `{url}`)\n--- stderr:\n{}", head(&run.stderr)));
        // Front matter: ---, title, id, date, organization, sources:, - title, url (line 8).
        assert_eq!(d.line, 8, "{path}: the diagnostic should point at the url line: {d:?}");
        assert!(d.message.contains("sources"), "{path}: the message should name `sources`: {}", d.message);
        assert!(d.message.contains(url.trim()), "{path}: the message should quote the url: {}", d.message);
    }
    assert_eq!(read_tree(&s.out()), previous, "a failed build changed the previous output");
}

/// Authors are trusted: raw HTML and any link in a body pass through; the build must not choke.
#[test]
fn raw_html_and_script_links_in_bodies_pass_through() {
    let s = Site::new("body-html");
    let body = "\
冒頭の段落 [x](javascript:alert(1)) と ![i](data:image/svg+xml,<svg/onload=alert(1)>) と <javascript:alert(2)>。

<script>document.write('<p>raw</p>')</script>

<a href=\"data:text/html,<script>alert(3)</script>\">data</a> <div><span>unclosed

</body></html></main><!-- an unterminated comment
[ref]: javascript:alert(4)
";
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", "本文のHTML", "Org", "", body));
    s.write("content/articles/plain.md", &article("plain", "", "<iframe src=\"javascript:alert(5)\"></iframe>\n"));
    let run = s.build();
    run.success();
    let page = read(&s.out(), "incidents/2024-001/index.html");
    assert!(page.contains("<script>document.write"), "raw HTML in the body should pass through");
    assert!(s.out().join("articles/plain/index.html").is_file());
}

#[test]
fn right_to_left_and_zero_width_characters_are_kept_without_injection() {
    let s = Site::new("bidi");
    let title = "\u{202E}txt.exe\u{200B}<x-bidi>\u{202C} 事件";
    let more = format!(
        "attack: {}\ntags: {}\n",
        yq("\u{202E}ランサム"),
        yl(&["\u{202E}evil", "zero\u{200B}width", "\u{200B}", "\u{FEFF}bom", "\u{2066}iso\u{2069}"]),
    );
    s.write(
        "content/incidents/2024/2024-001.md",
        &incident("2024-001", title, "\u{202E}Org\u{200B}", &more, "本文。\n"),
    );
    s.build().success();
    let out = s.out();
    let page = read(&out, "incidents/2024-001/index.html");
    let shown = ["\u{202E}txt.exe\u{200B}&lt;x-bidi&gt;", "&#x202e;txt.exe", "&#8238;txt.exe"];
    assert!(
        shown.iter().any(|t| page.to_lowercase().contains(&t.to_lowercase())),
        "the title with U+202E/U+200B is not shown (as is or as a character reference)"
    );
    assert_no_raw(&out, &["<x-bidi>"]);
    let tags = subdirs(&out, "tags");
    assert!(tags.iter().any(|t| t.contains('\u{202E}')), "no term page for the RTL tag: {tags:?}");
    assert!(tags.iter().any(|t| t.contains('\u{200B}')), "no term page for the zero-width tag: {tags:?}");
    assert_sane_output(&out);
}

#[test]
fn a_ten_thousand_character_title_is_rendered_whole() {
    let s = Site::new("long-title");
    let mut title: String = "情報漏えい事案の長いタイトル0123456789".chars().cycle().take(9_990).collect();
    title.push_str("<x-end>&");
    assert_eq!(title.chars().count(), 9_998);
    title.push_str("終わ");
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", &title, "Org", "tags: [長文]\n", "本文。\n"));
    s.build().success();
    let out = s.out();
    let page = read(&out, "incidents/2024-001/index.html");
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(page.contains(&escaped), "the entry page does not show the whole 10,000-character title");
    let start: String = title.chars().take(1000).collect();
    assert!(read(&out, "incidents.json").contains(&start), "incidents.json lost the long title");
    assert_no_raw(&out, &["<x-end>"]);
    assert_sane_output(&out);
}

#[test]
fn a_thousand_tags_on_one_entry() {
    let s = Site::new("many-tags");
    let tags: Vec<String> =
        (0..1000).map(|i| if i % 2 == 0 { format!("tag-{i:04}") } else { format!("タグ{i:04}") }).collect();
    let more = format!("tags: {}\n", yl(&tags));
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", "多すぎるタグ", "Org", &more, "本文。\n"));
    s.write(
        "content/incidents/2024/2024-002.md",
        &incident("2024-002", "もう一件", "Org", "tags: [tag-0000]\n", "x\n"),
    );
    s.build().success();
    let out = s.out();
    assert_eq!(subdirs(&out, "tags").len(), 1000);
    let page = read(&out, "incidents/2024-001/index.html");
    let term_links: std::collections::BTreeSet<&str> =
        attr_values(&page, "href").into_iter().filter(|h| h.starts_with("/cb/tags/") && h.len() > 9).collect();
    assert!(term_links.len() >= 1000, "the entry page links {} of its 1000 tags", term_links.len());
    assert!(read(&out, "tags/tag-0000/index.html").contains("/cb/incidents/2024-002/"));
    assert_sane_output(&out);
}

/// A term whose key is longer than a file name may be (255 bytes; 100 Japanese characters are
/// 300 bytes) must either build (the segment shortened) or fail with a diagnostic that names
/// the entry, not an I/O error about the staging directory.
#[test]
fn a_term_longer_than_a_file_name_builds_or_names_the_entry() {
    let s = Site::new("long-term");
    let org: String = "株式会社長い名前の組織".chars().cycle().take(100).collect();
    assert!(org.len() > 255);
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", "長い組織名", &org, "", "本文。\n"));
    let run = s.build();
    if run.status == Some(0) {
        assert_sane_output(&s.out());
    } else {
        assert!(
            run.diagnostics().iter().any(|d| d.path == "content/incidents/2024/2024-001.md"),
            "a 300-byte organization key fails the build without naming the entry (path:line:col):\n{}",
            head(&run.stderr)
        );
    }
}

/// A term spelled like a file the taxonomy itself writes (`tags/index.html`) must not collide
/// with it: either both pages exist, or the build fails naming the entry.
#[test]
fn a_term_named_like_an_output_file_builds_or_names_the_entry() {
    let s = Site::new("term-index-html");
    s.write("content/articles/a.md", &article("a", "tags: [index.html, feed.xml, sitemap.xml]\n", "本文。\n"));
    let run = s.build();
    if run.status == Some(0) {
        let out = s.out();
        assert!(out.join("tags/index.html").is_file(), "the tags index page is missing");
        assert_sane_output(&out);
    } else {
        assert!(
            run.diagnostics().iter().any(|d| d.path == "content/articles/a.md"),
            "the tag `index.html` fails the build without naming the entry (path:line:col):\n{}",
            head(&run.stderr)
        );
    }
}

/// Tags made only of punctuation or whitespace: a clean result or a clean error, and never a
/// path segment that is empty, `.` or `..`.
#[test]
fn terms_of_only_punctuation_never_make_dot_or_empty_segments() {
    let s = Site::new("punct-terms");
    let tags = ["/", ".", "..", "...", "%", "#", "?", "\\", "．", "‥", " . ", "/..", "../", "%2e%2e", "%00"];
    let more =
        format!("attack: {}\nsector: {}\ndata: {}\ntags: {}\n", yq("/"), yq(".."), yl(&[".", "..", "%"]), yl(&tags));
    s.write("content/incidents/2024/2024-001.md", &incident("2024-001", "記号だけのタグ", "%", &more, "本文。\n"));
    s.write("content/incidents/2024/2024-002.md", &incident("2024-002", "普通", "..", "tags: [普通]\n", "本文。\n"));
    let run = s.build();
    if run.status == Some(0) {
        let out = s.out();
        // The taxonomy index pages are still the index pages (a `.` term would overwrite them):
        // each links to at least two of its terms.
        for dir in ["tags", "organizations", "data-types"] {
            let index = read(&out, &format!("{dir}/index.html"));
            let prefix = format!("{BASE}{dir}/");
            let terms: std::collections::BTreeSet<&str> = attr_values(&index, "href")
                .into_iter()
                .filter(|h| h.len() > prefix.len() && h.starts_with(&prefix) && !h.contains("/page/"))
                .collect();
            assert!(terms.len() >= 2, "{dir}/index.html is not the taxonomy index any more: {terms:?}");
        }
        let list = read(&out, "tags/index.html");
        assert!(list.contains(&format!("{BASE}tags/{}/", enc("普通"))), "tags/index.html lost its terms");
        assert_sane_output(&out);
    } else {
        assert!(!run.diagnostics().is_empty(), "exit 1 without a path:line:col diagnostic:\n{}", head(&run.stderr));
    }

    // A whitespace-only term is an error that names the file.
    let s = Site::new("blank-term");
    s.write("content/articles/a.md", &article("a", "tags: [\"   \", \"\u{3000}\"]\n", "本文。\n"));
    let run = s.build();
    if run.status == Some(1) {
        assert!(
            run.diagnostics().iter().any(|d| d.path == "content/articles/a.md" && d.line == 4),
            "the blank tag is not reported at content/articles/a.md:4:\n{}",
            head(&run.stderr)
        );
    } else {
        assert_sane_output(&s.out());
    }
}

/// Tens of thousands of links in a 50 MB body: rendering must stay roughly linear.
#[test]
fn a_fifty_megabyte_body_builds() {
    let s = Site::new("big-body");
    let para = "これは大きな本文の段落です。Some **bold** text and `code` here. 漢字とかなカナ。\n\n";
    let link = "詳しくは[発表](https://example.org/release)と[続報](#section)を参照。\n\n";
    let mut chunk = para.repeat(20);
    chunk.push_str(link);
    let target = 50 * 1024 * 1024;
    let mut body = String::with_capacity(target + chunk.len() + 1024);
    body.push_str("## 見出し\n\n");
    while body.len() < target {
        body.push_str(&chunk);
    }
    s.write("content/articles/big.md", &article("とても長い記事", "tags: [大容量]\n", &body));
    drop(body);
    let started = Instant::now();
    s.build().success();
    let page = s.out().join("articles/big/index.html");
    let len = std::fs::metadata(&page).expect("the big page is written").len();
    assert!(len > 50 * 1024 * 1024, "the page holds {len} bytes, less than the body");
    eprintln!("50 MB body built in {:?}", started.elapsed());
}

#[test]
fn deeply_nested_markdown_does_not_overflow_the_stack() {
    let s = Site::new("deep");
    let n = 10_000;
    let bodies = [
        ("quote", format!("{} 深い引用\n", ">".repeat(n))),
        ("list", format!("{}深いリスト\n", "- ".repeat(n))),
        ("ordered", format!("{}x\n", "1. ".repeat(n))),
        ("mixed", format!("{}x\n", "> - ".repeat(n / 2))),
        ("quote-lines", (1..=2000).map(|i| format!("{} 行{i}\n", ">".repeat(i))).collect()),
        ("emphasis", format!("{}x{}\n", "*_".repeat(n / 2), "_*".repeat(n / 2))),
        ("brackets", format!("{}x{}\n", "[".repeat(n), "]".repeat(n))),
        ("links", format!("{}x{}\n", "[".repeat(n), "](https://example.org/)".repeat(n))),
        ("html", format!("{}x{}\n", "<div>".repeat(n), "</div>".repeat(n))),
        ("footnotes", (0..n).map(|i| format!("[^{i}]: [^{}]\n", i + 1)).collect()),
        ("table", format!("|{}\n|{}\n", "a|".repeat(n), "-|".repeat(n))),
    ];
    for (name, body) in &bodies {
        s.write(&format!("content/articles/{name}.md"), &article(name, "", body));
    }
    s.build().success();
    for (name, _) in &bodies {
        assert!(s.out().join(format!("articles/{name}/index.html")).is_file(), "no page for {name}");
    }
}

/// Front matter nested 10,000 deep and an alias "billion laughs" in `extra`.
#[test]
fn hostile_yaml_in_front_matter_is_a_clean_error() {
    let s = Site::new("yaml-bombs");
    let n = 10_000;
    s.write("content/articles/seq.md", &article("seq", &format!("extra: {}{}\n", "[".repeat(n), "]".repeat(n)), "x\n"));
    s.write(
        "content/articles/map.md",
        &article("map", &format!("extra: {}1{}\n", "{a: ".repeat(n), "}".repeat(n)), "x\n"),
    );
    let mut laughs = String::from("extra:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        laughs.push_str(&format!("  l{i}: &l{i} [{}]\n", vec![format!("*l{}", i - 1); 10].join(", ")));
    }
    s.write("content/articles/laughs.md", &article("laughs", &laughs, "x\n"));
    let run = s.build();
    if run.status == Some(1) {
        let paths: Vec<String> = run.diagnostics().into_iter().map(|d| d.path).collect();
        for f in ["seq", "map", "laughs"] {
            let p = format!("content/articles/{f}.md");
            assert!(paths.contains(&p), "{p} is not reported:\n{}", head(&run.stderr));
        }
    }
}

#[test]
fn a_symbolic_link_loop_in_content_is_reported_without_hanging() {
    // A directory link back to an ancestor.
    let s = Site::new("symlink-loop");
    s.write("content/articles/a.md", &article("a", "", "本文。\n"));
    s.symlink("content/articles/sub/loop", "..");
    let run = s.build();
    if run.status == Some(1) {
        assert!(run.stderr.contains("content/articles/sub/loop"), "the loop is not named:\n{}", head(&run.stderr));
    } else {
        assert!(s.out().join("articles/a/index.html").is_file());
    }

    // A link to itself (ELOOP when followed) and a pair pointing at each other.
    let s = Site::new("symlink-self");
    s.write("content/articles/a.md", &article("a", "", "本文。\n"));
    s.symlink("content/articles/self.md", "self.md");
    s.symlink("content/articles/ping.md", "pong.md");
    s.symlink("content/articles/pong.md", "ping.md");
    let run = s.build();
    if run.status == Some(1) {
        for p in ["content/articles/self.md", "content/articles/ping.md"] {
            assert!(run.stderr.contains(p), "{p} is not named:\n{}", head(&run.stderr));
        }
    } else {
        assert!(s.out().join("articles/a/index.html").is_file());
    }
}

#[test]
fn symbolic_links_out_of_content_are_read_never_written() {
    let s = Site::new("symlink-out");
    s.write("content/articles/a.md", &article("a", "", "本文。\n"));
    // A file and a directory outside the site, linked in.
    let elsewhere = s.tmp.join("elsewhere");
    write(&elsewhere, "linked.md", &article("リンクされた記事", "tags: [外部]\n", "外の本文。\n"));
    write(&elsewhere, "dir/inner.md", &article("リンクされた目録", "", "外の目録。\n"));
    s.symlink("content/articles/out.md", elsewhere.join("linked.md"));
    s.symlink("content/external", elsewhere.join("dir"));
    let run = s.build(); // the snapshot covers `elsewhere`
    if run.status == Some(0) {
        let out = s.out();
        assert!(read(&out, "articles/out/index.html").contains("外の本文"));
        assert!(out.join("articles/inner/index.html").is_file());
        assert_sane_output(&out);
    }
    assert!(!elsewhere.join("public").exists() && !s.tmp.join("public").exists());
}

#[test]
fn a_dangling_symbolic_link_is_a_clean_error_naming_it() {
    let s = Site::new("dangling");
    s.write("content/articles/a.md", &article("a", "", "本文。\n"));
    s.symlink("content/gone.md", "/nonexistent/casebook-reliability-gone.md");
    let run = s.build();
    run.expect_status(1);
    assert!(run.stderr.contains("content/gone.md"), "the dangling link is not named:\n{}", head(&run.stderr));
    assert!(!s.out().exists(), "a failed build created the output");
}

/// Special files named `*.md` must not be opened for reading (a FIFO blocks forever,
/// `/dev/zero` never ends).
#[test]
fn special_files_in_content_do_not_hang_the_build() {
    let s = Site::new("special-files");
    s.write("content/articles/a.md", &article("a", "", "本文。\n"));
    s.symlink("content/zero.md", "/dev/zero");
    let fifo = s.root.join("content/pipe.md");
    let made_fifo = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|st| st.success());
    std::fs::create_dir_all(s.root.join("content/dir.md")).unwrap();
    let run = s.build();
    if run.status == Some(1) {
        let named = run.stderr.contains("content/zero.md") || (made_fifo && run.stderr.contains("content/pipe.md"));
        assert!(named, "the special file is not named:\n{}", head(&run.stderr));
    } else {
        assert!(s.out().join("articles/a/index.html").is_file());
    }
}

#[test]
fn non_utf8_file_names_build_cleanly() {
    let s = Site::new("non-utf8-name");
    s.write_bytes(b"content/articles/\xff\xfe.md", article("バイト列の名前", "", "本文。\n").as_bytes());
    s.write_bytes(b"content/articles/dir\xfe/note.md", article("ディレクトリ名", "", "本文。\n").as_bytes());
    s.write("content/articles/plain.md", &article("plain", "", "本文。\n"));
    let run = s.build();
    run.success();
    let out = s.out();
    let articles = subdirs(&out, "articles");
    assert_eq!(articles.len(), 3, "{articles:?}");
    assert_sane_output(&out);

    // An invalid entry with such a name is reported, not a crash.
    let s = Site::new("non-utf8-name-bad");
    s.write_bytes(b"content/articles/bad\xff.md", b"---\ndate: 2024-01-02\n---\n");
    let run = s.build();
    run.expect_status(1);
    assert!(run.stderr.contains("content/articles/bad"), "the file is not named:\n{}", head(&run.stderr));
}

#[test]
fn non_utf8_file_contents_are_errors_naming_file_and_line() {
    let s = Site::new("non-utf8-body");
    s.write_bytes(b"content/articles/body.md", b"---\ntitle: t\ndate: 2024-01-02\n---\nline one\nbad \xff here\n");
    s.write_bytes(b"content/articles/title.md", b"---\ntitle: caf\xe9\ndate: 2024-01-02\n---\nx\n");
    s.write_bytes(b"content/articles/surrogate.md", b"---\ntitle: t\ndate: 2024-01-02\n---\n\n\n\xed\xa0\x80\n");
    // UTF-16 (as some editors save): the BOM bytes FF FE on line 1.
    let utf16: Vec<u8> = "\u{feff}---\ntitle: t\n---\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    s.write_bytes(b"content/articles/utf16.md", &utf16);
    let run = s.build();
    run.expect_status(1);
    let diags = run.diagnostics();
    for (file, line, col) in [("body", 6, 5), ("title", 2, 11), ("surrogate", 7, 1), ("utf16", 1, 1)] {
        let path = format!("content/articles/{file}.md");
        let d = diags
            .iter()
            .find(|d| d.path == path)
            .unwrap_or_else(|| panic!("{path} is not reported:\n{}", head(&run.stderr)));
        assert_eq!((d.line, d.column), (line, col), "{path}: {d:?}");
        assert!(d.message.contains("UTF-8"), "{path}: {}", d.message);
    }
}

#[test]
fn colliding_slugs_are_an_error_naming_both_files() {
    let s = Site::new("slug-collision");
    s.write("content/articles/c1.md", &article("c1", "slug: same\n", "x\n"));
    s.write("content/articles/c2.md", &article("c2", "slug: Same\n", "x\n"));
    s.write("content/articles/Hello World.md", &article("h1", "", "x\n"));
    s.write("content/articles/hello-world.md", &article("h2", "", "x\n"));
    s.write("content/articles/ＷＩＤＥ.md", &article("w1", "", "x\n"));
    s.write("content/articles/sub/wide.md", &article("w2", "", "x\n"));
    s.write("content/incidents/2023/dup.md", &incident("2024-007", "i1", "Org", "", "x\n"));
    s.write("content/incidents/2024/dup.md", &incident("2024-007", "i2", "Org", "", "x\n"));
    let run = s.build();
    run.expect_status(1);
    let diags = run.diagnostics();
    for (a, b) in [
        ("content/articles/c1.md", "content/articles/c2.md"),
        ("content/articles/Hello World.md", "content/articles/hello-world.md"),
        ("content/articles/sub/wide.md", "content/articles/ＷＩＤＥ.md"),
        ("content/incidents/2023/dup.md", "content/incidents/2024/dup.md"),
    ] {
        let named = diags.iter().any(|d| {
            let text = format!("{} {}", d.path, d.message);
            text.contains(a) && text.contains(b)
        });
        assert!(named, "no diagnostic names both {a} and {b}:\n{}", head(&run.stderr));
    }
    assert!(!s.out().exists(), "a failed build created the output");
}

// ---------------------------------------------------------------------------------------------
// A generated medium site
// ---------------------------------------------------------------------------------------------

/// Entries for the crash and determinism tests: fast in release, smaller for a debug binary.
fn medium_size() -> usize {
    if cfg!(debug_assertions) { 400 } else { 1500 }
}

/// Writes a site of `n` incidents (and `n / 20` articles) under `root`. `variant` changes titles
/// and bodies so that two variants render differently everywhere.
fn generate_site(root: &Path, n: usize, variant: usize) {
    const ORGS: [&str; 12] = [
        "株式会社東京ヴェルディ",
        "三浦工業株式会社",
        "茨城東病院",
        "北斗電機",
        "瑞穂システム",
        "大和物流",
        "青葉市役所",
        "みなと銀行",
        "ACME Corp",
        "さくら大学",
        "ひかり通信",
        "若葉ホテル",
    ];
    const ATTACKS: [&str; 8] =
        ["不正アクセス", "ランサムウェア", "誤送信", "紛失", "DDoS", "改ざん", "内部不正", "設定ミス"];
    const SECTORS: [&str; 7] = ["医療", "自治体", "小売", "物流", "金融", "教育", "製造"];
    const DATA: [&str; 10] = [
        "氏名",
        "住所",
        "電話番号",
        "メールアドレス",
        "生年月日",
        "クレジットカード番号",
        "有効期限",
        "パスワード",
        "購入履歴",
        "会員番号",
    ];
    const TAGS: [&str; 24] = [
        "ECサイト",
        "クレジットカード",
        "フィッシング",
        "VPN",
        "委託先",
        "サプライチェーン",
        "Emotet",
        "USBメモリ",
        "BCC漏れ",
        "クラウド",
        "WordPress",
        "多要素認証",
        "ゼロデイ",
        "テレワーク",
        "病院",
        "大学",
        "自治体",
        "ＤＤｏＳ",
        "SQL Injection",
        "個人情報",
        "ログ",
        "バックアップ",
        "退職者",
        "API",
    ];
    write(root, "book.toml", BOOK);
    let per_year = n.div_ceil(6);
    for i in 0..n {
        let year = 2019 + i % 6;
        let num = i / 6 + 1;
        let (month, day) = month_day(num.min(300));
        let h = i.wrapping_mul(2654435761) ^ variant.wrapping_mul(40503);
        let tags: Vec<&str> = (0..3 + h % 3).map(|k| TAGS[(h / 7 + k * 5 + i) % TAGS.len()]).collect();
        let data: Vec<&str> = (0..1 + h % 3).map(|k| DATA[(h / 11 + k * 3) % DATA.len()]).collect();
        let org = ORGS[(i * 7 + h % 5) % ORGS.len()];
        let follows =
            if i >= 6 && i % 17 == 0 { format!("follows: \"{year}-{:03}\"\n", num - 1) } else { String::new() };
        let affected = if i % 5 == 0 { String::new() } else { format!("affected: {}\n", (h % 100_000) + 1) };
        let text = format!(
            "---\ntitle: \"{org}における{attack}について（第{variant}版 {i}）\"\nid: \"{year}-{num:03}\"\n\
             date: {year}-{month:02}-{day:02}\norganization: \"{org}\"\nattack: {attack}\nsector: {sector}\n\
             {affected}data: [{data}]\ntags: [{tags}]\nsources:\n  - title: 公式発表\n    url: https://example.org/{year}/{num}\n\
             {follows}---\n\n{org}は{year}年{month}月{day}日、{attack}により情報が漏えいした可能性があると発表した（版{variant}）。\n\n\
             <!-- more -->\n\n## 経緯\n\n調査の結果、第三者による不正なアクセスの痕跡が確認された。詳細は[公式発表](https://example.org/{year}/{num})を参照。\n\n\
             - {d0}\n- 対象件数は調査中\n\n## 対応\n\n再発防止策として監視体制を強化するとしている。{filler}\n",
            attack = ATTACKS[(i + h % 3) % ATTACKS.len()],
            sector = SECTORS[(i / 3 + variant) % SECTORS.len()],
            data = data.join(", "),
            tags = tags.join(", "),
            d0 = data[0],
            filler = "同社は関係者に謝罪している。".repeat(1 + i % 4),
        );
        write(root, &format!("content/incidents/{year}/{year}-{num:03}.md"), &text);
    }
    for a in 0..n / 20 {
        let year = 2019 + a % 6;
        let text = format!(
            "---\ntitle: \"月例まとめ {a}（版{variant}）\"\ndate: {year}-12-{:02}\ntags: [まとめ, {}]\n---\n\n\
             今月の事案のまとめ。[事件簿](/cb/series/)も参照。\n",
            1 + a % 28,
            TAGS[a % TAGS.len()]
        );
        write(root, &format!("content/articles/summary-{a:04}.md"), &text);
    }
    assert!(per_year <= 300, "dates are generated within one year");
}

/// Month and day of the `n`-th day of a year (1-based; February taken as 28 days).
fn month_day(n: usize) -> (usize, usize) {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = n;
    for (m, d) in DAYS.iter().enumerate() {
        if left <= *d {
            return (m + 1, left);
        }
        left -= d;
    }
    (12, 31)
}

/// The paths that differ between two trees (at most 10, for messages).
fn tree_diff(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> String {
    let mut v: Vec<String> = Vec::new();
    for (p, bytes) in a {
        match b.get(p) {
            None => v.push(format!("only in first: {p}")),
            Some(x) if x != bytes => v.push(format!("differs: {p}")),
            _ => {}
        }
    }
    v.extend(b.keys().filter(|p| !a.contains_key(*p)).map(|p| format!("only in second: {p}")));
    let n = v.len();
    v.truncate(10);
    format!("{n} path(s) differ, e.g.:\n{}", v.join("\n"))
}

// ---------------------------------------------------------------------------------------------
// 2. Crash safety
// ---------------------------------------------------------------------------------------------

/// A deterministic xorshift sequence of fractions in [0, 1).
struct Rng(u64);

impl Rng {
    fn next_fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn a_killed_build_leaves_the_previous_output_whole() {
    let tmp = TempDir::new("crash");
    let n = medium_size();
    let (root_a, root_b) = (tmp.join("a"), tmp.join("b"));
    generate_site(&root_a, n, 0);
    generate_site(&root_b, n, 1);
    let out = tmp.join("public");

    // The complete output of B (built elsewhere), then a good build of A in place, timed.
    let ref_b = tmp.join("ref-b");
    build_into(tmp.path(), &root_b, &ref_b, None).success();
    let tree_b = read_tree(&ref_b);
    std::fs::remove_dir_all(&ref_b).unwrap();
    let started = Instant::now();
    build_into(tmp.path(), &root_a, &out, None).success();
    let full = started.elapsed();
    let tree_a = read_tree(&out);
    assert!(tree_a.len() > n, "the medium site has only {} files", tree_a.len());
    assert!(tree_a != tree_b, "the two variants of the site render the same");

    let trees = [(&root_a, &tree_a), (&root_b, &tree_b)];
    let mut current = 0; // which tree the output holds
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut interrupted = 0;
    let min = Duration::from_millis(5);
    for round in 0..10 {
        let next = 1 - current;
        let delay = match round {
            0 => min,
            9 => full,
            _ => min + (full.saturating_sub(min)).mul_f64(rng.next_fraction()),
        };
        let mut child = Command::new(BIN)
            .args(["build", "-q", "--root"])
            .arg(trees[next].0)
            .arg("--output")
            .arg(&out)
            .current_dir(tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a build");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; fine if it already exited
        let status = child.wait().expect("reap the build");
        let finished = status.success();
        if !finished {
            interrupted += 1;
        }

        assert!(out.is_dir(), "round {round} (killed after {delay:?}): the output directory is gone");
        let tree = read_tree(&out);
        if tree == *trees[current].1 {
            assert!(!finished, "round {round}: the build succeeded but the output is the previous one");
        } else if tree == *trees[next].1 {
            current = next; // the kill came after the swap
        } else {
            panic!(
                "round {round} (killed after {delay:?} of a {full:?} build): the output is neither the previous \
                 nor the new site\nvs previous: {}\nvs new: {}",
                tree_diff(trees[current].1, &tree),
                tree_diff(trees[next].1, &tree)
            );
        }
        // Nothing but the output and the killed build's own staging trees beside it.
        for e in std::fs::read_dir(tmp.path()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                ["a", "b", "public"].contains(&name.as_str())
                    || name.starts_with(".public.casebook-tmp-")
                    || name.starts_with(".public.casebook-old-"),
                "round {round}: unexpected `{name}` beside the output"
            );
        }
    }
    assert!(interrupted >= 3, "only {interrupted} of 10 builds were interrupted: the delays are too long");

    // A normal build afterwards succeeds, is whole and cleans up every leftover.
    let next = 1 - current;
    build_into(tmp.path(), trees[next].0, &out, None).success();
    let tree = read_tree(&out);
    assert!(tree == *trees[next].1, "the build after the kills is not whole: {}", tree_diff(trees[next].1, &tree));
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "leftovers beside the output after a good build");
}

// ---------------------------------------------------------------------------------------------
// 3. Determinism
// ---------------------------------------------------------------------------------------------

/// Builds `root` with `--jobs 1`, `2`, `8` and `8` again into fresh directories and asserts the
/// trees are byte-identical.
fn assert_deterministic(tmp: &TempDir, root: &Path) {
    let mut reference: Option<(String, BTreeMap<String, Vec<u8>>)> = None;
    for (k, jobs) in [1, 2, 8, 8].into_iter().enumerate() {
        let out = tmp.join(format!("out-{k}-jobs-{jobs}"));
        build_into(tmp.path(), root, &out, Some(jobs)).success();
        let tree = read_tree(&out);
        std::fs::remove_dir_all(&out).unwrap();
        let label = format!("--jobs {jobs} (run {})", k + 1);
        match &reference {
            None => {
                assert!(tree.len() > 10, "{label}: only {} files", tree.len());
                reference = Some((label, tree));
            }
            Some((first, expected)) => {
                assert!(tree == *expected, "{label} differs from {first}: {}", tree_diff(expected, &tree));
            }
        }
    }
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

#[test]
fn the_sample_site_is_byte_identical_whatever_the_jobs() {
    let tmp = TempDir::new("determinism-sample");
    assert_deterministic(&tmp, &manifest_dir());
}

#[test]
fn a_generated_site_is_byte_identical_whatever_the_jobs() {
    let tmp = TempDir::new("determinism-medium");
    let root = tmp.join("site");
    generate_site(&root, medium_size(), 0);
    assert_deterministic(&tmp, &root);
}
