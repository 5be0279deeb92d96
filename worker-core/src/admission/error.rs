//! Why admission refused a job at enqueue.

use super::capacity::Resource;

/// Admission would not queue the job; nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RefusedError<Id> {
    /// The job's demand exceeds the whole capacity: it could never start, so it
    /// is refused now instead of waiting forever.
    #[error(
        "job {id} can never start: it needs {}, capacity is {} ({} short)",
        .resource.amount(*.needed),
        .resource.amount(*.capacity),
        .resource.amount(.needed.saturating_sub(*.capacity)),
    )]
    NeverFits {
        /// The job.
        id: Id,
        /// The resource it wants too much of.
        resource: Resource,
        /// How much it wants.
        needed: u64,
        /// How much there is in all.
        capacity: u64,
    },
    /// A job with the same uniqueness key is queued or running; the caller hands
    /// out that job instead.
    #[error("job {id} duplicates job {existing}, which has key '{key}' and is queued or running")]
    Duplicate {
        /// The job refused.
        id: Id,
        /// The shared key.
        key: String,
        /// The job that holds the key.
        existing: Id,
    },
    /// A job with this id is already queued or running (a caller bug).
    #[error("job {id} is already queued or running")]
    AlreadyKnown {
        /// The job.
        id: Id,
    },
}

#[cfg(test)]
mod tests;
