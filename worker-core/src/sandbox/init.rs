//! The sandbox's first process (PID 1 of its pid namespace): sets up the sandbox,
//! runs the job in a child process, reaps every process, reports, and exits.
//!
//! It is a forked copy of the single-threaded supervisor, so it may run ordinary
//! Rust. It never returns: it ends with `exit`.

use crate::job::JobContext;
use crate::job::registry::JobEntry;
use crate::protocol::report::ReportSender;
use crate::protocol::result::JobResult;
use crate::sys::{Forked, fork_single_threaded};
use nix::sys::signal::{SigSet, SigmaskHow, sigprocmask};
use nix::sys::wait::{WaitStatus, waitpid};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use worker_isolate::mounts::RootfsPlan;
use worker_isolate::namespaces::{self, Namespaces};
use worker_isolate::privileges::ProcessLimits;
use worker_isolate::{SetupError, net, privileges, seccomp};

/// Exit code of a sandbox whose setup failed (after reporting why).
const SETUP_FAILED: i32 = 125;

/// What the sandbox init needs, handed over across the fork.
pub(crate) struct SandboxPlan {
    pub(crate) job_id: String,
    pub(crate) attempt: u32,
    pub(crate) entry: &'static JobEntry,
    pub(crate) args: Vec<u8>,
    pub(crate) hostname: String,
    pub(crate) namespaces: Namespaces,
    pub(crate) rootfs: RootfsPlan,
    /// The user and group the job's code runs as.
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// Rootless mode: the sandbox is the first process of a new user
    /// namespace (and pid namespace), in which it maps uid and gid 0 to these
    /// ids outside; the job's code then runs as that uid 0, without capabilities.
    pub(crate) user_namespace: Option<(u32, u32)>,
    /// A network namespace made ahead of time (by the launcher) for this
    /// sandbox alone, entered instead of unsharing a new one.
    pub(crate) network_namespace: Option<OwnedFd>,
    /// The mount namespace of a root template that `rootfs` fits: copied
    /// instead of building the root (worker_isolate::mounts::RootTemplate).
    pub(crate) root_template: Option<OwnedFd>,
    pub(crate) process_limits: ProcessLimits,
}

/// The sandbox's ends of the pipes to the supervisor.
pub(crate) struct SandboxFds {
    pub(crate) stdout: OwnedFd,
    pub(crate) stderr: OwnedFd,
    pub(crate) result: OwnedFd,
    pub(crate) reports: OwnedFd,
    /// The job's own pipe to the supervisor, for progress reports only.
    pub(crate) progress: OwnedFd,
    pub(crate) go: OwnedFd,
    /// The supervisor's own descriptors, closed first thing.
    pub(crate) close: Vec<RawFd>,
}

/// Runs the sandbox init. Never returns.
pub(crate) fn run(mut plan: SandboxPlan, fds: SandboxFds) -> ! {
    for fd in &fds.close {
        let _ = nix::unistd::close(*fd);
    }
    let mut reports = ReportSender::new(File::from(fds.reports));
    if let Err(error) = privileges::die_with_parent() {
        report_and_exit(&mut reports, error);
    }
    // The supervisor blocks signals for its signalfd; the job must not inherit that.
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);

    // Namespaces and mounts are set up while the supervisor makes the job's
    // cgroup, since neither needs the other. Only the job's process must start
    // inside the cgroup, so the go-ahead is awaited after the setup and before the
    // fork. (A cgroup namespace, if one is added, must be unshared after the move:
    // its root is the cgroup this process is in then.)
    let setup = set_up(&plan).and_then(|()| redirect_stdio(fds.stdout, fds.stderr));
    // Entered (or not needed): the job must not hold them.
    drop(plan.network_namespace.take());
    drop(plan.root_template.take());
    if let Err(error) = &setup {
        report_setup_failure(&mut reports, error);
    }
    // The supervisor sends its go-ahead once its part is done: with the
    // descriptors to move this process into the job's cgroup (v1), or after it
    // moved it (elsewhere). End of file means it died (maybe before the death
    // signal above was armed) or gave up. A failed setup waits too, so that its
    // exit never races a move by the supervisor (which would then fail with
    // ESRCH and hide the real cause).
    let go = crate::protocol::go::receive(fds.go.as_fd());
    drop(fds.go);
    let (Some(self_move), Ok(())) = (go, &setup) else {
        std::process::exit(SETUP_FAILED);
    };
    // Before the job is forked: its code never runs outside the cgroup.
    if let Err(error) = worker_isolate::cgroup::move_calling_thread(&self_move) {
        let path = self_move
            .get(error.index)
            .and_then(|fd| std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok())
            .unwrap_or_else(|| "the job cgroup's tasks file".into());
        report_and_exit(
            &mut reports,
            SetupError {
                step: "move the sandbox into its cgroup",
                path,
                source: error.source,
            },
        );
    }
    drop(self_move);
    if let Err(error) = harden(&plan) {
        report_and_exit(&mut reports, error);
    }
    let result = File::from(fds.result);
    let progress = fds.progress;
    let job_pid = match fork_single_threaded() {
        Ok(Forked::Child) => {
            let became = match plan.user_namespace {
                Some(_) => privileges::become_namespace_root(),
                None => privileges::become_user(plan.uid, plan.gid),
            };
            if let Err(error) = became {
                report_and_exit(&mut reports, error);
            }
            // The job must not be able to forge reports to its supervisor: it
            // gets a pipe of its own, on which only progress is accepted.
            drop(reports);
            run_job(&plan, result, Some(File::from(progress)))
        }
        Ok(Forked::Parent(pid)) => pid,
        Err(source) => report_and_exit(
            &mut reports,
            SetupError {
                step: "fork the job process",
                path: "/".into(),
                source,
            },
        ),
    };
    drop((result, progress));
    // Rootless, the job runs as the same uid as this init: not dumpable, the
    // init's memory and descriptors (its report pipe) are out of the job's reach.
    if plan.user_namespace.is_some() {
        if let Err(errno) = nix::sys::prctl::set_dumpable(false) {
            eprintln!("workernator sandbox: prctl(PR_SET_DUMPABLE, 0): {errno}");
        }
    }
    // The init needs no privilege to reap and report; as root without
    // capabilities it is out of reach of the job (another user).
    if let Err(error) = privileges::drop_all_capabilities() {
        eprintln!("workernator sandbox: {error}");
    }
    reports.job_started(job_pid);
    reap_until_job_exits(job_pid, &mut reports)
}

