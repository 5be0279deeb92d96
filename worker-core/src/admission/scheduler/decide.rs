//! Which queued job starts next.
//!
//! Each decision: promote delayed jobs that are due; start nothing while
//! draining or while every slot is taken; start the reserved job if there is one
//! and it fits; otherwise walk the owners in fair order (see `owners`) and start
//! the head job of the first owner whose head fits what is free.
//!
//! Skipping an owner whose head does not fit keeps the runner busy, but alone it
//! would let a stream of small jobs starve a big one forever: there is always a
//! small job that fits in what the big one would need. So each time a head is
//! passed over for another job, it counts a skip; after `RESERVE_AFTER_SKIPS`
//! skips it becomes the reserved job (one at a time): from then on other jobs
//! start only if they fit beside the capacity it needs, so capacity accumulates
//! until it fits, and it starts first. The walk stops after `LOOKAHEAD` owners,
//! which bounds a decision to O(LOOKAHEAD · log n) even when most heads do not
//! fit; the cost is that an owner further down, whose small job would fit, waits
//! for a later decision.

use super::super::capacity::Demand;
use super::super::clock::{Clock, Millis};
use super::super::owners::Queued;
use super::super::request::Admitted;
use super::{Scheduler, State};
use std::hash::Hash;
use std::sync::Arc;

/// How many owners one decision looks at, at most.
pub(crate) const LOOKAHEAD: usize = 32;

/// How often a job may be passed over before capacity is held back for it.
pub(crate) const RESERVE_AFTER_SKIPS: u32 = 8;

impl<Id, C> Scheduler<Id, C>
where
    Id: Clone + Eq + Hash,
    C: Clock,
{
    /// The next job to start, now counted as running; `None` if nothing may start
    /// now (draining, no capacity, nothing admissible). Call again until `None`.
    /// O(log n) per admission, plus O(d log n) for the d delayed jobs that came
    /// due, and at most `LOOKAHEAD` owners looked at.
    pub(crate) fn next_admission(&mut self) -> Option<Admitted<Id>> {
        self.promote_due(self.clock.now());
        if self.draining || self.usage.running >= self.capacity.max_running {
            return None;
        }
        let held = match self.reserved.clone() {
            Some(id) => {
                let demand = self.jobs.get(&id).map_or(Demand::default(), |e| e.demand);
                if self.fits(demand, Demand::default()) {
                    return self.admit(id);
                }
                demand
            }
            None => Demand::default(),
        };
        let mut passed_over = Vec::new();
        let mut chosen = None;
        for head in self.owners.fair_order().take(LOOKAHEAD) {
            if self.reserved.as_ref() == Some(&head.id) {
                continue;
            }
            if self.fits(head.demand, held) {
                chosen = Some(head.id.clone());
                break;
            }
            passed_over.push(head.id.clone());
        }
        let chosen = chosen?;
        self.count_skips(passed_over);
        self.admit(chosen)
    }

    fn fits(&self, demand: Demand, held: Demand) -> bool {
        self.usage.check(&self.capacity, demand, held).is_ok()
    }

    /// Moves delayed jobs due at `now` into their owners' queues, in due order;
    /// a job's place in its owner's FIFO is the time it became admissible.
    fn promote_due(&mut self, now: Millis) {
        while let Some(id) = self.timers.pop_due(now) {
            let seq = self.take_seq();
            let Some(entry) = self.jobs.get_mut(&id) else {
                continue;
            };
            entry.state = State::Ready { seq };
            let (owner, place, demand) = (Arc::clone(&entry.owner), entry.place(seq), entry.demand);
            self.owners.push_ready(&owner, place, Queued { id, demand });
        }
    }

    /// Each job in `passed_over` was skipped for a job behind it; the first to
    /// reach the limit gets the reservation if no job has it.
    fn count_skips(&mut self, passed_over: Vec<Id>) {
        for id in passed_over {
            let Some(entry) = self.jobs.get_mut(&id) else {
                continue;
            };
            entry.skips = entry.skips.saturating_add(1);
            if entry.skips >= RESERVE_AFTER_SKIPS && self.reserved.is_none() {
                self.reserved = Some(id);
            }
        }
    }

    /// Starts queued job `id`: from its owner's queue to running.
    fn admit(&mut self, id: Id) -> Option<Admitted<Id>> {
        let entry = self.jobs.get_mut(&id)?;
        let State::Ready { seq } = entry.state else {
            return None;
        };
        entry.state = State::Running;
        let (owner, place, demand) = (Arc::clone(&entry.owner), entry.place(seq), entry.demand);
        let stamp = self.take_seq();
        self.owners.start(&owner, place, stamp);
        self.usage.add(demand);
        if self.reserved.as_ref() == Some(&id) {
            self.reserved = None;
        }
        Some(Admitted {
            id,
            owner: owner.to_string(),
            demand,
        })
    }
}
