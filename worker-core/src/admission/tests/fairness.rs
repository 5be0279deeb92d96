//! Fair order across owners, FIFO and priority within one.

use super::*;
use std::collections::VecDeque;
use std::num::NonZeroU32;

/// Issue 8's Funnel scenario: one owner's flood queued first does not hold back
/// another owner's few jobs.
#[test]
fn funnel_a_late_owner_starts_within_the_next_slots_not_after_the_flood() {
    let (mut s, _clock) = scheduler(Capacity::jobs(2));
    enqueue_many(&mut s, "a", 0..1_000, Demand::default());
    let mut running: VecDeque<u32> = admit_all(&mut s).into();
    assert_eq!(running, [0, 1]);
    enqueue_many(&mut s, "b", 1_000..1_010, Demand::default());

    // Each slot: the oldest running job ends and admission fills the gap.
    let mut b_started_at_slot = Vec::new();
    for slot in 1..=40 {
        let done = running.pop_front().expect("two jobs run");
        assert!(s.finished(&done));
        for id in admit_all(&mut s) {
            if id >= 1_000 {
                b_started_at_slot.push(slot);
            }
            running.push_back(id);
        }
    }
    assert_eq!(b_started_at_slot.len(), 10, "all of b's jobs started");
    assert_eq!(
        b_started_at_slot[0], 1,
        "b's first job takes the first free slot"
    );
    assert!(
        b_started_at_slot.iter().all(|&slot| slot <= 20),
        "b gets every other slot while both wait: {b_started_at_slot:?}"
    );
    assert!(s.queued_len() > 950, "a's flood is still mostly queued");
}

#[test]
fn an_owner_with_weight_two_gets_twice_the_running_share() {
    let (mut s, _clock) = scheduler(Capacity::jobs(30));
    s.set_weight("heavy", NonZeroU32::new(2).expect("non-zero"));
    enqueue_many(&mut s, "heavy", 0..200, Demand::default());
    enqueue_many(&mut s, "light", 1_000..1_200, Demand::default());
    let mut running: VecDeque<u32> = admit_all(&mut s).into();
    let count = |running: &VecDeque<u32>| running.iter().filter(|&&id| id < 1_000).count();
    assert_eq!(count(&running), 20);
    assert_eq!(running.len(), 30);
    for _ in 0..100 {
        let done = running.pop_front().expect("jobs run");
        assert!(s.finished(&done));
        running.extend(admit_all(&mut s));
        assert_eq!(count(&running), 20, "heavy keeps two thirds through churn");
        assert_eq!(running.len(), 30);
    }
}

#[test]
fn jobs_of_one_owner_start_first_come_first_served() {
    let (mut s, _clock) = scheduler(Capacity::jobs(100));
    enqueue_many(&mut s, "a", [7, 3, 9, 1, 5], Demand::default());
    assert_eq!(admit_all(&mut s), [7, 3, 9, 1, 5]);
}

#[test]
fn owners_with_equal_shares_take_turns_oldest_head_first() {
    let (mut s, _clock) = scheduler(Capacity::jobs(100));
    for (id, owner) in [(1, "a"), (2, "b"), (3, "a"), (4, "b"), (5, "c")] {
        s.enqueue(id, Request::owner(owner)).expect("queued");
    }
    assert_eq!(admit_all(&mut s), [1, 2, 5, 3, 4]);
}

#[test]
fn higher_priority_starts_first_within_an_owner_then_fifo() {
    let (mut s, _clock) = scheduler(Capacity::jobs(100));
    for (id, priority) in [(0, 0), (1, 5), (2, 1), (3, 5), (4, 0), (5, -3)] {
        s.enqueue(id, Request::owner("a").priority(priority))
            .expect("queued");
    }
    assert_eq!(admit_all(&mut s), [1, 3, 2, 0, 4, 5]);
}

#[test]
fn priority_does_not_jump_ahead_of_other_owners_share() {
    let (mut s, _clock) = scheduler(Capacity::jobs(2));
    s.enqueue(0, Request::owner("a")).expect("queued");
    assert_eq!(admit_all(&mut s), [0]);
    s.enqueue(1, Request::owner("a").priority(100))
        .expect("queued");
    s.enqueue(2, Request::owner("b")).expect("queued");
    assert_eq!(admit_all(&mut s), [2], "b has no running job, a has one");
}

#[test]
fn the_default_owner_is_an_owner_like_any_other() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1));
    s.enqueue(0, Request::default()).expect("queued");
    s.enqueue(1, Request::default()).expect("queued");
    s.enqueue(2, Request::owner("b")).expect("queued");
    assert_eq!(admit_all(&mut s), [0]);
    assert!(s.finished(&0));
    assert_eq!(admit_all(&mut s), [2]);
    assert!(s.finished(&2));
    assert_eq!(admit_all(&mut s), [1]);
}

/// At capacity 1 every free slot is a tie at share 0; owners must take turns
/// rather than the first flood winning every tie.
#[test]
fn funnel_at_capacity_one_owners_take_turns() {
    let (mut s, _clock) = scheduler(Capacity::jobs(1));
    enqueue_many(&mut s, "a", 0..1_000, Demand::default());
    assert_eq!(admit_all(&mut s), [0]);
    enqueue_many(&mut s, "b", 1_000..1_010, Demand::default());
    let mut running = 0;
    let mut order = Vec::new();
    for _ in 0..21 {
        assert!(s.finished(&running));
        let started = admit_all(&mut s);
        assert_eq!(started.len(), 1);
        running = started[0];
        order.push(running);
    }
    let b_slots: Vec<usize> = (0..order.len()).filter(|&i| order[i] >= 1_000).collect();
    assert_eq!(b_slots.len(), 10, "b's jobs all started: {order:?}");
    assert!(
        b_slots[0] <= 1,
        "b starts in the first or second free slot: {order:?}"
    );
    assert!(
        b_slots.windows(2).all(|w| w[1] - w[0] == 2),
        "then every other slot: {order:?}"
    );
}
