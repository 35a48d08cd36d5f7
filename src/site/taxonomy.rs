//! Taxonomies: front-matter fields whose values become cross-linked term pages.

use rustc_hash::FxHashMap as HashMap;

use crate::config::{TaxonomyConfig, TaxonomyField};
use crate::content::Entry;
use crate::url;

#[derive(Debug, Clone)]
pub struct Term {
    /// NFKC + ASCII-lowercase key: the URL segment and the identity of the term.
    pub key: String,
    /// The text as first written (in the oldest entry that uses the term).
    pub name: String,
    /// Newest first.
    pub entries: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    /// Largest first, then by key, so the order is total.
    pub terms: Vec<Term>,
}

/// The values of `field` on one entry.
pub fn values(entry: &Entry, field: TaxonomyField) -> Vec<&str> {
    let m = &entry.meta;
    match field {
        TaxonomyField::Tags => m.tags.iter().map(String::as_str).collect(),
        TaxonomyField::Data => m.data.iter().map(String::as_str).collect(),
        TaxonomyField::Attack => m.attack.as_deref().into_iter().collect(),
        TaxonomyField::Sector => m.sector.as_deref().into_iter().collect(),
        TaxonomyField::Organization => m.organization.as_deref().into_iter().collect(),
    }
}

/// Builds every taxonomy and, for each entry, the indices of its terms in each taxonomy.
pub fn build(configs: &[TaxonomyConfig], entries: &[Entry]) -> (Vec<Taxonomy>, Vec<Vec<Vec<usize>>>) {
    let mut entry_terms = vec![vec![Vec::new(); configs.len()]; entries.len()];
    let mut taxonomies = Vec::with_capacity(configs.len());
    for (t, config) in configs.iter().enumerate() {
        let mut index: HashMap<String, usize> = HashMap::default();
        // The same text always has the same key: each distinct writing is keyed (NFKC and the
        // rest) once, not once per entry that uses it.
        let mut by_text: HashMap<&str, usize> = HashMap::default();
        let mut terms: Vec<Term> = Vec::new();
        // Oldest first, so the first writing of a term names it. Each entry's terms are recorded
        // in written order, with indices remapped once the terms are sorted.
        for i in (0..entries.len()).rev() {
            for value in values(&entries[i], config.field) {
                let ti = match by_text.get(value) {
                    Some(&ti) => ti,
                    None => {
                        let key = url::key(value);
                        let ti = match index.get(&key) {
                            Some(&ti) => ti,
                            None => {
                                index.insert(key.clone(), terms.len());
                                terms.push(Term { key, name: value.to_string(), entries: Vec::new() });
                                terms.len() - 1
                            }
                        };
                        by_text.insert(value, ti);
                        ti
                    }
                };
                terms[ti].entries.push(i);
                entry_terms[i][t].push(ti);
            }
        }
        for term in &mut terms {
            term.entries.reverse();
        }
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by(|&a, &b| {
            terms[b].entries.len().cmp(&terms[a].entries.len()).then_with(|| terms[a].key.cmp(&terms[b].key))
        });
        let mut new_pos = vec![0; terms.len()];
        for (pos, &old) in order.iter().enumerate() {
            new_pos[old] = pos;
        }
        for per_tax in &mut entry_terms {
            for ti in &mut per_tax[t] {
                *ti = new_pos[*ti];
            }
        }
        let mut slots: Vec<Option<Term>> = terms.into_iter().map(Some).collect();
        let terms: Vec<Term> = order.iter().filter_map(|&old| slots[old].take()).collect();
        taxonomies.push(Taxonomy { config: config.clone(), terms });
    }
    (taxonomies, entry_terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_taxonomies;
    use crate::site::tests::incident;

    #[test]
    fn terms_fold_case_width_and_keep_first_writing() {
        let entries = vec![
            // Newest first, as the site orders them.
            incident("2024-002", "2024-02-01", "tags: [ddos, 大規模]\nattack: DDoS"),
            incident("2024-001", "2024-01-01", "tags: [ＤＤｏＳ]\nattack: ＤＤｏＳ"),
        ];
        let (tax, entry_terms) = build(&default_taxonomies(), &entries);
        let tags = &tax[0];
        assert_eq!(tags.terms[0].key, "ddos");
        assert_eq!(tags.terms[0].name, "ＤＤｏＳ");
        assert_eq!(tags.terms[0].entries, [0, 1]);
        assert_eq!(tags.terms[1].name, "大規模");
        // Entry 0 lists its tags in written order.
        assert_eq!(entry_terms[0][0], [0, 1]);
        let orgs = &tax[3];
        assert_eq!(orgs.terms.len(), 2);
    }
}
