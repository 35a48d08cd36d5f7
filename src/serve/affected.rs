//! Which pages an edit of entry bodies affects: the pure part of incremental rebuilds.
//!
//! Only edits that leave every front matter as it was come here (the caller does a full render
//! for anything else), so the site model — order, years, terms, series, chains, related — is the
//! same before and after. What can differ is the entry's own page (body, reading time) and, when
//! its summary changed, every page that shows the entry's card.

use std::collections::HashSet;

use crate::render::Job;
use crate::render::xml::FEED_ENTRIES;
use crate::site::Site;

/// One entry whose body changed (front matter untouched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyChange {
    /// Index into `site.entries`.
    pub entry: usize,
    /// The summary changed too, so every card of the entry is stale.
    pub card: bool,
}

/// Every page to re-render after `changes`. The sitemap is always re-rendered by
/// `render_selected` and depends on front matter only.
pub fn affected_jobs(site: &Site, per_page: usize, changes: &[BodyChange]) -> HashSet<Job> {
    let per_page = per_page.max(1);
    let page_of = |pos: usize| pos / per_page + 1;
    let mut jobs: HashSet<Job> = changes.iter().map(|c| Job::Entry(c.entry)).collect();
    // The search index holds body text, so any body edit changes it.
    if !changes.is_empty() {
        jobs.insert(Job::SearchIndex);
    }
    let carded: HashSet<usize> = changes.iter().filter(|c| c.card).map(|c| c.entry).collect();
    if carded.is_empty() {
        return jobs;
    }
    for &i in &carded {
        // The home list is every entry in site order.
        jobs.insert(Job::Home { page: page_of(i) });
        if i < FEED_ENTRIES {
            jobs.insert(Job::Feed);
        }
        for (y, year) in site.years.iter().enumerate() {
            if let Some(pos) = year.entries.iter().position(|&e| e == i) {
                jobs.insert(Job::Year { year: y, page: page_of(pos) });
            }
        }
        for (t, terms) in site.entry_terms[i].iter().enumerate() {
            for &k in terms {
                let Some(pos) = site.taxonomies[t].terms[k].entries.iter().position(|&e| e == i) else { continue };
                jobs.insert(Job::Term { taxonomy: t, term: k, page: page_of(pos) });
                if pos < FEED_ENTRIES {
                    jobs.insert(Job::TermFeed { taxonomy: t, term: k });
                }
            }
        }
        // The series page lists every numbered incident; its neighbours show it as prev/next.
        if let Some(p) = site.series_pos[i] {
            jobs.insert(Job::Series);
            if let Some(prev) = p.checked_sub(1).and_then(|q| site.series.get(q)) {
                jobs.insert(Job::Entry(*prev));
            }
            if let Some(next) = site.series.get(p + 1) {
                jobs.insert(Job::Entry(*next));
            }
        }
        // Every page of a 続報 chain shows the whole chain.
        if let Some(c) = site.chain_of[i] {
            jobs.extend(site.chains[c].iter().map(|&j| Job::Entry(j)));
        }
    }
    for (j, related) in site.related.iter().enumerate() {
        if related.iter().any(|r| carded.contains(r)) {
            jobs.insert(Job::Entry(j));
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::site::tests::{entry, incident};
    use std::path::Path;

    fn site() -> Site {
        let config = Config::parse("[book]\ntitle = \"t\"\n", Path::new("book.toml")).unwrap();
        Site::build(
            &config,
            vec![
                incident("2024-003", "2024-03-01", "tags: [a]\nfollows: \"2024-001\""),
                incident("2024-002", "2024-02-01", "tags: [b]"),
                incident("2024-001", "2024-01-01", "tags: [a]"),
                entry("articles/x.md", "title: x\ndate: 2023-06-01\ntags: [c]"),
                incident("2023-001", "2023-01-01", "tags: [b]"),
            ],
        )
        .unwrap()
    }

    fn idx(site: &Site, slug: &str) -> usize {
        site.entries.iter().position(|e| e.slug == slug).unwrap()
    }

    fn term(site: &Site, name: &str) -> usize {
        site.taxonomies[0].terms.iter().position(|t| t.name == name).unwrap()
    }

    #[test]
    fn a_body_only_edit_touches_only_its_own_page() {
        let site = site();
        let i = idx(&site, "2024-002");
        let jobs = affected_jobs(&site, 2, &[BodyChange { entry: i, card: false }]);
        assert_eq!(jobs, HashSet::from([Job::Entry(i), Job::SearchIndex]));
    }

    #[test]
    fn a_summary_edit_touches_every_page_showing_the_card() {
        let site = site();
        let i = idx(&site, "2024-001"); // third newest: home page 2 with per_page 2
        let jobs = affected_jobs(&site, 2, &[BodyChange { entry: i, card: true }]);
        let orgs = site.taxonomies.iter().position(|t| t.config.path == "organizations").unwrap();
        let org = site.entry_terms[i][orgs][0];
        let expected = HashSet::from([
            Job::Entry(i),
            Job::Home { page: 2 },
            Job::Feed,
            Job::Year { year: 0, page: 2 }, // 2024: 003, 002 | 001
            Job::Term { taxonomy: 0, term: term(&site, "a"), page: 1 },
            Job::TermFeed { taxonomy: 0, term: term(&site, "a") },
            Job::Term { taxonomy: orgs, term: org, page: 1 },
            Job::TermFeed { taxonomy: orgs, term: org },
            Job::Series,
            // Series neighbours 2023-001 (prev) and 2024-002 (next); 2024-003 follows it (chain)
            // and is related through tag `a`.
            Job::Entry(idx(&site, "2023-001")),
            Job::Entry(idx(&site, "2024-002")),
            Job::Entry(idx(&site, "2024-003")),
            Job::SearchIndex,
        ]);
        assert_eq!(jobs, expected);
    }

    #[test]
    fn articles_are_not_in_the_series() {
        let site = site();
        let i = idx(&site, "x");
        let jobs = affected_jobs(&site, 2, &[BodyChange { entry: i, card: true }]);
        assert!(!jobs.contains(&Job::Series));
        assert!(jobs.contains(&Job::Year { year: 1, page: 1 }));
        assert!(jobs.contains(&Job::Home { page: 2 }));
        assert!(jobs.contains(&Job::Term { taxonomy: 0, term: term(&site, "c"), page: 1 }));
        // Nothing shares a term with it, and it is in no chain.
        assert_eq!(jobs.iter().filter(|j| matches!(j, Job::Entry(_))).count(), 1);
    }
}
