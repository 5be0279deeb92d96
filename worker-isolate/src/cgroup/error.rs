//! The one error type of the cgroup layer.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What the cgroup layer was doing when an error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CgroupOp {
    /// Finding out which cgroup version and controllers a root has.
    Detect,
    /// Checking whether a job cgroup exists.
    Open,
    /// Creating a cgroup directory.
    CreateDir,
    /// Enabling controllers for children (cgroup v2 `cgroup.subtree_control`).
    EnableControllers,
    /// Reading which controllers a cgroup v2 directory offers.
    ReadControllers,
    /// Writing a limit file.
    SetLimit,
    /// Moving a process into the cgroup.
    AddProcess {
        /// The process being moved.
        pid: i32,
    },
    /// Opening `tasks` for a process to move itself in (v1).
    OpenTasks,
    /// Opening the cgroup's directory for a child to be born inside (v2).
    OpenDirectory,
    /// Reading the list of processes (`cgroup.procs`).
    ListProcesses,
    /// Sending a signal to one process of the cgroup.
    Signal {
        /// The process signalled.
        pid: i32,
        /// The signal number.
        signal: i32,
    },
    /// Freezing the cgroup, or reading whether it is frozen.
    Freeze,
    /// Thawing the cgroup.
    Thaw,
    /// Killing every process through cgroup v2 `cgroup.kill`.
    Kill,
    /// Reading accounting (cpu time, memory peak, OOM kills).
    ReadUsage,
    /// Removing a cgroup directory.
    Remove,
    /// Checking that job cgroups can be created here.
    CheckAccess,
}

impl fmt::Display for CgroupOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CgroupOp::Detect => f.write_str("detect the cgroup hierarchy"),
            CgroupOp::Open => f.write_str("look up the cgroup"),
            CgroupOp::CreateDir => f.write_str("create the cgroup directory"),
            CgroupOp::EnableControllers => f.write_str("enable controllers"),
            CgroupOp::ReadControllers => f.write_str("read the available controllers"),
            CgroupOp::SetLimit => f.write_str("set a limit"),
            CgroupOp::AddProcess { pid } => write!(f, "move process {pid} into the cgroup"),
            CgroupOp::OpenTasks => f.write_str("open the cgroup's tasks file"),
            CgroupOp::OpenDirectory => f.write_str("open the cgroup's directory"),
            CgroupOp::ListProcesses => f.write_str("list the processes"),
            CgroupOp::Signal { pid, signal } => write!(f, "send signal {signal} to process {pid}"),
            CgroupOp::Freeze => f.write_str("freeze the cgroup"),
            CgroupOp::Thaw => f.write_str("thaw the cgroup"),
            CgroupOp::Kill => f.write_str("kill the cgroup"),
            CgroupOp::ReadUsage => f.write_str("read usage"),
            CgroupOp::Remove => f.write_str("remove the cgroup"),
            CgroupOp::CheckAccess => f.write_str("create cgroups (no write access)"),
        }
    }
}

/// An error of the cgroup layer.
///
/// The underlying cause is kept as [`std::error::Error::source`], never folded
/// into the message; walk the chain (or use [`CgroupError::io_error`]) to reach it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CgroupError {
    /// A file system operation on a cgroup file or directory failed.
    #[error("cannot {op}: {}", path.display())]
    Io {
        /// What was being done.
        op: CgroupOp,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// cgroups-rs failed without an operating system error to show for it.
    #[error("cannot {op}: {} (cgroups-rs)", path.display())]
    Library {
        /// What was being done.
        op: CgroupOp,
        /// The file or directory involved.
        path: PathBuf,
        /// The error cgroups-rs returned.
        #[source]
        source: cgroups_rs::fs::error::Error,
    },
    /// A cgroup file did not have the format the kernel documents.
    #[error(
        "unexpected contents in {}{}: {reason}",
        path.display(),
        line.map(|l| format!(" at line {l}")).unwrap_or_default()
    )]
    Parse {
        /// The file read.
        path: PathBuf,
        /// The 1-based line at fault; `None` when the file as a whole is wrong
        /// (a key is missing).
        line: Option<usize>,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A limit made no sense; `rule` says which rule it broke.
    #[error("invalid cgroup limit: {rule}")]
    InvalidLimit {
        /// The rule broken, e.g. "memory_max_bytes must be at least 1 MiB".
        rule: &'static str,
    },
    /// A parent or job name cannot be used as a cgroup directory name.
    #[error("invalid cgroup name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A process id that is not a positive number (writing 0 to `cgroup.procs`
    /// would move the caller itself).
    #[error("invalid process id {pid}: must be positive")]
    InvalidPid {
        /// The id given.
        pid: i32,
    },
    /// A signal number this platform does not know.
    #[error("unknown signal number {signal}")]
    InvalidSignal {
        /// The number given.
        signal: i32,
    },
    /// The root is neither a cgroup2 mount nor a directory of cgroup v1 controllers.
    #[error(
        "no cgroup hierarchy at {}: neither a cgroup2 mount nor a directory of cgroup v1 controllers",
        root.display()
    )]
    NoHierarchy {
        /// The root examined.
        root: PathBuf,
    },
    /// A limit was asked for but its controller is not available under the root.
    #[error("cgroup controller {controller} is not available at {}, but a limit needs it", path.display())]
    ControllerUnavailable {
        /// The controller missing ("memory", "pids", "cpu").
        controller: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `kill_all` gave up: processes were still listed after every round.
    #[error(
        "cgroup {} still holds processes {remaining:?} after {rounds} kill rounds",
        path.display()
    )]
    KillIncomplete {
        /// The cgroup directory.
        path: PathBuf,
        /// The processes still listed.
        remaining: Vec<i32>,
        /// How many kill rounds were tried.
        rounds: u32,
    },
    /// An operation failed, and so did the cleanup that followed it
    /// (removing a half-created cgroup, thawing after a kill). Both are kept:
    /// the first failure is the source, the cleanup failure is in the message.
    #[error("cleanup after a failed cgroup operation also failed: {cleanup}")]
    CleanupFailed {
        /// The failure that started it.
        #[source]
        error: Box<CgroupError>,
        /// The failure of the cleanup.
        cleanup: Box<CgroupError>,
    },
}

