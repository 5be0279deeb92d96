//! What /proc says about processes: memory (PSS, RSS), children, load, and a
//! process identity (pid plus start time) that survives pid reuse.

use std::io;

/// A field of a `Key:   value kB` file (smaps_rollup, status), in KiB.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Proportional set size of `pid`, in KiB (shared pages divided among their users).
pub fn pss_kib(pid: i32) -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    kib_field(&text, "Pss").ok_or_else(|| io::Error::other(format!("no Pss for {pid}")))
}

/// Resident set size of this process, in KiB.
pub fn own_rss_kib() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    kib_field(&text, "VmRSS").ok_or_else(|| io::Error::other("no VmRSS"))
}

/// The children of `pid` (of its main thread, which is the only one here).
pub fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .map(|text| {
            text.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The type of the file system holding `path`, as /proc/self/mountinfo names it
/// (the longest mount point that is a prefix of it).
pub fn file_system(path: &std::path::Path) -> String {
    let Ok(path) = std::fs::canonicalize(path) else {
        return "unknown".to_owned();
    };
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return "unknown".to_owned();
    };
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let mount_point = fields.nth(4)?;
            // After the optional fields, " - " then the file system type.
            let kind = line.split(" - ").nth(1)?.split(' ').next()?;
            path.starts_with(mount_point)
                .then(|| (mount_point.len(), kind.to_owned()))
        })
        .max()
        .map_or_else(|| "unknown".to_owned(), |(_, kind)| kind)
}

/// `/proc/loadavg`'s first three fields.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// State (field 3) and start time (field 22) of `pid`, from /proc/<pid>/stat.
fn state_and_start(pid: i32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command (field 2) may hold spaces and parentheses; the rest follows the last ')'.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// One process, named by pid and start time, so a reused pid is not mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessRef {
    pub pid: i32,
    start_ticks: u64,
}

impl ProcessRef {
    /// The process now running as `pid`, if any.
    pub fn of(pid: i32) -> Option<ProcessRef> {
        let (_, start_ticks) = state_and_start(pid)?;
        Some(ProcessRef { pid, start_ticks })
    }

    /// Its start time, in clock ticks since boot.
    pub fn start_ticks(&self) -> u64 {
        self.start_ticks
    }

    /// Whether it still exists and is not a zombie.
    pub fn alive(&self) -> bool {
        matches!(state_and_start(self.pid), Some((state, start)) if start == self.start_ticks && state != 'Z')
    }
}
