//! The one place that knows the YAML library (serde-saphyr, and granit-parser beneath it).
//!
//! serde_yaml is deprecated upstream; serde-saphyr is pure Rust, maintained, and reports line
//! and column for every error and every value. Front matter is read into a [`Node`] tree that
//! keeps the position of each node. Positions here are relative to the YAML text; the caller
//! adds the front matter's offset in the file.
//!
//! Three ways lead to the same tree, each taking what the previous one is not sure of:
//! - [`lines`]: the usual front matter (`key: value` lines, one-line flow lists and maps, indented
//!   block lists and maps) read line by line, about six times faster than the parser's events;
//! - the parser's events, for plain YAML (no anchor, alias or tag) of any layout: two to three
//!   times faster than serde-saphyr's serde layer, which cost about a tenth of a build's CPU;
//! - serde-saphyr itself, for anything else, any scalar whose type the others are not sure of,
//!   and every error, so the meaning of a document and every message stay serde-saphyr's.
//!
//! Tests check that all three agree, positions included, on every saved fuzz input and fixture,
//! and the line reader also on generated front matter.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

/// How deep front matter may nest (maps and lists inside each other).
pub(crate) const MAX_DEPTH: usize = 32;

/// A value with the 1-based line and column (in the YAML text) where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
    pub column: usize,
}

impl<T> Spanned<T> {
    /// Another value at the same position.
    pub fn with<U>(&self, value: U) -> Spanned<U> {
        Spanned { value, line: self.line, column: self.column }
    }
}

/// A YAML value with the position of every node in it, so that a bad list item is reported at
/// its own line. (serde_json::Value would keep only the position of the whole value.)
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(serde_json::Value),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    /// The plain value, for fields typed later (`affected`, `occurred`, `extra`).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Node::Scalar(v) => v.clone(),
            Node::Seq(items) => serde_json::Value::Array(items.iter().map(|i| i.value.to_value()).collect()),
            Node::Map(pairs) => {
                serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.value.clone(), v.value.to_value())).collect())
            }
        }
    }
}

/// A YAML error at a 1-based position inside the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    /// The library's one-line description, without its own position prefix.
    pub message: String,
}

mod lines;

/// Parses one YAML document into a [`Node`].
pub fn parse(yaml: &str) -> Result<Node, YamlError> {
    match lines::document(yaml).or_else(|| events::document(yaml)) {
        Some(node) => Ok(node),
        None => full(yaml),
    }
}

/// The serde-saphyr way, for every document.
fn full(yaml: &str) -> Result<Node, YamlError> {
    from_str::<saphyr::Node>(yaml).map(saphyr::Node::into_node)
}

pub fn from_str<T: DeserializeOwned>(yaml: &str) -> Result<T, YamlError> {
    // Front matter is shallow; a tight nesting budget turns a hostile document into an error
    // long before the recursive deserializers could exhaust a thread's stack.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    // `.inf` and `.nan` as text: front matter has no float field, and a title such as `.inf`
    // is kept as written (the default policy refuses the document).
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: Some(budget),
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
    };
    serde_saphyr::from_str_with_options(yaml, options).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        YamlError { line: line.max(1), column: column.max(1), message: short_message(&e.to_string()) }
    })
}

/// Line and column (1-based, in the YAML text) of a spanned value.
pub fn position<T>(value: &Spanned<T>) -> (usize, usize) {
    (value.line, value.column)
}

/// The tree as serde-saphyr deserializes it.
mod saphyr {
    use super::Deserialize;
    use serde_saphyr::Spanned;

    pub enum Node {
        Scalar(serde_json::Value),
        Seq(Vec<Spanned<Node>>),
        Map(Vec<(Spanned<String>, Spanned<Node>)>),
    }

    fn spanned<T, U>(s: Spanned<T>, f: impl FnOnce(T) -> U) -> super::Spanned<U> {
        super::Spanned { value: f(s.value), line: s.referenced.line() as usize, column: s.referenced.column() as usize }
    }

