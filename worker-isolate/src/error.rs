//! The error of a sandbox setup step.

use std::io;
use std::path::PathBuf;

/// A step of sandbox setup failed: which step, on which path, and the system error.
///
/// Displays as the step and path ("mount /proc"); the system error is its source.
#[derive(Debug, thiserror::Error)]
#[error("{step} {}", path.display())]
pub struct SetupError {
    /// What was being done, e.g. "mount proc on", "pivot_root into".
    pub step: &'static str,
    /// The path it was done to.
    pub path: PathBuf,
    /// What the kernel said.
    #[source]
    pub source: io::Error,
}

impl SetupError {
    pub(crate) fn new(step: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        SetupError {
            step,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn errno(step: &'static str, path: impl Into<PathBuf>, errno: nix::Error) -> Self {
        SetupError::new(step, path, io::Error::from_raw_os_error(errno as i32))
    }
}
