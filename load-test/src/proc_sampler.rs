//! The server's RSS and CPU, sampled from `/proc/<pid>` once a second.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Linux reports CPU time in USER_HZ ticks, 100 per second on every
/// mainstream architecture.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub rss_kib: u64,
    /// user + system CPU time, in ticks.
    pub cpu_ticks: u64,
}

/// One reading of the process, or `None` if it is gone.
pub fn read(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample {
        rss_kib: parse_rss(&status)?,
        cpu_ticks: parse_cpu_ticks(&stat)?,
    })
}

fn parse_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime: fields 14 and 15, counted after the `(comm)` field, which may contain spaces.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // after_comm starts at field 3 (state).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// What the sampler saw over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerUsage {
    pub samples: usize,
    pub rss_start_mib: f64,
    pub rss_peak_mib: f64,
    pub rss_end_mib: f64,
    pub cpu_avg_percent: f64,
    pub cpu_peak_percent: f64,
}

#[derive(Debug)]
pub struct Sampler {
    pid: u32,
    first: Option<(Instant, Sample)>,
    last: Option<(Instant, Sample)>,
    peak_rss: u64,
    peak_cpu: f64,
    count: usize,
}

impl Sampler {
    pub fn new(pid: u32) -> Sampler {
        Sampler {
            pid,
            first: None,
            last: None,
            peak_rss: 0,
            peak_cpu: 0.0,
            count: 0,
        }
    }

    pub fn sample(&mut self) -> Option<Sample> {
        let now = Instant::now();
        let s = read(self.pid)?;
        if let Some((then, prev)) = self.last {
            self.peak_cpu = self.peak_cpu.max(cpu_percent(prev, s, now - then));
        }
        self.first.get_or_insert((now, s));
        self.last = Some((now, s));
        self.peak_rss = self.peak_rss.max(s.rss_kib);
        self.count += 1;
        Some(s)
    }

    pub fn usage(&self) -> ServerUsage {
        let mib = |kib: u64| kib as f64 / 1024.0;
        match (self.first, self.last) {
            (Some((t0, first)), Some((t1, last))) => ServerUsage {
                samples: self.count,
                rss_start_mib: mib(first.rss_kib),
                rss_peak_mib: mib(self.peak_rss),
                rss_end_mib: mib(last.rss_kib),
                cpu_avg_percent: cpu_percent(first, last, t1 - t0),
                cpu_peak_percent: self.peak_cpu,
            },
            _ => ServerUsage::default(),
        }
    }
}

/// CPU use between two samples, in percent of one core.
pub fn cpu_percent(a: Sample, b: Sample, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    b.cpu_ticks.saturating_sub(a.cpu_ticks) as f64 / TICKS_PER_SECOND / secs * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        let status = "Name:\tbackend\nVmPeak:\t  99 kB\nVmRSS:\t   16596 kB\n";
        assert_eq!(parse_rss(status), Some(16596));
        let stat = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 100 1000 400";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        assert_eq!(parse_rss("nothing"), None);
    }

    #[test]
    fn reads_this_process() {
        let mut sampler = Sampler::new(std::process::id());
        let s = sampler.sample().unwrap();
        assert!(s.rss_kib > 0);
        assert!(sampler.usage().rss_start_mib > 0.0);
        let a = Sample {
            rss_kib: 0,
            cpu_ticks: 100,
        };
        let b = Sample {
            rss_kib: 0,
            cpu_ticks: 150,
        };
        assert!((cpu_percent(a, b, Duration::from_secs(1)) - 50.0).abs() < 1e-9);
    }
}
