//! Rootless mode: an ordinary user's runner still runs jobs, each in a user
//! namespace of its own (uid and gid 0 inside mapped to the user's outside),
//! with the same pid, mount, uts, ipc and network namespaces and the same
//! file system as when root.
//!
//! Limits need a cgroup the user may write: a cgroup v2 subtree delegated to
//! it ([`Delegation`]). When there is none, or it lacks a controller the
//! limits need, [`RootlessLimits`] decides: refuse the start, saying why and
//! what to do, or run the job without a cgroup and say so in its status
//! (`limits_enforced: false`). Never silently unlimited.
//!
//! Decided once, at start, and recorded in the job's spec
//! ([`RootlessSpec`]); the supervisor, the reconciler and live usage follow it.

use crate::model::limits::{Limits, LimitsError};
use crate::model::rootless::{RootlessLimits, RootlessSpec};
use crate::state::{JobSpec, JobStatus, RunsAs};
use worker_isolate::cgroup::{CgroupRoot, Delegation};

/// Whether this process must run jobs rootless: it may not make namespaces
/// and mounts itself (no `CAP_SYS_ADMIN` in its effective set).
pub(crate) fn needed() -> bool {
    !worker_isolate::privileges::has_effective_sys_admin()
}

/// Decides how a job with `limits` runs rootless, its cgroup under
/// `cgroup_parent`, with `policy` for limits that cannot be enforced.
///
/// # Errors
///
/// [`LimitsError::Rootless`] under [`RootlessLimits::Require`] when the
/// limits cannot be enforced.
pub(crate) fn plan(
    cgroup_parent: &str,
    policy: RootlessLimits,
    limits: &Limits,
) -> Result<RootlessSpec, LimitsError> {
    let uid = nix::unistd::geteuid().as_raw();
    let gid = nix::unistd::getegid().as_raw();
    let cgroup_limits = limits.to_cgroup();
    let needed = cgroup_limits.needed_controllers();
    let found = Delegation::find()
        .and_then(|delegation| delegation.check(&needed).map(|()| delegation))
        .map_err(|error| crate::sys::error_chain(&error))
        .and_then(|delegation| {
            CgroupRoot::at(&delegation.dir)
                .and_then(|root| root.check_can_create(cgroup_parent, &cgroup_limits))
                .map(|()| delegation.dir)
                .map_err(|error| crate::sys::error_chain(&error))
        });
    let (cgroup_root, limits_not_enforced) = match found {
        Ok(dir) => (Some(dir), None),
        // Nothing to enforce: the job needs no cgroup.
        Err(_) if needed.is_empty() => (None, None),
        Err(reason) => match policy {
            RootlessLimits::Require => return Err(LimitsError::Rootless { uid, reason }),
            RootlessLimits::BestEffort => (None, Some(reason)),
        },
    };
    Ok(RootlessSpec {
        uid,
        gid,
        cgroup_root,
        limits_not_enforced,
    })
}

/// Puts how the job of `spec` is isolated into its first status.
pub(crate) fn describe(spec: &JobSpec, status: &mut JobStatus) {
    let user = spec.sandbox.user;
    match &spec.sandbox.rootless {
        Some(rootless) => {
            status.rootless = true;
            status.limits_enforced = rootless.limits_not_enforced.is_none();
            status.limits_note = rootless.limits_not_enforced.clone();
            status.runs_as = Some(RunsAs {
                uid: 0,
                gid: 0,
                host_uid: rootless.uid,
                host_gid: rootless.gid,
            });
        }
        None => {
            status.runs_as = Some(RunsAs {
                uid: user.uid,
                gid: user.gid,
                host_uid: user.uid,
                host_gid: user.gid,
            });
        }
    }
}
