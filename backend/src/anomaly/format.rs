//! Numbers for people, as they appear in cause sentences.

use protocol::format::group_thousands as thousands;

/// Dollars, as every panel shows them.
pub use protocol::format::usd;

/// A count for people: whole below 1,000, two significant digits above
/// (`1,873` → `1,900`, `12,345` → `12,000`).
pub fn count(x: f64) -> String {
    if !x.is_finite() || x < 0.0 {
        return "?".into();
    }
    if x < 999.5 {
        return thousands(x.round() as u64);
    }
    let magnitude = 10f64.powi(x.log10().floor() as i32 - 1);
    thousands(((x / magnitude).round() * magnitude) as u64)
}

/// A multiplier: `×4`, `×4.2`, `×12`.
pub fn ratio(x: f64) -> String {
    if !x.is_finite() {
        return "×?".into();
    }
    if x >= 9.95 {
        return format!("×{}", thousands(x.round() as u64));
    }
    let text = format!("{x:.1}");
    format!("×{}", text.strip_suffix(".0").unwrap_or(&text))
}

/// A share as a whole percentage: `0.823` → `82%`.
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "?%".into();
    }
    format!("{}%", (share * 100.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(0.4), "0");
        assert_eq!(count(742.6), "743");
        assert_eq!(count(999.7), "1,000");
        assert_eq!(count(1873.0), "1,900");
        assert_eq!(count(8012.0), "8,000");
        assert_eq!(count(12_345.0), "12,000");
        assert_eq!(count(1_234_567.0), "1,200,000");
        assert_eq!(count(f64::INFINITY), "?");
    }

    #[test]
    fn ratios_and_percentages() {
        assert_eq!(ratio(4.0), "×4");
        assert_eq!(ratio(4.24), "×4.2");
        assert_eq!(ratio(0.62), "×0.6");
        assert_eq!(ratio(9.97), "×10");
        assert_eq!(ratio(12.4), "×12");
        assert_eq!(ratio(2500.0), "×2,500");
        assert_eq!(ratio(f64::NAN), "×?");
        assert_eq!(percent(0.823), "82%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.004), "0%");
    }
}
