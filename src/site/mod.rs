//! The whole-site model, built once from the loaded entries and read-only afterwards.
//!
//! Entries are referred to by their index in [`Site::entries`], which is ordered newest first.
//! Everything here is computed in time roughly linear in the number of entries: no loop over
//! all pairs of entries anywhere.

mod paginate;
mod related;
mod taxonomy;

use crate::config::{Config, TaxonomyConfig};
use crate::content::{Absent, At, Entry, Kind};
use crate::diag::{self, Diagnostic};
use crate::url;
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Reverse;

pub use paginate::{Pager, pager, paginate, window};
pub use taxonomy::{Taxonomy, Term, attach_texts, values as taxonomy_values};

/// Entries that share the year of their publication date.
#[derive(Debug, Clone)]
pub struct Year {
    pub year: i32,
    /// Newest first.
    pub entries: Vec<usize>,
    pub incidents: usize,
    pub articles: usize,
    /// People or records affected, summed over the year's incidents.
    pub affected: u64,
}

#[derive(Debug)]
pub struct Site {
    /// Newest first; ties broken by series id, then path, so the order is total.
    pub entries: Vec<Entry>,
    pub taxonomies: Vec<Taxonomy>,
    /// `entry_terms[entry][taxonomy]`: indices into that taxonomy's terms.
    pub entry_terms: Vec<Vec<Vec<usize>>>,
    /// Newest first.
    pub years: Vec<Year>,
    /// Numbered incidents, oldest number first.
    pub series: Vec<usize>,
    /// Position of each entry in `series`.
    pub series_pos: Vec<Option<usize>>,
    /// The entry each entry follows (続報), resolved from `follows`.
    pub follows: Vec<Option<usize>>,
    /// The whole 続報 chain each entry belongs to, oldest first (empty when alone).
    pub chain_of: Vec<Option<usize>>,
    pub chains: Vec<Vec<usize>>,
    /// Up to five related entries, best first.
    pub related: Vec<Vec<usize>>,
}

impl Site {
    /// Builds the model; reports every cross-entry problem (duplicate ids and slugs, `follows`
    /// that cannot be resolved) at once.
    pub fn build(config: &Config, entries: Vec<Entry>) -> Result<Site, Vec<Diagnostic>> {
        let (site, diags) = Site::build_lenient(config, entries, &[]);
        if diags.is_empty() { Ok(site) } else { Err(diags) }
    }

    /// Builds the model even when entries conflict, dropping what cannot be resolved (a bad
    /// `follows`), and returns the problems beside it: `check` still checks every link of a site
    /// that `build` would refuse, so that one run reports everything. `absent` are the entries
    /// left out (drafts, files with errors), which a `follows` may name.
    pub fn build_lenient(config: &Config, mut entries: Vec<Entry>, absent: &[Absent]) -> (Site, Vec<Diagnostic>) {
        // Keys computed once per entry (parsing the series number in the comparator cost more
        // than the sort itself on large sites).
        entries.par_sort_by_cached_key(|e| (Reverse(e.meta.date), Reverse(series_number(e)), e.path.clone()));
        // Terms and related entries on one side, the rest of the model on the other: the parts
        // are independent, and most of them run on one thread each.
        let ((taxonomies, entry_terms, related), (diags, follows, years, series, series_pos, chains, chain_of)) =
            rayon::join(
                || {
                    let (taxonomies, entry_terms) = taxonomy::build(&config.taxonomies, &entries);
                    let related = related::compute(&entries, &entry_terms);
                    (taxonomies, entry_terms, related)
                },
                || {
                    let mut diags = check_unique(&entries);
                    diags.extend(labelled_titles(&entries, &config.series.label));
                    let follows = resolve_follows(&entries, absent, &mut diags);
                    diag::sort(&mut diags);
                    let years = build_years(&entries);
                    let mut series: Vec<usize> =
                        (0..entries.len()).filter(|&i| entries[i].is_incident() && entries[i].id().is_some()).collect();
                    series.sort_by_key(|&i| series_number(&entries[i]));
                    let mut series_pos = vec![None; entries.len()];
                    for (pos, &i) in series.iter().enumerate() {
                        series_pos[i] = Some(pos);
                    }
                    let (chains, chain_of) = build_chains(&follows, &entries);
                    (diags, follows, years, series, series_pos, chains, chain_of)
                },
            );
        (
            Site { entries, taxonomies, entry_terms, years, series, series_pos, follows, chain_of, chains, related },
            diags,
        )
    }

