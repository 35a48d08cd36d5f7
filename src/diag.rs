//! Diagnostics: one problem in one input file, with its position.
//!
//! Every layer that reads user input (config, content, templates) reports through this type so
//! that `build`, `check` and `serve` print the same `path:line:col: error: ...` lines, sorted the
//! same way, and the serve overlay can show them too.

use std::fmt;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthChar;

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
    /// Whether it is a warning: the run goes on and succeeds.
    pub warning: bool,
    /// The files of the site the message names besides `path` (a draft, the entry that has an id
    /// first), written there as `path` is, relative to the site root: shown from elsewhere, they
    /// move with it ([`Diagnostic::rebased`]), so that every path of one diagnostic leads from
    /// the same place.
    pub named: Vec<PathBuf>,
}

impl Diagnostic {
    pub fn new(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            column,
            message: message.into(),
            source_line: None,
            warning: false,
            named: Vec::new(),
        }
    }

    /// Says that the message names `file` (relative to the site root, written as its `display()`).
    pub fn naming(mut self, file: impl Into<PathBuf>) -> Self {
        self.named.push(file.into());
        self
    }

    /// The same, with its path and the files its message names shown under `base` (`site/` for
    /// `--root site`), those of them that `of_site` takes for files of the site: a name that is
    /// no file (the built-in theme's) stays as it is.
    pub fn rebased(mut self, base: &Path, of_site: impl Fn(&Path) -> bool) -> Self {
        if of_site(&self.path) {
            self.path = base.join(&self.path);
        }
        for named in &mut self.named {
            if of_site(named) {
                let moved = base.join(&*named);
                self.message = replace_path(&self.message, &named.display().to_string(), &moved.display().to_string());
                *named = moved;
            }
        }
        self
    }

    /// The same, as a warning.
    pub fn as_warning(mut self) -> Self {
        self.warning = true;
        self
    }

    /// `error` or `warning`.
    pub fn severity(&self) -> &'static str {
        if self.warning { "warning" } else { "error" }
    }

    /// A diagnostic about the whole file (no position inside it).
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(path, 0, 0, message)
    }

    /// Attaches the text of `line` from `source` so the reader sees it without opening the file.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.source_line = source.lines().nth(self.line - 1).map(shown_line);
        }
        self
    }

    /// `path:line:col`, or just `path` when the position is unknown.
    pub fn location(&self) -> String {
        if self.path.as_os_str().is_empty() {
            // A problem of the run itself (threads, the terminal), not of a file.
            "casebook".to_string()
        } else if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column.max(1))
        }
    }

    /// The part of the shown source line before the column: what the caret has to be moved past.
    pub fn caret_prefix(&self) -> Option<String> {
        self.source_line.as_deref().map(|src| window(src, self.column).1)
    }

    fn sort_key(&self) -> (&Path, usize, usize, &str) {
        (&self.path, self.line, self.column, &self.message)
    }

    /// The text as displayed, up to where the caret line's padding begins (all of it when there
    /// is no source line). The serve overlay pads with an invisible copy of [`caret_prefix`]
    /// instead of blanks: few fonts draw a kanji exactly two blanks wide.
    ///
    /// [`caret_prefix`]: Diagnostic::caret_prefix
    pub fn text_before_caret(&self) -> String {
        // A message quotes what was written, which may hold an ESC: drawn as in the source line,
        // so that it moves no cursor (a line end stays, for messages of several lines).
        let shown = |text: &str| text.split('\n').map(shown_line).collect::<Vec<_>>().join("\n");
        let mut s = format!("{}: {}: {}", shown(&self.location()), self.severity(), shown(&self.message));
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let (shown, _) = window(src, self.column);
            s.push_str(&format!("\n{pad} |\n{num} | {shown}\n{pad} | "));
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_before_caret())?;
        if let Some(prefix) = self.caret_prefix() {
            write!(f, "{}^", caret_padding(&prefix))?;
        }
        Ok(())
    }
}

