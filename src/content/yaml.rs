//! The one place that knows the YAML library (serde-saphyr).
//!
//! serde_yaml is deprecated upstream; serde-saphyr is pure Rust, maintained, and reports line
//! and column for every error and for [`Spanned`] values. Positions here are relative to the
//! YAML text; the caller adds the front matter's offset in the file.

use serde::de::DeserializeOwned;

pub use serde_saphyr::Spanned;

/// How deep front matter may nest (maps and lists inside each other).
const MAX_DEPTH: usize = 32;

/// A YAML error at a 1-based position inside the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    /// The library's one-line description, without its own position prefix.
    pub message: String,
}

pub fn from_str<T: DeserializeOwned>(yaml: &str) -> Result<T, YamlError> {
    // Front matter is shallow; a tight nesting budget turns a hostile document into an error
    // long before the recursive deserializers could exhaust a thread's stack.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    let options = serde_saphyr::options! { with_snippet: false, budget: Some(budget) };
    serde_saphyr::from_str_with_options(yaml, options).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        YamlError { line: line.max(1), column: column.max(1), message: short_message(&e.to_string()) }
    })
}

/// Line and column (1-based, in the YAML text) of a spanned value.
pub fn position<T>(value: &Spanned<T>) -> (usize, usize) {
    (value.referenced.line() as usize, value.referenced.column() as usize)
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
        a: Option<Spanned<String>>,
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
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(from_str::<serde_json::Value>(&deep).is_err());
        let mut block = String::from("a:\n");
        for i in 0..5_000 {
            block.push_str(&" ".repeat(i + 1));
            block.push_str("- \n");
        }
        assert!(from_str::<serde_json::Value>(&block).is_err());
    }

    #[test]
    fn spans_are_one_based() {
        let t: T = from_str("a: ランサム\n").unwrap();
        assert_eq!(position(t.a.as_ref().unwrap()), (1, 4));
    }
}
