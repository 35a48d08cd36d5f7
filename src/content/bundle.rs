//! Page bundles: a directory under `content/` that holds an `index.md` is one entry, and every
//! other file in it (and in its subdirectories, up to a nested bundle) is an asset copied beside
//! the entry's page, as Zola and Hugo do. A file that is neither an entry nor in a bundle is
//! published nowhere, and said so.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// The file that makes its directory a bundle.
pub const INDEX: &str = "index.md";

/// A file copied beside an entry's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Where it is read from (as the walk found it).
    pub source: PathBuf,
    /// Its path below the bundle directory, `/`-separated: also its path below the page's.
    pub rel: String,
}

/// Each bundle's `index.md` (as the walk found it) → its assets, in file-name order.
pub type Bundles = BTreeMap<PathBuf, Vec<Asset>>;

/// What is under the content directory: entries, bundles' assets, and files in no bundle.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tree {
    /// Every Markdown file but the texts, sorted.
    pub entries: Vec<PathBuf>,
    /// The taxonomies' and terms' texts (`_index.md`), sorted.
    pub texts: Vec<PathBuf>,
    pub bundles: Bundles,
    /// Files that are not published, sorted, and why.
    pub strays: Vec<(PathBuf, Stray)>,
    /// Symbolic links the walk followed out of the site.
    pub outside: Vec<super::OutsideLink>,
}

/// Why a file under the content directory is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stray {
    /// It is neither an entry nor in a bundle.
    NoBundle,
    /// It is in a bundle, but its name (or a directory's between it and the bundle's) is not
    /// UTF-8, or holds a `\` (which browsers read as `/` in a URL): no link could name it.
    BadName,
    /// It is a symbolic link to nothing (an image moved away): there is nothing to copy.
    Dangling,
}

impl Tree {
    /// Sorts the files of a walk (`entries`: Markdown files; `others`: every other file) into
    /// bundles' assets and strays.
    pub fn new(
        content_dir: &Path,
        entries: Vec<PathBuf>,
        others: Vec<PathBuf>,
        outside: Vec<super::OutsideLink>,
    ) -> Tree {
        let dirs: HashSet<&Path> =
            entries.iter().filter(|f| is_index(content_dir, f)).filter_map(|f| f.parent()).collect();
        let mut bundles: Bundles = BTreeMap::new();
        let mut strays = Vec::new();
        for file in others {
            // The nearest bundle directory above the file: a nested bundle keeps its own files.
            let owner = file.ancestors().skip(1).take_while(|d| *d != content_dir).find(|d| dirs.contains(d));
            match owner.map(|dir| (dir.join(INDEX), relative(dir, &file))) {
                Some((index, Some(rel))) => bundles.entry(index).or_default().push(Asset { source: file, rel }),
                Some((_, None)) => strays.push((file, Stray::BadName)),
                None => strays.push((file, Stray::NoBundle)),
            }
        }
        Tree { entries, texts: Vec::new(), bundles, strays, outside }
    }

    /// Every asset's source file.
    pub fn asset_files(&self) -> impl Iterator<Item = &Path> {
        self.bundles.values().flatten().map(|a| a.source.as_path())
    }

    /// A warning for each stray file, at the file (shown relative to `root`).
    pub fn stray_warnings(&self, root: &Path) -> Vec<Diagnostic> {
        self.strays.iter().map(|(f, why)| stray_warning(&super::shown(root, f), f, *why)).collect()
    }
}

/// Whether `file` is the `index.md` of a bundle: a directory below the content directory (the
/// content directory itself is no bundle; its `index.md` is an ordinary entry).
pub fn is_index(content_dir: &Path, file: &Path) -> bool {
    file.file_name().is_some_and(|n| n == INDEX) && file.parent().is_some_and(|d| d != content_dir)
}

