//! The lines view: records split on newlines, per stream, as text.

use super::{LogError, Logs};
use crate::logs::record::{OutputRecord, OutputStream};
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// The longest line a [`Lines`] stream yields: longer lines come in pieces of
/// this many bytes (or a few less, to keep a UTF-8 character whole).
pub const MAX_LINE_LEN: usize = 64 * 1024;

/// One line of a job's output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputLine {
    /// The stream it was written to.
    pub stream: OutputStream,
    /// When its first byte was read by the supervisor, in nanoseconds since the
    /// Unix epoch.
    pub timestamp_ns: u64,
    /// The text, without its newline; bytes that are not UTF-8 are replaced by
    /// U+FFFD. At most [`MAX_LINE_LEN`] bytes of the job's output.
    pub line: String,
}

/// Where a byte is in the log: the offset of its record, and its index in the
/// record's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Position {
    pub(super) record: u64,
    pub(super) byte: usize,
}

#[derive(Default)]
struct Partial {
    bytes: Vec<u8>,
    timestamp_ns: u64,
    start: Option<Position>,
}

/// Splits records into lines: stdout and stderr each keep their unfinished line;
/// a system record is its own line(s).
#[derive(Default)]
pub(super) struct LineSplitter {
    partial: [Partial; 2],
}

impl LineSplitter {
    /// Feeds the record at log offset `offset`; `emit` gets each line it completes,
    /// with the position of the line's first byte.
    pub(super) fn push(
        &mut self,
        offset: u64,
        record: &OutputRecord,
        emit: &mut impl FnMut(Position, OutputLine),
    ) {
        let slot = match record.stream {
            OutputStream::Stdout => 0,
            OutputStream::Stderr => 1,
            OutputStream::System => {
                self.push_system(offset, record, emit);
                return;
            }
        };
        let partial = &mut self.partial[slot];
        let mut rest = &record.bytes[..];
        let mut byte = 0;
        while !rest.is_empty() {
            if partial.start.is_none() {
                partial.start = Some(Position {
                    record: offset,
                    byte,
                });
                partial.timestamp_ns = record.timestamp_ns;
            }
            let newline = rest.iter().position(|&b| b == b'\n');
            let until = newline.unwrap_or(rest.len());
            if partial.bytes.len() + until > MAX_LINE_LEN {
                // A piece of a long line: cut at the bound, keeping a character whole.
                let fit = MAX_LINE_LEN - partial.bytes.len();
                partial.bytes.extend_from_slice(&rest[..fit]);
                let cut = char_boundary(&partial.bytes);
                let carried = partial.bytes.split_off(cut);
                rest = &rest[fit..];
                byte += fit;
                let start = partial.start.take();
                emit_line(record.stream, partial, start, emit);
                if !carried.is_empty() {
                    partial.start = Some(Position {
                        record: offset,
                        byte: byte.saturating_sub(carried.len()),
                    });
                    partial.timestamp_ns = record.timestamp_ns;
                    partial.bytes = carried;
                }
                continue;
            }
            partial.bytes.extend_from_slice(&rest[..until]);
            match newline {
                Some(at) => {
                    rest = &rest[at + 1..];
                    byte += at + 1;
                    let start = partial.start.take();
                    emit_line(record.stream, partial, start, emit);
                }
                None => rest = &[],
            }
        }
    }

    fn push_system(
        &mut self,
        offset: u64,
        record: &OutputRecord,
        emit: &mut impl FnMut(Position, OutputLine),
    ) {
        let text = record.bytes.strip_suffix(b"\n").unwrap_or(&record.bytes);
        let mut byte = 0;
        for line in text.split(|&b| b == b'\n') {
            for piece in line.chunks(MAX_LINE_LEN) {
                emit(
                    Position {
                        record: offset,
                        byte,
                    },
                    OutputLine {
                        stream: OutputStream::System,
                        timestamp_ns: record.timestamp_ns,
                        line: String::from_utf8_lossy(piece).into_owned(),
                    },
                );
                byte += piece.len();
            }
            byte += 1;
        }
    }

    /// Emits the unfinished lines (the output's end, with no newline after them).
    pub(super) fn flush(&mut self, emit: &mut impl FnMut(Position, OutputLine)) {
        for (slot, stream) in [(0, OutputStream::Stdout), (1, OutputStream::Stderr)] {
            let partial = &mut self.partial[slot];
            if let Some(start) = partial.start.take() {
                emit_line(stream, partial, Some(start), emit);
            }
        }
    }

    /// Where the unfinished lines start.
    pub(super) fn unfinished_starts(&self) -> impl Iterator<Item = Position> + '_ {
        self.partial.iter().filter_map(|partial| partial.start)
    }
}

fn emit_line(
    stream: OutputStream,
    partial: &mut Partial,
    start: Option<Position>,
    emit: &mut impl FnMut(Position, OutputLine),
) {
    let bytes = std::mem::take(&mut partial.bytes);
    let line = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    emit(
        start.unwrap_or(Position { record: 0, byte: 0 }),
        OutputLine {
            stream,
            timestamp_ns: partial.timestamp_ns,
            line,
        },
    );
}

/// Where to cut `bytes` so as not to split a UTF-8 character at the end (all of
/// it if the end is whole, or is not UTF-8 anyway).
fn char_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(4) {
        let at = len - back;
        let byte = bytes[at];
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for the lead
        }
        let width = match byte {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < width && at > 0 { at } else { len };
    }
    len
}

/// A job's output as lines: [`OutputLine`]s, split on `'\n'` per stream, in the
/// order they were completed. Made by [`Logs::lines`].
///
/// Like [`Logs`], it ends when the job has ended and every line is delivered (an
/// unfinished last line of each stream comes at the end), and dropping it releases
/// everything at once.
pub struct Lines {
    logs: Logs,
    splitter: LineSplitter,
    ready: VecDeque<Result<OutputLine, LogError>>,
    done: bool,
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines")
            .field("logs", &self.logs)
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}

impl Lines {
    pub(super) fn new(
        logs: Logs,
        splitter: LineSplitter,
        ready: impl IntoIterator<Item = OutputLine>,
    ) -> Lines {
        Lines {
            logs,
            splitter,
            ready: ready.into_iter().map(Ok).collect(),
            done: false,
        }
    }

    /// The next line, or `None` at the end. Cancel safe.
    ///
    /// # Errors
    ///
    /// As [`Logs::next`]: after an error the stream ends.
    pub async fn next(&mut self) -> Option<Result<OutputLine, LogError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    fn poll_next_line(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<OutputLine, LogError>>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let ready = &mut self.ready;
            let mut emit = |_, line| ready.push_back(Ok(line));
            match ready!(self.logs.poll_next_record(cx)) {
                Some(Ok(record)) => self.splitter.push(0, &record, &mut emit),
                Some(Err(error)) => {
                    self.splitter.flush(&mut emit);
                    ready.push_back(Err(error));
                    self.done = true;
                }
                None => {
                    self.splitter.flush(&mut emit);
                    self.done = true;
                }
            }
        }
    }
}

impl futures_core::Stream for Lines {
    type Item = Result<OutputLine, LogError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_line(cx)
    }
}

#[cfg(test)]
mod tests;
