//! The theme: templates and static files, and the Tera environment built from them.
//!
//! Three layers, later ones winning file by file: the default theme compiled into the binary,
//! `themes/<name>/` in the site, and the site's own `templates/` and `static/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::Datelike;
use tera::{Kwargs, State, Tera, TeraResult, Value};

use crate::content::PageIds;
use crate::diag::Diagnostic;
use crate::url;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// A template's text cut into its markup (`false`) and its tags and expressions (`true`, the
/// inside of `{% %}` and `{{ }}`); comments are left out.
fn template_pieces(text: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let open =
            rest.match_indices('{').find(|(i, _)| matches!(rest.as_bytes().get(i + 1), Some(b'{' | b'%' | b'#')));
        let Some((at, _)) = open else {
            return Some((false, std::mem::take(&mut rest)));
        };
        if at > 0 {
            let markup = &rest[..at];
            rest = &rest[at..];
            return Some((false, markup));
        }
        let close = match rest.as_bytes()[1] {
            b'{' => "}}",
            b'%' => "%}",
            _ => "#}",
        };
        let inner = &rest[2..];
        let end = inner.find(close).unwrap_or(inner.len());
        rest = inner.get(end + 2..).unwrap_or("");
        // A comment is left out: an empty piece of markup, dropped below.
        Some(if close == "#}" { (false, "") } else { (true, &inner[..end]) })
    })
    .filter(|(is_tag, piece)| *is_tag || !piece.is_empty())
}

/// The string literals of a tag or expression (`"partials/card.html"`), in any of Tera's quotes.
fn string_literals(code: &str) -> impl Iterator<Item = &str> {
    let mut rest = code;
    std::iter::from_fn(move || {
        let start = rest.find(['"', '\'', '`'])?;
        let quote = rest[start..].chars().next()?;
        let after = &rest[start + 1..];
        let end = after.find(quote)?;
        rest = &after[end + 1..];
        Some(&after[..end])
    })
}

/// The values of the `id` attributes in a piece of markup whose value is all there: `id="main"`
/// is one, `id="year-` (an expression follows) is not.
fn id_values(markup: &str) -> impl Iterator<Item = &str> {
    super::markup::attr_values(markup, "id").map(|(_, v)| v)
}

/// Where a static file comes from.
#[derive(Debug, Clone)]
pub enum StaticSource {
    Embedded(&'static [u8]),
    File(PathBuf),
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name → (source, path shown in errors).
    pub templates: BTreeMap<String, (String, PathBuf)>,
    /// Output-relative path → source.
    pub statics: BTreeMap<String, StaticSource>,
    /// Symbolic links out of the site that static files come through, one warning each.
    pub warnings: Vec<Diagnostic>,
    /// Static files that cannot be copied (a link to nowhere, a file without permission). They
    /// fail the build, but the theme still renders: the content is checked in the same run.
    pub errors: Vec<Diagnostic>,
}

impl Theme {
    /// Collects the theme's files for the site at `root`: the default theme's, then those of
    /// `themes/<name>/`, then the site's `templates/` and `static/`, each over the one before.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
        // Every theme starts from the default one, file by file (README): a theme that changes
        // base.html and style.css need not copy the ten other templates, and a theme written
        // before a release that adds a page (search.html, stats.html) keeps building.
        let mut theme = Theme::embedded()?;
        let theme_dir = root.join("themes").join(name);
        if theme_dir.is_dir() {
            theme.add_dir(root, &theme_dir.join("templates"), true)?;
            theme.add_dir(root, &theme_dir.join("static"), false)?;
        } else if name != "default" {
            // Only on this error path is book.toml read again, for the line of `theme`.
            let text = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
            return Err(vec![crate::config::key_diagnostic(
                &text,
                Path::new(crate::config::CONFIG_FILE),
                "theme",
                None,
                format!(
                    "`book.theme` is `{name}` but themes/{name}/ does not exist, expected a theme directory or `default`"
                ),
            )]);
        }
        theme.add_dir(root, &root.join("templates"), true)?;
        theme.add_dir(root, &root.join("static"), false)?;
        Ok(theme)
    }

