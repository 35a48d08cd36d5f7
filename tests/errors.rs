//! `casebook build` on broken input: one test per rule of SPEC §2 (and book.toml), each checking
//! the exit status (1), the file path, the line (of the file, not of the YAML block) and the
//! field named in the diagnostic; then the promises around errors: every problem reported in a
//! stable order, the previous output left untouched, dangerous output directories refused, and
//! usage errors exiting with 2.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const BOOK: &str = "[book]\ntitle = \"テスト\"\n";

/// A site with `book.toml` = [`BOOK`] and the given `(path under content/, text)` files.
fn site(files: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let (tmp, root) = empty_site("errors", BOOK);
    for (rel, text) in files {
        write(&root, &format!("content/{rel}"), text);
    }
    (tmp, root)
}

/// 1-based line of the first line of `text` that contains `needle`.
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("`{needle}` not in:\n{text}")) + 1
}

/// Line of the `---` that closes the front matter.
fn closing_line(text: &str) -> usize {
    text.lines().enumerate().skip(1).find(|(_, l)| l.trim_end() == "---").map(|(i, _)| i + 1).unwrap()
}

/// Builds and checks that the run failed with exit status 1, the summary line, and no output.
#[track_caller]
fn failed(root: &Path) -> Run {
    let r = build(root, &[]);
    r.expect_status(1);
    let n = r.diagnostics().len();
    let last = r.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: build failed with ") && last.contains(" error(s)"),
        "last stderr line should be the summary, got {last:?}\n{}",
        r.stderr
    );
    assert!(n > 0, "no `path:line:col: error:` diagnostics in:\n{}", r.stderr);
    assert!(
        last.contains(&format!("with {n} error(s)")),
        "the summary count should match the {n} diagnostics:\n{}",
        r.stderr
    );
    assert!(!root.join("public").exists(), "a failed build must not create the output");
    assert!(leftovers(root).is_empty(), "staging directories left behind: {:?}", leftovers(root));
    r
}

/// Asserts a diagnostic at `path:line` whose message contains every one of `needles`.
#[track_caller]
fn expect(r: &Run, path: &str, line: usize, needles: &[&str]) -> Diag {
    let diags = r.diagnostics();
    diags
        .iter()
        .find(|d| d.path == path && d.line == line && needles.iter().all(|n| d.message.contains(n)))
        .cloned()
        .unwrap_or_else(|| panic!("expected an error at {path}:{line} mentioning {needles:?}; got:\n{}", r.stderr))
}

/// Asserts a diagnostic in `path` inside the front matter (for a field that is missing, any
/// line of the block will do) whose message contains every one of `needles`.
#[track_caller]
fn expect_in_block(r: &Run, path: &str, text: &str, needles: &[&str]) -> Diag {
    let close = closing_line(text);
    let diags = r.diagnostics();
    diags
        .iter()
        .find(|d| d.path == path && (1..=close).contains(&d.line) && needles.iter().all(|n| d.message.contains(n)))
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "expected an error in the front matter of {path} (lines 1-{close}) mentioning {needles:?}; got:\n{}",
                r.stderr
            )
        })
}

/// One bad incident at `content/incidents/2024/a.md`: builds, expects exit 1 and an error at
/// the line holding `at` that names `field`.
#[track_caller]
fn bad_incident(text: &str, at: &str, field: &str) -> Diag {
    let (_tmp, root) = site(&[("incidents/2024/a.md", text)]);
    let r = failed(&root);
    expect(&r, "content/incidents/2024/a.md", line_of(text, at), &[&format!("`{field}`")])
}

/// Same, for an article at `content/articles/a.md`.
#[track_caller]
fn bad_article(text: &str, at: &str, field: &str) -> Diag {
    let (_tmp, root) = site(&[("articles/a.md", text)]);
    let r = failed(&root);
    expect(&r, "content/articles/a.md", line_of(text, at), &[&format!("`{field}`")])
}

/// A valid incident's front matter lines, to which a test adds one more line.
const INC: &str = "---\ntitle: 事件\ndate: 2024-01-30\norganization: 株式会社テスト\n";

fn inc(extra: &str) -> String {
    format!("{INC}{extra}---\n\n本文。\n")
}

const ART: &str = "---\ntitle: 記事\ndate: 2024-01-30\n";

fn art(extra: &str) -> String {
    format!("{ART}{extra}---\n\n本文。\n")
}

#[track_caller]
fn builds(files: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let (tmp, root) = site(files);
    build(&root, &[]).success();
    (tmp, root)
}

// ---------------------------------------------------------------------------------------------
// Fields of every entry

#[test]
fn title_is_required() {
    let text = "---\ndate: 2024-01-30\norganization: 株式会社テスト\n---\n本文\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", text)]);
    let r = failed(&root);
    expect_in_block(&r, "content/incidents/2024/a.md", text, &["`title`", "missing"]);
}

#[test]
fn title_must_not_be_empty() {
    let d = bad_incident("---\ntitle: \"  \"\ndate: 2024-01-30\norganization: X\n---\n", "title:", "title");
    assert_eq!(d.line, 2);
    assert_eq!(d.column, 8, "the caret points at the value");
}

#[test]
fn date_is_required() {
    let text = "---\ntitle: 事件\norganization: 株式会社テスト\n---\n本文\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", text)]);
    let r = failed(&root);
    expect_in_block(&r, "content/incidents/2024/a.md", text, &["`date`", "missing"]);
}

#[test]
fn date_must_be_a_date() {
    for bad in ["2024-1-3", "2024-02-30", "yesterday", "2024/01/30", "2024-01-30T25:00:00+09:00"] {
        let text = format!("---\ntitle: 事件\norganization: X\ndate: \"{bad}\"\n---\n");
        let d = bad_incident(&text, "date:", "date");
        assert!(d.message.contains(bad), "the message quotes the bad value: {}", d.message);
        assert!(d.message.contains("expected"), "{}", d.message);
    }
}

#[test]
fn date_accepts_a_plain_date_and_rfc3339() {
    let (_tmp, root) = builds(&[
        ("articles/a.md", "---\ntitle: a\ndate: 2024-01-30\n---\n"),
        ("articles/b.md", "---\ntitle: b\ndate: 2024-01-31T23:30:00+09:00\n---\n"),
        ("articles/c.md", "---\ntitle: c\ndate: \"2024-02-01T00:00:00Z\"\n---\n"),
    ]);
    let feed = read(&root.join("public"), "feed.xml");
    assert!(feed.contains("<published>2024-01-31T23:30:00+09:00</published>"), "{feed}");
}

#[test]
fn kind_must_be_incident_or_article() {
    let d = bad_article(&art("kind: essay\n"), "kind:", "kind");
    assert!(d.message.contains("essay") && d.message.contains("incident") && d.message.contains("article"));
}

#[test]
fn kind_overrides_the_directory_default() {
    // An article under incidents/ needs no organization and goes under /articles/.
    let (_tmp, root) = builds(&[
        ("incidents/2024/note.md", "---\ntitle: メモ\ndate: 2024-01-30\nkind: article\n---\n"),
        ("articles/case.md", "---\ntitle: 事件\ndate: 2024-01-30\nkind: incident\norganization: X\n---\n"),
    ]);
    assert!(root.join("public/articles/note/index.html").is_file());
    assert!(root.join("public/incidents/case/index.html").is_file());
    // And `kind: incident` outside incidents/ makes organization required.
    let text = "---\ntitle: 事件\ndate: 2024-01-30\nkind: incident\n---\n";
    let (_tmp, root) = site(&[("articles/a.md", text)]);
    let r = failed(&root);
    expect_in_block(&r, "content/articles/a.md", text, &["`organization`"]);
}

