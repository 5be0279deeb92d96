//! Pure parsers for the cgroup files we read. No I/O here, so every format is
//! unit-tested without root.
//!
//! Formats follow the kernel's `Documentation/admin-guide/cgroup-v2.rst`
//! ("Interface Files": newline separated, flat keyed) and the cgroup v1 docs
//! (`memory.txt`, `cpuacct.txt`, `freezer-subsystem.txt`).

/// Where and why a file did not parse; the caller adds the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FormatError {
    /// 1-based line number; `None` for the file as a whole (a missing key).
    pub(super) line: Option<usize>,
    pub(super) reason: &'static str,
}

/// CPU time split into user and system, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CpuTimes {
    pub(super) user_ns: u64,
    pub(super) system_ns: u64,
}

/// `cgroup.procs`: one process id per line, possibly empty.
pub(super) fn parse_procs(contents: &str) -> Result<Vec<i32>, FormatError> {
    let mut pids = Vec::new();
    for (index, line) in contents.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.parse::<i32>() {
            Ok(pid) if pid > 0 => pids.push(pid),
            _ => {
                return Err(FormatError {
                    line: Some(index + 1),
                    reason: "expected a positive process id",
                });
            }
        }
    }
    Ok(pids)
}

/// Finds `key` in a flat keyed file (`KEY VALUE` per line) and parses its
/// value. Other keys are ignored, whatever their shape; `Ok(None)` when absent.
fn flat_keyed_u64(contents: &str, key: &str) -> Result<Option<u64>, FormatError> {
    for (index, line) in contents.lines().enumerate() {
        let mut fields = line.split_whitespace();
        if fields.next() != Some(key) {
            continue;
        }
        return match (fields.next().map(str::parse::<u64>), fields.next()) {
            (Some(Ok(value)), None) => Ok(Some(value)),
            _ => Err(FormatError {
                line: Some(index + 1),
                reason: "expected `KEY VALUE` with an unsigned integer value",
            }),
        };
    }
    Ok(None)
}

fn required(value: Option<u64>, reason: &'static str) -> Result<u64, FormatError> {
    value.ok_or(FormatError { line: None, reason })
}

/// cgroup v2 `cpu.stat`: `user_usec` and `system_usec`, in microseconds.
pub(super) fn parse_cpu_stat(contents: &str) -> Result<CpuTimes, FormatError> {
    let user = required(
        flat_keyed_u64(contents, "user_usec")?,
        "missing key user_usec",
    )?;
    let system = required(
        flat_keyed_u64(contents, "system_usec")?,
        "missing key system_usec",
    )?;
    Ok(CpuTimes {
        user_ns: user.saturating_mul(1_000),
        system_ns: system.saturating_mul(1_000),
    })
}

/// cgroup v1 `cpuacct.stat`: `user` and `system` in USER_HZ ticks
/// (`clk_tck` ticks per second, from `sysconf(_SC_CLK_TCK)`).
pub(super) fn parse_cpuacct_stat(contents: &str, clk_tck: u64) -> Result<CpuTimes, FormatError> {
    let user = required(flat_keyed_u64(contents, "user")?, "missing key user")?;
    let system = required(flat_keyed_u64(contents, "system")?, "missing key system")?;
    Ok(CpuTimes {
        user_ns: ticks_to_ns(user, clk_tck),
        system_ns: ticks_to_ns(system, clk_tck),
    })
}

fn ticks_to_ns(ticks: u64, clk_tck: u64) -> u64 {
    let clk_tck = u128::from(clk_tck.max(1));
    let ns = u128::from(ticks) * 1_000_000_000 / clk_tck;
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// The `oom_kill` count of v2 `memory.events` or v1 `memory.oom_control`
/// (same key in both). Kernels before 4.13 lack the key: that reads as 0.
pub(super) fn parse_oom_kill(contents: &str) -> Result<u64, FormatError> {
    Ok(flat_keyed_u64(contents, "oom_kill")?.unwrap_or(0))
}

/// The `frozen` flag of v2 `cgroup.events`.
pub(super) fn parse_events_frozen(contents: &str) -> Result<bool, FormatError> {
    match flat_keyed_u64(contents, "frozen")? {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(_) => Err(FormatError {
            line: None,
            reason: "frozen must be 0 or 1",
        }),
        None => Err(FormatError {
            line: None,
            reason: "missing key frozen",
        }),
    }
}

/// A file holding one unsigned number (`memory.peak`,
/// `memory.max_usage_in_bytes`, `cpuacct.usage_user`, ...).
pub(super) fn parse_single_u64(contents: &str) -> Result<u64, FormatError> {
    contents.trim().parse::<u64>().map_err(|_| FormatError {
        line: Some(1),
        reason: "expected one unsigned integer",
    })
}

/// v1 `freezer.state`: is it `FROZEN` (not `THAWED` nor `FREEZING`)?
pub(super) fn parse_freezer_state_frozen(contents: &str) -> Result<bool, FormatError> {
    match contents.trim() {
        "FROZEN" => Ok(true),
        "THAWED" | "FREEZING" => Ok(false),
        _ => Err(FormatError {
            line: Some(1),
            reason: "expected THAWED, FREEZING or FROZEN",
        }),
    }
}

/// Bytes read and written, summed over block devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct IoBytes {
    pub(super) read: u64,
    pub(super) write: u64,
}

