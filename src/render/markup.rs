//! Reading attributes out of HTML as browsers would, for the ids a page has: the theme's
//! templates (which a body's headings must avoid) and the pages `check` links into.

use std::borrow::Cow;

/// `markup` without its HTML comments (`<!-- <p id="old"> -->` writes no element).
pub(crate) fn without_comments(markup: &str) -> Cow<'_, str> {
    if !markup.contains("<!--") {
        return Cow::Borrowed(markup);
    }
    let mut out = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            // An unclosed comment runs to the end, as in a browser.
            None => rest = "",
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The byte offset and the (undecoded) value of each attribute `name` (ASCII lower case) in
/// `markup`, as HTML reads attribute names: in any case (`ID="x"`), with spaces around the `=`,
/// the value in either quote or none. The value must be all there: `id="year-` (an expression
/// follows in a template) is none. Whether the attribute is inside a tag is the caller's to ask.
pub(crate) fn attr_values<'a>(markup: &'a str, name: &'static str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let bytes = markup.as_bytes();
    let first = name.as_bytes()[0];
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), bytes)
        .filter(move |&at| bytes.get(at..at + name.len()).is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes())))
        .filter_map(move |at| {
            // `data-id=`, `grid=`: part of another name.
            if !markup[..at].chars().next_back().is_some_and(char::is_whitespace) {
                return None;
            }
            let value = markup[at + name.len()..].trim_start().strip_prefix('=')?.trim_start();
            let value = match value.chars().next()? {
                q @ ('"' | '\'') => value[1..].find(q).map(|end| &value[1..1 + end]),
                _ => value.find(|c: char| c.is_whitespace() || c == '>').map(|end| &value[..end]),
            }?;
            (!value.is_empty()).then_some((at, value))
        })
}

/// Whether `at` is inside a tag (`<p id=…>`) rather than in text (`id=3 の設定`).
pub(crate) fn in_tag(markup: &str, at: usize) -> bool {
    let before = &markup.as_bytes()[..at];
    memchr::memrchr2(b'<', b'>', before).is_some_and(|i| before[i] == b'<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_in_any_case_spacing_and_quote() {
        let html = r#"<p ID="a"><b id = 'b'><i id=c><em data-id="no">"#;
        let ids: Vec<&str> = attr_values(html, "id").map(|(_, v)| v).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        let split = "<em data-id=\"no\" id=\"d-";
        assert_eq!(attr_values(split, "id").count(), 0, "a value cut by an expression is none");
        assert_eq!(attr_values("<s\nid=\"e\">", "id").map(|(_, v)| v).collect::<Vec<_>>(), ["e"]);
        assert!(attr_values(r#"<p>設定 id="x" は</p>"#, "id").all(|(at, _)| !in_tag(r#"<p>設定 id="x" は</p>"#, at)));
    }

    #[test]
    fn comments_are_left_out() {
        assert_eq!(without_comments("a<!-- <p id=\"q\"> -->b<!-- x"), "ab");
        assert_eq!(without_comments("plain"), "plain");
    }
}
