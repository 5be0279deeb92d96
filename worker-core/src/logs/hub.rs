//! One inotify instance per process, shared by every log follower.
//!
//! inotify instances are counted per user (`fs.inotify.max_user_instances`, 128
//! by default), across all of the user's processes: one instance per follower
//! would cap how many readers may follow output at once. Here a single instance
//! and one thread serve every follower of the process. A follower subscribes to
//! the files it needs (a job's directory and its lock file); subscribers of the
//! same file share one watch; the thread reads the events and wakes the
//! subscribers of each. The thread does not depend on any tokio runtime, so
//! followers polled by different runtimes (or none, between polls) share it.

use nix::errno::Errno;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, InotifyEvent, WatchDescriptor};
use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Poll, Waker};

/// What one subscriber has been told since it last looked.
#[derive(Debug, Default)]
struct Pending {
    /// Some event came.
    changed: bool,
    /// One of them may mean the job has ended.
    may_end: bool,
    /// The hub cannot deliver events any more.
    failed: Option<String>,
    waker: Option<Waker>,
}

/// One follower's subscription: woken by the hub, polled by the follower.
#[derive(Debug, Default)]
struct Inbox {
    pending: Mutex<Pending>,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // The state is a few flags: a panic elsewhere cannot leave it unusable.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn notify(&self, may_end: bool) {
        let mut pending = self.lock();
        pending.changed = true;
        pending.may_end |= may_end;
        if let Some(waker) = pending.waker.take() {
            drop(pending);
            waker.wake();
        }
    }

    fn fail(&self, reason: &str) {
        let mut pending = self.lock();
        pending.failed = Some(reason.to_owned());
        if let Some(waker) = pending.waker.take() {
            drop(pending);
            waker.wake();
        }
    }
}

/// Which events of a watched file matter, and whether each may end the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Interest {
    /// A job directory: writes to the log, and the status being rewritten in
    /// place (`IN_MODIFY`, `IN_CLOSE_WRITE`) or replaced (`IN_MOVED_TO`).
    JobDir,
    /// A job's lock file: closed by its holder, or removed.
    LockFile,
}

impl Interest {
    fn mask(self) -> AddWatchFlags {
        match self {
            Interest::JobDir => {
                AddWatchFlags::IN_MODIFY
                    | AddWatchFlags::IN_CREATE
                    | AddWatchFlags::IN_MOVED_TO
                    | AddWatchFlags::IN_CLOSE_WRITE
                    | AddWatchFlags::IN_DELETE_SELF
                    | AddWatchFlags::IN_MOVE_SELF
                    | AddWatchFlags::IN_ONLYDIR
            }
            // The marker's removal only drops a link (the job directory keeps
            // another): IN_ATTRIB reports the link count changing.
            Interest::LockFile => {
                AddWatchFlags::IN_CLOSE_WRITE
                    | AddWatchFlags::IN_ATTRIB
                    | AddWatchFlags::IN_DELETE_SELF
            }
        }
    }
}

/// Names in a job directory whose change may mean the job has ended.
const STATUS_FILE: &str = "status.json";

/// Whether an event on a watch of `interest` may mean the job has ended: the
/// status was rewritten or replaced (any event naming it), the lock was closed or removed, or the watched file
/// itself went away.
pub(super) fn event_may_end(interest: Interest, mask: AddWatchFlags, name: Option<&[u8]>) -> bool {
    let gone =
        AddWatchFlags::IN_IGNORED | AddWatchFlags::IN_DELETE_SELF | AddWatchFlags::IN_MOVE_SELF;
    if mask.intersects(gone | AddWatchFlags::IN_Q_OVERFLOW) {
        return true;
    }
    match interest {
        Interest::JobDir => name == Some(STATUS_FILE.as_bytes()),
        Interest::LockFile => {
            mask.intersects(AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_ATTRIB)
        }
    }
}

/// The subscribers of one watch.
struct Watched {
    interest: Interest,
    inboxes: Vec<Weak<Inbox>>,
}

struct Hub {
    inotify: Inotify,
    /// Held while a watch is added and its subscriber recorded, so that the
    /// thread cannot see an event of a watch before it knows its subscribers.
    watches: Mutex<HashMap<WatchDescriptor, Watched>>,
}

