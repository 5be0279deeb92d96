//! A typed handle on one job: its status, output and result, the record of
//! how it was started, waiting for it and stopping it.

use crate::app::error::{StopError, WaitError};
use crate::job::Job;
use crate::launcher::SupervisorProcess;
use crate::logs::record::{self, OutputRecord};
use crate::logs::{LogOptions, Logs};
use crate::model::id::JobId;
use crate::model::limits::Limits;
use crate::model::outcome::ExitReason;
use crate::state::{self, JobLock, JobPaths, JobSpec, JobStatus, LockAttempt, StateError};
use std::marker::PhantomData;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// A job of type `J`: its id, status, output, and typed result.
///
/// Dropping the handle does not stop the job: it runs on under its supervisor.
pub struct JobHandle<J: Job> {
    pub(crate) id: JobId,
    pub(crate) paths: JobPaths,
    pub(crate) supervisor: Option<Arc<SupervisorProcess>>,
    job_type: PhantomData<fn() -> J>,
}

impl<J: Job> std::fmt::Debug for JobHandle<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobHandle")
            .field("id", &self.id)
            .field("job_type", &J::NAME)
            .finish_non_exhaustive()
    }
}

impl<J: Job> JobHandle<J> {
    pub(crate) fn new(
        id: JobId,
        paths: JobPaths,
        supervisor: Option<Arc<SupervisorProcess>>,
    ) -> Self {
        JobHandle {
            id,
            paths,
            supervisor,
            job_type: PhantomData,
        }
    }

    /// The job's id.
    pub fn id(&self) -> &JobId {
        &self.id
    }

    /// The job's current status, read from the state directory; while the job
    /// runs, `usage` is read live from its cgroup.
    ///
    /// # Errors
    ///
    /// The status file cannot be read or decoded.
    pub fn status(&self) -> Result<JobStatus, StateError> {
        let status = state::read_locked(&self.paths.status())?;
        Ok(crate::host::usage::with_live_usage(&self.paths, status))
    }

    /// Every output record the job has written so far, in order.
    ///
    /// # Errors
    ///
    /// The log cannot be read, or is corrupt.
    pub fn output(&self) -> std::io::Result<Vec<OutputRecord>> {
        record::read_all(&self.paths.output())
    }

    /// The job's output as an async stream of records, from the first byte, live,
    /// until the job has ended and everything is delivered. See [`Logs`].
    ///
    /// Any number of readers may read at once; none slows the job.
    pub fn logs(&self) -> Logs {
        self.logs_with(LogOptions::default())
    }

    /// The job's output, read as `options` say: from the end or the last lines,
    /// and following or not. See [`LogOptions`].
    ///
    /// An error opening the reader comes as the stream's only item.
    pub fn logs_with(&self, options: LogOptions) -> Logs {
        Logs::open_paths(self.id.clone(), self.paths.clone(), options).unwrap_or_else(Logs::failed)
    }

    /// The job value it was started with, as recorded when it was started.
    ///
    /// ```no_run
    /// # use workernator::{Job, JobContext, JobError, Run, Runner, Config};
    /// # use serde::{Deserialize, Serialize};
    /// /// Adds two numbers.
    /// #[derive(Job, Serialize, Deserialize)]
    /// struct Add { a: i64, b: i64 }
    /// # impl Run for Add {
    /// #     type Output = i64;
    /// #     fn run(self, _ctx: &JobContext) -> Result<i64, JobError> { Ok(self.a + self.b) }
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # workernator::init();
    /// let runner = Runner::open(Config::default())?;
    /// let job = runner.start(Add { a: 2, b: 3 })?;
    /// assert_eq!(job.job()?.b, 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The job's spec cannot be read, or does not decode as a `J`.
    pub fn job(&self) -> Result<J, StateError> {
        let path = self.paths.spec();
        let spec: JobSpec = state::read_json(&path)?;
        serde_json::from_value(spec.args).map_err(|source| StateError::Corrupt { path, source })
    }

    /// The resource limits the job runs (or ran) under.
    ///
    /// # Errors
    ///
    /// The job's spec cannot be read or decoded.
    pub fn limits(&self) -> Result<Limits, StateError> {
        let spec: JobSpec = state::read_json(&self.paths.spec())?;
        Ok(spec.limits)
    }

    /// The owner the job was started for ([`StartOptions::owner`]), or `None`
    /// for the default owner.
    ///
    /// [`StartOptions::owner`]: crate::StartOptions::owner
    ///
    /// # Errors
    ///
    /// The job's spec cannot be read or decoded.
    pub fn owner(&self) -> Result<Option<String>, StateError> {
        let spec: JobSpec = state::read_json(&self.paths.spec())?;
        let owner = spec.request.owner;
        Ok((!owner.is_empty()).then_some(owner))
    }