    impl Node {
        pub fn into_node(self) -> super::Node {
            match self {
                Node::Scalar(v) => super::Node::Scalar(v),
                Node::Seq(items) => super::Node::Seq(items.into_iter().map(|i| spanned(i, Node::into_node)).collect()),
                Node::Map(pairs) => super::Node::Map(
                    pairs.into_iter().map(|(k, v)| (spanned(k, |k| k), spanned(v, Node::into_node))).collect(),
                ),
            }
        }
    }

    impl<'de> Deserialize<'de> for Node {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Node;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a YAML value")
                }
                fn visit_unit<E>(self) -> Result<Node, E> {
                    Ok(Node::Scalar(serde_json::Value::Null))
                }
                fn visit_none<E>(self) -> Result<Node, E> {
                    Ok(Node::Scalar(serde_json::Value::Null))
                }
                fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
                    Ok(Node::Scalar(b.into()))
                }
                fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
                    Ok(Node::Scalar(n.into()))
                }
                fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
                    Ok(Node::Scalar(n.into()))
                }
                fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
                    Ok(Node::Scalar(
                        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number),
                    ))
                }
                fn visit_str<E>(self, s: &str) -> Result<Node, E> {
                    Ok(Node::Scalar(s.into()))
                }
                fn visit_string<E>(self, s: String) -> Result<Node, E> {
                    Ok(Node::Scalar(s.into()))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                    let mut out = Vec::new();
                    while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                        out.push(item);
                    }
                    Ok(Node::Seq(out))
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                    let mut out = Vec::new();
                    while let Some(k) = map.next_key::<Spanned<String>>()? {
                        out.push((k, map.next_value::<Spanned<Node>>()?));
                    }
                    Ok(Node::Map(out))
                }
            }
            d.deserialize_any(V)
        }
    }
}

/// The fast way: the parser's events straight into a [`Node`]. Returns `None` for whatever it
/// does not handle exactly as serde-saphyr would, and the caller falls back.
mod events {
    use super::*;

    /// Well inside serde-saphyr's budget (depth 32, 250,000 nodes, 64 MiB of scalars), so that
    /// nothing it would refuse is accepted here: beyond these, it decides.
    const MAX_FAST_DEPTH: usize = 16;
    const MAX_FAST_NODES: usize = 10_000;
    const MAX_FAST_BYTES: usize = 1 << 20;

    pub fn document(yaml: &str) -> Option<Node> {
        if yaml.len() > MAX_FAST_BYTES {
            return None;
        }
        let mut p = Parser::new_from_str(yaml);
        let mut nodes = 0;
        let mut next = move || {
            nodes += 1;
            if nodes > MAX_FAST_NODES { None } else { p.next_event().and_then(Result::ok) }
        };
        if !matches!(next()?.0, Event::StreamStart) || !matches!(next()?.0, Event::DocumentStart(..)) {
            return None;
        }
        let first = next()?;
        // Only a map: another root is an error, and serde-saphyr words it.
        if !matches!(first.0, Event::MappingStart(..)) {
            return None;
        }
        let root = node(first, &mut next, 1)?;
        if !matches!(next()?.0, Event::DocumentEnd) || !matches!(next()?.0, Event::StreamEnd) || next().is_some() {
            return None;
        }
        Some(root.value)
    }

    fn at(span: &Span) -> (usize, usize) {
        (span.start.line(), span.start.col() + 1)
    }

