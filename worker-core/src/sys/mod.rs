//! The raw system calls worker-core needs that std and nix do not wrap safely.
//! All of this crate's `unsafe` is here.
#![allow(unsafe_code)]

pub(crate) mod crash;
mod errors;

pub(crate) use errors::error_chain;

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

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

/// What [`spawn`] gives the new process as its first descriptors.
pub(crate) struct SpawnFds<'a> {
    /// Becomes descriptor 0, 1 and 2 in that order.
    pub(crate) stdio: [BorrowedFd<'a>; 3],
    /// Become descriptors 3, 4, ... in the child (their close-on-exec flag cleared).
    pub(crate) inherited: &'a [BorrowedFd<'a>],
}

/// posix_spawn(3) of `program` in a new session, with `blocked` signals blocked
/// from its first instruction and only the descriptors in `fds` open.
///
/// glibc implements posix_spawn with `clone(CLONE_VM | CLONE_VFORK)`: the
/// caller's page tables are not copied, whatever its size.
pub(crate) fn spawn(
    program: &std::ffi::CStr,
    argv: &[std::ffi::CString],
    envp: &[std::ffi::CString],
    fds: &SpawnFds<'_>,
    blocked: &[libc::c_int],
) -> io::Result<i32> {
    let check = |ret: libc::c_int| {
        if ret == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(ret))
        }
    };
    let mut argv_ptrs: Vec<*mut libc::c_char> =
        argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argv_ptrs.push(std::ptr::null_mut());
    let mut envp_ptrs: Vec<*mut libc::c_char> =
        envp.iter().map(|e| e.as_ptr().cast_mut()).collect();
    envp_ptrs.push(std::ptr::null_mut());

    // SAFETY: the all-zero bit pattern is what posix_spawn_file_actions_init and
    // posix_spawnattr_init overwrite; both are initialized before any other use
    // and destroyed exactly once below.
    let mut actions: libc::posix_spawn_file_actions_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut attr: libc::posix_spawnattr_t = unsafe { std::mem::zeroed() };
    // SAFETY: `actions` is a valid, exclusively borrowed object to initialize.
    check(unsafe { libc::posix_spawn_file_actions_init(&mut actions) })?;
    // SAFETY: `attr` is a valid, exclusively borrowed object to initialize.
    if let Err(error) = check(unsafe { libc::posix_spawnattr_init(&mut attr) }) {
        // SAFETY: `actions` was initialized above and is destroyed once.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut actions) };
        return Err(error);
    }
    // The child's dup2 actions run in order onto descriptors 0..n: a source that is
    // itself below n could be overwritten before its turn (or be dup2'ed onto
    // itself, which keeps close-on-exec). Move such sources above n first.
    let targets = fds.stdio.len() + fds.inherited.len();
    let mut moved = Vec::new();
    let mut sources = Vec::new();
    for fd in fds.stdio.iter().chain(fds.inherited.iter()) {
        if (fd.as_raw_fd() as usize) < targets {
            let copy =
                nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(targets as i32))?;
            // SAFETY: F_DUPFD_CLOEXEC returned a fresh descriptor that nothing else owns.
            let copy = unsafe { OwnedFd::from_raw_fd(copy) };
            sources.push(copy.as_raw_fd());
            moved.push(copy);
        } else {
            sources.push(fd.as_raw_fd());
        }
    }
    let result = (|| {
        for (target, source) in sources.iter().enumerate() {
            // SAFETY: `actions` is initialized; the descriptors stay open for the
            // duration of the call (borrowed, or held in `moved`), and dup2 in the
            // child clears close-on-exec on the target.
            check(unsafe {
                libc::posix_spawn_file_actions_adddup2(&mut actions, *source, target as libc::c_int)
            })?;
        }
        // SAFETY: sigset_t is plain old data; sigemptyset initializes it next.
        let mut mask: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `mask` is a valid sigset_t we own.
        unsafe { libc::sigemptyset(&mut mask) };
        for signal in blocked {
            // SAFETY: `mask` is initialized; sigaddset validates the signal number.
            if unsafe { libc::sigaddset(&mut mask, *signal) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        // SAFETY: `attr` is initialized and `mask` outlives the call (it is copied).
        check(unsafe { libc::posix_spawnattr_setsigmask(&mut attr, &mask) })?;
        let flags = libc::POSIX_SPAWN_SETSIGMASK as libc::c_short | libc::POSIX_SPAWN_SETSID;
        // SAFETY: `attr` is initialized; the flags are ones glibc (>= 2.26) knows.
        check(unsafe { libc::posix_spawnattr_setflags(&mut attr, flags) })?;
        let mut pid: libc::pid_t = 0;
        // SAFETY: every pointer is valid for the call: `program` and the CStrings
        // behind argv/envp outlive it, both pointer arrays end with a null pointer,
        // and `actions`/`attr` are initialized.
        check(unsafe {
            libc::posix_spawn(
                &mut pid,
                program.as_ptr(),
                &actions,
                &attr,
                argv_ptrs.as_ptr(),
                envp_ptrs.as_ptr(),
            )
        })?;
        Ok(pid)
    })();
    // SAFETY: both objects were initialized above and are destroyed exactly once.
    unsafe {
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
    }
    result
}

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

/// flock(2) with `operation` (`LOCK_EX`, `LOCK_EX | LOCK_NB`, ...).
pub(crate) fn flock(fd: BorrowedFd<'_>, operation: libc::c_int) -> io::Result<()> {
    // SAFETY: flock(2) only acts on the open descriptor, valid for the call.
    if unsafe { libc::flock(fd.as_raw_fd(), operation) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Sends one message with `fds` attached (`SCM_RIGHTS`), retried on `EINTR`.
/// Never raises SIGPIPE.
pub(crate) fn send_with_rights(
    socket: BorrowedFd<'_>,
    bytes: &[u8],
    fds: &[std::os::fd::RawFd],
) -> io::Result<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    use std::os::fd::AsRawFd;
    let iov = [io::IoSlice::new(bytes)];
    let rights = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage<'_>] = if fds.is_empty() { &[] } else { &rights };
    loop {
        match sendmsg::<()>(
            socket.as_raw_fd(),
            &iov,
            cmsgs,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => return other.map(drop).map_err(io::Error::from),
        }
    }
}

/// At most this many descriptors are taken from one message.
const MAX_RECEIVED_FDS: usize = 16;

/// One message received from `socket` (blocking, retried on `EINTR`) into
/// `buffer`: its length, whether it and its descriptors came whole (no
/// `MSG_TRUNC` or `MSG_CTRUNC`), and the descriptors, close-on-exec and owned
/// (so closed even when the caller rejects the message).
pub(crate) fn receive_with_rights(
    socket: BorrowedFd<'_>,
    buffer: &mut [u8],
) -> io::Result<(usize, bool, Vec<OwnedFd>)> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    use std::os::fd::{AsRawFd, RawFd};
    let mut space = nix::cmsg_space!([RawFd; MAX_RECEIVED_FDS]);
    let mut iov = [io::IoSliceMut::new(buffer)];
    let message = loop {
        match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => break other?,
        }
    };
    let mut raw = Vec::new();
    for cmsg in message.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            raw.extend(fds);
        }
    }
    let whole = !message
        .flags
        .intersects(MsgFlags::MSG_TRUNC | MsgFlags::MSG_CTRUNC);
    Ok((message.bytes, whole, owned_from_rights(&raw)))
}

