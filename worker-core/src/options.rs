//! Per-start options ([`StartOptions`], [`Runner::start_with`]) and the
//! sandbox settings they share with [`Config`]: network, user, bind mounts,
//! root directory, tmpfs sizes and rlimits.

use crate::config::Config;
use crate::error::StartError;
use crate::handle::JobHandle;
use crate::job::Job;
use crate::limits::{Limits, LimitsError};
use crate::retry::RetryPolicy;
use crate::runner::Runner;
use crate::settings::JobSettings;
use crate::state::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use worker_isolate::cgroup::CgroupRoot;

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
/// use workernator::BindMount;
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
    pub(crate) rootless: Option<crate::rootless::RootlessSpec>,
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

/// Options for one [`Runner::start_with`]; anything not set comes from the
/// runner's [`Config`].
///
/// ```
/// use workernator::{BindMount, Limits, NetworkMode, StartOptions};
///
/// let options = StartOptions::new()
///     .limits(Limits::default().memory_max_bytes(64 << 20).cpu_max_cores(0.5))
///     .network(NetworkMode::Host)
///     .bind(BindMount::read_only("/usr/share/dict", "/dict"));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    limits: Option<Limits>,
    network: Option<NetworkMode>,
    user: Option<JobUser>,
    binds: Vec<BindMount>,
    root_dir: Option<PathBuf>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    not_before: Option<Timestamp>,
    owner: Option<String>,
    priority: i32,
    unique_key: Option<String>,
}

/// When and how persistently a job runs: resolved from the start's options,
/// then the job type's `#[job(...)]` settings.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) not_before: Option<Timestamp>,
    pub(crate) request: crate::admission::Request,
}

impl StartOptions {
    /// Nothing overridden.
    pub fn new() -> Self {
        StartOptions::default()
    }

    /// The job's limits, instead of the runner's default limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The job's network.
    pub fn network(mut self, network: NetworkMode) -> Self {
        self.network = Some(network);
        self
    }

    /// The user the job's code runs as.
    pub fn user(mut self, user: JobUser) -> Self {
        self.user = Some(user);
        self
    }

    /// How failed attempts are retried, instead of the job type's policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// A wall-clock limit on each attempt, instead of the job type's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Do not start the job before `at`. The wait is kept by the job's
    /// supervisor: it survives the application restarting.
    pub fn run_at(mut self, at: SystemTime) -> Self {
        let millis = at
            .duration_since(UNIX_EPOCH)
            .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        self.not_before = Some(Timestamp::from_millis(millis));
        self
    }

    /// Do not start the job until `delay` from now.
    pub fn delay(self, delay: Duration) -> Self {
        self.run_at(SystemTime::now() + delay)
    }

    /// Who the job is for: owners share the runner's capacity fairly (by the
    /// weights in [`Config::owner_weight`]); jobs without one share the default
    /// owner.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Order among the same owner's queued jobs: higher first, then first come.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// While a job with this key is queued or running, starting another with it
    /// returns the existing job's handle instead.
    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    /// One more bind mount, after the runner's.
    pub fn bind(mut self, bind: BindMount) -> Self {
        self.binds.push(bind);
        self
    }

    /// Builds the sandbox's read-only root from all the entries of `dir`
    /// instead of what programs need of the host's `/` (README, "What the
    /// job can see").
    pub fn root_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root_dir = Some(dir.into());
        self
    }

    /// The schedule for a start with these options of a job type with `settings`.
    pub(crate) fn schedule(&self, settings: &JobSettings) -> Schedule {
        let timeout = self.timeout.or(settings.timeout_limit());
        Schedule {
            retry: self.retry.unwrap_or(settings.retry_policy()),
            timeout_ms: timeout.map(|limit| u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)),
            not_before: self.not_before,
            request: crate::admission::Request {
                owner: self.owner.clone().unwrap_or_default(),
                priority: self.priority,
                not_before: self
                    .not_before
                    .map(|t| crate::admission::Millis(t.as_millis())),
                key: self.unique_key.clone(),
                demand: crate::admission::Demand::default(),
            },
        }
    }

    /// The limits and sandbox for a start with these options under `config`,
    /// for a job type with `settings` (which may ask for the host's network).
    pub(crate) fn resolve(self, config: &Config, settings: &JobSettings) -> (Limits, SandboxSpec) {
        let limits = self
            .limits
            .unwrap_or_else(|| config.default_limits().clone());
        let mut sandbox = config.sandbox.clone();
        if settings.uses_host_network() {
            sandbox.network = NetworkMode::Host;
        }
        if let Some(network) = self.network {
            sandbox.network = network;
        }
        if let Some(user) = self.user {
            sandbox.user = user;
        }
        sandbox.binds.extend(self.binds);
        if let Some(root) = self.root_dir {
            sandbox.root_dir = Some(root);
        }
        (limits, sandbox)
    }
}

