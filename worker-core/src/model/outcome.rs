//! How a job ended: its exit, its own failure, or the step of its sandbox's
//! setup that failed.

use serde::{Deserialize, Serialize};

/// A job's own failure, as returned by its `run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// The top-level message.
    pub message: String,
    /// The chain of causes under it, outermost first.
    pub causes: Vec<String>,
    /// Whether the job said retrying may help.
    pub retryable: bool,
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

/// A step of sandbox setup that failed, as the sandbox reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupFailure {
    /// What was being done, e.g. "mount proc on".
    pub step: String,
    /// The path it was done to.
    pub path: String,
    /// The system error number, if the kernel refused.
    pub errno: Option<i32>,
    /// The system error as text.
    pub message: String,
}

impl std::fmt::Display for SetupFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.step, self.path, self.message)
    }
}

/// How a finished job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ExitReason {
    /// The job returned its output.
    Succeeded,
    /// The job's `run` returned an error.
    JobError {
        /// The job's error.
        failure: JobFailure,
    },
    /// The job panicked.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The job's process exited with this code without returning (e.g. `std::process::exit`).
    Exited {
        /// The exit code.
        code: i32,
    },
    /// The job's process was killed by this signal.
    Signaled {
        /// The signal number.
        signal: i32,
    },
    /// Stopped on request.
    Stopped,
    /// Stopped because it ran longer than its timeout.
    TimedOut {
        /// The timeout, in milliseconds.
        limit_ms: u64,
    },
    /// The sandbox could not be set up.
    SetupFailed {
        /// The step that failed.
        failure: SetupFailure,
    },
    /// The supervisor could not run the job or lost track of it.
    SupervisorFailed {
        /// What went wrong.
        message: String,
    },
    /// The supervisor disappeared without recording how the job ended; what was
    /// left of the job was killed and cleaned up.
    Lost {
        /// What was found.
        reason: String,
    },
}
