//! What a job is: written once by the starter, read by the supervisor.

use crate::model::id::JobId;
use crate::model::limits::Limits;
use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::OnceLock;
use worker_isolate::cgroup::{CgroupError, CgroupRoot, CgroupVersion};

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
    pub(crate) retry: crate::model::retry::RetryPolicy,
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
    pub(crate) sandbox: crate::model::sandbox::SandboxSpec,
    pub(crate) attempt: u32,
    pub(crate) created_at: Timestamp,
    /// Most bytes of the job's stdout and stderr its log keeps.
    #[serde(default = "default_output_cap")]
    pub(crate) output_cap_bytes: u64,
    /// The host's cgroup layout as the starter found it; the supervisor
    /// detects it itself when absent.
    #[serde(default)]
    pub(crate) cgroup_layout: Option<CgroupLayout>,
}

/// The host's cgroup layout, found once by the starting process and handed to
/// each supervisor in the spec, which then skips the detection (about 26 system
/// calls on a cgroup v1 host) at the cost of one check (see
/// [`CgroupRoot::from_layout`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CgroupLayout {
    /// 1 or 2.
    pub(crate) version: u8,
    pub(crate) root: PathBuf,
    /// On v1, each controller and the directory of its hierarchy.
    #[serde(default)]
    pub(crate) controllers: Vec<(String, PathBuf)>,
}

impl CgroupLayout {
    /// The layout at the default root, detected once per process; `None`
    /// where there is none (the supervisor then reports that itself).
    pub(crate) fn detected() -> Option<CgroupLayout> {
        static LAYOUT: OnceLock<Option<CgroupLayout>> = OnceLock::new();
        LAYOUT
            .get_or_init(|| {
                let root = CgroupRoot::detect().ok()?;
                let (version, controllers) = match root.version() {
                    CgroupVersion::V1 => (1, root.controllers().ok()?),
                    CgroupVersion::V2 => (2, Vec::new()),
                };
                Some(CgroupLayout {
                    version,
                    root: root.path().to_owned(),
                    controllers,
                })
            })
            .clone()
    }

    /// The cgroup root this layout describes.
    pub(crate) fn root(&self) -> Result<CgroupRoot, CgroupError> {
        let version = if self.version == 2 {
            CgroupVersion::V2
        } else {
            CgroupVersion::V1
        };
        CgroupRoot::from_layout(&self.root, version, &self.controllers)
    }
}

fn default_output_cap() -> u64 {
    crate::model::limits::DEFAULT_OUTPUT_CAP
}

impl JobSpec {
    pub(crate) const FORMAT: u32 = 1;
}

#[cfg(test)]
mod tests;
