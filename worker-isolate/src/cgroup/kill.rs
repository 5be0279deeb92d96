//! Signalling and killing every process of a cgroup, shared by v1 and v2.
//!
//! Killing by reading `cgroup.procs` and signalling each pid races with
//! `fork`: a child created after the read survives. Two ways around it:
//! - v2 `cgroup.kill` (Linux 5.14): the kernel kills the whole cgroup,
//!   including tasks being forked.
//! - freeze, kill, thaw: once the cgroup is frozen nothing in it can fork or
//!   exit (so no pid is reused either), the list is final; SIGKILL is pending
//!   for every listed task and takes effect on thaw.
//!
//! Both run in bounded rounds and end with [`CgroupError::KillIncomplete`]
//! if processes are still listed.

use std::path::Path;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use super::error::with_cleanup;
use super::fsutil;
use super::{CgroupError, CgroupOp};

/// Kill rounds before giving up.
const KILL_ROUNDS: u32 = 5;
/// How long to wait for a freeze to settle before killing anyway (a task in
/// uninterruptible sleep can hold a v1 cgroup in FREEZING).
const FREEZE_WAIT: Duration = Duration::from_millis(500);
/// How long to wait, per round, for killed processes to leave the cgroup.
const EXIT_WAIT: Duration = Duration::from_millis(500);

/// The freezer of one cgroup, v1 (`freezer.state`) or v2 (`cgroup.freeze`).
pub(super) trait Freezer {
    /// Asks the kernel to freeze; freezing completes asynchronously.
    fn request_freeze(&self) -> Result<(), CgroupError>;
    /// Whether every task is frozen now.
    fn is_frozen(&self) -> Result<bool, CgroupError>;
    /// Thaws.
    fn thaw(&self) -> Result<(), CgroupError>;
}

/// Checks a signal number against the platform's signals.
pub(super) fn to_signal(signal: i32) -> Result<Signal, CgroupError> {
    Signal::try_from(signal).map_err(|_| CgroupError::InvalidSignal { signal })
}