    /// The default theme alone, as compiled into the binary.
    pub fn embedded() -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme::default();
        for (rel, bytes) in DEFAULT_THEME {
            theme.add_embedded(rel, bytes)?;
        }
        Ok(theme)
    }

    /// The ids the templates of an entry's page and of a list page with a text write as they
    /// are (`id="main"`), which a body's headings and footnotes must not repeat. They are read
    /// before the content, which is rendered before the pages. An id written with an expression
    /// (`id="year-{{ group.year }}"`) cannot be known here.
    pub fn page_ids(&self) -> PageIds {
        PageIds {
            incident: self.literal_ids(&["incident.html"]),
            article: self.literal_ids(&["article.html"]),
            list: self.literal_ids(&["term.html", "taxonomy.html"]),
        }
    }

    /// The literal ids of the `roots` templates and of every template they name (extend,
    /// include, import, or render through `fragment`), sorted.
    fn literal_ids(&self, roots: &[&str]) -> Vec<String> {
        let mut ids = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut next: Vec<&str> = roots.to_vec();
        while let Some(name) = next.pop() {
            let Some((name, (text, _))) = self.templates.get_key_value(name) else { continue };
            if !seen.insert(name.as_str()) {
                continue;
            }
            // An id in an HTML comment is no element's.
            let text = super::markup::without_comments(text);
            for (is_tag, piece) in template_pieces(&text) {
                if is_tag {
                    next.extend(
                        string_literals(piece).filter_map(|s| self.templates.get_key_value(s)).map(|(k, _)| k.as_str()),
                    );
                } else {
                    ids.extend(id_values(piece).map(str::to_string));
                }
            }
        }
        ids.into_iter().collect()
    }

    fn add_embedded(&mut self, rel: &str, bytes: &'static [u8]) -> Result<(), Vec<Diagnostic>> {
        if let Some(name) = rel.strip_prefix("templates/") {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                vec![Diagnostic::file(format!("(built-in theme) {rel}"), "is not UTF-8, expected UTF-8 text")]
            })?;
            self.templates
                .insert(name.to_string(), (text.to_string(), PathBuf::from(format!("(built-in theme) {rel}"))));
        } else if let Some(name) = rel.strip_prefix("static/") {
            self.statics.insert(name.to_string(), StaticSource::Embedded(bytes));
        }
        Ok(())
    }

    fn add_dir(&mut self, root: &Path, dir: &Path, templates: bool) -> Result<(), Vec<Diagnostic>> {
        if !dir.is_dir() {
            return Ok(());
        }
        let mut diags = Vec::new();
        let site = crate::content::SiteRoot::new(root);
        let mut links = Vec::new();
        let mut copied = Vec::new();
        for item in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
            let item = match item {
                Ok(i) => {
                    // Templates are read, not published: only static files matter here.
                    links.extend(site.outside(&i).filter(|_| !templates));
                    i
                }
                Err(e) => {
                    let p = e.path().unwrap_or(dir).to_path_buf();
                    let message = match std::fs::read_link(&p) {
                        Ok(target) if !p.exists() => format!(
                            "is a symbolic link to {}, which does not exist, expected a file to copy (or no link)",
                            target.display()
                        ),
                        _ => format!("cannot be read: {e}"),
                    };
                    let d = Diagnostic::file(crate::content::shown(root, &p), message);
                    // A template that cannot be read would leave the default theme's in its
                    // place unnoticed: it stops the theme. A static file is only not copied.
                    if templates {
                        diags.push(d)
                    } else {
                        self.errors.push(d)
                    }
                    continue;
                }
            };
            if !item.file_type().is_file() {
                continue;
            }
            let Ok(rel) = item.path().strip_prefix(dir) else { continue };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let shown = crate::content::shown(root, item.path());
            if templates {
                match std::fs::read_to_string(item.path()) {
                    Ok(text) => {
                        self.templates.insert(rel, (text, shown));
                    }
                    Err(e) => diags.push(Diagnostic::file(shown, format!("cannot be read as UTF-8 text: {e}"))),
                }
            } else {
                if !links.is_empty() {
                    copied.push(item.path().to_path_buf());
                }
                self.statics.insert(rel, StaticSource::File(item.into_path()));
            }
        }
        let copied: Vec<&Path> = copied.iter().map(PathBuf::as_path).collect();
        self.warnings.extend(crate::content::outside_warnings(
            root,
            &links,
            &copied,
            ("a static file", "static files"),
        ));
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }

    /// Compiles every template once, with casebook's filters registered.
    pub fn tera(&self) -> Result<Tera, Vec<Diagnostic>> {
        let mut tera = Tera::new();
        register_filters(&mut tera);
        super::cards::placeholder(&mut tera);
        super::fragments::placeholder(&mut tera);
        let sources: Vec<(&str, &str)> = self.templates.iter().map(|(n, (s, _))| (n.as_str(), s.as_str())).collect();
        match tera.add_raw_templates(sources) {
            Ok(()) => Ok(tera),
            Err(_) => Err(self.all_load_errors()),
        }
    }

    /// Every error of loading the templates. Tera stops at the first template that does not
    /// parse and at the first missing parent, so a theme with three broken files would be fixed
    /// one build at a time: each template is parsed alone first, then the set is checked again
    /// with every template found broken standing in as an empty one, until what is left are the
    /// errors Tera reports all together (unknown filters, functions and includes).
    fn all_load_errors(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut broken: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for (name, (text, _)) in &self.templates {
            let mut alone = Tera::new();
            if let Err(e) = alone.add_raw_template(name, text)
                && matches!(e.kind(), tera::ErrorKind::SyntaxError(_))
            {
                out.push(self.diagnostic(&e));
                broken.insert(name);
            }
        }
        // One round per missing parent at most; the bound only guards against a Tera that
        // keeps reporting the same one.
        for _ in 0..=self.templates.len() {
            let mut tera = Tera::new();
            register_filters(&mut tera);
            super::cards::placeholder(&mut tera);
            super::fragments::placeholder(&mut tera);
            let sources = self
                .templates
                .iter()
                .map(|(n, (s, _))| (n.as_str(), if broken.contains(n.as_str()) { "" } else { s.as_str() }));
            let Err(e) = tera.add_raw_templates(sources) else { break };
            let more = self.load_diagnostics(&e);
            out.extend(more);
            match e.kind() {
                tera::ErrorKind::MissingParent { current, .. } if !broken.contains(current.as_str()) => {
                    if let Some((name, _)) = self.templates.get_key_value(current.as_str()) {
                        broken.insert(name.as_str());
                        continue;
                    }
                    break;
                }
                _ => break,
            }
        }
        crate::diag::sort(&mut out);
        out.dedup();
        out
    }

    /// The errors of loading the templates, one diagnostic each at its template's file and line.
    /// Tera 2 checks every template for unknown filters, tests, functions and includes, and joins
    /// the reports (`error: …` then ` --> name:line:col`) into one message: split them again.
    fn load_diagnostics(&self, e: &tera::Error) -> Vec<Diagnostic> {
        if let tera::ErrorKind::Msg(text) = e.kind() {
            let mut out = Vec::new();
            let mut message: Option<&str> = None;
            for line in text.lines() {
                if let Some(m) = line.strip_prefix("error: ") {
                    message = Some(m);
                } else if let (Some(m), Some(at)) = (message, line.trim_start().strip_prefix("--> ")) {
                    let mut parts = at.rsplitn(3, ':');
                    let (col, line, name) = (parts.next(), parts.next(), parts.next());
                    if let (Some(name), Some(Ok(line)), Some(Ok(col))) =
                        (name, line.map(str::parse::<usize>), col.map(str::parse::<usize>))
                    {
                        out.push(self.at_template(name, line, col, m));
                    }
                    message = None;
                }
            }
            if !out.is_empty() {
                return out;
            }
        }
        if let tera::ErrorKind::MissingParent { current, parent } = e.kind() {
            // Tera gives no position: the line of the `extends` naming the parent.
            let (line, col) = self
                .templates
                .get(current)
                .and_then(|(text, _)| {
                    text.lines().enumerate().find_map(|(i, l)| {
                        l.find(parent.as_str())
                            .filter(|_| l.contains("extends"))
                            .map(|c| (i + 1, l[..c].chars().count() + 1))
                    })
                })
                .unwrap_or((1, 1));
            let message = format!("extends `{parent}`, which is not a template of the theme");
            return vec![self.at_template(current, line, col, &message)];
        }
        vec![self.diagnostic(e)]
    }

    /// A template error at `line`:`col` of the template `name`, with its source line.
    fn at_template(&self, name: &str, line: usize, col: usize, message: &str) -> Diagnostic {
        let message = format!("template error: {message}, expected a template that renders");
        match self.templates.get(name) {
            Some((text, path)) => Diagnostic::new(path, line, col.max(1), message).with_source(text),
            None => Diagnostic::new(name, line, col.max(1), message),
        }
    }

    /// A template error as a diagnostic at the template's file and line. An error inside a
    /// partial rendered by `card()` or `fragment()` is placed in that partial, where the mistake
    /// is, and names the template that called it.
    pub fn diagnostic(&self, e: &tera::Error) -> Diagnostic {
        let report = match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        let message = error_chain(e);
        match report {
            Some(r) => {
                let (path, text) = self
                    .templates
                    .get(r.filename())
                    .map_or((PathBuf::from(r.filename()), None), |(t, p)| (p.clone(), Some(t.as_str())));
                if let Some((inner, name, line, col, vias)) = split_partial_error(r.message()) {
                    // Innermost caller first: a card inside a fragment names the fragment's
                    // line, then the page template's.
                    let shown = |name: &str| self.templates.get(name).map_or_else(|| name.into(), |(_, p)| p.clone());
                    let mut files: Vec<(PathBuf, usize)> =
                        vias.iter().map(|(name, line)| (shown(name), *line)).collect();
                    files.push((path, r.span().start_line));
                    let callers: Vec<String> =
                        files.iter().map(|(f, line)| format!("{}:{line}", f.display())).collect();
                    let caller = callers.join(", from ");
                    let d = self.at_template(name, line, col, &format!("{inner} (rendered from {caller})"));
                    return files.into_iter().map(|(f, _)| f).fold(d, Diagnostic::naming);
                }
                let message = format!("template error: {}, expected a template that renders", r.message());
                let d = Diagnostic::new(path, r.span().start_line, r.span().start_col + 1, message);
                match text {
                    Some(t) => d.with_source(t),
                    None => d,
                }
            }
            None => Diagnostic::file("templates", format!("template error: {message}")),
        }
    }
}

