//! Front matter: split it from the body, parse it, and check every rule of SPEC §2.
//!
//! All positions reported from here are lines of the file (not of the YAML block), so an editor
//! can jump straight to them.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::yaml::{self, Node, Spanned};
use crate::diag;
use crate::url;

/// The front matter and body of one file, with the line the YAML starts on.
#[derive(Debug)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line in the file of the first YAML line.
    pub yaml_line: usize,
    pub body: &'a str,
    /// 1-based line in the file of the first body line.
    pub body_line: usize,
}

/// Splits `---\n yaml \n---\n body`. Accepts a UTF-8 BOM and CRLF endings.
pub fn split(text: &str) -> Result<Split<'_>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((1, "the file does not start with front matter, expected a first line `---`".into()));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err((1, "the front matter is not closed, expected a line `---` after it".into()))
}

/// Front matter as written, every field optional so that all problems can be reported at once.
/// Built from the YAML's key/value pairs by [`Checker::typed`], never by serde directly: a serde
/// type error would stop at the first problem of the file.
#[derive(Debug, Default)]
pub struct Raw {
    title: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    tags: Option<Vec<Spanned<String>>>,
    slug: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    updated: Option<Spanned<String>>,
    draft: Option<bool>,
    extra: Option<serde_json::Map<String, serde_json::Value>>,
    aliases: Option<Vec<Spanned<String>>>,
    id: Option<Spanned<String>>,
    organization: Option<Spanned<String>>,
    attack: Option<Spanned<String>>,
    sector: Option<Spanned<String>>,
    affected: Option<Spanned<serde_json::Value>>,
    data: Option<Vec<Spanned<String>>>,
    disclosed: Option<Spanned<String>>,
    occurred: Option<Spanned<Node>>,
    sources: Option<Vec<RawSource>>,
    follows: Option<Spanned<String>>,
    /// Every key written, with its file position.
    keys: Vec<(String, (usize, usize))>,
}

#[derive(Debug)]
struct RawSource {
    title: String,
    url: String,
    /// File position of the url (or of the item when it has none).
    url_at: (usize, usize),
    /// File position of the title (or of the item when it has none).
    title_at: (usize, usize),
}

/// Re-wraps a spanned node's plain value with the node's position.
fn spanned_value(n: &Spanned<Node>) -> Spanned<serde_json::Value> {
    n.with(n.value.to_value())
}

/// The fields SPEC §2 lists for incidents only.
const INCIDENT_FIELDS: &[&str] =
    &["id", "organization", "attack", "sector", "affected", "data", "disclosed", "occurred", "sources", "follows"];

/// The fields an entry must have (`organization` an incident only): every other may be left out,
/// and so may be left empty.
const REQUIRED: &[&str] = &["title", "date", "organization"];

/// Every front-matter key, for "did you mean" and for the field named in YAML errors.
pub const FIELDS: &[&str] = &[
    "title",
    "date",
    "kind",
    "tags",
    "slug",
    "summary",
    "updated",
    "draft",
    "extra",
    "aliases",
    "id",
    "organization",
    "attack",
    "sector",
    "affected",
    "data",
    "disclosed",
    "occurred",
    "sources",
    "follows",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Article,
}

/// A publication date: a calendar date, or a full RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub day: NaiveDate,
    pub time: Option<DateTime<FixedOffset>>,
}

impl Date {
    /// The moment it names; a plain date is taken as midnight UTC (as in [`Date::rfc3339`]).
    pub fn instant(&self) -> DateTime<chrono::Utc> {
        match self.time {
            Some(t) => t.with_timezone(&chrono::Utc),
            None => self.day.and_time(chrono::NaiveTime::MIN).and_utc(),
        }
    }

    /// RFC 3339 form for feeds; a plain date is taken as midnight UTC.
    pub fn rfc3339(&self) -> String {
        match self.time {
            Some(t) => t.to_rfc3339(),
            None => format!("{}T00:00:00Z", iso_date(self.day)),
        }
    }
}

/// `2024-01-30`, as `format("%Y-%m-%d")` writes it, without interpreting a format string each
/// time: dates are written several times per entry (cards, search, dataset, sitemap).
pub fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return d.format("%Y-%m-%d").to_string();
    }
    let mut s = String::with_capacity(10);
    for (n, width) in [(year as u32, 4), (d.month(), 2), (d.day(), 2)] {
        if width == 2 {
            s.push('-');
        }
        for place in (0..width).rev() {
            s.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
    }
    s
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What an entry left out of the site (a draft, or a file whose front matter has errors) answers
/// to, read as far as its YAML allows: a `follows` that names it is then reported for what it is,
/// not as naming nothing.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub id: Option<At<String>>,
    /// The `slug` field as a URL key.
    pub slug: Option<String>,
    pub kind: Option<Kind>,
    pub follows: Option<At<String>>,
    /// The output files of its `aliases` that are site paths: a link to a draft's old URL is
    /// then told it is a draft's.
    pub aliases: Vec<String>,
}

/// Reads [`Names`] from front matter without checking it; nothing when the YAML does not parse.
pub fn names(split: &Split<'_>) -> Names {
    let parsed = if split.yaml.trim().is_empty() { Ok(Node::Map(Vec::new())) } else { yaml::parse(split.yaml) };
    let Ok(Node::Map(pairs)) = parsed else { return scan_names(split.yaml) };
    let mut checker =
        Checker { positions: Positions::new(split), problems: Vec::new(), warnings: Vec::new(), dropped: Vec::new() };
    let raw = checker.typed(pairs);
    let text = |s: Option<Spanned<String>>| s.map(|s| s.value.trim().to_string()).filter(|s| !s.is_empty());
    Names {
        kind: raw.kind.as_ref().and_then(|k| match k.value.trim() {
            "incident" => Some(Kind::Incident),
            "article" => Some(Kind::Article),
            _ => None,
        }),
        follows: raw.follows.and_then(|f| {
            let (line, column) = checker.at(&f);
            text(Some(f)).map(|value| At { value, line, column })
        }),
        id: raw.id.and_then(|id| {
            let (line, column) = checker.at(&id);
            text(Some(id)).map(|value| At { value, line, column })
        }),
        slug: text(raw.slug).map(|s| url::key(&s)),
        aliases: raw.aliases.unwrap_or_default().iter().filter_map(|a| url::alias::parse(&a.value).ok()).collect(),
    }
}

/// [`Names`] from front matter that is not YAML at all (a quote left open): its `id:` and `slug:`
/// lines read as plain text, so that an entry following this one is not told it names nothing.
fn scan_names(yaml: &str) -> Names {
    let value = |key: &str| {
        yaml.lines().find_map(|l| {
            // `id：2024-001`, an input method's slip reported in its own file, still names the
            // entry, so that links and `follows` to it are not reported as well.
            let rest = l.strip_prefix(key)?;
            let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
            let v = rest.split(" #").next().unwrap_or("").trim().trim_matches(['"', '\'']).trim();
            (!v.is_empty()).then(|| v.to_string())
        })
    };
    // No position: this front matter's own error is what gets reported about it.
    let id = value("id").map(|value| At { value, line: 0, column: 0 });
    Names { id, slug: value("slug").map(|s| url::key(&s)), kind: None, follows: None, aliases: Vec::new() }
}

/// The largest `affected`: 2^53 − 1, the largest whole number a JSON reader in JavaScript (the
/// dataset's, the search page's) reads exactly. Far above any breach on record (billions).
pub const MAX_AFFECTED: u64 = (1 << 53) - 1;

/// A value with the (file) line and column it was written at, for site-level checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub line: usize,
    pub column: usize,
}

/// An old URL of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The output file of its redirect page (`incidents/legacy-report/index.html`).
    pub path: String,
    /// As the front matter has it (`/incidents/legacy-report/`), for messages.
    pub written: String,
}

/// Checked front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatter {
    pub title: String,
    pub date: Date,
    pub kind: Kind,
    pub tags: Vec<String>,
    pub slug: Option<At<String>>,
    pub summary: Option<String>,
    pub updated: Option<NaiveDate>,
    pub draft: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Old URLs of the entry, at the line and column each is written at.
    pub aliases: Vec<At<Alias>>,
    pub id: Option<At<String>>,
    pub organization: Option<String>,
    pub attack: Option<String>,
    pub sector: Option<String>,
    pub affected: Option<u64>,
    pub data: Vec<String>,
    pub disclosed: Option<NaiveDate>,
    pub occurred: Option<Period>,
    pub sources: Vec<Source>,
    pub follows: Option<At<String>>,
    /// Line of the `title` key, where whole-entry problems are reported.
    pub title_line: usize,
    /// What is read as written but is most likely not what was meant, at its file position.
    pub warnings: Vec<Problem>,
}

impl FrontMatter {
    /// `updated`, when it is later than the publication day: the date a feed or sitemap gives
    /// as the last change (the same day changes nothing; an earlier one is an error).
    pub fn later_update(&self) -> Option<NaiveDate> {
        self.updated.filter(|u| *u > self.date.day)
    }
}

/// A problem at a file position.
pub type Problem = (usize, usize, String);

/// A front matter that does not check: its errors, and the warnings found beside them (told in
/// the same run, as a good file's are).
#[derive(Debug)]
pub struct Failed {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Parses and checks the YAML of one entry. `default_kind` comes from the file's location.
pub fn parse(split: &Split<'_>, default_kind: Kind) -> Result<FrontMatter, Failed> {
    let Read { positions, pairs, errors, dropped, warnings } =
        fields(split, "title: ...").map_err(|errors| Failed { errors, warnings: Vec::new() })?;
    let mut checker = Checker { positions, problems: errors, warnings, dropped };
    let raw = checker.typed(pairs);
    checker.check(raw, default_kind)
}

/// Parses the front matter of a taxonomy's or a term's text (`_index.md`): its `description`,
/// the one field it has (the text itself is the Markdown below), with the warnings about it.
pub fn parse_text(split: &Split<'_>) -> Result<(Option<String>, Vec<Problem>), Vec<Problem>> {
    let Read { positions, pairs, errors, dropped, warnings } = fields(split, "description: ...")?;
    let mut checker = Checker { positions, problems: errors, warnings, dropped };
    let mut description = None;
    let mut first: Option<usize> = None;
    for (k, v) in pairs {
        if k.value != "description" {
            let hint = diag::suggestion(&k.value, ["description"]);
            let message = format!(
                "unknown field `{}`{hint}, expected only `description` in the text of a taxonomy or term page (the text is the Markdown after the front matter)",
                k.value
            );
            checker.report(&k, message);
        } else if let Some(line) = first {
            checker.report(&k, format!("`description` is written twice (first at line {line}), expected it once"));
        } else {
            first = Some(checker.at(&k).0);
            match &v.value {
                Node::Scalar(value) if scalar_text(value).is_some() => {
                    description = checker.text("description", scalar_text(value).map(|t| v.with(t)));
                }
                other => checker.report(&v, format!("`description` is {}, expected a string", shape(other))),
            }
        }
    }
    if checker.problems.is_empty() { Ok((description, checker.warnings)) } else { Err(checker.problems) }
}

/// A front matter's fields as written: each key and value with their positions.
type Fields = Vec<(Spanned<String>, Spanned<Node>)>;

/// The fields of a front matter as far as they can be read, with its YAML errors.
struct Read<'a> {
    /// Maps YAML positions to file positions, made once for the errors and the checks after.
    positions: Positions<'a>,
    pairs: Fields,
    /// Each YAML error, at its place in the file.
    errors: Vec<Problem>,
    /// The keys of the fields left out to read past an error: written, though not readable.
    dropped: Vec<String>,
    /// What the YAML reads other than as written, without being an error.
    warnings: Vec<Problem>,
}

/// How many YAML errors of one front matter are read past before the rest is given up.
const MAX_YAML_ERRORS: usize = 16;

/// The fields of a front matter, in written order. A YAML error stops a parser at its first
/// mistake; when the mistake is one of those an editor makes in one field (a full-width colon, a
/// field written twice, a quote left open), that field is left out and the rest read again, so
/// that the file's other problems are reported in the same run. `line` is an example field for
/// the message when the front matter is no map of fields.
fn fields<'a>(split: &Split<'a>, line: &str) -> Result<Read<'a>, Vec<Problem>> {
    let positions = Positions::new(split);
    let mut yaml = std::borrow::Cow::Borrowed(split.yaml);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut dropped = Vec::new();
    let pairs = loop {
        if yaml.trim().is_empty() {
            break Vec::new();
        }
        let (problem, culprit) = match yaml::parse(&yaml) {
            Ok(Node::Map(pairs)) => {
                errors.extend(tab_indented_keys(&positions, &yaml, &pairs));
                warnings.extend(cut_by_comments(&positions, &yaml));
                break pairs;
            }
            // A front matter of one line with a slip (`description：説明`) reads as text.
            Ok(_) => match yaml_lines(&yaml).iter().enumerate().find_map(|(i, (_, l))| Some((i + 1, colon_slip(l)?))) {
                Some((l, (c, message))) => {
                    let (line, column) = positions.map(l, c);
                    ((line, column, message), Some((l, None)))
                }
                None => {
                    let message = format!("the front matter is not a map of fields, expected lines such as `{line}`");
                    errors.push((split.yaml_line, 1, message));
                    return Err(errors);
                }
            },
            Err(e) => yaml_problem(&positions, &yaml, &e),
        };
        errors.push(problem);
        if let Some((l, _)) = culprit {
            errors.extend(later_nested_slips(&positions, &yaml, l));
        }
        let Some((rest, keys)) = culprit.and_then(|(l, own)| drop_field(&yaml, l, own)) else {
            return Err(errors);
        };
        if errors.len() == MAX_YAML_ERRORS {
            let (line, _, _) = errors[errors.len() - 1];
            let message = format!(
                "the front matter has {MAX_YAML_ERRORS} YAML mistakes, and is not read further, expected these fixed first"
            );
            errors.push((line, 1, message));
            return Err(errors);
        }
        yaml = std::borrow::Cow::Owned(rest);
        dropped.extend(keys);
    };
    // `title：A` then `title: B`: the second is read, and the first, left out, is still written.
    for (k, _) in &pairs {
        if let Some((_, first)) = dropped.iter().find(|(d, at)| *d == k.value && *at < k.line) {
            let (l, c) = positions.map(k.line, k.column);
            let at = positions.map(*first, 1).0;
            errors.push((
                l,
                c,
                format!("`{}` is written twice (first at line {at}), expected each field once", k.value),
            ));
        }
    }
    let dropped = dropped.into_iter().map(|(k, _)| k).collect();
    Ok(Read { positions, pairs, errors, warnings, dropped })
}

/// Fields indented by a tab that the parser read all the same (it does so when every field is, as
/// in an `_index.md` of one line, `\tdescription: …`): YAML indents with spaces only, and the same
/// tab before a second field is an error, so it is one here too.
fn tab_indented_keys(positions: &Positions<'_>, yaml: &str, pairs: &Fields) -> Vec<Problem> {
    let lines = yaml_lines(yaml);
    pairs
        .iter()
        .filter_map(|(k, _)| {
            let (_, line) = lines.get(k.line.checked_sub(1)?)?;
            let tab = line.chars().take_while(|c| *c == ' ' || *c == '\t').position(|c| c == '\t')?;
            let (l, c) = positions.map(k.line, tab + 1);
            let message = format!(
                "a tab indents `{}`, expected it at the start of the line (YAML indents with spaces only)",
                k.value
            );
            Some((l, c, message))
        })
        .collect()
}

/// The slips of [`nested_colon_slip`] on the lines of `sources` or `occurred` after `line`, the
/// mistake that leaves the field out: they would be hidden with it until that one is fixed.
fn later_nested_slips(positions: &Positions<'_>, yaml: &str, line: usize) -> Vec<Problem> {
    let Some(field @ ("sources" | "occurred")) = field_at(yaml, line) else { return Vec::new() };
    yaml_lines(yaml)
        .iter()
        .enumerate()
        .skip(line)
        .take_while(|(_, (_, l))| l.trim().is_empty() || l.starts_with([' ', '\t', '-', '#']))
        .filter_map(|(i, (_, l))| {
            let (column, message) = nested_colon_slip(field, l)?;
            let (l, c) = positions.map(i + 1, column);
            Some((l, c, message))
        })
        .collect()
}

