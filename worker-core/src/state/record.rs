//! Recording a new job in the state directory, in the order that leaves it
//! accounted for whatever point a crash comes at (see `app::reconcile`).

use super::files::write_json_atomic;
use super::{JobLock, JobPaths, StateError};
use serde::Serialize;

/// Records a new job at `paths`, started with `spec` and `status`, and returns
/// its lock, held. The lock comes first (in the new job directory, linked as
/// the active marker once held), then the work directory, the spec and the
/// status. On failure nothing of the job is left.
pub(crate) fn record_new_job(
    paths: &JobPaths,
    spec: &impl Serialize,
    status: &impl Serialize,
) -> Result<JobLock, StateError> {
    paths.create_dir()?;
    let lock = match JobLock::create(paths) {
        Ok(lock) => lock,
        Err(error) => {
            let _ = std::fs::remove_dir_all(paths.dir());
            return Err(error);
        }
    };
    crate::sys::crash::point("locked");
    let recorded = paths
        .create_work()
        .inspect(|()| crate::sys::crash::point("created"))
        .and_then(|()| write_json_atomic(&paths.spec(), spec))
        .inspect(|()| crate::sys::crash::point("spec"))
        .and_then(|()| write_json_atomic(&paths.status(), status))
        .inspect(|()| crate::sys::crash::point("status"));
    if let Err(error) = recorded {
        let _ = std::fs::remove_dir_all(paths.dir());
        let _ = paths.clear_active();
        return Err(error);
    }
    Ok(lock)
}
