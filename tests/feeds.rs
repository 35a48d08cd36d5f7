//! The feeds are Atom (RFC 4287): parsed as XML and checked against the format's requirements —
//! the required elements of a feed and of each entry, absolute IRIs, RFC 3339 dates.

use std::path::{Path, PathBuf};
use std::process::Command;

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn build_sample() -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("feeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["build", "-q", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn is_rfc3339(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn is_absolute_iri(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://") || s.starts_with("urn:") || s.starts_with("tag:")
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    n.children()
        .filter(|c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM))
        .collect()
}

/// Checks one feed file against RFC 4287 §4.1; returns the number of entries.
fn check_atom(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", path.display()));
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM), "the Atom namespace");
    let one = |n: roxmltree::Node, name: &str| {
        let v = child(n, name);
        assert_eq!(v.len(), 1, "{}: exactly one atom:{name} in {}", path.display(), n.tag_name().name());
        v[0].text().unwrap_or("").to_string()
    };
    assert!(is_absolute_iri(&one(feed, "id")));
    assert!(!one(feed, "title").is_empty());
    assert!(is_rfc3339(&one(feed, "updated")));
    let self_links: Vec<_> = child(feed, "link").into_iter().filter(|l| l.attribute("rel") == Some("self")).collect();
    assert_eq!(self_links.len(), 1, "one rel=self link");
    assert!(is_absolute_iri(self_links[0].attribute("href").unwrap()));
    let feed_has_author = !child(feed, "author").is_empty();
    if feed_has_author {
        assert_eq!(child(child(feed, "author")[0], "name").len(), 1, "atom:author has atom:name");
    }
    let entries = child(feed, "entry");
    for e in &entries {
        assert!(is_absolute_iri(&one(*e, "id")));
        assert!(!one(*e, "title").is_empty());
        let updated = one(*e, "updated");
        assert!(is_rfc3339(&updated));
        if let Some(p) = child(*e, "published").first() {
            assert!(is_rfc3339(p.text().unwrap()));
        }
        assert!(feed_has_author || !child(*e, "author").is_empty(), "every entry has an author");
        let alternate: Vec<_> = child(*e, "link")
            .into_iter()
            .filter(|l| l.attribute("rel").unwrap_or("alternate") == "alternate")
            .collect();
        assert_eq!(alternate.len(), 1, "one alternate link per entry");
        assert!(is_absolute_iri(alternate[0].attribute("href").unwrap()));
        // Without atom:content a non-empty summary is advisable (RFC 4287 §4.1.1.1), and its
        // absence no error: an entry with no text has none.
        let summary = child(*e, "summary");
        assert!(summary.len() <= 1);
        if let Some(s) = summary.first() {
            assert_eq!(s.attribute("type"), Some("html"));
            assert!(!s.text().unwrap_or("").trim().is_empty(), "an empty summary");
        }
        for c in child(*e, "category") {
            let term = c.attribute("term").unwrap_or("");
            assert!(!term.is_empty());
            // Readers show `label` in place of the term: it can only be the term itself.
            assert!(c.attribute("label").is_none_or(|l| l == term), "label {:?} of {term}", c.attribute("label"));
            assert!(c.attribute("scheme").is_none_or(is_absolute_iri), "scheme is an absolute IRI");
        }
    }
    let ids: std::collections::HashSet<String> = entries.iter().map(|e| one(*e, "id")).collect();
    assert_eq!(ids.len(), entries.len(), "entry ids are unique");
    entries.len()
}

#[test]
fn every_feed_of_the_sample_site_is_valid_atom() {
    let out = build_sample();
    assert_eq!(check_atom(&out.join("feed.xml")), 20, "the site feed holds the newest 20");
    let mut term_feeds = 0;
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        if entry.file_name() == "feed.xml" && entry.path() != out.join("feed.xml") {
            assert!(check_atom(entry.path()) >= 1, "a term feed lists the term's entries");
            term_feeds += 1;
        }
    }
    assert!(term_feeds > 50, "every term has a feed ({term_feeds})");
    let _ = std::fs::remove_dir_all(&out);
}

/// The feed's `updated` is its latest entry's moment, compared as instants: 09:00 in Tokyo is
/// before 01:00 UTC on the same day, though its text sorts after.
#[test]
fn feed_updated_is_the_latest_instant() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("feeds-instant-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("content/articles")).unwrap();
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"t\"\nbase_url = \"https://example.org/\"\n").unwrap();
    for (name, date) in [("tokyo", "2024-05-01T09:00:00+09:00"), ("utc", "2024-05-01T01:00:00Z")] {
        std::fs::write(
            root.join(format!("content/articles/{name}.md")),
            format!("---\ntitle: {name}\ndate: {date}\n---\n\n本文。\n"),
        )
        .unwrap();
    }
    // No text at all: no summary in the feed (it was an empty one).
    std::fs::write(root.join("content/articles/empty.md"), "---\ntitle: 空\ndate: 2024-04-01\n---\n").unwrap();
    let status =
        Command::new(env!("CARGO_BIN_EXE_casebook")).args(["build", "-q", "--root"]).arg(&root).status().unwrap();
    assert!(status.success());
    let feed = std::fs::read_to_string(root.join("public/feed.xml")).unwrap();
    assert_eq!(check_atom(&root.join("public/feed.xml")), 3);
    assert_eq!(feed.matches("<summary").count(), 2, "{feed}");
    let updated = &feed[feed.find("<updated>").unwrap() + 9..feed.find("</updated>").unwrap()];
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(updated).unwrap(),
        chrono::DateTime::parse_from_rfc3339("2024-05-01T01:00:00Z").unwrap()
    );
    let _ = std::fs::remove_dir_all(&root);
}
