//! The sandbox's reports to its supervisor: [`SandboxReport`]s, framed, on a
//! pipe (the init's), and the job's progress on a pipe of its own.
//!
//! The sandbox init is a forked copy of the supervisor, so it may allocate and
//! serialize; each report is written with one `write`, and small enough
//! (under `PIPE_BUF`) to arrive whole.

use super::frame::{self, FrameReader, Message};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// What the sandbox tells its supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SandboxReport {
    /// A setup step failed; the sandbox exits next.
    SetupFailed {
        /// What was being done, e.g. "mount proc on".
        step: String,
        /// The path it was done to.
        path: String,
        /// The system error number, if the kernel refused.
        errno: Option<i32>,
        /// The system error as text.
        message: String,
    },
    /// The job's process runs, with this pid inside the sandbox.
    JobStarted { pid: i32 },
    /// The job's process exited with this code.
    JobExited { code: i32 },
    /// The job's process was killed by this signal.
    JobSignaled { signal: i32 },
    /// The job reports its progress.
    Progress {
        done: u64,
        total: Option<u64>,
        message: String,
    },
}

/// Largest body of a report: its frame (with the header) stays within one
/// atomic pipe write (`PIPE_BUF`, 4096 bytes).
const MAX_REPORT: usize = 4000;

impl Message for SandboxReport {
    const CHANNEL: &'static str = "the sandbox's report pipe";
    const MAX_BODY: usize = MAX_REPORT;

    fn to_body(&self) -> Vec<u8> {
        frame::json_body(self)
    }

    fn from_body(body: &[u8]) -> Option<Self> {
        frame::from_json(body)
    }
}

/// Writes reports; the sandbox's end.
pub(crate) struct ReportSender<W: Write> {
    sink: W,
}

impl<W: Write> ReportSender<W> {
    pub(crate) fn new(sink: W) -> Self {
        ReportSender { sink }
    }

    pub(crate) fn setup_failed(&mut self, error: &worker_isolate::SetupError) {
        self.send(&SandboxReport::SetupFailed {
            step: error.step.to_owned(),
            path: error.path.display().to_string(),
            errno: error.source.raw_os_error(),
            message: error.source.to_string(),
        });
    }

    pub(crate) fn job_started(&mut self, pid: i32) {
        self.send(&SandboxReport::JobStarted { pid });
    }

    pub(crate) fn job_exited(&mut self, code: i32) {
        self.send(&SandboxReport::JobExited { code });
    }

    pub(crate) fn job_signaled(&mut self, signal: i32) {
        self.send(&SandboxReport::JobSignaled { signal });
    }

    pub(crate) fn progress(&mut self, done: u64, total: Option<u64>, message: &str) {
        // Keep the report within one atomic pipe write, cutting on a char boundary.
        let mut end = message.len().min(MAX_REPORT / 2);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        self.send(&SandboxReport::Progress {
            done,
            total,
            message: message[..end].to_owned(),
        });
    }

    /// Best effort: if the supervisor is gone there is no one left to tell.
    fn send(&mut self, report: &SandboxReport) {
        // Only a setup failure carries text; keep it within one atomic write.
        let too_long = SandboxReport::SetupFailed {
            step: "report".into(),
            path: String::new(),
            errno: None,
            message: "setup failure message too long".into(),
        };
        let report = match report.to_body().len() > MAX_REPORT {
            true => &too_long,
            false => report,
        };
        if let Ok(framed) = frame::frame(report) {
            let _ = self.sink.write_all(&framed);
        }
    }
}

/// Reassembles reports from the bytes read off the pipe; the supervisor's end.
pub(crate) type ReportReader = FrameReader<SandboxReport>;

#[cfg(test)]
mod tests;