    /// The job's output as the JSON it was stored as, once the job has succeeded;
    /// `None` while it has not (yet), or when it ended otherwise. Unlike
    /// [`wait`](JobHandle::wait), it never waits and does not decode the output
    /// as `J::Output`.
    ///
    /// # Errors
    ///
    /// The status or the stored output cannot be read, or the output is not JSON.
    pub fn output_json(&self) -> Result<Option<serde_json::Value>, StateError> {
        let status: JobStatus = state::read_locked(&self.paths.status())?;
        if status.exit != Some(ExitReason::Succeeded) {
            return Ok(None);
        }
        state::read_json(&self.paths.result()).map(Some)
    }

    /// Waits for the job to end and returns its typed output.
    ///
    /// Idempotent: once the job has ended, every call returns the same answer.
    /// Cancel safe: dropping the future leaves the job running.
    ///
    /// # Errors
    ///
    /// Every way the job can end without output is its own [`WaitError`] variant.
    pub async fn wait(&self) -> Result<J::Output, WaitError> {
        let status = self.wait_finished().await?;
        self.outcome(status)
    }

    /// Stops the job: SIGTERM to every process in it, then SIGKILL after the grace
    /// period. Returns the final status once every process of the job is gone.
    /// Stopping a finished job changes nothing.
    ///
    /// # Errors
    ///
    /// The stop request cannot be recorded, or the supervisor cannot be signalled.
    pub async fn stop(&self) -> Result<JobStatus, StopError> {
        let status = self.status().map_err(StopError::State)?;
        if status.state.is_finished() {
            return Ok(status);
        }
        // The request file first, then the status: the supervisor writes its status
        // first, then looks for the file. One of the two sides sees the other.
        std::fs::write(self.paths.stop_request(), b"").map_err(|source| {
            StopError::State(StateError::io("create", self.paths.stop_request(), source))
        })?;
        let mut status = self.status().map_err(StopError::State)?;
        if status.never_started() {
            // Still queued: whoever takes its lock first decides; if we do, it
            // ends here without ever running.
            if let Ok(LockAttempt::Taken(_lock)) = JobLock::try_take(&self.paths) {
                let current: JobStatus =
                    state::read_locked(&self.paths.status()).map_err(StopError::State)?;
                if current.never_started() {
                    status = current;
                    crate::app::queue::finish_unstarted(&self.paths, &mut status)
                        .map_err(StopError::State)?;
                    return Ok(status);
                }
            }
        }
        if status.supervisor_pid.is_some() {
            let foreign = match &self.supervisor {
                Some(_) => None,
                None => foreign_supervisor(&status),
            };
            let pidfd = self
                .supervisor
                .as_ref()
                .map(|child| child.pidfd())
                .or(foreign.as_ref().map(|fd| fd.as_fd()));
            if let Some(pidfd) = pidfd {
                match crate::sys::pidfd_send_signal(pidfd, libc::SIGTERM) {
                    Ok(()) => {}
                    // ESRCH: it exited meanwhile; the status tells how.
                    Err(error) if error.raw_os_error() == Some(libc::ESRCH) => {}
                    Err(source) => {
                        return Err(StopError::Signal {
                            id: self.id.clone(),
                            source,
                        });
                    }
                }
            }
        }
        self.wait_finished().await.map_err(|error| match error {
            WaitError::State(error) => StopError::State(error),
            other => StopError::Signal {
                id: self.id.clone(),
                source: std::io::Error::other(other.to_string()),
            },
        })
    }

    /// Waits until the status is final. If the supervisor ends without writing
    /// one, reconciles the job (marks it lost and cleans up).
    async fn wait_finished(&self) -> Result<JobStatus, WaitError> {
        loop {
            let status = self.status().map_err(WaitError::State)?;
            if status.state.is_finished() {
                return Ok(status);
            }
            match &self.supervisor {
                Some(child) => wait_until_done(child)
                    .await
                    .map_err(|source| self.wait_error(source))?,
                None => self.wait_for_foreign_supervisor(&status).await?,
            }
            let status = self.status().map_err(WaitError::State)?;
            if status.state.is_finished() {
                return Ok(status);
            }
            crate::app::reconcile::reconcile(&self.paths).map_err(WaitError::State)?;
        }
    }

    fn wait_error(&self, source: std::io::Error) -> WaitError {
        WaitError::Wait {
            id: self.id.clone(),
            source,
        }
    }

