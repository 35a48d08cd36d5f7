//! Rendering: the site model in, pages out.
//!
//! Every output file is one [`Job`]. The jobs are listed first (which also gives the sitemap),
//! then rendered in parallel; each finished [`Page`] goes to a sink, so `build` can write it at
//! once and `serve` can keep it in memory. The site-wide values (`site`, `nav`) go into Tera's
//! global context once: no page re-serializes the whole site.

mod alias;
pub mod assets;
pub mod cards;
pub mod clash;
pub mod dataset;
pub mod fragments;
pub(crate) mod markup;
pub mod search;
pub mod stats;
pub mod theme;
pub mod values;
pub mod xml;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tera::{Context, Tera, Value};

use crate::config::Config;
use crate::diag::{self, Diagnostic};
use crate::site::{Site, pager, paginate};
use crate::url::BaseUrl;
pub use theme::Theme;
use theme::group_digits;
use values::{Links, Values, entry_segments, obj, page_url, paginator};
use xml::{FeedSpec, SitemapUrl};

/// One output file: its path relative to the output root (`/`-separated, Unicode kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What to render for one output file. Entry, year, taxonomy and term numbers are indices into
/// the [`Site`]'s vectors; `page` numbers start at 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    Entry(usize),
    Home {
        page: usize,
    },
    Years,
    Year {
        year: usize,
        page: usize,
    },
    Taxonomy(usize),
    Term {
        taxonomy: usize,
        term: usize,
        page: usize,
    },
    /// The Atom feed of one term: `/<taxonomy>/<term>/feed.xml`.
    TermFeed {
        taxonomy: usize,
        term: usize,
    },
    Series,
    /// `/search/`: the search page.
    Search,
    /// The search index files under `/search/`.
    SearchIndex,
    /// `/stats/`: charts and tables.
    Stats,
    /// `/incidents.json` and `/incidents.csv`.
    Dataset,
    NotFound,
    Feed,
    Robots,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Template errors, and aliases that clash with a path of the site.
    #[error("template errors")]
    Templates(Vec<Diagnostic>),
    #[error("{0}")]
    Write(#[from] std::io::Error),
}

/// Renders the whole site, handing each page to `sink` (called from many threads).
pub fn render(
    site: &Site,
    config: &Config,
    base: &BaseUrl,
    tera: &mut Tera,
    theme: &Theme,
    sink: &(dyn Fn(Page) -> std::io::Result<()> + Sync),
) -> Result<usize, RenderError> {
    render_selected(site, config, base, tera, theme, &|_| true, sink)
}

