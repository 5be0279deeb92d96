//! Where a job is: rewritten (see the `in_place` module) as it moves on.

use crate::model::id::JobId;
use crate::model::outcome::ExitReason;
use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The life of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting: for its start time, for a retry's backoff, or for capacity; the
    /// status's `waiting` says which.
    Queued,
    /// Accepted; its supervisor is setting up the sandbox.
    Starting,
    /// The job's code is running.
    Running,
    /// The job returned its output.
    Succeeded,
    /// The job returned an error, panicked, exited or was killed, or its sandbox
    /// could not be set up; the status's `exit` says which.
    Failed,
    /// Stopped on request.
    Stopped,
    /// Its supervisor disappeared without recording an end.
    Lost,
}

impl JobState {
    /// Whether the job has ended and will not change again.
    pub fn is_finished(self) -> bool {
        !matches!(
            self,
            JobState::Queued | JobState::Starting | JobState::Running
        )
    }
}

/// What a job used, from its cgroup's accounting (final once the job ended).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceUsage {
    /// CPU time in user mode, in milliseconds.
    pub cpu_user_ms: u64,
    /// CPU time in kernel mode, in milliseconds.
    pub cpu_system_ms: u64,
    /// Highest memory use, in bytes, where the kernel reports it.
    pub peak_memory_bytes: Option<u64>,
    /// Bytes read from block devices.
    pub io_read_bytes: u64,
    /// Bytes written to block devices.
    pub io_write_bytes: u64,
    /// Wall-clock time from the job's start to its end (or to now, while running).
    pub wall_ms: u64,
    /// Whether the kernel's OOM killer killed a process of the job.
    pub oom_killed: bool,
}

/// A job's own account of how far it got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Units done.
    pub done: u64,
    /// Units in all, if known.
    pub total: Option<u64>,
    /// What it is doing.
    pub message: String,
}

/// How one earlier attempt of a job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The attempt's number, from 1.
    pub attempt: u32,
    /// When its code started running, if it did.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Timestamp,
    /// How it ended.
    pub exit: ExitReason,
}

/// Where a job is, as recorded in its state directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// The job's id.
    pub id: JobId,
    /// `Job::NAME` of the job's type.
    pub job_type: String,
    /// Where the job is.
    pub state: JobState,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// When the job was accepted.
    pub created_at: Timestamp,
    /// When its code started running.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
    /// The supervisor's pid, once it runs.
    pub supervisor_pid: Option<i32>,
    /// The supervisor's start time in clock ticks since boot (with the pid, its identity).
    pub supervisor_start_ticks: Option<u64>,
    /// The host pid of the sandbox's first process.
    pub sandbox_pid: Option<i32>,
    /// How the job ended, once it has.
    pub exit: Option<ExitReason>,
    /// What the job used (final once it ended).
    #[serde(default)]
    pub usage: Option<ResourceUsage>,
    /// The job's latest progress report.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// Why a queued job waits.
    #[serde(default)]
    pub waiting: Option<String>,
    /// When a queued job is due next.
    #[serde(default)]
    pub next_attempt_at: Option<Timestamp>,
    /// The earlier attempts, oldest first.
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
    /// Whether a failed job's failure was temporary (infrastructure) or
    /// permanent (its own); `None` unless it failed or was lost.
    #[serde(default)]
    pub failure_class: Option<crate::model::retry::FailureClass>,
    /// Why the output log stopped taking the job's output (disk full, I/O error),
    /// if it did: every record before the failure is intact, later output was dropped.
    #[serde(default)]
    pub output_error: Option<String>,
    /// Whether the job runs rootless: started without root, in a user
    /// namespace where only the starting user is mapped (as uid 0).
    #[serde(default)]
    pub rootless: bool,
    /// Whether the job's limits are enforced by its cgroup. `false` only for
    /// a rootless job under [`RootlessLimits::BestEffort`](crate::sandbox::RootlessLimits::BestEffort)
    /// when no usable cgroup is delegated; `limits_note` says why.
    #[serde(default = "enforced")]
    pub limits_enforced: bool,
    /// Why the job's limits are not enforced, if they are not.
    #[serde(default)]
    pub limits_note: Option<String>,
    /// Who the job's code runs as, inside the sandbox and on the host.
    #[serde(default)]
    pub runs_as: Option<RunsAs>,
}

fn enforced() -> bool {
    true
}

/// The user and group a job's code runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunsAs {
    /// The uid inside the sandbox (0 in rootless mode: the only one mapped).
    pub uid: u32,
    /// The gid inside the sandbox.
    pub gid: u32,
    /// The same user on the host (the starting user in rootless mode).
    pub host_uid: u32,
    /// The same group on the host.
    pub host_gid: u32,
}

impl JobStatus {
    pub(crate) fn starting(
        id: JobId,
        job_type: String,
        attempt: u32,
        created_at: Timestamp,
    ) -> Self {
        JobStatus {
            id,
            job_type,
            state: JobState::Starting,
            attempt,
            created_at,
            started_at: None,
            finished_at: None,
            supervisor_pid: None,
            supervisor_start_ticks: None,
            sandbox_pid: None,
            exit: None,
            usage: None,
            progress: None,
            waiting: None,
            next_attempt_at: None,
            attempts: Vec::new(),
            failure_class: None,
            output_error: None,
            rootless: false,
            limits_enforced: true,
            limits_note: None,
            runs_as: None,
        }
    }

    /// Archives the current attempt as failed with `exit` and moves on to the next.
    /// Queued, and no supervisor has ever announced itself for it: waiting
    /// for admission or its start time, with nobody holding its lock by design.
    pub(crate) fn never_started(&self) -> bool {
        self.state == JobState::Queued && self.supervisor_pid.is_none()
    }

    pub(crate) fn record_attempt(&mut self, exit: ExitReason) {
        self.attempts.push(AttemptRecord {
            attempt: self.attempt,
            started_at: self.started_at,
            finished_at: Timestamp::now(),
            exit,
        });
        self.attempt += 1;
        self.started_at = None;
        self.sandbox_pid = None;
        self.usage = None;
    }

    /// Marks the job finished with `exit`.
    pub(crate) fn finish(&mut self, exit: ExitReason) {
        let oom_killed = self.usage.as_ref().is_some_and(|usage| usage.oom_killed);
        self.failure_class = match exit {
            ExitReason::Succeeded | ExitReason::Stopped => None,
            ref failed => Some(
                crate::model::retry::RetryPolicy::DEFAULT
                    .classify(failed, oom_killed)
                    .0,
            ),
        };
        self.state = match exit {
            ExitReason::Succeeded => JobState::Succeeded,
            ExitReason::Stopped => JobState::Stopped,
            ExitReason::Lost { .. } => JobState::Lost,
            _ => JobState::Failed,
        };
        self.exit = Some(exit);
        self.finished_at = Some(Timestamp::now());
    }
}

#[cfg(test)]
mod tests;
