//! Markdown bodies to HTML, with what the site needs from them on the way: the summary, heading
//! anchors, the links (for `check`) and the length of the text (for reading time).

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::sync::LazyLock;

const MORE: &str = "<!-- more -->";

#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions<'a> {
    /// A soft line break between two CJK characters renders as nothing instead of a space.
    pub east_asian_line_breaks: bool,
    /// The ids the page's templates give their own elements (`main`, the skip link's target):
    /// headings and footnotes avoid them, so that every id on the page stays unique and `#main`
    /// still skips to the content. From [`PageIds`].
    pub page_ids: &'a [String],
}

/// The ids the theme's templates write as they are (`id="main"`), by the pages a body is shown
/// on: an incident's page, an article's (each its own template), and a taxonomy's or term's list
/// page with its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageIds {
    pub incident: Vec<String>,
    pub article: Vec<String>,
    pub list: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// HTML of the part before `<!-- more -->`, else of the first paragraph.
    pub summary_html: String,
    /// How long the text is: the basis of reading time.
    pub length: TextLength,
    /// The headings, in document order: their ids are the anchors `check` knows, and they are
    /// the table of contents templates get.
    pub headings: Vec<Heading>,
    /// Link and image destinations with their byte offsets in the body.
    pub links: Vec<(String, usize)>,
    /// Mistakes only the author can fix, with their byte offsets: an explicit `{#id}` that
    /// repeats an id the page has already.
    pub problems: Vec<(String, usize)>,
}

/// How much there is to read in a text, counted the way each script is read: Japanese (and
/// Chinese) by characters, as they have no spaces between words, and the scripts that separate
/// words with spaces (English, French, Russian...) by words, since a long English word does
/// not take five times as long to read as a short one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextLength {
    /// Characters, whitespace excluded, of every script: what a Japanese 文字数 counts.
    pub chars: usize,
    /// The part of `chars` read one by one: those neither ASCII nor letters of words, which are
    /// kana, kanji, full-width forms, CJK punctuation and symbols (also Hangul, Thai and emoji:
    /// too rare here to be told apart).
    pub single_chars: usize,
    /// Words: runs of letters and digits of the scripts below U+0800 (ASCII, Latin with
    /// accents, Greek, Cyrillic, Hebrew, Arabic), where one of `' - . ,` between two of them
    /// does not end the word (`don't`, `e-mail`, `2024-01-30`, `1,000`, `example.org`). ASCII
    /// punctuation goes with the words and counts for nothing of its own.
    pub words: usize,
}

impl TextLength {
    /// Japanese characters read in a minute: the figure the site has always used.
    pub const CHARS_PER_MINUTE: usize = 600;
    /// English words read silently in a minute: 238 for non-fiction in Brysbaert's meta-analysis
    /// of 190 studies ("How many words do we read per minute?", Journal of Memory and Language
    /// 109, 2019), rounded to 240 so that a word is worth exactly 2.5 characters.
    pub const WORDS_PER_MINUTE: usize = 240;

    /// Minutes to read, rounded up, at least 1. A few ASCII words in Japanese (`VPN`, `2024年`)
    /// are worth about what their letters were as characters: `VPN` 2.5 characters, not 3.
    pub fn reading_minutes(&self) -> usize {
        let (c, w) = (Self::CHARS_PER_MINUTE, Self::WORDS_PER_MINUTE);
        // single_chars / c + words / w, rounded up, in whole numbers.
        (self.single_chars.saturating_mul(w).saturating_add(self.words.saturating_mul(c))).div_ceil(c * w).max(1)
    }

    fn add(&mut self, other: TextLength) {
        self.chars += other.chars;
        self.single_chars += other.single_chars;
        self.words += other.words;
    }
}

/// One heading of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6, as `#` to `######`.
    pub level: u8,
    /// Its id: made from its text, or given as `{#id}`.
    pub id: String,
    /// Its text, without markup.
    pub title: String,
}

fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn render(body: &str, opts: MarkdownOptions) -> Rendered {
    render_among(body, opts, None)
}

/// Renders the text of a list page (a taxonomy's or a term's): its headings also avoid the ids
/// of the list's date headings (`year-2024`, `month-3`), which the page writes below it.
pub fn render_list_text(body: &str, opts: MarkdownOptions) -> Rendered {
    fn list_id(id: &str) -> bool {
        let number = id.strip_prefix("year-").or_else(|| id.strip_prefix("month-"));
        number.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }
    render_among(body, opts, Some(ListIds { taken: list_id, shown: "`year-NNNN`, `month-N` above a list" }))
}

/// Ids a list page writes that its templates do not hold as they are: the date headings'.
struct ListIds {
    taken: fn(&str) -> bool,
    /// How a message names them.
    shown: &'static str,
}

