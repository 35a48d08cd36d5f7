//! Builds the site into memory and rebuilds it after changes, as little as is correct.
//!
//! The last good [`Loaded`] is kept. After a change to content files only, just those files are
//! re-parsed; if every front matter is what it was and no entry appeared or disappeared, the new
//! bodies are patched into the site model and only the pages that show them are rendered again
//! (see [`affected_jobs`]). A saved asset of a bundle is read again and nothing rendered. Any
//! other content change rebuilds the model from the kept entries plus the re-parsed ones and
//! renders everything; a theme change re-renders everything; a `book.toml` change, a file added
//! to or removed from a bundle, a stray file, any error, or any doubt reloads the site from
//! scratch, exactly as `build` would.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use axum::body::Bytes;

use super::affected::{BodyChange, affected_jobs};
use crate::config::{CONFIG_FILE, Config};
use crate::content::{self, Bundles, Entry, LoadOptions};
use crate::diag::Diagnostic;
use crate::render::theme::StaticSource;
use crate::render::{self, Job, Page, RenderError, Theme};
use crate::site::Site;
use crate::{Loaded, Timings};

/// Output path → file contents.
pub type PageMap = HashMap<String, Bytes>;

/// What a (re)build produced.
#[derive(Debug)]
pub enum Rendered {
    /// Every output file: replaces the previous map, so removed pages disappear.
    All(PageMap),
    /// Only these files may have changed; every other file is as it was.
    Some(Vec<Page>),
    /// Nothing that shows in the output changed.
    Nothing,
}

/// How a rebuild was done, for the one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reloaded from disk and rendered everything.
    Full,
    /// Kept the model, rendered everything (theme or front-matter change).
    RenderAll,
    /// Rendered only the pages an edited body shows on.
    Incremental,
    /// Nothing to do.
    Unchanged,
}

#[derive(Debug)]
pub struct Report {
    pub rendered: Rendered,
    pub mode: Mode,
    pub entries: usize,
    /// Files rendered (statics and assets included in full renders).
    pub files: usize,
    /// What loads but may not be what was meant (stray files...): given by full loads only, the
    /// only ones that can change them.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    fn unchanged() -> Report {
        Report { rendered: Rendered::Nothing, mode: Mode::Unchanged, entries: 0, files: 0, warnings: Vec::new() }
    }

    /// `pages` rendered, or read again, with nothing else changed.
    fn some(entries: usize, pages: Vec<Page>) -> Report {
        Report {
            entries,
            files: pages.len(),
            rendered: Rendered::Some(pages),
            mode: Mode::Incremental,
            warnings: vec![],
        }
    }
}

/// Merges `rendered` into `pages`; returns how many files differ from before (added, changed or
/// removed).
pub fn apply(pages: &mut PageMap, rendered: Rendered) -> usize {
    match rendered {
        Rendered::All(new) => {
            let removed = pages.keys().filter(|k| !new.contains_key(*k)).count();
            let changed = new.iter().filter(|(k, v)| pages.get(*k) != Some(v)).count();
            *pages = new;
            removed + changed
        }
        Rendered::Some(list) => {
            let mut changed = 0;
            for page in list {
                if pages.get(&page.path).is_none_or(|old| old[..] != page.bytes[..]) {
                    changed += 1;
                    pages.insert(page.path, Bytes::from(page.bytes));
                }
            }
            changed
        }
        Rendered::Nothing => 0,
    }
}

/// Modification time and length of a content file, to notice changes that no event reported.
type Stamp = (Option<SystemTime>, u64);

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path).map_or((None, u64::MAX), |m| (m.modified().ok(), m.len()))
}

struct State {
    loaded: Loaded,
    content_dir: PathBuf,
    /// Every Markdown file and asset under the content directory (drafts' too) when last loaded.
    stamps: HashMap<PathBuf, Stamp>,
    /// The bundles and stray files when last loaded: any change to them is a full load.
    shape: Shape,
    /// Entry path (as in `Entry::path`) → index in `site.entries`.
    index: HashMap<PathBuf, usize>,
    /// Source → output path of every asset in the output.
    assets: HashMap<PathBuf, String>,
}

impl State {
    fn reindex(&mut self) {
        self.index = self.loaded.site.entries.iter().enumerate().map(|(i, e)| (e.path.clone(), i)).collect();
        self.assets = render::assets::placed(&self.loaded.site)
            .into_iter()
            .map(|(path, source)| (source.to_path_buf(), path))
            .collect();
    }

    /// The assets in `changed`, read again (`None` when one cannot be read).
    fn reread(&self, changed: &[PathBuf]) -> Option<Vec<Page>> {
        changed
            .iter()
            .filter_map(|f| self.assets.get(f).map(|path| (f, path)))
            .map(|(f, path)| std::fs::read(f).ok().map(|bytes| Page { path: path.clone(), bytes }))
            .collect()
    }
}

/// Which files are bundles' assets, which are strays, and which are texts.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    bundles: Bundles,
    strays: Vec<(PathBuf, content::Stray)>,
    texts: Vec<PathBuf>,
}

