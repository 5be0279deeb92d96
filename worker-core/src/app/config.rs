//! How a runner is set up.

use crate::model::limits::Limits;
use crate::model::sandbox::{BindMount, JobUser, NetworkMode};
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
    tie_jobs: bool,
    retention: Option<Retention>,
    capacity: Option<Capacity>,
    owner_weights: Vec<(String, std::num::NonZeroU32)>,
    output_cap: u64,
    rootless_limits: crate::model::rootless::RootlessLimits,
    /// Network, user, binds, root, tmpfs sizes, rlimits.
    pub(crate) sandbox: crate::model::sandbox::SandboxSpec,
}

/// How much a runner runs at once; jobs beyond it wait, queued, and start in
/// fair order across owners as running ones end.
///
/// ```
/// let capacity = workernator::config::Capacity::jobs(8).cpu_cores(4.0).memory_bytes(16 << 30);
/// assert_eq!(capacity.max_running(), 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    max_running: u64,
    cpu_cores: Option<f64>,
    memory_bytes: Option<u64>,
}

impl Capacity {
    /// At most `max_running` jobs at once.
    pub fn jobs(max_running: u64) -> Capacity {
        Capacity {
            max_running,
            cpu_cores: None,
            memory_bytes: None,
        }
    }

    /// The running jobs' cpu limits add up to at most `cores`.
    pub fn cpu_cores(mut self, cores: f64) -> Capacity {
        self.cpu_cores = Some(cores);
        self
    }

    /// The running jobs' memory limits add up to at most `bytes`.
    pub fn memory_bytes(mut self, bytes: u64) -> Capacity {
        self.memory_bytes = Some(bytes);
        self
    }

    /// Most jobs running at once.
    pub fn max_running(&self) -> u64 {
        self.max_running
    }

    pub(crate) fn to_admission(self) -> crate::admission::Capacity {
        let mut capacity = crate::admission::Capacity::jobs(self.max_running);
        if let Some(cores) = self.cpu_cores {
            capacity = capacity.cpu_millicores((cores.max(0.0) * 1000.0) as u64);
        }
        if let Some(bytes) = self.memory_bytes {
            capacity = capacity.memory_bytes(bytes);
        }
        capacity
    }
}

/// How long finished jobs' records are kept; pruned when a runner opens.
///
/// ```
/// use std::time::Duration;
/// let retention = workernator::config::Retention::default().max_age(Duration::from_secs(3600)).max_finished(100);
/// assert_eq!(retention.max_finished_jobs(), Some(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    max_age: Option<Duration>,
    max_finished: Option<usize>,
}

impl Default for Retention {
    /// Finished jobs are kept for 7 days.
    fn default() -> Self {
        Retention {
            max_age: Some(Duration::from_secs(7 * 24 * 3600)),
            max_finished: None,
        }
    }
}

impl Retention {
    /// Removes finished jobs older than `age` (by when they finished).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// Keeps at most `count` finished jobs, the newest.
    pub fn max_finished(mut self, count: usize) -> Self {
        self.max_finished = Some(count);
        self
    }

    /// The age limit.
    pub fn max_age_limit(&self) -> Option<Duration> {
        self.max_age
    }

