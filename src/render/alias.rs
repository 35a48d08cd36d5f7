//! Redirect pages for the entries' `aliases` (old URLs), rendered through `alias.html`.
//!
//! An alias may take no path the site has: it is checked against every file the same render
//! wrote (so `build`, `check` and `serve` agree), the static files, the page bundles' files, the
//! entry's own page and every other alias, with [`clash::in_the_way`]; each alias in the way of something is an error
//! at its line, and gets no page.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tera::Context;

use super::clash::{self, Overlap};
use super::{Page, Renderer, index_path};
use crate::content::At;
use crate::content::frontmatter::Alias;
use crate::diag::Diagnostic;
use crate::render::values::{entry_segments, obj, series_label};
use crate::url::alias;

/// What holds a path that an alias may not take.
enum Taken<'a> {
    /// A file the render wrote.
    Output,
    Static,
    /// A file of a page bundle, copied beside its page.
    Asset,
    /// An alias already accepted: the entry's index and the alias.
    Alias(usize, &'a At<Alias>),
}

/// The aliases that take no path of the site, as (entry, alias), in site order; and an error
/// for each of the others. `written` is every file the render wrote.
fn accepted<'s>(r: &Renderer<'s>, written: Vec<String>) -> (Vec<(usize, &'s At<Alias>)>, Vec<Diagnostic>) {
    let site = r.site;
    let mut taken: BTreeMap<&str, Taken<'s>> = written.iter().map(|p| (p.as_str(), Taken::Output)).collect();
    taken.extend(r.theme.statics.keys().map(|p| (p.as_str(), Taken::Static)));
    let assets = super::assets::placed(site);
    taken.extend(assets.iter().map(|(p, _)| (p.as_str(), Taken::Asset)));
    let mut accepted = Vec::new();
    let mut diags = Vec::new();
    // Aliases are taken under the base path: one that starts with it (`/cb/old/` for
    // `https://example.org/cb/`) would be published at `/cb/cb/old/`, where no old link points.
    let base = percent_encoding::percent_decode_str(r.links.base.root()).decode_utf8_lossy().into_owned();
    let base_dir = base.trim_start_matches('/');
    for (i, e) in site.entries.iter().enumerate() {
        let own = index_path(&entry_segments(e));
        for a in &e.meta.aliases {
            let shown = |p: &str| alias::shown(p);
            let (path, written) = (&a.value.path, &a.value.written);
            // The file of the site the problem names, if any: moved with the diagnostic's path.
            let mut named = None;
            let problem = match clash::in_the_way(&taken, path) {
                _ if *path == own => "is this entry's own URL".to_string(),
                _ if !base_dir.is_empty() && path.starts_with(base_dir) => {
                    let rest = shown(&path[base_dir.len()..]);
                    let message = if rest == "/" {
                        // `/cb/` itself: the site's home page, which no alias can take.
                        format!(
                            "`aliases` item `{written}` is the base path `{base}` itself, the site's home page, expected no alias for it (remove it)"
                        )
                    } else {
                        format!(
                            "`aliases` item `{written}` starts with the base path `{base}`, under which aliases are taken already: it would be published at `{base}{}`, expected `{rest}`",
                            shown(path).trim_start_matches('/')
                        )
                    };
                    diags.push(Diagnostic::new(&e.path, a.line, a.column, message));
                    continue;
                }
                None => {
                    taken.insert(path, Taken::Alias(i, a));
                    accepted.push((i, a));
                    continue;
                }
                Some((_, Overlap::Same, Taken::Alias(j, first))) if *j == i => {
                    format!("is this entry's alias at line {} again", first.line)
                }
                Some((_, overlap, Taken::Alias(j, first))) => {
                    named = Some(site.entries[*j].path.clone());
                    let (path, line) = (site.entries[*j].path.display(), first.line);
                    let how = if overlap == Overlap::Same { "also" } else { "in the way of" };
                    format!("is {how} the alias `{}` of {path}:{line}", first.value.written)
                }
                Some((p, overlap, taken)) => {
                    let noun = match taken {
                        Taken::Static => "static file",
                        Taken::Asset => "bundle file",
                        _ if p.ends_with(".html") => "page",
                        _ => "file",
                    };
                    named = source_of(site, p, taken);
                    let source = named.as_ref().map(|f| format!(" ({})", f.display())).unwrap_or_default();
                    let p = if p.ends_with(".html") { shown(p) } else { format!("/{p}") };
                    match overlap {
                        Overlap::Same => format!("is the site's {noun} `{p}`{source}"),
                        Overlap::Under => format!("is under the site's {noun} `{p}`{source}"),
                        Overlap::Over => format!("is where the site's {noun} `{p}`{source} needs a directory"),
                    }
                }
            };
            let message = format!(
                "`aliases` item `{written}` {problem}, expected an old path that no page, file or other alias of the site has"
            );
            let d = Diagnostic::new(&e.path, a.line, a.column, message);
            diags.push(named.into_iter().fold(d, Diagnostic::naming));
        }
    }
    (accepted, diags)
}

/// The file that an entry's page or a bundle file at output path `p` comes from, so that the
/// editor of an alias in its way knows which entry it is. Looked up only for an alias in the way.
fn source_of(site: &crate::site::Site, p: &str, taken: &Taken) -> Option<std::path::PathBuf> {
    site.entries.iter().find_map(|e| match taken {
        Taken::Output if index_path(&entry_segments(e)) == p => Some(e.path.clone()),
        Taken::Asset if !e.assets.is_empty() => {
            let rel = p.strip_prefix(&entry_segments(e).join("/"))?.strip_prefix('/')?;
            let a = e.assets.iter().find(|a| a.rel == rel)?;
            Some(e.path.parent()?.join(&a.rel))
        }
        _ => None,
    })
}

impl Renderer<'_> {
    /// The redirect page of one alias of entry `i`, or the template error and the alias's URL
    /// (boxed: the error path is rare, and a large `Err` would widen every result).
    fn alias(&self, i: usize, a: &At<Alias>) -> Result<Page, Box<(Diagnostic, String)>> {
        let e = &self.site.entries[i];
        let url = alias::url(&self.links.base, &a.value.path);
        let mut ctx = Context::new();
        // Front matter only, not the card (its summary comes from the body): a body edit under
        // `serve` re-renders no alias page, and need not.
        let entry_url = &self.links.entry[i];
        let label = series_label(self.config, e);
        ctx.insert_value(
            "entry",
            obj(vec![
                ("kind", if e.is_incident() { "incident" } else { "article" }.into()),
                ("id", e.id().into()),
                ("title", e.meta.title.as_str().into()),
                ("series_label", label.as_str().into()),
                ("url", entry_url.as_str().into()),
                ("permalink", self.links.permalink(entry_url).into()),
            ]),
        );
        let permalink = self.links.permalink(&url);
        ctx.insert_value("alias", obj(vec![("url", url.as_str().into()), ("permalink", permalink.as_str().into())]));
        ctx.insert_value("page_kind", "alias".into());
        ctx.insert_value("page_title", format!("{label}{}", e.meta.title).into());
        ctx.insert_value("page_url", url.as_str().into());
        ctx.insert_value("page_permalink", permalink.into());
        let bytes = self.tera.render("alias.html", &ctx).map_err(|err| Box::new((self.theme.diagnostic(&err), url)))?;
        Ok(Page { path: a.value.path.clone(), bytes: bytes.into_bytes() })
    }
}

/// Checks every alias against `written`, the files the render wrote, and hands the redirect page
/// of each that takes no path of the site to `emit`. Returns how many pages it handed on, and an
/// error for each alias in the way of something; a template error goes to `errors` (numbered
/// from `first`, after the render's jobs) with the alias's URL.
pub(super) fn render(
    r: &Renderer<'_>,
    written: Vec<String>,
    emit: &(dyn Fn(Page) + Sync),
    errors: &Mutex<Vec<(usize, Diagnostic, String)>>,
    first: usize,
) -> (usize, Vec<Diagnostic>) {
    let (accepted, clashes) = accepted(r, written);
    let pages = AtomicUsize::new(0);
    accepted.par_iter().enumerate().for_each(|(k, &(i, a))| match r.alias(i, a) {
        Ok(page) => {
            pages.fetch_add(1, Ordering::Relaxed);
            emit(page);
        }
        Err(failed) => {
            let (e, url) = *failed;
            if let Ok(mut v) = errors.lock() {
                v.push((first + k, e, url));
            }
        }
    });
    (pages.into_inner(), clashes)
}
