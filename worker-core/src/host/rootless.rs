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

use crate::app::config::Config;
use crate::app::error::StartError;
use crate::model::limits::{Limits, LimitsError};
use crate::state::{JobSpec, JobStatus, RunsAs};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use worker_isolate::cgroup::{CgroupError, CgroupRoot, Delegation, JobCgroup};

/// What a runner without root does with a job whose limits cannot be
/// enforced (no cgroup v2 subtree with the controllers they need is
/// delegated to the user). As root, limits are always enforced, or the start fails.
///
/// ```
/// use workernator::{Config, RootlessLimits};
/// let config = Config::default().rootless_limits(RootlessLimits::BestEffort);
/// assert_eq!(config.rootless_limits_policy(), RootlessLimits::BestEffort);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootlessLimits {
    /// Refuse the start with [`LimitsError::Rootless`], which says why and
    /// what to do. The default.
    #[default]
    Require,
    /// Run the job without a cgroup: no limits, cpu time as its only
    /// accounting, and `limits_enforced: false` (with the reason) in its status.
    BestEffort,
}

/// How one job runs rootless, decided when it was started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RootlessSpec {
    /// The user and group that started it (the job runs as them, seen as
    /// uid and gid 0 inside its user namespace).
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// The delegated cgroup v2 directory under which its cgroup is made;
    /// `None`: it gets no cgroup.
    pub(crate) cgroup_root: Option<PathBuf>,
    /// Why its limits are not enforced, if they are not.
    pub(crate) limits_not_enforced: Option<String>,
}

/// Whether this process must run jobs rootless: it may not make namespaces
/// and mounts itself (no `CAP_SYS_ADMIN` in its effective set).
pub(crate) fn needed() -> bool {
    !worker_isolate::privileges::has_effective_sys_admin()
}

/// Decides how a job with `limits` runs rootless under `config`.
///
/// # Errors
///
/// [`LimitsError::Rootless`] under [`RootlessLimits::Require`] when the
/// limits cannot be enforced.
pub(crate) fn plan(config: &Config, limits: &Limits) -> Result<RootlessSpec, StartError> {
    let uid = nix::unistd::geteuid().as_raw();
    let gid = nix::unistd::getegid().as_raw();
    let cgroup_limits = limits.to_cgroup();
    let needed = cgroup_limits.needed_controllers();
    let found = Delegation::find()
        .and_then(|delegation| delegation.check(&needed).map(|()| delegation))
        .map_err(|error| crate::supervisor::error_chain(&error))
        .and_then(|delegation| {
            CgroupRoot::at(&delegation.dir)
                .and_then(|root| root.check_can_create(config.cgroup_parent_path(), &cgroup_limits))
                .map(|()| delegation.dir)
                .map_err(|error| crate::supervisor::error_chain(&error))
        });
    let (cgroup_root, limits_not_enforced) = match found {
        Ok(dir) => (Some(dir), None),
        // Nothing to enforce: the job needs no cgroup.
        Err(_) if needed.is_empty() => (None, None),
        Err(reason) => match config.rootless_limits_policy() {
            RootlessLimits::Require => {
                return Err(StartError::Limits(LimitsError::Rootless { uid, reason }));
            }
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

/// Where the job cgroups of `spec` live.
pub(crate) fn cgroup_root(spec: &JobSpec) -> Result<CgroupRoot, CgroupError> {
    match spec
        .sandbox
        .rootless
        .as_ref()
        .and_then(|rootless| rootless.cgroup_root.as_ref())
    {
        Some(dir) => CgroupRoot::at(dir),
        // The layout the starter found, checked with one statfs (or found
        // again if it no longer holds).
        None => match &spec.cgroup_layout {
            Some(layout) => layout.root(),
            None => CgroupRoot::detect(),
        },
    }
}

/// The cgroup v2 root of the job of `spec`, if it gets a cgroup and that is
/// where (the only kind a process can be born inside).
pub(crate) fn v2_cgroup_root(spec: &JobSpec) -> Option<CgroupRoot> {
    if without_cgroup(spec) {
        return None;
    }
    cgroup_root(spec)
        .ok()
        .filter(|root| root.version() == worker_isolate::cgroup::CgroupVersion::V2)
}

/// Whether the job of `spec` runs without a cgroup.
pub(crate) fn without_cgroup(spec: &JobSpec) -> bool {
    spec.sandbox
        .rootless
        .as_ref()
        .is_some_and(|rootless| rootless.cgroup_root.is_none())
}

/// Creates the cgroup of one attempt of the job of `spec`; for a rootless job
/// without one, a stand-in that tracks the sandbox's processes through its
/// pid namespace.
pub(crate) fn create_cgroup(spec: &JobSpec) -> Result<Box<dyn JobCgroup>, CgroupError> {
    if without_cgroup(spec) {
        return Ok(Box::new(super::untracked::Untracked::new()));
    }
    create_cgroup_in(&cgroup_root(spec)?, spec)
}

/// Creates the cgroup of one attempt of the job of `spec` under `root`.
pub(crate) fn create_cgroup_in(
    root: &CgroupRoot,
    spec: &JobSpec,
) -> Result<Box<dyn JobCgroup>, CgroupError> {
    root.create(
        &spec.cgroup_parent,
        spec.id.as_str(),
        &spec.limits.to_cgroup(),
    )
}