#[test]
fn tags_must_be_a_list_of_strings() {
    bad_article(&art("tags: ランサムウェア\n"), "tags:", "tags");
    bad_article(&art("tags:\n  - 正常\n  - [入れ子]\n"), "[入れ子]", "tags");
    bad_article(&art("tags: [正常, \"\"]\n"), "tags:", "tags");
}

#[test]
fn slug_must_be_one_path_segment() {
    for bad in ["a/b", "..", "a b", "a?b", "100%"] {
        let d = bad_article(&art(&format!("slug: \"{bad}\"\n")), "slug:", "slug");
        assert!(d.message.contains("expected"), "{}", d.message);
    }
}

#[test]
fn slugs_must_be_unique_within_a_kind() {
    let a = "---\ntitle: a\ndate: 2024-01-30\nslug: same\n---\n";
    let b = "---\ntitle: b\ndate: 2024-01-31\nslug: same\n---\n";
    let (_tmp, root) = site(&[("articles/a.md", a), ("articles/b.md", b)]);
    let r = failed(&root);
    let d = expect(&r, "content/articles/b.md", line_of(b, "slug:"), &["`same`"]);
    assert!(d.message.contains("content/articles/a.md"), "names the other file: {}", d.message);
}

#[test]
fn summary_must_be_a_string() {
    bad_article(&art("summary: [a, b]\n"), "summary:", "summary");
}

/// An optional text field written as empty text (`summary: ""`, an empty `summary: |`) is absent,
/// as `summary:` is; a required one is an error.
#[test]
fn empty_text_in_an_optional_field_is_absent() {
    let (_tmp, root) = site(&[
        ("incidents/2024/a.md", &inc("summary: \"\"\nsector: ''\n")),
        ("articles/b.md", &art("summary: |\ntags: [x]\n")),
    ]);
    build(&root, &[]).expect_status(0);
    let d = bad_article(&art("").replace("title: 記事", "title: \"\""), "title:", "title");
    assert!(d.message.contains("`title` is empty"), "{}", d.message);
}

#[test]
fn updated_must_be_a_date() {
    let d = bad_article(&art("updated: 2024-13-01\n"), "updated:", "updated");
    assert!(d.message.contains("2024-13-01"));
}

#[test]
fn draft_must_be_a_bool() {
    let d = bad_article(&art("draft: maybe\n"), "draft:", "draft");
    assert!(d.message.contains("true or false"), "{}", d.message);
}

#[test]
fn extra_must_be_a_map() {
    bad_article(&art("extra: 3\n"), "extra:", "extra");
    // Anything goes inside it.
    builds(&[("articles/a.md", &art("extra:\n  anything: [1, {x: y}]\n  カード: true\n"))]);
}

#[test]
fn unknown_keys_are_errors_with_a_suggestion() {
    let d = bad_incident(&inc("organisation: 株式会社テスト\n"), "organisation:", "organisation");
    assert!(d.message.contains("did you mean `organization`"), "{}", d.message);
    assert_eq!(d.column, 1);
    // A key with nothing close is still an error naming it.
    let d = bad_article(&art("colour_scheme_xyz: dark\n"), "colour_scheme_xyz", "colour_scheme_xyz");
    assert!(!d.message.contains("did you mean"), "{}", d.message);
}

// ---------------------------------------------------------------------------------------------
// Fields of incidents

#[test]
fn id_must_be_yyyy_nnn() {
    for bad in ["2024-33", "24-033", "2024_033", "２０２４-033", "2024-03a"] {
        let d = bad_incident(&inc(&format!("id: \"{bad}\"\n")), "id:", "id");
        assert!(d.message.contains("YYYY-NNN"), "{}", d.message);
    }
    builds(&[("incidents/2024/a.md", &inc("id: \"2024-1001\"\n"))]);
}

#[test]
fn id_must_be_unique_across_the_site() {
    let a = inc("id: \"2024-001\"\n");
    let b = "---\ntitle: 別の事件\ndate: 2024-02-01\norganization: Y\nid: \"2024-001\"\nslug: other\n---\n";
    // Different directories, different kinds of slug: the id alone collides.
    let (_tmp, root) = site(&[("incidents/2024/a.md", &a), ("incidents/2023/b.md", b)]);
    let r = failed(&root);
    let d = expect(&r, "content/incidents/2024/a.md", line_of(&a, "id:"), &["`id`", "2024-001"]);
    assert!(d.message.contains("content/incidents/2023/b.md"), "names the first user: {}", d.message);
    assert!(r.diagnostics().iter().all(|d| d.path == "content/incidents/2024/a.md"), "reported once:\n{}", r.stderr);

    // The same number written with more digits is the same place in the series.
    let c = inc("id: \"2024-0001\"\n");
    let (_tmp, root) = site(&[("incidents/2024/c.md", &c), ("incidents/2023/b.md", b)]);
    let r = failed(&root);
    expect(
        &r,
        "content/incidents/2024/c.md",
        line_of(&c, "id:"),
        &["`id` `2024-0001` is already used by", "as `2024-001`"],
    );
}

#[test]
fn organization_is_required_for_incidents_only() {
    let text = "---\ntitle: 事件\ndate: 2024-01-30\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", text)]);
    let r = failed(&root);
    expect_in_block(&r, "content/incidents/2024/a.md", text, &["`organization`", "missing"]);
    bad_incident(
        &inc("").replace("organization: 株式会社テスト", "organization: \"\""),
        "organization:",
        "organization",
    );
    builds(&[("articles/a.md", text)]);
}

#[test]
fn attack_and_sector_must_be_strings() {
    bad_incident(&inc("attack: [不正アクセス, DDoS]\n"), "attack:", "attack");
    bad_incident(&inc("sector: {a: 1}\n"), "sector:", "sector");
}

#[test]
fn affected_must_be_a_non_negative_integer() {
    for bad in ["-3", "\"2,726\"", "1.5", "many", "[1]"] {
        let d = bad_incident(&inc(&format!("affected: {bad}\n")), "affected:", "affected");
        assert!(d.message.contains("non-negative"), "{bad}: {}", d.message);
    }
    builds(&[("incidents/2024/a.md", &inc("affected: 0\n"))]);
}

#[test]
fn data_must_be_a_list_of_strings() {
    bad_incident(&inc("data: 氏名\n"), "data:", "data");
    bad_incident(&inc("data:\n  - 氏名\n  - {a: b}\n"), "{a: b}", "data");
}

#[test]
fn disclosed_must_be_a_date() {
    let d = bad_incident(&inc("disclosed: 2024-02-30\n"), "disclosed:", "disclosed");
    assert!(d.message.contains("2024-02-30"));
}

