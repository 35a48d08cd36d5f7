//! Template values: the site-wide context and the per-page objects of docs/templates.md.
//!
//! Values are built directly as Tera values rather than through serde: it is faster, and it lets
//! `body` and `summary` be marked safe while every front-matter string stays escaped. Tera's
//! arrays and maps are reference-counted, so a card built once is shared by every list page
//! that shows it at the cost of a pointer copy.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use tera::Value;
use tera::value::Key;

use super::theme::{date_ja, group_digits};
use crate::config::Config;
use crate::content::{Entry, Heading, Kind, iso_date};
use crate::site::{Pager, Site, window};
use crate::url::BaseUrl;

/// How many of each taxonomy's terms the navigation shows.
const NAV_TERMS: usize = 12;

pub fn obj(pairs: Vec<(&'static str, Value)>) -> Value {
    // Tera copies whatever map it is given into its own; a small BTreeMap is the cheapest to give.
    Value::from(pairs.into_iter().collect::<BTreeMap<_, _>>())
}

/// One item of `page.toc`. Its fields are in key order, as the keys of the maps `obj` makes
/// iterate: serialized straight into Tera's map, it costs half of what `obj` does.
#[derive(serde::Serialize)]
struct TocItem<'a> {
    children: Vec<TocItem<'a>>,
    id: &'a str,
    level: u8,
    title: &'a str,
}

/// The table of contents of `headings`: each with the deeper headings that follow it, up to the
/// next one of its level or higher, as its `children` (a `####` right under a `##` is its child).
/// Each level down is a deeper heading, so the recursion is at most six deep.
fn toc(headings: &[Heading]) -> Vec<TocItem<'_>> {
    let mut items = Vec::new();
    let mut i = 0;
    while let Some(h) = headings.get(i) {
        let end = headings[i + 1..].iter().position(|n| n.level <= h.level).map_or(headings.len(), |p| i + 1 + p);
        items.push(TocItem { children: toc(&headings[i + 1..end]), id: &h.id, level: h.level, title: &h.title });
        i = end;
    }
    items
}

fn link(name: &str, url: &str) -> Value {
    obj(vec![("name", name.into()), ("url", url.into())])
}

/// Every URL of the site, computed once.
pub struct Links {
    pub base: BaseUrl,
    pub entry: Vec<String>,
    /// `term[taxonomy][term]`.
    pub term: Vec<Vec<String>>,
    pub taxonomy: Vec<String>,
    pub year: HashMap<i32, String>,
}

impl Links {
    pub fn new(site: &Site, base: BaseUrl) -> Links {
        let entry = site.entries.iter().map(|e| base.url(&entry_segments(e))).collect();
        let taxonomy = site.taxonomies.iter().map(|t| base.url(&[&t.config.path])).collect();
        let term = site
            .taxonomies
            .iter()
            .map(|t| t.terms.iter().map(|term| base.url(&[&t.config.path, &term.key])).collect())
            .collect();
        let year = site.years.iter().map(|y| (y.year, base.url(&["years", &y.year.to_string()]))).collect();
        Links { base, entry, term, taxonomy, year }
    }

    pub fn permalink(&self, url: &str) -> String {
        self.base.absolute(url)
    }

    pub fn year_url(&self, year: i32) -> &str {
        self.year.get(&year).map_or("", String::as_str)
    }
}

/// `["incidents", slug]` or `["articles", slug]`.
pub fn entry_segments(e: &Entry) -> [&str; 2] {
    match e.kind() {
        Kind::Incident => ["incidents", &e.slug],
        Kind::Article => ["articles", &e.slug],
    }
}

/// The series label shown before an incident's title: `【セキュリティ事件簿#2024-033】`.
pub fn series_label(config: &Config, e: &Entry) -> String {
    match (e.kind(), e.id()) {
        (Kind::Incident, Some(id)) => format!("【{}#{}】", config.series.label, id),
        _ => String::new(),
    }
}

pub struct Values<'a> {
    pub site: &'a Site,
    pub config: &'a Config,
    pub links: &'a Links,
    /// One card per entry, in site order, made when first shown: an incremental rebuild under
    /// `serve` renders a few pages and needs only their cards.
    cards: Vec<OnceLock<Value>>,
    /// `{name, url}` of every term, `term_links[taxonomy][term]`, shared by every card and page.
    term_links: Vec<Vec<Value>>,
}