/// Values cut short by a comment: ` #` (a `#` after a space) starts one in a plain value, so
/// `title: ランサムウェア被害 #2 続報` is the title `ランサムウェア被害`. A `#` right before
/// text (`#2`, `#LockBit`) is most likely part of the value; `# 推定` is left a note.
fn cut_by_comments(positions: &Positions<'_>, yaml: &str) -> Vec<Problem> {
    let lines = yaml_lines(yaml);
    let mut out = Vec::new();
    // The indentation a block scalar's lines are deeper than, while inside one.
    let mut block: Option<usize> = None;
    for (i, (_, line)) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(b) = block {
            if line.trim().is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        let body = line.trim_start_matches(' ');
        if body.starts_with('#') {
            continue;
        }
        let body = body.strip_prefix("- ").map_or(body, |b| b.trim_start_matches(' '));
        let (key, value) = match body.split_once(": ") {
            Some((k, v)) if !k.starts_with(['"', '\'', '[', '{']) => (Some(k.trim()), v),
            _ => (None, body),
        };
        let value_start = value.trim_start();
        if value_start.starts_with(['|', '>']) {
            block = Some(indent);
            continue;
        }
        if value_start.starts_with(['"', '\'', '[', '{', '#']) || value_start.is_empty() {
            continue;
        }
        let Some(at) = value.find([' ', '\t']).and_then(|_| {
            value.char_indices().find(|&(b, c)| {
                c == '#'
                    && value[..b].ends_with([' ', '\t'])
                    && value[b + 1..].starts_with(|n: char| !n.is_whitespace())
            })
        }) else {
            continue;
        };
        let kept = value[..at.0].trim();
        let cut = value[at.0..].trim_end();
        let field = field_at(yaml, i + 1);
        // Only text loses anything: `date: 2024-05-01 #JST`, `url: https://… #top` and `v: 1 #x`
        // end in the comment they mean, and after a flow list's `]` (`  b] #n`) no item is cut.
        let text_field = match (field, key) {
            (Some("title" | "summary" | "organization" | "attack" | "sector" | "description"), _) => {
                !line.starts_with([' ', '-'])
            }
            (Some("tags" | "data"), None) => true,
            (Some("sources"), Some("title")) => true,
            (Some("extra"), _) => {
                kept.parse::<f64>().is_err()
                    && !matches!(kept, "true" | "false" | "null" | "~")
                    && parse_date(kept).is_none()
            }
            _ => false,
        };
        if !text_field || kept.contains(['[', ']', '{', '}']) || kept.ends_with(',') {
            continue;
        }
        let name = match (key, field) {
            (Some(k), Some(f)) if line.starts_with([' ', '-']) => format!("`{k}` in `{f}`"),
            (Some(k), _) => format!("`{k}`"),
            (None, Some(f)) => format!("an item in `{f}`"),
            (None, None) => continue,
        };
        let quoted = format!("{kept} {cut}").replace('\\', "\\\\").replace('"', "\\\"");
        let column = line.len() - value.len() + at.0;
        let (l, c) = positions.map(i + 1, line[..column].chars().count() + 1);
        out.push((
            l,
            c,
            format!(
                "{name} stops before `{cut}`, which YAML reads as a comment (a `#` after a space starts one), expected the value in quotes to keep it: \"{quoted}\""
            ),
        ));
    }
    out
}

/// A YAML error at its place in the file, said in an editor's terms, and the YAML line of the
/// mistake (with the field that line names of its own, if any) when it is one known to stay
/// inside one field (`None`: reading on would guess).
fn yaml_problem(
    positions: &Positions<'_>,
    yaml: &str,
    e: &yaml::YamlError,
) -> (Problem, Option<(usize, Option<&'static str>)>) {
    if let Some((l, c, message, own)) = syntax_culprit(yaml, e.line) {
        let (line, column) = positions.map(l, c);
        return ((line, column, message), Some((l, own)));
    }
    let (column, mut message, stays) = describe_yaml_error(yaml, e.line, e.column, &e.message);
    let (line, column) = positions.map(e.line, column);
    // A field written twice: where the first one is, which the editor may have to keep.
    let twice = e.message.strip_prefix("duplicate mapping key: ").map(str::trim);
    let culprit = (stays || twice.is_some()).then_some((e.line, None));
    if let Some(key) = twice.filter(|k| field_at(yaml, e.line) == Some(*k)) {
        let first = yaml_lines(yaml).iter().position(|(_, l)| {
            !l.starts_with([' ', '\t']) && l.split_once(':').is_some_and(|(k, _)| k.trim_end() == key)
        });
        if let Some(first) = first.filter(|f| f + 1 < e.line) {
            let at = positions.map(first + 1, 1).0;
            message = message.replacen("is written twice,", &format!("is written twice (first at line {at}),"), 1);
        }
    }
    ((line, column, message), culprit)
}

/// The YAML with the top-level field that holds `line` (1-based) blanked out, lines kept so that
/// every other position stays, and the keys left out: that field's, and `own`, the field the line
/// names of its own when indented by mistake, each with its (YAML) line; `None` when there is
/// nothing left to drop.
fn drop_field(yaml: &str, line: usize, own: Option<&'static str>) -> Option<(String, Vec<(String, usize)>)> {
    let lines = yaml_lines(yaml);
    let index = line.checked_sub(1)?.min(lines.len().checked_sub(1)?);
    // A field starts at the start of a line; its value may go on over indented lines and, for a
    // block list, over lines starting with `-`.
    let starts = |l: &str| !l.trim().is_empty() && !l.starts_with([' ', '\t', '-', '#']);
    let first = (0..=index).rev().find(|&i| starts(lines[i].1)).unwrap_or(index);
    let end = (first + 1..lines.len()).find(|&i| starts(lines[i].1)).unwrap_or(lines.len());
    if lines[first..end].iter().all(|(_, l)| l.trim().is_empty()) {
        return None;
    }
    let head = lines[first].1.trim_start_matches([' ', '\t', '\u{3000}']);
    let key = (head.split([':', '：', ' ', '\t', '\u{3000}']).next().unwrap_or(head).to_string(), first + 1);
    let mut out = String::with_capacity(yaml.len());
    for (i, (start, text)) in lines.iter().enumerate() {
        if !(first..end).contains(&i) {
            out.push_str(text);
        }
        // The line's own ending (LF, CRLF or CR), which the line count must keep.
        let next = lines.get(i + 1).map_or(yaml.len(), |(s, _)| *s);
        out.push_str(&yaml[start + text.len()..next]);
    }
    Some((out, std::iter::once(key).chain(own.map(|o| (o.to_string(), index + 1))).collect()))
}

/// A value of the wrong shape, described for a message: "a list", "a map", "empty".
/// Why a list or map field reads as text, when an input method's look-alike is the cause: a
/// full-width dash, bracket or colon, or a `-` without its space.
fn look_alike(v: &Node) -> &'static str {
    let Node::Scalar(serde_json::Value::String(text)) = v else { return "" };
    let text = text.trim_start();
    if text.starts_with(['ー', '－', '―', '‐', '−']) {
        " (its `-` is a full-width look-alike: a list item starts with a half-width `- `)"
    } else if text.starts_with('-') {
        " (a list item needs a space after its `-`: `- item`)"
    } else if text.starts_with(['［', '｛']) {
        " (its brackets are full-width, expected half-width `[` `]` or `{` `}`)"
    } else if text.contains('：') {
        " (its `：` is a full-width colon, expected `key: value` with a half-width colon)"
    } else {
        ""
    }
}

fn shape(v: &Node) -> &'static str {
    match v {
        Node::Scalar(serde_json::Value::Null) => "empty",
        Node::Scalar(serde_json::Value::Bool(_)) => "a boolean",
        Node::Scalar(serde_json::Value::Number(_)) => "a number",
        Node::Scalar(_) => "a string",
        Node::Seq(_) => "a list",
        Node::Map(_) => "a map",
    }
}

/// A scalar as text; YAML writes `title: 2024` meaning the text "2024".
fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Checker<'a> {
    positions: Positions<'a>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Fields left out for a YAML error of their own: not "missing" as well.
    dropped: Vec<String>,
}

/// The lines of YAML text as YAML counts them: LF, CRLF and a lone CR each end a line.
fn yaml_lines(yaml: &str) -> Vec<(usize, &str)> {
    let bytes = yaml.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((start, &yaml[start..i]));
                start = i + 1;
            }
            b'\r' => {
                out.push((start, &yaml[start..i]));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, &yaml[start..]));
    out
}

/// Maps positions in the YAML (as the YAML parser counts lines) to positions in the file (as
/// editors and every other diagnostic count them: by LF). They differ only when the front
/// matter holds a lone CR, so the general mapping is built only then.
struct Positions<'a> {
    yaml: &'a str,
    /// File line before the first YAML line.
    offset: usize,
    lines: Option<Vec<(usize, &'a str)>>,
}

impl<'a> Positions<'a> {
    fn new(split: &Split<'a>) -> Positions<'a> {
        let lone_cr =
            split.yaml.as_bytes().windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') || split.yaml.ends_with('\r');
        Positions { yaml: split.yaml, offset: split.yaml_line - 1, lines: lone_cr.then(|| yaml_lines(split.yaml)) }
    }

    /// The text of a 1-based YAML line.
    fn line(&self, line: usize) -> Option<&'a str> {
        let index = line.checked_sub(1)?;
        match &self.lines {
            Some(lines) => lines.get(index).map(|(_, text)| *text),
            None => self.yaml.split('\n').nth(index).map(|l| l.strip_suffix('\r').unwrap_or(l)),
        }
    }

    fn map(&self, line: usize, column: usize) -> (usize, usize) {
        let Some(lines) = &self.lines else { return (line + self.offset, column) };
        let (start, text) = lines.get(line.saturating_sub(1)).copied().unwrap_or((self.yaml.len(), ""));
        let within = text.char_indices().nth(column.saturating_sub(1)).map_or(text.len(), |(b, _)| b);
        let (l, c) = diag::line_col(self.yaml, start + within);
        (l + self.offset, c)
    }
}

