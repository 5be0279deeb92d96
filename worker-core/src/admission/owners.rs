//! Owners, their queues of admissible jobs, and the fair order between them.
//!
//! Fairness rule: the next job comes from the owner with the smallest share,
//! `running * SHARE_SCALE / weight` (integer arithmetic), ties broken first come
//! first served across owners; within an owner, higher priority first, then
//! first come first served.
//!
//! For the tie, an owner's head job counts as arriving when it was queued or
//! when its owner last had a job started, whichever is later. With the plain
//! age of the head job, an owner who queued a thousand jobs first would win
//! every tie, and at capacity 1 (where every free slot is a tie at share 0)
//! nobody else would start until its queue was empty. Counting from the last
//! start makes owners with equal shares take turns, like fair queuing.
//!
//! Owners are kept in an ordered index keyed by (share, arrival), updated in
//! O(log n) whenever an owner's running count or head job changes, so the
//! fairest owner is the index's first.

use super::capacity::Demand;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Scale of a share, so that `running / weight` keeps precision in integers.
const SHARE_SCALE: u64 = 1_000_000;

/// Where a job stands in its owner's queue: higher priority first, then older.
pub(crate) type Place = (Reverse<i32>, u64);

/// A job in an owner's queue of admissible jobs.
#[derive(Debug, Clone)]
pub(crate) struct Queued<Id> {
    /// The job.
    pub(crate) id: Id,
    /// What it counts against the budgets.
    pub(crate) demand: Demand,
}

#[derive(Debug)]
struct Owner<Id> {
    weight: u64,
    running: u64,
    /// Sequence number taken when the owner last had a job started.
    last_start: u64,
    ready: BTreeMap<Place, Queued<Id>>,
    /// The owner's key in `Owners::order`, while it has a ready job.
    order_key: Option<(u64, u64)>,
}

/// Every owner with a job admissible or running, in fair order.
#[derive(Debug)]
pub(crate) struct Owners<Id> {
    by_name: HashMap<Arc<str>, Owner<Id>>,
    /// Weights set for owners, whether or not they have jobs now.
    weights: HashMap<String, NonZeroU32>,
    /// (share, arrival of the head job) -> owner, for owners with a ready job.
    order: BTreeMap<(u64, u64), Arc<str>>,
}

impl<Id: Clone> Owners<Id> {
    /// No owners.
    pub(crate) fn new() -> Owners<Id> {
        Owners {
            by_name: HashMap::new(),
            weights: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// The owner's name as shared text, reusing the owner's if it is known.
    pub(crate) fn intern(&self, name: &str) -> Arc<str> {
        match self.by_name.get_key_value(name) {
            Some((known, _)) => Arc::clone(known),
            None => Arc::from(name),
        }
    }

    /// Sets `owner`'s weight: with weight 2 it gets twice the running jobs of an
    /// owner with weight 1 when both have work waiting. The default is 1.
    pub(crate) fn set_weight(&mut self, owner: &str, weight: NonZeroU32) {
        if weight.get() == 1 {
            self.weights.remove(owner);
        } else {
            self.weights.insert(owner.to_owned(), weight);
        }
        if let Some(state) = self.by_name.get_mut(owner) {
            state.weight = u64::from(weight.get());
            let name = self.intern(owner);
            self.refresh(&name);
        }
    }

    /// Adds an admissible job to `owner`'s queue at `place`.
    pub(crate) fn push_ready(&mut self, owner: &Arc<str>, place: Place, job: Queued<Id>) {
        self.entry(owner).ready.insert(place, job);
        self.refresh(owner);
    }

    /// Takes the job at `place` out of `owner`'s queue.
    pub(crate) fn remove_ready(&mut self, owner: &Arc<str>, place: Place) -> Option<Queued<Id>> {
        let job = self.by_name.get_mut(owner)?.ready.remove(&place);
        self.refresh(owner);
        job
    }

    /// Moves the job at `place` from `owner`'s queue to its running jobs;
    /// `stamp` is a fresh sequence number, the time of this start.
    pub(crate) fn start(&mut self, owner: &Arc<str>, place: Place, stamp: u64) {
        let state = self.entry(owner);
        state.ready.remove(&place);
        state.running = state.running.saturating_add(1);
        state.last_start = stamp;
        self.refresh(owner);
    }

    /// Counts one more running job for `owner`, which was never queued here.
    pub(crate) fn add_running(&mut self, owner: &Arc<str>) {
        let state = self.entry(owner);
        state.running = state.running.saturating_add(1);
        self.refresh(owner);
    }

    /// Counts one running job fewer for `owner`.
    pub(crate) fn stop(&mut self, owner: &Arc<str>) {
        if let Some(state) = self.by_name.get_mut(owner) {
            state.running = state.running.saturating_sub(1);
            self.refresh(owner);
        }
    }

    /// Owners with an admissible job, fairest first, each with its head job.
    pub(crate) fn fair_order(&self) -> impl Iterator<Item = &Queued<Id>> + '_ {
        self.order.values().filter_map(|name| {
            let state = self.by_name.get(name)?;
            state.ready.first_key_value().map(|(_, job)| job)
        })
    }

    /// How many of `owner`'s queued jobs come before `place`. O(that many).
    pub(crate) fn ahead_of(&self, owner: &str, place: Place) -> usize {
        self.by_name
            .get(owner)
            .map_or(0, |state| state.ready.range(..place).count())
    }

    /// How many of `owner`'s jobs are queued and admissible.
    pub(crate) fn ready_len(&self, owner: &str) -> usize {
        self.by_name.get(owner).map_or(0, |state| state.ready.len())
    }

    /// How many jobs `owner` has running.
    #[cfg(test)]
    pub(crate) fn running(&self, owner: &str) -> u64 {
        self.by_name.get(owner).map_or(0, |state| state.running)
    }

    /// Whether no owner has a job queued or running.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.order.is_empty()
    }

    fn entry(&mut self, owner: &Arc<str>) -> &mut Owner<Id> {
        let weight = self.weights.get(&**owner).map_or(1, |w| u64::from(w.get()));
        self.by_name
            .entry(Arc::clone(owner))
            .or_insert_with(|| Owner {
                weight,
                running: 0,
                last_start: 0,
                ready: BTreeMap::new(),
                order_key: None,
            })
    }

    /// Puts `owner` back in its place in the fair order after a change, and
    /// forgets it once it has nothing queued or running.
    fn refresh(&mut self, owner: &Arc<str>) {
        let Some(state) = self.by_name.get_mut(owner) else {
            return;
        };
        let key = state.ready.first_key_value().map(|((_, seq), _)| {
            let share = state.running.saturating_mul(SHARE_SCALE) / state.weight.max(1);
            (share, (*seq).max(state.last_start))
        });
        if key != state.order_key {
            if let Some(old) = state.order_key.take() {
                self.order.remove(&old);
            }
            if let Some(new) = key {
                self.order.insert(new, Arc::clone(owner));
            }
            state.order_key = key;
        }
        if state.running == 0 && state.ready.is_empty() {
            self.by_name.remove(owner);
        }
    }
}

#[cfg(test)]
mod tests;
