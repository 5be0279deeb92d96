//! The runner: opens the state directory and starts, finds and lists jobs.

use crate::app::config::Config;
use crate::app::error::{AttachError, ListError, OpenError, StartError};
use crate::app::handle::JobHandle;
use crate::app::init as role;
use crate::app::list::ListedJob;
use crate::app::queue::{Admission, Starter};
use crate::app::reconcile;
use crate::app::start_options::{Resolved, StartOptions};
use crate::job::Job;
use crate::job::registry;
use crate::launcher::LauncherClient;
use crate::launcher::{Started, SupervisorProcess, start_supervisor};
use crate::logs::error::LogError;
use crate::logs::{LogOptions, Logs};
use crate::model::id::JobId;
use crate::model::time::Timestamp;
use crate::state::{self, JobLock, JobSpec, JobState, JobStatus, StateDir, StateError};
use crate::sys::crash;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The smallest length at which the list of started supervisors is pruned.
const PRUNE_MIN: usize = 64;

/// Starts jobs and keeps track of them, in one state directory.
///
/// ```no_run
/// use workernator::{Config, Job, JobContext, JobError, Run, Runner};
/// use serde::{Deserialize, Serialize};
///
/// /// Adds two numbers.
/// #[derive(Job, Serialize, Deserialize)]
/// struct Add { a: i64, b: i64 }
///
/// impl Run for Add {
///     type Output = i64;
///     fn run(self, _ctx: &JobContext) -> Result<i64, JobError> {
///         Ok(self.a + self.b)
///     }
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     workernator::init();
///     let rt = tokio::runtime::Runtime::new()?;
///     rt.block_on(async {
///         let runner = Runner::open(Config::default())?;
///         let job = runner.start(Add { a: 2, b: 3 })?;
///         assert_eq!(job.wait().await?, 5);
///         Ok(())
///     })
/// }
/// ```
#[derive(Clone)]
pub struct Runner {
    inner: Arc<RunnerInner>,
}

struct RunnerInner {
    config: Config,
    state: StateDir,
    /// Supervisors this process started and has not seen end yet.
    children: Arc<Mutex<Vec<Arc<SupervisorProcess>>>>,
    /// `children` is pruned when it reaches this length (amortized: a start
    /// does not look at every running job).
    prune_at: AtomicUsize,
    /// The fork server that starts this runner's supervisors.
    launcher: Arc<LauncherClient>,
    /// Admission control, when the runner has a capacity.
    admission: Option<Arc<Admission>>,
    /// A pidfd of this process, handed to supervisors of jobs tied to it: it
    /// becomes readable when this process dies, however it dies.
    own_pidfd: Option<std::os::fd::OwnedFd>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("state_dir", &self.inner.state.root())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// Opens (creating if needed) the state directory of `config`, and reconciles
    /// it with reality: every unfinished job whose supervisor is gone is marked
    /// lost, and what is left of it is removed (processes, cgroup, the work
    /// dir's contents). Jobs
    /// whose supervisors live are left running; [`attach`](Runner::attach) to them.
    ///
    /// # Errors
    ///
    /// [`OpenError::DuplicateJobName`] if two job types of the program share a name;
    /// [`OpenError::State`] if the state directory cannot be created or written.
    /// A single job's corrupt files do not make `open` fail.
    pub fn open(config: Config) -> Result<Runner, OpenError> {
        if let Some(clash) = registry::first_clash(registry::JOBS.iter()) {
            return Err(OpenError::DuplicateJobName {
                name: clash.name,
                first: clash.first,
                second: clash.second,
            });
        }
        if !config.valid_cgroup_parent() {
            return Err(OpenError::InvalidCgroupParent {
                parent: config.cgroup_parent_path().to_owned(),
            });
        }
        let state = StateDir::open(config.state_dir_path()).map_err(OpenError::State)?;
        let (queued, live) = reconcile::on_open(&state).map_err(OpenError::State)?;
        if let Some(retention) = config.retention_policy() {
            if let Err(error) = crate::app::retention::prune(&state, retention) {
                tracing::warn!(error = %crate::sys::error_chain(&error), "cannot prune finished jobs");
            }
        }
        let own_pidfd = if config.ties_jobs_to_application() {
            let pidfd = crate::sys::pidfd_open(std::process::id() as i32).map_err(|source| {
                OpenError::State(StateError::io("pidfd_open", "/proc/self", source))
            })?;
            Some(pidfd)
        } else {
            None
        };
        let children = Arc::new(Mutex::new(Vec::new()));
        let fork_server = Arc::new(LauncherClient::default());
        let starter = || -> Result<Starter, OpenError> {
            let application =
                match &own_pidfd {
                    Some(fd) => Some(fd.try_clone().map_err(|source| {
                        OpenError::State(StateError::io("dup", "pidfd", source))
                    })?),
                    None => None,
                };
            Ok(Starter {
                state: state.clone(),
                children: Arc::clone(&children),
                application,
                fork_server: Arc::clone(&fork_server),
            })
        };
        let admission = Admission::open(&config, &state, queued, live, starter)?;
        Ok(Runner {
            inner: Arc::new(RunnerInner {
                config,
                state,
                children,
                prune_at: AtomicUsize::new(PRUNE_MIN),
                launcher: fork_server,
                admission,
                own_pidfd,
            }),
        })
    }