/// Renders only the pages whose [`Job`] `select` accepts (the sitemap always), for incremental
/// rebuilds under `serve`. Returns the number of files rendered. The redirect pages of aliases,
/// which must be checked against every other file, are rendered only when `select` accepts
/// every job (they depend on front matter only, which no incremental rebuild changes).
pub fn render_selected(
    site: &Site,
    config: &Config,
    base: &BaseUrl,
    tera: &mut Tera,
    theme: &Theme,
    select: &(dyn Fn(&Job) -> bool + Sync),
    sink: &(dyn Fn(Page) -> std::io::Result<()> + Sync),
) -> Result<usize, RenderError> {
    let links = Links::new(site, base.clone());
    let values = Values::new(site, config, &links);
    let (site_value, nav) = values.global();
    tera.global_context().insert_value("site", site_value);
    tera.global_context().insert_value("nav", nav);
    // Each registration snapshots the environment: the card snapshot must not hold the previous
    // build's `fragment` (and through it that build's caches), so that one is replaced first.
    fragments::placeholder(tera);
    cards::register(tera, &links.entry);
    fragments::register(tera);
    let tera: &Tera = tera;

    let per_page = config.build.per_page;
    let mut jobs: Vec<Job> = (0..site.entries.len()).map(Job::Entry).collect();
    jobs.extend(paginate(site.entries.len(), per_page).iter().map(|p| Job::Home { page: p.number }));
    jobs.push(Job::Years);
    for (y, year) in site.years.iter().enumerate() {
        jobs.extend(paginate(year.entries.len(), per_page).iter().map(|p| Job::Year { year: y, page: p.number }));
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (k, term) in tax.terms.iter().enumerate() {
            jobs.extend(paginate(term.entries.len(), per_page).iter().map(|p| Job::Term {
                taxonomy: t,
                term: k,
                page: p.number,
            }));
            jobs.push(Job::TermFeed { taxonomy: t, term: k });
        }
    }
    jobs.extend([Job::Series, Job::Search, Job::SearchIndex, Job::Stats, Job::Dataset, Job::NotFound, Job::Feed]);
    // A robots.txt of the site's own (in static/) is the one published.
    if !theme.statics.contains_key("robots.txt") {
        jobs.push(Job::Robots);
    }

    let renderer = Renderer {
        site,
        config,
        links: &links,
        values: &values,
        tera,
        theme,
        all: (0..site.entries.len()).collect(),
        sizes: SizeHints::default(),
    };
    // Each error with the place of its job in `jobs` and the URL of its page.
    let errors: Mutex<Vec<(usize, Diagnostic, String)>> = Mutex::new(Vec::new());
    let io_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    // Every file written, for the aliases to be checked against: only when there are any.
    let aliased = site.entries.iter().any(|e| !e.meta.aliases.is_empty()) && jobs.iter().all(select);
    let written: Option<Mutex<Vec<String>>> = aliased.then(Mutex::default);
    let emit = |page: Page| {
        if let Some(Ok(mut w)) = written.as_ref().map(Mutex::lock) {
            w.push(page.path.clone());
        }
        if let Err(e) = sink(page)
            && let Ok(mut slot) = io_error.lock()
        {
            slot.get_or_insert(e);
        }
    };
    let rendered = AtomicUsize::new(0);
    // The few large jobs first, so that none is left to run alone at the end. And every job on
    // its own: rayon stops splitting a list after a few halvings (about four pieces per thread),
    // and a piece already running cannot be stolen, so a thread that finishes its pieces early
    // idles while another works through the rest of its own (0.75 s of one idle core at 30,000
    // entries). A split costs far less than the smallest page.
    let large = |job: &&Job| matches!(job, Job::SearchIndex | Job::Dataset | Job::Stats | Job::Feed | Job::Series);
    let order: Vec<(usize, &Job)> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| large(j))
        .chain(jobs.iter().enumerate().filter(|(_, j)| !large(j)))
        .collect();
    let render_all = || {
        order.par_iter().with_max_len(1).filter(|(_, job)| select(job)).for_each(|&(n, job)| match renderer.job(job) {
            Ok(pages) => {
                for page in pages {
                    rendered.fetch_add(1, Ordering::Relaxed);
                    emit(page)
                }
            }
            Err(failed) => {
                let (e, url) = *failed;
                if let Ok(mut v) = errors.lock() {
                    v.push((n, e, url));
                }
            }
        })
    };
    // The sitemap needs only the list of jobs, not their pages: made beside them rather than
    // after, when it would run on one thread alone.
    let ((), sitemaps) = rayon::join(render_all, || xml::sitemaps(&links, &renderer.sitemap_urls(&jobs)));
    let count = rendered.load(Ordering::Relaxed) + sitemaps.len();
    for (name, text) in sitemaps {
        emit(Page { path: name, bytes: text.into_bytes() });
    }
    let taken = written.as_ref().and_then(|w| w.lock().ok().map(|mut w| std::mem::take(&mut *w)));
    let (aliases, clashes) = match taken {
        Some(taken) => alias::render(&renderer, taken, &emit, &errors, jobs.len()),
        None => (0, Vec::new()),
    };
    let count = count + aliases;
    // Freeing every card (a map of values per entry) took a tenth of a second at 30,000 entries,
    // on one thread at the very end of the build: free them beside it.
    crate::free_beside(values.into_owned());

    let errors = errors.into_inner().unwrap_or_default();
    if !errors.is_empty() || !clashes.is_empty() {
        let mut diags = on_pages(errors);
        diags.extend(clashes);
        return Err(RenderError::Templates(diags));
    }
    if let Some(e) = io_error.into_inner().ok().flatten() {
        return Err(RenderError::Write(e));
    }
    Ok(count)
}

struct Renderer<'a> {
    site: &'a Site,
    config: &'a Config,
    links: &'a Links,
    values: &'a Values<'a>,
    tera: &'a Tera,
    theme: &'a Theme,
    /// Every entry's index, in site order: the home pages' list.
    all: Vec<usize>,
    sizes: SizeHints,
}

/// The largest page each template has rendered so far, as the starting capacity of the next
/// one: an output buffer that grows by doubling copies a page up to twice (about 2% of a
/// build's instructions at 10,000 entries). Only capacities depend on it, never the output.
#[derive(Default)]
struct SizeHints(std::sync::RwLock<std::collections::HashMap<String, usize>>);

impl SizeHints {
    /// Capacity for the next page of `template`: the largest so far and an eighth more, within
    /// bounds (one huge page must not make every later one reserve as much).
    fn hint(&self, template: &str) -> usize {
        let largest = self.0.read().map_or(0, |m| m.get(template).copied().unwrap_or(0));
        (largest + largest / 8).clamp(16 * 1024, 1024 * 1024)
    }

