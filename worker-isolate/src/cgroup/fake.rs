//! A test double for [`JobCgroup`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{CgroupError, CgroupUsage, JobCgroup};

/// One call made on a [`RecordingCgroup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordedCall {
    /// `add_process(pid)`.
    AddProcess(i32),
    /// `processes()`.
    Processes,
    /// `signal_all(signal)`.
    SignalAll(i32),
    /// `kill_all()`.
    KillAll,
    /// `usage()`.
    Usage,
    /// `remove()`.
    Remove,
}

/// A fake [`JobCgroup`] for tests elsewhere: touches no file and no process,
/// records every call, keeps a process list (`add_process` adds, `kill_all`
/// empties) and returns the usage set with [`RecordingCgroup::set_usage`].
///
/// ```
/// use worker_isolate::cgroup::{JobCgroup, RecordedCall, RecordingCgroup};
///
/// # fn main() -> Result<(), worker_isolate::cgroup::CgroupError> {
/// let cgroup = RecordingCgroup::new("fake job");
/// cgroup.add_process(42)?;
/// assert_eq!(cgroup.processes()?, vec![42]);
/// cgroup.kill_all()?;
/// assert!(cgroup.processes()?.is_empty());
/// assert_eq!(
///     cgroup.calls(),
///     vec![
///         RecordedCall::AddProcess(42),
///         RecordedCall::Processes,
///         RecordedCall::KillAll,
///         RecordedCall::Processes,
///     ]
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct RecordingCgroup {
    description: String,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<RecordedCall>,
    processes: Vec<i32>,
    usage: CgroupUsage,
    removed: bool,
}

impl RecordingCgroup {
    /// A fake whose `path_description` is `description`.
    pub fn new(description: impl Into<String>) -> RecordingCgroup {
        RecordingCgroup {
            description: description.into(),
            state: Mutex::default(),
        }
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state().calls.clone()
    }

    /// Sets what `usage()` returns.
    pub fn set_usage(&self, usage: CgroupUsage) {
        self.state().usage = usage;
    }

    /// Whether `remove()` was called.
    pub fn is_removed(&self) -> bool {
        self.state().removed
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not turn into a second one here.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, call: RecordedCall) -> MutexGuard<'_, State> {
        let mut state = self.state();
        state.calls.push(call);
        state
    }
}

impl JobCgroup for RecordingCgroup {
    fn path_description(&self) -> String {
        self.description.clone()
    }

    fn add_process(&self, pid: i32) -> Result<(), CgroupError> {
        let mut state = self.record(RecordedCall::AddProcess(pid));
        if pid <= 0 {
            return Err(CgroupError::InvalidPid { pid });
        }
        if !state.processes.contains(&pid) {
            state.processes.push(pid);
        }
        Ok(())
    }

    fn processes(&self) -> Result<Vec<i32>, CgroupError> {
        Ok(self.record(RecordedCall::Processes).processes.clone())
    }

    fn signal_all(&self, signal: i32) -> Result<(), CgroupError> {
        drop(self.record(RecordedCall::SignalAll(signal)));
        Ok(())
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        self.record(RecordedCall::KillAll).processes.clear();
        Ok(())
    }

    fn usage(&self) -> Result<CgroupUsage, CgroupError> {
        Ok(self.record(RecordedCall::Usage).usage)
    }

    fn remove(&self) -> Result<(), CgroupError> {
        self.record(RecordedCall::Remove).removed = true;
        Ok(())
    }
}
