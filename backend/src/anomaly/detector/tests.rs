//! The detector's unit tests: whole scenarios on synthetic traffic through
//! the shared harness (`testing`). The state machine and trend thinning are
//! tested beside them, in `scoring.rs` and `publish.rs`.

use chrono::Duration as ChronoDuration;
use protocol::{
    AnomalyMetric, AnomalyStatus, EntityKind, EntityRef, MetricUpdate, Metrics, Severity, Timestamp,
};

use super::measure::Measure;
use super::testing::{Bench, Change, NORMAL, Pair, calls, pair, t0};
use super::{Detector, DetectorConfig};

const ACME: [Pair; 3] = [
    pair("acme", "acme-1", "gpt-4o", 200.0),
    pair("acme", "acme-2", "gpt-4o", 150.0),
    pair("acme", "acme-3", "claude-sonnet-4", 120.0),
];
const GLOBEX: [Pair; 2] = [
    pair("globex", "globex-1", "gpt-4o", 180.0),
    pair("globex", "globex-2", "claude-sonnet-4", 100.0),
];

fn all_pairs() -> Vec<Pair> {
    ACME.iter().chain(GLOBEX.iter()).copied().collect()
}

fn minutes(m: i64) -> i64 {
    m * 60
}

#[test]
fn steady_traffic_raises_nothing() {
    let mut bench = Bench::new(DetectorConfig::default());
    bench.run(minutes(45), &all_pairs(), |_| NORMAL);
    assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
}

#[test]
fn nothing_during_warm_up() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(4), &pairs, |_| NORMAL);
    // A ×8 spike four minutes in: no baseline yet, so no alarm.
    bench.run(minutes(3), &pairs, |p| {
        if p.customer == "acme-1" {
            calls(8.0)
        } else {
            NORMAL
        }
    });
    bench.run(minutes(3), &pairs, |_| NORMAL);
    assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
    // Once warm, the same spike is found.
    bench.run(minutes(8), &pairs, |_| NORMAL);
    bench.run(minutes(2), &pairs, |p| {
        if p.customer == "acme-1" {
            calls(8.0)
        } else {
            NORMAL
        }
    });
    assert_eq!(bench.anomalies().len(), 1);
}

#[test]
fn a_customer_spike_opens_persists_and_ends() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    let spike_start = bench.now;
    bench.run(minutes(3), &pairs, |p| {
        if p.customer == "acme-2" {
            calls(5.0)
        } else {
            NORMAL
        }
    });
    let spike_end = bench.now;
    bench.run(minutes(3), &pairs, |_| NORMAL);

    let anomalies = bench.anomalies();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    let a = anomalies[0];
    assert_eq!(a.id, "anm-000001");
    assert_eq!(
        a.entity,
        EntityRef {
            kind: EntityKind::Customer,
            id: "acme-2".into(),
            tenant_id: Some("acme".into()),
        }
    );
    assert_eq!(a.metric, AnomalyMetric::CostRate);
    assert_eq!(
        (a.status, a.status_reason.as_ref()),
        (AnomalyStatus::Open, None)
    );
    // Two windows to open: found within 20 s, started when it was first seen.
    let opened = bench.opened_at(&a.id).unwrap();
    assert!(
        opened - spike_start <= ChronoDuration::seconds(20),
        "{opened}"
    );
    assert!(spike_start < a.started_at && a.started_at < opened);
    // Back to baseline within a minute of the spike's end, once.
    let ended = a.ended_at.unwrap();
    assert!(
        spike_end < ended && ended - spike_end <= ChronoDuration::seconds(60),
        "{ended}"
    );
    let endings = bench
        .emitted
        .iter()
        .filter(|(_, e)| e.ended_at.is_some())
        .count();
    assert_eq!(endings, 1);
    // ×5 on $150/h: critical, peak near $750/h, expected near $150/h.
    assert_eq!(a.severity, Severity::Critical);
    assert!((600.0..900.0).contains(&a.peak), "{}", a.peak);
    assert!((120.0..180.0).contains(&a.expected), "{}", a.expected);
    assert!(a.score.is_finite());
    // The trend starts minutes before and is bounded.
    assert!(a.trend.len() <= 60);
    assert!(a.started_at - a.trend[0].t >= ChronoDuration::minutes(2));
    assert!(a.trend.windows(2).all(|w| w[0].t < w[1].t));
    // The cause names the pair and the calls.
    let top = &a.cause.contributors[0];
    assert_eq!(
        (top.customer_id.as_str(), top.model.as_str()),
        ("acme-2", "gpt-4o")
    );
    assert!(
        a.cause.summary.starts_with("100% of the +$"),
        "{}",
        a.cause.summary
    );
    assert!(
        a.cause
            .summary
            .contains("customer acme-2 on gpt-4o; calls ×"),
        "{}",
        a.cause.summary
    );
    let calls = top.calls_ratio.unwrap();
    assert!((4.5..5.5).contains(&calls), "calls ×{calls}");
}