    fn record(&self, template: &str, len: usize) {
        let larger = self.0.read().is_ok_and(|m| m.get(template).is_none_or(|&l| len > l));
        if larger && let Ok(mut m) = self.0.write() {
            let l = m.entry(template.to_string()).or_default();
            *l = (*l).max(len);
        }
    }
}

/// `a/b/index.html` for the segments `[a, b]`.
fn index_path(segments: &[&str]) -> String {
    let mut p = String::new();
    for s in segments {
        p.push_str(s);
        p.push('/');
    }
    p.push_str("index.html");
    p
}

fn paged_segments<'s>(segments: &[&'s str], page: usize, num: &'s str) -> Vec<&'s str> {
    let mut s = segments.to_vec();
    if page > 1 {
        s.extend(["page", num]);
    }
    s
}

/// A page's text as template values, `content` (HTML) and `description`: none when it has none.
fn text_values(text: Option<&crate::content::text::Text>) -> (Value, Value) {
    match text {
        Some(t) => (t.html.as_str().into(), t.description.as_deref().into()),
        None => (Value::none(), Value::none()),
    }
}

impl Renderer<'_> {
    /// The pages of `job`, or the template error and the URL of the page it happened on (boxed:
    /// the error path is rare, and a large `Err` would widen every result).
    fn job(&self, job: &Job) -> Result<Vec<Page>, Box<(Diagnostic, String)>> {
        let site = self.site;
        let base = &self.links.base;
        let per_page = self.config.build.per_page;
        let mut ctx = Context::new();
        // Every list shows its cards under date headings (years, or months on a year's page), so
        // a card is always the same heading level and is rendered once for all the lists.
        let list = |ctx: &mut Context, segments: &[&str], indices: &[usize], page: usize, by_month: bool| {
            let pager = &pager(indices.len(), per_page, page);
            let slice = &indices[pager.start..pager.end];
            let groups = if by_month { self.values.groups_by_month(slice) } else { self.values.groups_by_year(slice) };
            ctx.insert_value("groups", groups);
            ctx.insert_value("entries", self.values.cards_of(slice));
            ctx.insert_value("paginator", paginator(base, segments, pager, indices.len(), per_page));
            let num = page.to_string();
            index_path(&paged_segments(segments, page, &num))
        };
        let (template, kind, title, url, path): (&str, &str, String, String, String) = match *job {
            Job::Entry(i) => {
                let e = &site.entries[i];
                let template = if e.is_incident() { "incident.html" } else { "article.html" };
                ctx.insert_value("page", self.values.page(i));
                let title = format!("{}{}", values::series_label(self.config, e), e.meta.title);
                let url = self.links.entry[i].clone();
                (
                    template,
                    if e.is_incident() { "incident" } else { "article" },
                    title,
                    url,
                    index_path(&entry_segments(e)),
                )
            }
            Job::Home { page } => {
                let path = list(&mut ctx, &[], &self.all, page, false);
                let title = if page > 1 { format!("{page}ページ目") } else { self.config.book.title.clone() };
                ("index.html", "home", title, page_url(base, &[], page), path)
            }
            Job::Years => {
                let years: Vec<Value> = site
                    .years
                    .iter()
                    .map(|y| {
                        obj(vec![
                            ("year", y.year.into()),
                            ("count", y.entries.len().into()),
                            ("url", self.links.year_url(y.year).into()),
                            ("incidents", y.incidents.into()),
                            ("articles", y.articles.into()),
                            ("affected", y.affected.into()),
                            ("affected_fmt", group_digits(y.affected).into()),
                        ])
                    })
                    .collect();
                ctx.insert_value("years", Value::from(years));
                ("years.html", "years", "年別一覧".into(), base.url(&["years"]), index_path(&["years"]))
            }
            Job::Year { year, page } => {
                let y = &site.years[year];
                let ys = y.year.to_string();
                let segments = ["years", ys.as_str()];
                let path = list(&mut ctx, &segments, &y.entries, page, true);
                ctx.insert_value(
                    "year",
                    obj(vec![
                        ("year", y.year.into()),
                        ("count", y.entries.len().into()),
                        ("url", self.links.year_url(y.year).into()),
                    ]),
                );
                let title =
                    if page > 1 { format!("{}年 ({page}ページ目)", y.year) } else { format!("{}年", y.year) };
                ("year.html", "year", title, page_url(base, &segments, page), path)
            }
            Job::Taxonomy(t) => {
                let tax = &site.taxonomies[t];
                let terms = self.values.term_counts(t, usize::MAX);
                ctx.insert_value("taxonomy", self.taxonomy_value(t, Some(terms)));
                let url = self.links.taxonomy[t].clone();
                ("taxonomy.html", "taxonomy", tax.config.title.clone(), url, index_path(&[&tax.config.path]))
            }
            Job::Term { taxonomy: t, term: k, page } => {
                let tax = &site.taxonomies[t];
                let term = &tax.terms[k];
                let segments = [tax.config.path.as_str(), term.key.as_str()];
                let path = list(&mut ctx, &segments, &term.entries, page, false);
                ctx.insert_value("taxonomy", self.taxonomy_value(t, None));
                let (content, description) = text_values(term.text.as_deref());
                ctx.insert_value(
                    "term",
                    obj(vec![
                        ("name", term.name.as_str().into()),
                        ("url", self.links.term[t][k].as_str().into()),
                        ("count", term.entries.len().into()),
                        ("feed_url", base.file_url(&[&tax.config.path, &term.key, "feed.xml"]).into()),
                        ("content", content),
                        ("description", description),
                    ]),
                );
                let title = match page {
                    1 => format!("{}: {}", tax.config.title, term.name),
                    n => format!("{}: {} ({n}ページ目)", tax.config.title, term.name),
                };
                ("term.html", "term", title, page_url(base, &segments, page), path)
            }
            Job::Series => {
                // Newest year first; by number within each year.
                let mut order: Vec<usize> = Vec::with_capacity(site.series.len());
                let mut years: Vec<&[usize]> = site.series.chunk_by(|&a, &b| same_series_year(site, a, b)).collect();
                years.reverse();
                for chunk in years {
                    order.extend_from_slice(chunk);
                }
                let series_year = |e: &crate::content::Entry| e.id().and_then(|id| id[..4].parse().ok()).unwrap_or(0);
                ctx.insert_value("groups", self.values.groups_by(&order, series_year));
                ctx.insert_value("count", site.series.len().into());
                let title = format!("{} 連番一覧", self.config.series.label);
                ("series.html", "series", title, base.url(&["series"]), index_path(&["series"]))
            }
            Job::Search => ("search.html", "search", "検索".into(), base.url(&["search"]), index_path(&["search"])),
            Job::SearchIndex => return Ok(search::files(site, self.config, self.links)),
            Job::Stats => {
                ctx.insert_value("stats", stats::value(site, self.config, self.links));
                ("stats.html", "stats", "統計".into(), base.url(&["stats"]), index_path(&["stats"]))
            }
            Job::Dataset => return Ok(dataset::files(site, self.config, self.links)),
            Job::NotFound => {
                ("404.html", "404", "ページが見つかりません".into(), base.file_url(&["404.html"]), "404.html".into())
            }
            Job::Feed => {
                let all: Vec<usize> = (0..site.entries.len().min(xml::FEED_ENTRIES)).collect();
                let self_url = base.file_url(&["feed.xml"]);
                let spec = FeedSpec {
                    title: self.config.book.title.clone(),
                    subtitle: &self.config.book.description,
                    self_url: &self_url,
                    page_url: &base.url(&[]),
                    entries: &all,
                };
                return Ok(vec![Page {
                    path: "feed.xml".into(),
                    bytes: xml::atom(site, self.config, self.links, &spec).into_bytes(),
                }]);
            }
            Job::TermFeed { taxonomy: t, term: k } => {
                let tax = &site.taxonomies[t];
                let term = &tax.terms[k];
                let self_url = base.file_url(&[&tax.config.path, &term.key, "feed.xml"]);
                let title = format!("{}: {} | {}", tax.config.title, term.name, self.config.book.title);
                // The term's own description says what the feed is about better than the site's.
                let subtitle = term.text.as_ref().and_then(|t| t.description.as_deref());
                let spec = FeedSpec {
                    title,
                    subtitle: subtitle.unwrap_or(&self.config.book.description),
                    self_url: &self_url,
                    page_url: &self.links.term[t][k],
                    entries: &term.entries,
                };
                let path = format!("{}/{}/feed.xml", tax.config.path, term.key);
                return Ok(vec![Page { path, bytes: xml::atom(site, self.config, self.links, &spec).into_bytes() }]);
            }
            Job::Robots => {
                return Ok(vec![Page { path: "robots.txt".into(), bytes: xml::robots(self.links).into_bytes() }]);
            }
        };
        ctx.insert_value("page_kind", kind.into());
        ctx.insert_value("page_title", title.into());
        ctx.insert_value("page_permalink", self.links.permalink(&url).into());
        ctx.insert_value("page_url", url.as_str().into());
        let mut bytes = Vec::with_capacity(self.sizes.hint(template));
        self.tera.render_to(template, &ctx, &mut bytes).map_err(|e| Box::new((self.theme.diagnostic(&e), url)))?;
        self.sizes.record(template, bytes.len());
        Ok(vec![Page { path, bytes }])
    }

    fn taxonomy_value(&self, t: usize, terms: Option<Value>) -> Value {
        let tax = &self.site.taxonomies[t];
        let mut fields = vec![
            ("field", tax.config.field.name().into()),
            ("path", tax.config.path.as_str().into()),
            ("title", tax.config.title.as_str().into()),
            ("url", self.links.taxonomy[t].as_str().into()),
            ("term_count", tax.terms.len().into()),
        ];
        // The taxonomy's own page: its terms, and its text.
        if let Some(terms) = terms {
            let (content, description) = text_values(tax.text.as_deref());
            fields.extend([("terms", terms), ("content", content), ("description", description)]);
        }
        obj(fields)
    }

    /// Every HTML page but the 404, with a last-modified date for entries.
    fn sitemap_urls(&self, jobs: &[Job]) -> Vec<SitemapUrl> {
        let base = &self.links.base;
        jobs.iter()
            .filter_map(|job| {
                let (url, lastmod) = match *job {
                    Job::Entry(i) => {
                        let m = &self.site.entries[i].meta;
                        let day = m.later_update().unwrap_or(m.date.day);
                        (self.links.entry[i].clone(), Some(crate::content::iso_date(day)))
                    }
                    Job::Home { page } => (page_url(base, &[], page), None),
                    Job::Years => (base.url(&["years"]), None),
                    Job::Year { year, page } => {
                        let ys = self.site.years[year].year.to_string();
                        (page_url(base, &["years", &ys], page), None)
                    }
                    Job::Taxonomy(t) => (self.links.taxonomy[t].clone(), None),
                    Job::Term { taxonomy: t, term: k, page } => {
                        let tax = &self.site.taxonomies[t];
                        (page_url(base, &[&tax.config.path, &tax.terms[k].key], page), None)
                    }
                    Job::Series => (base.url(&["series"]), None),
                    Job::Search => (base.url(&["search"]), None),
                    Job::Stats => (base.url(&["stats"]), None),
                    Job::NotFound
                    | Job::Feed
                    | Job::TermFeed { .. }
                    | Job::Robots
                    | Job::SearchIndex
                    | Job::Dataset => {
                        return None;
                    }
                };
                Some(SitemapUrl { url, lastmod })
            })
            .collect()
    }
}

