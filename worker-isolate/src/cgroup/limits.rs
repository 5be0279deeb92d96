//! Limits and usage, their validation, and the pure conversions to the values
//! written in cgroup files.

use super::CgroupError;

/// Limits applied to a job's cgroup. `None` leaves a resource unlimited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CgroupLimits {
    /// Hard memory limit in bytes (at least 1 MiB). Swap is not allowed past it:
    /// v2 also writes `memory.swap.max = 0`, v1 sets `memory.memsw.limit_in_bytes`
    /// to the same value, wherever those files exist.
    pub memory_max_bytes: Option<u64>,
    /// Maximum number of processes and threads (at least 1).
    pub pids_max: Option<u64>,
    /// CPU quota in cores, e.g. `0.5` for half a core (at least 0.01, at most
    /// 1,000,000), enforced over a 100 ms period.
    pub cpu_max_cores: Option<f64>,
    /// Relative CPU weight with cgroup v2 semantics, `1..=10000`, default 100.
    /// On v1 it becomes `cpu.shares = weight * 1024 / 100` (systemd's mapping,
    /// so the default weight 100 is the default 1024 shares).
    pub cpu_weight: Option<u16>,
    /// Bandwidth and iops limits per block device (v1 `blkio.throttle.*`, v2
    /// `io.max`).
    pub io_devices: Vec<IoDeviceLimit>,
    /// Relative io weight with cgroup v2 semantics, `1..=10000`, default 100.
    /// v2 writes `io.weight` (or `io.bfq.weight`, clamped to 1000); v1 writes
    /// `blkio.bfq.weight` (clamped to 1000) or, on kernels with CFQ,
    /// `blkio.weight = weight * 5` within 10..=1000. Only schedulers with
    /// proportional io control (BFQ, v2 iocost) act on it.
    pub io_weight: Option<u16>,
}

/// Io limits for one block device, named by its `major:minor` numbers.
///
/// The numbers are not checked here (the kernel refuses unknown devices when
/// the limit is written); workernator's `Limits` checks `/sys/dev/block` first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoDeviceLimit {
    /// The device's major number.
    pub major: u32,
    /// The device's minor number.
    pub minor: u32,
    /// Most bytes read per second.
    pub read_bps: Option<u64>,
    /// Most bytes written per second.
    pub write_bps: Option<u64>,
    /// Most read operations per second.
    pub read_iops: Option<u64>,
    /// Most write operations per second.
    pub write_iops: Option<u64>,
}

impl IoDeviceLimit {
    /// Each limit set, as (v1 file name, v2 `io.max` key, value).
    pub(super) fn entries(&self) -> impl Iterator<Item = (&'static str, &'static str, u64)> {
        [
            ("blkio.throttle.read_bps_device", "rbps", self.read_bps),
            ("blkio.throttle.write_bps_device", "wbps", self.write_bps),
            ("blkio.throttle.read_iops_device", "riops", self.read_iops),
            ("blkio.throttle.write_iops_device", "wiops", self.write_iops),
        ]
        .into_iter()
        .filter_map(|(file, key, value)| value.map(|value| (file, key, value)))
    }
}

/// Accounting read back from a job's cgroup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupUsage {
    /// CPU time spent in user mode, in nanoseconds (0 where no cpu accounting
    /// controller is available).
    pub cpu_user_ns: u64,
    /// CPU time spent in kernel mode, in nanoseconds.
    pub cpu_system_ns: u64,
    /// Highest memory use seen, in bytes; `None` where the kernel does not
    /// report it (v2 before Linux 5.19 has no `memory.peak`).
    pub memory_peak_bytes: Option<u64>,
    /// How many processes the OOM killer killed in this cgroup.
    pub oom_kills: u64,
    /// Bytes read from block devices (0 where no io accounting is available).
    /// On cgroup v1 buffered writes are flushed by the kernel's writeback
    /// threads and charged to the root cgroup, so only direct io and reads
    /// show up here; v2 charges writeback to the job.
    pub io_read_bytes: u64,
    /// Bytes written to block devices (see `io_read_bytes` for v1's limits).
    pub io_write_bytes: u64,
}

/// The smallest memory limit accepted.
pub(super) const MIN_MEMORY_BYTES: u64 = 1024 * 1024;
/// The CFS period used for cpu quotas, in microseconds (the kernel default).
pub(super) const CPU_PERIOD_US: u64 = 100_000;
const MIN_CPU_CORES: f64 = 0.01;
const MAX_CPU_CORES: f64 = 1_000_000.0;
const MAX_WEIGHT: u16 = 10_000;