#[test]
fn updates_are_rate_limited_and_ids_increase() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    bench.run(minutes(2), &pairs, |p| {
        if p.customer == "acme-1" {
            calls(5.0)
        } else {
            NORMAL
        }
    });
    bench.run(minutes(2), &pairs, |_| NORMAL);
    bench.run(minutes(2), &pairs, |p| {
        if p.customer == "globex-1" {
            calls(5.0)
        } else {
            NORMAL
        }
    });
    bench.run(minutes(2), &pairs, |_| NORMAL);
    let ids: Vec<&str> = bench.anomalies().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["anm-000001", "anm-000002"]);
    // Evaluated every 5 s, each ongoing anomaly is re-sent about every 10 s.
    let first: Vec<Timestamp> = bench
        .emitted
        .iter()
        .filter(|(_, a)| a.id == "anm-000001" && a.ended_at.is_none())
        .map(|(t, _)| *t)
        .collect();
    assert!(first.len() >= 8, "{}", first.len());
    assert!(
        first
            .windows(2)
            .all(|w| w[1] - w[0] >= ChronoDuration::seconds(10))
    );
    // Evaluating again at the same instant changes nothing.
    assert!(bench.detector.evaluate(bench.now).is_empty());
}

#[test]
fn small_or_modest_rises_are_not_material() {
    // Quiet data and no noise floors, so only materiality can hold them back.
    let config = DetectorConfig {
        count_noise_factor: 0.0,
        relative_scale_floor: 0.01,
        ..DetectorConfig::default()
    };
    let pairs = [
        pair("acme", "acme-big", "gpt-4o", 1000.0),
        pair("acme", "acme-tiny", "gpt-4o-mini", 0.5),
    ];
    let mut bench = Bench::new(config);
    bench.spread = 0.02;
    bench.run(minutes(15), &pairs, |_| NORMAL);
    // +20 % on $1,000/h and ×4 on $0.50/h: significant, not material.
    bench.run(minutes(2), &pairs, |p| match p.customer {
        "acme-big" => calls(1.2),
        _ => calls(4.0),
    });
    assert!(bench.emitted.is_empty(), "{:?}", bench.anomalies());
    bench.run(minutes(2), &pairs, |_| NORMAL);
    // +60 % on $1,000/h is.
    bench.run(minutes(2), &pairs, |p| {
        if p.customer == "acme-big" {
            calls(1.6)
        } else {
            NORMAL
        }
    });
    let anomalies = bench.anomalies();
    assert_eq!(anomalies.len(), 1);
    assert_eq!(anomalies[0].entity.id, "acme-big");
}

#[test]
fn prompt_growth_is_a_tokens_per_call_anomaly() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    let bloat = Change {
        tokens: 4.0,
        ..NORMAL
    };
    bench.run(minutes(2), &pairs, |p| {
        if p.customer == "globex-2" {
            bloat
        } else {
            NORMAL
        }
    });
    let anomalies = bench.anomalies();
    // One alert for the customer, not one per measure, and none for its tenant or model.
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    let a = anomalies[0];
    assert_eq!(a.entity.id, "globex-2");
    assert_eq!(a.metric, AnomalyMetric::TokensPerCall);
    assert!(
        a.cause.summary.starts_with("tokens per call ×4"),
        "{}",
        a.cause.summary
    );
    assert!(
        a.cause
            .summary
            .contains("on claude-sonnet-4, mostly input tokens; +$"),
        "{}",
        a.cause.summary
    );
}

#[test]
fn a_customer_that_explains_its_tenant_and_model_is_the_only_alert() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    // acme-1 is the largest customer of acme and of gpt-4o: both rise too.
    bench.run(minutes(3), &pairs, |p| {
        if p.customer == "acme-1" {
            calls(8.0)
        } else {
            NORMAL
        }
    });
    let anomalies = bench.anomalies();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    assert_eq!(anomalies[0].entity.kind, EntityKind::Customer);
    // The tenant and the model were in alarm all the same (their baselines are protected).
    let tenant = &bench.detector.entities.tenants["acme"].track;
    assert!(
        tenant.states[Measure::Cost]
            .alarm
            .as_ref()
            .is_some_and(|a| a.published.is_none())
    );
    assert!(
        bench.detector.entities.models["gpt-4o"].states[Measure::Cost]
            .alarm
            .is_some()
    );
}

#[test]
fn a_tenant_wide_surge_is_one_tenant_alert() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    bench.run(minutes(3), &pairs, |p| {
        if p.tenant == "acme" {
            calls(4.0)
        } else {
            NORMAL
        }
    });
    let anomalies = bench.anomalies();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    let a = anomalies[0];
    assert_eq!(
        (a.entity.kind, a.entity.id.as_str()),
        (EntityKind::Tenant, "acme")
    );
    assert!(
        a.cause.summary.contains("across 3 customer–model pairs"),
        "{}",
        a.cause.summary
    );
    assert!(a.cause.summary.contains("; calls ×"), "{}", a.cause.summary);
    assert!(
        a.cause.summary.ends_with(" across the tenant"),
        "{}",
        a.cause.summary
    );
    assert_eq!(a.cause.contributors.len(), 3);
}

