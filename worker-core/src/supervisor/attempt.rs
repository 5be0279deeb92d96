//! One attempt of the job, stage by stage: the pipes, the sandbox's plan, the
//! fork of its init, the supervisor's own part of the set-up, the go-ahead,
//! and the pump until everything of the attempt is gone.

use super::verdict::Observed;
use super::{Prepared, Supervisor, pump};
use crate::logs::record::OutputStream;
use crate::model::sandbox::NetworkMode;
use crate::sandbox::init::{self as sandbox, SandboxFds, SandboxPlan};
use crate::sandbox::rootfs::{rootfs_plan, state_dir_of, template_rootfs_plan};
use crate::state::{JobLock, JobSpec};
use crate::sys::{Forked, fork_single_threaded};
use nix::fcntl::OFlag;
use nix::sys::signalfd::SignalFd;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use worker_isolate::namespaces::{FreshPidNamespaces, Namespaces};
use worker_isolate::privileges::ProcessLimits;

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
    fn new() -> std::io::Result<Pipes> {
        let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC);
        Ok(Pipes {
            stdout: pipe()?,
            stderr: pipe()?,
            result: pipe()?,
            reports: pipe()?,
            progress: pipe()?,
            go: crate::protocol::go::pair()?,
        })
    }
}

/// A sandbox init just forked, waiting for its go-ahead: its pid, and the
/// supervisor's ends of its pipes.
struct Sandbox {
    pid: i32,
    /// Born inside its cgroup (clone3): nothing to move.
    born_in_cgroup: bool,
    pipes: pump::SandboxPipes,
    go: OwnedFd,
}

/// An attempt that failed before its sandbox ran, with what to report.
fn failed(message: String) -> Box<Observed> {
    Box::new(Observed {
        supervisor_error: Some(message),
        ..Observed::default()
    })
}

impl Supervisor {
    /// Runs one attempt: cgroup, sandbox, output, until everything of it is gone.
    /// Hands the signalfd back for the next wait.
    pub(super) fn run_attempt(
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
        let sandbox = match self.fork_sandbox(prepared, &signals, lock, pid_namespaces) {
            Ok(sandbox) => sandbox,
            Err(failure) => return (*failure, signals),
        };
        self.status.sandbox_pid = Some(sandbox.pid);
        crate::sys::crash::point("supervisor:forked");

        let self_move = match self.set_up_outside(spec, sandbox.pid, sandbox.born_in_cgroup) {
            Ok(self_move) => self_move,
            Err(failure) => {
                // Closing the go socket ends the waiting sandbox; reap it here.
                // What it may have reported is moot: this failure came first.
                drop(sandbox.go);
                let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(sandbox.pid), None);
                return (*failure, signals);
            }
        };
        crate::sys::crash::point("supervisor:attached");
        // With the descriptors to move itself into the cgroup, if it is to.
        let _ = crate::protocol::go::send(sandbox.go.as_fd(), &self_move);
        drop((sandbox.go, self_move));
        crate::sys::crash::point("supervisor:let-go");
        self.pump(spec, sandbox.pipes, sandbox.pid, signals)
    }

    /// Makes the attempt's pipes (and, on cgroup v2, its cgroup) and forks the
    /// sandbox's init, which sets itself up and waits for the go-ahead.
    fn fork_sandbox(
        &mut self,
        prepared: &Prepared,
        signals: &SignalFd,
        lock: &JobLock,
        pid_namespaces: &mut FreshPidNamespaces,
    ) -> Result<Sandbox, Box<Observed>> {
        let spec = &prepared.spec;
        let rootless = spec.sandbox.rootless.is_some();
        let pipes =
            Pipes::new().map_err(|errno| failed(format!("cannot create pipes: {errno}")))?;
        if !rootless {
            pid_namespaces
                .prepare_next_child()
                .map_err(|error| failed(crate::sys::error_chain(&error)))?;
        }
        // On cgroup v2 the init is born inside its cgroup (clone3 with
        // CLONE_INTO_CGROUP), so the cgroup comes first; a move by pid would take
        // the kernel's global threadgroup lock (an RCU grace period when idle).
        let born_inside = self.cgroup_before_fork(spec)?;
        let plan = self.sandbox_plan(prepared);
        let close = self.descriptors_to_close(lock, signals, &pipes, pid_namespaces);
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
        // the log. The init forks the job only once it has the go-ahead, so the
        // job's code never runs outside the cgroup and its limits.
        let (forked, born_in_cgroup) = clone_sandbox(rootless, born_inside);
        let pid = match forked {
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
                return Err(failed(format!(
                    "cannot clone the sandbox into a new user and pid namespace: {error}; \
                     rootless mode needs user namespaces this user may make (see \
                     workernator::host::probe(): user_namespace_works; sysctls \
                     user.max_user_namespaces, kernel.unprivileged_userns_clone, \
                     kernel.apparmor_restrict_unprivileged_userns), or run as root"
                )));
            }
            Err(error) => return Err(failed(format!("cannot fork the sandbox: {error}"))),
        };
        drop((stdout.1, stderr.1, result.1, reports.1, progress.1, go.0));
        Ok(Sandbox {
            pid,
            born_in_cgroup,
            pipes: pump::SandboxPipes {
                stdout: stdout.0,
                stderr: stderr.0,
                result: result.0,
                reports: reports.0,
                progress: progress.0,
            },
            go: go.1,
        })
    }

    /// What the sandbox init of this attempt needs, handed over across the fork.
    fn sandbox_plan(&mut self, prepared: &Prepared) -> SandboxPlan {
        let spec = &prepared.spec;
        let rootless = spec.sandbox.rootless.is_some();
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
        SandboxPlan {
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
        }
    }

    /// The supervisor's own descriptors, which the forked init closes first.
    fn descriptors_to_close(
        &self,
        lock: &JobLock,
        signals: &SignalFd,
        pipes: &Pipes,
        pid_namespaces: &FreshPidNamespaces,
    ) -> Vec<RawFd> {
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
        for fd in [&self.application, &self.root_template, &self.done]
            .into_iter()
            .flatten()
        {
            close.push(fd.as_raw_fd());
        }
        close
    }

    /// Pumps the attempt's output, reports and signals until every process of
    /// it is gone; hands the signalfd back.
    fn pump(
        &mut self,
        spec: &JobSpec,
        pipes: pump::SandboxPipes,
        sandbox_pid: i32,
        signals: SignalFd,
    ) -> (Observed, SignalFd) {
        let mut observed = Observed::default();
        let grace = std::time::Duration::from_millis(spec.stop_grace_ms);
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
}

/// Clones the sandbox's init: born inside the cgroup `born_inside` where the
/// kernel can (clone3), else forked; rootless, into a new user namespace and a
/// pid namespace of its own (a fresh pair per attempt). Also says whether it
/// was born inside the cgroup.
fn clone_sandbox(rootless: bool, born_inside: Option<OwnedFd>) -> (std::io::Result<Forked>, bool) {
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
    (forked, born_in_cgroup)
}
