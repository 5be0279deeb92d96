//! A typed handle on one job.

use crate::error::{StopError, WaitError};
use crate::id::JobId;
use crate::job::Job;
use crate::launch::SupervisorProcess;
use crate::output_log::{self, OutputRecord};
use crate::state::{self, ExitReason, JobPaths, JobState, JobStatus, StateError, Timestamp};
use std::marker::PhantomData;
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
        let status = state::read_json(&self.paths.status())?;
        Ok(crate::usage::with_live_usage(&self.paths, status))
    }

    /// Every output record the job has written so far, in order.
    ///
    /// # Errors
    ///
    /// The log cannot be read, or is corrupt.
    pub fn output(&self) -> std::io::Result<Vec<OutputRecord>> {
        output_log::read_all(&self.paths.output())
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
        let status = self.status().map_err(StopError::State)?;
        if status.supervisor_pid.is_some() {
            if let Some(supervisor) = &self.supervisor {
                match crate::sys::pidfd_send_signal(supervisor.pidfd(), libc::SIGTERM) {
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

    /// Waits until the status is final; marks the job lost if its supervisor ended
    /// without writing one.
    async fn wait_finished(&self) -> Result<JobStatus, WaitError> {
        let status = self.status().map_err(WaitError::State)?;
        if status.state.is_finished() {
            return Ok(status);
        }
        let Some(supervisor) = &self.supervisor else {
            return Err(WaitError::Lost {
                id: self.id.clone(),
            });
        };
        self.supervisor_exit(supervisor).await?;
        let mut status = self.status().map_err(WaitError::State)?;
        if !status.state.is_finished() {
            status.state = JobState::Lost;
            status.exit = Some(ExitReason::SupervisorFailed {
                message: "the supervisor ended without recording the job's end".into(),
            });
            status.finished_at = Some(Timestamp::now());
            state::write_json_atomic(&self.paths.status(), &status).map_err(WaitError::State)?;
        }
        Ok(status)
    }

    async fn supervisor_exit(&self, supervisor: &SupervisorProcess) -> Result<(), WaitError> {
        let wait_error = |source| WaitError::Wait {
            id: self.id.clone(),
            source,
        };
        let pidfd = supervisor
            .pidfd()
            .try_clone_to_owned()
            .map_err(wait_error)?;
        let readiness = crate::sys::readable_async_fd(pidfd).map_err(wait_error)?;
        // A pidfd becomes readable when its process exits.
        let _guard = readiness.readable().await.map_err(wait_error)?;
        supervisor.try_reap().map_err(wait_error)?;
        Ok(())
    }

    fn outcome(&self, status: JobStatus) -> Result<J::Output, WaitError> {
        let id = self.id.clone();
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
            Some(ExitReason::SetupFailed { failure }) => {
                Err(WaitError::SetupFailed { id, failure })
            }
            Some(ExitReason::SupervisorFailed { message }) if status.state != JobState::Lost => {
                Err(WaitError::SupervisorFailed { id, message })
            }
            Some(ExitReason::SupervisorFailed { .. }) | None => Err(WaitError::Lost { id }),
        }
    }
}
