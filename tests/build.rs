//! End-to-end tests of `casebook build` on the hand-written `tests/fixtures/basic` site (and on
//! the sample site at the repository root): the pages of SPEC §3, links, escaping, feeds,
//! sitemap, drafts, flags and determinism.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

const BASE: &str = "/cb/";
const ORIGIN: &str = "https://example.org";
const ABS: &str = "https://example.org/cb/";

/// A fresh copy of the basic fixture, built with `extra` flags. Returns the guard, the site
/// root and the output directory.
fn built(extra: &[&str]) -> (TempDir, PathBuf, PathBuf) {
    let (tmp, root) = site_from_fixture("basic");
    build(&root, extra).success();
    let out = root.join("public");
    (tmp, root, out)
}

/// The output of the basic fixture built once with default flags, shared by the tests that only
/// read it (building it once per test made the suite several times slower).
fn shared() -> PathBuf {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(tmp).unwrap();
        // Remove what earlier runs of this test binary left (statics are never dropped).
        for e in std::fs::read_dir(tmp).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("casebook-shared-basic-") {
                let ours = pid == std::process::id().to_string();
                let running = Path::new("/proc").join(pid).exists();
                if ours || !running {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = tmp.join(format!("casebook-shared-basic-{}", std::process::id()));
        let root = dir.join("site");
        copy_dir(&fixture("basic"), &root);
        build(&root, &[]).success();
        root.join("public")
    })
    .clone()
}

/// The entries a list page shows, in order: links to entry pages inside headings (every card
/// has its title as a heading), so that links in summaries or fact lines do not count.
fn card_urls(html: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find("<h") {
        rest = &rest[p + 2..];
        if !rest.starts_with(|c: char| ('1'..='6').contains(&c)) {
            continue;
        }
        let end = rest.find("</h").unwrap_or(rest.len());
        for href in attr_values(&rest[..end], "href") {
            if is_entry_url(href) {
                v.push(href.to_string());
            }
        }
        rest = &rest[end..];
    }
    v
}

fn is_entry_url(href: &str) -> bool {
    href.starts_with(&format!("{BASE}incidents/")) || href.starts_with(&format!("{BASE}articles/"))
}

/// The `<main>` part of a page, so that navigation and footers do not satisfy an assertion.
fn main_of(html: &str) -> &str {
    between(html, "<main", "</main>")
}

fn incident_url(slug: &str) -> String {
    format!("{BASE}incidents/{slug}/")
}

fn term_url(path: &str, key: &str) -> String {
    format!("{BASE}{path}/{}/", enc(key))
}

// ---------------------------------------------------------------------------------------------
// The fixture itself

#[test]
fn fixture_is_what_the_tests_assume() {
    let f = fixture("basic");
    assert!(!f.join("templates").exists(), "the basic fixture must use the built-in theme");
    assert!(!f.join("public").exists(), "the fixture must not hold output");
    let bytes = std::fs::read(f.join("content/incidents/2024/2024-002.md")).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf---\r\n"), "2024-002.md must start with a BOM and use CRLF");
    assert!(!String::from_utf8(bytes).unwrap().replace("\r\n", "").contains('\n'), "2024-002.md: every line CRLF");
}

// ---------------------------------------------------------------------------------------------
// Success, and the pages of SPEC §3

#[test]
fn build_succeeds_with_one_summary_line() {
    let (_tmp, root) = site_from_fixture("basic");
    let r = build(&root, &[]);
    r.success();
    assert_eq!(r.stdout.lines().count(), 1, "one summary line on stdout, got:\n{}", r.stdout);
    assert!(r.stdout.contains("8 entries"), "summary should count the 8 published entries: {}", r.stdout);
    assert!(r.stderr.trim().is_empty(), "nothing on stderr for a clean build, got:\n{}", r.stderr);
    // --timings adds one line.
    let r = build(&root, &["--timings"]);
    r.success();
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.lines().nth(1).unwrap().starts_with("timings"), "{}", r.stdout);
    // -q prints nothing.
    let r = build(&root, &["-q"]);
    r.success();
    assert!(r.stdout.trim().is_empty(), "-q should print nothing, got: {}", r.stdout);
}

#[test]
fn every_page_of_the_url_layout_exists() {
    let out = shared();
    let expected = [
        "index.html",
        "page/2/index.html",
        "page/3/index.html",
        "page/4/index.html",
        // Incidents: numbered (slug = id), unnumbered (slug = file stem, lowercased, space → -).
        "incidents/2023-101/index.html",
        "incidents/2023-102/index.html",
        "incidents/2024-001/index.html",
        "incidents/2024-002/index.html",
        "incidents/2024-003/index.html",
        "incidents/legacy-report/index.html",
        // Articles: `slug:` wins over the file stem.
        "articles/ransomware-guide/index.html",
        "articles/2023-review/index.html",
        "years/index.html",
        "years/2023/index.html",
        "years/2023/page/2/index.html",
        "years/2024/index.html",
        "years/2024/page/2/index.html",
        "years/2024/page/3/index.html",
        "tags/index.html",
        "attacks/index.html",
        "sectors/index.html",
        "organizations/index.html",
        "data-types/index.html",
        // Term directories keep their Unicode.
        "tags/ランサムウェア/index.html",
        "tags/ランサムウェア/page/2/index.html",
        "tags/ecサイト/index.html",
        "tags/ddos/index.html",
        "tags/ddos/page/2/index.html",
        "tags/クラウド-設定ミス/index.html",
        "tags/ci-cd/index.html",
        "tags/a&b/index.html",
        "tags/解説/index.html",
        "attacks/不正アクセス/index.html",
        "attacks/不正アクセス/page/2/index.html",
        "attacks/ランサムウェア/index.html",
        "sectors/医療/index.html",
        "sectors/小売/index.html",
        "organizations/株式会社テスト商事/index.html",
        "organizations/某病院/index.html",
        "data-types/氏名/index.html",
        "data-types/クレジットカード番号/index.html",
        "tags/ddos/feed.xml",
        "tags/ランサムウェア/feed.xml",
        "organizations/株式会社テスト商事/feed.xml",
        "series/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "style.css",
    ];
    let missing: Vec<&str> = expected.iter().copied().filter(|p| !out.join(p).is_file()).collect();
    assert!(missing.is_empty(), "missing pages: {missing:#?}");

    let absent = [
        "page/5/index.html",
        "page/1/index.html",
        "years/2023/page/3/index.html",
        "years/2022/index.html",
        "incidents/guide/index.html",
        "articles/guide/index.html",
        "incidents/Legacy Report/index.html",
        // Width/case variants are one term, at the folded key only.
        "tags/ＤＤｏＳ/index.html",
        "tags/DDoS/index.html",
        "tags/ddos/page/3/index.html",
    ];
    let present: Vec<&str> = absent.iter().copied().filter(|p| out.join(p).exists()).collect();
    assert!(present.is_empty(), "pages that should not exist: {present:#?}");
}

#[test]
fn pages_are_japanese_and_complete_documents() {
    let out = shared();
    let tree = read_tree(&out);
    let mut pages = 0;
    for (path, bytes) in &tree {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}: no doctype");
        assert!(html.contains("<html lang=\"ja\">"), "{path}: no lang=\"ja\"");
        assert!(html.contains("<meta charset=\"utf-8\">"), "{path}: no charset");
        assert!(html.trim_end().ends_with("</html>"), "{path}: truncated");
        assert!(html.contains("<title>") && html.contains("テスト事件簿</title>"), "{path}: no site title in <title>");
        assert!(html.contains(&format!("href=\"{BASE}style.css\"")), "{path}: stylesheet not under the base path");
    }
    assert!(pages >= 50, "only {pages} HTML pages");
}

#[test]
fn home_lists_newest_first_and_paginates() {
    let out = shared();
    let pages = [
        ("index.html", ["incidents/2024-003/", "incidents/legacy-report/"]),
        ("page/2/index.html", ["articles/ransomware-guide/", "incidents/2024-002/"]),
        ("page/3/index.html", ["incidents/2024-001/", "articles/2023-review/"]),
        ("page/4/index.html", ["incidents/2023-102/", "incidents/2023-101/"]),
    ];
    for (page, want) in pages {
        let html = read(&out, page);
        let got = card_urls(main_of(&html));
        let want: Vec<String> = want.iter().map(|w| format!("{BASE}{w}")).collect();
        assert_eq!(got, want, "cards on {page}");
        assert!(html.contains("全8件"), "{page}: total count");
    }
    let home = read(&out, "index.html");
    assert!(home.contains(&format!("href=\"{BASE}page/2/\" rel=\"next\"")), "home links to page 2");
    assert!(!home.contains("rel=\"prev\""), "the first page has no previous page");
    let p2 = read(&out, "page/2/index.html");
    assert!(p2.contains(&format!("href=\"{BASE}\" rel=\"prev\"")), "page 2 links back to the home page: {p2}");
    assert!(p2.contains(&format!("href=\"{BASE}page/3/\" rel=\"next\"")));
    let p4 = read(&out, "page/4/index.html");
    assert!(!p4.contains("rel=\"next\""), "the last page has no next page");
    assert!(p4.contains("4 / 4 ページ"));

    // Cards sit under year headings, newest first, one heading level below them.
    let p3 = read(&out, "page/3/index.html");
    let main = main_of(&p3);
    let (y2024, y2023) =
        (main.find("id=\"year-2024\"").expect("2024 group"), main.find("id=\"year-2023\"").expect("2023 group"));
    let (new, old) = (main.find("incidents/2024-001/").unwrap(), main.find("articles/2023-review/").unwrap());
    assert!(y2024 < new && new < y2023 && y2023 < old, "each card under its year: {main}");
    assert!(main.contains(&format!("<a href=\"{BASE}years/2024/\">2024年</a></h2>")), "the heading links the year");
    assert_eq!(count(main, "<h3 class=\"card__title\">"), 2);
    assert_eq!(count(main, "<h2 class=\"card__title\">"), 0);
}

