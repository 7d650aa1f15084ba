//! One entity's usage over time, in two bounded rings: short slots for the
//! latest window, and blocks (a window's worth of slots, aligned to the epoch)
//! for the baseline. Blocks carry an "excluded" mark for time spent inside an
//! anomaly, so an incident does not become its own baseline.

use protocol::Metrics;

/// Usage summed over a span of time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// US dollars.
    pub cost: f64,
    /// Sum over reports of their cost squared (a folded update counts as
    /// `samples` reports of equal cost): the compound-Poisson noise of a window.
    pub cost_sq: f64,
    pub calls: u64,
    pub tokens: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Totals {
    /// Adds one update that folds `samples` raw reports.
    pub fn add_update(&mut self, samples: u32, m: &Metrics) {
        // Validated input never carries these; they must not poison sums.
        if m.total_cost.is_finite() && m.total_cost > 0.0 {
            self.cost += m.total_cost;
            self.cost_sq += m.total_cost * m.total_cost / f64::from(samples.max(1));
        }
        self.calls += m.total_calls;
        self.tokens += m.total_tokens;
        self.input_tokens += m.input_tokens;
        self.output_tokens += m.output_tokens;
    }

    pub fn add(&mut self, other: &Totals) {
        self.cost += other.cost;
        self.cost_sq += other.cost_sq;
        self.calls += other.calls;
        self.tokens += other.tokens;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }

    pub fn tokens_per_call(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.tokens as f64 / self.calls as f64)
    }
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Slot or block number this cell holds; `i64::MIN` when unused.
    index: i64,
    totals: Totals,
    excluded: bool,
}

const EMPTY: Cell = Cell {
    index: i64::MIN,
    totals: Totals {
        cost: 0.0,
        cost_sq: 0.0,
        calls: 0,
        tokens: 0,
        input_tokens: 0,
        output_tokens: 0,
    },
    excluded: false,
};

/// A ring of cells addressed by absolute index; a cell holding another index
/// reads as empty.
#[derive(Debug, Clone)]
struct Ring {
    cells: Box<[Cell]>,
}

impl Ring {
    fn new(capacity: usize) -> Self {
        Ring {
            cells: vec![EMPTY; capacity.max(1)].into_boxed_slice(),
        }
    }

    fn position(&self, index: i64) -> usize {
        index.rem_euclid(self.cells.len() as i64) as usize
    }

    fn get(&self, index: i64) -> Option<&Cell> {
        let cell = &self.cells[self.position(index)];
        (cell.index == index).then_some(cell)
    }

    /// The cell for `index`, recycled if it held an older one; `None` if the
    /// ring has already moved past `index`.
    fn get_mut(&mut self, index: i64) -> Option<&mut Cell> {
        let position = self.position(index);
        let cell = &mut self.cells[position];
        if cell.index > index {
            return None;
        }
        if cell.index < index {
            *cell = Cell { index, ..EMPTY };
        }
        Some(cell)
    }
}

/// Usage of one entity in slots of a fixed width, grouped into blocks of
/// `block_slots` slots. Memory is fixed at creation:
/// (slot capacity + block capacity) × 64 bytes.
#[derive(Debug, Clone)]
pub struct Series {
    block_slots: i64,
    slots: Ring,
    blocks: Ring,
    first_slot: Option<i64>,
    last_slot: Option<i64>,
    /// Bumped whenever a block's exclusion changes, so cached baselines know.
    exclusions: u64,
}

impl Series {
    pub fn new(block_slots: usize, slot_capacity: usize, block_capacity: usize) -> Self {
        Series {
            block_slots: block_slots.max(1) as i64,
            slots: Ring::new(slot_capacity),
            blocks: Ring::new(block_capacity),
            first_slot: None,
            last_slot: None,
            exclusions: 0,
        }
    }

    pub fn block_of(&self, slot: i64) -> i64 {
        slot.div_euclid(self.block_slots)
    }

    /// Adds one update (folding `samples` reports) at `slot`. Usage older
    /// than the rings keep is dropped.
    pub fn add(&mut self, slot: i64, samples: u32, metrics: &Metrics) {
        let block = self.block_of(slot);
        if let Some(cell) = self.blocks.get_mut(block) {
            cell.totals.add_update(samples, metrics);
        }
        if let Some(cell) = self.slots.get_mut(slot) {
            cell.totals.add_update(samples, metrics);
        }
        self.first_slot = Some(self.first_slot.map_or(slot, |f| f.min(slot)));
        self.last_slot = Some(self.last_slot.map_or(slot, |l| l.max(slot)));
    }

    /// Usage over slots [start, end).
    pub fn slot_sum(&self, start: i64, end: i64) -> Totals {
        let mut sum = Totals::default();
        for slot in start..end {
            if let Some(cell) = self.slots.get(slot) {
                sum.add(&cell.totals);
            }
        }
        sum
    }

    /// Usage in block `block` (zero if none was recorded or it is no longer kept).
    pub fn block(&self, block: i64) -> Totals {
        self.blocks.get(block).map(|c| c.totals).unwrap_or_default()
    }

    /// Whether block `block` lies inside an anomaly of this entity.
    pub fn is_excluded(&self, block: i64) -> bool {
        self.blocks.get(block).is_some_and(|c| c.excluded)
    }

