//! Numbers for people, as they appear in cause sentences.

use protocol::format::group_thousands as thousands;

/// Dollars: `$0.85`, `$4.20`, `$38`, `$1,240`, `$2.4M`.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "$?".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let x = x.abs();
    if x >= 999_999.5 {
        format!("{sign}${:.1}M", x / 1_000_000.0)
    } else if x >= 9.995 {
        format!("{sign}${}", thousands(x.round() as u64))
    } else {
        format!("{sign}${x:.2}")
    }
}

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
    fn dollars() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.851), "$0.85");
        assert_eq!(usd(4.2), "$4.20");
        assert_eq!(usd(9.999), "$10");
        assert_eq!(usd(38.4), "$38");
        assert_eq!(usd(412.0), "$412");
        assert_eq!(usd(1240.4), "$1,240");
        assert_eq!(usd(123_456.0), "$123,456");
        assert_eq!(usd(2_400_000.0), "$2.4M");
        assert_eq!(usd(-38.0), "-$38");
        assert_eq!(usd(f64::NAN), "$?");
    }

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
