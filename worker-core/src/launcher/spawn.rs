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
//! Normally the runner's launcher ([`crate::launcher`]) forks the supervisor
//! instead, which saves the exec; [`start_supervisor`] uses it and falls back to
//! spawning directly when the launcher is not available.

use crate::app::init::{JOB_DIR_ENV, LAUNCHER_ROLE, ROLE_ENV, SUPERVISOR_ROLE};
use crate::launcher::{LaunchError, LauncherClient};
use crate::state::{self, JobLock, JobPaths, JobStatus, LockAttempt};
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
/// Descriptor number of a network namespace made ahead of time, in a
/// supervisor forked by the launcher with one.
pub(crate) const NETWORK_NAMESPACE_FD: i32 = 5;
/// Descriptor number of the mount namespace of a root template
/// (worker_isolate::mounts::RootTemplate), in a supervisor forked by the
/// launcher with one.
pub(crate) const ROOT_TEMPLATE_FD: i32 = 6;
/// Descriptor number of the write end of the starter's done pipe, in a
/// supervisor forked by the launcher: closed once the job's end is recorded.
pub(crate) const DONE_FD: i32 = 7;

/// Signals a supervisor handles through its signalfd; blocked from its start.
pub(crate) const SUPERVISOR_SIGNALS: [libc::c_int; 4] =
    [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// A supervisor this process started, named by a pidfd (never by its bare pid).
#[derive(Debug)]
pub(crate) struct SupervisorProcess {
    pidfd: OwnedFd,
    job_dir: PathBuf,
    /// Spawned by this process (ours to reap), rather than forked by the launcher.
    child: bool,
    /// The read end of a pipe whose only write end the supervisor holds and
    /// closes once the job's end is recorded and its lock released: end of
    /// file there comes a few hundred microseconds before the pidfd's, which
    /// waits for the supervisor's own exit. Taken by the first wait.
    done: std::sync::Mutex<Option<OwnedFd>>,
}

impl SupervisorProcess {
    pub(crate) fn job_dir(&self) -> &Path {
        &self.job_dir
    }

    pub(crate) fn pidfd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// The done pipe's read end, the first time (see the field).
    pub(crate) fn take_done(&self) -> Option<OwnedFd> {
        self.done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Reaps it if it has exited and is our child; true once gone.
    pub(crate) fn try_reap(&self) -> io::Result<bool> {
        if self.child {
            crate::sys::try_reap(self.pidfd.as_fd())
        } else {
            // The launcher's child: it reaps it; a pidfd is readable from the exit on.
            crate::sys::pidfd_exited(self.pidfd.as_fd(), 0)
        }
    }
}

/// What [`start_supervisor`] did.
#[derive(Debug)]
pub(crate) enum Started {
    /// The supervisor runs (or already ran), and this pidfd names it.
    Process(SupervisorProcess),
    /// No pidfd of a supervisor came back: the launcher died before replying
    /// (a supervisor may have taken the job), or none could be started. Watch
    /// the job through its lock and status, as for a job another process
    /// started: if nobody started it, it is unheld and unfinished.
    Unconfirmed,
}

/// Starts the supervisor of the job at `paths`, through the runner's launcher
/// if it can, else directly; hands it `lock` (consumed: the starter's copy is
/// closed once the supervisor has its own).
pub(crate) fn start_supervisor(
    launcher: &LauncherClient,
    paths: &JobPaths,
    lock: JobLock,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<Started> {
    // Ours is the read end; the supervisor gets the only write end.
    let (done, done_for_supervisor) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let launched = launcher.start(
        paths.dir(),
        lock.as_fd(),
        application,
        done_for_supervisor.as_fd(),
    );
    drop(done_for_supervisor);
    match launched {
        Ok(pidfd) => {
            return Ok(Started::Process(SupervisorProcess {
                pidfd,
                job_dir: paths.dir().to_owned(),
                child: false,
                done: std::sync::Mutex::new(Some(done)),
            }));
        }
        Err(error @ LaunchError::ReplyLost(_)) => {
            tracing::warn!(job_dir = %paths.dir().display(), error = %crate::supervisor::error_chain(&error), "checking the job's lock to learn whether its supervisor started");
            return Ok(after_lost_reply(paths, lock, application));
        }
        Err(LaunchError::Disabled) => {}
        Err(error) => {
            tracing::warn!(job_dir = %paths.dir().display(), error = %crate::supervisor::error_chain(&error), "starting the supervisor directly, without the launcher");
        }
    }
    spawn_supervisor(paths.dir(), &lock, application).map(Started::Process)
}

/// The launcher died between a request and its reply: a supervisor it forked
/// holds the job's lock; if none does and none ever wrote the status, none ran,
/// and the supervisor is spawned directly. In doubt, the job is left to its lock
/// (a wait reconciles it if nobody holds it): never two supervisors for one job.
fn after_lost_reply(
    paths: &JobPaths,
    lock: JobLock,
    application: Option<BorrowedFd<'_>>,
) -> Started {
    drop(lock);
    let Ok(LockAttempt::Taken(lock)) = JobLock::try_take(paths) else {
        return Started::Unconfirmed;
    };
    match state::read_locked::<JobStatus>(&paths.status()) {
        Ok(status) if status.supervisor_pid.is_none() && !status.state.is_finished() => {
            match spawn_supervisor(paths.dir(), &lock, application) {
                Ok(process) => Started::Process(process),
                // Our lock goes with this return: whoever waits finds the job
                // unheld and unfinished (a handle's wait reconciles it as lost;
                // the admission thread queues it again).
                Err(error) => {
                    tracing::warn!(job_dir = %paths.dir().display(), %error, "cannot start the supervisor");
                    Started::Unconfirmed
                }
            }
        }
        _ => Started::Unconfirmed,
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
fn spawn_supervisor(
    job_dir: &Path,
    lock: &JobLock,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<SupervisorProcess> {
    let log = File::create(job_dir.join(crate::state::SUPERVISOR_LOG))?;
    let null = File::open("/dev/null")?;
    let mut inherited = vec![lock.as_fd()];
    inherited.extend(application);
    let fds = SpawnFds {
        stdio: [null.as_fd(), null.as_fd(), log.as_fd()],
        inherited: &inherited,
    };
    let pid = reexec(SUPERVISOR_ROLE, Some(job_dir), &fds)?;
    // The child is not reaped yet, so its pid cannot have been reused.
    let pidfd = crate::sys::pidfd_open(pid)?;
    Ok(SupervisorProcess {
        pidfd,
        job_dir: job_dir.to_owned(),
        child: true,
        done: std::sync::Mutex::new(None),
    })
}

/// Starts a launcher with `socket` as its descriptor 3 and the application's
/// stderr as its own; returns its pid.
pub(crate) fn spawn_launcher(socket: BorrowedFd<'_>) -> io::Result<i32> {
    let null = File::open("/dev/null")?;
    let stderr = std::io::stderr();
    let inherited = [socket];
    let fds = SpawnFds {
        stdio: [null.as_fd(), null.as_fd(), stderr.as_fd()],
        inherited: &inherited,
    };
    debug_assert_eq!(crate::launcher::SOCKET_FD, 3);
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
