//! Following a job's output while it runs, for the follower-latency figure.
//!
//! The figure is measured against [`RecordSource`]: anything that hands over the
//! job's new output records as soon as they are readable. [`FileFollower`] is the
//! source used today: it reads the job's log file (`<state>/jobs/<id>/output.log`,
//! through `JobHandle::output`) whenever inotify says the file changed. A source
//! built on the library's own log stream implements the same trait and replaces it
//! in `follow_latency` without touching the measurement.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use tokio::io::unix::AsyncFd;
use workernator::{Job, JobHandle, logs::OutputRecord};

/// A live view of a job's output records, oldest first, each once.
pub trait RecordSource {
    /// Waits until there is at least one record not returned before, then returns
    /// all of them.
    fn next_records(&mut self) -> impl Future<Output = io::Result<Vec<OutputRecord>>>;
}

/// An inotify instance that tokio can poll.
struct InotifyFd(Inotify);

impl AsRawFd for InotifyFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// Follows the log file of a job: wakes on every modification of the file.
pub struct FileFollower<'a, J: Job> {
    handle: &'a JobHandle<J>,
    changes: AsyncFd<InotifyFd>,
    seen: usize,
}

impl<'a, J: Job> FileFollower<'a, J> {
    /// Starts following `log`, the job's output log, waiting (bounded) for the
    /// supervisor to create it.
    pub async fn new(handle: &'a JobHandle<J>, log: &Path) -> io::Result<FileFollower<'a, J>> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !log.exists() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "{} never appeared",
                    log.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        inotify.add_watch(log, AddWatchFlags::IN_MODIFY)?;
        // SAFETY: the Inotify owns its descriptor until it is dropped, which happens
        // only with the AsyncFd that owns it, and as_raw_fd always returns that same
        // descriptor (AsyncFd::register_with_interest's contract).
        let changes = unsafe {
            AsyncFd::register_with_interest(InotifyFd(inotify), tokio::io::Interest::READABLE)
        }
        .map_err(io::Error::from)?;
        Ok(FileFollower {
            handle,
            changes,
            seen: 0,
        })
    }
}

impl<J: Job> RecordSource for FileFollower<'_, J> {
    async fn next_records(&mut self) -> io::Result<Vec<OutputRecord>> {
        loop {
            // Read first, then wait: a change after this read queues an event, so
            // the wait below cannot miss it.
            let records = self.handle.output()?;
            if records.len() > self.seen {
                let new = records[self.seen..].to_vec();
                self.seen = records.len();
                return Ok(new);
            }
            let mut ready = self.changes.readable().await?;
            match ready.try_io(|fd| fd.get_ref().0.read_events().map_err(io::Error::from)) {
                Ok(Ok(_events)) => {}
                Ok(Err(error)) => return Err(error),
                Err(_would_block) => {}
            }
        }
    }
}
