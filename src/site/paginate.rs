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
    let per_page = per_page.max(1);
    let total_pages = total.div_ceil(per_page).max(1);
    (0..total_pages)
        .map(|p| Pager { number: p + 1, total_pages, start: p * per_page, end: ((p + 1) * per_page).min(total) })
        .collect()
}

/// Page numbers to show around `current`: the first, the last, and two either side, with `None`
/// for a gap.
pub fn window(current: usize, total: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for n in 1..=total {
        if n == 1 || n == total || n.abs_diff(current) <= 2 {
            if n > last + 1 {
                out.push(None);
            }
            out.push(Some(n));
            last = n;
        }
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
    }

    #[test]
    fn window_has_gaps() {
        assert_eq!(window(1, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(window(6, 20), [Some(1), None, Some(4), Some(5), Some(6), Some(7), Some(8), None, Some(20)]);
        assert_eq!(window(1, 1), [Some(1)]);
    }
}
