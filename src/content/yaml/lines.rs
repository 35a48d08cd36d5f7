//! The quickest way, for the front matter nearly every entry has: a map of `key: value` lines,
//! values that are one-line scalars, one-line flow lists and maps (`[a, b]`, `{ from: x, to: y }`)
//! or indented block lists and maps. It reads the text line by line, with no token stream: about
//! 24,000 instructions an entry of the benchmark corpus against 138,000 through the parser's
//! events, which had become the largest single part of reading an entry (13% of a 1,000-entry
//! build's instructions).
//!
//! Anything outside that shape, or that it is not sure YAML reads the same way (comments, tags,
//! anchors, block scalars, multi-line scalars, escapes other than `\"`, `\\` and `\/`, a key
//! without a value, a plain scalar that might be typed differently), returns `None` and the
//! caller takes the events way, and serde-saphyr after it. Tests check that every tree built
//! here is the one serde-saphyr builds, positions included.

use super::events::{plain_key, scalar};
use super::{Node, Spanned};
use serde_saphyr::granit_parser::ScalarStyle;

/// Longer front matter is not the common case this is for.
const MAX_BYTES: usize = 64 * 1024;
/// Block nesting, well inside serde-saphyr's budget (32): beyond it, serde-saphyr decides.
const MAX_DEPTH: usize = 16;

/// One non-blank line: its 1-based number, its indentation in spaces, and its text after that.
#[derive(Clone, Copy)]
struct Line<'a> {
    number: usize,
    indent: usize,
    text: &'a str,
}

pub fn document(yaml: &str) -> Option<Node> {
    if yaml.len() > MAX_BYTES || !plain_text(yaml.as_bytes()) {
        return None;
    }
    let mut lines = Vec::with_capacity(32);
    for (i, raw) in yaml.split('\n').enumerate() {
        let text = raw.trim_start_matches(' ');
        if text.is_empty() {
            continue;
        }
        // Comments, directives and document markers are the parser's.
        if text.starts_with(['#', '%']) || raw.starts_with("---") || raw.starts_with("...") {
            return None;
        }
        lines.push(Line { number: i + 1, indent: raw.len() - text.len(), text });
    }
    let mut reader = Reader { lines, next: 0 };
    if reader.lines.first()?.indent != 0 {
        return None;
    }
    let root = reader.map(0, 0)?;
    (reader.next == reader.lines.len()).then_some(root)
}

