//! `book.toml`: the site configuration.
//!
//! Loading happens in two passes. The first walks the raw TOML with spans and reports every
//! unknown key (with the key that was probably meant); the second deserializes into typed
//! structs, whose errors also carry a span. Both report through [`Diagnostic`].

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use crate::diag::{self, Diagnostic};

pub const CONFIG_FILE: &str = "book.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub book: BookConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub series: SeriesConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<TaxonomyConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default = "default_theme")]
    pub theme: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BuildConfig {
    pub content: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub per_page: usize,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig { content: "content".into(), output: "public".into(), drafts: false, per_page: 20 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeriesConfig {
    pub label: String,
}

impl Default for SeriesConfig {
    fn default() -> Self {
        SeriesConfig { label: "セキュリティ事件簿".into() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    pub east_asian_line_breaks: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig { east_asian_line_breaks: true }
    }
}

/// One front-matter field that becomes cross-linked index pages.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub field: TaxonomyField,
    pub path: String,
    pub title: String,
}

/// The front-matter fields a taxonomy can be built from.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TaxonomyField {
    Tags,
    Attack,
    Sector,
    Organization,
    Data,
}

impl TaxonomyField {
    pub const ALL: [TaxonomyField; 5] = [
        TaxonomyField::Tags,
        TaxonomyField::Attack,
        TaxonomyField::Sector,
        TaxonomyField::Organization,
        TaxonomyField::Data,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TaxonomyField::Tags => "tags",
            TaxonomyField::Attack => "attack",
            TaxonomyField::Sector => "sector",
            TaxonomyField::Organization => "organization",
            TaxonomyField::Data => "data",
        }
    }
}

fn default_language() -> String {
    "ja".into()
}
fn default_base_url() -> String {
    "/".into()
}
fn default_theme() -> String {
    "default".into()
}

pub fn default_taxonomies() -> Vec<TaxonomyConfig> {
    let t = |field, path: &str, title: &str| TaxonomyConfig { field, path: path.into(), title: title.into() };
    vec![
        t(TaxonomyField::Tags, "tags", "タグ"),
        t(TaxonomyField::Attack, "attacks", "攻撃種別"),
        t(TaxonomyField::Sector, "sectors", "業種"),
        t(TaxonomyField::Organization, "organizations", "組織"),
        t(TaxonomyField::Data, "data-types", "漏えいした情報"),
    ]
}

/// Top-level names the site's own pages and files use; a taxonomy may not take them. The
/// theme's static files are checked separately ([`Config::check_statics`]), and the sitemap's
/// parts `sitemap-N.xml` by pattern.
const RESERVED_PATHS: &[&str] = &[
    "incidents",
    "articles",
    "years",
    "series",
    "stats",
    "search",
    "page",
    "index.html",
    "404.html",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
    "incidents.json",
    "incidents.csv",
];

/// Longest taxonomy path in bytes: it is a directory name, and file systems refuse names over
/// 255 bytes; the margin matches the cut of long term keys (`url::key`).
const MAX_PATH_BYTES: usize = 200;