#[test]
fn every_internal_link_resolves() {
    let out = shared();
    let r = assert_links_resolve(&out, BASE, ORIGIN);
    // Sanity: the checker really saw the fixture's links, including a fragment in a body link.
    assert!(r.checked > 500, "only {} internal links checked", r.checked);
    let p = read(&out, "incidents/2023-102/index.html");
    assert!(p.contains(&format!("href=\"{BASE}incidents/2023-101/#factbox-title\"")));
}

#[test]
fn link_checker_catches_broken_links() {
    // The checker must itself fail on a missing page and on a missing fragment.
    let tmp = TempDir::new("linkcheck");
    let out = tmp.path();
    write(out, "index.html", "<a href=\"/cb/a/\">a</a> <a href=\"/cb/b/#nope\">b</a> <a href=\"/cb/%E3%83%A9/\">c</a>");
    write(out, "b/index.html", "<h1 id=\"yes\">b</h1>");
    write(out, "ラ/index.html", "<p>ok</p> <a href=\"#missing\">x</a> <img src=\"https://example.com/x.png\">");
    let r = check_links(out, BASE, ORIGIN);
    assert_eq!(r.checked, 4);
    assert_eq!(r.broken.len(), 1, "{}", r.summary());
    assert!(r.broken[0].contains("a/index.html"));
    assert_eq!(r.missing_fragments.len(), 2, "{}", r.summary());
}

#[test]
fn no_empty_or_non_http_hrefs() {
    // Links to pages that do not exist yet (stats, search, term feeds) must not be rendered as
    // `href=""`, which silently points at the current page.
    let out = shared();
    let r = check_links(&out, BASE, ORIGIN);
    assert!(
        r.empty.is_empty() && r.suspicious.is_empty(),
        "{} empty and {} non-internal, non-http(s) hrefs:\n{}",
        r.empty.len(),
        r.suspicious.len(),
        r.summary()
    );
}

// ---------------------------------------------------------------------------------------------
// Incident pages

#[test]
fn incident_page_has_label_and_fact_box() {
    let out = shared();
    let html = read(&out, "incidents/2023-101/index.html");
    assert!(
        html.contains(
            "<title>【セキュリティ事件簿#2023-101】テスト商事の通販サイトで不正アクセス（第1報） | テスト事件簿</title>"
        ),
        "series label in <title>"
    );
    let h1 = between(&html, "<h1", "</h1>");
    assert!(
        h1.contains("【セキュリティ事件簿#2023-101】") && h1.contains("テスト商事の通販サイトで不正アクセス（第1報）"),
        "{h1}"
    );

    let facts = between(&html, "class=\"factbox\"", "</section>");
    let org = term_url("organizations", "株式会社テスト商事");
    assert!(facts.contains(&format!("<a href=\"{org}\">株式会社テスト商事</a>")), "organization: {facts}");
    assert!(facts.contains("<time datetime=\"2023-03-09\">2023年3月9日</time>"), "disclosed: {facts}");
    assert!(
        facts.contains(
            "<time datetime=\"2023-01-05\">2023年1月5日</time>〜<time datetime=\"2023-02-20\">2023年2月20日</time>"
        ),
        "occurred period: {facts}"
    );
    assert!(facts.contains(">2,726</data>件"), "affected with digit grouping: {facts}");
    assert!(facts.contains("value=\"2726\""), "machine-readable affected count");
    for d in ["氏名", "クレジットカード番号"] {
        assert!(facts.contains(&format!("<a href=\"{}\">{d}</a>", term_url("data-types", d))), "data {d}");
    }
    assert!(facts.contains(&format!("<a href=\"{}\">不正アクセス</a>", term_url("attacks", "不正アクセス"))));
    assert!(facts.contains(&format!("<a href=\"{}\">小売</a>", term_url("sectors", "小売"))));
    assert!(facts.contains("<a href=\"https://example.com/release-101.pdf\" rel=\"external noopener\">公式発表</a>"));

    // Body, summary marker removed, heading anchor, taxonomy links, year link, reading time.
    assert!(html.contains("<h2 id=\"詳細\">詳細</h2>"), "heading with a Japanese id");
    assert!(
        html.contains(&format!("<a href=\"{}\">ＤＤｏＳ</a>", term_url("tags", "ddos"))),
        "tag link, first writing"
    );
    assert!(html.contains(&format!("<a href=\"{}\">ECサイト</a>", term_url("tags", "ecサイト"))));
    assert!(html.contains(&format!("<a href=\"{BASE}years/2023/\">2023年の事件簿へ</a>")), "year link");
    assert!(html.contains("読了目安 約1分"), "reading time");
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{ABS}incidents/2023-101/\">")));

    // A single occurred date and a large count.
    let h = read(&out, "incidents/2024-003/index.html");
    assert!(h.contains("<dd><time datetime=\"2024-03-18\">2024年3月18日</time></dd>"), "single occurred date");
    assert!(h.contains(">85,000</data>件"));
    let h = read(&out, "incidents/2024-002/index.html");
    assert!(h.contains(">1,234,567</data>件"));
}

#[test]
fn incident_without_id_has_no_label_and_no_series_neighbours() {
    let out = shared();
    let html = read(&out, "incidents/legacy-report/index.html");
    assert!(!between(&html, "<h1", "</h1>").contains("【"), "no series label without an id");
    assert!(html.contains("<title>番号のない古い形式の事件 | テスト事件簿</title>"));
    assert!(html.contains("番号のない古い形式の事件"));
    assert!(!html.contains("rel=\"prev\"") && !html.contains("rel=\"next\""), "not in the numbered series");
    assert!(html.contains(&format!("<a href=\"{}\">クラウド 設定ミス</a>", term_url("tags", "クラウド-設定ミス"))));
    assert!(html.contains(&format!("<a href=\"{BASE}tags/ci-cd/\">CI/CD</a>")), "slash in a tag becomes -");
    let series = read(&out, "series/index.html");
    assert!(!series.contains("legacy-report"), "the series lists numbered incidents only");
}

#[test]
fn previous_and_next_follow_the_series_numbers() {
    let out = shared();
    let nav = |slug: &str| -> (Option<String>, Option<String>) {
        let html = read(&out, &format!("incidents/{slug}/index.html"));
        let find = |rel: &str| {
            let needle = format!("\" rel=\"{rel}\"");
            html.find(&needle).map(|end| {
                let start = html[..end].rfind("href=\"").unwrap() + 6;
                html[start..end].to_string()
            })
        };
        (find("prev"), find("next"))
    };
    let u = |s: &str| Some(incident_url(s));
    assert_eq!(nav("2023-101"), (None, u("2023-102")));
    assert_eq!(nav("2023-102"), (u("2023-101"), u("2024-001")));
    assert_eq!(nav("2024-001"), (u("2023-102"), u("2024-002")));
    assert_eq!(nav("2024-002"), (u("2024-001"), u("2024-003")));
    assert_eq!(nav("2024-003"), (u("2024-002"), None));
    let html = read(&out, "incidents/2024-001/index.html");
    assert!(html.contains("<span class=\"series-label\">【セキュリティ事件簿#2023-102】</span>テスト商事の不正アクセス（第2報）</span></a>"));
}