    fn node<'i>(
        (event, span): (Event<'i>, Span),
        next: &mut impl FnMut() -> Option<(Event<'i>, Span)>,
        depth: usize,
    ) -> Option<Spanned<Node>> {
        let (line, column) = at(&span);
        let value = match event {
            Event::Scalar(text, style, 0, None) => Node::Scalar(scalar(&text, style)?),
            Event::SequenceStart(_, anchor, None) if anchor == 0 && depth < MAX_FAST_DEPTH => {
                let mut items = Vec::new();
                loop {
                    let item = next()?;
                    if matches!(item.0, Event::SequenceEnd) {
                        break;
                    }
                    items.push(node(item, next, depth + 1)?);
                }
                Node::Seq(items)
            }
            Event::MappingStart(_, anchor, None) if anchor == 0 && depth < MAX_FAST_DEPTH => {
                let mut pairs: Vec<(Spanned<String>, Spanned<Node>)> = Vec::new();
                loop {
                    let (key, key_span) = next()?;
                    let key = match key {
                        Event::MappingEnd => break,
                        Event::Scalar(text, style, 0, None) if plain_key(&text, style) => text.into_owned(),
                        _ => return None,
                    };
                    // A duplicate key is an error (serde-saphyr's).
                    if pairs.iter().any(|(k, _)| k.value == key) {
                        return None;
                    }
                    let (line, column) = at(&key_span);
                    let value = node(next()?, next, depth + 1)?;
                    pairs.push((Spanned { value: key, line, column }, value));
                }
                Node::Map(pairs)
            }
            _ => return None,
        };
        Some(Spanned { value, line, column })
    }

    /// A key that is plainly a name (`title`, `follows`, `extra` keys): not a merge key, and
    /// nothing serde-saphyr could read as another type.
    pub(super) fn plain_key(text: &str, style: ScalarStyle) -> bool {
        let name = text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && text.starts_with(|c: char| c.is_ascii_alphabetic());
        // A name (letters, digits, `_`, a letter first) is typed as a string by `scalar` unless
        // it is one of its words.
        (name && !typed_word(text))
            || (matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
                && !text.is_empty()
                && text != "<<")
    }

    /// Plain scalars read as null (only these spellings), as booleans (in any case), and as
    /// special floats (in any case, after an optional sign).
    const NULL_WORDS: [&str; 3] = ["null", "Null", "NULL"];
    const TRUE_WORDS: [&str; 4] = ["true", "yes", "y", "on"];
    const FALSE_WORDS: [&str; 4] = ["false", "no", "n", "off"];
    const FLOAT_WORDS: [&str; 3] = ["inf", "infinity", "nan"];

    /// Whether `text` is one of the words above, so not a string.
    fn typed_word(text: &str) -> bool {
        let any_case = |words: &[&str], t: &str| words.iter().any(|w| t.eq_ignore_ascii_case(w));
        NULL_WORDS.contains(&text)
            || any_case(&TRUE_WORDS, text)
            || any_case(&FALSE_WORDS, text)
            || any_case(&FLOAT_WORDS, text.trim_start_matches(['+', '-']))
    }

    /// The value of an untagged scalar, as serde-saphyr's `deserialize_any` types it (YAML 1.1
    /// booleans, nulls, integers, floats; other text is a string); `None` when unsure.
    pub fn scalar(text: &str, style: ScalarStyle) -> Option<serde_json::Value> {
        if !matches!(style, ScalarStyle::Plain) {
            return Some(text.into());
        }
        let b = text.as_bytes();
        if memchr::memchr_iter(b'$', b).any(|i| b.get(i + 1) == Some(&b'{')) {
            return None; // property interpolation
        }
        // Every other word below starts with an ASCII character.
        if b.first().is_some_and(|&c| c >= 0x80) {
            return Some(text.into());
        }
        if matches!(text, "" | "~") || NULL_WORDS.contains(&text) {
            return Some(serde_json::Value::Null);
        }
        for (words, b) in [(TRUE_WORDS, true), (FALSE_WORDS, false)] {
            if words.iter().any(|w| text.eq_ignore_ascii_case(w)) {
                return Some(b.into());
            }
        }
        let digits = b.strip_prefix(b"-").unwrap_or(b);
        if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
            // Plain decimal integers; leading zeros, `-0` and `+` are left to serde-saphyr.
            if digits[0] == b'0' && (digits.len() > 1 || b.len() > digits.len()) {
                return None;
            }
            return Some(if b[0] == b'-' {
                text.parse::<i64>().ok()?.into()
            } else {
                text.parse::<u64>().ok()?.into()
            });
        }
        // Text no number can be written with: a character outside number syntax, or a sign in
        // the middle (`2024-01-30`, `2024-033`) other than an exponent's.
        let numeric_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-' | b':');
        let inner_sign = b
            .iter()
            .enumerate()
            .any(|(i, &c)| i > 0 && matches!(c, b'+' | b'-') && !matches!(b[i - 1], b'e' | b'E' | b'p' | b'P'));
        let word = b[0].is_ascii_alphabetic()
            && !FLOAT_WORDS.iter().any(|w| text.trim_start_matches(['+', '-']).eq_ignore_ascii_case(w));
        if !b.iter().all(|&c| numeric_char(c)) || inner_sign || word {
            return Some(text.into());
        }
        None
    }
}
/// `error: line 2 column 8: invalid boolean` and its snippet → `invalid boolean`.
fn short_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error:").unwrap_or(first).trim();
    // Drop the library's own "line N column M:" prefix; we print the file position ourselves.
    let without_pos = match first.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(first, |(_, msg)| msg),
        None => first,
    };
    // Advice meant for programmers using the library is noise for an editor.
    let cleaned = without_pos.split(", set DuplicateKeyPolicy").next().unwrap_or(without_pos);
    let cleaned = cleaned.split("; use from_str_multiple").next().unwrap_or(cleaned);
    // Without a snippet the library appends the position instead: "... at line 2, column 4".
    let cleaned = match cleaned.rfind(" at line ") {
        Some(i) if cleaned[i..].contains(", column ") => &cleaned[..i],
        _ => cleaned,
    };
    cleaned.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        #[allow(dead_code)]
        a: Option<String>,
        #[allow(dead_code)]
        b: Option<bool>,
    }

    #[test]
    fn errors_carry_position_and_a_short_message() {
        let e = from_str::<T>("a: x\nb: maybe\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        assert_eq!(e.message, "invalid boolean");
        let e = from_str::<T>("a: x\na: y\n").unwrap_err();
        assert_eq!(e.message, "duplicate mapping key: a");
        let e = from_str::<T>("c: 1\n").unwrap_err();
        assert!(e.message.starts_with("unknown field `c`"), "{}", e.message);
        // The fast way leaves errors to serde-saphyr.
        let e = parse("a: x\na: y\n").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "duplicate mapping key: a"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep).is_err());
        let mut block = String::from("a:\n");
        for i in 0..5_000 {
            block.push_str(&" ".repeat(i + 1));
            block.push_str("- \n");
        }
        assert!(parse(&block).is_err());
    }

    #[test]
    fn spans_are_one_based() {
        let Node::Map(pairs) = parse("a: ランサム\nb:\n  - x\n").unwrap() else { panic!() };
        assert_eq!(position(&pairs[0].0), (1, 1));
        assert_eq!(position(&pairs[0].1), (1, 4));
        let Node::Seq(items) = &pairs[1].1.value else { panic!() };
        assert_eq!(position(&items[0]), (3, 5));
    }

    /// The fast way's tree, or `None` when it left the document to serde-saphyr; panics when it
    /// built a tree serde-saphyr would not.
    fn agreed(yaml: &str) -> Option<Node> {
        let full = full(yaml);
        let lines = lines::document(yaml);
        if let Some(tree) = &lines {
            assert_eq!(Ok(tree), full.as_ref(), "the line reader differs from serde-saphyr on:\n{yaml}");
        }
        let events = events::document(yaml);
        if let Some(tree) = &events {
            assert_eq!(Ok(tree), full.as_ref(), "the events way differs from serde-saphyr on:\n{yaml}");
        }
        events.or(lines)
    }

    #[test]
    fn scalars_are_typed_as_serde_saphyr_types_them() {
        let plain = [
            "ランサムウェア",
            "2024-01-30",
            "2024-033",
            "https://example.org/a?b=1#c",
            "2,726",
            "1 000",
            "Emotet",
            "true",
            "True",
            "yes",
            "No",
            "y",
            "n",
            "on",
            "OFF",
            "null",
            "Null",
            "~",
            "",
            "0",
            "7",
            "-12",
            "2726",
            "18446744073709551615",
            "-9223372036854775808",
            "007",
            "-0",
            "+5",
            "1_000",
            "0x1F",
            "0o17",
            "0b101",
            "1.5",
            "-1.5e3",
            "1e999",
            ".inf",
            "-.Inf",
            ".NaN",
            "inf",
            "nan",
            "Infinity",
            "e5",
            "1e-5",
            "1:30",
            "12:30:00",
            "a-b",
            "x+y",
            "3-2",
            "${HOME}",
            "a#b",
            "Ｄｏｓ",
            "１２３",
        ];
        let mut fast = 0;
        for text in plain {
            for yaml in [format!("k: {text}\n"), format!("k: [{text}]\n"), format!("'{text}': 1\n")] {
                if agreed(&yaml).is_some() {
                    fast += 1;
                }
            }
        }
        // Most of these are typed without serde-saphyr (the rest fall back, still correct).
        assert!(fast > plain.len(), "only {fast} took the fast way");
        for quoted in ["'true'", "\"12\"", "'~'", "|\n  x\n", ">\n  a\n  b\n", "\"\\u3042\""] {
            assert!(agreed(&format!("k: {quoted}\n")).is_some(), "{quoted}");
        }
        // Anchors, aliases, tags, merge keys and non-map roots are serde-saphyr's.
        // Nesting beyond the fast way's own limit is left to serde-saphyr's budget.
        let nested = |d: usize| format!("a: {}{}\n", "[".repeat(d), "]".repeat(d));
        assert!(agreed(&nested(8)).is_some());
        assert!(events::document(&nested(20)).is_none() && parse(&nested(20)).is_ok());
        assert!(parse(&nested(40)).is_err());
        for yaml in ["a: &x 1\nb: *x\n", "a: !!str 1\n", "a: {b: 1}\n<<: {c: 2}\n", "- a\n", "a\n", "? [a]\n: b\n"] {
            assert!(events::document(yaml).is_none(), "{yaml}");
        }
    }

    /// Every front matter the tests and the fuzzers saved: the fixtures, the sample site, the
    /// fuzz corpus and its regressions.
    #[test]
    fn fast_and_full_agree_on_every_saved_input() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut quick, mut fast, mut fallback, mut files) = (0, 0, 0, 0);
        // CASEBOOK_YAML_CORPUS adds a directory, e.g. a benchmark corpus of ../shared/bench.
        let extra = std::env::var("CASEBOOK_YAML_CORPUS").ok();
        let dirs =
            ["tests/fixtures", "content", "fuzz/corpus/frontmatter", "fuzz/corpus/site_build", "fuzz/regressions"];
        for dir in dirs.iter().copied().chain(extra.as_deref()) {
            for item in walkdir::WalkDir::new(root.join(dir)).into_iter().filter_map(Result::ok) {
                // Every entry of the sample site is plain front matter: the fast way must take it.
                let sample = dir == "content" && item.path().extension().is_some_and(|e| e == "md");
                let shown = item.path().display();
                let Ok(text) = std::fs::read_to_string(item.path()) else {
                    assert!(!sample, "{shown} is unreadable");
                    continue;
                };
                let Ok(split) = super::super::frontmatter::split(&text) else {
                    assert!(!sample, "{shown} has no front matter");
                    continue;
                };
                files += 1;
                if lines::document(split.yaml).is_some() {
                    quick += 1;
                } else {
                    assert!(!sample, "{shown} is not read by the line reader");
                }
                match agreed(split.yaml) {
                    Some(_) => fast += 1,
                    None => {
                        assert!(!sample, "{shown} fell back");
                        fallback += 1;
                    }
                }
            }
        }
        assert!(files > 300, "only {files} inputs found");
        println!("{files} front matters: {quick} by lines, {fast} by events, {fallback} through serde-saphyr");
        assert!(fast > fallback, "{fast} fast, {fallback} fell back");
    }
}
