//! The job model: what a user declares (the [`Job`] and [`Run`] traits, a
//! type's [`JobSettings`]) and what the sandbox runs.

pub(crate) mod registry;
pub(crate) mod settings;

pub use settings::JobSettings;

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// A job type: a serializable value that names what to run.
///
/// Implemented by `#[derive(Job)]`, never by hand: the derive gives the type its
/// stable [`NAME`](Job::NAME), its doc comment as [`DESCRIPTION`](Job::DESCRIPTION),
/// and registers it so that the re-executed sandbox can find it by name. The work
/// itself is the type's [`Run`] implementation.
pub trait Job: Run + Serialize + DeserializeOwned + Send + 'static {
    /// Stable name of the job type, stored in the state directory. Defaults to
    /// the type's name; set it with `#[job(name = "...")]`.
    const NAME: &'static str;
    /// What the job does: the doc comment of the type, or empty.
    const DESCRIPTION: &'static str;
    /// Network, retries and timeout of jobs of this type, from `#[job(...)]`:
    /// `network = "host"`, `max_attempts = 5`, `backoff = "500ms"`,
    /// `max_backoff = "1m"`, `timeout = "30s"`.
    const SETTINGS: JobSettings = JobSettings::DEFAULT;
}

/// The work of a job: what runs inside the sandbox.
///
/// ```
/// use workernator::{Job, JobContext, JobError, Run};
/// use serde::{Deserialize, Serialize};
///
/// /// Compute the n-th Fibonacci number.
/// #[derive(Job, Serialize, Deserialize)]
/// struct Fib { n: u32 }
///
/// impl Run for Fib {
///     type Output = u64;
///     fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
///         let (mut a, mut b) = (0u64, 1u64);
///         for _ in 0..self.n {
///             let next = a.checked_add(b).ok_or_else(|| JobError::new("fib overflows u64"))?;
///             a = b;
///             b = next;
///         }
///         Ok(a)
///     }
/// }
/// assert_eq!(<Fib as Job>::NAME, "Fib");
/// assert_eq!(<Fib as Job>::DESCRIPTION, "Compute the n-th Fibonacci number.");
/// ```
pub trait Run {
    /// The typed result handed back to [`JobHandle::wait`](crate::JobHandle::wait).
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// Runs the job. Called once, inside the sandbox, in a process of its own.
    ///
    /// # Errors
    ///
    /// A [`JobError`] ends the job as failed; its message comes back to the caller.
    fn run(self, ctx: &JobContext) -> Result<Self::Output, JobError>;
}

/// What a running job can learn about itself, and how it reports progress.
#[derive(Debug)]
pub struct JobContext {
    id: String,
    attempt: u32,
    progress: std::sync::Mutex<ProgressSink>,
}

/// Where progress reports go: the sandbox's report pipe, rate-limited.
#[derive(Debug)]
struct ProgressSink {
    pipe: Option<std::fs::File>,
    last_sent: Option<std::time::Instant>,
}

/// Progress reports closer together than this are dropped (except the last,
/// `done == total`, one): each costs the supervisor a status write.
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

impl JobContext {
    pub(crate) fn new(id: String, attempt: u32, progress: Option<std::fs::File>) -> Self {
        JobContext {
            id,
            attempt,
            progress: std::sync::Mutex::new(ProgressSink {
                pipe: progress,
                last_sent: None,
            }),
        }
    }

    /// The job's id, as the caller sees it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Which attempt this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Reports how far the job got: `done` of `total` units (if known), and what
    /// it is doing. Shows in the job's status. Cheap to call often: reports
    /// closer than 50 ms apart are coalesced, but a final one (`done == total`)
    /// always goes through.
    pub fn progress(&self, done: u64, total: Option<u64>, message: &str) {
        let Ok(mut sink) = self.progress.lock() else {
            return;
        };
        let now = std::time::Instant::now();
        let last = total == Some(done);
        if !last
            && sink
                .last_sent
                .is_some_and(|sent| now.duration_since(sent) < PROGRESS_INTERVAL)
        {
            return;
        }
        sink.last_sent = Some(now);
        if let Some(pipe) = &mut sink.pipe {
            crate::protocol::report::ReportSender::new(pipe).progress(done, total, message);
        }
    }
}

/// The error a job returns: a message, its causes, and whether retrying may help.
///
/// Any `std::error::Error` converts into it with `?`, keeping its chain of sources.
pub struct JobError {
    message: String,
    causes: Vec<String>,
    retryable: bool,
}

impl JobError {
    /// A permanent failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            causes: Vec::new(),
            retryable: false,
        }
    }

    /// A failure that may succeed if the job is tried again.
    pub fn retryable(message: impl Into<String>) -> Self {
        JobError {
            retryable: true,
            ..JobError::new(message)
        }
    }

    /// The top-level message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the job declared this failure worth retrying.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    pub(crate) fn into_failure(self) -> crate::model::outcome::JobFailure {
        crate::model::outcome::JobFailure {
            message: self.message,
            causes: self.causes,
            retryable: self.retryable,
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for JobError {
    fn from(error: E) -> Self {
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        JobError {
            message: error.to_string(),
            causes,
            retryable: false,
        }
    }
}

impl fmt::Debug for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobError")
            .field("message", &self.message)
            .field("causes", &self.causes)
            .field("retryable", &self.retryable)
            .finish()
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}
