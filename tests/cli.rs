//! `casebook check`, `casebook new` and `casebook init` (SPEC §4), run as a user runs them: the
//! binary in a temporary directory, checking exit statuses, stdout/stderr text, diagnostic
//! positions and the files written (or, for `check`, not written).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Runs `casebook <args>` in `cwd` with extra environment variables.
fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run the casebook binary");
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `casebook <args>` in `cwd`.
fn run(cwd: &Path, args: &[&str]) -> Run {
    run_env(cwd, args, &[])
}

/// `casebook check --root <root> <extra...>`, run from the root's parent.
fn check(root: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(root.parent().unwrap(), &args)
}

/// Every file and directory under `dir` (relative, `/`-separated) → its bytes (`None` for a
/// directory), so that "writes nothing" can be asserted exactly.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), None);
                walk(base, &p, out);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts that the run printed exactly these `path:line:col: error: message` diagnostics.
#[track_caller]
fn assert_diags(r: &Run, expected: &[(&str, usize, usize, &str)]) {
    let got: Vec<(String, usize, usize, String)> =
        r.diagnostics().into_iter().map(|d| (d.path, d.line, d.column, d.message)).collect();
    let want: Vec<(String, usize, usize, String)> =
        expected.iter().map(|(p, l, c, m)| (p.to_string(), *l, *c, m.to_string())).collect();
    assert_eq!(got, want, "diagnostics differ; stderr:\n{}", r.stderr);
}

/// The date a process sees as "today" in the local time zone, read before and after `f` runs
/// (so that a test running across midnight accepts either day).
fn around_today<T>(f: impl FnOnce() -> T) -> (T, [NaiveDate; 2]) {
    let before = chrono::Local::now().date_naive();
    let t = f();
    let after = chrono::Local::now().date_naive();
    (t, [before, after])
}

fn this_year() -> i32 {
    chrono::Local::now().year()
}

const BOOK: &str = "[book]\ntitle = \"リンク検査\"\nbase_url = \"/\"\n";

const INCIDENT_2023_001: &str = "---
title: \"最初の事案\"
id: \"2023-001\"
date: 2023-05-01
organization: 株式会社ミナミ
attack: ランサムウェア
tags: [ランサムウェア, DDoS]
---

最初の事案の概要。

## 経緯

## 経緯

## Root Cause {#cause}
";

/// Every kind of internal link `check` must accept: relative and absolute page links, anchors
/// (Japanese kept, repeated headings numbered, explicit ids, ids the templates write),
/// percent-encoded terms, static
/// files of the theme and of the site, list pages, a query string; external links and code.
const INCIDENT_2024_033: &str = "---
title: \"続報の事案\"
id: \"2024-033\"
date: 2024-01-30
organization: 株式会社ミナミ
follows: \"2023-001\"
---

## 経緯

