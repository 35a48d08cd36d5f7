//! `aliases` in front matter: redirect pages at an entry's old URLs. Where they are written and
//! what they hold, what they are left out of, every alias that is not a site path and every
//! alias in the way of something as an error at its line, `check`, drafts and a theme's
//! `alias.html`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const GUIDE: &str = "content/articles/guide.md";
const LEGACY: &str = "content/incidents/2024/Legacy Report.md";

/// The basic fixture (`base_url = "https://example.org/cb/"`, `per_page = 2`) with `lines`
/// added to the front matter of `rel` after its first line.
fn with_front_matter(root: &Path, rel: &str, lines: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    std::fs::write(&p, format!("{first}\n{lines}{rest}")).unwrap();
}

fn site(edits: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let (tmp, root) = site_from_fixture("basic");
    for (rel, lines) in edits {
        with_front_matter(&root, rel, lines);
    }
    (tmp, root)
}

/// 1-based line of `needle` in the file `rel` under `root`.
#[track_caller]
fn line_in(root: &Path, rel: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(root.join(rel)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("`{needle}` not in {rel}")) + 1
}

/// The diagnostic at `rel:line` whose message holds every needle.
#[track_caller]
fn expect(r: &Run, rel: &str, line: usize, needles: &[&str]) -> Diag {
    r.diagnostics()
        .into_iter()
        .find(|d| d.path == rel && d.line == line && needles.iter().all(|n| d.message.contains(n)))
        .unwrap_or_else(|| panic!("no error at {rel}:{line} with {needles:?} in:\n{}", r.stderr))
}

/// The href of `<link rel="canonical">` and the content of the refresh, as written.
fn redirect_of(html: &str) -> (String, String) {
    let value = |start: &str| {
        let from = html.find(start).unwrap_or_else(|| panic!("no `{start}` in {html}")) + start.len();
        html[from..].split('"').next().unwrap_or_default().to_string()
    };
    (value("<link rel=\"canonical\" href=\""), value("<meta http-equiv=\"refresh\" content=\""))
}

/// Aliases are taken under the base path: `/cb/old/` for `https://example.org/cb/` would be
/// published at `/cb/cb/old/`, where no old link points.
#[test]
fn an_alias_that_starts_with_the_base_path_is_an_error() {
    let (_tmp, root) = site(&[(GUIDE, "aliases: [/cb/old/, /cbx/, /cb]\n")]);
    let r = build(&root, &[]);
    r.expect_status(1);
    let old = ["`/cb/old/` starts with the base path `/cb/`", "published at `/cb/cb/old/`, expected `/old/`"];
    expect(&r, GUIDE, 2, &old);
    expect(&r, GUIDE, 2, &["`/cb` is the base path `/cb/` itself, the site's home page, expected no alias for it"]);
    assert_eq!(r.diagnostics().len(), 2, "`/cbx/` is not under `/cb/`: {}", r.stderr);
}

#[test]
fn redirect_pages_are_written_at_the_alias_paths_under_the_base_path() {
    let aliases = "aliases:\n  - /old-guide/\n  - articles/guide.html\n  - /旧記事/ガイド/\n  - \"/%E6%97%A7/x.htm\"\n";
    let (_tmp, root) = site(&[(GUIDE, aliases)]);
    let r = build(&root, &[]);
    r.success();
    // Entries are counted as before: an alias is no entry.
    assert!(r.stdout.starts_with("built 8 entries into "), "{}", r.stdout);
    let out = root.join("public");
    for rel in ["old-guide/index.html", "articles/guide.html", "旧記事/ガイド/index.html", "旧/x.htm"] {
        assert!(out.join(rel).is_file(), "{rel} not written");
        let html = read(&out, rel);
        let (canonical, refresh) = redirect_of(&html);
        assert_eq!(canonical, "https://example.org/cb/articles/ransomware-guide/", "{rel}");
        assert_eq!(refresh, "0; url=/cb/articles/ransomware-guide/", "{rel}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"), "{html}");
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(html.contains("<title>ランサムウェア対策の基本"), "{html}");
        assert!(html.contains("このページは移動しました"));
        assert!(html.contains("<a href=\"/cb/articles/ransomware-guide/\">ランサムウェア対策の基本</a>"), "{html}");
    }
    // Nowhere else: not in the sitemap, the feeds, the search index or the dataset.
    for (rel, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        if rel.ends_with(".xml") || rel.ends_with(".json") || rel.ends_with(".csv") || rel.ends_with(".bin") {
            for needle in ["old-guide", "guide.html", "x.htm", &enc("旧記事"), "旧記事"] {
                assert!(!text.contains(needle), "{rel} mentions the alias {needle}");
            }
        }
    }
    // The entry's own page is where it was.
    assert!(out.join("articles/ransomware-guide/index.html").is_file());
}

