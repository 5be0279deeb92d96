//! Reading a job's output: an async stream of its records from the log on disk,
//! from the first byte (or the end, or the last lines), following the job live,
//! to its end.
//!
//! Every reader reads the log file on its own, so there may be any number of
//! them, in this process or others, while the job runs or long after; a reader
//! that stops polling holds nothing but its descriptors and its buffer, and
//! slows nobody. A reader holds a file descriptor, a subscription to the
//! process's one inotify instance (while following: see `hub`) and a window of
//! at most 512 KiB (more only for a longer record): dropping it releases all of
//! it at once.

mod cursor;
pub(crate) mod error;
mod follow;
mod hub;
mod lines;
pub(crate) mod output_log;
pub(crate) mod record;
mod tail;

pub use crate::model::limits::DEFAULT_OUTPUT_CAP;
pub use lines::{Lines, MAX_LINE_LEN, OutputLine};
pub use record::{OutputRecord, OutputStream};

use error::LogError;

use crate::model::id::JobId;
use crate::state::JobPaths;
use cursor::Cursor;
use follow::Watch;
pub(crate) use follow::wait_for_change;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tail::TailScan;

/// Where a reader starts in a job's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Start {
    /// At the first byte the job wrote.
    #[default]
    Beginning,
    /// At the end of what was written when the reader was opened (`tail -f`).
    End,
    /// At the start of the n-th last line (reads the log once to find it). With
    /// [`Logs::lines`], exactly the last n lines come first; the record stream
    /// starts at the first byte of the earliest of them, so it may carry the end
    /// of an earlier line of the other stream.
    LastLines(usize),
}

/// How to read a job's output: where to start, and whether to follow it.
///
/// ```
/// use workernator::logs::{LogOptions, Start};
/// let tail = LogOptions::new().start(Start::End);          // like `tail -f`
/// let last = LogOptions::new().last_lines(20).follow(false); // like `tail -n 20`
/// assert!(tail.follows() && !last.follows());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    start: Start,
    follow: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            start: Start::Beginning,
            follow: true,
        }
    }
}

impl LogOptions {
    /// From the first byte, following the job until it ends.
    pub fn new() -> LogOptions {
        LogOptions::default()
    }

    /// Where to start.
    pub fn start(mut self, start: Start) -> LogOptions {
        self.start = start;
        self
    }

    /// Starts at the n-th last line: `start(Start::LastLines(n))`.
    pub fn last_lines(self, n: usize) -> LogOptions {
        self.start(Start::LastLines(n))
    }

    /// Whether to follow the job (the default) or stop at the end of what was
    /// written when the reader was opened (a snapshot).
    pub fn follow(mut self, follow: bool) -> LogOptions {
        self.follow = follow;
        self
    }

    /// Where the reader starts.
    pub fn start_at(&self) -> Start {
        self.start
    }

    /// Whether the reader follows the job.
    pub fn follows(&self) -> bool {
        self.follow
    }
}

/// A job's output: an async [`Stream`](futures_core::Stream) of
/// [`OutputRecord`]s, in the order the supervisor wrote them, exactly the bytes the
/// job wrote.
///
/// Made by [`JobHandle::logs`](crate::JobHandle::logs),
/// [`Runner::logs`](crate::Runner::logs) or [`Logs::open`]. By default it
/// starts at the first byte, follows the job live (woken by the kernel when the log
/// grows: an idle reader costs next to no CPU: one status read a second) and ends once the job has ended and every
/// record is delivered. It must be polled inside a tokio runtime, like
/// [`JobHandle::wait`](crate::JobHandle::wait).
///
/// Reads of the log are ordinary file reads done when polled, of at most 512 KiB
/// at a time, from the page cache while the job is writing.
///
/// Dropping it releases everything at once: it owns its descriptors and spawns no
/// task.
///
/// ```no_run
/// # use workernator::{Config, Job, JobContext, JobError, Run, Runner};
/// # use serde::{Deserialize, Serialize};
/// /// Says hello.
/// #[derive(Job, Serialize, Deserialize)]
/// struct Hello;
///
/// impl Run for Hello {
///     type Output = ();
///     fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
///         println!("hello");
///         Ok(())
///     }
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     workernator::init();
///     let rt = tokio::runtime::Runtime::new()?;
///     rt.block_on(async {
///         let runner = Runner::open(Config::default())?;
///         let job = runner.start(Hello)?;
///         let mut logs = job.logs();
///         while let Some(record) = logs.next().await {
///             let record = record?;
///             println!("{:?}: {}", record.stream, String::from_utf8_lossy(&record.bytes));
///         }
///         Ok(())
///     })
/// }
/// ```
pub struct Logs {
    state: State,
}