#[test]
fn occurred_is_a_date_or_an_ordered_period() {
    let d = bad_incident(&inc("occurred: { from: 2024-02-01, to: 2024-01-01 }\n"), "occurred:", "occurred");
    assert!(d.message.contains("`from` on or before `to`"), "{}", d.message);
    let d = bad_incident(&inc("occurred: { form: 2024-01-01, to: 2024-01-02 }\n"), "occurred:", "occurred");
    assert!(d.message.contains("did you mean `from`"), "{}", d.message);
    bad_incident(&inc("occurred: { from: 2024-01-01 }\n"), "occurred:", "occurred");
    bad_incident(&inc("occurred: 2024-01-32\n"), "occurred:", "occurred");
    // Block form: the error is inside the `occurred` value.
    let text = inc("occurred:\n  from: 2024-02-01\n  to: 2024-01-01\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    let diags = r.diagnostics();
    let d = diags.iter().find(|d| d.message.contains("`occurred`")).expect("an occurred error");
    assert!((line_of(&text, "occurred:")..=line_of(&text, "to:")).contains(&d.line), "{d:?}");
    // Both good forms build.
    builds(&[
        ("incidents/2024/a.md", &inc("occurred: 2024-01-01\n")),
        ("incidents/2024/b.md", &inc("occurred: { from: 2024-01-01, to: 2024-01-01 }\n")),
    ]);
}

#[test]
fn dates_in_an_impossible_order_are_errors_naming_both_fields() {
    // A year mistyped in each: an update before the entry, a disclosure before the breach, a
    // breach that began after the entry reporting it. Every one is reported in the same run.
    let updated = inc("updated: 2023-01-31\n");
    let disclosed = inc("disclosed: 2023-01-10\noccurred: { from: 2023-12-01, to: 2024-01-05 }\n");
    let began = inc("occurred: 2025-01-05\n");
    let (_tmp, root) = site(&[
        ("incidents/2024/a.md", &updated),
        ("incidents/2024/b.md", &disclosed),
        ("incidents/2024/c.md", &began),
    ]);
    let r = failed(&root);
    assert_eq!(r.diagnostics().len(), 3, "{}", r.stderr);
    expect(
        &r,
        "content/incidents/2024/a.md",
        line_of(&updated, "updated:"),
        &["`updated` is 2023-01-31", "`date` 2024-01-30 (line 3)"],
    );
    expect(
        &r,
        "content/incidents/2024/b.md",
        line_of(&disclosed, "disclosed:"),
        &["`disclosed` is 2023-01-10", "`occurred` from 2023-12-01, line 6"],
    );
    expect(
        &r,
        "content/incidents/2024/c.md",
        line_of(&began, "occurred:"),
        &["`occurred` begins on 2025-01-05", "`date` 2024-01-30 (line 3)"],
    );
    // Reported from the news before the organization's own announcement: fine.
    builds(&[("incidents/2024/a.md", &inc("disclosed: 2024-02-15\noccurred: 2024-01-02\n"))]);
}

#[test]
fn sources_are_titled_http_links() {
    let d = bad_incident(&inc("sources: [{title: 発表, url: \"javascript:alert(1)\"}]\n"), "sources:", "sources");
    assert!(d.message.contains("javascript:alert(1)") && d.message.contains("http"), "{}", d.message);
    bad_incident(&inc("sources: [{title: 発表, url: \"ftp://example.org/a\"}]\n"), "sources:", "sources");
    bad_incident(&inc("sources: [{title: 発表, url: \"/relative/path\"}]\n"), "sources:", "sources");
    bad_incident(&inc("sources: [{title: 発表}]\n"), "sources:", "sources");
    bad_incident(&inc("sources:\n  - https://example.org/a\n"), "- https://", "sources");
    builds(&[("incidents/2024/a.md", &inc("sources:\n  - title: 発表\n    url: http://example.org/a.pdf\n"))]);
}

#[test]
fn a_bad_source_url_is_reported_at_its_own_line() {
    // The url is on the line after the item's `- title:`; the position should be the url's.
    let text = inc(
        "sources:\n  - title: 正しい出典\n    url: https://example.org/ok\n  - title: 悪い出典\n    url: javascript:alert(1)\n",
    );
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    expect(
        &r,
        "content/incidents/2024/a.md",
        line_of(&text, "url: javascript:"),
        &["`sources`", "javascript:alert(1)"],
    );
}

#[test]
fn follows_must_name_an_existing_entry() {
    let text = inc("id: \"2024-002\"\nfollows: \"2024-099\"\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    let d = expect(&r, "content/incidents/2024/a.md", line_of(&text, "follows:"), &["`follows`", "2024-099"]);
    assert!(d.message.contains("expected"), "{}", d.message);
}

/// A `follows` naming an entry whose own front matter has errors is not reported as naming
/// nothing: that entry's errors are. The `follows` of the entry with errors is still checked,
/// and "did you mean" never suggests the entry's own id.
#[test]
fn follows_errors_do_not_cascade_from_an_entry_with_errors() {
    let first =
        inc("id: \"2024-101\"\nfollows: \"2099-999\"\naffected: \"多数\"\n").replace("organization:", "organisation:");
    let second = "---\ntitle: 第2報\nid: \"2024-102\"\ndate: 2024-04-01\norganization: X\nfollows: \"2024-101\"\n---\n";
    let third = "---\ntitle: 第3報\nid: \"2024-103\"\ndate: 2024-04-02\norganization: X\nfollows: \"2024-10\"\n---\n";
    // Front matter that is not YAML at all still names its id.
    let fourth = "---\ntitle: \"開いたまま\nid: \"2024-104\"\ndate: 2024-04-03\norganization: X\n---\n";
    let fifth = "---\ntitle: 第5報\nid: \"2024-105\"\ndate: 2024-04-04\norganization: X\nfollows: \"2024-104\"\n---\n";
    let (_tmp, root) = site(&[
        ("incidents/2024/first.md", &first),
        ("incidents/2024/second.md", second),
        ("incidents/2024/third.md", third),
        ("incidents/2024/fourth.md", fourth),
        ("incidents/2024/fifth.md", fifth),
    ]);
    let r = failed(&root);
    let path = "content/incidents/2024/first.md";
    expect(&r, path, line_of(&first, "organisation:"), &["unknown field `organisation`"]);
    expect(&r, path, line_of(&first, "affected:"), &["`affected`"]);
    expect(&r, path, line_of(&first, "follows:"), &["`follows` names `2099-999`, which no entry has"]);
    let d = expect(&r, "content/incidents/2024/third.md", 6, &["`follows` names `2024-10`, which no entry has"]);
    assert!(!d.message.contains("2024-103"), "suggests the entry itself: {}", d.message);
    for path in ["content/incidents/2024/second.md", "content/incidents/2024/fifth.md"] {
        assert!(
            r.diagnostics().iter().all(|d| d.path != path),
            "{path} follows an entry that exists (with errors of its own):\n{}",
            r.stderr
        );
    }
}

/// A `follows` naming a draft says so (the draft is not built) instead of "names nothing".
#[test]
fn follows_naming_a_draft_says_it_is_a_draft() {
    let draft = "---\ntitle: 下書き\nid: \"2024-001\"\ndate: 2024-03-01\norganization: X\ndraft: true\n---\n";
    let later = "---\ntitle: 第2報\nid: \"2024-002\"\ndate: 2024-04-01\norganization: X\nfollows: \"2024-001\"\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", draft), ("incidents/2024/b.md", later)]);
    let r = failed(&root);
    expect(
        &r,
        "content/incidents/2024/b.md",
        line_of(later, "follows:"),
        &["`follows` names `2024-001`, a draft (content/incidents/2024/a.md)", "--drafts"],
    );
    build(&root, &["--drafts"]).success();
}

#[test]
fn follows_must_name_an_earlier_entry() {
    let first = "---\ntitle: 第1報\nid: \"2024-001\"\ndate: 2024-03-01\norganization: X\nfollows: \"2024-002\"\n---\n";
    let later = "---\ntitle: 第2報\nid: \"2024-002\"\ndate: 2024-04-01\norganization: X\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", first), ("incidents/2024/b.md", later)]);
    let r = failed(&root);
    expect(&r, "content/incidents/2024/a.md", line_of(first, "follows:"), &["`follows`", "earlier"]);

    let own = "---\ntitle: 自分\nid: \"2024-001\"\ndate: 2024-03-01\norganization: X\nfollows: \"2024-001\"\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", own)]);
    let r = failed(&root);
    expect(&r, "content/incidents/2024/a.md", line_of(own, "follows:"), &["`follows`"]);
}

#[test]
fn follows_accepts_a_slug_and_builds_the_chain() {
    let first = "---\ntitle: 第1報\ndate: 2024-03-01\norganization: X\n---\n";
    let second = "---\ntitle: 第2報\ndate: 2024-04-01\norganization: X\nfollows: first-report\n---\n";
    let (_tmp, root) = builds(&[("incidents/2024/first-report.md", first), ("incidents/2024/second.md", second)]);
    let html = read(&root.join("public"), "incidents/first-report/index.html");
    assert!(
        html.contains("class=\"chain\"") && html.contains("href=\"/incidents/second/\""),
        "chain on the first report"
    );
}