fn is_reserved(path: &str) -> bool {
    let sitemap_part = path
        .strip_prefix("sitemap-")
        .and_then(|r| r.strip_suffix(".xml"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    RESERVED_PATHS.contains(&path) || sitemap_part
}

/// The known keys of each table, for unknown-key errors and suggestions.
const TOP_KEYS: &[&str] = &["book", "build", "series", "markdown", "taxonomies"];
const BOOK_KEYS: &[&str] = &["title", "description", "language", "base_url", "authors", "theme"];
const BUILD_KEYS: &[&str] = &["content", "output", "drafts", "per_page"];
const SERIES_KEYS: &[&str] = &["label"];
const MARKDOWN_KEYS: &[&str] = &["east_asian_line_breaks"];
const TAXONOMY_KEYS: &[&str] = &["field", "path", "title"];

impl Config {
    /// Reads and validates `book.toml` under `root`.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| vec![Diagnostic::file(CONFIG_FILE, format!("cannot read the configuration: {e}"))])?;
        Config::parse(&text, Path::new(CONFIG_FILE))
    }

    /// Parses configuration text; `shown` is the path used in diagnostics.
    pub fn parse(text: &str, shown: &Path) -> Result<Config, Vec<Diagnostic>> {
        let at = |offset: usize, message: String| {
            let (line, col) = diag::line_col(text, offset);
            Diagnostic::new(shown, line, col, message).with_source(text)
        };
        let table = DeTable::parse(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            vec![at(offset, format!("invalid TOML: {}, expected a valid TOML document", first_line(e.message())))]
        })?;

        let mut diags = Vec::new();
        check_keys(table.get_ref(), TOP_KEYS, "", &mut |off, msg| diags.push(at(off, msg)));
        for (key, value) in table.get_ref() {
            let keys = match key.get_ref().as_ref() {
                "book" => BOOK_KEYS,
                "build" => BUILD_KEYS,
                "series" => SERIES_KEYS,
                "markdown" => MARKDOWN_KEYS,
                "taxonomies" => TAXONOMY_KEYS,
                _ => continue,
            };
            let section = key.get_ref().to_string();
            match value.get_ref() {
                DeValue::Table(t) => check_keys(t, keys, &section, &mut |off, msg| diags.push(at(off, msg))),
                DeValue::Array(items) => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            check_keys(t, keys, &section, &mut |off, msg| diags.push(at(off, msg)));
                        }
                    }
                }
                _ => {}
            }
        }
        if !diags.is_empty() {
            diag::sort(&mut diags);
            return Err(diags);
        }

        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            vec![at(offset, describe_toml_error(e.message()))]
        })?;
        config.validate(text, shown)?;
        Ok(config)
    }

    fn validate(&self, text: &str, shown: &Path) -> Result<(), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let at_key = |key: &str, message: String| key_diagnostic(text, shown, key, None, message);
        let at_path = |value: &str, message: String| key_diagnostic(text, shown, "path", Some(value), message);
        if self.book.title.trim().is_empty() {
            diags.push(at_key("title", "`book.title` is empty, expected the site's title".into()));
        }
        if self.build.per_page == 0 {
            diags.push(at_key("per_page", "`build.per_page` is 0, expected a positive number".into()));
        }
        if let Err(msg) = crate::url::BaseUrl::parse(&self.book.base_url) {
            diags.push(at_key("base_url", format!("`book.base_url` {msg}")));
        }
        let mut seen_fields = Vec::new();
        let mut seen_paths = Vec::new();
        for t in &self.taxonomies {
            let path_ok = !t.path.is_empty()
                && t.path != "."
                && t.path != ".."
                && !t.path.contains(['/', '\\', '?', '#', '%'])
                && !t.path.chars().any(|c| c.is_whitespace() || c.is_control());
            if !path_ok {
                diags.push(at_path(
                    &t.path,
                    format!(
                        "taxonomy path `{}` is not a single URL path segment, expected a name such as `tags`",
                        t.path
                    ),
                ));
            } else if t.path.len() > MAX_PATH_BYTES {
                diags.push(at_path(
                    &t.path,
                    format!(
                        "taxonomy path is {} bytes long, expected at most {MAX_PATH_BYTES} (it names a directory)",
                        t.path.len()
                    ),
                ));
            } else if is_reserved(&t.path) {
                diags.push(at_path(
                    &t.path,
                    format!("taxonomy path `{}` is used by the site's own pages, expected another name", t.path),
                ));
            }
            if seen_fields.contains(&t.field) {
                diags.push(at_key(
                    "field",
                    format!("taxonomy field `{}` is listed twice, expected each field once", t.field.name()),
                ));
            }
            if seen_paths.contains(&&t.path) {
                diags.push(at_path(
                    &t.path,
                    format!("taxonomy path `{}` is used twice, expected a unique path", t.path),
                ));
            }
            seen_fields.push(t.field);
            seen_paths.push(&t.path);
        }
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }

    /// Checks the taxonomy paths against the top-level files of the theme's and the site's
    /// static files (`style.css`, `favicon.svg`, ...), which are known only once the theme is
    /// loaded. A static directory of the same name is no conflict: its files sit beside the
    /// taxonomy's pages.
    pub fn check_statics<'a>(&self, root: &Path, statics: impl IntoIterator<Item = &'a str>) -> Vec<Diagnostic> {
        let tops: std::collections::BTreeSet<&str> = statics.into_iter().filter(|rel| !rel.contains('/')).collect();
        let taken: Vec<&TaxonomyConfig> = self.taxonomies.iter().filter(|t| tops.contains(t.path.as_str())).collect();
        if taken.is_empty() {
            return Vec::new();
        }
        // Only on this error path is book.toml read again, for the line of each path.
        let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
        taken
            .iter()
            .map(|t| {
                let message =
                    format!("taxonomy path `{}` is the name of a static file (the theme's or the site's), expected another name", t.path);
                key_diagnostic(&text, Path::new(CONFIG_FILE), "path", Some(&t.path), message)
            })
            .collect()
    }

    pub fn taxonomy(&self, field: TaxonomyField) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.field == field)
    }
}

