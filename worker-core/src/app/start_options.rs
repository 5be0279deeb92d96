//! Per-start options ([`StartOptions`], for
//! [`Runner::start_with`](crate::Runner::start_with)): what overrides the
//! runner's [`Config`] for one job, and how it resolves against the config
//! and the job type's own settings.

use crate::app::config::Config;
use crate::job::settings::JobSettings;
use crate::model::id::JobId;
use crate::model::limits::Limits;
use crate::model::retry::RetryPolicy;
use crate::model::sandbox::{BindMount, JobUser, NetworkMode, SandboxSpec};
use crate::model::time::Timestamp;
use crate::state::JobSpec;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Options for one [`Runner::start_with`](crate::Runner::start_with); anything not set comes from the
/// runner's [`Config`].
///
/// ```
/// use workernator::{Limits, StartOptions, sandbox::{BindMount, NetworkMode}};
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

/// What a start resolved to: the job's limits, its sandbox and its schedule.
pub(crate) struct Resolved {
    pub(crate) limits: Limits,
    pub(crate) sandbox: SandboxSpec,
    pub(crate) schedule: Schedule,
}

impl Resolved {
    /// The spec of job `id`, of type `job_type` and started with `args`, as a
    /// runner with `config` on the state directory `state_dir` records it.
    pub(crate) fn into_spec(
        self,
        config: &Config,
        state_dir: &Path,
        id: JobId,
        job_type: &str,
        args: serde_json::Value,
        created_at: Timestamp,
    ) -> JobSpec {
        let Resolved {
            limits,
            sandbox,
            schedule,
        } = self;
        let demand = crate::admission::Demand {
            cpu_millicores: limits
                .cpu_max_cores
                .map_or(0, |cores| (cores * 1000.0).ceil() as u64),
            memory_bytes: limits.memory_max_bytes.unwrap_or(0),
        };
        JobSpec {
            format: JobSpec::FORMAT,
            id,
            job_type: job_type.to_owned(),
            args,
            limits,
            stop_grace_ms: u64::try_from(config.stop_grace_period().as_millis())
                .unwrap_or(u64::MAX),
            state_dir: state_dir.to_owned(),
            keep_work_dir: config.keeps_work_dirs(),
            cgroup_parent: config.cgroup_parent_path().to_owned(),
            tied_to_application: config.ties_jobs_to_application(),
            retry: schedule.retry,
            timeout_ms: schedule.timeout_ms,
            not_before: schedule.not_before,
            request: crate::admission::Request {
                demand,
                ..schedule.request
            },
            sandbox,
            attempt: 1,
            created_at,
            output_cap_bytes: config.output_cap_bytes(),
            cgroup_layout: crate::state::CgroupLayout::detected(),
        }
    }
}

#[cfg(test)]
mod tests;
