//! Where the library's APIs meet the CLI's parsed options and views, so the
//! commands stay small.
//!
//! - [`start`]: start options (`Runner::start_with` with `StartOptions`).
//! - [`output`]: the output stream `tail` reads (`JobHandle::logs_with`).
//! - [`status`]: fields beside the status file (the owner, why a job waits).
//! - [`probe`]: what the host supports (`workernator::host::probe()`).

pub(crate) mod output;
pub(crate) mod probe;
pub(crate) mod start;
pub(crate) mod status;
