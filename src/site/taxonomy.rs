//! Taxonomies: front-matter fields whose values become cross-linked term pages.

use rustc_hash::FxHashMap as HashMap;

use crate::config::{TaxonomyConfig, TaxonomyField};
use crate::content::Entry;
use crate::content::text::{FILE, Text};
use crate::diag::{self, Diagnostic};
use crate::url;

#[derive(Debug, Clone)]
pub struct Term {
    /// NFKC + ASCII-lowercase key: the URL segment and the identity of the term.
    pub key: String,
    /// The text as first written (in the oldest entry that uses the term).
    pub name: String,
    /// Newest first.
    pub entries: Vec<usize>,
    /// Its page's text (`content/<taxonomy path>/<term>/_index.md`); boxed, as most have none.
    pub text: Option<Box<Text>>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    /// Largest first, then by key, so the order is total.
    pub terms: Vec<Term>,
    /// Its page's text (`content/<taxonomy path>/_index.md`).
    pub text: Option<Box<Text>>,
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
                                terms.push(Term { key, name: value.to_string(), entries: Vec::new(), text: None });
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
        taxonomies.push(Taxonomy { config: config.clone(), terms, text: None });
    }
    (taxonomies, entry_terms)
}

/// Gives each text to its taxonomy or term. Returns the errors (a text under a directory that is
/// no taxonomy's path) and the warnings (a text for a term no published entry has: a term only
/// drafts use, or a misspelt directory, whose text shows nowhere).
pub fn attach_texts(taxonomies: &mut [Taxonomy], texts: Vec<Text>) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    for text in texts {
        let Some(tax) = taxonomies.iter_mut().find(|t| t.config.path == text.taxonomy) else {
            let paths: Vec<&str> = taxonomies.iter().map(|t| t.config.path.as_str()).collect();
            let hint = diag::suggestion(&text.taxonomy, paths.iter().copied());
            let message = format!(
                "is under `{}/`, which is no taxonomy's path{hint}, expected `{FILE}` in the directory of a taxonomy's path ({}) or of one of its terms",
                text.taxonomy,
                paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
            );
            errors.push(Diagnostic::file(&text.path, message));
            continue;
        };
        let Some(term_dir) = &text.term else {
            tax.text = Some(Box::new(text));
            continue;
        };
        // Named as the term is written or as its URL segment: both have the term's key.
        let key = url::key(term_dir);
        // Two texts for one term were refused as they were read (`content::text::load`).
        match tax.terms.iter_mut().find(|t| t.key == key) {
            Some(term) => term.text = Some(Box::new(text)),
            None => {
                let hint = diag::suggestion(term_dir, tax.terms.iter().map(|t| t.name.as_str()));
                let message = format!(
                    "is the text of the {} term `{term_dir}`, which no published entry has{hint}, so it is shown nowhere; expected the directory of a term in use, named as the term is written",
                    tax.config.title
                );
                warnings.push(Diagnostic::file(&text.path, message).as_warning());
            }
        }
    }
    (errors, warnings)
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
