//! Between the application and its launcher: [`LauncherMessage`]s, one
//! `SOCK_SEQPACKET` packet each, descriptors passed alongside (`SCM_RIGHTS`).
//!
//! - ready (launcher → application, once, on start).
//! - start (application → launcher), with the job lock, the write end of the
//!   application's done pipe and, for a tied job, the application's pidfd.
//! - started (reply), with a pidfd of the new supervisor.
//! - failed (reply): no supervisor exists.

use super::frame::{self, Malformed, Message};
use serde::{Deserialize, Serialize};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The messages of the channel, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum LauncherMessage {
    /// The launcher is up and serving.
    Ready,
    /// Start the supervisor of the job in `job_dir`.
    Start {
        /// The job's directory.
        job_dir: PathBuf,
        /// The job is tied to the application: its pidfd comes along.
        tied: bool,
    },
    /// The supervisor was started; its pidfd comes along.
    Started,
    /// No supervisor was started.
    Failed {
        /// The system error number, 0 if there is none.
        errno: i32,
        /// What went wrong.
        message: String,
    },
}

impl Message for LauncherMessage {
    const CHANNEL: &'static str = "the launcher's socket";
    /// A job directory of up to `PATH_MAX` bytes, escaped, and the rest.
    const MAX_BODY: usize = 2 * 4096 + 512;

    fn to_body(&self) -> Vec<u8> {
        frame::json_body(self)
    }

    fn from_body(body: &[u8]) -> Option<Self> {
        frame::from_json(body)
    }
}

/// A connected pair: (application's end, launcher's end), both close-on-exec.
pub(crate) fn pair() -> io::Result<(OwnedFd, OwnedFd)> {
    frame::socket_pair()
}

/// A start request as the launcher reads it.
pub(crate) struct StartRequest {
    pub(crate) job_dir: PathBuf,
    pub(crate) lock: OwnedFd,
    /// The write end of the application's done pipe, for the supervisor.
    pub(crate) done: OwnedFd,
    pub(crate) application: Option<OwnedFd>,
}

/// Whether `error` says the other side sent something that is not a message
/// (rather than that the socket failed).
pub(crate) fn is_malformed(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|inner| inner.is::<Malformed>())
}

fn malformed(what: &'static str) -> io::Error {
    Malformed {
        channel: LauncherMessage::CHANNEL,
        what,
    }
    .into_io()
}

/// The launcher: says it is up and serving.
pub(crate) fn send_ready(socket: BorrowedFd<'_>) -> io::Result<()> {
    frame::send(socket, &LauncherMessage::Ready, &[])
}

/// The application: waits until its new launcher says it is ready; `false` if
/// it ended or said something else first.
pub(crate) fn wait_ready(socket: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(matches!(
        frame::receive::<LauncherMessage>(socket)?,
        Some((LauncherMessage::Ready, fds)) if fds.is_empty()
    ))
}

/// The application: asks for the supervisor of the job in `job_dir`, handing
/// over its lock, the write end of the done pipe and, for a tied job, the
/// application's pidfd.
pub(crate) fn request_start(
    socket: BorrowedFd<'_>,
    job_dir: &Path,
    lock: BorrowedFd<'_>,
    done: BorrowedFd<'_>,
    application: Option<BorrowedFd<'_>>,
) -> io::Result<()> {
    let message = LauncherMessage::Start {
        job_dir: job_dir.to_owned(),
        tied: application.is_some(),
    };
    let mut fds = vec![lock, done];
    fds.extend(application);
    frame::send(socket, &message, &fds)
}

/// The launcher: the next start request; `Ok(None)` at end of file (the
/// application is gone).
///
/// # Errors
///
/// The socket failed, or the request is not one ([`is_malformed`]): the
/// launcher replies with [`reply_failed`] and goes on.
pub(crate) fn receive_request(socket: BorrowedFd<'_>) -> io::Result<Option<StartRequest>> {
    let Some((message, fds)) = frame::receive::<LauncherMessage>(socket)? else {
        return Ok(None);
    };
    let LauncherMessage::Start { job_dir, tied } = message else {
        return Err(malformed("not a start request"));
    };
    if job_dir.as_os_str().is_empty() {
        return Err(malformed("an empty job directory"));
    }
    let mut fds = fds.into_iter();
    let (Some(lock), Some(done), application, None) = (
        fds.next(),
        fds.next(),
        if tied { fds.next() } else { None },
        fds.next(),
    ) else {
        return Err(malformed("the wrong number of descriptors"));
    };
    if tied && application.is_none() {
        return Err(malformed("a tied job without the application's pidfd"));
    }
    Ok(Some(StartRequest {
        job_dir,
        lock,
        done,
        application,
    }))
}

/// The launcher: the supervisor is started, and `pidfd` names it.
pub(crate) fn reply_started(socket: BorrowedFd<'_>, pidfd: &OwnedFd) -> io::Result<()> {
    frame::send(socket, &LauncherMessage::Started, &[pidfd.as_fd()])
}

/// The launcher: no supervisor was started, because of `error`.
pub(crate) fn reply_failed(socket: BorrowedFd<'_>, error: &io::Error) -> io::Result<()> {
    let message = LauncherMessage::Failed {
        errno: error.raw_os_error().unwrap_or(0),
        message: error.to_string(),
    };
    frame::send(socket, &message, &[])
}

/// The application: the launcher's reply, a pidfd of the supervisor or why
/// it started none; `Ok(None)` at end of file (the launcher is gone).
///
/// # Errors
///
/// The socket failed, or the reply is not one: whether a supervisor was
/// started is then unknown.
pub(crate) fn receive_reply(
    socket: BorrowedFd<'_>,
) -> io::Result<Option<Result<OwnedFd, io::Error>>> {
    let Some((message, fds)) = frame::receive::<LauncherMessage>(socket)? else {
        return Ok(None);
    };
    let mut fds = fds.into_iter();
    match (message, fds.next(), fds.next()) {
        (LauncherMessage::Started, Some(pidfd), None) => Ok(Some(Ok(pidfd))),
        (LauncherMessage::Failed { errno, message }, None, None) => Ok(Some(Err(if errno != 0 {
            io::Error::from_raw_os_error(errno)
        } else {
            io::Error::other(message)
        }))),
        _ => Err(malformed("an unexpected reply")),
    }
}

#[cfg(test)]
mod tests;
