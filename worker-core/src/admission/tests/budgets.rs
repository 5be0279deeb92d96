//! Cpu and memory budgets, refusal of jobs that never fit, and big jobs among
//! small ones.

use super::super::scheduler::RESERVE_AFTER_SKIPS;
use super::*;
use crate::admission::{RefusedError, Resource, Shortage, WaitReason};
use std::collections::VecDeque;

#[test]
fn a_job_bigger_than_the_whole_memory_is_refused_with_the_reason() {
    let (mut s, _clock) = scheduler(Capacity::jobs(8).memory_bytes(16 * GIB));
    let error = s
        .enqueue(1, Request::owner("a").demand(demand(0, 40 * GIB)))
        .expect_err("can never fit");
    assert_eq!(
        error,
        RefusedError::NeverFits {
            id: 1,
            resource: Resource::Memory,
            needed: 40 * GIB,
            capacity: 16 * GIB,
        }
    );
    assert!(
        error.to_string().contains(
            "needs 40 GiB of memory, capacity is 16 GiB of memory (24 GiB of memory short)"
        ),
        "{error}"
    );
    assert_eq!(s.queued_len(), 0);
    assert!(s.is_empty_inside(), "nothing kept of a refused job");
}

#[test]
fn a_job_wanting_more_cpu_than_the_budget_is_refused() {
    let (mut s, _clock) = scheduler(Capacity::jobs(8).cpu_millicores(4_000));
    let error = s
        .enqueue(1, Request::owner("a").demand(demand(6_500, 0)))
        .expect_err("can never fit");
    assert_eq!(
        error.to_string(),
        "job 1 can never start: it needs 6.5 cpu cores, capacity is 4 cpu cores (2.5 cpu cores short)"
    );
}

#[test]
fn a_job_that_fits_exactly_is_queued() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1).cpu_millicores(4_000).memory_bytes(GIB));
    s.enqueue(1, Request::owner("a").demand(demand(4_000, GIB)))
        .expect("fits exactly");
    assert_eq!(admit_all(&mut s), [1]);
}

#[test]
fn running_jobs_never_exceed_the_cpu_and_memory_budgets() {
    let capacity = Capacity::jobs(100)
        .cpu_millicores(4_000)
        .memory_bytes(8 * GIB);
    let (mut s, _clock) = scheduler(capacity);
    // Mixed sizes from several owners; sizes cycle so both budgets bind.
    for id in 0..300u32 {
        let (cpu, mem) = [
            (500, GIB),
            (1_500, 512 << 20),
            (250, 3 * GIB),
            (1_000, 2 * GIB),
        ][id as usize % 4];
        let owner = ["a", "b", "c"][id as usize % 3];
        s.enqueue(id, Request::owner(owner).demand(demand(cpu, mem)))
            .expect("fits the capacity");
    }
    let mut running: VecDeque<u32> = VecDeque::new();
    let mut started = 0;
    while started < 300 {
        let admitted = admit_all(&mut s);
        started += admitted.len();
        running.extend(admitted);
        let usage = s.usage();
        assert!(usage.cpu_millicores <= 4_000, "{usage:?}");
        assert!(usage.memory_bytes <= 8 * GIB, "{usage:?}");
        assert!(!running.is_empty(), "something always runs while jobs wait");
        let done = running.pop_front().expect("checked");
        assert!(s.finished(&done));
    }
    for id in running {
        assert!(s.finished(&id));
    }
    assert!(s.is_empty_inside());
}

#[test]
fn jobs_without_limits_count_only_against_max_running() {
    let (mut s, _clock) = scheduler(Capacity::jobs(3).cpu_millicores(1_000).memory_bytes(GIB));
    s.enqueue(0, Request::owner("a").demand(demand(1_000, GIB)))
        .expect("queued");
    s.enqueue(1, Request::owner("a")).expect("queued");
    s.enqueue(2, Request::owner("a")).expect("queued");
    s.enqueue(3, Request::owner("a")).expect("queued");
    assert_eq!(admit_all(&mut s), [0, 1, 2], "budgets full, slots decide");
    assert_eq!(
        s.why_waiting(&3),
        Some(WaitReason::Capacity(Shortage {
            resource: Resource::Slots,
            needed: 1,
            free: 0
        }))
    );
}

