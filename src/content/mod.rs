//! Content: every `*.md` file under `content/` becomes one immutable [`Entry`].
//!
//! Loading walks the tree once, then reads, splits, parses and renders each file in parallel:
//! the files are independent, so nothing here needs a lock.

pub mod bundle;
pub mod frontmatter;
pub mod markdown;
pub mod text;
mod yaml;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::diag::{self, Diagnostic};
use crate::url;
pub use bundle::{Asset, Bundles, Stray, Tree};
pub use frontmatter::{At, Date, FrontMatter, Kind, Period, Source, iso_date};
pub use markdown::{Heading, MarkdownOptions, PageIds, TextLength};

/// One entry: an incident or an article, fully parsed and rendered.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path shown in diagnostics, relative to the site root (`content/incidents/2024/x.md`).
    pub path: PathBuf,
    pub meta: FrontMatter,
    /// The URL segment under `/incidents/` or `/articles/`.
    pub slug: String,
    pub html: String,
    pub summary_html: String,
    /// How long the body's text is: its reading time, and the counts templates get.
    pub length: TextLength,
    /// The body's headings: the ids `#` links may name, and the table of contents.
    pub headings: Vec<markdown::Heading>,
    /// Link destinations in the body with their (file) line and column.
    pub links: Vec<At<String>>,
    /// Files copied beside the page: the rest of its bundle (none for an entry of its own).
    pub assets: Vec<Asset>,
}

impl Entry {
    pub fn kind(&self) -> Kind {
        self.meta.kind
    }

    pub fn id(&self) -> Option<&str> {
        self.meta.id.as_ref().map(|a| a.value.as_str())
    }

    pub fn is_incident(&self) -> bool {
        self.meta.kind == Kind::Incident
    }

    /// Reading time in minutes: Japanese is counted by characters, about 600 a minute, and
    /// English (any text with spaces between words) by words, about 240 a minute.
    pub fn reading_minutes(&self) -> usize {
        self.length.reading_minutes()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct LoadOptions<'a> {
    /// A soft line break between two CJK characters renders as nothing instead of a space.
    pub east_asian_line_breaks: bool,
    /// The ids of an incident's page and of an article's, which a body's headings avoid.
    pub incident_ids: &'a [String],
    pub article_ids: &'a [String],
    pub drafts: bool,
}

impl<'a> LoadOptions<'a> {
    /// How the body of an entry of `kind` is rendered: among the ids of its own page.
    pub fn markdown(&self, kind: Kind) -> MarkdownOptions<'a> {
        let page_ids = if kind == Kind::Incident { self.incident_ids } else { self.article_ids };
        MarkdownOptions { east_asian_line_breaks: self.east_asian_line_breaks, page_ids }
    }
}

