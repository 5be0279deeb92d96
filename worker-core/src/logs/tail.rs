//! Where a reader that does not start at the first byte starts: the end of the
//! log, or the n-th last line.

use super::LogError;
use super::cursor::Cursor;
use super::lines::{LineSplitter, OutputLine, Position};
use crate::logs::record::{self, HEADER_LEN};
use crate::model::id::JobId;
use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The offset just past the last whole record of the log: its end, skipping from
/// header to header without reading the bytes. A bad header stops the walk there
/// (the reader then reports it).
pub(super) fn end_of_records(id: &JobId, path: &Path) -> Result<u64, LogError> {
    let read_error = |source| LogError::Read {
        id: id.clone(),
        path: path.to_owned(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(source) => return Err(read_error(source)),
    };
    let len = file.metadata().map_err(read_error)?.len();
    let mut pos = 0u64;
    let mut header = [0u8; HEADER_LEN];
    while pos + HEADER_LEN as u64 <= len {
        file.read_exact_at(&mut header, pos).map_err(read_error)?;
        let Ok(decoded) = record::decode_header(&header, pos) else {
            break;
        };
        let next = pos + (HEADER_LEN + decoded.len) as u64;
        if next > len {
            break;
        }
        pos = next;
    }
    Ok(pos)
}

/// The last lines of the log as it is now, found by reading it once from the
/// start and keeping only the last `count` lines.
pub(super) struct TailScan {
    /// The last `count` completed lines.
    pub(super) lines: VecDeque<OutputLine>,
    /// The splitter's state at `end`: the lines not finished yet.
    pub(super) splitter: LineSplitter,
    /// Where the first of the last lines (or unfinished lines) starts.
    pub(super) start: Position,
    /// Offset just past the last whole record read.
    pub(super) end: u64,
}

pub(super) fn last_lines(id: &JobId, path: &Path, count: usize) -> Result<TailScan, LogError> {
    let mut cursor = Cursor::new(id.clone(), path.to_owned(), 0, 0);
    let mut splitter = LineSplitter::default();
    let mut lines: VecDeque<(Position, OutputLine)> = VecDeque::with_capacity(count.min(1024));
    let mut end = 0;
    let mut keep = |at: Position, line: OutputLine| {
        if count > 0 {
            if lines.len() == count {
                lines.pop_front();
            }
            lines.push_back((at, line));
        }
    };
    loop {
        match cursor.next_record() {
            Ok(Some((offset, record))) => {
                splitter.push(offset, &record, &mut keep);
                end = offset + (HEADER_LEN + record.bytes.len()) as u64;
            }
            // A bad record: stop here, and let the reader report it.
            Err(LogError::Corrupt { .. }) => break,
            Err(error) => return Err(error),
            Ok(None) => {
                if cursor.fill()? == 0 {
                    break;
                }
            }
        }
    }
    let start = lines
        .front()
        .map(|(at, _)| *at)
        .into_iter()
        .chain(splitter.unfinished_starts())
        .min()
        .unwrap_or(Position {
            record: end,
            byte: 0,
        });
    Ok(TailScan {
        lines: lines.into_iter().map(|(_, line)| line).collect(),
        splitter,
        start,
        end,
    })
}
