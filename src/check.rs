//! `casebook check`: everything `build` validates, plus every internal link in Markdown bodies
//! (to pages, to `#anchors` on them, to static files). Writes nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use percent_encoding::percent_decode_str;

use crate::content::{At, Heading};
use crate::diag::Diagnostic;
use crate::{Error, Loaded, Timings};

/// What `check` found: nothing (Ok) or every problem, sorted.
pub fn check(root: &Path, drafts: bool) -> Result<CheckReport, Error> {
    let mut timings = Timings::default();
    let (loaded, mut diags) = crate::load_lenient(root, drafts, None, &mut timings)?;
    let Some(mut loaded) = loaded else { return Err(Error::Input(diags)) };
    // Render every page into nothing: this validates the templates against real data and gives
    // the set of files a build would write, and the ids of the pages `#fragment` links point
    // into (headings, and the ones templates write, such as a fact box's).
    // Only the pages that links point into are read for ids: holding every page's would cost a
    // large site hundreds of megabytes.
    // Links are compared decoded, so the base path is too.
    let root_path = percent_decode_str(loaded.base.root()).decode_utf8_lossy().into_owned();
    let root_path = root_path.as_str();
    let origin = loaded.base.absolute("");
    let origin = origin.as_str();
    let targets: HashSet<String> = link_sources(&loaded.site)
        .iter()
        .flat_map(|(_, own, links)| {
            links.iter().flat_map(move |l| match resolve_in_site(&l.value, origin, root_path, own) {
                // The page of a directory written without its slash is read too, for the message.
                Some(Target::File { path, fragment: Some(_) }) => vec![format!("{path}/index.html"), path],
                Some(Target::Home { fragment: Some(_), .. }) => vec!["index.html".to_string()],
                _ => vec![],
            })
        })
        .collect();
    let files: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let ids: Mutex<HashMap<String, HashSet<String>>> = Mutex::new(HashMap::new());
    // What `build` refuses, `check` reports: a static file in the way of a page, and an output
    // directory (book.toml's) that holds the input. A check that passes means a build that does.
    let (output, content) =
        (loaded.root.join(&loaded.config.build.output), loaded.root.join(&loaded.config.build.content));
    if let Err(crate::output::OutputError::Refused(message)) =
        crate::output::check_target(&loaded.root, &content, &output)
    {
        diags.extend(crate::at_config_key(&loaded.root, "output", vec![Diagnostic::file("output", message)]));
    }
    let (rendering, assets) = crate::render_into_nothing(&mut loaded, |page| {
        if targets.contains(&page.path) {
            let found = element_ids(&String::from_utf8_lossy(&page.bytes));
            if let Ok(mut i) = ids.lock() {
                i.insert(page.path.clone(), found);
            }
        }
        if let Ok(mut f) = files.lock() {
            f.insert(page.path);
        }
    });
    diags.extend(rendering);
    let mut files = files.into_inner().unwrap_or_default();
    files.extend(loaded.theme.statics.keys().cloned());
    files.extend(assets);
    let ids = ids.into_inner().unwrap_or_default();
    // Entries that failed to parse have no page, but links to them are not broken: report the
    // entry's own error, not a cascade of link errors.
    let unparsed: HashSet<String> = diags
        .iter()
        .filter(|d| d.path.extension().is_some_and(|x| x == "md"))
        .map(|d| crate::content::default_slug(&content, &loaded.root.join(&d.path)))
        .collect();
    diags.extend(check_links(&loaded, &link_sources(&loaded.site), root_path, &files, &ids, &unparsed));
    crate::finish_diagnostics(root, &mut diags);
    if diags.is_empty() {
        Ok(CheckReport { entries: loaded.site.entries.len(), files: files.len(), warnings: loaded.warnings })
    } else {
        Err(Error::Input(crate::with_warnings(diags, loaded.warnings)))
    }
}

