//! Robust statistics for baselines: median, median absolute deviation (MAD)
//! and the robust z-score. Outliers (including past incidents that slipped
//! into the baseline) move these far less than they move a mean and standard
//! deviation.

/// Scales a MAD to the standard deviation of a normal distribution.
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// Where a measure usually sits and how much it usually varies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub median: f64,
    /// Robust standard deviation (1.4826 × MAD), never below the floor.
    pub scale: f64,
    /// How many values it was computed from.
    pub samples: usize,
}

impl Baseline {
    /// Robust z-score of `x`: how many scales it lies above the median.
    pub fn z(&self, x: f64) -> f64 {
        (x - self.median) / self.scale
    }
}

/// Median of `values` (reorders them); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    // For an even count the lower middle is the largest value below.
    let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// Median absolute deviation from `center` (overwrites `values` with the deviations).
pub fn mad(values: &mut [f64], center: f64) -> Option<f64> {
    for v in values.iter_mut() {
        *v = (*v - center).abs();
    }
    median(values)
}

/// Baseline of `values` (reorders and overwrites them). The scale is floored
/// at `abs_floor` and at `rel_floor` × |median|, so a constant or sparse
/// history (MAD = 0) does not turn every wiggle into an infinite score.
pub fn baseline(values: &mut [f64], abs_floor: f64, rel_floor: f64) -> Option<Baseline> {
    let center = median(values)?;
    let spread = mad(values, center)?;
    let floor = abs_floor.max(rel_floor * center.abs());
    Some(Baseline {
        median: center,
        scale: (MAD_TO_SIGMA * spread).max(floor).max(f64::MIN_POSITIVE),
        samples: values.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [4.0]), Some(4.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0, 3.0]), Some(4.0));
        assert_eq!(median(&mut [2.0, 2.0, 2.0, 2.0]), Some(2.0));
    }

    #[test]
    fn mad_ignores_outliers() {
        let mut values = [10.0, 11.0, 9.0, 10.0, 12.0, 8.0, 10.0, 1000.0];
        let m = median(&mut values.clone()).unwrap();
        assert_eq!(m, 10.0);
        // Deviations 0,1,1,0,2,2,0,990 → median 1.
        assert_eq!(mad(&mut values, m), Some(1.0));
        assert_eq!(mad(&mut [], 0.0), None);
    }

    #[test]
    fn baseline_and_z() {
        let mut values: Vec<f64> = (0..61).map(|i| 100.0 + (i % 7) as f64 - 3.0).collect();
        values.push(10_000.0);
        let b = baseline(&mut values, 0.1, 0.0).unwrap();
        assert_eq!(b.median, 100.0);
        assert_eq!(b.samples, 62);
        assert!((b.scale - MAD_TO_SIGMA * 2.0).abs() < 1e-9, "{}", b.scale);
        assert!((b.z(100.0 + 2.0 * b.scale) - 2.0).abs() < 1e-9);
        assert!(b.z(50.0) < 0.0);
        assert_eq!(baseline(&mut [], 1.0, 0.1), None);
    }

    #[test]
    fn constant_history_uses_the_floor() {
        let b = baseline(&mut [5.0; 30], 0.5, 0.05).unwrap();
        assert_eq!(b.median, 5.0);
        assert_eq!(b.scale, 0.5);
        let b = baseline(&mut [200.0; 30], 0.5, 0.05).unwrap();
        assert_eq!(b.scale, 10.0);
        // All zeros with no floor still gives a finite score.
        let b = baseline(&mut [0.0; 10], 0.0, 0.0).unwrap();
        assert!(b.z(1.0).is_finite());
    }
}
