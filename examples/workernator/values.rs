//! The values of command-line options: sizes (`64M`), durations (`30s`),
//! devices (`8:0`), io rates (`8:0=10M`), cpu cores, names. Each parser
//! returns a [`ValueError`] that says what was expected.

use std::time::Duration;

/// A value an option cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value '{value}' for {option}: {expected}")]
pub(crate) struct ValueError {
    /// The option, e.g. `--memory`.
    pub(crate) option: &'static str,
    /// What was given.
    pub(crate) value: String,
    /// What would do.
    pub(crate) expected: &'static str,
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

fn invalid(option: &'static str, value: &str, expected: &'static str) -> ValueError {
    ValueError {
        option,
        value: value.to_owned(),
        expected,
    }
}

/// `64M`, `1G`, `512k`, `1024`, `64MiB`, `64MB`: bytes, suffixes are powers of 1024.
/// Zero is refused: no limit is ever zero bytes.
pub(crate) fn size(option: &'static str, text: &str) -> Result<u64, ValueError> {
    parse_size(text)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| invalid(option, text, SIZE))
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
pub(crate) fn duration(option: &'static str, text: &str) -> Result<Duration, ValueError> {
    parse_duration(text)
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| invalid(option, text, DURATION))
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
pub(crate) fn cores(option: &'static str, text: &str) -> Result<f64, ValueError> {
    text.parse::<f64>()
        .ok()
        .filter(|cores| cores.is_finite() && (0.01..=4096.0).contains(cores))
        .ok_or_else(|| invalid(option, text, CORES))
}

/// A whole number from 1.
pub(crate) fn count(option: &'static str, text: &str) -> Result<u64, ValueError> {
    text.parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| invalid(option, text, COUNT))
}

/// `8:0=10M`: a device and its rate in bytes per second.
pub(crate) fn io_rate(option: &'static str, text: &str) -> Result<IoRate, ValueError> {
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
    parsed.ok_or_else(|| invalid(option, text, IO_RATE))
}

/// `none` or `host`.
pub(crate) fn network(option: &'static str, text: &str) -> Result<Network, ValueError> {
    match text {
        "none" => Ok(Network::None),
        "host" => Ok(Network::Host),
        _ => Err(invalid(option, text, NETWORK)),
    }
}

/// An owner's name: `A-Z a-z 0-9 _ . @ -`, 1 to 64 characters.
pub(crate) fn owner(option: &'static str, text: &str) -> Result<String, ValueError> {
    let valid = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(invalid(option, text, OWNER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size("--memory", "64M"), Ok(64 << 20));
        assert_eq!(size("--memory", "1G"), Ok(1 << 30));
        assert_eq!(size("--memory", "512k"), Ok(512 << 10));
        assert_eq!(size("--memory", "64MiB"), Ok(64 << 20));
        assert_eq!(size("--memory", "64MB"), Ok(64 << 20));
        assert_eq!(size("--memory", "2T"), Ok(2 << 40));
        assert_eq!(size("--memory", "1000"), Ok(1000));
        for bad in [
            "",
            "M",
            "0",
            "0M",
            "1.5G",
            "-1M",
            "64X",
            "99999999999T",
            "1 G",
        ] {
            assert!(size("--memory", bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            size("--memory", "lots").unwrap_err().to_string(),
            "invalid value 'lots' for --memory: a size in bytes, with an optional K, M, G or T suffix (powers of 1024), e.g. 64M"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration("--timeout", "30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("--timeout", "5m"), Ok(Duration::from_secs(300)));
        assert_eq!(
            duration("--timeout", "500ms"),
            Ok(Duration::from_millis(500))
        );
        assert_eq!(
            duration("--timeout", "1h30m"),
            Ok(Duration::from_secs(5400))
        );
        assert_eq!(
            duration("--timeout", "2d"),
            Ok(Duration::from_secs(172_800))
        );
        assert_eq!(duration("--timeout", "45"), Ok(Duration::from_secs(45)));
        for bad in ["", "s", "0s", "5 m", "5x", "1.5s", "m5", "-5s", "5s5"] {
            assert!(duration("--timeout", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn cores_and_counts() {
        assert_eq!(cores("--cpu", "0.5"), Ok(0.5));
        assert_eq!(cores("--cpu", "2"), Ok(2.0));
        for bad in ["0", "0.001", "-1", "NaN", "inf", "", "two", "5000"] {
            assert!(cores("--cpu", bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(count("--pids", "64"), Ok(64));
        assert!(count("--pids", "0").is_err());
        assert!(count("--pids", "-3").is_err());
    }

    #[test]
    fn io_rates() {
        assert_eq!(
            io_rate("--io-read-bps", "8:0=10M"),
            Ok(IoRate {
                device: Device { major: 8, minor: 0 },
                bytes_per_second: 10 << 20
            })
        );
        assert_eq!(
            io_rate("--io-write-bps", "259:3=1048576").map(|r| r.bytes_per_second),
            Ok(1 << 20)
        );
        for bad in [
            "8:0", "8=10M", "8:0=", "a:b=1M", "8:0=0", ":0=1M", "8:0=1M=2",
        ] {
            assert!(io_rate("--io-read-bps", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn networks_and_owners() {
        assert_eq!(network("--net", "host"), Ok(Network::Host));
        assert_eq!(network("--net", "none"), Ok(Network::None));
        assert!(network("--net", "bridge").is_err());
        assert_eq!(owner("--owner", "alice@team-1"), Ok("alice@team-1".into()));
        assert!(owner("--owner", "").is_err());
        assert!(owner("--owner", "a b").is_err());
        assert!(owner("--owner", &"x".repeat(65)).is_err());
    }
}
