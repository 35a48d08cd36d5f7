//! Aliases: the site paths an entry used to have (`aliases` in front matter), where the build
//! writes a page that redirects to the entry.
//!
//! An alias is read as a path under the site's root (`base_url`'s path), with or without a
//! leading `/`. Percent-encoded input is decoded, so that `/%E6%97%A7/` and `/旧/` are one alias,
//! written on disk with its Unicode. It is not NFKC-normalized as term keys are: an old URL is
//! matched by a server byte for byte, and `/ﾃｽﾄ/` made `/テスト/` would leave the old link a 404.

use percent_encoding::percent_decode_str;

use super::BaseUrl;

/// The longest segment in bytes: a file or directory name, which file systems cap at 255.
const MAX_SEGMENT_BYTES: usize = 255;

/// A character no URL path of a page may hold: a control character (a tab included) or a
/// noncharacter (U+FFFE), written or percent-encoded.
fn unwritable(c: char) -> bool {
    c.is_control() || crate::content::markdown::is_forbidden(c)
}

/// The output file of the alias `raw`, `/`-separated and relative to the output root:
/// `/incidents/legacy-report/` → `incidents/legacy-report/index.html`, `old.html` → `old.html`,
/// `/old` → `old/index.html`. Or why `raw` is not a site path, for a message that goes on with
/// "expected a site path such as ...".
pub fn parse(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("is empty".into());
    }
    if let Some(c) = raw.chars().find(|&c| unwritable(c)) {
        return Err(format!("contains {}", crate::content::frontmatter::named(c)));
    }
    if raw.starts_with("//") {
        return Err("names a host (`//`)".into());
    }
    let scheme = raw.split_once(':').map(|(s, _)| s).filter(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if let Some(scheme) = scheme {
        return Err(format!("is a URL with the scheme `{scheme}:`, not a path of this site"));
    }
    if raw.contains(['?', '#']) {
        return Err("has a query (`?`) or fragment (`#`)".into());
    }
    if raw.contains('\\') {
        return Err("contains a backslash".into());
    }
    let path = raw.strip_prefix('/').unwrap_or(raw);
    let dir = path.is_empty() || path.ends_with('/');
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut segments: Vec<String> = Vec::new();
    for written in path.split('/').filter(|_| !path.is_empty()) {
        segments.push(segment(written)?);
    }
    let last_is_file = !dir
        && segments.last().is_some_and(|last| {
            let ext = last.rsplit_once('.').map(|(_, x)| x.to_ascii_lowercase());
            matches!(ext.as_deref(), Some("html" | "htm"))
        });
    if !dir
        && !last_is_file
        && let Some(last) = segments.last().filter(|s| s.contains('.'))
    {
        return Err(format!(
            "ends with `{last}`, a file that is not a page (a redirect is an HTML page: a path ending in `/` or `.html`)"
        ));
    }
    let mut out = segments.join("/");
    if !last_is_file {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str("index.html");
    }
    Ok(out)
}

/// One segment, decoded, or why it cannot be one.
fn segment(written: &str) -> Result<String, String> {
    if written.is_empty() {
        return Err("has an empty segment (`//`)".into());
    }
    let bytes = written.as_bytes();
    for (i, _) in written.match_indices('%') {
        let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        if hex.is_none() {
            return Err(format!("has a `%` in `{written}` that is not followed by two hex digits"));
        }
    }
    let decoded = percent_decode_str(written)
        .decode_utf8()
        .map_err(|_| format!("has `{written}`, whose percent-encoding is not UTF-8"))?;
    let segment = decoded.into_owned();
    if let Some(c) = segment.chars().find(|&c| unwritable(c)) {
        return Err(format!("contains {} (encoded)", crate::content::frontmatter::named(c)));
    }
    if segment.contains(['/', '\\']) {
        return Err(format!("has `{written}`, which decodes to a `/` or `\\`"));
    }
    if segment.contains(['?', '#']) {
        return Err(format!("has `{written}`, which decodes to a `?` or `#`"));
    }
    if segment == "." || segment == ".." {
        return Err(format!("has the segment `{written}` (`.` and `..` are not allowed)"));
    }
    if segment.len() > MAX_SEGMENT_BYTES {
        return Err(format!("has a segment of {} bytes, more than a file name can be", segment.len()));
    }
    Ok(segment)
}