#[test]
fn follows_chain_is_shown_on_every_member() {
    let out = shared();
    let chain = ["2023-101", "2023-102", "2024-001"];
    for current in chain {
        let html = read(&out, &format!("incidents/{current}/index.html"));
        let ol = between(&html, "<ol class=\"chain\">", "</ol>");
        assert!(html.contains("<dt>続報</dt>"), "{current}: 続報 heading");
        let items: Vec<&str> = ol.split("<li").skip(1).collect();
        assert_eq!(items.len(), 3, "{current}: the whole chain, got {ol}");
        for (item, member) in items.iter().zip(chain) {
            let label = format!("【セキュリティ事件簿#{member}】");
            assert!(item.contains(&label), "{current}: chain out of order (oldest first): {ol}");
            if member == current {
                assert!(item.contains("aria-current=\"page\"") && item.contains("（この記事）"), "{current}: {item}");
                assert!(!item.contains("href="), "{current}: the current entry is not a link");
            } else {
                assert!(item.contains(&format!("href=\"{}\"", incident_url(member))), "{current}: link to {member}");
            }
        }
    }
    for alone in ["2024-002", "2024-003", "legacy-report"] {
        let html = read(&out, &format!("incidents/{alone}/index.html"));
        assert!(!html.contains("class=\"chain\""), "{alone} is in no chain");
    }
}