/// `file` below `dir`, `/`-separated; `None` when a name is not UTF-8 or holds a `\`.
fn relative(dir: &Path, file: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> =
        file.strip_prefix(dir).ok()?.iter().map(|p| p.to_str().filter(|p| !p.contains('\\'))).collect();
    Some(parts?.join("/"))
}

fn stray_warning(shown: &Path, file: &Path, why: Stray) -> Diagnostic {
    let message = match why {
        Stray::NoBundle => format!(
            "is not copied into the site: it is neither an entry (`*.md`) nor in a page bundle, expected it beside an `{INDEX}` (a bundle directory, whose other files are copied beside its page) or in `static/` for a file of the whole site"
        ),
        Stray::BadName => "is not copied into the site: no link can name it, expected a name in UTF-8 (not another encoding, such as Shift_JIS) without `\\` (which browsers read as `/`)".to_string(),
        Stray::Dangling => format!(
            "is not copied into the site: it is a symbolic link to {}, which does not exist, expected a link to an existing file (or no link)",
            std::fs::read_link(file).map_or_else(|_| "nothing".to_string(), |t| t.display().to_string())
        ),
    };
    Diagnostic::file(shown, message).as_warning()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[&str], others: &[&str]) -> Tree {
        let c = Path::new("/s/content");
        let others = others.iter().map(|o| c.join(o)).collect();
        Tree::new(c, entries.iter().map(|e| c.join(e)).collect(), others, Vec::new())
    }

    #[test]
    fn files_go_to_the_nearest_bundle_and_the_rest_are_strays() {
        let t = tree(
            &["index.md", "articles/guide/index.md", "articles/guide/sub/index.md", "articles/other.md"],
            &[
                "articles/guide/図1.png",
                "articles/guide/files/リリース.pdf",
                "articles/guide/sub/x.png",
                "articles/loose.png",
                "top.png",
            ],
        );
        let rels = |index: &str| {
            let assets = t.bundles.get(&Path::new("/s/content").join(index));
            assets.into_iter().flatten().map(|a| a.rel.clone()).collect::<Vec<_>>()
        };
        assert_eq!(rels("articles/guide/index.md"), ["図1.png", "files/リリース.pdf"]);
        assert_eq!(rels("articles/guide/sub/index.md"), ["x.png"]);
        assert!(rels("index.md").is_empty(), "the content directory is no bundle");
        assert!(rels("articles/other.md").is_empty());
        let strays: Vec<&Path> = t.strays.iter().map(|(f, _)| f.as_path()).collect();
        assert_eq!(strays, [Path::new("/s/content/articles/loose.png"), Path::new("/s/content/top.png")]);
        let w = t.stray_warnings(Path::new("/s"));
        assert_eq!(w[0].path, Path::new("content/articles/loose.png"));
        assert!(w[0].warning && w[0].message.contains("static/"), "{:?}", w[0]);
    }

    #[test]
    fn a_bundle_file_no_link_can_name_is_not_copied_and_said_so() {
        use std::os::unix::ffi::OsStrExt;
        let c = Path::new("/s/content");
        // 図 in Shift_JIS.
        let name = std::ffi::OsStr::from_bytes(b"\x90\x7d.png");
        let files = vec![c.join("a").join(name), c.join("a/b\\c.png")];
        let t = Tree::new(c, vec![c.join("a/index.md")], files.clone(), Vec::new());
        assert!(t.bundles.get(&c.join("a/index.md")).is_none_or(Vec::is_empty));
        assert_eq!(t.strays, files.into_iter().map(|f| (f, Stray::BadName)).collect::<Vec<_>>());
        let w = t.stray_warnings(Path::new("/s"));
        assert!(w[0].warning && w[0].message.contains("no link can name it"), "{:?}", w[0]);
    }

    #[test]
    fn only_an_index_below_the_content_directory_makes_a_bundle() {
        let c = Path::new("/s/content");
        assert!(is_index(c, &c.join("a/index.md")));
        assert!(!is_index(c, &c.join("index.md")));
        assert!(!is_index(c, &c.join("a/index.markdown")));
    }
}
