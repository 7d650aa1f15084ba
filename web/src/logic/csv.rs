//! CSV export (RFC 4180) of the top-customers table and the time series.

use protocol::time::format_timestamp;

use super::aggregate::{CustomerRow, TokenPoint};

/// Quotes a field when it holds a comma, quote or line break.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn line(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// The customers table as shown (same rows, same order), with full-precision numbers.
pub fn customers_csv(rows: &[CustomerRow]) -> String {
    let mut out = line(
        &[
            "rank",
            "tenant",
            "customer",
            "calls",
            "tokens",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
            "cost_usd",
            "unpriced_calls",
            "avg_latency_ms",
            "share",
        ]
        .map(String::from),
    );
    for (i, r) in rows.iter().enumerate() {
        let m = &r.metrics;
        out.push_str(&line(&[
            (i + 1).to_string(),
            r.tenant_id.clone(),
            r.customer_id.clone(),
            m.total_calls.to_string(),
            m.total_tokens.to_string(),
            m.input_tokens.to_string(),
            m.output_tokens.to_string(),
            m.cache_read_tokens.to_string(),
            m.cache_write_tokens.to_string(),
            m.reasoning_tokens.to_string(),
            format!("{:.6}", m.total_cost),
            m.unpriced_calls.to_string(),
            format!("{:.1}", m.avg_latency_ms),
            format!("{:.6}", r.share),
        ]));
    }
    out
}

/// The time series of the current window, one line per bucket; the partial
/// bucket is flagged, and a bucket no server recorded has empty figures
/// (unknown, not zero).
pub fn series_csv(points: &[TokenPoint], resolution_seconds: u64) -> String {
    let mut out = line(
        &[
            "bucket_start",
            "resolution_s",
            "calls",
            "tokens",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
            "cost_usd",
            "unpriced_calls",
            "avg_latency_ms",
            "partial",
        ]
        .map(String::from),
    );
    for p in points.iter().filter(|p| !p.future) {
        let m = &p.metrics;
        let figures = if p.missing {
            vec![String::new(); 10]
        } else {
            vec![
                m.total_calls.to_string(),
                m.total_tokens.to_string(),
                m.input_tokens.to_string(),
                m.output_tokens.to_string(),
                m.cache_read_tokens.to_string(),
                m.cache_write_tokens.to_string(),
                m.reasoning_tokens.to_string(),
                format!("{:.6}", m.total_cost),
                m.unpriced_calls.to_string(),
                format!("{:.1}", m.avg_latency_ms),
            ]
        };
        let mut row = vec![format_timestamp(p.start), resolution_seconds.to_string()];
        row.extend(figures);
        row.push(p.partial.to_string());
        out.push_str(&line(&row));
    }
    out
}

/// File name for a download: `finops-customers-15m-20261123T1015Z.csv`.
pub fn file_name(what: &str, window: &str, at: protocol::Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "finops-{what}-{window}-{:04}{:02}{:02}T{:02}{:02}Z.csv",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Metrics;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("acme"), "acme");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn customers_table() {
        let rows = vec![CustomerRow {
            tenant_id: "acme, inc".into(),
            customer_id: "acme-1".into(),
            metrics: Metrics {
                total_calls: 3,
                total_tokens: 30,
                input_tokens: 20,
                output_tokens: 10,
                total_cost: 1.5,
                avg_latency_ms: 250.0,
                cache_read_tokens: 12,
                unpriced_calls: 1,
                ..Default::default()
            },
            share: 0.25,
        }];
        let csv = customers_csv(&rows);
        let lines: Vec<_> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "rank,tenant,customer,calls,tokens,input_tokens,output_tokens,cache_read_tokens,\
             cache_write_tokens,reasoning_tokens,cost_usd,unpriced_calls,avg_latency_ms,share"
        );
        assert_eq!(
            lines[1],
            "1,\"acme, inc\",acme-1,3,30,20,10,12,0,0,1.500000,1,250.0,0.250000"
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn series_skips_future_buckets_and_flags_the_partial_one() {
        let start = "2026-11-23T10:00:00Z".parse().unwrap();
        let p = |partial, future| TokenPoint {
            missing: false,
            start,
            metrics: Metrics::default(),
            partial,
            future,
        };
        let csv = series_csv(&[p(false, false), p(true, false), p(false, true)], 5);
        let lines: Vec<_> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "2026-11-23T10:00:00.000Z,5,0,0,0,0,0,0,0,0.000000,0,0.0,false"
        );
        assert!(lines[2].ends_with(",true"));
        let gap = TokenPoint {
            missing: true,
            ..p(false, false)
        };
        let csv = series_csv(&[gap], 5);
        assert!(
            csv.contains("2026-11-23T10:00:00.000Z,5,,,,,,,,,,,false"),
            "{csv}"
        );
        assert_eq!(
            file_name("series", "1h", start),
            "finops-series-1h-20261123T1000Z.csv"
        );
    }
}
