//! What a job asks of admission (persisted with its spec), and what admission
//! hands back when it lets a job start.

use super::capacity::Demand;
use super::clock::Millis;
use serde::{Deserialize, Serialize};

/// A job's admission terms: who it is for, how urgent, when, how unique, how big.
///
/// The runner stores this in the job's spec, so a queue rebuilt after a restart
/// (by enqueueing the stored requests in creation order) is the same queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Request {
    /// The owner whose share the job counts against; "" is the default owner.
    pub(crate) owner: String,
    /// Order within the owner: higher first, then first come first served.
    pub(crate) priority: i32,
    /// The job is not admitted before this time.
    pub(crate) not_before: Option<Millis>,
    /// While a job with this key is queued or running, another is a duplicate.
    pub(crate) key: Option<String>,
    /// What the job counts against the cpu and memory budgets.
    pub(crate) demand: Demand,
}

// Builders for the scheduler's tests; the runner fills the fields from a job's
// options.
#[cfg(test)]
impl Request {
    /// A request for `owner`, with default priority, no delay, no key, no demand.
    pub(crate) fn owner(owner: impl Into<String>) -> Request {
        Request {
            owner: owner.into(),
            ..Request::default()
        }
    }

    /// The same, with `priority`.
    pub(crate) fn priority(self, priority: i32) -> Request {
        Request { priority, ..self }
    }

    /// The same, not admitted before `time`.
    pub(crate) fn not_before(self, time: Millis) -> Request {
        Request {
            not_before: Some(time),
            ..self
        }
    }

    /// The same, with uniqueness key `key`.
    pub(crate) fn key(self, key: impl Into<String>) -> Request {
        Request {
            key: Some(key.into()),
            ..self
        }
    }

    /// The same, demanding `demand`.
    pub(crate) fn demand(self, demand: Demand) -> Request {
        Request { demand, ..self }
    }
}

/// A job admission let start; it now counts as running until `finished`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Admitted<Id> {
    /// The job.
    pub(crate) id: Id,
    /// Its owner.
    pub(crate) owner: String,
    /// What it counts against the budgets.
    pub(crate) demand: Demand,
}

#[cfg(test)]
mod tests;
