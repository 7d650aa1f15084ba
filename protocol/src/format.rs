//! Number formatting both sides show to people (cause sentences on the
//! server, panels and CSV in the client), so the same amount reads the same
//! everywhere on a screen.

/// Whole numbers with thousands separators: `1234567` → `1,234,567`.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// US dollars, the one money format of the product: `$0.00`, `$0.0042`
/// (sub-cent amounts keep four decimals), `$38.00`, `$412.00`, `$12,345.40`
/// (cents and thousands separators to a million, so amounts side by side in
/// a panel read alike), `$4.56M`; `—` for a value that is not a number.
pub fn usd(value: f64) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    let body = if v == 0.0 {
        "0.00".to_string()
    } else if v < 0.01 {
        format!("{v:.4}")
    } else if v < 999_999.995 {
        let cents = (v * 100.0).round() as u64;
        format!("{}.{:02}", group_thousands(cents / 100), cents % 100)
    } else {
        format!("{:.2}M", v / 1_000_000.0)
    };
    format!("{sign}${body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_money_format() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.00421), "$0.0042");
        assert_eq!(usd(0.851), "$0.85");
        assert_eq!(usd(38.4), "$38.40");
        assert_eq!(usd(412.0), "$412.00");
        assert_eq!(usd(999.994), "$999.99");
        assert_eq!(usd(999.996), "$1,000.00");
        assert_eq!(usd(1_234.567), "$1,234.57");
        assert_eq!(usd(12_345.4), "$12,345.40");
        assert_eq!(usd(999_999.4), "$999,999.40");
        assert_eq!(usd(999_999.996), "$1.00M");
        assert_eq!(usd(4_561_000.0), "$4.56M");
        assert_eq!(usd(-38.0), "-$38.00");
        assert_eq!(usd(f64::NAN), "—");
    }

    #[test]
    fn groups_by_three() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