fn set_up(plan: &SandboxPlan) -> Result<(), SetupError> {
    if let Some((uid, gid)) = plan.user_namespace {
        namespaces::map_root_to(uid, gid)?;
    }
    let mut unshared = plan.namespaces;
    if let (true, Some(prepared)) = (plan.namespaces.network, &plan.network_namespace) {
        // Made for this sandbox alone, loopback already up.
        net::enter_network_namespace(prepared.as_fd())?;
        unshared.network = false;
    }
    if plan.root_template.is_some() {
        // The mount namespace is the template's copy, made below.
        unshared.mount = false;
    }
    namespaces::enter(unshared)?;
    if plan.namespaces.uts {
        namespaces::set_hostname(&plan.hostname)?;
    }
    if unshared.network {
        net::loopback_up()?;
    }
    match (&plan.root_template, plan.namespaces.mount) {
        (Some(template), true) => {
            worker_isolate::mounts::enter_template_root(template.as_fd(), &plan.rootfs)?;
        }
        (None, true) => worker_isolate::mounts::enter_new_root(&plan.rootfs)?,
        (_, false) => {}
    }
    Ok(())
}

/// After setup, before the job: rlimits, no capability can ever be regained,
/// no_new_privs, the seccomp deny list. The job's process inherits all of it.
fn harden(plan: &SandboxPlan) -> Result<(), SetupError> {
    privileges::set_rlimits(plan.process_limits)?;
    privileges::drop_capability_bounding_set()?;
    privileges::no_new_privileges()?;
    seccomp::install_deny_list()
}

fn redirect_stdio(stdout: OwnedFd, stderr: OwnedFd) -> Result<(), SetupError> {
    let stdio_error = |step, source: nix::Error| SetupError {
        step,
        path: "/dev/null".into(),
        source: source.into(),
    };
    let null = File::open("/dev/null").map_err(|source| SetupError {
        step: "open",
        path: "/dev/null".into(),
        source,
    })?;
    nix::unistd::dup2_stdin(&null).map_err(|e| stdio_error("dup2 stdin from", e))?;
    nix::unistd::dup2_stdout(&stdout).map_err(|e| stdio_error("dup2 stdout", e))?;
    nix::unistd::dup2_stderr(&stderr).map_err(|e| stdio_error("dup2 stderr", e))?;
    Ok(())
}

fn report_setup_failure<W: Write>(reports: &mut ReportSender<W>, error: &SetupError) {
    reports.setup_failed(error);
}

fn report_and_exit<W: Write>(reports: &mut ReportSender<W>, error: SetupError) -> ! {
    report_setup_failure(reports, &error);
    std::process::exit(SETUP_FAILED)
}

/// The job's process: runs the job and sends its result. Never returns.
fn run_job(plan: &SandboxPlan, mut result: File, progress: Option<File>) -> ! {
    let context = JobContext::new(plan.job_id.clone(), plan.attempt, progress);
    let run = plan.entry.run;
    let outcome = std::panic::catch_unwind(|| run(&plan.args, &context));
    let (message, code) = match outcome {
        Ok(Ok(output)) => (JobResult::Output(output), 0),
        Ok(Err(failure)) => (
            JobResult::Error(serde_json::to_vec(&failure).unwrap_or_default()),
            1,
        ),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the job panicked with a non-string payload".to_owned());
            (JobResult::Panicked(message.into_bytes()), 101)
        }
    };
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let sent = message.send(&mut result);
    drop(result);
    std::process::exit(if sent.is_ok() { code } else { 1 })
}

/// PID 1's duty: reap every process; when the job's process ends, report how and
/// exit, which makes the kernel kill whatever else is left in the namespace.
fn reap_until_job_exits<W: Write>(job_pid: i32, reports: &mut ReportSender<W>) -> ! {
    let job = nix::unistd::Pid::from_raw(job_pid);
    loop {
        match waitpid(None, None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == job => {
                reports.job_exited(code);
                std::process::exit(0);
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == job => {
                reports.job_signaled(signal as i32);
                std::process::exit(0);
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => std::process::exit(0),
        }
    }
}
