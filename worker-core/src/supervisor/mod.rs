//! A job's supervisor: the re-executed program, outside the sandbox, in a session
//! of its own. Creates the job's cgroup, starts the sandbox, pumps its output to
//! the log, handles stop requests, records the end, and cleans up.
//!
//! Single-threaded by design (it forks the sandbox without exec'ing again), and
//! driven by one `poll` loop over the sandbox's pipes and a signalfd.

mod pump;
pub(crate) mod verdict;

use crate::options::NetworkMode;
use crate::output_log::{OutputLogWriter, OutputStream};
use crate::registry;
use crate::sandbox::{self, SandboxFds, SandboxPlan};
use crate::state::{
    self, ExitReason, JobLock, JobPaths, JobSpec, JobState, JobStatus, SetupFailure, Timestamp,
};
use crate::sys::{Forked, fork_single_threaded};
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use verdict::Observed;
use worker_isolate::cgroup::JobCgroup;
use worker_isolate::mounts::{Bind, HostUser, RootfsPlan, Shown};
use worker_isolate::namespaces::{FreshPidNamespaces, Namespaces};
use worker_isolate::privileges::ProcessLimits;

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
    let application = crate::sys::inherited_fd(crate::launch::APPLICATION_FD);
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
    let lock = match crate::sys::inherited_fd(crate::launch::LOCK_FD)
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
    status.supervisor_start_ticks = crate::proc::start_ticks(std::process::id() as i32);
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

/// The pipes between supervisor and sandbox, both ends.
struct Pipes {
    stdout: (OwnedFd, OwnedFd),
    stderr: (OwnedFd, OwnedFd),
    result: (OwnedFd, OwnedFd),
    reports: (OwnedFd, OwnedFd),
    progress: (OwnedFd, OwnedFd),
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
            progress: pipe()?,
            go: crate::go_signal::pair()?,
        })
    }
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

impl Supervisor {
    fn supervise(&mut self, mut signals: SignalFd, lock: &JobLock) -> i32 {
        let prepared = match self.prepare() {
            Ok(Some(prepared)) => prepared,
            Ok(None) => return self.finish(ExitReason::Stopped, None),
            Err(message) => return self.finish(ExitReason::SupervisorFailed { message }, None),
        };
        let mut pid_namespaces = match FreshPidNamespaces::new() {
            Ok(namespaces) => namespaces,
            Err(error) => {
                let message = error_chain(&error);
                return self.finish(ExitReason::SupervisorFailed { message }, None);
            }
        };
        if let Some(not_before) = prepared.spec.not_before {
            let waiting = format!("not before {} (unix ms)", not_before.as_millis());
            if let Waited::StopRequested = self.wait_until(not_before, waiting, &signals) {
                return self.finish(ExitReason::Stopped, None);
            }
        }
        let policy = prepared.spec.retry;
        loop {
            let (observed, returned) =
                self.run_attempt(&prepared, signals, lock, &mut pid_namespaces);
            signals = returned;
            let stop_requested = observed.stop_requested;
            let (exit, output) = self.end_attempt(&observed);
            let attempt = self.status.attempt;
            let oom_killed = self
                .status
                .usage
                .as_ref()
                .is_some_and(|usage| usage.oom_killed);
            if stop_requested || !policy.should_retry(attempt, &exit, oom_killed) {
                return self.finish(exit, output);
            }
            let delay = policy.backoff(attempt, crate::retry::unit_random());
            self.append_output(
                OutputStream::System,
                format!(
                    "attempt {attempt} failed: {exit:?}; retrying in {} ms",
                    delay.as_millis()
                )
                .as_bytes(),
            );
            self.status.record_attempt(exit);
            let next = Timestamp::from_millis(
                Timestamp::now()
                    .as_millis()
                    .saturating_add(delay.as_millis() as u64),
            );
            let waiting = format!(
                "retry {} of {} after backoff",
                attempt + 1,
                policy.attempts()
            );
            if let Waited::StopRequested = self.wait_until(next, waiting, &signals) {
                return self.finish(ExitReason::Stopped, None);
            }
        }
    }

