//! Global state: one signal per concern, each with one owner that writes it.
//!
//! | signal | owner (the only writer) | readers |
//! |---|---|---|
//! | [`SETTINGS`] | the header controls (and the URL at start) | everyone |
//! | [`LINK`] | the feed service | connection indicator, age |
//! | [`STORE`] | the feed service (snapshots, resets) and its frame flush (updates) | panels, via `peek` on each [`VIEW_FRAME`] |
//! | [`VIEW_FRAME`] | the frame flush | panels' memos (subscribe here, not to `STORE`) |
//! | [`ANOMALIES`] | the anomaly service | anomaly panel, token chart markers, title |
//! | [`UNDO`] | the anomaly service | the anomaly panel's undo bar |
//! | [`HISTORY`] | the history service | panels in historical mode |
//! | [`PLAYBACK`] | the playback controls | panels in historical mode |
//! | [`BUDGETS`] | the budgets service | budget panel |
//! | [`COMPARISONS`] | the comparison service | spend chart overlay, gauge |
//! | [`NOW_SECOND`] | the clock service | age label, retry countdown |
//! | [`OVERDUE_SINCE`] | the clock service | every panel (dimmed, "as of"), live views, the outage banner |
//!
//! Panels never subscribe to `STORE` itself: the flush publishes at most one
//! `VIEW_FRAME` per animation frame, and none while the tab is hidden or the
//! view is paused, so bursts and hidden tabs cause no rendering.

use dioxus::prelude::*;

use crate::logic::anomaly_book::AnomalyBook;
use crate::logic::connection::{LinkState, Transport};
use crate::logic::playback::Playback;
use crate::logic::series::Series;
use crate::logic::settings::Settings;
use crate::logic::store::MetricStore;

pub static SETTINGS: GlobalSignal<Settings> = Signal::global(Settings::default);

/// The data connection as the indicator shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub state: LinkState,
    /// Wall-clock ms of the last message or response from the server.
    pub last_contact_ms: Option<f64>,
}

pub static LINK: GlobalSignal<Link> = Signal::global(|| Link {
    state: LinkState::Connecting(Transport::Socket),
    last_contact_ms: None,
});

pub static STORE: GlobalSignal<MetricStore> = Signal::global(MetricStore::default);
pub static VIEW_FRAME: GlobalSignal<u64> = Signal::global(|| 0);
pub static ANOMALIES: GlobalSignal<AnomalyBook> = Signal::global(AnomalyBook::default);

/// The viewer's last acknowledgement or dismissal, while it can be undone.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub id: String,
    /// What it was about (tenant, customer or model name), for the undo bar.
    pub entity: String,
    pub status: protocol::AnomalyStatus,
}

pub static UNDO: GlobalSignal<Option<Undo>> = Signal::global(|| None);

/// A historical range as loaded from `/api/metrics/history`.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    /// Live mode: nothing loaded.
    Idle,
    Loading,
    Loaded {
        series: Series,
        from: protocol::Timestamp,
        to: protocol::Timestamp,
    },
    Failed(String),
}

pub static HISTORY: GlobalSignal<History> = Signal::global(|| History::Idle);
/// Month to date and budgets for the filter (owner: the budgets service).
pub static BUDGETS: GlobalSignal<Option<protocol::BudgetsResponse>> = Signal::global(|| None);
/// The same spans yesterday and last week (owner: the comparison service).
pub static COMPARISONS: GlobalSignal<crate::logic::compare::Comparisons> =
    Signal::global(Default::default);
pub static PLAYBACK: GlobalSignal<Option<Playback>> = Signal::global(|| None);
pub static NOW_SECOND: GlobalSignal<u64> = Signal::global(|| 0);
/// Live data is overdue: the server's time of the last contact (owner: the
/// clock loop, which checks once a second). `None` while fresh, paused or
/// historical.
pub static OVERDUE_SINCE: GlobalSignal<Option<protocol::Timestamp>> = Signal::global(|| None);

/// This tab's access token, and whether the server refused the last request
/// for want of one (owner: the access service).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Access {
    pub token: Option<String>,
    pub refused: bool,
}

pub static ACCESS: GlobalSignal<Access> = Signal::global(Access::default);