/// Filters for template authors. Tera 2's own date filter uses jiff; ours use chrono and the
/// same date strings the context holds (`YYYY-MM-DD` or RFC 3339).
///
/// Each takes its input as any value and says which filter failed and what it was given: Tera's
/// own message for a typed argument ("expected `&str` but got `none`") names neither, and the
/// usual cause is a field that is none on some pages only (`page.updated | date_ja`). A keyword
/// argument a filter does not know is an error, not ignored: `date(fromat="%Y")` would otherwise
/// print the default format without a word.
fn register_filters(tera: &mut Tera) {
    tera.register_filter("date", |v: &Value, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        known_kwargs("`date` filter", &kwargs, &["format"])?;
        let format = match kwargs.get::<Value>("format")? {
            None => "%Y-%m-%d".to_string(),
            Some(f) => f.as_str().map(str::to_string).ok_or_else(|| {
                tera::Error::message(format!(
                    "`date` filter: `format` must be a string such as \"%Y/%m/%d\", got {}",
                    describe(&f)
                ))
            })?,
        };
        let date = date_arg("date", v)?;
        format_date(&date, &format)
    });
    tera.register_filter("date_ja", |v: &Value, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        known_kwargs("`date_ja` filter", &kwargs, &[])?;
        date_arg("date_ja", v).map(|d| date_ja(d.day))
    });
    tera.register_filter("num", |v: &Value, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        known_kwargs("`num` filter", &kwargs, &[])?;
        v.as_number()
            .and_then(|n| n.as_integer())
            .map(|n| {
                let digits = group_digits_u128(n.unsigned_abs());
                if n < 0 { format!("-{digits}") } else { digits }
            })
            .ok_or_else(|| tera::Error::message(format!("`num` filter: expected a whole number, got {}", describe(v))))
    });
    tera.register_filter("urlencode", |v: &Value, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        known_kwargs("`urlencode` filter", &kwargs, &[])?;
        match v.as_str() {
            Some(s) => Ok(url::encode_segment(s)),
            // A number is a fine path segment (a year, a page number).
            None if v.is_number() => Ok(url::encode_segment(&v.to_string())),
            None => Err(tera::Error::message(format!("`urlencode` filter: expected a string, got {}", describe(v)))),
        }
    });
}

