//! `book.toml`: the site configuration.
//!
//! The file is read from the TOML's spanned tree, key by key, rather than through serde: serde
//! stops at the first value of the wrong type, and every problem of the file (unknown keys with
//! the key probably meant, wrong types, missing and bad values) is to be reported at once, each
//! at its own line.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::diag::{self, Diagnostic};

pub const CONFIG_FILE: &str = "book.toml";

#[derive(Debug, Clone)]
pub struct Config {
    pub book: BookConfig,
    pub build: BuildConfig,
    pub series: SeriesConfig,
    pub markdown: MarkdownConfig,
    pub taxonomies: Vec<TaxonomyConfig>,
    /// `[extra]`: anything, for templates as `site.extra` (a theme's settings: an analytics
    /// id, a logo, links), as Zola's `[extra]`.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct BookConfig {
    pub title: String,
    pub description: String,
    pub language: String,
    pub base_url: String,
    pub authors: Vec<String>,
    pub theme: String,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct SeriesConfig {
    pub label: String,
}

impl Default for SeriesConfig {
    fn default() -> Self {
        SeriesConfig { label: "セキュリティ事件簿".into() }
    }
}

#[derive(Debug, Clone)]
pub struct MarkdownConfig {
    pub east_asian_line_breaks: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig { east_asian_line_breaks: true }
    }
}

/// One front-matter field that becomes cross-linked index pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxonomyConfig {
    pub field: TaxonomyField,
    pub path: String,
    pub title: String,
}

/// The front-matter fields a taxonomy can be built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
const TOP_KEYS: &[&str] = &["book", "build", "series", "markdown", "taxonomies", "extra"];
const BOOK_KEYS: &[&str] = &["title", "description", "language", "base_url", "authors", "theme"];
const BUILD_KEYS: &[&str] = &["content", "output", "drafts", "per_page"];
const SERIES_KEYS: &[&str] = &["label"];
const MARKDOWN_KEYS: &[&str] = &["east_asian_line_breaks"];
const TAXONOMY_KEYS: &[&str] = &["field", "path", "title"];

