//! Month-end forecast from daily spend: the recent daily rate, shaped by the
//! weekly rhythm when there are enough weeks to see one, with an 80 % band
//! from how far days strayed from that shape. The method is explained in
//! `docs/ARCHITECTURE.md` ("Month to date, forecast and budgets").

use chrono::{Datelike, Days, NaiveDate, Timelike};
use protocol::Timestamp;

/// Complete days the daily rate is the mean of.
const RATE_DAYS: usize = 7;
/// Complete days needed before weekday factors are used (two of each).
const RHYTHM_MIN_DAYS: usize = 14;
/// Complete days the weekday factors are measured over.
const RHYTHM_DAYS: usize = 28;
/// z for a two-sided 80 % band.
const Z80: f64 = 1.2816;

/// Spend so far and where the month ends, with the day a budget is crossed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Forecast {
    pub spent: f64,
    pub forecast: f64,
    pub low: f64,
    pub high: f64,
    pub crosses_on: Option<NaiveDate>,
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    let first_next = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    first_next.and_then(|d| d.pred_opt()).unwrap_or(day)
}

/// `days` is spend per UTC day, oldest first, ending with today (partial);
/// days absent from it spent nothing. `budget` (USD) asks for the crossing day.
pub fn forecast(days: &[(NaiveDate, f64)], now: Timestamp, budget: Option<f64>) -> Forecast {
    let today = now.date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    let month_end = last_day_of_month(today);
    let spend_on = |d: NaiveDate| -> f64 {
        days.iter()
            .filter(|(day, _)| *day == d)
            .map(|(_, usd)| *usd)
            .sum()
    };
    // Complete days, newest first: yesterday and back, as far as the data goes.
    let oldest = days.iter().map(|(d, _)| *d).min().unwrap_or(today);
    let complete: Vec<(NaiveDate, f64)> = (1..=RHYTHM_DAYS as u64)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .filter(|d| *d >= oldest)
        .map(|d| (d, spend_on(d)))
        .collect();
    let elapsed = f64::from(now.num_seconds_from_midnight()) / 86_400.0;
    let spent_today = spend_on(today);

    let rate = if complete.is_empty() {
        // A first day: today's pace, once enough of it has passed to judge.
        if elapsed > 0.05 {
            spent_today / elapsed
        } else {
            0.0
        }
    } else {
        let recent = &complete[..complete.len().min(RATE_DAYS)];
        recent.iter().map(|(_, usd)| usd).sum::<f64>() / recent.len() as f64
    };
    // Weekday factors: each weekday's mean over the overall mean.
    let factor = |d: NaiveDate| -> f64 {
        if complete.len() < RHYTHM_MIN_DAYS {
            return 1.0;
        }
        let mean = complete.iter().map(|(_, usd)| usd).sum::<f64>() / complete.len() as f64;
        let same: Vec<f64> = complete
            .iter()
            .filter(|(day, _)| day.weekday() == d.weekday())
            .map(|(_, usd)| *usd)
            .collect();
        if mean <= 0.0 || same.is_empty() {
            return 1.0;
        }
        same.iter().sum::<f64>() / same.len() as f64 / mean
    };
    // How far each complete day strayed from the shape, for the band.
    let residuals: Vec<f64> = complete
        .iter()
        .take(RHYTHM_DAYS)
        .map(|(d, usd)| usd - rate * factor(*d))
        .collect();
    let sigma = if residuals.len() >= 2 {
        let n = residuals.len() as f64;
        (residuals.iter().map(|r| r * r).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        rate * 0.5
    };

    let spent: f64 = days
        .iter()
        .filter(|(d, _)| *d >= month_start && *d <= today)
        .map(|(_, usd)| usd)
        .sum();
    // Expected spend per remaining day, today's rest first.
    let mut ahead: Vec<(NaiveDate, f64)> =
        vec![(today, (rate * factor(today) * (1.0 - elapsed)).max(0.0))];
    let mut day = today;
    while let Some(next) = day.succ_opt().filter(|d| *d <= month_end) {
        ahead.push((next, rate * factor(next)));
        day = next;
    }
    let remaining: f64 = ahead.iter().map(|(_, usd)| usd).sum();
    let days_left = (1.0 - elapsed) + (ahead.len() - 1) as f64;
    let spread = Z80 * sigma * days_left.sqrt();
    let forecast = spent + remaining;

    let crosses_on = budget.and_then(|budget| {
        if spent >= budget {
            // The day the month's running sum reached it.
            let mut sum = 0.0;
            let mut d = month_start;
            loop {
                sum += spend_on(d);
                if sum >= budget || d >= today {
                    return Some(d);
                }
                d = d.succ_opt()?;
            }
        }
        let mut sum = spent;
        ahead.iter().find_map(|(d, usd)| {
            sum += usd;
            (sum >= budget).then_some(*d)
        })
    });
    Forecast {
        spent,
        forecast,
        low: (forecast - spread).max(spent),
        high: forecast + spread,
        crosses_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc, Weekday};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// $100 on weekdays, $40 on weekends.
    fn weekly(d: NaiveDate) -> f64 {
        match d.weekday() {
            Weekday::Sat | Weekday::Sun => 40.0,
            _ => 100.0,
        }
    }

    /// `weekly` spend from `from` to `to`, and `today` at that share of `weekly`.
    fn synthetic(from: &str, to: &str, today_share: f64) -> Vec<(NaiveDate, f64)> {
        let (mut d, to) = (date(from), date(to));
        let mut out = Vec::new();
        while d < to {
            out.push((d, weekly(d)));
            d = d.succ_opt().unwrap();
        }
        out.push((to, weekly(to) * today_share));
        out
    }

    #[test]
    fn a_synthetic_month_with_a_weekly_rhythm_is_forecast_exactly() {
        // December 2026: the 1st is a Tuesday. Four weeks of history, and
        // noon on Thursday the 10th, half of its $100 spent.
        let days = synthetic("2026-11-05", "2026-12-10", 0.5);
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 12, 0, 0).unwrap();
        let f = forecast(&days, now, Some(2_000.0));
        // Known answer: the whole of December at the rhythm.
        let mut expected = 0.0;
        let mut d = date("2026-12-01");
        while d <= date("2026-12-31") {
            expected += weekly(d);
            d = d.succ_opt().unwrap();
        }
        let spent: f64 = (1..10)
            .map(|i| weekly(date(&format!("2026-12-{i:02}"))))
            .sum::<f64>()
            + 50.0;
        assert!((f.spent - spent).abs() < 1e-9, "{f:?}");
        assert!(
            (f.forecast - expected).abs() < 1e-6,
            "{} vs {expected}",
            f.forecast
        );
        // A perfectly regular history has no spread.
        assert!((f.high - f.low).abs() < 1e-6, "{f:?}");
        // $2,000 is reached on the day the running sum gets there.
        let mut sum = 0.0;
        let mut d = date("2026-12-01");
        while sum + weekly(d) < 2_000.0 {
            sum += weekly(d);
            d = d.succ_opt().unwrap();
        }
        assert_eq!(f.crosses_on, Some(d));
    }

    #[test]
    fn without_weeks_of_history_the_recent_rate_is_used_and_the_band_is_wide() {
        let days = vec![
            (date("2026-12-01"), 90.0),
            (date("2026-12-02"), 110.0),
            (date("2026-12-03"), 50.0),
        ];
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let f = forecast(&days, now, None);
        // $100/day for the rest of today and 28 more days.
        assert!(
            (f.forecast - (250.0 + 50.0 + 28.0 * 100.0)).abs() < 1e-6,
            "{f:?}"
        );
        assert!(f.low < f.forecast && f.high > f.forecast && f.low >= f.spent);
        assert_eq!(f.crosses_on, None);
    }

    #[test]
    fn a_budget_already_spent_crossed_on_the_day_it_was_reached() {
        let days = vec![
            (date("2026-12-01"), 600.0),
            (date("2026-12-02"), 600.0),
            (date("2026-12-03"), 10.0),
        ];
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let f = forecast(&days, now, Some(1_000.0));
        assert_eq!(f.crosses_on, Some(date("2026-12-02")));
        // Last month's days do not count toward this month.
        let days = vec![(date("2026-11-30"), 5_000.0), (date("2026-12-01"), 10.0)];
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        assert!((forecast(&days, now, None).spent - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_first_hour_with_no_history_forecasts_nothing_rather_than_wildly() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).unwrap();
        let f = forecast(&[(date("2026-12-01"), 3.0)], now, Some(10.0));
        assert!((f.forecast - 3.0).abs() < 1e-9, "{f:?}");
        assert_eq!(last_day_of_month(date("2026-02-10")), date("2026-02-28"));
        assert_eq!(last_day_of_month(date("2026-12-10")), date("2026-12-31"));
    }
}
