use super::*;

#[test]
fn manual_clock_moves_only_when_told_and_clones_share_time() {
    let clock = ManualClock::at(1_000);
    let seen_by_scheduler = clock.clone();
    assert_eq!(seen_by_scheduler.now(), Millis(1_000));
    clock.advance(250);
    assert_eq!(seen_by_scheduler.now(), Millis(1_250));
    clock.set(5);
    assert_eq!(seen_by_scheduler.now(), Millis(5));
}

#[test]
fn system_clock_is_after_2020() {
    assert!(SystemClock.now() > Millis(1_577_836_800_000));
}

#[test]
fn plus_saturates() {
    assert_eq!(Millis(u64::MAX - 1).plus(10), Millis(u64::MAX));
    assert_eq!(Millis(1).plus(2), Millis(3));
}
