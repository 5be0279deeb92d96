//! The job's life in its supervisor: checks and reads the spec, waits for
//! the start time, runs attempts while the retry policy allows, and records
//! the end; each status write also completes the stop handshake.

use super::verdict::{self, Observed};
use super::{Prepared, Supervisor, Waited, thread_count};
use crate::job::registry;
use crate::logs::output_log::OutputLogWriter;
use crate::logs::record::OutputStream;
use crate::model::outcome::ExitReason;
use crate::model::time::Timestamp;
use crate::state::{self, JobLock, JobSpec, JobState};
use crate::sys::error_chain;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use std::os::fd::AsFd;
use worker_isolate::namespaces::FreshPidNamespaces;

impl Supervisor {
    pub(super) fn supervise(&mut self, mut signals: SignalFd, lock: &JobLock) -> i32 {
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
            let delay = policy.backoff(attempt, crate::model::retry::unit_random());
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
    pub(super) fn write_status(&mut self) -> Result<(), String> {
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
    pub(super) fn stop_requested_on_disk(&self) -> bool {
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
    pub(super) fn prepare(&mut self) -> Result<Option<Prepared>, String> {
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
            crate::sys::crash::point("supervisor:announced");
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
    pub(super) fn open_log(&mut self, spec: &JobSpec) -> Result<(), String> {
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
    pub(super) fn wait_until(
        &mut self,
        until: Timestamp,
        waiting: String,
        signals: &SignalFd,
    ) -> Waited {
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

    /// Ends an attempt: everything left in its cgroup is killed and the cgroup
    /// removed; returns how it ended and its serialized output.
    pub(super) fn end_attempt(&mut self, observed: &Observed) -> (ExitReason, Option<Vec<u8>>) {
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
                    let usage = crate::host::usage::from_cgroup(
                        &usage,
                        self.status.started_at,
                        Timestamp::now(),
                    );
                    self.status.usage = Some(usage);
                }
                Err(error) => eprintln!("workernator supervisor: {}", error_chain(&error)),
            }
            if let Err(error) = cgroup.remove() {
                eprintln!("workernator supervisor: {}", error_chain(&error));
            }
        }
        verdict::decide(observed)
    }

    /// Records the job's end: the result, a last log record, the work dir
    /// emptied, the final status, and the active marker gone.
    pub(super) fn finish(&mut self, exit: ExitReason, output: Option<Vec<u8>>) -> i32 {
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
