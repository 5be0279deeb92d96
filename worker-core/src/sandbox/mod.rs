//! The sandbox: its init (PID 1 of the job's pid namespace), which sets it up
//! and runs the job's process.

pub(crate) mod init;