/// Finds every file under `content_dir`, sorted, so that the order of everything downstream does
/// not depend on the file system: the Markdown files, and the others sorted into bundles' assets
/// and strays. Beside the tree, the files and directories it could not read (a link to nowhere,
/// a link that loops, a directory without permission): the rest of the tree is still loaded and
/// checked, so that one run reports every problem (SPEC: "all of them are reported in one run").
/// An error only when there is no content directory to walk.
pub fn walk(root: &Path, content_dir: &Path) -> Result<(Tree, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut texts = Vec::new();
    let mut others = Vec::new();
    let mut diags = Vec::new();
    let mut links = Vec::new();
    let mut dangling = Vec::new();
    if !content_dir.is_dir() {
        let what = if content_dir.exists() { "is a file" } else { "does not exist" };
        return Err(vec![Diagnostic::file(
            shown(root, content_dir),
            format!("the content directory {what}, expected a directory of Markdown entries"),
        )]);
    }
    // Following links lets editors link entries in; walkdir detects loops and reports them.
    // Hidden files and directories are skipped, as Hugo and Zola do: editors keep lock and swap
    // files there (Emacs's `.#entry.md` is a link to nowhere, made as soon as a buffer changes).
    // So are editors' backups and autosaves (`entry.md~`, `#entry.md#`), as Hugo skips them.
    let walker = walkdir::WalkDir::new(content_dir).follow_links(true).sort_by_file_name();
    let site = SiteRoot::new(root);
    for item in walker.into_iter().filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name())) {
        if let Ok(e) = &item {
            links.extend(site.outside(e));
        }
        match item {
            Ok(e) if e.file_type().is_file() && text::is_text(e.path()) => texts.push(e.into_path()),
            Ok(e) if e.file_type().is_file() && is_markdown(e.path()) => {
                files.push(e.into_path());
            }
            Ok(e) if e.file_type().is_file() => others.push(e.into_path()),
            Ok(_) => {}
            // A hidden link to nowhere (the filter above sees only what can be followed) is not
            // ours (Emacs's lock file); one that is not an entry (an image gone) is published
            // nowhere, and said so.
            Err(e)
                if e.loop_ancestor().is_none()
                    && e.path().is_some_and(|p| is_dangling(p) && (hidden(p) || !is_markdown(p))) =>
            {
                dangling.extend(e.path().filter(|p| !hidden(p)).map(Path::to_path_buf));
            }
            Err(e) => {
                let path = e.path().map_or_else(|| content_dir.to_path_buf(), Path::to_path_buf);
                let what = if e.loop_ancestor().is_some() {
                    "is a symbolic link that loops back to a parent directory, expected a link to a file or a directory outside this branch".to_string()
                } else if is_dangling(&path) {
                    let target = std::fs::read_link(&path).unwrap_or_default();
                    format!(
                        "is a symbolic link to {}, which does not exist, expected a link to an existing entry (or no link)",
                        target.display()
                    )
                } else if std::fs::metadata(&path).is_err_and(|e| e.raw_os_error() == Some(libc::ELOOP)) {
                    "is a symbolic link that leads back to itself through other links, expected a link to a file or a directory".to_string()
                } else {
                    format!(
                        "cannot be read ({}), expected a readable file or directory",
                        e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                    )
                };
                diags.push(Diagnostic::file(shown(root, &path), what));
            }
        }
    }
    let mut tree = Tree { texts, ..Tree::new(content_dir, files, others, links) };
    if !dangling.is_empty() {
        tree.strays.extend(dangling.into_iter().map(|p| (p, Stray::Dangling)));
        tree.strays.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok((tree, diags))
}

/// The warnings of the entries' front matter (a term that holds a Japanese comma), at their
/// places.
pub fn entry_warnings(entries: &[Entry]) -> Vec<Diagnostic> {
    entries
        .iter()
        .flat_map(|e| e.meta.warnings.iter().map(|(l, c, m)| Diagnostic::new(&e.path, *l, *c, m.clone()).as_warning()))
        .collect()
}

/// The site root, resolved, to tell which symbolic links lead out of it.
pub(crate) struct SiteRoot(Option<PathBuf>);

impl SiteRoot {
    pub(crate) fn new(root: &Path) -> SiteRoot {
        SiteRoot(std::fs::canonicalize(root).ok())
    }

    /// A link the walk followed out of the site: the link and where it leads.
    pub(crate) fn outside(&self, e: &walkdir::DirEntry) -> Option<OutsideLink> {
        let site = self.0.as_ref()?;
        if !e.path_is_symlink() {
            return None;
        }
        let target = std::fs::canonicalize(e.path()).ok()?;
        (!target.starts_with(site)).then(|| OutsideLink { link: e.path().to_path_buf(), target })
    }
}

/// A symbolic link under a directory whose files are published, leading out of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideLink {
    pub link: PathBuf,
    pub target: PathBuf,
}