/// A diagnostic at the line of `key = ...` (the first whose value contains `value`, when given).
/// Typed values no longer carry spans, so the line is found textually.
fn key_diagnostic(text: &str, shown: &Path, key: &str, value: Option<&str>, message: String) -> Diagnostic {
    let is_key = |l: &str| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('='));
    // The line holding the value when there is one (the second of two `path =`), else the first.
    let line = text
        .lines()
        .position(|l| is_key(l) && value.is_some_and(|v| l.contains(v)))
        .or_else(|| text.lines().position(is_key))
        .map_or(0, |i| i + 1);
    Diagnostic::new(shown, line, 1, message).with_source(text)
}

fn check_keys(table: &DeTable<'_>, known: &[&str], section: &str, report: &mut dyn FnMut(usize, String)) {
    for key in table.keys() {
        let name: &str = key.get_ref().as_ref();
        if !known.contains(&name) {
            let full = if section.is_empty() { name.to_string() } else { format!("{section}.{name}") };
            let hint = diag::suggestion(name, known.iter().copied());
            let expected = known.join("`, `");
            report(key.span().start, format!("unknown key `{full}`{hint}, expected one of `{expected}`"));
        }
    }
}

/// Turns toml's serde message into our "what is wrong, expected what" form.
fn describe_toml_error(message: &str) -> String {
    let msg = first_line(message);
    if msg.contains("expected") { msg.to_string() } else { format!("{msg}, expected a value of the documented type") }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        Config::parse(text, Path::new("book.toml"))
    }

    #[test]
    fn defaults_fill_everything_but_title() {
        let c = parse("[book]\ntitle = \"事件簿\"\n").unwrap();
        assert_eq!(c.book.language, "ja");
        assert_eq!(c.book.base_url, "/");
        assert_eq!(c.build.per_page, 20);
        assert_eq!(c.build.output, PathBuf::from("public"));
        assert!(c.markdown.east_asian_line_breaks);
        assert_eq!(c.series.label, "セキュリティ事件簿");
        let paths: Vec<_> = c.taxonomies.iter().map(|t| t.path.as_str()).collect();
        assert_eq!(paths, ["tags", "attacks", "sectors", "organizations", "data-types"]);
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let err = parse("[book]\ntitel = \"x\"\n[build]\nper_pages = 3\n").unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!((err[0].line, err[0].column), (2, 1));
        assert!(err[0].message.contains("unknown key `book.titel` (did you mean `title`?)"), "{}", err[0].message);
        assert_eq!(err[1].line, 4);
        assert!(err[1].message.contains("did you mean `per_page`?"));
    }

    #[test]
    fn unknown_key_in_taxonomy_array() {
        let err = parse("[book]\ntitle = \"x\"\n[[taxonomies]]\nfeild = \"tags\"\npath = \"t\"\ntitle = \"T\"\n")
            .unwrap_err();
        assert!(err[0].message.contains("`taxonomies.feild` (did you mean `field`?)"));
    }

    #[test]
    fn missing_title_and_wrong_type_are_errors() {
        let err = parse("[book]\ndescription = \"x\"\n").unwrap_err();
        assert!(err[0].message.contains("title"), "{}", err[0].message);
        let err = parse("[book]\ntitle = \"x\"\n[build]\nper_page = \"many\"\n").unwrap_err();
        assert_eq!(err[0].line, 4);
        assert!(err[0].message.contains("expected"));
    }

    #[test]
    fn taxonomy_paths_are_checked() {
        let err = parse("[book]\ntitle = \"x\"\n[[taxonomies]]\nfield = \"tags\"\npath = \"a/b\"\ntitle = \"T\"\n")
            .unwrap_err();
        assert!(err[0].message.contains("single URL path segment"));
        let err = parse("[book]\ntitle = \"x\"\n[[taxonomies]]\nfield = \"tags\"\npath = \"years\"\ntitle = \"T\"\n")
            .unwrap_err();
        assert!(err[0].message.contains("site's own pages"));
        let err = parse("[book]\ntitle = \"x\"\n[[taxonomies]]\nfield = \"colour\"\npath = \"c\"\ntitle = \"T\"\n")
            .unwrap_err();
        assert!(err[0].message.contains("colour"));
    }

    fn two_taxonomies(second_path: &str) -> String {
        format!(
            "[book]\ntitle = \"x\"\n[[taxonomies]]\nfield = \"tags\"\npath = \"tags\"\ntitle = \"T\"\n\
             [[taxonomies]]\nfield = \"sector\"\npath = \"{second_path}\"\ntitle = \"S\"\n"
        )
    }

    #[test]
    fn taxonomy_path_may_not_name_a_file_of_the_site() {
        for taken in ["incidents.json", "incidents.csv", "robots.txt", "index.html", "sitemap-3.xml", "feed.xml"] {
            let err = parse(&two_taxonomies(taken)).unwrap_err();
            assert_eq!(err.len(), 1, "{taken}");
            assert!(err[0].message.contains("site's own pages"), "{taken}: {}", err[0].message);
            // The line of the second taxonomy's path, not the first `path =` of the file.
            assert_eq!(err[0].line, 9, "{taken}");
        }
        assert!(parse(&two_taxonomies("sitemap-x.xml")).is_ok());
        assert!(parse(&two_taxonomies("sitemap-.xml")).is_ok());
    }

    #[test]
    fn taxonomy_path_longer_than_a_file_name_is_an_error() {
        let err = parse(&two_taxonomies(&"業".repeat(70))).unwrap_err();
        assert!(err[0].message.contains("210 bytes long, expected at most 200"), "{}", err[0].message);
        assert_eq!(err[0].line, 9);
        assert!(parse(&two_taxonomies(&"業".repeat(66))).is_ok());
    }

    #[test]
    fn taxonomy_path_may_not_name_a_static_file_of_the_theme() {
        let c = parse(&two_taxonomies("favicon.svg")).unwrap();
        let dir = std::env::temp_dir().join(format!("casebook-config-statics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CONFIG_FILE), two_taxonomies("favicon.svg")).unwrap();
        let diags = c.check_statics(&dir, ["style.css", "favicon.svg"]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.contains("taxonomy path `favicon.svg` is the name of a static file"),
            "{}",
            diags[0].message
        );
        assert_eq!(diags[0].line, 9);
        // A static directory named like a taxonomy holds files beside its pages: no conflict.
        let c = parse(&two_taxonomies("fonts")).unwrap();
        assert!(c.check_statics(Path::new("/nonexistent"), ["style.css", "fonts/a.woff2"]).is_empty());
    }

    #[test]
    fn bad_base_url() {
        let err = parse("[book]\ntitle = \"x\"\nbase_url = \"ftp://x\"\n").unwrap_err();
        assert_eq!(err[0].line, 3);
    }
}