impl<'a> Values<'a> {
    pub fn new(site: &'a Site, config: &'a Config, links: &'a Links) -> Values<'a> {
        let term_links = site
            .taxonomies
            .iter()
            .zip(&links.term)
            .map(|(tax, urls)| tax.terms.iter().zip(urls).map(|(term, url)| link(&term.name, url)).collect())
            .collect();
        Values { site, config, links, cards: (0..site.entries.len()).map(|_| OnceLock::new()).collect(), term_links }
    }

    /// What this owns (every card made, the term links), for freeing elsewhere: it borrows
    /// nothing from the site.
    pub fn into_owned(self) -> impl Send + 'static {
        (self.cards, self.term_links)
    }

    /// The card of entry `i` (a cheap clone: Tera values share their contents).
    pub fn card(&self, i: usize) -> Value {
        self.cards[i].get_or_init(|| obj(self.card_fields(i))).clone()
    }

    fn term_link(&self, t: usize, term: usize) -> Value {
        self.term_links[t][term].clone()
    }

    /// The first term of the taxonomy built from `field`, if the entry has one.
    fn single(&self, i: usize, field: crate::config::TaxonomyField, fallback: Option<&str>) -> Value {
        let t = self.site.taxonomies.iter().position(|t| t.config.field == field);
        match (t, fallback) {
            (Some(t), _) if !self.site.entry_terms[i][t].is_empty() => {
                self.term_link(t, self.site.entry_terms[i][t][0])
            }
            // A field with no taxonomy configured is still shown, unlinked.
            (None, Some(name)) => obj(vec![("name", name.into()), ("url", Value::none())]),
            _ => Value::none(),
        }
    }

    fn list(&self, i: usize, field: crate::config::TaxonomyField, fallback: &[String]) -> Value {
        match self.site.taxonomies.iter().position(|t| t.config.field == field) {
            Some(t) => {
                Value::from(self.site.entry_terms[i][t].iter().map(|&term| self.term_link(t, term)).collect::<Vec<_>>())
            }
            None => Value::from(
                fallback
                    .iter()
                    .map(|n| obj(vec![("name", n.as_str().into()), ("url", Value::none())]))
                    .collect::<Vec<_>>(),
            ),
        }
    }

    fn card_fields(&self, i: usize) -> Vec<(&'static str, Value)> {
        use crate::config::TaxonomyField as F;
        let e = &self.site.entries[i];
        let m = &e.meta;
        let url = &self.links.entry[i];
        let year = chrono::Datelike::year(&m.date.day);
        vec![
            ("kind", if e.is_incident() { "incident" } else { "article" }.into()),
            ("url", url.as_str().into()),
            ("permalink", self.links.permalink(url).into()),
            ("title", m.title.as_str().into()),
            ("series_label", series_label(self.config, e).into()),
            ("id", e.id().into()),
            ("date", iso_date(m.date.day).into()),
            ("date_ja", date_ja(m.date.day).into()),
            ("year", year.into()),
            ("year_url", self.links.year_url(year).into()),
            ("organization", self.single(i, F::Organization, m.organization.as_deref())),
            ("attack", self.single(i, F::Attack, m.attack.as_deref())),
            ("sector", self.single(i, F::Sector, m.sector.as_deref())),
            ("affected", m.affected.into()),
            ("affected_fmt", m.affected.map(group_digits).unwrap_or_default().into()),
            // Shown on list pages: links relative to the entry's page are made to work there.
            ("summary", Value::safe_string(&crate::url::rebase_links(&e.summary_html, url, ""))),
            ("tags", self.list(i, F::Tags, &m.tags)),
        ]
    }

