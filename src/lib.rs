//! casebook: a static site generator for security-incident casebooks.
//!
//! The pipeline, top to bottom: [`config`] (book.toml) → [`content`] (load every entry in
//! parallel) → [`site`] (the whole-site model, built once) → [`render`] (pages through Tera) →
//! [`output`] (written into a staging directory and swapped in whole). Data flows one way;
//! writing is the only side effect.

pub mod check;
pub mod config;
pub mod content;
pub mod diag;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod term;
pub mod url;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use config::Config;
use content::{LoadOptions, MarkdownOptions};
use diag::Diagnostic;
use output::{OutputError, Staging};
use render::{RenderError, Theme};
use site::Site;
use url::BaseUrl;

/// Everything that can stop a build. Each variant maps to exit status 1.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in the input (book.toml, entries, templates), sorted by file and position.
    #[error("{} error(s) in the input", .0.len())]
    Input(Vec<Diagnostic>),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{0}")]
    Setup(String),
    /// A command's argument that cannot be taken (exit status 2), found only once the site is
    /// read: an incident's title with the site's series label, given to `new`.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Diagnostics to print, one per problem.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Error::Input(d) => d.clone(),
            Error::Output(e) => vec![e.diagnostic()],
            // About no file: shown as `casebook: error: ...`, annotated with no file.
            Error::Setup(msg) | Error::Usage(msg) => vec![Diagnostic::file("", msg.clone())],
        }
    }
}

/// The nearest directory at or above `start` that holds `book.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = output::absolute(start);
    start.ancestors().find(|d| d.join(config::CONFIG_FILE).is_file()).map(Path::to_path_buf)
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `build.output` (relative paths are taken from the current directory).
    pub output: Option<PathBuf>,
    pub drafts: bool,
    pub base_url: Option<String>,
    /// Worker threads; the default is one per core.
    pub jobs: Option<usize>,
    /// Called with the number of files written so far, from the writing threads.
    pub progress: Option<Progress>,
}

/// A progress callback. The library only counts; drawing (or not) is the caller's business.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Time spent in each phase, for `--timings` and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub config: Duration,
    pub walk: Duration,
    pub parse: Duration,
    pub model: Duration,
    /// Wall time of rendering, including the writes it hands off.
    pub render: Duration,
    /// Time spent writing files, summed over threads.
    pub write: Duration,
    pub commit: Duration,
    pub total: Duration,
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    pub entries: usize,
    pub pages: usize,
    pub bytes: u64,
    pub output: PathBuf,
    pub timings: Timings,
    /// What built but may not be what was meant.
    pub warnings: Vec<Diagnostic>,
}

/// A loaded, checked site: what `build`, `check` and `serve` all start from.
pub struct Loaded {
    pub root: PathBuf,
    pub config: Config,
    pub base: BaseUrl,
    pub site: Site,
    pub theme: Theme,
    /// The ids the theme's templates write, which the bodies were rendered to avoid.
    pub page_ids: content::PageIds,
    pub tera: tera::Tera,
    /// What loads but may not be what was meant, positioned like errors.
    pub warnings: Vec<Diagnostic>,
    /// The drafts left out (without `--drafts`): a link to one is told so.
    pub drafts: Vec<Draft>,
}

/// A draft left out of the site, and the output files it would have: a link to any of them is
/// told it is a draft's, published only with `--drafts`, not that the site lacks it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The draft's file, as diagnostics show it.
    pub path: PathBuf,
    /// Its page (`incidents/<slug>/index.html`).
    pub page: String,
    /// Its page bundle's files, beside the page (`incidents/<slug>/fig.png`).
    pub files: Vec<String>,
    /// Its aliases' redirect pages.
    pub aliases: Vec<String>,
}

impl Draft {
    fn of(root: &Path, absent: content::Absent, bundles: &content::Bundles) -> Draft {
        let section = match absent.kind {
            content::Kind::Incident => "incidents",
            content::Kind::Article => "articles",
        };
        let dir = format!("{section}/{}", absent.slug);
        // The bundles are keyed by the file as the walk found it, under the root.
        let assets = bundles.get(&root.join(&absent.path)).map(Vec::as_slice).unwrap_or_default();
        Draft {
            page: format!("{dir}/index.html"),
            files: assets.iter().map(|a| format!("{dir}/{}", a.rel)).collect(),
            aliases: absent.aliases,
            path: absent.path,
        }
    }
}