impl CgroupError {
    /// The operating system error at the root of this error, if there is one
    /// (for example to test for `EBUSY` or `ENOENT`).
    pub fn io_error(&self) -> Option<&io::Error> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(err) = current {
            if let Some(io) = err.downcast_ref::<io::Error>() {
                return Some(io);
            }
            current = err.source();
        }
        None
    }

    pub(super) fn io(op: CgroupOp, path: impl Into<PathBuf>, source: io::Error) -> Self {
        CgroupError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// Wraps an error of cgroups-rs. cgroups-rs puts the `io::Error` in its own
    /// source and repeats it in its message; when there is an OS error number we
    /// keep only that, as an `io::Error`, so the chain prints it once.
    pub(super) fn library(op: CgroupOp, path: &Path, err: cgroups_rs::fs::error::Error) -> Self {
        let errno = std::error::Error::source(&err)
            .and_then(|s| s.downcast_ref::<io::Error>())
            .and_then(io::Error::raw_os_error);
        match errno {
            Some(code) => CgroupError::io(op, path, io::Error::from_raw_os_error(code)),
            None => CgroupError::Library {
                op,
                path: path.to_path_buf(),
                source: err,
            },
        }
    }

    pub(super) fn parse(path: &Path, err: super::parse::FormatError) -> Self {
        CgroupError::Parse {
            path: path.to_path_buf(),
            line: err.line,
            reason: err.reason,
        }
    }
}

/// Joins the result of an operation with the result of the cleanup that must
/// follow it, keeping both failures when both fail.
pub(super) fn with_cleanup<T>(
    result: Result<T, CgroupError>,
    cleanup: Result<(), CgroupError>,
) -> Result<T, CgroupError> {
    match result {
        Ok(value) => cleanup.map(|()| value),
        Err(error) => Err(and_cleanup(error, cleanup)),
    }
}

/// The error to report when `error` happened and the cleanup after it
/// returned `cleanup`.
pub(super) fn and_cleanup(error: CgroupError, cleanup: Result<(), CgroupError>) -> CgroupError {
    match cleanup {
        Ok(()) => error,
        Err(cleanup) => CgroupError::CleanupFailed {
            error: Box::new(error),
            cleanup: Box::new(cleanup),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn io_source_is_kept_and_not_repeated_in_message() {
        let err = CgroupError::io(
            CgroupOp::Remove,
            "/sys/fs/cgroup/x",
            io::Error::from_raw_os_error(16),
        );
        let message = err.to_string();
        assert_eq!(message, "cannot remove the cgroup: /sys/fs/cgroup/x");
        let source = err.source().expect("source kept");
        assert!(source.downcast_ref::<io::Error>().is_some());
        assert_eq!(err.io_error().and_then(io::Error::raw_os_error), Some(16));
    }

    #[test]
    fn cleanup_failure_keeps_both() {
        let first = CgroupError::InvalidPid { pid: 0 };
        let second = CgroupError::io(CgroupOp::Thaw, "/f", io::Error::from_raw_os_error(2));
        let joined = with_cleanup::<()>(Err(first), Err(second)).expect_err("both failed");
        assert!(joined.to_string().contains("cannot thaw the cgroup: /f"));
        let source = joined.source().expect("first error is the source");
        assert_eq!(source.to_string(), "invalid process id 0: must be positive");
        // The io error of the cleanup is not in the source chain (the first error has none).
        assert!(joined.io_error().is_none());
    }

    #[test]
    fn op_display_names_pid_and_signal() {
        assert_eq!(
            CgroupOp::Signal { pid: 7, signal: 9 }.to_string(),
            "send signal 9 to process 7"
        );
    }
}
