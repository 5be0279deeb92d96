//! Starting a job's supervisor: a re-execution of this program, without forking it.
//!
//! `posix_spawn` (a `CLONE_VM | CLONE_VFORK` clone in glibc) starts the supervisor,
//! so starting a job costs the same from a 10 GiB application as from a small one.
//! The child starts in a session of its own, with its stop signals already blocked
//! (a stop request that arrives before it is ready waits instead of killing it),
//! and with the job's lock as descriptor 3, so that the lock passes from starter
//! to supervisor with no gap. Everything else it needs is in the job directory,
//! named by one environment variable; nothing goes in argv.

use crate::role::{JOB_DIR_ENV, ROLE_ENV, SUPERVISOR_ROLE};
use crate::state::JobLock;
use crate::sys::SpawnFds;
use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Descriptor number of the job lock in a supervisor.
pub(crate) const LOCK_FD: i32 = 3;
/// Descriptor number of the application's pidfd in a supervisor whose job is
/// tied to the application.
pub(crate) const APPLICATION_FD: i32 = 4;

/// Signals a supervisor handles through its signalfd; blocked from its start.
pub(crate) const SUPERVISOR_SIGNALS: [libc::c_int; 4] =
    [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// A supervisor this process started, named by a pidfd (never by its bare pid).
#[derive(Debug)]
pub(crate) struct SupervisorProcess {
    pidfd: OwnedFd,
    job_dir: PathBuf,
}

impl SupervisorProcess {
    pub(crate) fn job_dir(&self) -> &Path {
        &self.job_dir
    }

    pub(crate) fn pidfd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// Reaps it if it has exited; true once gone.
    pub(crate) fn try_reap(&self) -> io::Result<bool> {
        crate::sys::try_reap(self.pidfd.as_fd())
    }
}

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
/// job tied to the application, a pidfd of the application). Its stderr goes to
/// `supervisor.log` there, for failures it cannot put in the status.
pub(crate) fn spawn_supervisor(
    job_dir: &Path,
    lock: &JobLock,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<SupervisorProcess> {
    let log = File::create(job_dir.join("supervisor.log"))?;
    let null = File::open("/dev/null")?;
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
    envp.push(env_entry(
        OsStr::new(ROLE_ENV),
        OsStr::new(SUPERVISOR_ROLE),
    )?);
    envp.push(env_entry(OsStr::new(JOB_DIR_ENV), job_dir.as_os_str())?);
    let mut inherited = vec![lock.as_fd()];
    inherited.extend(application);
    let fds = SpawnFds {
        stdio: [null.as_fd(), null.as_fd(), log.as_fd()],
        inherited: &inherited,
    };
    let pid = crate::sys::spawn(&program, &argv, &envp, &fds, &SUPERVISOR_SIGNALS)?;
    // The child is not reaped yet, so its pid cannot have been reused.
    let pidfd = crate::sys::pidfd_open(pid)?;
    Ok(SupervisorProcess {
        pidfd,
        job_dir: job_dir.to_owned(),
    })
}