/// Renders `body` with heading ids that are none of the page's own, nor any `list` ids.
fn render_among(body: &str, opts: MarkdownOptions, list: Option<ListIds>) -> Rendered {
    let taken = |id: &str| list.as_ref().is_some_and(|l| (l.taken)(id));
    let mut out = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut first_paragraph: Option<(usize, usize)> = None;
    let mut paragraph_start = None;
    let mut depth = 0usize;
    let mut heading: Option<usize> = None;
    let mut heading_at = 0usize;
    // Where `<!-- more -->` is: an HTML block of its own at the top level, so the text of a code
    // block, or a quote, that shows the marker is not one; nor is one inside raw HTML (a `<div>`
    // opened in one HTML block and closed in a later one), where the summary would be cut with
    // the element left open on every list page.
    let mut more: Option<usize> = None;
    let mut open_elements = 0usize;
    // The last bytes of the text before, where a word may go on: markup inside a word
    // (`un*believ*able`) and pulldown-cmark, which hands text over in pieces at an escape, an
    // entity or a lone `*` (`AT&amp;T`), split one word into events, and it is still one word. A
    // block, a break or raw HTML ends it.
    let mut before = NO_TEXT;
    // Each heading's (start, end) event index, level and byte offset: ids are given once the
    // footnotes are known, whose labels are ids of the page too (`[^1]` is `id="1"`).
    let mut headings: Vec<(usize, usize, u8, usize)> = Vec::new();
    let mut footnotes: Vec<String> = Vec::new();

    let mut footnote_ids = FootnoteIds::default();

    for (mut event, range) in Parser::new_ext(body, parser_options()).into_offset_iter() {
        footnote_ids.fix(&mut event, opts.page_ids);
        if !matches!(
            &event,
            Event::Text(_)
                | Event::Code(_)
                | Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
                | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link)
        ) {
            before = NO_TEXT;
        }
        // Raw HTML's links are the author's links too, for `check`.
        if let Event::Html(t) | Event::InlineHtml(t) = &event
            && t.contains('<')
        {
            let at = range.start + body.get(range.clone()).and_then(|r| r.find(&**t)).unwrap_or(0);
            out.links.extend(crate::url::url_ranges(t).into_iter().map(|r| (t[r.clone()].to_string(), at + r.start)));
        }
        match &event {
            Event::Start(tag) => {
                match tag {
                    Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                        out.links.push((dest_url.to_string(), range.start));
                    }
                    Tag::Heading { .. } => {
                        heading = Some(events.len());
                        heading_at = range.start;
                    }
                    Tag::FootnoteDefinition(label) => footnotes.push(label.to_string()),
                    _ => {}
                }
                if depth == 0 && matches!(tag, Tag::Paragraph) && first_paragraph.is_none() {
                    paragraph_start = Some(events.len());
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                // Only a heading's own end takes it: an emphasis or link inside ends first.
                if let TagEnd::Heading(level) = end
                    && let Some(start) = heading.take()
                {
                    headings.push((start, events.len(), *level as u8, heading_at));
                }
                if depth == 0
                    && matches!(end, TagEnd::Paragraph)
                    && let Some(start) = paragraph_start.take()
                {
                    first_paragraph = Some((start, events.len() + 1));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                out.length.add(text_length(t, before));
                before = last_bytes(before, t.as_bytes());
            }
            Event::Html(t) if depth == 1 && more.is_none() => {
                if t.trim() == MORE && open_elements == 0 {
                    more = Some(range.start);
                } else {
                    open_elements = open_elements.saturating_add_signed(element_balance(t));
                }
            }
            _ => {}
        }
        events.push(event);
    }

    let mut used_ids: Vec<String> = opts.page_ids.iter().cloned().chain(footnotes.iter().cloned()).collect();
    for (start, end, level, at) in headings {
        let title = heading_text(&events[start + 1..end]);
        let made = heading_id(&title, &mut used_ids, taken);
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[start] {
            let id = match slot {
                // An explicit `{#id}` wins; it is used from here on, the made one not. One that
                // repeats an id of the page (`{#main}`) would send its links, and the theme's,
                // to the wrong element: renaming it would break the links written for it.
                Some(explicit) => {
                    used_ids.pop();
                    if used_ids.iter().any(|u| u == explicit.as_ref()) || taken(explicit) {
                        // Which holds it, so that the editor knows what to rename.
                        let holder = if opts.page_ids.iter().any(|u| u == explicit.as_ref()) {
                            let kept: Vec<String> = opts.page_ids.iter().map(|id| format!("`{id}`")).collect();
                            format!(
                                "the page's templates give it to an element of their own (they keep {})",
                                kept.join(", ")
                            )
                        } else if let Some(list) = list.as_ref().filter(|_| taken(explicit)) {
                            format!("the list below the text writes it (it keeps {})", list.shown)
                        } else if footnotes.iter().any(|f| f == explicit.as_ref()) {
                            format!("the footnote `[^{explicit}]` has it")
                        } else {
                            "an earlier heading has it".to_string()
                        };
                        let message = format!("heading id `{explicit}` is taken: {holder}, expected another id");
                        out.problems.push((message, at));
                    }
                    used_ids.push(explicit.to_string());
                    explicit.to_string()
                }
                None => {
                    *slot = Some(CowStr::from(made.clone()));
                    made
                }
            };
            out.headings.push(Heading { level, id, title: title.trim().to_string() });
        }
    }

    if let Some(problem) = forbidden_character(body) {
        out.problems.push(problem);
    }

    if opts.east_asian_line_breaks {
        join_cjk_soft_breaks(&mut events);
    }

    out.html.reserve(body.len() + body.len() / 4);
    pulldown_cmark::html::push_html(&mut out.html, events.iter().cloned());

    if let Some(pos) = more {
        out.summary_html = summary_before_more(&body[..pos], opts);
    } else if let Some((a, b)) = first_paragraph {
        pulldown_cmark::html::push_html(&mut out.summary_html, events[a..b].iter().cloned());
    }
    out
}

