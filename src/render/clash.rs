//! Files in each other's way in the output: static files and bundles' assets where the site
//! writes a page, assets where a static file or another asset goes.
//!
//! A static file where the site writes a page would be replaced by it (or, a directory of pages
//! under a static file, fail deep in the staging directory). `build`, `check` and `serve` all
//! render through a sink that asks [`Clashes::blocks`] first, so that all three report the same
//! clashes, every one of them in one run: each at the static file, or at the asset when an asset
//! is one of the two.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::render::assets;
use crate::render::theme::{StaticSource, Theme};
use crate::site::Site;

pub struct Clashes<'a> {
    root: &'a Path,
    theme: &'a Theme,
    /// First path segments of the static files: most pages are under none of them.
    tops: HashSet<&'a str>,
    /// Output path → source of every asset that nothing else takes.
    assets: BTreeMap<String, &'a Path>,
    /// First path segments of the assets.
    asset_tops: HashSet<String>,
    /// The static file (or directory) in the way, and its diagnostic; one per static file or asset.
    found: Mutex<Vec<(String, Diagnostic)>>,
}

/// The diagnostic at an asset copied to `path` that meets `other` (described as `what`, such as
/// "the static file `static/x`") as `meets` says.
/// `what` is the other thing at `path`; `named`, the file of the site it names, if any.
fn asset_clash(
    source: &Path,
    path: &str,
    other: &str,
    meets: Overlap,
    what: &str,
    named: Option<PathBuf>,
) -> Diagnostic {
    let how = match meets {
        Overlap::Same => format!("where {what} goes too"),
        Overlap::Under => format!("below `{other}`, which is {what}"),
        Overlap::Over => format!("which must be a directory for `{other}`, which is {what}"),
    };
    let d = Diagnostic::file(
        source,
        format!("is copied to `{path}`, {how}, expected a file or directory of another name in its bundle"),
    );
    named.into_iter().fold(d, Diagnostic::naming)
}

impl<'a> Clashes<'a> {
    /// Clashes between the static files, the assets of `site`'s bundles and the pages rendered
    /// later; those among static files and assets are found here.
    pub fn new(root: &'a Path, theme: &'a Theme, site: &'a Site) -> Self {
        let tops = theme.statics.keys().filter_map(|k| k.split('/').next()).collect();
        let mut clashes = Clashes {
            root,
            theme,
            tops,
            assets: BTreeMap::new(),
            asset_tops: HashSet::new(),
            found: Mutex::new(Vec::new()),
        };
        let mut found = Vec::new();
        for (path, source) in assets::placed(site) {
            let shown = clashes.shown(source);
            if let Some((k, meets, _)) = in_the_way(&theme.statics, &path) {
                let file = clashes.static_shown(k);
                let what = format!("the static file `{}`", file.display());
                found.push((path.clone(), asset_clash(&shown, &path, k, meets, &what, Some(file))));
            } else if let Some((k, meets, other)) = in_the_way(&clashes.assets, &path) {
                let file = clashes.shown(other);
                let what = format!("the asset `{}`", file.display());
                found.push((path.clone(), asset_clash(&shown, &path, k, meets, &what, Some(file))));
            } else {
                clashes.asset_tops.insert(path.split('/').next().unwrap_or(&path).to_string());
                clashes.assets.insert(path, source);
            }
        }
        clashes.found = Mutex::new(found);
        clashes
    }