impl Config {
    /// Reads and validates `book.toml` under `root`.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        match Config::load_lenient(root) {
            (Some(config), diags) if diags.is_empty() => Ok(config),
            (_, diags) => Err(diags),
        }
    }

    /// Like [`Config::parse_lenient`], for `book.toml` under `root`: a configuration with
    /// problems still gives one, so that the content can be checked in the same run.
    pub fn load_lenient(root: &Path) -> (Option<Config>, Vec<Diagnostic>) {
        let shown = Path::new(CONFIG_FILE);
        let bytes = match std::fs::read(root.join(CONFIG_FILE)) {
            Ok(b) => b,
            Err(e) => return (None, vec![Diagnostic::file(shown, format!("cannot read the configuration: {e}"))]),
        };
        match String::from_utf8(bytes) {
            Ok(text) => Config::parse_lenient(&text, shown),
            Err(e) => (None, vec![diag::not_utf8(shown, &e)]),
        }
    }

    /// Parses configuration text; `shown` is the path used in diagnostics.
    pub fn parse(text: &str, shown: &Path) -> Result<Config, Vec<Diagnostic>> {
        match Config::parse_lenient(text, shown) {
            (Some(config), diags) if diags.is_empty() => Ok(config),
            (_, diags) => Err(diags),
        }
    }

    /// Reads every key it can, with the default in place of each missing or bad value, and
    /// reports every problem of the file (unknown keys, values of the wrong type, missing keys,
    /// bad values) at its key or value. `None` when the text is not TOML at all.
    pub fn parse_lenient(text: &str, shown: &Path) -> (Option<Config>, Vec<Diagnostic>) {
        let mut r = Reader { text, shown, diags: Vec::new() };
        let table = match DeTable::parse(text) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                r.at(offset, toml_error_message(text, e.span(), first_line(e.message())));
                return (None, r.diags);
            }
        };
        let mut config = Config {
            book: BookConfig {
                title: String::new(),
                description: String::new(),
                language: default_language(),
                base_url: default_base_url(),
                authors: Vec::new(),
                theme: default_theme(),
            },
            build: BuildConfig::default(),
            series: SeriesConfig::default(),
            markdown: MarkdownConfig::default(),
            taxonomies: default_taxonomies(),
            extra: serde_json::Map::new(),
        };
        let mut spans = Spans::default();
        let mut book_at = None;
        let mut book_not_table = false;
        for (key, value) in table.get_ref() {
            let name: &str = key.get_ref().as_ref();
            match name {
                "book" => {
                    book_at = Some(key.span().start);
                    let Some(t) = r.table(name, value) else {
                        // Reported as not a table; a missing title would only repeat it.
                        book_not_table = true;
                        continue;
                    };
                    for (k, v) in t {
                        let full = format!("book.{}", k.get_ref());
                        match k.get_ref().as_ref() {
                            "title" => {
                                spans.title = Some(v.span().start);
                                if let Some(s) = r.string(&full, v) {
                                    config.book.title = s;
                                    spans.title_read = true;
                                }
                            }
                            "description" => {
                                if let Some(s) = r.string(&full, v) {
                                    config.book.description = s;
                                }
                            }
                            "language" => {
                                spans.language = Some(v.span().start);
                                if let Some(s) = r.string(&full, v) {
                                    config.book.language = s;
                                }
                            }
                            "base_url" => {
                                spans.base_url = Some(v.span().start);
                                if let Some(s) = r.string(&full, v) {
                                    config.book.base_url = s;
                                }
                            }
                            "authors" => {
                                if let Some(s) = r.strings(&full, v) {
                                    config.book.authors = s;
                                }
                            }
                            "theme" => {
                                if let Some(s) = r.string(&full, v) {
                                    config.book.theme = s;
                                }
                            }
                            _ => r.unknown(k, BOOK_KEYS, "book"),
                        }
                    }
                }
                "build" => {
                    let Some(t) = r.table(name, value) else { continue };
                    for (k, v) in t {
                        let full = format!("build.{}", k.get_ref());
                        match k.get_ref().as_ref() {
                            "content" => {
                                if let Some(s) = r.string(&full, v) {
                                    config.build.content = s.into();
                                }
                            }
                            "output" => {
                                if let Some(s) = r.string(&full, v) {
                                    config.build.output = s.into();
                                }
                            }
                            "drafts" => {
                                if let Some(b) = r.bool(&full, v) {
                                    config.build.drafts = b;
                                }
                            }
                            "per_page" => {
                                spans.per_page = Some(v.span().start);
                                if let Some(n) = r.count(&full, v) {
                                    config.build.per_page = n;
                                }
                            }
                            _ => r.unknown(k, BUILD_KEYS, "build"),
                        }
                    }
                }
                "series" => {
                    let Some(t) = r.table(name, value) else { continue };
                    for (k, v) in t {
                        match k.get_ref().as_ref() {
                            "label" => {
                                if let Some(s) = r.string("series.label", v) {
                                    config.series.label = s;
                                }
                            }
                            _ => r.unknown(k, SERIES_KEYS, "series"),
                        }
                    }
                }
                "markdown" => {
                    let Some(t) = r.table(name, value) else { continue };
                    for (k, v) in t {
                        match k.get_ref().as_ref() {
                            "east_asian_line_breaks" => {
                                if let Some(b) = r.bool("markdown.east_asian_line_breaks", v) {
                                    config.markdown.east_asian_line_breaks = b;
                                }
                            }
                            _ => r.unknown(k, MARKDOWN_KEYS, "markdown"),
                        }
                    }
                }
                "extra" => match json(value) {
                    serde_json::Value::Object(map) => config.extra = map,
                    _ => r.wrong("extra", value, "a table `[extra]` of keys and values for templates"),
                },
                "taxonomies" => {
                    let (list, at) = r.taxonomies(value);
                    config.taxonomies = list;
                    spans.taxonomies = at;
                }
                _ => r.unknown(key, TOP_KEYS, ""),
            }
        }
        match (book_at, spans.title) {
            (None, _) => r.at(0, "the `[book]` table is missing, expected `[book]` with a `title`".into()),
            (Some(_), _) if book_not_table => {}
            (Some(at), None) => r.at(at, "`book.title` is missing, expected the site's title".into()),
            _ => {}
        }
        config.validate(&mut r, &spans);
        diag::sort(&mut r.diags);
        (Some(config), r.diags)
    }

    fn validate(&self, r: &mut Reader<'_>, spans: &Spans) {
        if let Some(at) = spans.title
            && spans.title_read
            && self.book.title.trim().is_empty()
        {
            r.at(at, "`book.title` is empty, expected the site's title".into());
        }
        if let Some(at) = spans.language
            && !is_language_tag(&self.book.language)
        {
            r.at(
                at,
                format!(
                    "`book.language` `{}` is not a language tag, expected one such as `ja` or `en-US` (it is the pages' `lang`)",
                    self.book.language
                ),
            );
        }
        if let Some(at) = spans.per_page
            && self.build.per_page == 0
        {
            r.at(at, "`build.per_page` is 0, expected a positive whole number".into());
        }
        if let Err(msg) = crate::url::BaseUrl::parse(&self.book.base_url) {
            r.at(spans.base_url.unwrap_or(0), format!("`book.base_url` {msg}"));
        }
        let mut seen_fields: Vec<TaxonomyField> = Vec::new();
        let mut seen_paths: Vec<&str> = Vec::new();
        for (t, &(field_at, path_at, title_at)) in self.taxonomies.iter().zip(&spans.taxonomies) {
            if t.title.trim().is_empty() {
                r.at(
                    title_at,
                    "`taxonomies.title` is empty, expected the name shown on its pages, such as `タグ`".into(),
                );
            }
            let path_ok = !t.path.is_empty()
                && t.path != "."
                && t.path != ".."
                && !t.path.contains(['/', '\\', '?', '#', '%'])
                && !t.path.chars().any(|c| c.is_whitespace() || c.is_control());
            if !path_ok {
                r.at(
                    path_at,
                    format!(
                        "taxonomy path `{}` is not a single URL path segment, expected a name such as `tags`",
                        t.path
                    ),
                );
            } else if t.path.len() > MAX_PATH_BYTES {
                r.at(
                    path_at,
                    format!(
                        "taxonomy path is {} bytes long, expected at most {MAX_PATH_BYTES} (it names a directory)",
                        t.path.len()
                    ),
                );
            } else if is_reserved(&t.path) {
                r.at(
                    path_at,
                    format!("taxonomy path `{}` is used by the site's own pages, expected another name", t.path),
                );
            }
            if seen_fields.contains(&t.field) {
                r.at(
                    field_at,
                    format!("taxonomy field `{}` is listed twice, expected each field once", t.field.name()),
                );
            }
            if seen_paths.contains(&t.path.as_str()) {
                r.at(path_at, format!("taxonomy path `{}` is used twice, expected a unique path", t.path));
            }
            seen_fields.push(t.field);
            seen_paths.push(&t.path);
        }
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
                let d = key_diagnostic(&text, Path::new(CONFIG_FILE), "path", Some(&t.path), message);
                if d.line > 0 {
                    return d;
                }
                // A default taxonomy has no line in book.toml: the static file is what to rename.
                let site_static = Path::new("static").join(&t.path);
                let shown = if root.join(&site_static).exists() {
                    site_static
                } else {
                    Path::new("themes").join(&self.book.theme).join("static").join(&t.path)
                };
                Diagnostic::file(
                    shown,
                    format!("is where the site writes the pages of the `{}` taxonomy, expected a static file of another name", t.path),
                )
            })
            .collect()
    }

    pub fn taxonomy(&self, field: TaxonomyField) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.field == field)
    }
}