#[test]
fn incident_fields_on_an_article_are_errors() {
    for (line, field) in [
        ("id: \"2024-001\"\n", "id"),
        ("organization: X\n", "organization"),
        ("attack: 不正アクセス\n", "attack"),
        ("sector: 小売\n", "sector"),
        ("affected: 10\n", "affected"),
        ("disclosed: 2024-01-01\n", "disclosed"),
        ("occurred: 2024-01-01\n", "occurred"),
        ("follows: x\n", "follows"),
    ] {
        let d = bad_article(&art(line), &format!("{field}:"), field);
        assert!(d.message.contains("article"), "{}", d.message);
    }
}

#[test]
fn data_and_sources_on_an_article_are_errors() {
    // SPEC §2 lists `data` and `sources` among the fields of incidents.
    bad_article(&art("data: [氏名]\n"), "data:", "data");
    bad_article(&art("sources:\n  - title: 発表\n    url: https://example.org/a\n"), "sources:", "sources");
}

/// An incident saved outside `incidents/` is one problem, not one per field: one error at its
/// first incident field, naming all of them and saying why the entry is an article.
#[test]
fn an_incident_outside_incidents_is_one_error_that_says_why() {
    let text = inc("id: \"2024-001\"\nattack: 不正アクセス\naffected: 10\n");
    let (_tmp, root) = site(&[("2024-001.md", &text)]);
    let r = failed(&root);
    let diags = r.diagnostics();
    assert_eq!(diags.len(), 1, "{}", r.stderr);
    let d = expect(
        &r,
        "content/2024-001.md",
        line_of(&text, "organization:"),
        &["`organization`, `id`, `attack`, `affected` are fields of incidents"],
    );
    assert!(d.message.contains("is not under the content directory's `incidents/`"), "{}", d.message);
    assert!(d.message.contains("expected `kind: incident`"), "{}", d.message);
    // With `kind: article` written, that is the reason given.
    let (_tmp, root) = site(&[("articles/a.md", &art("kind: article\nsector: 小売\n"))]);
    let r = failed(&root);
    let d = &r.diagnostics()[0];
    assert!(
        d.message
            .starts_with("`sector` is a field of incidents, but this entry is an article (it has `kind: article`)"),
        "{}",
        d.message
    );
}

// ---------------------------------------------------------------------------------------------
// The file itself

#[test]
fn front_matter_must_be_present_and_closed() {
    let (_tmp, root) = site(&[
        ("articles/a.md", "title: 記事\ndate: 2024-01-30\n"),
        ("articles/b.md", "---\ntitle: 記事\ndate: 2024-01-30\n\n本文\n"),
    ]);
    let r = failed(&root);
    let a = expect(&r, "content/articles/a.md", 1, &["---"]);
    assert!(a.message.contains("expected"));
    expect(&r, "content/articles/b.md", 1, &["---"]);
}

#[test]
fn bom_and_crlf_keep_file_line_numbers() {
    let text =
        "\u{feff}---\r\ntitle: 事件\r\ndate: 2024-01-30\r\norganization: X\r\n\r\naffected: -1\r\n---\r\n本文\r\n";
    let d = bad_incident(text, "affected:", "affected");
    assert_eq!((d.line, d.column), (6, 11));
    builds(&[("incidents/2024/a.md", &text.replace("-1", "1"))]);
}

#[test]
fn invalid_utf8_is_reported_with_its_line() {
    let (_tmp, root) = empty_site("utf8", BOOK);
    let p = root.join("content/articles/a.md");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"---\ntitle: a\ndate: 2024-01-30\n---\n\n\xff\xfe\n").unwrap();
    let r = failed(&root);
    expect(&r, "content/articles/a.md", 6, &["UTF-8"]);
}

// ---------------------------------------------------------------------------------------------
// book.toml

#[test]
fn book_toml_unknown_keys_name_the_key_and_suggest() {
    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\nbase_ulr = \"/\"\n");
    let r = failed(&root);
    let d = expect(&r, "book.toml", 3, &["base_ulr", "did you mean `base_url`"]);
    assert_eq!(d.column, 1);

    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\n\n[build]\nper_pages = 3\n");
    let r = failed(&root);
    expect(&r, "book.toml", 5, &["per_pages", "did you mean `per_page`"]);

    let (_tmp, root) = empty_site(
        "booktoml",
        "[book]\ntitle = \"x\"\n[[taxonomies]]\nfeild = \"tags\"\npath = \"t\"\ntitle = \"T\"\n",
    );
    let r = failed(&root);
    expect(&r, "book.toml", 4, &["feild", "did you mean `field`"]);
}

#[test]
fn book_toml_needs_a_title() {
    let (_tmp, root) = empty_site("booktoml", "[book]\ndescription = \"x\"\n");
    let r = failed(&root);
    assert!(r.diagnostics().iter().any(|d| d.path == "book.toml" && d.message.contains("title")), "{}", r.stderr);
}

/// A book.toml with problems does not hide the content's: one run reports both, every value of
/// the wrong type in book.toml included.
#[test]
fn book_toml_and_content_problems_are_reported_in_one_run() {
    let text = art("draft: maybe\n");
    let (_tmp, root) =
        empty_site("booktoml", "[book]\ntitle = \"x\"\nauthors = \"編集部\"\nbogus = 1\n[build]\nper_page = \"2\"\n");
    write(&root, "content/articles/a.md", &text);
    let r = failed(&root);
    expect(&r, "book.toml", 3, &["`book.authors` is a string, expected a list of strings"]);
    expect(&r, "book.toml", 4, &["unknown key `book.bogus`"]);
    expect(&r, "book.toml", 6, &["`build.per_page` is a string, expected a positive whole number"]);
    expect(&r, "content/articles/a.md", line_of(&text, "draft:"), &["`draft`"]);
    assert_eq!(r.diagnostics().len(), 4, "{}", r.stderr);
}

/// A file the walk of the content cannot read (a link to nowhere, a link that loops), and a
/// static file that cannot be copied, do not hide the other files' problems: one run reports
/// them all, and `check` still checks the links of the entries that load.
#[cfg(unix)]
#[test]
fn unreadable_files_and_the_other_files_problems_are_reported_in_one_run() {
    let bad = art("draft: maybe\n");
    let linking = format!("{}\n[壊れ](/nope/)\n", art(""));
    let (_tmp, root) = site(&[("articles/a.md", &bad), ("articles/b.md", &linking)]);
    let link = |target: &str, at: &str| std::os::unix::fs::symlink(target, root.join(at)).unwrap();
    link("nowhere.md", "content/articles/gone.md");
    link("..", "content/articles/loop");
    std::fs::create_dir_all(root.join("static")).unwrap();
    link("nowhere.png", "static/gone.png");
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, "content/articles/a.md", line_of(&bad, "draft:"), &["`draft`"]);
    for (file, what) in [
        ("content/articles/gone.md", "is a symbolic link to nowhere.md, which does not exist"),
        ("content/articles/loop", "is a symbolic link that loops back to a parent directory"),
        ("static/gone.png", "is a symbolic link to nowhere.png, which does not exist"),
    ] {
        let line = format!("{file}: error: {what}");
        assert!(r.stderr.lines().any(|l| l.starts_with(&line)), "no `{line}` in:\n{}", r.stderr);
    }
    assert!(
        r.stderr.ends_with("error: build failed with 4 error(s); the previous output was left as it was\n"),
        "{}",
        r.stderr
    );

    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    let at = format!("content/articles/b.md:{}:1: error: links to `/nope/`", line_of(&linking, "/nope/"));
    assert!(c.stderr.contains(&at), "{}", c.stderr);
    assert!(c.stderr.contains("content/articles/gone.md: error: is a symbolic link to nowhere.md"), "{}", c.stderr);
    assert!(c.stderr.contains("static/gone.png: error: is a symbolic link"), "{}", c.stderr);
}

