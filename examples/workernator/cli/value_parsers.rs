//! clap value parsers for the options' values: sizes (`64M`), durations
//! (`30s`), devices (`8:0`), io rates (`8:0=10M`), cpu cores, names, states
//! and policies. Each returns a [`ValueError`] that says what was expected;
//! [`super::errors`] puts the option and the value given in front of it.

use crate::render::state::State;
use std::path::PathBuf;
use std::time::Duration;
use workernator::sandbox::RootlessLimits;

/// A value an option cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ValueError {
    /// Not of the expected form: "invalid value 'x' for --opt: {expected}".
    #[error("{expected}")]
    Invalid { expected: &'static str },
    /// Not one of a few names: "unknown {what} 'x': use one of {names}".
    #[error("use one of {names}")]
    Unknown { what: &'static str, names: String },
    /// Empty where something is needed: "--opt needs {needs}".
    #[error("needs {needs}")]
    Empty { needs: &'static str },
}

impl ValueError {
    /// The whole message, for `value` given to `option`.
    pub(crate) fn message(&self, option: &str, value: &str) -> String {
        match self {
            ValueError::Invalid { expected } => {
                format!("invalid value '{value}' for {option}: {expected}")
            }
            ValueError::Unknown { what, names } => {
                format!("unknown {what} '{value}': use one of {names}")
            }
            ValueError::Empty { needs } => format!("{option} needs {needs}"),
        }
    }
}

/// A block device, by its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Device {
    pub(crate) major: u32,
    pub(crate) minor: u32,
}

/// A bandwidth limit on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IoRate {
    pub(crate) device: Device,
    pub(crate) bytes_per_second: u64,
}

/// Which network a job gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    /// Its own namespace with loopback only.
    None,
    /// The host's network.
    Host,
}

const SIZE: &str =
    "a size in bytes, with an optional K, M, G or T suffix (powers of 1024), e.g. 64M";
const DURATION: &str = "a duration like 500ms, 30s, 5m, 2h or 1h30m (a bare number is seconds)";
const CORES: &str = "a number of cores from 0.01 to 4096, e.g. 0.5 or 2";
const COUNT: &str = "a whole number from 1";
const IO_RATE: &str = "<major>:<minor>=<rate>, e.g. 8:0=10M (bytes per second, with K, M, G or T)";
const NETWORK: &str = "none or host";
const OWNER: &str = "1 to 64 characters from A-Z a-z 0-9 _ . @ -";
const ROOTLESS_LIMITS: &str = "best-effort or require";

fn invalid(expected: &'static str) -> ValueError {
    ValueError::Invalid { expected }
}

/// `64M`, `1G`, `512k`, `1024`, `64MiB`, `64MB`: bytes, suffixes are powers of 1024.
/// Zero is refused: no limit is ever zero bytes.
pub(crate) fn size(text: &str) -> Result<u64, ValueError> {
    parse_size(text)
        .filter(|bytes| *bytes > 0)
        .ok_or(invalid(SIZE))
}

fn parse_size(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    let number: u64 = digits.parse().ok()?;
    let suffix = suffix.to_ascii_uppercase();
    let suffix = suffix
        .strip_suffix("IB")
        .or_else(|| suffix.strip_suffix('B'))
        .unwrap_or(&suffix);
    let shift = match suffix {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return None,
    };
    number.checked_mul(1u64 << shift)
}

/// `500ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`, or a bare number of seconds.
pub(crate) fn duration(text: &str) -> Result<Duration, ValueError> {
    parse_duration(text)
        .filter(|duration| !duration.is_zero())
        .ok_or(invalid(DURATION))
}

fn parse_duration(text: &str) -> Option<Duration> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(text.parse().ok()?));
    }
    let mut rest = text;
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
        let (digits, after) = rest.split_at(digits_end);
        let number: u64 = digits.parse().ok()?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let millis_per_unit: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        total = total.checked_add(Duration::from_millis(number.checked_mul(millis_per_unit)?))?;
        rest = next;
    }
    Some(total)
}

/// `0.5`, `2`: cores of cpu quota, from 0.01 (1 ms per 100 ms) to 4096.
pub(crate) fn cores(text: &str) -> Result<f64, ValueError> {
    text.parse::<f64>()
        .ok()
        .filter(|cores| cores.is_finite() && (0.01..=4096.0).contains(cores))
        .ok_or(invalid(CORES))
}

/// A whole number from 1.
pub(crate) fn count(text: &str) -> Result<u64, ValueError> {
    text.parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(invalid(COUNT))
}

/// `8:0=10M`: a device and its rate in bytes per second.
pub(crate) fn io_rate(text: &str) -> Result<IoRate, ValueError> {
    let parsed = text.split_once('=').and_then(|(device, rate)| {
        let (major, minor) = device.split_once(':')?;
        Some(IoRate {
            device: Device {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
            },
            bytes_per_second: parse_size(rate).filter(|rate| *rate > 0)?,
        })
    });
    parsed.ok_or(invalid(IO_RATE))
}

/// `none` or `host`.
pub(crate) fn network(text: &str) -> Result<Network, ValueError> {
    match text {
        "none" => Ok(Network::None),
        "host" => Ok(Network::Host),
        _ => Err(invalid(NETWORK)),
    }
}

/// An owner's name: `A-Z a-z 0-9 _ . @ -`, 1 to 64 characters.
pub(crate) fn owner(text: &str) -> Result<String, ValueError> {
    let valid = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(invalid(OWNER))
    }
}

/// A job state as `jobs list --state` names it.
pub(crate) fn state(text: &str) -> Result<State, ValueError> {
    State::parse(text).ok_or_else(|| {
        let names: Vec<_> = State::ALL.iter().map(|s| s.as_str()).collect();
        ValueError::Unknown {
            what: "state",
            names: names.join(", "),
        }
    })
}

/// A directory that is named (an empty path would be the current one by accident).
pub(crate) fn directory(text: &str) -> Result<PathBuf, ValueError> {
    if text.is_empty() {
        return Err(ValueError::Empty {
            needs: "a directory",
        });
    }
    Ok(PathBuf::from(text))
}

/// `best-effort` or `require`: what a start without root does when no
/// cgroup can enforce the job's limits.
pub(crate) fn rootless_limits(text: &str) -> Result<RootlessLimits, ValueError> {
    match text {
        "best-effort" => Ok(RootlessLimits::BestEffort),
        "require" => Ok(RootlessLimits::Require),
        _ => Err(invalid(ROOTLESS_LIMITS)),
    }
}

/// The name [`rootless_limits`] reads for `policy`.
pub(crate) fn rootless_limits_name(policy: RootlessLimits) -> &'static str {
    match policy {
        RootlessLimits::BestEffort => "best-effort",
        RootlessLimits::Require => "require",
        // A policy a later library version adds; this CLI never sets one.
        _ => "other",
    }
}

#[cfg(test)]
#[path = "value_parsers_tests.rs"]
mod tests;
