//! Pagination of list pages (home, years, terms).

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// 1-based page number.
    pub number: usize,
    pub total_pages: usize,
    /// Range of items on this page.
    pub start: usize,
    pub end: usize,
}

/// Splits `total` items into pages of `per_page`. An empty list still has one (empty) page, so
/// every list URL exists.
pub fn paginate(total: usize, per_page: usize) -> Vec<Pager> {
    (1..=page_count(total, per_page)).map(|n| pager(total, per_page, n)).collect()
}

/// The number of pages of `total` items, at least one.
pub fn page_count(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1)).max(1)
}

/// Page `number` (1-based, at most [`page_count`]) of `total` items: one page without the others,
/// so that rendering every page of a long list stays linear.
pub fn pager(total: usize, per_page: usize, number: usize) -> Pager {
    let per_page = per_page.max(1);
    let start = (number.saturating_sub(1) * per_page).min(total);
    Pager { number, total_pages: page_count(total, per_page), start, end: (start + per_page).min(total) }
}

/// Page numbers to show around `current`: the first, the last, and two either side, with `None`
/// for a gap. At most nine items, whatever the number of pages.
pub fn window(current: usize, total: usize) -> Vec<Option<usize>> {
    let near = current.saturating_sub(2).max(1)..=(current + 2).min(total);
    let mut out = Vec::with_capacity(9);
    if total == 0 {
        return out;
    }
    let mut last = 0;
    for n in std::iter::once(1).chain(near).chain(std::iter::once(total)) {
        if n <= last {
            continue;
        }
        if n > last + 1 {
            out.push(None);
        }
        out.push(Some(n));
        last = n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_all_items() {
        let p = paginate(45, 20);
        assert_eq!(p.len(), 3);
        assert_eq!((p[2].start, p[2].end, p[2].total_pages), (40, 45, 3));
        assert_eq!(paginate(40, 20).len(), 2);
        let empty = paginate(0, 20);
        assert_eq!((empty.len(), empty[0].start, empty[0].end), (1, 0, 0));
        assert_eq!(paginate(5, 0).len(), 5);
        for (total, per_page) in [(45, 20), (40, 20), (0, 20), (5, 0), (1, 1)] {
            let all = paginate(total, per_page);
            assert_eq!(all.len(), page_count(total, per_page));
            for p in &all {
                assert_eq!(pager(total, per_page, p.number), *p);
            }
        }
    }

    #[test]
    fn window_has_gaps() {
        assert_eq!(window(1, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(window(6, 20), [Some(1), None, Some(4), Some(5), Some(6), Some(7), Some(8), None, Some(20)]);
        assert_eq!(window(1, 1), [Some(1)]);
        assert_eq!(window(2, 2), [Some(1), Some(2)]);
        assert_eq!(window(1, 0), []);
        // The same as keeping, from 1..=total, the first, the last and those within two of `current`.
        for total in 0..40_usize {
            for current in 1..=total.max(1) {
                let mut expected = Vec::new();
                let mut last = 0;
                for n in (1..=total).filter(|&n| n == 1 || n == total || n.abs_diff(current) <= 2) {
                    if n > last + 1 {
                        expected.push(None);
                    }
                    expected.push(Some(n));
                    last = n;
                }
                assert_eq!(window(current, total), expected, "{current} of {total}");
            }
        }
    }
}
