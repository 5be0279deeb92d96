//! The supervisor's go-ahead to the sandbox init: one message on a
//! `SOCK_SEQPACKET` pair, sent once the supervisor's part of the set-up is done,
//! carrying the descriptors with which the init moves itself into the job's
//! cgroup where the cgroup offers that ([`worker_isolate::cgroup::SelfMove`]).
//! End of file instead means the supervisor died or gave up.

use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// The one byte of a go-ahead.
const GO: u8 = b'g';

/// A connected pair: (supervisor's end, init's end), both close-on-exec.
pub(crate) fn pair() -> nix::Result<(OwnedFd, OwnedFd)> {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
}

/// Sends the go-ahead with `fds` attached. Never raises SIGPIPE.
pub(crate) fn send(socket: BorrowedFd<'_>, fds: &[OwnedFd]) -> std::io::Result<()> {
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    crate::sys::send_with_rights(socket, &[GO], &raw)
}

/// Waits for the go-ahead: `Some(descriptors)` once it came, `None` at end of
/// file or on anything that is not a go-ahead. Received descriptors are
/// close-on-exec.
pub(crate) fn receive(socket: BorrowedFd<'_>) -> Option<Vec<OwnedFd>> {
    let mut byte = [0u8; 1];
    let (length, whole, fds) = crate::sys::receive_with_rights(socket, &mut byte).ok()?;
    (length == 1 && whole && byte[0] == GO).then_some(fds)
}

#[cfg(test)]
mod tests;
