//! Static files in the way of generated pages.
//!
//! A static file where the site writes a page would be replaced by it (or, a directory of pages
//! under a static file, fail deep in the staging directory). `build`, `check` and `serve` all
//! render through a sink that asks [`Clashes::blocks`] first, so that all three report the same
//! clashes, every one of them in one run, each at the static file.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
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
        let (taken, shown, what) = match in_the_way(statics, path)? {
            (taken, Overlap::Same, _) => (taken.as_str(), shown(taken), format!("the file `{taken}`")),
            (taken, Overlap::Under, _) => (taken.as_str(), shown(taken), format!("pages under `{taken}/`")),
            // A static directory where the site writes a file: reported at the directory.
            (rel, Overlap::Over, _) => {
                let file = shown(rel);
                let depth = rel[path.len() + 1..].split('/').count();
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

/// How a path meets a file already in a tree of output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// The same file.
    Same,
    /// The path is under the file (which would have to be a directory).
    Under,
    /// The file is under the path (which would have to be a directory).
    Over,
}

/// The file of `files` that is in the way of writing a file at `path`, and how: `path` itself,
/// a file where `path` needs a directory, or a file under `path`. `/`-separated output paths.
pub fn in_the_way<'m, K: Borrow<str> + Ord, V>(
    files: &'m BTreeMap<K, V>,
    path: &str,
) -> Option<(&'m K, Overlap, &'m V)> {
    let ancestor = std::iter::successors(Some(path), |p| p.rsplit_once('/').map(|(parent, _)| parent))
        .find_map(|p| files.get_key_value(p));
    if let Some((taken, v)) = ancestor {
        return Some((taken, if taken.borrow() == path { Overlap::Same } else { Overlap::Under }, v));
    }
    let inside = format!("{path}/");
    // From `path/`, not from `path`: `a-b` sorts between `a` and `a/x`.
    let (under, v) = files.range::<str, _>((Bound::Included(inside.as_str()), Bound::Unbounded)).next()?;
    under.borrow().starts_with(&inside).then_some((under, Overlap::Over, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_the_way_finds_the_same_file_a_file_above_and_a_file_below() {
        let files: BTreeMap<&str, ()> =
            ["feed.xml", "tags/index.html", "a-b/index.html", "a/x/index.html"].into_iter().map(|k| (k, ())).collect();
        let found = |p: &str| in_the_way(&files, p).map(|(k, o, _)| (*k, o));
        assert_eq!(found("tags/index.html"), Some(("tags/index.html", Overlap::Same)));
        assert_eq!(found("feed.xml/index.html"), Some(("feed.xml", Overlap::Under)));
        // `a-b/…` sorts between `a` and `a/…`: the file below `a` is still found.
        assert_eq!(found("a"), Some(("a/x/index.html", Overlap::Over)));
        assert_eq!(found("a/x"), Some(("a/x/index.html", Overlap::Over)));
        assert_eq!(found("tags/x/index.html"), None);
        assert_eq!(found("a-b.html"), None);
    }
}