#[test]
fn an_incident_that_got_an_id_redirects_from_its_old_slug() {
    // The use case: `Legacy Report.md` was at /incidents/legacy-report/; it gets an id.
    let (_tmp, root) = site(&[(LEGACY, "id: 2024-045\naliases: [/incidents/legacy-report/]\n")]);
    build(&root, &["--base-url", "/"]).success();
    let html = read(&root.join("public"), "incidents/legacy-report/index.html");
    let (canonical, refresh) = redirect_of(&html);
    assert_eq!((canonical.as_str(), refresh.as_str()), ("/incidents/2024-045/", "0; url=/incidents/2024-045/"));
    assert!(
        html.contains("【テスト事件簿#2024-045】番号のない古い形式の事件") || html.contains("#2024-045】"),
        "{html}"
    );
}

#[test]
fn front_matter_cannot_inject_markup_into_a_redirect_page() {
    let (_tmp, root) = site(&[]);
    write(
        &root,
        "content/articles/x.md",
        "---\ntitle: \"</title><script>alert(1)</script>\\\" onload=\\\"x\"\ndate: 2024-01-01\nslug: x\naliases: [/old-x/]\n---\n本文\n",
    );
    build(&root, &[]).success();
    let html = read(&root.join("public"), "old-x/index.html");
    assert!(!html.contains("<script>") && !html.contains("\" onload"), "{html}");
    assert!(html.contains("&lt;&#x2F;title&gt;") || html.contains("&lt;/title&gt;"), "{html}");
    assert_eq!(redirect_of(&html).1, "0; url=/cb/articles/x/");
}

#[test]
fn aliases_that_are_not_site_paths_are_errors_at_their_lines() {
    let items = [
        ("\"\"", "is empty"),
        ("https://example.org/old/", "scheme `https:`"),
        ("javascript:alert(1)", "scheme `javascript:`"),
        ("//example.org/old/", "names a host"),
        ("/old/?p=1", "query"),
        ("/old/#top", "fragment"),
        ("/a/../b/", "`..`"),
        ("/a/./b/", "`.`"),
        ("/a//b/", "empty segment"),
        ("'a\\b/'", "backslash"),
        ("\"/a\\tb/\"", "control character U+0009"),
        ("\"/a\\uFDD0b/\"", "noncharacter U+FDD0"),
        ("/a%EF%BF%BEb/", "noncharacter U+FFFE (encoded)"),
        ("/old.php", "not a page"),
        ("{a: b}", "is a map"),
    ];
    let lines: String = items.iter().map(|(v, _)| format!("  - {v}\n")).collect();
    let (_tmp, root) = site(&[(GUIDE, &format!("aliases:\n{lines}"))]);
    let r = build(&root, &[]);
    r.expect_status(1);
    for (i, (_, why)) in items.iter().enumerate() {
        // `aliases:` is line 2, the items follow.
        let d = expect(&r, GUIDE, 3 + i, &["`aliases`", why]);
        assert_eq!(d.column, 5, "{d:?}");
        assert!(d.message.contains("expected "), "{d:?}");
    }
    assert_eq!(r.diagnostics().len(), items.len(), "{}", r.stderr);
    assert!(!root.join("public").exists());

    // Not a list.
    let (_tmp, root) = site(&[(GUIDE, "aliases: /old/\n")]);
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, GUIDE, 2, &["`aliases` is a string, expected a list"]);
}

