//! Resource limits of a job: a typed builder, validated before anything starts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use worker_isolate::cgroup::{CgroupError, CgroupLimits, IoDeviceLimit};

/// How much of a job's own output (stdout and stderr bytes) a log keeps by default.
pub const DEFAULT_OUTPUT_CAP: u64 = 1 << 30;

/// Where the kernel lists block devices by `major:minor`.
const SYS_DEV_BLOCK: &str = "/sys/dev/block";

/// Resource limits of a job, enforced by its cgroup.
///
/// Built like `std::process::Command`, each method returning the changed
/// value; checked by [`Limits::validate`] when a job starts, so nonsense
/// (0 cores, 1 byte of memory, a device that does not exist) is a
/// [`StartError::Limits`](crate::errors::StartError::Limits), not a sandbox that fails later.
///
/// ```
/// use workernator::{Limits, limits::BlockDevice};
///
/// let limits = Limits::default()
///     .memory_max_bytes(256 << 20)
///     .pids_max(64)
///     .cpu_max_cores(0.5)
///     .io_write_bps(BlockDevice::new(8, 0), 10 << 20);
/// assert_eq!(limits.memory_max_bytes, Some(256 << 20));
/// assert_eq!(limits.io[0].write_bps, Some(10 << 20));
/// assert!(Limits::default().cpu_max_cores(0.0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// Hard memory limit in bytes, at least 1 MiB; no swap beyond it. Default 1 GiB.
    pub memory_max_bytes: Option<u64>,
    /// Most processes and threads the job may have at once. Default 1024.
    pub pids_max: Option<u64>,
    /// CPU quota in cores (0.5 = half of one core), 0.01 or more. Default: none.
    pub cpu_max_cores: Option<f64>,
    /// CPU weight against other jobs, 1 to 10000 (cgroup v2 scale, 100 is
    /// the kernel's default). Default: none.
    pub cpu_weight: Option<u16>,
    /// Io bandwidth and iops limits, per block device. Default: none.
    #[serde(default)]
    pub io: Vec<IoLimit>,
    /// Io weight against other jobs, 1 to 10000 (cgroup v2 scale). Only io
    /// schedulers with proportional control act on it (BFQ; iocost on v2).
    /// Default: none.
    #[serde(default)]
    pub io_weight: Option<u16>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_max_bytes: Some(1 << 30),
            pids_max: Some(1024),
            cpu_max_cores: None,
            cpu_weight: None,
            io: Vec::new(),
            io_weight: None,
        }
    }
}

/// A block device, by its `major:minor` numbers (as in `/sys/dev/block`).
///
/// ```
/// use workernator::limits::BlockDevice;
/// let device: BlockDevice = "254:0".parse()?;
/// assert_eq!(device, BlockDevice::new(254, 0));
/// assert_eq!(device.to_string(), "254:0");
/// # Ok::<(), workernator::errors::InvalidBlockDevice>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockDevice {
    /// The major number.
    pub major: u32,
    /// The minor number.
    pub minor: u32,
}

impl BlockDevice {
    /// The device `major:minor`.
    pub fn new(major: u32, minor: u32) -> BlockDevice {
        BlockDevice { major, minor }
    }

    /// The whole disk that holds the file system of `path` (for a partition,
    /// its disk), or `None` if that file system has no block device (tmpfs,
    /// overlay, network file systems) or the disk cannot be found.
    ///
    /// # Errors
    ///
    /// `path` cannot be examined.
    pub fn holding(path: impl AsRef<Path>) -> std::io::Result<Option<BlockDevice>> {
        let stat = nix::sys::stat::stat(path.as_ref())?;
        let device = BlockDevice::new(
            nix::sys::stat::major(stat.st_dev) as u32,
            nix::sys::stat::minor(stat.st_dev) as u32,
        );
        let sys = Path::new(SYS_DEV_BLOCK);
        if !device.sysfs_dir(sys).exists() {
            return Ok(None);
        }
        Ok(Some(device.whole_disk(sys).unwrap_or(device)))
    }

    fn sysfs_dir(self, sys_dev_block: &Path) -> PathBuf {
        sys_dev_block.join(self.to_string())
    }

