//! URL pieces: term keys, slugs, percent-encoding and the site's base URL.
//!
//! Path segments keep their Unicode on disk (`public/tags/ランサムウェア/index.html`) and are
//! percent-encoded only inside hrefs, which is what browsers and feed readers expect.

pub mod alias;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use unicode_normalization::UnicodeNormalization;

/// Like [`SEGMENT`], but `%` is kept so an already encoded base path is not encoded twice.
const BASE_SEGMENT: &AsciiSet = &SEGMENT.remove(b'%');

/// Characters left as they are in an encoded path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The key of a term or a slug: NFKC, ASCII-lowercased, with characters that cannot stand in a
/// path segment turned into `-`. Never empty, and never begins with `.`: each leading `.` becomes
/// `-` (`.` → `-`, `..` → `--`, `.NET` → `-net`), since a directory named `.…` is hidden, and
/// hosts and deploy tools skip hidden files (GitHub Pages' Jekyll, rsync and upload filters),
/// which would leave the term's page unpublished and every link to it broken.
///
/// `ＤＤｏＳ`, `DDoS` and `ddos` share the key `ddos`; Japanese text is kept as written.
pub fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in nfkc(text.trim()).chars() {
        if c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%') {
            out.push('-');
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    // Lowercasing can make a letter composable with a following mark (`J` + caron → `ǰ`):
    // normalize again so that a key is its own key.
    if !out.is_ascii()
        && let std::borrow::Cow::Owned(o) = nfkc(&out)
    {
        out = o;
    }
    // File systems allow 255 bytes a name: a longer key is cut on a character boundary and
    // given a hash of the whole, so distinct terms stay distinct.
    if out.len() > MAX_KEY_BYTES {
        let hash =
            out.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let mut cut = MAX_KEY_BYTES - 17;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out = format!("{}-{hash:016x}", &out[..cut]);
    }
    if out.starts_with('.') {
        let dots = out.len() - out.trim_start_matches('.').len();
        out.replace_range(..dots, &"-".repeat(dots));
    }
    match out.as_str() {
        "" => "-".into(),
        // The index page of a taxonomy is `<path>/index.html`: a term may not take that name.
        "index.html" => "index.html-".into(),
        _ => out,
    }
}

/// The longest key, in bytes: a path segment must stay under the usual 255-byte name limit.
pub const MAX_KEY_BYTES: usize = 200;

/// `text` in NFKC. Most text (ASCII, ordinary Japanese) already is, and the quick check says so
/// without allocating; only the rest is normalized.
pub fn nfkc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    if text.chars().all(nfkc_stable) || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfkc().collect())
    }
}

/// Starters that are unchanged by NFKC and never compose with a preceding character: ASCII,
/// hiragana, katakana, the prolonged sound mark, CJK ideographs, `、` and `。`. Text made of
/// them only is NFKC already, which most Japanese text is: cheaper to see than NFKC's own check.
///
/// Tested in the order of their frequency in Japanese prose, each range with one comparison:
/// this runs for every character of every body the search index reads.
#[inline]
pub fn nfkc_stable(c: char) -> bool {
    let c = c as u32;
    c < 0x80
        || c.wrapping_sub(0x4e00) <= 0x9fff - 0x4e00
        || (c.wrapping_sub(0x3041) <= 0x30fc - 0x3041 && (c <= 0x3096 || (c >= 0x30a1 && c != 0x30fb)))
        || c == 0x3001
        || c == 0x3002
}

/// Why `slug` cannot be one path segment, if it cannot.
pub fn check_segment(slug: &str) -> Result<(), &'static str> {
    if slug.is_empty() {
        return Err("is empty");
    }
    if slug == "." || slug == ".." {
        return Err("is `.` or `..`");
    }
    // Refused rather than made `-…` as a term's key is: the author wrote this URL, and should
    // learn that it cannot be it.
    if slug.starts_with('.') {
        return Err("begins with `.`, which makes a hidden directory that hosts and deploy tools skip");
    }
    if slug.chars().any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()) {
        return Err("contains `/`, `\\`, `?`, `#`, `%`, whitespace or a control character");
    }
    Ok(())
}