    /// Whether the entity was already observed for the whole of block `block`.
    pub fn covers(&self, block: i64) -> bool {
        self.first_slot
            .is_some_and(|f| block * self.block_slots >= f)
    }

    /// Marks the blocks touching slots [start, end) as inside an anomaly.
    pub fn exclude(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        for block in self.block_of(start)..=self.block_of(end - 1) {
            if let Some(cell) = self.blocks.get_mut(block)
                && !cell.excluded
            {
                cell.excluded = true;
                self.exclusions += 1;
            }
        }
    }

    /// Changes whenever [`Series::exclude`] marks a new block.
    pub fn exclusions(&self) -> u64 {
        self.exclusions
    }

    pub fn last_slot(&self) -> Option<i64> {
        self.last_slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(calls: u64, input: u64, output: u64, cost: f64) -> Metrics {
        Metrics {
            total_calls: calls,
            total_tokens: input + output,
            input_tokens: input,
            output_tokens: output,
            total_cost: cost,
            avg_latency_ms: 100.0,
            ..Default::default()
        }
    }

    #[test]
    fn slots_and_blocks_sum_what_was_added() {
        let mut s = Series::new(6, 20, 10);
        s.add(12, 1, &metrics(2, 100, 10, 1.0));
        s.add(12, 1, &metrics(1, 50, 5, 0.5));
        s.add(13, 1, &metrics(1, 10, 1, 0.25));
        s.add(18, 1, &metrics(4, 40, 4, 2.0));
        let window = s.slot_sum(12, 18);
        assert_eq!(window.calls, 4);
        assert!((window.cost_sq - (1.0 + 0.25 + 0.0625)).abs() < 1e-12);
        assert_eq!(window.tokens, 176);
        assert_eq!(window.input_tokens, 160);
        assert!((window.cost - 1.75).abs() < 1e-12);
        assert_eq!(s.block(2).calls, 4);
        assert_eq!(s.block(3).calls, 4);
        assert_eq!(s.block(4), Totals::default());
        assert_eq!(s.slot_sum(0, 12), Totals::default());
        assert_eq!(window.tokens_per_call(), Some(44.0));
        assert_eq!(Totals::default().tokens_per_call(), None);
        assert_eq!(s.last_slot(), Some(18));
    }

    #[test]
    fn rings_forget_old_data_and_refuse_late_data() {
        let mut s = Series::new(6, 20, 10);
        s.add(5, 1, &metrics(1, 1, 1, 1.0));
        // Slot 25 lands in slot 5's cell and recycles it.
        s.add(25, 1, &metrics(3, 1, 1, 1.0));
        assert_eq!(s.slot_sum(5, 6), Totals::default());
        assert_eq!(s.slot_sum(25, 26).calls, 3);
        // Slot 5 is now too old for the slot ring (its block is still kept).
        s.add(5, 1, &metrics(7, 1, 1, 1.0));
        assert_eq!(s.slot_sum(5, 6), Totals::default());
        assert_eq!(s.block(0).calls, 8);
        // Block 10 recycles block 0; late data for block 0 is dropped.
        s.add(60, 1, &metrics(1, 1, 1, 1.0));
        assert_eq!(s.block(0), Totals::default());
        s.add(1, 1, &metrics(1, 1, 1, 1.0));
        assert_eq!(s.block(0), Totals::default());
        assert_eq!(s.block(10).calls, 1);
    }

    #[test]
    fn cells_are_as_small_as_documented() {
        assert!(std::mem::size_of::<Cell>() <= 64);
    }

    #[test]
    fn bad_costs_do_not_poison_sums() {
        let mut s = Series::new(6, 20, 10);
        s.add(1, 1, &metrics(1, 1, 1, f64::NAN));
        s.add(1, 1, &metrics(1, 1, 1, -4.0));
        s.add(1, 1, &metrics(1, 1, 1, 2.0));
        s.add(1, 1, &metrics(1, 1, 1, 3.0));
        // Three reports folded into one update of $6: three of $2 each.
        s.add(1, 3, &metrics(3, 3, 3, 6.0));
        assert_eq!(s.slot_sum(0, 6).cost, 11.0);
        assert_eq!(s.slot_sum(0, 6).cost_sq, 4.0 + 9.0 + 12.0);
        assert_eq!(s.slot_sum(0, 6).calls, 7);
    }

    #[test]
    fn exclusion_marks_whole_blocks_and_counts_changes() {
        let mut s = Series::new(6, 20, 10);
        s.add(3, 1, &metrics(1, 1, 1, 1.0));
        assert!(!s.covers(0), "slot 3 is mid-block");
        assert!(s.covers(1));
        s.exclude(11, 13);
        assert!(s.is_excluded(1) && s.is_excluded(2));
        assert!(!s.is_excluded(0) && !s.is_excluded(3));
        let version = s.exclusions();
        s.exclude(12, 13);
        assert_eq!(s.exclusions(), version, "already marked");
        s.exclude(13, 13);
        assert_eq!(s.exclusions(), version);
        // Data added to an excluded block keeps the mark.
        s.add(12, 1, &metrics(1, 1, 1, 1.0));
        assert!(s.is_excluded(2));
        assert_eq!(s.block(2).calls, 1);
    }
}
