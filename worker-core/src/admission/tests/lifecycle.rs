//! Drain and resume, uniqueness keys, removal, restore, and that nothing is
//! left behind.

use super::*;
use crate::admission::{Millis, RefusedError, WaitReason};
use std::num::NonZeroU32;

#[test]
fn draining_starts_nothing_until_resumed_and_running_jobs_finish() {
    let (mut s, _clock) = scheduler(Capacity::jobs(2));
    enqueue_many(&mut s, "a", 0..5, Demand::default());
    assert_eq!(admit_all(&mut s), [0, 1]);
    s.drain();
    assert!(s.is_draining());
    assert!(s.finished(&0), "running jobs still finish");
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    assert_eq!(s.why_waiting(&2), Some(WaitReason::Draining));
    s.enqueue(9, Request::owner("b"))
        .expect("queued while draining");
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    s.resume();
    assert!(!s.is_draining());
    assert_eq!(admit_all(&mut s), [9]);
    assert_eq!(s.running_len(), 2);
    assert_eq!(s.queued_len(), 3);
}

#[test]
fn a_key_held_by_a_queued_or_running_job_refuses_a_duplicate() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a").key("report"))
        .expect("queued");
    let duplicate = Err(RefusedError::Duplicate {
        id: 2,
        key: "report".to_owned(),
        existing: 1,
    });
    assert_eq!(s.enqueue(2, Request::owner("b").key("report")), duplicate);
    assert_eq!(admit_all(&mut s), [1]);
    assert_eq!(
        s.enqueue(2, Request::owner("b").key("report")),
        duplicate,
        "running still holds the key"
    );
    assert!(s.finished(&1));
    s.enqueue(2, Request::owner("b").key("report"))
        .expect("the key is free once the job finished");
    assert!(s.remove(&2));
    s.enqueue(3, Request::owner("b").key("report"))
        .expect("the key is free once the job was removed");
    assert_eq!(s.queued_len(), 1);
}

#[test]
fn a_duplicate_is_reported_even_if_it_could_never_fit() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1).memory_bytes(GIB));
    s.enqueue(1, Request::owner("a").key("k")).expect("queued");
    let refused = s.enqueue(2, Request::owner("a").key("k").demand(demand(0, 2 * GIB)));
    assert!(matches!(
        refused,
        Err(RefusedError::Duplicate { existing: 1, .. })
    ));
}

#[test]
fn the_same_id_twice_is_refused() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a")).expect("queued");
    assert_eq!(
        s.enqueue(1, Request::owner("b")),
        Err(RefusedError::AlreadyKnown { id: 1 })
    );
    assert_eq!(s.queued_len(), 1);
}

#[test]
fn finished_is_for_running_jobs_and_remove_for_queued_ones() {
    let (mut s, clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a")).expect("queued");
    s.enqueue(2, Request::owner("a")).expect("queued");
    s.enqueue(3, Request::owner("a").not_before(Millis(9_000)))
        .expect("queued");
    assert_eq!(admit_all(&mut s), [1]);
    assert!(!s.finished(&2), "2 is queued, not running");
    assert!(!s.remove(&1), "1 is running, not queued");
    assert!(
        !s.finished(&42) && !s.remove(&42),
        "unknown ids change nothing"
    );
    assert!(s.remove(&2));
    assert!(!s.remove(&2), "already gone");
    assert!(s.remove(&3));
    assert_eq!(s.next_wakeup(), None);
    assert!(s.finished(&1));
    assert!(!s.finished(&1), "already finished");
    clock.advance(10_000);
    assert_eq!(admit_all(&mut s), Vec::<u32>::new());
    assert!(s.is_empty_inside());
}

#[test]
fn restored_running_jobs_count_against_capacity() {
    let (mut s, _clock) = scheduler(Capacity::jobs(2).memory_bytes(4 * GIB));
    s.restore_running(1, Request::owner("a").demand(demand(0, 3 * GIB)))
        .expect("restored");
    s.enqueue(2, Request::owner("b").demand(demand(0, 2 * GIB)))
        .expect("queued");
    s.enqueue(3, Request::owner("b").demand(demand(0, GIB)))
        .expect("queued");
    assert_eq!(
        admit_all(&mut s),
        Vec::<u32>::new(),
        "2 waits for memory; 3 is behind it"
    );
    assert_eq!(
        s.why_waiting(&3),
        Some(WaitReason::BehindOthers { ahead_in_owner: 1 })
    );
    assert!(s.finished(&1));
    assert_eq!(admit_all(&mut s), [2, 3]);
    assert!(s.finished(&2) && s.finished(&3));
    assert!(s.is_empty_inside());
}

#[test]
fn why_waiting_is_none_for_running_and_unknown_jobs() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1));
    s.enqueue(1, Request::owner("a")).expect("queued");
    assert_eq!(
        s.why_waiting(&1),
        Some(WaitReason::BehindOthers { ahead_in_owner: 0 })
    );
    assert_eq!(admit_all(&mut s), [1]);
    assert_eq!(s.why_waiting(&1), None);
    assert_eq!(s.why_waiting(&7), None);
}

/// A busy mixed workload run to the end leaves no job, key, owner, timer or
/// reservation behind.
#[test]
fn after_everything_finishes_nothing_is_left_inside() {
    let capacity = Capacity::jobs(7)
        .cpu_millicores(6_000)
        .memory_bytes(6 * GIB);
    let (mut s, clock) = scheduler(capacity);
    s.set_weight("w3", NonZeroU32::new(3).expect("non-zero"));
    let mut running = std::collections::VecDeque::new();
    let mut removed = 0;
    for id in 0..2_000u32 {
        let n = id as u64;
        let mut request = Request::owner(format!("w{}", n % 5))
            .priority((n % 3) as i32)
            .demand(demand(n % 4 * 500, n % 6 * (GIB / 2)));
        if n % 7 == 0 {
            request = request.not_before(Millis(1_000 + n * 3));
        }
        if n % 11 == 0 {
            request = request.key(format!("k{}", n % 13));
        }
        match s.enqueue(id, request) {
            Ok(()) | Err(RefusedError::Duplicate { .. }) => {}
            Err(error) => panic!("{error}"),
        }
        if id % 17 == 0 && s.remove(&(id / 2)) {
            removed += 1;
        }
        clock.advance(2);
        running.extend(admit_all(&mut s));
        if id % 2 == 0 {
            if let Some(done) = running.pop_front() {
                assert!(s.finished(&done));
            }
        }
    }
    assert!(removed > 0);
    clock.advance(1_000_000);
    while s.queued_len() + s.running_len() > 0 {
        running.extend(admit_all(&mut s));
        let done = running
            .pop_front()
            .expect("a queued job always gets to run");
        assert!(s.finished(&done));
    }
    assert!(s.is_empty_inside());
}
