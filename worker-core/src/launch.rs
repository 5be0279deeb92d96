//! Starting a job's supervisor: a re-execution of this program, without forking it.
//!
//! `std::process::Command` spawns with `posix_spawn` (a `CLONE_VM | CLONE_VFORK`
//! clone in glibc) when no `pre_exec` hook, uid, gid or working directory is set, so
//! starting a job costs the same from a 10 GiB application as from a small one.
//! Everything the supervisor needs is in the job directory, named by one
//! environment variable; nothing goes in argv.

use crate::role::{JOB_DIR_ENV, ROLE_ENV, SUPERVISOR_ROLE};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

/// A supervisor this process started, named by a pidfd (never by its bare pid).
#[derive(Debug)]
pub(crate) struct SupervisorProcess {
    pidfd: OwnedFd,
}

impl SupervisorProcess {
    pub(crate) fn pidfd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// Reaps it if it has exited; true once gone.
    pub(crate) fn try_reap(&self) -> io::Result<bool> {
        crate::sys::try_reap(self.pidfd.as_fd())
    }
}

/// Starts the supervisor of the job in `job_dir`. Its stderr goes to
/// `supervisor.log` there, for failures it cannot put in the status.
pub(crate) fn spawn_supervisor(job_dir: &Path) -> io::Result<SupervisorProcess> {
    let log = File::create(job_dir.join("supervisor.log"))?;
    let child = Command::new("/proc/self/exe")
        .env(ROLE_ENV, SUPERVISOR_ROLE)
        .env(JOB_DIR_ENV, job_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()?;
    let pid = i32::try_from(child.id()).map_err(|_| io::Error::other("pid out of range"))?;
    // The child is not reaped yet, so its pid cannot have been reused.
    let pidfd = crate::sys::pidfd_open(pid)?;
    // `Child` has no Drop behaviour; reaping goes through the pidfd from here on.
    drop(child);
    Ok(SupervisorProcess { pidfd })
}
