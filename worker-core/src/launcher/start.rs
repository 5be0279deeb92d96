//! Starting a job's supervisor: through the runner's launcher, which forks it
//! (no exec), or, when the launcher is not available, by spawning it directly
//! (`spawn`). Either way the starter ends up with a pidfd of it, or knows
//! to watch the job through its lock.

use super::client::{LaunchError, LauncherClient};
use super::spawn::spawn_supervisor;
use crate::state::{self, JobLock, JobPaths, JobStatus, LockAttempt};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

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
            tracing::warn!(job_dir = %paths.dir().display(), error = %crate::sys::error_chain(&error), "checking the job's lock to learn whether its supervisor started");
            return Ok(after_lost_reply(paths, lock, application));
        }
        Err(LaunchError::Disabled) => {}
        Err(error) => {
            tracing::warn!(job_dir = %paths.dir().display(), error = %crate::sys::error_chain(&error), "starting the supervisor directly, without the launcher");
        }
    }
    spawn_process(paths.dir(), &lock, application).map(Started::Process)
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
            match spawn_process(paths.dir(), &lock, application) {
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

/// Spawns the supervisor of the job in `job_dir` (see [`spawn_supervisor`])
/// and opens a pidfd of it, our child.
fn spawn_process(
    job_dir: &Path,
    lock: &JobLock,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<SupervisorProcess> {
    let pid = spawn_supervisor(job_dir, lock, application)?;
    // The child is not reaped yet, so its pid cannot have been reused.
    let pidfd = crate::sys::pidfd_open(pid)?;
    Ok(SupervisorProcess {
        pidfd,
        job_dir: job_dir.to_owned(),
        child: true,
        done: std::sync::Mutex::new(None),
    })
}
