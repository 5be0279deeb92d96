use super::*;

#[test]
fn converts_units_and_counts_oom_kills() {
    let cgroup = CgroupUsage {
        cpu_user_ns: 1_999_999,
        cpu_system_ns: 3_000_000,
        memory_peak_bytes: Some(4096),
        oom_kills: 1,
        io_read_bytes: 10,
        io_write_bytes: 20,
    };
    let started: Timestamp = serde_json::from_str("1000").unwrap();
    let ended: Timestamp = serde_json::from_str("3500").unwrap();
    let usage = from_cgroup(&cgroup, Some(started), ended);
    assert_eq!(usage.cpu_user_ms, 1);
    assert_eq!(usage.cpu_system_ms, 3);
    assert_eq!(usage.peak_memory_bytes, Some(4096));
    assert_eq!((usage.io_read_bytes, usage.io_write_bytes), (10, 20));
    assert_eq!(usage.wall_ms, 2500);
    assert!(usage.oom_killed);
    let never_started = from_cgroup(&CgroupUsage::default(), None, ended);
    assert_eq!(never_started.wall_ms, 0);
    assert!(!never_started.oom_killed);
}