fn is_device(field: &str) -> bool {
    field
        .split_once(':')
        .is_some_and(|(major, minor)| major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok())
}

/// cgroup v1 `blkio.throttle.io_service_bytes`: `MAJ:MIN OP BYTES` lines per
/// device (OP is Read, Write, Sync, Async, Discard or Total) and a final
/// `Total BYTES`. Read and Write are summed over devices.
pub(super) fn parse_blkio_service_bytes(contents: &str) -> Result<IoBytes, FormatError> {
    let mut bytes = IoBytes::default();
    for (index, line) in contents.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let bad = FormatError {
            line: Some(index + 1),
            reason: "expected `MAJ:MIN OP BYTES` or `Total BYTES`",
        };
        match fields.as_slice() {
            [] => {}
            ["Total", value] => {
                value.parse::<u64>().map_err(|_| bad)?;
            }
            [device, op, value] if is_device(device) => {
                let value = value.parse::<u64>().map_err(|_| bad)?;
                match *op {
                    "Read" => bytes.read = bytes.read.saturating_add(value),
                    "Write" => bytes.write = bytes.write.saturating_add(value),
                    _ => {}
                }
            }
            _ => return Err(bad),
        }
    }
    Ok(bytes)
}

/// cgroup v2 `io.stat`: one line per device, `MAJ:MIN key=value ...` with
/// keys rbytes, wbytes, rios, wios, dbytes, dios (and more on some kernels).
/// rbytes and wbytes are summed over devices.
pub(super) fn parse_io_stat(contents: &str) -> Result<IoBytes, FormatError> {
    let mut bytes = IoBytes::default();
    for (index, line) in contents.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let Some(device) = fields.next() else {
            continue;
        };
        let bad = |reason| FormatError {
            line: Some(index + 1),
            reason,
        };
        if !is_device(device) {
            return Err(bad("expected a line starting with MAJ:MIN"));
        }
        for field in fields {
            let (key, value) = field
                .split_once('=')
                .ok_or(bad("expected key=value fields"))?;
            let slot = match key {
                "rbytes" => &mut bytes.read,
                "wbytes" => &mut bytes.write,
                _ => continue,
            };
            let value = value
                .parse::<u64>()
                .map_err(|_| bad("expected an unsigned integer value"))?;
            *slot = slot.saturating_add(value);
        }
    }
    Ok(bytes)
}