impl Checker<'_> {
    /// Types every pair, reporting each unknown key and each value of the wrong shape.
    fn typed(&mut self, pairs: Vec<(Spanned<String>, Spanned<Node>)>) -> Raw {
        let mut raw = Raw::default();
        for (key, v) in pairs {
            raw.keys.push((key.value.clone(), self.at(&key)));
            let field = key.value.as_str();
            // An optional field left empty (`attack:`, `attack: ~`) is a fact not known yet: absent,
            // as Hugo and Zola read it. A required one is reported empty below.
            if matches!(v.value, Node::Scalar(serde_json::Value::Null)) && FIELDS.contains(&field) {
                // `title: #1 事件`: a `#` after the space starts a comment, and the value is gone.
                if let Some((written, what)) = self.lost_value(&key) {
                    let quoted = written.replace('\\', "\\\\").replace('"', "\\\"");
                    let message = format!(
                        "`{field}` is empty: YAML reads `{written}` as {what}, expected the value in quotes: `{field}: \"{quoted}\"`"
                    );
                    let (l, c) = self.at(&key);
                    if REQUIRED.contains(&field) {
                        self.problems.push((l, c, message));
                        self.dropped.push(field.to_string());
                    } else {
                        self.warnings.push((l, c, message));
                    }
                    continue;
                }
                if !REQUIRED.contains(&field) {
                    continue;
                }
            }
            match field {
                "title" => raw.title = self.string(field, &v),
                "date" => raw.date = self.string(field, &v),
                "kind" => raw.kind = self.string(field, &v),
                "tags" => raw.tags = self.strings(field, &v),
                "slug" => raw.slug = self.string(field, &v),
                "summary" => raw.summary = self.string(field, &v),
                "updated" => raw.updated = self.string(field, &v),
                "draft" => match &v.value {
                    Node::Scalar(serde_json::Value::Bool(b)) => raw.draft = Some(*b),
                    other => self.report(&v, format!("`draft` is {}, expected true or false", shape(other))),
                },
                "extra" => match v.value.to_value() {
                    serde_json::Value::Object(m) => {
                        // Templates write `extra` into pages as they write titles: the same text.
                        let mut unwritable = Vec::new();
                        unwritable_in(&v, "extra", &mut unwritable);
                        if unwritable.is_empty() {
                            raw.extra = Some(m);
                        }
                        for (at, message) in unwritable {
                            self.report(&at, message);
                        }
                    }
                    serde_json::Value::Null => {}
                    _ => {
                        let (shape, hint) = (shape(&v.value), look_alike(&v.value));
                        self.report(&v, format!("`extra` is {shape}{hint}, expected a map of keys and values"));
                    }
                },
                "aliases" => raw.aliases = self.strings(field, &v),
                "id" => raw.id = self.string(field, &v),
                "organization" => raw.organization = self.string(field, &v),
                "attack" => raw.attack = self.string(field, &v),
                "sector" => raw.sector = self.string(field, &v),
                "affected" => raw.affected = Some(spanned_value(&v)),
                "data" => raw.data = self.strings(field, &v),
                "disclosed" => raw.disclosed = self.string(field, &v),
                "occurred" => raw.occurred = Some(v),
                "sources" => raw.sources = self.sources(&v),
                "follows" => raw.follows = self.string(field, &v),
                other => {
                    let hint = diag::suggestion(other, FIELDS.iter().copied());
                    // Every field named: the editor may not have the contract at hand.
                    let mut message =
                        format!("unknown field `{other}`{hint}, expected one of the fields {}", FIELDS.join(", "));
                    // A full-width space an input method put around a field's name.
                    let bare = other.trim_matches('\u{3000}');
                    if bare != other && FIELDS.contains(&bare) {
                        message = format!(
                            "the field `{bare}` is written with a full-width space `　` around it, expected `{bare}` alone at the start of the line"
                        );
                    }
                    // Hugo's `index.md`/`_index.md` mix-up: a term's text written as an entry.
                    if other == "description" {
                        message.push_str(
                            " (`description` is the field of a taxonomy's or term's text, a file named `_index.md`)",
                        );
                    }
                    self.report(&key, message);
                }
            }
        }
        raw
    }

    /// What is written right after the `:` of a field YAML read as empty, when it is most likely
    /// the value: a comment (`title: #1 事件`) or an anchor's name (`attack: &不正アクセス`). Returns
    /// it and what YAML took it for.
    fn lost_value(&self, key: &Spanned<String>) -> Option<(String, &'static str)> {
        let line = self.positions.line(key.line)?;
        let (_, rest) = line.split_once(':')?;
        let written = rest.trim_start_matches([' ', '\t']);
        // `# 未確認` (a space after the mark) reads as the note it is; `#1` as a value.
        let (mark, what) = match written.chars().next()? {
            '#' => ('#', "a comment (a `#` after a space starts one)"),
            '&' => ('&', "the name of an anchor (a `&` starts one)"),
            _ => return None,
        };
        let after = &written[mark.len_utf8()..];
        after.starts_with(|c: char| !c.is_whitespace()).then(|| (written.trim_end().to_string(), what))
    }

    fn string(&mut self, field: &str, v: &Spanned<Node>) -> Option<Spanned<String>> {
        match &v.value {
            Node::Scalar(s) if scalar_text(s).is_some() => Some(v.with(self.written(v, s))),
            other => {
                self.report(v, format!("`{field}` is {}, expected {}", shape(other), expectation(field)));
                None
            }
        }
    }

    fn strings(&mut self, field: &str, v: &Spanned<Node>) -> Option<Vec<Spanned<String>>> {
        let items = match &v.value {
            Node::Seq(items) => items,
            Node::Scalar(serde_json::Value::Null) => return None,
            other => {
                let hint = look_alike(other);
                self.report(v, format!("`{field}` is {}{hint}, expected {}", shape(other), expectation(field)));
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Node::Scalar(s) if scalar_text(s).is_some() => out.push(item.with(self.written(item, s))),
                other => self.report(
                    item,
                    format!("`{field}` has an item that is {}, expected {}", shape(other), expectation(field)),
                ),
            }
        }
        Some(out)
    }

    /// A scalar in a text field as its author wrote it. YAML types plain `No`, `007`, `1.10` and
    /// `1e3` as a boolean and numbers, whose text would come back as `false`, `7`, `1.1` and
    /// `1000.0`; a title, tag or organization is the text written, so it is read back from the
    /// source. A tagged scalar (`!!int 7`) keeps its typed value.
    fn written(&self, node: &Spanned<Node>, value: &serde_json::Value) -> String {
        self.written_at(node.line, node.column, value)
    }

    /// [`Checker::written`] for a value at a YAML line and column.
    fn written_at(&self, line: usize, column: usize, value: &serde_json::Value) -> String {
        let typed = || scalar_text(value).unwrap_or_default();
        // `.Inf`, `-.INF` and `.NaN` come from the YAML layer as the canonical `.inf`, `-.inf`
        // and `.nan` (yaml.rs): read back as written too.
        let non_finite = matches!(value.as_str(), Some(".inf" | "-.inf" | ".nan"));
        if value.is_string() && !non_finite {
            return typed();
        }
        // Every incident's `affected` comes here: the line is found without collecting them all.
        let Some(text) = self.positions.line(line) else { return typed() };
        let from = text.char_indices().nth(column.saturating_sub(1)).map_or(text.len(), |(b, _)| b);
        let token_at =
            |rest: &str| rest.split([' ', '\t', '\n', '\r', ',', ']', '}', '#']).next().unwrap_or("").to_string();
        let mut token = token_at(&text[from..]);
        // The node may start at its anchor (`&a 007`), or after it.
        if let Some(anchor) = token.strip_prefix('&') {
            let rest = text[from + 1 + anchor.len()..].trim_start_matches([' ', '\t']);
            token = token_at(rest);
        }
        // An alias (`*a`) is the value written at its anchor.
        if let Some(name) = token.strip_prefix('*').filter(|n| !n.is_empty()) {
            let mark = format!("&{name}");
            let at = self
                .positions
                .yaml
                .match_indices(&mark)
                .map(|(i, _)| i + mark.len())
                .find(|&end| self.positions.yaml[end..].starts_with([' ', '\t']));
            token =
                at.map_or(String::new(), |end| token_at(self.positions.yaml[end..].trim_start_matches([' ', '\t'])));
        }
        // A tag (`!!int 7`) asks for the typed value; a quote would have made a string.
        let before = text[..from].trim_end().rsplit([' ', '\t', '[', '{', ',']).next().unwrap_or("");
        if token.is_empty() || token.starts_with(['!', '&', '*', '"', '\'']) || before.starts_with('!') {
            typed()
        } else {
            token
        }
    }

    fn sources(&mut self, v: &Spanned<Node>) -> Option<Vec<RawSource>> {
        let items = match &v.value {
            Node::Seq(items) => items,
            Node::Scalar(serde_json::Value::Null) => return None,
            other => {
                let hint = look_alike(other);
                self.report(v, format!("`sources` is {}{hint}, expected {}", shape(other), expectation("sources")));
                return None;
            }
        };
        let mut out = Vec::new();
        for item in items {
            let Node::Map(pairs) = &item.value else {
                self.report(
                    item,
                    format!("`sources` has an item that is {}, expected `{{ title, url }}`", shape(&item.value)),
                );
                continue;
            };
            let mut title = String::new();
            let mut url = String::new();
            let mut url_at = self.at(item);
            let mut title_at = url_at;
            for (k, val) in pairs {
                let text = match &val.value {
                    Node::Scalar(s) if scalar_text(s).is_some() => Some(self.written(val, s)),
                    _ => None,
                };
                match (k.value.as_str(), text) {
                    ("title", Some(t)) => {
                        title = t;
                        title_at = self.at(val);
                    }
                    ("url", Some(u)) => {
                        url = u;
                        url_at = self.at(val);
                    }
                    ("title" | "url", None) => {
                        self.report(val, format!("`sources` {} is {}, expected a string", k.value, shape(&val.value)))
                    }
                    (other, _) => {
                        let hint = diag::suggestion(other, ["title", "url"]);
                        self.report(
                            k,
                            format!("`sources` item has an unknown key `{other}`{hint}, expected `title` and `url`"),
                        );
                    }
                }
            }
            out.push(RawSource { title, url, url_at, title_at });
        }
        Some(out)
    }

    fn at<T>(&self, v: &Spanned<T>) -> (usize, usize) {
        let (l, c) = yaml::position(v);
        self.positions.map(l, c)
    }

    fn report<T>(&mut self, v: &Spanned<T>, message: String) {
        let (l, c) = self.at(v);
        self.problems.push((l, c, message));
    }

    fn text(&mut self, field: &str, v: Option<Spanned<String>>) -> Option<String> {
        let v = v?;
        if v.value.trim().is_empty() {
            // `summary: ""` is left empty as `summary:` is: absent, unless the field is required.
            if REQUIRED.contains(&field) {
                self.report(&v, format!("`{field}` is empty, expected a non-empty string"));
            }
            return None;
        }
        if let Some(c) = control(&v.value) {
            self.report(&v, format!("`{field}` contains {}, expected text", named(c)));
            return None;
        }
        Some(v.value.trim().to_string())
    }

    fn list(&mut self, field: &str, v: Option<Vec<Spanned<String>>>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for item in v.unwrap_or_default() {
            let s = item.value.trim();
            if s.is_empty() {
                self.report(&item, format!("`{field}` has an empty item, expected non-empty strings"));
                continue;
            }
            if let Some(c) = control(s) {
                let message = format!("`{field}` has an item with {}, expected text", named(c));
                self.report(&item, message);
                continue;
            }
            // `[ランサムウェア、不正アクセス]`: a Japanese comma typed for YAML's `,` makes one
            // term of two. It is read as written (a term may hold one), and said.
            if let Some(comma) = s.chars().find(|c| matches!(c, '、' | '，'))
                && let parts = s.split(['、', '，']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>()
                && parts.len() > 1
            {
                let (line, column) = self.at(&item);
                self.warnings.push((
                    line,
                    column,
                    format!(
                        "`{field}` item `{s}` holds the Japanese comma `{comma}`, which does not separate items, so it is one term; expected `[{}]` (half-width commas) for {} terms",
                        parts.join(", "),
                        parts.len()
                    ),
                ));
            }
            // The same term twice on one entry would count the entry twice.
            let key = url::key(s);
            if !keys.contains(&key) {
                keys.push(key);
                out.push(s.to_string());
            }
        }
        out
    }

    /// Each alias as the output file of its redirect page; clashes are the site's to find.
    fn aliases(&mut self, v: Option<Vec<Spanned<String>>>) -> Vec<At<Alias>> {
        let mut out = Vec::new();
        for item in v.unwrap_or_default() {
            let (line, column) = self.at(&item);
            match url::alias::parse(&item.value) {
                Ok(path) => {
                    // Kept as written, as an alias answers an old URL byte for byte (a term's key
                    // or a slug would be made `-…`), but told: where the host skips it, the old
                    // URL stays broken.
                    if let Some(hidden) = path.split('/').find(|s| s.starts_with('.')) {
                        self.warnings.push((
                            line,
                            column,
                            format!(
                                "`aliases` item `{}` has the segment `{hidden}`, which begins with `.`: hosts and deploy tools that skip hidden files (GitHub Pages' Jekyll, rsync and upload filters) leave its redirect page out",
                                item.value.trim()
                            ),
                        ));
                    }
                    out.push(At { value: Alias { path, written: item.value.trim().to_string() }, line, column })
                }
                Err(why) => {
                    let written = item.value.trim();
                    const EXPECTED: &str =
                        "expected a path of this site such as `/incidents/legacy-report/` or `/old/page.html`";
                    let message = if written.is_empty() || control(written).is_some() {
                        format!("`aliases` has an item that {why}, {EXPECTED}")
                    } else {
                        format!("`aliases` item `{written}` {why}, {EXPECTED}")
                    };
                    self.report(&item, message);
                }
            }
        }
        out
    }

    fn day(&mut self, field: &str, v: Option<Spanned<String>>) -> Option<NaiveDate> {
        let v = v?;
        match parse_date(&v.value) {
            Some(d) => Some(d.day),
            None => {
                self.report(
                    &v,
                    format!(
                        "`{field}` is `{}`{}, expected a date YYYY-MM-DD (or a date-time{DATE_TIME})",
                        v.value,
                        no_such_day(&v.value)
                    ),
                );
                None
            }
        }
    }

    fn check(mut self, raw: Raw, default_kind: Kind) -> Result<FrontMatter, Failed> {
        let title_line = raw.title.as_ref().map_or(self.positions.offset + 1, |t| self.at(t).0);
        // A field written with a value of the wrong shape (`title: [a, b]`) is reported as that,
        // at the value; "missing" beside it would send the editor looking for a line that is there.
        // A misspelt key (`organisation`) is reported with its "did you mean": the field it was
        // meant for counts as written, or one mistake would be two errors.
        // So does a field left out for a YAML error of its own (`title：…`).
        let written = |field: &str| {
            raw.keys.iter().map(|(k, _)| k).chain(&self.dropped).any(|k| {
                k == field
                    || (!FIELDS.contains(&k.as_str()) && diag::did_you_mean(k, FIELDS.iter().copied()) == Some(field))
            })
        };
        let (title_written, date_written, organization_written) =
            (written("title"), written("date"), written("organization"));
        let title = match raw.title {
            None if title_written => None,
            None => {
                self.problems.push((
                    self.positions.offset + 1,
                    1,
                    "`title` is missing, expected a title for the entry".into(),
                ));
                None
            }
            Some(t) => self.text("title", Some(t)),
        };

        let date_at = raw.date.as_ref().map(|d| self.at(d));
        let date_text = raw.date.as_ref().map(|d| d.value.trim().to_string());
        let date = match raw.date {
            None if date_written => None,
            None => {
                self.problems.push((title_line, 1, "`date` is missing, expected a date YYYY-MM-DD".into()));
                None
            }
            Some(d) => match parse_date(&d.value) {
                Some(date) => Some(date),
                None => {
                    self.report(
                        &d,
                        format!(
                            "`date` is `{}`{}, expected a date YYYY-MM-DD or a date and time with its time zone such as 2024-01-30T10:00:00+09:00",
                            d.value,
                            no_such_day(&d.value)
                        ),
                    );
                    None
                }
            },
        };

        // An invalid `kind` is reported by itself; only a written `article` is the reason below.
        let article_written = raw.kind.as_ref().is_some_and(|k| k.value.trim() == "article");
        let kind = match raw.kind {
            None => default_kind,
            Some(k) => match k.value.trim() {
                "incident" => Kind::Incident,
                "article" => Kind::Article,
                other => {
                    self.report(&k, format!("`kind` is `{other}`, expected `incident` or `article`"));
                    default_kind
                }
            },
        };

        let tags = self.list("tags", raw.tags);
        let slug = raw.slug.and_then(|s| {
            let (line, column) = self.at(&s);
            let value = s.value.trim().to_string();
            match url::check_segment(&value) {
                Ok(()) => Some(At { value: url::key(&value), line, column }),
                Err(why) => {
                    self.report(&s, format!("`slug` {why}, expected one URL path segment such as `verdy-store`"));
                    None
                }
            }
        });
        let summary = self.text("summary", raw.summary);
        let updated_at = raw.updated.as_ref().map(|d| self.at(d));
        // With its time, when it has one: compared with a `date` in another offset.
        let updated_full = raw.updated.as_ref().and_then(|d| as_written(&d.value));
        let updated = self.day("updated", raw.updated);
        let aliases = self.aliases(raw.aliases);

        // Incident-only fields on an article are most likely a missing `kind: incident` or a file
        // outside `incidents/`: one problem, reported once at the first such field with all of
        // them named (an incident in the wrong directory would otherwise give ten errors), and
        // saying why the entry is an article.
        // A `kind` left out for a YAML mistake of its own may have said either: nothing that
        // depends on it is reported.
        let kind_known = !self.dropped.iter().any(|k| k == "kind");
        if kind == Kind::Article && kind_known {
            let fields: Vec<&(String, (usize, usize))> =
                raw.keys.iter().filter(|(k, _)| INCIDENT_FIELDS.contains(&k.as_str())).collect();
            if let Some((_, (line, col))) = fields.first() {
                let names = fields.iter().map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                let (are, them) = if fields.len() == 1 { ("is a field", "it") } else { ("are fields", "them") };
                let why = if article_written {
                    "`kind: article`"
                } else {
                    "no `kind: incident` and is not under the content directory's `incidents/`"
                };
                self.problems.push((
                    *line,
                    *col,
                    format!(
                        "{names} {are} of incidents, but this entry is an article (it has {why}), expected `kind: incident` or the entry without {them}"
                    ),
                ));
            }
        }

        let id = raw.id.and_then(|v| {
            let (line, column) = self.at(&v);
            let value = v.value.trim().to_string();
            if is_series_id(&value) {
                Some(At { value, line, column })
            } else {
                let why = full_width(&value);
                self.report(&v, format!("`id` is `{value}`{why}, expected YYYY-NNN such as `2024-033`"));
                None
            }
        });
        let organization = self.text("organization", raw.organization);
        if kind == Kind::Incident && kind_known && organization.is_none() && !organization_written {
            self.problems.push((
                title_line,
                1,
                "`organization` is missing, expected the organization an incident is about".into(),
            ));
        }
        let attack = self.text("attack", raw.attack);
        let sector = self.text("sector", raw.sector);
        let affected = raw.affected.and_then(|v| {
            let shape = match &v.value {
                serde_json::Value::Array(_) => Some("a list"),
                serde_json::Value::Object(_) => Some("a map"),
                serde_json::Value::String(s) if s.trim().is_empty() => Some("empty"),
                _ => None,
            };
            if let Some(shape) = shape {
                self.report(&v, format!("`affected` is {shape}, expected a non-negative whole number"));
                return None;
            }
            // As written: YAML reads `007` as 7.0 and `0x10` as 16, but a count is plain digits.
            let written = match &v.value {
                serde_json::Value::String(s) => s.clone(),
                other => self.written_at(v.line, v.column, other),
            };
            let digits = !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit());
            let count = match &v.value {
                serde_json::Value::Number(_) if digits => written.parse::<u64>().ok(),
                // A tagged number (`!!int 7`) reads back as its value.
                serde_json::Value::Number(n) if n.as_u64().is_some_and(|u| u.to_string() == written) => n.as_u64(),
                _ => None,
            }
            .filter(|&n| n <= MAX_AFFECTED);
            if count.is_none() {
                let message = if digits && v.value.is_string() {
                    format!("`affected` is the text \"{written}\" in quotes, expected a whole number without quotes")
                } else if digits {
                    format!(
                        "`affected` is `{written}`, more than the dataset can hold exactly, expected at most {MAX_AFFECTED}"
                    )
                } else {
                    let why = full_width(&written);
                    format!("`affected` is `{written}`{why}, expected a non-negative whole number without separators")
                };
                self.report(&v, message);
            }
            count
        });
        let data = self.list("data", raw.data);
        let disclosed_at = raw.disclosed.as_ref().map(|d| self.at(d));
        // With their times, when written with one, for the order of the dates below.
        let disclosed_full = raw.disclosed.as_ref().and_then(|d| as_written(&d.value));
        let disclosed = self.day("disclosed", raw.disclosed);
        let occurred_at = raw.occurred.as_ref().map(|v| self.at(v));
        let began = raw.occurred.as_ref().and_then(period_start);
        let occurred = raw.occurred.and_then(|v| self.period(&v));
        self.problems.extend(out_of_order(
            date.zip(date_text).zip(date_at),
            updated_full.filter(|_| updated.is_some()).zip(updated_at),
            disclosed_full.filter(|_| disclosed.is_some()).zip(disclosed_at),
            began.filter(|_| occurred.is_some()).zip(occurred_at),
        ));
        let mut sources = Vec::new();
        for s in raw.sources.unwrap_or_default() {
            let url = s.url.trim();
            let (line, col) = s.url_at;
            // Each of the two at its own place, both in one run.
            let unwritable = [(&s.title, "title", s.title_at), (&s.url, "url", s.url_at)]
                .into_iter()
                .filter_map(|(text, key, at)| control(text).map(|c| (key, at, c)))
                .collect::<Vec<_>>();
            if !unwritable.is_empty() {
                for (key, (line, col), c) in unwritable {
                    self.problems.push((line, col, format!("`sources` {key} contains {}, expected text", named(c))));
                }
            } else if url.is_empty() {
                self.problems.push((line, col, "`sources` item has no url, expected `url: https://…`".into()));
            } else if !is_http_url(url) {
                let http = url.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://"))
                    || url.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://"));
                let message = match url.chars().find(|c| c.is_whitespace()) {
                    Some(space) if http => {
                        let (name, code) =
                            if space == '\u{3000}' { ("a full-width space", "%E3%80%80") } else { ("a space", "%20") };
                        format!(
                            "`sources` url `{url}` has {name} in it, expected a URL without spaces (write `{code}` for one)"
                        )
                    }
                    _ if http => format!(
                        "`sources` url `{url}` has no valid host, expected `https://` and a host name (and a port up to 65535, if any)"
                    ),
                    _ => format!(
                        "`sources` url `{url}` is not an http(s) URL, expected one starting with https:// or http://"
                    ),
                };
                self.problems.push((line, col, message));
            } else if s.title.trim().is_empty() {
                self.problems.push((line, col, "`sources` item has no title, expected a title".into()));
            } else {
                sources.push(Source { title: s.title.trim().to_string(), url: url.to_string() });
            }
        }
        let follows = raw.follows.and_then(|v| {
            let (line, column) = self.at(&v);
            let value = v.value.trim().to_string();
            if value.is_empty() {
                self.report(&v, "`follows` is empty, expected the id or slug of an earlier entry".into());
                None
            } else if let Some(c) = control(&value) {
                self.report(&v, format!("`follows` contains {}, expected text", named(c)));
                None
            } else {
                Some(At { value, line, column })
            }
        });

        match (title, date) {
            (Some(title), Some(date)) if self.problems.is_empty() => Ok(FrontMatter {
                title,
                date,
                kind,
                tags,
                slug,
                summary,
                updated,
                draft: raw.draft.unwrap_or(false),
                extra: raw.extra.unwrap_or_default(),
                aliases,
                id,
                organization,
                attack,
                sector,
                affected,
                data,
                disclosed,
                occurred,
                sources,
                follows,
                title_line,
                warnings: self.warnings,
            }),
            _ => Err(Failed { errors: self.problems, warnings: self.warnings }),
        }
    }

    fn period(&mut self, v: &Spanned<Node>) -> Option<Period> {
        let expected =
            "expected a date YYYY-MM-DD or `{ from: YYYY-MM-DD, to: YYYY-MM-DD }` (or date-times with their time zone)";
        let pairs = match &v.value {
            Node::Scalar(value) => {
                let text = scalar_text(value).unwrap_or_default();
                return match parse_date(&text) {
                    Some(d) => Some(Period { from: d.day, to: d.day }),
                    // `from：2024-01-01` / `to 2024-01-31` over two lines: one plain text to YAML.
                    None if text.trim_start().starts_with("from") => {
                        let message = format!(
                            "`occurred` is the text `{text}`: its `from` and `to` lack the half-width `: ` that makes them keys, {expected}"
                        );
                        self.report(v, message);
                        None
                    }
                    None => {
                        self.report(v, format!("`occurred` is `{text}`{}, {expected}", no_such_day(&text)));
                        None
                    }
                };
            }
            Node::Map(pairs) => pairs,
            other => {
                self.report(v, format!("`occurred` is {}, {expected}", shape(other)));
                return None;
            }
        };
        let (mut from, mut to) = (None, None);
        let mut ok = true;
        for (k, val) in pairs {
            let end = match k.value.as_str() {
                "from" => &mut from,
                "to" => &mut to,
                // `{ from：2024-01-01 }`: the key runs on to the value through a full-width colon.
                other if ["from", "to"].iter().any(|e| other.strip_prefix(e).is_some_and(|r| r.starts_with('：'))) => {
                    let key = other.split('：').next().unwrap_or(other);
                    let message = format!(
                        "`{key}` of `occurred` is followed by the full-width colon `：`, expected `{key}: ` (a half-width colon and a space)"
                    );
                    self.report(k, message);
                    ok = false;
                    continue;
                }
                other => {
                    let hint = diag::suggestion(other, ["from", "to"]);
                    self.report(k, format!("`occurred` has an unknown key `{other}`{hint}, {expected}"));
                    ok = false;
                    continue;
                }
            };
            let text = match &val.value {
                Node::Scalar(value) => scalar_text(value),
                _ => None,
            };
            match text.as_deref().and_then(|t| parse_date(t).map(|d| (d, t.trim().to_string()))) {
                Some(d) => *end = Some(d),
                None => {
                    let shown =
                        text.map_or_else(|| shape(&val.value).to_string(), |t| format!("`{t}`{}", no_such_day(&t)));
                    self.report(
                        val,
                        format!(
                            "`occurred.{}` is {shown}, expected a date YYYY-MM-DD (or a date-time{DATE_TIME})",
                            k.value
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        match (from, to) {
            // Two date-times compare as instants (`01:00+09:00` on the 1st is 16:00Z on the 29th).
            (Some((from, _)), Some((to, _))) if !before(&to, &from) => Some(Period { from: from.day, to: to.day }),
            (Some((_, from)), Some((_, to))) => {
                self.report(
                    v,
                    format!("`occurred` runs from {from} to the earlier {to}, expected `from` on or before `to`"),
                );
                None
            }
            (f, _) => {
                let missing = if f.is_none() { "from" } else { "to" };
                self.report(v, format!("`occurred` has no `{missing}`, {expected}"));
                None
            }
        }
    }
}

/// How a date-time is written, for messages about date fields.
const DATE_TIME: &str = " with its time zone, such as 2024-01-30T10:00:00+09:00";

/// A date, as written, and where its field is written.
type DateAt = Option<((Date, String), (usize, usize))>;

/// When `occurred` begins, with its time when written with one, and as written: the date
/// itself, or its `from`.
fn period_start(v: &Spanned<Node>) -> Option<(Date, String)> {
    let start = match &v.value {
        Node::Map(pairs) => &pairs.iter().find(|(k, _)| k.value == "from")?.1.value,
        other => other,
    };
    match start {
        Node::Scalar(value) => as_written(&scalar_text(value)?),
        _ => None,
    }
}

/// A date and its text as written (trimmed).
fn as_written(text: &str) -> Option<(Date, String)> {
    parse_date(text).map(|d| (d, text.trim().to_string()))
}

/// Whether `a` is before `b`: as instants when both have a time (`2024-03-09T20:00:00Z` is after
/// `2024-03-10T00:30:00+09:00`), else as the days written.
fn before(a: &Date, b: &Date) -> bool {
    match (a.time, b.time) {
        (Some(x), Some(y)) => x < y,
        _ => a.day < b.day,
    }
}

/// Dates of one entry that contradict each other, each valid alone: an update before the entry's
/// date, a disclosure or an entry before the incident began. Each is a mistyped year or month far
/// more often than a fact, and would put the entry in the wrong place in feeds, years and the
/// dataset without a word. Every contradiction is reported, each at the later field of the two.
/// A disclosure after the entry's date is not one: an entry may report a breach from the news
/// before the organization announces it.
fn out_of_order(date: DateAt, updated: DateAt, disclosed: DateAt, began: DateAt) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let (Some(((d, d_text), (dl, _))), Some(((u, u_text), (l, c)))) = (&date, &updated)
        && before(u, d)
    {
        let (u, d) = (u_text, d_text);
        let message =
            format!("`updated` is {u}, before the entry's `date` {d} (line {dl}), expected a change on or after it");
        problems.push((*l, *c, message));
    }
    let Some(((from, from_text), (fl, fc))) = &began else { return problems };
    if let Some(((x, x_text), (l, c))) = &disclosed
        && before(x, from)
    {
        let (x, from) = (x_text, from_text);
        problems.push((
            *l,
            *c,
            format!("`disclosed` is {x}, before the incident began (`occurred` from {from}, line {fl}), expected the day it was made public, on or after that"),
        ));
    }
    if let Some(((d, d_text), (dl, _))) = &date
        && before(d, from)
    {
        let (d, from) = (d_text, from_text);
        problems.push((
            *fl,
            *fc,
            format!("`occurred` begins on {from}, after the entry's `date` {d} (line {dl}), expected the incident to have begun by the day the entry reports it"),
        ));
    }
    problems
}

/// `YYYY-MM-DD` or an RFC 3339 date-time.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        // chrono accepts one-digit months and days; the contract is the fixed-width form.
        return (s.len() == 10).then_some(Date { day, time: None });
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| Date { day: t.date_naive(), time: Some(t) })
}

/// `YYYY-NNN`: four digits, a hyphen, three or more digits.
pub fn is_series_id(s: &str) -> bool {
    let Some((year, num)) = s.split_once('-') else {
        return false;
    };
    year.len() == 4
        && num.len() >= 3
        && year.bytes().all(|b| b.is_ascii_digit())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// `(year, number)` of a series id: `2024-070` and `2024-0070` are one place in the series.
pub fn series_number(id: &str) -> Option<(u32, u32)> {
    let (year, num) = id.split_once('-')?;
    Some((year.parse().ok()?, num.parse().ok()?))
}

fn is_http_url(s: &str) -> bool {
    // Schemes are case-insensitive (RFC 3986 §3.1): `HTTPS://` is as good.
    let after =
        |scheme: &str| s.get(..scheme.len()).filter(|p| p.eq_ignore_ascii_case(scheme)).map(|_| &s[scheme.len()..]);
    let Some(rest) = after("https://").or_else(|| after("http://")) else { return false };
    // The host is what the authority holds between its user (`user@`) and its port (`:443`).
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (user, host_port) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    // An IPv6 address is bracketed (`[::1]:8080`); a port is a number a port can be.
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, after)) if !addr.is_empty() => {
                (addr, after.strip_prefix(':').or(after.is_empty().then_some("")))
            }
            _ => return false,
        },
        None => host_port.rsplit_once(':').map_or((host_port, Some("")), |(h, p)| (h, Some(p))),
    };
    let port_ok =
        port.is_some_and(|p| p.is_empty() || (p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()));
    !host.is_empty() && port_ok && !user.contains('@') && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The first control character of front-matter text other than line ends and tabs (which a
/// quoted YAML string can hold), or noncharacter (U+FFFE): invisible in an editor, and not
/// allowed in HTML. A form feed, allowed in a body's text, is no text of a field.
pub fn control(s: &str) -> Option<char> {
    s.chars().find(|&c| unwritable(c))
}

/// The keys and text in a value (of `extra`) that hold a character [`control`] finds, each at its
/// place with a message naming it by its path (`extra.note`, `extra.links[1]`).
fn unwritable_in(v: &Spanned<Node>, path: &str, out: &mut Vec<(Spanned<()>, String)>) {
    match &v.value {
        Node::Scalar(serde_json::Value::String(text)) => {
            if let Some(c) = control(text) {
                out.push((v.with(()), format!("`{path}` contains {}, expected text", named(c))));
            }
        }
        Node::Scalar(_) => {}
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                unwritable_in(item, &format!("{path}[{i}]"), out);
            }
        }
        Node::Map(pairs) => {
            for (k, item) in pairs {
                let inner = format!("{path}.{}", k.value);
                if let Some(c) = control(&k.value) {
                    out.push((k.with(()), format!("the key of `{inner}` contains {}, expected text", named(c))));
                }
                unwritable_in(item, &inner, out);
            }
        }
    }
}