/// A warning at each link out of the site through which files of `published` are published (as
/// `what`: the noun for one file and for several): they are copied as they are, and a link is
/// easy to make without seeing where it leads (a home directory linked in for one picture). Hugo
/// refuses such links outright; a site that means them (a shared folder of images) builds, and
/// is told once per link.
pub fn outside_warnings(
    root: &Path,
    links: &[OutsideLink],
    published: &[&Path],
    what: (&str, &str),
) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for l in links {
        let under: Vec<&&Path> = published.iter().filter(|f| f.starts_with(&l.link)).collect();
        let how = match under[..] {
            [] => continue,
            [file] if *file == l.link => format!("it is published as {}", what.0),
            [_] => format!("the file under it is published as {}", what.0),
            _ => format!("the {} files under it are published as {}", under.len(), what.1),
        };
        let message = format!(
            "is a symbolic link to {}, outside the site, and {how}; expected a link to a place inside the site (or a copy of the files), so that nothing outside it is published unnoticed",
            l.target.display()
        );
        warnings.push(Diagnostic::file(shown(root, &l.link), message).as_warning());
    }
    warnings
}

fn hidden(path: &Path) -> bool {
    path.file_name().is_some_and(is_hidden)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.first() == Some(&b'.') || b.last() == Some(&b'~') || (b.len() > 1 && b[0] == b'#' && b[b.len() - 1] == b'#')
}

pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "md")
}

/// A symbolic link whose target does not exist.
fn is_dangling(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// Reads and parses `files` in parallel, each bundle's `index.md` given its assets from
/// `bundles`. Returns the entries that parsed and every problem of every file, sorted; the caller
/// fails the build if there is any problem, but can still check the good entries against each
/// other so that one run reports everything.
pub fn load(root: &Path, content_dir: &Path, files: &[PathBuf], bundles: &Bundles, opts: LoadOptions) -> Load {
    // Workers take files in order from one counter, so that the prefetchers, which go through
    // them in the same order, stay ahead of all of them.
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(f) = files.get(i) else { break };
            let loaded = load_one(root, content_dir, f, opts).map(|mut e| {
                e.assets = bundles.get(f).cloned().unwrap_or_default();
                e
            });
            mine.push((i, loaded));
        }
        mine
    };
    let workers = rayon::current_num_threads();
    let parts: Vec<_> = std::thread::scope(|scope| {
        if files.len() >= PREFETCH_MIN_FILES {
            for k in 0..PREFETCHERS {
                let next = &next;
                // Without a prefetcher the load is only slower; a failed spawn is no error.
                let _ = std::thread::Builder::new()
                    .name("casebook-prefetch".into())
                    .stack_size(64 << 10)
                    .spawn_scoped(scope, move || prefetch(files, k, next));
            }
        }
        (0..workers).into_par_iter().map(|_| work()).collect()
    });

    // Back into file order, each result moved once.
    let mut slots: Vec<Option<Result<Entry, Box<Left>>>> = (0..files.len()).map(|_| None).collect();
    for (i, r) in parts.into_iter().flatten() {
        slots[i] = Some(r);
    }
    let mut load = Load { entries: Vec::with_capacity(files.len()), absent: Vec::new(), diags: Vec::new() };
    for r in slots.into_iter().flatten() {
        match r {
            Ok(e) => load.entries.push(e),
            Err(left) => {
                load.absent.push(left.absent);
                load.diags.extend(left.diags);
            }
        }
    }
    diag::sort(&mut load.diags);
    load
}

/// What [`load`] found: the entries of the site, the ones left out, and every problem, sorted.
#[derive(Debug, Default)]
pub struct Load {
    pub entries: Vec<Entry>,
    pub absent: Vec<Absent>,
    pub diags: Vec<Diagnostic>,
}

/// An entry left out of the site: a draft (when drafts are not built) or a file with errors. Its
/// names let a `follows` that names it be reported as naming a draft, or not at all when the
/// file's own errors are reported, rather than as naming nothing.
#[derive(Debug, Clone)]
pub struct Absent {
    pub path: PathBuf,
    /// Its `id` and where it is written (nowhere known, 0, when the YAML does not parse).
    pub id: Option<At<String>>,
    pub slug: String,
    /// Its kind, as its front matter or its directory gives it: where its page would be.
    pub kind: Kind,
    pub draft: bool,
    /// Its own `follows`, checked against the site when the file has errors.
    pub follows: Option<At<String>>,
    /// The output files of its aliases (as far as its front matter can be read).
    pub aliases: Vec<String>,
}

