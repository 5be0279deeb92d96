//! Admission: which queued jobs start, within the runner's capacity, fairly
//! across owners.
//!
//! Pure and in memory: no I/O, no threads, time from an injected [`Clock`]. The
//! runner persists each job's [`Request`] in its spec, feeds the scheduler, and
//! starts what [`Scheduler::next_admission`] returns.
//!
//! - Capacity: at most `max_running` jobs, and the sums of running jobs' cpu and
//!   memory limits within the budgets. A job that declares no cpu or memory
//!   limit counts zero against that budget, so only against `max_running`.
//! - A job whose demand exceeds the whole capacity is refused at enqueue.
//! - Fair order: the owner with the smallest `running / weight` share goes
//!   first (ties: the oldest head job); within an owner, higher priority first,
//!   then FIFO. See `owners` for the index and `scheduler::decide` for how a
//!   job too big for what is free is passed over, and then reserved for.
//! - Delayed jobs wait in a timer map until `not_before`.
//! - Uniqueness: a key held by a queued or running job refuses a duplicate.

mod capacity;
mod clock;
mod error;
mod owners;
mod request;
mod scheduler;
mod timers;
mod wait;

#[cfg(test)]
mod tests;

pub(crate) use capacity::{Capacity, Demand};
pub(crate) use clock::{Millis, SystemClock};
pub(crate) use error::RefusedError;
pub(crate) use request::Request;
pub(crate) use scheduler::Scheduler;

#[cfg(test)]
pub(crate) use {
    capacity::{Resource, Shortage},
    wait::WaitReason,
};
