//! The supervisor's event loop: output to the log, reports, signals, stop deadlines.

use super::Supervisor;
use super::verdict::{Observed, ProcessEnd};
use crate::logs::record::{HEADER_LEN, OutputStream};
use crate::model::outcome::SetupFailure;
use crate::protocol::report::ReportReader;
use crate::protocol::report::SandboxReport;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

/// How long pipes may stay open after the sandbox's init is gone (every process
/// of the namespace dies with it, so this only guards against the unforeseen).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Most bytes read from a pipe at once, and so the largest record of job output.
const READ_CHUNK: usize = 256 * 1024;

/// Capacity asked for the job's stdout and stderr pipes: a job writing fast runs
/// on while the supervisor writes the previous chunk to the log.
const PIPE_CAPACITY: i32 = 1 << 20;

/// How long after the job starts its Running status is written. A job that ends
/// sooner (a short job) never gets one: its final status follows directly,
/// which saves a file creation and a rename on the start path; a longer job is
/// shown Running this much later.
const RUNNING_WRITE_DELAY: Duration = Duration::from_millis(5);

/// How long after the go byte a supervisor not yet announced writes its status
/// even if the job has not started (a slow or stuck sandbox setup): a stopper
/// can then find its pid and signal it.
pub(super) const ANNOUNCE_DEADLINE: Duration = Duration::from_millis(20);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Stdout,
    Stderr,
    Result,
    Reports,
    Progress,
    Signals,
    Application,
}

pub(super) struct Pump {
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    result: Option<OwnedFd>,
    reports: Option<OwnedFd>,
    /// The job's own pipe: only progress reports are taken from it.
    progress: Option<OwnedFd>,
    progress_reader: ReportReader,
    signals: SignalFd,
    sandbox: Pid,
    grace: Duration,
    reader: ReportReader,
    buffer: Vec<u8>,
    stop_deadline: Option<Instant>,
    killed: bool,
    exited_at: Option<Instant>,
    /// The application's pidfd, when the job dies with it.
    application: Option<OwnedFd>,
    /// When the attempt runs out of time, and its limit.
    time_limit: Option<(Instant, Duration)>,
    /// When the status in memory is to be written, unless the job ends first.
    status_due: Option<Instant>,
}

/// The supervisor's ends of the pipes from the sandbox.
pub(super) struct SandboxPipes {
    pub(super) stdout: OwnedFd,
    pub(super) stderr: OwnedFd,
    pub(super) result: OwnedFd,
    pub(super) reports: OwnedFd,
    pub(super) progress: OwnedFd,
}

impl Pump {
    pub(super) fn new(
        pipes: SandboxPipes,
        signals: SignalFd,
        sandbox_pid: i32,
        grace: Duration,
    ) -> Pump {
        for pipe in [&pipes.stdout, &pipes.stderr] {
            // Best effort: the system's pipe-max-size may be lower.
            let _ = nix::fcntl::fcntl(pipe, nix::fcntl::FcntlArg::F_SETPIPE_SZ(PIPE_CAPACITY));
        }
        Pump {
            stdout: Some(pipes.stdout),
            stderr: Some(pipes.stderr),
            result: Some(pipes.result),
            reports: Some(pipes.reports),
            progress: Some(pipes.progress),
            progress_reader: ReportReader::default(),
            signals,
            sandbox: Pid::from_raw(sandbox_pid),
            grace,
            reader: ReportReader::default(),
            // Room for a record header before the bytes: output is read in place
            // and written to the log from the same buffer.
            buffer: vec![0; HEADER_LEN + READ_CHUNK],
            stop_deadline: None,
            killed: false,
            exited_at: None,
            application: None,
            time_limit: None,
            status_due: None,
        }
    }

    /// Writes the status by `deadline` at the latest, if the job has not ended
    /// by then (a supervisor not yet announced: see `Supervisor::prepare`).
    pub(super) fn announce_by(&mut self, deadline: Instant) {
        self.status_due = Some(self.status_due.map_or(deadline, |due| due.min(deadline)));
    }

    /// Stops the attempt (recorded as timed out) once it has run for `limit`.
    pub(super) fn time_limit(&mut self, limit: Duration) {
        self.time_limit = Some((Instant::now() + limit, limit));
    }

    /// Stops the attempt at once, before the loop starts.
    pub(super) fn stop_now(&mut self, supervisor: &mut Supervisor, observed: &mut Observed) {
        self.request_stop(supervisor, observed);
    }

    /// The signalfd, for the supervisor's waits between attempts.
    pub(super) fn into_signals(self) -> SignalFd {
        self.signals
    }

    /// Stops the job when the process behind `pidfd` (the application) exits.
    pub(super) fn watch_application(&mut self, pidfd: OwnedFd) {
        self.application = Some(pidfd);
    }

