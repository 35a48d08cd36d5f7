//! Static files in the way of generated pages.
//!
//! A static file where the site writes a page would be replaced by it (or, a directory of pages
//! under a static file, fail deep in the staging directory). `build`, `check` and `serve` all
//! render through a sink that asks [`Clashes::blocks`] first, so that all three report the same
//! clashes, every one of them in one run, each at the static file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::render::theme::{StaticSource, Theme};

pub struct Clashes<'a> {
    root: &'a Path,
    theme: &'a Theme,
    /// First path segments of the static files: most pages are under none of them.
    tops: HashSet<&'a str>,
    /// The static file (or directory) in the way, and its diagnostic; one per static file.
    found: Mutex<Vec<(String, Diagnostic)>>,
}

impl<'a> Clashes<'a> {
    pub fn new(root: &'a Path, theme: &'a Theme) -> Self {
        let tops = theme.statics.keys().filter_map(|k| k.split('/').next()).collect();
        Clashes { root, theme, tops, found: Mutex::new(Vec::new()) }
    }

    /// Whether a static file is where the page `path` goes; if so the clash is recorded, and the
    /// caller skips the page and goes on, so that the other clashes are found in the same run.
    pub fn blocks(&self, path: &str) -> bool {
        if !self.tops.contains(path.split('/').next().unwrap_or(path)) {
            return false;
        }
        let Some((taken, d)) = self.clash(path) else { return false };
        if let Ok(mut found) = self.found.lock()
            && !found.iter().any(|(_, known)| known.path == d.path)
        {
            found.push((taken, d));
        }
        true
    }

    fn clash(&self, path: &str) -> Option<(String, Diagnostic)> {
        let statics = &self.theme.statics;
        let shown = |rel: &str| match &statics[rel] {
            StaticSource::File(f) => f.strip_prefix(self.root).unwrap_or(f).to_path_buf(),
            StaticSource::Embedded(_) => PathBuf::from(format!("static/{rel}")),
        };
        let taken = std::iter::successors(Some(path), |p| p.rsplit_once('/').map(|(parent, _)| parent))
            .find(|p| statics.contains_key(*p));
        let (taken, shown, what) = match taken {
            Some(taken) if taken == path => (taken, shown(taken), format!("the file `{taken}`")),
            Some(taken) => (taken, shown(taken), format!("pages under `{taken}/`")),
            // A static directory where the site writes a file: reported at the directory.
            None => {
                let inside = format!("{path}/");
                let (rel, _) = statics
                    .range::<str, _>((std::ops::Bound::Excluded(path), std::ops::Bound::Unbounded))
                    .next()
                    .filter(|(k, _)| k.starts_with(&inside))?;
                let file = shown(rel);
                let depth = rel[inside.len()..].split('/').count();
                let dir = file.ancestors().nth(depth).map_or(file.clone(), Path::to_path_buf);
                (path, dir, format!("the file `{path}`"))
            }
        };
        let d =
            Diagnostic::file(shown, format!("is where the site writes {what}, expected a static file of another name"));
        Some((taken.to_string(), d))
    }

    /// Every clash found, and every taxonomy whose path a top-level static file takes (found
    /// whether or not the taxonomy has pages yet, and reported at its `path` in book.toml when
    /// it is set there).
    pub fn into_diagnostics(self, config: &Config) -> Vec<Diagnostic> {
        let taxonomy_paths: HashSet<&str> = config.taxonomies.iter().map(|t| t.path.as_str()).collect();
        let mut diags = config.check_statics(self.root, self.theme.statics.keys().map(String::as_str));
        let found = self.found.into_inner().unwrap_or_default();
        diags.extend(found.into_iter().filter(|(taken, _)| !taxonomy_paths.contains(taken.as_str())).map(|(_, d)| d));
        diags
    }
}
