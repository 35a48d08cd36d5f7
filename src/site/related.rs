//! Related entries: the entries that share the most terms with each one.
//!
//! Candidates come from the inverted index (each term's entry list), never from comparing all
//! pairs. A very common term (氏名, 不正アクセス) would still make that quadratic, so for a term
//! with more than [`WINDOW`] entries only the [`WINDOW`] entries nearest in date are scanned:
//! the work per entry is bounded and the whole pass stays linear in the number of entries.

use std::cmp::Reverse;

use rayon::prelude::*;

use crate::content::Entry;

pub const MAX_RELATED: usize = 5;
const WINDOW: usize = 256;

/// For each entry (newest-first index), up to [`MAX_RELATED`] others, best first.
///
/// Rank: more shared terms first; then nearer in date; then the newer entry. Ties are therefore
/// broken the same way on every run and with any number of threads.
pub fn compute(entries: &[Entry], entry_terms: &[Vec<Vec<usize>>]) -> Vec<Vec<usize>> {
    let n = entries.len();
    // postings[t][term] = entries with that term, in index (newest-first) order.
    let taxonomies = entry_terms.first().map_or(0, Vec::len);
    let mut postings: Vec<Vec<Vec<usize>>> = (0..taxonomies).map(|_| Vec::new()).collect();
    for (e, per_tax) in entry_terms.iter().enumerate() {
        for (t, terms) in per_tax.iter().enumerate() {
            for &term in terms {
                if postings[t].len() <= term {
                    postings[t].resize_with(term + 1, Vec::new);
                }
                postings[t][term].push(e);
            }
        }
    }
    let days: Vec<i64> = entries.iter().map(|e| chrono::Datelike::num_days_from_ce(&e.meta.date.day) as i64).collect();

    // One scratch score array per chunk, not per rayon split: map_init may run its init once per
    // split, and an n-sized array each time would make the pass superlinear.
    let chunk = n.div_ceil(rayon::current_num_threads() * 8).max(64);
    let ranked: Vec<Vec<Vec<usize>>> = (0..n)
        .collect::<Vec<usize>>()
        .par_chunks(chunk)
        .with_max_len(1)
        .map(|entries| {
            let mut score = vec![0u32; n];
            let mut touched: Vec<usize> = Vec::new();
            entries.iter().map(|&e| rank(e, entry_terms, &postings, &days, &mut score, &mut touched)).collect()
        })
        .collect();
    ranked.into_iter().flatten().collect()
}

/// The related entries of `e`; `score` is all zeros on entry and left so.
fn rank(
    e: usize,
    entry_terms: &[Vec<Vec<usize>>],
    postings: &[Vec<Vec<usize>>],
    days: &[i64],
    score: &mut [u32],
    touched: &mut Vec<usize>,
) -> Vec<usize> {
    for (t, terms) in entry_terms[e].iter().enumerate() {
        for &term in terms {
            let list = &postings[t][term];
            let (lo, hi) = window(list, e);
            for &other in &list[lo..hi] {
                if other == e {
                    continue;
                }
                if score[other] == 0 {
                    touched.push(other);
                }
                score[other] += 1;
            }
        }
    }
    // The best few kept in a small sorted array while scanning the candidates once: no
    // per-entry vector of all candidates to sort.
    let mut best: Vec<(Reverse<u32>, i64, usize)> = Vec::with_capacity(MAX_RELATED + 1);
    for &o in touched.iter() {
        let key = (Reverse(score[o]), (days[o] - days[e]).abs(), o);
        score[o] = 0;
        if best.len() == MAX_RELATED && best.last().is_some_and(|worst| key >= *worst) {
            continue;
        }
        let at = best.partition_point(|k| *k < key);
        best.insert(at, key);
        best.truncate(MAX_RELATED);
    }
    touched.clear();
    best.into_iter().map(|(_, _, o)| o).collect()
}

/// The slice of `list` (sorted by entry index, i.e. by date) to scan for entry `e`: all of it
/// when short, else the [`WINDOW`] entries around `e`'s position.
fn window(list: &[usize], e: usize) -> (usize, usize) {
    if list.len() <= WINDOW {
        return (0, list.len());
    }
    let pos = list.partition_point(|&x| x < e);
    let lo = pos.saturating_sub(WINDOW / 2).min(list.len() - WINDOW);
    (lo, lo + WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_taxonomies;
    use crate::site::taxonomy;
    use crate::site::tests::incident;

    #[test]
    fn ranks_by_shared_terms_then_date_then_newer() {
        let entries = vec![
            incident("2024-004", "2024-04-01", "tags: [a, b, c]"),
            incident("2024-003", "2024-03-01", "tags: [a, b]"),
            incident("2024-002", "2024-02-01", "tags: [a]"),
            incident("2024-001", "2024-01-01", "tags: [a, b, c]"),
            incident("2023-001", "2023-01-01", "tags: [z]"),
        ];
        let (_, et) = taxonomy::build(&default_taxonomies(), &entries);
        let r = compute(&entries, &et);
        // 2024-004 shares 3 terms with 2024-001, 2 with 2024-003, 1 with 2024-002.
        assert_eq!(r[0], [3, 1, 2]);
        // 2024-003 shares 2 with both 004 (31 days away) and 001 (60 days): nearer first.
        assert_eq!(r[1], [0, 3, 2]);
        assert!(r[4].is_empty());
    }

    #[test]
    fn at_most_five_and_deterministic_ties() {
        let entries: Vec<_> =
            (1..=9).rev().map(|i| incident(&format!("2024-{i:03}"), "2024-01-01", "tags: [same]")).collect();
        let (_, et) = taxonomy::build(&default_taxonomies(), &entries);
        let r = compute(&entries, &et);
        // All tie on score and date: the lower index (newer in site order) wins.
        assert_eq!(r[0], [1, 2, 3, 4, 5]);
        assert_eq!(r[8], [0, 1, 2, 3, 4]);
    }

    #[test]
    fn windows_bound_the_scan() {
        let list: Vec<usize> = (0..1000).collect();
        assert_eq!(window(&list, 0), (0, WINDOW));
        assert_eq!(window(&list, 500), (500 - WINDOW / 2, 500 + WINDOW / 2));
        assert_eq!(window(&list, 999), (1000 - WINDOW, 1000));
        assert_eq!(window(&list[..10], 5), (0, 10));
    }
}
