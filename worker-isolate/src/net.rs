//! The sandbox's network: loopback only.

use crate::error::SetupError;

/// Brings up the loopback interface of the calling process's network namespace,
/// which a new namespace starts with down.
pub fn loopback_up() -> Result<(), SetupError> {
    crate::sys::interface_up("lo")
        .map_err(|source| SetupError::new("bring up loopback", "/sys/class/net/lo", source))
}

/// Makes a new network namespace with loopback up, for a sandbox to enter
/// later with [`enter_network_namespace`], and returns a descriptor of it. The
/// calling thread is back in its own network namespace when this returns,
/// whatever happened; it must be the process's only thread (the namespace
/// is switched for the thread, and a fork meanwhile would see it).
///
/// Creating a network namespace costs about half a millisecond and is
/// serialised in the kernel: made ahead of time, it is off a job's start path.
pub fn new_network_namespace() -> Result<std::os::fd::OwnedFd, SetupError> {
    use nix::sched::{CloneFlags, setns, unshare};
    const OWN: &str = "/proc/thread-self/ns/net";
    let home = std::fs::File::open(OWN).map_err(|source| SetupError::new("open", OWN, source))?;
    unshare(CloneFlags::CLONE_NEWNET)
        .map_err(|errno| SetupError::errno("unshare network namespace", OWN, errno))?;
    let made = std::fs::File::open(OWN)
        .map_err(|source| SetupError::new("open", OWN, source))
        .and_then(|made| loopback_up().map(|()| made));
    // Back home first, whether the new namespace is usable or not.
    setns(&home, CloneFlags::CLONE_NEWNET).map_err(|errno| {
        SetupError::errno("setns back to the own network namespace", OWN, errno)
    })?;
    Ok(made?.into())
}

/// Moves the calling process into the network namespace `namespace` (made by
/// [`new_network_namespace`]), instead of unsharing a new one.
pub fn enter_network_namespace(namespace: std::os::fd::BorrowedFd<'_>) -> Result<(), SetupError> {
    nix::sched::setns(namespace, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|errno| {
        SetupError::errno(
            "setns into the prepared network namespace",
            "/proc/self/ns/net",
            errno,
        )
    })
}
