//! The theme: templates and static files, and the Tera environment built from them.
//!
//! Three layers, later ones winning file by file: the default theme compiled into the binary,
//! `themes/<name>/` in the site, and the site's own `templates/` and `static/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use tera::{Kwargs, State, Tera, TeraResult, Value};

use crate::diag::Diagnostic;
use crate::url;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// Where a static file comes from.
#[derive(Debug, Clone)]
pub enum StaticSource {
    Embedded(&'static [u8]),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Theme {
    /// Template name → (source, path shown in errors).
    pub templates: BTreeMap<String, (String, PathBuf)>,
    /// Output-relative path → source.
    pub statics: BTreeMap<String, StaticSource>,
}

impl Theme {
    /// Collects the theme's files for the site at `root`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme { templates: BTreeMap::new(), statics: BTreeMap::new() };
        if name == "default" {
            for (rel, bytes) in DEFAULT_THEME {
                theme.add_embedded(rel, bytes)?;
            }
        }
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
        for item in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
            let item = match item {
                Ok(i) => i,
                Err(e) => {
                    let p = e.path().unwrap_or(dir).to_path_buf();
                    diags.push(Diagnostic::file(crate::content::shown(root, &p), format!("cannot be read: {e}")));
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
                self.statics.insert(rel, StaticSource::File(item.into_path()));
            }
        }
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }

    /// Compiles every template once, with casebook's filters registered.
    pub fn tera(&self) -> Result<Tera, Vec<Diagnostic>> {
        let mut tera = Tera::new();
        register_filters(&mut tera);
        super::cards::placeholder(&mut tera);
        super::fragments::placeholder(&mut tera);
        let sources: Vec<(&str, &str)> = self.templates.iter().map(|(n, (s, _))| (n.as_str(), s.as_str())).collect();
        tera.add_raw_templates(sources).map_err(|e| self.load_diagnostics(&e))?;
        Ok(tera)
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

    /// A template error as a diagnostic at the template's file and line.
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
fn register_filters(tera: &mut Tera) {
    tera.register_filter("date", |s: &str, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        let format = kwargs.get::<&str>("format")?.unwrap_or("%Y-%m-%d");
        let date = crate::content::frontmatter::parse_date(s)
            .ok_or_else(|| tera::Error::message(format!("`date` filter: `{s}` is not a date YYYY-MM-DD")))?;
        let mut out = String::new();
        // chrono reports an invalid format through fmt::Error; turn it into a template error.
        std::fmt::write(&mut out, format_args!("{}", date.day.format(format)))
            .map_err(|_| tera::Error::message(format!("`date` filter: `{format}` is not a valid chrono format")))?;
        Ok(out)
    });
    tera.register_filter("date_ja", |s: &str, _: Kwargs, _: &State| -> TeraResult<String> {
        crate::content::frontmatter::parse_date(s)
            .map(|d| date_ja(d.day))
            .ok_or_else(|| tera::Error::message(format!("`date_ja` filter: `{s}` is not a date YYYY-MM-DD")))
    });
    tera.register_filter("num", |v: &Value, _: Kwargs, _: &State| -> TeraResult<String> {
        v.as_u64()
            .map(group_digits)
            .or_else(|| {
                v.as_i64().map(|n| {
                    if n < 0 { format!("-{}", group_digits(n.unsigned_abs())) } else { group_digits(n as u64) }
                })
            })
            .ok_or_else(|| tera::Error::message("`num` filter: expected a whole number"))
    });
    tera.register_filter("urlencode", |s: &str, _: Kwargs, _: &State| url::encode_segment(s));
}

/// `2024年1月30日`.
pub fn date_ja(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2726` → `2,726`.
pub fn group_digits(n: u64) -> String {
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

/// The error of a template rendered from a function (`fragment`, `card`), for the page that
/// called it. Tera keeps only the message of a function's error, so the message carries the
/// whole chain.
pub fn nested_error(template: &str, e: &tera::Error) -> tera::Error {
    tera::Error::message(format!("in {template}: {}", error_chain(e)))
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
        let theme = Theme { templates: BTreeMap::new(), statics: BTreeMap::new() };
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

    #[test]
    fn template_errors_point_at_the_file_line() {
        let mut theme = Theme { templates: BTreeMap::new(), statics: BTreeMap::new() };
        theme.templates.insert("bad.html".into(), ("ok\n{% if %}\n".into(), PathBuf::from("templates/bad.html")));
        let err = theme.tera().unwrap_err();
        assert_eq!(err[0].path, PathBuf::from("templates/bad.html"));
        assert_eq!(err[0].line, 2);
    }

    #[test]
    fn the_default_theme_is_embedded() {
        assert!(DEFAULT_THEME.iter().any(|(p, _)| *p == "templates/base.html"));
        assert!(DEFAULT_THEME.iter().any(|(p, _)| *p == "static/style.css"));
    }
}
