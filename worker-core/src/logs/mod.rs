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
mod follow;
mod hub;
mod lines;
pub(crate) mod output_log;
mod tail;

pub use lines::{Lines, MAX_LINE_LEN, OutputLine};

use crate::logs::output_log::{CorruptLog, OutputRecord};
use crate::model::id::JobId;
use crate::state::{JobPaths, StateError};
use cursor::Cursor;
use follow::Watch;
pub(crate) use follow::wait_for_change;
use std::io;
use std::path::{Path, PathBuf};
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
/// use workernator::{LogOptions, Start};
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

/// Reading a job's output failed. The stream that yields it ends after it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// There is no such job in the state directory.
    #[error("no job {id} in {}", dir.display())]
    NoSuchJob {
        /// The job.
        id: JobId,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// The job's directory cannot be watched for new output. Followers share
    /// one inotify instance per process and one watch per job directory: "no
    /// space left on device" here means the system's
    /// `fs.inotify.max_user_watches` is reached.
    #[error("cannot watch {} for output of job {id}", dir.display())]
    Watch {
        /// The job.
        id: JobId,
        /// Its directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The log cannot be read.
    #[error("cannot read the output of job {id} from {}", path.display())]
    Read {
        /// The job.
        id: JobId,
        /// The log.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The log holds something that is not a record: every record before it was
    /// delivered, nothing after it is.
    #[error("the output log of job {id} ({}) is corrupt", path.display())]
    Corrupt {
        /// The job.
        id: JobId,
        /// The log.
        path: PathBuf,
        /// Where.
        #[source]
        source: CorruptLog,
    },
    /// The job has ended but its log ends in a record cut short (its writer was
    /// killed mid-write): every whole record was delivered.
    #[error(
        "the output log of job {id} ({}) ends in a record cut short at byte {offset}: its writer died while writing",
        path.display()
    )]
    Truncated {
        /// The job.
        id: JobId,
        /// The log.
        path: PathBuf,
        /// Where the partial record starts.
        offset: u64,
    },
    /// The job's status cannot be read.
    #[error("cannot read the status of job {id}")]
    Status {
        /// The job.
        id: JobId,
        /// Why.
        #[source]
        source: StateError,
    },
}

/// A job's output: an async [`Stream`](futures_core::Stream) of
/// [`OutputRecord`]s, in the order the supervisor wrote them, exactly the bytes the
/// job wrote.
///
/// Made by [`JobHandle::logs`], [`Runner::logs`] or [`Logs::open`]. By default it
/// starts at the first byte, follows the job live (woken by the kernel when the log
/// grows: an idle reader costs next to no CPU: one status read a second) and ends once the job has ended and every
/// record is delivered. It must be polled inside a tokio runtime, like
/// [`JobHandle::wait`].
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
mod tests {
    use super::*;
    use crate::logs::output_log::{OutputLogWriter, OutputStream};
    use crate::model::limits::DEFAULT_OUTPUT_CAP;
    use crate::model::outcome::ExitReason;
    use crate::model::time::Timestamp;
    use crate::state::{JobStatus, write_in_place};

    struct FakeJob {
        _dir: tempfile::TempDir,
        id: JobId,
        paths: JobPaths,
        status: JobStatus,
        writer: OutputLogWriter,
        /// Held as a live supervisor holds it.
        lock: Option<crate::state::JobLock>,
    }

    impl FakeJob {
        fn new() -> FakeJob {
            let dir = tempfile::tempdir().unwrap();
            let id = JobId::generate().unwrap();
            let paths = JobPaths::at(dir.path().join("jobs").join(id.as_str()));
            std::fs::create_dir_all(paths.dir()).unwrap();
            std::fs::create_dir_all(dir.path().join("active")).unwrap();
            let status = JobStatus::starting(id.clone(), "Fake".into(), 1, Timestamp::now());
            write_in_place(&paths.status(), &status).unwrap();
            let writer = OutputLogWriter::create(&paths.output(), DEFAULT_OUTPUT_CAP).unwrap();
            let lock = Some(crate::state::JobLock::create(&paths).unwrap());
            FakeJob {
                _dir: dir,
                id,
                paths,
                status,
                writer,
                lock,
            }
        }

