//! Starting a job's supervisor: a re-execution of this program, without forking it.
//!
//! `posix_spawn` (a `CLONE_VM | CLONE_VFORK` clone in glibc) starts the supervisor,
//! so starting a job costs the same from a 10 GiB application as from a small one.
//! The child starts in a session of its own, with its stop signals already blocked
//! (a stop request that arrives before it is ready waits instead of killing it),
//! and with the job's lock as descriptor 3, so that the lock passes from starter
//! to supervisor with no gap. Everything else it needs is in the job directory,
//! named by one environment variable; nothing goes in argv.
//!
//! Normally the runner's launcher forks the supervisor instead, which saves the
//! exec (see `start`); the launcher itself is started this way too.

use crate::protocol::handoff::{
    JOB_DIR_ENV, LAUNCHER_ROLE, ROLE_ENV, SOCKET_FD, SUPERVISOR_ROLE, SUPERVISOR_SIGNALS,
};
use crate::state::JobLock;
use crate::sys::SpawnFds;
use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte in an argument"))
}

fn env_entry(name: &OsStr, value: &OsStr) -> io::Result<CString> {
    let mut entry = Vec::with_capacity(name.len() + value.len() + 1);
    entry.extend_from_slice(name.as_bytes());
    entry.push(b'=');
    entry.extend_from_slice(value.as_bytes());
    c_string(&entry)
}

/// Starts the supervisor of the job in `job_dir`, handing it `lock` (and, for a
/// job tied to the application, a pidfd of the application); returns its pid.
/// Its stderr goes to `supervisor.log` there, for failures it cannot put in
/// the status.
pub(super) fn spawn_supervisor(
    job_dir: &Path,
    lock: &JobLock,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<i32> {
    let log = File::create(job_dir.join(crate::state::SUPERVISOR_LOG))?;
    let null = File::open("/dev/null")?;
    let mut inherited = vec![lock.as_fd()];
    inherited.extend(application);
    let fds = SpawnFds {
        stdio: [null.as_fd(), null.as_fd(), log.as_fd()],
        inherited: &inherited,
    };
    reexec(SUPERVISOR_ROLE, Some(job_dir), &fds)
}

/// Starts a launcher with `socket` as its descriptor 3 and the application's
/// stderr as its own; returns its pid.
pub(super) fn spawn_launcher(socket: BorrowedFd<'_>) -> io::Result<i32> {
    let null = File::open("/dev/null")?;
    let stderr = std::io::stderr();
    let inherited = [socket];
    let fds = SpawnFds {
        stdio: [null.as_fd(), null.as_fd(), stderr.as_fd()],
        inherited: &inherited,
    };
    debug_assert_eq!(SOCKET_FD, 3);
    reexec(LAUNCHER_ROLE, None, &fds)
}

/// posix_spawn of this program in `role`, in a session of its own, with the
/// supervisor's signals blocked and only `fds` open.
fn reexec(role: &str, job_dir: Option<&Path>, fds: &SpawnFds<'_>) -> io::Result<i32> {
    let program = c_string(b"/proc/self/exe")?;
    let argv0 = std::env::args_os()
        .next()
        .unwrap_or_else(|| "workernator".into());
    let argv = [c_string(argv0.as_bytes())?];
    let mut envp = Vec::new();
    for (name, value) in std::env::vars_os() {
        if name != ROLE_ENV && name != JOB_DIR_ENV {
            envp.push(env_entry(&name, &value)?);
        }
    }
    envp.push(env_entry(OsStr::new(ROLE_ENV), OsStr::new(role))?);
    if let Some(job_dir) = job_dir {
        envp.push(env_entry(OsStr::new(JOB_DIR_ENV), job_dir.as_os_str())?);
    }
    crate::sys::spawn(&program, &argv, &envp, fds, &SUPERVISOR_SIGNALS)
}
