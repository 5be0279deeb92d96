//! The job's output on disk: an append-only file of framed records.
//!
//! Each record is a 16-byte header then the bytes:
//!
//! ```text
//! u32 LE  length of the bytes
//! u8      stream: 1 stdout, 2 stderr, 3 system
//! [u8; 3] zero
//! u64 LE  timestamp, nanoseconds since the Unix epoch
//! ```
//!
//! Only the supervisor appends. A reader consumes whole records and leaves a
//! partial one (being written, or cut short by a crash) for later.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Which stream a record of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputStream {
    /// The job's standard output.
    Stdout,
    /// The job's standard error.
    Stderr,
    /// A record written by the supervisor about the job (started, exited).
    System,
}

impl OutputStream {
    fn code(self) -> u8 {
        match self {
            OutputStream::Stdout => 1,
            OutputStream::Stderr => 2,
            OutputStream::System => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(OutputStream::Stdout),
            2 => Some(OutputStream::Stderr),
            3 => Some(OutputStream::System),
            _ => None,
        }
    }
}

/// One chunk of output, exactly as the job wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRecord {
    /// Where it came from.
    pub stream: OutputStream,
    /// When the supervisor read it, in nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
}

pub(crate) const HEADER_LEN: usize = 16;

/// The longest record a reader accepts; a longer length in a header means the log
/// is corrupt. The supervisor writes records of at most its read chunk (256 KiB).
pub(crate) const MAX_RECORD_LEN: usize = 16 << 20;

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

fn encode_header(frame: &mut Vec<u8>, stream: OutputStream, timestamp_ns: u64, len: usize) {
    frame.extend_from_slice(&(len as u32).to_le_bytes());
    frame.push(stream.code());
    frame.extend_from_slice(&[0, 0, 0]);
    frame.extend_from_slice(&timestamp_ns.to_le_bytes());
}

/// A log that does not follow the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("output log is corrupt at byte {offset}")]
pub struct CorruptLog {
    /// Where the bad record starts.
    pub offset: u64,
}

/// The header of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) stream: OutputStream,
    pub(crate) timestamp_ns: u64,
    /// Length of the bytes that follow the header.
    pub(crate) len: usize,
}

/// Decodes the header at the start of `bytes` (at least [`HEADER_LEN`] long), which
/// sits at `offset` in the log.
pub(crate) fn decode_header(bytes: &[u8], offset: u64) -> Result<Header, CorruptLog> {
    let corrupt = CorruptLog { offset };
    let header = bytes.get(..HEADER_LEN).ok_or(corrupt.clone())?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let stream = OutputStream::from_code(header[4]).ok_or(corrupt.clone())?;
    if header[5..8] != [0, 0, 0] || len > MAX_RECORD_LEN {
        return Err(corrupt);
    }
    let mut stamp = [0u8; 8];
    stamp.copy_from_slice(&header[8..16]);
    Ok(Header {
        stream,
        timestamp_ns: u64::from_le_bytes(stamp),
        len,
    })
}

/// Decodes the whole records at the start of `bytes`; returns them and how many
/// bytes they took. A partial record at the end is left unconsumed.
pub(crate) fn decode_records(
    bytes: &[u8],
    base_offset: u64,
) -> Result<(Vec<OutputRecord>, usize), CorruptLog> {
    let mut records = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + HEADER_LEN) {
        let header = decode_header(header, base_offset + at as u64)?;
        let Some(body) = bytes.get(at + HEADER_LEN..at + HEADER_LEN + header.len) else {
            break;
        };
        records.push(OutputRecord {
            stream: header.stream,
            timestamp_ns: header.timestamp_ns,
            bytes: body.to_vec(),
        });
        at += HEADER_LEN + header.len;
    }
    Ok((records, at))
}

