//! The host, as every job sees it: where job cgroups go and how they are
//! made (also for rootless jobs), their usage, facts read from /proc, and the
//! probe of what this host supports.

pub(crate) mod cgroup;
pub(crate) mod probe;
pub(crate) mod proc;
pub(crate) mod rootless;
mod untracked;
pub(crate) mod usage;
