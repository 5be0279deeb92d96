//! The scheduler: every job admission knows of, and the operations on them.
//!
//! This file holds the bookkeeping (enqueue, finish, remove, drain); the
//! decision of what to start next is in `decide`, and the explanation of why a
//! job waits is in `why`.

mod decide;
mod why;

#[allow(unused_imports)] // for the tests
pub(crate) use decide::{LOOKAHEAD, RESERVE_AFTER_SKIPS};

use super::capacity::{Capacity, Demand, Usage};
use super::clock::{Clock, Millis};
use super::error::RefusedError;
use super::owners::{Owners, Place, Queued};
use super::request::Request;
use super::timers::Timers;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;

/// The in-memory admission queue of one runner: it decides which queued job
/// starts next within the capacity, fairly across owners.
///
/// It does no I/O, starts no threads and reads time only from its [`Clock`].
/// The caller calls [`next_admission`](Scheduler::next_admission) until it
/// returns `None` whenever something changed (a job was queued or finished,
/// [`next_wakeup`](Scheduler::next_wakeup) passed, the runner resumed), and
/// reports each started job's end with [`finished`](Scheduler::finished).
#[derive(Debug)]
pub(crate) struct Scheduler<Id, C> {
    clock: C,
    capacity: Capacity,
    usage: Usage,
    draining: bool,
    /// Source of sequence numbers: the order jobs became admissible (FIFO).
    next_seq: u64,
    jobs: HashMap<Id, Entry>,
    /// Uniqueness key -> the queued or running job that holds it.
    keys: HashMap<String, Id>,
    owners: Owners<Id>,
    timers: Timers<Id>,
    /// A job passed over too often, for which capacity is now held back.
    reserved: Option<Id>,
}

/// One job admission knows of.
#[derive(Debug)]
struct Entry {
    owner: Arc<str>,
    priority: i32,
    demand: Demand,
    key: Option<String>,
    state: State,
    /// How often a job behind it was admitted because it did not fit.
    skips: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for its `not_before` time, under this timer sequence number.
    Delayed { at: Millis, seq: u64 },
    /// Admissible, at this sequence number in its owner's queue.
    Ready { seq: u64 },
    /// Admitted and not yet finished.
    Running,
}

impl Entry {
    fn place(&self, seq: u64) -> Place {
        (Reverse(self.priority), seq)
    }
}