impl Hub {
    /// The process's hub, started on first use (and tried again on the next
    /// use if starting it failed).
    fn get() -> io::Result<&'static Hub> {
        static HUB: OnceLock<&'static Hub> = OnceLock::new();
        static STARTING: Mutex<()> = Mutex::new(());
        if let Some(hub) = HUB.get() {
            return Ok(hub);
        }
        let _starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(hub) = HUB.get() {
            return Ok(hub);
        }
        let hub = Hub::start()?;
        Ok(HUB.get_or_init(|| hub))
    }

    fn start() -> io::Result<&'static Hub> {
        // Blocking reads: the thread has nothing else to do.
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC)?;
        // It lives as long as the process: one instance, shared by every follower.
        let hub: &'static Hub = Box::leak(Box::new(Hub {
            inotify,
            watches: Mutex::new(HashMap::new()),
        }));
        std::thread::Builder::new()
            .name("workernator-log-events".into())
            .spawn(move || hub.run())?;
        Ok(hub)
    }

    fn watches(&self) -> MutexGuard<'_, HashMap<WatchDescriptor, Watched>> {
        self.watches.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self) {
        loop {
            match self.inotify.read_events() {
                Ok(events) => self.dispatch(&events),
                Err(Errno::EINTR) => {}
                Err(errno) => {
                    let reason = format!("reading inotify events failed: {errno}");
                    tracing::error!("{reason}");
                    for watched in self.watches().values() {
                        for inbox in watched.inboxes.iter().filter_map(Weak::upgrade) {
                            inbox.fail(&reason);
                        }
                    }
                    return;
                }
            }
        }
    }

    fn dispatch(&self, events: &[InotifyEvent]) {
        let mut watches = self.watches();
        for event in events {
            if event.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                // Events were lost: every follower looks again.
                for watched in watches.values() {
                    for inbox in watched.inboxes.iter().filter_map(Weak::upgrade) {
                        inbox.notify(true);
                    }
                }
                continue;
            }
            let Some(watched) = watches.get(&event.wd) else {
                continue;
            };
            let name = event
                .name
                .as_deref()
                .map(std::os::unix::ffi::OsStrExt::as_bytes);
            let may_end = event_may_end(watched.interest, event.mask, name);
            for inbox in watched.inboxes.iter().filter_map(Weak::upgrade) {
                inbox.notify(may_end);
            }
            if event.mask.contains(AddWatchFlags::IN_IGNORED) {
                // The kernel dropped the watch (its file is gone).
                watches.remove(&event.wd);
            }
        }
    }
}

/// A follower's subscription to the events of some files; unsubscribes when
/// dropped.
pub(super) struct Subscription {
    inbox: Arc<Inbox>,
    watches: Vec<WatchDescriptor>,
}

impl Subscription {
    /// Subscribes to nothing yet.
    pub(super) fn new() -> io::Result<Subscription> {
        Hub::get()?;
        Ok(Subscription {
            inbox: Arc::new(Inbox::default()),
            watches: Vec::new(),
        })
    }

    /// Adds the events of `path`, as `interest` says.
    pub(super) fn watch(&mut self, path: &Path, interest: Interest) -> io::Result<()> {
        let hub = Hub::get()?;
        let mut watches = hub.watches();
        let wd = hub.inotify.add_watch(path, interest.mask())?;
        let watched = watches.entry(wd).or_insert_with(|| Watched {
            interest,
            inboxes: Vec::new(),
        });
        watched.inboxes.retain(|inbox| inbox.strong_count() > 0);
        watched.inboxes.push(Arc::downgrade(&self.inbox));
        self.watches.push(wd);
        Ok(())
    }

    /// Ready once an event came since the last call: whether one of them may
    /// mean the job has ended.
    pub(super) fn poll_changes(&self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let mut pending = self.inbox.lock();
        if let Some(reason) = &pending.failed {
            return Poll::Ready(Err(io::Error::other(reason.clone())));
        }
        if pending.changed {
            let may_end = pending.may_end;
            pending.changed = false;
            pending.may_end = false;
            return Poll::Ready(Ok(may_end));
        }
        pending.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Ok(hub) = Hub::get() else {
            return;
        };
        let mut watches = hub.watches();
        for wd in self.watches.drain(..) {
            let Some(watched) = watches.get_mut(&wd) else {
                continue;
            };
            watched.inboxes.retain(|inbox| {
                inbox.strong_count() > 0 && !std::ptr::eq(inbox.as_ptr(), Arc::as_ptr(&self.inbox))
            });
            if watched.inboxes.is_empty() {
                watches.remove(&wd);
                // Fails only if the kernel dropped the watch already.
                let _ = hub.inotify.rm_watch(wd);
            }
        }
    }
}

#[cfg(test)]
mod tests;