/// Percent-encodes one path segment for use in an href.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// The parsed `base_url`: an optional origin (`https://example.org`) and a path that starts and
/// ends with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: String,
    path: String,
}

/// The default `base_url`, `/`.
impl Default for BaseUrl {
    fn default() -> Self {
        BaseUrl { origin: String::new(), path: "/".into() }
    }
}

impl BaseUrl {
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let raw = raw.trim();
        // Schemes and host names are case-insensitive: `HTTPS://Example.org/` is written as
        // `https://example.org/`.
        let lower = |prefix: &str| {
            raw.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &raw[prefix.len()..])
        };
        let (origin, path) = if let Some(rest) = lower("https://").or_else(|| lower("http://")) {
            let scheme = if raw.len() - rest.len() == "https://".len() { "https://" } else { "http://" };
            let host_end = rest.find('/').unwrap_or(rest.len());
            if host_end == 0 {
                return Err(format!("`{raw}` has no host, expected e.g. `https://example.org/`"));
            }
            let host = &rest[..host_end];
            if host.chars().any(|c| c.is_control() || c.is_whitespace() || "<>\"\\^`{|}?#".contains(c)) {
                return Err(format!(
                    "`{raw}` has characters that cannot be in a host name, expected e.g. `https://example.org/`"
                ));
            }
            // The sitemap's and the feeds' URLs must be URIs, whose hosts are ASCII.
            if !host.is_ascii() {
                return Err(format!(
                    "`{raw}` has the host `{host}`, which is not ASCII, expected its ASCII form (the `xn--` name a registrar or `idn` gives for it), as sitemaps and feeds need"
                ));
            }
            // A port, when there is one (after the last `:`, past an IPv6 address's `]`), is a
            // number a port can be.
            if let Some((_, port)) = host.rsplit_once(':').filter(|(h, _)| !h.ends_with('[') && !host.ends_with(']'))
                && port.parse::<u16>().is_err()
            {
                return Err(format!("`{raw}` has the port `{port}`, expected a number from 0 to 65535"));
            }
            (format!("{scheme}{}", host.to_ascii_lowercase()), &rest[host_end..])
        } else if raw.starts_with("//") {
            // A browser reads `//e.org/` as another host, not as a path.
            return Err(format!("`{raw}` names a host without a scheme, expected e.g. `https://example.org/` or `/`"));
        } else if raw.starts_with('/') {
            (String::new(), raw)
        } else {
            return Err(format!(
                "`{raw}` is neither an http(s) URL nor a path, expected e.g. `https://example.org/` or `/`"
            ));
        };
        if path.contains(['?', '#']) || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("`{raw}` has a query, fragment or space in its path, expected a plain path"));
        }
        // Encode what needs it (a Japanese base path), but not a `%XX` that is already encoded.
        let path: String =
            path.split('/').map(|seg| utf8_percent_encode(seg, BASE_SEGMENT).to_string()).collect::<Vec<_>>().join("/");
        let mut path = if path.is_empty() { "/".to_string() } else { path };
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(BaseUrl { origin, path })
    }

    /// The path prefix of every internal link, e.g. `/casebook/`.
    pub fn root(&self) -> &str {
        &self.path
    }

    /// Whether links can be made absolute (feeds and sitemaps want that).
    pub fn has_origin(&self) -> bool {
        !self.origin.is_empty()
    }

    /// The absolute form of a root-relative URL produced by [`BaseUrl::url`].
    pub fn absolute(&self, url: &str) -> String {
        format!("{}{}", self.origin, url)
    }

    /// `base_url` itself, as given (normalized to end with `/`).
    pub fn full(&self) -> String {
        self.absolute(&self.path)
    }

    /// The href of a page from its unencoded segments, ending with `/`.
    pub fn url(&self, segments: &[&str]) -> String {
        let mut s = self.path.clone();
        for seg in segments {
            s.push_str(&encode_segment(seg));
            s.push('/');
        }
        s
    }

    /// The href of a file (no trailing slash) from its unencoded segments.
    pub fn file_url(&self, segments: &[&str]) -> String {
        let mut s = self.url(segments);
        s.pop();
        s
    }
}

