//! Scenario tests of the scheduler as the runner uses it, with a manual clock.

mod budgets;
mod fairness;
mod lifecycle;
mod timing;

use super::clock::ManualClock;
use super::{Capacity, Demand, Request, Scheduler};

/// One GiB.
const GIB: u64 = 1 << 30;

type TestScheduler = Scheduler<u32, ManualClock>;

/// A scheduler with `capacity` and a clock at time 1000 that the test moves.
fn scheduler(capacity: Capacity) -> (TestScheduler, ManualClock) {
    let clock = ManualClock::at(1_000);
    (Scheduler::new(capacity, clock.clone()), clock)
}

/// Queues jobs `ids` for `owner`, each with `demand`.
fn enqueue_many(
    scheduler: &mut TestScheduler,
    owner: &str,
    ids: impl IntoIterator<Item = u32>,
    demand: Demand,
) {
    for id in ids {
        let request = Request::owner(owner).demand(demand);
        if let Err(error) = scheduler.enqueue(id, request) {
            panic!("job {id} refused: {error}");
        }
    }
}

/// Admits until nothing more may start; returns the ids in admission order.
fn admit_all(scheduler: &mut TestScheduler) -> Vec<u32> {
    std::iter::from_fn(|| scheduler.next_admission().map(|admitted| admitted.id)).collect()
}

/// A demand of `millicores` and `bytes`.
fn demand(millicores: u64, bytes: u64) -> Demand {
    Demand {
        cpu_millicores: millicores,
        memory_bytes: bytes,
    }
}
