//! The host: what it supports ([`probe`]), and, inside the crate, where job
//! cgroups go and how they are made (also for rootless jobs), their usage,
//! and facts read from /proc.

pub(crate) mod cgroup;
pub(crate) mod probe;
pub(crate) mod proc;
pub(crate) mod rootless;
mod untracked;
pub(crate) mod usage;

pub use probe::{CgroupSupport, ControllerSupport, HostSupport, probe};
