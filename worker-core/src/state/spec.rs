//! What a job is: written once by the starter, read by the supervisor.

use super::Timestamp;
use crate::id::JobId;
pub use crate::limits::Limits;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    /// Stop the job when the application that started it exits.
    #[serde(default)]
    pub(crate) tied_to_application: bool,
    /// How failed attempts are retried.
    #[serde(default)]
    pub(crate) retry: crate::retry::RetryPolicy,
    /// Wall-clock limit of each attempt, in milliseconds.
    #[serde(default)]
    pub(crate) timeout_ms: Option<u64>,
    /// Do not start before this time.
    #[serde(default)]
    pub(crate) not_before: Option<Timestamp>,
    /// Owner, priority, uniqueness key and size, for admission.
    #[serde(default)]
    pub(crate) request: crate::admission::Request,
    /// Network, user, mounts and rlimits of the sandbox.
    #[serde(default)]
    pub(crate) sandbox: crate::options::SandboxSpec,
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
