//! What can go wrong reading a job's output.

use crate::logs::record::CorruptLog;
use crate::model::id::JobId;
use crate::state::StateError;
use std::io;
use std::path::PathBuf;

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