/// Reads the configuration, every entry and the theme, and builds the site model. Every problem
/// found in any of them is returned together.
pub fn load(root: &Path, drafts: bool, base_url: Option<&str>, timings: &mut Timings) -> Result<Loaded, Error> {
    match load_lenient(root, drafts, base_url, timings)? {
        (Some(loaded), diags) if diags.is_empty() => Ok(loaded),
        (_, diags) => Err(Error::Input(diags)),
    }
}

/// Like [`load`], but returns what could be loaded beside the problems found: entries that
/// failed to parse are left out, unresolvable `follows` dropped. `None` when the theme or its
/// templates are broken (nothing can be rendered then). Errors only when nothing can be read at
/// all (book.toml, the content directory).
pub fn load_lenient(
    root: &Path,
    drafts: bool,
    base_url: Option<&str>,
    timings: &mut Timings,
) -> Result<(Option<Loaded>, Vec<Diagnostic>), Error> {
    let t = Instant::now();
    // A book.toml with problems still gives a configuration (defaults in place of bad values),
    // so that the content is checked in the same run and every problem reported at once.
    let (config, config_diags) = Config::load_lenient(root);
    let Some(mut config) = config else { return Err(Error::Input(config_diags)) };
    if drafts {
        config.build.drafts = true;
    }
    let base_raw = base_url.map_or_else(|| config.book.base_url.clone(), str::to_string);
    let base = match BaseUrl::parse(&base_raw) {
        Ok(b) => b,
        // A bad book.base_url is among book.toml's problems already.
        Err(_) if base_url.is_none() && !config_diags.is_empty() => BaseUrl::default(),
        Err(m) => return Err(Error::Input(vec![Diagnostic::file("--base-url", m)])),
    };
    timings.config = t.elapsed();

    let t = Instant::now();
    let content_dir = root.join(&config.build.content);
    // Only a content directory that is not there stops here: a file the walk could not read
    // is reported beside every other problem, as the rest is still loaded.
    let (tree, walk_diags) =
        content::walk(root, &content_dir).map_err(|diags| Error::Input(at_config_key(root, "content", diags)))?;
    timings.walk = t.elapsed();

    // The theme is read first: a body's headings must avoid the ids its templates write. A
    // theme that does not load is reported below; the default theme's ids stand in meanwhile.
    let theme = Theme::load(root, &config.book.theme);
    let page_ids = match &theme {
        Ok(theme) => theme.page_ids(),
        Err(_) => Theme::embedded().map(|t| t.page_ids()).unwrap_or_default(),
    };

    let t = Instant::now();
    let opts = LoadOptions {
        east_asian_line_breaks: config.markdown.east_asian_line_breaks,
        incident_ids: &page_ids.incident,
        article_ids: &page_ids.article,
        drafts: config.build.drafts,
    };
    let content::Load { entries, absent, mut diags } =
        content::load(root, &content_dir, &tree.entries, &tree.bundles, opts);
    let (texts, text_diags) = content::text::load(
        root,
        &content_dir,
        &tree.texts,
        MarkdownOptions { east_asian_line_breaks: config.markdown.east_asian_line_breaks, page_ids: &page_ids.list },
    );
    diags.extend(text_diags);
    diags.extend(config_diags);
    diags.extend(walk_diags);
    timings.parse = t.elapsed();

    let tera = theme.as_ref().map_err(Clone::clone).and_then(|t| t.tera());
    if let Ok(theme) = &theme {
        diags.extend(theme.errors.iter().cloned());
        diags.extend(config.check_statics(root, theme.statics.keys().map(String::as_str)));
    }

    let t = Instant::now();
    let (mut site, site_diags) = Site::build_lenient(&config, entries, &absent);
    let read_warnings: Vec<Diagnostic> = texts.iter().flat_map(|t| t.warnings.iter().cloned()).collect();
    let (text_errors, text_warnings) = site::attach_texts(&mut site.taxonomies, texts);
    diags.extend(text_errors);
    let mut warnings = site::draft_id_clashes(&site.entries, &absent);
    warnings.extend(content::entry_warnings(&site.entries));
    warnings.extend(read_warnings);
    warnings.extend(text_warnings);
    warnings.extend(tree.stray_warnings(root));
    if !tree.outside.is_empty() {
        // Only the files of bundles that are built: a draft's are not published without --drafts.
        let published: Vec<&Path> = site.entries.iter().flat_map(|e| &e.assets).map(|a| a.source.as_path()).collect();
        let bundle_file = ("a page bundle's file", "page bundle files");
        warnings.extend(content::outside_warnings(root, &tree.outside, &published, bundle_file));
    }
    warnings.extend(theme.as_ref().map(|t| t.warnings.clone()).unwrap_or_default());
    timings.model = t.elapsed();
    diags.extend(site_diags);
    finish_diagnostics(root, &mut warnings);

    let loaded = match (theme, tera) {
        (Ok(theme), Ok(tera)) => {
            let drafts = absent.into_iter().filter(|a| a.draft).map(|a| Draft::of(root, a, &tree.bundles)).collect();
            Some(Loaded { root: root.to_path_buf(), config, base, site, theme, page_ids, tera, warnings, drafts })
        }
        (theme, tera) => {
            diags.extend(theme.err().unwrap_or_default());
            diags.extend(tera.err().unwrap_or_default());
            None
        }
    };
    finish_diagnostics(root, &mut diags);
    Ok((loaded, diags))
}