/// The part before `<!-- more -->` as list pages and feeds show it. Its headings become bold
/// paragraphs: inside a card a heading would outrank the card's own title, and its id would
/// repeat on every list page holding two such cards.
fn summary_before_more(md: &str, opts: MarkdownOptions) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in Parser::new_ext(md, parser_options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                events.extend([Event::Start(Tag::Paragraph), Event::Start(Tag::Strong)])
            }
            Event::End(TagEnd::Heading(_)) => {
                events.extend([Event::End(TagEnd::Strong), Event::End(TagEnd::Paragraph)])
            }
            other => events.push(other),
        }
    }
    if opts.east_asian_line_breaks {
        join_cjk_soft_breaks(&mut events);
    }
    let mut html = String::with_capacity(md.len() + md.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// The first character of `body` that HTML does not allow in a page (a control character other
/// than whitespace, or a noncharacter such as U+FFFE), with its byte offset: invisible in most
/// editors, pasted in from a PDF or a spreadsheet, and an error in every page that would show it.
/// Found without decoding the text: a byte-wide count finds the ASCII ones, and the others are
/// looked for at their lead bytes, which Japanese text rarely has.
fn forbidden_character(body: &str) -> Option<(String, usize)> {
    let b = body.as_bytes();
    let ascii = |c: u8| (c < 0x20 && !matches!(c, b'\t' | b'\n' | 0x0c | b'\r')) || c == 0x7f;
    let mut first: Option<usize> = None;
    if count_bytes(b, ascii) > 0 {
        first = b.iter().position(|&c| ascii(c));
    }
    // U+0080–U+009F (C2 80–9F), U+FDD0–U+FDEF (EF B7 90–AF), U+FFFE and U+FFFF (EF BF BE–BF), and
    // the two noncharacters at the end of every other plane (F0–F4 .. BF BE–BF).
    let c1 = memchr::memchr_iter(0xc2, b).find(|&i| matches!(b.get(i + 1), Some(0x80..=0x9f)));
    let specials = memchr::memmem::find_iter(b, b"\xef\xb7")
        .find(|&i| matches!(b.get(i + 2), Some(0x90..=0xaf)))
        .into_iter()
        .chain(memchr::memmem::find_iter(b, b"\xef\xbf").find(|&i| matches!(b.get(i + 2), Some(0xbe | 0xbf))))
        .chain(
            [b"\xbf\xbe", b"\xbf\xbf"]
                .into_iter()
                .filter_map(|last| {
                    // Lead, then a second byte ending in F (the plane's last block), then these two.
                    memchr::memmem::find_iter(b, last)
                        .find(|&i| i >= 2 && matches!(b[i - 2], 0xf0..=0xf4) && b[i - 1] & 0x0f == 0x0f)
                })
                .map(|i| i - 2),
        );
    for at in c1.into_iter().chain(specials) {
        first = Some(first.map_or(at, |f| f.min(at)));
    }
    let at = first?;
    let c = body[at..].chars().next()?;
    let what = if c.is_control() { "control character" } else { "noncharacter" };
    let count = body.chars().filter(|&c| is_forbidden(c)).count();
    let more = if count > 1 { format!(" (and {} more in this text)", count - 1) } else { String::new() };
    let message = format!(
        "contains the {what} U+{:04X}{more}, which no HTML page may hold and most editors do not show, expected text (delete it)",
        c as u32
    );
    Some((message, at))
}

/// A character [`forbidden_character`] looks for.
pub(crate) fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\u{c}' | '\r'))
        || (0xfdd0..=0xfdef).contains(&(c as u32))
        || (c as u32 & 0xfffe) == 0xfffe
}

/// What [`text_length`] takes to stand before a text that follows none: no word goes on into it.
const NO_TEXT: [u8; 3] = [b' '; 3];

/// The last three bytes of `before` followed by `text`.
fn last_bytes(before: [u8; 3], text: &[u8]) -> [u8; 3] {
    match *text {
        [.., a, b, c] => [a, b, c],
        [a, b] => [before[2], a, b],
        [a] => [before[1], before[2], a],
        [] => before,
    }
}

/// The [`TextLength`] of `text`, which follows the bytes `before` (where a word may have begun).
///
/// Counted on bytes, in wide vector counts: character starts, ASCII spaces and word starts (a
/// letter or digit after a byte that is not one), `memchr` for the lead bytes of the few other
/// spaces and one prebuilt finder for U+3000, so that most of the text is counted many bytes at a
/// time instead of decoded character by character (that was 4% of a build's instructions).
fn text_length(text: &str, before: [u8; 3]) -> TextLength {
    static IDEOGRAPHIC_SPACE: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("\u{3000}"));
    let b = text.as_bytes();
    // Character starts that are not ASCII whitespace, and those that are not ASCII.
    let chars = count_bytes(b, |c| (c as i8) >= -0x40 && !matches!(c, b'\t'..=b'\r' | b' '));
    let non_ascii = count_bytes(b, |c| c >= 0xc0);
    if non_ascii == 0 {
        return TextLength { chars, single_chars: 0, words: word_starts(b, before, false) };
    }
    let letters = count_bytes(b, lead2);
    // U+0085, U+00A0 (two bytes); U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F.
    let spaces = IDEOGRAPHIC_SPACE.find_iter(b).count()
        + memchr::memchr3_iter(0xc2, 0xe1, 0xe2, b)
            .filter(|&i| {
                matches!(
                    (b[i], b.get(i + 1), b.get(i + 2)),
                    (0xc2, Some(0x85 | 0xa0), _)
                        | (0xe1, Some(0x9a), Some(0x80))
                        | (0xe2, Some(0x80), Some(0x80..=0x8a | 0xa8 | 0xa9 | 0xaf))
                        | (0xe2, Some(0x81), Some(0x9f))
                )
            })
            .count();
    // Every character not ASCII (the common case of a Japanese paragraph): no word to look for.
    let words = if chars == non_ascii && letters == 0 { 0 } else { word_starts(b, before, letters > 0) };
    TextLength { chars: chars - spaces, single_chars: non_ascii - letters - spaces, words }
}

