//! Front matter and whole-entry parsing: `frontmatter::split` and `content::parse_entry` on
//! arbitrary text, as an incident (under `incidents/`) and as an article.
//!
//! Invariants: no panic; every problem is a diagnostic that names the file, at a line of the
//! file; a parsed entry has a slug that is one valid URL path segment and a non-empty title.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::path::Path;

use casebook::content::{self, LoadOptions, frontmatter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    if let Ok(split) = frontmatter::split(text) {
        // The pieces are slices of the text (after an optional BOM), in order.
        check!("split-pieces", split.yaml_line == 2 && split.body_line >= 3, "bad split lines {split:?}");
    }

    let lines = text.split_inclusive('\n').count().max(1);
    let lone_cr = text.split('\r').skip(1).any(|after| !after.starts_with('\n'));
    let root = Path::new("/site");
    let content_dir = Path::new("/site/content");
    for rel in ["incidents/2024/2024-033.md", "articles/Fuzz Note.md"] {
        let file = content_dir.join(rel);
        let shown = content::shown(root, &file);
        for drafts in [true, false] {
            let opts = LoadOptions { east_asian_line_breaks: drafts, incident_ids: &[], article_ids: &[], drafts };
            match content::parse_entry(&shown, content_dir, &file, text, opts) {
                Ok(Some(e)) => {
                    check!("slug-segment", casebook::url::check_segment(&e.slug).is_ok(), "slug {:?}", e.slug);
                    check!("title-empty", !e.meta.title.trim().is_empty(), "empty title");
                    check!("entry-path", e.path == shown, "entry path {:?}", e.path);
                    for l in &e.links {
                        check!("link-line", l.line >= 1 && l.line <= lines, "link at line {} of {lines}", l.line);
                    }
                }
                Ok(None) => check!("draft-skipped", !drafts, "an entry was skipped although drafts are built"),
                Err(diags) => {
                    check!("no-diagnostics", !diags.is_empty(), "an error without diagnostics");
                    for d in &diags {
                        check!("diag-path", d.path == shown, "diagnostic names {:?}, not {:?}", d.path, shown);
                        let in_file = d.line >= 1 && d.line <= lines + 1;
                        if lone_cr {
                            // Known: YAML counts a lone CR as a line break, the rest of casebook
                            // does not (regressions/frontmatter/lone-cr-*).
                            check!("diag-line-lone-cr", in_file, "diagnostic at line {} of {lines}: {}", d.line, d.message);
                        } else {
                            check!("diag-line", in_file, "diagnostic at line {} of {lines}: {}", d.line, d.message);
                        }
                        check!("diag-message", !d.message.trim().is_empty(), "empty message");
                        // Display must not panic either (caret under the source line).
                        let _ = d.to_string();
                    }
                }
            }
        }
    }
});
