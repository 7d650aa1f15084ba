//! The viewer's settings and their place in the URL, so a view can be shared
//! and survives a reload: `?mode=historical&window=1h&interval=5`,
//! `?mode=historical&from=…&to=…`, `?mode=wall`, and how the view reads:
//! `?compare=1d|7d` (the spend chart's overlay), `?stack=tenant|customer`,
//! `?tz=utc` (times in UTC instead of the viewer's zone), `?theme=light|dark`
//! (the colours the viewer chose; none follows the system's, the wall is dark).

use protocol::filter::Dimension;
use protocol::time::{format_timestamp, parse_timestamp};
use protocol::validate::validate_id;
use protocol::{Filter, TimeWindow, Timestamp};

use super::compare::CompareWith;
use super::spend::StackBy;

/// Live follows now; historical replays a fixed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Live,
    Historical,
}

/// The time range panels cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The last N minutes/hours (relative to now, or to when historical mode was entered).
    Preset(TimeWindow),
    /// A fixed range (historical mode only).
    Custom { from: Timestamp, to: Timestamp },
}

impl Default for Range {
    fn default() -> Self {
        Range::Preset(TimeWindow::default())
    }
}

/// The page's colours. Chosen with the header's toggle and kept in the URL;
/// without a choice the system's preference is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The word in the URL and in the page root's `data-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme on screen: the one chosen, else the system's.
    pub fn shown(chosen: Option<Theme>, system_dark: bool) -> Theme {
        match chosen {
            Some(theme) => theme,
            None if system_dark => Theme::Dark,
            None => Theme::Light,
        }
    }

    pub fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// How often to poll when polling is the transport.
pub const POLL_INTERVALS_SECS: [u32; 4] = [1, 2, 5, 10];
pub const DEFAULT_POLL_SECS: u32 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub range: Range,
    pub poll_secs: u32,
    /// Wall display: no controls, large type, dark theme.
    pub wall: bool,
    /// The tenants, customers and models shown (`?tenant=acme&model=…`).
    pub filter: Filter,
    /// The earlier period the spend chart overlays, if any.
    pub compare: Option<CompareWith>,
    /// What the spend chart stacks its bars by.
    pub stack: StackBy,
    /// Times in UTC rather than the viewer's zone.
    pub utc: bool,
    /// The theme chosen with the toggle; `None` follows the system's. Never
    /// set on the wall, which is always dark.
    pub theme: Option<Theme>,
    /// Not in the URL: a paused view should not stay paused after a reload.
    pub paused: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Live,
            range: Range::default(),
            poll_secs: DEFAULT_POLL_SECS,
            wall: false,
            filter: Filter::default(),
            compare: None,
            stack: StackBy::Model,
            utc: false,
            theme: None,
            paused: false,
        }
    }
}

impl Settings {
    /// The preset window, which in live mode is always set (custom ranges are historical).
    pub fn window(&self) -> TimeWindow {
        match self.range {
            Range::Preset(w) => w,
            Range::Custom { .. } => TimeWindow::default(),
        }
    }

    /// The page root's `data-theme`: the wall's dark, the viewer's choice,
    /// or none, which leaves the stylesheet to follow the system.
    pub fn root_theme(&self) -> Option<Theme> {
        if self.wall {
            Some(Theme::Dark)
        } else {
            self.theme
        }
    }

