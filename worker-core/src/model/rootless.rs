//! How a job runs without root: the policy for limits that cannot be
//! enforced, and what was decided for one job at its start (kept in its spec).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a runner without root does with a job whose limits cannot be
/// enforced (no cgroup v2 subtree with the controllers they need is
/// delegated to the user). As root, limits are always enforced, or the start fails.
///
/// ```
/// use workernator::{Config, sandbox::RootlessLimits};
/// let config = Config::default().rootless_limits(RootlessLimits::BestEffort);
/// assert_eq!(config.rootless_limits_policy(), RootlessLimits::BestEffort);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootlessLimits {
    /// Refuse the start with [`LimitsError::Rootless`](super::limits::LimitsError::Rootless), which says why and
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