    fn pipes_open(&self) -> bool {
        self.stdout.is_some()
            || self.stderr.is_some()
            || self.result.is_some()
            || self.reports.is_some()
            || self.progress.is_some()
    }

    pub(super) fn run(&mut self, supervisor: &mut Supervisor, observed: &mut Observed) {
        loop {
            if observed.init_end.is_some() && !self.pipes_open() {
                return;
            }
            let now = Instant::now();
            if let Some(exited_at) = self.exited_at {
                if now >= exited_at + DRAIN_AFTER_EXIT {
                    self.kill(supervisor);
                    self.stdout = None;
                    self.stderr = None;
                    self.result = None;
                    self.reports = None;
                    self.progress = None;
                    continue;
                }
            }
            if let Some(deadline) = self.stop_deadline {
                if !self.killed && now >= deadline {
                    self.kill(supervisor);
                }
            }
            if let Some(due) = self.status_due {
                if now >= due {
                    self.status_due = None;
                    if observed.job_end.is_none() && observed.init_end.is_none() {
                        supervisor.publish_status();
                    }
                }
            }
            if std::mem::take(&mut supervisor.stop_seen) {
                self.request_stop(supervisor, observed);
            }
            if let Some((deadline, limit)) = self.time_limit {
                if now >= deadline && !observed.stop_requested {
                    observed.timed_out = Some(u64::try_from(limit.as_millis()).unwrap_or(u64::MAX));
                    supervisor.append_output(OutputStream::System, b"time limit reached");
                    self.request_stop(supervisor, observed);
                }
            }
            let timeout = self.timeout(now);
            let mut sources = Vec::with_capacity(5);
            let mut fds = Vec::with_capacity(5);
            for (source, fd) in [
                (Source::Stdout, &self.stdout),
                (Source::Stderr, &self.stderr),
                (Source::Result, &self.result),
                (Source::Reports, &self.reports),
                (Source::Progress, &self.progress),
            ] {
                if let Some(fd) = fd {
                    sources.push(source);
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
                }
            }
            sources.push(Source::Signals);
            fds.push(PollFd::new(self.signals.as_fd(), PollFlags::POLLIN));
            if let Some(application) = &self.application {
                sources.push(Source::Application);
                fds.push(PollFd::new(application.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(errno) => {
                    observed.supervisor_error = Some(format!("poll failed: {errno}"));
                    self.kill(supervisor);
                    return;
                }
            }
            let ready: Vec<Source> = sources
                .iter()
                .zip(&fds)
                .filter(|(_, fd)| fd.revents().is_some_and(|events| !events.is_empty()))
                .map(|(source, _)| *source)
                .collect();
            drop(fds);
            for source in ready {
                self.service(source, supervisor, observed);
            }
        }
    }

    fn timeout(&self, now: Instant) -> PollTimeout {
        let mut wake = None;
        if let (Some(deadline), false) = (self.stop_deadline, self.killed) {
            wake = Some(deadline);
        }
        if let Some(exited_at) = self.exited_at {
            let drain = exited_at + DRAIN_AFTER_EXIT;
            wake = Some(wake.map_or(drain, |w: Instant| w.min(drain)));
        }
        if let Some((deadline, _)) = self.time_limit {
            if self.stop_deadline.is_none() {
                wake = Some(wake.map_or(deadline, |w: Instant| w.min(deadline)));
            }
        }
        if let Some(due) = self.status_due {
            wake = Some(wake.map_or(due, |w: Instant| w.min(due)));
        }
        match wake {
            None => PollTimeout::NONE,
            Some(at) => {
                let millis = at.saturating_duration_since(now).as_millis() + 1;
                PollTimeout::try_from(millis.min(60_000) as i32).unwrap_or(PollTimeout::MAX)
            }
        }
    }

    fn service(&mut self, source: Source, supervisor: &mut Supervisor, observed: &mut Observed) {
        match source {
            Source::Signals => self.drain_signals(supervisor, observed),
            Source::Application => {
                // The application exited: the job goes with it.
                self.application = None;
                supervisor.append_output(OutputStream::System, b"the application exited");
                self.request_stop(supervisor, observed);
            }
            Source::Stdout
            | Source::Stderr
            | Source::Result
            | Source::Reports
            | Source::Progress => {
                let slot = match source {
                    Source::Stdout => &mut self.stdout,
                    Source::Stderr => &mut self.stderr,
                    Source::Result => &mut self.result,
                    Source::Progress => &mut self.progress,
                    _ => &mut self.reports,
                };
                let Some(fd) = slot else { return };
                let count = match nix::unistd::read(fd.as_fd(), &mut self.buffer[HEADER_LEN..]) {
                    Ok(count) => count,
                    Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => return,
                    Err(_) => 0,
                };
                if count == 0 {
                    *slot = None;
                    return;
                }
                let frame = &mut self.buffer[..HEADER_LEN + count];
                match source {
                    Source::Stdout => supervisor.append_output_framed(OutputStream::Stdout, frame),
                    Source::Stderr => supervisor.append_output_framed(OutputStream::Stderr, frame),
                    Source::Result => observed.result.extend_from_slice(&frame[HEADER_LEN..]),
                    Source::Progress => {
                        self.progress_reader.push(&frame[HEADER_LEN..]);
                        self.handle_progress(supervisor);
                    }
                    _ => {
                        self.reader.push(&frame[HEADER_LEN..]);
                        self.handle_reports(supervisor, observed);
                    }
                }
            }
        }
    }

    fn handle_reports(&mut self, supervisor: &mut Supervisor, observed: &mut Observed) {
        loop {
            match self.reader.next_message() {
                Ok(None) => return,
                Ok(Some(SandboxReport::SetupFailed {
                    step,
                    path,
                    errno,
                    message,
                })) => {
                    observed.setup_failure = Some(SetupFailure {
                        step,
                        path,
                        errno,
                        message,
                    })
                }
                Ok(Some(SandboxReport::JobStarted { .. })) => {
                    supervisor.job_started();
                    self.announce_by(Instant::now() + RUNNING_WRITE_DELAY);
                }
                Ok(Some(SandboxReport::JobExited { code })) => {
                    observed.job_end = Some(ProcessEnd::Exited(code))
                }
                // Progress comes on the job's own pipe, not from the init.
                Ok(Some(SandboxReport::Progress { .. })) => {}
                Ok(Some(SandboxReport::JobSignaled { signal })) => {
                    observed.job_end = Some(ProcessEnd::Signaled(signal))
                }
                Err(error) => {
                    observed.supervisor_error = Some(error.to_string());
                    self.reports = None;
                    self.kill(supervisor);
                    return;
                }
            }
        }
    }

    /// Takes progress reports from the job's own pipe; anything else there is
    /// the job pretending to be its sandbox's init, and ends the pipe.
    fn handle_progress(&mut self, supervisor: &mut Supervisor) {
        loop {
            match self.progress_reader.next_message() {
                Ok(None) => return,
                Ok(Some(SandboxReport::Progress {
                    done,
                    total,
                    message,
                })) => supervisor.progress(done, total, message),
                Ok(Some(_)) | Err(_) => {
                    supervisor.append_output(
                        OutputStream::System,
                        b"the job wrote something other than progress on its progress pipe; ignoring it from now on",
                    );
                    self.progress = None;
                    return;
                }
            }
        }
    }

    fn drain_signals(&mut self, supervisor: &mut Supervisor, observed: &mut Observed) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => self.reap(observed),
                Ok(Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP) => {
                    self.request_stop(supervisor, observed)
                }
                _ => {}
            }
        }
    }

    fn reap(&mut self, observed: &mut Observed) {
        loop {
            match waitpid(self.sandbox, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, code)) => {
                    observed.init_end = Some(ProcessEnd::Exited(code));
                    self.exited_at = Some(Instant::now());
                    return;
                }
                Ok(WaitStatus::Signaled(_, signal, _)) => {
                    observed.init_end = Some(ProcessEnd::Signaled(signal as i32));
                    self.exited_at = Some(Instant::now());
                    return;
                }
                Ok(WaitStatus::StillAlive) => return,
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => {
                    // ECHILD: already reaped, nothing more to learn.
                    if observed.init_end.is_none() {
                        observed.init_end = Some(ProcessEnd::Signaled(Signal::SIGKILL as i32));
                        self.exited_at = Some(Instant::now());
                    }
                    return;
                }
            }
        }
    }

    /// SIGTERM to every process of the job now; SIGKILL after the grace period.
    fn request_stop(&mut self, supervisor: &mut Supervisor, observed: &mut Observed) {
        if observed.stop_requested {
            return;
        }
        observed.stop_requested = true;
        supervisor.append_output(OutputStream::System, b"stop requested");
        if let Some(cgroup) = &supervisor.cgroup {
            let _ = cgroup.signal_all(Signal::SIGTERM as i32);
        }
        self.stop_deadline = Some(Instant::now() + self.grace);
        // Before the job's code runs there is nothing to be graceful to: the
        // sandbox's init ignores SIGTERM and the job's process may not exist yet,
        // so the signal would be lost and the stop would wait out the grace.
        if self.grace.is_zero() || supervisor.status.started_at.is_none() {
            self.kill(supervisor);
        }
    }

    /// Kills the whole sandbox: its init (which takes the pid namespace with it) and,
    /// for good measure, everything in the cgroup.
    fn kill(&mut self, supervisor: &mut Supervisor) {
        self.killed = true;
        // Once reaped its pid may belong to someone else: never signal it then.
        if self.exited_at.is_none() {
            let _ = nix::sys::signal::kill(self.sandbox, Signal::SIGKILL);
        }
        if let Some(cgroup) = &supervisor.cgroup {
            let _ = cgroup.kill_all();
        }
    }
}
