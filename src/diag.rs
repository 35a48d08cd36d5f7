//! Diagnostics: one problem in one input file, with its position.
//!
//! Every layer that reads user input (config, content, templates) reports through this type so
//! that `build`, `check` and `serve` print the same `path:line:col: error: ...` lines, sorted the
//! same way, and the serve overlay can show them too.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem found in an input file. `line` and `column` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Path as shown to the user (relative to the site root when possible).
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// What is wrong and what was expected, as one sentence.
    pub message: String,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic { path: path.into(), line, column, message: message.into(), source_line: None }
    }

    /// A diagnostic about the whole file (no position inside it).
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(path, 0, 0, message)
    }

    /// Attaches the text of `line` from `source` so the reader sees it without opening the file.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.source_line = source.lines().nth(self.line - 1).map(|l| l.trim_end_matches('\r').to_string());
        }
        self
    }

    /// `path:line:col`, or just `path` when the position is unknown.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column.max(1))
        }
    }

    fn sort_key(&self) -> (&Path, usize, usize, &str) {
        (&self.path, self.line, self.column, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location(), self.message)?;
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            // The caret column counts characters, not bytes, so it lines up under Japanese text
            // in a terminal only approximately (wide glyphs); it still points at the right token.
            let caret_pad: String =
                src.chars().take(self.column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            write!(f, "\n{pad} |\n{num} | {src}\n{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics into the stable order the CLI promises: by path, then position.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Converts a byte offset in `text` into a 1-based (line, column), column counted in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    // Step back to a char boundary so slicing cannot panic on a mid-character offset.
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match did_you_mean(word, candidates) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a\nあいう: x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 2), (2, 1));
        // "あいう" is 9 bytes; the colon is the 4th character on line 2.
        assert_eq!(line_col(text, 11), (2, 4));
        // A mid-character offset does not panic.
        assert_eq!(line_col(text, 3), (2, 1));
    }

    #[test]
    fn suggestions_only_when_close() {
        let keys = ["organization", "attack", "sector"];
        assert_eq!(did_you_mean("organisation", keys), Some("organization"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn display_shows_line_and_caret() {
        let d = Diagnostic::new("content/a.md", 2, 3, "bad").with_source("x\nab: c\n");
        let s = d.to_string();
        assert!(s.starts_with("content/a.md:2:3: error: bad"));
        assert!(s.contains("2 | ab: c"));
        assert!(s.ends_with("|   ^"));
    }

    #[test]
    fn sorted_by_path_then_position() {
        let mut v = vec![
            Diagnostic::new("b.md", 1, 1, "x"),
            Diagnostic::new("a.md", 5, 1, "x"),
            Diagnostic::new("a.md", 2, 9, "x"),
        ];
        sort(&mut v);
        let got: Vec<_> = v.iter().map(|d| d.location()).collect();
        assert_eq!(got, ["a.md:2:9", "a.md:5:1", "b.md:1:1"]);
    }
}
