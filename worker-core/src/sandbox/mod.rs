//! The sandbox a job runs in: the settings users choose (network, user, bind
//! mounts, and what a runner without root does with limits it cannot
//! enforce), and, inside the crate, its init (PID 1 of the job's pid
//! namespace), which sets it up and runs the job's process, and the plan of
//! its root file system.

pub(crate) mod init;
pub(crate) mod rootfs;

pub use crate::model::rootless::RootlessLimits;
pub use crate::model::sandbox::{BindMount, JobUser, NetworkMode};