#[test]
fn aliases_in_the_way_of_anything_are_errors_and_the_output_is_kept() {
    let (_tmp, root) = site(&[]);
    build(&root, &[]).success();
    let before = read_tree(&root.join("public"));
    write(&root, "static/old/index.html", "static");
    with_front_matter(
        &root,
        GUIDE,
        "aliases:\n  - /articles/ransomware-guide/\n  - /incidents/2024-001/\n  - /tags/\n  - /page/2/\n  - /feed.xml/\n  - /search/\n  - /old/\n  - /moved/\n  - /%6Doved/\n  - /404.html\n",
    );
    with_front_matter(&root, LEGACY, "aliases: [/moved/index.html, /years/2024/]\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    let at = |needle: &str| line_in(&root, GUIDE, needle);
    expect(&r, GUIDE, at("/articles/ransomware-guide/"), &["is this entry's own URL"]);
    expect(
        &r,
        GUIDE,
        at("/incidents/2024-001/"),
        &["is the site's page `/incidents/2024-001/` (content/incidents/2024/2024-001.md)"],
    );
    expect(&r, GUIDE, at("/tags/"), &["is the site's page `/tags/`"]);
    expect(&r, GUIDE, at("/page/2/"), &["is the site's page `/page/2/`"]);
    expect(&r, GUIDE, at("/feed.xml/"), &["is under the site's file `/feed.xml`"]);
    expect(&r, GUIDE, at("/search/"), &["is the site's page `/search/`"]);
    expect(&r, GUIDE, at("/old/"), &["is the site's static file `/old/`"]);
    expect(&r, GUIDE, at("/404.html"), &["is the site's page `/404.html`"]);
    // The legacy report's `/moved/index.html` comes first; both of the guide's name it, each
    // quoted as written (the second encoded).
    for written in ["/moved/", "/%6Doved/"] {
        let message = format!("`aliases` item `{written}` is also the alias `/moved/index.html` of {LEGACY}:2");
        expect(&r, GUIDE, at(written), &[&message]);
    }
    expect(&r, LEGACY, 2, &["`/years/2024/`", "is the site's page"]);
    assert_eq!(r.diagnostics().len(), 11, "{}", r.stderr);
    assert_eq!(read_tree(&root.join("public")), before, "a failed build leaves the output as it was");

    // `check` finds the same problems.
    let c = run_in(&root, &["check", "--root", root.to_str().unwrap()]);
    c.expect_status(1);
    assert_eq!(c.diagnostics(), r.diagnostics());
}

#[test]
fn check_takes_a_link_to_an_alias_as_a_page() {
    let (_tmp, root) = site(&[(GUIDE, "aliases: [/old-guide/, /旧/ガイド.html]\n")]);
    let p = root.join("content/articles/2023-review.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        format!("{text}\n[旧](/cb/old-guide/) [旧2](/cb/{}/%E3%82%AC%E3%82%A4%E3%83%89.html)\n", enc("旧")),
    )
    .unwrap();
    run_in(&root, &["check", "--root", root.to_str().unwrap()]).success();
    // Without the alias the same link is broken.
    std::fs::write(&p, format!("{text}\n[旧](/cb/old-guide-2/)\n")).unwrap();
    let r = run_in(&root, &["check", "--root", root.to_str().unwrap()]);
    r.expect_status(1);
    assert!(r.stderr.contains("/cb/old-guide-2/"), "{}", r.stderr);
}

#[test]
fn a_drafts_aliases_count_only_when_drafts_are_built() {
    let (_tmp, root) = site(&[]);
    write(
        &root,
        "content/articles/draft.md",
        "---\ntitle: 下書き\ndate: 2024-01-01\ndraft: true\naliases: [/tags/, /draft-old/]\n---\n本文\n",
    );
    build(&root, &[]).success();
    assert!(!root.join("public/draft-old").exists());
    let r = build(&root, &["--drafts"]);
    r.expect_status(1);
    expect(&r, "content/articles/draft.md", 5, &["`/tags/`", "is the site's page"]);
    assert_eq!(r.diagnostics().len(), 1, "{}", r.stderr);
    // Fixed, the draft's alias is written with drafts and only then.
    let p = root.join("content/articles/draft.md");
    std::fs::write(&p, std::fs::read_to_string(&p).unwrap().replace("/tags/, ", "")).unwrap();
    build(&root, &["--drafts"]).success();
    assert_eq!(redirect_of(&read(&root.join("public"), "draft-old/index.html")).1, "0; url=/cb/articles/draft/");
}

#[test]
fn a_site_or_theme_alias_html_replaces_the_default() {
    let (_tmp, root) = site(&[(GUIDE, "aliases: [/old-guide/]\n")]);
    // A theme's, over the default.
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    std::fs::write(root.join("book.toml"), book.replace("[book]\n", "[book]\ntheme = \"mine\"\n")).unwrap();
    write(&root, "themes/mine/templates/alias.html", "theme: {{ entry.url }}\n");
    build(&root, &[]).success();
    assert_eq!(read(&root.join("public"), "old-guide/index.html"), "theme: /cb/articles/ransomware-guide/\n");
    // The site's, over the theme's.
    write(
        &root,
        "templates/alias.html",
        "<!DOCTYPE html><title>{{ entry.title }}</title><p>{{ page_kind }} {{ alias.url }} → {{ entry.url }}</p>\n",
    );
    build(&root, &[]).success();
    assert_eq!(
        read(&root.join("public"), "old-guide/index.html"),
        "<!DOCTYPE html><title>ランサムウェア対策の基本</title><p>alias /cb/old-guide/ → /cb/articles/ransomware-guide/</p>\n"
    );
    // A mistake in it is a template error at its line, naming the alias's page.
    write(&root, "templates/alias.html", "ok\n{{ entry.nope | upper }}\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = expect(&r, "templates/alias.html", 2, &["/cb/old-guide/"]);
    assert!(d.message.contains("on the page"), "{d:?}");
}

#[test]
fn redirect_pages_are_the_same_with_any_number_of_jobs() {
    let (tmp, root) = site(&[(GUIDE, "aliases: [/a/, /b.html, /旧/]\n"), (LEGACY, "aliases: [/c/]\n")]);
    let (one, two) = (tmp.join("one"), tmp.join("two"));
    build(&root, &["-q", "--jobs", "1", "--output", one.to_str().unwrap()]).success();
    build(&root, &["-q", "--jobs", "2", "--output", two.to_str().unwrap()]).success();
    let tree = read_tree(&one);
    assert!(tree.contains_key("旧/index.html") && tree.contains_key("c/index.html"));
    assert_eq!(tree, read_tree(&two));
}

/// An alias where a page bundle's file is copied is an error at the alias, once: the file is
/// the entry's own, the alias the newer mistake.
#[test]
fn an_alias_in_the_way_of_a_bundles_file_is_an_error_at_the_alias() {
    let (_tmp, root) = site_from_fixture("bundles");
    let guide = "content/articles/guide/index.md";
    with_front_matter(
        &root,
        guide,
        "aliases: [/articles/guide/img/diagram.svg/, /articles/guide/img/diagram.svg.html]\n",
    );
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(
        &r,
        guide,
        2,
        &[
            "`/articles/guide/img/diagram.svg/`",
            "is under the site's bundle file `/articles/guide/img/diagram.svg` (content/articles/guide/img/diagram.svg)",
        ],
    );
    assert_eq!(r.diagnostics().len(), 1, "{}", r.stderr);
    // The other alias takes no path of the site.
    let text = std::fs::read_to_string(root.join(guide)).unwrap().replace("/articles/guide/img/diagram.svg/, ", "");
    std::fs::write(root.join(guide), text).unwrap();
    build(&root, &[]).success();
    let (canonical, _) = redirect_of(&read(&root.join("public"), "articles/guide/img/diagram.svg.html"));
    assert!(canonical.ends_with("/articles/guide/"), "{canonical}");
}
