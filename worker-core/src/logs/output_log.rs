//! Appending to a job's output log (the format is in `record`): only the
//! supervisor appends, one record per write, within the job's output cap,
//! with disk space claimed ahead so that a full disk never cuts a record.

use super::record::{HEADER_LEN, OutputStream, encode_header};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Space set aside for the log's failure notice, given back once it is written
/// when the disk fills, so that the status and the result can still be written.
/// Kept claimed past the log's end (`fallocate`, keeping the size) where the
/// file system can; elsewhere, as a file of its own beside the log
/// (`output.reserve`), removed on failure and with the writer. A separate file
/// costs an inode created and freed per job, which on ext4 without a journal
/// slows every file creation of the next seconds.
const RESERVE_LEN: usize = 64 * 1024;

/// Disk space is claimed ahead of the writes, so that a full disk refuses the
/// claim and never leaves half a record behind: in steps that grow with the log,
/// doubling what is claimed, from this size...
const PREALLOCATE_STEP_MIN: u64 = 64 * 1024;

/// ...up to this one. A log that stays small (most jobs') never claims a
/// megabyte: on tmpfs that is a megabyte of memory zeroed, 0.21 ms of the
/// supervisor's set-up per job (perf trace), 3.5 % of all CPU in a throughput
/// run.
const PREALLOCATE_STEP: u64 = 1 << 20;

/// Appending to the log failed; the log keeps every record before the failure and
/// takes no more of the job's output.
#[derive(Debug, thiserror::Error)]
#[error("cannot append to the output log {}", path.display())]
pub(crate) struct AppendError {
    pub(crate) path: PathBuf,
    #[source]
    pub(crate) source: io::Error,
}

/// Appends records to a job's output log.
///
/// Keeps at most `cap` bytes of the job's stdout and stderr: the record that
/// crosses the cap is cut at it and followed by a system record saying so; later
/// output is counted and dropped (the pipes are still drained, the job never
/// waits). System records are always kept.
///
/// When a write fails (disk full, I/O error), the log is cut back to its last whole
/// record, a system record tells why (written into the space reserve), the
/// reserve is given back, and further output of the job is dropped.
///
/// Dropping the writer gives back the space claimed past the log's end.
pub(crate) struct OutputLogWriter {
    file: File,
    path: PathBuf,
    /// The reserve file, where the file system cannot claim space ahead.
    reserve: Option<PathBuf>,
    /// Length of the log up to its last whole record.
    len: u64,
    /// Disk space claimed for the log so far: until the log fails, at least
    /// `len + RESERVE_LEN` where it can preallocate (or the claim failed).
    allocated: u64,
    /// Whether the file system can claim space ahead (`fallocate`).
    can_preallocate: bool,
    cap: u64,
    job_bytes: u64,
    dropped: u64,
    dropped_reported: u64,
    /// The truncation notice was written.
    truncated: bool,
    failed: bool,
    frame: Vec<u8>,
}

