//! Pruning finished jobs' records by age and count.

use crate::app::config::Retention;
use crate::state::{StateDir, StateError};
use std::fs;
use std::time::{Duration, SystemTime};

/// How long a job directory without a status (nor active marker) may be
/// being created: a starter creates the directory and the lock in it, then
/// links the active marker, microseconds apart. Older, it was abandoned.
const CREATION_GRACE: Duration = Duration::from_secs(60);

/// Removes finished jobs beyond `retention`. A job is finished when it has no
/// lock file (`<state>/active/<id>`); its age is its status file's modification
/// time, which is when its end was recorded. Only metadata is read, so this
/// stays fast with many jobs.
pub(crate) fn prune(state: &StateDir, retention: Retention) -> Result<usize, StateError> {
    if retention.max_age_limit().is_none() && retention.max_finished_jobs().is_none() {
        return Ok(0);
    }
    let jobs_dir = state.jobs_dir();
    let active_dir = state.active_dir();
    let entries =
        fs::read_dir(&jobs_dir).map_err(|source| StateError::io("read", &jobs_dir, source))?;
    let mut finished: Vec<(SystemTime, std::path::PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| StateError::io("read", &jobs_dir, source))?;
        let name = entry.file_name();
        if name
            .to_str()
            .and_then(|name| name.parse::<crate::model::id::JobId>().ok())
            .is_none()
        {
            continue;
        }
        if active_dir.join(&name).exists() {
            continue;
        }
        // No status: either being created (its active marker comes a moment
        // after the directory, so a recent one is left alone) or abandoned
        // before it was recorded; the latter count as oldest.
        let finished_at = match fs::metadata(entry.path().join("status.json")) {
            Ok(meta) => meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            Err(_) if being_created(&entry.path()) => continue,
            Err(_) => SystemTime::UNIX_EPOCH,
        };
        finished.push((finished_at, entry.path()));
    }
    finished.sort_by_key(|(finished_at, _)| std::cmp::Reverse(*finished_at));
    let now = SystemTime::now();
    let mut removed = 0;
    for (index, (finished_at, dir)) in finished.iter().enumerate() {
        let too_many = retention
            .max_finished_jobs()
            .is_some_and(|max| index >= max);
        let too_old = retention.max_age_limit().is_some_and(|age| {
            now.duration_since(*finished_at)
                .is_ok_and(|elapsed| elapsed > age)
        });
        if too_many || too_old {
            fs::remove_dir_all(dir).map_err(|source| StateError::io("remove", dir, source))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether the job directory `dir`, which has no status, changed within
/// [`CREATION_GRACE`] (or cannot be looked at: left alone then).
fn being_created(dir: &std::path::Path) -> bool {
    fs::metadata(dir)
        .and_then(|meta| meta.modified())
        .map_or(true, |modified| {
            modified
                .elapsed()
                .map_or(true, |elapsed| elapsed < CREATION_GRACE)
        })
}

#[cfg(test)]
mod tests;