/// What a set of changed paths touches.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// book.toml or a taxonomy's or term's text changed: the site is loaded again whole.
    pub full: bool,
    pub theme: bool,
    /// Changed paths under the content directory (but texts, which are `full`).
    pub content: HashSet<PathBuf>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        !self.full && !self.theme && self.content.is_empty()
    }
}

/// Sorts changed paths into what they affect. Paths outside the watched inputs (the output
/// directory, editor files in the root) are dropped.
pub fn classify(root: &Path, content_dir: &Path, paths: &[PathBuf]) -> Touched {
    let mut t = Touched::default();
    for p in paths {
        // A taxonomy's or term's text is rare and read with the whole site: reload it all.
        if p == &root.join(CONFIG_FILE) || (p.starts_with(content_dir) && content::text::is_text(p)) {
            t.full = true;
        } else if p.starts_with(content_dir) {
            t.content.insert(p.clone());
        } else if ["templates", "static", "themes"].iter().any(|d| p.starts_with(root.join(d))) {
            t.theme = true;
        }
    }
    t
}

pub struct Builder {
    root: PathBuf,
    drafts: bool,
    /// `http://host:port`, without a path: the site is served under its `base_url`'s path.
    origin: String,
    /// That path (`/`, `/cb/`), as the last full load found it in book.toml.
    path: String,
    state: Option<State>,
    /// The search index is stale: an incremental rebuild left it for [`Builder::render_deferred`].
    search_stale: bool,
    /// A rebuild trusted the watcher and skipped the scan of the content directory's stamps; the
    /// scan is done by [`Builder::rescan`] once the edited page is served.
    scan_pending: bool,
}

impl Builder {
    pub fn new(root: PathBuf, drafts: bool, origin: String) -> Builder {
        let path = "/".to_string();
        Builder { root, drafts, origin, path, state: None, search_stale: false, scan_pending: false }
    }

    /// The path the site is served under: its `base_url`'s (`/cb/` for
    /// `https://example.org/cb/`), percent-encoded, so that the links its pages and bodies hold
    /// work in the preview as they will when published.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The content directory of the last good configuration (or of `book.toml` as it is now).
    pub fn content_dir(&self) -> PathBuf {
        match &self.state {
            Some(s) => s.content_dir.clone(),
            None => Config::load(&self.root)
                .map_or_else(|_| self.root.join("content"), |c| self.root.join(&c.build.content)),
        }
    }

    /// Loads the whole site from disk and renders every file.
    pub fn full(&mut self) -> Result<Report, Vec<Diagnostic>> {
        self.state = None;
        self.search_stale = false;
        self.scan_pending = false;
        // Stamp the files before reading them: a write in between shows up as a change later.
        let config = Config::load(&self.root).ok();
        let before = config.as_ref().map(|c| self.root.join(&c.build.content));
        let mut stamps = before.as_deref().map(|d| stamp_all(&self.root, d)).unwrap_or_default();
        // This server's origin with the site's own path: absolute URLs lead back here. Read
        // leniently: a book.toml with another mistake still says where the site will be.
        let lenient = if config.is_some() { config } else { Config::load_lenient(&self.root).0 };
        let base = lenient.and_then(|c| crate::url::BaseUrl::parse(&c.book.base_url).ok());
        let path = base.map_or_else(|| "/".to_string(), |b| b.root().to_string());
        let base_url = format!("{}{path}", self.origin);
        // Known from book.toml even when the content does not load: where the site will be.
        self.path = path;
        let mut loaded = crate::load(&self.root, self.drafts, Some(&base_url), &mut Timings::default())
            .map_err(|e| e.diagnostics())?;
        let content_dir = self.root.join(&loaded.config.build.content);
        if before.as_deref() != Some(content_dir.as_path()) {
            stamps = stamp_all(&self.root, &content_dir);
        }
        let pages = render_all(&mut loaded)?;
        let report = Report {
            entries: loaded.site.entries.len(),
            files: pages.len(),
            rendered: Rendered::All(pages),
            mode: Mode::Full,
            warnings: loaded.warnings.clone(),
        };
        let (stamps, shape) = stamps;
        let mut state = State { loaded, content_dir, stamps, shape, index: HashMap::new(), assets: HashMap::new() };
        state.reindex();
        self.state = Some(state);
        Ok(report)
    }