#[test]
fn a_head_that_does_not_fit_lets_the_next_owner_start() {
    let (mut s, _clock) = scheduler(Capacity::jobs(10).memory_bytes(4 * GIB));
    s.enqueue(0, Request::owner("small").demand(demand(0, GIB)))
        .expect("queued");
    assert_eq!(admit_all(&mut s), [0]);
    s.enqueue(1, Request::owner("big").demand(demand(0, 4 * GIB)))
        .expect("queued");
    s.enqueue(2, Request::owner("small").demand(demand(0, GIB)))
        .expect("queued");
    assert_eq!(
        admit_all(&mut s),
        [2],
        "big does not fit beside 0; small's next does"
    );
    assert_eq!(
        s.why_waiting(&1),
        Some(WaitReason::Capacity(Shortage {
            resource: Resource::Memory,
            needed: 4 * GIB,
            free: 2 * GIB
        }))
    );
}

/// Without a reservation, a stream of small jobs that always fit would keep a
/// big job waiting forever; after `RESERVE_AFTER_SKIPS` skips capacity is held
/// for it and it starts.
#[test]
fn a_big_job_passed_over_repeatedly_gets_capacity_reserved_and_starts() {
    let (mut s, _clock) = scheduler(Capacity::jobs(10).memory_bytes(4 * GIB));
    enqueue_many(&mut s, "small", 0..1_000, demand(0, GIB));
    let mut running: VecDeque<u32> = admit_all(&mut s).into();
    assert_eq!(running.len(), 4);
    s.enqueue(5_000, Request::owner("big").demand(demand(0, 4 * GIB)))
        .expect("queued");
    let mut slot = 0;
    let big_started_at = loop {
        slot += 1;
        assert!(slot < 100, "the big job never started");
        let done = running.pop_front().expect("something runs");
        assert!(s.finished(&done));
        let started = admit_all(&mut s);
        let usage = s.usage();
        assert!(usage.memory_bytes <= 4 * GIB);
        if started.contains(&5_000) {
            break slot;
        }
        running.extend(started);
    };
    let skips = usize::try_from(RESERVE_AFTER_SKIPS).expect("small");
    assert!(
        big_started_at <= skips + 4,
        "reserved after {skips} skips, then four small jobs drain: started at slot {big_started_at}"
    );
    assert_eq!(s.running_len(), 1, "the big job runs alone");
}

#[test]
fn while_capacity_is_reserved_smaller_jobs_start_only_beside_it() {
    let (mut s, _clock) = scheduler(Capacity::jobs(10).memory_bytes(4 * GIB));
    enqueue_many(&mut s, "small", 0..1_000, demand(0, GIB));
    enqueue_many(&mut s, "tiny", 2_000..3_000, demand(0, 0));
    let mut running: VecDeque<u32> = admit_all(&mut s).into();
    s.enqueue(5_000, Request::owner("big").demand(demand(0, 3 * GIB)))
        .expect("queued");
    let mut tiny_started_while_reserved = false;
    for _ in 0..100 {
        let Some(done) = running.pop_front() else {
            break;
        };
        assert!(s.finished(&done));
        let started = admit_all(&mut s);
        if started.contains(&5_000) {
            return assert!(
                tiny_started_while_reserved,
                "jobs demanding nothing kept starting beside the reservation"
            );
        }
        let small_started = started.iter().any(|&id| id < 1_000);
        if s.reserved() == Some(&5_000) {
            assert!(!small_started, "no small job eats into the reservation");
            tiny_started_while_reserved |= started.iter().any(|&id| id >= 2_000);
        }
        running.extend(started);
    }
    panic!("the big job never started");
}

#[test]
fn a_decision_looks_at_a_bounded_number_of_owners() {
    use super::super::scheduler::LOOKAHEAD;
    let (mut s, _clock) = scheduler(Capacity::jobs(1_000).memory_bytes(4 * GIB));
    s.enqueue(0, Request::owner("holder").demand(demand(0, GIB)))
        .expect("queued");
    assert_eq!(admit_all(&mut s), [0]);
    let blocked = u32::try_from(LOOKAHEAD).expect("small");
    for id in 1..=blocked {
        s.enqueue(
            id,
            Request::owner(format!("big{id}")).demand(demand(0, 4 * GIB)),
        )
        .expect("queued");
    }
    s.enqueue(10_000, Request::owner("late").demand(demand(0, GIB)))
        .expect("queued");
    assert_eq!(
        admit_all(&mut s),
        Vec::<u32>::new(),
        "the small job behind {LOOKAHEAD} blocked owners waits for a later decision"
    );
}