/// Where the values checked after reading were written (byte offsets), for their errors.
#[derive(Default)]
struct Spans {
    title: Option<usize>,
    /// Whether the title was a string (one of another type is reported as such, not as empty).
    title_read: bool,
    base_url: Option<usize>,
    language: Option<usize>,
    per_page: Option<usize>,
    /// `(field, path, title)` of each taxonomy read.
    taxonomies: Vec<(usize, usize, usize)>,
}

/// Reads typed values out of the spanned TOML, reporting each of the wrong type.
struct Reader<'t> {
    text: &'t str,
    shown: &'t Path,
    diags: Vec<Diagnostic>,
}

type Value<'i> = toml::Spanned<DeValue<'i>>;

impl Reader<'_> {
    fn at(&mut self, offset: usize, message: String) {
        let (line, col) = diag::line_col(self.text, offset);
        self.diags.push(Diagnostic::new(self.shown, line, col, message).with_source(self.text));
    }

    fn wrong(&mut self, name: &str, v: &Value<'_>, expected: &str) {
        self.at(v.span().start, format!("`{name}` is {}, expected {expected}", shape(v.get_ref())));
    }

    fn unknown(&mut self, key: &toml::Spanned<std::borrow::Cow<'_, str>>, known: &[&str], section: &str) {
        let name: &str = key.get_ref().as_ref();
        let full = if section.is_empty() { name.to_string() } else { format!("{section}.{name}") };
        let hint = diag::suggestion(name, known.iter().copied());
        let expected = known.join("`, `");
        self.at(key.span().start, format!("unknown key `{full}`{hint}, expected one of `{expected}`"));
    }

    fn table<'v, 'i>(&mut self, name: &str, v: &'v Value<'i>) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong(name, v, &format!("a table `[{name}]`"));
                None
            }
        }
    }

    fn string(&mut self, name: &str, v: &Value<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong(name, v, "a string in quotes");
                None
            }
        }
    }

    fn bool(&mut self, name: &str, v: &Value<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong(name, v, "true or false");
                None
            }
        }
    }

    fn count(&mut self, name: &str, v: &Value<'_>) -> Option<usize> {
        match v.get_ref() {
            DeValue::Integer(n) => {
                match u64::from_str_radix(n.as_str(), n.radix()).ok().and_then(|n| usize::try_from(n).ok()) {
                    Some(n) => Some(n),
                    None => {
                        self.at(v.span().start, format!("`{name}` is {n}, expected a positive whole number"));
                        None
                    }
                }
            }
            _ => {
                self.wrong(name, v, "a positive whole number");
                None
            }
        }
    }

    fn strings(&mut self, name: &str, v: &Value<'_>) -> Option<Vec<String>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong(name, v, "a list of strings such as `[\"編集部\"]`");
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(s.to_string()),
                other => self.at(
                    item.span().start,
                    format!("`{name}` has an item that is {}, expected a string in quotes", shape(other)),
                ),
            }
        }
        Some(out)
    }

    /// Every `[[taxonomies]]` table that is complete, with the offsets of its field, path and title.
    fn taxonomies(&mut self, v: &Value<'_>) -> (Vec<TaxonomyConfig>, Vec<(usize, usize, usize)>) {
        let (mut list, mut at) = (Vec::new(), Vec::new());
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong("taxonomies", v, "a list of `[[taxonomies]]` tables");
            return (list, at);
        };
        for item in items.iter() {
            let Some(t) = self.table("taxonomies", item) else { continue };
            let (mut field, mut path, mut title) = (None, None, None);
            let (mut field_at, mut path_at, mut title_at) = (item.span().start, item.span().start, item.span().start);
            for (k, v) in t {
                match k.get_ref().as_ref() {
                    "field" => {
                        field_at = v.span().start;
                        field = self.string("taxonomies.field", v).and_then(|s| {
                            let found = TaxonomyField::ALL.into_iter().find(|f| f.name() == s);
                            if found.is_none() {
                                let names: Vec<&str> = TaxonomyField::ALL.iter().map(|f| f.name()).collect();
                                let hint = diag::suggestion(&s, names.iter().copied());
                                self.at(
                                    v.span().start,
                                    format!(
                                        "taxonomy field `{s}` is not one of the fields{hint}, expected one of `{}`",
                                        names.join("`, `")
                                    ),
                                );
                            }
                            found
                        });
                    }
                    "path" => {
                        path_at = v.span().start;
                        path = self.string("taxonomies.path", v);
                    }
                    "title" => {
                        title_at = v.span().start;
                        title = self.string("taxonomies.title", v);
                    }
                    _ => self.unknown(k, TAXONOMY_KEYS, "taxonomies"),
                }
            }
            for (key, present) in [
                ("field", t.contains_key("field")),
                ("path", t.contains_key("path")),
                ("title", t.contains_key("title")),
            ] {
                if !present {
                    self.at(
                        item.span().start,
                        format!("a `[[taxonomies]]` table has no `{key}`, expected `field`, `path` and `title`"),
                    );
                }
            }
            if let (Some(field), Some(path), Some(title)) = (field, path, title) {
                list.push(TaxonomyConfig { field, path, title });
                at.push((field_at, path_at, title_at));
            }
        }
        (list, at)
    }
}

