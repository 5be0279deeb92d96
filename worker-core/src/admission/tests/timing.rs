//! Delayed jobs: admitted when the clock reaches `not_before`, not before.

use super::*;
use crate::admission::{Millis, WaitReason};

#[test]
fn a_delayed_job_starts_only_when_the_clock_reaches_not_before() {
    let (mut s, clock) = scheduler(Capacity::jobs(10));
    s.enqueue(1, Request::owner("a").not_before(Millis(5_000)))
        .expect("queued");
    assert_eq!(s.next_wakeup(), Some(Millis(5_000)));
    assert_eq!(
        s.why_waiting(&1),
        Some(WaitReason::NotBefore(Millis(5_000)))
    );
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    clock.set(4_999);
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    assert_eq!(s.queued_len(), 1);
    clock.set(5_000);
    assert_eq!(admit_all(&mut s), [1]);
    assert_eq!(s.next_wakeup(), None);
    assert!(s.finished(&1));
    assert!(s.is_empty_inside());
}

#[test]
fn next_wakeup_is_the_earliest_delayed_job() {
    let (mut s, clock) = scheduler(Capacity::jobs(10));
    for (id, at) in [(1, 9_000), (2, 3_000), (3, 6_000)] {
        s.enqueue(id, Request::owner("a").not_before(Millis(at)))
            .expect("queued");
    }
    assert_eq!(s.next_wakeup(), Some(Millis(3_000)));
    clock.set(3_000);
    assert_eq!(admit_all(&mut s), [2]);
    assert_eq!(s.next_wakeup(), Some(Millis(6_000)));
    assert!(s.remove(&3), "a cancelled delayed job goes");
    assert_eq!(s.next_wakeup(), Some(Millis(9_000)));
    clock.advance(100_000);
    assert_eq!(admit_all(&mut s), [1]);
    assert_eq!(s.next_wakeup(), None);
}

#[test]
fn a_not_before_in_the_past_is_admissible_at_once() {
    let (mut s, _clock) = scheduler(Capacity::jobs(10));
    s.enqueue(1, Request::owner("a").not_before(Millis(1_000)))
        .expect("queued");
    s.enqueue(2, Request::owner("a").not_before(Millis(10)))
        .expect("queued");
    assert_eq!(s.next_wakeup(), None);
    assert_eq!(admit_all(&mut s), [1, 2]);
}

#[test]
fn a_delayed_job_joins_its_owners_queue_when_it_becomes_due() {
    let (mut s, clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a").not_before(Millis(2_000)))
        .expect("queued");
    s.enqueue(2, Request::owner("a")).expect("queued");
    s.enqueue(3, Request::owner("a")).expect("queued");
    assert_eq!(admit_all(&mut s), [2]);
    clock.set(2_000);
    assert!(s.finished(&2));
    assert_eq!(admit_all(&mut s), [3], "3 was admissible before 1 was due");
    assert!(s.finished(&3));
    assert_eq!(admit_all(&mut s), [1]);
}

#[test]
fn jobs_due_together_become_admissible_in_due_then_enqueue_order() {
    let (mut s, clock) = scheduler(Capacity::jobs(10));
    for (id, at) in [(1, 2_000), (2, 1_500), (3, 2_000)] {
        s.enqueue(id, Request::owner("a").not_before(Millis(at)))
            .expect("queued");
    }
    clock.set(2_000);
    assert_eq!(admit_all(&mut s), [2, 1, 3]);
}

#[test]
fn a_due_job_waits_for_capacity_like_any_other() {
    let (mut s, clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a")).expect("queued");
    s.enqueue(2, Request::owner("b").not_before(Millis(2_000)))
        .expect("queued");
    assert_eq!(admit_all(&mut s), [1]);
    clock.set(2_500);
    assert!(matches!(s.why_waiting(&2), Some(WaitReason::Capacity(_))));
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    assert!(s.finished(&1));
    assert_eq!(admit_all(&mut s), [2]);
}