        fn write(&mut self, stream: OutputStream, bytes: &[u8]) {
            self.writer.append(stream, bytes).unwrap();
        }

        fn finish(&mut self) {
            self.status.finish(ExitReason::Succeeded);
            write_in_place(&self.paths.status(), &self.status).unwrap();
        }

        fn open(&self, options: LogOptions) -> Logs {
            Logs::open_paths(self.id.clone(), self.paths.clone(), options).unwrap()
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    async fn collect(logs: &mut Logs) -> (Vec<Vec<u8>>, Option<LogError>) {
        let mut records = Vec::new();
        while let Some(item) = logs.next().await {
            match item {
                Ok(record) => records.push(record.bytes),
                Err(error) => {
                    assert!(
                        logs.next().await.is_none(),
                        "the stream ends after an error"
                    );
                    return (records, Some(error));
                }
            }
        }
        (records, None)
    }

    fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
        items.iter().map(|item| item.as_bytes().to_vec()).collect()
    }

    #[test]
    fn a_follower_gets_everything_live_and_ends_with_the_job() {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"one");
        let mut logs = job.open(LogOptions::new());
        let rt = rt();
        let first = rt.block_on(logs.next()).unwrap().unwrap();
        assert_eq!(first.bytes, b"one");
        let writer = std::thread::spawn(move || {
            for n in 0..100 {
                job.write(OutputStream::Stderr, format!("line {n}").as_bytes());
            }
            job.finish();
            job
        });
        let (records, error) = rt.block_on(collect(&mut logs));
        assert!(error.is_none(), "{error:?}");
        let expected: Vec<Vec<u8>> = (0..100).map(|n| format!("line {n}").into_bytes()).collect();
        assert_eq!(records, expected);
        drop(writer.join().unwrap());
    }

    #[test]
    fn a_follower_opened_before_the_log_exists_waits_for_it() {
        let mut job = FakeJob::new();
        std::fs::remove_file(job.paths.output()).unwrap();
        let mut logs = job.open(LogOptions::new());
        let rt = rt();
        let writer = std::thread::spawn(move || {
            job.writer = OutputLogWriter::create(&job.paths.output(), DEFAULT_OUTPUT_CAP).unwrap();
            job.write(OutputStream::Stdout, b"late");
            job.finish();
            job
        });
        let (records, error) = rt.block_on(collect(&mut logs));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(records, bytes(&["late"]));
        drop(writer.join().unwrap());
    }

