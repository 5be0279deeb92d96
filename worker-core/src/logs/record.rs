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
use std::io;
use std::path::Path;

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

pub(crate) fn encode_header(
    frame: &mut Vec<u8>,
    stream: OutputStream,
    timestamp_ns: u64,
    len: usize,
) {
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
mod tests;
