//! pidfds: a process named by a descriptor, never by its bare pid, which the
//! kernel may give to another process once it is reaped.

use rustix::process::{Pid, PidfdFlags, Signal, WaitId, WaitIdOptions};
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

/// A pidfd for `pid` (Linux 5.3). Refers to that process even after its pid is reused.
pub(crate) fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    let pid = Pid::from_raw(pid).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(rustix::process::pidfd_open(pid, PidfdFlags::NONBLOCK)?)
}

/// Sends `signal` to the process behind `pidfd`.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: libc::c_int) -> io::Result<()> {
    let signal =
        Signal::from_named_raw(signal).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(rustix::process::pidfd_send_signal(pidfd, signal)?)
}

/// Reaps the child behind `pidfd` if it has exited; `Ok(true)` once it is reaped
/// (or was already, by someone else).
pub(crate) fn try_reap(pidfd: BorrowedFd<'_>) -> io::Result<bool> {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG;
    match rustix::process::waitid(WaitId::PidFd(pidfd), options) {
        Ok(status) => Ok(status.is_some()),
        Err(rustix::io::Errno::CHILD) => Ok(true),
        Err(errno) => Err(errno.into()),
    }
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
