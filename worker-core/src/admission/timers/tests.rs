use super::*;

#[test]
fn jobs_come_out_in_due_order_only_when_due() {
    let mut timers = Timers::new();
    timers.insert(Millis(30), 0, "c");
    timers.insert(Millis(10), 1, "a");
    timers.insert(Millis(10), 2, "b");
    assert_eq!(timers.next_due(), Some(Millis(10)));
    assert_eq!(timers.pop_due(Millis(9)), None);
    assert_eq!(timers.pop_due(Millis(10)), Some("a"));
    assert_eq!(timers.pop_due(Millis(10)), Some("b"));
    assert_eq!(timers.pop_due(Millis(29)), None);
    assert_eq!(timers.next_due(), Some(Millis(30)));
    assert_eq!(timers.remove(Millis(30), 0), Some("c"));
    assert_eq!(timers.next_due(), None);
    assert_eq!(timers.len(), 0);
}