impl CgroupLimits {
    /// Checks that every limit set makes sense, before anything is created.
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidLimit`] naming the rule broken.
    pub fn validate(&self) -> Result<(), CgroupError> {
        let invalid = |rule| Err(CgroupError::InvalidLimit { rule });
        if let Some(bytes) = self.memory_max_bytes {
            if bytes < MIN_MEMORY_BYTES {
                return invalid("memory_max_bytes must be at least 1 MiB (1048576 bytes)");
            }
            if i64::try_from(bytes).is_err() {
                return invalid("memory_max_bytes must be at most i64::MAX");
            }
        }
        if let Some(pids) = self.pids_max {
            if pids == 0 {
                return invalid("pids_max must be at least 1");
            }
            if i64::try_from(pids).is_err() {
                return invalid("pids_max must be at most i64::MAX");
            }
        }
        if let Some(cores) = self.cpu_max_cores {
            if cores.is_nan() || cores < MIN_CPU_CORES {
                return invalid(
                    "cpu_max_cores must be a number of at least 0.01 (1 ms per 100 ms period)",
                );
            }
            if !cores.is_finite() || cores > MAX_CPU_CORES {
                return invalid("cpu_max_cores must be finite and at most 1000000");
            }
        }
        if let Some(weight) = self.cpu_weight {
            if weight == 0 || weight > MAX_WEIGHT {
                return invalid("cpu_weight must be between 1 and 10000");
            }
        }
        if let Some(weight) = self.io_weight {
            if weight == 0 || weight > MAX_WEIGHT {
                return invalid("io_weight must be between 1 and 10000");
            }
        }
        for (index, device) in self.io_devices.iter().enumerate() {
            if device.entries().next().is_none() {
                return invalid("an io device limit must set at least one of read/write bps/iops");
            }
            if device.entries().any(|(_, _, value)| value == 0) {
                return invalid("io bps and iops limits must be at least 1");
            }
            if self.io_devices[..index]
                .iter()
                .any(|other| (other.major, other.minor) == (device.major, device.minor))
            {
                return invalid("each block device may appear only once in io limits");
            }
        }
        Ok(())
    }

    /// The controllers these limits need ("memory", "pids", "cpu", "io").
    pub fn needed_controllers(&self) -> Vec<&'static str> {
        let mut needed = Vec::new();
        if self.memory_max_bytes.is_some() {
            needed.push("memory");
        }
        if self.pids_max.is_some() {
            needed.push("pids");
        }
        if self.cpu_max_cores.is_some() || self.cpu_weight.is_some() {
            needed.push("cpu");
        }
        if !self.io_devices.is_empty() || self.io_weight.is_some() {
            needed.push("io");
        }
        needed
    }
}

/// Converts a validated number (memory bytes, pids) to the `i64` cgroups-rs
/// takes. Validation guarantees it fits; saturate rather than panic anyway.
pub(super) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Quota in microseconds per [`CPU_PERIOD_US`] for a validated core count.
pub(super) fn cpu_quota_us(cores: f64) -> i64 {
    // Validated to 0.01..=1e6 cores, so 1_000..=1e11 µs: the cast is exact
    // enough and cannot saturate.
    (cores * CPU_PERIOD_US as f64).round() as i64
}

/// v1 `blkio.bfq.weight` and v2 `io.bfq.weight` (1..=1000, default 100) for
/// a v2 io weight.
pub(super) fn io_weight_to_bfq(weight: u16) -> u64 {
    u64::from(weight).clamp(1, 1000)
}

/// v1 CFQ `blkio.weight` (10..=1000, default 500) for a v2 io weight.
pub(super) fn io_weight_to_cfq(weight: u16) -> u64 {
    (u64::from(weight) * 5).clamp(10, 1000)
}

/// cgroup v1 `cpu.shares` for a v2 weight: `weight * 1024 / 100`, within the
/// kernel's 2..=262144.
pub(super) fn weight_to_shares(weight: u16) -> u64 {
    (u64::from(weight) * 1024 / 100).clamp(2, 262_144)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(limits: CgroupLimits) -> &'static str {
        match limits.validate() {
            Err(CgroupError::InvalidLimit { rule }) => rule,
            other => panic!("expected InvalidLimit, got {other:?}"),
        }
    }

    #[test]
    fn default_is_valid_and_needs_nothing() {
        assert!(CgroupLimits::default().validate().is_ok());
        assert!(CgroupLimits::default().needed_controllers().is_empty());
    }

    #[test]
    fn sensible_limits_are_valid() {
        let limits = CgroupLimits {
            memory_max_bytes: Some(MIN_MEMORY_BYTES),
            pids_max: Some(1),
            cpu_max_cores: Some(0.5),
            cpu_weight: Some(10_000),
            io_devices: vec![IoDeviceLimit {
                major: 8,
                minor: 0,
                write_bps: Some(1),
                ..IoDeviceLimit::default()
            }],
            io_weight: Some(1),
        };
        assert!(limits.validate().is_ok());
        assert_eq!(
            limits.needed_controllers(),
            vec!["memory", "pids", "cpu", "io"]
        );
    }

    #[test]
    fn memory_rules() {
        let small = CgroupLimits {
            memory_max_bytes: Some(MIN_MEMORY_BYTES - 1),
            ..Default::default()
        };
        assert!(rule_of(small).contains("at least 1 MiB"));
        let huge = CgroupLimits {
            memory_max_bytes: Some(u64::MAX),
            ..Default::default()
        };
        assert!(rule_of(huge).contains("i64::MAX"));
    }

    #[test]
    fn pids_rules() {
        let zero = CgroupLimits {
            pids_max: Some(0),
            ..Default::default()
        };
        assert!(rule_of(zero).contains("at least 1"));
    }

    #[test]
    fn cpu_rules() {
        for cores in [0.0, -1.0, f64::NAN, 0.001, f64::NEG_INFINITY] {
            let limits = CgroupLimits {
                cpu_max_cores: Some(cores),
                ..Default::default()
            };
            assert!(rule_of(limits).contains("at least 0.01"), "{cores}");
        }
        for cores in [f64::INFINITY, 2e6] {
            let limits = CgroupLimits {
                cpu_max_cores: Some(cores),
                ..Default::default()
            };
            assert!(rule_of(limits).contains("at most"), "{cores}");
        }
    }

    #[test]
    fn weight_rules() {
        for weight in [0, 10_001, u16::MAX] {
            let limits = CgroupLimits {
                cpu_weight: Some(weight),
                ..Default::default()
            };
            assert!(rule_of(limits).contains("between 1 and 10000"));
        }
    }

    #[test]
    fn io_rules() {
        let device = IoDeviceLimit {
            major: 254,
            minor: 0,
            ..IoDeviceLimit::default()
        };
        let empty = CgroupLimits {
            io_devices: vec![device],
            ..Default::default()
        };
        assert!(rule_of(empty).contains("at least one of"));
        let zero = CgroupLimits {
            io_devices: vec![IoDeviceLimit {
                read_iops: Some(0),
                ..device
            }],
            ..Default::default()
        };
        assert!(rule_of(zero).contains("at least 1"));
        let limited = IoDeviceLimit {
            read_bps: Some(1 << 20),
            ..device
        };
        let twice = CgroupLimits {
            io_devices: vec![limited, limited],
            ..Default::default()
        };
        assert!(rule_of(twice).contains("only once"));
        for weight in [0, 10_001] {
            let limits = CgroupLimits {
                io_weight: Some(weight),
                ..Default::default()
            };
            assert!(rule_of(limits).contains("io_weight"));
        }
    }

    #[test]
    fn io_weight_conversions() {
        assert_eq!(io_weight_to_bfq(100), 100);
        assert_eq!(io_weight_to_bfq(10_000), 1000);
        assert_eq!(io_weight_to_cfq(100), 500);
        assert_eq!(io_weight_to_cfq(1), 10);
        assert_eq!(io_weight_to_cfq(10_000), 1000);
    }

    #[test]
    fn quota_conversion() {
        assert_eq!(cpu_quota_us(0.5), 50_000);
        assert_eq!(cpu_quota_us(2.0), 200_000);
        assert_eq!(cpu_quota_us(0.01), 1_000);
        assert_eq!(cpu_quota_us(1_000_000.0), 100_000_000_000);
    }

    #[test]
    fn weight_to_shares_keeps_defaults_and_kernel_range() {
        assert_eq!(weight_to_shares(100), 1024);
        assert_eq!(weight_to_shares(200), 2048);
        assert_eq!(weight_to_shares(1), 10);
        assert_eq!(weight_to_shares(10_000), 102_400);
        assert!(weight_to_shares(1) >= 2);
    }
}
