//! A whole build of a small generated site: `book.toml` and one to four entries whose front
//! matter fields (titles, dates, ids, tags, follows, organization, slugs, sources, ...) and
//! bodies are drawn from the input, written into a private temporary directory and built with
//! `casebook::build` on one thread. Input that starts with `---` is instead taken as up to four
//! entry files as written (NUL-separated), so that real entries seed the corpus.
//!
//! Invariants:
//! - no panic: the build returns `Ok` or `Err`;
//! - an `Err` is `Error::Input` whose every diagnostic names one of the site's own input files
//!   (`book.toml` or the entry at fault), at a line of that file;
//! - nothing is written outside the output directory: the site tree is byte-for-byte what was
//!   written, the sandbox holds only `site/` and `out/` (no staging leftovers), the current
//!   directory is untouched, and the output holds no symbolic links.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Realistic and borderline values; most fields are drawn from these, the rest are arbitrary.
const WORDS: &[&str] = &[
    "ランサムウェア",
    "ﾗﾝｻﾑｳｪｱ",
    "ＤＤｏＳ",
    "DDoS",
    "ddos",
    "不正アクセス",
    "氏名",
    "メールアドレス",
    "株式会社テスト商事",
    "小売",
    "クラウド 設定ミス",
    "CI/CD",
    "a/b",
    "..",
    ".",
    "．．",
    "%",
    "#x",
    "?",
    "page",
    "feed.xml",
    "index.html",
    "-",
    " ",
    "　",
    "<script>alert(1)</script>",
    "&amp;",
    "\"quoted\"",
    "J\u{30c}",
    "ǰ",
    "Ä",
    "\u{2024}",
    "\u{feff}",
    "x",
];
const DATES: &[&str] = &[
    "2024-01-30",
    "2024-02-29",
    "2023-12-31",
    "2023-01-01",
    "2022-06-15",
    "0000-01-01",
    "9999-12-31",
    "2024-01-30T09:15:00+09:00",
    "2024-01-01T00:30:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "2024-13-01",
    "2024-1-3",
    "yesterday",
    "",
];
const IDS: &[&str] =
    &["2024-001", "2024-002", "2024-033", "2023-101", "2023-102", "2023-1001", "0000-000", "9999-99999999999", "24-1"];
const STEMS: &[&str] = &["2024-001", "2023-101", "note", "Legacy Report", "a.b", "ランサム", "-", "Note", "x"];
const URLS: &[&str] = &["https://example.org/a.pdf", "http://例え.jp/", "javascript:alert(1)", "https://", "ftp://x/"];
const BASES: &[&str] = &["/", "https://example.org/cb/", "/事件簿/", "https://example.org", "/%E4%BA%8B/", "relative"];
const TAX_PATHS: &[&str] = &[
    "tags",
    "attacks",
    "x",
    "ＴＡＧＳ",
    "style.css",
    "index.html",
    "robots.txt",
    "incidents.json",
    "incidents.csv",
    "sitemap-1.xml",
    "search",
    "タグ",
];
const FIELDS: &[&str] = &["tags", "attack", "sector", "organization", "data"];
const BODIES: &[&str] = &[
    "本文。\n",
    "一段落目。\n\n二段落目。\n<!-- more -->\n\n三段落目。\n",
    "## 見出し\n\n[リンク](/incidents/2024-001/) ![i](/img.png)\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n本文[^1]\n\n[^1]: 注\n",
    "```\n<!-- more -->\n```\n",
    "<div>raw</div>\n",
    "",
];

fn pick<'a>(u: &mut Unstructured<'_>, pool: &[&'a str]) -> Result<&'a str> {
    u.choose(pool).copied()
}

/// Arbitrary text of at most `max` bytes.
fn short(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let s: String = u.arbitrary()?;
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Ok(s[..end].to_string())
}

fn text(u: &mut Unstructured<'_>, pool: &[&str]) -> Result<String> {
    Ok(match u.int_in_range(0..=8)? {
        0..=3 => pick(u, pool)?.to_string(),
        4 => format!("{}{}", pick(u, pool)?, pick(u, WORDS)?),
        // Long values: a term or slug longer than a file name may be.
        5 => pick(u, pool)?.repeat(u.int_in_range(1..=100)?),
        _ => short(u, 40)?,
    })
}

/// A YAML scalar: usually a double-quoted string (JSON strings are YAML), sometimes written
/// raw so that YAML's own typing and syntax get exercised.
fn scalar(u: &mut Unstructured<'_>, s: &str) -> Result<String> {
    Ok(if u.ratio(1, 6)? { s.to_string() } else { serde_json::to_string(s).unwrap_or_default() })
}

/// A TOML basic string (JSON's escapes are a subset of TOML's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

struct EntryPlan {
    rel: String,
    id: Option<String>,
    stem: String,
}

fn file_stem(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3, 4)? {
        return Ok(pick(u, STEMS)?.to_string());
    }
    let s: String = short(u, 48)?.chars().map(|c| if matches!(c, '/' | '\0') { '_' } else { c }).collect();
    Ok(if s.is_empty() || s == "." || s == ".." { "x".into() } else { s })
}