/// Renders every page into nothing, handing `seen` each page that nothing is in the way of.
/// Returns the problems only rendering finds (template errors, and static files and bundles'
/// files in the way of pages) and the output paths of the bundles' files a build would copy.
/// `check` validates a site with it; a failed `build` reports with it what `check` would.
pub(crate) fn render_into_nothing(
    loaded: &mut Loaded,
    seen: impl Fn(render::Page) + Sync,
) -> (Vec<Diagnostic>, Vec<String>) {
    let clashes = render::clash::Clashes::new(&loaded.root, &loaded.theme, &loaded.site);
    let sink = |page: render::Page| {
        if !clashes.blocks(&page.path) {
            seen(page);
        }
        Ok(())
    };
    // The sink never fails, so no write error can come back.
    let mut diags =
        match render::render(&loaded.site, &loaded.config, &loaded.base, &mut loaded.tera, &loaded.theme, &sink) {
            Err(RenderError::Templates(d)) => d,
            _ => Vec::new(),
        };
    diags.extend(clashes.diagnostics(&loaded.config));
    (diags, clashes.assets().map(|(path, _)| path.to_string()).collect())
}

/// Problems with a directory that book.toml's `build.<key>` names, moved to that key's line when
/// book.toml sets it (the default directory has no line to point at). Read only on this error
/// path.
pub(crate) fn at_config_key(root: &Path, key: &str, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let text = std::fs::read_to_string(root.join(config::CONFIG_FILE)).unwrap_or_default();
    diags
        .into_iter()
        .map(|d| {
            let message = format!("`build.{key}`: {}", d.message);
            let at = config::key_diagnostic(&text, Path::new(config::CONFIG_FILE), key, None, message);
            if at.line > 0 { at } else { d }
        })
        .collect()
}

/// The errors of a failed run with its warnings among them, in file order: a run that fails is
/// not a reason to hide what else it found (a file in no bundle, a draft's clashing id).
pub(crate) fn with_warnings(mut errors: Vec<Diagnostic>, warnings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    errors.extend(warnings);
    diag::sort(&mut errors);
    errors
}

/// Sorts, deduplicates and attaches source lines, so every command prints problems alike.
pub fn finish_diagnostics(root: &Path, diags: &mut Vec<Diagnostic>) {
    diag::sort(diags);
    // The same problem found twice (once with its source line attached) is reported once.
    diags.dedup_by(|a, b| (&a.path, a.line, a.column, &a.message) == (&b.path, b.line, b.column, &b.message));
    attach_sources(root, diags);
}

/// Adds the source line to diagnostics made without the file's text at hand (cross-entry checks).
/// Runs only on the error path, so re-reading a few files costs nothing in a good build.
fn attach_sources(root: &Path, diags: &mut [Diagnostic]) {
    for d in diags.iter_mut().filter(|d| d.source_line.is_none() && d.line > 0) {
        if let Ok(text) = std::fs::read_to_string(root.join(&d.path)) {
            *d = d.clone().with_source(&text);
        }
    }
}

/// Builds the site into its output directory. On any error the previous output is untouched.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    // Generous stacks: pulldown-cmark and the YAML layer recurse on nesting (both are bounded,
    // this is the margin).
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(16 << 20);
    if let Some(n) = opts.jobs {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build().map_err(|e| Error::Setup(format!("cannot start worker threads: {e}")))?;
    pool.install(|| build_in_pool(opts))
}