#[test]
fn related_entries_share_terms() {
    let out = shared();
    let related = |rel: &str| -> Vec<String> {
        let html = read(&out, rel);
        match html.find("<section class=\"related\"") {
            Some(p) => {
                let mut v: Vec<String> = Vec::new();
                for href in attr_values(between(&html[p..], "<section", "</section>"), "href") {
                    if is_entry_url(href) && !v.iter().any(|x| x == href) {
                        v.push(href.to_string());
                    }
                }
                v
            }
            None => Vec::new(),
        }
    };
    // 2023-101 shares organization, attack and ＤＤｏＳ with both later reports.
    let r = related("incidents/2023-101/index.html");
    assert_eq!(r[..2], [incident_url("2023-102"), incident_url("2024-001")], "{r:?}");
    assert!(r.len() <= 5);
    // 2024-003 shares attack+sector with 2024-002 and the tag ランサムウェア with the guide and 2023-102.
    let r = related("incidents/2024-003/index.html");
    assert_eq!(r.first(), Some(&incident_url("2024-002")), "most shared terms first: {r:?}");
    assert!(r.contains(&format!("{BASE}articles/ransomware-guide/")), "{r:?}");
    assert!(!r.contains(&incident_url("2024-003")), "never related to itself");
    // The article's related entries include incidents tagged ランサムウェア.
    let r = related("articles/ransomware-guide/index.html");
    assert!(r.contains(&incident_url("2024-003")) && r.contains(&incident_url("2023-102")), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// Articles, slugs, Markdown

#[test]
fn article_page() {
    let out = shared();
    let html = read(&out, "articles/ransomware-guide/index.html");
    assert!(html.contains("<title>ランサムウェア対策の基本 | テスト事件簿</title>"));
    assert!(!between(&html, "<h1", "</h1>").contains("【"), "articles carry no series label");
    assert!(!html.contains("class=\"factbox\""), "articles have no fact box");
    assert!(html.contains("<span class=\"badge badge--article\">記事</span>"));
    assert!(html.contains("<time datetime=\"2024-02-20\">2024年2月20日</time>"), "updated date");
    assert!(html.contains(&format!("<a href=\"{}\">解説</a>", term_url("tags", "解説"))));
    assert!(html.contains(&format!("<a href=\"{BASE}years/2024/\">2024年の事件簿へ</a>")));
    // East Asian line breaks: the soft break between two Japanese characters disappears.
    assert!(html.contains("オフラインのバックアップを取る。"), "soft break between CJK characters kept a space");
}

#[test]
fn bom_and_crlf_entry_is_built() {
    let out = shared();
    let html = read(&out, "incidents/2024-002/index.html");
    assert!(html.contains("【セキュリティ事件簿#2024-002】"));
    assert!(html.contains("<p>BOM と CRLF のファイル。</p>"), "CRLF body rendered, CJK soft break joined");
    assert!(!html.contains('\r'), "no carriage returns leak into the page");
    assert!(!html.contains('\u{feff}'), "no BOM leaks into the page");
}

/// Hidden files and directories under content/ are not entries (editors' lock and swap files
/// live there: Emacs's `.#entry.md` is a link to nowhere), and a link to nowhere that is not a
/// Markdown file is no error but a warning, in a page bundle or not (the picture it stood for is
/// not published); a Markdown link to nowhere still is an error.
#[cfg(unix)]
#[test]
fn hidden_files_and_dangling_non_entries_are_skipped() {
    let (_tmp, root) = site_from_fixture("basic");
    let dir = root.join("content/incidents/2024");
    std::os::unix::fs::symlink("editor@host.1234:1700000000", dir.join(".#2024-001.md")).unwrap();
    std::os::unix::fs::symlink("gone.png", dir.join("diagram.png")).unwrap();
    write(&root, "content/articles/bundle/index.md", "---\ntitle: 図解\ndate: 2024-01-02\n---\n\n![図](figure.png)\n");
    std::os::unix::fs::symlink("../../../shared/figure.png", root.join("content/articles/bundle/figure.png")).unwrap();
    write(&root, "content/.drafts/idea.md", "not front matter");
    write(&root, "content/incidents/2024/.2024-001.md.swp", "swap");
    write(&root, "content/incidents/2024/2024-001.md~", "backup");
    write(&root, "content/incidents/2024/#2024-001.md#", "autosave");
    write(&root, "content/articles/.hidden.md", "---\ntitle: 隠し\ndate: 2024-01-01\n---\n");
    let before = build(&root, &[]);
    before.success();
    assert!(!root.join("public/articles/hidden").exists(), "a hidden file became a page");
    let warnings: Vec<&str> = before.stderr.lines().filter(|l| l.contains(": warning: ")).collect();
    let not_copied = "warning: is not copied into the site: it is a symbolic link to";
    let expected = "which does not exist, expected a link to an existing file (or no link)";
    assert_eq!(
        warnings,
        [
            format!("content/articles/bundle/figure.png: {not_copied} ../../../shared/figure.png, {expected}"),
            format!("content/incidents/2024/diagram.png: {not_copied} gone.png, {expected}"),
        ],
        "{}",
        before.stderr
    );

    std::os::unix::fs::symlink("nowhere.md", dir.join("2024-099.md")).unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(
        r.stderr.contains(
            "content/incidents/2024/2024-099.md: error: is a symbolic link to nowhere.md, which does not exist"
        ),
        "{}",
        r.stderr
    );
    // Two links that lead to each other are a loop, not links to nothing.
    std::fs::remove_file(dir.join("2024-099.md")).unwrap();
    std::os::unix::fs::symlink("loop-b.png", dir.join("loop-a.png")).unwrap();
    std::os::unix::fs::symlink("loop-a.png", dir.join("loop-b.png")).unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    for link in ["loop-a.png", "loop-b.png"] {
        let message = format!("content/incidents/2024/{link}: error: is a symbolic link that leads back to itself");
        assert!(r.stderr.contains(&message), "{}", r.stderr);
    }
}

#[test]
fn summaries_use_the_more_marker_or_front_matter() {
    let out = shared();
    let page4 = read(&out, "page/4/index.html");
    assert!(
        page4.contains("決済画面の改ざんによりカード情報が漏えいした可能性がある。"),
        "summary before <!-- more -->"
    );
    assert!(!page4.contains("調査は継続中である。"), "text after <!-- more --> is not in the summary");
    let page3 = read(&out, "page/3/index.html");
    assert!(page3.contains("<p>一年の事件を振り返る &amp; 来年に備える</p>"), "front-matter summary, escaped once");
    assert!(!page3.contains("2023年の事件を振り返る。"), "a summary field replaces the first paragraph");
}

#[test]
fn archive_pages_show_compact_cards_and_home_pages_full_ones() {
    let out = shared();
    // The home page: the summary and the entry's tags on its card.
    let home = main_of(&read(&out, "page/4/index.html")).to_string();
    assert!(home.contains("決済画面の改ざんによりカード情報が漏えいした可能性がある。"));
    assert!(count(&home, "class=\"card__summary\"") > 0 && count(&home, "<ul class=\"tag-list\"") > 0);
    assert_eq!(count(&home, "card--compact"), 0);
    // The same entry on its year's and its terms' pages: title and facts only.
    for page in ["years/2024/page/3/index.html", "tags/ddos/index.html", "years/2023/index.html"] {
        let main = main_of(&read(&out, page)).to_string();
        let cards = count(&main, "<article class=\"card ");
        assert!(cards > 0, "{page} lists cards");
        assert_eq!(count(&main, " card--compact\">"), cards, "{page}: every card is compact");
        assert_eq!(count(&main, "card__summary"), 0, "{page} shows no summaries");
        assert_eq!(count(&main, "<ul class=\"tag-list\""), 0, "{page} lists no tags on cards");
        assert_eq!(count(&main, "<p class=\"card__meta\">"), cards, "{page}: each card keeps its facts");
    }
}

// ---------------------------------------------------------------------------------------------
// Lists: years, taxonomies, terms, series

#[test]
fn years_index_and_year_pages() {
    let out = shared();
    let years = read(&out, "years/index.html");
    let rows: Vec<&str> = between(&years, "<tbody>", "</tbody>").split("<tr>").skip(1).collect();
    assert_eq!(rows.len(), 2, "two years");
    let cells = |row: &str| -> Vec<String> {
        row.split("<td class=\"num\">").skip(1).map(|c| c.split("</td>").next().unwrap().to_string()).collect()
    };
    assert!(rows[0].contains(&format!("<a href=\"{BASE}years/2024/\">2024年</a>")), "newest year first");
    assert_eq!(cells(rows[0]), ["4", "1", "5", "1,319,567件"], "2024: incidents, articles, total, affected");
    assert!(rows[1].contains(&format!("<a href=\"{BASE}years/2023/\">2023年</a>")));
    assert_eq!(cells(rows[1]), ["2", "1", "3", "2,726件"]);

    let pages = [
        ("years/2024/index.html", vec!["incidents/2024-003/", "incidents/legacy-report/"]),
        ("years/2024/page/2/index.html", vec!["articles/ransomware-guide/", "incidents/2024-002/"]),
        ("years/2024/page/3/index.html", vec!["incidents/2024-001/"]),
        ("years/2023/index.html", vec!["articles/2023-review/", "incidents/2023-102/"]),
        ("years/2023/page/2/index.html", vec!["incidents/2023-101/"]),
    ];
    for (page, want) in pages {
        let html = read(&out, page);
        let want: Vec<String> = want.iter().map(|w| format!("{BASE}{w}")).collect();
        assert_eq!(card_urls(main_of(&html)), want, "{page}");
        assert!(html.contains(&format!("<a href=\"{BASE}years/\">← 年別一覧へ戻る</a>")), "{page} links back");
    }
    // A year's cards sit under month headings, newest first.
    let y2023 = read(&out, "years/2023/index.html");
    let main = main_of(&y2023);
    let (dec, may) = (main.find(">2023年12月</h2>").expect("December"), main.find(">2023年5月</h2>").expect("May"));
    let (review, may_incident) =
        (main.find("articles/2023-review/").unwrap(), main.find("incidents/2023-102/").unwrap());
    assert!(dec < review && review < may && may < may_incident, "each card under its month: {main}");
    assert_eq!(count(main, "<h3 class=\"card__title\">"), 2);

    let y2024 = read(&out, "years/2024/index.html");
    assert!(y2024.contains("2024年の記録は5件です（1 / 3 ページ）"));
    assert!(y2024.contains(&format!("href=\"{BASE}years/2024/page/2/\" rel=\"next\"")));
    assert!(y2024.contains(&format!("href=\"{BASE}years/2023/\">← 2023年")), "link to the older year");
}

#[test]
fn taxonomy_indexes_list_terms_with_counts() {
    let out = shared();
    let cases = [
        ("tags", "タグ", vec![("ddos", "ＤＤｏＳ", 3), ("ランサムウェア", "ランサムウェア", 3), ("ci-cd", "CI/CD", 1)]),
        ("attacks", "攻撃種別", vec![("不正アクセス", "不正アクセス", 3), ("ランサムウェア", "ランサムウェア", 2)]),
        ("sectors", "業種", vec![("医療", "医療", 2), ("小売", "小売", 1)]),
        ("organizations", "組織", vec![("株式会社テスト商事", "株式会社テスト商事", 3), ("某病院", "某病院", 1)]),
        ("data-types", "漏えいした情報", vec![("氏名", "氏名", 1), ("診療情報", "診療情報", 1)]),
    ];
    for (path, title, terms) in cases {
        let html = read(&out, &format!("{path}/index.html"));
        assert!(html.contains(&format!("<h1 class=\"page-title\">{title}</h1>")), "{path}: title");
        for (key, name, n) in terms {
            let item = format!(
                "<a href=\"{}\"><span class=\"term-cloud__name\">{name}</span> <span class=\"count\">{n}<",
                term_url(path, key)
            );
            assert!(html.contains(&item), "{path}: term {name} with count {n}");
        }
        assert!(html.contains(&format!("<a href=\"{BASE}\">← ホームへ戻る</a>")), "{path}: link back");
    }
    let tags = read(&out, "tags/index.html");
    assert_eq!(count(&tags, "class=\"term-cloud__name\">ＤＤｏＳ<"), 1, "ＤＤｏＳ/DDoS/ddos are one term");
    assert!(!tags.contains(">DDoS<") && !tags.contains(">ddos<"), "shown as first written only");
    assert!(tags.contains("11件のタグがあります"), "term count (drafts excluded)");
}

#[test]
fn term_pages_fold_width_and_case_and_keep_unicode() {
    let out = shared();
    let ddos = read(&out, "tags/ddos/index.html");
    assert!(ddos.contains("<span class=\"page-title__kicker\">タグ</span>ＤＤｏＳ</h1>"), "first writing is shown");
    assert!(ddos.contains("3件の記録があります（1 / 2 ページ）"));
    let main = main_of(&ddos);
    assert_eq!(card_urls(main), [incident_url("2024-001"), incident_url("2023-102")]);
    // Grouped by year, newest first.
    let (a, b) =
        (main.find("id=\"year-2024\"").expect("2024 group"), main.find("id=\"year-2023\"").expect("2023 group"));
    assert!(a < b);
    let ddos2 = read(&out, "tags/ddos/page/2/index.html");
    assert_eq!(card_urls(main_of(&ddos2)), [incident_url("2023-101")]);
    assert!(ddos2.contains(&format!("href=\"{BASE}tags/ddos/\" rel=\"prev\"")));
    assert!(ddos2.contains(&format!("<a href=\"{BASE}tags/\">← タグの一覧へ戻る</a>")), "link back to the taxonomy");

    // Unicode term: directory keeps Unicode, hrefs are percent-encoded.
    let ransom = read(&out, "tags/ランサムウェア/index.html");
    assert!(ransom.contains("<span class=\"page-title__kicker\">タグ</span>ランサムウェア</h1>"));
    let encoded = "/cb/tags/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/";
    assert!(ransom.contains(&format!("href=\"{encoded}\"")), "percent-encoded self link");
    let all = read_tree(&out);
    for (path, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        for href in attr_values(&text, "href") {
            assert!(!href.contains("ランサムウェア"), "{path}: unencoded href {href}");
        }
    }
    // Half-width katakana (2024-003 writes ﾗﾝｻﾑｳｪｱ) is the same term under NFKC.
    assert!(!out.join("tags/ﾗﾝｻﾑｳｪｱ").exists());
    assert!(ransom.contains("3件の記録があります"), "2023-102, the guide and 2024-003");
    let h = read(&out, "incidents/2024-003/index.html");
    assert!(h.contains(&format!("<a href=\"{encoded}\">ランサムウェア</a>")), "shown as first written");
    assert!(!h.contains("ﾗﾝｻﾑｳｪｱ"));
    // Whitespace becomes `-` in the key; the name keeps it.
    let spaced = read(&out, "tags/クラウド-設定ミス/index.html");
    assert!(spaced.contains("</span>クラウド 設定ミス</h1>"));
    assert_eq!(card_urls(main_of(&spaced)), [incident_url("legacy-report")]);
    let slash = read(&out, "tags/ci-cd/index.html");
    assert!(slash.contains("</span>CI/CD</h1>"));
}

#[test]
fn series_page_lists_numbered_incidents_by_number() {
    let out = shared();
    let html = read(&out, "series/index.html");
    assert!(html.contains("全5件"));
    let ids: Vec<&str> =
        html.split("<span class=\"series-list__id\">#").skip(1).map(|s| s.split('<').next().unwrap()).collect();
    assert_eq!(
        ids,
        ["2024-001", "2024-002", "2024-003", "2023-101", "2023-102"],
        "years newest first, numbers ascending"
    );
    for id in &ids {
        assert!(html.contains(&format!("<a href=\"{}\">", incident_url(id))), "link to {id}");
    }
    assert!(html.contains("<a href=\"#series-2023\">2023年</a>") && html.contains("id=\"series-2023\""));
}

#[test]
fn not_found_page() {
    let out = shared();
    let html = read(&out, "404.html");
    assert!(html.contains("ページが見つかりません"));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(html.contains(&format!("<a href=\"{BASE}\">")), "links home under the base path");
}

// ---------------------------------------------------------------------------------------------
// Drafts

#[test]
fn drafts_are_skipped_without_the_flag() {
    let out = shared();
    assert!(!out.join("incidents/2024-004").exists());
    assert!(!out.join("tags/下書きタグ").exists());
    assert!(!out.join("organizations/下書き株式会社").exists());
    assert!(!out.join("page/5").exists());
    for (path, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("下書き") && !text.contains("2024-004"), "{path} mentions the draft");
    }
}

#[test]
fn drafts_are_built_with_the_flag() {
    let (_tmp, _root, out) = built(&["--drafts"]);
    let html = read(&out, "incidents/2024-004/index.html");
    assert!(html.contains("【セキュリティ事件簿#2024-004】下書きの事件"));
    assert!(out.join("tags/下書きタグ/index.html").is_file());
    assert!(out.join("page/5/index.html").is_file(), "9 entries, 2 a page");
    assert!(read(&out, "index.html").contains(&incident_url("2024-004")), "the newest entry is the draft");
    assert!(read(&out, "feed.xml").contains(&format!("{ABS}incidents/2024-004/")));
    assert!(read(&out, "sitemap.xml").contains(&format!("{ABS}incidents/2024-004/")));
    assert!(read(&out, "series/index.html").contains("#2024-004"));
    // And it joins the series: 2024-003 now has a next.
    assert!(
        read(&out, "incidents/2024-003/index.html")
            .contains(&format!("href=\"{}\" rel=\"next\"", incident_url("2024-004")))
    );
    assert_links_resolve(&out, BASE, ORIGIN);
}

// ---------------------------------------------------------------------------------------------
// Escaping (SPEC §5)

#[test]
fn front_matter_is_escaped_everywhere() {
    let out = shared();
    let tree = read_tree(&out);
    let mut escaped_seen = 0;
    for (path, bytes) in &tree {
        let text = String::from_utf8_lossy(bytes);
        let lower = text.to_ascii_lowercase();
        // The dataset files are data, not markup: they must carry the text exactly as written
        // (HTML-escaping them would corrupt it). Their exactness is checked in tests/dataset.rs.
        if path.ends_with(".csv") || path.ends_with(".json") && !path.starts_with("search/") {
            continue;
        }
        // The theme's own `<script src=...>` (the search page) is not front-matter text.
        let injected = lower.matches("<script").count() - lower.matches("<script src=\"").count();
        assert_eq!(injected, 0, "{path}: raw <script> in the output");
        assert!(!lower.contains("<b>出典"), "{path}: raw markup from a source title");
        if path.ends_with(".html") {
            assert!(
                !text.contains("&amp;lt;") && !text.contains("&amp;amp;") && !text.contains("&amp;quot;"),
                "{path}: escaped twice"
            );
            if text.contains("&lt;script&gt;alert(") {
                escaped_seen += 1;
            }
            for attr in ["href", "src", "action", "formaction"] {
                for v in attr_values(&text, attr) {
                    let v = unescape_attr(v).trim().to_ascii_lowercase();
                    assert!(!v.starts_with("javascript:") && !v.starts_with("data:"), "{path}: {attr}=\"{v}\"");
                }
            }
        }
    }
    assert!(escaped_seen >= 5, "the hostile title should appear escaped on many pages, saw {escaped_seen}");

    let page = read(&out, "incidents/2024-002/index.html");
    let h1 = between(&page, "<h1", "</h1>");
    assert!(h1.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quote&quot; 事件"), "{h1}");
    assert!(page.contains(">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;</a>"), "organization escaped");
    assert!(page.contains(">A&amp;B</a>"), "tag escaped");
    assert!(page.contains(">&lt;b&gt;出典&lt;/b&gt;</a>"), "source title escaped");
    assert!(
        page.contains("href=\"https://example.com/a?q=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""),
        "a quote in a source URL cannot break out of the attribute"
    );
    // The hostile tag `javascript:alert(1)` is a term page under the base path, never a scheme.
    assert!(page.contains(&format!("href=\"{BASE}tags/javascript%3Aalert%281%29/\"")));
    let feed = read(&out, "feed.xml");
    assert!(feed.contains("<title>【セキュリティ事件簿#2024-002】&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quote&quot; 事件</title>"));
}

// ---------------------------------------------------------------------------------------------
// Feed, sitemap, robots

/// `<entry>` blocks of a feed.
fn feed_entries(feed: &str) -> Vec<&str> {
    feed.split("<entry>").skip(1).map(|e| e.split("</entry>").next().unwrap()).collect()
}

#[test]
fn feed_is_atom_with_absolute_links() {
    let out = shared();
    let feed = read(&out, "feed.xml");
    assert!(
        feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"")
    );
    assert!(feed.trim_end().ends_with("</feed>"));
    assert_eq!(count(&feed, "<entry>"), count(&feed, "</entry>"));
    for tag in ["title", "id", "updated", "published", "summary"] {
        let open = count(&feed, &format!("<{tag}>")) + count(&feed, &format!("<{tag} "));
        assert_eq!(open, count(&feed, &format!("</{tag}>")), "<{tag}> balanced");
    }
    assert!(feed.contains(&format!("<link href=\"{ABS}feed.xml\" rel=\"self\"")));
    assert!(feed.contains(&format!("<link href=\"{ABS}\" rel=\"alternate\"")));
    assert!(feed.contains("<title>テスト事件簿</title>"));
    assert!(feed.contains("<author><name>テスト編集部</name></author>"));
    for href in attr_values(&feed, "href") {
        assert!(href.starts_with(ABS), "feed link not absolute under base_url: {href}");
    }
    for id in feed.split("<id>").skip(1).map(|s| s.split("</id>").next().unwrap()) {
        assert!(id.starts_with(ABS), "feed id not absolute: {id}");
    }
    // Newest first, all 8 published entries (≤ 20), with the RFC 3339 date kept.
    let entries = feed_entries(&feed);
    assert_eq!(entries.len(), 8);
    let links: Vec<&str> = entries.iter().map(|e| attr_values(e, "href")[0]).collect();
    let want: Vec<String> = [
        "incidents/2024-003/",
        "incidents/legacy-report/",
        "articles/ransomware-guide/",
        "incidents/2024-002/",
        "incidents/2024-001/",
        "articles/2023-review/",
        "incidents/2023-102/",
        "incidents/2023-101/",
    ]
    .iter()
    .map(|p| format!("{ABS}{p}"))
    .collect();
    assert_eq!(links, want);
    assert!(entries[0].contains("<published>2024-03-20T09:15:00+09:00</published>"));
    assert!(entries[0].contains("<title>【セキュリティ事件簿#2024-003】某病院でランサムウェア被害</title>"));
    assert!(entries[2].contains("<updated>2024-02-20T00:00:00Z</updated>"), "updated date of the article");
    // The feed's own updated time is the newest entry's.
    assert!(feed.split("<entry>").next().unwrap().contains("<updated>2024-03-20T09:15:00+09:00</updated>"));
}

#[test]
fn term_feeds_hold_the_entries_of_their_term() {
    let out = shared();
    let feed = read(&out, "tags/ddos/feed.xml");
    assert!(
        feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"")
    );
    assert!(feed.trim_end().ends_with("</feed>"));
    assert!(feed.contains(&format!("<link href=\"{ABS}tags/ddos/feed.xml\" rel=\"self\"")), "{feed}");
    assert!(feed.contains(&format!("<link href=\"{ABS}tags/ddos/\" rel=\"alternate\"")), "{feed}");
    assert!(feed.contains("ＤＤｏＳ"), "the feed's title names the term as first written");
    let links: Vec<&str> = feed_entries(&feed).iter().map(|e| attr_values(e, "href")[0]).collect();
    let want: Vec<String> =
        ["2024-001", "2023-102", "2023-101"].iter().map(|id| format!("{ABS}incidents/{id}/")).collect();
    assert_eq!(links, want, "the term's entries, newest first");
    // The term page links to it.
    let page = read(&out, "tags/ddos/index.html");
    assert!(page.contains(&format!("href=\"{BASE}tags/ddos/feed.xml\"")));
    // Unicode term: the file keeps Unicode, links are encoded.
    let feed = read(&out, "tags/ランサムウェア/feed.xml");
    assert!(feed.contains(&format!("{ABS}tags/{}/feed.xml", enc("ランサムウェア"))));
    assert_eq!(feed_entries(&feed).len(), 3);
}

#[test]
fn feed_holds_the_newest_twenty() {
    let (_tmp, root) = empty_site("feed20", "[book]\ntitle = \"多数\"\nbase_url = \"https://example.org/cb/\"\n");
    for i in 1..=25 {
        write(
            &root,
            &format!("content/articles/a{i:02}.md"),
            &format!("---\ntitle: 記事{i:02}\ndate: 2024-01-{i:02}\n---\n\n本文{i}。\n"),
        );
    }
    build(&root, &[]).success();
    let out = root.join("public");
    let feed = read(&out, "feed.xml");
    let entries = feed_entries(&feed);
    assert_eq!(entries.len(), 20, "the feed holds the newest 20");
    assert!(entries[0].contains("<title>記事25</title>"));
    assert!(entries[19].contains("<title>記事06</title>"));
    assert!(!feed.contains("記事05"));
    // Pagination with the default per_page of 20.
    assert!(out.join("page/2/index.html").is_file());
    assert!(!out.join("page/3").exists());
    assert_eq!(card_urls(main_of(&read(&out, "page/2/index.html"))).len(), 5);
}

#[test]
fn summary_links_work_on_list_pages_and_in_feeds() {
    // A summary is written in (and checked against) its entry's page, but shown on the home,
    // year and term pages and in feeds: its relative links must lead where they do on the entry.
    let (_tmp, root) =
        empty_site("summary-links", "[book]\ntitle = \"要約\"\nbase_url = \"https://example.org/cb/\"\n");
    write(
        &root,
        "content/incidents/2024/2024-001.md",
        "---\ntitle: 一\nid: \"2024-001\"\ndate: 2024-01-01\norganization: 甲\n---\n\n\
         [続報](../2024-002/)と[原因](#原因)と[^1]と[タグ](/cb/tags/)。\n\n## 原因\n\n本文。\n\n[^1]: 注。\n",
    );
    write(
        &root,
        "content/incidents/2024/2024-002.md",
        "---\ntitle: 二\nid: \"2024-002\"\ndate: 2024-01-02\norganization: 乙\n---\n\n本文。\n",
    );
    run_in(&root, &["check"]).success();
    build(&root, &[]).success();
    let out = root.join("public");
    let home = read(&out, "index.html");
    let summary = between(&home, "続報", "</p>");
    let links = assert_links_resolve(&out, BASE, ORIGIN);
    // Relative links stay as written only in the body of the entry's own page.
    assert!(links.suspicious.iter().all(|l| l.starts_with("incidents/2024-001/index.html: ")), "{}", links.summary());
    let card = between(&home, "<a href=\"/cb/incidents/2024-002/\">続報", "</p>");
    assert!(card.contains("href=\"/cb/incidents/2024-001/#%E5%8E%9F%E5%9B%A0\""), "{summary}");
    assert!(card.contains("href=\"/cb/incidents/2024-001/#1\""), "the footnote, on the entry's page: {summary}");
    let feed = read(&out, "feed.xml");
    assert!(feed.contains("href=&quot;https://example.org/cb/incidents/2024-002/&quot;"), "{feed}");
    assert!(feed.contains("href=&quot;https://example.org/cb/tags/&quot;"), "{feed}");
    assert!(!feed.contains("href=&quot;../") && !feed.contains("href=&quot;#"), "{feed}");
}

#[test]
fn reading_time_counts_japanese_characters() {
    let (_tmp, root) = empty_site("reading", "[book]\ntitle = \"読了\"\n");
    // 1,201 characters of Japanese: 600 a minute, rounded up → 3 minutes.
    let body = "あ".repeat(1201);
    write(&root, "content/articles/long.md", &format!("---\ntitle: 長い記事\ndate: 2024-01-01\n---\n\n{body}\n"));
    write(&root, "content/articles/short.md", "---\ntitle: 短い記事\ndate: 2024-01-02\n---\n\n短い。\n");
    build(&root, &[]).success();
    let out = root.join("public");
    assert!(read(&out, "articles/long/index.html").contains("読了目安 約3分"));
    assert!(read(&out, "articles/short/index.html").contains("読了目安 約1分"));
    // base_url "/" : links are root-relative.
    assert!(read(&out, "index.html").contains("href=\"/articles/long/\""));
}

#[test]
fn reading_time_counts_english_by_words() {
    let (_tmp, root) = empty_site("reading-en", "[book]\ntitle = \"読了\"\n");
    // 1,000 words of about five letters: 240 a minute → 5 minutes, not the 9 that 5,000-odd
    // letters counted as characters would take.
    let sentence = "The attackers reused stolen VPN credentials to reach a file server. ";
    let body: String =
        (0..1000 / 11 + 1).map(|i| format!("{sentence}\n{}", if i % 5 == 4 { "\n" } else { "" })).collect();
    write(&root, "content/articles/english.md", &format!("---\ntitle: English\ndate: 2024-01-01\n---\n\n{body}"));
    // Japanese with a few ASCII words reads as it did: 1,520 characters took 3 minutes, and 1,000
    // characters and 160 words take 3 too.
    let mixed = "2024年1月、VPN機器の脆弱性を突かれ約1,000件の情報が漏えいした。".repeat(40);
    write(&root, "content/articles/mixed.md", &format!("---\ntitle: 混在\ndate: 2024-01-02\n---\n\n{mixed}\n"));
    build(&root, &[]).success();
    let out = root.join("public");
    assert!(read(&out, "articles/english/index.html").contains("読了目安 約5分"));
    assert!(read(&out, "articles/mixed/index.html").contains("読了目安 約3分"));
}

#[test]
fn sitemap_lists_every_page_with_absolute_urls() {
    let out = shared();
    let sitemap = read(&out, "sitemap.xml");
    assert!(sitemap.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
    ));
    assert!(sitemap.trim_end().ends_with("</urlset>"));
    let locs: Vec<&str> = sitemap.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap()).collect();
    let listed: BTreeSet<String> = locs
        .iter()
        .map(|l| {
            assert!(l.starts_with(ABS), "sitemap URL not absolute under base_url: {l}");
            assert!(!l.contains(|c: char| !c.is_ascii() || c == ' '), "sitemap URL not percent-encoded: {l}");
            let rest = &l[ABS.len()..];
            let path = percent_encoding::percent_decode_str(&unescape_attr(rest)).decode_utf8().unwrap().into_owned();
            format!("{path}index.html")
        })
        .collect();
    assert_eq!(listed.len(), locs.len(), "no URL listed twice");
    let pages: BTreeSet<String> = read_tree(&out).into_keys().filter(|p| p.ends_with("index.html")).collect();
    assert_eq!(listed, pages, "the sitemap lists exactly the HTML pages (404 excluded)");
    assert!(sitemap.contains(&format!("<loc>{ABS}incidents/2023-101/</loc><lastmod>2023-03-10</lastmod>")));
    assert!(sitemap.contains(&format!("<loc>{ABS}articles/ransomware-guide/</loc><lastmod>2024-02-20</lastmod>")));
    assert!(
        sitemap.contains(&format!(
            "<loc>{ABS}tags/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/</loc>"
        ))
    );

    let robots = read(&out, "robots.txt");
    assert!(robots.contains("User-agent: *"));
    assert!(robots.contains(&format!("Sitemap: {ABS}sitemap.xml")), "{robots}");
}

