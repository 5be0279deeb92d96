//! A rootless job without a cgroup (its limits are not enforced, and its
//! status says so): its processes are found through its sandbox's init
//! instead, and its cpu time through the supervisor's own accounting.
//!
//! Every process of the sandbox descends from its init (PID 1 of its pid
//! namespace, which adopts the namespace's orphans), and killing that init
//! makes the kernel kill every other process of the namespace before the
//! init is gone. So stop and cleanup need no cgroup; only limits do.

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::Signal;
use std::collections::HashSet;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use worker_isolate::cgroup::{CgroupError, CgroupOp, CgroupUsage, JobCgroup};

/// How long [`Untracked::kill_all`] waits for the init to go.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// The processes of one attempt's sandbox, by its init.
pub(super) struct Untracked {
    /// The sandbox init's pid, and a pidfd that cannot outlive it into a reused pid.
    init: OnceLock<(i32, OwnedFd)>,
    /// The supervisor's children's cpu time before this attempt, in nanoseconds.
    baseline: (u64, u64),
}

impl Untracked {
    pub(super) fn new() -> Untracked {
        Untracked {
            init: OnceLock::new(),
            baseline: children_cpu_ns(),
        }
    }

    fn io_error(op: CgroupOp, pid: i32, source: std::io::Error) -> CgroupError {
        CgroupError::Io {
            op,
            path: PathBuf::from(format!("/proc/{pid}")),
            source,
        }
    }
}

/// User and system cpu time of the calling process's reaped children (and
/// theirs), in nanoseconds.
fn children_cpu_ns() -> (u64, u64) {
    let Ok(usage) = getrusage(UsageWho::RUSAGE_CHILDREN) else {
        return (0, 0);
    };
    let ns = |time: nix::sys::time::TimeVal| {
        u64::try_from(time.tv_sec()).unwrap_or(0) * 1_000_000_000
            + u64::try_from(time.tv_usec()).unwrap_or(0) * 1_000
    };
    (ns(usage.user_time()), ns(usage.system_time()))
}

/// The parent of each live process, from `/proc/<pid>/stat`.
fn parents() -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the command name's closing parenthesis: state, then ppid.
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let _state = fields.next()?;
            Some((pid, fields.next()?.parse().ok()?))
        })
        .collect()
}

/// `root` and every process descending from it.
fn descendants(root: i32, parents: &[(i32, i32)]) -> Vec<i32> {
    let mut found: HashSet<i32> = HashSet::from([root]);
    loop {
        let before = found.len();
        for (pid, parent) in parents {
            if found.contains(parent) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            break;
        }
    }
    let mut pids: Vec<i32> = found.into_iter().collect();
    pids.sort_unstable();
    pids
}

impl JobCgroup for Untracked {
    fn path_description(&self) -> String {
        match self.init.get() {
            Some((pid, _)) => format!(
                "no cgroup (rootless, limits not enforced): the pid namespace of sandbox init {pid}"
            ),
            None => "no cgroup (rootless, limits not enforced)".to_owned(),
        }
    }

    fn add_process(&self, pid: i32) -> Result<(), CgroupError> {
        if pid <= 0 {
            return Err(CgroupError::InvalidPid { pid });
        }
        let pidfd = crate::sys::pidfd_open(pid)
            .map_err(|source| Untracked::io_error(CgroupOp::AddProcess { pid }, pid, source))?;
        // Only the sandbox init is ever added; a second call changes nothing.
        let _ = self.init.set((pid, pidfd));
        Ok(())
    }

    fn processes(&self) -> Result<Vec<i32>, CgroupError> {
        let Some((init, pidfd)) = self.init.get() else {
            return Ok(Vec::new());
        };
        if !matches!(crate::sys::pidfd_exited(pidfd.as_fd(), 0), Ok(false)) {
            // Exited (a zombie, or reaped), and with it the whole namespace.
            return Ok(Vec::new());
        }
        Ok(descendants(*init, &parents()))
    }

    fn signal_all(&self, signal: i32) -> Result<(), CgroupError> {
        let signal = Signal::try_from(signal).map_err(|_| CgroupError::InvalidSignal { signal })?;
        let mut first_error = None;
        for pid in self.processes()? {
            match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal) {
                Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
                Err(errno) => {
                    first_error.get_or_insert(Untracked::io_error(
                        CgroupOp::Signal {
                            pid,
                            signal: signal as i32,
                        },
                        pid,
                        errno.into(),
                    ));
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        let Some((init, pidfd)) = self.init.get() else {
            return Ok(());
        };
        // SIGKILL to the init of a pid namespace kills every process in it.
        let _ = crate::sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
        // The pidfd turns readable once the init has exited, which it does only
        // after every other process of its namespace is gone.
        let deadline = Instant::now() + KILL_WAIT;
        loop {
            let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = PollTimeout::try_from(left.as_millis().min(1000) as i32)
                .unwrap_or(PollTimeout::ZERO);
            match poll(&mut fds, timeout) {
                Ok(n) if n > 0 => return Ok(()),
                Ok(_) | Err(nix::errno::Errno::EINTR) if Instant::now() < deadline => {}
                _ => {
                    return Err(CgroupError::KillIncomplete {
                        path: PathBuf::from(format!("/proc/{init}")),
                        remaining: descendants(*init, &parents()),
                        rounds: 1,
                    });
                }
            }
        }
    }

    fn usage(&self) -> Result<CgroupUsage, CgroupError> {
        // Complete once the init has been reaped (it reaps the job's processes).
        let (user, system) = children_cpu_ns();
        Ok(CgroupUsage {
            cpu_user_ns: user.saturating_sub(self.baseline.0),
            cpu_system_ns: system.saturating_sub(self.baseline.1),
            ..CgroupUsage::default()
        })
    }

    fn remove(&self) -> Result<(), CgroupError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