fn entry(u: &mut Unstructured<'_>, plans: &[EntryPlan], me: usize) -> Result<String> {
    let incident = plans[me].rel.starts_with("content/incidents/");
    let mut fm = String::new();
    let field = |fm: &mut String, name: &str, value: String| {
        fm.push_str(name);
        fm.push_str(": ");
        fm.push_str(&value);
        fm.push('\n');
    };
    if u.ratio(15, 16)? {
        let t = text(u, WORDS)?;
        field(&mut fm, "title", scalar(u, &t)?);
    }
    if u.ratio(15, 16)? {
        let d = text(u, DATES)?;
        field(&mut fm, "date", scalar(u, &d)?);
    }
    if u.ratio(1, 12)? {
        let k = pick(u, &["incident", "article", "essay"])?;
        field(&mut fm, "kind", k.to_string());
    }
    if let Some(id) = &plans[me].id {
        field(&mut fm, "id", scalar(u, id)?);
    }
    if incident || u.ratio(1, 12)? {
        if u.ratio(7, 8)? {
            let o = text(u, WORDS)?;
            field(&mut fm, "organization", scalar(u, &o)?);
        }
        for name in ["attack", "sector"] {
            if u.ratio(1, 2)? {
                let v = text(u, WORDS)?;
                field(&mut fm, name, scalar(u, &v)?);
            }
        }
        if u.ratio(1, 2)? {
            // Known (regressions/site_build/affected-sum-overflow): /stats/ sums the yearly
            // totals without saturating. When that finding is listed as known, values stay
            // small enough that four of them cannot overflow, so the run goes on past it.
            let cap = if common::known("affected-sum-overflow") { u64::MAX / 8 } else { u64::MAX };
            let v = match u.int_in_range(0..=4)? {
                0 => "\"2,726\"".to_string(),
                1 => "-3".to_string(),
                2 => cap.to_string(),
                _ => u.arbitrary::<u64>()?.min(cap).to_string(),
            };
            field(&mut fm, "affected", v);
        }
    }
    for name in ["tags", "data"] {
        if u.ratio(1, 2)? {
            let n = u.int_in_range(0..=3)?;
            let mut items = Vec::new();
            for _ in 0..n {
                let t = text(u, WORDS)?;
                items.push(serde_json::to_string(&t).unwrap_or_default());
            }
            field(&mut fm, name, format!("[{}]", items.join(", ")));
        }
    }
    if u.ratio(1, 8)? {
        let s = text(u, STEMS)?;
        field(&mut fm, "slug", scalar(u, &s)?);
    }
    if u.ratio(1, 4)? {
        let target = &plans[u.choose_index(plans.len())?];
        let f = match u.int_in_range(0..=3)? {
            0 | 1 => target.id.clone().unwrap_or_else(|| target.stem.clone()),
            2 => target.stem.clone(),
            _ => text(u, IDS)?,
        };
        field(&mut fm, "follows", scalar(u, &f)?);
    }
    for name in ["updated", "disclosed"] {
        if u.ratio(1, 8)? {
            let d = text(u, DATES)?;
            field(&mut fm, name, scalar(u, &d)?);
        }
    }
    if u.ratio(1, 8)? {
        let v = if u.ratio(1, 2)? {
            serde_json::to_string(&text(u, DATES)?).unwrap_or_default()
        } else {
            format!(
                "{{ from: {}, to: {} }}",
                serde_json::to_string(pick(u, DATES)?).unwrap_or_default(),
                serde_json::to_string(pick(u, DATES)?).unwrap_or_default()
            )
        };
        field(&mut fm, "occurred", v);
    }
    if u.ratio(1, 6)? {
        let title = text(u, WORDS)?;
        let url = text(u, URLS)?;
        field(
            &mut fm,
            "sources",
            format!(
                "\n  - title: {}\n    url: {}",
                serde_json::to_string(&title).unwrap_or_default(),
                serde_json::to_string(&url).unwrap_or_default()
            ),
        );
    }
    if u.ratio(1, 8)? {
        let s = text(u, BODIES)?;
        field(&mut fm, "summary", scalar(u, &s)?);
    }
    if u.ratio(1, 10)? {
        field(&mut fm, "draft", if u.arbitrary()? { "true".into() } else { "false".into() });
    }
    if u.ratio(1, 10)? {
        let k = text(u, WORDS)?;
        let v = text(u, WORDS)?;
        field(
            &mut fm,
            "extra",
            format!("{{ {}: {} }}", serde_json::to_string(&k).unwrap_or_default(), serde_json::to_string(&v).unwrap_or_default()),
        );
    }
    if u.ratio(1, 16)? {
        // An arbitrary extra line: unknown keys, broken YAML.
        fm.push_str(&short(u, 60)?);
        fm.push('\n');
    }
    let body = if u.ratio(3, 4)? { pick(u, BODIES)?.to_string() } else { short(u, 200)? };
    Ok(format!("---\n{fm}---\n{body}"))
}

