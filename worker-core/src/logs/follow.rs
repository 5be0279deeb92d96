//! Being woken when there may be more to read, and knowing when there will be no
//! more.
//!
//! One inotify watch on the job's directory reports every write to the log
//! (`IN_MODIFY`), the status being rewritten (`IN_MODIFY`/`IN_CLOSE_WRITE` of
//! `status.json`, or `IN_MOVED_TO` when it is replaced: see `state::in_place`) and
//! the supervisor's lock being closed or removed (a second watch, on the lock
//! file `<state>/active/<id>` itself: the supervisor holds it open for its whole
//! life and removes it last). The watches belong to the process's shared
//! inotify instance (`hub`), whose thread wakes the follower's task, so an idle
//! follower is a parked task (plus one status read a second, a safety net
//! against a lost wakeup). The watch is made before the log is first read, so
//! no write can slip between a read and the wait.

use super::LogError;
use super::hub::{Interest, Subscription};
use crate::model::id::JobId;
use crate::state::{self, JobPaths, JobStatus, StateError};
use std::future::Future;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::task::{Context, Poll};

/// How often an idle follower re-checks whether the job has ended, whatever
/// the events said: a safety net (one status read per interval) so that a
/// wakeup lost for any reason delays the end of a stream instead of hanging it.
const END_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The watch on one job's directory and lock file, through the process's
/// shared inotify instance. Dropping it unsubscribes.
pub(super) struct Watch {
    subscription: Subscription,
    recheck: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    recheck_every: std::time::Duration,
}

/// What the events since the last wait say.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Changes {
    /// The status or the supervisor changed: see whether the job has ended.
    pub(super) check_end: bool,
}

impl Watch {
    /// Watches the job directory `dir` and the job's lock file `lock`.
    pub(super) fn new(dir: &Path, lock: &Path) -> io::Result<Watch> {
        let mut subscription = Subscription::new()?;
        subscription.watch(dir, Interest::JobDir)?;
        // Missing already: the job has finished, which the first check sees.
        let _ = subscription.watch(lock, Interest::LockFile);
        Ok(Watch {
            subscription,
            recheck: None,
            recheck_every: END_RECHECK,
        })
    }

    /// Waits for events; returns what they say once at least one has come.
    pub(super) fn poll_changes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Changes>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Poll::Ready(Err(io::Error::other(
                "a following log reader must be polled inside a tokio runtime",
            )));
        }
        let recheck = self
            .recheck
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(self.recheck_every)));
        if recheck.as_mut().poll(cx).is_ready() {
            recheck
                .as_mut()
                .reset(tokio::time::Instant::now() + self.recheck_every);
            return Poll::Ready(Ok(Changes { check_end: true }));
        }
        self.subscription
            .poll_changes(cx)
            .map_ok(|check_end| Changes { check_end })
    }
}

/// Waits until something in the job directory `dir` changes (its status is
/// replaced, say), or `recheck` passes. `unchanged` is asked once the watch is
/// in place, so a change between the caller's last look and the watch is not
/// missed: if it says false, this returns at once.
///
/// # Errors
///
/// The directory cannot be watched (the caller can fall back to polling).
pub(crate) async fn wait_for_change(
    dir: &Path,
    unchanged: impl FnOnce() -> bool,
    recheck: std::time::Duration,
) -> io::Result<()> {
    let mut subscription = Subscription::new()?;
    subscription.watch(dir, Interest::JobDir)?;
    if !unchanged() {
        return Ok(());
    }
    let change = std::future::poll_fn(|cx| subscription.poll_changes(cx));
    match tokio::time::timeout(recheck, change).await {
        Ok(result) => result.map(drop),
        Err(_elapsed) => Ok(()),
    }
}

/// Whether the job has ended, so that its log is complete: its status is final, or
/// its supervisor is gone without writing one (lost), or the job is gone.
///
/// The supervisor appends its last record before it writes the final status, so
/// once this is true, reading to the end of the log reads everything.
pub(super) fn job_ended(id: &JobId, paths: &JobPaths) -> Result<bool, LogError> {
    let status: JobStatus = match state::read_locked(&paths.status()) {
        Ok(status) => status,
        Err(StateError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            return Ok(true);
        }
        Err(source) => {
            return Err(LogError::Status {
                id: id.clone(),
                source,
            });
        }
    };
    if status.state.is_finished() {
        return Ok(true);
    }
    // The lock is held from the job's creation on (by its starter, then by its
    // supervisor), except while a job waits for admission (queued, no pid):
    // otherwise nobody holding it means the supervisor (or the starter) died. A
    // supervisor may record its pid only once the job runs, or at its end.
    let waiting_for_admission = status.never_started();
    Ok(!waiting_for_admission && !lock_held(&paths.lock(), status.supervisor_pid))
}

/// How many reads of /proc/locks in a row must miss a lock to call it free.
const LOCKS_READS: usize = 3;

/// Whether some process holds a `flock` on `path` (trying the lock ourselves
/// could make a supervisor fail to take it). True when unsure.
///
/// First through the lock descriptor of the recorded `supervisor`, if any:
/// `/proc/<pid>/fdinfo/3` lists the locks held through it, and a reused pid
/// holds no lock on this inode. Then in /proc/locks, which the kernel hands out
/// a page at a time, resuming by position: while other locks come and go
/// (every status reader takes one: see `state::in_place`), a line can be
/// skipped, so the lock is called free only when several reads in a row miss it.
fn lock_held(path: &Path, supervisor: Option<i32>) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let device = (
        nix::sys::stat::major(meta.dev()),
        nix::sys::stat::minor(meta.dev()),
    );
    if let Some(pid) = supervisor {
        let fdinfo = format!("/proc/{pid}/fdinfo/{}", crate::protocol::handoff::LOCK_FD);
        if std::fs::read_to_string(fdinfo).is_ok_and(|info| fdinfo_holds(&info, device, meta.ino()))
        {
            return true;
        }
    }
    for _ in 0..LOCKS_READS {
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return true;
        };
        if locks_hold(&locks, device, meta.ino()) {
            return true;
        }
    }
    false
}

/// Whether a descriptor's fdinfo text lists a granted `FLOCK` on the file
/// `(major, minor)`, `inode` (its lines "lock:\t1: FLOCK ..." are those of
/// /proc/locks behind a prefix).
fn fdinfo_holds(info: &str, device: (u64, u64), inode: u64) -> bool {
    let locks: String = info
        .lines()
        .filter_map(|line| line.strip_prefix("lock:"))
        .map(|line| format!("{}\n", line.trim_start()))
        .collect();
    locks_hold(&locks, device, inode)
}

/// Whether the text of /proc/locks has a granted `FLOCK` on the file `(major,
/// minor)`, `inode`.
fn locks_hold(locks: &str, device: (u64, u64), inode: u64) -> bool {
    locks.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "1: FLOCK ADVISORY WRITE 1234 fd:01:5678 0 EOF"; waiters have "->" second.
        if fields.get(1) != Some(&"FLOCK") {
            return false;
        }
        let Some(file) = fields.get(5) else {
            return false;
        };
        let mut parts = file.split(':');
        let (Some(major), Some(minor), Some(ino)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        u64::from_str_radix(major, 16) == Ok(device.0)
            && u64::from_str_radix(minor, 16) == Ok(device.1)
            && ino.parse::<u64>() == Ok(inode)
    })
}

#[cfg(test)]
mod tests;