/// `message` with every place that names the path `from` naming `to`: where `from` stands whole,
/// between a start (the message's, a blank, `(` or a quote) and an end (the message's, a blank,
/// `)`, `,`, `:`, `;`, a quote, or a `.` that ends a sentence), so that `content/a.md` in
/// `content/a.md.bak` or `/cb/content/a.md` is left alone.
fn replace_path(message: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return message.to_string();
    }
    let starts = |c: Option<char>| c.is_none_or(|c| c == ' ' || c == '(' || "`'\"".contains(c));
    let ends = |rest: &str| {
        let mut chars = rest.chars();
        match chars.next() {
            None => true,
            Some('.') => chars.next().is_none_or(char::is_whitespace),
            Some(c) => c.is_whitespace() || "),:;`'\"".contains(c),
        }
    };
    let mut out = String::with_capacity(message.len() + to.len());
    let mut done = 0;
    for (at, _) in message.match_indices(from) {
        let end = at + from.len();
        if at < done || !starts(message[..at].chars().next_back()) || !ends(&message[end..]) {
            continue;
        }
        out.push_str(&message[done..at]);
        out.push_str(to);
        done = end;
    }
    out.push_str(&message[done..]);
    out
}

/// A source line as it can be printed to a terminal: without the line end, and with each control
/// character but a tab drawn as its picture (U+2400 + code, `␛` for ESC): printed raw, ESC would
/// start a terminal escape sequence and a lone CR would move the cursor over the line. One
/// character stays one character, so the column still points at it.
fn shown_line(line: &str) -> String {
    line.trim_end_matches('\r')
        .chars()
        .map(|c| match c {
            '\t' => c,
            '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\x7f' => '\u{2421}',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Longest source line shown whole, in characters; a longer one (a minified table, a pasted
/// blob) is shown as the part around the column, so that one error is not pages of text.
const MAX_SHOWN: usize = 160;

/// The part of `src` to show, and the part of that before the 1-based `column`.
fn window(src: &str, column: usize) -> (String, String) {
    let at = column.saturating_sub(1);
    if src.len() <= MAX_SHOWN {
        let end = src.char_indices().nth(at).map_or(src.len(), |(i, _)| i);
        return (src.to_string(), src[..end].to_string());
    }
    let chars: Vec<char> = src.chars().collect();
    let at = at.min(chars.len());
    let start = at.saturating_sub(MAX_SHOWN / 2);
    let end = (start + MAX_SHOWN).min(chars.len());
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let shown = format!("{lead}{}{tail}", chars[start..end].iter().collect::<String>());
    (shown, format!("{lead}{}", chars[start..at].iter().collect::<String>()))
}

/// Blanks that take up as many terminal columns as `prefix` does: a terminal draws East Asian
/// Wide and Fullwidth characters (all of Japanese but half-width kana) two columns wide, so one
/// space a character would leave the caret under the wrong character. Tabs stay tabs: the caret
/// line's margin is as wide as the source line's, so they reach the same tab stops.
fn caret_padding(prefix: &str) -> String {
    let mut pad = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if c == '\t' {
            pad.push('\t');
        } else {
            // Control characters have no width of their own; combining marks have none either.
            let width = c.width().unwrap_or(0);
            pad.extend(std::iter::repeat_n(' ', width));
        }
    }
    pad
}

/// A file that is not UTF-8, at the line and column of its first bad byte.
pub fn not_utf8(path: impl Into<PathBuf>, e: &std::string::FromUtf8Error) -> Diagnostic {
    let at = e.utf8_error().valid_up_to();
    let valid = String::from_utf8_lossy(&e.as_bytes()[..at]);
    let (line, col) = line_col(&valid, at);
    let message = match encoding_guess(e.as_bytes()) {
        Some(encoding) => {
            format!("the file is not valid UTF-8 (it looks like {encoding}), expected UTF-8 text: save it as UTF-8")
        }
        None => "the file is not valid UTF-8, expected UTF-8 text".to_string(),
    };
    Diagnostic::new(path, line, col, message)
}

/// The encoding a file that is no UTF-8 most likely is in, when it can be told: UTF-16 by its
/// byte-order mark or its NULs, or one of the older Japanese encodings by its byte pairs (what
/// Windows and older editors save Japanese text in).
fn encoding_guess(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xff, 0xfe]) || b.starts_with(&[0xfe, 0xff]) {
        return Some("UTF-16, by its byte-order mark");
    }
    let sample = &b[..b.len().min(4096)];
    if sample.len() >= 4 && sample.iter().filter(|&&c| c == 0).count() * 4 >= sample.len() {
        return Some("UTF-16, by its NUL bytes");
    }
    // Every byte past ASCII in a two-byte pair of the encoding (and, for Shift_JIS, half-width
    // katakana alone), and at least one pair.
    let pairs = |lead: fn(u8) -> bool, trail: fn(u8) -> bool, single: fn(u8) -> bool| {
        let (mut i, mut seen) = (0, false);
        while i < b.len() {
            match b[i] {
                c if c < 0x80 => i += 1,
                c if single(c) => i += 1,
                c if lead(c) && b.get(i + 1).is_some_and(|&t| trail(t)) => {
                    seen = true;
                    i += 2;
                }
                _ => return false,
            }
        }
        seen
    };
    if pairs(|c| matches!(c, 0xa1..=0xfe | 0x8e), |t| matches!(t, 0xa1..=0xfe), |_| false) {
        Some("EUC-JP (or Shift_JIS), an older Japanese encoding")
    } else if pairs(
        |c| matches!(c, 0x81..=0x9f | 0xe0..=0xfc),
        |t| matches!(t, 0x40..=0x7e | 0x80..=0xfc),
        |c| matches!(c, 0xa1..=0xdf),
    ) {
        Some("Shift_JIS, the encoding Windows editors save Japanese in")
    } else {
        None
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

    /// A message quotes what was written: an ESC in it would start a terminal escape sequence.
    #[test]
    fn a_message_prints_no_control_character() {
        let d = Diagnostic::new("a.md", 2, 1, "`follows` names `a\u{1b}[31mRED`, expected an entry".to_string());
        let shown = d.to_string();
        assert!(!shown.contains('\u{1b}') && shown.contains("`a\u{241b}[31mRED`"), "{shown}");
    }

    #[test]
    fn a_file_in_another_encoding_is_named() {
        let guess = |bytes: &[u8]| not_utf8("a.md", &String::from_utf8(bytes.to_vec()).unwrap_err()).message;
        let sjis: &[u8] = b"---\x0atitle: \x8e\x96\x8c\x8f\x82\xcc\x8aT\x97v\x0adate: 2024-01-30\x0a---\x0a\x96{\x95\xb6\x81B\xb6\xc0\xb6\xc5\x0a";
        assert!(guess(sjis).contains("it looks like Shift_JIS"), "{}", guess(sjis));
        let euc: &[u8] = b"---\x0atitle: \xbb\xf6\xb7\xef\xa4\xce\xb3\xb5\xcd\xd7\x0adate: 2024-01-30\x0a---\x0a\xcb\xdc\xca\xb8\xa1\xa3\x8e\xb6\x8e\xc0\x8e\xb6\x8e\xc5\x0a";
        assert!(guess(euc).contains("it looks like EUC-JP"), "{}", guess(euc));
        let utf16: &[u8] = b"\xff\xfe-\x00-\x00-\x00\x0a\x00t\x00i\x00t\x00l\x00e\x00:\x00 \x00\x8bN\xf6Nn0\x82i\x81\x89\x0a\x00d\x00a\x00t\x00e\x00:\x00 \x002\x000\x002\x004\x00-\x000\x001\x00-\x003\x000\x00\x0a\x00-\x00-\x00-\x00\x0a\x00,g\x87e\x020v\xff\x80\xffv\xff\x85\xff\x0a\x00";
        assert!(guess(utf16).contains("UTF-16, by its byte-order mark"), "{}", guess(utf16));
        assert_eq!(guess(b"abc\xff\xff"), "the file is not valid UTF-8, expected UTF-8 text");
    }

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
    fn a_long_line_is_shown_around_the_column() {
        let line = format!("{}ここ{}", "a".repeat(100_000), "b".repeat(100_000));
        let d = Diagnostic::new("a.md", 3, 100_001, "bad").with_source(&format!("x\ny\n{line}\n"));
        let text = d.to_string();
        assert!(text.len() < 1_000, "{} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        let (shown, caret) = (lines[lines.len() - 2], lines[lines.len() - 1]);
        assert!(shown.starts_with("3 | …a") && shown.ends_with("b…"), "{shown}");
        // The caret is under こ, after `…` and 80 a's, one column each.
        assert_eq!(caret.find('^'), Some("3 | ".len() + 1 + 80));
        assert_eq!(shown.chars().nth(4 + 1 + 80), Some('こ'));
    }

    #[test]
    fn the_caret_counts_wide_characters_as_two_columns() {
        // Column 26 is the `:` after the company name; each kanji and katakana takes two columns.
        let d = Diagnostic::new("content/a.md", 5, 26, "bad")
            .with_source("a\nb\nc\nd\norganization: 株式会社東京ヴェルディ: 本社\n");
        assert_eq!(d.caret_prefix().as_deref(), Some("organization: 株式会社東京ヴェルディ"));
        let s = d.to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[2], "5 | organization: 株式会社東京ヴェルディ: 本社");
        assert_eq!(lines[3], format!("  | {}^", " ".repeat(14 + 2 * 11)));
        // Half-width katakana and ASCII are one column, a full-width letter two, a combining
        // mark none.
        let d = Diagnostic::new("a.md", 1, 6, "bad").with_source("ｶﾅＡか\u{3099}: x");
        assert!(d.to_string().ends_with(&format!("| {}^", " ".repeat(2 + 2 + 2))), "{d}");
    }

    #[test]
    fn the_text_before_the_caret_is_the_text_without_its_padding_and_caret() {
        let d = Diagnostic::new("a.md", 1, 3, "bad").with_source("東京: x");
        assert_eq!(d.text_before_caret(), "a.md:1:3: error: bad\n  |\n1 | 東京: x\n  | ");
        assert_eq!(d.to_string(), format!("{}    ^", d.text_before_caret()));
        let d = Diagnostic::file("book.toml", "bad");
        assert_eq!((d.text_before_caret(), d.caret_prefix()), (d.to_string(), None));
    }

    #[test]
    fn control_characters_in_the_source_line_are_drawn_not_sent_to_the_terminal() {
        let d = Diagnostic::new("a.md", 2, 11, "bad").with_source("---\ntitle: \"東京\x1b[2J\x01\rx\"\r\n");
        assert_eq!(d.source_line.as_deref(), Some("title: \"東京␛[2J␁␍x\""));
        assert!(!d.to_string().contains(['\x1b', '\x01', '\r']), "{d:?}");
        // The caret is still under the column's character, ESC's picture here.
        assert_eq!(d.caret_prefix().as_deref(), Some("title: \"東京"));
    }

    #[test]
    fn tabs_before_the_caret_stay_tabs() {
        let d = Diagnostic::new("a.md", 1, 4, "bad").with_source("\t東\tx");
        assert!(d.to_string().ends_with("| \t  \t^"), "{d}");
    }

    #[test]
    fn a_column_past_the_end_of_the_line_puts_the_caret_after_it() {
        let d = Diagnostic::new("a.md", 1, 9, "bad").with_source("日本");
        assert_eq!(d.caret_prefix().as_deref(), Some("日本"));
        assert!(d.to_string().ends_with("|     ^"), "{d}");
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

    #[test]
    fn rebasing_moves_the_files_a_message_names_with_its_own() {
        let message =
            "links to `/cb/content/a.md`, the page of a draft (content/a.md), see content/a.md.bak and content/a.md.";
        let d = Diagnostic::new("content/b.md", 3, 1, message).naming("content/a.md");
        let moved = d.clone().rebased(Path::new("site"), |_| true);
        assert_eq!(moved.location(), "site/content/b.md:3:1");
        assert_eq!(
            moved.message,
            "links to `/cb/content/a.md`, the page of a draft (site/content/a.md), see content/a.md.bak and site/content/a.md."
        );
        assert_eq!(moved.named, [PathBuf::from("site/content/a.md")]);
        // Names that are no file of the site stay as they are, the diagnostic's own too.
        let kept = d.clone().rebased(Path::new("site"), |p| p != Path::new("content/a.md"));
        assert_eq!((kept.location().as_str(), kept.message.as_str()), ("site/content/b.md:3:1", message));
        let d = Diagnostic::new("templates/x.html", 1, 1, "x (rendered from `templates/y.html:4`, from t:2)")
            .naming("templates/y.html")
            .naming("t");
        let moved = d.rebased(Path::new("s"), |p| p != Path::new("t"));
        assert_eq!(moved.message, "x (rendered from `s/templates/y.html:4`, from t:2)");
    }
}
