//! Reading facts about processes from /proc.

/// Start time of process `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`); with the pid, it identifies a process across pid reuse.
pub(crate) fn start_ticks(pid: i32) -> Option<u64> {
    parse_start_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parse_start_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces and parentheses; the fields after
    // it follow the last ')'. Field 22 is the 20th after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
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
}