#[derive(Debug, Clone)]
pub struct CheckReport {
    pub warnings: Vec<Diagnostic>,
    pub entries: usize,
    pub files: usize,
}

/// Every Markdown text with links, as (file, output path of the page it is on, links): the
/// entries' bodies, and the taxonomies' and terms' texts.
fn link_sources(site: &crate::site::Site) -> Vec<(&Path, String, &[At<String>])> {
    let mut sources: Vec<(&Path, String, &[At<String>])> =
        site.entries.iter().map(|e| (e.path.as_path(), entry_page(e), &e.links[..])).collect();
    for tax in &site.taxonomies {
        let path = tax.config.path.as_str();
        let texts = tax.text.iter().map(|t| (t, format!("{path}/index.html")));
        let term_texts =
            tax.terms.iter().filter_map(|term| Some((term.text.as_ref()?, format!("{path}/{}/index.html", term.key))));
        sources.extend(texts.chain(term_texts).map(|(t, own)| (t.path.as_path(), own, &t.links[..])));
    }
    sources
}

/// Checks every link in every body and text against the files a build writes and the ids of its
/// pages.
fn check_links(
    loaded: &Loaded,
    sources: &[(&Path, String, &[At<String>])],
    root: &str,
    files: &HashSet<String>,
    ids: &HashMap<String, HashSet<String>>,
    unparsed: &HashSet<String>,
) -> Vec<Diagnostic> {
    let site = &loaded.site;
    // Output path of each entry page → its heading ids, the ids a message suggests.
    let headings: HashMap<String, &[Heading]> = site.entries.iter().map(|e| (entry_page(e), &e.headings[..])).collect();
    let origin = loaded.base.absolute("");
    let twins = std::cell::OnceCell::new();
    let drafts = draft_files(&loaded.drafts);
    let mut diags = Vec::new();
    for (file, own, links) in sources {
        for link in links.iter() {
            let Some(target) = resolve_in_site(&link.value, &origin, root, own) else { continue };
            // A file of the site the message names: shown from where the diagnostic's own path is.
            let mut named: Option<&Path> = None;
            // The id `fragment` names, when `page` has no element with it: (the id, what to expect).
            let no_such_id = |page: &str, fragment: Option<String>| {
                let f = fragment?;
                let page_ids = ids.get(page)?;
                // `#` and `#top` are the top of any page (HTML's "scroll to the fragment").
                if f.is_empty() || f.eq_ignore_ascii_case("top") || page_ids.contains(&f) {
                    return None;
                }
                let expected = fragment_expectation(headings.get(page).copied(), page_ids);
                Some((f, expected))
            };
            // A page's link written without its slash: the link with it, unless the fragment
            // fails there too, which the message then says instead.
            let with_slash = |start: String, hint: &str, page: &str, fragment| match no_such_id(page, fragment) {
                None => format!("{start} (`{hint}`)"),
                Some((f, expected)) => {
                    let hint = hint.split('#').next().unwrap_or(hint);
                    format!("{start} (`{hint}`), but that page has no element with id `{f}`, expected {expected}")
                }
            };
            let problem = match target {
                Target::Missing(why) => Some(why),
                Target::Home { hint, fragment } => Some(with_slash(
                    format!(
                        "links to `{}`, outside the site's base path `{root}`, expected a link under it",
                        link.value
                    ),
                    &hint,
                    "index.html",
                    fragment,
                )),
                Target::File { path, fragment } => {
                    let slug = path.split('/').nth(1).unwrap_or("");
                    let entry_dir = path.starts_with("incidents/") || path.starts_with("articles/");
                    let dir_page = format!("{path}/index.html");
                    if entry_dir && unparsed.contains(slug) {
                        None
                    } else if files.contains(&dir_page) {
                        // A directory's page without its slash: a host may redirect it, or not.
                        let cut = link.value.find(['?', '#']).unwrap_or(link.value.len());
                        let (dir, rest) = link.value.split_at(cut);
                        let start = format!(
                            "links to `{}`, which the site does not have, expected the page of that directory, with its slash",
                            link.value
                        );
                        Some(with_slash(start, &format!("{dir}/{rest}"), &dir_page, fragment))
                    } else if !files.contains(&path) {
                        // `/tags/vpn/page/1/`: a list's first page is the list's own URL, as
                        // Hugo and Zola write it too.
                        let first_page = [path.strip_suffix("page/1/index.html"), path.strip_suffix("page/1")]
                            .into_iter()
                            .flatten()
                            .map(|dir| format!("{dir}index.html"))
                            .find(|page| files.contains(page));
                        let hint = first_page
                            .as_deref()
                            .or_else(|| normalized_twin(&path, twins.get_or_init(|| twin_index(files))))
                            .map(|twin| {
                                let fragment = link.value.find('#').map_or("", |i| &link.value[i..]);
                                format!(" (did you mean `{}{fragment}`?)", page_href(loaded, twin))
                            })
                            .unwrap_or_default();
                        // A directory's link without its slash may be a draft's page or alias.
                        let draft = drafts.get(&path).or_else(|| drafts.get(&format!("{path}/index.html")));
                        Some(match draft {
                            Some(((what, expected), file)) => {
                                named = Some(file);
                                format!(
                                    "links to `{}`, {what} ({}), which is published only with `--drafts`, expected a published {expected}",
                                    link.value,
                                    file.display(),
                                )
                            }
                            None => format!(
                                "links to `{}`, which the site does not have, expected a page, feed or static file of this site{hint}",
                                link.value
                            ),
                        })
                    } else {
                        no_such_id(&path, fragment).map(|(f, expected)| {
                            format!(
                                "links to `{}`, but that page has no element with id `{f}`, expected {expected}",
                                link.value
                            )
                        })
                    }
                }
            };
            if let Some(message) = problem {
                let d = Diagnostic::new(*file, link.line, link.column, message);
                diags.push(match named {
                    Some(draft) => d.naming(draft),
                    None => d,
                });
            }
        }
    }
    diags
}