enum State {
    Reading(Box<Reader>),
    Failed(LogError),
    Done,
}

struct Reader {
    id: JobId,
    paths: JobPaths,
    cursor: Cursor,
    /// `None` for a snapshot.
    watch: Option<Watch>,
    /// The job had ended when last looked at: the log's current end is its end.
    ended: bool,
    /// For [`Logs::lines`] of a reader opened at the last lines.
    tail: Option<TailScan>,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Logs");
        match &self.state {
            State::Reading(reader) => debug
                .field("job", &reader.id)
                .field("following", &reader.watch.is_some())
                .field("job_ended", &reader.ended),
            State::Failed(error) => debug.field("error", error),
            State::Done => debug.field("done", &true),
        };
        debug.finish_non_exhaustive()
    }
}

impl Logs {
    /// Opens the output of job `id` in the state directory `state_dir`, for a job
    /// started by any process (this one, another, or one long gone).
    ///
    /// Opening the watch (when following) and finding the start happen here, so
    /// nothing written after `open` returns is missed.
    ///
    /// # Errors
    ///
    /// [`LogError::NoSuchJob`] if the job is not there; [`LogError::Watch`] if the
    /// system has no inotify watch to spare; others if the files cannot be read.
    pub fn open(
        state_dir: impl AsRef<Path>,
        id: &JobId,
        options: LogOptions,
    ) -> Result<Logs, LogError> {
        let paths = JobPaths::at(state_dir.as_ref().join("jobs").join(id.as_str()));
        Logs::open_paths(id.clone(), paths, options)
    }

    pub(crate) fn open_paths(
        id: JobId,
        paths: JobPaths,
        options: LogOptions,
    ) -> Result<Logs, LogError> {
        Ok(Logs {
            state: State::Reading(Box::new(Reader::open(id, paths, options)?)),
        })
    }

    /// A stream whose only item is `error`: for an opening that failed
    /// where the caller wants a stream anyway.
    pub(crate) fn failed(error: LogError) -> Logs {
        Logs {
            state: State::Failed(error),
        }
    }

    /// The next record, or `None` once the job has ended and every record was
    /// delivered (for a snapshot: at the end of what was written). Cancel safe.
    ///
    /// # Errors
    ///
    /// A [`LogError`]; the stream ends after it.
    pub async fn next(&mut self) -> Option<Result<OutputRecord, LogError>> {
        std::future::poll_fn(|cx| self.poll_next_record(cx)).await
    }

    /// The same output as lines (see [`Lines`]). Call it before reading records: a
    /// reader opened at [`Start::LastLines`] then yields exactly those lines first.
    pub fn lines(mut self) -> Lines {
        if let State::Reading(reader) = &mut self.state {
            if let Some(scan) = reader.tail.take() {
                if reader.cursor.untouched() {
                    reader.cursor.restart_at(scan.end);
                    return Lines::new(self, scan.splitter, scan.lines);
                }
            }
        }
        Lines::new(self, lines::LineSplitter::default(), [])
    }