// ---------------------------------------------------------------------------------------------
// Flags

#[test]
fn base_url_flag_overrides_book_toml() {
    let (_tmp, root) = site_from_fixture("basic");
    build(&root, &["--base-url", "https://other.example/x/"]).success();
    let out = root.join("public");
    let home = read(&out, "index.html");
    assert!(home.contains("<link rel=\"stylesheet\" href=\"/x/style.css\">"));
    assert!(home.contains("<link rel=\"canonical\" href=\"https://other.example/x/\">"));
    assert!(home.contains(&format!("href=\"/x/tags/{}/\"", enc("ランサムウェア"))));
    let feed = read(&out, "feed.xml");
    assert!(feed.contains("<link href=\"https://other.example/x/feed.xml\" rel=\"self\""));
    assert!(read(&out, "sitemap.xml").contains("<loc>https://other.example/x/incidents/2023-101/</loc>"));
    assert!(read(&out, "robots.txt").contains("Sitemap: https://other.example/x/sitemap.xml"));
    for (path, bytes) in read_tree(&out) {
        assert!(!String::from_utf8_lossy(&bytes).contains("example.org"), "{path} still uses book.toml's base_url");
    }
    assert_links_resolve(&out, "/x/", "https://other.example");

    // A path-only base URL: the pages work, but the sitemap's and feeds' URLs cannot be absolute,
    // which the build says; robots.txt names no sitemap (its line must be a full URL).
    let r = build(&root, &["--base-url", "/"]);
    r.success();
    assert!(
        r.stderr.starts_with("casebook: warning: the base URL `/` (book.base_url or --base-url) has no host"),
        "{}",
        r.stderr
    );
    let home = read(&out, "index.html");
    assert!(home.contains("<link rel=\"stylesheet\" href=\"/style.css\">"));
    assert!(home.contains("href=\"/incidents/2024-003/\""));
    let robots = read(&out, "robots.txt");
    assert!(!robots.contains("Sitemap:") && robots.contains("# The sitemap is /sitemap.xml"), "{robots}");
    // With a host, no warning.
    let r = build(&root, &["--base-url", "https://other.example/"]);
    assert_eq!(r.stderr, "", "no warning with a host");
}