fn build_in_pool(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let mut loaded = match load_lenient(&opts.root, opts.drafts, opts.base_url.as_deref(), &mut timings)? {
        (Some(loaded), diags) if diags.is_empty() => loaded,
        // What only rendering finds (static and bundle files in the way of pages, template
        // errors) is reported with the content's errors, as `check` reports it: render into
        // nothing. Only a failed build pays for it.
        (Some(mut loaded), mut diags) => {
            diags.extend(render_into_nothing(&mut loaded, |_| {}).0);
            finish_diagnostics(&loaded.root, &mut diags);
            return Err(Error::Input(with_warnings(diags, loaded.warnings)));
        }
        (None, diags) => return Err(Error::Input(diags)),
    };
    let output = opts.output.clone().unwrap_or_else(|| loaded.root.join(&loaded.config.build.output));
    if let Err(e) = output::check_target(&loaded.root, &loaded.root.join(&loaded.config.build.content), &output) {
        // An output set in book.toml is reported at its line there; one given with --output, as
        // the flag's.
        return Err(match (&opts.output, e) {
            (None, OutputError::Refused(message)) => {
                Error::Input(at_config_key(&loaded.root, "output", vec![Diagnostic::file("output", message)]))
            }
            (_, e) => Error::Output(e),
        });
    }

    let staging = Staging::begin(&output)?;
    let write_ns = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let files = AtomicU64::new(0);
    let clashes = render::clash::Clashes::new(&loaded.root, &loaded.theme, &loaded.site);
    let write = |path: &str, data: &[u8]| -> std::io::Result<()> {
        if clashes.blocks(path) {
            return Ok(());
        }
        let t = Instant::now();
        staging.write(path, data).map_err(|e| std::io::Error::new(e.kind(), format!("{path}: {e}")))?;
        write_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        let n = files.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = &opts.progress {
            // Every 64th file is plenty for a bar and keeps the callback off the hot path.
            if n.is_multiple_of(64) {
                (p.0)(n);
            }
        }
        Ok(())
    };

    let t = Instant::now();
    for (rel, source) in &loaded.theme.statics {
        staging.copy_static(rel, source).map_err(|e| OutputError::Io { path: PathBuf::from(rel), source: e })?;
    }
    let sink = |page: render::Page| write(&page.path, &page.bytes);
    let rendered = render::render(&loaded.site, &loaded.config, &loaded.base, &mut loaded.tera, &loaded.theme, &sink);
    // Files in each other's way and template errors are reported together.
    let mut problems = clashes.diagnostics(&loaded.config);
    let pages = match rendered {
        Ok(pages) => pages,
        Err(RenderError::Templates(d)) => {
            problems.extend(d);
            0
        }
        Err(RenderError::Write(io)) => {
            return Err(Error::Output(OutputError::Io { path: staging.dir().to_path_buf(), source: io }));
        }
    };
    if !problems.is_empty() {
        finish_diagnostics(&loaded.root, &mut problems);
        return Err(Error::Input(problems));
    }
    let assets = copy_assets(&staging, &clashes, &loaded.root)?;
    timings.render = t.elapsed();
    timings.write = Duration::from_nanos(write_ns.load(Ordering::Relaxed));

    let t = Instant::now();
    staging.commit()?;
    timings.commit = t.elapsed();
    timings.total = started.elapsed();
    let mut warnings = loaded.warnings.clone();
    if !loaded.base.has_origin() {
        // A problem of the run (book.toml's or --base-url's), at no file.
        warnings.push(Diagnostic::file("", format!(
            "the base URL `{}` (book.base_url or --base-url) has no host, so sitemap.xml and the Atom feeds hold relative URLs that search engines and feed readers cannot follow, expected the site's address such as `https://example.org/`",
            loaded.base.root()
        )).as_warning());
    }
    let report = BuildReport {
        warnings,
        entries: loaded.site.entries.len(),
        pages: pages + loaded.theme.statics.len() + assets,
        bytes: bytes.load(Ordering::Relaxed),
        output,
        timings,
    };
    // Freeing the site model (every entry's text and HTML: hundreds of thousands of allocations
    // on a large site) takes tens of milliseconds; do it beside the caller, which for the command
    // line is about to exit anyway.
    free_beside(loaded);
    Ok(report)
}

/// Copies every bundle's assets into the staging tree, in output-path order; returns how many.
fn copy_assets(staging: &Staging, clashes: &render::clash::Clashes<'_>, root: &Path) -> Result<usize, Error> {
    let mut n = 0;
    for (rel, source) in clashes.assets() {
        staging.copy(rel, source).map_err(|e| {
            let message = format!("cannot be copied to `{rel}` in the output: {e}");
            Error::Input(vec![Diagnostic::file(content::shown(root, source), message)])
        })?;
        n += 1;
    }
    Ok(n)
}

/// Drops `value` on a thread of its own, so that nobody waits for a large structure to be freed.
/// If no thread can be started, it is dropped here.
pub(crate) fn free_beside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().name("casebook-free".into()).spawn(move || drop(value));
}