/// An error naming the first keyword argument of `kwargs` that is not in `known`.
pub fn known_kwargs(what: &str, kwargs: &Kwargs, known: &[&str]) -> TeraResult<()> {
    for (key, _) in kwargs.iter() {
        let key = key.to_string();
        if !known.contains(&key.as_str()) {
            let expected = match known {
                [] => "no arguments".to_string(),
                _ => known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
            };
            let hint = crate::diag::did_you_mean(&key, known.iter().copied())
                .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
            return Err(tera::Error::message(format!("{what} has no argument `{key}`{hint} (it takes {expected})")));
        }
    }
    Ok(())
}

/// The value `v`, for a message: its type and, when short, itself.
fn describe(v: &Value) -> String {
    if v.is_none() || v.is_undefined() {
        return "none (a field this page does not have? test it first: `{% if ... %}`)".into();
    }
    let shown = v.to_string();
    let kind = match v.name() {
        "u64" | "i64" | "u128" | "i128" => "the integer",
        "f64" => "the number",
        "string" => "the string",
        "bool" => "the boolean",
        "array" => "the list",
        "map/struct" => "the map",
        other => other,
    };
    if shown.chars().count() <= 40 { format!("{kind} `{shown}`") } else { kind.to_string() }
}

/// The date of the input of filter `what`: a `YYYY-MM-DD` or RFC 3339 string.
fn date_arg(what: &str, v: &Value) -> TeraResult<crate::content::frontmatter::Date> {
    v.as_str().and_then(crate::content::frontmatter::parse_date).ok_or_else(|| {
        tera::Error::message(format!(
            "`{what}` filter: expected a date YYYY-MM-DD or an RFC 3339 date-time, got {}",
            describe(v)
        ))
    })
}

