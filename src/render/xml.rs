//! Atom feeds, the sitemap and robots.txt, written directly: their shape is fixed by their
//! standards, and building them in Rust keeps escaping exact and the output deterministic.

use std::fmt::Write as _;

use super::values::{Links, series_label};
use crate::config::Config;
use crate::site::Site;

/// The sitemap protocol's limit of URLs per file.
pub const SITEMAP_LIMIT: usize = 50_000;
pub const FEED_ENTRIES: usize = 20;

/// Escapes text for XML content and attribute values. Works on bytes: everything it changes is
/// ASCII or starts with a lead byte, so the text between is copied in runs.
pub fn escape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        let (len, replacement) = match bytes[i] {
            b'&' => (1, "&amp;"),
            b'<' => (1, "&lt;"),
            b'>' => (1, "&gt;"),
            b'"' => (1, "&quot;"),
            b'\'' => (1, "&apos;"),
            b'\t' | b'\n' | b'\r' => (0, ""),
            // Characters XML 1.0 forbids even escaped: controls, U+FFFE and U+FFFF.
            0..=0x1f => (1, ""),
            0xef if bytes.get(i + 1) == Some(&0xbf) && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) => (3, ""),
            _ => (0, ""),
        };
        if len == 0 {
            i += 1;
            continue;
        }
        out.push_str(&s[run..i]);
        out.push_str(replacement);
        i += len;
        run = i;
    }
    out.push_str(&s[run..]);
    out
}

/// An Atom id must be an absolute IRI; without an origin in base_url, fall back to a URN.
fn atom_id(links: &Links, url: &str) -> String {
    if links.base.has_origin() { links.permalink(url) } else { format!("urn:casebook:{url}") }
}

pub struct FeedSpec<'a> {
    pub title: String,
    /// What the feed is about; empty for none.
    pub subtitle: &'a str,
    /// URL of the feed itself and of the HTML page it follows.
    pub self_url: &'a str,
    pub page_url: &'a str,
    /// Entries, newest first; the first [`FEED_ENTRIES`] are used.
    pub entries: &'a [usize],
}

