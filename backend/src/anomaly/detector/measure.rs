//! The two measures every entity is scored on, and a pair of values indexed
//! by them, so a measure can never be confused with any other number.

use std::ops::{Index, IndexMut};

use protocol::AnomalyMetric;

/// A measure of an entity's usage in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Measure {
    /// Cost rate, USD/h.
    Cost,
    /// Tokens per call.
    Tokens,
}

impl Measure {
    /// Both measures, cost first: when both begin together, cost is decided first.
    pub(super) const ALL: [Measure; 2] = [Measure::Cost, Measure::Tokens];

    /// The measure that is not this one.
    pub(super) fn other(self) -> Measure {
        match self {
            Measure::Cost => Measure::Tokens,
            Measure::Tokens => Measure::Cost,
        }
    }

    /// The metric an anomaly on this measure reports.
    pub(super) fn metric(self) -> AnomalyMetric {
        match self {
            Measure::Cost => AnomalyMetric::CostRate,
            Measure::Tokens => AnomalyMetric::TokensPerCall,
        }
    }
}

/// One value per measure.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PerMeasure<T>([T; 2]);

impl<T> PerMeasure<T> {
    pub(super) fn new(cost: T, tokens: T) -> Self {
        PerMeasure([cost, tokens])
    }

    pub(super) fn from_fn(f: impl FnMut(Measure) -> T) -> Self {
        PerMeasure(Measure::ALL.map(f))
    }

    pub(super) fn map<U>(self, f: impl FnMut(T) -> U) -> PerMeasure<U> {
        PerMeasure(self.0.map(f))
    }

    /// Both values, cost first.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

impl<T> Index<Measure> for PerMeasure<T> {
    type Output = T;

    fn index(&self, m: Measure) -> &T {
        &self.0[m as usize]
    }
}

impl<T> IndexMut<Measure> for PerMeasure<T> {
    fn index_mut(&mut self, m: Measure) -> &mut T {
        &mut self.0[m as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_measure_has_its_own_slot_and_one_other() {
        let mut values = PerMeasure::new("cost", "tokens");
        assert_eq!(
            (values[Measure::Cost], values[Measure::Tokens]),
            ("cost", "tokens")
        );
        values[Measure::Tokens.other()] = "spend";
        assert_eq!(
            values.iter().copied().collect::<Vec<_>>(),
            ["spend", "tokens"]
        );
        let metrics = PerMeasure::from_fn(Measure::metric);
        assert_eq!(metrics[Measure::Tokens], AnomalyMetric::TokensPerCall);
        assert!(metrics.map(|m| m == AnomalyMetric::CostRate)[Measure::Cost]);
        assert!(
            Measure::ALL
                .iter()
                .all(|m| m.other().other() == *m && m.other() != *m)
        );
    }
}