/// A static file named like a default taxonomy's path is reported at the file (the taxonomy has
/// no line in book.toml to point at), and does not hide another static file in a page's way.
#[test]
fn a_static_file_in_a_default_taxonomys_place_is_reported_at_the_file() {
    let (_tmp, root) = site_from_fixture("basic");
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    let start = book.find("[[taxonomies]]").unwrap_or(book.len());
    std::fs::write(root.join("book.toml"), &book[..start]).unwrap();
    write(&root, "static/tags", "not a directory of pages");
    write(&root, "static/feed.xml", "not the feed");
    let check = run_in(&root, &["check"]);
    for r in [build(&root, &[]), check] {
        r.expect_status(1);
        assert!(
            r.stderr.contains("static/tags: error: is where the site writes the pages of the `tags` taxonomy"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("static/feed.xml: error: is where the site writes the file `feed.xml`"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("2 error(s)") || r.stderr.contains("2 problem(s)"), "{}", r.stderr);
    }
}

/// The site's own static/robots.txt is published in place of the generated one; a static file
/// where the site writes a page, or a directory of pages, is an error at that file.
#[test]
fn static_files_may_replace_robots_txt_but_no_page() {
    let (_tmp, root) = site_from_fixture("basic");
    write(&root, "static/robots.txt", "User-agent: *\nDisallow: /private/\n");
    build(&root, &[]).success();
    let out = root.join("public");
    assert_eq!(read(&out, "robots.txt"), "User-agent: *\nDisallow: /private/\n");
    let before = read_tree(&out);

    write(&root, "static/index.html", "<p>mine</p>");
    write(&root, "static/years", "a file where a directory of pages goes");
    write(&root, "static/feed.xml/deep/a.txt", "a directory where a file goes");
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(r.stderr.contains("build failed with 3 error(s)"), "{}", r.stderr);
    assert!(r.stderr.contains("static/feed.xml: error: is where the site writes the file `feed.xml`"), "{}", r.stderr);
    assert!(
        r.stderr.contains("static/index.html: error: is where the site writes the file `index.html`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("static/years: error: is where the site writes pages under `years/`"), "{}", r.stderr);
    assert_eq!(read_tree(&out), before, "the previous output is kept");
    // With a template that fails while rendering, both are reported in the one run.
    write(
        &root,
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}{{ nope.field }}{% endblock content %}\n",
    );
    let both = build(&root, &[]);
    both.expect_status(1);
    assert!(both.stderr.contains("build failed with 4 error(s)"), "{}", both.stderr);
    assert!(
        both.stderr.contains("templates/404.html:1:") && both.stderr.contains("static/years: error"),
        "{}",
        both.stderr
    );
    std::fs::remove_file(root.join("templates/404.html")).unwrap();
    // `check` finds what `build` would refuse.
    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    let errors = |text: &str| text.lines().filter(|l| l.contains(": error: ")).map(String::from).collect::<Vec<_>>();
    assert_eq!(errors(&c.stderr), errors(&r.stderr));
}

#[test]
fn a_unicode_base_path_is_percent_encoded_in_links() {
    // "Links in pages are percent-encoded", base path included; sitemaps and feeds need ASCII
    // URLs too. An already encoded base_url must not be encoded twice.
    let encoded = "/%E4%BA%8B%E4%BB%B6%E7%B0%BF/";
    for base in ["https://example.org/事件簿/", "https://example.org/%E4%BA%8B%E4%BB%B6%E7%B0%BF/"] {
        let (_tmp, root) = site_from_fixture("basic");
        build(&root, &["--base-url", base]).success();
        let out = root.join("public");
        let home = read(&out, "index.html");
        assert!(
            home.contains(&format!("<link rel=\"stylesheet\" href=\"{encoded}style.css\">")),
            "{base}: stylesheet href"
        );
        let mut raw = Vec::new();
        for (path, bytes) in read_tree(&out) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut urls: Vec<String> = attr_values(&text, "href").into_iter().map(String::from).collect();
            urls.extend(text.split("<loc>").skip(1).map(|s| s.split("</loc>").next().unwrap().to_string()));
            for u in urls.into_iter().filter(|u| !u.is_ascii()) {
                raw.push(format!("{path}: {u}"));
            }
        }
        raw.sort();
        raw.dedup();
        assert!(raw.is_empty(), "{base}: {} URLs not percent-encoded, e.g. {:#?}", raw.len(), &raw[..raw.len().min(5)]);
        assert_links_resolve(&out, encoded, "https://example.org");
    }
}

#[test]
fn output_flag_writes_elsewhere_and_only_there() {
    let (tmp, root) = site_from_fixture("basic");
    let elsewhere = tmp.join("elsewhere/deep/out");
    build(&root, &["--output", elsewhere.to_str().unwrap()]).success();
    assert!(elsewhere.join("index.html").is_file());
    assert!(elsewhere.join("incidents/2023-101/index.html").is_file());
    assert!(!root.join("public").exists(), "nothing written to the default output");
    assert!(leftovers(elsewhere.parent().unwrap()).is_empty());

    // A relative --output is taken from the current directory.
    let r = run_in(tmp.path(), &["build", "--root", root.to_str().unwrap(), "--output", "rel-out"]);
    r.success();
    assert!(tmp.join("rel-out/index.html").is_file(), "relative --output from the working directory");

    // [build] output in book.toml is relative to the site root.
    let toml = std::fs::read_to_string(root.join("book.toml")).unwrap();
    std::fs::write(root.join("book.toml"), toml.replace("[build]\n", "[build]\noutput = \"site-out\"\n")).unwrap();
    build(&root, &[]).success();
    assert!(root.join("site-out/index.html").is_file());
}

#[test]
fn root_is_found_from_a_subdirectory() {
    let (_tmp, root) = site_from_fixture("basic");
    let r = run_in(&root.join("content/incidents/2023"), &["build", "-q"]);
    r.success();
    assert!(root.join("public/index.html").is_file(), "output goes under the found root");
    assert!(!root.join("content/incidents/2023/public").exists());
}

#[test]
fn output_is_identical_whatever_the_number_of_jobs() {
    let (tmp, root) = site_from_fixture("basic");
    let one = tmp.join("out1");
    let four = tmp.join("out4");
    let again = tmp.join("out4b");
    build(&root, &["--jobs", "1", "--output", one.to_str().unwrap()]).success();
    build(&root, &["--jobs", "4", "--output", four.to_str().unwrap()]).success();
    build(&root, &["--jobs", "4", "--drafts", "--output", again.to_str().unwrap()]).success();
    build(&root, &["--jobs", "4", "--output", again.to_str().unwrap()]).success();
    let (a, b, c) = (read_tree(&one), read_tree(&four), read_tree(&again));
    assert!(a.len() > 50);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "same files");
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{path} differs between --jobs 1 and --jobs 4");
        assert!(c.get(path) == Some(bytes), "{path} differs between two runs");
    }
    assert_eq!(a.len(), c.len(), "a rebuild without --drafts removes the draft pages");
}

