//! Pricing spans from the vendored table, with the lookups remembered: a
//! service sends the same few models over and over, and a lookup that
//! walks the table's rules costs microseconds.

use parking_lot::RwLock;
use protocol::prices::{PriceTable, Priced};
use rustc_hash::FxHashMap;

/// Distinct (provider, model) names remembered; past it the memory starts
/// over, so a source inventing names cannot grow it without bound.
const REMEMBERED: usize = 4_096;

type Key = (Option<String>, String);

pub struct Pricer {
    table: &'static PriceTable,
    seen: RwLock<FxHashMap<Key, Option<Priced<'static>>>>,
}

impl Pricer {
    pub fn new(table: &'static PriceTable) -> Self {
        Pricer {
            table,
            seen: RwLock::new(FxHashMap::default()),
        }
    }

    pub fn builtin() -> Self {
        Pricer::new(PriceTable::builtin())
    }

    /// The table's entry for `model` (as sent) from `provider`, if any.
    pub fn lookup(&self, model: &str, provider: Option<&str>) -> Option<Priced<'static>> {
        let key: Key = (provider.map(str::to_owned), model.to_owned());
        if let Some(found) = self.seen.read().get(&key) {
            return *found;
        }
        let found = self.table.resolve(model, provider);
        let mut seen = self.seen.write();
        if seen.len() >= REMEMBERED {
            seen.clear();
        }
        seen.insert(key, found);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_remembered_and_bounded() {
        let pricer = Pricer::builtin();
        let a = pricer.lookup("gpt-4o-2024-08-06", Some("openai")).unwrap();
        let b = pricer.lookup("gpt-4o-2024-08-06", Some("openai")).unwrap();
        assert_eq!(a.family, "gpt-4o");
        assert!(std::ptr::eq(a.model, b.model));
        assert!(pricer.lookup("no-such-model", None).is_none());
        for i in 0..REMEMBERED + 10 {
            pricer.lookup(&format!("made-up-{i}"), None);
        }
        assert!(pricer.seen.read().len() <= REMEMBERED);
    }
}
