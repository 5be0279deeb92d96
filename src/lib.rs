//! Run typed Rust jobs in Linux sandboxes, with no server.
//!
//! Declare a job as a type with `#[derive(Job)]`, give it a [`Run`] implementation,
//! and start it with a [`Runner`]. Each job runs in its own pid, mount, network, uts
//! and ipc namespaces and its own cgroup, under a small supervisor process that
//! outlives the application.
//!
//! What every user needs is at the root; the rest is in modules by what it is
//! for: [`errors`], [`status`], [`logs`], [`sandbox`], [`host`], [`retry`],
//! [`config`], [`limits`] and [`job`].
#![warn(missing_docs, unreachable_pub)]

pub use worker_core::{
    Config, Job, JobContext, JobError, JobHandle, JobId, Limits, Run, Runner, StartOptions, init,
    init_before_main,
};
pub use worker_core::{config, errors, host, job, limits, logs, retry, sandbox, status};
pub use worker_macros::Job;

/// Support items for generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use worker_core::__private::*;
}
