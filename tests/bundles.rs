//! Page bundles, end to end on `tests/fixtures/bundles`: a directory holding `index.md` is one
//! entry named by the directory, its other files are copied beside the page; files in no bundle
//! are warned about; assets in the way of other files are errors; `check` follows links to them.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const STRAY: &str = "content/incidents/2024/loose.png";

/// A fresh copy of the fixture, built with `extra` flags: guard, root, output, the run.
fn built(extra: &[&str]) -> (TempDir, PathBuf, PathBuf, Run) {
    let (tmp, root) = site_from_fixture("bundles");
    let run = build(&root, extra);
    run.success();
    let out = root.join("public");
    (tmp, root, out, run)
}

fn source(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn assets_are_copied_beside_their_page_with_their_names_and_subdirectories() {
    let (_tmp, root, out, _) = built(&[]);
    let tree = read_tree(&out);
    let bundle = "content/incidents/2024/2024-033";
    // The slug is the directory's name; the files keep theirs, Unicode and subdirectories too.
    assert!(tree.contains_key("incidents/2024-033/index.html"));
    assert_eq!(tree["incidents/2024-033/図1.png"], source(&root, &format!("{bundle}/図1.png")));
    assert_eq!(tree["incidents/2024-033/files/リリース.pdf"], source(&root, &format!("{bundle}/files/リリース.pdf")));
    // Hidden files and directories are not assets; neither is the entry itself.
    for gone in ["incidents/2024-033/.notes.txt", "incidents/2024-033/.cache/x.png", "incidents/2024-033/index.md"] {
        assert!(!tree.contains_key(gone), "{gone} was copied");
    }
    // An id still names an incident's bundle.
    assert!(tree.contains_key("incidents/2024-050/index.html"));
    assert_eq!(tree["incidents/2024-050/table.csv"], b"a,b\n1,2\n");
    assert!(!tree.keys().any(|k| k.starts_with("incidents/report/")), "the directory's name was used");
    // An article bundle; a Markdown file in it is an entry of its own, not an asset.
    assert!(tree.contains_key("articles/guide/index.html"));
    assert!(tree.contains_key("articles/guide/img/diagram.svg"));
    assert!(tree.contains_key("articles/appendix/index.html"));
    assert!(!tree.contains_key("articles/guide/appendix.md"));
    // A nested bundle keeps its own files.
    assert!(tree.contains_key("articles/part2/index.html"));
    assert_eq!(tree["articles/part2/chart.png"], b"PNG part2");
    assert!(!tree.keys().any(|k| k.starts_with("articles/guide/part2")), "the nested bundle was copied as assets");
    // The links as written resolve against the page, percent-encoded.
    let page = read(&out, "incidents/2024-033/index.html");
    assert!(page.contains(r#"<img src="%E5%9B%B31.png" alt="経緯の図" />"#), "{page}");
    assert!(page.contains(r#"href="./files/%E3%83%AA%E3%83%AA%E3%83%BC%E3%82%B9.pdf""#), "{page}");
    assert_links_resolve(&out, "/cb/", "https://example.org");
}

#[test]
fn a_drafts_assets_are_copied_only_when_drafts_are_built() {
    let (_tmp, _root, out, _) = built(&[]);
    assert!(!out.join("articles/draft-bundle").exists());
    let (_tmp, _root, out, _) = built(&["--drafts"]);
    assert_eq!(std::fs::read(out.join("articles/draft-bundle/secret.pdf")).unwrap(), b"secret");
}

#[test]
fn a_file_in_no_bundle_is_a_warning_and_not_published() {
    let (_tmp, _root, out, run) = built(&[]);
    let warning = run.stderr.lines().find(|l| l.starts_with(STRAY)).unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(warning.starts_with(&format!("{STRAY}: warning: is not copied into the site")), "{warning}");
    assert!(warning.contains("beside an `index.md`") && warning.contains("`static/`"), "{warning}");
    assert!(!read_tree(&out).keys().any(|k| k.ends_with("loose.png")));
}

#[test]
fn the_file_count_includes_the_assets() {
    let (_tmp, _root, out, run) = built(&[]);
    let files = read_tree(&out).len();
    assert!(run.stdout.contains(&format!(" into {files} files ")), "{files} files on disk: {}", run.stdout);
}

#[test]
fn summaries_with_an_image_point_at_the_asset_on_list_pages_and_in_feeds() {
    let (_tmp, _root, out, _) = built(&[]);
    let src = "/cb/incidents/2024-033/%E5%9B%B31.png";
    assert!(read(&out, "index.html").contains(&format!(r#"<img src="{src}""#)));
    assert!(read(&out, "feed.xml").contains(&format!("&lt;img src=&quot;https://example.org{src}&quot;")));
}

#[test]
fn the_output_is_the_same_whatever_the_number_of_threads() {
    let (_tmp, _root, one, _) = built(&["--jobs", "1"]);
    let (_tmp2, _root2, many, _) = built(&["--jobs", "4"]);
    assert!(read_tree(&one) == read_tree(&many), "the outputs differ");
}

#[test]
fn check_passes_links_to_assets_and_reports_a_missing_one() {
    let (_tmp, root) = site_from_fixture("bundles");
    let ok = run_in(&root, &["check"]);
    ok.success();
    assert!(ok.stderr.contains(&format!("{STRAY}: warning:")), "{}", ok.stderr);
    let github = run_in(&root, &["check", "--format", "github"]);
    github.success();
    assert!(github.stdout.contains(&format!("::warning file={STRAY}::is not copied")), "{}", github.stdout);

    let index = "content/articles/guide/part2/index.md";
    let text = std::fs::read_to_string(root.join(index)).unwrap();
    std::fs::write(root.join(index), format!("{text}\n![なし](missing.png)\n")).unwrap();
    let r = run_in(&root, &["check"]);
    r.expect_status(1);
    let d = r.diagnostics();
    assert_eq!(d.len(), 1, "{}", r.stderr);
    assert_eq!((d[0].path.as_str(), d[0].line, d[0].column), (index, 8, 1), "{d:?}");
    assert!(d[0].message.starts_with("links to `missing.png`, which the site does not have"), "{d:?}");
    // A run that fails still says what else it found, and counts only the errors.
    assert!(r.stderr.contains(&format!("{STRAY}: warning: is not copied")), "{}", r.stderr);
    assert!(r.stderr.contains("check found 1 problem(s)"), "{}", r.stderr);
    let github = run_in(&root, &["check", "--format", "github"]);
    assert!(github.stdout.contains(&format!("::warning file={STRAY}::")) && github.stdout.contains("::error file="));
    std::fs::write(root.join(index), text.replacen("title:", "organisation: x\ntitle:", 1)).unwrap();
    let b = build(&root, &[]);
    b.expect_status(1);
    assert!(b.stderr.contains(&format!("{STRAY}: warning: is not copied")), "{}", b.stderr);
    assert!(b.stderr.contains("build failed with 1 error(s)"), "{}", b.stderr);
}

#[test]
fn assets_in_the_way_are_errors_at_the_asset_and_the_previous_output_is_kept() {
    let (_tmp, root, out, _) = built(&[]);
    let before = read_tree(&out);
    // An asset where the page goes, and one where a static file goes: both in one run.
    write(&root, "content/articles/guide/index.html", "<p>手書き</p>");
    write(&root, "static/incidents/2024-050/table.csv", "static");
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(r.stderr.contains(
        "content/articles/guide/index.html: error: is copied to `articles/guide/index.html`, where a page the site writes goes too"
    ), "{}", r.stderr);
    assert!(r.stderr.contains(
        "content/incidents/2024/report/table.csv: error: is copied to `incidents/2024-050/table.csv`, where the static file `static/incidents/2024-050/table.csv` goes too"
    ), "{}", r.stderr);
    assert!(read_tree(&out) == before, "the previous output changed");
    assert!(leftovers(root.as_path()).is_empty(), "{:?}", leftovers(&root));
    // check reports the same.
    let c = run_in(&root, &["check"]);
    c.expect_status(1);
    assert_eq!(c.stderr.matches(": error: is copied to").count(), 2, "{}", c.stderr);
    // With an error in the content as well, build still reports all three, as check does.
    let part2 = "content/articles/guide/part2/index.md";
    let text = std::fs::read_to_string(root.join(part2)).unwrap();
    std::fs::write(root.join(part2), text.replacen("title:", "organisation: x\ntitle:", 1)).unwrap();
    for r in [build(&root, &[]), run_in(&root, &["check"])] {
        r.expect_status(1);
        assert_eq!(r.stderr.matches(": error: is copied to").count(), 2, "{}", r.stderr);
        assert!(r.stderr.contains(&format!("{part2}:2:1: error: ")), "{}", r.stderr);
    }
    assert!(read_tree(&out) == before, "the previous output changed");
}

#[test]
fn an_asset_where_a_directory_of_pages_goes_is_an_error() {
    let (_tmp, root) = site_from_fixture("bundles");
    // incidents/2024-033/index.html is the page; an asset file named like the page's directory
    // is impossible, but an asset directory named like the page file is not.
    write(&root, "content/incidents/2024/2024-033/index.html/x.png", "x");
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(
        r.stderr.contains("content/incidents/2024/2024-033/index.html/x.png: error: is copied to `incidents/2024-033/index.html/x.png`, below `incidents/2024-033/index.html`, which is a page the site writes"),
        "{}",
        r.stderr
    );
}

#[test]
fn links_out_of_the_site_that_publish_files_are_warnings_at_the_link() {
    let (tmp, root) = site_from_fixture("bundles");
    // A folder outside the site with two pictures and an entry (an entry in the bundle, not one
    // of its files; a static file in static/), and a picture inside the site.
    let outside = tmp.join("shared");
    write(&outside, "a.png", "A");
    write(&outside, "sub/b.png", "B");
    write(&outside, "外部.md", "---\ntitle: 外から\ndate: 2024-05-01\n---\n本文。\n");
    write(&root, "notes/inside.png", "I");
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, root.join(at)).unwrap();
    link(&outside, "content/articles/guide/shared");
    link(&outside.join("a.png"), "content/articles/guide/one.png");
    link(&outside.join("外部.md"), "content/articles/outside-entry.md");
    link(&root.join("notes/inside.png"), "content/articles/guide/inside.png");
    std::fs::create_dir_all(root.join("static")).unwrap();
    link(&outside, "static/shared");

    let r = build(&root, &[]);
    r.success();
    let out = root.join("public");
    // Followed and published as before: the warning is for a link made without looking.
    assert_eq!(std::fs::read(out.join("articles/guide/shared/sub/b.png")).unwrap(), b"B");
    assert_eq!(std::fs::read(out.join("shared/a.png")).unwrap(), b"A");
    let shown = outside.display();
    let expect = [
        format!(
            "content/articles/guide/one.png: warning: is a symbolic link to {shown}/a.png, outside the site, and it is published as a page bundle's file;"
        ),
        format!(
            "content/articles/guide/shared: warning: is a symbolic link to {shown}, outside the site, and the 2 files under it are published as page bundle files;"
        ),
        format!(
            "static/shared: warning: is a symbolic link to {shown}, outside the site, and the 3 files under it are published as static files;"
        ),
    ];
    for e in &expect {
        assert!(r.stderr.lines().any(|l| l.starts_with(e.as_str())), "no `{e}` in:\n{}", r.stderr);
    }
    // An entry read from outside is rendered, not copied, and a link within the site is fine.
    let links: Vec<&str> = r.stderr.lines().filter(|l| l.contains("symbolic link")).collect();
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(out.join("articles/outside-entry/index.html").is_file());

    // `check` says the same.
    let c = run_in(&root, &["check"]);
    c.success();
    assert_eq!(c.stderr.lines().filter(|l| l.contains("outside the site")).count(), 3, "{}", c.stderr);

    // A draft's files are published only with --drafts, and only then is its link a warning.
    link(&outside, "content/articles/draft-bundle/shared");
    let draft_link = "content/articles/draft-bundle/shared: warning: is a symbolic link";
    let r = build(&root, &[]);
    assert!(!r.stderr.contains(draft_link), "{}", r.stderr);
    let r = build(&root, &["--drafts"]);
    assert!(r.stderr.contains(draft_link), "{}", r.stderr);

    // A static link to nowhere cannot be copied: said so, not as a raw I/O error.
    link(&root.join("gone.png"), "static/gone.png");
    let r = build(&root, &[]);
    r.expect_status(1);
    let gone = root.join("gone.png");
    let expected = format!("static/gone.png: error: is a symbolic link to {}, which does not exist", gone.display());
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
}