    /// Rebuilds after `changed` paths changed (absolute paths, as the watcher reports them).
    /// On error the previous state is dropped, so the next rebuild starts from scratch.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Report, Vec<Diagnostic>> {
        let touched = classify(&self.root, &self.content_dir(), changed);
        if touched.is_empty() {
            return Ok(Report::unchanged());
        }
        let Some(mut state) = self.state.take() else { return self.full() };
        if touched.full {
            return self.full();
        }
        let mut render_everything = false;
        if touched.theme {
            let theme = Theme::load(&self.root, &state.loaded.config.book.theme);
            match theme.and_then(|t| t.tera().map(|tera| (t, tera))) {
                // A full load prints the theme's warnings (a static link out of the site) and
                // reports its static files that cannot be copied, and renders the bodies again
                // when the ids they must avoid changed.
                Ok((theme, _))
                    if !theme.warnings.is_empty()
                        || !theme.errors.is_empty()
                        || theme.page_ids() != state.loaded.page_ids =>
                {
                    return self.full();
                }
                Ok((theme, tera)) => {
                    state.loaded.theme = theme;
                    state.loaded.tera = tera;
                    render_everything = true;
                }
                // The full load reports every problem, in the order `build` would.
                Err(_) => return self.full(),
            }
        }
        let mut bodies = Vec::new();
        let mut warnings = Vec::new();
        // Assets saved: read again, rendered nowhere.
        let (saved, others): (HashSet<PathBuf>, HashSet<PathBuf>) =
            touched.content.into_iter().partition(|f| state.assets.contains_key(f) && f.is_file());
        let mut assets: Vec<PathBuf> = saved.into_iter().collect();
        for f in &assets {
            state.stamps.insert(f.clone(), stamp(f));
        }
        if !others.is_empty() {
            // Saves of files known to be entries are taken as the whole change (the usual edit,
            // which must be quick); anything else (a new, removed or renamed file, a directory)
            // scans every stamp.
            let quick = others.iter().all(|f| state.stamps.contains_key(f) && content::is_markdown(f) && f.is_file());
            self.scan_pending |= quick;
            match update_content(&self.root, &mut state, &others, quick, &mut assets) {
                Some(ContentChange::Unchanged) => {}
                Some(ContentChange::Bodies(b)) => bodies = b,
                Some(ContentChange::Model) => {
                    render_everything = true;
                    // A front matter saved is told its warnings, as a build tells them.
                    warnings = content::entry_warnings(&state.loaded.site.entries)
                        .into_iter()
                        .filter(|d| others.contains(&self.root.join(&d.path)))
                        .collect();
                }
                None => return self.full(),
            }
        }
        let Some(mut reread) = state.reread(&assets) else { return self.full() };

        let entries = state.loaded.site.entries.len();
        let report = if render_everything {
            match render_all(&mut state.loaded) {
                Ok(pages) => {
                    self.search_stale = false;
                    let files = pages.len();
                    Report { entries, files, rendered: Rendered::All(pages), mode: Mode::RenderAll, warnings }
                }
                Err(_) => return self.full(),
            }
        } else if !bodies.is_empty() {
            let l = &mut state.loaded;
            let mut jobs = affected_jobs(&l.site, l.config.build.per_page, &bodies);
            // The search index is rewritten whole (hundreds of files at 10,000 entries): it is left
            // for render_deferred, so that the edited page is served first.
            if jobs.remove(&Job::SearchIndex) {
                self.search_stale = true;
            }
            match render_pages(l, &|job| jobs.contains(job)) {
                Ok(mut pages) => {
                    pages.append(&mut reread);
                    Report::some(entries, pages)
                }
                Err(_) => return self.full(),
            }
        } else if !reread.is_empty() {
            Report::some(entries, reread)
        } else {
            Report::unchanged()
        };
        self.state = Some(state);
        Ok(report)
    }

    /// Scans the content directory for changes no event reported, if the last rebuild skipped it.
    pub fn rescan(&mut self) -> Option<Result<Report, Vec<Diagnostic>>> {
        if !std::mem::take(&mut self.scan_pending) {
            return None;
        }
        let dir = self.content_dir();
        Some(self.rebuild(&[dir]))
    }

    /// Renders what the last incremental rebuild left stale (the search index), if anything.
    pub fn render_deferred(&mut self) -> Option<Result<Report, Vec<Diagnostic>>> {
        if !std::mem::take(&mut self.search_stale) {
            return None;
        }
        let state = self.state.as_mut()?;
        let entries = state.loaded.site.entries.len();
        Some(match render_pages(&mut state.loaded, &|job| *job == Job::SearchIndex) {
            Ok(pages) => Ok(Report::some(entries, pages)),
            Err(diags) => {
                self.state = None;
                Err(diags)
            }
        })
    }
}

enum ContentChange {
    /// No entry differs (a touched file, an edited draft, a non-Markdown file).
    Unchanged,
    /// Only bodies changed; the entries are patched in place.
    Bodies(Vec<BodyChange>),
    /// Front matter changed, or entries appeared or disappeared; the model is rebuilt.
    Model,
}

/// The stamps of every entry and asset, and which files are assets and strays.
fn stamp_all(root: &Path, content_dir: &Path) -> (HashMap<PathBuf, Stamp>, Shape) {
    let tree = content::walk(root, content_dir).map(|(tree, _)| tree).unwrap_or_default();
    let stamps =
        tree.entries.iter().map(PathBuf::as_path).chain(tree.asset_files()).map(|f| (f.to_path_buf(), stamp(f)));
    (stamps.collect(), Shape { bundles: tree.bundles, strays: tree.strays, texts: tree.texts })
}

/// Two versions of an entry with the same front matter (and so the same place in the model).
fn same_front_matter(a: &Entry, b: &Entry) -> bool {
    // FrontMatter has no PartialEq; its Debug form shows every field, positions included.
    a.path == b.path && a.slug == b.slug && a.meta == b.meta
}

