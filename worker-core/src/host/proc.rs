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
mod tests;