/// Each output file the drafts left out would have → what it is to the draft and what a link
/// should name instead, and the draft's file: its page, its bundle's files and its aliases.
fn draft_files(drafts: &[crate::Draft]) -> HashMap<String, ((&'static str, &'static str), &Path)> {
    const ALIAS: (&str, &str) = ("an alias of a draft", "page");
    const BUNDLE_FILE: (&str, &str) = ("a file of a draft's page bundle", "file");
    const PAGE: (&str, &str) = ("the page of a draft", "page");
    let mut out = HashMap::new();
    for d in drafts {
        let file = d.path.as_path();
        out.extend(d.aliases.iter().map(|a| (a.clone(), (ALIAS, file))));
        out.extend(d.files.iter().map(|f| (f.clone(), (BUNDLE_FILE, file))));
        // The page last: a bundle file or an alias cannot take its place (the build refuses
        // both), and its message is the plainest.
        out.insert(d.page.clone(), (PAGE, file));
    }
    out
}

/// The file of the site a missing `path` most likely meant: the one whose path is the same when
/// both are made keys segment by segment, as terms and slugs are (`incidents/MOVEit-CVE/` →
/// `incidents/moveit-cve/`, `tags/ＶＰＮ/` → `tags/vpn/`). Both sides, since either may be in
/// another Unicode form: a link typed in NFC to a file macOS saved in NFD (`カ` + U+3099 for
/// `ガ`), or the reverse. A directory's link without its slash is tried as its page too
/// (`tags/VPN` → `tags/vpn/index.html`): the two mistakes come together.
fn normalized_twin<'a>(path: &str, twins: &HashMap<String, &'a str>) -> Option<&'a str> {
    let page = format!("{path}/index.html");
    [path, page.as_str()].into_iter().find_map(|p| twins.get(&twin_key(p)).copied()).filter(|t| *t != path)
}

