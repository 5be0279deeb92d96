//! What the pump tells the supervisor as the attempt runs: the job started,
//! its progress, its output for the log, and the log failing.

use super::Supervisor;
use crate::logs::record::OutputStream;
use crate::model::time::Timestamp;
use crate::state::JobState;
use crate::sys::error_chain;

impl Supervisor {
    /// The job reports its progress.
    pub(super) fn progress(&mut self, done: u64, total: Option<u64>, message: String) {
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
    pub(super) fn job_started(&mut self) {
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
    pub(super) fn publish_status(&mut self) {
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
    }

    pub(super) fn append_output(&mut self, stream: OutputStream, bytes: &[u8]) {
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append(stream, bytes) {
                self.output_failed(&error);
            }
        }
    }

    /// Appends the job's bytes in `frame[HEADER_LEN..]`, framing them in place.
    pub(super) fn append_output_framed(&mut self, stream: OutputStream, frame: &mut [u8]) {
        if let Some(log) = &mut self.log {
            if let Err(error) = log.append_framed(stream, frame) {
                self.output_failed(&error);
            }
        }
    }

    /// The log took its first write failure (the log drops output from now on):
    /// the status says so at once.
    pub(super) fn output_failed(&mut self, error: &crate::logs::output_log::AppendError) {
        let message = error_chain(error);
        eprintln!("workernator supervisor: {message}");
        self.status.output_error = Some(message);
        if let Err(message) = self.write_status() {
            eprintln!("workernator supervisor: {message}");
        }
    }
}
