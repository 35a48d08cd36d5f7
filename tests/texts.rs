//! Texts of taxonomy and term pages (`content/<taxonomy path>/_index.md`,
//! `content/<taxonomy path>/<term>/_index.md`), end to end on the basic fixture
//! (`base_url = "https://example.org/cb/"`, `per_page = 2`): where they show, their description,
//! what is an error and what a warning, and `check` following their links.

mod common;

use std::path::PathBuf;

use common::*;

const RANSOM: &str = "content/attacks/ランサムウェア/_index.md";
const RANSOM_TEXT: &str = "---\ndescription: 身代金を要求する攻撃の記録\n---\n\nランサムウェアは**データを暗号化**し、復旧と引き換えに身代金を求める攻撃です。[攻撃種別の一覧](../)\n\n## 備え\n\n- オフラインのバックアップ\n";

/// The basic fixture with `texts` written as (path, text).
fn site(texts: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let (tmp, root) = site_from_fixture("basic");
    for (rel, text) in texts {
        write(&root, rel, text);
    }
    (tmp, root)
}

#[test]
fn a_terms_text_opens_its_first_page_and_gives_its_description() {
    let (_tmp, root) = site(&[
        (RANSOM, RANSOM_TEXT),
        // Named as the term is written in another width and case: the key matches `ＤＤｏＳ`.
        ("content/tags/ddos/_index.md", "大量の通信でサービスを止める攻撃。\n"),
        (
            "content/attacks/_index.md",
            "---\ndescription: 攻撃の種類ごとの記録\n---\n攻撃の種類ごとに事件をまとめています。\n",
        ),
    ]);
    let r = build(&root, &[]);
    r.success();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let out = root.join("public");
    let page = read(&out, "attacks/ランサムウェア/index.html");
    let text = between(&page, r#"<div class="entry__body page-text">"#, "</div>");
    assert!(text.contains("<strong>データを暗号化</strong>"), "{text}");
    assert!(text.contains(r#"<h2 id="備え">備え</h2>"#), "{text}");
    assert!(page.contains(r#"<meta name="description" content="身代金を要求する攻撃の記録">"#), "{page}");
    // The term's feed says what it is about; a term without a description keeps the site's.
    assert!(read(&out, "attacks/ランサムウェア/feed.xml").contains("<subtitle>身代金を要求する攻撃の記録</subtitle>"));
    assert!(read(&out, "tags/ddos/feed.xml").contains("<subtitle>統合テスト用の小さな事件簿</subtitle>"));
    // Above the list, which is still all there.
    assert!(page.find("page-text").unwrap() < page.find("card-list").unwrap());
    assert_eq!(count(&page, "card card--incident"), 2, "{page}");

    // A text without front matter; on a term of two pages it opens the first only.
    let first = read(&out, "tags/ddos/index.html");
    assert!(first.contains("<p>大量の通信でサービスを止める攻撃。</p>"), "{first}");
    assert!(first.contains("タグ「ＤＤｏＳ」に該当するテスト事件簿の記録"), "the default description: {first}");
    assert!(!read(&out, "tags/ddos/page/2/index.html").contains("page-text"));

    let tax = read(&out, "attacks/index.html");
    assert!(tax.contains("<p>攻撃の種類ごとに事件をまとめています。</p>"), "{tax}");
    assert!(tax.contains(r#"<meta name="description" content="攻撃の種類ごとの記録">"#), "{tax}");
    // A text is no entry: no page of its own, and in no list.
    assert!(!out.join("articles/_index").exists());
    assert!(!read(&out, "index.html").contains("身代金を要求する"));
    assert_links_resolve(&out, "/cb/", "https://example.org");

    // Without texts, the pages are as they were.
    let (_tmp, plain) = site(&[]);
    build(&plain, &[]).success();
    assert!(!read(&plain.join("public"), "attacks/ランサムウェア/index.html").contains("page-text"));
}

#[test]
fn a_text_anywhere_else_or_with_other_fields_is_an_error_and_an_unused_term_a_warning() {
    let (_tmp, root) = site(&[
        ("content/_index.md", "ホーム\n"),
        ("content/attack/ランサムウェア/_index.md", "綴り違い\n"),
        ("content/tags/a/b/_index.md", "深すぎる\n"),
        (RANSOM, "---\ntitle: ランサムウェア\ndescripton: x\n---\n本文\n"),
        ("content/tags/未使用/_index.md", "使われていないタグ\n"),
    ]);
    let r = build(&root, &[]);
    r.expect_status(1);
    // Whole-file problems are `path: error: …` lines; field problems have a position.
    let line = |path: &str, severity: &str, needle: &str| {
        let head = format!("{path}: {severity}: ");
        assert!(
            r.stderr.lines().any(|l| l.starts_with(&head) && l.contains(needle)),
            "no `{head}…{needle}` in:\n{}",
            r.stderr
        );
    };
    line("content/_index.md", "error", "expected `content/<taxonomy path>/_index.md`");
    line("content/tags/a/b/_index.md", "error", "expected `content/<taxonomy path>/_index.md`");
    line(
        "content/attack/ランサムウェア/_index.md",
        "error",
        "is under `attack/`, which is no taxonomy's path (did you mean `attacks`?)",
    );
    line("content/tags/未使用/_index.md", "warning", "which no published entry has");
    line("content/tags/a/b/_index.md", "error", "a term holding `/` is named by its URL segment");
    let diags = r.diagnostics();
    let at = |needle: &str| {
        let d = diags.iter().find(|d| d.path == RANSOM && d.message.contains(needle));
        d.map(|d| (d.line, d.column)).unwrap_or_else(|| panic!("no `{needle}` at {RANSOM} in:\n{}", r.stderr))
    };
    assert_eq!(at("unknown field `title`"), (2, 1));
    assert_eq!(at("unknown field `descripton` (did you mean `description`?)"), (3, 1));
    assert!(
        r.stderr.ends_with("build failed with 5 error(s); the previous output was left as it was\n"),
        "{}",
        r.stderr
    );
    assert!(!root.join("public").exists(), "nothing written");
    // A text's front matter that is no map names the one field it may have.
    let (_tmp, other) = site(&[(RANSOM, "---\n- a\n---\n本文\n")]);
    let o = build(&other, &[]);
    assert!(o.stderr.contains("expected lines such as `description: ...`"), "{}", o.stderr);
    // `check` reports the same.
    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    assert!(c.stderr.ends_with("check found 5 problem(s)\n"), "{}", c.stderr);
}

#[test]
fn two_texts_for_one_term_are_an_error_and_headings_avoid_the_lists_ids() {
    // `ddos` and `DDoS` are one term: the second text would be lost without a word.
    let (_tmp, root) =
        site(&[("content/tags/DDoS/_index.md", "一つ目\n"), ("content/tags/ddos/_index.md", "二つ目\n")]);
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(
        r.stderr.contains("content/tags/ddos/_index.md: error: is a second text for the term of content/tags/DDoS/_index.md (`ddos` and its directory name one term)"),
        "{}",
        r.stderr
    );
    // Reported even when the first has a mistake of its own, which is reported beside it.
    write(&root, "content/tags/DDoS/_index.md", "---\ndescripton: x\n---\n一つ目\n");
    let r = build(&root, &[]);
    assert!(r.stderr.contains("is a second text for the term of content/tags/DDoS/_index.md"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown field `descripton`"), "{}", r.stderr);
    // The term page has a `year-2024` heading of its own below the text.
    let (_tmp, root) = site(&[("content/tags/ddos/_index.md", "## Year 2024\n\n本文\n")]);
    build(&root, &[]).success();
    let page = read(&root.join("public"), "tags/ddos/index.html");
    assert!(page.contains(r#"<h2 id="year-2024-1">Year 2024</h2>"#), "{page}");
    assert_eq!(count(&page, r#"id="year-2024""#), 1, "{page}");
}

#[test]
fn check_follows_the_links_of_texts_from_their_page() {
    let broken = "[一覧](../../tags/)と[なし](../nowhere/)、[事例](/cb/incidents/2024-001/#nothing)\n";
    let (_tmp, root) = site(&[(RANSOM, broken)]);
    let r = run_in(&root, &["check"]);
    r.expect_status(1);
    let diags = r.diagnostics();
    assert_eq!(diags.len(), 2, "{}", r.stderr);
    assert!(diags.iter().all(|d| d.path == RANSOM && d.line == 1), "{}", r.stderr);
    assert!(diags[0].message.contains("links to `../nowhere/`, which the site does not have"), "{}", r.stderr);
    assert!(diags[1].message.contains("no element with id `nothing`"), "{}", r.stderr);
    // Fixed, it passes: `../../tags/` from /cb/attacks/ランサムウェア/ is /cb/tags/.
    write(&root, RANSOM, "[一覧](../../tags/)と[事例](/cb/incidents/2024-001/#factbox-title)\n");
    run_in(&root, &["check"]).success();
}
