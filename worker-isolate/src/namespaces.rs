//! Entering new namespaces.

use crate::error::SetupError;
use nix::sched::{CloneFlags, unshare};

/// Which namespaces the sandbox gets besides its pid namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespaces {
    /// A private mount table (needed for a private root).
    pub mount: bool,
    /// A network namespace with only loopback.
    pub network: bool,
    /// A private hostname.
    pub uts: bool,
    /// Private System V IPC and POSIX message queues.
    pub ipc: bool,
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces {
            mount: true,
            network: true,
            uts: true,
            ipc: true,
        }
    }
}

/// Makes the next child of this process the first process (PID 1) of a new pid
/// namespace. The caller itself stays where it is.
///
/// The supervisor calls this and then forks, instead of a raw `clone(CLONE_NEWPID)`,
/// so that libc's fork bookkeeping (its cached thread id, atfork handlers) stays right.
pub fn new_pid_namespace_for_children() -> Result<(), SetupError> {
    unshare(CloneFlags::CLONE_NEWPID)
        .map_err(|errno| SetupError::errno("unshare pid namespace", "/proc/self/ns/pid", errno))
}

/// Moves the calling process into new namespaces of the kinds asked for.
pub fn enter(namespaces: Namespaces) -> Result<(), SetupError> {
    let mut flags = CloneFlags::empty();
    flags.set(CloneFlags::CLONE_NEWNS, namespaces.mount);
    flags.set(CloneFlags::CLONE_NEWNET, namespaces.network);
    flags.set(CloneFlags::CLONE_NEWUTS, namespaces.uts);
    flags.set(CloneFlags::CLONE_NEWIPC, namespaces.ipc);
    if flags.is_empty() {
        return Ok(());
    }
    unshare(flags).map_err(|errno| SetupError::errno("unshare namespaces", "/proc/self/ns", errno))
}

/// Sets the hostname of the calling process's uts namespace.
pub fn set_hostname(name: &str) -> Result<(), SetupError> {
    nix::unistd::sethostname(name)
        .map_err(|errno| SetupError::errno("sethostname", "/proc/sys/kernel/hostname", errno))
}

/// Gives each next child its own new pid namespace, as many times as needed.
///
/// `unshare(CLONE_NEWPID)` works once per process: afterwards the process's
/// namespace for children is no longer its own. Going back to its own with
/// `setns` first makes it work again, so a supervisor can run attempt after
/// attempt, each as PID 1 of a fresh namespace.
#[derive(Debug)]
pub struct FreshPidNamespaces {
    own: std::os::fd::OwnedFd,
    used: bool,
}

impl FreshPidNamespaces {
    /// Remembers the caller's own pid namespace.
    pub fn new() -> Result<Self, SetupError> {
        let path = "/proc/self/ns/pid";
        let own = std::fs::File::open(path)
            .map_err(|source| SetupError::new("open", path, source))?
            .into();
        Ok(FreshPidNamespaces { own, used: false })
    }

    /// Makes the next child of the caller the first process of a new pid namespace.
    pub fn prepare_next_child(&mut self) -> Result<(), SetupError> {
        if self.used {
            nix::sched::setns(&self.own, CloneFlags::CLONE_NEWPID).map_err(|errno| {
                SetupError::errno(
                    "setns back to own pid namespace",
                    "/proc/self/ns/pid",
                    errno,
                )
            })?;
        }
        new_pid_namespace_for_children()?;
        self.used = true;
        Ok(())
    }
}

impl std::os::fd::AsRawFd for FreshPidNamespaces {
    /// The descriptor of the caller's own pid namespace (to close in children).
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.own.as_raw_fd()
    }
}

/// In a new user namespace made by the caller (not yet mapped), maps its
/// uid 0 and gid 0 to `outer_uid` and `outer_gid`, the caller's ids outside.
/// This is the one mapping an ordinary user may write for itself; `setgroups`
/// is denied first, as the kernel requires for it, so supplementary groups
/// can no longer be changed in the namespace.
pub fn map_root_to(outer_uid: u32, outer_gid: u32) -> Result<(), SetupError> {
    let write = |path: &'static str, contents: String| {
        std::fs::write(path, contents).map_err(|source| SetupError::new("write", path, source))
    };
    write("/proc/self/setgroups", "deny".to_owned())?;
    write("/proc/self/uid_map", format!("0 {outer_uid} 1\n"))?;
    write("/proc/self/gid_map", format!("0 {outer_gid} 1\n"))
}
