//! What the CLI shows of jobs, for people ([`human`]) and programs ([`json`]),
//! from one gathered [`JobView`].

pub(crate) mod escape;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod progress;
pub(crate) mod state;
pub(crate) mod time;

use crate::adapters;
use crate::kinds::{AnyJob, Arguments, KindInfo};
use state::State;
use workernator::{
    Limits,
    errors::StateError,
    status::{ExitReason, JobStatus, Timestamp},
};

/// Everything shown about one job.
#[derive(Debug, Clone)]
pub(crate) struct JobView {
    pub(crate) status: JobStatus,
    /// `None` for a job of a kind this CLI does not know.
    pub(crate) kind: Option<KindInfo>,
    pub(crate) arguments: Option<Arguments>,
    pub(crate) limits: Option<Limits>,
    /// The typed output as JSON; only ever set for a job that succeeded.
    pub(crate) output: Option<serde_json::Value>,
    pub(crate) owner: Option<String>,
    /// When the view was taken: the end of a running job's duration so far.
    pub(crate) now: Timestamp,
}

impl JobView {
    /// Reads all there is to show of `job`.
    ///
    /// # Errors
    ///
    /// A file of the job cannot be read.
    pub(crate) fn of(job: &dyn AnyJob) -> Result<JobView, StateError> {
        let status = job.status()?;
        let output = if State::of(status.state) == State::Succeeded {
            job.output_json()?
        } else {
            None
        };
        Ok(JobView {
            owner: adapters::status::owner(job)?,
            kind: Some(job.info()),
            arguments: Some(job.arguments()?),
            limits: Some(job.limits()?),
            output,
            status,
            now: Timestamp::now(),
        })
    }

    /// What can be shown from the status alone (a kind the CLI does not know):
    /// no owner, which is in the spec of a known kind only.
    pub(crate) fn of_status(status: JobStatus) -> JobView {
        JobView {
            owner: None,
            kind: None,
            arguments: None,
            limits: None,
            output: None,
            status,
            now: Timestamp::now(),
        }
    }

    /// With why a queued job waits, as `runner` sees it (when its status has
    /// no reason recorded).
    pub(crate) fn with_waiting(mut self, runner: &workernator::Runner) -> JobView {
        if let Some(waiting) = adapters::status::waiting(runner, &self.status) {
            self.status.waiting = Some(waiting);
        }
        self
    }

    pub(crate) fn state(&self) -> State {
        State::of(self.status.state)
    }

    /// From the start of the job's code to its end, or to now while it runs.
    pub(crate) fn wall_ms(&self) -> Option<u64> {
        let started = self.status.started_at?;
        let end = self.status.finished_at.unwrap_or(self.now);
        Some(end.as_millis().saturating_sub(started.as_millis()))
    }
}

/// How a finished job ended, in the status's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ending {
    /// The job process's exit code, where it is known: 0 for a success.
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal: Option<i32>,
    /// Why it did not succeed (none for a success or a stop on request).
    pub(crate) error: Option<String>,
}

impl Ending {
    pub(crate) fn of(exit: Option<&ExitReason>) -> Ending {
        let error = |text: String| Ending {
            error: Some(text),
            ..Ending::default()
        };
        match exit {
            None | Some(ExitReason::Stopped) => Ending::default(),
            Some(ExitReason::Succeeded) => Ending {
                exit_code: Some(0),
                ..Ending::default()
            },
            Some(ExitReason::JobError { failure }) => error(failure.to_string()),
            Some(ExitReason::Panicked { message }) => error(format!("panicked: {message}")),
            Some(ExitReason::Exited { code }) => Ending {
                exit_code: Some(*code),
                error: Some(format!(
                    "exited with code {code} without returning its output"
                )),
                signal: None,
            },
            Some(ExitReason::Signaled { signal }) => Ending {
                signal: Some(*signal),
                error: Some(format!("killed by signal {}", signal_name(*signal))),
                exit_code: None,
            },
            Some(ExitReason::TimedOut { limit_ms }) => {
                error(format!("timed out after {}", time::duration(*limit_ms)))
            }
            Some(ExitReason::SetupFailed { failure }) => {
                error(format!("sandbox setup failed: {failure}"))
            }
            Some(ExitReason::SupervisorFailed { message }) => {
                error(format!("supervisor failed: {message}"))
            }
            Some(ExitReason::Lost { reason }) => error(format!("lost: {reason}")),
        }
    }
}

/// `9 (SIGKILL)`.
pub(crate) fn signal_name(signal: i32) -> String {
    match nix::sys::signal::Signal::try_from(signal) {
        Ok(known) => format!("{signal} ({})", known.as_str()),
        Err(_) => signal.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workernator::status::JobFailure;

    #[test]
    fn endings_explain_themselves() {
        assert_eq!(Ending::of(Some(&ExitReason::Succeeded)).exit_code, Some(0));
        assert_eq!(Ending::of(Some(&ExitReason::Stopped)), Ending::default());
        let killed = Ending::of(Some(&ExitReason::Signaled { signal: 9 }));
        assert_eq!(killed.signal, Some(9));
        assert_eq!(
            killed.error.as_deref(),
            Some("killed by signal 9 (SIGKILL)")
        );
        let failed = Ending::of(Some(&ExitReason::JobError {
            failure: JobFailure {
                message: "division by zero at column 3".into(),
                causes: vec![],
                retryable: false,
            },
        }));
        assert_eq!(
            failed.error.as_deref(),
            Some("division by zero at column 3")
        );
        assert_eq!(failed.exit_code, None);
        let exited = Ending::of(Some(&ExitReason::Exited { code: 3 }));
        assert_eq!(exited.exit_code, Some(3));
        let timed_out = Ending::of(Some(&ExitReason::TimedOut { limit_ms: 30_000 }));
        assert_eq!(
            timed_out.error.as_deref(),
            Some("timed out after 30 seconds")
        );
    }
}