    /// The count limit.
    pub fn max_finished_jobs(&self) -> Option<usize> {
        self.max_finished
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            state_dir: default_state_dir(),
            stop_grace: Duration::from_secs(10),
            limits: Limits::default(),
            keep_work_dirs: false,
            cgroup_parent: "workernator".to_owned(),
            tie_jobs: false,
            retention: Some(Retention::default()),
            capacity: None,
            owner_weights: Vec::new(),
            sandbox: crate::model::sandbox::SandboxSpec::default(),
            output_cap: crate::model::limits::DEFAULT_OUTPUT_CAP,
            rootless_limits: crate::model::rootless::RootlessLimits::default(),
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

    /// Keeps what each job left in its work directory after it ends, for
    /// debugging. Otherwise the directory is emptied when the job ends (the
    /// empty directory stays, and goes with the job's directory when
    /// retention removes the job).
    pub fn keep_work_dirs(mut self, keep: bool) -> Self {
        self.keep_work_dirs = keep;
        self
    }

    /// The cgroup (relative to each hierarchy's root) under which every job gets
    /// its own; `workernator` by default. Without root (rootless mode) it is
    /// relative to the cgroup v2 subtree delegated to the user instead.
    pub fn cgroup_parent(mut self, parent: impl Into<String>) -> Self {
        self.cgroup_parent = parent.into();
        self
    }

    /// Whether jobs stop when the application that started them exits (or when
    /// [`Runner::shutdown`](crate::Runner::shutdown) is called). By default they
    /// do not: they run on under their supervisors, and a restarted application
    /// attaches to them.
    pub fn tie_jobs_to_application(mut self, tie: bool) -> Self {
        self.tie_jobs = tie;
        self
    }

    /// Whether jobs are tied to the application.
    pub fn ties_jobs_to_application(&self) -> bool {
        self.tie_jobs
    }

    /// Limits what runs at once; without it every job starts at once.
    pub fn capacity(mut self, capacity: Capacity) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// The capacity, if any.
    pub fn capacity_limit(&self) -> Option<Capacity> {
        self.capacity
    }

    /// Gives `owner` `weight` shares of the capacity (default 1 each).
    pub fn owner_weight(mut self, owner: impl Into<String>, weight: std::num::NonZeroU32) -> Self {
        self.owner_weights.push((owner.into(), weight));
        self
    }

    pub(crate) fn owner_weights(&self) -> &[(String, std::num::NonZeroU32)] {
        &self.owner_weights
    }

    /// How long finished jobs are kept (`None`: forever).
    pub fn retention(mut self, retention: Option<Retention>) -> Self {
        self.retention = retention;
        self
    }

    /// The retention policy.
    pub fn retention_policy(&self) -> Option<Retention> {
        self.retention
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

    /// What to do, when running without root, with jobs whose limits
    /// cannot be enforced because no cgroup v2 subtree with the controllers
    /// they need is delegated to the user: refuse them (the default), or run
    /// them unlimited with `limits_enforced: false` in their status.
    pub fn rootless_limits(mut self, policy: crate::model::rootless::RootlessLimits) -> Self {
        self.rootless_limits = policy;
        self
    }

    /// The policy for rootless jobs whose limits cannot be enforced.
    pub fn rootless_limits_policy(&self) -> crate::model::rootless::RootlessLimits {
        self.rootless_limits
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

    /// The network of jobs ([`NetworkMode::None`] unless set).
    pub fn network(mut self, network: NetworkMode) -> Self {
        self.sandbox.network = network;
        self
    }

    /// The user jobs' code runs as ([`JobUser::NOBODY`] unless set).
    pub fn job_user(mut self, user: JobUser) -> Self {
        self.sandbox.user = user;
        self
    }

    /// A bind mount every job gets.
    pub fn bind(mut self, bind: BindMount) -> Self {
        self.sandbox.binds.push(bind);
        self
    }

    /// Builds every sandbox's read-only root from all the entries of `dir`
    /// instead of what programs need of the host's `/`.
    pub fn root_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.sandbox.root_dir = Some(dir.into());
        self
    }

    /// Size of each job's `/tmp` tmpfs, in bytes (default 256 MiB); what it
    /// holds also counts against the job's memory limit.
    pub fn tmp_size_bytes(mut self, bytes: u64) -> Self {
        self.sandbox.tmp_size_bytes = bytes;
        self
    }

    /// Size of each job's `/dev/shm` tmpfs, in bytes (default 64 MiB).
    pub fn shm_size_bytes(mut self, bytes: u64) -> Self {
        self.sandbox.shm_size_bytes = bytes;
        self
    }

    /// Most files a job's process may have open (`RLIMIT_NOFILE`, default 1024).
    pub fn open_files_max(mut self, files: u64) -> Self {
        self.sandbox.open_files_max = files;
        self
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
