//! The jobs the benchmark runs. Each does as little as its figure needs, so what
//! is measured is the library, not the job.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use workernator::{Job, JobContext, JobError, Run};

/// The first bytes a [`Sleeper`] writes once it is set up.
pub const READY: &[u8] = b"ready";

/// Does nothing: its start-to-exit time is all overhead.
#[derive(Job, Serialize, Deserialize)]
pub struct Noop;

impl Run for Noop {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

/// The job's stdout as an unbuffered file: every `write` goes straight to the pipe.
fn raw_stdout() -> Result<File, JobError> {
    Ok(File::from(std::io::stdout().as_fd().try_clone_to_owned()?))
}

/// Writes "ready", then sleeps until stopped; with `ignore_term` it ignores SIGTERM
/// (installed before "ready"), so only the SIGKILL after the grace period ends it.
#[derive(Job, Serialize, Deserialize)]
pub struct Sleeper {
    pub ignore_term: bool,
}

impl Run for Sleeper {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        if self.ignore_term {
            // SAFETY: SIG_IGN installs no handler code, so nothing runs in signal context.
            unsafe {
                nix::sys::signal::signal(
                    nix::sys::signal::Signal::SIGTERM,
                    nix::sys::signal::SigHandler::SigIgn,
                )
            }?;
        }
        raw_stdout()?.write_all(READY)?;
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// Writes `bytes` zero bytes to stdout in writes of `chunk` bytes.
#[derive(Job, Serialize, Deserialize)]
pub struct Writer {
    pub bytes: u64,
    pub chunk: usize,
}

impl Run for Writer {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        let mut out = raw_stdout()?;
        let buffer = vec![0u8; self.chunk.max(1)];
        let mut left = self.bytes;
        while left > 0 {
            let n = usize::try_from(left).map_or(buffer.len(), |left| left.min(buffer.len()));
            out.write_all(&buffer[..n])?;
            left -= n as u64;
        }
        Ok(self.bytes)
    }
}

/// Nanoseconds since the Unix epoch (the same clock inside and outside the sandbox:
/// there is no time namespace).
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// After `delay_ms`, writes `count` lines `tick <ns since epoch>`, one write each,
/// `interval_us` apart: the follower measures write → reader from them.
#[derive(Job, Serialize, Deserialize)]
pub struct Ticker {
    pub delay_ms: u64,
    pub count: u32,
    pub interval_us: u64,
}

impl Run for Ticker {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let mut out = raw_stdout()?;
        std::thread::sleep(Duration::from_millis(self.delay_ms));
        for _ in 0..self.count {
            out.write_all(format!("tick {}\n", now_ns()).as_bytes())?;
            std::thread::sleep(Duration::from_micros(self.interval_us));
        }
        Ok(())
    }
}

/// The write time in a `tick <ns>` line.
pub fn tick_time(bytes: &[u8]) -> Option<u64> {
    std::str::from_utf8(bytes)
        .ok()?
        .trim()
        .strip_prefix("tick ")?
        .parse()
        .ok()
}
