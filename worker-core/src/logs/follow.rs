//! Being woken when there may be more to read, and knowing when there will be no
//! more.
//!
//! One inotify watch on the job's directory reports every write to the log
//! (`IN_MODIFY`), the status being replaced (`IN_MOVED_TO` of `status.json`) and
//! the supervisor's lock being closed or removed (a second watch, on the lock
//! file `<state>/active/<id>` itself: the supervisor holds it open for its whole
//! life and removes it last). The descriptor is registered with tokio's reactor, so
//! an idle follower is a parked task (plus one status read a second, a safety net
//! against a lost wakeup). The watch is made before
//! the log is first read, so no write can slip between a read and the wait.

use super::LogError;
use crate::id::JobId;
use crate::state::{self, JobPaths, JobState, JobStatus, StateError};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::task::{Context, Poll, ready};
use tokio::io::unix::AsyncFd;

/// Names in the job directory whose change may mean the job has ended.
const STATUS_FILE: &str = "status.json";
const LOCK_FILE: &str = "lock";

/// Room for a batch of events: a few hundred with short names.
const EVENT_BUFFER: usize = 8192;

/// `struct inotify_event` without its name: wd, mask, cookie, len (inotify(7)).
const EVENT_HEADER: usize = 16;

enum Registration {
    /// Made, not yet with the reactor: `logs()` may be called outside a runtime.
    Unregistered(Inotify),
    Registered(AsyncFd<OwnedFd>),
    /// Only while moving from one to the other.
    Moving,
}

/// How often an idle follower re-checks whether the job has ended, whatever
/// inotify said: a safety net (one status read per interval) so that a wakeup
/// lost for any reason delays the end of a stream instead of hanging it.
const END_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The watch on one job's directory. Dropping it closes the descriptor, which
/// removes the watch.
pub(super) struct Watch {
    registration: Registration,
    recheck: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
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
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        inotify.add_watch(
            dir,
            AddWatchFlags::IN_MODIFY
                | AddWatchFlags::IN_CREATE
                | AddWatchFlags::IN_MOVED_TO
                | AddWatchFlags::IN_CLOSE_WRITE
                | AddWatchFlags::IN_DELETE_SELF
                | AddWatchFlags::IN_MOVE_SELF
                | AddWatchFlags::IN_ONLYDIR,
        )?;
        // Missing already: the job has finished, which the first check sees.
        let _ = inotify.add_watch(
            lock,
            AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_DELETE_SELF,
        );
        Ok(Watch {
            registration: Registration::Unregistered(inotify),
            recheck: None,
        })
    }

    /// Waits for events; returns what they say once at least one has come.
    pub(super) fn poll_changes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Changes>> {
        // Registers with the reactor, or says plainly that there is no runtime.
        self.registered()?;
        let recheck = self
            .recheck
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(END_RECHECK)));
        if recheck.as_mut().poll(cx).is_ready() {
            recheck
                .as_mut()
                .reset(tokio::time::Instant::now() + END_RECHECK);
            return Poll::Ready(Ok(Changes { check_end: true }));
        }
        let fd = self.registered()?;
        let mut changes = Changes::default();
        let mut any = false;
        let mut buffer = [0u8; EVENT_BUFFER];
        loop {
            let mut guard = ready!(fd.poll_read_ready(cx))?;
            let read = guard.try_io(|inner| {
                nix::unistd::read(inner.get_ref(), &mut buffer).map_err(io::Error::from)
            });
            match read {
                Ok(Ok(count)) => {
                    any = true;
                    changes.check_end |= events_may_end(&buffer[..count]);
                }
                Ok(Err(error)) => return Poll::Ready(Err(error)),
                // Drained: readiness is cleared, the next poll registers the waker.
                Err(_would_block) if any => return Poll::Ready(Ok(changes)),
                Err(_would_block) => continue,
            }
        }
    }

    fn registered(&mut self) -> io::Result<&AsyncFd<OwnedFd>> {
        if let Registration::Unregistered(_) = self.registration {
            let Registration::Unregistered(inotify) =
                std::mem::replace(&mut self.registration, Registration::Moving)
            else {
                return Err(io::Error::other("inotify registration lost"));
            };
            if tokio::runtime::Handle::try_current().is_err() {
                self.registration = Registration::Unregistered(inotify);
                return Err(io::Error::other(
                    "a following log reader must be polled inside a tokio runtime",
                ));
            }
            // Events queued before the registration are not lost: epoll reports a
            // descriptor that is already readable when it is added.
            self.registration =
                Registration::Registered(crate::sys::readable_async_fd(OwnedFd::from(inotify))?);
        }
        match &self.registration {
            Registration::Registered(fd) => Ok(fd),
            _ => Err(io::Error::other("inotify registration lost")),
        }
    }
}

