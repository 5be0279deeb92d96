//! A window on the log file: reads it in large chunks and decodes whole records,
//! leaving a record that is not all there yet for the next read.

use super::LogError;
use crate::logs::record::{self, HEADER_LEN, OutputRecord};
use crate::model::id::JobId;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// The window's size: the supervisor's records are at most 256 KiB, so a read
/// brings one or more of them whole. Grows only for a longer record.
pub(super) const WINDOW: usize = 512 * 1024;

/// Below this much free room at its end, the window is compacted before a read.
const MIN_READ: usize = 64 * 1024;

pub(super) struct Cursor {
    id: JobId,
    path: PathBuf,
    file: Option<File>,
    buf: Box<[u8]>,
    /// Undecoded bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// File offset of `buf[start]`: the next record's.
    pos: u64,
    /// Bytes to leave out at the start of the next record (a start inside a record).
    skip: usize,
    /// For a snapshot: the log's length when it was taken; nothing past it is read.
    limit: Option<u64>,
    touched: bool,
}

impl Cursor {
    /// A cursor on the log at `path`, whose next record starts at `pos`; the first
    /// `skip` bytes of that record are left out.
    pub(super) fn new(id: JobId, path: PathBuf, pos: u64, skip: usize) -> Cursor {
        Cursor {
            id,
            path,
            file: None,
            buf: Box::default(),
            start: 0,
            end: 0,
            pos,
            skip,
            limit: None,
            touched: false,
        }
    }

    /// Starts at the whole record at `pos` instead (before anything is read).
    pub(super) fn restart_at(&mut self, pos: u64) {
        debug_assert!(!self.touched);
        self.pos = pos;
        self.skip = 0;
    }

    /// Reads nothing past `limit`.
    pub(super) fn limited_to(mut self, limit: u64) -> Cursor {
        self.limit = Some(limit);
        self
    }

    /// Whether nothing was read yet.
    pub(super) fn untouched(&self) -> bool {
        !self.touched
    }

    /// The next whole record already read, and its offset in the log.
    pub(super) fn next_record(&mut self) -> Result<Option<(u64, OutputRecord)>, LogError> {
        let available = &self.buf[self.start..self.end];
        if available.len() < HEADER_LEN {
            return Ok(None);
        }
        let header =
            record::decode_header(available, self.pos).map_err(|source| LogError::Corrupt {
                id: self.id.clone(),
                path: self.path.clone(),
                source,
            })?;
        let whole = HEADER_LEN + header.len;
        if available.len() < whole {
            return Ok(None);
        }
        let skip = self.skip.min(header.len);
        let record = OutputRecord {
            stream: header.stream,
            timestamp_ns: header.timestamp_ns,
            bytes: available[HEADER_LEN + skip..whole].to_vec(),
        };
        let offset = self.pos;
        self.skip = 0;
        self.start += whole;
        self.pos += whole as u64;
        Ok(Some((offset, record)))
    }

    /// Reads more of the log; returns how many bytes (0 at its current end, or when
    /// it does not exist yet).
    pub(super) fn fill(&mut self) -> Result<usize, LogError> {
        self.touched = true;
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(file) => self.file = Some(file),
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
                Err(source) => return Err(self.read_error(source)),
            }
        }
        self.make_room();
        let read_at = self.pos + (self.end - self.start) as u64;
        let Some(file) = &self.file else {
            return Ok(0);
        };
        let room = match self.limit {
            Some(limit) => {
                let left = usize::try_from(limit.saturating_sub(read_at)).unwrap_or(usize::MAX);
                (self.buf.len() - self.end).min(left)
            }
            None => self.buf.len() - self.end,
        };
        if room == 0 {
            return Ok(0);
        }
        let count = loop {
            match file.read_at(&mut self.buf[self.end..self.end + room], read_at) {
                Ok(count) => break count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(self.read_error(source)),
            }
        };
        if count == 0 && self.end > self.start {
            // The writer cuts the log back to its last whole record when a write
            // fails: a partial record read before that is gone, so read it again.
            let len = file
                .metadata()
                .map_err(|source| self.read_error(source))?
                .len();
            if len < read_at {
                self.end = self.start;
                return self.fill();
            }
        }
        self.end += count;
        Ok(count)
    }

    /// At the log's current end: an error if the job has ended and a partial record
    /// is left (its writer died mid-write), else nothing.
    pub(super) fn partial_at_end(&self, job_ended: bool) -> Option<LogError> {
        (job_ended && self.end > self.start).then(|| LogError::Truncated {
            id: self.id.clone(),
            path: self.path.clone(),
            offset: self.pos,
        })
    }

    /// Moves the undecoded bytes to the front when room runs short, and grows the
    /// window when the next record is longer than it.
    fn make_room(&mut self) {
        let pending = self.end - self.start;
        let needed = if pending >= HEADER_LEN {
            // A corrupt header is reported by next_record before we get here.
            record::decode_header(&self.buf[self.start..self.end], self.pos)
                .map_or(HEADER_LEN, |header| HEADER_LEN + header.len)
        } else {
            HEADER_LEN
        };
        let size = needed.max(WINDOW);
        if self.buf.len() < size {
            let mut bigger = vec![0u8; size].into_boxed_slice();
            bigger[..pending].copy_from_slice(&self.buf[self.start..self.end]);
            self.buf = bigger;
            self.start = 0;
            self.end = pending;
        } else if self.start > 0 && self.buf.len() - self.end < MIN_READ.max(needed - pending) {
            self.buf.copy_within(self.start..self.end, 0);
            self.start = 0;
            self.end = pending;
        }
    }

    fn read_error(&self, source: io::Error) -> LogError {
        LogError::Read {
            id: self.id.clone(),
            path: self.path.clone(),
            source,
        }
    }
}