/// Sends `signal` to each pid. A process that is already gone (`ESRCH`) is
/// fine. Keeps going after a failure, to reach the others, and returns the
/// first failure.
pub(super) fn signal_each(dir: &Path, pids: &[i32], signal: Signal) -> Result<(), CgroupError> {
    let mut first_error = None;
    for &pid in pids {
        match signal::kill(Pid::from_raw(pid), signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(errno) => {
                first_error.get_or_insert(CgroupError::io(
                    CgroupOp::Signal {
                        pid,
                        signal: signal as i32,
                    },
                    dir,
                    errno.into(),
                ));
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Waits (bounded) until `list` is empty; true if it emptied.
fn wait_empty(
    budget: Duration,
    list: &dyn Fn() -> Result<Vec<i32>, CgroupError>,
) -> Result<bool, CgroupError> {
    let emptied = fsutil::poll(budget, || Ok(list()?.is_empty().then_some(())))?;
    Ok(emptied.is_some())
}

fn incomplete(
    dir: &Path,
    list: &dyn Fn() -> Result<Vec<i32>, CgroupError>,
) -> Result<(), CgroupError> {
    let remaining = list()?;
    if remaining.is_empty() {
        return Ok(());
    }
    Err(CgroupError::KillIncomplete {
        path: dir.to_path_buf(),
        remaining,
        rounds: KILL_ROUNDS,
    })
}

/// v2 `cgroup.kill`: write `1`, wait for the list to empty; repeat a few times.
pub(super) fn kill_with_kill_file(
    dir: &Path,
    kill_file: &Path,
    list: &dyn Fn() -> Result<Vec<i32>, CgroupError>,
) -> Result<(), CgroupError> {
    for round in 1..=KILL_ROUNDS {
        if list()?.is_empty() {
            return Ok(());
        }
        tracing::debug!(cgroup = %dir.display(), round, "killing through cgroup.kill");
        fsutil::write(kill_file, "1", CgroupOp::Kill)?;
        if wait_empty(EXIT_WAIT, list)? {
            return Ok(());
        }
    }
    incomplete(dir, list)
}

/// Freeze, SIGKILL everything listed, thaw, wait; in rounds. Without a
/// freezer it is a plain kill loop, which a fast forker can outrun, so it
/// is only the fallback when the kernel has no freezer.
pub(super) fn kill_by_freezing(
    dir: &Path,
    freezer: Option<&dyn Freezer>,
    list: &dyn Fn() -> Result<Vec<i32>, CgroupError>,
) -> Result<(), CgroupError> {
    for round in 1..=KILL_ROUNDS {
        if list()?.is_empty() {
            return Ok(());
        }
        tracing::debug!(cgroup = %dir.display(), round, frozen = freezer.is_some(), "killing");
        match freezer {
            Some(freezer) => {
                freezer.request_freeze()?;
                let killed = freeze_then_kill(dir, freezer, list);
                // Thaw whatever happened, or the cgroup stays frozen forever.
                with_cleanup(killed, freezer.thaw())?;
            }
            None => signal_each(dir, &list()?, Signal::SIGKILL)?,
        }
        if wait_empty(EXIT_WAIT, list)? {
            return Ok(());
        }
    }
    incomplete(dir, list)
}

fn freeze_then_kill(
    dir: &Path,
    freezer: &dyn Freezer,
    list: &dyn Fn() -> Result<Vec<i32>, CgroupError>,
) -> Result<(), CgroupError> {
    let frozen = fsutil::poll(FREEZE_WAIT, || Ok(freezer.is_frozen()?.then_some(())))?;
    if frozen.is_none() {
        tracing::warn!(cgroup = %dir.display(), "cgroup did not finish freezing; killing anyway");
    }
    // Read the list only now: forks that raced the freeze are in it.
    signal_each(dir, &list()?, Signal::SIGKILL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    #[test]
    fn signal_numbers_are_checked() {
        assert_eq!(to_signal(9).ok(), Some(Signal::SIGKILL));
        assert!(matches!(
            to_signal(0),
            Err(CgroupError::InvalidSignal { signal: 0 })
        ));
        assert!(matches!(
            to_signal(-3),
            Err(CgroupError::InvalidSignal { signal: -3 })
        ));
    }

    /// A freezer that records calls and fails thaw on request. No real
    /// processes are involved: the lists below are always empty after the
    /// first read, so nothing is ever signalled.
    struct FakeFreezer {
        calls: RefCell<Vec<&'static str>>,
        fail_thaw: bool,
    }

    impl Freezer for FakeFreezer {
        fn request_freeze(&self) -> Result<(), CgroupError> {
            self.calls.borrow_mut().push("freeze");
            Ok(())
        }
        fn is_frozen(&self) -> Result<bool, CgroupError> {
            self.calls.borrow_mut().push("is_frozen");
            Ok(true)
        }
        fn thaw(&self) -> Result<(), CgroupError> {
            self.calls.borrow_mut().push("thaw");
            if self.fail_thaw {
                Err(CgroupError::InvalidPid { pid: -1 })
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn empty_cgroup_is_not_frozen() {
        let freezer = FakeFreezer {
            calls: RefCell::new(vec![]),
            fail_thaw: false,
        };
        kill_by_freezing(Path::new("/x"), Some(&freezer), &|| Ok(vec![])).expect("empty");
        assert!(freezer.calls.borrow().is_empty());
    }

    #[test]
    fn freeze_list_thaw_order_and_thaw_failure_is_reported() {
        let freezer = FakeFreezer {
            calls: RefCell::new(vec![]),
            fail_thaw: true,
        };
        // First read (before freezing) sees a "process", later reads see none,
        // so no signal is ever sent.
        let reads = Cell::new(0);
        let list = || {
            reads.set(reads.get() + 1);
            Ok(if reads.get() == 1 {
                vec![i32::MAX]
            } else {
                vec![]
            })
        };
        let err = kill_by_freezing(Path::new("/x"), Some(&freezer), &list).expect_err("thaw fails");
        assert!(matches!(err, CgroupError::InvalidPid { pid: -1 }));
        assert_eq!(*freezer.calls.borrow(), vec!["freeze", "is_frozen", "thaw"]);
    }

    #[test]
    fn list_errors_propagate() {
        let err = kill_by_freezing(Path::new("/x"), None, &|| {
            Err(CgroupError::InvalidSignal { signal: 1 })
        })
        .expect_err("list fails");
        assert!(matches!(err, CgroupError::InvalidSignal { signal: 1 }));
    }
}
