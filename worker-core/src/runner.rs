//! The runner: opens the state directory and starts jobs.

use crate::config::Config;
use crate::error::{OpenError, StartError};
use crate::handle::JobHandle;
use crate::id::JobId;
use crate::job::Job;
use crate::launch::{self, SupervisorProcess};
use crate::registry;
use crate::role;
use crate::state::{self, JobSpec, JobStatus, StateDir, Timestamp};
use std::sync::{Arc, Mutex};

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
    /// Supervisors this process started and has not reaped yet.
    children: Mutex<Vec<Arc<SupervisorProcess>>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("state_dir", &self.inner.state.root())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// Opens (creating if needed) the state directory of `config`.
    ///
    /// # Errors
    ///
    /// [`OpenError::DuplicateJobName`] if two job types of the program share a name;
    /// [`OpenError::State`] if the state directory cannot be created or written.
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
        Ok(Runner {
            inner: Arc::new(RunnerInner {
                config,
                state,
                children: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The runner's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Starts `job` in a new sandbox and returns its handle at once; the sandbox
    /// is set up in the background by the job's supervisor.
    ///
    /// # Errors
    ///
    /// See [`StartError`]: nothing is left behind when `start` fails.
    pub fn start<J: Job>(&self, job: J) -> Result<JobHandle<J>, StartError> {
        if !role::init_called() {
            return Err(StartError::InitNotCalled);
        }
        if role::inside_workernator() {
            return Err(StartError::InsideSupervisor);
        }
        if registry::find(J::NAME).is_none() {
            return Err(StartError::NotRegistered { name: J::NAME });
        }
        self.reap_finished();
        let args = serde_json::to_value(&job).map_err(StartError::Encode)?;
        let id = JobId::generate().map_err(StartError::Id)?;
        let paths = self.inner.state.job(&id);
        let created_at = Timestamp::now();
        let spec = JobSpec {
            format: JobSpec::FORMAT,
            id: id.clone(),
            job_type: J::NAME.to_owned(),
            args,
            limits: self.inner.config.default_limits().clone(),
            stop_grace_ms: u64::try_from(self.inner.config.stop_grace_period().as_millis())
                .unwrap_or(u64::MAX),
            state_dir: self.inner.state.root().to_owned(),
            keep_work_dir: self.inner.config.keeps_work_dirs(),
            cgroup_parent: self.inner.config.cgroup_parent_path().to_owned(),
            attempt: 1,
            created_at,
            output_cap_bytes: self.inner.config.output_cap_bytes(),
        };
        let status = JobStatus::starting(id.clone(), J::NAME.to_owned(), 1, created_at);
        let recorded = paths
            .create()
            .and_then(|()| state::write_json_atomic(&paths.spec(), &spec))
            .and_then(|()| state::write_json_atomic(&paths.status(), &status));
        if let Err(error) = recorded {
            let _ = std::fs::remove_dir_all(paths.dir());
            return Err(StartError::State(error));
        }
        let supervisor = match launch::spawn_supervisor(paths.dir()) {
            Ok(supervisor) => Arc::new(supervisor),
            Err(source) => {
                let _ = std::fs::remove_dir_all(paths.dir());
                return Err(StartError::Spawn { id, source });
            }
        };
        if let Ok(mut children) = self.inner.children.lock() {
            children.push(Arc::clone(&supervisor));
        }
        Ok(JobHandle::new(id, paths, Some(supervisor)))
    }

    /// The files of job `id` in this runner's state directory.
    pub(crate) fn job_paths(&self, id: &JobId) -> crate::state::JobPaths {
        self.inner.state.job(id)
    }

    /// Reaps supervisors that have exited, so none lingers as a zombie.
    fn reap_finished(&self) {
        if let Ok(mut children) = self.inner.children.lock() {
            children.retain(|child| !matches!(child.try_reap(), Ok(true)));
        }
    }
}

impl Drop for RunnerInner {
    fn drop(&mut self) {
        if let Ok(children) = self.children.get_mut() {
            children.retain(|child| !matches!(child.try_reap(), Ok(true)));
        }
    }
}
