//! Markdown rendering: `content::markdown::render` on arbitrary text. The first byte picks the
//! `east_asian_line_breaks` option.
//!
//! Invariants: no panic (the summary, rendered separately from the text before
//! `<!-- more -->`, included); link offsets lie inside the body.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use casebook::content::markdown::{self, MarkdownOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(rest);
    let r = markdown::render(&body, MarkdownOptions { east_asian_line_breaks: flags & 1 == 1, page_ids: &[] });
    for (_, offset) in &r.links {
        check!("link-offset", *offset <= body.len(), "link offset {offset} past {}", body.len());
        // What parse_entry does with each offset.
        let _ = casebook::diag::line_col(&body, *offset);
    }
});