/// The HTML of an entry's summary made to work on any page: URL attributes that are relative
/// (`../2024-002/`, `fig.png`, `#原因`, a footnote's `#1`) are resolved against `page_url`, the
/// entry's own root-relative URL, and every site-relative result (root-relative ones included)
/// gets `origin` in front (`""` for pages, the site's origin for feeds).
///
/// Why: the summary is written in, and checked against, the entry's page, but shown on list
/// pages and in feeds, where a relative link would resolve against another page (the home page,
/// the feed's URL) and lead nowhere. Raw HTML in a body passes through, so every tag is read as
/// HTML has it: attributes in either quote or none, names in any case, each `srcset` candidate,
/// and `poster`, `data` (of `<object>`), `cite`, `action` and `formaction` beside `href` and
/// `src`. Comments and the text of `<script>` and `<style>` are left alone.
pub fn rebase_links<'a>(html: &'a str, page_url: &str, origin: &str) -> std::borrow::Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0;
    for range in url_ranges(html) {
        if let Some(new) = rebase_one(&html[range.clone()], page_url, origin) {
            out.push_str(&html[copied..range.start]);
            out.push_str(&new);
            copied = range.end;
        }
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
}

/// The byte ranges of the URLs in the tags of a piece of HTML, in order: each URL attribute's
/// value (see [`rebase_links`]) and each `srcset` candidate's URL, as written (entities and
/// all). Comments and the text of `<script>` and `<style>` hold none.
pub fn url_ranges(html: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(lt) = html[at..].find('<').map(|i| at + i) {
        let rest = &html[lt + 1..];
        if rest.starts_with("!--") {
            at = rest.find("-->").map_or(html.len(), |e| lt + 1 + e + 3);
            continue;
        }
        let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        if name_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            at = lt + 1;
            continue;
        }
        let name = &rest[..name_len];
        let mut pos = lt + 1 + name_len;
        // Attributes, up to the tag's `>`.
        loop {
            pos += html[pos..].find(|c: char| !c.is_ascii_whitespace() && c != '/').unwrap_or(html.len() - pos);
            if pos >= html.len() || html[pos..].starts_with('>') {
                break;
            }
            let attr_len = html[pos..]
                .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(html.len() - pos)
                .max(1);
            let attr = &html[pos..pos + attr_len];
            pos += attr_len;
            let after = pos + html[pos..].find(|c: char| !c.is_ascii_whitespace()).unwrap_or(html.len() - pos);
            if !html[after..].starts_with('=') {
                continue; // an attribute without a value
            }
            let v = after + 1 + html[after + 1..].find(|c: char| !c.is_ascii_whitespace()).unwrap_or(0);
            let (start, end) = match html[v..].chars().next() {
                Some(q @ ('"' | '\'')) => match html[v + 1..].find(q) {
                    Some(len) => {
                        pos = v + 1 + len + 1;
                        (v + 1, v + 1 + len)
                    }
                    // A tag cut off in its value: no element (the summary's end is not HTML's).
                    None => break,
                },
                _ => {
                    pos = v + html[v..].find(|c: char| c.is_ascii_whitespace() || c == '>').unwrap_or(html.len() - v);
                    (v, pos)
                }
            };
            if attr.eq_ignore_ascii_case("srcset") {
                out.extend(srcset_urls(&html[start..end]).into_iter().map(|r| start + r.start..start + r.end));
            } else if is_url_attr(name, attr) {
                out.push(start..end);
            }
        }
        at = (pos + 1).min(html.len());
        // The text of a script or style is no markup.
        for raw in ["script", "style"] {
            if name.eq_ignore_ascii_case(raw) {
                let close = format!("</{raw}");
                at = html[at..].to_ascii_lowercase().find(&close).map_or(html.len(), |i| at + i);
            }
        }
    }
    out
}

/// Whether attribute `attr` of element `tag` holds one URL.
fn is_url_attr(tag: &str, attr: &str) -> bool {
    ["href", "src", "poster", "cite", "action", "formaction", "xlink:href"].iter().any(|a| attr.eq_ignore_ascii_case(a))
        || (attr.eq_ignore_ascii_case("data") && tag.eq_ignore_ascii_case("object"))
}

