//! The texts of taxonomy and term pages, as Hugo has them: `content/<taxonomy path>/_index.md`
//! introduces a taxonomy's page (`/attacks/`), `content/<taxonomy path>/<term>/_index.md` a
//! term's (`/attacks/ランサムウェア/`): what the attack is, who the organization is. Each is
//! Markdown with an optional front matter holding only `description` (the page's meta
//! description). They are not entries: no date, no feed, no place in any list.

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use super::{At, MarkdownOptions, frontmatter, markdown, positions, shown};
use crate::diag::{self, Diagnostic};
use crate::url;

/// The file name that makes a Markdown file a page's text rather than an entry.
pub const FILE: &str = "_index.md";

/// Whether `file` is a taxonomy's or term's text.
pub fn is_text(file: &Path) -> bool {
    file.file_name().is_some_and(|n| n == FILE)
}

/// One taxonomy's or term's text, rendered.
#[derive(Debug, Clone)]
pub struct Text {
    /// Path shown in diagnostics, relative to the site root.
    pub path: PathBuf,
    /// The directory under the content directory: a taxonomy's `path`.
    pub taxonomy: String,
    /// The term's directory, as written (matched by its term key); `None` for the taxonomy's.
    pub term: Option<String>,
    pub description: Option<String>,
    pub html: String,
    /// Link destinations with their (file) line and column, for `check`.
    pub links: Vec<At<String>>,
    /// What its front matter reads other than as written (a description a ` #` cut short).
    pub warnings: Vec<Diagnostic>,
}

/// Reads and renders every text (few, and small: one thread). Returns those that parsed and
/// every problem of every file.
pub fn load(root: &Path, content_dir: &Path, files: &[PathBuf], opts: MarkdownOptions) -> (Vec<Text>, Vec<Diagnostic>) {
    let mut texts = Vec::new();
    let mut diags = Vec::new();
    // `tags/ddos/` and `tags/DDoS/` name one term: found by place, whatever the files hold, so
    // that a mistake in either does not hide it. The first in path order is the term's text.
    let mut first: HashMap<(String, String), &Path> = HashMap::new();
    for file in files {
        let Some((taxonomy, term)) = place(content_dir, file) else {
            diags.push(misplaced(root, content_dir, file));
            continue;
        };
        let dir = term.as_deref().unwrap_or_default();
        let key = (taxonomy.clone(), url::key(dir));
        if let Some(earlier) = first.get(&key) {
            let message = format!(
                "is a second text for the term of {} (`{dir}` and its directory name one term), expected one text for each term",
                shown(root, earlier).display()
            );
            diags.push(Diagnostic::file(shown(root, file), message).naming(shown(root, earlier)));
            continue;
        }
        first.insert(key, file);
        match load_one(root, file, taxonomy, term, opts) {
            Ok(t) => texts.push(t),
            Err(d) => diags.extend(d),
        }
    }
    (texts, diags)
}

/// The error for a text that is at no taxonomy's or term's place.
fn misplaced(root: &Path, content_dir: &Path, file: &Path) -> Diagnostic {
    // `tags/CI/CD/_index.md`, written for the term `CI/CD`.
    let deep = file.strip_prefix(content_dir).is_ok_and(|rel| rel.iter().count() > 3);
    let slash = if deep {
        "; a term holding `/` is named by its URL segment (`tags/ci-cd/` for `CI/CD`)"
    } else {
        "; rename it for an entry of its own"
    };
    Diagnostic::file(
        shown(root, file),
        format!(
            "is the text of a taxonomy's or a term's page only in the directory of one, expected `content/<taxonomy path>/{FILE}` (the page /<taxonomy path>/) or `content/<taxonomy path>/<term>/{FILE}` (the page /<taxonomy path>/<term>/){slash}"
        ),
    )
}

/// Reads and renders the text at `file`, the text of `taxonomy` or of its `term`.
fn load_one(
    root: &Path,
    file: &Path,
    taxonomy: String,
    term: Option<String>,
    opts: MarkdownOptions,
) -> Result<Text, Vec<Diagnostic>> {
    let path = shown(root, file);
    let bytes = std::fs::read(file).map_err(|e| vec![Diagnostic::file(&path, format!("cannot be read: {e}"))])?;
    let text = String::from_utf8(bytes).map_err(|e| vec![diag::not_utf8(&path, &e)])?;
    let problem = |(line, col, msg): (usize, usize, String)| Diagnostic::new(&path, line, col, msg).with_source(&text);
    // The front matter is optional: a text may be nothing but Markdown.
    let starts_with_front_matter =
        text.strip_prefix('\u{feff}').unwrap_or(&text).lines().next().map(str::trim_end) == Some("---");
    let (description, body, body_line) = if starts_with_front_matter {
        let split = frontmatter::split(&text).map_err(|(line, msg)| vec![problem((line, 1, msg))])?;
        (frontmatter::parse_text(&split), split.body, split.body_line)
    } else {
        (Ok((None, Vec::new())), text.strip_prefix('\u{feff}').unwrap_or(&text), 1)
    };
    let rendered = markdown::render_list_text(body, opts);
    // The front matter's problems and the body's are reported together, in one run.
    let body_problems = super::body_problems(body, body_line, rendered.problems);
    let (description, warnings) = match (description, body_problems) {
        (Ok(read), Ok(())) => read,
        (description, body) => {
            let ps = description.err().unwrap_or_default().into_iter().chain(body.err().unwrap_or_default());
            return Err(ps.map(problem).collect());
        }
    };
    let links = positions(body, rendered.links)
        .into_iter()
        .map(|(value, l, column)| At { value, line: l + body_line - 1, column })
        .collect();
    let warnings = warnings.into_iter().map(|w| problem(w).as_warning()).collect();
    Ok(Text { path, taxonomy, term, description, html: rendered.html, links, warnings })
}

/// The taxonomy directory and term directory of a text below `content_dir`; `None` when it is
/// at any other depth, or a name is not UTF-8.
fn place(content_dir: &Path, file: &Path) -> Option<(String, Option<String>)> {
    let parts: Vec<&str> =
        file.strip_prefix(content_dir).ok()?.iter().map(|p| p.to_str()).collect::<Option<Vec<_>>>()?;
    match parts[..] {
        [taxonomy, _] => Some((taxonomy.to_string(), None)),
        [taxonomy, term, _] => Some((taxonomy.to_string(), Some(term.to_string()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_at_a_taxonomy_or_a_term() {
        let c = Path::new("/s/content");
        assert_eq!(place(c, &c.join("attacks/_index.md")), Some(("attacks".into(), None)));
        assert_eq!(
            place(c, &c.join("attacks/ランサムウェア/_index.md")),
            Some(("attacks".into(), Some("ランサムウェア".into())))
        );
        assert_eq!(place(c, &c.join("_index.md")), None);
        assert_eq!(place(c, &c.join("a/b/c/_index.md")), None);
        assert!(is_text(&c.join("a/_index.md")) && !is_text(&c.join("a/index.md")));
    }
}