/// Sandbox settings of every job a runner starts.
impl Config {
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
}

impl Runner {
    /// Starts `job` like [`Runner::start`], with `options` overriding the
    /// runner's configuration for this job.
    ///
    /// ```no_run
    /// # use workernator::{Job, JobContext, JobError, Run, Runner, Config, Limits, StartOptions};
    /// # use serde::{Deserialize, Serialize};
    /// # /// Sleeps.
    /// # #[derive(Job, Serialize, Deserialize)]
    /// # struct Nap;
    /// # impl Run for Nap {
    /// #     type Output = ();
    /// #     fn run(self, _ctx: &JobContext) -> Result<(), JobError> { Ok(()) }
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # workernator::init();
    /// let runner = Runner::open(Config::default())?;
    /// let small = StartOptions::new().limits(Limits::default().memory_max_bytes(32 << 20));
    /// let job = runner.start_with(Nap, small)?;
    /// # let _ = job;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Runner::start`]; also [`StartError::Limits`] for limits that make
    /// no sense or that this host cannot enforce, and [`StartError::Options`]
    /// for sandbox settings that make no sense. Nothing is started then.
    pub fn start_with<J: Job>(
        &self,
        job: J,
        options: StartOptions,
    ) -> Result<JobHandle<J>, StartError> {
        // As `start_resolved` checks again: these come first, whatever the options.
        if !crate::role::init_called() {
            return Err(StartError::InitNotCalled);
        }
        if crate::role::inside_workernator() {
            return Err(StartError::InsideSupervisor);
        }
        let schedule = options.schedule(&J::SETTINGS);
        let (limits, mut sandbox) = options.resolve(self.config(), &J::SETTINGS);
        limits.validate().map_err(StartError::Limits)?;
        sandbox.validate().map_err(StartError::Options)?;
        if crate::rootless::needed() {
            sandbox.rootless = Some(crate::rootless::plan(self.config(), &limits)?);
        } else {
            check_enforceable(self.config(), &limits)?;
        }
        self.start_resolved(job, limits, sandbox, schedule)
    }
}