/// Whether `s` has the shape of a BCP 47 language tag (`ja`, `ja-JP`, `zh-Hant-TW`): what
/// `<html lang>` and the feeds' `xml:lang` expect. The registry itself is not consulted.
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok =
        parts.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A TOML value as the JSON-like value templates get: dates as their text, numbers as numbers.
fn json(v: &Value<'_>) -> serde_json::Value {
    match v.get_ref() {
        DeValue::String(s) => serde_json::Value::String(s.to_string()),
        DeValue::Integer(n) => i64::from_str_radix(n.as_str(), n.radix())
            .map_or_else(|_| serde_json::Value::String(n.to_string()), serde_json::Value::from),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| serde_json::Value::String(f.to_string()), serde_json::Value::Number),
        DeValue::Boolean(b) => serde_json::Value::Bool(*b),
        DeValue::Datetime(d) => serde_json::Value::String(d.to_string()),
        DeValue::Array(items) => serde_json::Value::Array(items.iter().map(json).collect()),
        DeValue::Table(t) => {
            serde_json::Value::Object(t.iter().map(|(k, v)| (k.get_ref().to_string(), json(v))).collect())
        }
    }
}

/// A TOML value's type, for a message: "a string", "a list", ...
fn shape(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// A diagnostic at the line of `key = ...` (the first whose value contains `value`, when given).
/// Typed values no longer carry spans, so the line is found textually.
pub(crate) fn key_diagnostic(text: &str, shown: &Path, key: &str, value: Option<&str>, message: String) -> Diagnostic {
    let is_key = |l: &str| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('='));
    // The line holding the value when there is one (the second of two `path =`), else the first.
    let line = text
        .lines()
        .position(|l| is_key(l) && value.is_some_and(|v| l.contains(v)))
        .or_else(|| text.lines().position(is_key))
        .map_or(0, |i| i + 1);
    Diagnostic::new(shown, line, 1, message).with_source(text)
}