/// v2 `cgroup.controllers` / `cgroup.subtree_control`: space separated names.
pub(super) fn parse_controllers(contents: &str) -> Vec<&str> {
    contents.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procs_parses_lines_and_tolerates_empty() {
        assert_eq!(parse_procs(""), Ok(vec![]));
        assert_eq!(parse_procs("\n"), Ok(vec![]));
        assert_eq!(parse_procs("12\n345\n"), Ok(vec![12, 345]));
        assert_eq!(parse_procs("12\n  7  \n"), Ok(vec![12, 7]));
    }

    #[test]
    fn procs_rejects_garbage_zero_and_negative() {
        assert_eq!(parse_procs("12\nabc\n").map_err(|e| e.line), Err(Some(2)));
        assert!(parse_procs("0\n").is_err());
        assert!(parse_procs("-5\n").is_err());
        assert!(parse_procs("99999999999\n").is_err());
    }

    #[test]
    fn cpu_stat_v2() {
        let contents = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnice_usec 0\n\
                        nr_periods 3\nnr_throttled 1\nthrottled_usec 20\n\
                        core_sched.force_idle_usec 0\n";
        assert_eq!(
            parse_cpu_stat(contents),
            Ok(CpuTimes {
                user_ns: 1_000_000,
                system_ns: 500_000
            })
        );
    }

    #[test]
    fn cpu_stat_v2_missing_or_bad() {
        assert_eq!(
            parse_cpu_stat("usage_usec 1\nsystem_usec 2\n").map_err(|e| e.reason),
            Err("missing key user_usec")
        );
        assert_eq!(
            parse_cpu_stat("user_usec x\nsystem_usec 2\n").map_err(|e| e.line),
            Err(Some(1))
        );
        assert!(parse_cpu_stat("user_usec 1 2\nsystem_usec 2\n").is_err());
    }

    #[test]
    fn cpu_stat_v2_saturates() {
        let contents = format!("user_usec {}\nsystem_usec 0\n", u64::MAX);
        assert_eq!(parse_cpu_stat(&contents).map(|t| t.user_ns), Ok(u64::MAX));
    }

    #[test]
    fn cpuacct_stat_v1_ticks_to_ns() {
        let times = parse_cpuacct_stat("user 10295\nsystem 3003\n", 100).expect("parses");
        assert_eq!(times.user_ns, 102_950_000_000);
        assert_eq!(times.system_ns, 30_030_000_000);
        // An odd tick rate still converts exactly where it can.
        let times = parse_cpuacct_stat("user 3\nsystem 0\n", 300).expect("parses");
        assert_eq!(times.user_ns, 10_000_000);
        // A nonsense tick rate of 0 does not divide by zero.
        assert!(parse_cpuacct_stat("user 1\nsystem 1\n", 0).is_ok());
        assert!(parse_cpuacct_stat("user 1\n", 100).is_err());
    }

    #[test]
    fn oom_kill_v2_memory_events() {
        let contents = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(parse_oom_kill(contents), Ok(1));
    }

    #[test]
    fn oom_kill_v1_oom_control() {
        let contents = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(parse_oom_kill(contents), Ok(3));
        // Kernels before 4.13 have no oom_kill line.
        assert_eq!(parse_oom_kill("oom_kill_disable 0\nunder_oom 0\n"), Ok(0));
        assert!(parse_oom_kill("oom_kill lots\n").is_err());
    }

    #[test]
    fn oom_kill_does_not_match_oom_group_kill() {
        assert_eq!(parse_oom_kill("oom_group_kill 5\n"), Ok(0));
    }

    #[test]
    fn cgroup_events_frozen() {
        assert_eq!(parse_events_frozen("populated 1\nfrozen 0\n"), Ok(false));
        assert_eq!(parse_events_frozen("populated 0\nfrozen 1\n"), Ok(true));
        assert!(parse_events_frozen("populated 1\n").is_err());
        assert!(parse_events_frozen("frozen 2\n").is_err());
    }

    #[test]
    fn single_values() {
        assert_eq!(parse_single_u64("33554432\n"), Ok(33_554_432));
        assert!(parse_single_u64("max\n").is_err());
        assert!(parse_single_u64("").is_err());
    }

    #[test]
    fn freezer_state_v1() {
        assert_eq!(parse_freezer_state_frozen("FROZEN\n"), Ok(true));
        assert_eq!(parse_freezer_state_frozen("FREEZING\n"), Ok(false));
        assert_eq!(parse_freezer_state_frozen("THAWED\n"), Ok(false));
        assert!(parse_freezer_state_frozen("frozen\n").is_err());
    }

    #[test]
    fn blkio_service_bytes_v1() {
        // As Linux 6.x prints it: one block per device, then the total.
        let contents = "254:0 Read 4096\n254:0 Write 8192\n254:0 Sync 8192\n\
                        254:0 Async 4096\n254:0 Discard 0\n254:0 Total 12288\n\
                        8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 3\n\
                        8:0 Discard 0\n8:0 Total 3\nTotal 12291\n";
        assert_eq!(
            parse_blkio_service_bytes(contents),
            Ok(IoBytes {
                read: 4097,
                write: 8194
            })
        );
        // A cgroup that never did io.
        assert_eq!(
            parse_blkio_service_bytes("Total 0\n"),
            Ok(IoBytes::default())
        );
        assert_eq!(
            parse_blkio_service_bytes("254:0 Read x\n").map_err(|e| e.line),
            Err(Some(1))
        );
        assert!(parse_blkio_service_bytes("sda Read 1\n").is_err());
    }

    #[test]
    fn io_stat_v2() {
        let contents = "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n\
                        8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n";
        assert_eq!(
            parse_io_stat(contents),
            Ok(IoBytes {
                read: 1_459_200 + 90_430_464,
                write: 314_773_504 + 299_008_000
            })
        );
        assert_eq!(parse_io_stat(""), Ok(IoBytes::default()));
        // Unknown keys (newer kernels add some) are skipped.
        assert_eq!(
            parse_io_stat("8:0 rbytes=1 wbytes=2 cost.usage=7\n"),
            Ok(IoBytes { read: 1, write: 2 })
        );
        assert!(parse_io_stat("8:0 rbytes\n").is_err());
        assert!(parse_io_stat("8:0 rbytes=-1\n").is_err());
        assert!(parse_io_stat("total rbytes=1\n").is_err());
    }

    #[test]
    fn controllers_list() {
        assert_eq!(
            parse_controllers("cpuset cpu io memory pids\n"),
            vec!["cpuset", "cpu", "io", "memory", "pids"]
        );
        assert!(parse_controllers("\n").is_empty());
    }
}