/// Refuses limits the host cannot enforce, before anything is recorded.
///
/// Whether a cgroup with some controllers can be made under a parent is
/// looked up on disk (a stat and an access check in each hierarchy, a dozen
/// system calls on cgroup v1) once per process: later starts with the same
/// parent and controllers only validate their limits. The supervisor still
/// makes the cgroup and says so in the job's status if it cannot.
fn check_enforceable(config: &Config, limits: &Limits) -> Result<(), StartError> {
    /// (parent, controllers) found creatable by this process.
    static CREATABLE: std::sync::Mutex<Vec<(String, Vec<&'static str>)>> =
        std::sync::Mutex::new(Vec::new());
    let unenforceable = |source| StartError::Limits(LimitsError::Unenforceable { source });
    let cgroup_limits = limits.to_cgroup();
    let key = (
        config.cgroup_parent_path().to_owned(),
        cgroup_limits.needed_controllers(),
    );
    let mut creatable = CREATABLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if creatable.contains(&key) {
        return cgroup_limits.validate().map_err(unenforceable);
    }
    // The layout found at the first start of this process (see CgroupLayout).
    let root = match crate::state::CgroupLayout::detected() {
        Some(layout) => layout.root(),
        None => CgroupRoot::detect(),
    }
    .map_err(unenforceable)?;
    root.check_can_create(&key.0, &cgroup_limits)
        .map_err(unenforceable)?;
    creatable.push(key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_override_the_config() {
        let config = Config::default()
            .network(NetworkMode::Host)
            .bind(BindMount::read_only("/etc", "/host-etc"))
            .tmp_size_bytes(8 << 20);
        let (limits, sandbox) = StartOptions::new().resolve(&config, &JobSettings::DEFAULT);
        assert_eq!(limits, Limits::default());
        assert_eq!(sandbox.network, NetworkMode::Host);
        assert_eq!(sandbox.tmp_options(), "mode=1777,size=8388608");

        let (limits, sandbox) = StartOptions::new()
            .limits(Limits::unlimited())
            .network(NetworkMode::None)
            .user(JobUser::new(1000, 1000))
            .bind(BindMount::writable("/var/tmp", "/scratch"))
            .root_dir("/")
            .resolve(&config, &JobSettings::DEFAULT);
        assert_eq!(limits, Limits::unlimited());
        assert_eq!(sandbox.network, NetworkMode::None);
        assert_eq!(sandbox.user, JobUser::new(1000, 1000));
        assert_eq!(sandbox.binds.len(), 2, "the runner's bind, then the job's");
        assert_eq!(sandbox.root_dir.as_deref(), Some(Path::new("/")));
        sandbox.validate().unwrap();
    }

    #[test]
    fn bad_binds_are_refused() {
        let reason = |bind: BindMount| {
            let sandbox = SandboxSpec {
                binds: vec![bind],
                ..SandboxSpec::default()
            };
            match sandbox.validate() {
                Err(OptionsError::Bind { reason, .. }) => reason,
                other => panic!("expected a bind error, got {other:?}"),
            }
        };
        assert!(reason(BindMount::read_only("etc", "/x")).contains("absolute"));
        assert!(reason(BindMount::read_only("/no/such/dir", "/x")).contains("does not exist"));
        assert!(reason(BindMount::read_only("/etc", "x")).contains("absolute"));
        assert!(reason(BindMount::read_only("/etc", "/a/../b")).contains("'..'"));
        for reserved in [
            "/",
            "/proc",
            "/proc/sys",
            "/dev/sda",
            "/sys",
            "/tmp",
            "/work",
        ] {
            assert!(
                reason(BindMount::read_only("/etc", reserved)).contains("makes itself"),
                "{reserved}"
            );
        }
        let ok = SandboxSpec {
            binds: vec![
                BindMount::read_only("/etc", "/tmp/etc"),
                BindMount::writable("/var/tmp", "/scratch"),
            ],
            ..SandboxSpec::default()
        };
        ok.validate().unwrap();
    }

    #[test]
    fn bad_settings_are_refused() {
        let root = SandboxSpec {
            root_dir: Some("/no/such/root".into()),
            ..SandboxSpec::default()
        };
        assert!(matches!(root.validate(), Err(OptionsError::RootDir { .. })));
        let tmp = SandboxSpec {
            tmp_size_bytes: 10,
            ..SandboxSpec::default()
        };
        assert!(matches!(tmp.validate(), Err(OptionsError::Setting { .. })));
        let files = SandboxSpec {
            open_files_max: 3,
            ..SandboxSpec::default()
        };
        assert!(matches!(
            files.validate(),
            Err(OptionsError::Setting { .. })
        ));
    }

    #[test]
    fn old_specs_without_a_sandbox_decode_to_defaults() {
        let sandbox: SandboxSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(sandbox, SandboxSpec::default());
        let text = serde_json::to_string(&SandboxSpec::default()).unwrap();
        assert!(text.contains(r#""network":"none""#), "{text}");
    }

    #[test]
    fn a_job_type_asking_for_the_host_network_gets_it_unless_the_start_says_otherwise() {
        let config = Config::default();
        let host = JobSettings::DEFAULT.host_network(true);
        let (_, sandbox) = StartOptions::new().resolve(&config, &host);
        assert_eq!(sandbox.network, NetworkMode::Host);
        let (_, sandbox) = StartOptions::new()
            .network(NetworkMode::None)
            .resolve(&config, &host);
        assert_eq!(sandbox.network, NetworkMode::None);
    }

    #[test]
    fn the_schedule_prefers_the_start_then_the_job_type() {
        let settings = JobSettings::DEFAULT
            .timeout(Duration::from_secs(5))
            .retry(RetryPolicy::NEVER);
        let schedule = StartOptions::new().schedule(&settings);
        assert_eq!(schedule.timeout_ms, Some(5_000));
        assert_eq!(schedule.retry.attempts(), 1);
        assert!(schedule.not_before.is_none());
        let schedule = StartOptions::new()
            .timeout(Duration::from_millis(10))
            .retry(RetryPolicy::DEFAULT.max_attempts(7))
            .delay(Duration::from_secs(60))
            .schedule(&settings);
        assert_eq!(schedule.timeout_ms, Some(10));
        assert_eq!(schedule.retry.attempts(), 7);
        assert!(schedule.not_before.is_some_and(|t| t > Timestamp::now()));
    }
}
