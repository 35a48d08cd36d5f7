//! `/incidents.json` and `/incidents.csv`: the structured fields of every incident.
//!
//! Both list incidents oldest first (by date, then series id, then path) with the same fields in
//! the same order, documented in README. The CSV is UTF-8 with a BOM, so spreadsheet programs
//! open Japanese text correctly, and quotes per RFC 4180 with CRLF line ends.

use serde::Serialize;

use super::Page;
use super::values::{Links, series_label};
use crate::config::Config;
use crate::content::{Entry, iso_date};
use crate::site::Site;

/// One incident in the dataset. Field order here is the order in the files.
#[derive(Serialize)]
struct Record<'a> {
    id: Option<&'a str>,
    title: &'a str,
    series_label: String,
    url: String,
    date: String,
    updated: Option<String>,
    organization: Option<&'a str>,
    attack: Option<&'a str>,
    sector: Option<&'a str>,
    affected: Option<u64>,
    data: &'a [String],
    disclosed: Option<String>,
    occurred_from: Option<String>,
    occurred_to: Option<String>,
    tags: &'a [String],
    sources: Vec<SourceRecord<'a>>,
    follows: Option<String>,
}

#[derive(Serialize)]
struct SourceRecord<'a> {
    title: &'a str,
    url: &'a str,
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "title",
    "series_label",
    "url",
    "date",
    "updated",
    "organization",
    "attack",
    "sector",
    "affected",
    "data",
    "disclosed",
    "occurred_from",
    "occurred_to",
    "tags",
    "sources",
    "follows",
];

fn record<'a>(site: &'a Site, config: &Config, links: &Links, i: usize) -> Record<'a> {
    let e: &'a Entry = &site.entries[i];
    let m = &e.meta;
    // `follows` names the entry it follows by id when it has one, else by slug.
    let follows = site.follows[i].map(|t| {
        let target = &site.entries[t];
        target.id().map_or_else(|| target.slug.clone(), str::to_string)
    });
    Record {
        id: e.id(),
        title: &m.title,
        series_label: series_label(config, e),
        url: links.permalink(&links.entry[i]),
        date: iso_date(m.date.day),
        updated: m.updated.map(iso_date),
        organization: m.organization.as_deref(),
        attack: m.attack.as_deref(),
        sector: m.sector.as_deref(),
        affected: m.affected,
        data: &m.data,
        disclosed: m.disclosed.map(iso_date),
        occurred_from: m.occurred.map(|p| iso_date(p.from)),
        occurred_to: m.occurred.map(|p| iso_date(p.to)),
        tags: &m.tags,
        sources: m.sources.iter().map(|s| SourceRecord { title: &s.title, url: &s.url }).collect(),
        follows,
    }
}

/// Incidents oldest first: the reverse of the site's newest-first order, which is total.
fn incidents(site: &Site) -> Vec<usize> {
    (0..site.entries.len()).rev().filter(|&i| site.entries[i].is_incident()).collect()
}

pub fn files(site: &Site, config: &Config, links: &Links) -> Vec<Page> {
    let records: Vec<Record<'_>> = incidents(site).into_iter().map(|i| record(site, config, links, i)).collect();
    // Both files made at about their final size: grown by doubling, the JSON (30 MB at 30,000
    // entries) was copied about twice and held up to twice its size in fresh memory, which the
    // kernel clears page by page.
    let text: usize = records.iter().map(text_len).sum();
    vec![
        Page { path: "incidents.json".into(), bytes: json(&records, text) },
        Page { path: "incidents.csv".into(), bytes: csv(&records, text).into_bytes() },
    ]
}

/// Bytes a record's JSON adds to its text (keys, punctuation, dates): about 310 on the
/// benchmark corpus, with room so that the buffer is rarely grown.
const JSON_OVERHEAD: usize = 400;

/// A JSON array with one incident a line: a diff between two builds shows the incidents that
/// changed, `grep` finds one with all its fields, and the file is a quarter smaller than
/// indented (7.9 MB against 10.3 MB at 10,000 incidents of the benchmark corpus).
fn json(records: &[Record<'_>], text: usize) -> Vec<u8> {
    if records.is_empty() {
        return b"[]\n".to_vec();
    }
    let mut out = Vec::with_capacity(text + JSON_OVERHEAD * records.len());
    out.extend_from_slice(b"[\n");
    for (k, r) in records.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        // Writing into a Vec fails only if a value cannot be serialized, and none of a
        // record's can.
        if serde_json::to_writer(&mut out, r).is_err() {
            return b"[]\n".to_vec();
        }
    }
    out.extend_from_slice(b"\n]\n");
    out
}

