//! How a runner is set up.

use crate::state::Limits;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable that overrides the default state directory.
pub const STATE_DIR_ENV: &str = "WORKERNATOR_STATE_DIR";

/// A runner's settings. `Config::default()` works: a per-user state directory,
/// a 10 second stop grace period, and [`Limits::default`].
///
/// ```
/// use std::time::Duration;
/// let config = workernator::Config::default()
///     .state_dir("/tmp/my-app-jobs")
///     .stop_grace(Duration::from_secs(2));
/// assert_eq!(config.stop_grace_period(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    state_dir: PathBuf,
    stop_grace: Duration,
    limits: Limits,
    keep_work_dirs: bool,
    cgroup_parent: String,
    output_cap: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            state_dir: default_state_dir(),
            stop_grace: Duration::from_secs(10),
            limits: Limits::default(),
            keep_work_dirs: false,
            cgroup_parent: "workernator".to_owned(),
            output_cap: crate::output_log::DEFAULT_OUTPUT_CAP,
        }
    }
}

/// `$WORKERNATOR_STATE_DIR`, else `/var/lib/workernator` for root, else
/// `$XDG_STATE_HOME/workernator` or `~/.local/state/workernator`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/workernator");
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir).join("workernator");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".local/state/workernator")
}

impl Config {
    /// Uses `dir` as the state directory (created with mode 0700 if missing).
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = dir.into();
        self
    }

    /// How long a stopped job gets between SIGTERM and SIGKILL.
    pub fn stop_grace(mut self, grace: Duration) -> Self {
        self.stop_grace = grace;
        self
    }

    /// Resource limits for jobs started without their own.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps each job's work directory after it ends, for debugging.
    pub fn keep_work_dirs(mut self, keep: bool) -> Self {
        self.keep_work_dirs = keep;
        self
    }

    /// The cgroup (relative to each hierarchy's root) under which every job gets
    /// its own; `workernator` by default. On cgroup v2 without root, name a subtree
    /// delegated to you.
    pub fn cgroup_parent(mut self, parent: impl Into<String>) -> Self {
        self.cgroup_parent = parent.into();
        self
    }

    /// Keeps at most `bytes` of each job's stdout and stderr in its log (default
    /// 1 GiB). Past the cap a system record says the output was truncated, and
    /// the rest is read from the job and dropped: the job never waits on its log.
    ///
    /// ```
    /// let config = workernator::Config::default().output_cap(64 << 20);
    /// assert_eq!(config.output_cap_bytes(), 64 << 20);
    /// ```
    pub fn output_cap(mut self, bytes: u64) -> Self {
        self.output_cap = bytes;
        self
    }

    /// The most bytes of output kept per job.
    pub fn output_cap_bytes(&self) -> u64 {
        self.output_cap
    }

    /// The cgroup parent of jobs.
    pub fn cgroup_parent_path(&self) -> &str {
        &self.cgroup_parent
    }

    /// The state directory.
    pub fn state_dir_path(&self) -> &Path {
        &self.state_dir
    }

    /// The stop grace period.
    pub fn stop_grace_period(&self) -> Duration {
        self.stop_grace
    }

    /// The default limits.
    pub fn default_limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks the cgroup parent: relative, and made of `[A-Za-z0-9_.-]` segments.
    pub(crate) fn valid_cgroup_parent(&self) -> bool {
        !self.cgroup_parent.is_empty()
            && self.cgroup_parent.split('/').all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            })
    }

    pub(crate) fn keeps_work_dirs(&self) -> bool {
        self.keep_work_dirs
    }
}
