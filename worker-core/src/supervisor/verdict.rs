//! How a job ended, decided from what the supervisor observed. Pure, so every
//! combination is unit-tested without a sandbox.

use crate::model::outcome::JobFailure;
use crate::model::outcome::{ExitReason, SetupFailure};
use crate::protocol::result::{RESULT_ERROR, RESULT_OK, RESULT_PANIC};

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
    /// The result message: a tag byte, then the payload.
    pub(crate) result: Vec<u8>,
    pub(crate) stop_requested: bool,
    /// The attempt was stopped for running past this limit (milliseconds).
    pub(crate) timed_out: Option<u64>,
}

/// The job's exit, and its serialized output when it succeeded.
pub(crate) fn decide(observed: &Observed) -> (ExitReason, Option<&[u8]>) {
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
    let (tag, payload) = match observed.result.split_first() {
        Some((tag, payload)) => (Some(*tag), payload),
        None => (None, &[][..]),
    };
    if tag == Some(RESULT_OK) && observed.job_end == Some(ProcessEnd::Exited(0)) {
        return (ExitReason::Succeeded, Some(payload));
    }
    if let Some(limit_ms) = observed.timed_out {
        return (ExitReason::TimedOut { limit_ms }, None);
    }
    if observed.stop_requested {
        return (ExitReason::Stopped, None);
    }
    match tag {
        Some(RESULT_ERROR) => {
            return match serde_json::from_slice::<JobFailure>(payload) {
                Ok(failure) => (ExitReason::JobError { failure }, None),
                Err(error) => (
                    ExitReason::SupervisorFailed {
                        message: format!("the job's error report does not decode: {error}"),
                    },
                    None,
                ),
            };
        }
        Some(RESULT_PANIC) => {
            let message = String::from_utf8_lossy(payload).into_owned();
            return (ExitReason::Panicked { message }, None);
        }
        _ => {}
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
mod tests {
    use super::*;

    fn ok(payload: &[u8]) -> Vec<u8> {
        let mut result = vec![RESULT_OK];
        result.extend_from_slice(payload);
        result
    }

    #[test]
    fn output_and_clean_exit_is_success() {
        let observed = Observed {
            result: ok(b"42"),
            job_end: Some(ProcessEnd::Exited(0)),
            init_end: Some(ProcessEnd::Exited(0)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed), (ExitReason::Succeeded, Some(&b"42"[..])));
    }

    #[test]
    fn success_wins_over_a_late_stop_but_a_killed_job_is_stopped() {
        let mut observed = Observed {
            result: ok(b"1"),
            job_end: Some(ProcessEnd::Exited(0)),
            stop_requested: true,
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::Succeeded);
        observed.result.clear();
        observed.job_end = Some(ProcessEnd::Signaled(15));
        assert_eq!(decide(&observed).0, ExitReason::Stopped);
    }

    #[test]
    fn a_timeout_is_not_a_plain_stop() {
        let observed = Observed {
            job_end: Some(ProcessEnd::Signaled(15)),
            stop_requested: true,
            timed_out: Some(500),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::TimedOut { limit_ms: 500 });
    }

    #[test]
    fn setup_failure_is_reported_as_such() {
        let failure = SetupFailure {
            step: "mount proc on".into(),
            path: "/proc".into(),
            errno: Some(1),
            message: "Operation not permitted".into(),
        };
        let observed = Observed {
            setup_failure: Some(failure.clone()),
            init_end: Some(ProcessEnd::Exited(125)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::SetupFailed { failure });
    }

    #[test]
    fn job_error_panic_exit_and_signal() {
        let failure = JobFailure {
            message: "bad".into(),
            causes: vec![],
            retryable: true,
        };
        let mut result = vec![RESULT_ERROR];
        result.extend(serde_json::to_vec(&failure).unwrap());
        let observed = Observed {
            result,
            job_end: Some(ProcessEnd::Exited(1)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::JobError { failure });

        let observed = Observed {
            result: b"Pboom".to_vec(),
            job_end: Some(ProcessEnd::Exited(101)),
            ..Observed::default()
        };
        assert_eq!(
            decide(&observed).0,
            ExitReason::Panicked {
                message: "boom".into()
            }
        );

        let observed = Observed {
            job_end: Some(ProcessEnd::Exited(3)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::Exited { code: 3 });

        let observed = Observed {
            init_end: Some(ProcessEnd::Signaled(9)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::Signaled { signal: 9 });
    }

    #[test]
    fn output_without_clean_exit_is_not_success() {
        let observed = Observed {
            result: ok(b"42"),
            job_end: Some(ProcessEnd::Signaled(9)),
            ..Observed::default()
        };
        assert_eq!(decide(&observed).0, ExitReason::Signaled { signal: 9 });
    }
}
