//! Listing every job of a state directory, for [`Runner::list`](crate::Runner::list):
//! thousands of small files read and decoded over several threads.

use crate::app::error::ListError;
use crate::model::id::JobId;
use crate::state::{self, JobState, JobStatus, StateDir, StateError};
use std::path::PathBuf;

/// At most this many threads read statuses for [`Runner::list`].
const MAX_LIST_THREADS: usize = 8;
/// Below this many jobs per thread, another thread costs more than it saves.
pub(crate) const MIN_JOBS_PER_LIST_THREAD: usize = 512;

/// One job as [`Runner::list`](crate::Runner::list) finds it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ListedJob {
    /// A job and its status.
    Job(Box<JobStatus>),
    /// A job whose files cannot be read; the others are unaffected.
    Corrupt {
        /// The job's id.
        id: JobId,
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        error: String,
    },
}

/// The status of every job in `dir`, or only of those in `state`; a job whose
/// files are corrupt is listed as such, with the path.
pub(crate) fn list(dir: &StateDir, state: Option<JobState>) -> Result<Vec<ListedJob>, ListError> {
    let ids = StateDir::ids_in(&dir.jobs_dir()).map_err(ListError::State)?;
    // Reading and decoding thousands of small files is CPU work: spread it
    // over the cores, in contiguous slices, so the order stays that of the
    // directory.
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_LIST_THREADS)
        .min(ids.len().div_ceil(MIN_JOBS_PER_LIST_THREAD))
        .max(1);
    let slice_len = ids.len().div_ceil(threads).max(1);
    let mut slices = ids.chunks(slice_len);
    let here = slices.next().unwrap_or(&[]);
    let listed = std::thread::scope(|scope| {
        let workers: Vec<_> = slices
            .map(|slice| scope.spawn(move || list_some(dir, slice, state)))
            .collect();
        let mut listed = list_some(dir, here, state);
        for worker in workers {
            match worker.join() {
                Ok(more) => listed.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        listed
    });
    Ok(listed)
}

fn list_some(dir: &StateDir, ids: &[JobId], state: Option<JobState>) -> Vec<ListedJob> {
    let mut listed = Vec::new();
    for id in ids {
        let path = dir.job(id).status();
        match state::read_locked::<JobStatus>(&path) {
            Ok(status) => {
                if state.is_none_or(|wanted| status.state == wanted) {
                    listed.push(ListedJob::Job(Box::new(status)));
                }
            }
            Err(StateError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                // Being created right now, or abandoned mid-creation
                // (retention removes those): not a job yet.
            }
            Err(error) => {
                if state.is_none() {
                    listed.push(ListedJob::Corrupt {
                        id: id.clone(),
                        path,
                        error: crate::sys::error_chain(&error),
                    });
                }
            }
        }
    }
    listed
}
