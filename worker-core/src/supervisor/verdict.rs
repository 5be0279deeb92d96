//! How a job ended, decided from what the supervisor observed. Pure, so every
//! combination is unit-tested without a sandbox.

use crate::model::outcome::JobFailure;
use crate::model::outcome::{ExitReason, SetupFailure};
use crate::protocol::result::JobResult;

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcessEnd {
    Exited(i32),
    Signaled(i32),
}

/// Everything the supervisor saw of one attempt.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub(crate) supervisor_error: Option<String>,
    pub(crate) setup_failure: Option<SetupFailure>,
    /// How the job's process ended, as the sandbox init reported it.
    pub(crate) job_end: Option<ProcessEnd>,
    /// How the sandbox init ended, as the supervisor reaped it.
    pub(crate) init_end: Option<ProcessEnd>,
    /// Everything the job's result pipe carried: one framed result, if the
    /// job got to send it.
    pub(crate) result: Vec<u8>,
    pub(crate) stop_requested: bool,
    /// The attempt was stopped for running past this limit (milliseconds).
    pub(crate) timed_out: Option<u64>,
}

/// The job's exit, and its serialized output when it succeeded.
pub(crate) fn decide(observed: &Observed) -> (ExitReason, Option<Vec<u8>>) {
    if let Some(message) = &observed.supervisor_error {
        return (
            ExitReason::SupervisorFailed {
                message: message.clone(),
            },
            None,
        );
    }
    if let Some(failure) = &observed.setup_failure {
        return (
            ExitReason::SetupFailed {
                failure: failure.clone(),
            },
            None,
        );
    }
    let result = JobResult::receive(&observed.result);
    let result = match (result, observed.job_end) {
        (Some(JobResult::Output(output)), Some(ProcessEnd::Exited(0))) => {
            return (ExitReason::Succeeded, Some(output));
        }
        (result, _) => result,
    };
    if let Some(limit_ms) = observed.timed_out {
        return (ExitReason::TimedOut { limit_ms }, None);
    }
    if observed.stop_requested {
        return (ExitReason::Stopped, None);
    }
    match result {
        Some(JobResult::Error(payload)) => {
            return match serde_json::from_slice::<JobFailure>(&payload) {
                Ok(failure) => (ExitReason::JobError { failure }, None),
                Err(error) => (
                    ExitReason::SupervisorFailed {
                        message: format!("the job's error report does not decode: {error}"),
                    },
                    None,
                ),
            };
        }
        Some(JobResult::Panicked(payload)) => {
            let message = String::from_utf8_lossy(&payload).into_owned();
            return (ExitReason::Panicked { message }, None);
        }
        Some(JobResult::Output(_)) | None => {}
    }
    match (observed.job_end, observed.init_end) {
        (Some(ProcessEnd::Exited(code)), _) => (ExitReason::Exited { code }, None),
        (Some(ProcessEnd::Signaled(signal)), _) | (None, Some(ProcessEnd::Signaled(signal))) => {
            (ExitReason::Signaled { signal }, None)
        }
        (None, Some(ProcessEnd::Exited(code))) => (
            ExitReason::SupervisorFailed {
                message: format!("the sandbox exited with code {code} before the job ended"),
            },
            None,
        ),
        (None, None) => (
            ExitReason::SupervisorFailed {
                message: "the sandbox ended without a trace".into(),
            },
            None,
        ),
    }
}

#[cfg(test)]
mod tests;
