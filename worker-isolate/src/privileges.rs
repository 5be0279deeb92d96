//! Giving up privileges and tying the sandbox's life to its supervisor.
//!
//! The order matters, and is the sandbox init's:
//! 1. [`set_rlimits`] while still privileged (lowering hard limits needs nothing,
//!    but it must happen before the job can raise them);
//! 2. [`drop_capability_bounding_set`]: no exec can ever regain a capability;
//! 3. [`no_new_privileges`], then the seccomp filter ([`crate::seccomp`]);
//! 4. in the job's process, [`become_user`], which ends with every capability
//!    set empty and verified so.

use crate::error::SetupError;
use caps::CapSet;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid};

/// Asks the kernel to SIGKILL the calling process when its parent thread dies.
///
/// The caller must then check that its parent is still alive (for example by
/// reading a pipe the parent holds open): the parent may have died before this call.
pub fn die_with_parent() -> Result<(), SetupError> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)
        .map_err(|errno| SetupError::errno("prctl(PR_SET_PDEATHSIG)", "/proc/self", errno))
}

/// Whether the calling thread has `CAP_SYS_ADMIN` in its effective set (one
/// `capget`): what making namespaces and mounts takes. `false` if the set
/// cannot be read.
pub fn has_effective_sys_admin() -> bool {
    caps::has_cap(None, CapSet::Effective, caps::Capability::CAP_SYS_ADMIN).unwrap_or(false)
}

/// Sets `no_new_privs`: nothing the job executes can gain privileges (setuid bits,
/// file capabilities).
pub fn no_new_privileges() -> Result<(), SetupError> {
    nix::sys::prctl::set_no_new_privs()
        .map_err(|errno| SetupError::errno("prctl(PR_SET_NO_NEW_PRIVS)", "/proc/self", errno))
}

/// Resource limits of the job's processes (soft and hard alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessLimits {
    /// Largest core dump, in bytes (`RLIMIT_CORE`); 0 means none.
    pub core_bytes: u64,
    /// Most open file descriptors (`RLIMIT_NOFILE`).
    pub open_files: u64,
}

impl Default for ProcessLimits {
    fn default() -> Self {
        ProcessLimits {
            core_bytes: 0,
            open_files: 1024,
        }
    }
}

/// Sets the calling process's rlimits; its children inherit them and, without
/// `CAP_SYS_RESOURCE`, can never raise them.
///
/// Without `CAP_SYS_RESOURCE` in the initial user namespace (rootless mode),
/// an open-files limit above the current hard limit cannot be set; it is
/// lowered to that hard limit then: stricter than asked, never looser.
pub fn set_rlimits(limits: ProcessLimits) -> Result<(), SetupError> {
    setrlimit(Resource::RLIMIT_CORE, limits.core_bytes, limits.core_bytes)
        .map_err(|errno| SetupError::errno("setrlimit(RLIMIT_CORE)", "/proc/self/limits", errno))?;
    let nofile_error =
        |errno| SetupError::errno("setrlimit(RLIMIT_NOFILE)", "/proc/self/limits", errno);
    let open_files = limits.open_files;
    match setrlimit(Resource::RLIMIT_NOFILE, open_files, open_files) {
        Err(nix::errno::Errno::EPERM) => {
            let (_, hard) =
                nix::sys::resource::getrlimit(Resource::RLIMIT_NOFILE).map_err(nofile_error)?;
            setrlimit(
                Resource::RLIMIT_NOFILE,
                hard.min(open_files),
                hard.min(open_files),
            )
            .map_err(nofile_error)
        }
        other => other.map_err(nofile_error),
    }
}

fn caps_error(step: &'static str, error: caps::errors::CapsError) -> SetupError {
    SetupError::new(
        step,
        "/proc/self/status",
        std::io::Error::other(error.to_string()),
    )
}

