//! The supervisor's go-ahead to the sandbox init: one [`GoAhead`] on a
//! `SOCK_SEQPACKET` pair, sent once the supervisor's part of the set-up is done,
//! carrying the descriptors with which the init moves itself into the job's
//! cgroup where the cgroup offers that ([`worker_isolate::cgroup::SelfMove`]).
//! End of file instead means the supervisor died or gave up.

use super::frame::{self, Message};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The one message of the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum GoAhead {
    /// Fork the job: the supervisor's part is done.
    Go,
}

impl Message for GoAhead {
    const CHANNEL: &'static str = "the supervisor's go-ahead socket";
    const MAX_BODY: usize = 64;

    fn to_body(&self) -> Vec<u8> {
        frame::json_body(self)
    }

    fn from_body(body: &[u8]) -> Option<Self> {
        frame::from_json(body)
    }
}

/// A connected pair: (supervisor's end, init's end), both close-on-exec.
pub(crate) fn pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    frame::socket_pair()
}

/// Sends the go-ahead with `fds` attached. Never raises SIGPIPE.
pub(crate) fn send(socket: BorrowedFd<'_>, fds: &[OwnedFd]) -> std::io::Result<()> {
    let fds: Vec<BorrowedFd<'_>> = fds.iter().map(AsFd::as_fd).collect();
    frame::send(socket, &GoAhead::Go, &fds)
}

/// Waits for the go-ahead: `Some(descriptors)` once it came, `None` at end of
/// file or on anything that is not a go-ahead. Received descriptors are
/// close-on-exec.
pub(crate) fn receive(socket: BorrowedFd<'_>) -> Option<Vec<OwnedFd>> {
    match frame::receive::<GoAhead>(socket) {
        Ok(Some((GoAhead::Go, fds))) => Some(fds),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