/// Takes ownership of descriptors received with `SCM_RIGHTS`.
fn owned_from_rights(raw: &[std::os::fd::RawFd]) -> Vec<OwnedFd> {
    raw.iter()
        // SAFETY: the kernel installed each of these descriptors in this process
        // for this message alone; nothing else knows or owns them.
        .map(|fd| unsafe { OwnedFd::from_raw_fd(*fd) })
        .collect()
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

/// Fills `bytes` from the kernel's random source (`getrandom(2)`: one system
/// call, where reading /dev/urandom takes three).
pub(crate) fn random_bytes(bytes: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < bytes.len() {
        let rest = &mut bytes[filled..];
        // SAFETY: getrandom writes at most `rest.len()` bytes into `rest`, a
        // live, writable buffer of that length.
        let got = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        match got {
            n if n > 0 => filled += n as usize,
            _ => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use worker_isolate::cgroup::{CgroupLimits, CgroupRoot};

    #[test]
    fn random_bytes_fill_the_buffer() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        random_bytes(&mut a).unwrap();
        random_bytes(&mut b).unwrap();
        assert_ne!(a, b, "two draws of 512 random bits differ");
        assert!(a.iter().filter(|&&byte| byte == 0).count() < 16);
    }

    /// Root, or skipped with the reason (fatal with WORKERNATOR_REQUIRE_PRIVILEGED=1).
    fn privileged(test: &str) -> bool {
        if nix::unistd::geteuid().is_root() {
            return true;
        }
        if std::env::var("WORKERNATOR_REQUIRE_PRIVILEGED").as_deref() == Ok("1") {
            panic!("{test}: WORKERNATOR_REQUIRE_PRIVILEGED=1 but not running as root");
        }
        eprintln!("{test}: skipped: not root");
        false
    }

    #[test]
    fn a_child_is_born_inside_a_v2_cgroup() {
        if !privileged("a_child_is_born_inside_a_v2_cgroup") {
            return;
        }
        let Some(root) = CgroupRoot::unified() else {
            eprintln!("a_child_is_born_inside_a_v2_cgroup: skipped: no cgroup2 hierarchy");
            return;
        };
        let parent = format!("workernator-test-{}-clone3", std::process::id());
        let job = root
            .create(&parent, "job", &CgroupLimits::default())
            .expect("create");
        let directory = job
            .open_for_clone()
            .expect("open_for_clone")
            .expect("v2 offers a directory");
        let (hold_read, hold_write) = nix::unistd::pipe().expect("pipe");
        let born = clone_into_cgroup_single_threaded(0, directory.as_fd()).expect("clone3");
        let child = match born {
            Some(Forked::Child) => {
                // Only async-signal-safe calls here: the test process has threads.
                drop(hold_write);
                let mut byte = [0u8; 1];
                let _ = nix::unistd::read(&hold_read, &mut byte);
                // SAFETY: _exit is async-signal-safe and skips the harness's exit work.
                unsafe { libc::_exit(0) }
            }
            Some(Forked::Parent(pid)) => pid,
            None => {
                eprintln!("a_child_is_born_inside_a_v2_cgroup: skipped: no CLONE_INTO_CGROUP");
                job.remove().expect("remove");
                let _ = std::fs::remove_dir(root.path().join(&parent));
                return;
            }
        };
        drop(hold_read);
        let listed = job.processes();
        drop(hold_write);
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(child), None);
        job.remove().expect("remove");
        std::fs::remove_dir(root.path().join(&parent)).expect("remove the test parent");
        assert_eq!(listed.expect("processes"), vec![child]);
    }
}
