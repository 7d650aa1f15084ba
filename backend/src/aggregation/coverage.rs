//! `Coverage`: when the server was running and recording. History marks a
//! bucket no run covered as missing, so a restart's downtime is drawn as a
//! gap, never as zero spend.

/// Runs as `[started_ms, last_ms]`, oldest first, plus the current run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    past: Vec<(i64, i64)>,
    /// When this run started recording; it covers everything since.
    current_start_ms: i64,
}

impl Coverage {
    /// Only this run, started at `current_start_ms`.
    pub fn since(current_start_ms: i64) -> Self {
        Coverage {
            past: Vec::new(),
            current_start_ms,
        }
    }

    /// Earlier runs (from the durable store), in any order.
    pub fn with_past(mut self, mut runs: Vec<(i64, i64)>) -> Self {
        runs.retain(|(start, end)| start <= end);
        runs.sort_unstable();
        self.past = runs;
        self
    }

    /// Whether any run was recording at some instant of `[from_ms, to_ms)`.
    pub fn covers(&self, from_ms: i64, to_ms: i64) -> bool {
        if to_ms > self.current_start_ms {
            return true;
        }
        // Runs are sorted by start: the first that starts before `to_ms`
        // and ends at or after `from_ms` overlaps.
        self.past
            .iter()
            .take_while(|(start, _)| *start < to_ms)
            .any(|(_, end)| *end >= from_ms)
    }

    pub fn current_start_ms(&self) -> i64 {
        self.current_start_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downtime_between_runs_is_not_covered() {
        let c = Coverage::since(10_000).with_past(vec![(5_000, 6_000), (1_000, 2_000)]);
        assert!(c.covers(1_500, 1_600));
        assert!(c.covers(0, 1_000 + 1), "touches the first run");
        assert!(!c.covers(2_001, 4_999), "between runs");
        assert!(c.covers(5_999, 7_000));
        assert!(!c.covers(6_001, 10_000), "the downtime before this run");
        assert!(c.covers(9_000, 10_001), "reaches into this run");
        assert!(c.covers(20_000, 30_000));
        let fresh = Coverage::since(10_000);
        assert!(!fresh.covers(0, 10_000));
    }
}
