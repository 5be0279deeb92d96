//! Why a command failed, and the exit code it means.

use crate::adapters::output::OutputError;
use crate::cli::errors::UsageError;
use crate::kinds::FindError;
use std::path::PathBuf;
use workernator::{
    JobId,
    errors::{InvalidJobId, ListError, OpenError, StartError, StateError, StopError},
};

/// Exit codes.
pub(crate) mod exit {
    /// Done; for `jobs wait`, the job succeeded.
    pub(crate) const OK: i32 = 0;
    /// The command could not do what was asked (one line on stderr says why).
    pub(crate) const ERROR: i32 = 1;
    /// The command line is wrong (the usage follows the error).
    pub(crate) const USAGE: i32 = 2;
    /// `jobs wait`: the job ended without succeeding.
    pub(crate) const JOB_DID_NOT_SUCCEED: i32 = 3;
}

/// A command that failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    InvalidId(#[from] InvalidJobId),
    #[error("cannot use the state directory {}", path.display())]
    StateDir {
        path: PathBuf,
        #[source]
        source: StateError,
    },
    #[error(transparent)]
    Open(OpenError),
    #[error(transparent)]
    Find(#[from] FindError),
    #[error("cannot start the job")]
    Start(#[source] StartError),
    /// Without root, no cgroup can enforce the job's limits and the policy
    /// requires them: the library's advice, in this CLI's terms.
    #[error(
        "cannot start the job: running without root (uid {uid}), its limits cannot be \
         enforced: {reason}. To run it without limits, pass --rootless-limits best-effort \
         (or set {env}=best-effort); to enforce them, run as root, or under a cgroup v2 \
         subtree delegated to uid {uid} (systemd gives one to every user: \
         `systemd-run --user --scope workernator ...`)",
        env = crate::cli::ROOTLESS_LIMITS_ENV
    )]
    RootlessLimits { uid: u32, reason: String },
    #[error("cannot read job {id}")]
    Read {
        id: JobId,
        #[source]
        source: StateError,
    },
    #[error("cannot list the jobs")]
    List(#[source] ListError),
    #[error("cannot show the output of job {id}")]
    Output {
        id: JobId,
        #[source]
        source: Box<OutputError>,
    },
    #[error("cannot wait for job {id}")]
    Wait {
        id: JobId,
        #[source]
        source: Box<workernator::errors::WaitError>,
    },
    #[error("cannot stop job {id}")]
    Stop {
        id: JobId,
        #[source]
        source: StopError,
    },
    #[error("cannot write to {stream}")]
    Write {
        stream: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl CliError {
    /// The error of opening the runner on `path`.
    pub(crate) fn open(path: PathBuf, error: OpenError) -> CliError {
        match error {
            OpenError::State(source) => CliError::StateDir { path, source },
            other => CliError::Open(other),
        }
    }

    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            _ => exit::ERROR,
        }
    }

    /// Whether this is stdout or stderr closing early (`| head`): not worth a word.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The error and its causes on one line: `a: b: c`.
pub(crate) fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their source's message in their own.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_follow_on_one_line() {
        let error = CliError::StateDir {
            path: PathBuf::from("/x"),
            source: StateError::Io {
                operation: "create",
                path: PathBuf::from("/x/jobs"),
                source: std::io::Error::from_raw_os_error(20),
            },
        };
        assert_eq!(
            one_line(&error),
            "cannot use the state directory /x: cannot create /x/jobs: Not a directory (os error 20)"
        );
        assert_eq!(error.exit_code(), exit::ERROR);
    }

    #[test]
    fn usage_errors_exit_2() {
        let error = CliError::from(UsageError::new(&[], "no command given"));
        assert_eq!(error.exit_code(), exit::USAGE);
    }
}
