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
use std::path::Path;
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

/// Appends records to a job's output log.
pub(crate) struct OutputLogWriter {
    file: File,
    frame: Vec<u8>,
}

impl OutputLogWriter {
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)?;
        Ok(OutputLogWriter {
            file,
            frame: Vec::with_capacity(HEADER_LEN + 64 * 1024),
        })
    }

    pub(crate) fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.file)
    }

    /// Appends one record with a single write, so a reader sees it whole or not at all
    /// (bar a crash in the middle, which readers tolerate).
    pub(crate) fn append(&mut self, stream: OutputStream, bytes: &[u8]) -> io::Result<()> {
        let timestamp_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| u64::try_from(since.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        self.frame.clear();
        encode_header(&mut self.frame, stream, timestamp_ns, bytes.len());
        self.frame.extend_from_slice(bytes);
        self.file.write_all(&self.frame)
    }
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

/// Decodes the whole records at the start of `bytes`; returns them and how many
/// bytes they took. A partial record at the end is left unconsumed.
pub(crate) fn decode_records(
    bytes: &[u8],
    base_offset: u64,
) -> Result<(Vec<OutputRecord>, usize), CorruptLog> {
    let mut records = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + HEADER_LEN) {
        let corrupt = CorruptLog {
            offset: base_offset + at as u64,
        };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let stream = OutputStream::from_code(header[4]).ok_or(corrupt.clone())?;
        if header[5..8] != [0, 0, 0] {
            return Err(corrupt);
        }
        let mut stamp = [0u8; 8];
        stamp.copy_from_slice(&header[8..16]);
        let Some(body) = bytes.get(at + HEADER_LEN..at + HEADER_LEN + len) else {
            break;
        };
        records.push(OutputRecord {
            stream,
            timestamp_ns: u64::from_le_bytes(stamp),
            bytes: body.to_vec(),
        });
        at += HEADER_LEN + len;
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

    #[test]
    fn records_round_trip_binary_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.log");
        let mut writer = OutputLogWriter::create(&path).unwrap();
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
}