    /// The full object of an incident or article page.
    pub fn page(&self, i: usize) -> Value {
        use crate::config::TaxonomyField as F;
        let site = self.site;
        let e = &site.entries[i];
        let m = &e.meta;
        let day = |d: Option<chrono::NaiveDate>| d.map(iso_date);
        let occurred = m.occurred.map_or(Value::none(), |p| {
            obj(vec![
                ("from", iso_date(p.from).into()),
                ("to", iso_date(p.to).into()),
                ("from_ja", date_ja(p.from).into()),
                ("to_ja", date_ja(p.to).into()),
                ("single", (p.from == p.to).into()),
            ])
        });
        let neighbour = |offset: isize| -> Value {
            site.series_pos[i]
                .and_then(|p| p.checked_add_signed(offset))
                .and_then(|p| site.series.get(p))
                .map_or(Value::none(), |&j| self.card(j))
        };
        let chain: Vec<Value> = site.chain_of[i].map_or_else(Vec::new, |c| {
            site.chains[c]
                .iter()
                .map(|&j| {
                    let mut f = self.card_fields(j);
                    f.push(("current", (j == i).into()));
                    obj(f)
                })
                .collect()
        });
        let terms: Vec<Value> = site
            .taxonomies
            .iter()
            .enumerate()
            .filter(|(t, _)| !site.entry_terms[i][*t].is_empty())
            .map(|(t, tax)| {
                obj(vec![
                    ("title", tax.config.title.as_str().into()),
                    ("path", tax.config.path.as_str().into()),
                    ("url", self.links.taxonomy[t].as_str().into()),
                    (
                        "items",
                        Value::from(
                            site.entry_terms[i][t].iter().map(|&term| self.term_link(t, term)).collect::<Vec<_>>(),
                        ),
                    ),
                ])
            })
            .collect();
        // The card's fields, shared with the lists (built once), and the page's own.
        let mut map: BTreeMap<Key<'static>, Value> =
            self.card(i).as_map().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
        let own = [
            ("body", Value::safe_string(&e.html)),
            ("updated", day(m.updated).into()),
            ("updated_ja", m.updated.map(date_ja).into()),
            ("disclosed", day(m.disclosed).into()),
            ("disclosed_ja", m.disclosed.map(date_ja).into()),
            ("occurred", occurred),
            ("data", self.list(i, F::Data, &m.data)),
            (
                "sources",
                Value::from(
                    m.sources
                        .iter()
                        .map(|s| obj(vec![("title", s.title.as_str().into()), ("url", s.url.as_str().into())]))
                        .collect::<Vec<_>>(),
                ),
            ),
            ("reading_minutes", e.reading_minutes().into()),
            ("char_count", e.length.chars.into()),
            ("word_count", e.length.words.into()),
            ("toc", Value::from_serializable(&toc(&e.headings))),
            ("prev", neighbour(-1)),
            ("next", neighbour(1)),
            ("chain", Value::from(chain)),
            ("related", Value::from(site.related[i].iter().map(|&j| self.card(j)).collect::<Vec<_>>())),
            ("terms", Value::from(terms)),
            ("extra", Value::from_serializable(&m.extra)),
        ];
        map.extend(own.into_iter().map(|(k, v)| (k.into(), v)));
        Value::from(map)
    }

    /// Cards of `indices`, in that order.
    pub fn cards_of(&self, indices: &[usize]) -> Value {
        Value::from(indices.iter().map(|&i| self.card(i)).collect::<Vec<_>>())
    }

    /// `[{year, entries}]` for `indices` (newest first), split where the publication year changes.
    pub fn groups_by_year(&self, indices: &[usize]) -> Value {
        self.groups_by(indices, |e| chrono::Datelike::year(&e.meta.date.day))
    }

    /// `[{year, entries}]` for `indices`, split where `year_of` changes.
    pub fn groups_by(&self, indices: &[usize], year_of: impl Fn(&Entry) -> i32) -> Value {
        let group = |(y, cards): (i32, Vec<Value>)| {
            let url = self.links.year.get(&y).map_or(Value::none(), |u| Value::from(u.as_str()));
            obj(vec![("year", y.into()), ("url", url), ("entries", Value::from(cards))])
        };
        Value::from(self.split(indices, year_of).into_iter().map(group).collect::<Vec<_>>())
    }

    /// `[{year, month, entries}]` for `indices`, split where the month of the date changes.
    pub fn groups_by_month(&self, indices: &[usize]) -> Value {
        use chrono::Datelike;
        let month_of = |e: &Entry| (e.meta.date.day.year(), e.meta.date.day.month());
        let group = |((y, m), cards): ((i32, u32), Vec<Value>)| {
            obj(vec![("year", y.into()), ("month", m.into()), ("entries", Value::from(cards))])
        };
        Value::from(self.split(indices, month_of).into_iter().map(group).collect::<Vec<_>>())
    }

    /// The cards of `indices`, in runs of equal `key`.
    fn split<K: PartialEq>(&self, indices: &[usize], key: impl Fn(&Entry) -> K) -> Vec<(K, Vec<Value>)> {
        let mut groups: Vec<(K, Vec<Value>)> = Vec::new();
        for &i in indices {
            let k = key(&self.site.entries[i]);
            match groups.last_mut() {
                Some(g) if g.0 == k => g.1.push(self.card(i)),
                _ => groups.push((k, vec![self.card(i)])),
            }
        }
        groups
    }

    /// `[{name, url, count}]` for the first `limit` terms of taxonomy `t` (largest first).
    pub fn term_counts(&self, t: usize, limit: usize) -> Value {
        let terms = self.site.taxonomies[t].terms.iter().take(limit).enumerate().map(|(k, term)| {
            obj(vec![
                ("name", term.name.as_str().into()),
                ("url", self.links.term[t][k].as_str().into()),
                ("count", term.entries.len().into()),
            ])
        });
        Value::from(terms.collect::<Vec<_>>())
    }

