//! The few raw system calls nix does not wrap. All of this crate's `unsafe` is here.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// `mount_setattr(path, AT_RECURSIVE, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV [| MOUNT_ATTR_RDONLY])`:
/// no setuid bits or device files, and read-only if asked, for a mount and every
/// mount under it. Needs Linux 5.12.
pub(crate) fn restrict_tree(path: &CString, read_only: bool) -> io::Result<()> {
    let mut attr_set = libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV;
    if read_only {
        attr_set |= libc::MOUNT_ATTR_RDONLY;
    }
    let attr = libc::mount_attr {
        attr_set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: mount_setattr(2) reads `size` bytes from `attr`, a live, initialized
    // struct of exactly that size; `path` is a NUL-terminated string that outlives
    // the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    check(ret).map(drop)
}

/// `open_tree(path, OPEN_TREE_CLONE | AT_RECURSIVE)`: a detached copy of the mount
/// tree at `path`, to attach elsewhere later with [`attach_tree`].
pub(crate) fn clone_tree(path: &CString) -> io::Result<OwnedFd> {
    // SAFETY: open_tree(2) only reads the NUL-terminated `path`; on success it returns
    // a new file descriptor that nothing else owns, so wrapping it in OwnedFd is sound.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_RECURSIVE as libc::c_uint,
        )
    };
    let fd = check(ret)?;
    // SAFETY: `fd` is a fresh descriptor returned by the kernel (see above).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

/// `move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)`: attaches a
/// tree made by [`clone_tree`] at `target`.
pub(crate) fn attach_tree(tree: BorrowedFd<'_>, target: &CString) -> io::Result<()> {
    let empty = c"";
    // SAFETY: move_mount(2) reads two NUL-terminated strings that outlive the call;
    // `tree` is a valid open descriptor for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    check(ret).map(drop)
}

/// Sets `IFF_UP` on the network interface `name` (at most 15 bytes).
pub(crate) fn interface_up(name: &str) -> io::Result<()> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name too long",
        ));
    }
    // SAFETY: socket(2) with constant arguments; the result is checked before use and
    // owned by exactly one OwnedFd.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ifreq is plain old data; all-zero is a valid value of it.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS writes into the ifreq we own, which is large enough;
    // the descriptor is a live socket.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: after SIOCGIFFLAGS the flags member of the union is the initialized one.
    unsafe {
        request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
    }
    // SAFETY: SIOCSIFFLAGS reads the ifreq we own; the descriptor is a live socket.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The two sides of [`fork_single_threaded`].
pub(crate) enum Forked {
    Child,
    Parent(nix::unistd::Pid),
}

/// `fork()`, for a caller that has a single thread (so that the child may run
/// ordinary code: no lock can be held by a thread that does not exist there).
pub(crate) fn fork_single_threaded() -> io::Result<Forked> {
    // SAFETY: the caller guarantees it has a single thread (see above); the
    // child then owns a consistent copy of everything, allocator included.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => Ok(Forked::Child),
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Forked::Parent(child)),
        Err(errno) => Err(errno.into()),
    }
}

/// Ends a forked child at once: no exit handlers, no flushing of buffers the
/// parent owns too.
pub(crate) fn exit_forked_child(code: i32) -> ! {
    // SAFETY: _exit has no preconditions and never returns.
    unsafe { libc::_exit(code) }
}

/// Drops every capability from the calling thread's bounding set:
/// `PR_CAPBSET_DROP` for each number from 0 until the kernel says a number
/// is past its last capability (`EINVAL`). One call per capability, where
/// reading each one first would take two.
pub(crate) fn drop_capability_bounding_set() -> io::Result<()> {
    for capability in 0..64 {
        // SAFETY: prctl(PR_CAPBSET_DROP, n) takes plain integers and changes
        // only the calling thread's capability bounding set.
        let ret =
            unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability as libc::c_ulong, 0, 0, 0) };
        if ret != 0 {
            let error = io::Error::last_os_error();
            return match (error.raw_os_error(), capability) {
                // Past the last capability of this kernel: all are dropped.
                (Some(libc::EINVAL), 1..) => Ok(()),
                _ => Err(error),
            };
        }
    }
    Ok(())
}