/// An entry that is not in the site, and why.
struct Left {
    absent: Absent,
    diags: Vec<Diagnostic>,
}

impl Absent {
    /// Reads what it can of a left-out file: its names when its YAML parses, else its file name.
    fn read(path: &Path, content_dir: &Path, file: &Path, text: &str, draft: bool) -> Absent {
        let names = frontmatter::split(text).map(|s| frontmatter::names(&s)).unwrap_or_default();
        let kind = names.kind.unwrap_or_else(|| default_kind(content_dir, file));
        let slug = names
            .slug
            .or_else(|| names.id.as_ref().map(|id| id.value.clone()).filter(|_| kind == Kind::Incident))
            .unwrap_or_else(|| default_slug(content_dir, file));
        Absent {
            path: path.to_path_buf(),
            id: names.id,
            slug,
            kind,
            draft,
            follows: names.follows,
            aliases: names.aliases,
        }
    }
}

/// An entry's kind when its front matter does not say: incident under `incidents/`.
fn default_kind(content_dir: &Path, file: &Path) -> Kind {
    let rel = file.strip_prefix(content_dir).unwrap_or(file);
    match rel.components().next() {
        Some(c) if c.as_os_str() == "incidents" && rel.components().count() > 1 => Kind::Incident,
        _ => Kind::Article,
    }
}

/// The slug a file's name gives: a bundle's is its directory's name, any other file's its stem.
pub fn default_slug(content_dir: &Path, file: &Path) -> String {
    let name =
        if bundle::is_index(content_dir, file) { file.parent().and_then(Path::file_name) } else { file.file_stem() };
    url::key(&name.map(|s| s.to_string_lossy()).unwrap_or_default())
}

/// Below this many files the corpus loads in a fraction of a second either way, and is usually
/// cached: no prefetcher.
const PREFETCH_MIN_FILES: usize = 2048;
/// Threads asking the kernel to read files ahead of the workers. One is enough when only the
/// files' contents are uncached; a second helped a little when their inodes were too (each open
/// then waits for the disk). Four did no better than two.
const PREFETCHERS: usize = 2;

/// Asks the kernel to start reading the files the workers will take next (`posix_fadvise`
/// `WILLNEED`: the read is queued and the call returns), every `PREFETCHERS`-th from `first`.
///
/// Files not read for a while are often no longer cached (CI checkouts, machines that page out
/// idle memory), and a worker that reads an uncached file waits for the disk with nothing to
/// do. The prefetchers keep many reads in flight at little CPU time, no memory and no waiting
/// worker. At 30,000 uncached entries on two cores, reading and parsing took 0.7–1.2 s against
/// 1.3–1.7 s with the four blocking readers per worker that this replaced (3.4–3.8 s against
/// 4.2–4.9 s at 100,000), and the same time when the files were cached.
///
/// It stops when it has passed the last file, or when the workers have taken every file (which
/// moves it past the last one).
fn prefetch(files: &[PathBuf], first: usize, next: &AtomicUsize) {
    let mut i = first;
    while i < files.len() {
        // Files the workers have taken are read already, or being read: skip to the first of
        // this prefetcher's files that no worker has taken.
        let taken = next.load(Ordering::Relaxed);
        if i < taken {
            i = resume_at(taken, first);
            continue;
        }
        if let Ok(file) = std::fs::File::open(&files[i]) {
            advise_willneed(&file);
        }
        i += PREFETCHERS;
    }
}

/// The first index at or after `taken` that belongs to prefetcher `first`.
fn resume_at(taken: usize, first: usize) -> usize {
    taken + (first + PREFETCHERS - taken % PREFETCHERS) % PREFETCHERS
}

