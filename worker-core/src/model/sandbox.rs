//! The sandbox a job runs in, as its spec records it: network, user, bind
//! mounts, root directory, tmpfs sizes and rlimits, and their validation.
//! Set for every job by [`Config`](crate::Config), for one by
//! [`StartOptions`](crate::StartOptions).

use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// The network a job sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NetworkMode {
    /// A network namespace of its own with only loopback: no way out.
    #[default]
    None,
    /// The host's network, for jobs that must call out.
    Host,
}

/// A host path made visible inside the sandbox.
///
/// ```
/// use workernator::sandbox::BindMount;
/// let data = BindMount::read_only("/srv/data", "/data");
/// assert!(!data.writable);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BindMount {
    /// The file or directory on the host (absolute).
    pub source: PathBuf,
    /// Where it appears inside the sandbox (absolute). It must exist in the
    /// sandbox's root, or be creatable there: under a top-level directory the
    /// root does not show (`/data`, `/home/me`), under its empty `/run` and
    /// `/var`, or under `/tmp` or `/work`.
    pub target: PathBuf,
    /// Whether the job may write to it (never setuid, never device files).
    pub writable: bool,
}

impl BindMount {
    /// `source` at `target`, read-only.
    pub fn read_only(source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        BindMount {
            source: source.into(),
            target: target.into(),
            writable: false,
        }
    }

    /// `source` at `target`, writable.
    pub fn writable(source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        BindMount {
            writable: true,
            ..BindMount::read_only(source, target)
        }
    }
}

/// The user and group a job's code runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobUser {
    /// User id.
    pub uid: u32,
    /// Group id (the only group: supplementary groups are dropped).
    pub gid: u32,
}

impl JobUser {
    /// `nobody` (65534:65534), the default.
    pub const NOBODY: JobUser = JobUser {
        uid: 65534,
        gid: 65534,
    };

    /// The user `uid` in group `gid`.
    pub fn new(uid: u32, gid: u32) -> JobUser {
        JobUser { uid, gid }
    }
}

impl Default for JobUser {
    fn default() -> Self {
        JobUser::NOBODY
    }
}

/// The sandbox of one job, as recorded in its spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SandboxSpec {
    pub(crate) network: NetworkMode,
    pub(crate) user: JobUser,
    pub(crate) binds: Vec<BindMount>,
    pub(crate) root_dir: Option<PathBuf>,
    pub(crate) tmp_size_bytes: u64,
    pub(crate) shm_size_bytes: u64,
    pub(crate) open_files_max: u64,
    /// Set when the job runs rootless (decided at start).
    pub(crate) rootless: Option<super::rootless::RootlessSpec>,
}

impl Default for SandboxSpec {
    fn default() -> Self {
        SandboxSpec {
            network: NetworkMode::None,
            user: JobUser::NOBODY,
            binds: Vec::new(),
            root_dir: None,
            tmp_size_bytes: 256 << 20,
            shm_size_bytes: 64 << 20,
            open_files_max: 1024,
            rootless: None,
        }
    }
}

/// Sandbox settings that make no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A bind mount's source or target cannot be used.
    #[error("invalid bind mount {} -> {}: {reason}", host.display(), target.display())]
    Bind {
        /// The host path.
        host: PathBuf,
        /// The path inside.
        target: PathBuf,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The root directory is not an existing absolute directory.
    #[error("invalid root directory {}: must be an existing absolute directory", path.display())]
    RootDir {
        /// The path given.
        path: PathBuf,
    },
    /// A size or count is out of range.
    #[error("invalid sandbox setting: {rule}")]
    Setting {
        /// The rule broken.
        rule: &'static str,
    },
}

/// Paths the sandbox makes itself; binds may not replace them.
const RESERVED_TARGETS: [&str; 6] = ["/", "/proc", "/dev", "/sys", "/tmp", "/work"];

impl SandboxSpec {
    pub(crate) fn validate(&self) -> Result<(), OptionsError> {
        if self.tmp_size_bytes < 1 << 20 {
            return Err(OptionsError::Setting {
                rule: "tmp_size_bytes must be at least 1 MiB",
            });
        }
        if self.shm_size_bytes < 1 << 20 {
            return Err(OptionsError::Setting {
                rule: "shm_size_bytes must be at least 1 MiB",
            });
        }
        if self.open_files_max < 16 {
            return Err(OptionsError::Setting {
                rule: "open_files_max must be at least 16",
            });
        }
        if let Some(root) = &self.root_dir {
            if !root.is_absolute() || !root.is_dir() {
                return Err(OptionsError::RootDir { path: root.clone() });
            }
        }
        for bind in &self.binds {
            check_bind(bind)?;
        }
        Ok(())
    }

    pub(crate) fn tmp_options(&self) -> String {
        format!("mode=1777,size={}", self.tmp_size_bytes)
    }

    pub(crate) fn shm_options(&self) -> String {
        format!("mode=1777,size={}", self.shm_size_bytes)
    }
}

fn check_bind(bind: &BindMount) -> Result<(), OptionsError> {
    let refuse = |reason| {
        Err(OptionsError::Bind {
            host: bind.source.clone(),
            target: bind.target.clone(),
            reason,
        })
    };
    if !bind.source.is_absolute() {
        return refuse("the source must be an absolute path");
    }
    if !bind.source.exists() {
        return refuse("the source does not exist");
    }
    if !is_plain_absolute(&bind.target) {
        return refuse("the target must be an absolute path without '.' or '..'");
    }
    let target = bind.target.as_path();
    if RESERVED_TARGETS.iter().any(|r| target == Path::new(r))
        || ["/proc", "/dev", "/sys"]
            .iter()
            .any(|r| target.starts_with(r))
    {
        return refuse(
            "the target is a path the sandbox makes itself (/, /proc, /dev, /sys, /tmp, /work)",
        );
    }
    Ok(())
}

fn is_plain_absolute(path: &Path) -> bool {
    let mut components = path.components();
    components.next() == Some(Component::RootDir)
        && components.all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests;