/// Empties the capability bounding set and the ambient and inheritable sets of
/// the calling process. It keeps its effective and permitted capabilities (the
/// sandbox init still needs `CAP_SETUID`/`CAP_SETGID` to start the job as
/// another user), but nothing it or its children execute can gain any.
pub fn drop_capability_bounding_set() -> Result<(), SetupError> {
    crate::sys::drop_capability_bounding_set().map_err(|error| {
        SetupError::new(
            "drop the capability bounding set",
            "/proc/self/status",
            error,
        )
    })?;
    caps::clear(None, CapSet::Ambient).map_err(|e| caps_error("clear ambient capabilities", e))?;
    caps::clear(None, CapSet::Inheritable)
        .map_err(|e| caps_error("clear inheritable capabilities", e))
}

/// Clears every capability set of the calling process and checks that they are
/// empty (bounding included, so call [`drop_capability_bounding_set`] first).
pub fn drop_all_capabilities() -> Result<(), SetupError> {
    for set in [CapSet::Ambient, CapSet::Inheritable] {
        caps::clear(None, set).map_err(|e| caps_error("clear capabilities", e))?;
    }
    // Effective before permitted: an effective capability must stay permitted.
    caps::clear(None, CapSet::Effective)
        .map_err(|e| caps_error("clear effective capabilities", e))?;
    caps::clear(None, CapSet::Permitted)
        .map_err(|e| caps_error("clear permitted capabilities", e))?;
    for set in [
        CapSet::Ambient,
        CapSet::Bounding,
        CapSet::Effective,
        CapSet::Inheritable,
        CapSet::Permitted,
    ] {
        let left = caps::read(None, set).map_err(|e| caps_error("read capabilities", e))?;
        if !left.is_empty() {
            return Err(SetupError::new(
                "drop every capability",
                "/proc/self/status",
                std::io::Error::other(format!("{set:?} still holds {left:?}")),
            ));
        }
    }
    Ok(())
}

/// Turns the calling process into `uid`:`gid` with no supplementary groups and
/// no capabilities left in any set. Needs `CAP_SETUID` and `CAP_SETGID`.
///
/// The process stays dumpable, as an ordinary process of that user is (the
/// uid change would otherwise make `/proc/self` belong to root); ptrace is
/// refused by the seccomp filter anyway.
pub fn become_user(uid: u32, gid: u32) -> Result<(), SetupError> {
    nix::unistd::setgroups(&[])
        .map_err(|errno| SetupError::errno("setgroups", "/proc/self/status", errno))?;
    switch_ids(uid, gid)
}

/// In a user namespace where only uid 0 and gid 0 are mapped (rootless
/// mode): stays uid 0 there, which is the invoking user outside, and ends
/// with every capability set empty and verified so; the emptied bounding set
/// keeps an exec as uid 0 from regaining any. Supplementary groups stay as
/// they were: `setgroups` is denied in such a namespace.
pub fn become_namespace_root() -> Result<(), SetupError> {
    switch_ids(0, 0)
}

/// Sets every uid and gid of the calling process to `uid` and `gid`, then
/// empties every capability set and stays dumpable (see [`become_user`]).
fn switch_ids(uid: u32, gid: u32) -> Result<(), SetupError> {
    let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
    nix::unistd::setresgid(gid, gid, gid)
        .map_err(|errno| SetupError::errno("setresgid", "/proc/self/status", errno))?;
    nix::unistd::setresuid(uid, uid, uid)
        .map_err(|errno| SetupError::errno("setresuid", "/proc/self/status", errno))?;
    drop_all_capabilities()?;
    nix::sys::prctl::set_dumpable(true)
        .map_err(|errno| SetupError::errno("prctl(PR_SET_DUMPABLE)", "/proc/self", errno))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_sys_admin_matches_proc_status() {
        let status = std::fs::read_to_string("/proc/self/status").expect("status");
        let effective = status
            .lines()
            .find_map(|line| line.strip_prefix("CapEff:"))
            .map(|mask| u64::from_str_radix(mask.trim(), 16).expect("hex mask"))
            .expect("CapEff line");
        const CAP_SYS_ADMIN: u32 = 21;
        assert_eq!(
            has_effective_sys_admin(),
            effective & (1 << CAP_SYS_ADMIN) != 0
        );
    }
}
