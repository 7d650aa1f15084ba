//! Component tests: render components natively with given state and assert
//! what a person would see (dioxus-ssr), and drive events through a VirtualDom.
#![cfg(not(target_arch = "wasm32"))]

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use chrono::{FixedOffset, TimeDelta, Utc};
use dioxus::dioxus_core::{ElementId, Mutation};
use dioxus::prelude::*;
use protocol::filter::Dimension;
use protocol::{
    Anomaly, AnomalyMetric, AnomalyStatus, Cause, Contributor, CustomerUsage, EntityKind,
    EntityRef, HistoryBucket, HistoryResponse, Metrics, ModelUsage, Severity, Timestamp,
    TrendPoint,
};
use protocol::{Filter, ViewSpec, ViewUpdate};
use web::components::anomaly_item::AnomalyItem;
use web::components::connection_indicator::LinkBadge;
use web::components::cost_gauge::{CostGauge, GaugeDial};
use web::components::filter_bar::{FilterBar, Suggestion};
use web::components::model_breakdown::ModelDonut;
use web::components::spend_bars::{CompareLine, SpendBars};
use web::components::token_chart::{Marker, TokenBars};
use web::components::top_customers::{CustomerTable, TopCustomers};
use web::logic::aggregate::{CustomerRow, ModelShare, TokenPoint};
use web::logic::colors::model_color;
use web::logic::connection::{LinkState, Transport};
use web::logic::drill;
use web::logic::ranking::SortKey;
use web::logic::spend::{OTHER, OTHER_COLOR, SpendBar, SpendView, StackBy};
use web::logic::views::{CustomersView, GaugeView, TokenView};
use web::state::STORE;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn gauge_shows_rate_change_and_an_adaptive_scale() {
    let html = dioxus::ssr::render_element(rsx! {
        GaugeDial {
            view: GaugeView { rate: 412.0, rate_5m_ago: Some(206.0), peak: 380.0, span: Duration::from_secs(60), end: ts("2026-11-23T10:00:00Z") }
        }
    });
    assert!(html.contains("$412.00/h"), "{html}");
    assert!(html.contains("+100% vs 5 min ago ($206.00/h)"), "{html}");
    assert!(html.contains(r#"data-trend="up""#));
    assert!(html.contains("no data from yesterday same time"), "{html}");
    // 412 × 1.1 rounds up to a dial of $500, labelled at its ends and middle.
    assert!(html.contains(r#"aria-valuemax="500""#), "{html}");
    assert!(html.contains("$250") && html.contains("$500"));
    // Needle at 412/500 of the half turn: -90 + 180 × 0.824.
    assert!(html.contains("rotate(58.32deg)"), "{html}");

    let early = dioxus::ssr::render_element(rsx! {
        GaugeDial { view: GaugeView { rate: 3.0, rate_5m_ago: None, peak: 0.0, span: Duration::from_secs(60), end: ts("2026-11-23T10:00:00Z") } }
    });
    assert!(early.contains("no data from 5 min ago yet"));
    assert!(early.contains(r#"aria-valuemax="5""#), "{early}");

    let from_nothing = dioxus::ssr::render_element(rsx! {
        GaugeDial { view: GaugeView { rate: 3.0, rate_5m_ago: Some(0.0), peak: 0.0, span: Duration::from_secs(60), end: ts("2026-11-23T10:00:00Z") } }
    });
    assert!(
        from_nothing.contains("no spend 5 min ago"),
        "{from_nothing}"
    );
    assert!(!from_nothing.contains("new vs"), "{from_nothing}");

    let against_yesterday = dioxus::ssr::render_element(rsx! {
        GaugeDial { view: GaugeView { rate: 300.0, rate_5m_ago: Some(300.0), peak: 0.0, span: Duration::from_secs(60), end: ts("2026-11-23T10:00:00Z") }, yesterday: Some(200.0) }
    });
    assert!(
        against_yesterday.contains("+50.0% vs yesterday same time ($200.00/h)"),
        "{against_yesterday}"
    );
}

fn points(n: usize) -> Vec<TokenPoint> {
    let start = ts("2026-11-23T10:00:00Z");
    (0..n)
        .map(|i| TokenPoint {
            start: start + TimeDelta::seconds(5 * i as i64),
            metrics: Metrics {
                total_calls: 10,
                total_tokens: 1_000 + i as u64 * 10,
                input_tokens: 800,
                output_tokens: 200 + i as u64 * 10,
                total_cost: 0.5,
                avg_latency_ms: 900.0,
                ..Default::default()
            },
            partial: i + 1 == n,
            future: false,
            missing: false,
        })
        .collect()
}

#[test]
fn token_chart_draws_sixty_buckets_with_the_newest_partial() {
    let pts = points(60);
    let view = TokenView {
        from: pts[0].start,
        to: pts[59].start + TimeDelta::seconds(5),
        resolution: Duration::from_secs(5),
        points: pts,
        peak: Default::default(),
    };
    let markers = vec![Marker {
        count: 1,
        id: "anm-1".into(),
        x: 0.5,
        severity: Severity::Critical,
        label: "Critical anomaly on acme-17 at 10:02:30".into(),
    }];
    let html = dioxus::ssr::render_element(rsx! { TokenBars { view, markers, offset: utc() } });
    assert_eq!(count(&html, r#"class="bar""#), 59, "{html}");
    assert_eq!(count(&html, r#"class="bar partial""#), 1);
    assert_eq!(count(&html, r#"class="hit""#), 60);
    assert!(html.contains(r#"class="trend""#));
    assert!(html.contains(r#"aria-label="Critical anomaly on acme-17 at 10:02:30""#));
    assert!(html.contains("left: 50.00%"));
    // Minute labels on a 24-hour clock.
    for label in ["10:01", "10:02", "10:03", "10:04"] {
        assert!(
            html.contains(&format!(">{label}<")),
            "{label} missing in {html}"
        );
    }
}

#[test]
fn token_trend_starts_at_the_first_bucket_with_data() {
    // A fresh server: the first 50 of 60 buckets are empty.
    let mut pts = points(60);
    for p in pts.iter_mut().take(50) {
        p.metrics = Metrics::default();
    }
    let view = TokenView {
        from: pts[0].start,
        to: pts[59].start + TimeDelta::seconds(5),
        resolution: Duration::from_secs(5),
        points: pts,
        peak: Default::default(),
    };
    let html =
        dioxus::ssr::render_element(rsx! { TokenBars { view, markers: vec![], offset: utc() } });
    // 600 units wide, 10 per bucket: bucket 50's centre is at 505.
    assert!(html.contains(r#"class="trend" x1="505.00""#), "{html}");
}

fn row(customer: &str, cost: f64, calls: u64) -> CustomerRow {
    CustomerRow {
        tenant_id: "acme".into(),
        customer_id: customer.into(),
        metrics: Metrics {
            total_calls: calls,
            total_tokens: calls * 1_000,
            input_tokens: 0,
            output_tokens: 0,
            total_cost: cost,
            avg_latency_ms: 1_200.0,
            ..Default::default()
        },
        share: cost / 10.0,
    }
}

#[test]
fn model_legend_lists_cost_share_and_fixed_colours() {
    let models = vec![
        ModelShare {
            model: "claude-opus-4".into(),
            metrics: Metrics {
                total_cost: 7.5,
                ..Metrics::default()
            },
            share: 0.75,
        },
        ModelShare {
            model: "gpt-4o".into(),
            metrics: Metrics {
                total_cost: 2.5,
                ..Metrics::default()
            },
            share: 0.25,
        },
    ];
    let html = dioxus::ssr::render_element(rsx! { ModelDonut { models } });
    let opus = html.find("Claude Opus 4").unwrap();
    let gpt = html.find("GPT-4o").unwrap();
    assert!(opus < gpt, "most expensive first");
    assert!(html.contains("$7.50") && html.contains("75%") && html.contains("25%"));
    assert!(html.contains("$10.00"), "total in the donut");
    assert!(html.contains(&format!("background: {}", model_color("claude-opus-4"))));
    assert!(html.contains(&format!(r#"stroke="{}""#, model_color("gpt-4o"))));

    // Eleven models: seven in colour, the other four one grey slice.
    let many: Vec<ModelShare> = (0..11)
        .map(|i| ModelShare {
            model: format!("model-{i:02}"),
            metrics: Metrics {
                total_cost: 11.0 - i as f64,
                ..Metrics::default()
            },
            share: (11.0 - i as f64) / 66.0,
        })
        .collect();
    let html = dioxus::ssr::render_element(rsx! { ModelDonut { models: many } });
    assert_eq!(count(&html, "<circle"), 8, "{html}");
    assert!(html.contains("Other models (4)"), "{html}");
    assert!(!html.contains(">model-10<"));
}

#[test]
fn anomaly_item_shows_context_and_actions() {
    let anomaly = Anomaly {
        id: "anm-000017".into(),
        entity: EntityRef {
            kind: EntityKind::Customer,
            id: "acme-17".into(),
            tenant_id: Some("acme".into()),
        },
        metric: AnomalyMetric::CostRate,
        severity: Severity::Critical,
        score: 9.5,
        started_at: ts("2026-11-23T10:00:00Z"),
        updated_at: ts("2026-11-23T10:02:00Z"),
        ended_at: None,
        observed: 512.0,
        expected: 100.0,
        peak: 530.0,
        trend: vec![
            TrendPoint {
                t: ts("2026-11-23T09:58:00Z"),
                observed: 100.0,
                expected: 100.0,
            },
            TrendPoint {
                t: ts("2026-11-23T10:00:00Z"),
                observed: 512.0,
                expected: 100.0,
            },
        ],
        cause: Cause {
            excess_usd_per_hour: 412.0,
            summary: "82% of the +$412/h over expected came from customer acme-17 on claude-opus-4"
                .into(),
            contributors: vec![Contributor {
                tenant_id: "acme".into(),
                customer_id: "acme-17".into(),
                model: "claude-opus-4".into(),
                observed_usd_per_hour: 350.0,
                expected_usd_per_hour: 12.0,
                share: 0.82,
                calls_ratio: None,
                tokens_per_call_ratio: Some(4.0),
            }],
        },
        status: AnomalyStatus::Open,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
    };
    let open = dioxus::ssr::render_element(rsx! {
        AnomalyItem { anomaly: anomaly.clone(), status: AnomalyStatus::Open, offset: utc() }
    });
    assert!(
        open.contains(r#"data-drill="customer""#) && open.contains(">acme-17</button> (acme)"),
        "the entity is a drill-down into the customer: {open}"
    );
    assert!(open.contains("since 10:00 · ongoing"));
    // "Expected" says what it is: the baseline.
    assert!(
        open.contains(r#"class="baseline" title="Expected: the baseline"#),
        "{open}"
    );
    assert!(
        open.contains("$512.00/h")
            && open.contains("$100.00/h expected")
            && open.contains("</span> (×5.1)"),
        "{open}"
    );
    assert!(
        !open.contains("peak"),
        "a peak within 5% of the current value says nothing new"
    );
    assert!(open.contains("82% of the +$412/h"));
    assert!(
        open.contains(">acme-17</button> · ") && open.contains(">Claude Opus 4</button>"),
        "contributors drill into their customer and model: {open}"
    );
    assert!(open.contains("82% of excess"));
    assert!(open.contains(r#"class="sparkline""#));
    assert!(open.contains(">Acknowledge<") && open.contains(">Dismiss<"));
    assert!(
        open.contains(r#"tabindex="0""#),
        "focusable for the keyboard"
    );

    let acked = dioxus::ssr::render_element(rsx! {
        AnomalyItem { anomaly: anomaly.clone(), status: AnomalyStatus::Acknowledged, offset: utc() }
    });
    assert!(acked.contains(">Acknowledged<") && acked.contains(">Reopen<"));
    assert!(!acked.contains(">Acknowledge<"));

    let falling = Anomaly {
        observed: 180.0,
        ..anomaly.clone()
    };
    let falling = dioxus::ssr::render_element(rsx! {
        AnomalyItem { anomaly: falling, status: AnomalyStatus::Open, offset: utc() }
    });
    assert!(
        falling.contains("· peak $530.00/h"),
        "the peak the cause refers to: {falling}"
    );

    let wall = dioxus::ssr::render_element(rsx! {
        AnomalyItem { anomaly, status: AnomalyStatus::Open, offset: utc(), readonly: true }
    });

    assert!(!wall.contains("<button"));
    assert!(wall.contains("anomaly-cause shown"));
}

#[test]
fn connection_badge_names_transport_and_state() {
    let html = dioxus::ssr::render_element(rsx! {
        LinkBadge {
            state: LinkState::Retrying { transport: Transport::Polling, at_ms: 5_000.0, attempt: 3 },
            now_ms: 1_000.0,
        }
    });
    assert!(html.contains("Retrying in 4 s (attempt 3)"));
    assert!(
        html.contains(r#"data-state="retrying""#) && html.contains(r#"data-transport="polling""#)
    );
    let live = dioxus::ssr::render_element(
        rsx! { LinkBadge { state: LinkState::Streaming, now_ms: 0.0 } },
    );
    assert!(live.contains("Live · streaming") && live.contains(r#"data-transport="WebSocket""#));
}

/// Ids of elements with a listener for `event`, in document order.
fn listeners(mutations: &[Mutation], event: &str) -> Vec<ElementId> {
    mutations
        .iter()
        .filter_map(|m| match m {
            Mutation::NewEventListener { name, id } if name == event => Some(*id),
            _ => None,
        })
        .collect()
}

fn click(dom: &mut VirtualDom, id: ElementId) {
    let event = Event::new(
        Rc::new(PlatformEventData::new(Box::<SerializedMouseData>::default())) as Rc<dyn Any>,
        true,
    );
    dom.runtime().handle_event("click", event, id);
    dom.process_events();
    let _ = dom.render_immediate_to_vec();
}

fn table_fixture() -> Element {
    let sort = use_signal(SortKey::default);
    let mut rows = vec![
        row("acme-1", 1.0, 30),
        row("acme-2", 5.0, 10),
        row("acme-3", 3.0, 20),
    ];
    // Prompt-cache reads of 10 %, 0 % and 80 % of the input; acme-1 also
    // made two calls of a model with no price.
    for (r, cached) in rows.iter_mut().zip([100, 0, 800]) {
        r.metrics.input_tokens = 1_000;
        r.metrics.cache_read_tokens = cached;
    }
    rows[0].metrics.unpriced_calls = 2;
    let mut ranks_before = HashMap::new();
    ranks_before.insert(("acme".to_string(), "acme-2".to_string()), 3);
    ranks_before.insert(("acme".to_string(), "acme-3".to_string()), 2);
    rsx! {
        CustomerTable {
            view: CustomersView { rows, ranks_before, compared_over: Duration::from_secs(60), total_cost: 9.0 },
            sort,
        }
    }
}

fn order(html: &str) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> = ["acme-1", "acme-2", "acme-3"]
        .into_iter()
        .map(|c| (html.find(&format!(">{c}<")).unwrap(), c))
        .collect();
    found.sort();
    found.into_iter().map(|(_, c)| c).collect()
}

#[test]
fn customer_table_sorts_by_clicked_header_and_shows_rank_changes() {
    dioxus::html::set_event_converter(Box::new(dioxus::html::SerializedHtmlEventConverter));
    let mut dom = VirtualDom::new(table_fixture);
    let mutations = dom.rebuild_to_vec();
    let html = dioxus::ssr::render(&dom);
    assert_eq!(
        order(&html),
        ["acme-2", "acme-3", "acme-1"],
        "spend, highest first"
    );
    assert!(
        html.contains(r#"aria-label="rank up 2""#),
        "acme-2 rose from 3 to 1: {html}"
    );
    assert!(
        html.contains(r#"aria-label="rank new""#),
        "acme-1 was not ranked before"
    );
    assert!(
        html.contains("$5.00") && html.contains("50%"),
        "cost and share"
    );
    assert!(html.contains("1.2 s"), "average latency");

    assert!(
        html.contains("80%") && html.contains(">—<"),
        "cached shares"
    );
    assert_eq!(html.matches('†').count(), 2, "one mark and its footnote");
    assert!(html.contains(r#"title="plus 2 unpriced calls""#));
    assert!(html.contains("their cost is unpriced, not zero"));

    // Header buttons in column order: Tenant, Customer, Calls, Tokens,
    // Cached, Cost, Latency, Share.
    let clickable = listeners(&mutations.edits, "click");
    // Then each row's tenant and customer, which drill into their view.
    assert_eq!(clickable.len(), 8 + 3 * 2);
    assert_eq!(html.matches(r#"data-drill="customer""#).count(), 3);
    assert!(html.contains(r#"title="Show only tenant acme""#));
    let headers = &clickable[6..];
    click(&mut dom, headers[4]);
    assert_eq!(
        order(&dioxus::ssr::render(&dom)),
        ["acme-3", "acme-1", "acme-2"],
        "most read from the cache first"
    );
    click(&mut dom, headers[2]);
    let html = dioxus::ssr::render(&dom);
    assert_eq!(
        order(&html),
        ["acme-1", "acme-3", "acme-2"],
        "calls, highest first"
    );
    assert!(html.contains(r#"aria-sort="descending""#));
    click(&mut dom, headers[2]);
    let html = dioxus::ssr::render(&dom);
    assert_eq!(
        order(&html),
        ["acme-2", "acme-3", "acme-1"],
        "calls, lowest first"
    );
    assert!(html.contains(r#"aria-sort="ascending""#));
}

fn history(
    cursor: u64,
    from: Timestamp,
    buckets: usize,
    step: i64,
    customer: &str,
) -> HistoryResponse {
    let metrics = Metrics {
        total_calls: 2,
        total_tokens: 500,
        total_cost: 1.0,
        avg_latency_ms: 300.0,
        ..Metrics::default()
    };
    HistoryResponse {
        from,
        to: from + TimeDelta::seconds(step * buckets as i64),
        resolution_seconds: step as u32,
        cursor,
        buckets: (0..buckets)
            .map(|i| HistoryBucket {
                start: from + TimeDelta::seconds(step * i as i64),
                totals: metrics,
                by_model: vec![ModelUsage {
                    model: "gpt-4o".into(),
                    metrics,
                }],
                by_tenant: vec![protocol::TenantUsage {
                    tenant_id: "acme".into(),
                    metrics,
                }],
                customers: vec![CustomerUsage {
                    tenant_id: "acme".into(),
                    customer_id: customer.into(),
                    metrics,
                }],
                other_customers: None,
                missing: false,
            })
            .collect(),
        compare_offset_seconds: None,
        compare: Vec::new(),
    }
}

fn connected_panels() -> Element {
    rsx! {
        CostGauge {}
        TopCustomers {}
    }
}

#[test]
fn connected_panels_render_from_the_store_with_their_data_panel_names() {
    let mut dom = VirtualDom::new(connected_panels);
    dom.rebuild_in_place();
    let empty = dioxus::ssr::render(&dom);
    assert!(empty.contains(r#"data-panel="gauge""#) && empty.contains(r#"data-panel="customers""#));
    assert!(empty.contains("Waiting for a minute of data"));

    let now = Utc::now();
    let fine_from =
        protocol::time::align_floor(now - TimeDelta::minutes(7), Duration::from_secs(5));
    dom.in_runtime(|| {
        let spec = ViewSpec {
            window: web::state::SETTINGS.peek().window(),
            ..ViewSpec::default()
        };
        let full = ViewUpdate {
            version: 7,
            full: true,
            at: now,
            buckets: history(7, fine_from, 86, 5, "acme-9").buckets,
            totals: Some(Metrics {
                total_cost: 60.0,
                ..Metrics::default()
            }),
            top_customers: Some(vec![CustomerUsage {
                tenant_id: "acme".into(),
                customer_id: "acme-9".into(),
                metrics: Metrics {
                    total_cost: 60.0,
                    ..Metrics::default()
                },
            }]),
            ..ViewUpdate::default()
        };
        STORE.write().apply(&spec, vec![full]);
        *web::state::VIEW_FRAME.write() += 1;
    });
    dom.render_immediate(&mut dioxus::dioxus_core::NoOpMutations);
    let html = dioxus::ssr::render(&dom);
    // $1 per 5 s bucket is $720 per hour.
    assert!(html.contains("$720.00/h"), "{html}");
    assert!(html.contains(">acme-9<"));
}

static HELD_ROWS: GlobalSignal<Vec<CustomerRow>> = Signal::global(|| {
    vec![
        row("acme-1", 1.0, 30),
        row("acme-2", 5.0, 10),
        row("acme-3", 3.0, 20),
    ]
});

fn held_fixture() -> Element {
    let sort = use_signal(SortKey::default);
    rsx! {
        CustomerTable {
            view: CustomersView {
                rows: HELD_ROWS(),
                ranks_before: HashMap::new(),
                compared_over: Duration::from_secs(60),
                total_cost: 9.0,
            },
            sort,
        }
    }
}

fn fire(dom: &mut VirtualDom, name: &str, id: ElementId) {
    let event = Event::new(
        Rc::new(PlatformEventData::new(Box::<SerializedMouseData>::default())) as Rc<dyn Any>,
        false,
    );
    dom.runtime().handle_event(name, event, id);
    dom.process_events();
    let _ = dom.render_immediate_to_vec();
}

#[test]
fn rows_hold_still_under_the_pointer_and_resort_when_it_leaves() {
    dioxus::html::set_event_converter(Box::new(dioxus::html::SerializedHtmlEventConverter));
    let mut dom = VirtualDom::new(held_fixture);
    let mutations = dom.rebuild_to_vec();
    assert_eq!(
        order(&dioxus::ssr::render(&dom)),
        ["acme-2", "acme-3", "acme-1"]
    );
    let enter = listeners(&mutations.edits, "mouseenter")[0];
    let leave = listeners(&mutations.edits, "mouseleave")[0];
    fire(&mut dom, "mouseenter", enter);
    // acme-1 becomes the top spender while the pointer is over the table.
    dom.in_runtime(|| HELD_ROWS.write()[0].metrics.total_cost = 50.0);
    dom.mark_dirty(ScopeId::APP);
    let _ = dom.render_immediate_to_vec();
    let html = dioxus::ssr::render(&dom);
    assert_eq!(
        order(&html),
        ["acme-2", "acme-3", "acme-1"],
        "rows did not move"
    );
    assert!(html.contains("$50.00"), "values still update");
    assert!(html.contains("Order held while the pointer is over the table."));
    fire(&mut dom, "mouseleave", leave);
    assert_eq!(
        order(&dioxus::ssr::render(&dom)),
        ["acme-1", "acme-2", "acme-3"]
    );
}

#[test]
fn buckets_no_server_recorded_are_gaps_not_zero_bars() {
    let mut pts = points(60);
    for p in &mut pts[..20] {
        p.missing = true;
        p.metrics = Metrics::default();
    }
    let view = TokenView {
        from: pts[0].start,
        to: pts[59].start + TimeDelta::seconds(5),
        resolution: Duration::from_secs(5),
        points: pts,
        peak: Default::default(),
    };
    let html =
        dioxus::ssr::render_element(rsx! { TokenBars { view, markers: vec![], offset: utc() } });
    assert_eq!(html.matches(r#"class="bar missing""#).count(), 20, "{html}");
    assert!(html.contains("gap-hatch"));
    assert!(html.contains("no data"), "the legend names the gap");
}

#[test]
fn sign_in_asks_for_a_token_and_says_when_one_was_refused() {
    use web::components::sign_in::SignIn;
    fn render(refused_token: bool) -> String {
        fn first() -> Element {
            rsx! { SignIn { refused_token: false, on_sign_in: |_: String| {} } }
        }
        fn again() -> Element {
            rsx! { SignIn { refused_token: true, on_sign_in: |_: String| {} } }
        }
        let mut dom = VirtualDom::new(if refused_token { again } else { first });
        dom.rebuild_in_place();
        dioxus::ssr::render(&dom)
    }
    let first = render(false);
    assert!(first.contains("needs an access token"), "{first}");
    assert!(first.contains(r#"type="password""#), "{first}");
    assert!(first.contains(r#"role="dialog""#), "{first}");
    assert!(!first.contains("sign-in-refused"), "{first}");
    let again = render(true);
    assert!(again.contains("sign-in-refused"), "{again}");
    assert!(again.contains(r#"role="alert""#), "{again}");
    assert!(again.contains("not accepted"), "{again}");
}

static CHANGED: GlobalSignal<Option<Filter>> = Signal::global(|| None);

fn filter_bar_fixture() -> Element {
    let filter = Filter::default()
        .with(Dimension::Tenant, "acme")
        .with(Dimension::Customer, "acme-17")
        .with(Dimension::Model, "o1");
    let suggestions = vec![
        Suggestion {
            dimension: Dimension::Customer,
            name: "acme-17".into(),
        },
        Suggestion {
            dimension: Dimension::Customer,
            name: "acme-3".into(),
        },
        Suggestion {
            dimension: Dimension::Model,
            name: "gpt-4o".into(),
        },
    ];
    rsx! {
        FilterBar {
            filter,
            suggestions,
            wall: false,
            on_change: move |f| *CHANGED.write() = Some(f),
        }
    }
}

#[test]
fn filter_bar_shows_a_breadcrumb_that_steps_back_and_clears() {
    dioxus::html::set_event_converter(Box::new(dioxus::html::SerializedHtmlEventConverter));
    let mut dom = VirtualDom::new(filter_bar_fixture);
    let mutations = dom.rebuild_to_vec();
    let html = dioxus::ssr::render(&dom);
    let crumbs: Vec<usize> = ["acme", "acme-17", "o1"]
        .iter()
        .map(|n| html.find(&format!(r#"class="crumb-name">{n}<"#)).unwrap())
        .collect();
    assert!(
        crumbs.windows(2).all(|w| w[0] < w[1]),
        "tenant › customer › model"
    );
    assert!(html.contains(r#"aria-label="Remove customer acme-17""#));
    // The field offers names of the chosen kind not already filtered.
    assert!(html.contains(r#"value="acme-3""#) && !html.contains(r#"<option value="acme-17""#));
    assert!(!html.contains(r#"value="gpt-4o""#));

    // Five buttons: All spend, a remove per crumb, and Back; each click
    // (on a fresh bar) offers one filter. Dioxus does not promise the order
    // listeners are created in, so the outcomes are compared as a set.
    let clicks = listeners(&mutations.edits, "click");
    assert_eq!(clicks.len(), 5);
    let mut outcomes: Vec<Filter> = (0..clicks.len())
        .map(|i| {
            let mut dom = VirtualDom::new(filter_bar_fixture);
            let ids = listeners(&dom.rebuild_to_vec().edits, "click");
            click(&mut dom, ids[i]);
            dom.in_runtime(|| CHANGED.peek().clone()).unwrap()
        })
        .collect();
    let shown = |f: &Filter| format!("{:?}", f.to_pairs());
    outcomes.sort_by_key(shown);
    let full = Filter::default()
        .with(Dimension::Tenant, "acme")
        .with(Dimension::Customer, "acme-17")
        .with(Dimension::Model, "o1");
    let mut expected = vec![
        Filter::default(),
        drill::remove(&full, Dimension::Tenant, "acme"),
        drill::remove(&full, Dimension::Customer, "acme-17"),
        // Remove the model and Back (which drops the last crumb) agree.
        drill::remove(&full, Dimension::Model, "o1"),
        drill::back(&full),
    ];
    expected.sort_by_key(shown);
    assert_eq!(outcomes, expected);
}

fn wall_bar(filter: Filter) -> String {
    fn fixture(filter: Filter) -> Element {
        rsx! { FilterBar { filter, suggestions: vec![], wall: true, on_change: move |_| {} } }
    }
    let mut dom = VirtualDom::new_with_props(fixture, filter);
    dom.rebuild_in_place();
    dioxus::ssr::render(&dom)
}

#[test]
fn filter_bar_on_the_wall_is_one_line_without_controls() {
    let html = wall_bar(Filter::default().with(Dimension::Tenant, "hooli"));
    assert!(html.contains("Showing only") && html.contains("<strong>hooli</strong>"));
    assert!(!html.contains("<button") && !html.contains("<input"));
    assert!(!wall_bar(Filter::default()).contains("Showing only"));
}

#[test]
fn spend_chart_stacks_each_bucket_by_model_in_dollars() {
    let mut pts = points(12);
    pts[3].missing = true;
    let bars: Vec<SpendBar> = pts
        .iter()
        .map(|p| SpendBar {
            point: *p,
            segments: if p.missing {
                vec![0.0, 0.0, 0.0]
            } else {
                vec![3.0, 1.5, 0.5]
            },
        })
        .collect();
    let view = SpendView {
        stack: StackBy::Model,
        keys: vec!["claude-opus-4".into(), "gpt-4o".into(), OTHER.into()],
        colors: vec![
            model_color("claude-opus-4"),
            model_color("gpt-4o"),
            OTHER_COLOR,
        ],
        bars,
        resolution: Duration::from_secs(5),
        from: pts[0].start,
        to: pts[11].start + TimeDelta::seconds(5),
        peak: 0.0,
    };
    let plain = view.clone();
    let html = dioxus::ssr::render_element(rsx! {
        SpendBars { view, markers: vec![], offset: utc() }
    });
    // Eleven buckets with data, three models each; the gap is one hatched rect.
    assert_eq!(count(&html, r#"class="segment""#), 33);
    assert_eq!(count(&html, "bar missing"), 1);
    assert!(html.contains("spend-gap-hatch") && html.contains("no data"));
    assert!(html.contains(&format!(r#"fill="{}""#, model_color("claude-opus-4"))));
    // Dollars on the axis and in the label; models named in the legend.
    assert!(html.contains(">$6.00<"), "{html}");
    assert!(html.contains("$55.00 in all"), "{html}");
    for name in ["Claude Opus 4", "GPT-4o", "Other models"] {
        assert!(html.contains(&format!("{name}</li>")), "{name}");
    }
    assert!(html.contains(r#"class="trend""#));
    assert!(!html.contains(r#"class="compare""#) && !html.contains("same time"));

    // Yesterday overlaid: a dashed path broken where yesterday is unknown,
    // named in the legend; the axis grows to hold yesterday's $8 peak.
    let mut values = vec![Some(4.0); 12];
    values[5] = None;
    values[9] = Some(8.0);
    let compare = CompareLine {
        label: "Yesterday",
        values,
    };
    let html = dioxus::ssr::render_element(rsx! {
        SpendBars { view: plain, markers: vec![], offset: utc(), compare }
    });
    assert_eq!(count(&html, r#"class="compare""#), 1);
    let d = html.split(r#"class="compare" d=""#).nth(1).unwrap_or("");
    assert_eq!(
        d.split('"').next().unwrap_or("").matches('M').count(),
        2,
        "{d}"
    );
    assert!(html.contains("Yesterday, same time</li>"), "{html}");
    assert!(html.contains(">$8.00<"), "{html}");
}

#[test]
fn month_to_date_shows_spend_forecast_and_each_budgets_burn() {
    use protocol::{Budget, BudgetStatus, BudgetsResponse, Projection, TenantProjection};
    use web::components::budget_panel::MonthToDate;
    let projection = |spent: f64, forecast: f64| Projection {
        spent_usd: spent,
        forecast_usd: forecast,
        forecast_low_usd: forecast * 0.9,
        forecast_high_usd: forecast * 1.1,
    };
    let status =
        |tenant: &str, usd: f64, spent: f64, forecast: f64, crosses: Option<&str>| BudgetStatus {
            budget: Budget {
                tenant_id: tenant.into(),
                customer_id: None,
                model: None,
                monthly_usd: usd,
            },
            projection: projection(spent, forecast),
            burn: spent / usd,
            forecast_burn: forecast / usd,
            crosses_on: crosses.map(Into::into),
        };
    let data = BudgetsResponse {
        month: "2026-12".into(),
        currency: "USD".into(),
        as_of: ts("2026-12-10T12:00:00Z"),
        total: projection(4_000.0, 12_000.0),
        tenants: vec![
            TenantProjection {
                tenant_id: "acme".into(),
                projection: projection(3_000.0, 9_000.0),
            },
            TenantProjection {
                tenant_id: "hooli".into(),
                projection: projection(1_000.0, 3_000.0),
            },
        ],
        budgets: vec![
            status("acme", 2_500.0, 3_000.0, 9_000.0, Some("2026-12-08")),
            status("hooli", 2_000.0, 1_000.0, 3_000.0, Some("2026-12-20")),
        ],
    };
    let html = dioxus::ssr::render_element(rsx! { MonthToDate { data } });
    assert!(
        html.contains("$4,000.00")
            && html.contains("$12,000.00")
            && html.contains("$10,800.00–$13,200.00"),
        "{html}"
    );
    assert!(
        html.contains(r#"data-state="over""#) && html.contains("reached on Dec 8"),
        "{html}"
    );
    assert!(html.contains(r#"data-state="warn""#) && html.contains("forecast to cross on Dec 20"));
    assert!(html.contains("$3,000.00 of $2,500.00"));
    assert!(html.contains(r#"role="meter""#) && html.contains(r#"style="width: 100.0%""#));
    assert!(
        html.contains("weekday rhythm"),
        "the forecast explains itself"
    );
    assert_eq!(count(&html, "<tr"), 3, "a header and two tenants");
}

#[test]
fn the_theme_toggle_says_dark_is_on_and_keeps_the_choice_in_the_settings() {
    use web::components::theme_toggle::ThemeToggle;
    use web::logic::settings::Theme;
    use web::state::SETTINGS;
    dioxus::html::set_event_converter(Box::new(dioxus::html::SerializedHtmlEventConverter));
    let mut dom = VirtualDom::new(|| rsx! { ThemeToggle {} });
    let mutations = dom.rebuild_to_vec();
    let html = dioxus::ssr::render(&dom);
    // No choice and no browser: the system's light theme, not pressed.
    assert!(html.contains(r#"aria-pressed="false""#), "{html}");
    assert!(html.contains(r#"aria-label="Dark theme""#), "{html}");
    assert!(html.contains("Dark"), "{html}");
    let toggle = listeners(&mutations.edits, "click")[0];
    click(&mut dom, toggle);
    assert_eq!(dom.in_runtime(|| SETTINGS.peek().theme), Some(Theme::Dark));
    assert!(
        dom.in_runtime(|| SETTINGS.peek().to_query())
            .contains("theme=dark")
    );
    let html = dioxus::ssr::render(&dom);
    assert!(html.contains(r#"aria-pressed="true""#), "{html}");
    assert!(html.contains("Switch to the light theme"), "{html}");
    click(&mut dom, toggle);
    assert_eq!(dom.in_runtime(|| SETTINGS.peek().theme), Some(Theme::Light));
}