    /// Replaces the status file with the status in memory.
    ///
    /// The first write is the one that records this supervisor's pid, and so
    /// the stop handshake: a stopper creates the request file, then reads the
    /// status and signals the pid it finds there. A stopper that read the status
    /// before this write found no pid, so its request file is looked for right
    /// after it (`stop_seen`). One of the two sides always sees the other.
    /// Until one such write succeeds, the file is looked for after every try.
    fn write_status(&mut self) -> Result<(), String> {
        let written = state::write_in_place(&self.paths.status(), &self.status)
            .map_err(|error| error.to_string());
        if !self.announced {
            self.announced = written.is_ok();
            if !self.status.state.is_finished() && self.stop_requested_on_disk() {
                self.stop_seen = true;
            }
        }
        written
    }

    /// Whether a stopper has left its request file.
    fn stop_requested_on_disk(&self) -> bool {
        self.paths.stop_request().exists()
    }

    /// Checks it can run the job, and reads the spec.
    /// `None`: a stop was requested before anything ran.
    ///
    /// A job started directly is not announced here: its first status write is
    /// the Running one, or the final one for a job that ends at once, which
    /// saves a file creation and a rename per job (see `announce_by` in the
    /// pump for the bound on how late it comes). Until then a stopper finds no
    /// pid and relies on the request file, which is looked for before the job
    /// is let go and right after the first write. A job admitted from the queue,
    /// or one that waits for its start time, is announced first thing: a queued
    /// status without a pid would read as "not started yet" to reconciliation,
    /// which would then start it a second time after a crash.
    fn prepare(&mut self) -> Result<Option<Prepared>, String> {
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
        if self.admitted_from_queue || spec.not_before.is_some() {
            self.write_status()?;
            crate::crash::point("supervisor:announced");
            if self.stop_seen {
                return Ok(None);
            }
        }
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
        Ok(Some(Prepared { spec, entry, args }))
    }

    /// Opens the output log (once, at the first attempt) and says the
    /// supervisor started.
    fn open_log(&mut self, spec: &JobSpec) -> Result<(), String> {
        if self.log.is_some() {
            return Ok(());
        }
        let mut log = OutputLogWriter::create(&self.paths.output(), spec.output_cap_bytes)
            .map_err(|error| format!("cannot create {}: {error}", self.paths.output().display()))?;
        if let Err(error) = log.append(OutputStream::System, b"supervisor started") {
            self.status.output_error = Some(error_chain(&error));
        }
        self.log = Some(log);
        Ok(())
    }

