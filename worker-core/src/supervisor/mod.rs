//! A job's supervisor: the re-executed program, outside the sandbox, in a session
//! of its own. Creates the job's cgroup, starts the sandbox, pumps its output to
//! the log, handles stop requests, records the end, and cleans up.
//!
//! Single-threaded by design (it forks the sandbox without exec'ing again), and
//! driven by one `poll` loop over the sandbox's pipes and a signalfd.

mod pump;
pub(crate) mod verdict;

use crate::output_log::{OutputLogWriter, OutputStream};
use crate::registry;
use crate::sandbox::{self, SandboxFds, SandboxPlan};
use crate::state::{
    self, ExitReason, JobPaths, JobSpec, JobState, JobStatus, SetupFailure, Timestamp,
};
use crate::sys::{Forked, fork_single_threaded};
use nix::fcntl::{Flock, FlockArg, OFlag};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use verdict::Observed;
use worker_isolate::cgroup::{CgroupRoot, JobCgroup};
use worker_isolate::mounts::RootfsPlan;
use worker_isolate::namespaces::{self, Namespaces};

/// Runs the supervisor of the job in `job_dir`; returns the process exit code.
pub(crate) fn run(job_dir: PathBuf) -> i32 {
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
    let lock = match take_lock(&paths) {
        Ok(lock) => lock,
        Err(message) => {
            eprintln!("workernator supervisor: {message}");
            return 1;
        }
    };
    let mut status: JobStatus = match state::read_json(&paths.status()) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("workernator supervisor: {error}");
            return 1;
        }
    };
    status.supervisor_pid = Some(std::process::id() as i32);
    status.supervisor_start_ticks = own_start_ticks();
    let mut supervisor = Supervisor {
        paths,
        status,
        log: None,
        cgroup: None,
        keep_work_dir: false,
    };
    let code = supervisor.supervise(signals, &lock);
    drop(lock);
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

/// The supervisor holds the job's lock for its whole life: anyone can tell a live
/// supervisor from a dead one by trying the lock, with no pid involved.
fn take_lock(paths: &JobPaths) -> Result<Flock<File>, String> {
    let path = paths.lock();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| format!("cannot open {}: {error}", path.display()))?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock)
        .map_err(|(_, errno)| format!("{} is held by another supervisor: {errno}", path.display()))
}

/// Field 22 of /proc/self/stat: start time in clock ticks since boot.
fn own_start_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after it follow the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
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
}

/// The pipes between supervisor and sandbox, both ends.
struct Pipes {
    stdout: (OwnedFd, OwnedFd),
    stderr: (OwnedFd, OwnedFd),
    result: (OwnedFd, OwnedFd),
    reports: (OwnedFd, OwnedFd),
    go: (OwnedFd, OwnedFd),
}

impl Pipes {
    fn new() -> nix::Result<Pipes> {
        let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC);
        Ok(Pipes {
            stdout: pipe()?,
            stderr: pipe()?,
            result: pipe()?,
            reports: pipe()?,
            go: pipe()?,
        })
    }
}

impl Supervisor {
    fn supervise(&mut self, signals: SignalFd, lock: &Flock<File>) -> i32 {
        let observed = match self.start_and_watch(signals, lock) {
            Ok(observed) => observed,
            Err(message) => Observed {
                supervisor_error: Some(message),
                ..Observed::default()
            },
        };
        self.finish(observed)
    }

    fn write_status(&self) -> Result<(), String> {
        state::write_json_atomic(&self.paths.status(), &self.status)
            .map_err(|error| error.to_string())
    }

