//! The runner's admission: jobs beyond its capacity wait, queued in the state
//! directory, and start in fair order as running ones end.
//!
//! A runner with a [`Capacity`](crate::config::Capacity) keeps a [`Scheduler`] and one
//! thread. `start` records the job as queued (spec and status written, its lock
//! file present but unheld) and wakes the thread; the thread starts what the
//! scheduler admits, watches the supervisors it started through their pidfds,
//! and tells the scheduler when each ends. Queued jobs survive the application:
//! `Runner::open` puts them back in the queue in the order they were created.
//! While the application is down nothing is admitted; a delayed job that came
//! due meanwhile starts on open.

use crate::admission::{Capacity, Millis, Request, Scheduler, SystemClock};
use crate::app::config::Config;
use crate::app::error::OpenError;
use crate::launcher::{self, SupervisorProcess};
use crate::model::id::JobId;
use crate::state::{
    self, JobLock, JobPaths, JobSpec, JobStatus, LockAttempt, StateDir, StateError,
};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::eventfd::{EfdFlags, EventFd};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How often jobs started by another process are checked (they have no pidfd
/// this process can wait on until their supervisor announced itself).
const FOREIGN_CHECK: Duration = Duration::from_millis(500);

/// What the admission thread needs from the runner to start the supervisors
/// of queued jobs.
pub(crate) struct Starter {
    pub(crate) state: StateDir,
    pub(crate) children: Arc<Mutex<Vec<Arc<SupervisorProcess>>>>,
    pub(crate) application: Option<OwnedFd>,
    /// The runner's fork server.
    pub(crate) fork_server: Arc<crate::launcher::LauncherClient>,
}

/// A job the thread watches until it ends.
enum Watched {
    /// Its supervisor is our child.
    Child(Arc<SupervisorProcess>),
    /// Its lock is held by another process: a supervisor found running on
    /// open, or, for a moment, a copy of the lock's descriptor in a child that
    /// some process was starting when the lock was open (a spawned child holds
    /// every descriptor of its parent until it execs). Which one it was shows
    /// once the lock is free: see [`Admission::settle`].
    Foreign(JobPaths),
}

/// What became of an attempt to start a queued job.
enum QueuedStart {
    Started(Arc<SupervisorProcess>),
    /// Someone else holds its lock: watch it until they let go.
    Busy,
    /// Nothing to do: finished, stopped, or already started by someone else.
    Gone,
}

/// A runner's admission control.
pub(crate) struct Admission {
    scheduler: Mutex<Scheduler<JobId, SystemClock>>,
    wake: EventFd,
    stopping: AtomicBool,
}

impl Admission {
    pub(crate) fn new(capacity: Capacity) -> std::io::Result<Arc<Admission>> {
        Ok(Arc::new(Admission {
            scheduler: Mutex::new(Scheduler::new(capacity, SystemClock)),
            wake: EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?,
            stopping: AtomicBool::new(false),
        }))
    }

    /// The admission of a runner opening `state` under `config`: a scheduler
    /// with the jobs found `live` and `queued` on open put back (queued ones
    /// in the order they were created), and its thread, started when there is
    /// a capacity or a job left queued; `None` when there is neither.
    pub(crate) fn open(
        config: &Config,
        state: &StateDir,
        queued: Vec<JobId>,
        live: Vec<JobId>,
        starter: impl FnOnce() -> Result<Starter, OpenError>,
    ) -> Result<Option<Arc<Admission>>, OpenError> {
        // Without a capacity, jobs left queued (by a runner that had one) start now.
        let capacity = config
            .capacity_limit()
            .map(|capacity| capacity.to_admission());
        let admission =
            Admission::new(capacity.unwrap_or(crate::admission::Capacity::jobs(u64::MAX)))
                .map_err(|source| OpenError::State(StateError::io("create", "eventfd", source)))?;
        {
            let mut scheduler = admission.scheduler();
            for (owner, weight) in config.owner_weights() {
                scheduler.set_weight(owner, *weight);
            }
            for (_, id, request) in stored_requests(state, &live) {
                let _ = scheduler.restore_running(id, request);
            }
            for (_, id, request) in stored_requests(state, &queued) {
                if let Err(error) = scheduler.enqueue(id.clone(), request) {
                    tracing::warn!(job = %id, %error, "cannot queue job again");
                }
            }
        }
        Ok(if capacity.is_some() || !queued.is_empty() {
            admission
                .spawn_thread(
                    starter()?,
                    if capacity.is_some() { live } else { Vec::new() },
                )
                .map_err(|source| {
                    OpenError::State(StateError::io("start", "the admission thread", source))
                })?;
            Some(admission)
        } else {
            None
        })
    }

    pub(crate) fn scheduler(&self) -> MutexGuard<'_, Scheduler<JobId, SystemClock>> {
        // A panic while holding it cannot leave the scheduler half-updated in a
        // way that matters more than stopping admission would.
        self.scheduler
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes the thread look again (a job was queued, or admission resumed).
    pub(crate) fn wake(&self) {
        let _ = self.wake.write(1);
    }

    /// Ends the thread.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// A watched job's supervisor has exited or its lock is free: it no longer
    /// counts as running. If it never started (its status still queued, with
    /// no supervisor), it goes back in the queue when the lock was only held
    /// by someone else for a while, and is marked lost when our own supervisor
    /// exited without starting it (retrying that could loop forever).
    fn settle(&self, state: &StateDir, id: &JobId, our_supervisor: bool) {
        self.scheduler().finished(id);
        let paths = state.job(id);
        match state::read_locked::<JobStatus>(&paths.status()) {
            Ok(status) if status.never_started() => {}
            _ => return,
        }
        if our_supervisor {
            if let Err(error) = crate::app::reconcile::mark_unstarted_lost(
                &paths,
                "its supervisor exited before starting it (see supervisor.log in the job's directory)",
            ) {
                tracing::warn!(job = %id, error = %crate::sys::error_chain(&error), "cannot record a job as lost");
            }
            return;
        }
        for (_, id, request) in stored_requests(state, std::slice::from_ref(id)) {
            if let Err(error) = self.scheduler().enqueue(id.clone(), request) {
                tracing::warn!(job = %id, %error, "cannot queue job again");
            }
        }
    }

    /// Starts the admission thread, which watches `running` (jobs found
    /// running on open) besides the ones it starts.
    pub(crate) fn spawn_thread(
        self: &Arc<Self>,
        starter: Starter,
        running: Vec<JobId>,
    ) -> std::io::Result<()> {
        let admission = Arc::clone(self);
        let watched = running
            .into_iter()
            .map(|id| {
                let paths = starter.state.job(&id);
                (id, Watched::Foreign(paths))
            })
            .collect();
        std::thread::Builder::new()
            .name("workernator-admission".into())
            .spawn(move || admission.run(starter, watched))
            .map(drop)
    }

    fn run(&self, starter: Starter, mut watched: Vec<(JobId, Watched)>) {
        let mut next_foreign_check = std::time::Instant::now();
        while !self.stopping.load(Ordering::SeqCst) {
            let now = std::time::Instant::now();
            let check_foreign = now >= next_foreign_check;
            if check_foreign {
                next_foreign_check = now + FOREIGN_CHECK;
            }
            watched.retain(|(id, job)| {
                let ended = match job {
                    // The pidfd says when the supervisor exits (whoever reaps
                    // it), and wakes the poll below.
                    Watched::Child(child) => matches!(child.try_reap(), Ok(true)),
                    Watched::Foreign(paths) => {
                        check_foreign && !matches!(JobLock::try_take(paths), Ok(LockAttempt::Held))
                    }
                };
                if ended {
                    self.settle(&starter.state, id, matches!(job, Watched::Child(_)));
                }
                !ended
            });
            loop {
                let admitted = self.scheduler().next_admission();
                let Some(admitted) = admitted else { break };
                match start_queued(&starter, &admitted.id) {
                    Ok(QueuedStart::Started(child)) => {
                        watched.push((admitted.id, Watched::Child(child)));
                    }
                    Ok(QueuedStart::Busy) => {
                        let paths = starter.state.job(&admitted.id);
                        watched.push((admitted.id, Watched::Foreign(paths)));
                    }
                    Ok(QueuedStart::Gone) => {
                        self.scheduler().finished(&admitted.id);
                    }
                    Err(error) => {
                        tracing::warn!(job = %admitted.id, error = %crate::sys::error_chain(&error), "cannot start queued job");
                        self.scheduler().finished(&admitted.id);
                    }
                }
            }
            let mut timeout = self.scheduler().next_wakeup().map(|due| {
                let now = Millis(crate::model::time::Timestamp::now().as_millis());
                Duration::from_millis(due.0.saturating_sub(now.0))
            });
            // Our own supervisors wake the poll through their pidfds; only jobs
            // watched through their lock need looking at now and then.
            if watched
                .iter()
                .any(|(_, job)| matches!(job, Watched::Foreign(_)))
            {
                timeout = Some(timeout.map_or(FOREIGN_CHECK, |t| t.min(FOREIGN_CHECK)));
            }
            if tracing::enabled!(tracing::Level::DEBUG) {
                let scheduler = self.scheduler();
                let usage = scheduler.usage();
                tracing::debug!(
                    running = scheduler.running_len(),
                    queued = scheduler.queued_len(),
                    watched = watched.len(),
                    cpu_millicores = usage.cpu_millicores,
                    memory_bytes = usage.memory_bytes,
                    "admission waits"
                );
            }
            let mut fds: Vec<PollFd<'_>> = vec![PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
            for (_, job) in &watched {
                if let Watched::Child(child) = job {
                    fds.push(PollFd::new(child.pidfd(), PollFlags::POLLIN));
                }
            }
            let timeout = match timeout {
                None => PollTimeout::NONE,
                Some(wait) => PollTimeout::try_from(wait.as_millis().min(60_000) as i32 + 1)
                    .unwrap_or(PollTimeout::MAX),
            };
            let _ = poll(&mut fds, timeout);
            drop(fds);
            let _ = self.wake.read();
        }
    }
}

/// Starts the supervisor of a queued job, if it is still ours to start: its
/// lock free (no other runner took it) and no stop requested (then it ends as
/// stopped without running).
fn start_queued(starter: &Starter, id: &JobId) -> Result<QueuedStart, StateError> {
    let paths = starter.state.job(id);
    let lock = match JobLock::try_take(&paths)? {
        LockAttempt::Taken(lock) => lock,
        LockAttempt::Held => return Ok(QueuedStart::Busy),
        LockAttempt::Missing => return Ok(QueuedStart::Gone),
    };
    let mut status: JobStatus = state::read_locked(&paths.status())?;
    if !status.never_started() {
        return Ok(QueuedStart::Gone);
    }
    if paths.stop_request().exists() {
        finish_unstarted(&paths, &mut status)?;
        return Ok(QueuedStart::Gone);
    }
    let application: Option<BorrowedFd<'_>> = starter.application.as_ref().map(|fd| fd.as_fd());
    let started = launcher::start_supervisor(&starter.fork_server, &paths, lock, application)
        .map_err(|source| StateError::io("start the supervisor of", paths.dir(), source))?;
    let child = match started {
        launcher::Started::Process(child) => Arc::new(child),
        // No pidfd came back (a lost reply, or no supervisor at all): watched
        // through the lock like any other holder; settled by its status once
        // the lock is free (queued again if nobody started it).
        launcher::Started::Unconfirmed => return Ok(QueuedStart::Busy),
    };
    if let Ok(mut children) = starter.children.lock() {
        children.push(Arc::clone(&child));
    }
    Ok(QueuedStart::Started(child))
}

/// Ends a queued job that never ran as stopped. The caller holds its lock.
pub(crate) fn finish_unstarted(paths: &JobPaths, status: &mut JobStatus) -> Result<(), StateError> {
    status.waiting = None;
    status.next_attempt_at = None;
    status.finish(crate::model::outcome::ExitReason::Stopped);
    state::write_in_place(&paths.status(), status)?;
    // Emptied, not removed (it never ran, so it is empty): no inode freed.
    let _ = paths.empty_work();
    paths.clear_active()
}

/// The spec of a job going to admission: its start time is admission's
/// business, so the supervisor does not wait again.
pub(crate) fn job_spec_queued(mut spec: JobSpec) -> JobSpec {
    spec.not_before = None;
    // It may start after a reboot that changed the layout: its supervisor
    // detects it then.
    spec.cgroup_layout = None;
    spec
}

/// The request stored in a queued job's spec, in creation order, for the jobs
/// `ids`: what `Runner::open` puts back in the queue.
pub(crate) fn stored_requests(
    state: &StateDir,
    ids: &[JobId],
) -> Vec<(crate::model::time::Timestamp, JobId, Request)> {
    let mut requests: Vec<_> = ids
        .iter()
        .filter_map(|id| {
            let spec: crate::state::JobSpec = state::read_json(&state.job(id).spec()).ok()?;
            Some((spec.created_at, id.clone(), spec.request))
        })
        .collect();
    requests.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    requests
}