/// Every file of the site by its [`twin_key`], for [`normalized_twin`]. Made only once a link is
/// missing: a site without broken links pays nothing. Of files with one key (`a.png`, `A.png`),
/// the first in order stands for them, so that the message is the same in every run.
fn twin_index(files: &HashSet<String>) -> HashMap<String, &str> {
    let mut twins: HashMap<String, &str> = HashMap::with_capacity(files.len());
    for f in files {
        let slot = twins.entry(twin_key(f)).or_insert(f);
        if f.as_str() < *slot {
            *slot = f;
        }
    }
    twins
}

/// An output path with each segment made a key (NFKC, ASCII lower case), but a page's own
/// `index.html`, which a key would rename.
fn twin_key(path: &str) -> String {
    let (dir, last) = path.rsplit_once('/').unwrap_or(("", path));
    let mut out: Vec<String> = dir.split('/').filter(|s| !s.is_empty()).map(crate::url::key).collect();
    out.push(if last == "index.html" { last.to_string() } else { crate::url::key(last) });
    out.join("/")
}

/// The href of an output file: `/cb/tags/vpn/` for `tags/vpn/index.html`, `/cb/a/b.png`.
fn page_href(loaded: &Loaded, file: &str) -> String {
    let segments: Vec<&str> = file.split('/').collect();
    match segments.split_last() {
        Some((&"index.html", dirs)) => loaded.base.url(dirs),
        _ => loaded.base.file_url(&segments),
    }
}

/// The output file of an entry's page.
fn entry_page(e: &crate::content::Entry) -> String {
    format!("{}/{}/index.html", if e.is_incident() { "incidents" } else { "articles" }, e.slug)
}

/// What a link to an id its page does not have should name instead: the page's headings (or, on a
/// page that is not an entry, its first ids in order).
fn fragment_expectation(headings: Option<&[Heading]>, page_ids: &HashSet<String>) -> String {
    match headings {
        Some(h) if !h.is_empty() => {
            format!("one of its heading ids ({})", h.iter().map(|h| h.id.as_str()).collect::<Vec<_>>().join(", "))
        }
        Some(_) => "one of its heading ids (it has none)".to_string(),
        None => {
            let mut all: Vec<&str> = page_ids.iter().map(String::as_str).collect();
            all.sort_unstable();
            if all.is_empty() {
                "no fragment (it has no ids)".to_string()
            } else {
                let more = if all.len() > 10 { ", …" } else { "" };
                all.truncate(10);
                format!("one of its ids ({}{more})", all.join(", "))
            }
        }
    }
}

/// The ids of an HTML page a fragment can scroll to: `id` attributes (in either quotes, as raw
/// HTML in a body may write them) and `name`s (of `<a name>`). Text and attribute values in
/// rendered pages are escaped, so ` id="` occurs only as an attribute.
fn element_ids(html: &str) -> HashSet<String> {
    use crate::render::markup::{attr_values, in_tag, without_comments};
    // Read as the theme's ids are read (any case, spaces around `=`), so that an id a heading
    // was renamed to avoid is one a link may name; none in a comment.
    let html = without_comments(html);
    let ids = attr_values(&html, "id").filter(|(at, _)| in_tag(&html, *at));
    // `name` is a fragment's target only on `<a>`: a `<meta name>` is none.
    let names = attr_values(&html, "name").filter(|(at, _)| in_a_tag(&html[..*at]));
    ids.chain(names).map(|(_, v)| unescape(v)).collect()
}

