//! `PairMap`: a bucket's usage by customer–model pair, as a vector sorted by
//! key. The rings hold hundreds of thousands of these entries (every pair of
//! every minute of the last 25 hours), so the layout is what the memory is:
//! a hash map carries a control byte per slot and keeps up to half its slots
//! empty, while this keeps the entries back to back, growing by a quarter
//! at a time. Lookups are binary searches; a new pair is an insertion,
//! which is rare after a bucket's first frames.

use super::names::SeriesKey;
use super::usage::Usage;

#[derive(Debug, Clone, Default)]
pub struct PairMap {
    entries: Vec<(SeriesKey, Usage)>,
}

fn order(key: &SeriesKey) -> (u32, u32) {
    (key.customer, key.model)
}

impl PairMap {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, key: &SeriesKey) -> Result<usize, usize> {
        self.entries
            .binary_search_by_key(&order(key), |(k, _)| order(k))
    }

    pub fn contains_key(&self, key: &SeriesKey) -> bool {
        self.find(key).is_ok()
    }

    pub fn get(&self, key: &SeriesKey) -> Option<&Usage> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The pair's usage, inserted empty if it was not there.
    pub fn entry(&mut self, key: SeriesKey) -> &mut Usage {
        let at = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                if self.entries.len() == self.entries.capacity() {
                    // A quarter more, not double: buckets stay near their size.
                    self.entries.reserve_exact(self.entries.len() / 4 + 4);
                }
                self.entries.insert(i, (key, Usage::default()));
                i
            }
        };
        &mut self.entries[at].1
    }

    /// Adds every pair of `other`: in place for the pairs both hold, then
    /// one linear merge of the new ones (both sides are sorted), so summing
    /// many buckets never shifts entries one insertion at a time.
    pub fn add_all(&mut self, other: &PairMap) {
        if self.entries.is_empty() {
            self.entries.extend_from_slice(&other.entries);
            return;
        }
        let mut new = Vec::new();
        for (key, usage) in &other.entries {
            match self.find(key) {
                Ok(i) => self.entries[i].1.add(usage),
                Err(_) => new.push((*key, *usage)),
            }
        }
        if new.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.entries);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => order(&x.0) < order(&y.0),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            merged.extend(if take_a { a.next() } else { b.next() });
        }
        self.entries = merged;
    }

    /// Gives back the room kept for growth, once the bucket's period is over.
    pub fn shrink(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Room for `n` entries in all, allocated at once.
    pub fn reserve(&mut self, n: usize) {
        self.entries
            .reserve_exact(n.saturating_sub(self.entries.len()));
    }

    /// Empties the map, keeping its allocation for the slot's next period.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &Usage)> {
        self.entries.iter().map(|(k, u)| (k, u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(customer: u32, model: u32) -> SeriesKey {
        SeriesKey { customer, model }
    }

    #[test]
    fn entries_stay_sorted_and_unique() {
        let mut map = PairMap::default();
        for (c, m) in [(3, 1), (1, 2), (3, 1), (2, 9), (1, 1)] {
            map.entry(key(c, m)).calls += 1;
        }
        let keys: Vec<(u32, u32)> = map.iter().map(|(k, _)| (k.customer, k.model)).collect();
        assert_eq!(keys, [(1, 1), (1, 2), (2, 9), (3, 1)]);
        assert_eq!(map.get(&key(3, 1)).map(|u| u.calls), Some(2));
        assert!(map.contains_key(&key(2, 9)) && !map.contains_key(&key(9, 9)));
        map.clear();
        assert!(map.is_empty());
    }

    #[test]
    fn adding_a_map_sums_shared_pairs_and_merges_new_ones_in_order() {
        let mut a = PairMap::default();
        let mut b = PairMap::default();
        for (c, m) in [(1, 1), (3, 3), (5, 5)] {
            a.entry(key(c, m)).calls = 1;
        }
        for (c, m) in [(0, 0), (3, 3), (4, 4), (9, 9)] {
            b.entry(key(c, m)).calls = 10;
        }
        a.add_all(&b);
        let got: Vec<(u32, u64)> = a.iter().map(|(k, u)| (k.customer, u.calls)).collect();
        assert_eq!(got, [(0, 10), (1, 1), (3, 11), (4, 10), (5, 1), (9, 10)]);
        let mut empty = PairMap::default();
        empty.add_all(&b);
        assert_eq!(empty.len(), 4);
    }

    #[test]
    fn growth_is_by_a_quarter() {
        let mut map = PairMap::default();
        for c in 0..1_000 {
            map.entry(key(c, 0)).calls = 1;
        }
        assert_eq!(map.len(), 1_000);
        assert!(map.entries.capacity() <= 1_000 + 1_000 / 4 + 4);
    }
}
