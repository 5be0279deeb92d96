//! The job lock: who is responsible for a job.
//!
//! The lock is a file, `<state>/active/<id>`, that exists exactly while the job is
//! not finished: opening the state directory only has to look at those. Its
//! inode is created as `<state>/jobs/<id>/lock` and locked there, then linked
//! as the marker: the marker never exists unlocked between its creation and
//! its locking (a reconciling runner cannot take it then; a queued job's
//! starter lets it go later, on purpose), and removing it at the end frees no inode (see
//! [`JobPaths::clear_active`]).
//!
//! Rules (the state directory's whole concurrency story):
//! - The lock is held by whoever is responsible for the job: the starter from the
//!   moment it creates the job until the supervisor runs (the starter hands the
//!   locked file to the supervisor as descriptor 3, so there is no gap), then the
//!   supervisor for its whole life.
//! - Only the lock holder writes `status.json` (in place, under
//!   its own `flock`: see the `in_place` module), cleans up the job's
//!   cgroup and work directory, or removes the active marker once the job is finished.
//! - An unfinished job whose lock anyone can take has lost its supervisor: the
//!   taker marks it lost and cleans up. The kernel drops the lock when its holder
//!   dies, however it dies, so no pid (which could be reused) is ever trusted.
//! - `spec.json` is written once, before the supervisor starts, and never changed.

use super::{JobPaths, StateError};
use crate::sys::flock;
use rustix::fs::FlockOperation;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// A held job lock; released when every descriptor of it is closed (or its
/// holders die).
///
/// Dropping closes this descriptor and never unlocks explicitly: an explicit
/// unlock would also release the copy handed to the supervisor, which shares the
/// open file description.
#[derive(Debug)]
pub(crate) struct JobLock {
    file: File,
}

fn would_block(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(libc::EWOULDBLOCK)
}

/// Whether a job's lock could be taken.
#[derive(Debug)]
pub(crate) enum LockAttempt {
    /// Taken: the caller is now responsible for the job.
    Taken(JobLock),
    /// Someone alive holds it.
    Held,
    /// There is no lock file: the job is finished (or never existed).
    Missing,
}

impl JobLock {
    /// Creates and takes the lock of a new job in its directory (which must
    /// exist), then links it as the job's active marker; fails if either
    /// exists. A crash before the link leaves a job directory holding only the
    /// lock, no active marker and no
    /// status: not a job for anyone (listing skips it, retention counts it
    /// oldest).
    pub(crate) fn create(paths: &JobPaths) -> Result<JobLock, StateError> {
        let path = paths.lock_in_dir();
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .map_err(|source| StateError::io("create", &path, source))?;
        flock(file.as_fd(), FlockOperation::LockExclusive)
            .map_err(|source| StateError::io("lock", &path, source))?;
        paths.link_active()?;
        Ok(JobLock { file })
    }

    /// Takes the lock if nobody holds it.
    pub(crate) fn try_take(paths: &JobPaths) -> Result<LockAttempt, StateError> {
        let path = paths.lock();
        let file = match OpenOptions::new().write(true).open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LockAttempt::Missing);
            }
            Err(source) => return Err(StateError::io("open", &path, source)),
        };
        match flock(file.as_fd(), FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(LockAttempt::Taken(JobLock { file })),
            Err(error) if would_block(&error) => Ok(LockAttempt::Held),
            Err(source) => Err(StateError::io("lock", &path, source)),
        }
    }

    /// Adopts the lock handed down by the starter (descriptor 3 of a supervisor).
    pub(crate) fn adopt(fd: OwnedFd, paths: &JobPaths) -> Result<JobLock, StateError> {
        // The same open file description already holds the lock: this re-lock
        // succeeds at once, and fails if the descriptor is not the job's lock.
        let file = File::from(fd);
        flock(file.as_fd(), FlockOperation::NonBlockingLockExclusive)
            .map_err(|source| StateError::io("adopt the lock", paths.lock(), source))?;
        Ok(JobLock { file })
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests;