pub fn atom(site: &Site, config: &Config, links: &Links, spec: &FeedSpec<'_>) -> String {
    let entries = &spec.entries[..spec.entries.len().min(FEED_ENTRIES)];
    // The latest instant, not the greatest text: `2024-05-01T09:00:00+09:00` is before
    // `2024-05-01T01:00:00Z`.
    let updated = entries
        .iter()
        .map(|&i| updated_date(site, i))
        .max_by_key(|d| d.instant())
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let author = config.book.authors.first().map_or(config.book.title.as_str(), String::as_str);
    let mut x = String::with_capacity(2048 + entries.len() * 1024);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n  <title>{title}</title>\n",
        lang = escape(&config.book.language),
        title = escape(&spec.title),
    );
    if !spec.subtitle.is_empty() {
        let _ = writeln!(x, "  <subtitle>{}</subtitle>", escape(spec.subtitle));
    }
    let _ = write!(
        x,
        "  <link href=\"{self_href}\" rel=\"self\" type=\"application/atom+xml\"/>\n  <link href=\"{page}\" rel=\"alternate\" type=\"text/html\"/>\n  <id>{id}</id>\n  <updated>{updated}</updated>\n  <author><name>{author}</name></author>\n  <generator version=\"{v}\">casebook</generator>\n",
        self_href = escape(&links.permalink(spec.self_url)),
        page = escape(&links.permalink(spec.page_url)),
        id = escape(&atom_id(links, spec.self_url)),
        author = escape(author),
        v = env!("CARGO_PKG_VERSION"),
    );
    for &i in entries {
        let e = &site.entries[i];
        let url = &links.entry[i];
        let title = format!("{}{}", series_label(config, e), e.meta.title);
        let _ = write!(
            x,
            "  <entry>\n    <title>{title}</title>\n    <link href=\"{href}\" rel=\"alternate\" type=\"text/html\"/>\n    <id>{id}</id>\n    <published>{published}</published>\n    <updated>{updated}</updated>\n",
            title = escape(&title),
            href = escape(&links.permalink(url)),
            id = escape(&atom_id(links, url)),
            published = e.meta.date.rfc3339(),
            updated = updated_of(site, i),
        );
        // `label` is what feed readers show for a category (RFC 4287 §4.2.2.3), so it is not the
        // taxonomy's title (every tag read `タグ`); the taxonomy is told by `scheme`, its page,
        // which must be an absolute IRI and so is left out without an origin.
        for (t, tax) in site.taxonomies.iter().enumerate() {
            let scheme = if links.base.has_origin() {
                format!(" scheme=\"{}\"", escape(&links.permalink(&links.taxonomy[t])))
            } else {
                String::new()
            };
            for &term in &site.entry_terms[i][t] {
                let _ = writeln!(x, "    <category term=\"{}\"{scheme}/>", escape(&tax.terms[term].name));
            }
        }
        // A feed reader resolves links against the feed's URL, if at all: make them absolute.
        // An entry with no text has none: an empty summary is shown by some readers as a blank.
        if !e.summary_html.trim().is_empty() {
            let summary = crate::url::rebase_links(&e.summary_html, url, &links.base.absolute(""));
            let _ = writeln!(x, "    <summary type=\"html\">{}</summary>", escape(&summary));
        }
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

fn updated_date(site: &Site, i: usize) -> crate::content::Date {
    let m = &site.entries[i].meta;
    match m.later_update() {
        Some(u) => crate::content::Date { day: u, time: None },
        None => m.date,
    }
}

fn updated_of(site: &Site, i: usize) -> String {
    updated_date(site, i).rfc3339()
}

/// One URL of the sitemap, with its last modification date when known.
pub struct SitemapUrl {
    pub url: String,
    pub lastmod: Option<String>,
}

/// The sitemap as (file name, content) pairs: one `sitemap.xml`, or past [`SITEMAP_LIMIT`] URLs
/// an index `sitemap.xml` of parts `sitemap-1.xml`, `sitemap-2.xml`, ...
pub fn sitemaps(links: &Links, urls: &[SitemapUrl]) -> Vec<(String, String)> {
    let urlset = |chunk: &[SitemapUrl]| {
        let mut x = String::with_capacity(chunk.len() * 96 + 128);
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for u in chunk {
            let _ = write!(x, "  <url><loc>{}</loc>", escape(&links.permalink(&u.url)));
            if let Some(d) = &u.lastmod {
                let _ = write!(x, "<lastmod>{d}</lastmod>");
            }
            x.push_str("</url>\n");
        }
        x.push_str("</urlset>\n");
        x
    };
    if urls.len() <= SITEMAP_LIMIT {
        return vec![("sitemap.xml".into(), urlset(urls))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (n, chunk) in urls.chunks(SITEMAP_LIMIT).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let _ = writeln!(
            index,
            "  <sitemap><loc>{}</loc></sitemap>",
            escape(&links.permalink(&links.base.file_url(&[&name])))
        );
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.insert(0, ("sitemap.xml".into(), index));
    files
}

/// robots.txt: everything allowed, and the sitemap, whose line must be a full URL (RFC 9309): a
/// site without a host in `base_url` gets a comment in its place.
pub fn robots(links: &Links) -> String {
    let sitemap = links.base.file_url(&["sitemap.xml"]);
    if links.base.has_origin() {
        format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", links.permalink(&sitemap))
    } else {
        format!(
            "User-agent: *\nAllow: /\n\n# The sitemap is {sitemap}; set book.base_url to the site's address to list it here.\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_drops_forbidden_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(
            escape("事件\u{FFFE}簿\u{FFFF}\t\n\r\u{FFFD}"),
            "事件簿\t\n\r\u{FFFD}",
            "forbidden characters dropped"
        );
    }
}
