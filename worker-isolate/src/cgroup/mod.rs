//! One cgroup per job, on cgroup v1 or v2, through cgroups-rs.
//!
//! [`CgroupRoot`] finds the layout (v2 unified mount, or v1 controller
//! mounts) at an injectable root and creates or opens job cgroups under a
//! shared parent; each job cgroup is a [`JobCgroup`]: move processes in, list
//! and signal them, kill them all without losing a race to `fork`, read
//! accounting, remove.
//!
//! cgroups-rs writes the limits, attaches processes and drives the freezer;
//! what it lacks or gets wrong for us is done directly on the files: creating
//! directories and enabling v2 controllers at our root, `cgroup.kill`,
//! `cgroup.events`, `memory.peak`, `memory.events`, `memory.oom_control`, cpu
//! accounting, and reading `cgroup.procs` (its readers turn errors into empty
//! lists and zeros). File formats are parsed by pure functions, tested
//! without root.
//!
//! v1 uses only `memory`, `pids`, `cpu`, `cpuacct`, `freezer` and `blkio`.
//!
//! Every method blocks briefly (bounded: `kill_all` a few seconds at worst,
//! `remove` ~40 ms of `EBUSY` retries); call from a blocking thread in async
//! code.
#![deny(unsafe_code)]

mod delegation;
mod error;
mod fake;
mod fsutil;
mod kill;
mod limits;
mod parse;
mod root;
mod self_move;
mod v1;
mod v2;

#[cfg(test)]
mod tests_host;
#[cfg(test)]
mod tests_tree;

pub use delegation::{Delegation, DelegationError, UNIFIED_MOUNTS};
pub use error::{CgroupError, CgroupOp};
pub use fake::{RecordedCall, RecordingCgroup};
pub use limits::{CgroupLimits, CgroupUsage, IoDeviceLimit};
pub use root::{CgroupRoot, CgroupVersion, DEFAULT_CGROUP_ROOT};
pub use self_move::{SelfMove, SelfMoveError, move_calling_thread};

/// One job's cgroup.
///
/// Made by [`CgroupRoot::create`] or [`CgroupRoot::open`]; a test double is
/// [`RecordingCgroup`].
pub trait JobCgroup: Send + Sync {
    /// Where the cgroup is, for errors and status ("cgroup v2
    /// /sys/fs/cgroup/workernator/job-1").
    fn path_description(&self) -> String;

    /// Moves process `pid` (all its threads) into the cgroup; on v1 into every
    /// controller hierarchy used.
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidPid`] unless `pid > 0`; [`CgroupError::Io`]
    /// (e.g. `ESRCH` if the process is gone).
    fn add_process(&self, pid: i32) -> Result<(), CgroupError>;

    /// What a single-threaded process needs to move *itself* into the cgroup
    /// ([`SelfMove`], then [`move_calling_thread`]), where that is cheaper than
    /// [`JobCgroup::add_process`]: on v1, a thread moving itself skips the
    /// kernel's global threadgroup lock, whose writer mode costs an RCU grace
    /// period (milliseconds on an idle machine). `None` where there is no such
    /// way: use `add_process` then.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] if a `tasks` file cannot be opened.
    fn open_self_move(&self) -> Result<Option<SelfMove>, CgroupError> {
        Ok(None)
    }

    /// A descriptor of the cgroup's directory for `clone3(CLONE_INTO_CGROUP)`,
    /// so that the job's first process is born inside, with no move at all (v2,
    /// where a move by pid takes the kernel's global threadgroup lock and a
    /// self-move is not allowed). `None` where that is not how it is done.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] if the directory cannot be opened.
    fn open_for_clone(&self) -> Result<Option<std::os::fd::OwnedFd>, CgroupError> {
        Ok(None)
    }

    /// The processes in the cgroup (`cgroup.procs`; on v1 the union over the
    /// hierarchies), sorted on v1, in kernel order on v2.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] or [`CgroupError::Parse`].
    fn processes(&self) -> Result<Vec<i32>, CgroupError>;

    /// Whether no process is left, by the cheapest reading that can tell: on
    /// v1 the `cgroup.procs` of one hierarchy only. That suffices when every
    /// process of the job descends from one that was moved into all of the
    /// job's hierarchies (children stay in their parent's cgroups); a process
    /// someone else moved into a single hierarchy may be missed (use
    /// [`JobCgroup::processes`] or [`JobCgroup::kill_all`] then).
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] or [`CgroupError::Parse`].
    fn holds_no_process(&self) -> Result<bool, CgroupError> {
        Ok(self.processes()?.is_empty())
    }

    /// Sends `signal` to every process listed now. Processes that exit
    /// meanwhile are skipped; a process forked during the call may be missed
    /// (use [`JobCgroup::kill_all`] to end a job).
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidSignal`]; [`CgroupError::Io`] for the first
    /// process that could not be signalled (the others are still tried).
    fn signal_all(&self, signal: i32) -> Result<(), CgroupError>;

    /// SIGKILLs every process until the cgroup is empty, without losing to
    /// processes that fork meanwhile: v2 `cgroup.kill` where present, else
    /// freeze / kill / thaw (v1 `freezer.state`, v2 `cgroup.freeze`), in a
    /// bounded number of rounds.
    ///
    /// # Errors
    ///
    /// [`CgroupError::KillIncomplete`] if processes remain after the last
    /// round; [`CgroupError::Io`] on a file or signal failure.
    fn kill_all(&self) -> Result<(), CgroupError>;

    /// CPU time, peak memory and OOM kills so far.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] or [`CgroupError::Parse`].
    fn usage(&self) -> Result<CgroupUsage, CgroupError>;

    /// Removes the cgroup directory (in every v1 hierarchy), child cgroups
    /// first, retrying `EBUSY` briefly. Already removed is fine; the shared
    /// parent is left alone. Kill the processes first.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`], e.g. `EBUSY` if processes remain.
    fn remove(&self) -> Result<(), CgroupError>;
}

/// Shows the cgroup's [`JobCgroup::path_description`], so that
/// `Box<dyn JobCgroup>` can sit in `Debug` types and results.
impl std::fmt::Debug for dyn JobCgroup + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("JobCgroup")
            .field(&self.path_description())
            .finish()
    }
}