    pub(crate) fn poll_next_record(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<OutputRecord, LogError>>> {
        let reader = match &mut self.state {
            State::Reading(reader) => reader,
            State::Failed(_) => {
                let State::Failed(error) = std::mem::replace(&mut self.state, State::Done) else {
                    return Poll::Ready(None);
                };
                return Poll::Ready(Some(Err(error)));
            }
            State::Done => return Poll::Ready(None),
        };
        // Take part in tokio's cooperative budget: a reader far behind a fast
        // writer yields now and then instead of holding its worker thread.
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        let item = ready!(reader.poll_next(cx));
        coop.made_progress();
        match &item {
            Some(Ok(_)) => {}
            // The end, or an error: release the descriptors now.
            Some(Err(_)) | None => self.state = State::Done,
        }
        Poll::Ready(item)
    }
}

impl futures_core::Stream for Logs {
    type Item = Result<OutputRecord, LogError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_record(cx)
    }
}

impl Reader {
    fn open(id: JobId, paths: JobPaths, options: LogOptions) -> Result<Reader, LogError> {
        match std::fs::metadata(paths.dir()) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(LogError::NoSuchJob {
                    id,
                    dir: paths.dir().to_owned(),
                });
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(LogError::NoSuchJob {
                    id,
                    dir: paths.dir().to_owned(),
                });
            }
            Err(source) => {
                return Err(LogError::Read {
                    id,
                    path: paths.dir().to_owned(),
                    source,
                });
            }
        }
        // The watch first, then the end check, then the reads: whatever happens
        // after a look at the log or the status wakes the watch.
        let watch = if options.follow {
            Some(
                Watch::new(paths.dir(), &paths.lock()).map_err(|source| LogError::Watch {
                    id: id.clone(),
                    dir: paths.dir().to_owned(),
                    source,
                })?,
            )
        } else {
            None
        };
        let ended = follow::job_ended(&id, &paths)?;
        let log = paths.output();
        let (cursor, tail) = match options.start {
            Start::Beginning => (Cursor::new(id.clone(), log, 0, 0), None),
            Start::End | Start::LastLines(0) => {
                let end = tail::end_of_records(&id, &log)?;
                (Cursor::new(id.clone(), log, end, 0), None)
            }
            Start::LastLines(count) => {
                let scan = tail::last_lines(&id, &log, count)?;
                let cursor = Cursor::new(id.clone(), log, scan.start.record, scan.start.byte);
                (cursor, Some(scan))
            }
        };
        // A snapshot is of the log as it is now: a fast writer cannot keep it going.
        let cursor = if options.follow {
            cursor
        } else {
            match std::fs::metadata(paths.output()) {
                Ok(meta) => cursor.limited_to(meta.len()),
                Err(error) if error.kind() == io::ErrorKind::NotFound => cursor.limited_to(0),
                Err(source) => {
                    return Err(LogError::Read {
                        id,
                        path: paths.output(),
                        source,
                    });
                }
            }
        };
        Ok(Reader {
            id,
            paths,
            cursor,
            watch,
            ended,
            tail,
        })
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<OutputRecord, LogError>>> {
        loop {
            match self.cursor.next_record() {
                Ok(Some((_, record))) => return Poll::Ready(Some(Ok(record))),
                Ok(None) => {}
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
            match self.cursor.fill() {
                Ok(0) => {}
                Ok(_) => continue,
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
            // At the log's current end.
            let Some(watch) = self.watch.as_mut().filter(|_| !self.ended) else {
                return Poll::Ready(self.cursor.partial_at_end(self.ended).map(Err));
            };
            match ready!(watch.poll_changes(cx)) {
                Ok(changes) => {
                    if changes.check_end {
                        match follow::job_ended(&self.id, &self.paths) {
                            Ok(ended) => self.ended = ended,
                            Err(error) => return Poll::Ready(Some(Err(error))),
                        }
                    }
                }
                Err(source) => {
                    return Poll::Ready(Some(Err(LogError::Watch {
                        id: self.id.clone(),
                        dir: self.paths.dir().to_owned(),
                        source,
                    })));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
