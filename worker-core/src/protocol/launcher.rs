//! The launcher's messages: one `SOCK_SEQPACKET` message per request and per
//! reply, descriptors passed alongside with `SCM_RIGHTS`.
//!
//! - ready (launcher → application, once, on start): `W 1 R`.
//! - start (application → launcher): `W 1 S <tied: 0|1> <job dir bytes>`, with the
//!   job lock, the write end of the application's done pipe and, for a tied
//!   job, the application's pidfd.
//! - started (reply): `W 1 O`, with a pidfd of the new supervisor.
//! - failed (reply): `W 1 E <errno: i32 le> <message>`; no supervisor exists.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

const MAGIC: u8 = b'W';
const VERSION: u8 = 1;
const READY: u8 = b'R';
const START: u8 = b'S';
const STARTED: u8 = b'O';
const FAILED: u8 = b'E';

/// Largest message: a header and a path of up to `PATH_MAX` bytes.
pub(crate) const MAX_MESSAGE: usize = 4 + 4096 + 512;

/// A message the other side could not make sense of.
#[derive(Debug, thiserror::Error)]
#[error("malformed launcher message: {0}; the application and its launcher disagree")]
pub(crate) struct Malformed(pub(crate) &'static str);

/// One message as received: its bytes and the descriptors that came with it.
pub(crate) struct Received {
    pub(crate) bytes: Vec<u8>,
    pub(crate) fds: Vec<OwnedFd>,
}

pub(crate) use crate::sys::send_with_rights as send;

/// Receives one message (blocking); `Ok(None)` at end of file (the peer is gone).
/// Received descriptors are close-on-exec.
pub(crate) fn receive(socket: BorrowedFd<'_>) -> std::io::Result<Option<Received>> {
    let mut buffer = vec![0u8; MAX_MESSAGE];
    let (length, whole, fds) = crate::sys::receive_with_rights(socket, &mut buffer)?;
    if length == 0 && fds.is_empty() {
        return Ok(None);
    }
    if !whole {
        return Err(std::io::Error::other(Malformed(
            "message or descriptors truncated",
        )));
    }
    buffer.truncate(length);
    Ok(Some(Received { bytes: buffer, fds }))
}

fn header(kind: u8) -> Vec<u8> {
    vec![MAGIC, VERSION, kind]
}

fn kind_of(bytes: &[u8]) -> Result<(u8, &[u8]), Malformed> {
    match bytes {
        [MAGIC, VERSION, kind, rest @ ..] => Ok((*kind, rest)),
        [MAGIC, _, ..] => Err(Malformed("another protocol version")),
        _ => Err(Malformed("no header")),
    }
}

/// The launcher is up and serving.
pub(crate) fn ready() -> Vec<u8> {
    header(READY)
}

/// Whether `bytes` is the ready message.
pub(crate) fn is_ready(bytes: &[u8]) -> bool {
    matches!(kind_of(bytes), Ok((READY, [])))
}

/// A request to start the supervisor of the job in `job_dir`.
pub(crate) fn start(job_dir: &std::path::Path, tied: bool) -> Vec<u8> {
    let mut bytes = header(START);
    bytes.push(u8::from(tied));
    bytes.extend_from_slice(job_dir.as_os_str().as_bytes());
    bytes
}

/// A start request as the launcher reads it.
pub(crate) struct StartRequest {
    pub(crate) job_dir: PathBuf,
    pub(crate) lock: OwnedFd,
    /// The write end of the application's done pipe, for the supervisor.
    pub(crate) done: OwnedFd,
    pub(crate) application: Option<OwnedFd>,
}

/// Decodes a start request and takes its descriptors.
pub(crate) fn parse_start(received: Received) -> Result<StartRequest, Malformed> {
    let (kind, rest) = kind_of(&received.bytes)?;
    if kind != START {
        return Err(Malformed("not a start request"));
    }
    let [tied, dir @ ..] = rest else {
        return Err(Malformed("no job directory"));
    };
    if dir.is_empty() || dir.contains(&0) {
        return Err(Malformed("empty job directory or NUL byte in it"));
    }
    let tied = *tied == 1;
    let mut fds = received.fds.into_iter();
    let (Some(lock), Some(done), application, None) = (
        fds.next(),
        fds.next(),
        if tied { fds.next() } else { None },
        fds.next(),
    ) else {
        return Err(Malformed("wrong number of descriptors"));
    };
    if tied && application.is_none() {
        return Err(Malformed("a tied job without the application's pidfd"));
    }
    Ok(StartRequest {
        job_dir: PathBuf::from(std::ffi::OsStr::from_bytes(dir)),
        lock,
        done,
        application,
    })
}

/// The reply for a started supervisor (its pidfd goes with it).
pub(crate) fn started() -> Vec<u8> {
    header(STARTED)
}

/// The reply for a start that created no process.
pub(crate) fn failed(error: &std::io::Error) -> Vec<u8> {
    let mut bytes = header(FAILED);
    bytes.extend_from_slice(&error.raw_os_error().unwrap_or(0).to_le_bytes());
    bytes.extend_from_slice(error.to_string().as_bytes());
    bytes
}

/// A reply as the application reads it: the supervisor's pidfd, or why the
/// launcher started none.
pub(crate) fn parse_reply(
    received: Received,
) -> Result<Result<OwnedFd, std::io::Error>, Malformed> {
    let (kind, rest) = kind_of(&received.bytes)?;
    let mut fds = received.fds.into_iter();
    match (kind, fds.next(), fds.next()) {
        (STARTED, Some(pidfd), None) if rest.is_empty() => Ok(Ok(pidfd)),
        (FAILED, None, None) => {
            let [a, b, c, d, message @ ..] = rest else {
                return Err(Malformed("short error reply"));
            };
            let errno = i32::from_le_bytes([*a, *b, *c, *d]);
            let message = String::from_utf8_lossy(message).into_owned();
            Ok(Err(if errno != 0 {
                std::io::Error::from_raw_os_error(errno)
            } else {
                std::io::Error::other(message)
            }))
        }
        _ => Err(Malformed("unexpected reply")),
    }
}

#[cfg(test)]
mod tests;
