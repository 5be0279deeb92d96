//! What a job is: written once by the starter, read by the supervisor.

use super::Timestamp;
use crate::id::JobId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Resource limits of a job, enforced by its cgroup.
///
/// ```
/// let limits = workernator::Limits::default().memory_max_bytes(256 << 20).pids_max(64);
/// assert_eq!(limits.memory_max_bytes, Some(256 << 20));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// Hard memory limit in bytes; no swap beyond it. Default 1 GiB.
    pub memory_max_bytes: Option<u64>,
    /// Most processes and threads the job may have at once. Default 1024.
    pub pids_max: Option<u64>,
    /// CPU quota in cores (0.5 = half of one core). Default: none.
    pub cpu_max_cores: Option<f64>,
    /// CPU weight against other jobs, 1 to 10000 (cgroup v2 scale). Default: none.
    pub cpu_weight: Option<u16>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_max_bytes: Some(1 << 30),
            pids_max: Some(1024),
            cpu_max_cores: None,
            cpu_weight: None,
        }
    }
}

impl Limits {
    /// Sets the hard memory limit in bytes.
    pub fn memory_max_bytes(mut self, bytes: u64) -> Self {
        self.memory_max_bytes = Some(bytes);
        self
    }

    /// Sets the most processes and threads the job may have at once.
    pub fn pids_max(mut self, pids: u64) -> Self {
        self.pids_max = Some(pids);
        self
    }

    /// Sets the CPU quota in cores.
    pub fn cpu_max_cores(mut self, cores: f64) -> Self {
        self.cpu_max_cores = Some(cores);
        self
    }

    /// Sets the CPU weight (1 to 10000).
    pub fn cpu_weight(mut self, weight: u16) -> Self {
        self.cpu_weight = Some(weight);
        self
    }

    pub(crate) fn to_cgroup(&self) -> worker_isolate::cgroup::CgroupLimits {
        worker_isolate::cgroup::CgroupLimits {
            memory_max_bytes: self.memory_max_bytes,
            pids_max: self.pids_max,
            cpu_max_cores: self.cpu_max_cores,
            cpu_weight: self.cpu_weight,
        }
    }
}

/// Everything the supervisor needs to run one attempt of a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JobSpec {
    /// Format version of this file.
    pub(crate) format: u32,
    pub(crate) id: JobId,
    /// `Job::NAME` of the job's type.
    pub(crate) job_type: String,
    /// The job value, serialized.
    pub(crate) args: serde_json::Value,
    pub(crate) limits: Limits,
    /// How long a stopped job gets between SIGTERM and SIGKILL.
    pub(crate) stop_grace_ms: u64,
    /// Hidden from the sandbox.
    pub(crate) state_dir: PathBuf,
    /// Keep the work directory after the job ends.
    pub(crate) keep_work_dir: bool,
    /// The cgroup under which the job's own is made.
    pub(crate) cgroup_parent: String,
    pub(crate) attempt: u32,
    pub(crate) created_at: Timestamp,
    /// Most bytes of the job's stdout and stderr its log keeps.
    #[serde(default = "default_output_cap")]
    pub(crate) output_cap_bytes: u64,
}

fn default_output_cap() -> u64 {
    crate::output_log::DEFAULT_OUTPUT_CAP
}

impl JobSpec {
    pub(crate) const FORMAT: u32 = 1;
}