    /// The `site` and `nav` objects every page shares.
    pub fn global(&self) -> (Value, Value) {
        let b = &self.config.book;
        let base = &self.links.base;
        let site = obj(vec![
            ("title", b.title.as_str().into()),
            ("description", b.description.as_str().into()),
            ("language", b.language.as_str().into()),
            ("base_url", base.full().into()),
            ("root", base.root().into()),
            ("series_label", self.config.series.label.as_str().into()),
            ("authors", Value::from(b.authors.iter().map(|a| Value::from(a.as_str())).collect::<Vec<_>>())),
            ("feed_url", base.file_url(&["feed.xml"]).into()),
            ("generator", concat!("casebook ", env!("CARGO_PKG_VERSION")).into()),
            ("extra", Value::from_serializable(&self.config.extra)),
        ]);
        let years: Vec<Value> = self
            .site
            .years
            .iter()
            .map(|y| {
                obj(vec![
                    ("year", y.year.into()),
                    ("count", y.entries.len().into()),
                    ("url", self.links.year_url(y.year).into()),
                ])
            })
            .collect();
        let taxonomies: Vec<Value> = self
            .site
            .taxonomies
            .iter()
            .enumerate()
            .map(|(t, tax)| {
                let top = self.term_counts(t, NAV_TERMS);
                obj(vec![
                    ("field", tax.config.field.name().into()),
                    ("path", tax.config.path.as_str().into()),
                    ("title", tax.config.title.as_str().into()),
                    ("url", self.links.taxonomy[t].as_str().into()),
                    ("term_count", tax.terms.len().into()),
                    ("top", top),
                ])
            })
            .collect();
        let nav = obj(vec![
            ("home_url", base.url(&[]).into()),
            ("years_url", base.url(&["years"]).into()),
            ("series_url", base.url(&["series"]).into()),
            ("stats_url", base.url(&["stats"]).into()),
            ("search_url", base.url(&["search"]).into()),
            ("years", Value::from(years)),
            ("taxonomies", Value::from(taxonomies)),
        ]);
        (site, nav)
    }
}

/// URL of page `n` of a list whose first page is at `segments`.
pub fn page_url(base: &BaseUrl, segments: &[&str], n: usize) -> String {
    if n <= 1 {
        base.url(segments)
    } else {
        let num = n.to_string();
        let mut s: Vec<&str> = segments.to_vec();
        s.extend(["page", num.as_str()]);
        base.url(&s)
    }
}

pub fn paginator(base: &BaseUrl, segments: &[&str], pager: &Pager, total_items: usize, per_page: usize) -> Value {
    let url = |n: usize| page_url(base, segments, n);
    let at = |cond: bool, n: usize| if cond { Value::from(url(n)) } else { Value::none() };
    let pages: Vec<Value> = window(pager.number, pager.total_pages)
        .into_iter()
        .map(|p| match p {
            Some(n) => obj(vec![("number", n.into()), ("url", url(n).into()), ("current", (n == pager.number).into())]),
            None => obj(vec![("gap", true.into())]),
        })
        .collect();
    obj(vec![
        ("current", pager.number.into()),
        ("total", pager.total_pages.into()),
        ("per_page", per_page.into()),
        ("total_items", total_items.into()),
        ("prev_url", at(pager.number > 1, pager.number.saturating_sub(1))),
        ("next_url", at(pager.number < pager.total_pages, pager.number + 1)),
        ("first_url", at(pager.number > 1, 1)),
        ("last_url", at(pager.number < pager.total_pages, pager.total_pages)),
        ("pages", Value::from(pages)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls() {
        let b = BaseUrl::parse("/cb/").unwrap();
        assert_eq!(page_url(&b, &[], 1), "/cb/");
        assert_eq!(page_url(&b, &["tags", "a b"], 3), "/cb/tags/a%20b/page/3/");
    }

    #[test]
    fn paginator_ends_have_no_links() {
        let b = BaseUrl::parse("/").unwrap();
        let p = Pager { number: 1, total_pages: 3, start: 0, end: 20 };
        let v = paginator(&b, &["years", "2024"], &p, 45, 20);
        let m = v.as_map().unwrap();
        assert!(m.get(&Key::Str("prev_url")).unwrap().is_none());
        assert_eq!(m.get(&Key::Str("next_url")).unwrap().as_str(), Some("/years/2024/page/2/"));
    }
}