    /// For a partition, the disk it is on (`<dir>/../dev` in sysfs).
    fn whole_disk(self, sys_dev_block: &Path) -> Option<BlockDevice> {
        let dir = self.sysfs_dir(sys_dev_block);
        if !dir.join("partition").exists() {
            return None;
        }
        let text = std::fs::read_to_string(dir.join("..").join("dev")).ok()?;
        text.trim().parse().ok()
    }
}

impl fmt::Display for BlockDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.major, self.minor)
    }
}

/// A string that is not `major:minor`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a block device number: expected MAJOR:MINOR, like 8:0")]
pub struct InvalidBlockDevice {
    /// The text given.
    pub text: String,
}

impl FromStr for BlockDevice {
    type Err = InvalidBlockDevice;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidBlockDevice {
            text: text.to_owned(),
        };
        let (major, minor) = text.trim().split_once(':').ok_or_else(invalid)?;
        Ok(BlockDevice::new(
            major.parse().map_err(|_| invalid())?,
            minor.parse().map_err(|_| invalid())?,
        ))
    }
}

/// Io limits on one block device. Each `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IoLimit {
    /// The device (a whole disk, not a partition).
    pub device: BlockDevice,
    /// Most bytes read per second.
    pub read_bps: Option<u64>,
    /// Most bytes written per second.
    pub write_bps: Option<u64>,
    /// Most read operations per second.
    pub read_iops: Option<u64>,
    /// Most write operations per second.
    pub write_iops: Option<u64>,
}

impl IoLimit {
    fn new(device: BlockDevice) -> IoLimit {
        IoLimit {
            device,
            read_bps: None,
            write_bps: None,
            read_iops: None,
            write_iops: None,
        }
    }
}

/// Limits that cannot be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitsError {
    /// A value is out of range; `rule` says which rule it broke.
    #[error("invalid limit: {rule}")]
    Invalid {
        /// The rule broken, e.g. "cpu_max_cores must be a number of at least 0.01".
        rule: &'static str,
    },
    /// An io limit names a block device this machine does not have.
    #[error("invalid io limit: block device {device} does not exist (no {})", path.display())]
    NoSuchDevice {
        /// The device.
        device: BlockDevice,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// An io limit names a partition; the kernel throttles whole disks.
    #[error(
        "invalid io limit: block device {device} is a partition; io limits apply to whole disks{}",
        disk.map(|d| format!(" (use {d})")).unwrap_or_default()
    )]
    Partition {
        /// The partition.
        device: BlockDevice,
        /// The disk it is on, when sysfs says.
        disk: Option<BlockDevice>,
    },
    /// The host cannot enforce the limits (a cgroup controller is missing or
    /// not writable); say what is missing rather than run unlimited.
    #[error("the limits cannot be enforced on this host (see workernator::host::probe())")]
    Unenforceable {
        /// What the cgroup layer found.
        #[source]
        source: CgroupError,
    },
    /// Running rootless (as an ordinary user), the limits cannot be enforced:
    /// no cgroup v2 subtree with the controllers they need is delegated to
    /// the user, and the runner's policy ([`RootlessLimits::Require`](crate::sandbox::RootlessLimits::Require))
    /// forbids running without them.
    #[error(
        "running rootless (uid {uid}), the job's limits cannot be enforced: {reason}. \
         To enforce them, run as root, or delegate a cgroup v2 subtree to uid {uid} (systemd \
         delegates one to every user manager, Delegate=yes: start the application under it, \
         e.g. with `systemd-run --user --scope ...`); to run such jobs without limits \
         instead, set Config::rootless_limits(RootlessLimits::BestEffort)"
    )]
    Rootless {
        /// The user running the job.
        uid: u32,
        /// What is missing, e.g. "the memory controller is not delegated: ...".
        reason: String,
    },
}

impl Limits {
    /// No limits at all: the job gets a cgroup (for stopping and accounting)
    /// with nothing capped.
    pub fn unlimited() -> Self {
        Limits {
            memory_max_bytes: None,
            pids_max: None,
            cpu_max_cores: None,
            cpu_weight: None,
            io: Vec::new(),
            io_weight: None,
        }
    }