impl<Id, C> Scheduler<Id, C>
where
    Id: Clone + Eq + Hash,
    C: Clock,
{
    /// An empty scheduler admitting within `capacity`, reading time from `clock`.
    pub(crate) fn new(capacity: Capacity, clock: C) -> Scheduler<Id, C> {
        Scheduler {
            clock,
            capacity,
            usage: Usage::default(),
            draining: false,
            next_seq: 0,
            jobs: HashMap::new(),
            keys: HashMap::new(),
            owners: Owners::new(),
            timers: Timers::new(),
            reserved: None,
        }
    }

    /// What the running jobs use now.
    pub(crate) fn usage(&self) -> Usage {
        self.usage
    }

    /// Sets `owner`'s weight (default 1): owners with waiting jobs get running
    /// jobs in proportion to their weights.
    pub(crate) fn set_weight(&mut self, owner: &str, weight: NonZeroU32) {
        self.owners.set_weight(owner, weight);
    }

    /// Queues job `id`. It is refused, and nothing is queued, if its key is held
    /// by a queued or running job, if `id` is known already, or if its demand
    /// exceeds the whole capacity (it could never start). O(log n).
    pub(crate) fn enqueue(&mut self, id: Id, request: Request) -> Result<(), RefusedError<Id>> {
        self.check_new(&id, &request)?;
        if let Some((resource, needed, capacity)) = self.capacity.exceeded_by(request.demand) {
            return Err(RefusedError::NeverFits {
                id,
                resource,
                needed,
                capacity,
            });
        }
        let seq = self.take_seq();
        let now = self.clock.now();
        let state = match request.not_before {
            Some(at) if at > now => {
                self.timers.insert(at, seq, id.clone());
                State::Delayed { at, seq }
            }
            _ => State::Ready { seq },
        };
        let entry = self.remember(id.clone(), request, state);
        if let State::Ready { seq } = state {
            let (owner, place, demand) = (Arc::clone(&entry.owner), entry.place(seq), entry.demand);
            self.owners.push_ready(&owner, place, Queued { id, demand });
        }
        Ok(())
    }

    /// Counts job `id`, found already running (after the runner reopened), as
    /// running, whether or not it fits: it is running. Refused only if its key
    /// is held or `id` is known already.
    pub(crate) fn restore_running(
        &mut self,
        id: Id,
        request: Request,
    ) -> Result<(), RefusedError<Id>> {
        self.check_new(&id, &request)?;
        let entry = self.remember(id, request, State::Running);
        let (owner, demand) = (Arc::clone(&entry.owner), entry.demand);
        self.owners.add_running(&owner);
        self.usage.add(demand);
        Ok(())
    }

    /// Job `id`, admitted earlier, has ended: its capacity, owner share and key
    /// are free again. Returns whether it was running. O(log n).
    pub(crate) fn finished(&mut self, id: &Id) -> bool {
        if self.jobs.get(id).map(|entry| entry.state) != Some(State::Running) {
            return false;
        }
        let Some(entry) = self.forget(id) else {
            return false;
        };
        self.usage.remove(entry.demand);
        self.owners.stop(&entry.owner);
        true
    }

    /// Takes queued job `id` out of the queue (it was stopped before it
    /// started). Returns whether it was queued; a running job stays (use
    /// [`finished`](Scheduler::finished)). O(log n).
    pub(crate) fn remove(&mut self, id: &Id) -> bool {
        let state = match self.jobs.get(id) {
            Some(entry) if entry.state != State::Running => entry.state,
            _ => return false,
        };
        let Some(entry) = self.forget(id) else {
            return false;
        };
        match state {
            State::Delayed { at, seq } => {
                self.timers.remove(at, seq);
            }
            State::Ready { seq } => {
                self.owners.remove_ready(&entry.owner, entry.place(seq));
            }
            State::Running => {}
        }
        true
    }

    /// Stops admitting: [`next_admission`](Scheduler::next_admission) returns
    /// `None` until [`resume`](Scheduler::resume); running jobs are untouched.
    pub(crate) fn drain(&mut self) {
        self.draining = true;
    }

    /// Admits again after [`drain`](Scheduler::drain).
    pub(crate) fn resume(&mut self) {
        self.draining = false;
    }

    /// Whether the scheduler is draining.
    #[cfg(test)]
    pub(crate) fn is_draining(&self) -> bool {
        self.draining
    }

    /// How many jobs are queued, delayed ones included.
    pub(crate) fn queued_len(&self) -> usize {
        self.jobs.len().saturating_sub(self.running_len())
    }

    /// How many admitted jobs have not finished.
    pub(crate) fn running_len(&self) -> usize {
        usize::try_from(self.usage.running).unwrap_or(usize::MAX)
    }

    /// When the earliest delayed job becomes admissible: call
    /// [`next_admission`](Scheduler::next_admission) again then. Jobs waiting
    /// for capacity have no time; they are woken by
    /// [`finished`](Scheduler::finished).
    pub(crate) fn next_wakeup(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    fn check_new(&self, id: &Id, request: &Request) -> Result<(), RefusedError<Id>> {
        if let Some(existing) = request.key.as_ref().and_then(|key| self.keys.get(key)) {
            return Err(RefusedError::Duplicate {
                id: id.clone(),
                key: request.key.clone().unwrap_or_default(),
                existing: existing.clone(),
            });
        }
        if self.jobs.contains_key(id) {
            return Err(RefusedError::AlreadyKnown { id: id.clone() });
        }
        Ok(())
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    /// Records a new job (checked by `check_new`) and its key.
    fn remember(&mut self, id: Id, request: Request, state: State) -> &Entry {
        if let Some(key) = &request.key {
            self.keys.insert(key.clone(), id.clone());
        }
        let entry = Entry {
            owner: self.owners.intern(&request.owner),
            priority: request.priority,
            demand: request.demand,
            key: request.key,
            state,
            skips: 0,
        };
        self.jobs.entry(id).insert_entry(entry).into_mut()
    }

    /// Drops a job's entry, its key and any reservation for it.
    fn forget(&mut self, id: &Id) -> Option<Entry> {
        let entry = self.jobs.remove(id)?;
        if let Some(key) = &entry.key {
            self.keys.remove(key);
        }
        if self.reserved.as_ref() == Some(id) {
            self.reserved = None;
        }
        Some(entry)
    }

    /// The job capacity is held back for, if any.
    #[cfg(test)]
    pub(crate) fn reserved(&self) -> Option<&Id> {
        self.reserved.as_ref()
    }

    /// Whether nothing at all is left inside (for leak tests).
    #[cfg(test)]
    pub(crate) fn is_empty_inside(&self) -> bool {
        self.jobs.is_empty()
            && self.keys.is_empty()
            && self.owners.is_empty()
            && self.timers.len() == 0
            && self.reserved.is_none()
            && self.usage == Usage::default()
    }
}