/// Whether the tag open at the end of `before` is an `<a>`.
fn in_a_tag(before: &str) -> bool {
    before.rfind('<').is_some_and(|lt| {
        let tag = &before.as_bytes()[lt + 1..];
        tag.first().is_some_and(|c| c.eq_ignore_ascii_case(&b'a')) && tag.get(1).is_none_or(|c| c.is_ascii_whitespace())
    })
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[derive(Debug)]
enum Target {
    File {
        path: String,
        fragment: Option<String>,
    },
    /// The site's home written as its base path without the slash (`/cb` for `/cb/`): `hint` is
    /// the link as it should be (`/cb/#x`).
    Home {
        hint: String,
        fragment: Option<String>,
    },
    Missing(String),
}

/// Like [`resolve`], with a link to the site's own address (`https://example.org/cb/tags/` for
/// `base_url = "https://example.org/cb/"`) taken as the internal link it is: it breaks as one.
fn resolve_in_site(href: &str, origin: &str, root: &str, own: &str) -> Option<Target> {
    let trimmed = href.trim();
    let rest = (!origin.is_empty())
        .then(|| {
            trimmed.get(..origin.len()).filter(|o| o.eq_ignore_ascii_case(origin)).map(|_| &trimmed[origin.len()..])
        })
        .flatten()
        .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']));
    let Some(rest) = rest else { return resolve(href, root, own) };
    let path = if rest.is_empty() || !rest.starts_with('/') { format!("/{rest}") } else { rest.to_string() };
    // Elsewhere on the same host (the organization's main site beside a casebook at `/cb/`) is
    // not this site's to check.
    let decoded = percent_decode_str(path.split(['?', '#']).next().unwrap_or("")).decode_utf8_lossy();
    if !decoded.starts_with(root) && format!("{decoded}/") != root {
        return None;
    }
    // Messages quote the link as written.
    match resolve(&path, root, own)? {
        Target::Missing(m) => Some(Target::Missing(m.replacen(&format!("`{path}`"), &format!("`{href}`"), 1))),
        other => Some(other),
    }
}

/// The output file an internal link points at, or `None` for external links.
fn resolve(href: &str, root: &str, own: &str) -> Option<Target> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    // Any scheme (https:, mailto:, tel:, data:) or a protocol-relative URL is external.
    let scheme_end = href.find(':');
    let first_sep = href.find(['/', '?', '#']);
    if href.starts_with("//")
        || matches!((scheme_end, first_sep), (Some(c), Some(s)) if c < s)
        || (scheme_end.is_some() && first_sep.is_none())
    {
        return None;
    }
    let (without_fragment, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode_str(f).decode_utf8_lossy().into_owned())),
        None => (href, None),
    };
    let path = without_fragment.split('?').next().unwrap_or("");
    let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
    let leaves =
        || Some(Target::Missing(format!("links to `{href}`, which leaves the site, expected a page of this site")));
    // `/cb` for the site's home: the base path without its slash (query and fragment kept).
    let outside = |abs: &str| match href.get(path.len()..) {
        Some(after) if format!("{abs}/") == root => {
            Some(Target::Home { hint: format!("{root}{after}"), fragment: fragment.clone() })
        }
        _ => Some(Target::Missing(format!(
            "links to `{href}`, outside the site's base path `{root}`, expected a link under it"
        ))),
    };
    let joined: String = if decoded.is_empty() {
        own.to_string()
    } else if let Some(abs) = decoded.strip_prefix('/') {
        let abs = format!("/{abs}");
        match abs.strip_prefix(root) {
            Some(rest) => rest.to_string(),
            None => return outside(&abs),
        }
    } else {
        // Relative to the directory of the page the link is on, as a browser resolves it: from
        // the page's full path, so that `../../../cb/tags/` climbing out of the base path and
        // back into it is the page it names. Above the server's root a browser stays at it; a
        // link that climbs so far is a mistake.
        let dir = own.rsplit_once('/').map_or("", |(d, _)| d);
        let full = format!("{root}{dir}/{decoded}");
        let (parts, above_root) = segments(&full);
        if above_root {
            return leaves();
        }
        let trailing = if full.ends_with('/') || full.ends_with("/..") || full.ends_with("/.") { "/" } else { "" };
        let abs = format!("/{}{trailing}", parts.join("/"));
        let abs = if abs == "//" { "/".to_string() } else { abs };
        match abs.strip_prefix(root) {
            Some(rest) => rest.to_string(),
            None if format!("{abs}/") == root => return outside(&abs),
            None => return leaves(),
        }
    };
    let (parts, above_root) = segments(&joined);
    if above_root {
        return leaves();
    }
    let mut path = parts.join("/");
    if joined.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(Target::File { path, fragment })
}

