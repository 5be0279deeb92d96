//! A sandbox root built once, in a mount namespace of its own, and copied by
//! each sandbox (setns into it, then unshare): one copy of the whole tree in
//! the kernel instead of some thirty mount system calls per sandbox. Only the
//! per-sandbox parts are mounted afterwards: /proc, /tmp, /dev/shm, /work.

use std::fs;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, setns, unshare};

use super::Result;

const REPLACED: [&str; 5] = ["proc", "dev", "tmp", "sys", "work"];
const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

/// The template: its mount namespace, and where the sandbox root is in it.
pub struct Template {
    namespace: OwnedFd,
    root: PathBuf,
}

impl Template {
    /// Builds the template at `root` (an empty directory). Call while this
    /// process has a single thread.
    pub fn build(root: &Path) -> Result<Template> {
        let (ready_read, ready_write) = nix::unistd::pipe()?;
        let (hold_read, hold_write) = nix::unistd::pipe()?;
        // SAFETY: the process is single threaded; the child ends with _exit.
        match unsafe { libc::fork() } {
            -1 => Err(std::io::Error::last_os_error().into()),
            0 => {
                drop((ready_read, hold_write));
                let built = build_in_new_namespace(root);
                let _ = nix::unistd::write(&ready_write, &[u8::from(built.is_ok())]);
                // Holds the namespace until the parent has opened it.
                let _ = nix::unistd::read(&hold_read, &mut [0u8]);
                // SAFETY: ends the forked child without the parent's exit handlers.
                unsafe { libc::_exit(0) }
            }
            child => {
                drop((ready_write, hold_read));
                let mut built = [0u8];
                nix::unistd::read(&ready_read, &mut built)?;
                let namespace = fs::File::open(format!("/proc/{child}/ns/mnt")).map(OwnedFd::from);
                drop(hold_write);
                super::wait_success(child)?;
                if built[0] != 1 {
                    return Err("the template root could not be built".into());
                }
                Ok(Template {
                    namespace: namespace?,
                    root: root.to_owned(),
                })
            }
        }
    }

    /// In a new sandbox process (new pid namespace, same mount namespace as
    /// its parent): takes a copy of the template and pivots into it, with the
    /// sandbox's own /proc, /tmp, /dev/shm and `work` at /work.
    pub fn enter(&self, work: &Path) -> Result<()> {
        // Taken in the caller's namespace, where `work` is; attached in the copy.
        let work_c = std::ffi::CString::new(work.as_os_str().as_encoded_bytes())?;
        // SAFETY: open_tree reads a NUL-terminated path; the result is a new descriptor.
        let work_tree = unsafe {
            libc::syscall(
                libc::SYS_open_tree,
                libc::AT_FDCWD,
                work_c.as_ptr(),
                libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC,
            )
        };
        if work_tree < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        setns(&self.namespace, CloneFlags::CLONE_NEWNS)?;
        unshare(CloneFlags::CLONE_NEWNS)?;
        let root = &self.root;
        let none = None::<&str>;
        mount(
            Some("proc"),
            &root.join("proc"),
            Some("proc"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            none,
        )?;
        mount(
            Some("tmpfs"),
            &root.join("tmp"),
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("mode=1777,size=256m"),
        )?;
        mount(
            Some("tmpfs"),
            &root.join("dev/shm"),
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some("mode=1777,size=64m"),
        )?;
        let target = root.join("work");
        let target_c = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())?;
        // SAFETY: move_mount reads two NUL-terminated strings; `work_tree` is open.
        let moved = unsafe {
            libc::syscall(
                libc::SYS_move_mount,
                work_tree,
                c"".as_ptr(),
                libc::AT_FDCWD,
                target_c.as_ptr(),
                libc::MOVE_MOUNT_F_EMPTY_PATH,
            )
        };
        // SAFETY: closes the descriptor open_tree returned, once.
        unsafe { libc::close(work_tree as i32) };
        if moved != 0 {
            return Err(format!("move_mount of work: {}", std::io::Error::last_os_error()).into());
        }
        mount(
            none,
            &target,
            none,
            MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            none,
        )?;
        nix::unistd::chdir(root)?;
        nix::unistd::pivot_root(".", ".")?;
        umount2(".", MntFlags::MNT_DETACH)?;
        nix::unistd::chdir("/")?;
        Ok(())
    }
}

/// The library's root, minus the per-sandbox parts, built at `root`.
fn build_in_new_namespace(root: &Path) -> Result<()> {
    let none = None::<&str>;
    unshare(CloneFlags::CLONE_NEWNS)?;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)?;
    mount(
        Some("tmpfs"),
        root,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755,size=1m"),
    )?;
    for entry in fs::read_dir("/")? {
        let entry = entry?;
        let name = entry.file_name();
        if REPLACED.iter().any(|replaced| name == *replaced) {
            continue;
        }
        let source = entry.path();
        let target = root.join(&name);
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)?;
            continue;
        }
        if kind.is_dir() {
            fs::create_dir(&target)?;
        } else if kind.is_file() {
            fs::File::create(&target)?;
        } else {
            continue;
        }
        mount(
            Some(&source),
            &target,
            none,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            none,
        )?;
    }
    for replaced in REPLACED {
        fs::create_dir(root.join(replaced))?;
    }
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_RDONLY | libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let root_c = std::ffi::CString::new(root.as_os_str().as_encoded_bytes())?;
    // SAFETY: mount_setattr reads `size` bytes from a live, initialized
    // mount_attr; the path is NUL-terminated and outlives the call.
    let set = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            root_c.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    if set != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    let dev = root.join("dev");
    mount(
        Some("tmpfs"),
        &dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("mode=0755,size=64k"),
    )?;
    for device in DEVICES {
        let target = dev.join(device);
        fs::File::create(&target)?;
        mount(
            Some(&Path::new("/dev").join(device)),
            &target,
            none,
            MsFlags::MS_BIND,
            none,
        )?;
    }
    for (name, link) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        std::os::unix::fs::symlink(link, dev.join(name))?;
    }
    fs::create_dir(dev.join("shm"))?;
    // Shared by every copy: nobody writes to it.
    mount(
        none,
        &dev,
        none,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NOEXEC,
        none,
    )?;
    Ok(())
}