/// No tab, carriage return or other control character, no byte order mark, no non-characters
/// and no Unicode line separators: text whose every character is content or `\n`, as YAML and
/// this reader agree on.
fn plain_text(b: &[u8]) -> bool {
    // Without an early exit, so that the compiler can test many bytes at once.
    let control = b.iter().fold(false, |found, &c| found | ((c < b' ') & (c != b'\n')) | (c == 0x7f));
    !control
        && memchr::memchr3_iter(0xc2, 0xe2, 0xef, b).all(|i| match b[i] {
            // C1 controls (U+0080–U+009F, including NEL).
            0xc2 => !matches!(b.get(i + 1), Some(0x80..=0x9f)),
            // U+2028, U+2029 (line and paragraph separators).
            0xe2 => !(b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9))),
            // U+FEFF, U+FFFE, U+FFFF.
            _ => !matches!((b.get(i + 1), b.get(i + 2)), (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))),
        })
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.next).copied()
    }

    /// A block map whose keys are at `indent`, up to the first line indented less.
    fn map(&mut self, indent: usize, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut pairs: Vec<(Spanned<String>, Spanned<Node>)> = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let (name, at) = key(line.text)?;
            if pairs.iter().any(|(k, _)| k.value == name) {
                return None; // an error, worded by serde-saphyr
            }
            let key = Spanned { value: name.to_string(), line: line.number, column: indent + 1 };
            self.next += 1;
            let value = if at == line.text.len() {
                self.nested(indent, depth)?
            } else {
                self.one_line(inline(&line.text[at..], line.number, column(line, at))?, indent)?
            };
            pairs.push((key, value));
        }
        Some(Node::Map(pairs))
    }

    /// `value`, read from one line whose key or dash is at `indent`, if nothing more indented
    /// follows: such lines continue a plain scalar or are errors, either way the parser's.
    fn one_line(&self, value: Spanned<Node>, indent: usize) -> Option<Spanned<Node>> {
        self.peek().is_none_or(|l| l.indent <= indent).then_some(value)
    }

    /// The value of a key with nothing after its colon: a block list or map indented under it.
    /// (A list at the key's own indentation, and a null, are left to the parser.)
    fn nested(&mut self, indent: usize, depth: usize) -> Option<Spanned<Node>> {
        let first = self.peek().filter(|l| l.indent > indent)?;
        let value =
            if is_item(first.text) { self.seq(first.indent, depth + 1)? } else { self.map(first.indent, depth + 1)? };
        Some(Spanned { value, line: first.number, column: first.indent + 1 })
    }

    /// A block list whose dashes are at `indent`. Whatever follows it at the same indentation
    /// is the enclosing map's to judge.
    fn seq(&mut self, indent: usize, depth: usize) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(line) = self.peek().filter(|l| l.indent == indent && is_item(l.text)) {
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() || is_item(rest) {
                return None; // an empty item, or a list in a list
            }
            let at = line.text.len() - rest.len();
            let column = column(line, at);
            if key(rest).is_some() {
                // `- title: …`: a map whose keys line up with this first one. Read the line
                // again as if its dash were indentation.
                let inner = line.indent + at;
                self.lines[self.next] = Line { number: line.number, indent: inner, text: rest };
                let map = self.map(inner, depth + 1)?;
                items.push(Spanned { value: map, line: line.number, column });
            } else {
                self.next += 1;
                items.push(self.one_line(inline(rest, line.number, column)?, indent)?);
            }
        }
        Some(Node::Seq(items))
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// 1-based column, in characters, of byte `at` of the line's text.
fn column(line: Line, at: usize) -> usize {
    line.indent + 1 + chars(&line.text[..at])
}

fn chars(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.chars().count() }
}

/// `name:` or `name: value` → (name, the byte where the value starts, or the text's length).
/// Only plain names that YAML reads as strings.
fn key(text: &str) -> Option<(&str, usize)> {
    let end = text.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))?;
    let name = &text[..end];
    let rest = text[end..].strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) || !plain_key(name, ScalarStyle::Plain) {
        return None;
    }
    let value = rest.trim_start_matches(' ');
    Some((name, if value.is_empty() { text.len() } else { text.len() - value.len() }))
}

/// A one-line value: quoted or plain scalar, flow list or flow map, with nothing after it.
fn inline(text: &str, line: usize, column: usize) -> Option<Spanned<Node>> {
    let text = text.trim_end_matches(' ');
    let (value, used) = match text.as_bytes()[0] {
        b'[' | b'{' => flow(text, line, column)?,
        _ => {
            let (value, used) = scalar_at(text, false)?;
            (Node::Scalar(value), used)
        }
    };
    (used == text.len()).then_some(Spanned { value, line, column })
}

