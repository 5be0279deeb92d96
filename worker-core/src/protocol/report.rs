//! The sandbox's reports to its supervisor: length-prefixed JSON messages on a pipe.
//!
//! The sandbox init is a forked copy of the supervisor, so it may allocate and
//! serialize; each message is written with one `write`, and small enough
//! (under `PIPE_BUF`) to arrive whole.

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

/// Largest encoded report; a pipe write of at most `PIPE_BUF` (4096) bytes is atomic.
const MAX_REPORT: usize = 4000;

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
        let Ok(mut body) = serde_json::to_vec(report) else {
            return;
        };
        if body.len() > MAX_REPORT {
            // Only a setup failure carries text; keep it within one atomic write.
            body = serde_json::to_vec(&SandboxReport::SetupFailed {
                step: "report".into(),
                path: String::new(),
                errno: None,
                message: "setup failure message too long".into(),
            })
            .unwrap_or_default();
        }
        let mut frame = Vec::with_capacity(4 + body.len());
        frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
        frame.extend_from_slice(&body);
        let _ = self.sink.write_all(&frame);
    }
}

/// Reassembles reports from the bytes read off the pipe; the supervisor's end.
#[derive(Debug, Default)]
pub(crate) struct ReportReader {
    buffer: Vec<u8>,
}

/// The pipe carried something that is not a report.
#[derive(Debug, thiserror::Error)]
#[error("the sandbox sent a malformed report")]
pub(crate) struct MalformedReport;

impl ReportReader {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole report, if one has arrived.
    pub(crate) fn next_report(&mut self) -> Result<Option<SandboxReport>, MalformedReport> {
        let Some(header) = self.buffer.get(..4) else {
            return Ok(None);
        };
        let mut length = [0u8; 4];
        length.copy_from_slice(header);
        let length = u32::from_le_bytes(length) as usize;
        if length > MAX_REPORT {
            return Err(MalformedReport);
        }
        let Some(body) = self.buffer.get(4..4 + length) else {
            return Ok(None);
        };
        let report = serde_json::from_slice(body).map_err(|_| MalformedReport)?;
        self.buffer.drain(..4 + length);
        Ok(Some(report))
    }
}

#[cfg(test)]
mod tests;
