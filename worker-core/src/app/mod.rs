//! The application's side: the runner, the handles on jobs it gives out, its
//! configuration, the queue of jobs waiting for admission, and what it does
//! with the state directory on open (reconcile, retention). The top of the
//! process chain: it starts launchers and supervisors, never a sandbox.

pub(crate) mod config;
pub(crate) mod error;
pub(crate) mod handle;
pub(crate) mod init;
pub(crate) mod list;
pub(crate) mod queue;
pub(crate) mod reconcile;
pub(crate) mod retention;
pub(crate) mod runner;
pub(crate) mod start_options;