/// Invalid UTF-8 in book.toml is reported at its line and column, like in an entry.
#[test]
fn book_toml_that_is_not_utf8_is_reported_at_its_position() {
    let (_tmp, root) = empty_site("booktoml", "");
    std::fs::write(root.join("book.toml"), b"[book]\ntitle = \"ab\xff\"\n").unwrap();
    let r = failed(&root);
    let d = expect(&r, "book.toml", 2, &["not valid UTF-8"]);
    assert_eq!(d.column, 12);
}

/// A content or output directory that book.toml sets is reported at its line there.
#[test]
fn book_toml_directories_are_reported_at_their_lines() {
    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\n[build]\ncontent = \"nope\"\n");
    let r = failed(&root);
    expect(&r, "book.toml", 4, &["`build.content`: the content directory does not exist"]);

    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\n[build]\n\noutput = \"\"\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, "book.toml", 5, &["`build.output`: the output directory", "is or contains the site root"]);
}

/// A theme that does not exist is reported at its line of book.toml.
#[test]
fn book_toml_theme_must_exist() {
    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\n\ntheme = \"nosuch\"\n");
    let r = failed(&root);
    expect(&r, "book.toml", 4, &["`book.theme` is `nosuch` but themes/nosuch/ does not exist"]);
}

#[test]
fn book_toml_errors_are_sorted_by_position() {
    let (_tmp, root) = empty_site("booktoml", "[book]\ntitle = \"x\"\n[build]\nper_pages = 3\n[markdwn]\n");
    let r = failed(&root);
    let lines: Vec<usize> = r.diagnostics().iter().map(|d| d.line).collect();
    assert_eq!(lines, [4, 5], "both unknown keys, in file order:\n{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Every problem, in a stable order, in the promised format

#[test]
fn every_bad_file_is_reported_sorted_by_path_then_line() {
    let bad_c = "---\ntitle: c\ndate: 2024-01-30\norganization: X\naffected: -1\n---\n";
    let bad_a = "---\ntitle: \"\"\ndate: nope\n---\n";
    let bad_z = inc("id: \"2024-001\"\nfollows: \"2024-999\"\n");
    let bad_b = "---\ntitle: b\ndate: 2024-01-30\ndraft: maybe\n---\n";
    let (_tmp, root) = site(&[
        ("incidents/2024/z.md", &bad_z),
        ("articles/b.md", bad_b),
        ("incidents/2023/c.md", bad_c),
        ("articles/a.md", bad_a),
        ("articles/good.md", "---\ntitle: ok\ndate: 2024-01-30\n---\n"),
    ]);
    // Run twice: the order is stable.
    let r = failed(&root);
    let again = failed(&root);
    assert_eq!(r.stderr, again.stderr, "the same input gives the same report");
    let got: Vec<(String, usize)> = r.diagnostics().into_iter().map(|d| (d.path, d.line)).collect();
    let want: Vec<(String, usize)> = vec![
        ("content/articles/a.md".into(), 2),
        ("content/articles/a.md".into(), 3),
        ("content/articles/b.md".into(), 4),
        ("content/incidents/2023/c.md".into(), 5),
        ("content/incidents/2024/z.md".into(), line_of(&bad_z, "follows:")),
    ];
    assert_eq!(got, want, "\n{}", r.stderr);
}

#[test]
fn all_problems_of_one_file_are_reported() {
    let text = "---\ntitle: \"\"\ndate: nope\nslug: a/b\naffected: -3\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", text)]);
    let r = failed(&root);
    for (at, field) in [("title:", "title"), ("date:", "date"), ("slug:", "slug"), ("affected:", "affected")] {
        expect(&r, "content/incidents/2024/a.md", line_of(text, at), &[&format!("`{field}`")]);
    }
}

#[test]
fn a_type_error_does_not_hide_the_other_problems_of_the_file() {
    // `draft: maybe` is a YAML type error; the negative count and the misspelt key after it
    // must still be reported in the same run (SPEC §4: all errors, not only the first).
    let text = inc("draft: maybe\naffected: -3\norganisation: Y\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    let path = "content/incidents/2024/a.md";
    expect(&r, path, line_of(&text, "draft:"), &["`draft`"]);
    expect(&r, path, line_of(&text, "affected:"), &["`affected`"]);
    expect(&r, path, line_of(&text, "organisation:"), &["organisation"]);
}

#[test]
fn front_matter_errors_show_the_source_line_and_a_caret() {
    let text = inc("affected: -3\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    let line = line_of(&text, "affected:");
    assert!(
        r.stderr.contains(&format!("content/incidents/2024/a.md:{line}:11: error: ")),
        "path:line:col: error: form\n{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("{line} | affected: -3")), "source line\n{}", r.stderr);
    assert!(r.stderr.contains(&format!("  | {}^", " ".repeat(10))), "caret under the value\n{}", r.stderr);
}

#[test]
fn site_level_errors_show_the_source_line_and_a_caret() {
    // Errors found across entries (unknown `follows`, duplicate id) are printed in the same form
    // as every other error: the location, then the offending line with a caret.
    let a = inc("id: \"2024-001\"\nfollows: \"2023-777\"\n");
    let b = "---\ntitle: b\ndate: 2024-02-01\norganization: Y\nid: \"2024-001\"\nslug: b\n---\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", &a), ("incidents/2024/b.md", b)]);
    let r = failed(&root);
    let fl = line_of(&a, "follows:");
    assert!(
        r.stderr.contains(&format!("{fl} | follows: \"2023-777\"")),
        "source line of the follows error:\n{}",
        r.stderr
    );
    let il = line_of(b, "id:");
    assert!(r.stderr.contains(&format!("{il} | id: \"2024-001\"")), "source line of the duplicate id:\n{}", r.stderr);
}