/// The segments of a `/`-separated path with `.` and `..` applied, and whether a `..` climbed
/// above its start.
fn segments(path: &str) -> (Vec<&str>, bool) {
    let mut parts = Vec::new();
    let mut above = false;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => above |= parts.pop().is_none(),
            p => parts.push(p),
        }
    }
    (parts, above)
}

/// `::error file=…,line=…,col=…::…` (or `::warning …`) for GitHub Actions.
pub fn github_annotation(d: &Diagnostic) -> String {
    let escape = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    if d.path.as_os_str().is_empty() {
        format!("::{}::{}", d.severity(), escape(&d.message))
    } else if d.line == 0 {
        format!("::{} file={}::{}", d.severity(), prop(&d.path.display().to_string()), escape(&d.message))
    } else {
        format!(
            "::{} file={},line={},col={}::{}",
            d.severity(),
            prop(&d.path.display().to_string()),
            d.line,
            d.column.max(1),
            escape(&d.message)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(t: Option<Target>) -> (String, Option<String>) {
        match t {
            Some(Target::File { path, fragment }) => (path, fragment),
            Some(other) => panic!("not a file: {other:?}"),
            None => panic!("external"),
        }
    }

    /// A link to the site's own address is internal, and breaks as one; elsewhere on the host is
    /// not the site's.
    #[test]
    fn links_to_the_sites_own_address_are_internal() {
        let own = "articles/a/index.html";
        let origin = "https://example.org";
        let f = |href| resolve_in_site(href, origin, "/cb/", own);
        assert_eq!(file(f("https://example.org/cb/tags/x/")).0, "tags/x/index.html");
        assert_eq!(file(f("HTTPS://EXAMPLE.ORG/cb/")).0, "index.html");
        assert!(matches!(f("https://example.org/cb"), Some(Target::Home { .. })));
        assert!(f("https://example.org/about/").is_none(), "the host's other pages");
        assert!(f("https://example.org.evil/cb/").is_none());
        assert!(f("https://other.org/cb/").is_none());
        assert!(resolve_in_site("https://example.org/cb/x/", "", "/cb/", own).is_none(), "no origin: external");
    }

    #[test]
    fn external_links_are_skipped() {
        for href in ["https://example.org/", "mailto:a@b", "//cdn.example.org/x", "tel:123"] {
            assert!(resolve(href, "/", "incidents/a/index.html").is_none(), "{href}");
        }
    }

    #[test]
    fn internal_links_resolve_to_output_files() {
        let own = "incidents/2024-033/index.html";
        assert_eq!(file(resolve("/tags/%E3%83%A9/", "/", own)).0, "tags/ラ/index.html");
        assert_eq!(file(resolve("/cb/tags/x/", "/cb/", own)).0, "tags/x/index.html");
        assert_eq!(
            file(resolve("../2023-001/#経緯", "/", own)),
            ("incidents/2023-001/index.html".into(), Some("経緯".into()))
        );
        assert_eq!(file(resolve("#原因", "/", own)), (own.to_string(), Some("原因".into())));
        assert_eq!(file(resolve("/style.css", "/", own)).0, "style.css");
        assert_eq!(file(resolve("/", "/", own)).0, "index.html");
        assert!(matches!(resolve("/other/x/", "/cb/", own), Some(Target::Missing(_))));
        assert!(matches!(resolve("../../../x", "/", own), Some(Target::Missing(_))));
    }

    /// A browser resolves a relative link from the page's full path: one that climbs out of the
    /// base path and back into it names a page of the site.
    #[test]
    fn relative_links_resolve_from_the_pages_full_path() {
        let own = "articles/lk/index.html";
        assert_eq!(file(resolve("../../../cb/tags/", "/cb/", own)).0, "tags/index.html");
        assert_eq!(file(resolve("../../", "/cb/", own)).0, "index.html");
        let missing = |href| match resolve(href, "/cb/", own) {
            Some(Target::Missing(m)) => m,
            other => panic!("{href}: {other:?}"),
        };
        assert!(
            matches!(resolve("../../../cb?x=1", "/cb/", own), Some(Target::Home { hint, .. }) if hint == "/cb/?x=1")
        );
        assert!(missing("../../../other/").contains("which leaves the site"));
        assert!(missing("../../../../cb/").contains("which leaves the site"), "above the server's root");
    }

    #[test]
    fn a_twin_is_found_across_unicode_forms_and_cases_and_without_a_slash() {
        let files: HashSet<String> =
            ["tags/vpn/index.html", "articles/g/\u{30ab}\u{3099}.png", "a/A.png", "a/a.png"].map(String::from).into();
        let twins = twin_index(&files);
        assert_eq!(normalized_twin("articles/g/\u{30ac}.png", &twins), Some("articles/g/\u{30ab}\u{3099}.png"));
        assert_eq!(normalized_twin("tags/VPN", &twins), Some("tags/vpn/index.html"));
        assert_eq!(normalized_twin("tags/ＶＰＮ/index.html", &twins), Some("tags/vpn/index.html"));
        // Of two files with one key, the same one every run.
        assert_eq!(normalized_twin("a/a.PNG", &twins), Some("a/A.png"));
        assert_eq!(normalized_twin("tags/nothing", &twins), None);
    }

    #[test]
    fn element_ids_are_the_id_attributes_unescaped() {
        let html = r#"<h2 id="経緯">経緯</h2><p>id="x" in text is escaped: id=&quot;y&quot;</p>
<section class="a" id="a&amp;b"><h2 class="t" id="factbox-title">x</h2></section><div data-id="no">
<span id='sq'></span><a name="named"></a><meta name="viewport" content="x"><A
 class="c" name='upper'></A><P ID = "cased"><i id=bare><!-- <b id="commented"> --><p>設定 id=text</p>"#;
        let mut ids: Vec<String> = element_ids(html).into_iter().collect();
        ids.sort();
        assert_eq!(ids, ["a&b", "bare", "cased", "factbox-title", "named", "sq", "upper", "経緯"]);
    }

    #[test]
    fn a_missing_fragment_suggests_headings_or_the_first_ids() {
        let ids: HashSet<String> = (0..12).map(|i| format!("id{i:02}")).collect();
        let headings = [Heading { level: 2, id: "経緯".into(), title: "経緯".into() }];
        assert_eq!(fragment_expectation(Some(&headings), &ids), "one of its heading ids (経緯)");
        let m = fragment_expectation(None, &ids);
        assert!(m.ends_with("(id00, id01, id02, id03, id04, id05, id06, id07, id08, id09, …)"), "{m}");
    }

    #[test]
    fn annotations_escape_their_parts() {
        let d = Diagnostic::new("content/a,b.md", 3, 2, "bad: 100%\nnext");
        assert_eq!(github_annotation(&d), "::error file=content/a%2Cb.md,line=3,col=2::bad: 100%25%0Anext");
        // A problem of the run itself names no file; a warning is a warning.
        let setup = crate::Error::Setup("cannot start worker threads".into()).diagnostics();
        assert_eq!(github_annotation(&setup[0]), "::error::cannot start worker threads");
        assert_eq!(setup[0].to_string(), "casebook: error: cannot start worker threads");
        let w = Diagnostic::new("content/a.md", 3, 5, "w").as_warning();
        assert_eq!(github_annotation(&w), "::warning file=content/a.md,line=3,col=5::w");
    }
}