#[cfg(target_os = "linux")]
fn advise_willneed(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor that `file` keeps open; it only gives advice.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_willneed(_: &std::fs::File) {}

/// A path as the user should see it: relative to the site root when it is inside it.
pub fn shown(root: &Path, path: &Path) -> PathBuf {
    // The root itself would be shown as nothing at all (`: No such file or directory`).
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

/// Loads one file; `Ok(None)` for a draft when drafts are not built.
fn load_one(root: &Path, content_dir: &Path, file: &Path, opts: LoadOptions) -> Result<Entry, Box<Left>> {
    let path = shown(root, file);
    let unreadable = |diags| Box::new(Left { absent: Absent::read(&path, content_dir, file, "", false), diags });
    let bytes =
        std::fs::read(file).map_err(|e| unreadable(vec![Diagnostic::file(&path, format!("cannot be read: {e}"))]))?;
    // simdutf8 checks Japanese text several times faster than the standard library, whose fast
    // path is for ASCII; the standard library still finds the position of an error.
    let checked = if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just checked to be valid UTF-8.
        Ok(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        String::from_utf8(bytes)
    };
    let text = match checked {
        Ok(t) => t,
        Err(e) => return Err(unreadable(vec![diag::not_utf8(&path, &e)])),
    };
    match parse_entry(&path, content_dir, file, &text, opts) {
        Ok(Some(e)) => Ok(e),
        Ok(None) => {
            Err(Box::new(Left { absent: Absent::read(&path, content_dir, file, &text, true), diags: Vec::new() }))
        }
        Err(diags) => Err(Box::new(Left { absent: Absent::read(&path, content_dir, file, &text, false), diags })),
    }
}

/// Parses the text of one entry; separated from I/O so it can be tested and fuzzed directly.
pub fn parse_entry(
    path: &Path,
    content_dir: &Path,
    file: &Path,
    text: &str,
    opts: LoadOptions,
) -> Result<Option<Entry>, Vec<Diagnostic>> {
    let problem = |(line, col, msg): (usize, usize, String)| Diagnostic::new(path, line, col, msg).with_source(text);
    let split = frontmatter::split(text).map_err(|(line, msg)| vec![problem((line, 1, msg))])?;
    let kind = default_kind(content_dir, file);
    let meta = match frontmatter::parse(&split, kind) {
        Ok(meta) => meta,
        Err(failed) => {
            // The body is checked all the same, so that one run reports all of the file.
            let body = markdown::render(split.body, opts.markdown(kind)).problems;
            let body = body_problems(split.body, split.body_line, body).err().unwrap_or_default();
            let errors = failed.errors.into_iter().chain(body).map(problem);
            return Err(errors.chain(failed.warnings.into_iter().map(|w| problem(w).as_warning())).collect());
        }
    };
    if meta.draft && !opts.drafts {
        return Ok(None);
    }

    let slug = match (&meta.slug, &meta.id) {
        (Some(s), _) => s.value.clone(),
        (None, Some(id)) if meta.kind == Kind::Incident => id.value.clone(),
        _ => default_slug(content_dir, file),
    };

    let body = markdown::render(split.body, opts.markdown(meta.kind));
    body_problems(split.body, split.body_line, body.problems)
        .map_err(|ps| ps.into_iter().map(problem).collect::<Vec<_>>())?;
    let links = positions(split.body, body.links)
        .into_iter()
        .map(|(value, l, column)| At { value, line: l + split.body_line - 1, column })
        .collect();
    let summary_html = match &meta.summary {
        // Front-matter text is never markup: escape it. Its lines join as a body's do.
        Some(s) if opts.east_asian_line_breaks => {
            format!("<p>{}</p>\n", escape_html(&markdown::join_cjk_lines(s)))
        }
        Some(s) => format!("<p>{}</p>\n", escape_html(s)),
        None => body.summary_html,
    };
    Ok(Some(Entry {
        path: path.to_path_buf(),
        meta,
        slug,
        html: body.html,
        summary_html,
        length: body.length,
        headings: body.headings,
        links,
        assets: Vec::new(),
    }))
}

/// The problems a body's Markdown has, at their (file) lines and columns; `Ok` without any.
pub(crate) fn body_problems(
    body: &str,
    body_line: usize,
    problems: Vec<(String, usize)>,
) -> Result<(), Vec<(usize, usize, String)>> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(positions(body, problems).into_iter().map(|(m, l, c)| (l + body_line - 1, c, m)).collect())
}

/// (line, column) of each `(value, byte offset)`, in one pass over the text: a body with many
/// links must not be rescanned from its start for each of them.
fn positions(text: &str, mut items: Vec<(String, usize)>) -> Vec<(String, usize, usize)> {
    items.sort_by_key(|(_, offset)| *offset);
    let mut out = Vec::with_capacity(items.len());
    let (mut pos, mut line, mut line_start) = (0usize, 1usize, 0usize);
    for (value, offset) in items {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        for (i, b) in text.as_bytes()[pos..offset].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = pos + i + 1;
            }
        }
        pos = offset;
        out.push((value, line, text[line_start..offset].chars().count() + 1));
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: LoadOptions =
        LoadOptions { east_asian_line_breaks: true, incident_ids: &[], article_ids: &[], drafts: false };

    #[test]
    fn a_prefetcher_resumes_at_its_own_first_file_not_taken() {
        // Prefetcher 1 of 2 owns the odd indices.
        assert_eq!(resume_at(0, 1), 1);
        assert_eq!(resume_at(6, 1), 7);
        assert_eq!(resume_at(7, 1), 7);
        assert_eq!(resume_at(6, 0), 6);
        assert_eq!(resume_at(7, 0), 8);
    }

    fn parse(rel: &str, text: &str) -> Result<Option<Entry>, Vec<Diagnostic>> {
        let content = Path::new("/site/content");
        let file = content.join(rel);
        parse_entry(&shown(Path::new("/site"), &file), content, &file, text, OPTS)
    }

    #[test]
    fn a_large_site_loads_the_same_with_the_prefetchers() {
        // Enough files for the prefetchers, with errors among them: entries and problems come
        // back in file order, as one thread would give them.
        let root = std::env::temp_dir().join(format!("casebook-load-prefetch-{}", std::process::id()));
        let content = root.join("content");
        std::fs::create_dir_all(content.join("articles")).unwrap();
        let files: Vec<PathBuf> = (0..2100)
            .map(|i| {
                let file = content.join(format!("articles/a{i:04}.md"));
                let date = if i % 500 == 7 { "not a date".to_string() } else { format!("2024-01-{:02}", i % 28 + 1) };
                std::fs::write(&file, format!("---\ntitle: 記事{i}\ndate: {date}\n---\n本文{i}です。\n")).unwrap();
                file
            })
            .collect();
        assert!(files.len() >= PREFETCH_MIN_FILES);
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let none = Bundles::new();
        let Load { entries, absent, diags } = pool(2).install(|| load(&root, &content, &files, &none, OPTS));
        let Load { entries: one, diags: one_diags, .. } =
            pool(1).install(|| load(&root, &content, &files, &none, OPTS));
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(entries.len(), 2100 - 5);
        assert_eq!(diags.len(), 5);
        // The files with errors are still known by name.
        let slugs: Vec<&str> = absent.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs, ["a0007", "a0507", "a1007", "a1507", "a2007"]);
        let titles = |v: &[Entry]| v.iter().map(|e| e.meta.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&entries), titles(&one));
        assert_eq!(diags, one_diags);
        assert_eq!(entries[0].meta.title, "記事0");
        assert_eq!(entries[2094].meta.title, "記事2099");
    }

    #[test]
    fn kind_follows_the_directory() {
        let e = parse(
            "incidents/2024/2024-033.md",
            "---\ntitle: t\nid: \"2024-033\"\ndate: 2024-01-30\norganization: X\n---\n本文",
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.kind(), Kind::Incident);
        assert_eq!(e.slug, "2024-033");
        assert_eq!(e.path, Path::new("content/incidents/2024/2024-033.md"));
        let e = parse("articles/Hello World.md", "---\ntitle: t\ndate: 2024-01-30\n---\n本文").unwrap().unwrap();
        assert_eq!(e.kind(), Kind::Article);
        assert_eq!(e.slug, "hello-world");
    }

    #[test]
    fn a_bundle_is_named_by_its_directory() {
        let fm = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n---\n";
        let e = parse("incidents/2024/2024-033/index.md", fm).unwrap().unwrap();
        assert_eq!((e.kind(), e.slug.as_str()), (Kind::Incident, "2024-033"));
        let with_id = fm.replace("title: t", "title: t\nid: \"2024-034\"");
        assert_eq!(parse("incidents/2024/x/index.md", &with_id).unwrap().unwrap().slug, "2024-034");
        let e = parse("articles/Guide Book/index.md", "---\ntitle: t\ndate: 2024-01-30\n---\n").unwrap().unwrap();
        assert_eq!(e.slug, "guide-book");
        let e = parse("articles/g/index.md", "---\ntitle: t\ndate: 2024-01-30\nslug: Mine\n---\n").unwrap().unwrap();
        assert_eq!(e.slug, "mine");
        // The content directory's own index.md is no bundle.
        assert_eq!(parse("index.md", "---\ntitle: t\ndate: 2024-01-30\n---\n").unwrap().unwrap().slug, "index");
    }

    #[test]
    fn slug_field_wins_and_drafts_are_skipped() {
        let e = parse("a.md", "---\ntitle: t\ndate: 2024-01-30\nslug: Mine\n---\n").unwrap().unwrap();
        assert_eq!(e.slug, "mine");
        assert!(parse("a.md", "---\ntitle: t\ndate: 2024-01-30\ndraft: true\n---\n").unwrap().is_none());
    }

    #[test]
    fn errors_name_file_and_file_line() {
        let err = parse("incidents/x.md", "---\ntitle: t\ndate: 2024-01-30\n---\n").unwrap_err();
        assert_eq!(err[0].path, Path::new("content/incidents/x.md"));
        assert!(err[0].message.contains("`organization` is missing"));
        assert_eq!(err[0].line, 2);
        assert_eq!(err[0].source_line.as_deref(), Some("title: t"));
    }

    #[test]
    fn summary_from_front_matter_is_escaped() {
        let e =
            parse("a.md", "---\ntitle: t\ndate: 2024-01-30\nsummary: \"<script>x</script>\"\n---\n").unwrap().unwrap();
        assert_eq!(e.summary_html, "<p>&lt;script&gt;x&lt;/script&gt;</p>\n");
    }

    #[test]
    fn link_lines_are_file_lines() {
        let e = parse("a.md", "---\ntitle: t\ndate: 2024-01-30\n---\n\n[a](/x/)\n").unwrap().unwrap();
        assert_eq!((e.links[0].line, e.links[0].column), (6, 1));
    }

    #[test]
    fn link_positions_match_line_col() {
        let text = "a\nいろ[x](y)\n\n[z](w) [v](u)";
        let items: Vec<(String, usize)> =
            ["[x]", "[z]", "[v]"].iter().map(|m| (m.to_string(), text.find(m).unwrap())).collect();
        for (value, line, col) in positions(text, items.clone()) {
            let offset = items.iter().find(|i| i.0 == value).unwrap().1;
            assert_eq!((line, col), diag::line_col(text, offset), "{value}");
        }
    }

    #[test]
    fn reading_time_rounds_up() {
        let mut e = parse("a.md", "---\ntitle: t\ndate: 2024-01-30\n---\n").unwrap().unwrap();
        assert_eq!(e.reading_minutes(), 1);
        e.length.single_chars = 601;
        assert_eq!(e.reading_minutes(), 2);
        e.length = TextLength { chars: 0, single_chars: 0, words: 241 };
        assert_eq!(e.reading_minutes(), 2);
    }
}