    /// Waits until `until` (queued, saying why), or until a stop request.
    fn wait_until(&mut self, until: Timestamp, waiting: String, signals: &SignalFd) -> Waited {
        self.status.state = JobState::Queued;
        self.status.waiting = Some(waiting);
        self.status.next_attempt_at = Some(until);
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
        loop {
            let now = Timestamp::now().as_millis();
            if now >= until.as_millis() {
                self.status.waiting = None;
                self.status.next_attempt_at = None;
                return Waited::Elapsed;
            }
            let remaining = (until.as_millis() - now).min(60_000) as i32;
            let mut fds = [PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
            let _ = poll(
                &mut fds,
                PollTimeout::try_from(remaining).unwrap_or(PollTimeout::MAX),
            );
            while let Ok(Some(info)) = signals.read_signal() {
                if matches!(
                    Signal::try_from(info.ssi_signo as i32),
                    Ok(Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP)
                ) {
                    return Waited::StopRequested;
                }
            }
        }
    }

    /// Runs one attempt: cgroup, sandbox, output, until everything of it is gone.
    /// Hands the signalfd back for the next wait.
    fn run_attempt(
        &mut self,
        prepared: &Prepared,
        signals: SignalFd,
        lock: &JobLock,
        pid_namespaces: &mut FreshPidNamespaces,
    ) -> (Observed, SignalFd) {
        let spec = &prepared.spec;
        self.status.started_at = None;
        if self.status.attempt > 1 {
            let text = format!("attempt {} started", self.status.attempt);
            self.append_output(OutputStream::System, text.as_bytes());
        }
        let failed = |message: String, signals| {
            let observed = Observed {
                supervisor_error: Some(message),
                ..Observed::default()
            };
            (observed, signals)
        };
        let rootless = spec.sandbox.rootless.is_some();
        let pipes = match Pipes::new() {
            Ok(pipes) => pipes,
            Err(errno) => return failed(format!("cannot create pipes: {errno}"), signals),
        };
        if !rootless {
            if let Err(error) = pid_namespaces.prepare_next_child() {
                return failed(error_chain(&error), signals);
            }
        }
        // On cgroup v2 the init is born inside its cgroup (clone3 with
        // CLONE_INTO_CGROUP), so the cgroup comes first; a move by pid would take
        // the kernel's global threadgroup lock (an RCU grace period when idle).
        let born_inside = match self.cgroup_before_fork(spec) {
            Ok(directory) => directory,
            Err(failure) => return (*failure, signals),
        };
        let user = spec.sandbox.user;
        let rootfs = rootfs_plan(spec, self.paths.work());
        // Copied, not built, where the job's root is the template's (never
        // rootless: the template belongs to the host's user namespace).
        let root_template = match (&self.root_template, state_dir_of(self.paths.dir())) {
            (Some(template), Some(state_dir))
                if !rootless && rootfs.fits_template_of(&template_rootfs_plan(state_dir)) =>
            {
                template.try_clone().ok()
            }
            _ => None,
        };
        let plan = SandboxPlan {
            job_id: spec.id.to_string(),
            attempt: self.status.attempt,
            entry: prepared.entry,
            args: prepared.args.clone(),
            hostname: format!("job-{}", &spec.id.as_str()[..12]),
            namespaces: Namespaces {
                network: spec.sandbox.network == NetworkMode::None,
                ..Namespaces::default()
            },
            rootfs,
            root_template,
            uid: user.uid,
            gid: user.gid,
            user_namespace: rootless.then(|| {
                (
                    nix::unistd::geteuid().as_raw(),
                    nix::unistd::getegid().as_raw(),
                )
            }),
            // Used once, by the first attempt that wants one; never shared. A
            // rootless sandbox could not enter it (it belongs to the host's
            // user namespace).
            network_namespace: if rootless {
                None
            } else {
                self.network_namespace.take()
            },
            process_limits: ProcessLimits {
                core_bytes: 0,
                open_files: spec.sandbox.open_files_max,
            },
        };
        let mut close = vec![
            lock.as_fd().as_raw_fd(),
            signals.as_raw_fd(),
            pipes.stdout.0.as_raw_fd(),
            pipes.stderr.0.as_raw_fd(),
            pipes.result.0.as_raw_fd(),
            pipes.reports.0.as_raw_fd(),
            pipes.progress.0.as_raw_fd(),
            pipes.go.1.as_raw_fd(),
            pid_namespaces.as_raw_fd(),
        ];
        if let Some(log) = &self.log {
            close.push(log.as_raw_fd());
        }
        if let Some(application) = &self.application {
            close.push(application.as_raw_fd());
        }
        if let Some(template) = &self.root_template {
            close.push(template.as_raw_fd());
        }
        if let Some(done) = &self.done {
            close.push(done.as_raw_fd());
        }
        let Pipes {
            stdout,
            stderr,
            result,
            reports,
            progress,
            go,
        } = pipes;
        // The init is forked first, so that it sets up its namespaces and mounts
        // while this process makes the cgroup, moves the init into it and opens
        // the log. The init forks the job only once it has the go byte below,
        // so the job's code never runs outside the cgroup and its limits.
        // Rootless: a new user namespace, and a pid namespace of its own, per
        // attempt.
        let namespaces = match rootless {
            true => libc::CLONE_NEWUSER | libc::CLONE_NEWPID,
            false => 0,
        };
        let born = match &born_inside {
            Some(directory) => {
                crate::sys::clone_into_cgroup_single_threaded(namespaces, directory.as_fd())
            }
            None => Ok(None),
        };
        // Not needed past the clone, in either process.
        drop(born_inside);
        let born_in_cgroup = matches!(born, Ok(Some(_)));
        let forked = match born {
            Ok(Some(forked)) => Ok(forked),
            // No clone3 into a cgroup here (or not v2): fork, then move.
            Ok(None) => match rootless {
                true => crate::sys::clone_single_threaded(namespaces),
                false => fork_single_threaded(),
            },
            Err(error) => Err(error),
        };
        let sandbox_pid = match forked {
            Ok(Forked::Child) => sandbox::run(
                plan,
                SandboxFds {
                    stdout: stdout.1,
                    stderr: stderr.1,
                    result: result.1,
                    reports: reports.1,
                    progress: progress.1,
                    go: go.0,
                    close,
                },
            ),
            Ok(Forked::Parent(pid)) => pid,
            Err(error) if rootless => {
                let message = format!(
                    "cannot clone the sandbox into a new user and pid namespace: {error}; \
                     rootless mode needs user namespaces this user may make (see \
                     workernator::probe(): user_namespace_works; sysctls \
                     user.max_user_namespaces, kernel.unprivileged_userns_clone, \
                     kernel.apparmor_restrict_unprivileged_userns), or run as root"
                );
                return failed(message, signals);
            }
            Err(error) => return failed(format!("cannot fork the sandbox: {error}"), signals),
        };
        drop((stdout.1, stderr.1, result.1, reports.1, progress.1, go.0));
        self.status.sandbox_pid = Some(sandbox_pid);
        crate::crash::point("supervisor:forked");

        let mut observed = Observed::default();
        let self_move = match self.set_up_outside(spec, sandbox_pid, born_in_cgroup) {
            Ok(self_move) => self_move,
            Err(failure) => {
                // Closing the go socket ends the waiting sandbox; reap it here.
                // What it may have reported is moot: this failure came first.
                drop(go.1);
                let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(sandbox_pid), None);
                return (*failure, signals);
            }
        };
        crate::crash::point("supervisor:attached");
        // With the descriptors to move itself into the cgroup, if it is to.
        let _ = crate::go_signal::send(go.1.as_fd(), &self_move);
        drop((go.1, self_move));
        crate::crash::point("supervisor:let-go");

        let grace = std::time::Duration::from_millis(spec.stop_grace_ms);
        let pipes = pump::SandboxPipes {
            stdout: stdout.0,
            stderr: stderr.0,
            result: result.0,
            reports: reports.0,
            progress: progress.0,
        };
        let mut pump = pump::Pump::new(pipes, signals, sandbox_pid, grace);
        if let Some(timeout_ms) = spec.timeout_ms {
            pump.time_limit(std::time::Duration::from_millis(timeout_ms));
        }
        if spec.tied_to_application {
            // The application's pidfd, handed down by the starter; without it we
            // cannot tell when it dies, so the job must not run untied.
            match self.application.as_ref().map(|fd| fd.try_clone()) {
                Some(Ok(pidfd)) => pump.watch_application(pidfd),
                _ => {
                    observed.supervisor_error = Some(
                        "the job is tied to the application, but no application pidfd was handed down"
                            .into(),
                    );
                    pump.stop_now(self, &mut observed);
                }
            }
        }
        if !self.announced {
            pump.announce_by(std::time::Instant::now() + pump::ANNOUNCE_DEADLINE);
        }
        pump.run(self, &mut observed);
        (observed, pump.into_signals())
    }