    pub fn taxonomy_config(&self, t: usize) -> &TaxonomyConfig {
        &self.taxonomies[t].config
    }

    pub fn incidents(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_incident())
    }
}

/// `(year, number)` of a series id, for ordering; entries without an id sort first.
fn series_number(e: &Entry) -> (u32, u32) {
    e.id().and_then(crate::content::frontmatter::series_number).unwrap_or((0, 0))
}

/// An incident's title that begins with the series label (`【セキュリティ事件簿#2024-034】…`, as
/// a title copied from a published post does): pages put the label from `id` before every
/// incident's title, so it would show twice, or with two numbers.
fn labelled_titles(entries: &[Entry], label: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for e in entries.iter().filter(|e| e.is_incident()) {
        let Some((written, number)) = label_in_title(&e.meta.title, label) else { continue };
        let message = match e.id() {
            Some(id) if id == number => format!(
                "`title` begins with the series label `{written}`, which pages put before the title from `id`, expected the title without it"
            ),
            Some(id) => format!(
                "`title` begins with the series label `{written}`, but `id` is `{id}` (pages put the label from `id` before the title), expected the title without the label, and the incident's number in `id`"
            ),
            None => format!(
                "`title` begins with the series label `{written}`, but the entry has no `id` (pages put the label from `id` before the title), expected the title without the label, and `id: \"{number}\"`"
            ),
        };
        diags.push(Diagnostic::new(&e.path, e.meta.title_line, 1, message));
    }
    diags
}

/// The series label `title` begins with (`【セキュリティ事件簿#2024-034】`), and the number in
/// it; compared in NFKC, as a full-width `＃` or `Ｘ` makes the same label to a reader.
pub fn label_in_title(title: &str, label: &str) -> Option<(String, String)> {
    if label.is_empty() {
        return None;
    }
    let title = crate::url::nfkc(title.trim_start());
    let open = format!("【{}#", crate::url::nfkc(label));
    let (number, _) = title.strip_prefix(&open)?.split_once('】')?;
    Some((format!("{open}{number}】"), number.to_string()))
}

/// Ids are unique across the site; slugs are unique within a kind (they share a URL prefix).
fn check_unique(entries: &[Entry]) -> Vec<Diagnostic> {
    // Each duplicate is reported against the holder whose path sorts first, so that the messages
    // do not depend on the date order. Found in two linear passes: sorting every entry by path
    // to find them cost a third of the model's time at 100,000 entries.
    fn keep_first<'a, K: std::hash::Hash + Eq>(map: &mut HashMap<K, &'a Entry>, key: K, e: &'a Entry) {
        match map.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(e);
            }
            // Paths are compared only on a collision: Path::cmp parses components, which adds up.
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if e.path < o.get().path {
                    o.insert(e);
                }
            }
        }
    }
    // By number, not by text: `2024-070` and `2024-0070` are one place in the series.
    let mut ids: HashMap<(u32, u32), &Entry> = HashMap::default();
    let mut slugs: HashMap<(Kind, &str), &Entry> = HashMap::default();
    for e in entries {
        if e.meta.id.is_some() {
            keep_first(&mut ids, series_number(e), e);
        }
        keep_first(&mut slugs, (e.kind(), e.slug.as_str()), e);
    }
    let mut diags = Vec::new();
    for e in entries {
        if let Some(id) = &e.meta.id
            && let Some(first) = ids.get(&series_number(e)).filter(|f| !std::ptr::eq(**f, e))
        {
            let other = first.id().unwrap_or_default();
            let written = if other == id.value { String::new() } else { format!(" as `{other}`") };
            diags.push(
                Diagnostic::new(
                    &e.path,
                    id.line,
                    id.column,
                    format!(
                        "`id` `{}` is already used by {}{written}, expected a unique id",
                        id.value,
                        first.path.display()
                    ),
                )
                .naming(&first.path),
            );
        }
        if let Some(first) = slugs.get(&(e.kind(), e.slug.as_str())).filter(|f| !std::ptr::eq(**f, e)) {
            // A slug that defaults to a duplicate id was reported with the id already.
            if e.meta.slug.is_none() && e.id().is_some() && e.id() == first.id() {
                continue;
            }
            let (line, column) = e.meta.slug.as_ref().map_or((e.meta.title_line, 1), |s| (s.line, s.column));
            diags.push(Diagnostic::new(
                &e.path,
                line,
                column,
                format!(
                    "the URL slug `{}` is already used by {}, expected a unique `slug` (set one in the front matter)",
                    e.slug,
                    first.path.display()
                ),
            )
            .naming(&first.path));
        }
    }
    diags
}