/// The bytes of a record's text fields.
fn text_len(r: &Record<'_>) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let list = |l: &[String]| l.iter().map(String::len).sum::<usize>();
    r.id.map_or(0, str::len)
        + r.title.len()
        + r.series_label.len()
        + r.url.len()
        + r.organization.map_or(0, str::len)
        + r.attack.map_or(0, str::len)
        + r.sector.map_or(0, str::len)
        + list(r.data)
        + list(r.tags)
        + r.sources.iter().map(|s| s.title.len() + s.url.len()).sum::<usize>()
        + opt(&r.follows)
}

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. A field that
/// starts as a formula does (`=`, `+`, `-`, `@`, a tab or CR) gets a `'` in front, which
/// spreadsheet programs take as "text": the file is made for them (hence its BOM), and they would
/// run `=HYPERLINK(…)` in an organization's name (OWASP's "CSV injection"). The JSON has the
/// values as written.
fn push_field(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if s.contains([',', '"', '\r', '\n']) {
        out.push('"');
        if formula {
            out.push('\'');
        }
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        if formula {
            out.push('\'');
        }
        out.push_str(s);
    }
}

/// The items of a list in one cell, joined with `;`: a `;` or `\` inside an item is written
/// `\;` or `\\`, so that a URL such as `/a;jsessionid=1` is still one item.
fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        if item.contains([';', '\\']) {
            for c in item.chars() {
                if matches!(c, ';' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
        } else {
            out.push_str(item);
        }
    }
    out
}

fn csv(records: &[Record<'_>], text: usize) -> String {
    let mut out = String::with_capacity(text + 80 * records.len());
    out.push('\u{feff}');
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str("\r\n");
    let affected = |r: &Record| r.affected.map(|a| a.to_string()).unwrap_or_default();
    let sources = |r: &Record| list(r.sources.iter().map(|s| s.url));
    for r in records {
        let cells: [&str; 17] = [
            r.id.unwrap_or_default(),
            r.title,
            &r.series_label,
            &r.url,
            &r.date,
            r.updated.as_deref().unwrap_or_default(),
            r.organization.unwrap_or_default(),
            r.attack.unwrap_or_default(),
            r.sector.unwrap_or_default(),
            &affected(r),
            &list(r.data.iter().map(String::as_str)),
            r.disclosed.as_deref().unwrap_or_default(),
            r.occurred_from.as_deref().unwrap_or_default(),
            r.occurred_to.as_deref().unwrap_or_default(),
            &list(r.tags.iter().map(String::as_str)),
            &sources(r),
            r.follows.as_deref().unwrap_or_default(),
        ];
        for (k, cell) in cells.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            push_field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_follows_rfc_4180() {
        let field = |s: &str| {
            let mut out = String::new();
            push_field(&mut out, s);
            out
        };
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(\"http://x\",\"y\"), Inc."), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\"), Inc.\"");
        for (cell, neutral) in
            [("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-1+2", "'-1+2"), ("@SUM(1)", "'@SUM(1)")]
        {
            assert_eq!(field(cell), neutral);
        }
        assert_eq!(field("株式会社=A"), "株式会社=A");
        assert_eq!(CSV_COLUMNS.len(), 17);
    }

    #[test]
    fn list_items_keep_their_semicolons_escaped() {
        assert_eq!(list(["氏名", "住所"]), "氏名;住所");
        assert_eq!(
            list(["https://example.org/a;jsessionid=1", "C:\\x"]),
            "https://example.org/a\\;jsessionid=1;C:\\\\x"
        );
        assert_eq!(list([]), "");
    }

    fn record(title: &str) -> Record<'_> {
        Record {
            id: None,
            title,
            series_label: String::new(),
            url: String::new(),
            date: "2024-01-02".into(),
            updated: None,
            organization: None,
            attack: None,
            sector: None,
            affected: None,
            data: &[],
            disclosed: None,
            occurred_from: None,
            occurred_to: None,
            tags: &[],
            sources: Vec::new(),
            follows: None,
        }
    }

    #[test]
    fn json_has_one_incident_a_line() {
        let records = [record("一\n行目"), record("二")];
        let text = String::from_utf8(json(&records, 0)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!((lines[0], lines[3]), ("[", "]"));
        assert!(lines[1].starts_with(r#"{"id":null,"title":"一\n行目","#) && lines[1].ends_with("},"));
        assert!(lines[2].ends_with('}'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back[1]["title"], "二");
        assert_eq!(json(&[], 0), b"[]\n");
    }
}