#[test]
fn messages_say_what_is_wrong_and_what_was_expected() {
    // `path:line:col: error: <what is wrong>, expected <what>`: the message names the problem,
    // then what was expected in the terms of SPEC §2, not the YAML parser's.
    let cases = [
        ("a.md", art("tags: ランサムウェア\n"), "list"),
        ("b.md", art("extra: 3\n"), "map"),
        ("c.md", art("summary: [a]\n"), "string"),
        ("d.md", art("zzzzzz: 1\n"), "title, date"),
    ];
    let mut files: Vec<(String, String)> = cases.iter().map(|(n, t, _)| (format!("articles/{n}"), t.clone())).collect();
    files.push(("incidents/2024/e.md".into(), inc("follows: \"qqqqqq\"\n")));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (_tmp, root) = site(&refs);
    let r = failed(&root);
    let diags = r.diagnostics();
    let mut bad = Vec::new();
    for d in &diags {
        // "<what is wrong>, expected <what>" (or "...? expected" after a suggestion).
        let ok_form = d.message.contains(", expected ") || d.message.contains("? expected ");
        if !ok_form {
            bad.push(format!("{}:{}: {}", d.path, d.line, d.message));
        }
    }
    for (name, _, word) in &cases {
        let d = diags.iter().find(|d| d.path.ends_with(name)).unwrap_or_else(|| panic!("no error for {name}"));
        let expected = d.message.split("expected").nth(1).unwrap_or("");
        if !expected.contains(word) {
            bad.push(format!("{}:{}: {} (should say it expected a {word})", d.path, d.line, d.message));
        }
    }
    assert!(bad.is_empty(), "messages not in the `what is wrong, expected what` form:\n{}", bad.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Failed builds and the output directory (SPEC §5)

/// A site that builds, with its first output.
fn good_site() -> (TempDir, PathBuf, PathBuf) {
    let (tmp, root) = builds(&[
        ("incidents/2024/a.md", &inc("id: \"2024-001\"\ntags: [ランサムウェア]\n")),
        ("articles/b.md", &art("tags: [解説]\n")),
    ]);
    let out = root.join("public");
    assert!(out.join("incidents/2024-001/index.html").is_file());
    (tmp, root, out)
}

#[test]
fn a_content_error_leaves_the_previous_output_untouched() {
    let (_tmp, root, out) = good_site();
    let before = read_tree(&out);
    write(&root, "content/articles/c.md", &art("affected: 1\n"));
    write(&root, "content/articles/b.md", &art("tags: [変更後]\n"));
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(r.stdout.trim().is_empty(), "no success line: {}", r.stdout);
    assert_eq!(read_tree(&out), before, "the previous output must be byte-identical");
    assert!(leftovers(&root).is_empty(), "leftovers: {:?}", leftovers(&root));
}

#[test]
fn a_template_error_during_rendering_leaves_the_previous_output_untouched() {
    let (_tmp, root, out) = good_site();
    let before = read_tree(&out);
    // Parses, but fails while rendering (after the staging directory exists).
    write(
        &root,
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}{{ nope.field }}{% endblock content %}\n",
    );
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, "templates/404.html", 1, &["nope"]);
    assert_eq!(read_tree(&out), before, "the previous output must be byte-identical");
    assert!(leftovers(&root).is_empty(), "leftovers: {:?}", leftovers(&root));
    // Fixing it builds again, replacing the output.
    std::fs::remove_file(root.join("templates/404.html")).unwrap();
    build(&root, &[]).success();
    assert!(leftovers(&root).is_empty());
}

/// Unknown filters and includes in several templates are each reported at their template's
/// file, line and column, and counted; a missing parent template at its `extends`.
#[test]
fn template_load_errors_are_reported_one_by_one_at_their_lines() {
    let (_tmp, root, _out) = good_site();
    write(
        &root,
        "templates/404.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ page_title | nosuchfilter }}\n{% include \"partials/nosuch.html\" %}\n{% endblock content %}\n",
    );
    write(
        &root,
        "templates/search.html",
        "{% extends \"base.html\" %}\n{% block content %}{{ 1 | zzz }}{% endblock content %}\n",
    );
    let r = build(&root, &[]);
    r.expect_status(1);
    assert_eq!(r.diagnostics().len(), 3, "{}", r.stderr);
    assert!(r.stderr.contains("build failed with 3 error(s)"), "{}", r.stderr);
    let d = expect(&r, "templates/404.html", 3, &["Unknown filter `nosuchfilter`"]);
    assert_eq!(d.column, 17);
    expect(&r, "templates/404.html", 4, &["Unknown template `partials/nosuch.html`"]);
    expect(&r, "templates/search.html", 2, &["Unknown filter `zzz`"]);

    write(&root, "templates/search.html", "{# 親 #}\n{% extends \"nosuch.html\" %}\n");
    std::fs::remove_file(root.join("templates/404.html")).unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = expect(&r, "templates/search.html", 2, &["extends `nosuch.html`, which is not a template"]);
    assert_eq!(d.column, 13);
}

