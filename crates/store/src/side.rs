//! Pagination of national lists: the store reads one page, never the whole list.

/// A page of a list: which page (from 1) and how many rows per page. [`Side::new`] clamps both,
/// so the offset is always in range, however large the numbers asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    nummer: u32,
    pr_side: u32,
}

impl Side {
    /// The most rows one page may hold.
    pub const MAX_PR_SIDE: u32 = 500;

    pub fn new(nummer: u32, pr_side: u32) -> Side {
        Side { nummer: nummer.max(1), pr_side: pr_side.clamp(1, Self::MAX_PR_SIDE) }
    }

    pub fn nummer(self) -> u32 {
        self.nummer
    }

    pub fn pr_side(self) -> u32 {
        self.pr_side
    }

    /// Rows to skip: at most (2³² − 1) × 500, far inside `i64`.
    pub fn offset(self) -> i64 {
        (i64::from(self.nummer) - 1) * i64::from(self.pr_side)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.pr_side)
    }

    /// How many pages `i_alt` rows fill (at least one, so an empty list has a page 1).
    pub fn antal_sider(self, i_alt: i64) -> u32 {
        let sider = (i_alt.max(0) + self.limit() - 1) / self.limit();
        u32::try_from(sider.max(1)).unwrap_or(u32::MAX)
    }
}

/// One page of a list, with the size of the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udsnit<T> {
    pub raekker: Vec<T>,
    pub i_alt: i64,
    pub side: Side,
}

impl<T> Udsnit<T> {
    /// Cuts one page out of a list already in memory (short lists that are not paged in SQL).
    pub fn af(alle: Vec<T>, side: Side) -> Udsnit<T> {
        let i_alt = alle.len() as i64;
        let skip = usize::try_from(side.offset()).unwrap_or(usize::MAX);
        let raekker = alle.into_iter().skip(skip).take(side.pr_side as usize).collect();
        Udsnit { raekker, i_alt, side }
    }

    pub fn antal_sider(&self) -> u32 {
        self.side.antal_sider(self.i_alt)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Udsnit<U> {
        Udsnit { raekker: self.raekker.into_iter().map(f).collect(), i_alt: self.i_alt, side: self.side }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_pages_neither_overflow_nor_panic() {
        let s = Side::new(u32::MAX, u32::MAX);
        assert_eq!(s.pr_side(), Side::MAX_PR_SIDE);
        assert_eq!(s.offset(), (i64::from(u32::MAX) - 1) * 500);
        let cut = Udsnit::af(vec![1, 2, 3], s);
        assert!(cut.raekker.is_empty());
        assert_eq!(cut.i_alt, 3);
    }

    #[test]
    fn pages_are_counted_from_one() {
        let s = Side::new(0, 0);
        assert_eq!((s.nummer(), s.pr_side(), s.offset()), (1, 1, 0));
        let s = Side::new(2, 2);
        assert_eq!(Udsnit::af(vec![1, 2, 3, 4, 5], s).raekker, vec![3, 4]);
        assert_eq!(s.antal_sider(5), 3);
        assert_eq!(s.antal_sider(0), 1);
    }
}