    /// Reads settings from a query string (with or without `?`); anything
    /// unknown or malformed falls back to the default for that field.
    pub fn from_query(query: &str) -> Settings {
        let mut s = Settings::default();
        let (mut from, mut to) = (None, None);
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            match (key.as_ref(), value.as_ref()) {
                ("mode", "live") => s.mode = Mode::Live,
                ("mode", "historical") => s.mode = Mode::Historical,
                ("mode", "wall") => s.wall = true,
                ("window", w) => {
                    if let Some(w) = TimeWindow::parse(w) {
                        s.range = Range::Preset(w);
                    }
                }
                ("interval", i) => {
                    if let Some(i) = i.parse().ok().filter(|i| POLL_INTERVALS_SECS.contains(i)) {
                        s.poll_secs = i;
                    }
                }
                ("compare", c) => s.compare = CompareWith::parse(c),
                ("stack", k) => s.stack = StackBy::parse(k).unwrap_or_default(),
                ("tz", z) => s.utc = z == "utc",
                ("theme", t) => s.theme = Theme::parse(t),
                ("from", t) => from = parse_timestamp(t).ok(),
                ("to", t) => to = parse_timestamp(t).ok(),
                (key, name) => {
                    // A hand-edited name the server would refuse is left out.
                    if let Some(d) = Dimension::from_param(key)
                        && validate_id(key, name.trim()).is_ok()
                    {
                        s.filter = std::mem::take(&mut s.filter).with(d, name.trim());
                    }
                }
            }
        }
        if s.wall {
            // The wall is a live display in its dark theme, whatever else the URL says.
            s.mode = Mode::Live;
            s.theme = None;
        } else if let (Mode::Historical, Some(from), Some(to)) = (s.mode, from, to)
            && from < to
        {
            s.range = Range::Custom { from, to };
        }
        s
    }

    /// The query string for these settings; defaults are left out to keep URLs short.
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if self.wall {
            q.append_pair("mode", "wall");
        } else if self.mode == Mode::Historical {
            q.append_pair("mode", "historical");
        }
        match self.range {
            Range::Preset(w) if w != TimeWindow::default() => {
                q.append_pair("window", w.as_str());
            }
            Range::Preset(_) => {}
            Range::Custom { from, to } => {
                q.append_pair("from", &format_timestamp(from));
                q.append_pair("to", &format_timestamp(to));
            }
        }
        if self.poll_secs != DEFAULT_POLL_SECS {
            q.append_pair("interval", &self.poll_secs.to_string());
        }
        for (key, name) in self.filter.to_pairs() {
            q.append_pair(key, name);
        }
        if let Some(c) = self.compare {
            q.append_pair("compare", c.as_str());
        }
        if self.stack != StackBy::Model {
            q.append_pair("stack", self.stack.as_str());
        }
        if self.utc {
            q.append_pair("tz", "utc");
        }
        if let Some(t) = self.theme {
            q.append_pair("theme", t.as_str());
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_an_empty_query() {
        assert_eq!(Settings::default().to_query(), "");
        assert_eq!(Settings::from_query(""), Settings::default());
    }

    #[test]
    fn round_trips() {
        let mut s = Settings {
            mode: Mode::Historical,
            range: Range::Preset(TimeWindow::OneHour),
            poll_secs: 5,
            ..Settings::default()
        };
        assert_eq!(s.to_query(), "?mode=historical&window=1h&interval=5");
        assert_eq!(Settings::from_query(&s.to_query()), s);
        s.range = Range::Custom {
            from: "2026-11-23T08:00:00Z".parse().unwrap(),
            to: "2026-11-23T09:30:00Z".parse().unwrap(),
        };
        let q = s.to_query();
        assert!(q.contains("from=2026-11-23T08%3A00%3A00.000Z"), "{q}");
        assert_eq!(Settings::from_query(&q), s);
    }

    #[test]
    fn the_filter_is_kept_in_the_url() {
        let s = Settings::from_query("?mode=wall&tenant=acme&model=claude-opus-4&tenant=hooli");
        assert_eq!(s.filter.tenants, ["acme", "hooli"]);
        assert_eq!(s.filter.models, ["claude-opus-4"]);
        assert!(s.wall);
        assert_eq!(
            s.to_query(),
            "?mode=wall&tenant=acme&tenant=hooli&model=claude-opus-4"
        );
        assert_eq!(Settings::from_query(&s.to_query()), s);
        let bad = Settings::from_query("?customer=&customer=%E2%80%AEx&customer=ok%20one");
        assert_eq!(bad.filter.customers, ["ok one"]);
    }

    #[test]
    fn wall_mode_is_live_and_bad_values_fall_back() {
        let s = Settings::from_query("?mode=wall&window=15m");
        assert!(s.wall);
        assert_eq!(s.mode, Mode::Live);
        assert_eq!(s.window(), TimeWindow::FifteenMinutes);
        assert_eq!(s.to_query(), "?mode=wall&window=15m");
        let bad = Settings::from_query("window=7m&interval=3&mode=sideways&from=yesterday");
        assert_eq!(bad, Settings::default());
        // A custom range needs historical mode and from < to.
        let live = Settings::from_query("from=2026-11-23T08:00:00Z&to=2026-11-23T09:00:00Z");
        assert_eq!(live.range, Range::default());
        let reversed = Settings::from_query(
            "mode=historical&from=2026-11-23T09:00:00Z&to=2026-11-23T08:00:00Z",
        );
        assert_eq!(reversed.range, Range::default());
    }

    #[test]
    fn how_the_view_reads_is_kept_in_the_url() {
        let s = Settings::from_query("?compare=7d&stack=tenant&tz=utc&tenant=acme");
        assert_eq!(s.compare, Some(CompareWith::LastWeek));
        assert_eq!(s.stack, StackBy::Tenant);
        assert!(s.utc);
        assert_eq!(s.to_query(), "?tenant=acme&compare=7d&stack=tenant&tz=utc");
        assert_eq!(Settings::from_query(&s.to_query()), s);
        let odd = Settings::from_query("?compare=2d&stack=colour&tz=mars");
        assert_eq!(odd, Settings::default());
    }

    #[test]
    fn the_chosen_theme_is_kept_in_the_url_and_the_wall_stays_dark() {
        let s = Settings::from_query("?theme=dark&tz=utc");
        assert_eq!(s.theme, Some(Theme::Dark));
        assert_eq!(s.to_query(), "?tz=utc&theme=dark");
        assert_eq!(Settings::from_query(&s.to_query()), s);
        assert_eq!(s.root_theme(), Some(Theme::Dark));
        let light = Settings::from_query("theme=light");
        assert_eq!(light.to_query(), "?theme=light");
        assert_eq!(light.root_theme(), Some(Theme::Light));
        // No choice (or a word it does not know) follows the system.
        for query in ["", "?theme=sepia", "?theme=DARK"] {
            let s = Settings::from_query(query);
            assert_eq!(s.theme, None, "{query}");
            assert_eq!(s.root_theme(), None, "{query}");
        }
        assert_eq!(Theme::shown(None, true), Theme::Dark);
        assert_eq!(Theme::shown(None, false), Theme::Light);
        assert_eq!(Theme::shown(Some(Theme::Light), true), Theme::Light);
        assert_eq!(Theme::Light.other(), Theme::Dark);
        assert_eq!(Theme::Dark.other(), Theme::Light);
        // The wall is dark whatever the URL asks, and does not keep the word.
        let wall = Settings::from_query("?mode=wall&theme=light");
        assert_eq!(wall.root_theme(), Some(Theme::Dark));
        assert_eq!(wall.to_query(), "?mode=wall");
    }
}
