//! pidfds: a process named by a descriptor, never by its bare pid, which the
//! kernel may give to another process once it is reaped.
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

/// Whether the process behind `pidfd` has exited (a pidfd is readable from then
/// on, for a child or not, reaped or not).
pub(crate) fn pidfd_exited(pidfd: BorrowedFd<'_>, timeout_ms: i32) -> io::Result<bool> {
    let mut fds = [nix::poll::PollFd::new(pidfd, nix::poll::PollFlags::POLLIN)];
    let timeout =
        nix::poll::PollTimeout::try_from(timeout_ms).unwrap_or(nix::poll::PollTimeout::MAX);
    loop {
        match nix::poll::poll(&mut fds, timeout) {
            Ok(ready) => return Ok(ready > 0),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
    }
}
