//! The plain data every layer shares: job ids, limits, the retry policy, how a
//! job ended. No I/O beyond the kernel's random source.

pub(crate) mod id;
pub(crate) mod limits;
pub(crate) mod outcome;
pub(crate) mod retry;
pub(crate) mod rootless;
pub(crate) mod sandbox;
pub(crate) mod time;