    /// The supervisor's part of an attempt's setup, done while the sandbox init
    /// (`sandbox_pid`, waiting for its go-ahead) does its own: the cgroup with
    /// the job's limits and the init in it, the work directory handed to the
    /// job's user, the log, and a last look for a stop request of a job not yet
    /// announced. Returns the descriptors with which the init moves itself into
    /// the cgroup (v1), empty when it was moved here (v2, delegated, untracked).
    /// On failure, what to report (the caller ends the init).
    fn set_up_outside(
        &mut self,
        spec: &JobSpec,
        sandbox_pid: i32,
        born_in_cgroup: bool,
    ) -> Result<Vec<OwnedFd>, Box<Observed>> {
        let cgroup = match self.cgroup.take() {
            // Made before the fork (v2): the init was born inside, or, where
            // the kernel could not do that, is moved below.
            Some(cgroup) => cgroup,
            None => create_job_cgroup(spec)?,
        };
        let cgroup = self.cgroup.insert(cgroup);
        let self_move = match born_in_cgroup {
            true => Vec::new(),
            false => move_into(cgroup.as_ref(), sandbox_pid)?,
        };
        // The job's code runs as this user, and owns its work directory
        // (rootless: the starting user, whose the directory already is).
        let user = spec.sandbox.user;
        let chowned = match spec.sandbox.rootless {
            Some(_) => Ok(()),
            None => nix::unistd::chown(
                &self.paths.work(),
                Some(nix::unistd::Uid::from_raw(user.uid)),
                Some(nix::unistd::Gid::from_raw(user.gid)),
            ),
        };
        chowned.map_err(|errno| {
            setup_failure(
                "chown the work directory to the job's user",
                self.paths.work().display().to_string(),
                Some(errno as i32),
                errno.desc().into(),
            )
        })?;
        self.open_log(spec).map_err(|message| {
            Box::new(Observed {
                supervisor_error: Some(message),
                ..Observed::default()
            })
        })?;
        if !self.announced && self.stop_requested_on_disk() {
            // Stopped before it ran: the job is never let go.
            self.append_output(OutputStream::System, b"stop requested");
            return Err(Box::new(Observed {
                stop_requested: true,
                ..Observed::default()
            }));
        }
        Ok(self_move)
    }