    /// Every asset that nothing else takes: output path and source, in output-path order.
    pub fn assets(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.assets.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Whether a static file or an asset is where the page `path` goes; if so the clash is
    /// recorded, and the caller skips the page and goes on, so that the other clashes are found in
    /// the same run.
    pub fn blocks(&self, path: &str) -> bool {
        let top = path.split('/').next().unwrap_or(path);
        let found = if self.tops.contains(top)
            && let Some(clash) = self.clash(path)
        {
            clash
        } else if self.asset_tops.contains(top)
            && let Some((key, meets, source)) = in_the_way(&self.assets, path)
        {
            // From the asset's side: a page below it needs it as a directory, and the other way.
            let meets = match meets {
                Overlap::Same => Overlap::Same,
                Overlap::Under => Overlap::Over,
                Overlap::Over => Overlap::Under,
            };
            (key.clone(), asset_clash(&self.shown(source), key, path, meets, "a page the site writes", None))
        } else {
            return false;
        };
        if let Ok(mut known) = self.found.lock()
            && !known.iter().any(|(_, k)| k.path == found.1.path)
        {
            known.push(found);
        }
        true
    }

    /// A file of the site as the user should see it.
    fn shown(&self, file: &Path) -> PathBuf {
        crate::content::shown(self.root, file)
    }

    /// A static file as the user should see it: its file, or where a theme's embedded one would be.
    fn static_shown(&self, rel: &str) -> PathBuf {
        match self.theme.statics.get(rel) {
            Some(StaticSource::File(f)) => self.shown(f),
            _ => PathBuf::from(format!("static/{rel}")),
        }
    }

    fn clash(&self, path: &str) -> Option<(String, Diagnostic)> {
        let (taken, shown, what) = match in_the_way(&self.theme.statics, path)? {
            (taken, Overlap::Same, _) => (taken.as_str(), self.static_shown(taken), format!("the file `{taken}`")),
            (taken, Overlap::Under, _) => (taken.as_str(), self.static_shown(taken), format!("pages under `{taken}/`")),
            // A static directory where the site writes a file: reported at the directory.
            (rel, Overlap::Over, _) => {
                let file = self.static_shown(rel);
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
    pub fn diagnostics(&self, config: &Config) -> Vec<Diagnostic> {
        let taxonomy_paths: HashSet<&str> = config.taxonomies.iter().map(|t| t.path.as_str()).collect();
        let mut diags = config.check_statics(self.root, self.theme.statics.keys().map(String::as_str));
        let found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        diags
            .extend(found.iter().filter(|(taken, _)| !taxonomy_paths.contains(taken.as_str())).map(|(_, d)| d.clone()));
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
    use crate::content::Asset;
    use crate::site::tests::entry;

    #[test]
    fn assets_in_the_way_of_a_static_file_or_another_asset_are_reported_at_the_asset() {
        let asset = |rel: &str| Asset { source: format!("/s/content/{rel}").into(), rel: rel.to_string() };
        let mut g = entry("articles/g/index.md", "title: g\ndate: 2024-01-30");
        g.assets = vec![asset("s.png"), asset("a.png"), asset("ok.png")];
        // A second entry with the same slug (an error of its own) puts its files in the same place.
        let mut h = entry("articles/h/index.md", "title: h\ndate: 2024-01-31\nslug: g");
        h.assets = vec![asset("a.png/x.png")];
        let config = Config::parse("[book]\ntitle = \"t\"\n", Path::new("book.toml")).unwrap();
        let (site, _) = Site::build_lenient(&config, vec![g, h], &[]);
        let mut theme = Theme::default();
        theme.statics.insert("articles/g/s.png".into(), StaticSource::File("/s/static/articles/g/s.png".into()));
        let clashes = Clashes::new(Path::new("/s"), &theme, &site);
        let found: Vec<String> = clashes.diagnostics(&config).iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "content/a.png/x.png: error: is copied to `articles/g/a.png/x.png`, below `articles/g/a.png`, which is the asset `content/a.png`, expected a file or directory of another name in its bundle",
                "content/s.png: error: is copied to `articles/g/s.png`, where the static file `static/articles/g/s.png` goes too, expected a file or directory of another name in its bundle",
            ]
        );
        let kept: Vec<&str> = clashes.assets().map(|(p, _)| p).collect();
        assert_eq!(kept, ["articles/g/a.png", "articles/g/ok.png"]);
        // A page where an asset goes is reported at the asset, once.
        assert!(clashes.blocks("articles/g/ok.png") && clashes.blocks("articles/g/ok.png"));
        assert!(!clashes.blocks("articles/g/index.html"));
        assert_eq!(clashes.diagnostics(&config).len(), 3);
    }

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
        assert_eq!(found("tags/index.htm"), None);
        assert_eq!(found("feed.xm"), None);
    }
}