/// Reads every whole record of the log at `path`.
pub(crate) fn read_all(path: &Path) -> io::Result<Vec<OutputRecord>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    decode_records(&bytes, 0)
        .map(|(records, _)| records)
        .map_err(|corrupt| io::Error::new(io::ErrorKind::InvalidData, corrupt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::limits::DEFAULT_OUTPUT_CAP;

    #[test]
    fn records_round_trip_binary_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
        writer.append(OutputStream::Stdout, b"hello\n").unwrap();
        writer
            .append(OutputStream::Stderr, &[0, 0xff, 0xfe, b'\n'])
            .unwrap();
        writer.append(OutputStream::System, b"").unwrap();
        let records = read_all(&path).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].bytes, b"hello\n");
        assert_eq!(records[1].stream, OutputStream::Stderr);
        assert_eq!(records[1].bytes, [0, 0xff, 0xfe, b'\n']);
        assert!(records[0].timestamp_ns <= records[1].timestamp_ns);
    }

    #[test]
    fn a_torn_tail_is_left_for_later() {
        let mut wire = Vec::new();
        encode_header(&mut wire, OutputStream::Stdout, 7, 3);
        wire.extend_from_slice(b"abc");
        encode_header(&mut wire, OutputStream::Stdout, 8, 5);
        wire.extend_from_slice(b"de");
        for cut in 0..wire.len() {
            let (records, used) = decode_records(&wire[..cut], 0).unwrap();
            let whole = if cut >= HEADER_LEN + 3 { 1 } else { 0 };
            assert_eq!(records.len(), whole, "cut {cut}");
            assert_eq!(used, whole * (HEADER_LEN + 3));
        }
    }

    #[test]
    fn garbage_is_reported_with_its_offset() {
        let mut wire = Vec::new();
        encode_header(&mut wire, OutputStream::Stdout, 7, 1);
        wire.push(b'x');
        wire.extend_from_slice(&[1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'y']);
        assert_eq!(
            decode_records(&wire, 100).unwrap_err(),
            CorruptLog { offset: 117 }
        );
    }

    fn job_bytes(records: &[OutputRecord]) -> Vec<u8> {
        records
            .iter()
            .filter(|r| r.stream != OutputStream::System)
            .flat_map(|r| r.bytes.iter().copied())
            .collect()
    }

    #[test]
    fn the_cap_cuts_the_crossing_record_and_drops_the_rest_visibly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path, 10).unwrap();
        writer.append(OutputStream::Stdout, b"123456").unwrap();
        writer.append(OutputStream::Stderr, b"abcdef").unwrap();
        writer.append(OutputStream::Stdout, b"more").unwrap();
        writer
            .append(OutputStream::System, b"job succeeded")
            .unwrap();
        assert_eq!(writer.dropped(), 6);
        let records = read_all(&path).unwrap();
        assert_eq!(job_bytes(&records), b"123456abcd");
        let system: Vec<String> = records
            .iter()
            .filter(|r| r.stream == OutputStream::System)
            .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
            .collect();
        assert_eq!(system.len(), 3, "{system:?}");
        assert!(system[0].starts_with("output truncated"), "{system:?}");
        assert!(system[1].contains("6 bytes past the cap"), "{system:?}");
        assert_eq!(system[2], "job succeeded");
    }

    #[test]
    fn output_exactly_at_the_cap_is_not_called_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path, 4).unwrap();
        writer.append(OutputStream::Stdout, b"abcd").unwrap();
        writer
            .append(OutputStream::System, b"job succeeded")
            .unwrap();
        let records = read_all(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(writer.dropped(), 0);
        // More, later: now it is truncated, and says so once.
        writer.append(OutputStream::Stdout, b"e").unwrap();
        writer.append(OutputStream::Stdout, b"f").unwrap();
        let records = read_all(&path).unwrap();
        assert_eq!(records.len(), 3);
        assert!(records[2].bytes.starts_with(b"output truncated"));
    }

    /// Bytes of disk space the file at `path` holds.
    fn claimed(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::blocks(&std::fs::metadata(path).unwrap()) * 512
    }

    #[test]
    fn the_reserve_is_claimed_past_the_end_and_given_back_with_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
        let reserve = dir.path().join("output.reserve");
        if !writer.can_preallocate {
            // A file system without fallocate: the reserve is a file beside.
            assert_eq!(
                std::fs::metadata(&reserve).unwrap().len(),
                RESERVE_LEN as u64
            );
            drop(writer);
            assert!(!reserve.exists());
            return;
        }
        assert!(!reserve.exists(), "no file of its own");
        assert!(claimed(&path) >= RESERVE_LEN as u64);
        for size in [10, 70_000, 1 << 20, 5] {
            writer
                .append(OutputStream::Stdout, &vec![b'x'; size])
                .unwrap();
            let len = std::fs::metadata(&path).unwrap().len();
            assert!(
                claimed(&path) >= len + RESERVE_LEN as u64,
                "the reserve stays claimed past the end ({len} bytes)"
            );
        }
        let len = std::fs::metadata(&path).unwrap().len();
        drop(writer);
        assert!(
            claimed(&path) < len + 4096 * 2,
            "given back: {} bytes claimed for {len}",
            claimed(&path)
        );
        assert_eq!(read_all(&path).unwrap().len(), 4);
    }

    /// A small tmpfs mounted on a temporary directory, unmounted when dropped.
    struct SmallDisk(tempfile::TempDir);

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = nix::mount::umount2(self.0.path(), nix::mount::MntFlags::MNT_DETACH);
        }
    }

    #[test]
    fn on_a_full_disk_the_failure_notice_fits_in_the_claimed_reserve() {
        if !nix::unistd::geteuid().is_root() {
            assert!(
                std::env::var_os("WORKERNATOR_REQUIRE_PRIVILEGED").is_none_or(|v| v != "1"),
                "needs root (mounts a small tmpfs)"
            );
            eprintln!("skipped: not root (mounts a small tmpfs)");
            return;
        }
        let disk = SmallDisk(
            tempfile::Builder::new()
                .prefix("workernator-test-")
                .tempdir()
                .unwrap(),
        );
        nix::mount::mount(
            Some("tmpfs"),
            disk.0.path(),
            Some("tmpfs"),
            nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
            Some("size=4m,mode=0700"),
        )
        .unwrap();
        let path = disk.0.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
        assert!(writer.can_preallocate, "tmpfs claims space ahead");
        writer.append(OutputStream::Stdout, b"before\n").unwrap();
        // Fill the disk to the last page.
        let mut filler = std::fs::File::create(disk.0.path().join("filler")).unwrap();
        while filler.write_all(&[0u8; 4096]).is_ok() {}
        // Log on, into the space claimed ahead, until the claim runs out.
        let mut appended = 0;
        let error = loop {
            match writer.append(OutputStream::Stdout, &[b'y'; 4000]) {
                Ok(()) => appended += 1,
                Err(error) => break error,
            }
            assert!(appended < 1000, "the disk never filled");
        };
        assert_eq!(error.source.raw_os_error(), Some(libc::ENOSPC));
        let records = read_all(&path).unwrap();
        assert_eq!(records.len(), 2 + appended, "every record before is whole");
        assert_eq!(records[0].bytes, b"before\n");
        let last = records.last().unwrap();
        assert_eq!(last.stream, OutputStream::System);
        assert!(
            last.bytes.starts_with(b"output lost"),
            "{:?}",
            String::from_utf8_lossy(&last.bytes)
        );
        // The rest of the reserve was given back, for the status and result.
        filler
            .write_all(&[0u8; RESERVE_LEN / 2])
            .expect("the reserve is free again");
        drop(writer);
    }

    #[test]
    fn a_failed_write_is_reported_once_and_later_output_dropped() {
        // /dev/full fails every write with ENOSPC.
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open("/dev/full")
            .unwrap();
        let mut writer = OutputLogWriter {
            file,
            path: PathBuf::from("/dev/full"),
            reserve: None,
            len: 0,
            allocated: 0,
            can_preallocate: false,
            cap: DEFAULT_OUTPUT_CAP,
            job_bytes: 0,
            dropped: 0,
            dropped_reported: 0,
            truncated: false,
            failed: false,
            frame: Vec::new(),
        };
        let error = writer.append(OutputStream::Stdout, b"abc").unwrap_err();
        assert_eq!(error.source.raw_os_error(), Some(libc::ENOSPC));
        assert!(error.to_string().contains("/dev/full"), "{error}");
        writer.append(OutputStream::Stdout, b"defg").unwrap();
        writer
            .append(OutputStream::System, b"job succeeded")
            .unwrap();
        assert_eq!(writer.dropped(), 4);
    }

    #[test]
    fn an_absurd_length_is_corrupt_not_a_wait() {
        let mut wire = Vec::new();
        encode_header(&mut wire, OutputStream::Stdout, 7, MAX_RECORD_LEN + 1);
        assert_eq!(
            decode_records(&wire, 0).unwrap_err(),
            CorruptLog { offset: 0 }
        );
    }
}