/// A TOML syntax error in the editor's words. The parser says "duplicate key" without the key;
/// its span is the key, so the message names it (and tells a table written twice from a key).
/// Its other messages often say what they expected already, so "expected" is not said twice.
fn toml_error_message(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> String {
    if message == "duplicate key"
        && let Some(span) = span
        && let Some(key) = text.get(span.clone()).map(|k| k.trim().trim_matches(['"', '\'']))
        && !key.is_empty()
    {
        let table = text[..span.start].trim_end_matches([' ', '\t']).ends_with('[');
        return if table {
            format!("the table `[{key}]` is written twice, expected it once with all its keys under it")
        } else {
            format!("`{key}` is written twice, expected each key once")
        };
    }
    if message.contains("expected") {
        format!("invalid TOML: {message}")
    } else {
        format!("invalid TOML: {message}, expected a valid TOML document")
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key or table written twice is named; a message that says what it expected is not
    /// followed by a second "expected".
    #[test]
    fn toml_syntax_errors_name_the_key_written_twice() {
        let first = |text: &str| parse(text).unwrap_err().into_iter().next().unwrap();
        let d = first("[book]\ntitle = \"x\"\n[build]\nper_page = 3\nper_page = 4\n");
        assert_eq!((d.line, d.message.as_str()), (5, "`per_page` is written twice, expected each key once"));
        let d = first("[book]\ntitle = \"x\"\n\"title\" = \"y\"\n");
        assert_eq!((d.line, d.message.as_str()), (3, "`title` is written twice, expected each key once"));
        let d = first("[book]\ntitle = \"x\"\n[book]\n");
        assert_eq!(d.line, 3);
        assert_eq!(d.message, "the table `[book]` is written twice, expected it once with all its keys under it");
        let d = first("[book]\ntitle = \"ja\n");
        assert_eq!(d.message.matches("expected").count(), 1, "{}", d.message);
        assert!(d.message.starts_with("invalid TOML: "), "{}", d.message);
    }

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
        assert_eq!(err.len(), 3);
        assert_eq!(err[0].line, 1);
        assert!(err[0].message.contains("`book.title` is missing"), "{}", err[0].message);
        assert_eq!((err[1].line, err[1].column), (2, 1));
        assert!(err[1].message.contains("unknown key `book.titel` (did you mean `title`?)"), "{}", err[1].message);
        assert_eq!(err[2].line, 4);
        assert!(err[2].message.contains("did you mean `per_page`?"));
    }

    #[test]
    fn unknown_key_in_taxonomy_array() {
        let err = parse("[book]\ntitle = \"x\"\n[[taxonomies]]\nfeild = \"tags\"\npath = \"t\"\ntitle = \"T\"\n")
            .unwrap_err();
        assert!(err.iter().any(|d| d.line == 4 && d.message.contains("`taxonomies.feild` (did you mean `field`?)")));
        assert!(err.iter().any(|d| d.line == 3 && d.message.contains("has no `field`")), "{err:?}");
    }

    /// Every value of the wrong type is reported in one run, each at its own line, in the terms
    /// of the file (`build.per_page`, "a string"), with unknown keys and bad values beside them.
    #[test]
    fn every_problem_of_the_file_is_reported_at_once() {
        let text = "[book]\ntitle = 5\nauthors = \"編集部\"\nlanguage = 5\nbogus = 1\n[build]\nper_page = \"2\"\ndrafts = \"yes\"\n\
                    [markdown]\neast_asian_line_breaks = 1\n[[taxonomies]]\nfield = \"colour\"\npath = \"c\"\ntitle = \"C\"\n\
                    [[taxonomies]]\npath = \"d\"\n";
        let err = parse(text).unwrap_err();
        let got: Vec<(usize, &str)> = err.iter().map(|d| (d.line, d.message.as_str())).collect();
        let want = [
            (2, "`book.title` is a whole number, expected a string in quotes"),
            (3, "`book.authors` is a string, expected a list of strings"),
            (4, "`book.language` is a whole number, expected a string in quotes"),
            (5, "unknown key `book.bogus`"),
            (7, "`build.per_page` is a string, expected a positive whole number"),
            (8, "`build.drafts` is a string, expected true or false"),
            (10, "`markdown.east_asian_line_breaks` is a whole number, expected true or false"),
            (12, "taxonomy field `colour` is not one of the fields"),
            (15, "a `[[taxonomies]]` table has no `field`"),
            (15, "a `[[taxonomies]]` table has no `title`"),
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for ((line, message), (want_line, want_message)) in got.iter().zip(want) {
            assert_eq!(*line, want_line, "{message}");
            assert!(message.starts_with(want_message), "{message}");
        }
    }

    #[test]
    fn a_book_that_is_not_a_table_is_one_error() {
        let err = parse("[[book]]\ntitle = \"x\"\n").unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(err[0].message.contains("`book` is a list, expected a table `[book]`"), "{}", err[0].message);
    }

    /// An empty language would give every page `lang=""` (no language), an empty taxonomy
    /// title headings with no text: both are reported at their lines.
    #[test]
    fn empty_language_and_taxonomy_title_are_errors() {
        let text = "[book]\ntitle = \"x\"\nlanguage = \"\"\n\n[[taxonomies]]\nfield = \"tags\"\npath = \"tags\"\ntitle = \" \"\n";
        let err = parse(text).unwrap_err();
        let got: Vec<(usize, &str)> = err.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, 3);
        assert!(got[0].1.contains("`book.language` `` is not a language tag"), "{}", got[0].1);
        assert_eq!(got[1].0, 8);
        assert!(got[1].1.contains("`taxonomies.title` is empty"), "{}", got[1].1);
    }

    #[test]
    fn language_tags_are_checked_for_shape() {
        for ok in ["ja", "en", "ja-JP", "zh-Hant-TW", "en-US-x-casebook", "ast"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "j", "日本語", "ja_JP", "ja-", "-ja", "ja JP", "verylonglang"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    /// Checks made after reading (an empty path, a duplicate) point at the value they are about,
    /// not at the first line with the same key.
    #[test]
    fn taxonomy_problems_point_at_their_own_lines() {
        let err = parse(&two_taxonomies("")).unwrap_err();
        assert_eq!((err[0].line, err[0].column), (9, 8), "{err:?}");
        let err = parse(&two_taxonomies("tags")).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, 9);
        assert!(err[0].message.contains("used twice"));
        let twice = two_taxonomies("t2").replace("field = \"sector\"", "field = \"tags\"");
        let err = parse(&twice).unwrap_err();
        assert_eq!(err[0].line, 8);
        assert!(err[0].message.contains("listed twice"));
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