    /// On cgroup v2, makes the attempt's cgroup before the sandbox is forked
    /// and returns its directory, for the init to be born inside; elsewhere
    /// `None` (the cgroup is made while the init sets up).
    fn cgroup_before_fork(&mut self, spec: &JobSpec) -> Result<Option<OwnedFd>, Box<Observed>> {
        let Some(root) = crate::rootless::v2_cgroup_root(spec) else {
            return Ok(None);
        };
        let created = crate::rootless::create_cgroup_in(&root, spec);
        let cgroup = self
            .cgroup
            .insert(created.map_err(|error| create_failure(spec, &error))?);
        cgroup.open_for_clone().map_err(|error| {
            setup_failure(
                "open the cgroup's directory",
                cgroup.path_description(),
                error.io_error().and_then(std::io::Error::raw_os_error),
                error_chain(&error),
            )
        })
    }

    /// The job reports its progress.
    fn progress(&mut self, done: u64, total: Option<u64>, message: String) {
        self.status.progress = Some(crate::state::Progress {
            done,
            total,
            message,
        });
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
    }

    /// The sandbox reports its job running (written by the pump, a little
    /// later, unless the job ends first).
    fn job_started(&mut self) {
        // The sandbox's mount namespace, held past the init's exit: see
        // `sandbox_mounts`.
        if let Some(pid) = self.status.sandbox_pid {
            self.sandbox_mounts = std::fs::File::open(format!("/proc/{pid}/ns/mnt")).ok();
        }
        self.status.state = JobState::Running;
        self.status.started_at = Some(Timestamp::now());
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append(OutputStream::System, b"job started") {
                self.status.output_error = Some(error_chain(&error));
            }
        }
    }

    /// Writes the status in memory, reporting a failure on stderr.
    fn publish_status(&mut self) {
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

    /// Ends an attempt: everything left in its cgroup is killed and the cgroup
    /// removed; returns how it ended and its serialized output.
    fn end_attempt(&mut self, observed: &Observed) -> (ExitReason, Option<Vec<u8>>) {
        if let Some(cgroup) = self.cgroup.take() {
            // Once the sandbox's init is reaped, its pid namespace is gone and,
            // with it, every process of the job (the kernel kills and reaps them
            // all before the init can be reaped): one look at one hierarchy
            // confirms it, instead of kill_all's look at each of them.
            let gone = observed.init_end.is_some() && cgroup.holds_no_process().unwrap_or(false);
            if !gone {
                if let Err(error) = cgroup.kill_all() {
                    eprintln!("workernator supervisor: {}", error_chain(&error));
                }
            }
            // Accounting is read once every process is gone and before the
            // cgroup (and its counters) is removed.
            match cgroup.usage() {
                Ok(usage) => {
                    let usage =
                        crate::usage::from_cgroup(&usage, self.status.started_at, Timestamp::now());
                    self.status.usage = Some(usage);
                }
                Err(error) => eprintln!("workernator supervisor: {}", error_chain(&error)),
            }
            if let Err(error) = cgroup.remove() {
                eprintln!("workernator supervisor: {}", error_chain(&error));
            }
        }
        let (exit, output) = verdict::decide(observed);
        (exit, output.map(<[u8]>::to_vec))
    }

    /// Records the job's end: the result, a last log record, the work dir
    /// emptied, the final status, and the active marker gone.
    fn finish(&mut self, exit: ExitReason, output: Option<Vec<u8>>) -> i32 {
        let mut exit = exit;
        if let Some(output) = output {
            // Not atomic, and need not be: the final status below commits it.
            if let Err(error) = state::write_new(&self.paths.result(), &output) {
                exit = ExitReason::SupervisorFailed {
                    message: error.to_string(),
                };
            }
        }
        let mut summary = match &exit {
            ExitReason::Succeeded => "job succeeded".to_owned(),
            other => format!("job ended: {other:?}"),
        };
        if self
            .status
            .usage
            .as_ref()
            .is_some_and(|usage| usage.oom_killed)
        {
            summary.push_str(" (the OOM killer ended a process of the job: memory limit reached)");
        }
        self.append_output(OutputStream::System, summary.as_bytes());
        if !self.keep_work_dir {
            if let Err(error) = self.paths.empty_work() {
                eprintln!(
                    "workernator supervisor: cannot empty {}: {error}",
                    self.paths.work().display()
                );
            }
        }
        self.status.waiting = None;
        self.status.next_attempt_at = None;
        self.status.finish(exit);
        let written = self.write_status().and_then(|()| {
            // Last: once the active marker is gone, nobody needs to look at this job on open.
            self.paths.clear_active().map_err(|error| error.to_string())
        });
        match written {
            Ok(()) => 0,
            Err(message) => {
                eprintln!("workernator supervisor: {message}");
                1
            }
        }
    }
}