/// Whether a batch of raw inotify events (inotify(7): `struct inotify_event`, then
/// `len` bytes of NUL-padded name) says the job may have ended: the status or the
/// lock changed, the directory went away, or events were lost.
fn events_may_end(mut bytes: &[u8]) -> bool {
    let ending = (AddWatchFlags::IN_Q_OVERFLOW
        | AddWatchFlags::IN_IGNORED
        | AddWatchFlags::IN_DELETE_SELF
        | AddWatchFlags::IN_MOVE_SELF)
        .bits();
    let mut may_end = false;
    while bytes.len() >= EVENT_HEADER {
        let word = |at: usize| {
            u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let (mask, len) = (word(4), word(12) as usize);
        let name = bytes.get(EVENT_HEADER..EVENT_HEADER + len).unwrap_or(&[]);
        let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
        // Events of the lock file's own watch carry no name.
        let lock_file_event = len == 0
            && mask & (AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_DELETE_SELF).bits() != 0;
        may_end |= mask & ending != 0
            || lock_file_event
            || name == STATUS_FILE.as_bytes()
            || name == LOCK_FILE.as_bytes();
        bytes = bytes.get(EVENT_HEADER + len..).unwrap_or(&[]);
    }
    may_end
}

/// Whether the job has ended, so that its log is complete: its status is final, or
/// its supervisor is gone without writing one (lost), or the job is gone.
///
/// The supervisor appends its last record before it writes the final status, so
/// once this is true, reading to the end of the log reads everything.
pub(super) fn job_ended(id: &JobId, paths: &JobPaths) -> Result<bool, LogError> {
    let status: JobStatus = match state::read_json(&paths.status()) {
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
    let waiting_for_admission = status.state == JobState::Queued && status.supervisor_pid.is_none();
    Ok(!waiting_for_admission && !lock_held(&paths.lock()))
}

/// Whether some process holds a `flock` on `path`, from /proc/locks (trying the
/// lock ourselves could make a supervisor fail to take it). True when unsure.
fn lock_held(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
        return true;
    };
    let device = (
        nix::sys::stat::major(meta.dev()),
        nix::sys::stat::minor(meta.dev()),
    );
    locks_hold(&locks, device, meta.ino())
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
mod tests {
    use super::*;

    const LOCKS: &str = "\
1: POSIX  ADVISORY  WRITE 903 00:19:717 0 EOF
2: FLOCK  ADVISORY  WRITE 4455 fd:01:1234567 0 EOF
2: -> FLOCK  ADVISORY  WRITE 4460 fd:01:7654321 0 EOF
";

    fn event(mask: AddWatchFlags, name: &str) -> Vec<u8> {
        let mut padded = name.as_bytes().to_vec();
        if !padded.is_empty() {
            padded.resize(name.len().div_ceil(16) * 16 + 16, 0);
        }
        let mut bytes = Vec::new();
        for word in [1u32, mask.bits(), 0, padded.len() as u32] {
            bytes.extend_from_slice(&word.to_ne_bytes());
        }
        bytes.extend_from_slice(&padded);
        bytes
    }

    #[test]
    fn only_status_lock_and_lost_events_may_end_the_job() {
        let write = event(AddWatchFlags::IN_MODIFY, "output.log");
        assert!(!events_may_end(&write));
        let mut batch = write.clone();
        batch.extend(event(AddWatchFlags::IN_MOVED_TO, "status.json"));
        assert!(events_may_end(&batch));
        assert!(events_may_end(&event(
            AddWatchFlags::IN_CLOSE_WRITE,
            "lock"
        )));
        assert!(!events_may_end(&event(
            AddWatchFlags::IN_CLOSE_WRITE,
            "lockx"
        )));
        assert!(events_may_end(&event(AddWatchFlags::IN_Q_OVERFLOW, "")));
        assert!(!events_may_end(&write[..10]), "a cut event is ignored");
    }

    #[test]
    fn real_events_are_read_through_the_reactor() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut watch = Watch::new(dir.path(), &dir.path().join("no-lock")).unwrap();
        std::fs::write(dir.path().join("output.log"), b"x").unwrap();
        let changes = rt.block_on(std::future::poll_fn(|cx| watch.poll_changes(cx)));
        assert!(!changes.unwrap().check_end);
        std::fs::write(dir.path().join(".status.json.tmp"), b"{}").unwrap();
        std::fs::rename(
            dir.path().join(".status.json.tmp"),
            dir.path().join("status.json"),
        )
        .unwrap();
        let changes = rt.block_on(std::future::poll_fn(|cx| watch.poll_changes(cx)));
        assert!(changes.unwrap().check_end);
    }

    #[test]
    fn a_granted_flock_is_found_by_device_and_inode() {
        assert!(locks_hold(LOCKS, (0xfd, 1), 1234567));
        assert!(!locks_hold(LOCKS, (0xfd, 2), 1234567));
        assert!(
            !locks_hold(LOCKS, (0, 0x19), 717),
            "POSIX locks are not ours"
        );
        assert!(
            !locks_hold(LOCKS, (0xfd, 1), 7654321),
            "a waiter holds nothing"
        );
    }

    #[test]
    fn our_own_flock_shows_in_proc_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let file = std::fs::File::create(&path).unwrap();
        assert!(!lock_held(&path));
        let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|(_, errno)| errno)
            .unwrap();
        assert!(lock_held(&path));
        drop(locked);
        assert!(!lock_held(&path));
    }
}