/// Brings the content up to date: re-parses the `hinted` files only when `quick`, else every
/// entry whose stamp differs (or that is hinted), adds every asset whose stamp differs to
/// `assets`, and notices every file that disappeared. `None` on any problem, and when files were
/// added to or removed from bundles, or stray files were.
fn update_content(
    root: &Path,
    state: &mut State,
    hinted: &HashSet<PathBuf>,
    quick: bool,
    assets: &mut Vec<PathBuf>,
) -> Option<ContentChange> {
    let config = &state.loaded.config;
    let (reparse, removed) = if quick {
        for f in hinted {
            state.stamps.insert(f.clone(), stamp(f));
        }
        (hinted.iter().cloned().collect(), Vec::new())
    } else {
        // A file the walk cannot read is reported by the full load, with everything else.
        let tree = content::walk(root, &state.content_dir).ok().filter(|(_, diags)| diags.is_empty())?.0;
        let shape = &state.shape;
        if (&tree.bundles, &tree.strays, &tree.texts) != (&shape.bundles, &shape.strays, &shape.texts) {
            return None;
        }
        let mut stamps = HashMap::with_capacity(tree.entries.len());
        let mut reparse = Vec::new();
        for f in tree.asset_files() {
            let s = stamp(f);
            if state.stamps.get(f) != Some(&s) || hinted.contains(f) {
                assets.push(f.to_path_buf());
            }
            stamps.insert(f.to_path_buf(), s);
        }
        for f in tree.entries {
            let s = stamp(&f);
            if state.stamps.get(&f) != Some(&s) || hinted.contains(&f) {
                reparse.push(f.clone());
            }
            stamps.insert(f, s);
        }
        let removed: Vec<PathBuf> =
            state.stamps.keys().filter(|f| !stamps.contains_key(*f)).map(|f| content::shown(root, f)).collect();
        state.stamps = stamps;
        (reparse, removed)
    };
    if reparse.is_empty() && removed.is_empty() {
        return Some(ContentChange::Unchanged);
    }

    let opts = LoadOptions {
        east_asian_line_breaks: config.markdown.east_asian_line_breaks,
        incident_ids: &state.loaded.page_ids.incident,
        article_ids: &state.loaded.page_ids.article,
        drafts: config.build.drafts,
    };
    let content::Load { entries, diags, .. } =
        content::load(root, &state.content_dir, &reparse, &state.shape.bundles, opts);
    if !diags.is_empty() {
        return None;
    }
    let mut parsed: HashMap<PathBuf, Entry> = entries.into_iter().map(|e| (e.path.clone(), e)).collect();
    let reparsed: Vec<PathBuf> = reparse.iter().map(|f| content::shown(root, f)).collect();

    let mut model_changed = removed.iter().any(|p| state.index.contains_key(p));
    let mut bodies = Vec::new();
    for p in &reparsed {
        match (state.index.get(p), parsed.get(p)) {
            (None, None) => {} // a draft, still a draft
            (Some(&i), Some(new)) if same_front_matter(&state.loaded.site.entries[i], new) => {
                let old = &state.loaded.site.entries[i];
                if old.html != new.html
                    || old.summary_html != new.summary_html
                    || old.length != new.length
                    || old.headings != new.headings
                    || old.links != new.links
                {
                    bodies.push(BodyChange { entry: i, card: old.summary_html != new.summary_html });
                }
            }
            _ => model_changed = true,
        }
    }

    if model_changed {
        // The texts belong to terms, which the new model makes anew: a full load attaches them.
        let taxonomies = &state.loaded.site.taxonomies;
        if taxonomies.iter().any(|t| t.text.is_some() || t.terms.iter().any(|term| term.text.is_some())) {
            return None;
        }
        let gone: HashSet<&PathBuf> = reparsed.iter().chain(&removed).collect();
        let mut entries: Vec<Entry> =
            std::mem::take(&mut state.loaded.site.entries).into_iter().filter(|e| !gone.contains(&e.path)).collect();
        entries.extend(parsed.into_values());
        // Site::build orders entries totally, so the model does not depend on this order.
        state.loaded.site = Site::build(&state.loaded.config, entries).ok()?;
        state.reindex();
        return Some(ContentChange::Model);
    }
    for b in &bodies {
        let path = state.loaded.site.entries[b.entry].path.clone();
        if let Some(e) = parsed.remove(&path) {
            state.loaded.site.entries[b.entry] = e;
        }
    }
    Some(if bodies.is_empty() { ContentChange::Unchanged } else { ContentChange::Bodies(bodies) })
}

fn template_errors(e: RenderError) -> Vec<Diagnostic> {
    match e {
        RenderError::Templates(d) => d,
        RenderError::Write(io) => vec![Diagnostic::file("", format!("rendering failed: {io}"))],
    }
}

/// Renders the pages `select` accepts (and the sitemap) into a list.
fn render_pages(l: &mut Loaded, select: &(dyn Fn(&Job) -> bool + Sync)) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let out: Mutex<Vec<Page>> = Mutex::new(Vec::new());
    let clashes = render::clash::Clashes::new(&l.root, &l.theme, &l.site);
    let sink = |page: Page| -> std::io::Result<()> {
        if !clashes.blocks(&page.path) {
            out.lock().map_err(|_| std::io::Error::other("page list poisoned"))?.push(page);
        }
        Ok(())
    };
    let rendered = render::render_selected(&l.site, &l.config, &l.base, &mut l.tera, &l.theme, select, &sink);
    // Served, a page would hide the static file in its way; built, the clash is an error, and it
    // is reported with the template errors, as `build` does.
    let mut diags = clashes.diagnostics(&l.config);
    if let Err(e) = rendered {
        diags.extend(template_errors(e));
    }
    if !diags.is_empty() {
        crate::finish_diagnostics(&l.root, &mut diags);
        return Err(diags);
    }
    Ok(out.into_inner().unwrap_or_default())
}

