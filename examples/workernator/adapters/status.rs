//! Status fields that are not in the job's status file itself: the owner
//! (recorded in the job's spec) and, for a queued job, why it waits as the
//! runner's admission sees it now.

use crate::kinds::AnyJob;
use crate::render::state::State;
use workernator::{Runner, errors::StateError, status::JobStatus};

/// The job's owner, from its spec; `None` for the default owner.
///
/// # Errors
///
/// The job's spec cannot be read.
pub(crate) fn owner(job: &dyn AnyJob) -> Result<Option<String>, StateError> {
    job.owner()
}

/// Why a queued job waits: what its status recorded, else what `runner`'s
/// admission says now. `None` for a job that is not queued.
pub(crate) fn waiting(runner: &Runner, status: &JobStatus) -> Option<String> {
    if State::of(status.state) != State::Queued {
        return None;
    }
    status
        .waiting
        .clone()
        .or_else(|| runner.why_waiting(&status.id))
}
