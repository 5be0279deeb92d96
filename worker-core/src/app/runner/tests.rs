use super::*;
use crate::app::list::MIN_JOBS_PER_LIST_THREAD;
use crate::model::outcome::ExitReason;
use crate::state::write_json_atomic;

#[test]
fn list_reads_thousands_of_jobs_over_threads_in_directory_order() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::open(Config::default().state_dir(dir.path())).unwrap();
    let state = runner.inner.state.clone();
    // Enough for several threads: every third finished, one corrupt.
    let count = 3 * MIN_JOBS_PER_LIST_THREAD + 7;
    for n in 0..count {
        let id = JobId::generate().unwrap();
        let paths = state.job(&id);
        paths.create_dir().unwrap();
        let mut status = JobStatus::starting(id, "Fake".into(), 1, Timestamp::now());
        if n % 3 == 0 {
            status.finish(ExitReason::Succeeded);
        }
        write_json_atomic(&paths.status(), &status).unwrap();
    }
    let corrupt = JobId::generate().unwrap();
    state.job(&corrupt).create_dir().unwrap();
    std::fs::write(state.job(&corrupt).status(), b"{ not json").unwrap();

    let order: Vec<JobId> = StateDir::ids_in(&state.jobs_dir()).unwrap();
    let listed = runner.list(None).unwrap();
    let listed_ids: Vec<JobId> = listed
        .iter()
        .map(|job| match job {
            ListedJob::Job(status) => status.id.clone(),
            ListedJob::Corrupt { id, .. } => id.clone(),
        })
        .collect();
    assert_eq!(listed_ids, order, "every job once, in directory order");
    let corrupt_listed: Vec<_> = listed
        .iter()
        .filter(|job| matches!(job, ListedJob::Corrupt { .. }))
        .collect();
    assert_eq!(corrupt_listed.len(), 1);
    let succeeded = runner.list(Some(JobState::Succeeded)).unwrap();
    assert_eq!(succeeded.len(), count.div_ceil(3));
    let starting = runner.list(Some(JobState::Starting)).unwrap();
    assert_eq!(starting.len(), count - count.div_ceil(3));
}
