//! The playback clock of historical mode: a playhead moving through
//! `[from, to]` at a chosen speed, driven by wall-clock milliseconds.

use chrono::TimeDelta;
use protocol::Timestamp;

pub const SPEEDS: [u32; 7] = [1, 2, 10, 60, 300, 1_200, 3_600];

#[derive(Debug, Clone, PartialEq)]
pub struct Playback {
    pub from: Timestamp,
    pub to: Timestamp,
    pub position: Timestamp,
    /// Where "play" from the end rewinds to: the first bucket with data,
    /// so a replay never opens on an empty stretch.
    pub start: Timestamp,
    pub playing: bool,
    pub speed: u32,
    /// Wall-clock milliseconds of the last tick while playing.
    last_tick_ms: Option<f64>,
}

impl Playback {
    /// A stopped clock showing the whole range (playhead at the end).
    pub fn new(from: Timestamp, to: Timestamp) -> Self {
        Playback {
            from,
            to: to.max(from),
            position: to.max(from),
            start: from,
            playing: false,
            speed: 1,
            last_tick_ms: None,
        }
    }

    /// Rewinds to `first_data` (clamped to the range) instead of the range's start.
    pub fn starting_at(mut self, first_data: Option<Timestamp>) -> Self {
        if let Some(at) = first_data {
            self.start = at.clamp(self.from, self.to);
        }
        self
    }

    /// Starts playing; from the first data again when the playhead is at the end.
    pub fn play(&mut self, now_ms: f64) {
        if self.position >= self.to {
            self.position = self.start;
        }
        self.playing = true;
        self.last_tick_ms = Some(now_ms);
    }

    pub fn pause(&mut self) {
        self.playing = false;
        self.last_tick_ms = None;
    }

    pub fn set_speed(&mut self, speed: u32, now_ms: f64) {
        if SPEEDS.contains(&speed) {
            // Bank the time played at the old speed first.
            self.tick(now_ms);
            self.speed = speed;
        }
    }

    /// Moves the playhead by the wall time since the last tick × speed; stops at the end.
    pub fn tick(&mut self, now_ms: f64) {
        let Some(last) = self.last_tick_ms.filter(|_| self.playing) else {
            return;
        };
        let elapsed = (now_ms - last).max(0.0) * f64::from(self.speed);
        self.last_tick_ms = Some(now_ms);
        self.position += TimeDelta::milliseconds(elapsed as i64);
        if self.position >= self.to {
            self.position = self.to;
            self.pause();
        }
    }

    /// Jumps to a fraction (0–1) of the range, as the scrubber does.
    pub fn seek(&mut self, fraction: f64, now_ms: f64) {
        let span = (self.to - self.from).num_milliseconds() as f64;
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.position = self.from + TimeDelta::milliseconds((span * f) as i64);
        if self.playing {
            self.last_tick_ms = Some(now_ms);
        }
    }

    /// Where the playhead is, 0–1.
    pub fn progress(&self) -> f64 {
        let span = (self.to - self.from).num_milliseconds();
        if span <= 0 {
            return 1.0;
        }
        (self.position - self.from).num_milliseconds() as f64 / span as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hour() -> Playback {
        Playback::new(ts("2026-11-23T10:00:00Z"), ts("2026-11-23T11:00:00Z"))
    }

    #[test]
    fn starts_at_the_end_and_play_rewinds() {
        let mut p = hour();
        assert_eq!(p.progress(), 1.0);
        assert!(!p.playing);
        p.play(0.0);
        assert_eq!(p.position, p.from);
        assert!(p.playing);
    }

    #[test]
    fn advances_at_speed_and_stops_at_the_end() {
        let mut p = hour();
        p.play(1_000.0);
        p.tick(2_000.0);
        assert_eq!(p.position, ts("2026-11-23T10:00:01Z"));
        p.set_speed(60, 2_000.0);
        p.tick(3_000.0);
        assert_eq!(p.position, ts("2026-11-23T10:01:01Z"));
        p.set_speed(7, 3_000.0);
        assert_eq!(p.speed, 60);
        p.tick(100_000_000.0);
        assert_eq!(p.position, p.to);
        assert!(!p.playing);
    }

    #[test]
    fn pause_freezes_and_seek_jumps() {
        let mut p = hour();
        p.play(0.0);
        p.pause();
        p.tick(50_000.0);
        assert_eq!(p.position, p.from);
        p.seek(0.5, 50_000.0);
        assert_eq!(p.position, ts("2026-11-23T10:30:00Z"));
        assert_eq!(p.progress(), 0.5);
        p.seek(f64::NAN, 0.0);
        assert_eq!(p.position, p.from);
        // Playing from the middle continues from there, without a jump.
        p.seek(0.5, 0.0);
        p.play(10.0);
        p.tick(1_010.0);
        assert_eq!(p.position, ts("2026-11-23T10:30:01Z"));
    }

    #[test]
    fn play_from_the_end_rewinds_to_the_first_data() {
        let mut p = hour().starting_at(Some(ts("2026-11-23T10:40:00Z")));
        p.play(0.0);
        assert_eq!(p.position, ts("2026-11-23T10:40:00Z"));
        // Data before the range (or none) rewinds to the range's start.
        let mut p = hour().starting_at(Some(ts("2026-11-23T09:00:00Z")));
        p.play(0.0);
        assert_eq!(p.position, p.from);
        let mut p = hour().starting_at(None);
        p.play(0.0);
        assert_eq!(p.position, p.from);
    }

    #[test]
    fn time_going_backwards_does_not_rewind() {
        let mut p = hour();
        p.play(5_000.0);
        p.tick(4_000.0);
        assert_eq!(p.position, p.from);
    }
}
