use super::*;

#[test]
fn start_ticks_survive_odd_command_names() {
    let stat = "42 (a) b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10";
    assert_eq!(parse_start_ticks(stat), Some(123456));
    assert_eq!(parse_start_ticks("garbage"), None);
}

#[test]
fn our_own_start_time_is_readable_and_stable() {
    let pid = std::process::id() as i32;
    assert!(start_ticks(pid).is_some());
    assert_eq!(start_ticks(pid), start_ticks(pid));
}
