//! Delayed jobs, ordered by the time they become admissible.

use super::clock::Millis;
use std::collections::BTreeMap;

/// Jobs waiting for their `not_before` time.
///
/// An ordered map rather than a binary heap: removing a cancelled job is
/// O(log n) and leaves nothing behind, where a heap would keep a stale entry
/// until its time came.
#[derive(Debug)]
pub(crate) struct Timers<Id> {
    /// (due time, enqueue sequence number) -> job; the sequence number keeps
    /// jobs due at the same millisecond in enqueue order.
    due: BTreeMap<(Millis, u64), Id>,
}

impl<Id> Timers<Id> {
    /// No delayed jobs.
    pub(crate) fn new() -> Timers<Id> {
        Timers {
            due: BTreeMap::new(),
        }
    }

    /// Holds `id` until `at`; `seq` is unique per job.
    pub(crate) fn insert(&mut self, at: Millis, seq: u64, id: Id) {
        self.due.insert((at, seq), id);
    }

    /// Forgets the job held until `at` under `seq`.
    pub(crate) fn remove(&mut self, at: Millis, seq: u64) -> Option<Id> {
        self.due.remove(&(at, seq))
    }

    /// The earliest job due at or before `now`, taken out.
    pub(crate) fn pop_due(&mut self, now: Millis) -> Option<Id> {
        let entry = self.due.first_entry()?;
        if entry.key().0 <= now {
            Some(entry.remove())
        } else {
            None
        }
    }

    /// When the earliest delayed job becomes due.
    pub(crate) fn next_due(&self) -> Option<Millis> {
        self.due.first_key_value().map(|((at, _), _)| *at)
    }

    /// How many jobs are delayed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.due.len()
    }
}

#[cfg(test)]
mod tests;