/// Whether `c` is the lead byte of a letter of [`TextLength::words`] beyond ASCII: U+00C0 to
/// U+07FF.
fn lead2(c: u8) -> bool {
    c.wrapping_sub(0xc3) < 0x1d
}

/// Whether `c` between two letters or digits leaves them one word.
fn joiner(c: u8) -> bool {
    (c == b'\'') | (c == b'-') | (c == b'.') | (c == b',')
}

/// How many words of [`TextLength::words`] begin in `b`, which follows the bytes `before`;
/// `letters`: whether `b` holds letters beyond ASCII.
fn word_starts(b: &[u8], before: [u8; 3], letters: bool) -> usize {
    fn alnum(c: u8) -> bool {
        (c.wrapping_sub(b'0') < 10) | ((c | 0x20).wrapping_sub(b'a') < 26)
    }
    // Whether `q`, after `p`, is the last byte of a letter or digit.
    fn ends_letter(p: u8, q: u8) -> bool {
        alnum(q) | (((q as i8) < -0x40) & lead2(p))
    }
    // Whether the last byte of `w` begins a word.
    fn starts(w: [u8; 4]) -> bool {
        (alnum(w[3]) | lead2(w[3])) & !ends_letter(w[1], w[2]) & !(joiner(w[2]) & ends_letter(w[0], w[1]))
    }
    // The first three bytes look back into `before`.
    let head = b.len().min(3);
    let mut window = [before[0], before[1], before[2], 0, 0, 0];
    window[3..3 + head].copy_from_slice(&b[..head]);
    let mut n = (0..head).filter(|&i| starts([window[i], window[i + 1], window[i + 2], window[i + 3]])).count();
    if b.len() <= 3 {
        return n;
    }
    if letters {
        // Rare in a Japanese casebook: the four bytes up to each byte, all of the rule.
        let m = b.len() - 3;
        let views = (&b[..m], &b[1..m + 1], &b[2..m + 2], &b[3..]);
        n += count_runs(m, |at, end| {
            let run = views.0[at..end].iter().zip(&views.1[at..end]).zip(&views.2[at..end]).zip(&views.3[at..end]);
            run.fold(0u8, |k, (((&w0, &w1), &w2), &w3)| k + u8::from(starts([w0, w1, w2, w3])))
        });
        return n;
    }
    // ASCII letters and digits only: a word begins at one that follows no other, unless a joiner
    // with one before it comes between, which is rarer, looked for only where there are joiners.
    let m = b.len() - 3;
    let (p, c) = (&b[2..m + 2], &b[3..]);
    n += count_runs(m, |at, end| {
        p[at..end].iter().zip(&c[at..end]).fold(0u8, |k, (&p, &c)| k + u8::from(alnum(c) & !alnum(p)))
    });
    if n > 0 && count_bytes(&b[2..m + 2], joiner) > 0 {
        let q = &b[1..m + 1];
        n -= count_runs(m, |at, end| {
            let run = q[at..end].iter().zip(&p[at..end]).zip(&c[at..end]);
            run.fold(0u8, |k, ((&q, &p), &c)| k + u8::from(alnum(q) & joiner(p) & alnum(c)))
        });
    }
    n
}

/// The sum of `count(at, end)` over `0..len` in runs of 255, each counted into a byte-wide sum,
/// which the compiler turns into wide vector operations.
fn count_runs(len: usize, count: impl Fn(usize, usize) -> u8) -> usize {
    (0..len).step_by(255).map(|at| count(at, (at + 255).min(len)) as usize).sum()
}

/// How many bytes satisfy `test`, counted in runs of 255 into a byte-wide sum, which the compiler
/// turns into wide vector operations.
fn count_bytes(b: &[u8], test: impl Fn(u8) -> bool) -> usize {
    b.chunks(255).map(|run| run.iter().fold(0u8, |n, &c| n + u8::from(test(c))) as usize).sum()
}

/// A footnote's label is the id of its definition and the fragment of its references, as
/// pulldown-cmark writes them. An id must not hold whitespace (`[^注 1]`), a fragment no `"`,
/// `<`, `>` or `` ` ``, and neither may repeat an id of the page's own (`[^main]`): such a label
/// gets an id with `-` for those characters, and `-2`, `-3`... when that is taken.
#[derive(Default)]
struct FootnoteIds {
    /// Label as written → id.
    ids: HashMap<String, String>,
    /// The ids given, after the page's own: filled at the first footnote (most bodies have none).
    taken: HashSet<String>,
}

impl FootnoteIds {
    fn fix(&mut self, event: &mut Event<'_>, page_ids: &[String]) {
        let label = match event {
            Event::FootnoteReference(label) | Event::Start(Tag::FootnoteDefinition(label)) => label,
            _ => return,
        };
        if self.taken.is_empty() {
            self.taken.extend(page_ids.iter().cloned());
        }
        let id = match self.ids.get(&**label) {
            Some(id) => id.clone(),
            None => {
                let base: String = label
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join("-")
                    .chars()
                    .map(|c| if matches!(c, '"' | '<' | '>' | '`' | '#' | '%') { '-' } else { c })
                    .collect();
                let mut id = base.clone();
                let mut n = 2;
                while self.taken.contains(&id) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                self.taken.insert(id.clone());
                self.ids.insert(label.to_string(), id.clone());
                id
            }
        };
        if id != **label {
            *label = CowStr::from(id);
        }
    }
}

