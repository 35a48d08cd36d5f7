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
    let mut json = serde_json::to_vec_pretty(&records).unwrap_or_else(|_| b"[]".to_vec());
    json.push(b'\n');
    vec![
        Page { path: "incidents.json".into(), bytes: json },
        Page { path: "incidents.csv".into(), bytes: csv(&records).into_bytes() },
    ]
}

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn csv(records: &[Record<'_>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str("\r\n");
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in records {
        let cells = [
            r.id.unwrap_or_default().to_string(),
            r.title.to_string(),
            r.series_label.clone(),
            r.url.clone(),
            r.date.clone(),
            opt(&r.updated),
            r.organization.unwrap_or_default().to_string(),
            r.attack.unwrap_or_default().to_string(),
            r.sector.unwrap_or_default().to_string(),
            r.affected.map(|a| a.to_string()).unwrap_or_default(),
            r.data.join(";"),
            opt(&r.disclosed),
            opt(&r.occurred_from),
            opt(&r.occurred_to),
            r.tags.join(";"),
            r.sources.iter().map(|s| s.url).collect::<Vec<_>>().join(";"),
            opt(&r.follows),
        ];
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_follows_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(CSV_COLUMNS.len(), 17);
    }
}