/// `date` formatted with the chrono `format`: with its time of day and offset when it has one.
fn format_date(date: &crate::content::frontmatter::Date, format: &str) -> TeraResult<String> {
    let mut out = String::new();
    // chrono reports a bad format only through fmt::Error, at write time.
    let written = match date.time {
        Some(t) => std::fmt::write(&mut out, format_args!("{}", t.format(format))),
        None => std::fmt::write(&mut out, format_args!("{}", date.day.format(format))),
    };
    if written.is_ok() {
        return Ok(out);
    }
    // A format that works on a date-time asks for the time a plain date does not have.
    let midnight = date.day.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset();
    let message = if date.time.is_none()
        && std::fmt::write(&mut String::new(), format_args!("{}", midnight.format(format))).is_ok()
    {
        format!(
            "`date` filter: `{format}` asks for a time of day or a time zone, but the date has none (give an RFC 3339 date-time, or use only the date's fields such as %Y %m %d)"
        )
    } else {
        format!("`date` filter: `{format}` is not a valid chrono format (see the chrono strftime documentation)")
    };
    Err(tera::Error::message(message))
}

/// `2024年1月30日`.
pub fn date_ja(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2726` → `2,726`.
pub fn group_digits(n: u64) -> String {
    group_digits_u128(u128::from(n))
}

fn group_digits_u128(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A Tera error's message followed by those of its sources, `: `-separated.
fn error_chain(e: &tera::Error) -> String {
    let mut message = e.to_string();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Separates the message of an error inside a partial from its position (`name:line:col`), in
/// the message of the error a `card()` or `fragment()` call returns.
const PARTIAL_AT: &str = "\n  at partial ";

/// The error of a template rendered from a function (`fragment`, `card`), for the page that
/// called it. Tera keeps only the message of a function's error, so the message carries the
/// inner error's position after [`PARTIAL_AT`], for [`Theme::diagnostic`] to report the error in
/// the partial rather than at the call. A message that already carries one (a card inside a
/// fragment) keeps it, the innermost position being where the mistake is, and adds the call in
/// this partial after [`VIA`], so that the message can name every template on the way.
pub fn nested_error(template: &str, e: &tera::Error) -> tera::Error {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            if r.message().contains(PARTIAL_AT) {
                let via = format!("{VIA}{}:{}", r.filename(), r.span().start_line);
                return tera::Error::message(format!("{}{via}", r.message()));
            }
            let (line, col) = (r.span().start_line, r.span().start_col + 1);
            tera::Error::message(format!("{}{PARTIAL_AT}{}:{line}:{col}", r.message(), r.filename()))
        }
        _ => tera::Error::message(format!("in {template}: {}", error_chain(e))),
    }
}

/// Separates each call of a partial from a partial on the way to an error (after its position).
const VIA: &str = "\n  via ";

/// A partial's call on the way to an error: `(template, line)`.
type Via<'a> = (&'a str, usize);

/// `(message, template, line, column, calls on the way, innermost first)` of an error
/// [`nested_error`] made.
fn split_partial_error(message: &str) -> Option<(&str, &str, usize, usize, Vec<Via<'_>>)> {
    let (inner, rest) = message.split_once(PARTIAL_AT)?;
    let mut pieces = rest.split(VIA);
    let mut parts = pieces.next()?.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let vias = pieces.filter_map(|v| v.rsplit_once(':').and_then(|(n, l)| Some((n, l.parse().ok()?)))).collect();
    Some((inner, name, line, col, vias))
}

/// `template` rendered with `ctx`, as a safe string for the template that called the function
/// rendering it (`card`, `fragment`); errors as [`nested_error`]. The output is checked as UTF-8
/// with simdutf8, several times faster on Japanese than `Tera::render`'s standard check.
pub fn render_partial(tera: &tera::Tera, template: &str, ctx: &tera::Context) -> tera::TeraResult<tera::Value> {
    let mut out = Vec::with_capacity(4 * 1024);
    tera.render_to(template, ctx, &mut out).map_err(|e| nested_error(template, &e))?;
    let html = simdutf8::basic::from_utf8(&out)
        .map_err(|_| tera::Error::message(format!("in {template}: the output is not UTF-8")))?;
    Ok(tera::Value::safe_string(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(2726), "2,726");
        assert_eq!(group_digits(1234567), "1,234,567");
    }

    #[test]
    fn filters_work_in_templates() {
        let theme = Theme::default();
        let mut tera = theme.tera().unwrap();
        tera.add_raw_template(
            "t.html",
            "{{ d | date(format=\"%Y/%m/%d\") }} {{ d | date_ja }} {{ n | num }} {{ s | urlencode }}",
        )
        .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("d", "2024-01-30");
        ctx.insert("n", &1234567u64);
        ctx.insert("s", "ランサム");
        assert_eq!(
            tera.render("t.html", &ctx).unwrap(),
            "2024/01/30 2024年1月30日 1,234,567 %E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0"
        );
    }

    /// `tera` with casebook's filters and one template `t.html`, rendered with `d` and `n`.
    fn render_one(template: &str, d: &str, n: Value) -> TeraResult<String> {
        let theme = Theme::default();
        let mut tera = theme.tera().unwrap();
        tera.add_raw_template("t.html", template)?;
        let mut ctx = tera::Context::new();
        ctx.insert("d", d);
        ctx.insert_value("n", n);
        tera.render("t.html", &ctx).map_err(|e| tera::Error::message(error_chain(&e)))
    }

    #[test]
    fn date_formats_the_time_of_an_rfc3339_date_time() {
        let out =
            render_one("{{ d | date(format=\"%Y/%m/%d %H:%M %:z\") }}", "2024-01-30T10:20:00+09:00", Value::none());
        assert_eq!(out.unwrap(), "2024/01/30 10:20 +09:00");
        // A plain date has no time: said so, rather than "not a valid chrono format".
        let e = render_one("{{ d | date(format=\"%H:%M\") }}", "2024-01-30", Value::none()).unwrap_err();
        assert!(e.to_string().contains("asks for a time of day"), "{e}");
        let e = render_one("{{ d | date(format=\"%Q\") }}", "2024-01-30", Value::none()).unwrap_err();
        assert!(e.to_string().contains("not a valid chrono format"), "{e}");
    }

    #[test]
    fn filters_refuse_unknown_arguments_and_say_what_they_got() {
        let e = render_one("{{ d | date(fromat=\"%Y\") }}", "2024-01-30", Value::none()).unwrap_err();
        assert!(e.to_string().contains("`date` filter has no argument `fromat`; did you mean `format`?"), "{e}");
        let e = render_one("{{ d | date_ja(format=\"%Y\") }}", "2024-01-30", Value::none()).unwrap_err();
        assert!(e.to_string().contains("`date_ja` filter has no argument `format`"), "{e}");
        // A field that is none on this page (an incident without `affected`).
        let e = render_one("{{ n | num }}", "", Value::none()).unwrap_err();
        assert!(e.to_string().contains("`num` filter: expected a whole number, got none"), "{e}");
        let e = render_one("{{ n | date_ja }}", "", Value::from(2024)).unwrap_err();
        assert!(e.to_string().contains("`date_ja` filter: expected a date") && e.to_string().contains("`2024`"), "{e}");
        assert_eq!(render_one("{{ n | num }} {{ n | urlencode }}", "", Value::from(-12345)).unwrap(), "-12,345 -12345");
    }

    /// Maps (`page.extra`, a card, `site`) iterate in one order, build after build: Tera's
    /// default map is a hash map with a random seed per process (`preserve_order` is on).
    #[test]
    fn maps_iterate_in_a_stable_order() {
        const KEYS: [&str; 16] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"];
        // Built as casebook builds its maps (`values::obj`, `page.extra`): from sorted keys.
        let map = KEYS.iter().rev().map(|k| (*k, Value::from(1))).collect::<BTreeMap<_, _>>();
        let out = render_one(
            "{% for k, v in n %}{{ k }} {% endfor %}|{{ n | keys | join(sep=\" \") }}",
            "",
            Value::from(map),
        );
        let sorted = KEYS.join(" ");
        assert_eq!(out.unwrap(), format!("{sorted} |{sorted}"));
    }

    #[test]
    fn template_errors_point_at_the_file_line() {
        let mut theme = Theme::default();
        theme.templates.insert("bad.html".into(), ("ok\n{% if %}\n".into(), PathBuf::from("templates/bad.html")));
        let err = theme.tera().unwrap_err();
        assert_eq!(err[0].path, PathBuf::from("templates/bad.html"));
        assert_eq!(err[0].line, 2);
    }

    /// A mistake in the card partial is reported in the partial, at its line, not at the
    /// `card()` call that rendered it.
    #[test]
    fn errors_inside_a_card_are_reported_in_the_card_partial() {
        let mut theme = Theme::default();
        let card = ("<h2>\n{{ entry.nope }}</h2>\n".to_string(), PathBuf::from("templates/partials/card.html"));
        theme.templates.insert("partials/card.html".into(), card);
        let list =
            ("{% for e in entries %}{{ card(entry=e) }}{% endfor %}".to_string(), PathBuf::from("templates/list.html"));
        theme.templates.insert("list.html".into(), list);
        let mut tera = theme.tera().unwrap();
        super::super::cards::register(&mut tera, &["/a/".into()]);
        let mut ctx = tera::Context::new();
        ctx.insert("entries", &vec![BTreeMap::from([("url", "/a/")])]);
        let d = theme.diagnostic(&tera.render("list.html", &ctx).unwrap_err());
        assert_eq!((d.path.to_str(), d.line, d.column), (Some("templates/partials/card.html"), 2, 10), "{d:?}");
        assert!(d.message.contains("`nope`") && d.message.contains("rendered from templates/list.html:1"), "{d:?}");
        assert_eq!(d.source_line.as_deref(), Some("{{ entry.nope }}</h2>"));
    }

    #[test]
    fn the_default_theme_is_embedded() {
        assert!(DEFAULT_THEME.iter().any(|(p, _)| *p == "templates/base.html"));
        assert!(DEFAULT_THEME.iter().any(|(p, _)| *p == "static/style.css"));
    }

    #[test]
    fn page_ids_are_the_literal_ids_of_the_templates_a_page_is_made_of() {
        let ids = Theme::embedded().unwrap().page_ids();
        // base.html's skip-link target, the partials' (included) and incident.html's, not
        // search.html's, which no entry's page includes.
        assert_eq!(ids.incident, ["factbox-title", "main", "related-title"]);
        // article.html's table of contents is on articles only.
        assert_eq!(ids.article, ["main", "related-title", "toc-title"]);
        // card_group.html's `year-{{ group.year }}` is written with an expression: not known.
        assert_eq!(ids.list, ["main"]);

        let mut theme = Theme::embedded().unwrap();
        let own = |text: &str| (text.to_string(), PathBuf::from("templates/x.html"));
        theme.templates.insert(
            "article.html".into(),
            own(r#"{% extends "base.html" %}{% block main %}<div class=a id="share" data-id="no">{# id="comment" #}<p id='q' title="{{ t }}"><i id=bare>{% include 'partials/x.html' %}<b id="n-{{ i }}">{% endblock %}"#),
        );
        theme.templates.insert(
            "partials/x.html".into(),
            own(r#"<span  id="from-include">{{ fragment(template=`partials/y.html`) }}"#),
        );
        theme
            .templates
            .insert("partials/y.html".into(), own("<em\nid=\"from-fragment\"><i ID=\"upper\"><b id = 'spaced'>"));
        let entry = theme.page_ids().article;
        for id in ["share", "q", "bare", "from-include", "from-fragment", "main", "upper", "spaced"] {
            assert!(entry.contains(&id.to_string()), "{id} in {entry:?}");
        }
        for id in ["no", "comment", "n-", "toc-title", "factbox-title"] {
            assert!(!entry.iter().any(|e| e.starts_with(id)), "{id} in {entry:?}");
        }
    }
}