/// Elements opened minus elements closed in a piece of raw HTML: `<div class="x">` is 1,
/// `</div>` -1, and void elements (`<br>`, `<img>`), self-closing tags and comments 0.
fn element_balance(html: &str) -> isize {
    const VOID: &[&str] =
        &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];
    let mut balance = 0;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let (closing, name_at) = rest.strip_prefix('/').map_or((false, rest), |r| (true, r));
        let name: String = name_at.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let tag_end = rest.find('>').unwrap_or(rest.len());
        if closing {
            balance -= 1;
        } else if !VOID.contains(&name.to_ascii_lowercase().as_str()) && !rest[..tag_end].ends_with('/') {
            balance += 1;
        }
    }
    balance
}

/// The text of a heading's events: its words and code, without markup.
fn heading_text(inner: &[Event<'_>]) -> String {
    let mut text = String::new();
    for e in inner {
        if let Event::Text(t) | Event::Code(t) = e {
            text.push_str(t);
        }
    }
    text
}

/// A heading id that keeps Japanese: NFKC, ASCII lowercased, spaces to `-`, ASCII punctuation
/// dropped; `-1`, `-2`... when repeated on the page.
fn heading_id(text: &str, used: &mut Vec<String>, taken: impl Fn(&str) -> bool) -> String {
    let mut id = String::with_capacity(text.len());
    for c in crate::url::nfkc(text.trim()).chars() {
        if c.is_whitespace() {
            if !id.ends_with('-') {
                id.push('-');
            }
        } else if c.is_ascii_punctuation() && c != '-' && c != '_' {
            continue;
        } else if !c.is_control() {
            id.push(c.to_ascii_lowercase());
        }
    }
    let id = id.trim_matches('-').to_string();
    let base = if id.is_empty() { "section".to_string() } else { id };
    let mut candidate = base.clone();
    let mut n = 1;
    while used.contains(&candidate) || taken(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// Whether a character belongs to a script written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK punctuation: 、。「」
        | 0x3040..=0x30FF    // hiragana, katakana
        | 0x31F0..=0x31FF    // katakana extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFF01..=0xFF60    // full-width forms
        | 0xFF61..=0xFF9F    // half-width katakana
        | 0x20000..=0x3134F) // extensions B..G
}

/// Plain text (a front-matter `summary: |`) with each line break between two CJK characters
/// dropped, as a body's soft breaks are: a browser shows a line break in text as a space.
pub fn join_cjk_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let before = lines[i - 1].trim_end().chars().next_back();
            let after = line.trim_start().chars().next();
            match (before, after) {
                (Some(a), Some(b)) if is_cjk(a) && is_cjk(b) => {
                    let end = out.trim_end().len();
                    out.truncate(end);
                    out.push_str(line.trim_start());
                    continue;
                }
                _ => out.push('\n'),
            }
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

/// Drops soft breaks between two CJK characters, looking through inline markup on either side
/// (`**強調**\n次` still joins).
fn join_cjk_soft_breaks(events: &mut [Event<'_>]) {
    let transparent = |e: &Event<'_>| {
        matches!(
            e,
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
                | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link)
        )
    };
    let text_edge = |e: &Event<'_>, last: bool| match e {
        Event::Text(t) | Event::Code(t) => {
            if last {
                t.chars().next_back()
            } else {
                t.chars().next()
            }
        }
        _ => None,
    };
    // Joined breaks become empty text rather than being removed, so event indices (the
    // summary's range) stay valid.
    for i in 0..events.len() {
        if !matches!(events[i], Event::SoftBreak) {
            continue;
        }
        let before = events[..i].iter().rev().find(|e| !transparent(e)).and_then(|e| text_edge(e, true));
        let after = events[i + 1..].iter().find(|e| !transparent(e)).and_then(|e| text_edge(e, false));
        if let (Some(a), Some(b)) = (before, after)
            && is_cjk(a)
            && is_cjk(b)
        {
            events[i] = Event::Text(CowStr::Borrowed(""));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default theme's (render::theme's tests check that it writes these).
    fn ids_of_the_theme() -> Vec<String> {
        ["factbox-title", "main", "related-title", "toc-title"].map(String::from).to_vec()
    }

    fn md(s: &str) -> Rendered {
        render(s, MarkdownOptions { east_asian_line_breaks: true, page_ids: &ids_of_the_theme() })
    }

    #[test]
    fn extensions_are_on() {
        let r = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~\n\n- [x] done\n\n本文[^1]\n\n[^1]: 注\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>x</del>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote-definition"));
    }

    #[test]
    fn heading_ids_avoid_the_pages_own_ids_and_explicit_ones() {
        let r = md("## main\n\n## Factbox Title\n\n## toc-title\n\n## A {#x}\n\n## x\n\n## related-title\n");
        assert_eq!(ids(&r), ["main-1", "factbox-title-1", "toc-title-1", "x", "x-1", "related-title-1"]);
        assert!(r.html.contains("<h2 id=\"main-1\">main</h2>"), "{}", r.html);
    }

    #[test]
    fn a_list_pages_text_avoids_its_date_heading_ids() {
        let page_ids = ["main".to_string()];
        let r = render_list_text(
            "## Year 2024\n\n## month-3\n\n## year-\n\n## main\n",
            MarkdownOptions { east_asian_line_breaks: true, page_ids: &page_ids },
        );
        assert_eq!(ids(&r), ["year-2024-1", "month-3-1", "year", "main-1"]);
        assert_eq!(ids(&md("## Year 2024\n")), ["year-2024"], "an entry's page has no date headings");
    }

    #[test]
    fn an_explicit_id_the_page_has_already_is_a_problem() {
        let r = md("## a {#main}\n\n## x\n\n## b {#x}\n\n## c {#own}\n");
        let at: Vec<usize> = r.problems.iter().map(|(_, at)| *at).collect();
        assert_eq!(at, [0, 20], "{:?}", r.problems);
        assert!(
            r.problems[0].0.contains("heading id `main` is taken: the page's templates give it"),
            "{:?}",
            r.problems
        );
        assert!(r.problems[1].0.contains("heading id `x` is taken: an earlier heading has it"), "{:?}", r.problems);
        let list =
            render_list_text("## y {#year-2024}\n", MarkdownOptions { east_asian_line_breaks: true, page_ids: &[] });
        assert_eq!(list.problems.len(), 1, "a list page's date heading id");
        assert!(
            list.problems[0].0.contains("the list below the text writes it (it keeps `year-NNNN`"),
            "{:?}",
            list.problems
        );
        let footnote = md("## 注 {#n1}\n\n本文[^n1]。\n\n[^n1]: 注\n");
        assert!(footnote.problems[0].0.contains("the footnote `[^n1]` has it"), "{:?}", footnote.problems);
    }

    #[test]
    fn plain_text_lines_join_between_cjk_characters() {
        assert_eq!(
            join_cjk_lines("決済画面が改ざんされ、\nカード情報が漏えいした。\n"),
            "決済画面が改ざんされ、カード情報が漏えいした。\n"
        );
        assert_eq!(join_cjk_lines("英語 English\nline と日本語"), "英語 English\nline と日本語");
        assert_eq!(join_cjk_lines("一行"), "一行");
        assert_eq!(join_cjk_lines("末尾  \n  次"), "末尾次");
    }

    #[test]
    fn characters_html_forbids_are_problems_at_the_first() {
        for (body, at, shown) in [
            ("本文\u{1}と\u{8}。", 6, "control character U+0001 (and 1 more in this text)"),
            ("a\u{85}b", 1, "control character U+0085"),
            ("（全角）\u{fffe}", 12, "noncharacter U+FFFE"),
            ("x\u{fdd0}", 1, "noncharacter U+FDD0"),
            ("x\u{1fffe}", 1, "noncharacter U+1FFFE"),
            ("`\u{7f}`", 1, "control character U+007F"),
        ] {
            let r = md(body);
            assert_eq!(r.problems.len(), 1, "{body:?}: {:?}", r.problems);
            assert_eq!(r.problems[0].1, at, "{body:?}");
            assert!(r.problems[0].0.contains(&format!("contains the {shown}, which")), "{:?}", r.problems);
        }
        for fine in ["タブ\tと改ページ\u{c}と\r\n改行", "置換文字\u{fffd}、\u{ff08}全角\u{ff09}、°±§", "\u{1f600}"]
        {
            assert!(md(fine).problems.is_empty(), "{fine:?}");
        }
    }

    #[test]
    fn heading_ids_keep_japanese_and_are_unique() {
        let r = md("## 1.経緯\n\n## 原因 と 対策\n\n## 原因 と 対策\n\n## Root Cause!\n\n## {#custom}\n");
        assert_eq!(ids(&r)[..4], ["1経緯", "原因-と-対策", "原因-と-対策-1", "root-cause"]);
        assert!(r.html.contains("<h2 id=\"1経緯\">1.経緯</h2>"));
    }

    fn ids(r: &Rendered) -> Vec<&str> {
        r.headings.iter().map(|h| h.id.as_str()).collect()
    }

    /// A heading holding emphasis or a link got no id: the emphasis's end was taken for the
    /// heading's.
    #[test]
    fn headings_with_inline_markup_get_ids() {
        let r = md("## *強調* 見出し\n\n## [リンク](https://example.org/) の**見出し**\n");
        assert_eq!(ids(&r), ["強調-見出し", "リンク-の見出し"]);
        assert!(r.html.contains("<h2 id=\"強調-見出し\"><em>強調</em> 見出し</h2>"), "{}", r.html);
    }

    /// A footnote's label is its definition's id: `## 1` beside `[^1]` took the same id, and the
    /// footnote's link went to the heading.
    #[test]
    fn heading_ids_avoid_footnote_ids() {
        let r = md("## 1\n\n本文[^1]。\n\n## 注1\n\n[^1]: 注\n[^注1]: 二つ目\n");
        assert_eq!(ids(&r), ["1-1", "注1-1"]);
        assert!(r.html.contains("id=\"1\"><sup class=\"footnote-definition-label\">"), "{}", r.html);
    }

    /// An id must not hold whitespace: `[^注 1]` was `id="注 1"`, invalid HTML, its link `#注 1`.
    #[test]
    fn footnote_labels_with_spaces_make_valid_ids() {
        let r = md("一[^注 1]、二[^a-b]、三[^a  b]、再[^注 1]。\n\n[^注 1]: 注\n[^a-b]: 二\n[^a  b]: 三\n");
        assert_eq!(count(&r.html, "href=\"#注-1\""), 2, "{}", r.html);
        assert!(r.html.contains("href=\"#a-b\">2<") && r.html.contains("href=\"#a-b-2\">3<"), "{}", r.html);
        for id in ["注-1", "a-b", "a-b-2"] {
            assert_eq!(count(&r.html, &format!("id=\"{id}\"")), 1, "{id}: {}", r.html);
        }
    }

    /// `[^main]` took the id of the page's `<main>`, and `[^a"b]` made `href="#a&quot;b"`, which
    /// no URL may hold.
    #[test]
    fn footnote_ids_avoid_the_pages_ids_and_characters_no_fragment_may_hold() {
        let r = md(
            "一[^main]、二[^toc-title]、三[^a\"b]、四[^<x>]。\n\n[^main]: 一\n[^toc-title]: 二\n[^a\"b]: 三\n[^<x>]: 四\n",
        );
        for id in ["main-2", "toc-title-2", "a-b", "-x-"] {
            assert_eq!(count(&r.html, &format!("href=\"#{id}\"")), 1, "{id}: {}", r.html);
            assert_eq!(count(&r.html, &format!("id=\"{id}\"")), 1, "{id}: {}", r.html);
        }
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn headings_are_the_table_of_contents() {
        let r = md("# 概要\n\n本文。\n\n## 1. *経緯* と `VPN`\n\n### 詳細 {#detail}\n\n#### 深い\n\n## 原因\n");
        let toc: Vec<(u8, &str, &str)> =
            r.headings.iter().map(|h| (h.level, h.id.as_str(), h.title.as_str())).collect();
        assert_eq!(
            toc,
            [
                (1, "概要", "概要"),
                (2, "1-経緯-と-vpn", "1. 経緯 と VPN"),
                (3, "detail", "詳細"),
                (4, "深い", "深い"),
                (2, "原因", "原因")
            ]
        );
    }

    #[test]
    fn cjk_soft_breaks_join_but_latin_ones_do_not() {
        let r = md("日本語の\n文章です。\nEnglish\nwords\n");
        assert!(r.html.contains("日本語の文章です。"), "{}", r.html);
        assert!(r.html.contains("English\nwords"));
        let r = md("**強調**\n次の文\n");
        assert!(r.html.contains("</strong>次の文"), "{}", r.html);
        let off = render("日本語の\n文章", MarkdownOptions { east_asian_line_breaks: false, page_ids: &[] });
        assert!(off.html.contains("日本語の\n文章"));
    }

    #[test]
    fn summary_is_first_paragraph_or_before_more() {
        let r = md("## 見出し\n\n最初の段落。\n\n次の段落。\n");
        assert_eq!(r.summary_html, "<p>最初の段落。</p>\n");
        let r = md("一段落目。\n\n二段落目。\n<!-- more -->\n\n三段落目。\n");
        assert_eq!(r.summary_html, "<p>一段落目。</p>\n<p>二段落目。</p>\n");
        assert!(md("## only a heading\n").summary_html.is_empty());
        // Before the marker, a heading is bold text: no heading or id inside a card.
        let r = md("## 概要 {#gaiyou}\n\n事件の\n概要。\n\n<!-- more -->\n\n## 詳細\n");
        assert_eq!(r.summary_html, "<p><strong>概要</strong></p>\n<p>事件の概要。</p>\n");
        assert!(r.html.contains("<h2 id=\"gaiyou\">概要</h2>"), "{}", r.html);
        // The marker shown in a code block or a quote is not one.
        let r = md("```\n<!-- more -->\n```\n\n> <!-- more -->\n\n最初の段落。\n\n<!-- more -->\n\n次。\n");
        assert_eq!(
            r.summary_html,
            "<pre><code>&lt;!-- more --&gt;\n</code></pre>\n<blockquote>\n<!-- more -->\n</blockquote>\n<p>最初の段落。</p>\n"
        );
        let r = md("    <!-- more -->\n\n最初の段落。\n");
        assert_eq!(r.summary_html, "<p>最初の段落。</p>\n");
        // Nor one inside raw HTML: the summary would leave the `<div>` open on list pages.
        let r = md("<div class=\"note\">\n\n一\n\n<!-- more -->\n\n</div>\n\n二\n");
        assert_eq!(r.summary_html, "<p>一</p>\n");
        let r = md("<figure>\n<img src=\"a.png\" alt=\"\"><br/>\n</figure>\n\n一\n\n<!-- more -->\n\n二\n");
        assert_eq!(r.summary_html, "<figure>\n<img src=\"a.png\" alt=\"\"><br/>\n</figure>\n<p>一</p>\n");
    }

    /// [`text_length`] the slow way, character by character, for `text` after `before`.
    fn length_by_chars(before: &str, text: &str) -> TextLength {
        let letter = |c: char| c.is_ascii_alphanumeric() || ('\u{c0}'..='\u{7ff}').contains(&c);
        let joiner = |c: char| "'-.,".contains(c);
        let all: Vec<char> = before.chars().chain(text.chars()).collect();
        let skip = before.chars().count();
        let mut n = TextLength::default();
        for (i, &c) in all.iter().enumerate().skip(skip) {
            let back = |k: usize| if i >= k { all[i - k] } else { ' ' };
            if !c.is_whitespace() {
                n.chars += 1;
                n.single_chars += usize::from(!c.is_ascii() && !letter(c));
            }
            n.words += usize::from(letter(c) && !letter(back(1)) && !(joiner(back(1)) && letter(back(2))));
        }
        n
    }

    #[test]
    fn text_is_measured_on_bytes_as_character_by_character() {
        let spaces: String = (0..=0x3000u32).filter_map(char::from_u32).filter(|c| c.is_whitespace()).collect();
        let samples = [
            "",
            "ランサムウェア",
            "a b\tc\r\nd",
            "個人情報　の漏えい",
            "\u{85}\u{a0}x\u{1680}\u{2000}\u{200a}\u{200b}\u{2028}\u{2029}\u{202f}\u{205f}\u{2060}",
            "\u{1c}\u{1f}\u{0b}\u{0c}",
            "—…※「」、。ー（）ＶＰＮ１２３ｻﾝﾌﾟﾙ🔒é",
            "The quick brown fox didn't e-mail us on 2024-01-30: 1,000 people (see example.org/a_b).",
            "2024年1月、VPN機器(FortiGate)の脆弱性を突かれ、約1,000件の個人情報が漏えいした。",
            "Ça coûte 3€ — l'été à Zürich; Ελληνικά και русский текст, עברית. «né» x×y",
            "a-\u{e9}-b 'x' -y- ..z.. a  -b 1:2:3 @me a_b_ _a",
            &spaces,
        ];
        for text in samples.iter().copied().chain([format!("{spaces}あ{spaces}").as_str()]) {
            assert_eq!(text_length(text, NO_TEXT), length_by_chars("", text), "{text:?}");
            // Cut anywhere, the two parts measure as the whole.
            for (at, _) in text.char_indices().skip(1) {
                let (a, b) = text.split_at(at);
                let mut n = text_length(a, NO_TEXT);
                n.add(text_length(b, last_bytes(NO_TEXT, a.as_bytes())));
                assert_eq!(n, length_by_chars("", text), "{a:?} + {b:?}");
                // And after text that may be shorter than three bytes.
                let tail = &a[a.char_indices().last().map_or(0, |(i, _)| i)..];
                assert_eq!(text_length(b, last_bytes(NO_TEXT, tail.as_bytes())), length_by_chars(tail, b), "{tail:?}");
            }
        }
        assert!(spaces.chars().count() >= 20, "{spaces:?}");
    }

    #[test]
    fn english_is_counted_by_words_and_japanese_by_characters() {
        let n = text_length("It's 2024-01-30, and 1,000 people's e-mail at example.org leaked (again).", NO_TEXT);
        assert_eq!((n.words, n.single_chars), (10, 0), "It's / 2024-01-30 / and / 1,000 / people's / ...");
        let n = text_length("2024年1月、VPN機器の脆弱性", NO_TEXT);
        assert_eq!((n.words, n.single_chars, n.chars), (3, 9, 17));
        // Accented Latin, Greek and Cyrillic are words too; a combining accent stays in its word.
        let n = text_length("l'été Zürich Ελληνικά русский e\u{301}te", NO_TEXT);
        assert_eq!((n.words, n.single_chars), (5, 0));
    }

    #[test]
    fn reading_time_is_characters_and_words() {
        let minutes = |single_chars, words| TextLength { chars: 0, single_chars, words }.reading_minutes();
        assert_eq!(minutes(0, 0), 1);
        assert_eq!(minutes(600, 0), 1);
        assert_eq!(minutes(601, 0), 2);
        assert_eq!(minutes(1201, 0), 3);
        assert_eq!(minutes(0, 240), 1);
        assert_eq!(minutes(0, 241), 2);
        assert_eq!(minutes(300, 120), 1);
        // No overflow, whatever the counts.
        assert!(minutes(usize::MAX, usize::MAX) >= usize::MAX / (600 * 240));
        // 1,000 English words of about five letters: about 4.2 minutes, not the 9 that counting
        // their letters as characters gave.
        let english = "Attackers used stolen VPN credentials to reach the server. ".repeat(1000 / 9 + 1);
        let n = md(&english).length;
        assert!((1000..1010).contains(&n.words), "{n:?}");
        assert_eq!(n.reading_minutes(), 5);
        assert!(n.chars.div_ceil(600) >= 8, "{n:?}");
        // Japanese with a few ASCII words reads about as before, when every letter was a character.
        let mixed =
            "2024年1月、当社のVPN機器に対する不正アクセスにより、約1,000件の個人情報が漏えいした可能性があります。"
                .repeat(20);
        let n = md(&mixed).length;
        let before = n.chars.div_ceil(600);
        assert_eq!(n.reading_minutes(), before, "{n:?}");
        // In characters' worth (a word is 2.5), within a tenth of its characters.
        assert!((n.single_chars * 2 + n.words * 5).abs_diff(n.chars * 2) * 10 <= n.chars * 2, "{n:?}");
    }

    #[test]
    fn counts_characters_and_words_and_collects_links() {
        let r = md("あい う\n\n[x](/tags/a/) ![i](/img.png)\n");
        assert_eq!(r.length, TextLength { chars: 5, single_chars: 3, words: 2 });
        let links: Vec<_> = r.links.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(links, ["/tags/a/", "/img.png"]);
        // Markup inside a word leaves it one word; a break, a block or raw HTML between two ends it.
        assert_eq!(md("un*believ*able e-mail [link](/x)s `Vec`s don't\n").length.words, 5);
        assert_eq!(md("one\ntwo  \nthree\n\nfour\n\n- five\n\nsix<br>seven\n").length.words, 7);
    }

    #[test]
    fn raw_html_passes_through() {
        assert!(md("<div class=\"note\">x</div>\n").html.contains("<div class=\"note\">x</div>"));
    }
}