/// A character [`control`] finds.
fn unwritable(c: char) -> bool {
    c == '\u{c}' || super::markdown::is_forbidden(c)
}

/// A character [`control`] finds, named for a message: "the control character U+0001".
pub fn named(c: char) -> String {
    let what = if c.is_control() { "control character" } else { "noncharacter" };
    format!("the {what} U+{:04X}", c as u32)
}

/// Why text that does not parse as a date is wrong, when it can be told, for a message where
/// "expected a date YYYY-MM-DD" alone would leave the author looking at a right shape: a day no
/// calendar has (`2023-02-30`), full-width characters (typed with a Japanese input method, and
/// hard to tell apart from their half-width twins), or a time with no time zone.
fn no_such_day(s: &str) -> std::borrow::Cow<'static, str> {
    let s = s.trim();
    let b = s.as_bytes();
    let shaped = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..10].iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let day_exists = shaped && NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").is_ok();
    if shaped && !day_exists {
        ", a day that does not exist".into()
    } else if has_full_width(s) {
        full_width(s).into()
    } else if day_exists && b.len() > 10 {
        let zoned = s.ends_with(['Z', 'z']) || s[10..].rfind(['+', '-']).is_some();
        // Jekyll's and Hugo's `2024-02-01 10:00:00 +09:00`: the zone set off by a space.
        let spaced_zone = s[10..].rfind([' ', '\t']).is_some_and(|i| s[10 + i + 1..].starts_with(['+', '-']));
        if spaced_zone {
            ", a time zone set off by a space (write `2024-02-01T10:00:00+09:00`, the zone right after the time)".into()
        } else if zoned {
            "".into()
        } else {
            ", a time without a time zone (such as +09:00)".into()
        }
    } else {
        "".into()
    }
}

/// ", written with full-width characters ..." naming them with their half-width forms, for text
/// that has some (`２７２６` → `2726`); empty for text that has none.
fn full_width(s: &str) -> String {
    if !has_full_width(s) {
        return String::new();
    }
    let s = s.trim();
    let half: String = s
        .chars()
        .map(
            |c| if ('\u{FF01}'..='\u{FF5E}').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c },
        )
        .collect();
    format!(", written with full-width characters; write them half-width (`{s}` → `{half}`)")
}

/// Whether `s` has full-width ASCII forms (`２`, `－`, `：`).
fn has_full_width(s: &str) -> bool {
    s.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c))
}

/// Rewrites a YAML error so it names the field and says what was expected; returns it with the
/// column to point at (the parser's, or the key's when the message is about the key's place), and
/// whether the mistake is one known to stay inside its field (see [`plain_account`]).
fn describe_yaml_error(yaml: &str, line: usize, column: usize, message: &str) -> (usize, String, bool) {
    let field = field_at(yaml, line);
    let expected = field.map_or("valid YAML front matter", expectation);
    // Two of the parser's accounts are said in the editor's terms: "duplicate mapping key" (and
    // "expected a string" after it) for a field written twice, and the nesting budget's internals
    // (`budget breached: Depth { depth: 33 }`) for a value nested too deep.
    if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let key = key.trim();
        let message = match field {
            Some(f) if f == key => format!("`{key}` is written twice, expected each field once"),
            Some(f) => format!("`{f}` has the key `{key}` twice, expected each key once"),
            None => format!("the front matter has the key `{key}` twice, expected each key once"),
        };
        return (column, message, false);
    }
    if message.starts_with("budget breached") || message.starts_with("recursion limit exceeded") {
        let what = field.map_or("the front matter".to_string(), |f| format!("`{f}`"));
        let message = format!(
            "{what} is nested more than {} levels deep (lists and maps inside each other), expected {expected}",
            yaml::MAX_DEPTH
        );
        return (column, message, false);
    }
    let what = field.map_or("the front matter".to_string(), |f| format!("`{f}`"));
    if let Some((at, told)) = plain_account(yaml, line, column, message) {
        return (at.unwrap_or(column), format!("{what} {told}"), true);
    }
    (column, format!("{what} is not valid YAML ({message}), expected {expected}"), false)
}

/// The parser's accounts of the commonest slips inside a field, said in an editor's terms (the
/// rest of a sentence that starts with the field) with the (1-based) column of the key when the
/// account is about the key's place rather than where the parser stopped; `None` to keep the
/// parser's own words. Each slip told here is on the line the parser stops at, inside the field
/// of that line: the fields after it can be read once that field is left out.
fn plain_account(yaml: &str, line: usize, column: usize, message: &str) -> Option<(Option<usize>, String)> {
    let lines = yaml_lines(yaml);
    let text = lines.get(line.checked_sub(1)?).map_or("", |(_, l)| *l);
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    // The line above, and whether it is a key with its value on the same line.
    let above = lines[..(line - 1).min(lines.len())].iter().rev().map(|(_, l)| *l).find(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    });
    let above_has_value =
        above.and_then(|a| a.trim_start().trim_start_matches("- ").split_once(':')).is_some_and(|(_, v)| {
            let v = v.trim();
            !v.is_empty() && !v.starts_with('#')
        });
    let key_column = Some(indent(text) + 1);
    // A top-level line may be one a mistake above left over (a quote closed too early): kept.
    if message.starts_with("simple key expected") && text.starts_with(' ') {
        if let Some(item) = text.trim_start().strip_prefix('-').filter(|r| !r.starts_with([' ', '\t'])) {
            let told = format!("has a list item with no space after its `-`, expected `- {}`", item.trim());
            return Some((key_column, told));
        }
        return Some((None, "has a line with no `:`, expected `key: value` (or the whole value in quotes)".into()));
    }
    if message.starts_with("invalid trailing content after") {
        return Some((None, "has text after a closing quote, expected the whole value inside the quotes".into()));
    }
    // A value that starts with a character YAML reads as something else: a reference (`*`), a
    // tag (`!`), a block of text (`|`, `>`), a list item (`- `), a complex key (`? `).
    let value_start =
        text.trim_start().trim_start_matches("- ").split_once(": ").map(|(_, v)| v.trim_start()).unwrap_or_default();
    let reserved = |c: char| {
        let c = if c == '`' { "a backtick".to_string() } else { format!("`{c}`") };
        format!("has a value that starts with {c}, which YAML keeps for itself, expected the value in quotes")
    };
    let starts_with_reserved = message.starts_with("alias references unknown anchor")
        || message.starts_with("while scanning a tag")
        || message.starts_with("block sequence entries are not allowed")
        || message.starts_with("mapping keys are not allowed");
    if starts_with_reserved && let Some(c @ ('*' | '!' | '-' | '?')) = value_start.chars().next() {
        return Some((None, reserved(c)));
    }
    if message.starts_with("while scanning a block scalar")
        && let Some(c @ ('|' | '>')) = value_start.chars().next()
    {
        let told = format!(
            "has a value that starts with `{c}`, which starts a block of text on the lines below it, expected the value in quotes (or the text on the lines below, indented)"
        );
        return Some((None, told));
    }
    if let Some(open) = message.strip_prefix("unclosed bracket '").and_then(|r| r.chars().next()) {
        let (what, close) = if open == '[' { ("list", ']') } else { ("map", '}') };
        let note = comment_in(text);
        return Some((None, format!("has a {what} that is not closed{note}, expected a closing `{close}`")));
    }
    if message.starts_with("misplaced bracket") {
        return Some((None, "has a bracket that closes nothing, expected brackets in pairs".into()));
    }
    if let Some(c) = message.strip_prefix("unexpected character: `").and_then(|r| r.chars().next()) {
        return Some((None, reserved(c)));
    }
    if message.contains("did not find expected '-' indicator") {
        let told = "has list items and `key: value` lines in one block, expected either `- ` items or keys";
        return Some((key_column, told.into()));
    }
    if message.starts_with("mapping values are not allowed") {
        if above.is_some_and(|a| indent(text) > indent(a)) && above_has_value {
            let told = "has a key indented more than the one above it, expected the keys of one map lined up";
            return Some((key_column, told.into()));
        }
        let body = text.trim_start().trim_start_matches("- ");
        let (key, value) = body.split_once(": ")?;
        if value.contains(": ") && !value.trim_start().starts_with(['"', '\'', '[', '{']) {
            let expected = colon_in_value(key.trim(), text.starts_with([' ', '-']), value);
            return Some((
                None,
                format!("has a value holding `: `, which YAML reads as the start of a map, {expected}"),
            ));
        }
        // `title: 重要なお知らせ:`: a value that ends with a colon.
        if value.trim_end().ends_with(':') && !value.trim_start().starts_with(['"', '\'', '[', '{']) {
            let expected = colon_in_value(key.trim(), text.starts_with([' ', '-']), value);
            return Some((None, format!("has a value that ends with `:`, which YAML reads as a key, {expected}")));
        }
        return None;
    }
    if message.contains("did not find expected key") {
        if above.is_some_and(|a| indent(text) < indent(a)) {
            let told = "has a key indented less than the one above it, expected the keys of one map lined up";
            return Some((key_column, told.into()));
        }
        // `tags: [a, b], c`: the parser stops at what follows the closing bracket or quote.
        let before: String = text.chars().take(column.saturating_sub(1)).collect();
        if before.trim_end().ends_with([']', '}', '"', '\'']) {
            // `title: [速報] 不正アクセス`: text that starts with a bracket, in a text field.
            if let Some((key, value)) = text.split_once(':').filter(|_| !text.starts_with([' ', '-']))
                && !matches!(key.trim(), "tags" | "data" | "aliases" | "sources" | "extra" | "occurred")
                && value.trim_start().starts_with(['[', '{'])
            {
                let (key, value) = (key.trim(), value.trim());
                let list = before.trim_end();
                let first = list.find(['[', '{']).map_or(list, |i| &list[i..]);
                let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
                let told = format!(
                    "is read as `{first}`, a list or map, with text after it, expected the whole value in quotes: `{key}: \"{quoted}\"`"
                );
                return Some((None, told));
            }
            let told = "has text after its closing bracket or quote, expected nothing after it on the line";
            return Some((None, told.into()));
        }
    }
    None
}