/// Every output file: the static files, then every page over them (as `build` writes them).
pub fn render_all(l: &mut Loaded) -> Result<PageMap, Vec<Diagnostic>> {
    let mut map = PageMap::with_capacity(l.theme.statics.len() + l.site.entries.len() * 2);
    let mut diags = Vec::new();
    for (rel, source) in &l.theme.statics {
        match source {
            StaticSource::Embedded(bytes) => {
                map.insert(rel.clone(), Bytes::from_static(bytes));
            }
            StaticSource::File(path) => match std::fs::read(path) {
                Ok(bytes) => {
                    map.insert(rel.clone(), Bytes::from(bytes));
                }
                Err(e) => diags.push(Diagnostic::file(content::shown(&l.root, path), format!("cannot be read: {e}"))),
            },
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    for page in render_pages(l, &|_| true)? {
        map.insert(page.path, Bytes::from(page.bytes));
    }
    // Assets in the way of anything were reported by render_pages.
    for (path, source) in render::assets::placed(&l.site) {
        match std::fs::read(source) {
            Ok(bytes) => {
                map.insert(path, Bytes::from(bytes));
            }
            Err(e) => diags.push(Diagnostic::file(content::shown(&l.root, source), format!("cannot be read: {e}"))),
        }
    }
    if diags.is_empty() { Ok(map) } else { Err(diags) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct TempSite(PathBuf);

    impl TempSite {
        /// A copy of `tests/fixtures/basic`.
        fn new(label: &str) -> TempSite {
            static N: AtomicUsize = AtomicUsize::new(0);
            let n = N.fetch_add(1, Ordering::SeqCst);
            let dir = std::env::temp_dir().join(format!("casebook-serve-{label}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
            for item in walkdir::WalkDir::new(&from) {
                let item = item.unwrap();
                let to = dir.join(item.path().strip_prefix(&from).unwrap());
                if item.file_type().is_dir() {
                    std::fs::create_dir_all(&to).unwrap();
                } else {
                    std::fs::copy(item.path(), &to).unwrap();
                }
            }
            TempSite(std::fs::canonicalize(&dir).unwrap())
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.0.join(rel)
        }

        fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) -> PathBuf {
            let p = self.path(rel);
            let text = std::fs::read_to_string(&p).unwrap();
            let new = f(text.clone());
            assert_ne!(new, text, "the edit must change {rel}");
            std::fs::write(&p, new).unwrap();
            p
        }

        fn builder(&self) -> Builder {
            Builder::new(self.0.clone(), false, "http://127.0.0.1:1111/".into())
        }

        /// A fresh full build of the site as it is on disk now.
        fn fresh(&self) -> PageMap {
            let mut b = self.builder();
            let mut pages = PageMap::new();
            apply(&mut pages, b.full().unwrap().rendered);
            pages
        }
    }

    impl Drop for TempSite {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn assert_same(incremental: &PageMap, full: &PageMap) {
        let mut keys: Vec<&String> = incremental.keys().chain(full.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            assert!(incremental.get(k) == full.get(k), "{k} differs between the incremental rebuild and a full build");
        }
    }

    const ENTRY: &str = "content/incidents/2024/2024-001.md";

    /// Starts a builder on the site, applies `edit`, rebuilds, and compares with a fresh build.
    fn check(label: &str, edit: impl FnOnce(&TempSite) -> Vec<PathBuf>) -> (Mode, usize, usize) {
        let site = TempSite::new(label);
        let mut b = site.builder();
        let mut pages = PageMap::new();
        apply(&mut pages, b.full().unwrap().rendered);
        let total = pages.len();
        let changed = edit(&site);
        let report = b.rebuild(&changed).unwrap();
        let (mode, files) = (report.mode, report.files);
        apply(&mut pages, report.rendered);
        // What serve publishes right after: the deferred search index, then nothing more.
        if let Some(deferred) = b.render_deferred() {
            apply(&mut pages, deferred.unwrap().rendered);
        }
        assert!(b.render_deferred().is_none(), "deferred work is done once");
        assert_same(&pages, &site.fresh());
        (mode, files, total)
    }

    #[test]
    fn body_edit_is_incremental_and_exact() {
        let (mode, files, total) =
            check("body", |s| vec![s.edit(ENTRY, |t| t.replace("最終報。", "最終報。冒頭に追記した一文。"))]);
        assert_eq!(mode, Mode::Incremental);
        assert!(files < total / 2, "{files} of {total} files rendered");
    }

    #[test]
    fn alias_pages_are_kept_by_a_body_edit_and_follow_a_front_matter_edit() {
        let site = TempSite::new("alias");
        site.edit(ENTRY, |t| t.replacen("---\n", "---\naliases: [/old/]\n", 1));
        let mut b = site.builder();
        let mut pages = PageMap::new();
        apply(&mut pages, b.full().unwrap().rendered);
        assert!(pages.contains_key("old/index.html"));
        let mut rebuild = |changed: PathBuf| {
            let report = b.rebuild(&[changed]).unwrap();
            let mode = report.mode;
            apply(&mut pages, report.rendered);
            if let Some(deferred) = b.render_deferred() {
                apply(&mut pages, deferred.unwrap().rendered);
            }
            assert_same(&pages, &site.fresh());
            (mode, pages.contains_key("old/index.html"), pages.contains_key("older/index.html"))
        };
        let body = site.edit(ENTRY, |t| t.replace("最終報。", "最終報。冒頭に追記した一文。"));
        assert_eq!(rebuild(body), (Mode::Incremental, true, false));
        let front_matter = site.edit(ENTRY, |t| t.replace("[/old/]", "[/older/]"));
        assert_eq!(rebuild(front_matter), (Mode::RenderAll, false, true));
    }

    #[test]
    fn body_edit_below_the_summary_renders_one_page_and_the_sitemap() {
        let (mode, files, _) = check("tail", |s| vec![s.edit(ENTRY, |t| t + "\n\n末尾に追記した段落。\n")]);
        assert_eq!(mode, Mode::Incremental);
        assert_eq!(files, 2, "the entry page and sitemap.xml; the search index is deferred");
    }

    #[test]
    fn a_save_of_a_known_entry_skips_the_scan_and_the_rescan_finds_what_no_event_reported() {
        let site = TempSite::new("quick");
        let mut b = site.builder();
        let mut pages = PageMap::new();
        apply(&mut pages, b.full().unwrap().rendered);
        let reported = site.edit(ENTRY, |t| t + "\n\n報告された編集。\n");
        // Edited too, but no event says so.
        site.edit("content/incidents/2023/2023-101.md", |t| t + "\n\n報告されない編集。\n");
        let report = b.rebuild(&[reported]).unwrap();
        assert_eq!(report.mode, Mode::Incremental);
        apply(&mut pages, report.rendered);
        let page = |pages: &PageMap, k: &str| String::from_utf8_lossy(&pages[k]).into_owned();
        assert!(page(&pages, "incidents/2024-001/index.html").contains("報告された編集"));
        assert!(!page(&pages, "incidents/2023-101/index.html").contains("報告されない編集"), "no scan yet");
        let rescan = b.rescan().expect("a scan is pending").unwrap();
        assert_eq!(rescan.mode, Mode::Incremental);
        apply(&mut pages, rescan.rendered);
        assert!(page(&pages, "incidents/2023-101/index.html").contains("報告されない編集"));
        assert!(b.rescan().is_none(), "one scan per skipped scan");
        if let Some(deferred) = b.render_deferred() {
            apply(&mut pages, deferred.unwrap().rendered);
        }
        assert_same(&pages, &site.fresh());
    }

    #[test]
    fn a_body_edit_defers_the_search_index_and_a_full_build_drops_it() {
        let site = TempSite::new("deferred");
        let mut b = site.builder();
        b.full().unwrap();
        assert!(b.render_deferred().is_none(), "a full build leaves nothing stale");
        let changed = vec![site.edit(ENTRY, |t| t + "\n\n検索に載る新しい語。\n")];
        b.rebuild(&changed).unwrap();
        let search_files = site.fresh().keys().filter(|k| k.starts_with("search/") && !k.ends_with(".html")).count();
        let deferred = b.render_deferred().expect("the search index is deferred").unwrap();
        // The whole index (and the sitemap, which render_selected always renders).
        assert_eq!(deferred.files, search_files + 1);
        // A full rebuild in between renders the index itself.
        b.rebuild(&[site.edit(ENTRY, |t| t + "\n\nもう一文。\n")]).unwrap();
        b.full().unwrap();
        assert!(b.render_deferred().is_none());
    }

    #[test]
    fn tag_edit_matches_a_full_build() {
        let (mode, _, _) = check("tags", |s| vec![s.edit(ENTRY, |t| t.replace("tags: [ddos]", "tags: [新しいタグ]"))]);
        assert_eq!(mode, Mode::RenderAll);
    }

    #[test]
    fn crlf_body_edit_is_incremental_and_exact() {
        let (mode, _, _) = check("crlf", |s| {
            vec![
                s.edit("content/incidents/2024/2024-002.md", |t| t.replace("BOM と CRLF の", "BOM と CRLF の**強調**")),
            ]
        });
        assert_eq!(mode, Mode::Incremental);
    }

    #[test]
    fn date_edit_reorders_like_a_full_build() {
        let (mode, _, _) =
            check("date", |s| vec![s.edit(ENTRY, |t| t.replace("date: 2024-01-15", "date: 2023-12-30"))]);
        assert_eq!(mode, Mode::RenderAll);
    }

    #[test]
    fn publishing_a_draft_matches_a_full_build() {
        let (mode, _, _) = check("draft", |s| {
            vec![s.edit("content/incidents/2024/2024-004.md", |t| t.replace("draft: true", "draft: false"))]
        });
        assert_eq!(mode, Mode::RenderAll);
    }

    #[test]
    fn added_and_removed_entries_match_a_full_build() {
        let (mode, _, _) = check("addrm", |s| {
            let added = s.path("content/articles/new-one.md");
            std::fs::write(&added, "---\ntitle: 新しい記事\ndate: 2024-12-01\ntags: [新規]\n---\n本文。\n").unwrap();
            let removed = s.path("content/articles/guide.md");
            std::fs::remove_file(&removed).unwrap();
            vec![added, removed]
        });
        assert_eq!(mode, Mode::RenderAll);
    }

    #[test]
    fn unreported_changes_are_found_by_their_stamps() {
        let (mode, _, _) = check("stamp", |s| {
            s.edit(ENTRY, |t| t + "\n追記。\n");
            // The watcher reported only the directory.
            vec![s.path("content/incidents")]
        });
        assert_eq!(mode, Mode::Incremental);
    }

    #[test]
    fn template_edit_renders_everything() {
        let (mode, _, _) = check("tmpl", |s| {
            let dir = s.path("templates");
            std::fs::create_dir_all(&dir).unwrap();
            let p = dir.join("404.html");
            std::fs::write(&p, "{% extends \"base.html\" %}{% block content %}<p>ないです</p>{% endblock %}").unwrap();
            vec![p]
        });
        assert_eq!(mode, Mode::RenderAll);
    }

    /// A template that now writes an id a body's heading has (`id="詳細"`): the bodies are
    /// rendered again to avoid it, as a full build renders them.
    #[test]
    fn a_template_edit_that_changes_the_page_ids_loads_everything() {
        let (mode, _, _) = check("tmplid", |s| {
            let incident = include_str!("../../themes/default/templates/incident.html");
            let p = s.path("templates/incident.html");
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, incident.replacen("<article ", "<p id=\"詳細\">詳細</p>\n<article ", 1)).unwrap();
            vec![p]
        });
        assert_eq!(mode, Mode::Full);
    }

    #[test]
    fn errors_then_a_fix_rebuild_from_scratch() {
        let site = TempSite::new("err");
        let mut b = site.builder();
        b.full().unwrap();
        let good = std::fs::read_to_string(site.path(ENTRY)).unwrap();
        let p = site.edit(ENTRY, |t| t.replacen("date: 2024-", "date: x2024-", 1));
        let diags = b.rebuild(std::slice::from_ref(&p)).unwrap_err();
        assert!(diags.iter().any(|d| d.path == Path::new(ENTRY) && d.line > 0), "{diags:?}");
        std::fs::write(&p, good).unwrap();
        let r = b.rebuild(&[p]).unwrap();
        assert_eq!(r.mode, Mode::Full);
    }

    #[test]
    fn unrelated_paths_do_nothing() {
        let site = TempSite::new("none");
        let mut b = site.builder();
        b.full().unwrap();
        let r = b.rebuild(&[site.path("public/index.html"), site.path(".book.toml.swp")]).unwrap();
        assert_eq!(r.mode, Mode::Unchanged);
        // A touched file with the same text is no change either.
        let p = site.edit(ENTRY, |t| t + " ");
        b.rebuild(std::slice::from_ref(&p)).unwrap();
        let r = b.rebuild(&[p]).unwrap();
        assert_eq!(r.mode, Mode::Unchanged);
    }

    #[test]
    fn classify_sorts_paths() {
        let root = Path::new("/s");
        let content = root.join("content");
        let t = classify(
            root,
            &content,
            &[root.join("book.toml"), root.join("content/a.md"), root.join("public/x"), root.join("themes/t/a.css")],
        );
        assert!(t.full && t.theme);
        assert_eq!(t.content, HashSet::from([root.join("content/a.md")]));
        assert!(classify(root, &content, &[root.join("book.toml~"), root.join("public/a")]).is_empty());
    }

    /// Turns `ENTRY` into a bundle with one asset; returns the asset's path.
    fn bundle(site: &TempSite) -> PathBuf {
        let dir = site.path("content/incidents/2024/2024-001");
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::rename(site.path(ENTRY), dir.join("index.md")).unwrap();
        let asset = dir.join("files/図1.png");
        std::fs::write(&asset, "一枚目").unwrap();
        asset
    }

    /// A site with a bundle, built: the site, the bundle's asset, the builder and its pages.
    fn bundled(label: &str) -> (TempSite, PathBuf, Builder, PageMap) {
        let site = TempSite::new(label);
        let asset = bundle(&site);
        let mut b = site.builder();
        let mut pages = PageMap::new();
        apply(&mut pages, b.full().unwrap().rendered);
        (site, asset, b, pages)
    }

    #[test]
    fn a_saved_asset_is_read_again_and_nothing_rendered() {
        let (site, asset, mut b, mut pages) = bundled("asset-save");
        assert_eq!(&pages["incidents/2024-001/files/図1.png"][..], "一枚目".as_bytes());
        std::fs::write(&asset, "二枚目").unwrap();
        let report = b.rebuild(std::slice::from_ref(&asset)).unwrap();
        assert_eq!((report.mode, report.files), (Mode::Incremental, 1));
        apply(&mut pages, report.rendered);
        assert_eq!(&pages["incidents/2024-001/files/図1.png"][..], "二枚目".as_bytes());
        // Found by its stamp too, when only the directory is reported.
        std::fs::write(&asset, "三枚目").unwrap();
        let report = b.rebuild(&[site.path("content/incidents")]).unwrap();
        assert_eq!(report.mode, Mode::Incremental);
        apply(&mut pages, report.rendered);
        assert_same(&pages, &site.fresh());
        // The re-parsed index.md keeps its assets when everything is rendered again.
        let index = site.edit("content/incidents/2024/2024-001/index.md", |t| t.replace("tags: [ddos]", "tags: [新]"));
        let report = b.rebuild(std::slice::from_ref(&index)).unwrap();
        assert_eq!(report.mode, Mode::RenderAll);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        apply(&mut pages, report.rendered);
        assert!(pages.contains_key("incidents/2024-001/files/図1.png"));
        assert_same(&pages, &site.fresh());
        // A front matter saved with a warning (a Japanese comma in a list) is told it.
        site.edit("content/incidents/2024/2024-001/index.md", |t| t.replace("tags: [新]", "tags: [新、旧]"));
        let report = b.rebuild(&[index]).unwrap();
        assert_eq!(report.mode, Mode::RenderAll);
        let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        assert!(
            warnings.len() == 1
                && warnings[0].starts_with("content/incidents/2024/2024-001/index.md:")
                && warnings[0].contains("holds the Japanese comma `、`"),
            "{warnings:?}"
        );
    }

    #[test]
    fn assets_and_strays_added_or_removed_reload_the_site() {
        let (site, asset, mut b, mut pages) = bundled("asset-add");
        let added = site.path("content/incidents/2024/2024-001/リリース.pdf");
        std::fs::write(&added, "%PDF").unwrap();
        let report = b.rebuild(std::slice::from_ref(&added)).unwrap();
        assert_eq!(report.mode, Mode::Full);
        apply(&mut pages, report.rendered);
        assert!(pages.contains_key("incidents/2024-001/リリース.pdf"));
        std::fs::remove_file(&asset).unwrap();
        apply(&mut pages, b.rebuild(&[asset]).unwrap().rendered);
        assert!(!pages.contains_key("incidents/2024-001/files/図1.png"));
        // A file in no bundle: a warning, shown with the reload.
        let stray = site.path("content/incidents/2024/chart.png");
        std::fs::write(&stray, "png").unwrap();
        let report = b.rebuild(&[stray]).unwrap();
        assert_eq!(report.mode, Mode::Full);
        let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        assert!(
            warnings.len() == 1 && warnings[0].starts_with("content/incidents/2024/chart.png: warning: is not copied"),
            "{warnings:?}"
        );
        apply(&mut pages, report.rendered);
        assert_same(&pages, &site.fresh());
    }

    #[test]
    fn publishing_a_draft_bundle_publishes_its_assets() {
        let site = TempSite::new("draft-bundle-publish");
        let dir = site.path("content/incidents/2024/2024-004");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("図.png"), "png").unwrap();
        std::fs::rename(site.path("content/incidents/2024/2024-004.md"), dir.join("index.md")).unwrap();
        let mut b = site.builder();
        let mut pages = PageMap::new();
        apply(&mut pages, b.full().unwrap().rendered);
        assert!(!pages.keys().any(|k| k.ends_with("図.png")), "a draft's file was published");
        let index = site.edit("content/incidents/2024/2024-004/index.md", |t| t.replace("draft: true", "draft: false"));
        let report = b.rebuild(&[index]).unwrap();
        assert_eq!(report.mode, Mode::RenderAll);
        apply(&mut pages, report.rendered);
        assert!(pages.keys().any(|k| k.ends_with("/図.png")), "the published draft's file is missing");
        assert_same(&pages, &site.fresh());
    }

    #[test]
    fn an_asset_in_a_pages_way_is_an_error() {
        let site = TempSite::new("asset-clash");
        bundle(&site);
        std::fs::write(site.path("content/incidents/2024/2024-001/index.html"), "<p>x</p>").unwrap();
        let Err(diags) = site.builder().full() else { panic!("the clash was not reported") };
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].path, Path::new("content/incidents/2024/2024-001/index.html"));
        let expected = "is copied to `incidents/2024-001/index.html`, where a page the site writes goes too";
        assert!(diags[0].message.starts_with(expected), "{diags:?}");
    }

    /// The preview shows what `build` would refuse: a static file in a page's way is an error,
    /// not a page silently served over it.
    #[test]
    fn a_static_file_in_a_pages_way_is_an_error() {
        let site = TempSite::new("static-clash");
        std::fs::create_dir_all(site.path("static")).unwrap();
        std::fs::write(site.path("static/feed.xml"), "not the feed").unwrap();
        let Err(diags) = site.builder().full() else { panic!("the clash was not reported") };
        let found: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "static/feed.xml: error: is where the site writes the file `feed.xml`, expected a static file of another name"
            ]
        );
        // With a template that fails while rendering, both show, as `build` reports them.
        std::fs::create_dir_all(site.path("templates")).unwrap();
        let broken = "{% extends \"base.html\" %}{% block content %}{{ nope.x }}{% endblock content %}";
        std::fs::write(site.path("templates/404.html"), broken).unwrap();
        let Err(diags) = site.builder().full() else { panic!("the errors were not reported") };
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags.iter().any(|d| d.path.ends_with("templates/404.html")), "{diags:?}");
    }
}
