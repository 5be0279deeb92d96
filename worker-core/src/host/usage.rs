//! A job's resource usage, from its cgroup's accounting: final in the status
//! once the job ended, read live while it runs.

use crate::model::time::Timestamp;
use crate::state::{self, JobPaths, JobSpec, JobState, JobStatus, ResourceUsage};
use worker_isolate::cgroup::CgroupUsage;

/// The status's view of a cgroup's accounting, with the wall-clock time
/// between `started` and `ended` (0 if the job never started).
pub(crate) fn from_cgroup(
    cgroup: &CgroupUsage,
    started: Option<Timestamp>,
    ended: Timestamp,
) -> ResourceUsage {
    ResourceUsage {
        cpu_user_ms: cgroup.cpu_user_ns / 1_000_000,
        cpu_system_ms: cgroup.cpu_system_ns / 1_000_000,
        peak_memory_bytes: cgroup.memory_peak_bytes,
        io_read_bytes: cgroup.io_read_bytes,
        io_write_bytes: cgroup.io_write_bytes,
        wall_ms: started.map_or(0, |started| {
            ended.as_millis().saturating_sub(started.as_millis())
        }),
        oom_killed: cgroup.oom_kills > 0,
    }
}

/// Fills `status.usage` from the job's cgroup while the job runs; leaves the
/// status as it is otherwise, or if the cgroup cannot be read (the job may
/// be ending at this very moment: the final usage follows in the status).
pub(crate) fn with_live_usage(paths: &JobPaths, mut status: JobStatus) -> JobStatus {
    if status.state != JobState::Running {
        return status;
    }
    if let Some(usage) = live_usage(paths, status.started_at) {
        status.usage = Some(usage);
    }
    status
}

fn live_usage(paths: &JobPaths, started: Option<Timestamp>) -> Option<ResourceUsage> {
    let spec: JobSpec = state::read_json(&paths.spec()).ok()?;
    if crate::host::cgroup::without_cgroup(&spec) {
        return None;
    }
    let cgroup = crate::host::cgroup::cgroup_root(&spec)
        .ok()?
        .open(&spec.cgroup_parent, spec.id.as_str())
        .ok()??;
    let usage = cgroup.usage().ok()?;
    Some(from_cgroup(&usage, started, Timestamp::now()))
}

#[cfg(test)]
mod tests;
