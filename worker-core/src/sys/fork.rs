//! New processes that are copies of this one: fork(2), and clone(2) and
//! clone3(2) into new namespaces or a cgroup, for single-threaded callers.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

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

/// Like [`fork_single_threaded`], with the child in the new namespaces of
/// `flags` (`CLONE_NEWUSER | CLONE_NEWPID` in rootless mode: the new pid
/// namespace belongs to the new user namespace, so an ordinary user may make
/// it, and the child is its first process). A raw `clone(2)`, as bubblewrap
/// makes its sandbox: unlike `unshare` in the caller, it leaves the caller's
/// own namespaces alone, so it can be done again for every attempt.
///
/// The same rule as for [`fork_single_threaded`] holds: the caller must be
/// single-threaded. glibc's fork bookkeeping (atfork handlers, the thread
/// id cached in its thread control block) is not run; nothing in the child
/// relies on it (glibc's `raise` asks the kernel for the thread id).
pub(crate) fn clone_single_threaded(flags: libc::c_int) -> io::Result<Forked> {
    // SAFETY: the caller is single-threaded (see above), so no lock in the
    // child's copy of the address space is held by a thread that is not there.
    unsafe { raw_clone(flags) }
}

/// clone(2) with `flags | SIGCHLD`, without CLONE_VM and with a null stack:
/// like fork(2), the child gets a copy of the address space and continues on
/// its copy of the stack.
///
/// # Safety
///
/// Unless the caller is single-threaded, the child may only call
/// async-signal-safe functions (another thread may have held a lock at the
/// clone).
unsafe fn raw_clone(flags: libc::c_int) -> io::Result<Forked> {
    // SAFETY: a fork-like clone (no CLONE_VM, null stack, no tid pointers);
    // what the child may do is the caller's contract above.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone,
            libc::c_long::from(flags | libc::SIGCHLD),
            0 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
        )
    };
    match ret {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as i32)),
    }
}

/// `struct clone_args` of clone3(2), up to `cgroup` (`CLONE_ARGS_SIZE_VER2`).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// `CLONE_INTO_CGROUP` (Linux 5.7), not in every libc.
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// Like [`clone_single_threaded`], with the child born inside the cgroup v2
/// directory `cgroup` (clone3 with `CLONE_INTO_CGROUP`): no move afterwards,
/// so none of the kernel's global lock that a move takes (an RCU grace period
/// on an idle machine). `Ok(None)` where the kernel has no clone3 or no
/// `CLONE_INTO_CGROUP` (`ENOSYS`, `E2BIG`, or `EINVAL` before 5.7): fork and
/// move the child instead. The same single-thread rule holds.
pub(crate) fn clone_into_cgroup_single_threaded(
    flags: libc::c_int,
    cgroup: BorrowedFd<'_>,
) -> io::Result<Option<Forked>> {
    let args = CloneArgs {
        flags: u64::from(flags as u32) | CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..CloneArgs::default()
    };
    // SAFETY: clone3(2) without CLONE_VM and with no stack behaves like
    // fork(2), as in clone_single_threaded; `args` is a valid clone_args of
    // the size passed, alive for the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    match ret {
        -1 => {
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::ENOSYS | libc::E2BIG) => Ok(None),
                // Before 5.7 an unknown flag is EINVAL; since, EINVAL with this
                // flag set is not one of its documented causes for a valid fd.
                Some(libc::EINVAL) => Ok(None),
                _ => Err(error),
            }
        }
        0 => Ok(Some(Forked::Child)),
        pid => Ok(Some(Forked::Parent(pid as i32))),
    }
}

/// Whether this process can make a user namespace, found by making one: a
/// child cloned into a new user namespace that exits at once. Safe from a
/// multi-threaded process: the child only calls `_exit`.
pub(crate) fn can_make_user_namespace() -> bool {
    // SAFETY: the child runs only _exit(2), which is async-signal-safe, so it
    // may come from a multi-threaded process.
    match unsafe { raw_clone(libc::CLONE_NEWUSER) } {
        Err(_) => false,
        // SAFETY: _exit(2) ends the child at once, running nothing else.
        Ok(Forked::Child) => unsafe { libc::_exit(0) },
        Ok(Forked::Parent(pid)) => matches!(
            nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None),
            Ok(nix::sys::wait::WaitStatus::Exited(_, 0))
        ),
    }
}

#[cfg(test)]
mod tests;