/// A template that fails on some pages only (a field that is none there) says on which page,
/// once for all of them; a mistake in the card partial is reported in the partial, at its line.
#[test]
fn a_template_error_names_the_page_it_happened_on_and_the_partial_it_is_in() {
    let (_tmp, root, out) = good_site();
    let before = read_tree(&out);
    write(&root, "content/incidents/2024/b.md", &inc("id: \"2024-002\"\naffected: 2726\n"));
    write(&root, "content/incidents/2024/c.md", &inc("id: \"2024-003\"\n"));
    write(&root, "content/incidents/2024/d.md", &inc("id: \"2024-004\"\n"));
    write(
        &root,
        "templates/incident.html",
        "{% extends \"base.html\" %}{% block content %}\n<p>{{ page.affected | num }}</p>\n{% endblock content %}\n",
    );
    write(&root, "templates/partials/card.html", "<article>\n  {{ entry.titel }}\n</article>\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = expect(&r, "templates/incident.html", 2, &["`num` filter", "got none"]);
    assert!(d.message.contains("(on the page /incidents/2024-004/ and 2 others)"), "{}", r.stderr);
    let d = expect(&r, "templates/partials/card.html", 2, &["`titel`", "(rendered from ", ", on the page / and "]);
    assert_eq!(d.column, 12, "{}", r.stderr);
    assert_eq!(r.diagnostics().len(), 2, "{}", r.stderr);
    assert_eq!(read_tree(&out), before, "the previous output must be byte-identical");
}

/// `{#main}` on a heading gave the page a second `id="main"`: the skip link, and every link to
/// the id, went to the heading.
#[test]
fn an_explicit_heading_id_the_page_has_already_is_an_error_at_the_heading() {
    let text = inc("").replace("本文。", "本文。\n\n## 経緯 {#main}\n\n## 原因\n\n## 原因の詳細 {#原因}\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = failed(&root);
    expect(
        &r,
        "content/incidents/2024/a.md",
        line_of(&text, "{#main}"),
        &["heading id `main` is taken: the page's templates give it to an element of their own", "expected another id"],
    );
    expect(
        &r,
        "content/incidents/2024/a.md",
        line_of(&text, "{#原因}"),
        &["heading id `原因` is taken: an earlier heading has it"],
    );
    assert_eq!(r.diagnostics().len(), 2, "{}", r.stderr);
}

/// A card rendered inside a fragment (the site footer) names both on the way: the footer's line
/// that calls the card, then the page template's line that calls the footer.
#[test]
fn an_error_in_a_card_inside_a_fragment_names_every_template_on_the_way() {
    let (_tmp, root, _out) = good_site();
    write(&root, "templates/partials/site_footer.html", "<footer>\n{{ card(entry=site.nothere) }}\n</footer>\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics().into_iter().find(|d| d.message.contains("rendered from")).expect("a card error");
    assert!(d.path.ends_with("templates/partials/card.html"), "{}", r.stderr);
    assert!(
        d.message.contains(
            "(rendered from templates/partials/site_footer.html:2, from (built-in theme) templates/base.html:"
        ),
        "{}",
        r.stderr
    );
}

/// Tera stops at the first template that does not parse and at the first missing parent:
/// every broken template of the theme is still reported in one run, beside the errors of the
/// others, and a template extending a broken one adds no error of its own.
#[test]
fn every_broken_template_is_reported_in_one_run() {
    let (_tmp, root, out) = good_site();
    let before = read_tree(&out);
    write(&root, "templates/404.html", "{{ unclosed \n");
    write(&root, "templates/year.html", "ok\n{% if %}{% endif %}\n");
    write(&root, "templates/series.html", "{% extends \"nobase.html\" %}\n");
    write(&root, "templates/taxonomy.html", "\n{% extends \"nobase2.html\" %}\n");
    write(&root, "templates/term.html", "{% extends \"series.html\" %}\n");
    write(&root, "templates/years.html", "{{ years | bogus }}\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, "templates/404.html", 1, &["Unexpected end of input"]);
    expect(&r, "templates/year.html", 2, &["expected one of"]);
    expect(&r, "templates/series.html", 1, &["extends `nobase.html`"]);
    expect(&r, "templates/taxonomy.html", 2, &["extends `nobase2.html`"]);
    expect(&r, "templates/years.html", 1, &["Unknown filter `bogus`"]);
    assert_eq!(r.diagnostics().len(), 5, "{}", r.stderr);
    assert!(r.stderr.contains("build failed with 5 error(s)"), "{}", r.stderr);
    assert_eq!(read_tree(&out), before, "the previous output must be byte-identical");
}

/// Asserts the build is refused with status 1 and that nothing of the site was touched.
#[track_caller]
fn refused(root: &Path, output: &Path) {
    let before = read_tree(root);
    let r = build(root, &["--output", output.to_str().unwrap()]);
    r.expect_status(1);
    assert!(r.stderr.contains("output"), "the error names the output directory:\n{}", r.stderr);
    assert_eq!(read_tree(root), before, "nothing of the site may change");
    assert!(leftovers(root).is_empty() && leftovers(root.parent().unwrap()).is_empty(), "staging left behind");
}

/// A build replaces its output whole, so a directory holding files no build wrote (a home
/// directory typed as `--output`, a folder of hand-written pages) is refused, not emptied; an
/// empty one, or an earlier build's, is replaced.
#[test]
fn an_output_directory_of_other_files_is_refused_not_emptied() {
    let (tmp, root, out) = good_site();
    let mine = tmp.join("mine");
    write(&mine, "notes/plan.txt", "大事なメモ");
    let before = read_tree(&mine);
    let r = build(&root, &["--output", mine.to_str().unwrap()]);
    r.expect_status(1);
    assert!(r.stderr.contains("holds files that no casebook build wrote"), "{}", r.stderr);
    assert_eq!(read_tree(&mine), before, "nothing in it may change");
    assert!(leftovers(tmp.path()).is_empty(), "staging left behind");
    // `check` says the same of book.toml's output.
    std::fs::write(root.join("book.toml"), format!("{BOOK}\n[build]\noutput = \"{}\"\n", mine.display())).unwrap();
    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    assert!(c.stderr.contains("holds files that no casebook build wrote"), "{}", c.stderr);
    std::fs::write(root.join("book.toml"), BOOK).unwrap();
    // An empty directory and an earlier build's output are replaced.
    let empty = tmp.join("empty");
    std::fs::create_dir(&empty).unwrap();
    build(&root, &["--output", empty.to_str().unwrap()]).success();
    assert!(empty.join("incidents.json").is_file());
    write(&out, "stray.html", "x");
    build(&root, &[]).success();
    assert!(!out.join("stray.html").exists());
}

#[test]
fn output_that_is_or_contains_the_site_is_refused() {
    let (tmp, root, _out) = good_site();
    refused(&root, &root);
    refused(&root, &root.join("content"));
    refused(&root, &root.join("content/incidents"));
    refused(&root, tmp.path());
    // Spelled with `..` or a trailing slash, it is the same directory.
    refused(&root, &root.join("public/../content"));
    refused(&root, &PathBuf::from(format!("{}/", root.display())));
    // The site's templates and static files are sources too: a build would replace them.
    write(&root, "templates/404.html", "{% extends \"base.html\" %}\n");
    write(&root, "static/robots-extra.txt", "x");
    refused(&root, &root.join("templates"));
    refused(&root, &root.join("static"));
    refused(&root, &root.join("themes/mine"));
    // In book.toml too.
    let toml = format!("{BOOK}\n[build]\noutput = \".\"\n");
    std::fs::write(root.join("book.toml"), &toml).unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(root.join("content/articles/b.md").is_file() && root.join("book.toml").is_file());
}

// ---------------------------------------------------------------------------------------------
// The command line

#[test]
fn usage_errors_exit_with_2() {
    let (_tmp, root) = site(&[("articles/a.md", &art(""))]);
    for args in [
        vec!["build", "--no-such-flag"],
        vec!["build", "--jobs", "0"],
        vec!["build", "--jobs", "many"],
        vec!["build", "--base-url", "notaurl"],
        vec!["build", "--base-url", "javascript:alert(1)"],
        vec!["new", "incident", "--organization", "o", "--id", "2024-1", "t"],
        vec!["frobnicate"],
        vec![],
    ] {
        let r = run_in(&root, &args);
        assert_eq!(r.status, Some(2), "casebook {args:?} should be a usage error\n{}", r.stderr);
        assert!(!r.stderr.trim().is_empty(), "casebook {args:?} explains itself");
    }
    assert!(!root.join("public").exists());
}

#[test]
fn a_missing_site_root_is_an_error() {
    let tmp = TempDir::new("noroot");
    let r = run_in(tmp.path(), &["build", "--root", tmp.path().to_str().unwrap()]);
    r.expect_status(1);
    assert!(r.stderr.contains("book.toml"), "{}", r.stderr);
    let (_tmp, root) = empty_site("nocontent", BOOK);
    std::fs::remove_dir(root.join("content")).unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(r.stderr.contains("content"), "{}", r.stderr);
}

#[test]
fn invalid_utf8_column_counts_characters_before_it() {
    let (_tmp, root) = site(&[]);
    let mut bytes = "---\ntitle: 事件\ndate: 2024-01-30\n---\n本文の".as_bytes().to_vec();
    bytes.extend_from_slice(&[0xe6, 0x96]); // a cut three-byte character
    bytes.extend_from_slice("です\n".as_bytes());
    std::fs::create_dir_all(root.join("content/incidents/2024")).unwrap();
    std::fs::write(root.join("content/incidents/2024/a.md"), bytes).unwrap();
    let r = failed(&root);
    let d = expect(&r, "content/incidents/2024/a.md", 5, &["not valid UTF-8"]);
    assert_eq!(d.column, 4, "the column of the first bad byte, counted in characters");
}

/// A control character pasted into a body (a backspace from a PDF) is invisible in an editor
/// and forbidden in HTML: an error at it, in an entry and in a term's text alike.
#[test]
fn a_character_html_forbids_in_a_body_is_an_error_at_it() {
    let text = inc("").replace("本文。", "本文。\n\n二行目の途中\u{8}に。\u{fffe}\n");
    let (_tmp, root) = site(&[
        ("incidents/2024/a.md", &text),
        ("tags/_index.md", "# タグ\n\n説明\u{7f}。\n"),
        ("incidents/2024/b.md", &inc("tags: [x]\n").replace("本文。", "改ページ\u{c}とタブ\tは文字。")),
    ]);
    let r = failed(&root);
    let d = expect(
        &r,
        "content/incidents/2024/a.md",
        line_of(&text, "二行目"),
        &["control character U+0008 (and 1 more in this text)", "delete it"],
    );
    assert_eq!(d.column, 7, "{}", r.stderr);
    let d = expect(&r, "content/tags/_index.md", 3, &["control character U+007F"]);
    assert_eq!(d.column, 3, "{}", r.stderr);
    assert_eq!(r.diagnostics().len(), 2, "{}", r.stderr);
}

/// A YAML mistake in one field (a full-width colon, a field written twice, a quote left open)
/// stops a YAML parser; the file's other problems, in other fields and in the body, are still
/// reported in the same run, and the field with the mistake is not also "missing".
#[test]
fn a_yaml_mistake_in_one_field_hides_nothing_else_of_the_file() {
    let a = "---\ntitle：事件\ndate: 2024-01-30\norganization: 株式会社テスト\naffected: 多数\ntags: [a]\ntags: [b]\nsector: \"小売\nattack: x\norganisation: y\n---\n\n本文\u{8}。\n";
    let t = "---\ndescription：説明\nsummary: x\n---\n\n説明\u{7f}。\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", a), ("tags/_index.md", t)]);
    let r = failed(&root);
    let path = "content/incidents/2024/a.md";
    expect(&r, path, line_of(a, "title："), &["`title` is followed by the full-width colon"]);
    expect(&r, path, line_of(a, "affected"), &["`affected` is `多数`"]);
    expect(&r, path, line_of(a, "tags: [b]"), &["`tags` is written twice (first at line 6)"]);
    expect(&r, path, line_of(a, "sector"), &["quoted text of `sector` is not closed"]);
    expect(&r, path, line_of(a, "organisation"), &["did you mean `organization`"]);
    expect(&r, path, line_of(a, "本文"), &["control character U+0008"]);
    expect(&r, "content/tags/_index.md", 2, &["`description` is followed by the full-width colon"]);
    expect(&r, "content/tags/_index.md", 3, &["unknown field `summary`"]);
    expect(&r, "content/tags/_index.md", 6, &["control character U+007F"]);
    assert!(!r.stderr.contains("missing"), "{}", r.stderr);
    assert_eq!(r.diagnostics().len(), 9, "{}", r.stderr);
}

/// A title copied from a published post keeps its series label: it would show twice (or with
/// two numbers), since pages put the label from `id` before every incident's title.
#[test]
fn a_title_that_begins_with_the_series_label_is_an_error_at_it() {
    let same = inc("id: \"2024-034\"\n")
        .replace("title: 事件", "title: \"【セキュリティ事件簿#2024-034】株式会社Y 不正アクセスについて\"");
    let other = inc("id: \"2024-035\"\n").replace("title: 事件", "title: 【セキュリティ事件簿#2024-036】別の事件");
    let none = inc("").replace("title: 事件", "title: 【セキュリティ事件簿#2024-037】番号なし");
    let fine = inc("id: \"2024-038\"\n").replace("title: 事件", "title: 続報【セキュリティ事件簿#2024-034】について");
    let (_tmp, root) = site(&[
        ("incidents/2024/a.md", &same),
        ("incidents/2024/b.md", &other),
        ("incidents/2024/c.md", &none),
        ("incidents/2024/d.md", &fine),
    ]);
    let r = failed(&root);
    expect(
        &r,
        "content/incidents/2024/a.md",
        2,
        &["`title` begins with the series label `【セキュリティ事件簿#2024-034】`", "expected the title without it"],
    );
    expect(&r, "content/incidents/2024/b.md", 2, &["label `【セキュリティ事件簿#2024-036】`, but `id` is `2024-035`"]);
    expect(&r, "content/incidents/2024/c.md", 2, &["but the entry has no `id`", "`id: \"2024-037\"`"]);
    assert_eq!(r.diagnostics().len(), 3, "{}", r.stderr);
}

/// A Japanese comma typed for YAML's `,` (`[ランサムウェア、不正アクセス]`) makes one term of
/// two. A term may hold one, so the entry builds, with a warning at the item that shows the
/// list meant.
#[test]
fn a_japanese_comma_in_a_list_is_one_term_and_a_warning() {
    let text = inc("tags: [ランサムウェア、不正アクセス, VPN]\ndata: [氏名，住所]\n");
    let (_tmp, root) = site(&[("incidents/2024/a.md", &text)]);
    let r = build(&root, &[]);
    r.success();
    let warnings: Vec<&str> =
        r.stderr.lines().filter(|l| l.starts_with("content/") && l.contains(": warning: ")).collect();
    assert_eq!(warnings.len(), 2, "{}", r.stderr);
    let at = format!("content/incidents/2024/a.md:{}:8: warning: ", line_of(&text, "tags:"));
    assert!(warnings[0].starts_with(&at), "{}", r.stderr);
    assert!(
        warnings[0].ends_with("expected `[ランサムウェア, 不正アクセス]` (half-width commas) for 2 terms"),
        "{}",
        r.stderr
    );
    assert!(warnings[1].contains("`data` item `氏名，住所` holds the Japanese comma `，`"), "{}", r.stderr);
    let page = read(&root.join("public"), "incidents/a/index.html");
    assert!(page.contains(">ランサムウェア、不正アクセス</a>"), "read as written: {page}");

    // Beside an error of the same file, the warning is told in the same run.
    let broken = inc("tags: [a、b]\nsector: [x]\n");
    write(&root, "content/incidents/2024/a.md", &broken);
    let r = build(&root, &[]);
    r.expect_status(1);
    expect(&r, "content/incidents/2024/a.md", line_of(&broken, "sector:"), &["`sector`"]);
    let at = format!("content/incidents/2024/a.md:{}:8: warning: `tags` item `a、b`", line_of(&broken, "tags:"));
    assert!(r.stderr.contains(&at), "{}", r.stderr);
    assert!(
        r.stderr.ends_with("build failed with 1 error(s); the previous output was left as it was\n"),
        "{}",
        r.stderr
    );
}

/// The slips made inside a field (`sources`, `extra`) and the values YAML takes for something
/// else are each named at their own line in plain words, and none hides the next: a key without
/// its colon, a key out of line, a quote left open, a second slip in the same `sources`, a
/// `#1` read as a comment, a tab before the one field of a term's text.
#[test]
fn slips_inside_fields_are_each_named_at_their_line() {
    let a = inc(
        "sources:\n  - title 発表\n    url: https://e.org/a\n  - title: 続報\n    url：https://e.org/b\nextra:\n  note: 1\n   more: 2\n",
    );
    let b = art("extra:\n  note: \"開いた\n  more: 2\nsummary: #1 の要約\n");
    let c = "---\ntitle: #3 事件\ndate: 2024-01-30\n---\n\n本文。\n";
    let t = "---\n\tdescription: 説明\n---\n\n本文。\n";
    let (_tmp, root) =
        site(&[("incidents/2024/a.md", &a), ("articles/b.md", &b), ("articles/c.md", c), ("tags/_index.md", t)]);
    let r = failed(&root);
    let pa = "content/incidents/2024/a.md";
    expect(&r, pa, line_of(&a, "title 発表"), &["`title` of `sources` has no `:` after it"]);
    expect(&r, pa, line_of(&a, "url："), &["`url` of `sources` is followed by the full-width colon"]);
    expect(&r, pa, line_of(&a, "more"), &["`extra` has a key indented more than the one above it"]);
    let pb = "content/articles/b.md";
    expect(&r, pb, line_of(&b, "開いた"), &["the quoted text of `note` in `extra` is not closed on its line"]);
    let warning =
        format!("{pb}:{}:1: warning: `summary` is empty: YAML reads `#1 の要約` as a comment", line_of(&b, "summary"));
    assert!(r.stderr.contains(&warning), "{}", r.stderr);
    expect(&r, "content/articles/c.md", 2, &["`title` is empty", "expected the value in quotes: `title: \"#3 事件\"`"]);
    expect(&r, "content/tags/_index.md", 2, &["a tab indents `description`"]);
    assert_eq!(r.diagnostics().len(), 6, "{}", r.stderr);
}

/// A value a ` #` cuts short is built as YAML reads it, but told: in an entry's field, a source's
/// title and a term text's description, each a warning at its `#`, and the build succeeds.
#[test]
fn values_cut_short_by_a_comment_are_warned_of() {
    let a = inc("sources:\n  - title: 報告書 #2\n    url: https://e.org/a\n")
        .replace("title: 事件", "title: ランサムウェア被害 #2 続報");
    let t = "---\ndescription: 一覧 #ランサムウェア など\n---\n\n本文。\n";
    let (_tmp, root) = site(&[("incidents/2024/a.md", &a), ("tags/_index.md", t)]);
    let r = build(&root, &[]);
    r.expect_status(0);
    for (path, line, column, what) in [
        ("content/incidents/2024/a.md", line_of(&a, "続報"), 18, "`title` stops before `#2 続報`"),
        ("content/incidents/2024/a.md", line_of(&a, "報告書"), 16, "`title` in `sources` stops before `#2`"),
        ("content/tags/_index.md", 2, 17, "`description` stops before `#ランサムウェア など`"),
    ] {
        let expected = format!("{path}:{line}:{column}: warning: {what}, which YAML reads as a comment");
        assert!(r.stderr.contains(&expected), "{expected}\n{}", r.stderr);
    }
}