    /// Sets the hard memory limit in bytes (at least 1 MiB).
    pub fn memory_max_bytes(mut self, bytes: u64) -> Self {
        self.memory_max_bytes = Some(bytes);
        self
    }

    /// Sets the most processes and threads the job may have at once.
    pub fn pids_max(mut self, pids: u64) -> Self {
        self.pids_max = Some(pids);
        self
    }

    /// Sets the CPU quota in cores (0.01 to 1,000,000).
    pub fn cpu_max_cores(mut self, cores: f64) -> Self {
        self.cpu_max_cores = Some(cores);
        self
    }

    /// Sets the CPU weight (1 to 10000).
    pub fn cpu_weight(mut self, weight: u16) -> Self {
        self.cpu_weight = Some(weight);
        self
    }

    /// Sets the io weight (1 to 10000).
    pub fn io_weight(mut self, weight: u16) -> Self {
        self.io_weight = Some(weight);
        self
    }

    /// Limits reads from `device` to `bps` bytes per second.
    pub fn io_read_bps(self, device: BlockDevice, bps: u64) -> Self {
        self.io_on(device, |limit| limit.read_bps = Some(bps))
    }

    /// Limits writes to `device` to `bps` bytes per second.
    pub fn io_write_bps(self, device: BlockDevice, bps: u64) -> Self {
        self.io_on(device, |limit| limit.write_bps = Some(bps))
    }

    /// Limits reads from `device` to `iops` operations per second.
    pub fn io_read_iops(self, device: BlockDevice, iops: u64) -> Self {
        self.io_on(device, |limit| limit.read_iops = Some(iops))
    }

    /// Limits writes to `device` to `iops` operations per second.
    pub fn io_write_iops(self, device: BlockDevice, iops: u64) -> Self {
        self.io_on(device, |limit| limit.write_iops = Some(iops))
    }

    fn io_on(mut self, device: BlockDevice, set: impl FnOnce(&mut IoLimit)) -> Self {
        match self.io.iter_mut().find(|limit| limit.device == device) {
            Some(limit) => set(limit),
            None => {
                let mut limit = IoLimit::new(device);
                set(&mut limit);
                self.io.push(limit);
            }
        }
        self
    }

    /// Checks every value, and that each io device exists and is a whole disk.
    ///
    /// # Errors
    ///
    /// [`LimitsError::Invalid`], [`LimitsError::NoSuchDevice`],
    /// [`LimitsError::Partition`].
    pub fn validate(&self) -> Result<(), LimitsError> {
        self.validate_with(Path::new(SYS_DEV_BLOCK))
    }

    pub(crate) fn validate_with(&self, sys_dev_block: &Path) -> Result<(), LimitsError> {
        self.to_cgroup().validate().map_err(|error| match error {
            CgroupError::InvalidLimit { rule } => LimitsError::Invalid { rule },
            other => LimitsError::Unenforceable { source: other },
        })?;
        for limit in &self.io {
            let device = limit.device;
            let path = device.sysfs_dir(sys_dev_block);
            if !path.exists() {
                return Err(LimitsError::NoSuchDevice { device, path });
            }
            if path.join("partition").exists() {
                return Err(LimitsError::Partition {
                    device,
                    disk: device.whole_disk(sys_dev_block),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn to_cgroup(&self) -> CgroupLimits {
        CgroupLimits {
            memory_max_bytes: self.memory_max_bytes,
            pids_max: self.pids_max,
            cpu_max_cores: self.cpu_max_cores,
            cpu_weight: self.cpu_weight,
            io_devices: self
                .io
                .iter()
                .map(|limit| IoDeviceLimit {
                    major: limit.device.major,
                    minor: limit.device.minor,
                    read_bps: limit.read_bps,
                    write_bps: limit.write_bps,
                    read_iops: limit.read_iops,
                    write_iops: limit.write_iops,
                })
                .collect(),
            io_weight: self.io_weight,
        }
    }
}

#[cfg(test)]
mod tests;