#[test]
fn a_model_switch_names_the_customer_and_the_new_model() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    let switch = Change {
        switch: Some(("claude-opus-4", 0.9, 6.0)),
        ..NORMAL
    };
    bench.run(minutes(3), &pairs, |p| {
        if p.customer == "acme-2" {
            switch
        } else {
            NORMAL
        }
    });
    let anomalies = bench.anomalies();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    let a = anomalies[0];
    assert_eq!(a.entity.id, "acme-2");
    let top = &a.cause.contributors[0];
    assert_eq!(
        (top.customer_id.as_str(), top.model.as_str()),
        ("acme-2", "claude-opus-4")
    );
    assert_eq!(top.expected_usd_per_hour, 0.0);
    assert!(
        a.cause
            .summary
            .contains("on claude-opus-4, a model it barely used before; its gpt-4o spend fell "),
        "{}",
        a.cause.summary
    );
}

#[test]
fn a_long_anomaly_keeps_a_bounded_trend_and_its_baseline() {
    let mut bench = Bench::new(DetectorConfig::default());
    let pairs = all_pairs();
    bench.run(minutes(15), &pairs, |_| NORMAL);
    bench.run(minutes(12), &pairs, |p| {
        if p.customer == "globex-1" {
            calls(4.0)
        } else {
            NORMAL
        }
    });
    let a = bench.anomalies()[0].clone();
    assert!(a.ended_at.is_none(), "still going");
    assert!(a.trend.len() <= 60, "{}", a.trend.len());
    assert!(a.started_at - a.trend[0].t >= ChronoDuration::minutes(2));
    assert!(bench.now - a.trend[a.trend.len() - 1].t <= ChronoDuration::seconds(30));
    // Twelve minutes in, the baseline still excludes the incident.
    assert!((150.0..220.0).contains(&a.expected), "{}", a.expected);
}

#[test]
fn tracked_series_are_capped_and_silent_ones_dropped() {
    let config = DetectorConfig {
        max_series: 12,
        ..DetectorConfig::default()
    };
    let mut bench = Bench::new(config);
    let many: Vec<Pair> = (0..20)
        .map(|i| Pair {
            customer: Box::leak(format!("acme-{i}").into_boxed_str()),
            ..pair("acme", "", "gpt-4o", 10.0)
        })
        .collect();
    bench.run(30, &many, |_| NORMAL);
    assert_eq!(bench.detector.entities.series_count, 12);
    // model + tenant + (customer + pair) × 5
    assert_eq!(bench.detector.entities.tenants["acme"].customers.len(), 5);

    let mut bench = Bench::new(DetectorConfig::default());
    bench.run(minutes(1), &all_pairs(), |_| NORMAL);
    assert_eq!(bench.detector.entities.series_count, 2 + 5 * 2 + 2);
    // globex goes quiet for longer than the baseline keeps.
    bench.run(minutes(40), &ACME, |_| NORMAL);
    assert!(!bench.detector.entities.tenants.contains_key("globex"));
    assert!(
        !bench
            .detector
            .entities
            .models
            .contains_key("claude-sonnet-4")
            || ACME.iter().any(|p| p.model == "claude-sonnet-4")
    );
    assert_eq!(bench.detector.entities.series_count, 1 + 3 * 2 + 2);
}

#[test]
fn late_or_odd_input_is_harmless() {
    let mut detector = Detector::new(DetectorConfig::default());
    // Evaluating with nothing observed, or going back in time, returns nothing.
    assert!(detector.evaluate(t0()).is_empty());
    assert!(
        detector
            .evaluate(t0() - ChronoDuration::hours(1))
            .is_empty()
    );
    let mut bad = MetricUpdate {
        seq: 0,
        timestamp: t0(),
        tenant_id: "acme".into(),
        customer_id: "acme-1".into(),
        model: "gpt-4o".into(),
        samples: 0,
        metrics: Metrics {
            total_calls: 1,
            total_tokens: 10,
            input_tokens: 0,
            output_tokens: 0,
            total_cost: f64::NAN,
            avg_latency_ms: 1.0,
            ..Default::default()
        },
    };
    detector.observe(std::slice::from_ref(&bad));
    bad.timestamp = t0() - ChronoDuration::days(400);
    detector.observe(&[bad]);
    assert!(
        detector
            .evaluate(t0() + ChronoDuration::hours(1))
            .is_empty()
    );
}

#[test]
fn ids_carry_the_runs_prefix_so_two_runs_never_share_one() {
    let spike = |prefix: &str| {
        let mut bench = Bench::new(DetectorConfig {
            id_prefix: prefix.into(),
            ..DetectorConfig::default()
        });
        let pairs = all_pairs();
        bench.run(minutes(15), &pairs, |_| NORMAL);
        bench.run(minutes(3), &pairs, |p| {
            if p.customer == "acme-2" {
                calls(5.0)
            } else {
                NORMAL
            }
        });
        bench
            .anomalies()
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    };
    let first = spike("anm-mq1x2y3z0a");
    let second = spike("anm-mq1x2y3z9k");
    assert_eq!(first, ["anm-mq1x2y3z0a-000001"]);
    assert_eq!(second, ["anm-mq1x2y3z9k-000001"]);
}