    /// The runner's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Starts `job` in a new sandbox and returns its handle at once; the sandbox
    /// is set up in the background by the job's supervisor. Its limits and
    /// sandbox come from the runner's [`Config`]; to change them for one job,
    /// use [`Runner::start_with`].
    ///
    /// # Errors
    ///
    /// See [`StartError`]: nothing is left behind when `start` fails.
    pub fn start<J: Job>(&self, job: J) -> Result<JobHandle<J>, StartError> {
        self.start_with(job, crate::app::start_options::StartOptions::default())
    }

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
        if !crate::app::init::init_called() {
            return Err(StartError::InitNotCalled);
        }
        if crate::app::init::inside_workernator() {
            return Err(StartError::InsideSupervisor);
        }
        let schedule = options.schedule(&J::SETTINGS);
        let (limits, mut sandbox) = options.resolve(self.config(), &J::SETTINGS);
        limits.validate().map_err(StartError::Limits)?;
        sandbox.validate().map_err(StartError::Options)?;
        let cgroup_parent = self.config().cgroup_parent_path();
        if crate::host::rootless::needed() {
            let policy = self.config().rootless_limits_policy();
            let rootless = crate::host::rootless::plan(cgroup_parent, policy, &limits);
            sandbox.rootless = Some(rootless.map_err(StartError::Limits)?);
        } else {
            crate::host::cgroup::check_enforceable(cgroup_parent, &limits)
                .map_err(StartError::Limits)?;
        }
        let resolved = Resolved {
            limits,
            sandbox,
            schedule,
        };
        self.start_resolved(job, resolved)
    }

    /// Starts `job` with limits and a sandbox already resolved and validated
    /// (by [`Runner::start_with`]).
    pub(crate) fn start_resolved<J: Job>(
        &self,
        job: J,
        resolved: Resolved,
    ) -> Result<JobHandle<J>, StartError> {
        if !role::init_called() {
            return Err(StartError::InitNotCalled);
        }
        if role::inside_workernator() {
            return Err(StartError::InsideSupervisor);
        }
        if registry::find(J::NAME).is_none() {
            return Err(StartError::NotRegistered { name: J::NAME });
        }
        self.reap_finished(false);
        let args = serde_json::to_value(&job).map_err(StartError::Encode)?;
        let id = JobId::generate().map_err(StartError::Id)?;
        let paths = self.inner.state.job(&id);
        let created_at = Timestamp::now();
        let config = &self.inner.config;
        let state_dir = self.inner.state.root();
        let spec = resolved.into_spec(config, state_dir, id.clone(), J::NAME, args, created_at);
        let mut status = JobStatus::starting(id.clone(), J::NAME.to_owned(), 1, created_at);
        crate::host::rootless::describe(&spec, &mut status);
        let admission = self
            .inner
            .admission
            .as_ref()
            .filter(|_| self.inner.config.capacity_limit().is_some());
        if let Some(admission) = admission {
            return self.queue(
                admission,
                crate::app::queue::job_spec_queued(spec),
                &mut status,
            );
        }
        // Recorded first, so the job is never unaccounted for; the supervisor last.
        let lock = state::record_new_job(&paths, &spec, &status).map_err(StartError::State)?;
        let application = self.inner.own_pidfd.as_ref().map(|fd| fd.as_fd());
        let started = match start_supervisor(&self.inner.launcher, &paths, lock, application) {
            Ok(started) => started,
            Err(source) => {
                let _ = std::fs::remove_dir_all(paths.dir());
                let _ = paths.clear_active();
                return Err(StartError::Spawn { id, source });
            }
        };
        crash::point("spawned");
        let supervisor = match started {
            Started::Process(process) => {
                let process = Arc::new(process);
                if let Ok(mut children) = self.inner.children.lock() {
                    children.push(Arc::clone(&process));
                }
                Some(process)
            }
            // Watched through its lock and status, like a job another process started.
            Started::Unconfirmed => None,
        };
        Ok(JobHandle::new(id, paths, supervisor))
    }

    /// Records `spec` as queued and hands it to admission. Holding the scheduler
    /// while the files are written keeps the admission thread from starting
    /// the job before it exists on disk.
    fn queue<J: Job>(
        &self,
        admission: &Arc<Admission>,
        spec: JobSpec,
        status: &mut JobStatus,
    ) -> Result<JobHandle<J>, StartError> {
        let id = spec.id.clone();
        let paths = self.inner.state.job(&id);
        let mut scheduler = admission.scheduler();
        match scheduler.enqueue(id.clone(), spec.request.clone()) {
            Ok(()) => {}
            Err(crate::admission::RefusedError::Duplicate { existing, key, .. }) => {
                drop(scheduler);
                return self
                    .attach::<J>(&existing)
                    .map_err(|error| StartError::Duplicate {
                        key,
                        existing,
                        reason: error.to_string(),
                    });
            }
            Err(refused) => {
                return Err(StartError::NeverFits {
                    reason: refused.to_string(),
                });
            }
        }
        status.state = JobState::Queued;
        status.waiting = scheduler.why_waiting(&id).map(|why| why.to_string());
        let recorded = paths.create_dir().and_then(|()| {
            let lock = JobLock::create(&paths)?;
            paths.create_work()?;
            state::write_json_atomic(&paths.spec(), &spec)?;
            state::write_json_atomic(&paths.status(), status)?;
            // Queued jobs have a lock file nobody holds: the admission thread
            // takes it to start the job.
            drop(lock);
            Ok(())
        });
        if let Err(error) = recorded {
            scheduler.remove(&id);
            let _ = std::fs::remove_dir_all(paths.dir());
            let _ = paths.clear_active();
            return Err(StartError::State(error));
        }
        drop(scheduler);
        admission.wake();
        Ok(JobHandle::new(id, paths, None))
    }

    /// Stops admitting queued jobs; running ones go on to their end.
    pub fn drain(&self) {
        if let Some(admission) = &self.inner.admission {
            admission.scheduler().drain();
        }
    }

    /// Admits queued jobs again after [`drain`](Runner::drain).
    pub fn resume(&self) {
        if let Some(admission) = &self.inner.admission {
            admission.scheduler().resume();
            admission.wake();
        }
    }

    /// Why a queued job waits, as this runner's admission sees it.
    pub fn why_waiting(&self, id: &JobId) -> Option<String> {
        let admission = self.inner.admission.as_ref()?;
        admission
            .scheduler()
            .why_waiting(id)
            .map(|why| why.to_string())
    }

    /// A typed handle on a job started earlier, by this process or another one
    /// (for example before the application restarted).
    ///
    /// # Errors
    ///
    /// [`AttachError::NotFound`] if there is no such job, [`AttachError::WrongType`]
    /// if it is a job of another type, [`AttachError::State`] if its status cannot
    /// be read.
    pub fn attach<J: Job>(&self, id: &JobId) -> Result<JobHandle<J>, AttachError> {
        let paths = self.inner.state.job(id);
        let status: JobStatus = match state::read_locked(&paths.status()) {
            Ok(status) => status,
            Err(StateError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Err(AttachError::NotFound { id: id.clone() });
            }
            Err(error) => return Err(AttachError::State(error)),
        };
        if status.job_type != J::NAME {
            return Err(AttachError::WrongType {
                id: id.clone(),
                expected: J::NAME,
                found: status.job_type,
            });
        }
        let supervisor = self.inner.children.lock().ok().and_then(|children| {
            // A job this process started keeps its reaping pidfd.
            children
                .iter()
                .find(|child| child.job_dir() == paths.dir())
                .cloned()
        });
        Ok(JobHandle::new(id.clone(), paths, supervisor))
    }

    /// The output of job `id` in this runner's state directory, started by this
    /// process or any other, from the first byte, live. See [`Logs`].
    ///
    /// # Errors
    ///
    /// As [`Logs::open`].
    pub fn logs(&self, id: &JobId) -> Result<Logs, LogError> {
        self.logs_with(id, LogOptions::default())
    }

    /// The output of job `id`, read as `options` say. See [`LogOptions`].
    ///
    /// # Errors
    ///
    /// As [`Logs::open`].
    pub fn logs_with(&self, id: &JobId, options: LogOptions) -> Result<Logs, LogError> {
        Logs::open_paths(id.clone(), self.job_paths(id), options)
    }

    /// The status of every job in the state directory, optionally only those in
    /// `state`. Jobs whose files are corrupt are listed as such, with the path.
    ///
    /// # Errors
    ///
    /// The state directory itself cannot be read.
    pub fn list(&self, state: Option<JobState>) -> Result<Vec<ListedJob>, ListError> {
        crate::app::list::list(&self.inner.state, state)
    }

    /// Shuts the runner down: if jobs are tied to the application
    /// ([`Config::tie_jobs_to_application`]), stops every job this runner started
    /// and waits for them; otherwise leaves them running under their supervisors.
    /// Either way, reaps every supervisor that has exited.
    pub async fn shutdown(self) {
        if self.inner.config.ties_jobs_to_application() {
            let children: Vec<_> = self
                .inner
                .children
                .lock()
                .map(|children| children.clone())
                .unwrap_or_default();
            for child in children {
                let _ = crate::sys::pidfd_send_signal(child.pidfd(), libc::SIGTERM);
                let _ = crate::app::handle::wait_for_exit(&child).await;
            }
        }
        self.reap_finished(true);
    }

    /// The files of job `id` in this runner's state directory.
    pub(crate) fn job_paths(&self, id: &JobId) -> crate::state::JobPaths {
        self.inner.state.job(id)
    }

    /// Forgets (and reaps, if they are our children) supervisors that have
    /// exited. Unless `now`, only once the list has doubled since the last time:
    /// a start does not cost a system call per running job. A supervisor spawned
    /// directly (without the launcher) may linger as a zombie until then, or
    /// until its job is waited for.
    fn reap_finished(&self, now: bool) {
        if let Ok(mut children) = self.inner.children.lock() {
            if !now && children.len() < self.inner.prune_at.load(Ordering::Relaxed) {
                return;
            }
            children.retain(|child| !matches!(child.try_reap(), Ok(true)));
            self.inner
                .prune_at
                .store((children.len() * 2).max(PRUNE_MIN), Ordering::Relaxed);
        }
    }
}

impl Drop for RunnerInner {
    fn drop(&mut self) {
        if let Some(admission) = &self.admission {
            admission.stop();
        }
        if let Ok(mut children) = self.children.lock() {
            children.retain(|child| !matches!(child.try_reap(), Ok(true)));
        }
    }
}

#[cfg(test)]
mod tests;