    #[test]
    fn a_snapshot_stops_at_the_current_end_and_ignores_a_record_in_progress() {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"a");
        job.write(OutputStream::Stdout, b"b");
        // Half a record: the supervisor is in the middle of a write.
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(job.paths.output())
            .unwrap();
        std::io::Write::write_all(&mut log, &[5, 0, 0, 0, 1, 0]).unwrap();
        let mut logs = job.open(LogOptions::new().follow(false));
        let (records, error) = rt().block_on(collect(&mut logs));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(records, bytes(&["a", "b"]));
    }

    #[test]
    fn a_torn_tail_after_the_end_is_a_clear_error_after_every_whole_record() {
        for follow in [true, false] {
            let mut job = FakeJob::new();
            job.write(OutputStream::Stdout, b"whole");
            job.write(OutputStream::Stdout, b"cut short");
            let len = std::fs::metadata(job.paths.output()).unwrap().len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(job.paths.output())
                .unwrap()
                .set_len(len - 3)
                .unwrap();
            job.finish();
            let mut logs = job.open(LogOptions::new().follow(follow));
            let (records, error) = rt().block_on(collect(&mut logs));
            assert_eq!(records, bytes(&["whole"]));
            match error {
                Some(LogError::Truncated { offset, .. }) => assert_eq!(offset, 16 + 5),
                other => panic!("expected a truncated log, got {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_is_a_corrupt_error_after_every_whole_record() {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"good");
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(job.paths.output())
            .unwrap();
        std::io::Write::write_all(&mut log, &[0xAB; 64]).unwrap();
        job.finish();
        let mut logs = job.open(LogOptions::new());
        let (records, error) = rt().block_on(collect(&mut logs));
        assert_eq!(records, bytes(&["good"]));
        let error = error.expect("an error");
        assert!(matches!(error, LogError::Corrupt { .. }), "{error:?}");
        assert!(error.to_string().contains("is corrupt"), "{error}");
    }

    #[test]
    fn from_the_end_skips_what_was_written_before() {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"old");
        let mut logs = job.open(LogOptions::new().start(Start::End));
        job.write(OutputStream::Stdout, b"new");
        job.finish();
        let (records, error) = rt().block_on(collect(&mut logs));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(records, bytes(&["new"]));
    }

    #[test]
    fn the_last_lines_come_exactly_then_the_rest() {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"1\n2\n3");
        job.write(OutputStream::Stderr, b"e1\n");
        job.write(OutputStream::Stdout, b"\n4\n");
        let lines = job.open(LogOptions::new().last_lines(2)).lines();
        let records = job.open(LogOptions::new().last_lines(2).follow(false));
        job.write(OutputStream::Stdout, b"5\n");
        job.finish();
        let rt = rt();
        let mut lines = lines;
        let mut texts = Vec::new();
        while let Some(line) = rt.block_on(lines.next()) {
            texts.push(line.unwrap().line);
        }
        assert_eq!(texts, ["3", "4", "5"]);
        // The record stream starts at the first byte of "3".
        let mut records = records;
        let (records, _) = rt.block_on(collect(&mut records));
        assert_eq!(records, bytes(&["3", "e1\n", "\n4\n"]));
    }

    #[test]
    fn a_follower_of_a_job_whose_supervisor_died_ends() {
        // A supervisor that recorded itself, then vanished; and one that died
        // before recording itself (it does so only once the job runs), which
        // leaves a starting status without a pid. Nobody holds the lock.
        for recorded_pid in [Some(1), None] {
            let mut job = FakeJob::new();
            job.write(OutputStream::Stdout, b"before the crash");
            job.status.supervisor_pid = recorded_pid;
            write_in_place(&job.paths.status(), &job.status).unwrap();
            drop(job.lock.take());
            let mut logs = job.open(LogOptions::new());
            let (records, error) = rt().block_on(collect(&mut logs));
            assert!(error.is_none(), "{recorded_pid:?}: {error:?}");
            assert_eq!(records, bytes(&["before the crash"]), "{recorded_pid:?}");
        }
    }

    #[test]
    fn a_follower_of_a_job_waiting_for_admission_waits() {
        // Queued, no supervisor yet, and nobody holds the lock: by design.
        let mut job = FakeJob::new();
        job.status.state = crate::state::JobState::Queued;
        write_in_place(&job.paths.status(), &job.status).unwrap();
        drop(job.lock.take());
        assert!(!follow::job_ended(&job.id, &job.paths).unwrap());
        job.status.supervisor_pid = Some(1);
        write_in_place(&job.paths.status(), &job.status).unwrap();
        assert!(follow::job_ended(&job.id, &job.paths).unwrap());
    }

    #[test]
    fn a_missing_job_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let id = JobId::generate().unwrap();
        let error = Logs::open(dir.path(), &id, LogOptions::new()).unwrap_err();
        assert!(matches!(error, LogError::NoSuchJob { .. }), "{error:?}");
        assert!(error.to_string().contains(id.as_str()), "{error}");
    }

    #[test]
    fn records_longer_than_the_window_are_read_whole() {
        let mut job = FakeJob::new();
        let big = vec![7u8; cursor::WINDOW * 2 + 3];
        job.write(OutputStream::Stdout, b"small");
        job.write(OutputStream::Stdout, &big);
        job.write(OutputStream::Stdout, b"after");
        job.finish();
        let mut logs = job.open(LogOptions::new());
        let (records, error) = rt().block_on(collect(&mut logs));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(records, vec![b"small".to_vec(), big, b"after".to_vec()]);
    }
}
