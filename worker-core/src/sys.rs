//! The raw system calls worker-core needs that std and nix do not wrap safely.
//! All of this crate's `unsafe` is here.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `P_PIDFD` for waitid(2) (Linux 5.4); not in the libc crate for every target.
const P_PIDFD: libc::idtype_t = 3;

/// A pidfd for `pid` (Linux 5.3). Refers to that process even after its pid is reused.
pub(crate) fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(2) takes two integers and returns a new descriptor or -1.
    let ret = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, libc::PIDFD_NONBLOCK) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a non-negative return is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(ret as libc::c_int) })
}

/// Sends `signal` to the process behind `pidfd`.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: libc::c_int) -> io::Result<()> {
    // SAFETY: pidfd_send_signal(2) with a null siginfo behaves like kill(2); the
    // descriptor is valid for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Reaps the child behind `pidfd` if it has exited; `Ok(true)` once it is reaped
/// (or was already, by someone else).
pub(crate) fn try_reap(pidfd: BorrowedFd<'_>) -> io::Result<bool> {
    // SAFETY: siginfo_t is plain old data; all-zero is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: waitid(2) writes into `info`, which we own and which is large enough.
    let ret = unsafe {
        libc::waitid(
            P_PIDFD,
            pidfd.as_raw_fd() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG,
        )
    };
    if ret < 0 {
        let error = io::Error::last_os_error();
        return if error.raw_os_error() == Some(libc::ECHILD) {
            Ok(true)
        } else {
            Err(error)
        };
    }
    // SAFETY: after a successful waitid, si_pid is initialized (0 when nothing exited).
    Ok(unsafe { info.si_pid() } != 0)
}

/// The child side of [`fork`].
pub(crate) enum Forked {
    /// In the parent: the child's pid.
    Parent(i32),
    /// In the child.
    Child,
}

/// fork(2), for the supervisor and the sandbox init only.
///
/// Callers must be single-threaded: the supervisor checks that it is before its
/// first fork, and the sandbox init is the single-threaded copy it forked.
pub(crate) fn fork_single_threaded() -> io::Result<Forked> {
    // SAFETY: the process is single-threaded (see above), so the child is a full copy
    // with no lock held by a thread that does not exist in it, and may run any code.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Forked::Parent(child.as_raw())),
        Ok(nix::unistd::ForkResult::Child) => Ok(Forked::Child),
        Err(errno) => Err(errno.into()),
    }
}

/// Registers an owned descriptor with tokio's reactor for readability.
pub(crate) fn readable_async_fd(fd: OwnedFd) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd keeps its descriptor open until it is dropped, and its
    // as_raw_fd always returns that same descriptor; the AsyncFd owns it.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(|error| error.into())
}
