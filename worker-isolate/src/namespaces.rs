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