#[test]
fn a_good_build_replaces_the_output_whole() {
    let (_tmp, root) = site_from_fixture("basic");
    build(&root, &[]).success();
    let out = root.join("public");
    write(&out, "stale/index.html", "<p>old</p>");
    std::fs::remove_file(root.join("content/incidents/2024/Legacy Report.md")).unwrap();
    build(&root, &[]).success();
    assert!(!out.join("stale").exists(), "files of a previous build are removed");
    assert!(!out.join("incidents/legacy-report").exists(), "a deleted entry's page is removed");
    assert!(!out.join("tags/ci-cd").exists(), "a term nobody uses any more is removed");
    assert!(leftovers(&root).is_empty(), "no staging directories left: {:?}", leftovers(&root));
}

// ---------------------------------------------------------------------------------------------
// The sample site at the repository root

#[test]
fn sample_site_builds_and_its_links_resolve() {
    let tmp = TempDir::new("sample");
    let out = tmp.join("public");
    let root = manifest_dir();
    let r = run_in(tmp.path(), &["build", "--root", root.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    r.success();
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap();
    // The sample site's base_url is a path ("/" unless someone changes it).
    let base_path = book
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("base_url")
                .map(|v| v.trim_start_matches([' ', '=']).trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "/".into());
    let (origin, path) = match base_path.strip_prefix("https://").or_else(|| base_path.strip_prefix("http://")) {
        Some(rest) => {
            let host_end = rest.find('/').unwrap_or(rest.len());
            let scheme = &base_path[..base_path.len() - rest.len()];
            (format!("{scheme}{}", &rest[..host_end]), rest[host_end..].to_string())
        }
        None => (String::new(), base_path.clone()),
    };
    let path = if path.ends_with('/') { path } else { format!("{path}/") };
    assert!(
        out.join("index.html").is_file() && out.join("feed.xml").is_file() && out.join("series/index.html").is_file()
    );
    let r = assert_links_resolve(&out, &path, &origin);
    assert!(r.checked > 1000, "only {} links checked on the sample site", r.checked);
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn site_footer_shows_years_and_terms() {
    let out = shared();
    let footer = |page: &str| between(&read(&out, page), "<footer class=\"site-footer\">", "</footer>").to_string();
    let home = footer("index.html");
    assert!(
        home.contains(&format!("<a href=\"{BASE}years/2024/\">2024年</a> <span class=\"count\">5</span>")),
        "{home}"
    );
    assert!(home.contains("タグ（よく使われるもの）"), "the home page shows the top terms: {home}");
    let entry = footer("incidents/2024-001/index.html");
    assert!(entry.contains("aria-label=\"分類\"") && !entry.contains("よく使われるもの"), "{entry}");
    assert!(entry.contains(&format!("<a href=\"{BASE}tags/\">タグ</a> <span class=\"count\">11</span>")), "{entry}");
    assert_eq!(entry, footer("tags/ddos/index.html"), "the same footer on every page but the home page");
    assert_eq!(entry, footer("years/2023/index.html"));
}

/// The names documented in docs/templates.md for one code block: the first word of each line
/// and the words after it while they follow a comma (`prev, next      card or none` → `prev`,
/// `next`); lines indented are continuations.
fn documented_names(block: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in block.lines().filter(|l| !l.starts_with(' ') && !l.trim().is_empty()) {
        for word in line.split_whitespace() {
            names.insert(word.trim_end_matches(',').to_string());
            if !word.ends_with(',') {
                break;
            }
        }
    }
    names
}

/// The code block that follows `heading` in docs/templates.md.
fn templates_md_block(doc: &str, heading: &str) -> String {
    let after = doc.split(heading).nth(1).unwrap_or_else(|| panic!("docs/templates.md has no `{heading}`"));
    after.split("```").nth(1).expect("a code block").trim_start_matches('\n').to_string()
}

/// docs/templates.md against what templates get: every page template of a site is replaced by a
/// dump of its context (Tera 2's `__tera_context`), and the page kinds, a card's fields and an
/// entry page's fields must be the documented ones, no more and no fewer (the doc once left out
/// the `stats` and `search` pages).
#[test]
fn templates_get_the_context_docs_templates_md_describes() {
    let doc = std::fs::read_to_string(manifest_dir().join("docs/templates.md")).unwrap();
    let (_tmp, root) = site_from_fixture("basic");
    let pages = [
        "index", "incident", "article", "years", "year", "taxonomy", "term", "series", "stats", "search", "404",
        "alias",
    ];
    for t in pages {
        write(&root, &format!("templates/{t}.html"), "{{ __tera_context | safe }}");
    }
    // An alias, for an alias.html page.
    let guide = root.join("content/articles/guide.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(&guide, text.replacen("---\n", "---\naliases: [/old-guide/]\n", 1)).unwrap();
    build(&root, &["-q"]).success();
    let mut kinds = BTreeSet::new();
    let (mut card, mut page) = (None, None);
    for (f, bytes) in read_tree(&root.join("public")).into_iter().filter(|(f, _)| f.ends_with(".html")) {
        // A none prints as nothing: `"key": ,` is made JSON's null.
        let text = String::from_utf8(bytes).unwrap();
        let text = text.replace("\": ,", "\": null,").replace("\": }", "\": null}").replace("\": ]", "\": null]");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{f}: {e}\n{text}"));
        let kind = v["page_kind"].as_str().unwrap().to_string();
        for key in ["page_title", "page_url", "page_permalink", "site", "nav"] {
            assert!(v.get(key).is_some(), "{f}: no `{key}`");
        }
        if kind == "incident" && page.is_none() {
            page = Some(v["page"].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>());
        }
        if kind == "alias" {
            for name in documented_names(&templates_md_block(&doc, "### alias.html")) {
                assert!(v.get(&name).is_some(), "{f}: no `{name}`");
            }
            let alias = v["alias"].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
            assert_eq!(alias, BTreeSet::from(["permalink".to_string(), "url".to_string()]), "{f}: `alias`");
            let entry = v["entry"].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
            let doc_entry = templates_md_block(&doc, "### alias.html");
            let doc_entry = doc_entry.split('{').nth(1).and_then(|s| s.split('}').next()).unwrap();
            let doc_entry: BTreeSet<String> = doc_entry.split(',').map(|k| k.trim().to_string()).collect();
            assert_eq!(entry, doc_entry, "{f}: `entry` against docs/templates.md");
            assert_eq!(v["entry"]["url"], "/cb/articles/ransomware-guide/", "{f}");
        }
        if kind == "home" && card.is_none() {
            card = Some(v["entries"][0].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>());
        }
        kinds.insert(kind);
    }
    let listed = doc.split("`page_kind` (one of ").nth(1).and_then(|s| s.split(')').next()).unwrap();
    let listed: BTreeSet<String> = listed.split(',').map(|k| k.trim().trim_matches('`').to_string()).collect();
    assert_eq!(kinds, listed, "page kinds built against docs/templates.md");

    let card_doc = documented_names(&templates_md_block(&doc, "### A card"));
    assert_eq!(card.unwrap(), card_doc, "a card's fields against docs/templates.md");
    let mut page_doc = card_doc;
    page_doc.extend(documented_names(&templates_md_block(&doc, "### incident.html, article.html")));
    assert_eq!(page.unwrap(), page_doc, "an entry page's fields against docs/templates.md");
}

/// The README's `book.toml`, every key with its default, is a configuration casebook takes.
#[test]
fn the_readme_book_toml_is_accepted() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let toml = readme.split("```toml\n").nth(1).and_then(|s| s.split("```").next()).expect("a toml block");
    let (_tmp, root) = site_from_fixture("basic");
    std::fs::write(root.join("book.toml"), toml).unwrap();
    let r = build(&root, &[]);
    r.success();
    assert!(root.join("public/tags/index.html").is_file());
}

/// A front-matter `summary: |` over two lines joins them between Japanese characters, on list
/// pages and in the feed, as a body's paragraph does (a line break shows as a space).
#[test]
fn a_summary_written_over_lines_joins_them_between_japanese_characters() {
    let (_tmp, root) = empty_site("summary-lines", "[book]\ntitle = \"t\"\nbase_url = \"https://example.org/\"\n");
    write(
        &root,
        "content/articles/a.md",
        "---\ntitle: 記事\ndate: 2024-02-01\nsummary: |\n  決済画面が改ざんされ、\n  カード情報が漏えいした。\n---\n\n本文。\n",
    );
    build(&root, &[]).success();
    let out = root.join("public");
    assert!(read(&out, "index.html").contains("決済画面が改ざんされ、カード情報が漏えいした。"));
    assert!(read(&out, "feed.xml").contains("決済画面が改ざんされ、カード情報が漏えいした。"));
}

/// A term that begins with `.` (`.NET`) gets a visible directory: `tags/.net/` would be hidden,
/// and hosts and deploy tools skip hidden files (GitHub Pages' Jekyll, rsync filters).
#[test]
fn a_term_that_begins_with_a_dot_gets_a_visible_directory() {
    let (_tmp, root) = site_from_fixture("dotted");
    build(&root, &[]).success();
    let out = root.join("public");
    let tree = read_tree(&out);
    let hidden: Vec<&String> = tree.keys().filter(|p| p.split('/').any(|s| s.starts_with('.'))).collect();
    assert!(hidden.is_empty(), "hidden output paths: {hidden:?}");
    // `.NET` and `.net` are one term, at `-net`, shown as first written, with its text (found at
    // `content/tags/-net/`, the term's key); `..hidden` is at `--hidden`; `ASP.NET` keeps its dot.
    let term = read(&out, "tags/-net/index.html");
    assert!(term.contains(".NET") && term.contains("Microsoft の開発基盤"), "{term}");
    assert!(term.contains("/cb/incidents/2024-001/") && term.contains("/cb/articles/dotnet-upgrade/"), "{term}");
    assert!(tree.contains_key("tags/-net/feed.xml"));
    assert!(tree.contains_key("tags/--hidden/index.html"));
    assert!(tree.contains_key("tags/asp.net/index.html"));
    // Entry pages link to it, and every link of the site resolves.
    for page in ["incidents/2024-001/index.html", "articles/dotnet-upgrade/index.html"] {
        assert!(read(&out, page).contains("href=\"/cb/tags/-net/\""), "{page}");
    }
    assert!(read(&out, "tags/index.html").contains("href=\"/cb/tags/-net/\""));
    assert!(read(&out, "sitemap.xml").contains("<loc>https://example.org/cb/tags/-net/</loc>"));
    assert_links_resolve(&out, BASE, ORIGIN);
    run_in(&root, &["check"]).success();
    // A link written to the hidden directory is told where the term is.
    write(&root, "content/articles/link.md", "---\ntitle: リンク\ndate: 2024-04-01\n---\n\n[一覧](/cb/tags/.NET/)\n");
    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    let d = c.diagnostics();
    assert_eq!(d.len(), 1, "{}", c.stderr);
    assert_eq!((d[0].path.as_str(), d[0].line), ("content/articles/link.md", 6));
    assert!(d[0].message.ends_with("(did you mean `/cb/tags/-net/`?)"), "{}", d[0].message);
}
