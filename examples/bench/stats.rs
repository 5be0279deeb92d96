//! Figures: samples reduced to median and p99, peers beside them, the targets of
//! issue 7, and the two ways of printing them (a table for people, JSON for tools).

use serde_json::{Map, Value, json};
use std::time::Duration;

/// Which way is better for a figure; decides what its "p99" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Times, sizes: p99 is the 99th percentile (the slow or big tail).
    Lower,
    /// Rates: p99 is the 1st percentile of the rates, i.e. the rate of the
    /// 99th-percentile-slow sample (the slow tail, like for times).
    Higher,
}

/// One figure of the benchmark, as `--json` prints it.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    pub median: f64,
    pub p99: f64,
    /// How many measurements the median and p99 come from.
    pub samples: usize,
    /// Peer name and its median; `None` when the peer was skipped (not installed).
    pub peers: Vec<(&'static str, Option<f64>)>,
    /// Extra medians worth seeing (a breakdown), printed and put in the JSON.
    pub detail: Vec<(&'static str, f64)>,
    /// One line on what exactly was measured.
    pub what: String,
}

impl Figure {
    pub fn new(
        name: &'static str,
        unit: &'static str,
        better: Better,
        values: &[f64],
        what: impl Into<String>,
    ) -> Figure {
        let p99 = match better {
            Better::Lower => percentile(values, 0.99),
            Better::Higher => percentile(values, 0.01),
        };
        Figure {
            name,
            unit,
            median: median(values),
            p99,
            samples: values.len(),
            peers: Vec::new(),
            detail: Vec::new(),
            what: what.into(),
        }
    }

    pub fn peer(mut self, name: &'static str, median: Option<f64>) -> Figure {
        self.peers.push((name, median));
        self
    }

    pub fn detail(mut self, name: &'static str, value: f64) -> Figure {
        self.detail.push((name, value));
        self
    }

    fn peer_median(&self, name: &str) -> Option<f64> {
        self.peers
            .iter()
            .find(|(peer, _)| *peer == name)
            .and_then(|(_, median)| *median)
    }

    pub fn to_json(&self) -> Value {
        let mut peers = Map::new();
        for (name, median) in &self.peers {
            peers.insert((*name).to_owned(), median.map_or(Value::Null, round3));
        }
        let mut entry = json!({
            "name": self.name,
            "unit": self.unit,
            "median": round3(self.median),
            "p99": round3(self.p99),
            "peers": peers,
            "samples": self.samples,
        });
        if !self.detail.is_empty() {
            let detail: Map<String, Value> = self
                .detail
                .iter()
                .map(|(name, value)| ((*name).to_owned(), round3(*value)))
                .collect();
            entry["detail"] = Value::Object(detail);
        }
        entry
    }
}

fn round3(value: f64) -> Value {
    json!((value * 1000.0).round() / 1000.0)
}

/// Milliseconds, as a float.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The median (mean of the two middle values for an even count); NaN if empty.
pub fn median(values: &[f64]) -> f64 {
    let sorted = sorted(values);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile (`q` in 0..=1): the smallest value with at least
/// `q` of the samples at or below it. NaN if empty.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let sorted = sorted(values);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `{"figures": [...]}`.
pub fn report_json(figures: &[Figure]) -> Value {
    json!({ "figures": figures.iter().map(Figure::to_json).collect::<Vec<_>>() })
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "-".to_owned()
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The human-readable table.
pub fn report_table(figures: &[Figure]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<20} {:>9} {:>9} {:<8} {:>7}  {}\n",
        "figure", "median", "p99", "unit", "n", "peers (median)"
    ));
    for figure in figures {
        let peers: Vec<String> = figure
            .peers
            .iter()
            .map(|(name, median)| match median {
                Some(median) => format!("{name} {}", number(*median)),
                None => format!("{name} skipped"),
            })
            .collect();
        out.push_str(&format!(
            "{:<20} {:>9} {:>9} {:<8} {:>7}  {}\n",
            figure.name,
            number(figure.median),
            number(figure.p99),
            figure.unit,
            figure.samples,
            peers.join(", ")
        ));
        if !figure.detail.is_empty() {
            let detail: Vec<String> = figure
                .detail
                .iter()
                .map(|(name, value)| format!("{name} {}", number(*value)))
                .collect();
            out.push_str(&format!("{:<20} ({})\n", "", detail.join(", ")));
        }
    }
    out.push_str("\nWhat each figure measures:\n");
    for figure in figures {
        out.push_str(&format!("  {:<19} {}\n", figure.name, figure.what));
    }
    out
}

/// One target of issue 7 and whether this run met it.
struct Check {
    target: String,
    value: String,
    /// `None` when the run cannot tell (a peer was skipped).
    met: Option<bool>,
}

/// The targets, evaluated on this run's figures (ratios from the same run).
pub fn report_targets(figures: &[Figure]) -> String {
    let find = |name: &str| figures.iter().find(|figure| figure.name == name);
    let mut checks = Vec::new();
    let mut ratio = |name: &str, peer: &str, limit: f64, at_most: bool| {
        let Some(figure) = find(name) else { return };
        let Some(base) = figure.peer_median(peer) else {
            checks.push(Check {
                target: format!("{name} vs {peer}"),
                value: format!("{peer} skipped"),
                met: None,
            });
            return;
        };
        let value = figure.median / base;
        let (op, met) = if at_most {
            ("<=", value <= limit)
        } else {
            (">=", value >= limit)
        };
        checks.push(Check {
            target: format!("{name} {op} {limit}x {peer}"),
            value: format!("{value:.2}x"),
            met: Some(met),
        });
    };
    ratio("start_exit", "bwrap", 0.6, true);
    ratio("start_exit_big_app", "small_app", 1.1, true);
    ratio("throughput_8", "bwrap", 1.6, false);
    ratio("output", "pipe_to_file", 0.7, false);
    let mut under = |name: &str, stat: &str, limit: f64, unit: &str| {
        let Some(figure) = find(name) else { return };
        let value = if stat == "p99" {
            figure.p99
        } else {
            figure.median
        };
        checks.push(Check {
            target: format!("{name} {stat} < {limit} {unit}"),
            value: format!("{} {unit}", number(value)),
            met: Some(value < limit),
        });
    };
    under("follow_latency", "p99", 5.0, "ms");
    under("stop_term", "median", 10.0, "ms");
    under("stop_kill", "median", 10.0, "ms");
    under("footprint_pss", "median", 2048.0, "KiB");
    under("app_growth", "median", 64.0, "KiB");
    under("open", "median", 100.0, "ms");
    under("list", "median", 100.0, "ms");
    let mut out = String::from("Targets of issue 7 (medians unless stated):\n");
    for check in checks {
        out.push_str(&format!(
            "  {:<6} {:<40} {}\n",
            match check.met {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "n/a",
            },
            check.target,
            check.value
        ));
    }
    out
}
