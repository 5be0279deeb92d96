//! Namespaces, mounts, cgroups and privileges for workernator sandboxes.
#![warn(missing_docs, unreachable_pub)]
#![deny(unsafe_code)]

pub mod cgroup;
mod error;
pub mod mounts;
pub mod namespaces;
pub mod net;
pub mod privileges;
pub mod seccomp;
mod sys;

pub use error::SetupError;
