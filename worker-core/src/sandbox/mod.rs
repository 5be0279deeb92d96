//! The sandbox: its init (PID 1 of the job's pid namespace), which sets it up
//! and runs the job's process; and the plan of its root file system.

pub(crate) mod init;
pub(crate) mod rootfs;
