//! `probe()`: what this host supports, so users and errors can say exactly
//! what is missing.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use worker_isolate::cgroup::{CgroupRoot, CgroupVersion, Delegation};

/// What this host offers workernator, as found by [`probe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostSupport {
    /// The kernel's release, e.g. "6.8.0-45-generic".
    pub kernel_release: String,
    /// Whether this process runs as root (effective uid 0). Without root
    /// (more exactly, without `CAP_SYS_ADMIN`), jobs run rootless: in a user
    /// namespace, which `user_namespace_works` says this process can make.
    pub root: bool,
    /// The cgroup hierarchy at `/sys/fs/cgroup`, or `None` if there is none.
    pub cgroup: Option<CgroupSupport>,
    /// A cgroup2 mount beside a v1 hierarchy (`/sys/fs/cgroup/unified` on
    /// hybrid hosts), if there is one.
    pub hybrid_cgroup2: Option<PathBuf>,
    /// Whether the kernel has user namespaces (`user.max_user_namespaces` > 0).
    pub user_namespaces: bool,
    /// Whether an ordinary user may create one (needed for rootless mode):
    /// not turned off by `kernel.unprivileged_userns_clone` or AppArmor's
    /// `kernel.apparmor_restrict_unprivileged_userns`.
    pub unprivileged_user_namespaces: bool,
    /// Whether this process could just now make a user namespace (tried:
    /// sysctls, AppArmor and seccomp policies included). Rootless mode needs it.
    #[serde(default)]
    pub user_namespace_works: bool,
    /// The cgroup v2 subtree delegated to this user, where rootless jobs'
    /// cgroups go: its directory and controllers, `writable` meaning
    /// usable for job cgroups there. `None`: see `delegation_missing`.
    #[serde(default)]
    pub delegated_cgroup: Option<CgroupSupport>,
    /// Why no cgroup v2 subtree is delegated to this user, if none is; without
    /// one, rootless jobs with limits are refused or run with
    /// `limits_enforced: false` (see `RootlessLimits`).
    #[serde(default)]
    pub delegation_missing: Option<String>,
    /// Whether `pidfd_open` works (Linux 5.3), which job handles rely on.
    pub pidfd: bool,
    /// Whether seccomp filters can be installed (`Seccomp:` in
    /// `/proc/self/status` and `errno` among the filter actions).
    pub seccomp: bool,
}

/// The cgroup hierarchy and its controllers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CgroupSupport {
    /// 1 or 2.
    pub version: u8,
    /// Where it is mounted.
    pub root: PathBuf,
    /// The controllers workernator uses that the host offers.
    pub controllers: Vec<ControllerSupport>,
}

/// One cgroup controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ControllerSupport {
    /// Its name ("memory", "pids", "cpu", "io" or, on v1, "blkio", ...).
    pub name: String,
    /// Whether this process may create cgroups in it.
    pub writable: bool,
}

impl HostSupport {
    /// Whether the controller `name` is offered and writable.
    pub fn controller_writable(&self, name: &str) -> bool {
        self.cgroup.as_ref().is_some_and(|cgroup| {
            cgroup
                .controllers
                .iter()
                .any(|c| c.name == name && c.writable)
        })
    }
}

/// Examines this host: kernel, cgroups, namespaces, pidfd, seccomp. Cheap
/// (a few file reads); changes nothing.
///
/// ```
/// let host = workernator::host::probe();
/// println!("kernel {}", host.kernel_release);
/// if let Some(cgroup) = &host.cgroup {
///     for controller in &cgroup.controllers {
///         println!("cgroup v{} {}: writable {}", cgroup.version, controller.name, controller.writable);
///     }
/// }
/// ```
pub fn probe() -> HostSupport {
    let cgroup = CgroupRoot::detect().ok().map(|root| cgroup_support(&root));
    let hybrid_cgroup2 = match &cgroup {
        Some(c) if c.version == 1 => CgroupRoot::unified().map(|root| root.path().to_owned()),
        _ => None,
    };
    let (delegated_cgroup, delegation_missing) = match Delegation::find() {
        Ok(delegation) => (Some(delegated_support(&delegation)), None),
        Err(error) => (None, Some(crate::sys::error_chain(&error))),
    };
    HostSupport {
        kernel_release: nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default(),
        root: nix::unistd::geteuid().is_root(),
        cgroup,
        hybrid_cgroup2,
        user_namespaces: read_number("/proc/sys/user/max_user_namespaces").is_some_and(|n| n > 0),
        unprivileged_user_namespaces: read_number("/proc/sys/user/max_user_namespaces")
            .is_some_and(|n| n > 0)
            && read_number("/proc/sys/kernel/unprivileged_userns_clone") != Some(0)
            && read_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") != Some(1),
        user_namespace_works: crate::sys::can_make_user_namespace(),
        delegated_cgroup,
        delegation_missing,
        pidfd: crate::sys::pidfd_open(std::process::id() as i32).is_ok(),
        seccomp: seccomp_available(),
    }
}

fn cgroup_support(root: &CgroupRoot) -> CgroupSupport {
    let controllers = root
        .controllers()
        .unwrap_or_default()
        .into_iter()
        .map(|(name, dir)| ControllerSupport {
            writable: writable(&dir),
            name,
        })
        .collect();
    CgroupSupport {
        version: match root.version() {
            CgroupVersion::V1 => 1,
            CgroupVersion::V2 => 2,
        },
        root: root.path().to_owned(),
        controllers,
    }
}

/// A delegated subtree as a cgroup v2 hierarchy: a controller counts as
/// writable if job cgroups there can use it.
fn delegated_support(delegation: &Delegation) -> CgroupSupport {
    let controllers = delegation
        .controllers
        .iter()
        .map(|name| ControllerSupport {
            writable: delegation
                .check(&[])
                .is_ok_and(|()| writable(&delegation.dir)),
            name: name.clone(),
        })
        .collect();
    CgroupSupport {
        version: 2,
        root: delegation.dir.clone(),
        controllers,
    }
}

fn writable(dir: &Path) -> bool {
    nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_ok()
}

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn seccomp_available() -> bool {
    let in_status = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|status| status.lines().any(|line| line.starts_with("Seccomp:")));
    let errno_action = std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail")
        .is_ok_and(|actions| actions.split_whitespace().any(|a| a == "errno"));
    in_status && errno_action
}

#[cfg(test)]
mod tests;