/// A failed setup step of the supervisor's, as the attempt's outcome.
fn setup_failure(step: &str, path: String, errno: Option<i32>, message: String) -> Box<Observed> {
    Box::new(Observed {
        setup_failure: Some(SetupFailure {
            step: step.into(),
            path,
            errno,
            message,
        }),
        ..Observed::default()
    })
}

/// Moves the sandbox init `pid` into `cgroup`. On v1 it moves itself (see
/// worker_isolate::cgroup::SelfMove: milliseconds less on an idle machine):
/// returns the descriptors it needs for that. Elsewhere it is moved from here,
/// and nothing is returned.
fn move_into(cgroup: &dyn JobCgroup, pid: i32) -> Result<Vec<OwnedFd>, Box<Observed>> {
    match cgroup.open_self_move() {
        Ok(Some(self_move)) => Ok(self_move.into_fds()),
        Ok(None) => cgroup
            .add_process(pid)
            .map(|()| Vec::new())
            .map_err(|error| {
                setup_failure(
                    "add the sandbox to its cgroup",
                    cgroup.path_description(),
                    None,
                    error_chain(&error),
                )
            }),
        Err(error) => Err(setup_failure(
            "open the cgroup's tasks files",
            cgroup.path_description(),
            error.io_error().and_then(std::io::Error::raw_os_error),
            error_chain(&error),
        )),
    }
}

/// Makes the cgroup of one attempt of the job of `spec`, with its limits.
fn create_job_cgroup(spec: &JobSpec) -> Result<Box<dyn JobCgroup>, Box<Observed>> {
    crate::rootless::create_cgroup(spec).map_err(|error| create_failure(spec, &error))
}

/// The job cgroup of `spec` could not be created.
fn create_failure(spec: &JobSpec, error: &worker_isolate::cgroup::CgroupError) -> Box<Observed> {
    setup_failure(
        "create cgroup",
        format!("{}/{}", spec.cgroup_parent, spec.id),
        None,
        error_chain(error),
    )
}

/// The state directory of the job in `job_dir` (`<state>/jobs/<id>`).
pub(crate) fn state_dir_of(job_dir: &Path) -> Option<&Path> {
    job_dir.parent()?.parent()
}

/// The root a template is built from for the jobs of `state_dir`: what
/// [`rootfs_plan`] makes for a job without binds or a root of its own.
pub(crate) fn template_rootfs_plan(state_dir: &Path) -> RootfsPlan {
    // (The work directory is each sandbox's own: no template uses it.)
    let mut rootfs = RootfsPlan::new(PathBuf::new());
    rootfs.hidden.push(state_dir.to_owned());
    rootfs
}

/// The sandbox's file system for `spec`.
fn rootfs_plan(spec: &JobSpec, work: PathBuf) -> RootfsPlan {
    let mut rootfs = RootfsPlan::new(work);
    rootfs.hidden.push(spec.state_dir.clone());
    if let Some(root) = &spec.sandbox.root_dir {
        rootfs.source_root = root.clone();
        // A root made for jobs: all of it, on purpose.
        rootfs.shown = Shown::Everything;
    }
    // Rootless, the job's uid 0 is this user's on the host.
    rootfs.job_user = Some(match spec.sandbox.rootless {
        Some(_) => HostUser {
            uid: nix::unistd::geteuid().as_raw(),
            gid: nix::unistd::getegid().as_raw(),
        },
        None => HostUser {
            uid: spec.sandbox.user.uid,
            gid: spec.sandbox.user.gid,
        },
    });
    rootfs.host_resolver = spec.sandbox.network == NetworkMode::Host;
    rootfs.tmp_options = spec.sandbox.tmp_options();
    rootfs.shm_options = spec.sandbox.shm_options();
    rootfs.binds = spec
        .sandbox
        .binds
        .iter()
        .map(|bind| Bind {
            source: bind.source.clone(),
            target: bind.target.clone(),
            writable: bind.writable,
        })
        .collect();
    rootfs
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