/// What a value holding `: ` (the value of `key`, a field's own or, `nested`, a key inside one)
/// was meant to be: text in quotes, or for a field that holds no text, the shape it holds.
fn colon_in_value(key: &str, nested: bool, value: &str) -> String {
    let quoted = value.trim().replace('\\', "\\\\").replace('"', "\\\"");
    let in_quotes = format!("expected the value in quotes: `{key}: \"{quoted}\"`");
    if nested {
        return in_quotes;
    }
    match key {
        "occurred" => "expected `from` and `to` inside braces: `occurred: { from: YYYY-MM-DD, to: YYYY-MM-DD }`".into(),
        "sources" => "expected its items on the lines below it: `  - title: …` and `    url: …`".into(),
        "extra" => "expected its keys on the lines below it, indented: `  key: value`".into(),
        "affected" => "expected a non-negative whole number".into(),
        "date" | "updated" | "disclosed" => "expected a date YYYY-MM-DD".into(),
        "tags" | "data" | "aliases" => "expected a list such as `[a, b]`, an item holding `: ` in quotes".into(),
        "draft" => "expected true or false".into(),
        _ => in_quotes,
    }
}

/// The mistake behind a YAML syntax error, when it is one of those the parser notices only
/// later: a quote or a bracket left open (the parser fails on the next line, in another field)
/// or a tab that indents a line (YAML indents with spaces only). Returns the YAML position of
/// the mistake itself and a message naming its field, or `None` to keep the parser's account.
fn syntax_culprit(yaml: &str, error_line: usize) -> Option<Culprit> {
    let lines = yaml_lines(yaml);
    // A plain value reads on into the next line, so a tab there is reported on the line before.
    let upto = (error_line + 1).min(lines.len());
    for (i, (_, line)) in lines[..upto].iter().enumerate() {
        let number = i + 1;
        // A character pasted in with the text (a PDF's backspace, U+FFFE) that YAML refuses to
        // read at all: named as a field's value that holds one is.
        if let Some((at, c)) = line.chars().enumerate().find(|&(_, c)| unwritable(c)) {
            let own = (!line.starts_with([' ', '\t', '-'])).then(|| line.split([':', '：']).next()).flatten();
            let field = own
                .and_then(|k| FIELDS.iter().copied().find(|f| *f == k.trim()))
                .or_else(|| field_at(yaml, number))
                .map_or("the front matter".to_string(), |f| format!("`{f}`"));
            return Some((number, at + 1, format!("{field} contains {}, expected text", named(c)), None));
        }
        // A field whose `:` an input method made full-width, or that lacks one or its space: the
        // parser reads the line as text and fails at the next field.
        let inside_open_value =
            lines[..i].iter().rev().map(|(_, l)| *l).find(|l| !l.trim().is_empty()).is_some_and(|prev| {
                prev.split_once(':').is_some_and(|(_, v)| {
                    let v = v.trim_start();
                    match v.chars().next() {
                        Some(q @ ('"' | '\'')) => !quote_closed(&v[1..], q),
                        Some('[' | '{') => !brackets_closed(v),
                        _ => false,
                    }
                })
            });
        if !inside_open_value && let Some((column, mut message)) = colon_slip(line) {
            // `description: 一覧の説明` / `その続き`: text meant to go on from the field above.
            let above = lines[..i].iter().rev().map(|(_, l)| *l).find(|l| !l.trim().is_empty());
            let goes_on = above.filter(|a| !a.starts_with([' ', '\t', '#', '-'])).and_then(|a| a.split_once(": "));
            if message.starts_with("this line has no `:`")
                && let Some((key, value)) = goes_on
                && matches!(key.trim(), "title" | "summary" | "organization" | "attack" | "sector" | "description")
                && !value.trim().is_empty()
                && !value.trim_start().starts_with(['"', '\'', '[', '{', '|', '>', '#'])
            {
                let key = key.trim();
                message = format!(
                    "this line has no `:`, expected it indented under `{key}` to go on with its value (or joined to the line above)"
                );
            }
            return Some((number, column, message, None));
        }
        if !inside_open_value
            && let Some(field @ ("sources" | "occurred")) = field_at(yaml, number)
            && let Some((column, message)) = nested_colon_slip(field, line)
        {
            return Some((number, column, message, None));
        }
        if line.starts_with([' ', '\t'])
            && line.trim_start_matches([' ', '\t']).starts_with(|c: char| c != '#')
            && let Some(tab) = line.chars().take_while(|c| *c == ' ' || *c == '\t').position(|c| c == '\t')
        {
            // `\tsector: x` is most likely a top-level field indented by mistake.
            let own = line.trim_start().split(':').next().map(str::trim);
            let own = own.and_then(|k| FIELDS.iter().copied().find(|f| *f == k));
            let field = own.or_else(|| field_at(yaml, number)).map_or(String::new(), |f| format!(" of `{f}`"));
            return Some((
                number,
                tab + 1,
                format!("a tab indents this line{field}, expected spaces (YAML indents with spaces only)"),
                own,
            ));
        }
        // ` aliases: [...]` under `tags: [...]`: a field indented by mistake (a `# ` comment
        // marker deleted but for its space) after a field whose value is on its own line, which
        // the parser reports as a problem of the field before.
        let indent = line.len() - line.trim_start_matches(' ').len();
        let own = line.trim_start().split_once(':').map(|(k, _)| k.trim());
        if indent > 0
            && let Some(field) = own.and_then(|k| FIELDS.iter().copied().find(|f| *f == k))
            && lines[..i]
                .iter()
                .rev()
                .map(|(_, l)| *l)
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .is_some_and(|prev| {
                    (!prev.starts_with([' ', '\t', '-'])
                        && prev.split_once(':').is_some_and(|(_, v)| !v.trim().is_empty() && !v.trim().starts_with('#')))
                        // Or after a list of text, where no key can be (`data:` / `  - 氏名` / ` tags: [a]`).
                        || (prev.trim_start().starts_with("- ")
                            && matches!(field_at(yaml, number), Some("tags" | "data" | "aliases")))
                })
        {
            let spaces = if indent == 1 { "1 space".to_string() } else { format!("{indent} spaces") };
            return Some((
                number,
                1,
                format!(
                    "`{field}` is indented by {spaces}, expected it at the start of the line, as a field of its own"
                ),
                Some(field),
            ));
        }
        // `title: お知らせ: 不正アクセス`: a `: ` inside a plain value starts a map to YAML.
        if number == error_line
            && !line.starts_with([' ', '\t', '#'])
            && let Some((key, value)) = line.split_once(": ")
            && let Some(field) = FIELDS.iter().copied().find(|f| *f == key.trim())
            && !value.trim_start().starts_with(['"', '\'', '[', '{', '|', '>', '&', '*', '!'])
            && let Some(inner) = value.find(": ")
        {
            let at = line.len() - value.len() + inner;
            let expected = colon_in_value(field, false, value);
            return Some((
                number,
                line[..at].chars().count() + 1,
                format!("the value of `{field}` holds `: `, which YAML reads as the start of a map, {expected}"),
                None,
            ));
        }
        // An opening on the line before the error that nothing closed: the parser read on into
        // the next line, and reports whatever it found there.
        // The same in a key or an item inside a field (`  note: "開いた`, `  - [a,`).
        if number + 1 != error_line || line.trim_start().starts_with('#') {
            continue;
        }
        let nested = line.starts_with([' ', '\t', '-']);
        let body = line.trim_start_matches([' ', '\t']);
        let body = body.strip_prefix("- ").map_or(body, |b| b.trim_start_matches(' '));
        let (key, start) = match body.split_once(':') {
            Some((key, value)) if !body.starts_with(['"', '\'', '[', '{']) => (key.trim(), value.trim_start()),
            _ if nested => ("", body),
            _ => continue,
        };
        let column = line[..line.len() - start.len()].chars().count() + 1;
        let field = match field_at(yaml, number).filter(|_| nested) {
            Some(outer) if key.is_empty() => format!("an item in `{outer}`"),
            Some(outer) => format!("`{key}` in `{outer}`"),
            None => format!("`{key}`"),
        };
        let open = match start.chars().next() {
            Some(q @ ('"' | '\'')) if !quote_closed(&start[1..], q) => {
                let note = full_width_quote(start);
                Some(format!("the quoted text of {field} is not closed on its line{note}, expected a closing {q}"))
            }
            Some(b @ ('[' | '{')) if !brackets_closed(start) => {
                let (what, close) = if b == '[' { ("list", ']') } else { ("map", '}') };
                let note = comment_in(start);
                Some(format!("the {what} of {field} is not closed on its line{note}, expected a closing `{close}`"))
            }
            _ => None,
        };
        if let Some(message) = open {
            return Some((number, column, message, None));
        }
    }
    open_over_lines(&lines, error_line)
}

/// Why a bracket seems closed to its author: a comment (` #LockBit, b]`) took the rest of the line.
fn comment_in(text: &str) -> String {
    let at = text.char_indices().find(|&(b, c)| c == '#' && text[..b].ends_with([' ', '\t']));
    at.map_or(String::new(), |(b, _)| {
        format!(
            " (YAML reads `{}` as a comment: a `#` after a space starts one, so that item needs quotes)",
            text[b..].trim_end()
        )
    })
}

/// Why a quote seems closed to its author: a full-width quote (`”`, `’`) written to close it.
fn full_width_quote(text: &str) -> String {
    text.chars()
        .skip(1)
        .find(|c| matches!(c, '”' | '’' | '＂' | '＇'))
        .map_or(String::new(), |c| format!(" (the full-width `{c}` does not close it)"))
}

/// A mistake [`syntax_culprit`] found: its YAML line and column, the message, and the field the
/// line itself names when it is not the field it is read as part of (`  organization: A`
/// indented under `date`), which is then left out as well.
type Culprit = (usize, usize, String, Option<&'static str>);

/// A quote or bracket that a field's value opens and that its indented lines do not close
/// before the next field (`tags: [a,` / `  b` / `sector: x`), where the parser fails.
fn open_over_lines(lines: &[(usize, &str)], error_line: usize) -> Option<Culprit> {
    let starts = |l: &str| !l.trim().is_empty() && !l.starts_with([' ', '\t', '-', '#']);
    let at = error_line.checked_sub(1)?;
    if !lines.get(at).is_some_and(|(_, l)| starts(l)) {
        return None;
    }
    let head = (0..at).rev().find(|&i| starts(lines[i].1))?;
    let (key, value) = lines[head].1.split_once(':')?;
    let start = value.trim_start();
    let column = key_value_column(lines[head].1, value, start);
    let text: Vec<&str> = std::iter::once(start).chain(lines[head + 1..at].iter().map(|(_, l)| *l)).collect();
    let text = text.join("\n");
    let field = FIELDS.iter().copied().find(|f| *f == key.trim()).unwrap_or(key.trim());
    let message = match start.chars().next()? {
        q @ ('"' | '\'') if !quote_closed(&text[1..], q) => {
            let note = full_width_quote(&text);
            format!("the quoted text of `{field}` is not closed before the next field{note}, expected a closing {q}")
        }
        b @ ('[' | '{') if !brackets_closed(&text) => {
            let (what, close) = if b == '[' { ("list", ']') } else { ("map", '}') };
            format!("the {what} of `{field}` is not closed before the next field, expected a closing `{close}`")
        }
        _ => return None,
    };
    Some((head + 1, column, message, None))
}

/// What is wrong with a top-level line that is no `field: value`, for the slips a Japanese input
/// method makes: a full-width `：` or a full-width space after the colon, no space after it, no
/// colon at all, or a full-width space before the field. Returns the (1-based, in characters)
/// column and the message; `None` for a line that is a field, a comment, or no top-level line.
fn colon_slip(line: &str) -> Option<(usize, String)> {
    if line.trim().is_empty() || line.starts_with([' ', '\t', '#', '-', '"', '\'', '[', '{', '.', '?', '&', '*', '!']) {
        return None;
    }
    if line.starts_with('\u{3000}') {
        return Some((
            1,
            "the line starts with a full-width space `　`, expected the field at the start of the line".into(),
        ));
    }
    let column = |byte: usize| line[..byte].chars().count() + 1;
    let half = line.find(':');
    if let Some(full) = line.find('：').filter(|&f| half.is_none_or(|h| f < h)) {
        let key = line[..full].trim();
        return Some((
            column(full),
            format!(
                "`{key}` is followed by the full-width colon `：`, expected `{key}: ` (a half-width colon and a space)"
            ),
        ));
    }
    let Some(h) = half else {
        let key = line.split(char::is_whitespace).next().unwrap_or(line);
        let message = if FIELDS.contains(&key) {
            format!("`{key}` has no `:` after it, expected `{key}: ` and its value")
        } else {
            "this line has no `:`, expected a field such as `title: …`".to_string()
        };
        return Some((1, message));
    };
    let key = line[..h].trim();
    match line[h + 1..].chars().next() {
        None | Some(' ' | '\t') => None,
        Some('\u{3000}') => Some((
            column(h + 1),
            format!("a full-width space `　` follows the `:` of `{key}`, expected a half-width space"),
        )),
        Some(_) => {
            Some((column(h + 1), format!("`{key}` has no space after its `:`, expected `{key}: ` and its value")))
        }
    }
}

/// The slips of [`colon_slip`] in a key of `sources` (`  - title：…`, `    url:https://…`) or
/// `occurred` (`from`, `to`), whose value is read as text up to where the parser fails on a
/// later line. Keys of `extra`, which may be anything, are not guessed at.
fn nested_colon_slip(field: &str, line: &str) -> Option<(usize, String)> {
    let body = line.trim_start_matches(' ');
    let body = body.strip_prefix("- ").map_or(body, |b| b.trim_start_matches(' '));
    let keys: &[&str] = if field == "sources" { &["title", "url"] } else { &["from", "to"] };
    let key = keys.iter().find(|k| body.starts_with(**k))?;
    // Indentation and the list's `- ` are ASCII: bytes are columns.
    let at = line.len() - body.len() + key.len();
    let rest = &body[key.len()..];
    let message = match rest.chars().next()? {
        // `- title 発表` (the colon left out): but `title : x` is a key and its value.
        ' ' | '\t' | '\u{3000}' if !rest.trim_start().starts_with([':', '：']) => {
            let column = line.len() - body.len() + 1;
            return Some((
                column,
                format!("`{key}` of `{field}` has no `:` after it, expected `{key}: ` and its value"),
            ));
        }
        '：' => {
            format!(
                "`{key}` of `{field}` is followed by the full-width colon `：`, expected `{key}: ` (a half-width colon and a space)"
            )
        }
        ':' => match rest[1..].chars().next() {
            None | Some(' ' | '\t') => return None,
            Some('\u{3000}') => {
                format!("a full-width space `　` follows the `:` of `{key}` in `{field}`, expected a half-width space")
            }
            Some(_) => format!("`{key}` of `{field}` has no space after its `:`, expected `{key}: ` and its value"),
        },
        _ => return None,
    };
    let column = if rest.starts_with('：') { at + 1 } else { at + 2 };
    Some((column, message))
}

/// 1-based column (in characters) where `start`, a suffix of `value`, a suffix of `line`, begins.
fn key_value_column(line: &str, value: &str, start: &str) -> usize {
    let at = line.len() - value.len() + (value.len() - start.len());
    line[..at].chars().count() + 1
}

/// Whether quoted text (after its opening quote `q`) closes on this line.
fn quote_closed(rest: &str, q: char) -> bool {
    quote_end(rest, q).is_some()
}

/// The byte offset just past the quote that closes `rest` (text after an opening quote `q`):
/// `\"` escapes in double quotes, `''` in single quotes.
fn quote_end(rest: &str, q: char) -> Option<usize> {
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && q == '"' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|(_, d)| *d == '\'') {
                chars.next();
            } else {
                return Some(i + c.len_utf8());
            }
        }
    }
    None
}

/// Whether the flow brackets opened in `text` all close on it (quoted text and a comment
/// skipped).
fn brackets_closed(text: &str) -> bool {
    let mut depth = 0i32;
    let mut rest = text;
    let mut after_space = true;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            '"' | '\'' => match quote_end(rest, c) {
                Some(end) => rest = &rest[end..],
                None => return false,
            },
            '#' if after_space => break,
            _ => {}
        }
        after_space = c == ' ' || c == '\t';
    }
    depth <= 0
}

/// The top-level key whose value contains `line` of the YAML text: a field's name, or the key as
/// written when it is none (`description` in an entry), so that no line is blamed on the known
/// field above it.
fn field_at(yaml: &str, line: usize) -> Option<&str> {
    let lines: Vec<&str> = yaml_lines(yaml).into_iter().map(|(_, l)| l).collect();
    let upto = line.min(lines.len());
    lines[..upto].iter().rev().find_map(|l| {
        if l.trim().is_empty() || l.starts_with([' ', '\t', '-', '#']) {
            return None;
        }
        let key = l.split_once(':')?.0.trim();
        (!key.is_empty()).then_some(key)
    })
}

