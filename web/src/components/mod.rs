//! UI components, one per file. Panels read their view through
//! `hooks::use_panel_view`; presentational parts take plain props so
//! component tests can render them with given data.

pub mod announcer;
pub mod anomaly_item;
pub mod anomaly_list;
pub mod anomaly_row;
pub mod budget_panel;
pub mod connection_indicator;
pub mod cost_gauge;
pub mod csv_button;
pub mod data_age;
pub mod date_range_picker;
pub mod drill_button;
pub mod filter_bar;
pub mod header;
pub mod model_breakdown;
pub mod outage_banner;
pub mod panel;
pub mod playback_controls;
pub mod poll_controls;
pub mod sign_in;
pub mod sparkline;
pub mod spend_bars;
pub mod spend_chart;
pub mod theme_toggle;
pub mod token_chart;
pub mod top_customers;
pub mod wall_clock;
pub mod window_controls;
pub mod zone_toggle;