前回は[こちら](../2023-001/)。
[経緯](/incidents/2023-001/#経緯) [二つ目](/incidents/2023-001/#経緯-1) [原因](../2023-001/#cause)
[概要](/incidents/2023-001/#factbox-title) [本文へ](#main) [先頭](#) [top](#top)
[自分](#経緯) [タグ](/tags/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/) [ddos](/tags/ddos/)
![図](/images/diagram.png) [CSS](/style.css) [年](/years/2024/) [一覧](/) [検索](/search/?q=ランサム)
[外部](https://example.org/nowhere/) [メール](mailto:security@example.org) <https://example.com/x>

```
[コード内](/not-checked/)
```
";

const GUIDE: &str = "---
title: 読み方
date: 2024-02-01
---

[最新](../../incidents/2024-033/) [フィード](/feed.xml) [JSON](/incidents.json) [番号順](/series/)
[直接](/incidents/2024-033/index.html) [エンコード済み](/incidents/2024-033/#%E7%B5%8C%E7%B7%AF)
";

/// A site whose every internal link resolves: `(guard, root)`.
fn linked_site(label: &str) -> (TempDir, std::path::PathBuf) {
    let (tmp, root) = empty_site(label, BOOK);
    write(&root, "content/incidents/2023/2023-001.md", INCIDENT_2023_001);
    write(&root, "content/incidents/2024/2024-033.md", INCIDENT_2024_033);
    write(&root, "content/articles/guide.md", GUIDE);
    write(&root, "static/images/diagram.png", "not really a png");
    (tmp, root)
}

/// Lines 6..=11 each hold one broken link (see the expected diagnostics below).
const BROKEN: &str = "---
title: 壊れたリンク
date: 2024-03-01
---

詳細は[こちら](/incidents/2024-999/)を参照。
[相対](../../incidents/2023-002/)
[見出し](/incidents/2023-001/#対応)
[画像](/images/missing.png) [外部](https://example.org/missing/) [メール](mailto:x@example.org)
[戻りすぎ](../../../x/)
[自分](#ない)
";

/// BOM + CRLF, the broken link on file line 9.
const BROKEN_CRLF: &str = "\u{feff}---\r\ntitle: CRLF の事案\r\nid: \"2024-034\"\r\ndate: 2024-02-10\r\norganization: 株式会社キタ\r\n---\r\n\r\n本文。\r\nまずは[前回](/incidents/2024-033/#原因)を。\r\n";

fn broken_site(label: &str) -> (TempDir, std::path::PathBuf) {
    let (tmp, root) = linked_site(label);
    write(&root, "content/articles/broken.md", BROKEN);
    write(&root, "content/incidents/2024/2024-034.md", BROKEN_CRLF);
    (tmp, root)
}

const MISSING: &str = "which the site does not have, expected a page, feed or static file of this site";

fn expected_broken() -> Vec<(&'static str, usize, usize, String)> {
    let a = "content/articles/broken.md";
    vec![
        (a, 6, 4, format!("links to `/incidents/2024-999/`, {MISSING}")),
        (a, 7, 1, format!("links to `../../incidents/2023-002/`, {MISSING}")),
        (
            a,
            8,
            1,
            "links to `/incidents/2023-001/#対応`, but that page has no element with id `対応`, expected one of its heading ids (経緯, 経緯-1, cause)"
                .to_string(),
        ),
        (a, 9, 1, format!("links to `/images/missing.png`, {MISSING}")),
        (a, 10, 1, "links to `../../../x/`, which leaves the site, expected a page of this site".to_string()),
        (
            a,
            11,
            1,
            "links to `#ない`, but that page has no element with id `ない`, expected one of its heading ids (it has none)"
                .to_string(),
        ),
        (
            "content/incidents/2024/2024-034.md",
            9,
            4,
            "links to `/incidents/2024-033/#原因`, but that page has no element with id `原因`, expected one of its heading ids (経緯)"
                .to_string(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

#[test]
fn check_accepts_every_kind_of_valid_internal_link_and_writes_nothing() {
    let (tmp, root) = linked_site("check-ok");
    let before = snapshot(tmp.path());
    let r = check(&root, &[]);
    r.success();
    assert_eq!(r.stderr, "", "a clean check prints nothing on stderr");
    let out = r.stdout.trim_end();
    assert!(
        out.starts_with("checked 3 entries and ") && out.ends_with(" files: no problems") && out.lines().count() == 1,
        "unexpected summary: {:?}",
        r.stdout
    );
    assert_eq!(snapshot(tmp.path()), before, "check must write nothing (no public/, no staging dirs)");
    assert!(!root.join("public").exists());
    assert!(leftovers(&root).is_empty() && leftovers(tmp.path()).is_empty());

    // The same site builds, and the links check accepted are really there.
    build(&root, &["-q"]).success();
    let public = root.join("public");
    for f in [
        "incidents/2023-001/index.html",
        "tags/ランサムウェア/index.html",
        "tags/ddos/index.html",
        "images/diagram.png",
        "style.css",
        "years/2024/index.html",
        "search/index.html",
        "series/index.html",
        "feed.xml",
        "incidents.json",
    ] {
        assert!(public.join(f).is_file(), "{f} should exist after build");
    }
    let first = read(&public, "incidents/2023-001/index.html");
    for id in ["id=\"経緯\"", "id=\"経緯-1\"", "id=\"cause\""] {
        assert!(first.contains(id), "{id} missing from the built page");
    }
}

/// The sites that build cleanly also check cleanly: the fixture links to an id the incident
/// template writes (`#factbox-title`), not to a heading.
#[test]
fn check_accepts_the_fixture_and_the_sample_site() {
    let (_tmp, root) = site_from_fixture("basic");
    let r = check(&root, &[]);
    assert_eq!(r.status, Some(0), "check of the basic fixture failed:\n{}", r.stderr);
    let r = run(&manifest_dir(), &["check", "--root", manifest_dir().to_str().unwrap()]);
    assert_eq!(r.status, Some(0), "check of the sample site failed:\n{}", r.stderr);
}

/// A draft that took a published entry's id builds (it is not published), but every command
/// says so at the draft's `id`: the day the draft is published the build would fail.
#[test]
fn a_draft_with_a_published_id_is_a_warning_at_its_id() {
    let (_tmp, root) = site_from_fixture("basic");
    let draft = "content/incidents/2024/2024-004.md";
    let text = std::fs::read_to_string(root.join(draft)).unwrap().replace("id: \"2024-004\"", "id: \"2024-0001\"");
    std::fs::write(root.join(draft), text).unwrap();
    let want = format!(
        "{draft}:3:5: warning: this draft's `id` `2024-0001` is already used by content/incidents/2024/2024-001.md, so publishing it will fail"
    );

    let r = run(root.parent().unwrap(), &["build", "--root", root.to_str().unwrap()]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    assert!(r.stderr.starts_with(&want), "{}", r.stderr);
    assert!(r.stderr.contains("\n3 | id: \"2024-0001\"\n"), "the line is shown: {}", r.stderr);

    let r = check(&root, &[]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    assert!(r.stderr.starts_with(&want), "{}", r.stderr);
    let r = check(&root, &["--format", "github"]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with(&format!("::warning file={draft},line=3,col=5::this draft's")), "{}", r.stdout);

    // Published with it, the same id is the error the warning foretold.
    let r = run(root.parent().unwrap(), &["build", "--drafts", "--root", root.to_str().unwrap()]);
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("is already used by"), "{}", r.stderr);
}

#[test]
fn check_leaves_an_existing_output_directory_untouched() {
    let (tmp, root) = linked_site("check-keeps-public");
    // An earlier build's output (it has the dataset), with a file of its own.
    write(&root, "public/incidents.json", "[]\n");
    write(&root, "public/old.html", "<p>old</p>");
    let before = snapshot(tmp.path());
    check(&root, &[]).success();
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn check_reports_every_broken_link_with_file_line_and_column() {
    let (tmp, root) = broken_site("check-broken");
    let before = snapshot(tmp.path());
    let r = check(&root, &[]);
    r.expect_status(1);
    let want = expected_broken();
    let want: Vec<(&str, usize, usize, &str)> = want.iter().map(|(p, l, c, m)| (*p, *l, *c, m.as_str())).collect();
    assert_diags(&r, &want);
    assert_eq!(r.stderr.lines().last(), Some("error: check found 7 problem(s)"));
    assert_eq!(r.stdout, "", "text diagnostics go to stderr only");
    // External links (https:, mailto:) are never reported.
    assert!(r.stderr.lines().filter(|l| l.contains(": error: ")).all(|l| !l.contains("example.org")), "{}", r.stderr);
    assert_eq!(snapshot(tmp.path()), before, "a failing check writes nothing either");
}

#[test]
fn check_github_format_prints_annotations_on_stdout() {
    let (_tmp, root) = broken_site("check-github");
    // Commas and colons in a path are escaped in annotation properties.
    write(&root, "content/articles/a,b.md", "---\ntitle: カンマ\ndate: 2024-04-01\n---\n\n[x](/nope/)\n");
    let r = check(&root, &["--format", "github"]);
    r.expect_status(1);
    let mut want: Vec<String> = Vec::new();
    want.push(format!("::error file=content/articles/a%2Cb.md,line=6,col=1::links to `/nope/`, {MISSING}"));
    for (p, l, c, m) in expected_broken() {
        want.push(format!("::error file={p},line={l},col={c}::{m}"));
    }
    let got: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(got, want, "stdout:\n{}", r.stdout);
    assert_eq!(r.stderr.trim_end(), "error: check found 8 problem(s)", "stderr holds only the summary");

    // `text` is the default and the same as `--format text`.
    let t = check(&root, &["--format", "text"]);
    t.expect_status(1);
    assert_eq!(t.stderr, check(&root, &[]).stderr);
    assert_eq!(t.diagnostics().len(), 8);
}

#[test]
fn check_reports_a_follows_that_names_no_entry() {
    let (_tmp, root) = linked_site("check-follows");
    write(
        &root,
        "content/incidents/2024/2024-033.md",
        &INCIDENT_2024_033.replace("follows: \"2023-001\"", "follows: \"2023-009\""),
    );
    let r = check(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics();
    assert_eq!(d.len(), 1, "{}", r.stderr);
    assert_eq!((d[0].path.as_str(), d[0].line, d[0].column), ("content/incidents/2024/2024-033.md", 6, 10));
    assert!(
        d[0].message.starts_with("`follows` names `2023-009`, which no entry has as id or slug")
            && d[0].message.ends_with("expected the id or slug of an earlier entry"),
        "{}",
        d[0].message
    );
    assert_eq!(r.stderr.lines().last(), Some("error: check found 1 problem(s)"));
}

#[test]
fn check_reports_a_follows_that_names_a_later_entry() {
    let (_tmp, root) = linked_site("check-follows-later");
    let earlier = INCIDENT_2023_001.replace("tags:", "follows: \"2024-033\"\ntags:");
    write(&root, "content/incidents/2023/2023-001.md", &earlier);
    // The cycle 2024-033 → 2023-001 → 2024-033 is broken by the date rule on 2023-001 alone.
    let r = check(&root, &[]);
    r.expect_status(1);
    assert_diags(
        &r,
        &[(
            "content/incidents/2023/2023-001.md",
            7,
            10,
            "`follows` names `2024-033`, dated 2024-01-30 after this entry's 2023-05-01, expected an earlier entry",
        )],
    );
}

/// SPEC §4: "all of them are reported in one run (not only the first)". A bad `follows` in one
/// file must not hide a broken link in another.
#[test]
fn check_reports_follows_and_link_problems_in_one_run() {
    let (_tmp, root) = linked_site("check-all-at-once");
    write(
        &root,
        "content/incidents/2024/2024-033.md",
        &INCIDENT_2024_033.replace("follows: \"2023-001\"", "follows: \"2023-009\""),
    );
    write(&root, "content/articles/broken.md", BROKEN);
    let r = check(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics();
    let at: Vec<(&str, usize)> = d.iter().map(|d| (d.path.as_str(), d.line)).collect();
    assert!(at.contains(&("content/incidents/2024/2024-033.md", 6)), "the bad follows is reported:\n{}", r.stderr);
    assert!(
        at.contains(&("content/articles/broken.md", 6)) && at.contains(&("content/articles/broken.md", 11)),
        "the broken links of another file are reported in the same run:\n{}",
        r.stderr
    );
    assert_eq!(d.len(), 7, "{}", r.stderr);
}

#[test]
fn check_validates_front_matter_book_toml_and_templates_like_build() {
    // Front matter: a misspelt key.
    let (tmp, root) = linked_site("check-frontmatter");
    write(
        &root,
        "content/incidents/2024/2024-033.md",
        &INCIDENT_2024_033.replace("organization: 株式会社ミナミ", "organisation: 株式会社ミナミ"),
    );
    let before = snapshot(tmp.path());
    let c = check(&root, &[]);
    c.expect_status(1);
    let d = c.diagnostics();
    assert!(
        d.iter().any(|d| d.path == "content/incidents/2024/2024-033.md"
            && d.line == 5
            && d.column == 1
            && d.message.contains("unknown field `organisation` (did you mean `organization`?)")),
        "{}",
        c.stderr
    );
    assert_eq!(snapshot(tmp.path()), before);
    let b = build(&root, &[]);
    b.expect_status(1);
    assert_eq!(c.diagnostics(), b.diagnostics(), "check and build report the same problems");

    // book.toml: an unknown key.
    let (_tmp, root) = linked_site("check-config");
    write(&root, "book.toml", &format!("{BOOK}titel = \"x\"\n"));
    let c = check(&root, &[]);
    c.expect_status(1);
    let d = c.diagnostics();
    assert!(
        d.len() == 1 && d[0].path == "book.toml" && d[0].line == 4 && d[0].message.contains("titel"),
        "{}",
        c.stderr
    );
    assert_eq!(d, build(&root, &[]).diagnostics());

    // Templates: an override that fails only when rendered with real data.
    let (tmp, root) = linked_site("check-template");
    write(
        &root,
        "templates/article.html",
        "{% extends \"base.html\" %}{% block content %}{{ page.nope.deeper }}{% endblock %}\n",
    );
    let before = snapshot(tmp.path());
    let c = check(&root, &[]);
    c.expect_status(1);
    let d = c.diagnostics();
    assert!(
        d.len() == 1
            && d[0].path == "templates/article.html"
            && d[0].line == 1
            && d[0].message.contains("template error")
            && d[0].message.contains("nope"),
        "{}",
        c.stderr
    );
    assert_eq!(snapshot(tmp.path()), before, "rendering happens in memory only");
    assert_eq!(d, build(&root, &[]).diagnostics());
}

#[test]
fn check_honours_drafts_flag() {
    let (_tmp, root) = linked_site("check-drafts");
    write(
        &root,
        "content/articles/draft.md",
        "---\ntitle: 下書き\ndate: 2024-05-01\ndraft: true\n---\n\n[壊れ](/nope/)\n",
    );
    write(
        &root,
        "content/articles/points-at-draft.md",
        "---\ntitle: 案内\ndate: 2024-05-02\n---\n\n[下書き](/articles/draft/)\n",
    );

    // Without --drafts the draft is not built: the link to it is broken, and said to be a
    // draft's; the draft's own links are unchecked.
    let r = check(&root, &[]);
    r.expect_status(1);
    assert_diags(
        &r,
        &[(
            "content/articles/points-at-draft.md",
            6,
            1,
            "links to `/articles/draft/`, the page of a draft (content/articles/draft.md), which is published only with `--drafts`, expected a published page",
        )],
    );

    // With --drafts the draft page exists, and its own broken link is reported.
    let r = check(&root, &["--drafts"]);
    r.expect_status(1);
    assert_diags(&r, &[("content/articles/draft.md", 7, 1, &format!("links to `/nope/`, {MISSING}"))]);
}

#[test]
fn check_links_must_stay_under_the_base_path() {
    let (_tmp, root) = linked_site("check-base");
    write(&root, "book.toml", "[book]\ntitle = \"x\"\nbase_url = \"https://example.org/cb/\"\n");
    // The sample files link from the root; replace them with base-path-aware ones.
    write(
        &root,
        "content/incidents/2024/2024-033.md",
        "---\ntitle: t\nid: \"2024-033\"\ndate: 2024-01-30\norganization: o\n---\n\n## 経緯\n",
    );
    write(
        &root,
        "content/articles/guide.md",
        "---\ntitle: g\ndate: 2024-02-01\n---\n\n[a](/cb/incidents/2024-033/#経緯) [b](../../incidents/2024-033/) [c](/cb/style.css)\n[d](/incidents/2024-033/) [e](/cb#main) [f](/cb/tags#main)\n\
         [g](/cb#x) [h](/cb/tags?q#x)\n",
    );
    let r = check(&root, &[]);
    r.expect_status(1);
    assert_diags(
        &r,
        &[
            (
                "content/articles/guide.md",
                7,
                1,
                "links to `/incidents/2024-033/`, outside the site's base path `/cb/`, expected a link under it",
            ),
            (
                "content/articles/guide.md",
                7,
                27,
                "links to `/cb#main`, outside the site's base path `/cb/`, expected a link under it (`/cb/#main`)",
            ),
            (
                "content/articles/guide.md",
                7,
                41,
                "links to `/cb/tags#main`, which the site does not have, expected the page of that directory, with its slash (`/cb/tags/#main`)",
            ),
            // Where the fragment fails on the page meant, the link with a slash would fail too.
            (
                "content/articles/guide.md",
                8,
                1,
                "links to `/cb#x`, outside the site's base path `/cb/`, expected a link under it (`/cb/`), but that page has no element with id `x`, expected one of its ids (main, year-2023, year-2024)",
            ),
            (
                "content/articles/guide.md",
                8,
                12,
                "links to `/cb/tags?q#x`, which the site does not have, expected the page of that directory, with its slash (`/cb/tags/?q`), but that page has no element with id `x`, expected one of its ids (main)",
            ),
        ],
    );
}

#[test]
fn check_finds_the_site_root_from_a_subdirectory() {
    let (tmp, root) = broken_site("check-subdir");
    let sub = root.join("content/incidents/2024");
    let r = run(&sub, &["check"]);
    r.expect_status(1);
    assert_eq!(r.diagnostics().len(), 7, "{}", r.stderr);
    // Paths stay relative to the site root, not to the working directory.
    assert_eq!(r.diagnostics()[0].path, "content/articles/broken.md");

    let (_tmp2, ok) = linked_site("check-subdir-ok");
    let r = run(&ok.join("content"), &["check"]);
    r.success();
    assert!(r.stdout.starts_with("checked 3 entries and "), "{}", r.stdout);

    // No book.toml here or above: exit 1 with a message saying what was expected.
    let r = run(tmp.path(), &["check"]);
    r.expect_status(1);
    assert_eq!(
        r.stderr.trim_end(),
        "error: no book.toml in . or any parent directory, expected a site root (create one with `casebook init DIR`)"
    );
    // An explicit --root must be the root itself.
    let r = run(&root, &["check", "--root", "content"]);
    r.expect_status(1);
    assert!(r.stderr.starts_with("error: no book.toml in content, expected a site root"), "{}", r.stderr);
}

#[test]
fn check_usage_errors_exit_2() {
    let (_tmp, root) = linked_site("check-usage");
    let r = check(&root, &["--format", "xml"]);
    r.expect_status(2);
    assert!(r.stderr.contains("invalid value 'xml'"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// new incident
// ---------------------------------------------------------------------------------------------

fn incident(id: &str, date: &str, extra: &str) -> String {
    format!(
        "---\ntitle: \"事案 {id}\"\nid: \"{id}\"\ndate: {date}\norganization: 株式会社テスト\n{extra}---\n\n本文。\n"
    )
}

#[test]
fn new_incident_takes_the_next_free_number_of_the_current_year() {
    let y = this_year();
    let (_tmp, root) = empty_site("new-next", BOOK);
    write(
        &root,
        &format!("content/incidents/{y}/{y}-001.md"),
        &incident(&format!("{y}-001"), &format!("{y}-01-01"), ""),
    );
    // An id set in front matter counts whatever the file name, drafts too.
    write(
        &root,
        &format!("content/incidents/{y}/big-breach.md"),
        &incident(&format!("{y}-007"), &format!("{y}-01-01"), "draft: true\n"),
    );
    // A file named like an id that does not parse still takes its number.
    write(&root, &format!("content/incidents/{y}/{y}-005.md"), "---\ntitle: [broken\n---\n");
    // Other years do not count, however high.
    let prev = y - 1;
    write(
        &root,
        &format!("content/incidents/{prev}/{prev}-950.md"),
        &incident(&format!("{prev}-950"), &format!("{prev}-12-01"), ""),
    );
    let untouched = snapshot(&root);

    let (r, today) = around_today(|| {
        run(&root, &["new", "incident", "--organization", "株式会社ヴェルディ", "通販サイトへの不正アクセス"])
    });
    r.success();
    let rel = format!("content/incidents/{y}/{y}-008.md");
    assert_eq!(r.stdout, format!("{rel}\n"));
    let text = read(&root, &rel);
    assert!(text.starts_with("---\n"), "{text}");
    assert!(text.contains(&format!("\nid: \"{y}-008\"\n")), "{text}");
    assert!(
        today.iter().any(|d| text.contains(&format!("\ndate: {d}\n"))),
        "today's date ({}) expected in:\n{text}",
        today[0]
    );
    assert!(text.contains("\ntitle: \"通販サイトへの不正アクセス\"\n"), "{text}");
    assert!(text.contains("\norganization: \"株式会社ヴェルディ\"\n"), "{text}");
    // Nothing else changed.
    let mut after = snapshot(&root);
    after.retain(|k, _| k != &rel);
    assert_eq!(after, untouched);

    // And the next one after that.
    let r = run(&root, &["new", "incident", "--organization", "o", "次"]);
    r.success();
    assert_eq!(r.stdout, format!("content/incidents/{y}/{y}-009.md\n"));
}

#[test]
fn new_incident_on_an_empty_site_is_number_001_and_builds() {
    let y = this_year();
    let (_tmp, root) = empty_site("new-first", BOOK);
    std::fs::remove_dir(root.join("content")).unwrap(); // not even content/ yet
    let r = run(&root, &["new", "incident", "--organization", "株式会社テスト", "最初の事案"]);
    r.success();
    let rel = format!("content/incidents/{y}/{y}-001.md");
    assert_eq!(r.stdout, format!("{rel}\n"));
    build(&root, &["-q"]).success();
    let page = read(&root.join("public"), &format!("incidents/{y}-001/index.html"));
    assert!(page.contains("最初の事案") && page.contains("株式会社テスト"), "{page}");
    // The new file passes check as well.
    check(&root, &[]).success();
}

#[test]
fn new_incident_escapes_yaml_in_every_field_and_the_result_builds() {
    let y = this_year();
    let (_tmp, root) = empty_site("new-yaml", BOOK);
    let title = "「テスト」: \"引用\" #1 & *alias* [x] {y} 'single' \\ back";
    let org = "- 株式会社: \"A\" #2";
    let attack = "!不正アクセス: %";
    let sector = "@小売, [医療]";
    // `--organization=…`: a value that starts with `-` needs the `=` form.
    let org_arg = format!("--organization={org}");
    let r = run(&root, &["new", "incident", &org_arg, "--attack", attack, "--sector", sector, title]);
    r.success();
    let rel = format!("content/incidents/{y}/{y}-001.md");
    assert_eq!(r.stdout, format!("{rel}\n"));
    let text = read(&root, &rel);
    assert!(
        text.contains("\ntitle: \"「テスト」: \\\"引用\\\" #1 & *alias* [x] {y} 'single' \\\\ back\"\n"),
        "title not escaped as a double-quoted scalar:\n{text}"
    );

    build(&root, &["-q"]).success();
    let json = read(&root.join("public"), "incidents.json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("incidents.json is JSON");
    let entry = v.as_array().unwrap().iter().find(|e| e["id"] == format!("{y}-001")).expect("the new incident");
    assert_eq!(entry["title"], title);
    assert_eq!(entry["organization"], org);
    assert_eq!(entry["attack"], attack);
    assert_eq!(entry["sector"], sector);
    let page = read(&root.join("public"), &format!("incidents/{y}-001/index.html"));
    assert!(page.contains("「テスト」: &quot;引用&quot; #1 &amp; *alias*"), "escaped title not on the page");
}

#[test]
fn new_incident_writes_todays_local_date() {
    // 26 hours apart, so the two zones never share a calendar day.
    let (_tmp, root) = empty_site("new-tz", BOOK);
    let mut dates = Vec::new();
    for (tz, hours) in [("UTC-14", 14), ("UTC+12", -12)] {
        let before = (Utc::now() + Duration::hours(hours)).date_naive();
        let r = run_env(
            &root,
            &["new", "incident", "--organization", "o", "--id", &format!("2020-{:03}", dates.len() + 1), tz],
            &[("TZ", tz)],
        );
        let after = (Utc::now() + Duration::hours(hours)).date_naive();
        r.success();
        let text = read(&root, r.stdout.trim_end());
        let date = text.lines().find_map(|l| l.strip_prefix("date: ")).unwrap().to_string();
        assert!(
            date == before.to_string() || date == after.to_string(),
            "TZ={tz}: expected the local date {before}, got {date}"
        );
        assert!(text.contains(&format!("\ndisclosed: {date}\n")), "{text}");
        dates.push(date);
    }
    assert_ne!(dates[0], dates[1], "the date must be local, not UTC");
}

#[test]
fn new_incident_with_an_explicit_id() {
    let (_tmp, root) = empty_site("new-id", BOOK);
    write(&root, "content/incidents/2024/2024-033-verdy.md", &incident("2024-033", "2024-01-30", ""));
    write(&root, "content/incidents/2024/2024-040.md", "---\ntitle: [broken\n---\n");

    let r = run(&root, &["new", "incident", "--organization", "o", "--id", "2019-042", "古い事案"]);
    r.success();
    assert_eq!(r.stdout, "content/incidents/2019/2019-042.md\n");
    assert!(read(&root, "content/incidents/2019/2019-042.md").contains("\nid: \"2019-042\"\n"));

    let before = snapshot(&root);
    // Used by a file of another name, by a file that does not parse, by the file just written.
    for id in ["2024-033", "2024-040", "2019-042"] {
        let r = run(&root, &["new", "incident", "--organization", "o", "--id", id, "重複"]);
        r.expect_status(1);
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains(&format!("--id `{id}` is already used, expected a free id")), "{id}: {}", r.stderr);
    }
    // Not YYYY-NNN: a usage error.
    for id in ["2024-33", "24-033", "2024_033", "../../x"] {
        let r = run(&root, &["new", "incident", "--organization", "o", "--id", id, "形式"]);
        r.expect_status(2);
        assert!(
            r.stderr.contains(&format!("invalid value '{id}' for '--id <ID>': expected an id YYYY-NNN")),
            "{id}: {}",
            r.stderr
        );
    }
    assert_eq!(snapshot(&root), before, "a refused `new` writes nothing");
}

#[test]
fn new_incident_from_a_subdirectory_writes_under_the_site_root() {
    let y = this_year();
    let (tmp, root) = empty_site("new-subdir", BOOK);
    write(&root, "content/articles/a.md", "---\ntitle: a\ndate: 2024-01-01\n---\n");
    let sub = root.join("content/articles");
    let r = run(&sub, &["new", "incident", "--organization", "o", "サブディレクトリから"]);
    r.success();
    let rel = format!("content/incidents/{y}/{y}-001.md");
    assert_eq!(r.stdout, format!("{rel}\n"), "the path is relative to the site root");
    assert!(root.join(&rel).is_file());
    assert!(!sub.join("content").exists(), "nothing is written under the working directory");

    // --root given from outside the site: same, relative to the root.
    let r = run(tmp.path(), &["new", "article", "--root", "site", "外から"]);
    r.success();
    assert_eq!(r.stdout, "content/articles/外から.md\n");
    assert!(root.join("content/articles/外から.md").is_file());

    // No site anywhere: exit 1, nothing written.
    let r = run(tmp.path(), &["new", "incident", "--organization", "o", "どこにも"]);
    r.expect_status(1);
    assert!(r.stderr.contains("error: no book.toml in . or any parent directory"), "{}", r.stderr);
    assert!(!tmp.join("content").exists());
}

#[test]
fn new_incident_uses_the_configured_content_directory() {
    let y = this_year();
    let (_tmp, root) = empty_site("new-content-dir", "[book]\ntitle = \"x\"\n\n[build]\ncontent = \"posts\"\n");
    let r = run(&root, &["new", "incident", "--organization", "o", "t"]);
    r.success();
    assert_eq!(r.stdout, format!("posts/incidents/{y}/{y}-001.md\n"));
    assert!(!root.join(format!("content/incidents/{y}")).exists());
    build(&root, &["-q"]).success();
    assert!(root.join(format!("public/incidents/{y}-001/index.html")).is_file());
}

#[test]
fn new_incident_usage_errors_exit_2() {
    let (_tmp, root) = empty_site("new-usage", BOOK);
    let before = snapshot(&root);
    let r = run(&root, &["new", "incident", "題名だけ"]);
    r.expect_status(2);
    assert!(r.stderr.contains("--organization"), "{}", r.stderr);
    let r = run(&root, &["new", "incident", "--organization", "o"]);
    r.expect_status(2);
    let r = run(&root, &["new", "report", "x"]);
    r.expect_status(2);
    assert_eq!(snapshot(&root), before);
}

/// The promise of `new` is a file that builds; an empty title or organization cannot make one,
/// nor a control character, nor a title with its series label, so `new` must refuse, as the
/// usage error it is (exit 2), and write nothing.
#[test]
fn new_refuses_empty_required_fields() {
    let (_tmp, root) = empty_site("new-empty", BOOK);
    write(&root, "content/articles/ok.md", "---\ntitle: ok\ndate: 2024-01-01\n---\n");
    let before = snapshot(&root);
    let mut accepted = Vec::new();
    for args in [
        &["new", "incident", "--organization", "o", ""][..],
        &["new", "incident", "--organization", "o", "   "][..],
        &["new", "incident", "--organization", "", "組織名なし"][..],
        &["new", "incident", "--organization", "o", "--attack", "", "攻撃名なし"][..],
        &["new", "article", ""][..],
        // A pasted control character or noncharacter, which no page may show.
        &["new", "incident", "--organization", "株式会社\u{8}X", "制御文字"][..],
        &["new", "article", "見出し\u{fffe}"][..],
        // A title copied with its series label, which pages put before it from the id.
        &["new", "incident", "--organization", "o", "【セキュリティ事件簿#2024-033】不正アクセス"][..],
    ] {
        let r = run(&root, args);
        let now = snapshot(&root);
        if r.status != Some(2) || now != before {
            accepted.push(format!(
                "`casebook {}` → exit {:?}, wrote {:?}",
                args.join(" "),
                r.status,
                r.stdout.trim_end()
            ));
            // Undo, so that each case is judged on its own.
            for (k, v) in now.iter().rev() {
                if !before.contains_key(k) {
                    if v.is_some() {
                        std::fs::remove_file(root.join(k)).unwrap();
                    } else {
                        std::fs::remove_dir(root.join(k)).unwrap();
                    }
                }
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "these should be refused with exit 1 or 2 and write nothing:\n{}",
        accepted.join("\n")
    );
    build(&root, &["-q"]).success();
}

// ---------------------------------------------------------------------------------------------
// new article
// ---------------------------------------------------------------------------------------------

#[test]
fn new_article_is_named_by_the_key_of_its_title_and_builds() {
    let (_tmp, root) = empty_site("new-article", BOOK);
    let (r, today) = around_today(|| run(&root, &["new", "article", "Hello World"]));
    r.success();
    assert_eq!(r.stdout, "content/articles/hello-world.md\n");
    let text = read(&root, "content/articles/hello-world.md");
    assert!(text.starts_with("---\ntitle: \"Hello World\"\n"), "{text}");
    assert!(today.iter().any(|d| text.contains(&format!("\ndate: {d}\n"))), "{text}");

    // Japanese is kept, full-width folded, punctuation becomes one `-`, no name is hidden or
    // ends in `-`, nothing escapes the directory.
    for (title, file) in [
        ("事件簿の読み方", "事件簿の読み方.md"),
        ("ＦＡＱ／よくある質問", "faq-よくある質問.md"),
        ("../../outside: \"quoted\"", "outside-quoted.md"),
        ("Hello World: A/B テスト?", "hello-world-a-b-テスト.md"),
        ("「事件簿」の読み方（2024年版）", "事件簿-の読み方-2024年版.md"),
        ("..", "article.md"),
        ("a..b", "a-b.md"),
        ("x/../../etc", "x-etc.md"),
    ] {
        let r = run(&root, &["new", "article", title]);
        r.success();
        assert_eq!(r.stdout, format!("content/articles/{file}\n"), "{title}");
        assert!(root.join("content/articles").join(file).is_file(), "{title}");
    }
    assert!(
        !root.join("outside: \"quoted\".md").exists()
            && !root.parent().unwrap().join("outside: \"quoted\".md").exists()
    );

    build(&root, &["-q"]).success();
    let public = root.join("public");
    assert!(read(&public, "articles/hello-world/index.html").contains("Hello World"));
    assert!(public.join("articles/事件簿の読み方/index.html").is_file());
    assert!(read(&public, "articles/outside-quoted/index.html").contains("outside: &quot;quoted&quot;"));
}

#[test]
fn new_article_never_overwrites() {
    let (_tmp, root) = empty_site("new-article-twice", BOOK);
    run(&root, &["new", "article", "方針"]).success();
    let path = root.join("content/articles/方針.md");
    std::fs::write(&path, "---\ntitle: 編集済み\ndate: 2024-01-01\n---\n\n大事な本文\n").unwrap();
    let before = snapshot(&root);
    // Same title, and a title with the same key.
    for title in ["方針", " 方針 "] {
        let r = run(&root, &["new", "article", title]);
        r.expect_status(1);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains("content/articles/方針.md already exists, expected a new file: nothing was overwritten"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(snapshot(&root), before);
    assert!(read(&root, "content/articles/方針.md").contains("大事な本文"));
}

/// `new article` must not leave a site that no longer builds: when the title's key is already
/// the slug of another article, it either refuses (writing nothing) or picks a free name.
#[test]
fn new_article_does_not_break_the_build_with_a_duplicate_slug() {
    let mut broke = Vec::new();
    for title in ["Hello World", "FAQ", "Old Page"] {
        let (_tmp, root) = empty_site("new-article-slug", BOOK);
        write(&root, "content/articles/2023/hello-world.md", "---\ntitle: 古い\ndate: 2023-01-01\n---\n");
        write(&root, "content/articles/y.md", "---\ntitle: y\ndate: 2023-01-01\nslug: faq\n---\n");
        // The old URL of another article, redirected to it.
        write(&root, "content/articles/z.md", "---\ntitle: z\ndate: 2023-01-01\naliases: [/articles/old-page/]\n---\n");
        build(&root, &["-q"]).success();
        let before = snapshot(&root);
        let r = run(&root, &["new", "article", title]);
        match r.status {
            Some(0) => {
                let b = build(&root, &["-q"]);
                if b.status != Some(0) {
                    broke.push(format!(
                        "`new article {title}` wrote {} and the site no longer builds:\n{}",
                        r.stdout.trim_end(),
                        b.stderr
                    ));
                }
            }
            Some(1) => assert_eq!(snapshot(&root), before, "a refused `new` writes nothing"),
            other => panic!("unexpected status {other:?}: {}", r.stderr),
        }
    }
    assert!(broke.is_empty(), "{}", broke.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------

#[test]
fn init_creates_a_site_that_checks_and_builds_at_once() {
    let y = this_year();
    let tmp = TempDir::new("cli-init");
    let r = run(tmp.path(), &["init", "mysite"]);
    r.success();
    let incident = format!("content/incidents/{y}/{y}-001.md");
    assert_eq!(
        r.stdout,
        format!(
            "mysite/book.toml\nmysite/{incident}\nmysite/content/articles/about.md\ncreated a new site in mysite: `cd mysite && casebook serve`\n"
        )
    );
    let root = tmp.join("mysite");
    let files: Vec<String> = snapshot(&root).into_iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect();
    let mut want = vec!["book.toml".to_string(), "content/articles/about.md".to_string(), incident.clone()];
    want.sort();
    assert_eq!(files, want, "exactly these files, no themes/ (the default theme is built in)");
    assert!(!root.join("themes").exists());

    let book: toml::Value = toml::from_str(&read(&root, "book.toml")).unwrap();
    assert_eq!(book["book"]["title"].as_str(), Some("mysite セキュリティ事件簿"));
    let text = read(&root, &incident);
    assert!(text.contains(&format!("\nid: \"{y}-001\"\n")), "{text}");

    // check passes and writes nothing.
    let before = snapshot(tmp.path());
    let r = run(&root, &["check"]);
    r.success();
    assert!(
        r.stdout.starts_with("checked 2 entries and ") && r.stdout.ends_with(" files: no problems\n"),
        "{}",
        r.stdout
    );
    assert_eq!(snapshot(tmp.path()), before);

    // build passes and the pages exist.
    let b = run(&root, &["build", "-q"]);
    b.success();
    let public = root.join("public");
    let index = read(&public, "index.html");
    assert!(index.contains("mysite セキュリティ事件簿"), "site title on the home page");
    let page = read(&public, &format!("incidents/{y}-001/index.html"));
    assert!(page.contains("会員サイトへの不正アクセスによる個人情報漏えい（記入例）"));
    assert!(page.contains(&format!("【セキュリティ事件簿#{y}-001】")), "series label on the incident page");
    assert!(public.join("articles/about/index.html").is_file());
    assert!(std::fs::metadata(public.join("style.css")).unwrap().len() > 0);
    assert_links_resolve(&public, "/", "");

    // The article's commented-out `aliases` works as written once uncommented.
    let about = read(&root, "content/articles/about.md");
    assert!(about.contains("\n# aliases: [/about.html]\n"), "{about}");
    write(&root, "content/articles/about.md", &about.replace("\n# aliases:", "\naliases:"));
    run(&root, &["build", "-q"]).success();
    assert!(read(&public, "about.html").contains(r#"<link rel="canonical" href="/articles/about/">"#));

    // And `new incident` continues the numbering.
    let r = run(&root, &["new", "incident", "--organization", "o", "二件目"]);
    r.success();
    assert_eq!(r.stdout, format!("content/incidents/{y}/{y}-002.md\n"));
    run(&root, &["build", "-q"]).success();
}

#[test]
fn init_into_an_existing_empty_directory_and_nested_paths() {
    let tmp = TempDir::new("cli-init-empty");
    std::fs::create_dir(tmp.join("empty")).unwrap();
    run(tmp.path(), &["init", "empty"]).success();
    assert!(tmp.join("empty/book.toml").is_file());
    // A fresh repository: hidden files only, as Zola allows.
    write(tmp.path(), "repo/.git/HEAD", "ref: refs/heads/main\n");
    write(tmp.path(), "repo/.gitignore", "public/\n");
    run(tmp.path(), &["init", "repo"]).success();
    assert!(tmp.join("repo/book.toml").is_file());
    assert_eq!(read(&tmp.join("repo"), ".gitignore"), "public/\n");

    let nested = tmp.join("a/b/c");
    let r = run(tmp.path(), &["init", nested.to_str().unwrap()]);
    r.success();
    assert!(r.stdout.starts_with(&format!("{}\n", nested.join("book.toml").display())), "{}", r.stdout);
    run(&nested, &["build", "-q"]).success();
}

#[test]
fn init_quotes_the_directory_name_in_book_toml() {
    let tmp = TempDir::new("cli-init-quote");
    let name = "my \"quoted\" \\ site";
    run(tmp.path(), &["init", name]).success();
    let root = tmp.join(name);
    let book: toml::Value = toml::from_str(&read(&root, "book.toml")).expect("book.toml is valid TOML");
    assert_eq!(book["book"]["title"].as_str(), Some("my \"quoted\" \\ site セキュリティ事件簿"));
    run(&root, &["build", "-q"]).success();
    assert!(read(&root.join("public"), "index.html").contains("my &quot;quoted&quot; \\ site セキュリティ事件簿"));
}

#[test]
fn init_refuses_a_non_empty_directory_or_an_existing_site() {
    let tmp = TempDir::new("cli-init-refuse");
    write(tmp.path(), "notes/todo.txt", "大事なメモ");
    let before = snapshot(tmp.path());
    let r = run(tmp.path(), &["init", "notes"]);
    r.expect_status(1);
    assert!(r.stderr.contains("notes exists and holds files, expected a new or empty directory"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(snapshot(tmp.path()), before, "nothing written into a non-empty directory");

    write(tmp.path(), "empty-file", "");
    let r = run(tmp.path(), &["init", "empty-file"]);
    r.expect_status(1);
    assert!(r.stderr.contains("empty-file is a file, expected a new or empty directory"), "{}", r.stderr);

    write(tmp.path(), "site/book.toml", "[book]\ntitle = \"既存\"\n");
    let before = snapshot(tmp.path());
    let r = run(tmp.path(), &["init", "site"]);
    r.expect_status(1);
    assert!(r.stderr.contains("site already holds a book.toml: nothing was overwritten"), "{}", r.stderr);
    assert_eq!(snapshot(tmp.path()), before);
    assert_eq!(read(&tmp.join("site"), "book.toml"), "[book]\ntitle = \"既存\"\n");

    // A file in place of the directory.
    write(tmp.path(), "file", "x");
    let r = run(tmp.path(), &["init", "file"]);
    r.expect_status(1);
    assert_eq!(read(tmp.path(), "file"), "x");

    // A directory that cannot be made is named in the message, as given.
    let r = run(tmp.path(), &["init", "file/site"]);
    r.expect_status(1);
    assert!(r.stderr.contains("error: file/site: "), "{}", r.stderr);

    // Missing DIR is a usage error.
    run(tmp.path(), &["init"]).expect_status(2);
}

/// Likewise for `new incident`: an id-less incident whose `slug` is the next id takes that URL,
/// so the next id must skip it (or `new` must refuse) rather than write a file that breaks the build.
#[test]
fn new_incident_does_not_break_the_build_with_a_duplicate_slug() {
    let y = this_year();
    let (_tmp, root) = empty_site("new-incident-slug", BOOK);
    write(
        &root,
        &format!("content/incidents/{y}/legacy.md"),
        &format!("---\ntitle: 番号なし\ndate: {y}-01-01\norganization: o\nslug: \"{y}-001\"\n---\n"),
    );
    build(&root, &["-q"]).success();
    let before = snapshot(&root);
    let r = run(&root, &["new", "incident", "--organization", "o", "新規"]);
    match r.status {
        Some(0) => {
            let b = build(&root, &["-q"]);
            assert_eq!(
                b.status,
                Some(0),
                "`new incident` wrote {} and the site no longer builds:\n{}",
                r.stdout,
                b.stderr
            );
        }
        Some(1) => assert_eq!(snapshot(&root), before, "a refused `new` writes nothing"),
        other => panic!("unexpected status {other:?}: {}", r.stderr),
    }
}

// ---------------------------------------------------------------------------------------------
// Standard output that cannot be written
// ---------------------------------------------------------------------------------------------

/// A pipe whose reader has left (`casebook check --format github | head -1`) or a full disk
/// does not turn a finished command into a panic with status 101: the status is the work's.
#[test]
fn a_closed_or_full_standard_output_keeps_the_exit_status() {
    let (_tmp, root) = site_from_fixture("basic");
    let with_stdout = |args: &[&str], stdout: std::process::Stdio| {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(&root)
            .env("NO_COLOR", "1")
            .stdout(stdout)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the casebook binary");
        // Reading nothing: the pipe's reader is gone before the command prints.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for casebook");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full").into();
    for args in [&["build", "-q", "--timings"][..], &["check"], &["build"]] {
        let (status, stderr) = with_stdout(args, std::process::Stdio::piped());
        assert_eq!(status, Some(0), "{args:?} into a closed pipe: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("standard output"), "a reader that left is not an error: {stderr}");
        let (status, stderr) = with_stdout(args, full());
        assert_eq!(status, Some(0), "{args:?} into a full disk: {stderr}");
        assert!(stderr.contains("warning: standard output cannot be written"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    write(&root, "content/articles/broken.md", "---\ntitle: [x]\ndate: 2024-01-01\n---\n");
    let (status, stderr) = with_stdout(&["check", "--format", "github"], std::process::Stdio::piped());
    assert_eq!(status, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// check finds what build refuses
// ---------------------------------------------------------------------------------------------

/// A static file in the way of a page and a book.toml output directory inside the content are
/// refused by `build`; `check` in CI reports them too instead of passing.
#[test]
fn check_reports_what_build_refuses() {
    let (_tmp, root) = site_from_fixture("basic");
    write(&root, "static/index.html", "<p>mine</p>");
    write(&root, "static/years", "a file where a directory of pages goes");
    let before = snapshot(&root);
    let r = check(&root, &[]);
    r.expect_status(1);
    assert!(
        r.stderr.contains("static/index.html: error: is where the site writes the file `index.html`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("static/years: error: is where the site writes pages under `years/`"), "{}", r.stderr);
    assert!(r.stderr.contains("check found 2 problem(s)"), "{}", r.stderr);
    assert_eq!(snapshot(&root), before, "check writes nothing");
    build(&root, &[]).expect_status(1);

    std::fs::remove_file(root.join("static/index.html")).unwrap();
    std::fs::remove_file(root.join("static/years")).unwrap();
    let toml = std::fs::read_to_string(root.join("book.toml")).unwrap();
    std::fs::write(root.join("book.toml"), toml.replacen("[build]\n", "[build]\noutput = \"content/public\"\n", 1))
        .unwrap();
    let r = check(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics();
    assert_eq!(d.len(), 1, "{}", r.stderr);
    assert_eq!(d[0].path, "book.toml");
    assert!(d[0].message.contains("overlaps the content directory"), "{}", r.stderr);
    build(&root, &[]).expect_status(1);
}

/// `casebook <cmd> --help` is what a user reads first: every argument and option says what it
/// is, and every option of the README's usage block exists in the command it is shown for (and
/// the other way round), so the two cannot drift apart.
#[test]
fn every_option_has_help_and_the_readme_usage_matches() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let usage = readme.split("## Using it").nth(1).and_then(|s| s.split("```").nth(1)).expect("README usage block");
    let dir = manifest_dir();
    for cmd in [&["build"][..], &["serve"], &["check"], &["init"], &["new", "incident"], &["new", "article"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let r = run(&dir, &args);
        r.expect_status(0);
        let mut options = Vec::new();
        for line in r.stdout.lines().filter(|l| l.starts_with("  ")) {
            let (name, help) = line.trim_start().split_once("  ").unwrap_or((line.trim(), ""));
            assert!(!help.trim().is_empty(), "`casebook {}`: `{name}` has no help text:\n{}", cmd.join(" "), r.stdout);
            // The short form when there is one (`-q`), as the README shows it.
            if name.starts_with('-') {
                options.push(name.split(' ').next().unwrap_or(name).trim_end_matches(',').to_string());
            }
        }
        options.retain(|o| o != "-h");
        let prefix = format!("casebook {} ", cmd.join(" "));
        let line = usage.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no usage line {prefix}"));
        let shown: Vec<String> = line
            .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
            .filter(|w| w.starts_with('-'))
            .map(str::to_string)
            .collect();
        let mut a = options.clone();
        let mut b = shown.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "README usage `{line}` against `casebook {} --help`", cmd.join(" "));
    }
}

/// With `--root` given as a relative path, diagnostics name files under it, so that they lead
/// to the files from the working directory (GitHub's annotations in a repository whose site is
/// in a subdirectory); `check` that passes with warnings says so.
#[test]
fn paths_in_diagnostics_lead_from_the_working_directory() {
    let tmp = TempDir::new("cli-here");
    let repo = tmp.path().to_path_buf();
    let (_t, site) = linked_site("cli-here-site");
    copy_dir(&site, &repo.join("site"));
    write(&repo.join("site"), "content/stray.txt", "not published");
    let r = run_in(&repo, &["check", "--root", "site"]);
    r.success();
    assert!(r.stderr.contains("site/content/stray.txt: warning: "), "{}", r.stderr);
    assert!(r.stdout.contains(": no errors, 1 warning(s)"), "{}", r.stdout);
    let r = run_in(&repo, &["check", "--root", "site", "--format", "github"]);
    assert!(r.stdout.contains("::warning file=site/content/stray.txt::"), "{}", r.stdout);
    write(&repo.join("site"), "content/articles/bad.md", "---\ntitle: x\n---\n");
    let r = run_in(&repo, &["build", "--root", "site"]);
    r.expect_status(1);
    assert!(r.stderr.contains("site/content/articles/bad.md:"), "{}", r.stderr);
    // Found from a subdirectory, or given absolute, the paths stay relative to the site root.
    let r = run_in(&repo.join("site/content"), &["check"]);
    assert!(
        r.stderr.contains("\ncontent/articles/bad.md:") || r.stderr.starts_with("content/articles/bad.md:"),
        "{}",
        r.stderr
    );
}

/// A path a message names (a draft's file, the entry that has an id first) leads from where the
/// diagnostic's own path does: under `--root site`, `site/content/...` in both.
#[test]
fn paths_in_messages_lead_from_where_the_diagnostics_own_path_does() {
    let (tmp, root) = site_from_fixture("basic");
    let draft = "content/incidents/2024/2024-004.md";
    write(
        &root,
        "content/articles/to-draft.md",
        "---\ntitle: 下書きへ\ndate: 2024-05-01\n---\n\n[下書き](/cb/incidents/2024-004/)\n",
    );
    write(
        &root,
        "content/incidents/2024/2024-005.md",
        "---\ntitle: 続報\nid: \"2024-005\"\ndate: 2024-05-02\norganization: 続報株式会社\nfollows: \"2024-004\"\n---\n\n本文。\n",
    );
    let r = run_in(tmp.path(), &["check", "--root", "site"]);
    r.expect_status(1);
    let d = r.diagnostics();
    let link = d.iter().find(|d| d.path == "site/content/articles/to-draft.md").expect(&r.stderr);
    assert!(
        link.message.contains(&format!("the page of a draft (site/{draft}), which is published only with `--drafts`")),
        "{}",
        link.message
    );
    let follows = d.iter().find(|d| d.path == "site/content/incidents/2024/2024-005.md").expect(&r.stderr);
    assert!(follows.message.contains(&format!("a draft (site/{draft})")), "{}", follows.message);
    // GitHub's annotations carry the same paths.
    let r = run_in(tmp.path(), &["check", "--root", "site", "--format", "github"]);
    assert!(r.stdout.contains("file=site/content/articles/to-draft.md,"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("(site/{draft})")), "{}", r.stdout);
    // From the site root, both are relative to it.
    let r = run_in(&root, &["check"]);
    assert!(
        r.stderr.contains(&format!(
            "content/articles/to-draft.md:6:1: error: links to `/cb/incidents/2024-004/`, the page of a draft ({draft})"
        )),
        "{}",
        r.stderr
    );
}

/// `check` follows the links of raw HTML in a body (an `<a href>`, an `<img srcset>`) and links
/// to the site's own address, as it follows Markdown's.
#[test]
fn check_follows_raw_html_links_and_links_to_the_sites_own_address() {
    let (_tmp, root) = linked_site("check-raw");
    write(&root, "book.toml", "[book]\ntitle = \"x\"\nbase_url = \"https://example.org/cb/\"\n");
    write(
        &root,
        "content/incidents/2024/2024-033.md",
        "---\ntitle: t\nid: \"2024-033\"\ndate: 2024-01-30\norganization: o\n---\n\n## 経緯\n",
    );
    write(
        &root,
        "content/articles/guide.md",
        "---\ntitle: g\ndate: 2024-02-01\n---\n\n<p><a href='/cb/incidents/raw-missing/'>raw</a> <img src=\"/cb/style.css\" srcset=\"/cb/style.css 1x, /cb/nothing.png 2x\"></p>\n\n\
         [ok](https://example.org/cb/incidents/2024-033/#経緯) [abs](https://EXAMPLE.org/cb/incidents/nothing/) [main](https://example.org/about/)\n\n\
         本文に <a href=\"#ない\">インライン</a>。\n",
    );
    let r = check(&root, &[]);
    r.expect_status(1);
    let site_lacks = "which the site does not have, expected a page, feed or static file of this site";
    assert_diags(
        &r,
        &[
            ("content/articles/guide.md", 6, 13, &format!("links to `/cb/incidents/raw-missing/`, {site_lacks}")),
            ("content/articles/guide.md", 6, 100, &format!("links to `/cb/nothing.png`, {site_lacks}")),
            (
                "content/articles/guide.md",
                8,
                53,
                &format!("links to `https://EXAMPLE.org/cb/incidents/nothing/`, {site_lacks}"),
            ),
            (
                "content/articles/guide.md",
                10,
                14,
                "links to `#ない`, but that page has no element with id `ない`, expected one of its heading ids (it has none)",
            ),
        ],
    );
}

/// A link to a page written in another case or Unicode form than its URL (a slug is made a key,
/// as terms are) is told the URL it meant.
#[test]
fn check_suggests_the_normalized_url_a_link_meant() {
    let (_tmp, root) = linked_site("check-twin");
    write(
        &root,
        "content/incidents/2024/moveit.md",
        "---\ntitle: t\ndate: 2024-01-30\norganization: o\nslug: MOVEit-CVE\ntags: [VPN]\n---\n\n## 経緯\n",
    );
    write(
        &root,
        "content/articles/guide.md",
        "---\ntitle: g\ndate: 2024-02-01\n---\n\n[a](/incidents/MOVEit-CVE/#経緯) [b](/tags/VPN/) [c](/tags/ＶＰＮ/) [d](/tags/nothing/)\n",
    );
    let r = check(&root, &[]);
    r.expect_status(1);
    let lacks = "which the site does not have, expected a page, feed or static file of this site";
    assert_diags(
        &r,
        &[
            (
                "content/articles/guide.md",
                6,
                1,
                &format!(
                    "links to `/incidents/MOVEit-CVE/#経緯`, {lacks} (did you mean `/incidents/moveit-cve/#経緯`?)"
                ),
            ),
            (
                "content/articles/guide.md",
                6,
                32,
                &format!("links to `/tags/VPN/`, {lacks} (did you mean `/tags/vpn/`?)"),
            ),
            (
                "content/articles/guide.md",
                6,
                48,
                &format!("links to `/tags/ＶＰＮ/`, {lacks} (did you mean `/tags/vpn/`?)"),
            ),
            ("content/articles/guide.md", 6, 64, &format!("links to `/tags/nothing/`, {lacks}")),
        ],
    );
}

/// With `--root DIR` given relative, a file that is a link to nowhere or to itself (which no
/// `exists()` sees) is named under DIR as every other file is, whether the walk of the content
/// or of `static/` finds it; a problem of no file (a base URL without a host) names no file.
#[cfg(unix)]
#[test]
fn paths_of_links_to_nowhere_lead_from_the_working_directory_too() {
    let tmp = TempDir::new("cli-here-links");
    let repo = tmp.path().to_path_buf();
    let (_t, site) = linked_site("cli-here-links-site");
    copy_dir(&site, &repo.join("site"));
    let r = run_in(&repo, &["build", "--root", "site"]);
    r.success();
    assert!(r.stderr.starts_with("casebook: warning: the base URL `/` "), "{}", r.stderr);

    let link = |target: &str, at: &str| std::os::unix::fs::symlink(target, repo.join("site").join(at)).unwrap();
    link("nowhere.md", "content/articles/gone.md");
    link("self.md", "content/articles/self.md");
    link("nowhere.png", "static/gone.png");
    write(&repo.join("site"), "content/articles/bad.md", "---\ntitle: x\n---\n");
    for command in ["build", "check"] {
        let r = run_in(&repo, &[command, "--root", "site"]);
        r.expect_status(1);
        for file in
            ["content/articles/bad.md:2:1", "content/articles/gone.md", "content/articles/self.md", "static/gone.png"]
        {
            let named = r.stderr.lines().any(|l| l.starts_with(&format!("site/{file}: error: ")));
            assert!(named, "{command}: `{file}` is not named under site/:\n{}", r.stderr);
        }
    }
}

/// The URL a link meant is found whichever Unicode form the link and the file on disk are in (a
/// bundle's file saved by macOS in NFD, `カ` + U+3099 for `ガ`, linked as typed in NFC, and the
/// reverse), and for a directory's link without its slash in another case or form too.
#[test]
fn check_suggests_the_url_a_link_meant_across_unicode_forms_and_without_a_slash() {
    let (_tmp, root) = linked_site("check-twin-forms");
    let index = "---\ntitle: 図\ndate: 2024-02-02\n---\n\n![NFC](ガ.png) ![NFD](\u{30cf}\u{309a}.png)\n\n[c](/tags/DDoS) [d](/tags/ＤＤｏＳ#x)\n\n[e](/tags/ddos/page/1/) [f](/page/1)\n";
    write(&root, "content/articles/figs/index.md", index);
    write(&root, "content/articles/figs/\u{30ab}\u{3099}.png", "NFD on disk");
    write(&root, "content/articles/figs/\u{30d1}.png", "NFC on disk");
    let r = check(&root, &[]);
    r.expect_status(1);
    let lacks = "which the site does not have, expected a page, feed or static file of this site";
    let file = "content/articles/figs/index.md";
    assert_diags(
        &r,
        &[
            (
                file,
                6,
                1,
                &format!("links to `ガ.png`, {lacks} (did you mean `/articles/figs/%E3%82%AB%E3%82%99.png`?)"),
            ),
            (
                file,
                6,
                15,
                &format!("links to `\u{30cf}\u{309a}.png`, {lacks} (did you mean `/articles/figs/%E3%83%91.png`?)"),
            ),
            (file, 8, 1, &format!("links to `/tags/DDoS`, {lacks} (did you mean `/tags/ddos/`?)")),
            (file, 8, 17, &format!("links to `/tags/ＤＤｏＳ#x`, {lacks} (did you mean `/tags/ddos/#x`?)")),
            // A list's first page is the list's own URL.
            (file, 10, 1, &format!("links to `/tags/ddos/page/1/`, {lacks} (did you mean `/tags/ddos/`?)")),
            (file, 10, 25, &format!("links to `/page/1`, {lacks} (did you mean `/`?)")),
        ],
    );
}

/// A link to a draft's bundle file, to a draft's alias, or to a draft's page without its slash
/// is told it is a draft's, as a link to the draft's page is: not that the site lacks it.
#[test]
fn check_says_a_link_to_a_drafts_file_alias_or_page_without_its_slash_is_a_drafts() {
    let (_tmp, root) = linked_site("check-draft-links");
    write(
        &root,
        "content/incidents/2024/draft-slug/index.md",
        "---\ntitle: 下書き\ndate: 2024-05-01\norganization: o\nslug: draft-slug\ndraft: true\naliases: [/old/draft/]\n---\n\n本文。\n",
    );
    write(&root, "content/incidents/2024/draft-slug/fig.png", "png");
    write(
        &root,
        "content/articles/points.md",
        "---\ntitle: 案内\ndate: 2024-05-02\n---\n\n[a](/incidents/draft-slug/fig.png) [b](/old/draft/) [c](/incidents/draft-slug) [d](/incidents/draft-slug/)\n[e](/incidents/draft-slug/nope.png)\n",
    );
    let r = check(&root, &[]);
    r.expect_status(1);
    let file = "content/articles/points.md";
    let draft = "(content/incidents/2024/draft-slug/index.md), which is published only with `--drafts`";
    assert_diags(
        &r,
        &[
            (
                file,
                6,
                1,
                &format!(
                    "links to `/incidents/draft-slug/fig.png`, a file of a draft's page bundle {draft}, expected a published file"
                ),
            ),
            (file, 6, 36, &format!("links to `/old/draft/`, an alias of a draft {draft}, expected a published page")),
            (
                file,
                6,
                53,
                &format!("links to `/incidents/draft-slug`, the page of a draft {draft}, expected a published page"),
            ),
            (
                file,
                6,
                80,
                &format!("links to `/incidents/draft-slug/`, the page of a draft {draft}, expected a published page"),
            ),
            (file, 7, 1, &format!("links to `/incidents/draft-slug/nope.png`, {MISSING}")),
        ],
    );
    // With --drafts they are published: only the page without its slash and the file the
    // bundle lacks are wrong.
    let r = check(&root, &["--drafts"]);
    r.expect_status(1);
    let at: Vec<(usize, usize)> = r.diagnostics().iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(at, [(6, 53), (7, 1)], "{}", r.stderr);
}

/// `new` refuses an incident title that begins with the site's own series label, compared as
/// `check` compares it (NFKC, after leading spaces): what `new` writes, `check` passes.
#[test]
fn new_refuses_a_title_with_the_sites_series_label_as_check_does() {
    let (_tmp, root) = empty_site("new-label", "[book]\ntitle = \"t\"\n\n[series]\nlabel = \"事件簿Ｘ\"\n");
    let before = snapshot(&root);
    for title in ["【事件簿X#2024-033】不正アクセス", " 【事件簿Ｘ#1】不正アクセス"] {
        let r = run(&root, &["new", "incident", "--organization", "o", title]);
        r.expect_status(2);
        assert!(r.stderr.contains("begins with the series label `【事件簿X#"), "{title}: {}", r.stderr);
        assert_eq!(snapshot(&root), before, "{title}: nothing written");
    }
    // Another site's label is text of the title here.
    let r = run(&root, &["new", "incident", "--organization", "o", "【セキュリティ事件簿#2024-033】の続報"]);
    r.success();
    check(&root, &[]).success();
}