fn expectation(field: &str) -> &'static str {
    match field {
        "title" | "organization" | "attack" | "sector" | "summary" | "slug" | "follows" => "a string",
        "date" | "updated" | "disclosed" => "a date YYYY-MM-DD",
        "kind" => "`incident` or `article`",
        "tags" | "data" => "a list of strings such as `[a, b]`",
        "draft" => "true or false",
        "extra" => "a map of keys and values",
        "id" => "a string YYYY-NNN",
        "affected" => "a non-negative whole number",
        "occurred" => "a date or `{ from: date, to: date }`",
        "sources" => "a list of `{ title, url }`",
        "aliases" => "a list of this site's old paths such as `[/incidents/legacy-report/, /old/page.html]`",
        _ => "a value of the documented type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str) -> Result<FrontMatter, Vec<Problem>> {
        let s = split(text).map_err(|(l, m)| vec![(l, 1, m)])?;
        parse(&s, Kind::Incident).map_err(|f| f.errors)
    }

    fn first_error(text: &str) -> Problem {
        fm(text).unwrap_err().into_iter().next().unwrap()
    }

    /// An optional field left empty is absent; a required one is empty; a count that is no
    /// number says what it is.
    #[test]
    fn empty_optional_fields_are_absent() {
        let base = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let m = fm(&format!(
            "{base}attack:\nsector: ~\naffected: # 不明\ndisclosed: null\noccurred:\nfollows:\nsummary:\nupdated:\nid:\nslug:\nkind:\ntags:\n---\n"
        ))
        .unwrap();
        assert_eq!(
            (m.attack, m.sector, m.affected, m.disclosed, m.occurred, m.follows),
            (None, None, None, None, None, None)
        );
        let (_, _, e) = first_error("---\ntitle: t\ndate: 2024-01-30\norganization:\n---\n");
        assert!(e.contains("`organization` is empty"), "{e}");
        for (value, shown) in [("[]", "a list"), ("{}", "a map"), ("\"\"", "empty")] {
            let (_, _, e) = first_error(&format!("{base}affected: {value}\n---\n"));
            assert_eq!(e, format!("`affected` is {shown}, expected a non-negative whole number"));
        }
    }

    #[test]
    fn source_urls_say_what_is_wrong_with_them() {
        let base = "---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n";
        for (item, expected) in [
            ("  - {title: 発表}", "`sources` item has no url, expected `url: https://…`"),
            (
                "  - {title: 発表, url: \"https://example.org/a b\"}",
                "has a space in it, expected a URL without spaces (write `%20` for one)",
            ),
            ("  - {title: 発表, url: \"https://example.org/a\u{3000}b\"}", "has a full-width space in it"),
            ("  - {title: 発表, url: \"https:///a\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://?q=1\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://#top\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://:8443/a\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://user@/a\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://[]/\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://[::1/\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://e.org:abc/\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://e.org:99999/\"}", "has no valid host"),
            ("  - {title: 発表, url: \"https://a@b@c/\"}", "has no valid host"),
            ("  - {title: 発表, url: \"ftp://e.org/\"}", "is not an http(s) URL"),
        ] {
            let (line, _, e) = first_error(&format!("{base}{item}\n---\n"));
            assert_eq!(line, 6, "{e}");
            assert!(e.contains(expected), "{item}: {e}");
        }
        for url in
            ["https://u@e.org:8443/a?b#c", "http://[::1]:8080/", "HTTPS://e.org", "https://e.org:/", "http://[::1]"]
        {
            assert!(fm(&format!("{base}  - {{title: 発表, url: \"{url}\"}}\n---\n")).is_ok(), "{url}");
        }
    }

    /// The colon slips of a Japanese input method are named at their line, not at the next
    /// field where the parser fails.
    #[test]
    fn a_full_width_or_missing_colon_is_named_at_its_field() {
        for (line, column, message) in [
            ("title：テスト", 6, "`title` is followed by the full-width colon `：`, expected `title: `"),
            ("title:x", 7, "`title` has no space after its `:`, expected `title: ` and its value"),
            ("title　テスト", 1, "`title` has no `:` after it"),
            ("title テスト", 1, "`title` has no `:` after it"),
            ("title:　テスト", 7, "a full-width space `　` follows the `:` of `title`, expected a half-width space"),
            ("　title: テスト", 1, "the field `title` is written with a full-width space `　` around it"),
            ("題名 テスト", 1, "this line has no `:`, expected a field such as `title: …`"),
        ] {
            for text in [
                format!("---\n{line}\ndate: 2024-01-30\norganization: X\n---\n"),
                format!("---\ndate: 2024-01-30\n{line}\norganization: X\n---\n"),
            ] {
                let (l, c, m) = first_error(&text);
                let expected_line = text.lines().position(|l| l == line).unwrap() + 1;
                assert_eq!((l, c), (expected_line, column), "{line}: {m}");
                assert!(m.contains(message), "{line}: {m}");
            }
        }
        // The same slips in a key of `sources` or `occurred`, at their own line.
        for (line, column, message) in [
            ("  - title：発表", 10, "`title` of `sources` is followed by the full-width colon `：`"),
            ("  - title:発表", 11, "`title` of `sources` has no space after its `:`"),
            ("    url：https://e.org/", 8, "`url` of `sources` is followed by the full-width colon"),
        ] {
            let text = format!(
                "---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n  - title: a\n    url: https://e.org/\n{}\n---\n",
                if line.starts_with("  -") {
                    format!("{line}\n    url: https://e.org/b")
                } else {
                    format!("  - title: b\n{line}")
                }
            );
            let (l, c, m) = first_error(&text);
            let expected_line = text.lines().position(|l| l == line).unwrap() + 1;
            assert_eq!((l, c), (expected_line, column), "{line}: {m}");
            assert!(m.contains(message), "{line}: {m}");
        }
        let (l, c, m) =
            first_error("---\ntitle: t\ndate: 2024-01-30\noccurred:\n  from：2024-01-01\n  to: 2024-01-02\n---\n");
        assert_eq!((l, c), (5, 7), "{m}");
        assert!(m.contains("`from` of `occurred` is followed by the full-width colon"), "{m}");
        // A value that holds a full-width colon, or a colon without a space, is no slip.
        let m = fm(
            "---\ntitle: 注意：重要\ndate: 2024-01-30\norganization: X\nsources: [{title: a, url: \"https://e.org/\"}]\n---\n",
        );
        assert!(m.is_ok(), "{m:?}");
        // Inside quoted text that runs on, a line is no field.
        let (l, _, m) = first_error("---\ntitle: \"開いた\ntitle：x\ndate: 2024-01-30\n---\n");
        assert!(m.contains("quoted text of `title` is not closed") || l == 2, "{l}: {m}");
    }

    /// Past a YAML mistake in one field the rest is read, every position kept (CRLF and lone CR
    /// line ends included), and the field with the mistake is not also "missing".
    #[test]
    fn a_yaml_mistake_in_one_field_leaves_the_others_read() {
        for nl in ["\n", "\r\n"] {
            let text = ["---", "title：t", "date: 2024-01-30", "organization: X", "affected: x", "---", ""].join(nl);
            let errors = fm(&text).unwrap_err();
            let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.0, e.1)).collect();
            assert_eq!(at, [(2, 6), (5, 11)], "{nl:?}: {errors:?}");
        }
        // A nested key written twice leaves out its whole field; a lone CR ends a YAML line.
        let text = "---\ntitle: t\rsummary: s\ndate: 2024-01-30\nsources:\n  - title: a\n    title: b\ndata: 3\n---\n";
        let errors = fm(text).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].2.contains("`sources` has the key `title` twice") && errors[0].0 == 6, "{errors:?}");
        assert!(errors.iter().any(|e| e.0 == 7 && e.2.contains("`data`")), "{errors:?}");
        assert!(errors.iter().any(|e| e.2.contains("`organization` is missing")), "{errors:?}");
        // Text after a closing quote stays in its field; a mistake not known to stay in its field
        // ends the reading there.
        let errors = fm("---\ntitle: t\ndate: 2024-01-30\nsummary: \"a\" b\naffected: x\n---\n").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].2.contains("`summary` has text after a closing quote"), "{errors:?}");
        let errors = fm("---\ntitle: t\ndate: 2024-01-30\nsummary: !!int abc\naffected: x\n---\n").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    /// Mistakes a parser cannot read past on its own are read past too, each at its place: a
    /// character YAML refuses, a front matter whose every line slipped, a field indented under
    /// another, a list or quote left open over lines; and a `kind` left out decides nothing.
    #[test]
    fn yaml_mistakes_of_every_kind_leave_the_other_fields_read() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let errors =
            fm("---\ntitle: A\u{fffe}B\ndate: 2024-01-30\norganization: C\u{fdd0}\nsector: \u{8}x\n---\n").unwrap_err();
        let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, [(2, 9), (4, 16), (5, 9)], "{errors:?}");
        assert!(errors[0].2.contains("`title` contains the noncharacter U+FFFE"), "{errors:?}");
        assert!(errors[2].2.contains("`sector` contains the control character U+0008"), "{errors:?}");

        let errors = fm("---\ntitle：t\ndate：2024-01-30\norganization：X\n---\n").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().all(|e| e.2.contains("full-width colon")), "{errors:?}");
        let text = split("---\ndescription：説明\n---\n").unwrap();
        let errors = parse_text(&text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].2.contains("`description` is followed by the full-width colon"), "{errors:?}");

        for indented in ["  organization: X", "\torganization: X"] {
            let errors = fm(&format!("---\ntitle: t\ndate: 2024-01-30\n{indented}\naffected: -1\n---\n")).unwrap_err();
            assert_eq!(errors.len(), 2, "{indented:?}: {errors:?}");
            assert_eq!(errors[0].0, 4, "{errors:?}");
            assert!(errors[1].2.contains("`affected`"), "{errors:?}");
        }

        let errors = fm(&format!("{head}tags: [a,\n  b,\n  c\nsector: x\naffected: -1\n---\n")).unwrap_err();
        assert_eq!((errors[0].0, errors[0].1), (5, 7), "{errors:?}");
        assert!(errors[0].2.contains("the list of `tags` is not closed before the next field"), "{errors:?}");
        assert!(errors.iter().any(|e| e.0 == 9 && e.2.contains("`affected`")), "{errors:?}");
        let errors = fm(&format!("{head}summary: \"長い\n  要約\nsector: x\naffected: -1\n---\n")).unwrap_err();
        assert!(errors[0].0 == 5 && errors[0].2.contains("quoted text of `summary` is not closed"), "{errors:?}");
        assert_eq!(errors.len(), 2, "{errors:?}");

        // A `: ` inside a plain value is told to quote the value.
        let errors = fm(&format!("{head}summary: お知らせ: 不正アクセス\naffected: -1\n---\n")).unwrap_err();
        assert_eq!((errors[0].0, errors[0].1), (5, 14), "{errors:?}");
        assert!(
            errors[0].2.ends_with("expected the value in quotes: `summary: \"お知らせ: 不正アクセス\"`"),
            "{errors:?}"
        );
        assert_eq!(errors.len(), 2, "{errors:?}");

        // An incident's `kind：article`: neither the organization nor the incident's fields are
        // judged by a kind not known.
        let errors = fm("---\ntitle: t\ndate: 2024-01-30\nkind：article\n---\n").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");

        // Past so many mistakes, the rest is left, and said so.
        let many: String = (0..20).map(|i| format!("f{i}：x\n")).collect();
        let errors = fm(&format!("{head}{many}---\n")).unwrap_err();
        assert_eq!(errors.len(), MAX_YAML_ERRORS + 1, "{errors:?}");
        assert!(errors[MAX_YAML_ERRORS].2.contains("is not read further"), "{errors:?}");
    }

    /// Plain scalars YAML types as booleans and numbers keep their written text in text fields,
    /// in every layout the three YAML readers handle (lines, events, serde-saphyr), with CRLF and
    /// with a lone CR (a line end to YAML, not to the file); a tagged one keeps its typed value.
    #[test]
    fn text_fields_keep_booleans_and_numbers_as_written() {
        for (nl, extra) in
            [("\n", ""), ("\r\n", ""), ("\n", "# a comment sends this to the parser\n"), ("\n", "summary: a\r")]
        {
            let text = format!(
                "---{nl}{extra}title: No{nl}date: 2024-01-30{nl}organization: 1.10 # note{nl}sector: on{nl}attack: !!str 007{nl}\
                 slug: 007{nl}tags: [NO, ON, Yes, 5G, 1e-3, 0x10, +5, -0, \"2FA\"]{nl}data:{nl}  - 007{nl}  - 1_000{nl}\
                 sources:{nl}  - {{ title: 1.10, url: \"https://example.org/\" }}{nl}follows: 2024{nl}---{nl}"
            );
            let m = fm(&text).unwrap_or_else(|e| panic!("{e:?} in {text:?}"));
            assert_eq!(m.title, "No", "{text:?}");
            assert_eq!(m.organization.as_deref(), Some("1.10"));
            assert_eq!(m.sector.as_deref(), Some("on"));
            assert_eq!(m.attack.as_deref(), Some("007"));
            assert_eq!(m.slug.as_ref().map(|s| s.value.as_str()), Some("007"));
            assert_eq!(m.tags, ["NO", "ON", "Yes", "5G", "1e-3", "0x10", "+5", "-0", "2FA"]);
            assert_eq!(m.data, ["007", "1_000"]);
            assert_eq!(m.sources[0].title, "1.10");
            assert_eq!(m.follows.as_ref().map(|f| f.value.as_str()), Some("2024"));
        }
        let m = fm("---\ntitle: !!int 0x10\ndate: 2024-01-30\norganization: X\n---\n").unwrap();
        assert_eq!(m.title, "16");
    }

    /// YAML's infinities and not-a-number are text in text fields, as written; `affected` is
    /// still a whole number.
    #[test]
    fn text_fields_keep_infinity_and_nan_as_written() {
        let text = "---\ntitle: -.Inf\ndate: 2024-01-30\norganization: .NaN\ntags: [.inf, +.INF, \".nan\"]\n---\n";
        let m = fm(text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(m.title, "-.Inf");
        assert_eq!(m.organization.as_deref(), Some(".NaN"));
        assert_eq!(m.tags, [".inf", "+.INF", ".nan"]);
        let (line, column, message) =
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: .inf\n---\n");
        assert_eq!((line, column), (5, 11), "{message}");
        assert!(message.contains("expected a non-negative whole number"), "{message}");
    }

    /// A required field written with a value of the wrong shape is one problem at the value, not
    /// also "missing" at the title's line.
    #[test]
    fn a_required_field_of_the_wrong_shape_is_not_also_missing() {
        let errors = fm("---\ntitle: [a, b]\ndate: [2024-01-30]\norganization: {a: 1}\n---\n").unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`title` is a list, expected a string",
                "`date` is a list, expected a date YYYY-MM-DD",
                "`organization` is a map, expected a string"
            ],
            "{errors:?}"
        );
        let errors = fm("---\ntitle:\ndate:\norganization:\n---\n").unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().all(|e| !e.2.contains("missing")), "{errors:?}");
        // Not written at all is still "missing".
        let errors = fm("---\nsummary: s\n---\n").unwrap_err();
        assert_eq!(errors.iter().filter(|e| e.2.contains("is missing")).count(), 3, "{errors:?}");
    }

    /// A quote or bracket left open, or a tab indenting a line, is reported where it is (file
    /// line and column) and in its own field, not where the parser noticed it later.
    #[test]
    fn yaml_syntax_errors_point_at_the_mistake() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let cases = [
            ("sector: \"小売\naffected: 3\n", 5, 9, "the quoted text of `sector` is not closed"),
            ("title2: 'It''s\naffected: 3\n", 5, 9, "quoted text of `title2` is not closed"),
            (
                "tags: [まとめ, C#\nsummary: s\n",
                5,
                7,
                "the list of `tags` is not closed on its line, expected a closing `]`",
            ),
            ("occurred: { from: 2024-01-01\nsummary: s\n", 5, 11, "the map of `occurred` is not closed"),
            ("attack: x\n\tsector: 小売\n", 6, 1, "a tab indents this line of `sector`, expected spaces"),
            ("sources:\n  - title: a\n\t url: https://x.org/\n", 7, 1, "a tab indents this line of `sources`"),
        ];
        for (yaml, line, column, message) in cases {
            let text = format!("{head}{yaml}---\n");
            let errors = fm(&text).unwrap_err();
            assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
            let (l, c, m) = &errors[0];
            assert_eq!((*l, *c), (line, column), "{text:?}: {m}");
            assert!(m.contains(message), "{text:?}: {m}");
        }
        // Closed on a later line is valid YAML, and an error elsewhere keeps the parser's words.
        assert!(fm(&format!("{head}tags: [a,\n  b]\n---\n")).is_ok());
        let (l, _, m) = first_error(&format!("{head}tags: [a, 'b']\nsummary: \"a\" b\n---\n"));
        assert_eq!(l, 6);
        assert!(m.starts_with("`summary` has text after a closing quote"), "{m}");
    }

    /// The parser's accounts of the commonest slips inside a field are said in an editor's words,
    /// at the key when they are about its place, and the fields after them are still read.
    #[test]
    fn slips_inside_a_field_are_said_plainly_and_read_past() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let cases = [
            ("extra:\n  a: 1\n  b 2\n", 7, 3, "`extra` has a line with no `:`, expected `key: value`"),
            ("extra:\n  a: 1\n   b: 2\n", 7, 4, "`extra` has a key indented more than the one above it"),
            ("extra:\n  a: 1\n b: 2\n", 7, 2, "`extra` has a key indented less than the one above it"),
            ("extra:\n  - a\n  b: 1\n", 7, 3, "`extra` has list items and `key: value` lines in one block"),
            (
                "extra:\n  a: b: c\n",
                6,
                7,
                "`extra` has a value holding `: `, which YAML reads as the start of a map, expected the value in quotes: `a: \"b: c\"`",
            ),
            ("extra:\n  a: [1, 2\n  b: 3\n", 6, 6, "the list of `a` in `extra` is not closed on its line"),
            ("extra:\n  a: \"abc\n  b: 3\n", 6, 6, "the quoted text of `a` in `extra` is not closed on its line"),
            ("extra:\n  - 'abc\n  - d\n", 6, 5, "the quoted text of an item in `extra` is not closed"),
            ("summary: 'it''s' more\n", 5, 18, "`summary` has text after a closing quote"),
            ("summary: @at\n", 5, 10, "`summary` has a value that starts with `@`, which YAML keeps for itself"),
            ("tags: [a, b], c\n", 5, 13, "`tags` has text after its closing bracket or quote"),
            ("tags: [a, b]]\n", 5, 13, "`tags` has a bracket that closes nothing"),
            ("summary: `x`\n", 5, 10, "`summary` has a value that starts with a backtick, which YAML keeps"),
            ("my key: a: b\n", 5, 10, "`my key` has a value holding `: `"),
            (
                "occurred: from: 2024-01-01, to: 2024-01-02\n",
                5,
                15,
                "expected `from` and `to` inside braces: `occurred: { from: YYYY-MM-DD, to: YYYY-MM-DD }`",
            ),
            ("sources: - title: a\n", 5, 17, "expected its items on the lines below it"),
            ("summary: *不正\n", 5, 10, "`summary` has a value that starts with `*`, which YAML keeps for itself"),
            ("summary: !不正\n", 5, 10, "`summary` has a value that starts with `!`"),
            ("summary: - 不正\n", 5, 10, "`summary` has a value that starts with `-`"),
            ("summary: | 改ざん\n", 5, 10, "`summary` has a value that starts with `|`, which starts a block of text"),
            (
                "summary: 重要なお知らせ:\n",
                5,
                17,
                "`summary` has a value that ends with `:`, which YAML reads as a key, expected the value in quotes: `summary: \"重要なお知らせ:\"`",
            ),
            (
                "summary: [速報] 不正アクセス\n",
                5,
                15,
                "`summary` is read as `[速報]`, a list or map, with text after it, expected the whole value in quotes: `summary: \"[速報] 不正アクセス\"`",
            ),
            ("summary: \"テスト”\n", 5, 10, "not closed on its line (the full-width `”` does not close it)"),
            ("tags:\n  - a\n  -b\n", 7, 3, "`tags` has a list item with no space after its `-`, expected `- b`"),
        ];
        for (yaml, line, column, message) in cases {
            let text = format!("{head}{yaml}affected: -1\n---\n");
            let errors = fm(&text).unwrap_err();
            let (l, c, m) = &errors[0];
            assert_eq!((*l, *c), (line, column), "{text:?}: {m}");
            assert!(m.contains(message), "{text:?}: {m}");
            assert!(errors.iter().any(|e| e.2.contains("`affected` is `-1`")), "{text:?}: {errors:?}");
        }
    }

    /// A value that starts with `#` is read as a comment: said so, with the value quoted, as an
    /// error of a required field and a warning of an optional one; `# note` is left a note.
    #[test]
    fn a_value_taken_for_a_comment_is_told_to_quote() {
        let f = fm("---\ntitle: #1 事件\ndate: 2024-01-30\norganization: X\naffected: -1\n---\n").unwrap_err();
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].0, f[0].1), (2, 1), "{f:?}");
        assert!(f[0].2.contains("`title` is empty: YAML reads `#1 事件` as a comment (a `#` after a space starts one), expected the value in quotes: `title: \"#1 事件\"`"), "{f:?}");
        let s =
            split("---\ntitle: t\ndate: 2024-01-30\norganization: X\nsector: #医療\nattack: # 未確認\n---\n").unwrap();
        let m = parse(&s, Kind::Incident).unwrap();
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert!(
            m.warnings[0].0 == 5 && m.warnings[0].2.starts_with("`sector` is empty: YAML reads `#医療`"),
            "{:?}",
            m.warnings
        );
    }

    /// `extra` is written into pages as every other text: what text may not hold, it may not.
    #[test]
    fn extra_text_may_not_hold_what_text_may_not() {
        let f = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\nextra:\n  note: \"a\\uFFFEb\"\n  links: [ok, \"\\u0007\"]\n---\n").unwrap_err();
        let at: Vec<(usize, usize)> = f.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, [(6, 9), (7, 15)], "{f:?}");
        assert!(f[0].2.contains("`extra.note` contains the noncharacter U+FFFE"), "{f:?}");
        assert!(f[1].2.contains("`extra.links[1]` contains the control character U+0007"), "{f:?}");
        assert!(fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\nextra:\n  note: \"a\\tb\"\n---\n").is_ok());
    }

    /// A field written twice is said so also when its first copy has a slip of its own.
    #[test]
    fn a_field_written_twice_after_a_slip_is_said_twice() {
        let f = fm("---\ntitle：A\ndate: 2024-01-30\norganization: X\ntitle: B\n---\n").unwrap_err();
        let at: Vec<(usize, usize)> = f.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, [(2, 6), (5, 1)], "{f:?}");
        assert!(f[1].2.contains("`title` is written twice (first at line 2), expected each field once"), "{f:?}");
    }

    /// A list or map field read as text for an input method's look-alike says which; an unclosed
    /// list on the last line hides no other mistake; full-width digits are shown half-width.
    #[test]
    fn look_alikes_are_named() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        for (yaml, message) in [
            ("tags: ［a, b］\n", "`tags` is a string (its brackets are full-width"),
            ("tags:\n  － a\n", "`tags` is a string (its `-` is a full-width look-alike"),
            ("extra:\n  note： 値\n", "`extra` is a string (its `：` is a full-width colon"),
            ("affected: ２７２６\n", "written with full-width characters; write them half-width (`２７２６` → `2726`)"),
        ] {
            let e = first_error(&format!("{head}{yaml}---\n"));
            assert!(e.2.contains(message), "{yaml:?}: {e:?}");
        }
        let errors = fm(&format!("{head}affected: 百\ntags: [a, b\n---\n")).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].2.contains("`tags` has a list that is not closed, expected a closing `]`"), "{errors:?}");
        let text = format!("{head}attack: &不正アクセス\n---\n");
        let s = split(&text).unwrap();
        let m = parse(&s, Kind::Incident).unwrap();
        assert!(m.warnings[0].2.contains("YAML reads `&不正アクセス` as the name of an anchor"), "{:?}", m.warnings);
    }

    /// A value that a ` #` cuts short is a warning at the `#`, in a field, a key inside one and a
    /// list item; `# note` is left a note, `C#` is no comment, and a block of text has no comments.
    #[test]
    fn values_cut_by_a_comment_are_warned_of() {
        let text = "---\ntitle: 被害 #2 続報\ndate: 2024-01-30\norganization: X\nsummary: C# の件 # 推定\nsources:\n  - title: 報告書 #2\n    url: https://e.org/\ntags:\n  - 正常 #タグ\nextra:\n  note: |\n    本文 #見出し\n---\n";
        let m = parse(&split(text).unwrap(), Kind::Incident).unwrap();
        let at: Vec<(usize, usize)> = m.warnings.iter().map(|w| (w.0, w.1)).collect();
        assert_eq!(at, [(2, 11), (7, 16), (10, 8)], "{:?}", m.warnings);
        assert!(
            m.warnings[0].2.starts_with("`title` stops before `#2 続報`, which YAML reads as a comment"),
            "{:?}",
            m.warnings
        );
        assert!(m.warnings[1].2.contains("`title` in `sources`"), "{:?}", m.warnings);
        assert!(m.warnings[2].2.contains("an item in `tags`"), "{:?}", m.warnings);
        // What is no text, or after a flow list's end, means its comment.
        let text = "---\ntitle: t\ndate: 2024-01-30 #JST\norganization: X\naffected: 2726 #概数\ndraft: false #公開\nsources:\n  - title: 発表\n    url: https://e.org/ #top\ntags: [a,\n  b] #n\nextra:\n  v: 1 #x\n---\n";
        let m = parse(&split(text).unwrap(), Kind::Incident).unwrap();
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        let e = first_error(
            "---\ntitle: t\ndate: 2024-01-30\norganization: X\ntags: [C#, 被害 #LockBit, b]\nsector: x\n---\n",
        );
        assert!(e.2.contains("(YAML reads `#LockBit, b]` as a comment"), "{e:?}");
    }

    /// A line of text meant to go on from the field above is told to be indented, in an entry and
    /// in a term's text.
    #[test]
    fn a_line_that_goes_on_from_a_field_is_told_to_indent() {
        let text = split("---\ndescription: ランサムウェア\n被害の記録\n---\n").unwrap();
        let errors = parse_text(&text).unwrap_err();
        assert_eq!((errors[0].0, errors[0].1), (3, 1), "{errors:?}");
        assert!(errors[0].2.contains("expected it indented under `description` to go on with its value"), "{errors:?}");
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\ndata:\n  - 氏名\n tags: [a]\n---\n");
        assert!(
            e.0 == 7 && e.2.contains("`tags` is indented by 1 space, expected it at the start of the line"),
            "{e:?}"
        );
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\nsummary: 長い\n要約\n---\n");
        assert!(e.0 == 6 && e.2.contains("indented under `summary`"), "{e:?}");
    }

    /// A `sources` item's key without its colon is named on its own line, and the slips after the
    /// first in the same field are named too, not hidden with the field.
    #[test]
    fn every_slip_in_sources_is_named() {
        let text = "---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n  - title 一つ目\n    url: https://e.org/a\n  - title: 二つ目\n    url https://e.org/b\n  - title: 三つ目\n    url:https://e.org/c\noccurred:\n  from 2024-01-01\n  to：2024-01-02\n---\n";
        let errors = fm(text).unwrap_err();
        let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, [(6, 5), (9, 5), (11, 9), (13, 3)], "{errors:?}");
        assert!(errors[0].2.contains("`title` of `sources` has no `:` after it"), "{errors:?}");
        assert!(errors[1].2.contains("`url` of `sources` has no `:` after it"), "{errors:?}");
        // Valid YAML: one text, whose `from` and `to` are named, not its digits.
        assert!(
            errors[3].2.starts_with(
                "`occurred` is the text `from 2024-01-01 to：2024-01-02`: its `from` and `to` lack the half-width `: `"
            ),
            "{errors:?}"
        );
        let errors = fm(
            "---\ntitle: t\ndate: 2024-01-30\norganization: X\noccurred: { from：2024-01-01, to：2024-01-02 }\n---\n",
        )
        .unwrap_err();
        let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, [(5, 13), (5, 30)], "{errors:?}");
        assert!(errors[1].2.starts_with("`to` of `occurred` is followed by the full-width colon `：`"), "{errors:?}");
        // `title : x` is a key and its value.
        let ok =
            "---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n  - title : a\n    url: https://e.org/\n---\n";
        assert!(fm(ok).is_ok(), "{:?}", fm(ok));
    }

    /// A tab that indents a field is an error even where the parser reads past it (every field
    /// indented alike), and a line of a field that is no entry field is not blamed on the one above.
    #[test]
    fn tabs_are_named_at_their_own_field() {
        let text = split("---\n\tdescription: 説明\n---\n").unwrap();
        let errors = parse_text(&text).unwrap_err();
        assert_eq!(
            errors,
            [(
                2,
                1,
                "a tab indents `description`, expected it at the start of the line (YAML indents with spaces only)"
                    .to_string()
            )]
        );
        let errors = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\ndescription:\n\t説明\n---\n").unwrap_err();
        assert!(errors[0].0 == 6 && errors[0].2.contains("a tab indents this line of `description`"), "{errors:?}");
    }

    /// A key written twice and a value nested too deep are said in an editor's words, not the
    /// parser's.
    #[test]
    fn duplicate_keys_and_deep_nesting_are_said_plainly() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let cases = [
            ("title: u\n".to_string(), 5, "`title` is written twice (first at line 2), expected each field once"),
            (
                "sources:\n  - title: a\n    title: b\n".to_string(),
                7,
                "`sources` has the key `title` twice, expected each key once",
            ),
            (format!("extra: {}{}\n", "[".repeat(40), "]".repeat(40)), 5, "`extra` is nested more than 32 levels deep"),
            (
                format!("extra:\n{}", (1..40).map(|i| format!("{}a:\n", "  ".repeat(i))).collect::<String>()),
                0,
                "`extra` is nested more than 32 levels deep",
            ),
        ];
        for (yaml, line, message) in cases {
            let text = format!("{head}{yaml}---\n");
            let (l, _, m) = first_error(&text);
            assert!(m.starts_with(message), "{text:?}: {m}");
            assert!(line == 0 || l == line, "{text:?}: line {l}");
        }
    }

    /// Anchored and aliased values keep their written text too, and `affected` is the count its
    /// digits say (`007` is 7), anything else an error showing what was written.
    #[test]
    fn anchors_aliases_and_counts_read_as_written() {
        let m = fm("---\ntitle: t\ndate: 2024-01-30\norganization: &o No\nattack: *o\nsector: &s 1.10\ntags: [*s, &t 0x10, *t]\naffected: 007\n---\n").unwrap();
        assert_eq!(m.organization.as_deref(), Some("No"));
        assert_eq!(m.attack.as_deref(), Some("No"));
        assert_eq!(m.sector.as_deref(), Some("1.10"));
        assert_eq!(m.tags, ["1.10", "0x10"]);
        assert_eq!(m.affected, Some(7));
        for (value, shown) in [("1e3", "1e3"), ("0x10", "0x10"), ("1_000", "1_000"), ("+5", "+5"), ("-1", "-1")] {
            let e = first_error(&format!("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: {value}\n---\n"));
            assert_eq!(
                e.2,
                format!("`affected` is `{shown}`, expected a non-negative whole number without separators")
            );
        }
        assert_eq!(
            fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: !!int 12\n---\n").unwrap().affected,
            Some(12)
        );
    }

    /// A misspelt required field is one error, with its "did you mean", not also "missing".
    #[test]
    fn a_misspelt_required_field_is_one_error() {
        let errors = fm("---\ntitel: t\ndate: 2024-01-30\norganisation: X\n---\n").unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0]
                .starts_with("unknown field `titel` (did you mean `title`?), expected one of the fields title, date,")
        );
        assert!(messages[1].starts_with("unknown field `organisation` (did you mean `organization`?)"));
    }

    /// A count in quotes is said to be one.
    #[test]
    fn a_quoted_count_is_told_to_lose_its_quotes() {
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: \"2726\"\n---\n");
        assert_eq!(m, "`affected` is the text \"2726\" in quotes, expected a whole number without quotes");
    }

    /// Full-width digits (an input method's) and a time without a time zone are named, since
    /// neither shows in the value as written; a number too large to count is said to be so.
    #[test]
    fn mistakes_that_do_not_show_are_named() {
        let (_, _, m) = first_error("---\ntitle: t\ndate: ２０２４-０１-３０\norganization: X\n---\n");
        assert!(m.contains("written with full-width characters"), "{m}");
        let (_, _, m) =
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\nid: \"２０２４－０３３\"\n---\n");
        assert!(m.starts_with("`id` is `２０２４－０３３`, written with full-width characters"), "{m}");
        for date in ["2024-01-30 10:00", "2024-01-30T10:00:00"] {
            let (_, _, m) = first_error(&format!("---\ntitle: t\ndate: {date}\norganization: X\n---\n"));
            assert!(m.contains("a time without a time zone"), "{m}");
        }
        for date in ["2024-02-01 10:00:00 +09:00", "2024-02-01 10:00:00 -0500"] {
            let (_, _, m) = first_error(&format!("---\ntitle: t\ndate: {date}\norganization: X\n---\n"));
            assert!(m.contains("a time zone set off by a space"), "{m}");
        }
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2024-01-30T25:00:00+09:00\norganization: X\n---\n");
        assert!(!m.contains("time zone (such"), "{m}");
        let (_, _, m) =
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: 99999999999999999999999\n---\n");
        assert!(m.contains("more than the dataset can hold exactly, expected at most 9007199254740991"), "{m}");
        let (_, _, m) =
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: 9007199254740992\n---\n");
        assert!(m.contains("`affected` is `9007199254740992`, more than"), "{m}");
        assert_eq!(
            fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: 9007199254740991\n---\n").unwrap().affected,
            Some(MAX_AFFECTED)
        );
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: １２\n---\n");
        assert!(m.contains("full-width"), "{m}");
    }

    #[test]
    fn a_date_that_does_not_exist_is_called_so() {
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2023-02-30\norganization: X\n---\n");
        assert_eq!(
            m,
            "`date` is `2023-02-30`, a day that does not exist, expected a date YYYY-MM-DD or a date and time with its time zone such as 2024-01-30T10:00:00+09:00"
        );
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2023-02-01\norganization: X\nupdated: 2023-13-01\n---\n");
        assert!(m.contains("`updated` is `2023-13-01`, a day that does not exist"), "{m}");
        let (_, _, m) = first_error("---\ntitle: t\ndate: 2023/02/01\norganization: X\n---\n");
        assert!(!m.contains("does not exist"), "{m}");
    }

    #[test]
    fn aliases_are_output_paths_at_their_lines() {
        let m = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naliases:\n  - /incidents/legacy-report/\n  - \"旧記事.html\"\n---\n").unwrap();
        let paths: Vec<(&str, usize, usize)> =
            m.aliases.iter().map(|a| (a.value.path.as_str(), a.line, a.column)).collect();
        assert_eq!(paths, [("incidents/legacy-report/index.html", 6, 5), ("旧記事.html", 7, 5)]);
        let m = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naliases: [old, 2019]\n---\n").unwrap();
        assert_eq!(
            m.aliases.iter().map(|a| a.value.path.as_str()).collect::<Vec<_>>(),
            ["old/index.html", "2019/index.html"]
        );
        assert!(fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\n---\n").unwrap().aliases.is_empty());
        // A segment that begins with `.` is kept as written, with a warning at the item.
        let m = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naliases:\n  - /tags/.net/\n  - /a.b/\n---\n")
            .unwrap();
        assert_eq!(m.aliases[0].value.path, "tags/.net/index.html");
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert_eq!((m.warnings[0].0, m.warnings[0].1), (6, 5));
        assert!(
            m.warnings[0].2.starts_with("`aliases` item `/tags/.net/` has the segment `.net`, which begins with `.`")
        );
    }

    #[test]
    fn bad_aliases_are_errors_at_each_item() {
        let text = "---\ntitle: t\ndate: 2024-01-30\norganization: X\naliases:\n  - https://example.org/old/\n  - \"\"\n  - /a/../b/\n  - /ok/\n  - {a: b}\n  - \"/x\\x01/\"\n---\n";
        let mut e = fm(text).unwrap_err();
        e.sort();
        let at: Vec<(usize, usize)> = e.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(at, [(6, 5), (7, 5), (8, 5), (10, 5), (11, 5)], "{e:?}");
        assert!(
            e[0].2.starts_with("`aliases` item `https://example.org/old/` is a URL with the scheme `https:`"),
            "{}",
            e[0].2
        );
        assert!(
            e[0].2.ends_with("expected a path of this site such as `/incidents/legacy-report/` or `/old/page.html`")
        );
        assert_eq!(
            e[1].2,
            "`aliases` has an item that is empty, expected a path of this site such as `/incidents/legacy-report/` or `/old/page.html`"
        );
        assert!(e[2].2.contains("`..`"), "{}", e[2].2);
        assert!(e[3].2.starts_with("`aliases` has an item that is a map"), "{}", e[3].2);
        assert!(e[4].2.starts_with("`aliases` has an item that contains the control character U+0001"), "{}", e[4].2);
        let e = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\naliases: /old/\n---\n").unwrap_err();
        assert_eq!((e[0].0, e[0].1), (5, 10));
        assert!(e[0].2.starts_with("`aliases` is a string, expected a list of this site's old paths"), "{}", e[0].2);
    }

    #[test]
    fn control_characters_in_text_are_errors() {
        let e = fm("---\ntitle: \"a\\x01b\"\ndate: 2024-01-30\norganization: X\ntags: [\"x\\x7fy\", ok]\n---\n")
            .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, 2);
        assert!(e[0].2.contains("`title` contains the control character U+0001"), "{}", e[0].2);
        assert_eq!(e[1].0, 5);
        assert!(e[1].2.contains("`tags` has an item with the control character U+007F"), "{}", e[1].2);
        // Noncharacters, written as they are or escaped, are no text either.
        let e = fm("---\ntitle: \"a\\uFFFEb\"\ndate: 2024-01-30\norganization: X\u{fdd0}\n---\n").unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].2.contains("`title` contains the noncharacter U+FFFE"), "{e:?}");
        assert!(e[1].2.contains("`organization` contains the noncharacter U+FDD0") && e[1].0 == 4, "{e:?}");
        assert!(
            fm("---\ntitle: \"a\\tb\"\ndate: 2024-01-30\norganization: X\nsummary: \"一行目\\n二行目\"\n---\n").is_ok()
        );
        let e = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\nfollows: \"a\\x7f\"\nsources:\n  - {title: \"t\\x01\", url: \"https://e.org/\"}\n---\n").unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().any(|p| p.0 == 5 && p.2.contains("`follows` contains the control character U+007F")), "{e:?}");
        assert!(
            e.iter().any(|p| (p.0, p.1) == (7, 13) && p.2.contains("`sources` title contains the control character U+0001")),
            "{e:?}"
        );
        // A title's and a url's, each at its own place, in one run.
        let e = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n  - title: \"t\\uFFFE\"\n    url: \"https://e.org/\\u0001\"\n---\n").unwrap_err();
        let at: Vec<(usize, usize)> = e.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(at, [(6, 12), (7, 10)], "{e:?}");
        assert!(e[0].2.contains("`sources` title contains the noncharacter U+FFFE"), "{e:?}");
        assert!(e[1].2.contains("`sources` url contains the control character U+0001"), "{e:?}");
    }

    #[test]
    fn source_url_schemes_are_case_insensitive() {
        assert!(is_http_url("HTTPS://example.org/x") && is_http_url("Http://example.org/"));
        assert!(!is_http_url("HTTPS://") && !is_http_url("javascript:alert(1)") && !is_http_url("ftp://x.org/"));
        assert!(!is_http_url("httpsx://x.org/") && !is_http_url("日本語"));
    }

    #[test]
    fn split_accepts_bom_and_crlf() {
        let s = split("\u{feff}---\r\ntitle: t\r\n---\r\nbody\r\n").unwrap();
        assert_eq!(s.yaml, "title: t\r\n");
        assert_eq!(s.body, "body\r\n");
        assert_eq!(s.body_line, 4);
        assert!(fm("\u{feff}---\r\ntitle: t\r\ndate: 2024-01-30\r\norganization: X\r\n---\r\nb").is_ok());
    }

    #[test]
    fn split_errors() {
        assert!(split("title: t\n").unwrap_err().1.contains("expected a first line `---`"));
        assert!(split("---\ntitle: t\n").unwrap_err().1.contains("not closed"));
    }

    #[test]
    fn a_full_incident_parses() {
        let f = fm("---\ntitle: \"「東京ヴェルディ」\"\nid: \"2024-033\"\ndate: 2024-01-30\norganization: 株式会社東京ヴェルディ\nattack: 不正アクセス\nsector: 小売\naffected: 2726\ndata: [カード名義人名, クレジットカード番号]\ndisclosed: 2024-01-30\noccurred: { from: 2023-08-22, to: 2023-12-20 }\ntags: [ECサイト]\nsources:\n  - title: リリース\n    url: https://example.org/a.pdf\nfollows: \"2023-301\"\nextra: {x: 1}\n---\n").unwrap();
        assert_eq!(f.id.unwrap().value, "2024-033");
        assert_eq!(f.affected, Some(2726));
        assert_eq!(f.data.len(), 2);
        assert_eq!(f.occurred.unwrap().from.to_string(), "2023-08-22");
        assert_eq!(f.sources[0].url, "https://example.org/a.pdf");
        assert_eq!(f.follows.unwrap().line, 16);
        assert_eq!(f.extra["x"], 1);
    }

    #[test]
    fn dates_and_datetimes() {
        assert!(parse_date("2024-01-30").is_some());
        assert!(parse_date("2024-1-3").is_none());
        assert!(parse_date("2024-02-30").is_none());
        let d = parse_date("2024-01-30T09:15:00+09:00").unwrap();
        assert_eq!(d.day.to_string(), "2024-01-30");
        assert_eq!(d.rfc3339(), "2024-01-30T09:15:00+09:00");
        assert_eq!(parse_date("2024-01-30").unwrap().rfc3339(), "2024-01-30T00:00:00Z");
        for d in [(2024, 1, 30), (1, 1, 1), (0, 12, 31), (9999, 12, 31), (10000, 1, 1), (-1, 6, 15), (1970, 10, 5)] {
            let day = NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap();
            assert_eq!(iso_date(day), day.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn series_ids() {
        assert!(is_series_id("2024-033"));
        assert!(is_series_id("2023-1001"));
        assert!(!is_series_id("24-033"));
        assert!(!is_series_id("2024-33"));
        assert!(!is_series_id("2024_033"));
    }

    #[test]
    fn dates_that_contradict_each_other_are_errors_at_the_later_field() {
        let head = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        let errors = |rest: &str| fm(&format!("{head}{rest}---\n")).err().unwrap_or_default();
        let e = errors("updated: 2023-02-01\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].0, e[0].1), (5, 10));
        assert!(e[0].2.contains("`updated` is 2023-02-01, before the entry's `date` 2024-01-30 (line 3)"), "{e:?}");
        let e = errors("disclosed: 2023-06-01\noccurred: { from: 2023-08-22, to: 2023-12-20 }\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].0, e[0].1), (5, 12));
        assert!(e[0].2.contains("before the incident began (`occurred` from 2023-08-22, line 6)"), "{e:?}");
        let e = errors("occurred: 2024-02-01\n");
        assert_eq!((e[0].0, e[0].1), (5, 11));
        assert!(
            e[0].2.contains("`occurred` begins on 2024-02-01, after the entry's `date` 2024-01-30 (line 3)"),
            "{e:?}"
        );
        // The same day is no contradiction; an entry before the disclosure (from the news) is not.
        for fine in [
            "updated: 2024-01-30\n",
            "occurred: 2024-01-30\ndisclosed: 2024-01-30\n",
            "disclosed: 2024-03-01\noccurred: { from: 2023-08-22, to: 2023-12-20 }\n",
        ] {
            assert!(errors(fine).is_empty(), "{fine}: {:?}", errors(fine));
        }
        // Both contradictions of one `occurred`, in one run.
        let e = errors("disclosed: 2024-01-29\noccurred: { from: 2024-02-05, to: 2024-02-06 }\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].2.starts_with("`disclosed` is 2024-01-29") && e[1].2.starts_with("`occurred` begins"), "{e:?}");
        // A date-time without the other's time is compared by its day; two date-times as instants.
        let e = fm("---\ntitle: t\ndate: 2024-01-30T23:00:00+09:00\norganization: X\nupdated: 2024-01-30\n---\n");
        assert!(e.is_ok(), "{e:?}");
        let zones =
            "---\ntitle: t\ndate: 2024-03-10T00:30:00+09:00\norganization: X\nupdated: 2024-03-09T20:00:00Z\n---\n";
        assert!(fm(zones).is_ok(), "05:00 in +09:00 is after 00:30: {:?}", fm(zones));
        let e = first_error(&zones.replace("20:00:00Z", "15:00:00Z"));
        let both = "`updated` is 2024-03-09T15:00:00Z, before the entry's `date` 2024-03-10T00:30:00+09:00";
        assert!(e.2.contains(both), "{e:?}");
        // `occurred` and `disclosed` date-times too: here each is after the one before it.
        let ok = "---\ntitle: t\ndate: 2025-03-10T23:00:00-05:00\norganization: X\noccurred: 2025-03-11T10:00:00+09:00\ndisclosed: 2025-03-10T22:00:00-05:00\n---\n";
        assert!(fm(ok).is_ok(), "{:?}", fm(ok));
        let bad = "---\ntitle: t\ndate: 2025-03-10T09:00:00+09:00\norganization: X\noccurred: { from: 2025-03-10T10:00:00+09:00, to: 2025-03-11 }\ndisclosed: 2025-03-10T00:30:00Z\n---\n";
        let e = fm(bad).unwrap_err();
        // 00:30Z is 09:30 in +09:00: both the disclosure and the entry come before 10:00.
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].2.starts_with("`disclosed` is 2025-03-10T00:30:00Z, before the incident began"), "{e:?}");
        assert!(e[1].2.starts_with("`occurred` begins on 2025-03-10T10:00:00+09:00"), "{e:?}");
    }

    #[test]
    fn a_field_indented_by_mistake_is_named_not_the_field_before() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\ntags: [お知らせ]\n aliases: [/about.html]\n---\n");
        assert_eq!((e.0, e.1), (5, 1), "{e:?}");
        assert!(e.2.contains("`aliases` is indented by 1 space, expected it at the start of the line"), "{e:?}");
        // A map's own keys are indented, and fine.
        assert!(fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\noccurred:\n  from: 2024-01-01\n  to: 2024-01-02\n---\n").is_ok());
    }

    #[test]
    fn a_description_in_an_entry_points_at_term_texts() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\ndescription: 説明\n---\n");
        assert!(e.2.contains("a file named `_index.md`"), "{e:?}");
    }

    #[test]
    fn lines_are_file_lines() {
        let e = first_error("---\ntitle: t\ndate: 2024-13-01\norganization: X\n---\n");
        assert_eq!((e.0, e.1), (3, 7));
        assert!(e.2.contains("`date`") && e.2.contains("expected a date"), "{}", e.2);
    }

    #[test]
    fn unknown_field_suggests() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganisation: X\n---\n");
        assert_eq!(e.0, 4);
        assert!(e.2.contains("unknown field `organisation` (did you mean `organization`?)"), "{}", e.2);
    }

    #[test]
    fn all_problems_of_one_file_are_reported() {
        let errs = fm("---\ntitle: \"\"\ndate: nope\naffected: -3\n---\n").unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.2.split('`').nth(1).unwrap().to_string()).collect();
        assert_eq!(fields, ["title", "date", "organization", "affected"]);
    }

    #[test]
    fn affected_must_be_a_plain_number() {
        assert!(
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: \"2,726\"\n---\n")
                .2
                .contains("non-negative")
        );
        assert!(
            first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\naffected: 1.5\n---\n")
                .2
                .contains("non-negative")
        );
    }

    #[test]
    fn occurred_forms() {
        let base = "---\ntitle: t\ndate: 2024-01-30\norganization: X\n";
        assert!(fm(&format!("{base}occurred: 2024-01-01\n---\n")).is_ok());
        let e = first_error(&format!("{base}occurred: {{ from: 2024-02-01, to: 2024-01-01 }}\n---\n"));
        assert!(e.2.contains("expected `from` on or before `to`"), "{}", e.2);
        let e = first_error(&format!("{base}occurred: {{ form: 2024-02-01, to: 2024-03-01 }}\n---\n"));
        assert!(e.2.contains("did you mean `from`?"), "{}", e.2);
        // A bad end is reported at its own line, and a missing one by name.
        let e = first_error(&format!("{base}occurred:\n  from: 2024-01-01\n  to: bad\n---\n"));
        assert_eq!((e.0, e.1), (7, 7), "{}", e.2);
        let expected =
            "expected a date YYYY-MM-DD (or a date-time with its time zone, such as 2024-01-30T10:00:00+09:00)";
        assert_eq!(e.2, format!("`occurred.to` is `bad`, {expected}"));
        // Two date-times compare as instants: 01:00+09:00 on the 1st is 16:00Z on the 29th.
        let instants = "occurred: { from: 2024-01-02T01:00:00+09:00, to: 2024-01-01T17:00:00Z }";
        assert!(fm(&format!("{base}{instants}\n---\n")).is_ok(), "{:?}", fm(&format!("{base}{instants}\n---\n")));
        let e =
            first_error(&format!("{base}occurred: {{ from: 2024-01-02T10:00:00Z, to: 2024-01-02T09:00:00Z }}\n---\n"));
        assert!(e.2.contains("runs from 2024-01-02T10:00:00Z to the earlier 2024-01-02T09:00:00Z"), "{}", e.2);
        let e = first_error(&format!("{base}occurred: {{ from: 2024-01-01 }}\n---\n"));
        assert!(e.2.starts_with("`occurred` has no `to`"), "{}", e.2);
        let e = first_error(&format!("{base}occurred: 2024-02-30\n---\n"));
        assert!(e.2.contains("`2024-02-30`, a day that does not exist"), "{}", e.2);
    }

    #[test]
    fn sources_must_be_http() {
        let e = first_error(
            "---\ntitle: t\ndate: 2024-01-30\norganization: X\nsources:\n  - title: a\n    url: javascript:alert(1)\n---\n",
        );
        assert_eq!(e.0, 7);
        assert!(e.2.contains("not an http(s) URL"));
    }

    #[test]
    fn kind_and_article_fields() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\nkind: essay\n---\n");
        assert!(e.2.contains("expected `incident` or `article`"));
        let s = split("---\ntitle: t\ndate: 2024-01-30\norganization: X\n---\n").unwrap();
        let e = parse(&s, Kind::Article).unwrap_err().errors;
        assert!(e[0].2.contains("field of incidents"));
    }

    #[test]
    fn slug_and_id_rules() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\nslug: a/b\n---\n");
        assert!(e.2.starts_with("`slug`"));
        // A slug written with a leading `.` would be a hidden directory: refused where it is.
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\nslug: .hidden\n---\n");
        assert_eq!((e.0, e.1), (5, 7));
        assert!(e.2.starts_with("`slug` begins with `.`, which makes a hidden directory"), "{}", e.2);
        // One that only NFKC makes begin with `.` is made a key as terms are.
        let f = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\nslug: ．NET\n---\n").unwrap();
        assert_eq!(f.slug.map(|s| s.value).as_deref(), Some("-net"));
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\nid: 2024-33\n---\n");
        assert!(e.2.contains("expected YYYY-NNN"));
    }

    #[test]
    fn type_errors_name_the_field() {
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\ndraft: maybe\n---\n");
        assert_eq!(e.0, 5);
        assert!(e.2.starts_with("`draft`") && e.2.contains("expected true or false"), "{}", e.2);
        let e = first_error("---\ntitle: t\ndate: 2024-01-30\norganization: X\ntags:\n  - [a]\n---\n");
        assert!(e.2.starts_with("`tags`"), "{}", e.2);
    }

    #[test]
    fn duplicate_terms_on_one_entry_collapse() {
        let f = fm("---\ntitle: t\ndate: 2024-01-30\norganization: X\ntags: [DDoS, ＤＤｏＳ, ddos]\n---\n").unwrap();
        assert_eq!(f.tags, ["DDoS"]);
    }
}
