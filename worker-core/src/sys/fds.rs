//! Descriptors across a fork or an exec: the ones a process is handed on
//! known numbers, and registering one with tokio.
#![allow(unsafe_code)]

use rustix::fs::FlockOperation;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// Takes ownership of descriptor `fd` handed down by the launcher, if it is open.
pub(crate) fn inherited_fd(fd: libc::c_int) -> Option<OwnedFd> {
    // SAFETY: F_GETFD only queries the descriptor's flags; -1 means it is not open.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: the descriptor is open and was handed to this process for it to own
    // (the launcher's protocol: descriptor 3 is the job lock, used by nobody else).
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // Keep it from leaking into anything the supervisor might exec.
    // SAFETY: F_SETFD on an open descriptor we own.
    unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    Some(owned)
}

/// In a freshly forked child: puts each `(source, target)` descriptor of
/// `moves` on its target number and closes every other descriptor above 2.
/// Descriptors 0, 1 and 2 stay as they are unless a move targets them.
///
/// Takes raw numbers because the caller's `OwnedFd`s may name descriptors this
/// closes: the caller must never drop those afterwards (it never returns to them).
pub(crate) fn arrange_fds(moves: &[(RawFd, RawFd)]) -> io::Result<()> {
    let above = moves.iter().map(|&(_, target)| target).max().unwrap_or(0) + 1;
    let lift = |fd: libc::c_int| -> io::Result<libc::c_int> {
        // SAFETY: F_DUPFD makes a new descriptor >= `above` for an open one; it
        // touches nothing else.
        let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD, above) };
        if copy < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(copy)
        }
    };
    // Lift every source above the targets first, so that no dup2 overwrites a
    // source that has not had its turn yet.
    let mut lifted = Vec::with_capacity(moves.len());
    for &(source, target) in moves {
        lifted.push((lift(source)?, target));
    }
    let moves = lifted;
    for &(source, target) in &moves {
        // SAFETY: dup2 on two descriptor numbers of this (single-threaded) process;
        // the target is replaced atomically, which is what we want.
        if unsafe { libc::dup2(source, target) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let close_range = |first: libc::c_int, last: libc::c_uint| -> io::Result<()> {
        // SAFETY: close_range(2) closes descriptors of this process only; the
        // caller guarantees nothing will use or close those numbers again.
        let ret = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    // Every other descriptor from 3 up closes: the gaps between the kept ones,
    // and all above the last.
    let mut kept: Vec<libc::c_int> = moves
        .iter()
        .map(|&(_, target)| target)
        .filter(|&target| target > libc::STDERR_FILENO)
        .collect();
    kept.sort_unstable();
    let mut first_free = libc::STDERR_FILENO + 1;
    for kept in kept {
        if first_free < kept {
            close_range(first_free, (kept - 1) as libc::c_uint)?;
        }
        first_free = kept + 1;
    }
    close_range(first_free, libc::c_uint::MAX)
}

/// Registers an owned descriptor with tokio's reactor for readability.
pub(crate) fn readable_async_fd(fd: OwnedFd) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd keeps its descriptor open until it is dropped, and its
    // as_raw_fd always returns that same descriptor; the AsyncFd owns it.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(|error| error.into())
}

/// flock(2) with `operation`.
pub(crate) fn flock(fd: BorrowedFd<'_>, operation: FlockOperation) -> io::Result<()> {
    Ok(rustix::fs::flock(fd, operation)?)
}
