//! The job's result, from the job's process to its supervisor: one
//! [`JobResult`], framed, on a pipe of its own, then end of file.
//!
//! Its body is a tag byte, then the payload as it is: the job's output is
//! already serialized, and may be large, so it is not encoded again.

use super::frame::{self, Message};
use std::io::{self, Write};

const OUTPUT: u8 = b'O';
const ERROR: u8 = b'E';
const PANICKED: u8 = b'P';

/// Results up to this size are copied behind their header and written at
/// once; larger ones are written from where they are, in two writes.
const ONE_WRITE: usize = 64 * 1024;

/// How the job's code ended, as the job's process tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobResult {
    /// It returned its output, serialized (JSON).
    Output(Vec<u8>),
    /// It returned an error: a `JobFailure`, serialized (JSON).
    Error(Vec<u8>),
    /// It panicked, with this message.
    Panicked(Vec<u8>),
}

impl Message for JobResult {
    const CHANNEL: &'static str = "the job's result pipe";
    /// As long as a frame can say (the job's output is not capped).
    const MAX_BODY: usize = u32::MAX as usize;

    fn to_body(&self) -> Vec<u8> {
        let (tag, payload) = self.parts();
        let mut body = Vec::with_capacity(1 + payload.len());
        body.push(tag);
        body.extend_from_slice(payload);
        body
    }

    fn from_body(body: &[u8]) -> Option<Self> {
        let (tag, payload) = body.split_first()?;
        let payload = payload.to_vec();
        match *tag {
            OUTPUT => Some(JobResult::Output(payload)),
            ERROR => Some(JobResult::Error(payload)),
            PANICKED => Some(JobResult::Panicked(payload)),
            _ => None,
        }
    }
}

impl JobResult {
    fn parts(&self) -> (u8, &[u8]) {
        match self {
            JobResult::Output(payload) => (OUTPUT, payload),
            JobResult::Error(payload) => (ERROR, payload),
            JobResult::Panicked(payload) => (PANICKED, payload),
        }
    }

    /// Writes the result to `sink`, the job's end of the pipe: in one write
    /// when it is small (most are); a large one as its frame's header and
    /// tag, then the payload from where it is, not copied.
    pub(crate) fn send(&self, sink: &mut impl Write) -> io::Result<()> {
        let (tag, payload) = self.parts();
        let length = u32::try_from(1 + payload.len()).map_err(|_| {
            frame::Malformed {
                channel: Self::CHANNEL,
                what: "longer than a frame can say",
            }
            .into_io()
        })?;
        let mut head = [0u8; frame::HEADER_LEN + 1];
        head[..frame::HEADER_LEN].copy_from_slice(&length.to_le_bytes());
        head[frame::HEADER_LEN] = tag;
        if payload.len() <= ONE_WRITE {
            let mut whole = Vec::with_capacity(head.len() + payload.len());
            whole.extend_from_slice(&head);
            whole.extend_from_slice(payload);
            return sink.write_all(&whole);
        }
        sink.write_all(&head)?;
        sink.write_all(payload)
    }

    /// The result in `bytes`, everything the pipe carried; `None` unless they
    /// are exactly one whole result (the job died writing it, or wrote
    /// something else).
    pub(crate) fn receive(bytes: &[u8]) -> Option<JobResult> {
        frame::only_body::<JobResult>(bytes)
            .ok()
            .and_then(JobResult::from_body)
    }
}

#[cfg(test)]
mod tests;
