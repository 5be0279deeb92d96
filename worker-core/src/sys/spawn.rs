//! posix_spawn(3) of another program: a `CLONE_VM | CLONE_VFORK` clone in
//! glibc, which does not copy the caller's page tables.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

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