/// Drafts whose id a published entry already has. Not an error, since the draft is not built,
/// but the clash will stop the build the day the draft is published: said now, at the draft's
/// `id`, while the editor can still pick another number.
pub fn draft_id_clashes(entries: &[Entry], absent: &[Absent]) -> Vec<Diagnostic> {
    let drafts: Vec<(&Absent, &At<String>, (u32, u32))> = absent
        .iter()
        .filter(|a| a.draft)
        .filter_map(|a| {
            let id = a.id.as_ref()?;
            Some((a, id, crate::content::frontmatter::series_number(&id.value)?))
        })
        .collect();
    if drafts.is_empty() {
        return Vec::new();
    }
    let published: HashMap<(u32, u32), &Entry> =
        entries.iter().filter(|e| e.id().is_some()).map(|e| (series_number(e), e)).collect();
    drafts
        .into_iter()
        .filter_map(|(a, id, number)| {
            let e = published.get(&number)?;
            Some(
                Diagnostic::new(
                    &a.path,
                    id.line,
                    id.column,
                    format!(
                        "this draft's `id` `{}` is already used by {}, so publishing it will fail, expected a unique id",
                        id.value,
                        e.path.display()
                    ),
                )
                .naming(&e.path)
                .as_warning(),
            )
        })
        .collect()
}

/// Resolves every `follows` to an entry index: by id first, then by slug. A `follows` that names
/// a left-out entry is an error only when that entry is a draft (a file with errors has its own
/// report); the `follows` of a file with errors is checked too, for naming nothing.
fn resolve_follows(entries: &[Entry], absent: &[Absent], diags: &mut Vec<Diagnostic>) -> Vec<Option<usize>> {
    let mut by_id: HashMap<&str, usize> = HashMap::default();
    // `2024-0070` names the entry written `2024-070`: ids are one number of the series.
    let mut by_number: HashMap<(u32, u32), usize> = HashMap::default();
    let mut by_slug: HashMap<&str, usize> = HashMap::default();
    for (i, e) in entries.iter().enumerate() {
        if let Some(id) = e.id() {
            by_id.entry(id).or_insert(i);
            by_number.entry(series_number(e)).or_insert(i);
        }
        by_slug.entry(e.slug.as_str()).or_insert(i);
    }
    let find = |name: &str| {
        by_id
            .get(name)
            .or_else(|| crate::content::frontmatter::series_number(name).and_then(|n| by_number.get(&n)))
            .or_else(|| by_slug.get(url::key(name).as_str()))
            .copied()
    };
    let mut absent_by_id: HashMap<&str, &Absent> = HashMap::default();
    let mut absent_by_slug: HashMap<&str, &Absent> = HashMap::default();
    for a in absent {
        if let Some(id) = &a.id {
            absent_by_id.entry(id.value.as_str()).or_insert(a);
        }
        absent_by_slug.entry(a.slug.as_str()).or_insert(a);
    }
    let left_out = |name: &str| absent_by_id.get(name).or_else(|| absent_by_slug.get(url::key(name).as_str())).copied();
    // "names nothing", suggesting a close name that is not the entry's own.
    let unknown = |path: &std::path::Path, own: &[&str], f: &crate::content::At<String>| {
        let names = by_id.keys().chain(by_slug.keys()).copied().filter(|n| !own.contains(n));
        let hint = diag::suggestion(&f.value, names);
        Diagnostic::new(
            path,
            f.line,
            f.column,
            format!(
                "`follows` names `{}`, which no entry has as id or slug{hint}, expected the id or slug of an earlier entry",
                f.value
            ),
        )
    };
    let mut out = vec![None; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        let Some(f) = &e.meta.follows else { continue };
        let target = find(&f.value);
        match target {
            None => match left_out(&f.value) {
                Some(a) if a.draft => diags.push(Diagnostic::new(
                    &e.path,
                    f.line,
                    f.column,
                    format!(
                        "`follows` names `{}`, a draft ({}), expected a published entry (publish it, or build with --drafts)",
                        f.value,
                        a.path.display()
                    ),
                )
                .naming(&a.path)),
                Some(_) => {}
                None => diags.push(unknown(&e.path, &[e.id().unwrap_or_default(), e.slug.as_str()], f)),
            },
            Some(t) if t == i => diags.push(Diagnostic::new(
                &e.path,
                f.line,
                f.column,
                "`follows` names this entry itself, expected an earlier entry",
            )),
            Some(t) if entries[t].meta.date.day > e.meta.date.day => diags.push(Diagnostic::new(
                &e.path,
                f.line,
                f.column,
                format!(
                    "`follows` names `{}`, dated {} after this entry's {}, expected an earlier entry",
                    f.value, entries[t].meta.date.day, e.meta.date.day
                ),
            )),
            Some(t) => out[i] = Some(t),
        }
    }
    for a in absent.iter().filter(|a| !a.draft) {
        let Some(f) = &a.follows else { continue };
        let found = find(&f.value).is_some();
        if !found && left_out(&f.value).is_none() {
            diags.push(unknown(&a.path, &[a.id.as_ref().map_or("", |id| id.value.as_str()), a.slug.as_str()], f));
        }
    }
    // Same-day entries can still form a cycle; a chain must have a start.
    for i in 0..entries.len() {
        let mut seen = vec![i];
        let mut cur = out[i];
        while let Some(c) = cur {
            if seen.contains(&c) {
                let f = entries[i].meta.follows.as_ref();
                let (line, column) = f.map_or((1, 1), |f| (f.line, f.column));
                diags.push(Diagnostic::new(
                    &entries[i].path,
                    line,
                    column,
                    "`follows` forms a cycle, expected a chain that starts at one entry",
                ));
                break;
            }
            seen.push(c);
            cur = out[c];
        }
    }
    out
}