/// A flow list or map on one line, `[a, "b"]` or `{ from: x, to: y }`, with no nesting, comment
/// or trailing comma; `column` is where its bracket is. Returns the node and the bytes it used.
fn flow(text: &str, line: usize, column: usize) -> Option<(Node, usize)> {
    let b = text.as_bytes();
    let close = if b[0] == b'[' { b']' } else { b'}' };
    let mut items = Vec::new();
    let mut pairs: Vec<(Spanned<String>, Spanned<Node>)> = Vec::new();
    let skip = |mut i: usize| {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    let at = |i: usize| column + chars(&text[..i]);
    let mut i = skip(1);
    if b.get(i) != Some(&close) {
        loop {
            if close == b'}' {
                let (name, value_at) = key(&text[i..])?;
                if value_at == text.len() - i || pairs.iter().any(|(k, _)| k.value == name) {
                    return None; // no value on this line, or a duplicate key
                }
                let key = Spanned { value: name.to_string(), line, column: at(i) };
                i += value_at;
                let (value, used) = scalar_at(&text[i..], true)?;
                pairs.push((key, Spanned { value: Node::Scalar(value), line, column: at(i) }));
                i += used;
            } else {
                let (value, used) = scalar_at(&text[i..], true)?;
                items.push(Spanned { value: Node::Scalar(value), line, column: at(i) });
                i += used;
            }
            i = skip(i);
            match b.get(i) {
                Some(b',') => {
                    i = skip(i + 1);
                    if matches!(b.get(i), Some(b']' | b'}')) {
                        return None; // a trailing comma
                    }
                }
                Some(&c) if c == close => break,
                _ => return None,
            }
        }
    }
    let node = if close == b']' { Node::Seq(items) } else { Node::Map(pairs) };
    Some((node, i + 1))
}

/// A quoted or plain scalar at the start of `text`, typed as serde-saphyr types it. In a flow
/// collection a plain scalar ends at `,`, `]` or `}`; in a block it is the whole text. Returns
/// the value and the bytes it used.
fn scalar_at(text: &str, in_flow: bool) -> Option<(serde_json::Value, usize)> {
    let b = text.as_bytes();
    match b.first()? {
        b'"' => {
            let mut out = String::new();
            let (mut run, mut i) = (1, 1);
            loop {
                match *b.get(i)? {
                    b'"' => {
                        out.push_str(&text[run..i]);
                        return Some((out.into(), i + 1));
                    }
                    b'\\' => {
                        out.push_str(&text[run..i]);
                        match *b.get(i + 1)? {
                            c @ (b'"' | b'\\' | b'/') => out.push(c as char),
                            _ => return None,
                        }
                        i += 2;
                        run = i;
                    }
                    _ => i += 1,
                }
            }
        }
        b'\'' => {
            let mut out = String::new();
            let (mut run, mut i) = (1, 1);
            loop {
                if *b.get(i)? != b'\'' {
                    i += 1;
                    continue;
                }
                out.push_str(&text[run..i]);
                if b.get(i + 1) != Some(&b'\'') {
                    return Some((out.into(), i + 1));
                }
                out.push('\'');
                i += 2;
                run = i;
            }
        }
        // Indicators that start something other than a plain scalar; `-` only before a digit
        // (a negative number).
        b'[' | b']' | b'{' | b'}' | b',' | b'?' | b':' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@'
        | b'`' => None,
        b'-' if !b.get(1).is_some_and(u8::is_ascii_digit) => None,
        _ => {
            let end = if in_flow {
                // In a flow collection: no `:`, `#` or quote at all (they have rules of their own
                // there), and the value ends at the next separator.
                let end = b.iter().position(|c| matches!(c, b',' | b']' | b'}')).unwrap_or(b.len());
                if b[..end].iter().any(|c| matches!(c, b':' | b'#' | b'[' | b'{' | b'"' | b'\'')) {
                    return None;
                }
                end
            } else {
                // In a block: `: ` would make it a key and ` #` starts a comment.
                let key_or_comment = memchr::memchr2_iter(b':', b'#', b).any(|i| match b[i] {
                    b':' => b.get(i + 1).is_none_or(|&c| c == b' '),
                    _ => i > 0 && b[i - 1] == b' ',
                });
                if key_or_comment {
                    return None;
                }
                b.len()
            };
            let value = text[..end].trim_end_matches(' ');
            if value.is_empty() {
                return None;
            }
            Some((scalar(value, ScalarStyle::Plain)?, end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so the test needs no dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        /// Mostly the first item, sometimes any.
        fn often<'a>(&mut self, items: &[&'a str]) -> &'a str {
            if self.below(4) == 0 { self.pick(items) } else { items[0] }
        }

        /// Mostly one of the first `USUAL` items, sometimes any.
        fn usual<'a>(&mut self, items: &[&'a str]) -> &'a str {
            if self.below(6) == 0 { self.pick(items) } else { items[self.below(USUAL)] }
        }
    }

    /// Keys, most of them ones the line reader leaves to the parser.
    const KEYS: &[&str] =
        &["title", "tags", "x_1", "date", "k", "true", "y", "on", "2024", "a-b", "'q'", "Title", "null"];
    /// The first few scalars of each list are what the line reader takes; the rest are near misses.
    const USUAL: usize = 5;
    const PLAIN: &[&str] = &[
        "ランサムウェア",
        "a#b",
        "2024-01-30",
        "１２３",
        "-1",
        "a #b",
        "x: y",
        "x:",
        "a:b",
        "http://a.b/c?d=1",
        "- x",
        "-x",
        "--x",
        "007",
        "1.5",
        "-1.5e3",
        "true",
        "Yes",
        "~",
        "null",
        "2024-033",
        "a, b",
        "a,b",
        "[a",
        "a]",
        "{a",
        "a}",
        "'a",
        "a'b",
        "\"a",
        "　全角",
        "ＶＰＮ",
        "a  b",
        "@x",
        "`x",
        "%x",
        "!x",
        "&x",
        "*x",
        "|",
        ">",
        "?x",
        ":x",
        "0x1F",
        ".inf",
        "1e5",
        "+5",
        "1_000",
        "${X}",
        "2,726",
        "1:30",
        "e5",
        "a\\b",
        "x -",
        "ｻﾝﾌﾟﾙ",
        "㈱",
        "?",
        "-",
        "a - b",
    ];
    const QUOTED: &[&str] = &[
        "\"a\\\"b\"",
        "'it''s'",
        "\"ランサム\"",
        "''",
        "\"a: b\"",
        "\"a\\nb\"",
        "\"a\\\\b\"",
        "\"a/b\\/\"",
        "\"\"",
        "\"unterminated",
        "'x' y",
        "\"x\" # c",
        "\"x\"  ",
        "'a, b'",
        "\"[a]\"",
        "'#'",
        "\"\\u3042\"",
        "'a''",
        "\"x\"y",
    ];

    /// The `i`-th key of a map: mostly a distinct usual name, sometimes any (duplicates too).
    fn key_at(r: &mut Rng, i: usize) -> String {
        const NAMES: &[&str] = &["title", "date", "tags", "id", "data", "sources", "url", "x_1", "from", "to"];
        if r.below(8) == 0 { r.pick(KEYS).to_string() } else { NAMES[i % NAMES.len()].to_string() }
    }

    fn scalar(r: &mut Rng) -> String {
        if r.below(3) == 0 { r.usual(QUOTED).to_string() } else { r.usual(PLAIN).to_string() }
    }

    fn flow(r: &mut Rng) -> String {
        let map = r.below(3) == 0;
        let n = r.below(4);
        let sep = r.often(&[", ", ",", " , ", ",  "]);
        let items: Vec<String> =
            (0..n)
                .map(|i| {
                    if map { format!("{}:{}{}", key_at(r, i), r.often(&[" ", "", "  "]), scalar(r)) } else { scalar(r) }
                })
                .collect();
        let (open, close) = if map { ("{", "}") } else { ("[", "]") };
        let pad = r.often(&["", " "]);
        let trailing = if r.below(8) == 0 { "," } else { "" };
        format!("{open}{pad}{}{trailing}{pad}{close}", items.join(sep))
    }

    fn value(r: &mut Rng, indent: usize, depth: usize) -> String {
        let pad = " ".repeat(indent);
        match r.below(if depth > 2 { 3 } else { 6 }) {
            0 | 1 => format!(" {}{}\n", scalar(r), r.often(&["", " ", " # c", "  "])),
            2 => format!(" {}{}\n", flow(r), r.often(&["", " ", " # c"])),
            3 => {
                // A block list: items of scalars or small maps.
                let step = r.often(&["  ", "", "    ", " "]);
                let mut out = String::from("\n");
                for _ in 0..1 + r.below(3) {
                    if r.below(2) == 0 {
                        out.push_str(&format!("{pad}{step}- {}\n", scalar(r)));
                    } else {
                        let keys = 1 + r.below(3);
                        for k in 0..keys {
                            let lead = if k == 0 {
                                format!("{pad}{step}- ")
                            } else {
                                format!("{pad}{step}{}", r.often(&["  ", " ", "   "]))
                            };
                            out.push_str(&format!(
                                "{lead}{}:{}",
                                key_at(r, k),
                                value(r, indent + step.len() + 2, depth + 1)
                            ));
                        }
                    }
                }
                out
            }
            4 => {
                let step = r.often(&["  ", "    ", " "]);
                let mut out = String::from("\n");
                for k in 0..1 + r.below(3) {
                    out.push_str(&format!("{pad}{step}{}:{}", key_at(r, k), value(r, indent + step.len(), depth + 1)));
                }
                out
            }
            _ => r.pick(&["\n", " \n", " |\n  x\n", " >\n  a\n", " &a x\n", " !!str 1\n", " *a\n"]).to_string(),
        }
    }

    fn document(r: &mut Rng) -> String {
        let mut doc = String::new();
        for k in 0..1 + r.below(6) {
            match r.below(16) {
                0 => doc.push('\n'),
                1 => doc.push_str("# comment\n"),
                2 => doc.push_str(&format!(" {}:{}", key_at(r, k), value(r, 1, 0))),
                _ => doc.push_str(&format!("{}:{}", key_at(r, k), value(r, 0, 0))),
            }
        }
        doc
    }

    /// Generated front matter, much of it just outside what the line reader takes: whenever it
    /// builds a tree, serde-saphyr builds the same one, positions included.
    #[test]
    fn agrees_with_serde_saphyr_on_generated_front_matter() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut read, mut total) = (0, 0);
        for _ in 0..20_000 {
            let doc = document(&mut r);
            total += 1;
            if let Some(tree) = super::document(&doc) {
                read += 1;
                assert_eq!(Ok(&tree), super::super::full(&doc).as_ref(), "the line reader differs on:\n{doc}");
            }
        }
        // Enough of them are read here for the comparison to mean something.
        assert!(read * 10 > total, "only {read} of {total} read by lines");
    }

    #[test]
    fn takes_the_usual_front_matter() {
        let doc = "title: \"A社、\\\"カード\\\" 情報\"\nid: \"2024-033\"\ndate: 2024-01-30\ntags: [ランサムウェア, VPN]\n\
                   occurred: { from: 2023-06-05, to: 2023-06-06 }\naffected: 2726\nsources:\n  - title: 公式発表\n    url: \"https://example.org/a\"\n";
        let Some(Node::Map(pairs)) = super::document(doc) else { panic!("not read") };
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.value.as_str()).collect();
        assert_eq!(keys, ["title", "id", "date", "tags", "occurred", "affected", "sources"]);
        assert_eq!(pairs[0].1.value, Node::Scalar("A社、\"カード\" 情報".into()));
        assert_eq!(pairs[5].1.value, Node::Scalar(2726.into()));
        let Node::Seq(tags) = &pairs[3].1.value else { panic!() };
        // Columns count characters, not bytes.
        assert_eq!((tags[1].line, tags[1].column), (4, 17));
        // Nesting beyond its limit is left to serde-saphyr's budget.
        let deep =
            |d: usize| (0..d).map(|i| format!("{}k:\n", " ".repeat(i))).collect::<String>() + &" ".repeat(d) + "k: 1\n";
        assert!(super::document(&deep(10)).is_some() && super::document(&deep(40)).is_none());
        for unsure in ["a: b # c\n", "a: |\n  x\n", "a:\n", "a: x\n  y\n", "a: \"\\u3042\"\n", "a:\n- x\n", "a: 1\r\n"]
        {
            assert!(super::document(unsure).is_none(), "{unsure:?}");
        }
    }
}
