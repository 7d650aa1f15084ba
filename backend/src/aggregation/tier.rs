//! `Tier`: the resolutions usage is rolled up at, in memory and on disk.

/// A rollup resolution. The ten-minute ring is memory-only (derived from
/// minutes); every other tier is also a table tier of the durable store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Second,
    Minute,
    Hour,
    Day,
}

impl Tier {
    /// Every stored tier, finest first.
    pub const ALL: [Tier; 4] = [Tier::Second, Tier::Minute, Tier::Hour, Tier::Day];

    pub fn slot_ms(self) -> i64 {
        match self {
            Tier::Second => 1_000,
            Tier::Minute => 60_000,
            Tier::Hour => 3_600_000,
            Tier::Day => 86_400_000,
        }
    }

    /// Start of the slot holding `ts_ms` (UTC, aligned to the epoch).
    pub fn align(self, ts_ms: i64) -> i64 {
        ts_ms.div_euclid(self.slot_ms()) * self.slot_ms()
    }

    /// The number the durable store records the tier by.
    pub fn code(self) -> i64 {
        match self {
            Tier::Second => 1,
            Tier::Minute => 2,
            Tier::Hour => 3,
            Tier::Day => 4,
        }
    }

    pub fn from_code(code: i64) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_align_and_round_trip_their_codes() {
        assert_eq!(Tier::Minute.align(61_500), 60_000);
        assert_eq!(Tier::Day.align(86_400_000 * 3 + 5), 86_400_000 * 3);
        assert_eq!(Tier::Second.align(-1), -1_000);
        for t in Tier::ALL {
            assert_eq!(Tier::from_code(t.code()), Some(t));
        }
        assert_eq!(Tier::from_code(9), None);
    }
}