/// Groups entries connected by `follows` into chains, each ordered oldest first.
fn build_chains(follows: &[Option<usize>], entries: &[Entry]) -> (Vec<Vec<usize>>, Vec<Option<usize>>) {
    // Union-find over the follows edges.
    let mut parent: Vec<usize> = (0..follows.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (i, f) in follows.iter().enumerate() {
        if let Some(t) = *f {
            let (a, b) = (find(&mut parent, i), find(&mut parent, t));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut linked = vec![false; follows.len()];
    for (i, f) in follows.iter().enumerate() {
        if let Some(t) = *f {
            linked[i] = true;
            linked[t] = true;
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::default();
    for (i, _) in linked.iter().enumerate().filter(|(_, l)| **l) {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut chains: Vec<Vec<usize>> = groups.into_values().collect();
    for c in &mut chains {
        // Entries are newest first, so a larger index is older.
        c.sort_by(|a, b| b.cmp(a));
    }
    chains.sort();
    let mut chain_of = vec![None; entries.len()];
    for (ci, c) in chains.iter().enumerate() {
        for &i in c {
            chain_of[i] = Some(ci);
        }
    }
    (chains, chain_of)
}

fn build_years(entries: &[Entry]) -> Vec<Year> {
    let mut years: Vec<Year> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let y = chrono::Datelike::year(&e.meta.date.day);
        // Entries are newest first, so years arrive in descending order.
        if years.last().is_none_or(|last| last.year != y) {
            years.push(Year { year: y, entries: Vec::new(), incidents: 0, articles: 0, affected: 0 });
        }
        let Some(year) = years.last_mut() else { continue };
        year.entries.push(i);
        match e.kind() {
            Kind::Incident => {
                year.incidents += 1;
                year.affected = year.affected.saturating_add(e.meta.affected.unwrap_or(0));
            }
            Kind::Article => year.articles += 1,
        }
    }
    years
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_entry};
    use std::path::Path;

    pub fn entry(rel: &str, fm: &str) -> Entry {
        let content = Path::new("/s/content");
        let file = content.join(rel);
        let opts = LoadOptions { east_asian_line_breaks: true, incident_ids: &[], article_ids: &[], drafts: true };
        let text = format!("---\n{fm}\n---\n本文。\n");
        parse_entry(file.strip_prefix("/s").unwrap(), content, &file, &text, opts).unwrap().unwrap()
    }

    pub fn incident(id: &str, date: &str, extra: &str) -> Entry {
        let y = &id[..4];
        entry(
            &format!("incidents/{y}/{id}.md"),
            &format!("title: t{id}\nid: \"{id}\"\ndate: {date}\norganization: O{id}\n{extra}"),
        )
    }

    fn config() -> Config {
        Config::parse("[book]\ntitle = \"t\"\n", Path::new("book.toml")).unwrap()
    }

    #[test]
    fn order_years_and_series() {
        let site = Site::build(
            &config(),
            vec![
                incident("2023-002", "2023-05-01", ""),
                incident("2024-001", "2024-01-05", "affected: 10"),
                incident("2023-010", "2023-05-01", "affected: 5"),
                entry("articles/a.md", "title: a\ndate: 2024-02-01"),
            ],
        )
        .unwrap();
        let order: Vec<_> = site.entries.iter().map(|e| e.slug.as_str()).collect();
        assert_eq!(order, ["a", "2024-001", "2023-010", "2023-002"]);
        let years: Vec<_> =
            site.years.iter().map(|y| (y.year, y.entries.len(), y.incidents, y.articles, y.affected)).collect();
        assert_eq!(years, [(2024, 2, 1, 1, 10), (2023, 2, 2, 0, 5)]);
        let series: Vec<_> = site.series.iter().map(|&i| site.entries[i].slug.as_str()).collect();
        assert_eq!(series, ["2023-002", "2023-010", "2024-001"]);
    }

    #[test]
    fn follows_chains_both_ways() {
        let site = Site::build(
            &config(),
            vec![
                incident("2023-001", "2023-01-01", ""),
                incident("2023-005", "2023-02-01", "follows: \"2023-001\""),
                // The same number written with more digits.
                incident("2023-009", "2023-03-01", "follows: \"2023-0005\""),
                incident("2023-002", "2023-01-02", ""),
            ],
        )
        .unwrap();
        let idx = |slug: &str| site.entries.iter().position(|e| e.slug == slug).unwrap();
        assert_eq!(site.follows[idx("2023-005")], Some(idx("2023-001")));
        let chain = &site.chains[site.chain_of[idx("2023-001")].unwrap()];
        let slugs: Vec<_> = chain.iter().map(|&i| site.entries[i].slug.as_str()).collect();
        assert_eq!(slugs, ["2023-001", "2023-005", "2023-009"]);
        assert!(site.chain_of[idx("2023-002")].is_none());
    }

    #[test]
    fn follows_errors() {
        let err =
            Site::build(&config(), vec![incident("2023-001", "2023-01-01", "follows: \"2023-099\"")]).unwrap_err();
        assert!(err[0].message.contains("no entry has"), "{}", err[0].message);
        assert_eq!(err[0].line, 6);
        let err = Site::build(
            &config(),
            vec![incident("2023-001", "2023-01-01", "follows: \"2023-002\""), incident("2023-002", "2023-02-01", "")],
        )
        .unwrap_err();
        assert!(err[0].message.contains("expected an earlier entry"));
    }

    #[test]
    fn duplicate_ids_and_slugs() {
        let a = incident("2023-001", "2023-01-01", "");
        let mut b = incident("2023-001", "2023-01-02", "");
        b.path = "content/incidents/2023/z.md".into();
        let err = Site::build(&config(), vec![a, b]).unwrap_err();
        assert!(
            err.iter()
                .any(|d| d.message.contains("`id` `2023-001` is already used by content/incidents/2023/2023-001.md"))
        );
        assert!(err.iter().all(|d| d.path.ends_with("z.md")));
        assert_eq!(err.len(), 1, "the slug that defaults to the id is not reported twice: {err:?}");
    }

    #[test]
    fn every_duplicate_is_reported_against_the_first_path_whatever_the_dates() {
        let at = |path: &str, date: &str| {
            let mut e = incident("2023-001", date, "");
            e.path = path.into();
            e
        };
        // The first path (a.md) is neither the first nor the last in date order.
        for dates in [["2023-01-03", "2023-01-01", "2023-01-02"], ["2023-01-01", "2023-01-03", "2023-01-02"]] {
            let entries = vec![
                at("content/incidents/2023/m.md", dates[0]),
                at("content/incidents/2023/a.md", dates[1]),
                at("content/incidents/2023/z.md", dates[2]),
            ];
            let err = Site::build(&config(), entries).unwrap_err();
            let mut got: Vec<String> = err.iter().map(|d| format!("{}: {}", d.path.display(), d.message)).collect();
            got.sort();
            assert_eq!(
                got,
                [
                    "content/incidents/2023/m.md: `id` `2023-001` is already used by content/incidents/2023/a.md, expected a unique id",
                    "content/incidents/2023/z.md: `id` `2023-001` is already used by content/incidents/2023/a.md, expected a unique id",
                ],
                "{dates:?}"
            );
        }
    }
}
