//! Where every job's cgroup goes and how it is made: under the cgroup parent
//! in the host's hierarchies (or, rootless, in the subtree delegated to the
//! user), with the job's limits; and the check, at start, that the host can
//! make it.

use super::untracked::Untracked;
use crate::model::limits::{Limits, LimitsError};
use crate::state::JobSpec;
use worker_isolate::cgroup::{CgroupError, CgroupRoot, JobCgroup};

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
        return Ok(Box::new(Untracked::new()));
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

/// Refuses limits the host cannot enforce, before anything is recorded.
///
/// Whether a cgroup with some controllers can be made under a parent is
/// looked up on disk (a stat and an access check in each hierarchy, a dozen
/// system calls on cgroup v1) once per process: later starts with the same
/// parent and controllers only validate their limits. The supervisor still
/// makes the cgroup and says so in the job's status if it cannot.
pub(crate) fn check_enforceable(cgroup_parent: &str, limits: &Limits) -> Result<(), LimitsError> {
    /// (parent, controllers) found creatable by this process.
    static CREATABLE: std::sync::Mutex<Vec<(String, Vec<&'static str>)>> =
        std::sync::Mutex::new(Vec::new());
    let unenforceable = |source| LimitsError::Unenforceable { source };
    let cgroup_limits = limits.to_cgroup();
    let key = (cgroup_parent.to_owned(), cgroup_limits.needed_controllers());
    let mut creatable = CREATABLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if creatable.contains(&key) {
        return cgroup_limits.validate().map_err(unenforceable);
    }
    // The layout found at the first start of this process (see CgroupLayout).
    let root = match crate::state::CgroupLayout::detected() {
        Some(layout) => layout.root(),
        None => CgroupRoot::detect(),
    }
    .map_err(unenforceable)?;
    root.check_can_create(&key.0, &cgroup_limits)
        .map_err(unenforceable)?;
    creatable.push(key);
    Ok(())
}
