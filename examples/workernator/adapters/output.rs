//! Where `tail` reads a job's output: the library's live log stream
//! (`JobHandle::logs_with`), record by record as the job writes them.
//!
//! [`OutputSource`] is the seam `tail` reads through: whole records, in order,
//! from the job's first byte; following a running job, each record comes as
//! soon as it is written (the library watches the log with inotify: no
//! polling), and the stream ends once the job has ended and every record was
//! delivered.

use workernator::{
    errors::LogError,
    logs::{Logs, OutputRecord},
};

/// The job's output could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error(transparent)]
    Log(#[from] LogError),
}

/// A job's output records, in order, from the first.
pub(crate) trait OutputSource {
    /// The next record; `Ok(None)` once there will be no more.
    async fn next(&mut self) -> Result<Option<OutputRecord>, OutputError>;
}

/// The library's log stream of one job.
pub(crate) struct LiveSource {
    logs: Logs,
}

impl LiveSource {
    /// Reads `logs` (opened following the job or not).
    pub(crate) fn new(logs: Logs) -> Self {
        LiveSource { logs }
    }
}

impl OutputSource for LiveSource {
    async fn next(&mut self) -> Result<Option<OutputRecord>, OutputError> {
        self.logs
            .next()
            .await
            .transpose()
            .map_err(OutputError::from)
    }
}