impl OutputLogWriter {
    /// Opens (creating) the log at `path`, keeping at most `cap` bytes of the job's
    /// output, and sets a small space reserve aside: past the log's end, or
    /// beside it where the file system cannot claim space ahead.
    pub(crate) fn create(path: &Path, cap: u64) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)?;
        let len = file.metadata()?.len();
        let mut allocated = len;
        let mut reserve = None;
        let can_preallocate = match claim(&file, len, RESERVE_LEN as u64) {
            Ok(()) => {
                allocated = len + RESERVE_LEN as u64;
                true
            }
            Err(error) if unsupported(&error) => {
                let path = path.with_extension("reserve");
                match std::fs::write(&path, [0u8; RESERVE_LEN]) {
                    Ok(()) => reserve = Some(path),
                    Err(_) => {
                        let _ = std::fs::remove_file(&path);
                    }
                }
                false
            }
            // No room even for the reserve: the first write fails and says so.
            Err(_) => true,
        };
        Ok(OutputLogWriter {
            file,
            path: path.to_owned(),
            reserve,
            len,
            allocated,
            can_preallocate,
            cap,
            job_bytes: 0,
            dropped: 0,
            dropped_reported: 0,
            truncated: false,
            failed: false,
            frame: Vec::with_capacity(HEADER_LEN + 1024),
        })
    }

    pub(crate) fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.file)
    }

    /// Appends one record with a single write, so a reader sees it whole or not at all
    /// (bar a crash in the middle, which readers tolerate).
    ///
    /// # Errors
    ///
    /// Only the first failure of the log is returned; afterwards it drops output.
    pub(crate) fn append(&mut self, stream: OutputStream, bytes: &[u8]) -> Result<(), AppendError> {
        let mut frame = std::mem::take(&mut self.frame);
        frame.clear();
        frame.resize(HEADER_LEN, 0);
        frame.extend_from_slice(bytes);
        let result = self.append_framed(stream, &mut frame);
        self.frame = frame;
        result
    }

    /// Appends the record whose bytes are `frame[HEADER_LEN..]`, writing its header
    /// into `frame[..HEADER_LEN]` in place: the job's bytes are written straight from
    /// the buffer they were read into.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    pub(crate) fn append_framed(
        &mut self,
        stream: OutputStream,
        frame: &mut [u8],
    ) -> Result<(), AppendError> {
        let body_len = frame.len().saturating_sub(HEADER_LEN) as u64;
        if stream == OutputStream::System {
            self.report_dropped()?;
            return self.write_record(stream, frame);
        }
        if self.failed {
            self.dropped += body_len;
            return Ok(());
        }
        let room = self.cap.saturating_sub(self.job_bytes);
        let keep = body_len.min(room);
        if keep > 0 {
            self.write_record(stream, &mut frame[..HEADER_LEN + keep as usize])?;
            self.job_bytes += keep;
        }
        if keep < body_len {
            self.dropped += body_len - keep;
            if !self.truncated {
                self.truncated = true;
                let notice = format!(
                    "output truncated: the job's output reached its cap of {} bytes; further output is dropped",
                    self.cap
                );
                self.append_system(notice.as_bytes())?;
            }
        }
        Ok(())
    }

    /// How many bytes of the job's output were dropped (past the cap or after a failure).
    #[cfg(test)]
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    fn append_system(&mut self, text: &[u8]) -> Result<(), AppendError> {
        let mut frame = vec![0u8; HEADER_LEN];
        frame.extend_from_slice(text);
        self.write_record(OutputStream::System, &mut frame)
    }

    /// Before the next system record, says how much was dropped since last said.
    fn report_dropped(&mut self) -> Result<(), AppendError> {
        if self.dropped > self.dropped_reported && !self.failed {
            self.dropped_reported = self.dropped;
            let notice = format!(
                "output dropped: {} bytes past the cap of {} bytes",
                self.dropped, self.cap
            );
            self.append_system(notice.as_bytes())?;
        }
        Ok(())
    }

    fn write_record(&mut self, stream: OutputStream, frame: &mut [u8]) -> Result<(), AppendError> {
        let body_len = frame.len() - HEADER_LEN;
        let mut header = Vec::with_capacity(HEADER_LEN);
        encode_header(&mut header, stream, now_ns(), body_len);
        frame[..HEADER_LEN].copy_from_slice(&header);
        let result = self
            .preallocate(frame.len() as u64)
            .and_then(|()| self.file.write_all(frame));
        match result {
            Ok(()) => {
                self.len += frame.len() as u64;
                Ok(())
            }
            Err(_) if self.failed => {
                // Already reported: only system records are still tried, best effort.
                let _ = self.file.set_len(self.len);
                Ok(())
            }
            Err(source) => Err(self.fail(source)),
        }
    }

    /// Claims disk space for `more` bytes past the log's end before writing them,
    /// plus the reserve past them (until the log fails), so that a full disk
    /// refuses the claim rather than half a write, and the failure notice still
    /// fits in space already claimed.
    fn preallocate(&mut self, more: u64) -> io::Result<()> {
        let headroom = if self.failed { 0 } else { RESERVE_LEN as u64 };
        let needed = self.len + more + headroom;
        if !self.can_preallocate || needed <= self.allocated {
            return Ok(());
        }
        let size = self.allocated.clamp(PREALLOCATE_STEP_MIN, PREALLOCATE_STEP);
        let step = needed.div_ceil(size) * size;
        for upto in [step, needed] {
            match claim(&self.file, self.len, upto - self.len) {
                Ok(()) => {
                    self.allocated = upto;
                    return Ok(());
                }
                Err(error) if error.raw_os_error() == Some(libc::ENOSPC) => continue,
                Err(error) if unsupported(&error) => {
                    self.can_preallocate = false;
                    return Ok(());
                }
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::from_raw_os_error(libc::ENOSPC))
    }

    /// Gives back the disk space claimed past the log's end (truncating to the
    /// current length frees it), and cuts a partial record off.
    fn give_back_claim(&mut self) {
        let _ = self.file.set_len(self.len);
        self.allocated = self.len;
    }

    /// Records the log's first failure: cuts it back to its last whole record,
    /// says why in a last system record (in the space reserve), and gives the
    /// reserve back.
    fn fail(&mut self, source: io::Error) -> AppendError {
        self.failed = true;
        // A partial record is cut off; none (the usual case: a full disk
        // refuses the claim before any write) keeps the reserve claimed.
        if self
            .file
            .metadata()
            .map_or(true, |meta| meta.len() != self.len)
        {
            let _ = self.file.set_len(self.len);
        }
        if let Some(reserve) = self.reserve.take() {
            let _ = std::fs::remove_file(reserve);
        }
        let mut frame = Vec::new();
        let notice = format!(
            "output lost: cannot write the output log: {source}; further output is dropped"
        );
        encode_header(&mut frame, OutputStream::System, now_ns(), notice.len());
        frame.extend_from_slice(notice.as_bytes());
        if self.file.write_all(&frame).is_ok() {
            self.len += frame.len() as u64;
        }
        self.give_back_claim();
        AppendError {
            path: self.path.clone(),
            source,
        }
    }
}

/// Claims `len` bytes of disk space from `offset` in `file`, keeping its size.
fn claim(file: &File, offset: u64, len: u64) -> io::Result<()> {
    nix::fcntl::fallocate(
        file,
        nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
        offset as libc::off_t,
        len as libc::off_t,
    )
    .map_err(io::Error::from)
}

/// Whether a claim failed because the file system cannot claim space ahead.
fn unsupported(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL)
    )
}

impl Drop for OutputLogWriter {
    fn drop(&mut self) {
        if let Some(reserve) = self.reserve.take() {
            let _ = std::fs::remove_file(reserve);
        }
        // A finished job keeps no space it does not use.
        if self.can_preallocate && self.allocated > self.len {
            self.give_back_claim();
        }
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