/// The ranges of the candidates' URLs in a `srcset` (`a.png 1x, b.png 2x`).
fn srcset_urls(value: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < value.len() {
        // Separators before a candidate, then its URL up to whitespace; a URL's trailing commas
        // end the candidate (HTML's "parse a srcset attribute").
        at += value[at..].find(|c: char| !c.is_ascii_whitespace() && c != ',').unwrap_or(value.len() - at);
        if at >= value.len() {
            break;
        }
        let url_len = value[at..].find(|c: char| c.is_ascii_whitespace()).unwrap_or(value.len() - at);
        let url = value[at..at + url_len].trim_end_matches(',');
        out.push(at..at + url.len());
        at += url.len();
        if url.len() < url_len {
            continue; // the commas after the URL are the next separators
        }
        // The descriptors, up to the next comma outside parentheses.
        let mut depth = 0usize;
        at = value[at..]
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c == ',' && depth == 0
            })
            .map_or(value.len(), |(i, _)| at + i);
    }
    out
}

/// One link of [`rebase_links`]: `None` when it stays as written (external, protocol-relative,
/// empty, or root-relative without an origin to add).
fn rebase_one(value: &str, page_url: &str, origin: &str) -> Option<String> {
    if value.is_empty() || value.starts_with("//") {
        return None;
    }
    if value.starts_with('/') {
        return (!origin.is_empty()).then(|| format!("{origin}{value}"));
    }
    // A scheme (`https:`, `mailto:`) ends before the first `/`, `?` or `#`.
    let first_sep = value.find(['/', '?', '#']).unwrap_or(value.len());
    if value[..first_sep].contains(':') {
        return None;
    }
    if value.starts_with(['#', '?']) {
        return Some(format!("{origin}{page_url}{value}"));
    }
    // A relative path: against the page's directory (its URL ends with `/`), dot segments
    // removed as RFC 3986 §5.2.4 does, never above the root.
    let (path, rest) = value.split_at(value.find(['?', '#']).unwrap_or(value.len()));
    let dir = page_url.rsplit_once('/').map_or("", |(d, _)| d);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let segments: Vec<&str> = path.split('/').collect();
    for seg in &segments {
        match *seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut resolved = String::with_capacity(origin.len() + page_url.len() + value.len());
    resolved.push_str(origin);
    for p in &parts {
        resolved.push('/');
        resolved.push_str(p);
    }
    if parts.is_empty() || path.ends_with('/') || matches!(segments.last(), Some(&"." | &"..")) {
        resolved.push('/');
    }
    resolved.push_str(rest);
    Some(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_characters_are_the_listed_ones() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let listed = matches!(c, '\0'..='\x7f' | '\u{3001}' | '\u{3002}' | '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}' | '\u{4e00}'..='\u{9fff}');
            assert_eq!(nfkc_stable(c), listed, "{c:?}");
        }
    }

    #[test]
    fn keys_fold_width_and_ascii_case() {
        assert_eq!(key("ＤＤｏＳ"), "ddos");
        assert_eq!(key("DDoS"), "ddos");
        assert_eq!(key("ランサムウェア"), "ランサムウェア");
        // Half-width katakana becomes full width under NFKC.
        assert_eq!(key("ﾗﾝｻﾑｳｪｱ"), "ランサムウェア");
        // Non-ASCII letters keep their case: only ASCII is lowercased.
        assert_eq!(key("Ärger"), "Ärger");
    }

    #[test]
    fn keys_replace_unsafe_characters_and_are_never_empty_or_dots() {
        assert_eq!(key("a/b\\c?d#e%f g"), "a-b-c-d-e-f-g");
        assert_eq!(key("全角　スペース"), "全角-スペース");
        assert_eq!(key("tab\tx"), "tab-x");
        assert_eq!(key(""), "-");
        assert_eq!(key("   "), "-");
        assert_eq!(key("."), "-");
        assert_eq!(key(".."), "--");
        assert_eq!(key("．．"), "--");
        assert_eq!(key("a.b"), "a.b");
        // Nor begins with `.`, which would make a hidden directory.
        assert_eq!(key(".NET"), "-net");
        assert_eq!(key("．ＮＥＴ"), "-net");
        assert_eq!(key(" ..hidden."), "--hidden.");
        assert_eq!(key("..."), "---");
        assert_eq!(key(".net/core"), "-net-core");
        assert_eq!(key("ASP.NET"), "asp.net");
        let long = format!(".{}", "a".repeat(300));
        assert!(key(&long).starts_with("-a") && key(&long).len() <= MAX_KEY_BYTES, "{}", key(&long));
        for s in [".NET", "..", "．．x", ".", " .a", &long] {
            assert!(!key(s).starts_with('.'), "{s:?}");
            assert_eq!(key(&key(s)), key(s), "a key is its own key: {s:?}");
        }
        assert_eq!(key("index.html"), "index.html-");
        let long = "組織".repeat(100);
        let k = key(&long);
        assert!(k.len() <= MAX_KEY_BYTES, "{}", k.len());
        assert_eq!(key(&k), k, "a cut key is its own key");
        assert_ne!(key(&format!("{long}A")), key(&format!("{long}B")), "distinct long terms stay distinct");
        // A key is its own key, also where lowercasing makes a letter composable.
        for s in ["J\u{30c}", "ＤＤｏＳ", "ﾗﾝｻﾑ", "A\u{301}"] {
            assert_eq!(key(&key(s)), key(s), "{s:?}");
        }
        // The fast path and the full normalization agree.
        for s in ["ランサムウェア", "ﾗﾝｻﾑ", "①②", "ＡＢＣ", "abc", "が", "か\u{3099}"] {
            assert_eq!(nfkc(s), s.nfkc().collect::<String>(), "{s}");
        }
    }

    #[test]
    fn segments_are_checked() {
        assert!(check_segment("2024-033").is_ok());
        assert!(check_segment("東京ヴェルディ").is_ok());
        assert!(check_segment("a/b").is_err());
        assert!(check_segment("..").is_err());
        assert!(check_segment(".hidden").unwrap_err().contains("begins with `.`"));
        assert!(check_segment("a.b.").is_ok());
        assert!(check_segment("").is_err());
        assert!(check_segment("a b").is_err());
    }

    #[test]
    fn encoding_keeps_unreserved_ascii() {
        assert_eq!(encode_segment("2024-033"), "2024-033");
        assert_eq!(encode_segment("ランサム"), "%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0");
        assert_eq!(encode_segment("a&b"), "a%26b");
    }

    #[test]
    fn base_urls() {
        let b = BaseUrl::parse("https://example.org/casebook").unwrap();
        assert_eq!(b.root(), "/casebook/");
        assert_eq!(b.url(&["tags", "ランサム"]), "/casebook/tags/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0/");
        assert_eq!(b.absolute(&b.file_url(&["feed.xml"])), "https://example.org/casebook/feed.xml");
        assert_eq!(b.full(), "https://example.org/casebook/");
        assert_eq!(BaseUrl::default(), BaseUrl::parse("/").unwrap());
        for bad in ["//e.org/", "http://e.org:99999/", "http://e.org:x/"] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
        for good in ["http://e.org:8080/", "http://[::1]:1111/", "http://[::1]/", "https://e.org"] {
            assert!(BaseUrl::parse(good).is_ok(), "{good}");
        }
        let b = BaseUrl::parse("/").unwrap();
        assert!(!b.has_origin());
        assert_eq!(b.url(&[]), "/");
        assert!(BaseUrl::parse("ftp://x/").is_err());
        assert!(BaseUrl::parse("https:///x").is_err());
        assert!(BaseUrl::parse("relative/").is_err());
        assert!(BaseUrl::parse("http://o\u{13}x/").is_err());
        assert!(BaseUrl::parse("https://a b/").is_err());
        assert_eq!(BaseUrl::parse("https://x.org/事件簿/").unwrap().root(), "/%E4%BA%8B%E4%BB%B6%E7%B0%BF/");
        assert_eq!(BaseUrl::parse("/%E4%BA%8B/").unwrap().root(), "/%E4%BA%8B/");
        // Scheme and host in any case; the path as written.
        assert_eq!(BaseUrl::parse("HTTPS://Example.ORG:8443/CB/").unwrap().full(), "https://example.org:8443/CB/");
        assert_eq!(BaseUrl::parse("Http://e.org").unwrap().full(), "http://e.org/");
        let idn = BaseUrl::parse("https://例え.jp/cb/").unwrap_err();
        assert!(idn.contains("`例え.jp`, which is not ASCII, expected its ASCII form"), "{idn}");
        assert!(BaseUrl::parse("https://xn--r8jz45g.jp/cb/").is_ok());
    }

    #[test]
    fn summary_links_are_rebased_onto_the_entry_page() {
        let page = "/cb/incidents/2024-001/";
        let r = |html| rebase_links(html, page, "").into_owned();
        assert_eq!(r(r##"<a href="../2024-002/">x</a>"##), r##"<a href="/cb/incidents/2024-002/">x</a>"##);
        assert_eq!(r(r##"<a href="#原因">x</a>"##), r##"<a href="/cb/incidents/2024-001/#原因">x</a>"##);
        assert_eq!(
            r(r##"<img src="fig.png" alt="a" />"##),
            r##"<img src="/cb/incidents/2024-001/fig.png" alt="a" />"##
        );
        assert_eq!(
            r(r##"<a href="./x/../y?q=1&amp;r#f">x</a>"##),
            r##"<a href="/cb/incidents/2024-001/y?q=1&amp;r#f">x</a>"##
        );
        assert_eq!(r(r##"<a href="../../../../..">x</a>"##), r##"<a href="/">x</a>"##);
        assert_eq!(r(r##"<a href="..">x</a>"##), r##"<a href="/cb/incidents/">x</a>"##);
        // As written: external, protocol-relative, root-relative, empty; and text that only
        // looks like an attribute.
        for same in [
            r##"<a href="https://e.org/a">x</a>"##,
            r##"<a href="mailto:a@b">x</a>"##,
            r##"<a href="//e.org/">x</a>"##,
            r##"<a href="/cb/tags/">x</a>"##,
            r##"<a href="">x</a>"##,
            r##"<p data-src="x.png">href="y"</p>"##,
        ] {
            assert!(matches!(rebase_links(same, page, ""), std::borrow::Cow::Borrowed(_)), "{same}");
        }
        // Raw HTML as a body may write it: any quote or none, any case, `srcset`, `poster`,
        // `<object data>`; not `data-*`, nor comments, nor a script's text.
        assert_eq!(
            r(
                r#"<IMG SRC='a.png' srcset="a.png 1x,b%20c.png  2x, https://e.org/x.png 3x,/d.png"><a href=q.html>q</a>"#
            ),
            r#"<IMG SRC='/cb/incidents/2024-001/a.png' srcset="/cb/incidents/2024-001/a.png 1x,/cb/incidents/2024-001/b%20c.png  2x, https://e.org/x.png 3x,/d.png"><a href=/cb/incidents/2024-001/q.html>q</a>"#
        );
        assert_eq!(
            r(r#"<video poster="p.png" src=v.mp4 controls></video><object data="o.svg" data-x="n.png"></object>"#),
            r#"<video poster="/cb/incidents/2024-001/p.png" src=/cb/incidents/2024-001/v.mp4 controls></video><object data="/cb/incidents/2024-001/o.svg" data-x="n.png"></object>"#
        );
        // A candidate's URL runs to whitespace, less trailing commas (HTML's srcset parsing).
        assert_eq!(
            r(r#"<img srcset="a.png, b.png 2x">"#),
            r#"<img srcset="/cb/incidents/2024-001/a.png, /cb/incidents/2024-001/b.png 2x">"#
        );
        for same in [
            r#"<!-- <a href="x.html"> --><p>a < b, href="y"</p>"#,
            r#"<script>var s = '<img src="z.png">';</script>"#,
            r#"<div data="x.png" title='<a href="y">'>"#,
            r#"<a href="x"#,
        ] {
            let rebased = r(same);
            assert!(!rebased.contains("/cb/"), "{same} → {rebased}");
        }
        // In feeds every site-relative link becomes absolute.
        let feed = |html| rebase_links(html, page, "https://e.org").into_owned();
        assert_eq!(feed(r##"<a href="/cb/tags/">x</a>"##), r##"<a href="https://e.org/cb/tags/">x</a>"##);
        assert_eq!(feed(r##"<a href="../a/">x</a>"##), r##"<a href="https://e.org/cb/incidents/a/">x</a>"##);
        assert_eq!(feed(r##"<a href="https://x.org/">x</a>"##), r##"<a href="https://x.org/">x</a>"##);
    }
}