/// The root-relative URL (under `base`) of the alias written at `path`, an output path from
/// [`parse`]: `old/index.html` → `/old/`, `old.html` → `/old.html`, percent-encoded.
pub fn url(base: &BaseUrl, path: &str) -> String {
    match path.strip_suffix("index.html").filter(|dir| dir.is_empty() || dir.ends_with('/')) {
        Some(dir) => base.url(&dir.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>()),
        None => base.file_url(&path.split('/').collect::<Vec<_>>()),
    }
}

/// `path` as an editor would write the alias, for messages: `old/index.html` → `/old/`.
pub fn shown(path: &str) -> String {
    url(&BaseUrl::default(), path)
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_html_files() {
        assert_eq!(parse("/incidents/legacy-report/").unwrap(), "incidents/legacy-report/index.html");
        assert_eq!(parse("incidents/legacy-report").unwrap(), "incidents/legacy-report/index.html");
        assert_eq!(parse("incidents/old.html").unwrap(), "incidents/old.html");
        assert_eq!(parse("/old.HTM").unwrap(), "old.HTM");
        assert_eq!(parse("/old/index.html").unwrap(), "old/index.html");
        assert_eq!(parse("  /old/  ").unwrap(), "old/index.html");
        assert_eq!(parse("/").unwrap(), "index.html");
        // A dot without an extension that is a page's: a directory written with its `/`.
        assert_eq!(parse("/v1.2/").unwrap(), "v1.2/index.html");
    }

    #[test]
    fn unicode_and_percent_encoding_are_one_alias() {
        assert_eq!(parse("/旧記事/").unwrap(), "旧記事/index.html");
        assert_eq!(parse("/%E6%97%A7%E8%A8%98%E4%BA%8B/").unwrap(), "旧記事/index.html");
        // Not NFKC, as term keys are: an old URL is matched byte for byte.
        assert_eq!(parse("/ｏｌｄ/ﾗﾝｻﾑ/").unwrap(), "ｏｌｄ/ﾗﾝｻﾑ/index.html");
        assert_eq!(parse("/a／b/．．/").unwrap(), "a／b/．．/index.html");
        // Case is kept: URLs are case-sensitive.
        assert_eq!(parse("/Old/").unwrap(), "Old/index.html");
        assert_eq!(parse("/a%20b/").unwrap(), "a b/index.html");
    }

    #[test]
    fn what_is_not_a_site_path_is_refused() {
        let why = |raw: &str| parse(raw).unwrap_err();
        assert_eq!(why(""), "is empty");
        assert_eq!(why("   "), "is empty");
        assert!(why("https://example.org/old/").contains("scheme `https:`"));
        assert!(why("javascript:alert(1)").contains("scheme `javascript:`"));
        assert!(why("//example.org/old/").contains("names a host"));
        assert!(why("/old/?p=1").contains("query"));
        assert!(why("/old/#top").contains("fragment"));
        assert!(why("/a/../b/").contains("`..`"));
        assert!(why("/a/./b/").contains("`.`"));
        assert!(why("/a/%2E%2E/b/").contains("`%2E%2E`"));
        assert!(why("/a//b/").contains("empty segment"));
        assert!(why("a\\b").contains("backslash"));
        assert!(why("/a\u{7}b/").contains("U+0007"));
        assert!(why("/a%00b/").contains("U+0000"));
        assert!(why("/a%2Fb/").contains("`/`"));
        assert!(why("/a%zzb/").contains("two hex digits"));
        assert!(why("/a%ff/").contains("not UTF-8"));
        assert!(why("/old.php").contains("not a page"));
        assert!(why(&format!("/{}/", "あ".repeat(90))).contains("270 bytes"));
    }

    #[test]
    fn urls_are_under_the_base_path_and_encoded() {
        let base = BaseUrl::parse("https://example.org/casebook/").unwrap();
        assert_eq!(url(&base, "old/index.html"), "/casebook/old/");
        assert_eq!(url(&base, "a/old.html"), "/casebook/a/old.html");
        assert_eq!(url(&base, "旧/index.html"), "/casebook/%E6%97%A7/");
        assert_eq!(url(&base, "index.html"), "/casebook/");
        assert_eq!(shown("旧/index.html"), "/旧/");
        assert_eq!(shown("a b.html"), "/a b.html");
    }
}