    /// Waits for a supervisor another process started: through a pidfd checked
    /// against the recorded start time (a reused pid is never mistaken for it).
    async fn wait_for_foreign_supervisor(&self, status: &JobStatus) -> Result<(), WaitError> {
        match foreign_supervisor(status) {
            Some(pidfd) => {
                let readiness = crate::sys::readable_async_fd(pidfd)
                    .map_err(|source| self.wait_error(source))?;
                let _ready = readiness
                    .readable()
                    .await
                    .map_err(|source| self.wait_error(source))?;
                Ok(())
            }
            None if status.state == crate::state::JobState::Queued => {
                // Waiting for admission (or its start time): its supervisor does
                // not exist yet. Its status changes when it starts (or is
                // stopped); the 1 s re-check is a safety net.
                let unchanged = || {
                    state::read_locked::<JobStatus>(&self.paths.status())
                        .is_ok_and(|now| now.never_started())
                };
                let recheck = std::time::Duration::from_secs(1);
                if crate::logs::wait_for_change(self.paths.dir(), unchanged, recheck)
                    .await
                    .is_err()
                {
                    // No watch to be had: look again in a while.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Ok(())
            }
            None => {
                // Not announced yet (still starting) or gone. While its lock is
                // held someone is responsible: look again shortly.
                if matches!(JobLock::try_take(&self.paths), Ok(LockAttempt::Held)) {
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                Ok(())
            }
        }
    }

    fn outcome(&self, status: JobStatus) -> Result<J::Output, WaitError> {
        let id = self.id.clone();
        let oom = status.usage.as_ref().filter(|usage| usage.oom_killed);
        if let Some(usage) = oom.filter(|_| status.exit != Some(ExitReason::Succeeded)) {
            // The job's own exit (a signal, usually) says less than this.
            let limit_bytes = state::read_json::<crate::state::JobSpec>(&self.paths.spec())
                .ok()
                .and_then(|spec| spec.limits.memory_max_bytes);
            return Err(WaitError::OutOfMemory {
                id,
                limit_bytes,
                peak_bytes: usage.peak_memory_bytes,
            });
        }
        match status.exit {
            Some(ExitReason::Succeeded) => {
                let bytes = std::fs::read(self.paths.result()).map_err(|source| {
                    WaitError::State(StateError::io("read", self.paths.result(), source))
                })?;
                serde_json::from_slice(&bytes).map_err(|source| WaitError::Output { id, source })
            }
            Some(ExitReason::JobError { failure }) => Err(WaitError::JobFailed { id, failure }),
            Some(ExitReason::Panicked { message }) => Err(WaitError::Panicked { id, message }),
            Some(ExitReason::Exited { code }) => Err(WaitError::Exited { id, code }),
            Some(ExitReason::Signaled { signal }) => Err(WaitError::Signaled { id, signal }),
            Some(ExitReason::Stopped) => Err(WaitError::Stopped { id }),
            Some(ExitReason::TimedOut { limit_ms }) => Err(WaitError::TimedOut { id, limit_ms }),
            Some(ExitReason::SetupFailed { failure }) => {
                Err(WaitError::SetupFailed { id, failure })
            }
            Some(ExitReason::SupervisorFailed { message }) => {
                Err(WaitError::SupervisorFailed { id, message })
            }
            Some(ExitReason::Lost { reason }) => Err(WaitError::Lost { id, reason }),
            None => Err(WaitError::Lost {
                id,
                reason: "no end was recorded".into(),
            }),
        }
    }
}

/// Waits for a supervisor this process started to be done with the job: the
/// first time, for end of file on its done pipe (the job's end recorded and
/// its lock released, or the supervisor dead), if it has one; after that, for
/// its exit ([`wait_for_exit`]).
async fn wait_until_done(supervisor: &SupervisorProcess) -> std::io::Result<()> {
    match supervisor.take_done() {
        Some(done) => {
            let readiness = crate::sys::readable_async_fd(done)?;
            let _ready = readiness.readable().await?;
            Ok(())
        }
        None => wait_for_exit(supervisor).await,
    }
}

/// Waits for a supervisor this process started to exit, and reaps it.
pub(crate) async fn wait_for_exit(supervisor: &SupervisorProcess) -> std::io::Result<()> {
    let pidfd = supervisor.pidfd().try_clone_to_owned()?;
    let readiness = crate::sys::readable_async_fd(pidfd)?;
    // A pidfd becomes readable when its process exits.
    let _ready = readiness.readable().await?;
    supervisor.try_reap()?;
    Ok(())
}

/// A pidfd for the job's supervisor as recorded in `status`, if that process
/// still runs: the pid is opened, then its start time compared with the recorded
/// one, so a reused pid is never taken for the supervisor.
fn foreign_supervisor(status: &JobStatus) -> Option<OwnedFd> {
    let pid = status.supervisor_pid?;
    let recorded_ticks = status.supervisor_start_ticks?;
    let pidfd = crate::sys::pidfd_open(pid).ok()?;
    // Checked after opening: the pidfd pins the process, so if the start time
    // matches now, the pidfd is the supervisor's.
    (crate::host::proc::start_ticks(pid) == Some(recorded_ticks)).then_some(pidfd)
}

#[cfg(test)]
mod tests;