fn site(u: &mut Unstructured<'_>) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();

    let mut toml = String::from("[book]\ntitle = \"t\"\n");
    if u.ratio(1, 4)? {
        let b = text(u, BASES)?;
        toml.push_str(&format!("base_url = {}\n", toml_str(&b)));
    }
    if u.ratio(1, 2)? {
        toml.push_str(&format!("[build]\nper_page = {}\n", u.int_in_range(1..=3)?));
    }
    if u.ratio(1, 8)? {
        let l = text(u, WORDS)?;
        toml.push_str(&format!("[series]\nlabel = {}\n", toml_str(&l)));
    }
    if u.ratio(1, 8)? {
        toml.push_str(&format!("[markdown]\neast_asian_line_breaks = {}\n", u.arbitrary::<bool>()?));
    }
    if u.ratio(1, 6)? {
        for _ in 0..u.int_in_range(1..=2)? {
            let field = pick(u, FIELDS)?;
            let path = text(u, TAX_PATHS)?;
            toml.push_str(&format!(
                "[[taxonomies]]\nfield = \"{field}\"\npath = {}\ntitle = \"T\"\n",
                toml_str(&path)
            ));
        }
    }
    files.insert("book.toml".to_string(), toml.into_bytes());

    let n = u.int_in_range(1..=4)?;
    let mut plans = Vec::new();
    for _ in 0..n {
        let incident = u.ratio(2, 3)?;
        let stem = file_stem(u)?;
        let id = if incident && u.ratio(4, 5)? { Some(text(u, IDS)?) } else { None };
        let dir = if incident {
            let year = id.as_deref().and_then(|i| i.get(..4)).unwrap_or("2024").replace(['/', '\0'], "_");
            format!("content/incidents/{year}")
        } else {
            "content/articles".to_string()
        };
        let mut rel = format!("{dir}/{stem}.md");
        while files.contains_key(&rel) || plans.iter().any(|p: &EntryPlan| p.rel == rel) {
            rel = format!("{dir}/{stem}-{}.md", plans.len());
        }
        plans.push(EntryPlan { rel, id, stem });
    }
    for me in 0..plans.len() {
        let text = entry(u, &plans, me)?;
        files.insert(plans[me].rel.clone(), text.into_bytes());
    }
    Ok(files)
}

struct Sandbox {
    base: PathBuf,
    cwd: PathBuf,
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| {
        let tmp = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let base = tmp.join(format!("casebook-fuzz-build-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).expect("create the sandbox");
        let base = std::fs::canonicalize(&base).expect("canonicalize the sandbox");
        let cwd = std::env::current_dir().expect("current directory");
        Sandbox { base, cwd }
    })
}

/// Every file under `dir`, relative, with its bytes; directories and links reported apart.
fn tree(dir: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>, links: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().into_owned();
            match e.file_type() {
                Ok(t) if t.is_symlink() => links.push(rel),
                Ok(t) if t.is_dir() => walk(root, &p, files, links),
                _ => {
                    files.insert(rel, std::fs::read(&p).unwrap_or_default());
                }
            }
        }
    }
    let mut files = BTreeMap::new();
    let mut links = Vec::new();
    walk(dir, dir, &mut files, &mut links);
    (files, links)
}