/// The template errors of a build, each once (the same mistake fails every page that uses it),
/// saying on which page it happened: the first in the order of the site's pages, and how many
/// more. A mistake that shows only on some pages (`page.affected | num` on an incident without
/// `affected`) is otherwise a hunt through the content. `errors` holds each error with the
/// place of its job and its page's URL.
fn on_pages(mut errors: Vec<(usize, Diagnostic, String)>) -> Vec<Diagnostic> {
    errors.sort_by_key(|(n, _, _)| *n);
    let mut once: Vec<(Diagnostic, String, usize)> = Vec::new();
    for (_, d, url) in errors {
        match once.iter_mut().find(|(seen, _, _)| *seen == d) {
            Some((_, _, count)) => *count += 1,
            None => once.push((d, url, 1)),
        }
    }
    let mut out: Vec<Diagnostic> = once
        .into_iter()
        .map(|(mut d, url, count)| {
            let on = match count {
                1 => format!("on the page {url}"),
                2 => format!("on the page {url} and 1 other"),
                n => format!("on the page {url} and {} others", n - 1),
            };
            const EXPECTED: &str = ", expected a template that renders";
            let (what, expected) = d.message.strip_suffix(EXPECTED).map_or((d.message.as_str(), ""), |w| (w, EXPECTED));
            // Inside the parenthesis of an error in a partial, "(rendered from …, on the page …)".
            d.message = match what.strip_suffix(')').filter(|_| what.contains("(rendered from ")) {
                Some(w) => format!("{w}, {on}){expected}"),
                None => format!("{what} ({on}){expected}"),
            };
            d
        })
        .collect();
    diag::sort(&mut out);
    out
}

fn same_series_year(site: &Site, a: usize, b: usize) -> bool {
    let year = |i: usize| site.entries[i].id().map(|id| &id[..4]);
    year(a) == year(b)
}
