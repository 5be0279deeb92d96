//! Why a queued job waits, for its status.

use super::super::capacity::Demand;
use super::super::clock::Clock;
use super::super::wait::WaitReason;
use super::{Scheduler, State};
use std::hash::Hash;

impl<Id, C> Scheduler<Id, C>
where
    Id: Clone + Eq + Hash,
    C: Clock,
{
    /// Why queued job `id` has not started: the first of draining, its
    /// `not_before` time, too little free capacity (counting what is held back
    /// for a reserved job), or other jobs ahead of it. `None` if it is not queued
    /// (running or unknown). O(log n), plus O(k) to count the k jobs of its
    /// owner ahead of it.
    pub(crate) fn why_waiting(&self, id: &Id) -> Option<WaitReason> {
        let entry = self.jobs.get(id)?;
        if entry.state == State::Running {
            return None;
        }
        if self.draining {
            return Some(WaitReason::Draining);
        }
        if let State::Delayed { at, .. } = entry.state {
            if at > self.clock.now() {
                return Some(WaitReason::NotBefore(at));
            }
        }
        let held = match &self.reserved {
            Some(reserved) if reserved != id => self
                .jobs
                .get(reserved)
                .map_or(Demand::default(), |reserved| reserved.demand),
            _ => Demand::default(),
        };
        if let Err(shortage) = self.usage.check(&self.capacity, entry.demand, held) {
            return Some(WaitReason::Capacity(shortage));
        }
        let ahead_in_owner = match entry.state {
            State::Ready { seq } => self.owners.ahead_of(&entry.owner, entry.place(seq)),
            // Due but not yet promoted: it will join the end of its owner's queue.
            _ => self.owners.ready_len(&entry.owner),
        };
        Some(WaitReason::BehindOthers { ahead_in_owner })
    }
}
