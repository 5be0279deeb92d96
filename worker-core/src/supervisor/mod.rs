//! A job's supervisor: the re-executed program, outside the sandbox, in a session
//! of its own. Creates the job's cgroup, starts the sandbox, pumps its output to
//! the log, handles stop requests, records the end, and cleans up.
//!
//! Single-threaded by design (it forks the sandbox without exec'ing again), and
//! driven by one `poll` loop over the sandbox's pipes and a signalfd.
//!
//! - `lifecycle`: the job's life, from its spec to its recorded end, attempt
//!   after attempt;
//! - `attempt`: one attempt, a function per stage; `cgroup`: its cgroup;
//! - `pump`: the loop while the sandbox runs, which tells the supervisor what
//!   happens (`events`); `verdict`: how the attempt ended.

mod attempt;
mod cgroup;
mod events;
mod lifecycle;
mod pump;
pub(crate) mod verdict;

use crate::job::registry;
use crate::logs::output_log::OutputLogWriter;
use crate::state::{self, JobLock, JobPaths, JobSpec, JobState, JobStatus};
use crate::sys::error_chain;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use worker_isolate::cgroup::JobCgroup;

/// Runs the supervisor of the job in `job_dir`; returns the process exit code.
pub(crate) fn run(job_dir: PathBuf) -> i32 {
    run_with(job_dir, Handed::default())
}

/// What the launcher hands a supervisor it forks, besides the lock.
#[derive(Debug, Default)]
pub(crate) struct Handed {
    /// A network namespace made ahead of time, for the job's first attempt
    /// (used if the job gets a network namespace of its own and the
    /// supervisor is root; later attempts make their own).
    pub(crate) network_namespace: Option<OwnedFd>,
    /// The mount namespace of a root template for this job's state
    /// directory, which every attempt copies if the job's root fits it.
    pub(crate) root_template: Option<OwnedFd>,
    /// The write end of the starter's done pipe: closed once the job's end
    /// is recorded and its lock released, so that the starter's wait ends
    /// before this process has let go of the sandbox's mounts and exited.
    pub(crate) done: Option<OwnedFd>,
}

/// [`run`], with what the launcher hands over (see [`Handed`]).
pub(crate) fn run_with(job_dir: PathBuf, handed: Handed) -> i32 {
    let Handed {
        network_namespace,
        root_template,
        done,
    } = handed;
    // Before any descriptor is opened: descriptor 4 is the application's pidfd
    // only if the launcher handed one down (tied jobs). Taken later, it could be
    // one of our own (the signalfd) and end up owned twice.
    let application = crate::sys::inherited_fd(crate::protocol::handoff::APPLICATION_FD);
    // First: a stop request that arrives during setup must wait for the loop, not
    // kill us before we can clean up.
    let signals = match block_signals() {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("workernator supervisor: cannot block signals: {error}");
            return 1;
        }
    };
    // Our own session: the application's terminal and process group signals do not
    // reach us.
    let _ = nix::unistd::setsid();
    let paths = JobPaths::at(job_dir);
    let lock = match crate::sys::inherited_fd(crate::protocol::handoff::LOCK_FD)
        .ok_or_else(|| {
            "no job lock on descriptor 3: supervisors are started by Runner::start".to_owned()
        })
        .and_then(|fd| JobLock::adopt(fd, &paths).map_err(|error| error_chain(&error)))
    {
        Ok(lock) => lock,
        Err(message) => {
            eprintln!("workernator supervisor: {message}");
            return 1;
        }
    };
    let mut status: JobStatus = match state::read_locked(&paths.status()) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("workernator supervisor: {error}");
            return 1;
        }
    };
    // A job the admission thread started was queued: until its status records a
    // supervisor, reconciliation takes it for one still waiting (see `prepare`).
    let admitted_from_queue = status.state == JobState::Queued;
    status.supervisor_pid = Some(std::process::id() as i32);
    // Admitted (if it was queued): from here on the supervisor is responsible.
    status.state = JobState::Starting;
    status.waiting = None;
    status.supervisor_start_ticks = crate::host::proc::start_ticks(std::process::id() as i32);
    let mut supervisor = Supervisor {
        paths,
        status,
        log: None,
        cgroup: None,
        keep_work_dir: false,
        application,
        network_namespace,
        root_template,
        done,
        sandbox_mounts: None,
        announced: false,
        stop_seen: false,
        admitted_from_queue,
    };
    let code = supervisor.supervise(signals, &lock);
    // The end is recorded: the lock goes first, then the starter's wait ends
    // (at end of file on its done pipe), before this process's own exit.
    drop(lock);
    drop(supervisor.done.take());
    code
}

fn block_signals() -> nix::Result<SignalFd> {
    let mut mask = SigSet::empty();
    for signal in [
        Signal::SIGCHLD,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
    ] {
        mask.add(signal);
    }
    mask.thread_block()?;
    SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
}

fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task")
        .ok()
        .map(|tasks| tasks.count())
}

struct Supervisor {
    paths: JobPaths,
    status: JobStatus,
    log: Option<OutputLogWriter>,
    cgroup: Option<Box<dyn JobCgroup>>,
    keep_work_dir: bool,
    application: Option<OwnedFd>,
    /// A network namespace made ahead of time, for one sandbox only.
    network_namespace: Option<OwnedFd>,
    /// The mount namespace of the launcher's root template for this job's
    /// state directory: every attempt whose root fits it copies it.
    root_template: Option<OwnedFd>,
    /// The write end of the starter's done pipe (see [`Handed`]).
    done: Option<OwnedFd>,
    /// The running sandbox's mount namespace. Held until after the done pipe
    /// closes, so that the init's exit does not tear down its mounts (which
    /// waits for an expedited RCU grace period) while the starter waits.
    sandbox_mounts: Option<std::fs::File>,
    /// Whether a status with this supervisor's pid has been written (see
    /// [`Supervisor::write_status`]).
    announced: bool,
    /// A stop request was found right after the announcing write.
    stop_seen: bool,
    /// The job was queued and started by the admission thread.
    admitted_from_queue: bool,
}

/// What every attempt of the job needs, read once.
struct Prepared {
    spec: JobSpec,
    entry: &'static registry::JobEntry,
    args: Vec<u8>,
}

/// How a wait between attempts (or before the first) ended.
enum Waited {
    Elapsed,
    StopRequested,
}