/// Input that starts with `---` is taken as up to four entry files as written, separated by NUL
/// bytes (so the corpus can be seeded with real entries); any other input drives [`site`].
fn raw_site(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("book.toml".to_string(), b"[book]\ntitle = \"t\"\n".to_vec());
    for (i, text) in data.split(|&b| b == 0).take(4).enumerate() {
        let incident = text.windows(13).any(|w| w == b"organization:");
        let rel = if incident { format!("content/incidents/2024/{i}.md") } else { format!("content/articles/{i}.md") };
        files.insert(rel, text.to_vec());
    }
    files
}

fuzz_target!(|data: &[u8]| {
    let files = if data.starts_with(b"---") {
        raw_site(data)
    } else {
        let mut u = Unstructured::new(data);
        let Ok(files) = site(&mut u) else { return };
        files
    };

    // Replaying a saved input with CASEBOOK_FUZZ_DUMP=DIR writes the generated site there, to be
    // kept as a plain site directory under regressions/site_build/.
    if let Some(dir) = std::env::var_os("CASEBOOK_FUZZ_DUMP") {
        for (rel, bytes) in &files {
            let p = Path::new(&dir).join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("create a dump directory");
            std::fs::write(&p, bytes).expect("write a dump file");
        }
    }

    let sb = sandbox();
    let root = sb.base.join("site");
    let out = sb.base.join("out");
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&out);
    for (rel, bytes) in &files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create a site directory");
        std::fs::write(&p, bytes).expect("write a site file");
    }

    let opts = casebook::BuildOptions {
        root: root.clone(),
        output: Some(out.clone()),
        drafts: false,
        base_url: None,
        jobs: Some(1),
        progress: None,
    };
    // Compared right after the build, so that only what the build itself did counts.
    let cwd_before = names(&sb.cwd);
    let result = casebook::build(&opts);
    let cwd_after = names(&sb.cwd);

    match &result {
        Ok(report) => {
            check!("output-dir", out.is_dir(), "build succeeded but {} is not a directory", out.display());
            check!("report-output", report.output == out, "report names {}", report.output.display());
        }
        Err(casebook::Error::Input(diags)) => {
            check!("no-diagnostics", !diags.is_empty(), "an input error without diagnostics");
            for d in diags {
                let rel = d.path.to_string_lossy().into_owned();
                let named = files.get(&rel);
                check!(
                    "diag-names-input-file",
                    named.is_some(),
                    "a diagnostic names {:?}, not a file of the site: {d}\nsite: {:?}",
                    d.path,
                    files.keys().collect::<Vec<_>>()
                );
                if let Some(bytes) = named {
                    let lines = String::from_utf8_lossy(bytes).split_inclusive('\n').count().max(1);
                    check!("diag-line", d.line <= lines + 1, "{d}: line past the end of a {lines}-line file");
                }
            }
        }
        Err(e) if e.to_string().contains("File name too long") => {
            // Known (regressions/site_build/taxonomy-path-too-long): a name from book.toml or the
            // content that the file system refuses is reported against the staging directory.
            check!("output-error-name-too-long", false, "the build failed naming no input file: {e}");
        }
        Err(e @ casebook::Error::Output(_))
            if ["Is a directory", "Not a directory", "File exists"].iter().any(|m| e.to_string().contains(m)) =>
        {
            // Known (regressions/site_build/taxonomy-path-collides-with-dataset): a taxonomy path
            // naming one of the site's own files passes the configuration checks.
            check!("output-error-path-collision", false, "the build failed naming no input file: {e}");
        }
        Err(e) => {
            let diags: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
            check!(
                "output-error",
                false,
                "the build failed with an error that names no input file: {e}\n{}\nsite: {:?}",
                diags.join("\n"),
                files.keys().collect::<Vec<_>>()
            );
        }
    }

    // Nothing outside the output directory changed.
    let (site_now, site_links) = tree(&root);
    check!("site-unchanged", site_now == files && site_links.is_empty(), "the build changed the site tree");
    let in_base = names(&sb.base);
    let expected: &[&str] = if out.exists() { &["out", "site"] } else { &["site"] };
    check!("sandbox-clean", in_base == expected, "the sandbox holds {in_base:?}");
    check!("cwd-unchanged", cwd_after == cwd_before, "the build wrote into the current directory: {cwd_after:?}");
    if out.exists() {
        let (_, out_links) = tree(&out);
        check!("output-links", out_links.is_empty(), "links in the output: {out_links:?}");
    }
});