    fn start_and_watch(
        &mut self,
        signals: SignalFd,
        lock: &Flock<File>,
    ) -> Result<Observed, String> {
        // Announce ourselves (pid and start time), then look for a stop request: a
        // stopper that read the status before this write left the request file.
        self.write_status()?;
        if self.paths.stop_request().exists() {
            return Ok(Observed {
                stop_requested: true,
                ..Observed::default()
            });
        }
        if thread_count() != Some(1) {
            return Err(
                "the supervisor is not single-threaded: call workernator::init() first \
                        thing in main, before any thread starts"
                    .into(),
            );
        }
        let spec: JobSpec =
            state::read_json(&self.paths.spec()).map_err(|error| error.to_string())?;
        self.keep_work_dir = spec.keep_work_dir;
        let entry = registry::find(&spec.job_type).ok_or_else(|| {
            format!(
                "job type '{}' is not registered in this program ({}); was it built without it?",
                spec.job_type,
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        })?;
        let args = serde_json::to_vec(&spec.args).map_err(|error| error.to_string())?;
        let mut log = OutputLogWriter::create(&self.paths.output(), spec.output_cap_bytes)
            .map_err(|error| format!("cannot create {}: {error}", self.paths.output().display()))?;
        if let Err(error) = log.append(OutputStream::System, b"supervisor started") {
            self.status.output_error = Some(error_chain(&error));
        }
        self.log = Some(log);

        let cgroup = match CgroupRoot::detect().and_then(|root| {
            root.create(
                &spec.cgroup_parent,
                spec.id.as_str(),
                &spec.limits.to_cgroup(),
            )
        }) {
            Ok(cgroup) => cgroup,
            Err(error) => {
                return Ok(Observed {
                    setup_failure: Some(SetupFailure {
                        step: "create cgroup".into(),
                        path: format!("{}/{}", spec.cgroup_parent, spec.id),
                        errno: None,
                        message: error_chain(&error),
                    }),
                    ..Observed::default()
                });
            }
        };
        let cgroup = self.cgroup.insert(cgroup);

        let pipes = Pipes::new().map_err(|errno| format!("cannot create pipes: {errno}"))?;
        namespaces::new_pid_namespace_for_children().map_err(|error| error_chain(&error))?;
        let mut rootfs = RootfsPlan::new(self.paths.work());
        rootfs.hidden.push(spec.state_dir.clone());
        let plan = SandboxPlan {
            job_id: spec.id.to_string(),
            attempt: spec.attempt,
            entry,
            args,
            hostname: format!("job-{}", &spec.id.as_str()[..12]),
            namespaces: Namespaces::default(),
            rootfs,
        };
        let mut close = vec![
            lock.as_raw_fd(),
            signals.as_raw_fd(),
            pipes.stdout.0.as_raw_fd(),
            pipes.stderr.0.as_raw_fd(),
            pipes.result.0.as_raw_fd(),
            pipes.reports.0.as_raw_fd(),
            pipes.go.1.as_raw_fd(),
        ];
        if let Some(log) = &self.log {
            close.push(log.as_raw_fd());
        }
        let Pipes {
            stdout,
            stderr,
            result,
            reports,
            go,
        } = pipes;
        let sandbox_pid = match fork_single_threaded()
            .map_err(|error| format!("cannot fork the sandbox: {error}"))?
        {
            Forked::Child => sandbox::run(
                plan,
                SandboxFds {
                    stdout: stdout.1,
                    stderr: stderr.1,
                    result: result.1,
                    reports: reports.1,
                    go: go.0,
                    close,
                },
            ),
            Forked::Parent(pid) => pid,
        };
        drop((stdout.1, stderr.1, result.1, reports.1, go.0));
        self.status.sandbox_pid = Some(sandbox_pid);

        let mut observed = Observed::default();
        if let Err(error) = cgroup.add_process(sandbox_pid) {
            // Dropping the go pipe ends the waiting sandbox; reap it below.
            observed.setup_failure = Some(SetupFailure {
                step: "add the sandbox to its cgroup".into(),
                path: cgroup.path_description(),
                errno: None,
                message: error_chain(&error),
            });
            drop(go.1);
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(sandbox_pid), None);
            return Ok(observed);
        }
        let mut go = File::from(go.1);
        let _ = std::io::Write::write_all(&mut go, b"g");
        drop(go);

        let grace = std::time::Duration::from_millis(spec.stop_grace_ms);
        let mut pump = pump::Pump::new(
            stdout.0,
            stderr.0,
            result.0,
            reports.0,
            signals,
            sandbox_pid,
            grace,
        );
        pump.run(self, &mut observed);
        Ok(observed)
    }

    /// The sandbox reports its job running.
    fn job_started(&mut self) {
        self.status.state = JobState::Running;
        self.status.started_at = Some(Timestamp::now());
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append(OutputStream::System, b"job started") {
                self.status.output_error = Some(error_chain(&error));
            }
        }
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
    }

    fn append_output(&mut self, stream: OutputStream, bytes: &[u8]) {
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append(stream, bytes) {
                self.output_failed(&error);
            }
        }
    }

    /// Appends the job's bytes in `frame[HEADER_LEN..]`, framing them in place.
    fn append_output_framed(&mut self, stream: OutputStream, frame: &mut [u8]) {
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append_framed(stream, frame) {
                self.output_failed(&error);
            }
        }
    }

    /// The log took its first write failure (the log drops output from now on):
    /// the status says so at once.
    fn output_failed(&mut self, error: &crate::output_log::AppendError) {
        let message = error_chain(error);
        eprintln!("workernator supervisor: {message}");
        self.status.output_error = Some(message);
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
    }

    fn finish(&mut self, observed: Observed) -> i32 {
        if let Some(cgroup) = self.cgroup.take() {
            if let Err(error) = cgroup.kill_all() {
                eprintln!("workernator supervisor: {}", error_chain(&error));
            }
            if let Err(error) = cgroup.remove() {
                eprintln!("workernator supervisor: {}", error_chain(&error));
            }
        }
        let (exit, output) = verdict::decide(&observed);
        let mut exit = exit;
        if let Some(output) = output {
            if let Err(error) = state::write_atomic(&self.paths.result(), output) {
                exit = ExitReason::SupervisorFailed {
                    message: error.to_string(),
                };
            }
        }
        let summary = match &exit {
            ExitReason::Succeeded => "job succeeded".to_owned(),
            other => format!("job ended: {other:?}"),
        };
        self.append_output(OutputStream::System, summary.as_bytes());
        if !self.keep_work_dir {
            let work = self.paths.work();
            if let Err(error) = std::fs::remove_dir_all(&work) {
                if error.kind() != std::io::ErrorKind::NotFound {
                    eprintln!(
                        "workernator supervisor: cannot remove {}: {error}",
                        work.display()
                    );
                }
            }
        }
        self.status.finish(exit);
        match self.write_status() {
            Ok(()) => 0,
            Err(message) => {
                eprintln!("workernator supervisor: {message}");
                1
            }
        }
    }
}

/// An error and its sources, on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
