//! Bringing the state directory back in line with reality: a job whose
//! supervisor is gone is marked lost, and what is left of it is killed and removed.

use crate::model::id::JobId;
use crate::model::outcome::ExitReason;
use crate::state::{
    self, JobLock, JobPaths, JobSpec, JobStatus, LockAttempt, StateDir, StateError,
};
use std::fs;
use std::io;

/// What reconciling one job found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reconciled {
    /// Its supervisor holds the lock: nothing to do.
    Live,
    /// It had already finished (its supervisor died after recording the end).
    Finished,
    /// Its supervisor was gone: marked lost and cleaned up.
    MarkedLost,
    /// It never got past creation (no spec): removed.
    Removed,
    /// Its files are corrupt: left for a person to look at.
    Corrupt,
    /// Queued for admission: waiting, as it should.
    Queued,
}

/// Each job's id and what reconciling it found (or why it could not be done).
pub(crate) type ReconcileReport = Vec<(JobId, Result<Reconciled, StateError>)>;

/// Reconciles every job with an active marker. Errors on one job do not stop the
/// others; they are returned with the job's id.
pub(crate) fn reconcile_all(state: &StateDir) -> Result<ReconcileReport, StateError> {
    let results = StateDir::ids_in(&state.active_dir())?
        .into_iter()
        .map(|id| {
            let result = reconcile(&state.job(&id));
            (id, result)
        })
        .collect();
    Ok(results)
}

/// Reconciles every job as a runner opens the state directory: returns the
/// ids of the jobs found queued and of those found live. A job that cannot be
/// reconciled is logged and left as it is.
pub(crate) fn on_open(state: &StateDir) -> Result<(Vec<JobId>, Vec<JobId>), StateError> {
    let mut queued = Vec::new();
    let mut live = Vec::new();
    for (id, result) in reconcile_all(state)? {
        match result {
            Ok(Reconciled::Queued) => queued.push(id),
            Ok(Reconciled::Live) => live.push(id),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(job = %id, error = %crate::sys::error_chain(&error), "cannot reconcile job");
            }
        }
    }
    Ok((queued, live))
}

/// Reconciles one job: if nobody holds its lock and it is not finished, its
/// supervisor is gone, so it is marked lost and cleaned up.
pub(crate) fn reconcile(paths: &JobPaths) -> Result<Reconciled, StateError> {
    let lock = match JobLock::try_take(paths)? {
        LockAttempt::Taken(lock) => lock,
        LockAttempt::Held => return Ok(Reconciled::Live),
        LockAttempt::Missing => return Ok(Reconciled::Finished),
    };
    if !paths.dir().exists() {
        // Its directory was removed from under it (the lock is created in
        // it, so a starter never leaves a marker without one).
        paths.clear_active()?;
        return Ok(Reconciled::Removed);
    }
    let status = match state::read_locked::<JobStatus>(&paths.status()) {
        Ok(status) => Some(status),
        Err(StateError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => None,
        Err(StateError::Corrupt { .. }) => return Ok(Reconciled::Corrupt),
        Err(error) => return Err(error),
    };
    if let Some(status) = &status {
        if status.state.is_finished() {
            paths.clear_active()?;
            return Ok(Reconciled::Finished);
        }
        if status.never_started() {
            // Waiting for admission: no supervisor yet, by design.
            return Ok(Reconciled::Queued);
        }
    }
    let spec = match state::read_json::<JobSpec>(&paths.spec()) {
        Ok(spec) => spec,
        Err(StateError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            // The starter died before the job was fully recorded: it never existed
            // for anyone, so it goes without a trace.
            fs::remove_dir_all(paths.dir())
                .map_err(|source| StateError::io("remove", paths.dir(), source))?;
            paths.clear_active()?;
            drop(lock);
            return Ok(Reconciled::Removed);
        }
        Err(StateError::Corrupt { .. }) => return Ok(Reconciled::Corrupt),
        Err(error) => return Err(error),
    };
    let status = status.unwrap_or_else(|| {
        JobStatus::starting(
            spec.id.clone(),
            spec.job_type.clone(),
            spec.attempt,
            spec.created_at,
        )
    });
    let reason = if status.supervisor_pid.is_some() {
        "its supervisor ended without recording how the job ended"
    } else {
        "its starter or its supervisor ended before the supervisor recorded itself"
    };
    mark_lost(paths, &spec, status, reason)?;
    drop(lock);
    Ok(Reconciled::MarkedLost)
}

/// Marks a job that never started as lost, with `reason`, if it still has not
/// started once its lock is taken (a stop, say, may have ended it meanwhile).
/// Does nothing while someone else holds the lock.
pub(crate) fn mark_unstarted_lost(paths: &JobPaths, reason: &str) -> Result<(), StateError> {
    let lock = match JobLock::try_take(paths)? {
        LockAttempt::Taken(lock) => lock,
        LockAttempt::Held | LockAttempt::Missing => return Ok(()),
    };
    let status: JobStatus = state::read_locked(&paths.status())?;
    if !status.never_started() {
        return Ok(());
    }
    let spec: JobSpec = state::read_json(&paths.spec())?;
    mark_lost(paths, &spec, status, reason)?;
    drop(lock);
    Ok(())
}

/// Kills whatever is left in the job's cgroup, removes it, empties the work dir, and
/// records the job as lost. The caller holds the job's lock.
fn mark_lost(
    paths: &JobPaths,
    spec: &JobSpec,
    mut status: JobStatus,
    reason: &str,
) -> Result<(), StateError> {
    let mut reason = reason.to_owned();
    // A rootless job without a cgroup died with its supervisor (its sandbox's
    // init has a parent-death signal, and takes its pid namespace with it).
    let cgroup = match crate::host::cgroup::without_cgroup(spec) {
        true => Ok(None),
        false => crate::host::cgroup::cgroup_root(spec)
            .and_then(|root| root.open(&spec.cgroup_parent, spec.id.as_str())),
    };
    match cgroup {
        Ok(Some(cgroup)) => {
            if let Err(error) = cgroup.kill_all().and_then(|()| cgroup.remove()) {
                reason.push_str(&format!(
                    "; cleaning up its cgroup failed: {}",
                    crate::sys::error_chain(&error)
                ));
            }
        }
        Ok(None) => {}
        Err(error) => reason.push_str(&format!(
            "; its cgroup could not be checked: {}",
            crate::sys::error_chain(&error)
        )),
    }
    if !spec.keep_work_dir {
        if let Err(error) = paths.empty_work() {
            reason.push_str(&format!("; its work dir could not be emptied: {error}"));
        }
    }
    status.finish(ExitReason::Lost { reason });
    state::write_in_place(&paths.status(), &status)?;
    paths.clear_active()
}
